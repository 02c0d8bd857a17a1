//! Tests of the helper table and of each native implementation on encoded events.

use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::event::{Encoder, EventBuf, Schema, SchemaSet};
use crate::memory::{Memory, MemoryRegion, RegionKind};

/// Encodes `event` (a process_exec, file_open or network_connect JSON value).
fn encode(event: serde_json::Value) -> (Schema, EventBuf) {
    let set = SchemaSet::endpoint();
    let encoder = Encoder::new(&set);
    let mut buf = EventBuf::new();
    encoder.encode_into(&event, &mut buf).unwrap();
    let schema = set.get(buf.type_id()).unwrap().clone();
    (schema, buf)
}

/// Calls helper `name` natively with `args` (r2 = the field named `field`) and `mem`.
fn call(
    schema: &Schema,
    buf: &EventBuf,
    name: &str,
    field: &str,
    mem: &[u8],
    extra: u64,
) -> Result<u64, RfHelperError> {
    let helper = rf_helper_by_name(name).unwrap();
    let field_id = schema.field_id(field).unwrap() as u64;
    let view = buf.view(schema.layout());
    let call = RfCall {
        args: [0, field_id, 0, mem.len() as u64, extra],
        mem,
    };
    (helper.native)(&view, &call, &mut AlertSink::default())
}

fn exec() -> (Schema, EventBuf) {
    encode(json!({
        "type": "process_exec",
        "exe": "/usr/bin/NC.openbsd",
        "args": ["nc", "-e", "/bin/sh", ""],
        "cwd": "",
        "tty": "pts/0",
    }))
}

#[test]
fn table_numbers_are_unique_ascending_from_1000_and_signatures_agree() {
    for (expected, helper) in (RF_HELPER_BASE..).zip(RF_HELPERS) {
        assert_eq!(helper.id, expected, "{}", helper.name);
        assert!(helper.name.starts_with("rf_"));
        assert!(helper.params.len() <= 5);
        assert_eq!(helper.params[0].kind, RfArgKind::Context);
        let (mem_idx, size_idx) = helper.mem_arg().expect("every rf helper takes memory");
        assert_eq!(helper.params[size_idx].kind, RfArgKind::Size);
        assert_eq!(size_idx, mem_idx + 1);
        assert!(helper.params[mem_idx].c_type.ends_with('*'));
        assert_eq!(rf_helper(helper.id).unwrap().name, helper.name);
    }
    assert_eq!(
        rf_helper_by_name("rf_str_eq").unwrap().c_declaration(),
        "static long (* const rf_str_eq)(const void *ctx, __u32 field_id, const char *s, __u32 len) = (void *) 1000;"
    );
    assert_eq!(
        rf_helper_by_name("rf_cidr_match").unwrap().c_prototype(),
        "long rf_cidr_match(const void *ctx, __u32 field_id, const void *net, __u32 net_len, __u32 prefix_len)"
    );
}

#[test]
fn string_tests_on_a_str_field() {
    let (schema, buf) = exec();
    let t = |name: &str, pattern: &[u8]| call(&schema, &buf, name, "exe", pattern, 0).unwrap();
    assert_eq!(t("rf_str_eq", b"/usr/bin/NC.openbsd"), 1);
    assert_eq!(t("rf_str_eq", b"/usr/bin/nc.openbsd"), 0);
    assert_eq!(t("rf_str_eq_ci", b"/usr/bin/nc.openbsd"), 1);
    assert_eq!(t("rf_str_prefix", b"/usr/bin/"), 1);
    assert_eq!(t("rf_str_prefix", b"/bin/"), 0);
    assert_eq!(t("rf_str_prefix_ci", b"/USR/"), 1);
    assert_eq!(t("rf_str_suffix", b".openbsd"), 1);
    assert_eq!(t("rf_str_suffix_ci", b".OPENBSD"), 1);
    assert_eq!(t("rf_str_suffix", b".OPENBSD"), 0);
    assert_eq!(t("rf_str_contains", b"NC."), 1);
    assert_eq!(t("rf_str_contains", b"nc."), 0);
    assert_eq!(t("rf_str_contains_ci", b"nc."), 1);
    assert_eq!(t("rf_str_glob", b"*/NC.*"), 1);
    assert_eq!(t("rf_str_glob", b"*/nc.*"), 0);
    assert_eq!(t("rf_str_glob_ci", b"*/nc.*"), 1);
    assert_eq!(t("rf_str_glob", b"*"), 1);
    // Longer than the field.
    assert_eq!(t("rf_str_eq", b"/usr/bin/NC.openbsd.longer"), 0);
    assert_eq!(t("rf_str_prefix", b"/usr/bin/NC.openbsd.longer"), 0);
    assert_eq!(t("rf_str_suffix_ci", b"x/usr/bin/NC.openbsd"), 0);
    assert_eq!(t("rf_str_contains_ci", b"/usr/bin/NC.openbsd!"), 0);
    // The empty pattern.
    assert_eq!(t("rf_str_eq", b""), 0);
    assert_eq!(t("rf_str_prefix", b""), 1);
    assert_eq!(t("rf_str_contains", b""), 1);
}

#[test]
fn string_tests_on_empty_and_missing_fields() {
    let (schema, buf) = exec();
    // cwd is "" (given), parent_exe is missing (so empty too).
    for field in ["cwd", "parent_exe"] {
        let t = |name: &str, pattern: &[u8]| call(&schema, &buf, name, field, pattern, 0).unwrap();
        assert_eq!(t("rf_str_eq", b""), 1);
        assert_eq!(t("rf_str_eq", b"/"), 0);
        assert_eq!(t("rf_str_glob", b"*"), 1);
        assert_eq!(t("rf_str_glob", b"?"), 0);
        assert_eq!(t("rf_str_contains_ci", b""), 1);
    }
}

#[test]
fn string_tests_on_a_list_field_match_any_element() {
    let (schema, buf) = exec();
    let t = |name: &str, pattern: &[u8]| call(&schema, &buf, name, "args", pattern, 0).unwrap();
    assert_eq!(t("rf_str_eq", b"-e"), 1);
    assert_eq!(t("rf_str_eq", b"nc"), 1);
    assert_eq!(t("rf_str_eq", b"/bin/sh"), 1);
    // The fourth element is the empty string.
    assert_eq!(t("rf_str_eq", b""), 1);
    // No element spans the separator.
    assert_eq!(t("rf_str_contains", b"-e\0"), 0);
    assert_eq!(t("rf_str_eq", b"nc -e"), 0);
    assert_eq!(t("rf_str_prefix", b"/bin"), 1);
    assert_eq!(t("rf_str_suffix", b"sh"), 1);
    assert_eq!(t("rf_str_glob", b"-?"), 1);
    assert_eq!(t("rf_str_glob_ci", b"/BIN/*"), 1);
    assert_eq!(t("rf_in_set", b"bash\0sh\0/bin/sh\0"), 1);
    assert_eq!(t("rf_in_set", b"bash\0zsh\0"), 0);

    // The empty list matches nothing, not even the empty pattern.
    let (schema, buf) = encode(json!({"type": "process_exec", "args": []}));
    let t = |name: &str, pattern: &[u8]| call(&schema, &buf, name, "args", pattern, 0).unwrap();
    assert_eq!(t("rf_str_eq", b""), 0);
    assert_eq!(t("rf_str_glob", b"*"), 0);
    assert_eq!(t("rf_in_set", b"\0"), 0);
    // One empty element does match it.
    let (schema, buf) = encode(json!({"type": "process_exec", "args": [""]}));
    assert_eq!(call(&schema, &buf, "rf_str_eq", "args", b"", 0), Ok(1));
}

#[test]
fn in_set_on_a_str_field() {
    let (schema, buf) = encode(json!({"type": "process_exec", "exe": "sh"}));
    let t = |set: &[u8]| call(&schema, &buf, "rf_in_set", "exe", set, 0).unwrap();
    assert_eq!(t(b"bash\0sh\0zsh\0"), 1);
    assert_eq!(t(b"bash\0sh"), 1);
    assert_eq!(t(b"bash\0shx\0"), 0);
    assert_eq!(t(b""), 0);
    assert_eq!(t(b"\0"), 0);
}

#[test]
fn cidr_on_ipv4_mapped_and_ipv6_addresses() {
    let (schema, buf) = encode(json!({
        "type": "network_connect",
        "saddr": "10.1.2.3",
        "daddr": "2001:db8::1",
    }));
    let t = |field: &str, net: &[u8], prefix: u64| {
        call(&schema, &buf, "rf_cidr_match", field, net, prefix).unwrap()
    };
    assert_eq!(t("saddr", &[10, 0, 0, 0], 8), 1);
    assert_eq!(t("saddr", &[192, 168, 0, 0], 16), 0);
    assert_eq!(t("saddr", &[0, 0, 0, 0], 0), 1);
    assert_eq!(t("saddr", &[10, 1, 2, 3], 32), 1);
    assert_eq!(t("saddr", &[10, 1, 2, 4], 32), 0);
    // An IPv4 network never matches a real IPv6 address, even at /0.
    assert_eq!(t("daddr", &[0, 0, 0, 0], 0), 0);
    let db8: [u8; 16] = "2001:db8::".parse::<std::net::Ipv6Addr>().unwrap().octets();
    assert_eq!(t("daddr", &db8, 32), 1);
    assert_eq!(t("daddr", &[0; 16], 0), 1);
    let one: [u8; 16] = "2001:db8::1"
        .parse::<std::net::Ipv6Addr>()
        .unwrap()
        .octets();
    assert_eq!(t("daddr", &one, 128), 1);
    assert_eq!(t("daddr", &db8, 128), 0);
    // Malformed networks and prefixes.
    assert_eq!(t("saddr", &[10, 0, 0], 8), EINVAL);
    assert_eq!(t("saddr", &[], 0), EINVAL);
    assert_eq!(t("saddr", &[0; 8], 8), EINVAL);
    assert_eq!(t("saddr", &[10, 0, 0, 0], 33), EINVAL);
    assert_eq!(t("daddr", &db8, 129), EINVAL);
    assert_eq!(t("saddr", &[10, 0, 0, 0], 1 << 32), EINVAL);
}

#[test]
fn cidr_on_an_ipv4_field() {
    let schema = Schema::builder("flow", 1)
        .field("addr", crate::event::FieldKind::Ipv4, "")
        .build()
        .unwrap();
    let set = SchemaSet::new().with(1, schema.clone()).unwrap();
    let mut buf = EventBuf::new();
    Encoder::new(&set)
        .encode_into(&json!({"addr": "192.168.1.20"}), &mut buf)
        .unwrap();
    let t = |net: &[u8], prefix: u64| {
        call(&schema, &buf, "rf_cidr_match", "addr", net, prefix).unwrap()
    };
    assert_eq!(t(&[192, 168, 0, 0], 16), 1);
    assert_eq!(t(&[192, 169, 0, 0], 16), 0);
    let mapped = std::net::Ipv4Addr::new(192, 168, 0, 0)
        .to_ipv6_mapped()
        .octets();
    assert_eq!(t(&mapped, 112), 1);
}

#[test]
fn wrong_fields_are_faults_not_answers() {
    let (schema, buf) = exec();
    assert!(matches!(
        call(&schema, &buf, "rf_str_eq", "pid", b"1", 0),
        Err(RfHelperError::WrongFieldKind { field, .. }) if field == "pid"
    ));
    assert!(matches!(
        call(&schema, &buf, "rf_cidr_match", "exe", &[0; 4], 0),
        Err(RfHelperError::WrongFieldKind { .. })
    ));
    let helper = rf_helper_by_name("rf_str_eq").unwrap();
    let view = buf.view(schema.layout());
    let call = RfCall {
        args: [0, 99, 0, 0, 0],
        mem: b"",
    };
    assert_eq!(
        (helper.native)(&view, &call, &mut AlertSink::default()),
        Err(RfHelperError::NoSuchField {
            helper: "rf_str_eq",
            field_id: 99,
            n_fields: 12
        })
    );
}

#[test]
fn corrupt_descriptors_are_faults() {
    let (schema, mut buf) = exec();
    let exe = schema.layout().fields[schema.field_id("exe").unwrap() as usize].offset as usize;
    buf.put_fixed(exe + 4, &u32::MAX.to_le_bytes());
    assert!(matches!(
        call(&schema, &buf, "rf_str_eq", "exe", b"", 0),
        Err(RfHelperError::BadDescriptor { .. })
    ));
}

#[test]
fn alerts_record_rule_id_and_payload_and_refuse_overflow() {
    let (schema, buf) = exec();
    let helper = rf_helper_by_name("rf_alert").unwrap();
    let view = buf.view(schema.layout());
    let mut sink = AlertSink::new(2);
    let mut alert = |rule_id: u64, payload: &[u8]| {
        let call = RfCall {
            args: [0, rule_id, 0, payload.len() as u64, 0],
            mem: payload,
        };
        (helper.native)(&view, &call, &mut sink).unwrap()
    };
    assert_eq!(alert(7, b"nc -e"), 0);
    assert_eq!(alert(8, &[b'x'; 65]), E2BIG);
    assert_eq!(alert(9, &[b'y'; 64]), 0);
    assert_eq!(alert(10, b""), ENOSPC);
    assert_eq!(sink.alerts().len(), 2);
    assert_eq!(sink.alerts()[0].rule_id, 7);
    assert_eq!(sink.alerts()[0].payload(), b"nc -e");
    assert_eq!(sink.alerts()[1].payload(), &[b'y'; 64]);
    assert_eq!(sink.dropped(), 1);
    sink.clear();
    assert!(sink.alerts().is_empty());
    assert_eq!(sink.dropped(), 0);
}

#[test]
fn checked_helpers_read_event_and_pattern_through_memory() {
    let (schema, mut buf) = exec();
    let mut helpers = crate::helpers::Helpers::new();
    register_checked(&mut helpers, Arc::new(schema.layout().clone()));
    let mut state = crate::helpers::RunState::default();
    let exe = schema.field_id("exe").unwrap() as u64;
    let pattern = b"*NC*".to_vec();
    let payload = b"hit".to_vec();
    let event = buf.prepare();
    let ctx = event.as_ptr() as u64;
    let mut memory = Memory::new(vec![
        MemoryRegion::read_only(RegionKind::Context, event),
        MemoryRegion::read_only(RegionKind::ReadOnlyData, &pattern),
        MemoryRegion::read_only(RegionKind::ReadOnlyData, &payload),
    ]);
    memory.set_run_state(&mut state);
    let glob = helpers.get(1004).unwrap();
    let args = [ctx, exe, pattern.as_ptr() as u64, 4, 0];
    assert_eq!(glob.call(&mut memory, args), Ok(1));
    // A pattern length past its region is a memory fault.
    let args = [ctx, exe, pattern.as_ptr() as u64, 5, 0];
    assert!(matches!(
        glob.call(&mut memory, args),
        Err(crate::helpers::HelperError::Memory(_))
    ));
    let alert = helpers.get(1012).unwrap();
    let args = [ctx, 42, payload.as_ptr() as u64, 3, 0];
    assert_eq!(alert.call(&mut memory, args), Ok(0));
    assert_eq!(memory.run_state().unwrap().alerts.alerts()[0].rule_id, 42);
    // A field id the verifier would have refused is a fault naming the helper.
    let args = [ctx, 1000, pattern.as_ptr() as u64, 4, 0];
    assert!(matches!(
        glob.call(&mut memory, args),
        Err(crate::helpers::HelperError::Failed(message)) if message.starts_with("rf_str_glob")
    ));
}

/// Where a direct call's memory argument is taken from, in [`direct_calls_agree_with_the_checked_helpers`].
#[derive(Clone, Copy, Debug)]
enum Arg {
    /// Offset into the visible stack frame.
    Stack(u64),
    /// Offset into the frame below it (not visible at depth 0).
    HiddenStack(u64),
    /// Offset into the map's value slab.
    Map(u64),
    Context(u64),
    Data(u64),
    Absolute(u64),
}

/// The direct entry of every rf_* helper answers as its checked entry does, or not at all,
/// for good and bad context pointers, corrupt data pointers, field ids of every kind and
/// memory arguments inside and across every region (and none): it can never read what the
/// checked helper refuses.
#[test]
fn direct_calls_agree_with_the_checked_helpers() {
    use super::direct::EventRegions;
    use crate::helpers::{HelperError, RunState};
    use crate::maps::{Map, Maps};

    const FRAME: usize = 64;
    let (schema, mut buf) = exec();
    let layout = Arc::new(schema.layout().clone());
    let fixed_len = buf.fixed_len();
    let bytes = buf.prepare().to_vec();
    // The context copy holds the data pointers of `data` below, as the entry contract makes.
    let data: Vec<u8> = bytes[fixed_len..].to_vec();
    let mut context: Vec<u8> = bytes[..fixed_len].to_vec();
    let data_ptr = data.as_ptr() as u64;
    context[0..8].copy_from_slice(&data_ptr.to_le_bytes());
    context[8..16].copy_from_slice(&(data_ptr + data.len() as u64).to_le_bytes());
    let mut value = [0u8; 300];
    value[..40].copy_from_slice(b"nc\0ncat\0-e\0/usr/bin/NC.openbsd\0sh\0\0\0\0\0\0\0");
    // A .rodata map: read from its frozen copy when the caller gives it, else word by word.
    let maps = Maps::new([Map::global_data(".rodata", true, &value).unwrap()]);
    let frozen = super::direct::frozen_regions(&maps);
    assert_eq!(frozen.len(), 1);
    let map_base = maps.get(0).unwrap().value_region().base;
    let mut stack = vec![0u8; 2 * FRAME];
    stack[FRAME..FRAME + 6].copy_from_slice(b"-e\0nc\0");
    stack[0..3].copy_from_slice(b"nc\0");

    let field_ids = [
        schema.field_id("exe").unwrap() as u64,
        schema.field_id("args").unwrap() as u64,
        schema.field_id("pid").unwrap() as u64,
        999,
        u64::MAX,
    ];
    let args_at = [
        (Arg::Map(0), 2),
        (Arg::Map(3), 4),
        (Arg::Map(8), 2),
        (Arg::Map(11), 19),
        (Arg::Map(0), 11),
        (Arg::Map(290), 10),
        (Arg::Map(295), 10),
        (Arg::Map(0), 300),
        (Arg::Map(300), 0),
        (Arg::Map(301), 0),
        (Arg::Stack(0), 2),
        (Arg::Stack(3), 3),
        (Arg::Stack(60), 8),
        (Arg::HiddenStack(0), 2),
        (Arg::HiddenStack(62), 4),
        (Arg::Context(16), 4),
        (Arg::Context(fixed_len as u64 - 2), 4),
        (Arg::Data(0), 3),
        (Arg::Data(data.len() as u64), 1),
        (Arg::Absolute(0), 0),
        (Arg::Absolute(8), 4),
        (Arg::Absolute(u64::MAX - 1), 4),
        (Arg::Map(0), u64::MAX),
    ];
    let mut answered = 0;
    let mut total = 0;
    for helper in RF_HELPERS {
        let checked = checked::checked_helper(helper, layout.clone());
        let direct = checked
            .direct()
            .expect("every rf helper has a direct entry");
        for corrupt in 0..4u64 {
            // 0: as prepared; 1: data moved by one; 2: data_end past the data; 3: data_end
            // below data.
            let mut ctx = context.clone();
            match corrupt {
                1 => ctx[0..8].copy_from_slice(&(data_ptr + 1).to_le_bytes()),
                2 => ctx[8..16].copy_from_slice(&(data_ptr + data.len() as u64 + 1).to_le_bytes()),
                3 => ctx[8..16].copy_from_slice(&(data_ptr - 1).to_le_bytes()),
                _ => {}
            }
            let ctx_base = ctx.as_ptr() as u64;
            for ctx_arg in [ctx_base, ctx_base + 8, data_ptr] {
                for &field in &field_ids {
                    for &(at, len) in &args_at {
                        let top_frame = stack.as_ptr() as u64 + FRAME as u64;
                        let addr = match at {
                            Arg::Stack(off) => top_frame + off,
                            Arg::HiddenStack(off) => stack.as_ptr() as u64 + off,
                            Arg::Map(off) => map_base + off,
                            Arg::Context(off) => ctx_base + off,
                            Arg::Data(off) => data_ptr + off,
                            Arg::Absolute(addr) => addr,
                        };
                        let args = [ctx_arg, field, addr, len, 24];
                        let mut checked_state = RunState::default();
                        let expected: Result<u64, HelperError> = {
                            let regions = vec![
                                MemoryRegion::read_only(RegionKind::Context, &ctx),
                                MemoryRegion::read_only(RegionKind::ReadOnlyData, &data),
                                MemoryRegion::shared(
                                    RegionKind::MapValue { map_idx: 0 },
                                    maps.get(0).unwrap().value_words(),
                                    maps.get(0).unwrap().value_region().len as usize,
                                    false,
                                ),
                            ];
                            let mut memory = Memory::with_stack(&mut stack, FRAME, regions);
                            memory.set_run_state(&mut checked_state);
                            checked.call(&mut memory, args)
                        };
                        for frozen in [&frozen[..], &[]] {
                            let regions = EventRegions {
                                stack: &stack[FRAME..],
                                context: &ctx,
                                data: &data,
                                maps: &maps,
                                frozen,
                            };
                            let mut direct_state = RunState::default();
                            let got = direct.call_direct(&regions, args, Some(&mut direct_state));
                            total += 1;
                            if let Some(got) = got {
                                answered += 1;
                                let case = format!(
                                    "{} corrupt {corrupt} ctx {:#x} field {field} {at:?} len {len}",
                                    helper.name,
                                    ctx_arg.wrapping_sub(ctx_base)
                                );
                                assert_eq!(got, expected, "{case}");
                                assert_eq!(
                                    direct_state.alerts.alerts(),
                                    checked_state.alerts.alerts(),
                                    "{case}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    // The common case (a good context, a pattern in .rodata or on the stack) is answered
    // directly.
    assert!(answered * 20 > total, "{answered} of {total}");
    let exe = field_ids[0];
    let regions = EventRegions {
        stack: &stack[FRAME..],
        context: &context,
        data: &data,
        maps: &maps,
        frozen: &frozen,
    };
    let eq = checked::checked_helper(rf_helper_by_name("rf_str_eq").unwrap(), layout);
    let pattern = map_base + 11;
    assert_eq!(
        eq.direct().unwrap().call_direct(
            &regions,
            [context.as_ptr() as u64, exe, pattern, 19, 0],
            None
        ),
        Some(Ok(1))
    );
}

/// A helper's plain test (`plain`) answers as its `element_test` on the whole pattern, since
/// a compiler runs (or emits inline) the former in place of the latter; and only the
/// case-sensitive equality, prefix, suffix, substring and glob tests have one.
#[test]
fn the_plain_test_of_a_pattern_is_the_element_test_it_replaces() {
    let texts: [&[u8]; 8] = [b"", b"a", b"ab", b"abc", b"bc", b"xabc", b"ABC", b"a*c"];
    let patterns: [&[u8]; 12] = [
        b"", b"a", b"ab", b"abc", b"bc", b"*", b"*c", b"a*", b"*b*", b"a*c", b"?", b"**ab**",
    ];
    let mut with_plain = Vec::new();
    for helper in RF_HELPERS {
        if helper.plain.is_none() {
            continue;
        }
        with_plain.push(helper.name);
        let test = helper
            .element_test
            .expect("a plain test replaces an element test");
        for pattern in patterns {
            let Some((plain, part)) = helper.as_plain(pattern) else {
                continue;
            };
            for text in texts {
                assert_eq!(
                    plain.element_test()(text, &pattern[part.clone()]),
                    test(text, pattern),
                    "{} {text:?} {pattern:?} as {plain:?}",
                    helper.name
                );
            }
        }
    }
    assert_eq!(
        with_plain,
        [
            "rf_str_eq",
            "rf_str_prefix",
            "rf_str_suffix",
            "rf_str_contains",
            "rf_str_glob"
        ]
    );
}
