//! The rf_* helpers called directly by an engine that knows the run's memory as slices (the
//! JIT, before anything needed the general [`Memory`](crate::Memory) view): the event's
//! context and data area are taken as they are, not found by a scan of every region, and
//! the one memory argument is looked up in the visible stack, the context, the data area
//! and the map values, exactly as [`Memory`](crate::Memory) would find it.
//!
//! Same answers as [`checked_helper`](super::checked::checked_helper) by construction: the
//! direct call answers only when every read it makes lies inside one of those regions
//! (which is what the checked helper requires, regions never overlapping), with the same
//! bytes; otherwise it returns `None` and the engine takes the checked path, which then
//! yields the same result or the exact fault. So a direct call can never read a byte the
//! checked helper would have refused.
#![forbid(unsafe_code)]

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::{AlertSink, RfCall, RfHelper};
use crate::event::{EventView, Layout};
use crate::helpers::{HelperError, RunState};
use crate::maps::{MapType, Maps};
use crate::memory::READ_WITH_INLINE;

/// Where a context holds `data` and `data_end`, the bounds of the data area the helpers
/// read the event's strings from.
pub const DATA_AT: usize = 0;
pub const DATA_END_AT: usize = 8;

/// One rf_* helper bound to the layout of the event type its programs receive: what an
/// engine calls without building [`Memory`](crate::Memory) (see [`RfBound::call_direct`]).
#[derive(Debug)]
pub struct RfBound {
    helper: &'static RfHelper,
    layout: Arc<Layout>,
    /// The index of the memory argument and of its size argument.
    mem_arg: Option<(usize, usize)>,
    /// Whether the helper records alerts (only `rf_alert` borrows the run's sink).
    records_alerts: bool,
}

/// The memory of one event run, as [`Memory`](crate::Memory) would show it to a helper:
/// the visible stack frames, the context, the data area, the maps' values. The slices must be
/// exactly the regions' bytes (the same base and length).
#[derive(Clone, Copy, Debug)]
pub struct EventRegions<'r> {
    /// The stack frames visible to the caller (frames 0 to its depth).
    pub stack: &'r [u8],
    /// The context the program's `r1` pointed to at entry.
    pub context: &'r [u8],
    /// The event's data area.
    pub data: &'r [u8],
    /// The program's maps.
    pub maps: &'r Maps,
    /// Copies of the maps' values that never change ([`frozen_regions`]), looked up before
    /// `maps`.
    pub frozen: &'r [FrozenRegion],
}

/// A plain copy of the values of a map nobody may ever write (a `.rodata` section: programs
/// may not, and [`Map::update`](crate::maps::Map::update) refuses the host), so that its
/// bytes are read as they are rather than copied out word by word on every call. Its base
/// is the map's, so it answers for the map's addresses.
#[derive(Clone, Debug)]
pub struct FrozenRegion {
    base: u64,
    bytes: Arc<[u8]>,
}

/// The frozen copies of the read-only global-data maps of `maps`.
pub fn frozen_regions(maps: &Maps) -> Vec<FrozenRegion> {
    maps.iter()
        .filter(|map| matches!(map.def().map_type, MapType::GlobalData { read_only: true }))
        .map(|map| {
            let words = map.value_words();
            let size = (map.value_region().len as usize).min(words.len() * 8);
            let mut bytes = vec![0u8; size.div_ceil(8) * 8];
            let copied = copy_shared(words, 0, size, &mut bytes).to_vec();
            FrozenRegion {
                base: words.as_ptr() as u64,
                bytes: copied.into(),
            }
        })
        .collect()
}

impl RfBound {
    /// `helper` for programs whose context is an event laid out as `layout`.
    pub fn new(helper: &'static RfHelper, layout: Arc<Layout>) -> RfBound {
        RfBound {
            helper,
            layout,
            mem_arg: helper.mem_arg(),
            records_alerts: helper.name == "rf_alert",
        }
    }

    /// The helper.
    pub fn helper(&self) -> &'static RfHelper {
        self.helper
    }

    /// The layout of the event type its programs receive.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Calls the helper on `regions` with `r1`-`r5 = args`, recording alerts in `state`:
    /// `Some` with what the checked helper would return, or `None` when a read lies outside
    /// the regions given (the caller then takes the checked path). Allocates nothing unless
    /// the helper fails.
    #[inline]
    pub fn call_direct(
        &self,
        regions: &EventRegions<'_>,
        args: [u64; 5],
        state: Option<&mut RunState>,
    ) -> Option<Result<u64, HelperError>> {
        let event = self.event(regions.context, regions.data, args[0])?;
        let mut empty = AlertSink::new(0);
        let sink = match state {
            Some(state) if self.records_alerts => &mut state.alerts,
            _ => &mut empty,
        };
        let mut call = |mem: &[u8]| self.call_native(&event, args, mem, sink);
        match self.mem_arg {
            Some((ptr_idx, len_idx)) => read_with(regions, args[ptr_idx], args[len_idx], call),
            None => Some(call(&[])),
        }
    }

    /// [`RfBound::call_direct`] for a helper with an [`element_test`] (`rf_str_*`,
    /// `rf_in_set`) whose memory argument's bytes are already known to be `pattern` (a
    /// compiled call site whose pattern is a constant in a frozen map, see [`FrozenSlice`]):
    /// the test itself on each element of the field `args[1]`, without the search of the
    /// regions or the helper's argument handling. `None` where the helper would fail (no
    /// such string field, a descriptor outside the data area) or `args[0]` is not the
    /// context.
    ///
    /// [`element_test`]: super::RfHelper::element_test
    #[inline]
    pub fn call_element_test(
        &self,
        context: &[u8],
        data: &[u8],
        args: [u64; 5],
        pattern: &[u8],
    ) -> Option<u64> {
        let test = self.helper.element_test?;
        let event = self.event(context, data, args[0])?;
        let mut strings = event.strings(u32::try_from(args[1]).ok()?)?;
        Some(u64::from(strings.any(|element| test(element, pattern))))
    }

    /// The event `ctx` (the helper's `r1`) shows, if it is the context: its fixed part is
    /// the context and its data area what the context's `data` and `data_end` delimit.
    #[inline]
    fn event<'e>(&'e self, context: &'e [u8], data: &'e [u8], ctx: u64) -> Option<EventView<'e>> {
        let fixed = slice_at(context, ctx, u64::from(self.layout.size))?;
        let data_ptr = u64::from_le_bytes(fixed.get(DATA_AT..DATA_AT + 8)?.try_into().ok()?);
        let data_end =
            u64::from_le_bytes(fixed.get(DATA_END_AT..DATA_END_AT + 8)?.try_into().ok()?);
        let data = slice_at(data, data_ptr, data_end.checked_sub(data_ptr)?)?;
        EventView::new(&self.layout, fixed, data)
    }

    #[inline]
    fn call_native(
        &self,
        event: &EventView<'_>,
        args: [u64; 5],
        mem: &[u8],
        sink: &mut AlertSink,
    ) -> Result<u64, HelperError> {
        let rf_call = RfCall { args, mem };
        (self.helper.native)(event, &rf_call, sink)
            .map_err(|err| HelperError::Failed(err.to_string()))
    }
}

/// Bytes of a frozen map (a constant pattern of a compiled call site): the bytes in `range`
/// of the region's copy, kept alive by this handle.
#[derive(Clone, Debug)]
pub struct FrozenSlice {
    bytes: Arc<[u8]>,
    range: Range<usize>,
}

impl FrozenSlice {
    /// The `len` bytes at `addr` if they lie inside one of `frozen` (regions never overlap,
    /// so this is what [`RfBound::call_direct`] would read there).
    pub fn find(frozen: &[FrozenRegion], addr: u64, len: u64) -> Option<FrozenSlice> {
        frozen.iter().find_map(|region| {
            Some(FrozenSlice {
                range: range_from(region.base, &region.bytes, addr, len)?,
                bytes: region.bytes.clone(),
            })
        })
    }

    /// The bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[self.range.clone()]
    }
}

/// `bytes[addr - base..][..len]` if the range lies inside `bytes` (base = its address).
#[inline]
fn slice_at(bytes: &[u8], addr: u64, len: u64) -> Option<&[u8]> {
    slice_from(bytes.as_ptr() as u64, bytes, addr, len)
}

/// `bytes[addr - base..][..len]` if the range lies inside `bytes`, seen at address `base`.
#[inline]
fn slice_from(base: u64, bytes: &[u8], addr: u64, len: u64) -> Option<&[u8]> {
    bytes.get(range_from(base, bytes, addr, len)?)
}

/// The indices of `bytes[addr - base..][..len]` if the range lies inside `bytes`, seen at
/// address `base`.
#[inline]
fn range_from(base: u64, bytes: &[u8], addr: u64, len: u64) -> Option<Range<usize>> {
    let start = usize::try_from(addr.checked_sub(base)?).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    (end <= bytes.len()).then_some(start..end)
}

/// Calls `f` with the `len` bytes at `addr`, found in the stack, the context, the data area
/// or a map's values (copied word by word, each word read atomically, onto the stack when
/// at most [`READ_WITH_INLINE`] bytes); `None` if they lie in none of them.
#[inline]
fn read_with<R>(
    regions: &EventRegions<'_>,
    addr: u64,
    len: u64,
    f: impl FnOnce(&[u8]) -> R,
) -> Option<R> {
    // Literals first: most patterns live in `.rodata`. (Regions never overlap, so the
    // order changes no answer.)
    for region in regions.frozen {
        if let Some(slice) = slice_from(region.base, &region.bytes, addr, len) {
            return Some(f(slice));
        }
    }
    for bytes in [regions.stack, regions.context, regions.data] {
        if let Some(slice) = slice_at(bytes, addr, len) {
            return Some(f(slice));
        }
    }
    let n = usize::try_from(len)
        .ok()
        .filter(|&n| n <= READ_WITH_INLINE)?;
    for map in regions.maps.iter() {
        let words = map.value_words();
        let size = (map.value_region().len as usize).min(words.len() * 8);
        let Some(start) = addr
            .checked_sub(words.as_ptr() as u64)
            .and_then(|start| usize::try_from(start).ok())
            .filter(|&start| start <= size && n <= size - start)
        else {
            continue;
        };
        // Most literals are short: copy them into a buffer that is cheap to clear.
        return Some(if start % 8 + n <= SHORT_COPY {
            let mut copy = [0u8; SHORT_COPY];
            f(copy_shared(words, start, n, &mut copy))
        } else {
            let mut copy = [0u8; READ_WITH_INLINE + 8];
            f(copy_shared(words, start, n, &mut copy))
        });
    }
    None
}

/// The largest copy (with the offset in its first word) [`read_with`] makes in its small
/// buffer.
const SHORT_COPY: usize = 64;

/// Copies the words holding bytes `start..start + n` of `words` into `buf` (one atomic
/// load per word) and returns those bytes. `start + n` must be at most `8 * words.len()` and
/// `start % 8 + n` at most `buf.len()`.
#[inline]
fn copy_shared<'b>(words: &[AtomicU64], start: usize, n: usize, buf: &'b mut [u8]) -> &'b [u8] {
    let (first, shift) = (start / 8, start % 8);
    let n_words = (shift + n).div_ceil(8);
    for (chunk, word) in buf.chunks_exact_mut(8).zip(&words[first..first + n_words]) {
        chunk.copy_from_slice(&word.load(Ordering::Relaxed).to_le_bytes());
    }
    &buf[shift..shift + n]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_shared_reads_any_unaligned_range() {
        let bytes: Vec<u8> = (0..40).collect();
        let words: Vec<AtomicU64> = bytes
            .chunks(8)
            .map(|chunk| AtomicU64::new(u64::from_le_bytes(chunk.try_into().unwrap())))
            .collect();
        for start in 0..40 {
            for len in 0..=(40 - start) {
                let mut buf = [0u8; 48];
                let out = copy_shared(&words, start, len, &mut buf);
                assert_eq!(out, &bytes[start..start + len], "{start}+{len}");
            }
        }
    }

    #[test]
    fn slice_at_refuses_ranges_that_leave_the_slice() {
        let bytes = [1u8, 2, 3, 4];
        let base = bytes.as_ptr() as u64;
        assert_eq!(slice_at(&bytes, base + 1, 3), Some(&bytes[1..]));
        assert_eq!(slice_at(&bytes, base + 4, 0), Some(&bytes[4..]));
        assert_eq!(slice_at(&bytes, base + 2, 3), None);
        assert_eq!(slice_at(&bytes, base - 1, 1), None);
        assert_eq!(slice_at(&bytes, base + 5, 0), None);
        assert_eq!(slice_at(&bytes, u64::MAX, 2), None);
    }
}
