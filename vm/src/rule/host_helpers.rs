//! The helpers a rule object runs with: Linux's map helpers bound to the object's maps, the
//! clock, `trace_printk` (its output captured in the run's
//! [`RunState`](crate::helpers::RunState)), a random number generator, and the rf_* helpers
//! for the event type. Every engine calls these same
//! functions through the [`Helpers`] registry; each reads program memory through
//! [`Memory`], so a helper is as checked as the program.
#![forbid(unsafe_code)]

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use crate::event::Layout;
use crate::helpers::{Helper, HelperError, Helpers};
use crate::maps::{helper_delete, helper_lookup, helper_update, Map, Maps};
use crate::memory::Memory;
use crate::rf_helpers::register_checked;
use crate::rule::program_type::linux;

/// The longest `trace_printk` format string.
const MAX_TRACE_FORMAT: u64 = 256;

/// The helpers for rules on events laid out as `layout`, over `maps`.
pub fn rule_helpers(maps: &Maps, layout: Arc<Layout>) -> Helpers {
    let mut helpers = Helpers::new();
    let lookup_maps = maps.clone();
    helpers.register(
        linux::MAP_LOOKUP_ELEM as u32,
        Helper::new("map_lookup_elem", move |memory, [map, key, ..]| {
            let map = map_at(&lookup_maps, map)?;
            let key = memory.read(key, map.def().key_size as u64)?;
            Ok(helper_lookup(map, &key))
        }),
    );
    let update_maps = maps.clone();
    helpers.register(
        linux::MAP_UPDATE_ELEM as u32,
        Helper::new(
            "map_update_elem",
            move |memory, [map, key, value, flags, _]| {
                let map = map_at(&update_maps, map)?;
                let key = memory.read(key, map.def().key_size as u64)?;
                let value = memory.read(value, map.def().value_size as u64)?;
                Ok(helper_update(map, &key, &value, flags))
            },
        ),
    );
    let delete_maps = maps.clone();
    helpers.register(
        linux::MAP_DELETE_ELEM as u32,
        Helper::new("map_delete_elem", move |memory, [map, key, ..]| {
            let map = map_at(&delete_maps, map)?;
            let key = memory.read(key, map.def().key_size as u64)?;
            Ok(helper_delete(map, &key))
        }),
    );
    helpers.register(
        linux::KTIME_GET_NS as u32,
        Helper::new("ktime_get_ns", |memory, _| {
            let fixed = memory.run_state().and_then(|state| state.clock_ns);
            Ok(fixed.unwrap_or_else(monotonic_ns))
        }),
    );
    helpers.register(
        linux::GET_PRANDOM_U32 as u32,
        Helper::new("get_prandom_u32", |memory, _| {
            let Some(state) = memory.run_state() else {
                return Ok(monotonic_ns() as u32 as u64);
            };
            if state.random == 0 {
                state.random = monotonic_ns() | 1;
            }
            // xorshift64
            state.random ^= state.random << 13;
            state.random ^= state.random >> 7;
            state.random ^= state.random << 17;
            Ok(state.random as u32 as u64)
        }),
    );
    helpers.register(
        linux::TRACE_PRINTK as u32,
        Helper::new("trace_printk", |memory, [fmt, fmt_size, a, b, c]| {
            let format = memory
                .read(fmt, fmt_size.min(MAX_TRACE_FORMAT))?
                .into_owned();
            let line = format_printk(&format, [a, b, c], memory)?;
            let written = line.len() as u64;
            if let Some(state) = memory.run_state() {
                state.trace.push(line);
            }
            Ok(written)
        }),
    );
    register_checked(&mut helpers, layout);
    helpers
}

/// The map with handle `handle` (its index).
fn map_at(maps: &Maps, handle: u64) -> Result<&Map, HelperError> {
    usize::try_from(handle)
        .ok()
        .and_then(|idx| maps.get(idx))
        .map(|map| &**map)
        .ok_or_else(|| HelperError::Failed(format!("{handle} is not a map of this program")))
}

/// Nanoseconds since this process first asked.
fn monotonic_ns() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Formats a `trace_printk` line: `%d %i %u %x %X %c %s %p %%` with optional `l`/`ll`
/// length modifiers, as the kernel's `bpf_trace_printk` accepts (at most three arguments).
fn format_printk(
    format: &[u8],
    args: [u64; 3],
    memory: &Memory<'_>,
) -> Result<String, HelperError> {
    let text = String::from_utf8_lossy(format);
    let text = text.trim_end_matches(['\0', '\n']);
    let mut out = String::new();
    let mut args = args.iter().copied();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut long = 0;
        while chars.peek() == Some(&'l') {
            chars.next();
            long += 1;
        }
        let Some(conversion) = chars.next() else {
            break;
        };
        if conversion == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.next() else {
            return Err(HelperError::Failed(
                "trace_printk: more conversions than arguments".into(),
            ));
        };
        let narrow = long == 0;
        match conversion {
            'd' | 'i' if narrow => out += &(arg as i32).to_string(),
            'd' | 'i' => out += &(arg as i64).to_string(),
            'u' if narrow => out += &(arg as u32).to_string(),
            'u' => out += &arg.to_string(),
            'x' if narrow => out += &format!("{:x}", arg as u32),
            'x' => out += &format!("{arg:x}"),
            'X' => out += &format!("{arg:X}"),
            'p' => out += &format!("{arg:#x}"),
            'c' => out.push(arg as u8 as char),
            's' => out += &String::from_utf8_lossy(&memory.read_c_str(arg, MAX_TRACE_FORMAT)?),
            other => {
                return Err(HelperError::Failed(format!(
                    "trace_printk: unsupported conversion %{other}"
                )))
            }
        }
    }
    Ok(out)
}
