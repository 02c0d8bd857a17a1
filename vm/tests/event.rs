//! Event schemas end to end: the layouts of the built-in event types, JSON events to binary
//! and back, every encoder and schema-file error message, the layout comparison that refuses
//! a 21-field rule on a 20-field host, and the C header (committed copy fresh, and compiled
//! with clang-19 when it is installed).
//!
//! `RINGFENCE_BLESS=1` rewrites the committed `sdk/include/ringfence.h` and
//! `sdk/schemas/endpoint.json` from the code.

use std::path::{Path, PathBuf};
use std::process::Command;

use ringfence_vm::event::{
    c_header, event_to_json, event_to_json_line, Encoder, EventBuf, EventErrorKind, FieldKind,
    Layout, LayoutMismatch, Schema, SchemaError, SchemaSet, StructMember,
};
use serde_json::{json, Value};

fn sdk_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sdk")
        .join(relative)
}

fn blessing() -> bool {
    std::env::var_os("RINGFENCE_BLESS").is_some_and(|value| value == "1")
}

/// Asserts that the committed file `relative` under sdk/ holds `generated`, or rewrites it
/// when blessing.
fn check_committed(relative: &str, generated: &str) {
    let path = sdk_path(relative);
    if blessing() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err}; run with RINGFENCE_BLESS=1", path.display()));
    assert!(
        committed == generated,
        "{} is stale: it differs from what the schemas generate; run \
         `RINGFENCE_BLESS=1 cargo test -p ringfence-vm --test event` and commit the result",
        path.display()
    );
}

fn offsets(layout: &Layout) -> Vec<(&str, u32, u32)> {
    layout
        .fields
        .iter()
        .map(|field| (field.name.as_str(), field.offset, field.size))
        .collect()
}

const PROCESS_OFFSETS: [(&str, u32, u32); 10] = [
    ("pid", 16, 4),
    ("ppid", 20, 4),
    ("uid", 24, 4),
    ("gid", 28, 4),
    ("exe", 32, 8),
    ("args", 40, 12),
    ("cwd", 52, 8),
    ("parent_exe", 60, 8),
    ("tty", 68, 8),
    ("container_id", 76, 8),
];

#[test]
fn builtin_layouts() {
    let set = SchemaSet::endpoint();
    let ids: Vec<(u32, &str)> = set.iter().map(|(id, s)| (id, s.name())).collect();
    assert_eq!(
        ids,
        [
            (1, "process_exec"),
            (2, "file_open"),
            (3, "network_connect"),
            (4, "auth_attempt")
        ]
    );

    let exec = set.get(1).unwrap().layout();
    assert_eq!((exec.data_offset, exec.data_end_offset), (0, 8));
    assert_eq!(&offsets(exec)[..10], PROCESS_OFFSETS);
    assert_eq!(
        &offsets(exec)[10..],
        [("stdin_type", 84, 1), ("stdout_type", 85, 1)]
    );
    assert_eq!(exec.size, 88);
    assert_eq!(exec.padding(), [(86, 2)]);

    let open = set.get(2).unwrap().layout();
    assert_eq!(&offsets(open)[..10], PROCESS_OFFSETS);
    assert_eq!(&offsets(open)[10..], [("path", 84, 8), ("flags", 92, 4)]);
    assert_eq!(open.size, 96);
    assert!(open.padding().is_empty());

    let connect = set.get(3).unwrap().layout();
    assert_eq!(&offsets(connect)[..10], PROCESS_OFFSETS);
    assert_eq!(
        &offsets(connect)[10..],
        [
            ("saddr", 84, 16),
            ("daddr", 100, 16),
            ("sport", 116, 2),
            ("dport", 118, 2),
            ("protocol", 120, 1)
        ]
    );
    assert_eq!(connect.size, 128);
    assert_eq!(connect.padding(), [(121, 7)]);

    let exec_schema = set.get(1).unwrap();
    assert_eq!(exec_schema.field_id("exe"), Some(4));
    assert_eq!(exec_schema.field(5).unwrap().kind, FieldKind::StrList);
}

#[test]
fn every_field_is_naturally_aligned_and_padding_is_exact() {
    let mut builder = Schema::builder("mixed", 3);
    for (n, kind) in FieldKind::ALL
        .iter()
        .rev()
        .chain(FieldKind::ALL.iter())
        .enumerate()
    {
        builder = builder.field(&format!("f{n}"), *kind, "");
    }
    let schema = builder.build().unwrap();
    let layout = schema.layout();
    let mut covered = 16;
    let mut pads = layout.padding().into_iter();
    for field in &layout.fields {
        assert_eq!(field.offset % field.kind.align(), 0, "{}", field.name);
        assert_eq!(field.size, field.kind.size());
        if field.offset > covered {
            assert_eq!(pads.next(), Some((covered, field.offset - covered)));
        }
        assert!(field.offset >= covered, "{} overlaps", field.name);
        covered = field.offset + field.size;
    }
    assert_eq!(layout.size % 8, 0);
    assert!(layout.size - covered < 8);
    if layout.size > covered {
        assert_eq!(pads.next(), Some((covered, layout.size - covered)));
    }
    assert_eq!(pads.next(), None);
}

fn round_trip(set: &SchemaSet, event: Value) -> Value {
    let encoder = Encoder::new(set);
    let mut buf = EventBuf::new();
    encoder.encode_into(&event, &mut buf).unwrap();
    let schema = set.get(buf.type_id()).unwrap();
    let decoded = event_to_json(schema, &buf.view(schema.layout()));
    // The schema-ordered line says the same.
    let line: Value =
        serde_json::from_str(&event_to_json_line(schema, &buf.view(schema.layout()))).unwrap();
    assert_eq!(line, decoded);
    // Encoding the decoded event gives the same bytes.
    let mut again = EventBuf::new();
    encoder.encode_into(&decoded, &mut again).unwrap();
    assert_eq!(again.fixed()[16..], buf.fixed()[16..]);
    assert_eq!(again.data(), buf.data());
    decoded
}

#[test]
fn json_round_trip_of_every_builtin_type() {
    let set = SchemaSet::endpoint();
    let exec = json!({
        "type": "process_exec", "pid": 4242, "ppid": 1, "uid": 0, "gid": 4294967295u32,
        "exe": "/bin/bash", "args": ["bash", "-i", "", "ünïcode"], "cwd": "/root",
        "parent_exe": "/usr/sbin/nginx", "tty": "pts/3", "container_id": "3f2a9c",
        "stdin_type": 4, "stdout_type": 4,
    });
    assert_eq!(round_trip(&set, exec.clone()), exec);

    let open = json!({
        "type": "file_open", "pid": 7, "ppid": 0, "uid": 1000, "gid": 1000, "exe": "/usr/bin/cat",
        "args": ["cat", "/etc/shadow"], "cwd": "/", "parent_exe": "", "tty": "", "container_id": "",
        "path": "/etc/shadow", "flags": 0,
    });
    assert_eq!(round_trip(&set, open.clone()), open);

    let connect = json!({
        "type": "network_connect", "pid": 9, "ppid": 8, "uid": 33, "gid": 33, "exe": "/usr/bin/ssh",
        "args": [], "cwd": "/var/www", "parent_exe": "/bin/sh", "tty": "", "container_id": "",
        "saddr": "10.0.0.5", "daddr": "2001:db8::1", "sport": 40000, "dport": 2222, "protocol": 6,
    });
    assert_eq!(round_trip(&set, connect.clone()), connect);
}

#[test]
fn missing_fields_are_zero_or_empty() {
    let set = SchemaSet::endpoint();
    let decoded = round_trip(&set, json!({"type": "network_connect", "dport": 22}));
    assert_eq!(decoded["pid"], 0);
    assert_eq!(decoded["exe"], "");
    assert_eq!(decoded["args"], json!([]));
    assert_eq!(decoded["saddr"], "::");
    assert_eq!(decoded["dport"], 22);
}

#[test]
fn every_kind_round_trips_including_extremes() {
    let schema = Schema::builder("all_kinds", 1)
        .field("a", FieldKind::U8, "")
        .field("b", FieldKind::U16, "")
        .field("c", FieldKind::U32, "")
        .field("d", FieldKind::U64, "")
        .field("e", FieldKind::I32, "")
        .field("f", FieldKind::I64, "")
        .field("g", FieldKind::Bool, "")
        .field("h", FieldKind::Ipv4, "")
        .field("i", FieldKind::Ipv6, "")
        .field("j", FieldKind::Port, "")
        .field("k", FieldKind::Str, "")
        .field("l", FieldKind::StrList, "")
        .build()
        .unwrap();
    let set = SchemaSet::new().with(7, schema).unwrap();
    let event = json!({
        "type": "all_kinds", "a": 255, "b": 65535, "c": 4294967295u32, "d": u64::MAX,
        "e": i32::MIN, "f": i64::MIN, "g": true, "h": "255.255.255.255",
        "i": "fe80::1", "j": 65535, "k": "x\u{0}y", "l": ["", ""],
    });
    assert_eq!(round_trip(&set, event.clone()), event);
    // `type` is optional with one event type.
    let mut untyped = event.clone();
    untyped.as_object_mut().unwrap().remove("type");
    assert_eq!(round_trip(&set, untyped), event);
}

#[test]
fn the_binary_encoding_is_the_documented_layout() {
    let set = SchemaSet::endpoint();
    let mut buf = EventBuf::new();
    Encoder::new(&set)
        .encode_into(
            &json!({"type": "process_exec", "pid": 0x01020304, "exe": "/bin/sh", "args": ["sh", "-c", "id"]}),
            &mut buf,
        )
        .unwrap();
    let fixed = buf.fixed();
    let u32_at = |at: usize| u32::from_le_bytes(fixed[at..at + 4].try_into().unwrap());
    assert_eq!(buf.type_id(), 1);
    assert_eq!(buf.fixed_len(), 88);
    assert_eq!(u32_at(16), 0x01020304);
    // exe: rf_str {off, len}; args: rf_str_list {off, len, count}, in field order.
    assert_eq!((u32_at(32), u32_at(36)), (0, 7));
    assert_eq!((u32_at(40), u32_at(44), u32_at(48)), (7, 8, 3));
    assert_eq!(buf.data(), b"/bin/shsh\0-c\0id");
    // cwd: empty.
    assert_eq!(u32_at(56), 0);
}

#[test]
fn context_pointer_and_data_pointers_follow_the_buffer() {
    let set = SchemaSet::endpoint();
    let encoder = Encoder::new(&set);
    let mut buf = EventBuf::new();
    let mut last_capacity_change = 0;
    let mut last_ptr = std::ptr::null_mut();
    for n in 0..200usize {
        let exe = "x".repeat(n % 50 + n / 10);
        encoder
            .encode_into(&json!({"type": "process_exec", "exe": exe}), &mut buf)
            .unwrap();
        let ctx = buf.context_ptr();
        if ctx != last_ptr {
            last_capacity_change = n;
            last_ptr = ctx;
        }
        assert_eq!(ctx as usize % 8, 0, "the context is 8-aligned");
        let fixed = buf.fixed();
        let data = u64::from_le_bytes(fixed[0..8].try_into().unwrap());
        let data_end = u64::from_le_bytes(fixed[8..16].try_into().unwrap());
        assert_eq!(data, ctx as u64 + 88);
        assert_eq!(data_end - data, exe.len() as u64);
        assert_eq!(buf.data(), exe.as_bytes());
        let prepared = buf.prepare();
        assert_eq!(prepared.as_ptr() as usize, ctx as usize);
        assert_eq!(prepared.len(), 88 + exe.len());
    }
    // Once grown to the largest event, the buffer stays put (no allocation per event).
    assert!(
        last_capacity_change < 100,
        "moved at event {last_capacity_change}"
    );
}

fn encode_err(set: &SchemaSet, line: &str) -> (String, EventErrorKind) {
    let mut buf = EventBuf::new();
    let err = Encoder::new(set)
        .encode_line(line, 12, &mut buf)
        .expect_err("the event is refused");
    assert_eq!(err.line, Some(12));
    (err.to_string(), err.kind)
}

#[test]
fn encoder_errors_name_the_line_the_field_and_the_fix() {
    let set = SchemaSet::endpoint();
    let cases: &[(&str, &str)] = &[
        (
            r#"{"type": "process_exec", "exe_path": "/bin/sh"}"#,
            "line 12: unknown field `exe_path` in a `process_exec` event (did you mean `exe`?); the fields are pid, ppid, uid, gid, exe, args, cwd, parent_exe, tty, container_id, stdin_type, stdout_type",
        ),
        (
            r#"{"type": "process_exec", "pdi": 1}"#,
            "line 12: unknown field `pdi` in a `process_exec` event (did you mean `pid`?); the fields are pid, ppid, uid, gid, exe, args, cwd, parent_exe, tty, container_id, stdin_type, stdout_type",
        ),
        (
            r#"{"type": "process_exec", "pid": "42"}"#,
            "line 12: field `pid` of `process_exec` has type u32; give an integer, not a string",
        ),
        (
            r#"{"type": "process_exec", "pid": 1.5}"#,
            "line 12: field `pid` of `process_exec` has type u32; give an integer, not a fractional number",
        ),
        (
            r#"{"type": "process_exec", "exe": 7}"#,
            "line 12: field `exe` of `process_exec` has type str; give a string, not a number",
        ),
        (
            r#"{"type": "process_exec", "uid": 4294967296}"#,
            "line 12: field `uid` of `process_exec`: 4294967296 is out of range for u32 (0..=4294967295)",
        ),
        (
            r#"{"type": "process_exec", "uid": -1}"#,
            "line 12: field `uid` of `process_exec`: -1 is out of range for u32 (0..=4294967295)",
        ),
        (
            r#"{"type": "network_connect", "dport": 65536}"#,
            "line 12: field `dport` of `network_connect`: 65536 is out of range for port (0..=65535)",
        ),
        (
            r#"{"type": "network_connect", "protocol": 256}"#,
            "line 12: field `protocol` of `network_connect`: 256 is out of range for u8 (0..=255)",
        ),
        (
            r#"{"type": "network_connect", "daddr": "10.0.0.256"}"#,
            "line 12: field `daddr` of `network_connect`: `10.0.0.256` is not an IP address; write it as \"2001:db8::1\" or \"10.0.0.1\"",
        ),
        (
            r#"{"type": "network_connect", "daddr": "2001:db8:::1"}"#,
            "line 12: field `daddr` of `network_connect`: `2001:db8:::1` is not an IP address; write it as \"2001:db8::1\" or \"10.0.0.1\"",
        ),
        (
            r#"{"type": "network_connect", "daddr": 167772161}"#,
            "line 12: field `daddr` of `network_connect` has type ipv6; give an IPv6 or IPv4 address as a string, e.g. \"::1\" or \"10.0.0.1\", not a number",
        ),
        (
            r#"{"type": "process_exec", "args": "ls -l"}"#,
            "line 12: field `args` of `process_exec` has type str_list; give an array of strings, e.g. [\"ls\", \"-l\"], not a string",
        ),
        (
            r#"{"type": "process_exec", "args": ["ls", 1]}"#,
            "line 12: field `args` of `process_exec`: element 1 is a number; a str_list is an array of strings without NUL bytes, e.g. [\"ls\", \"-l\"]",
        ),
        (
            r#"{"type": "process_exec", "args": ["a\u0000b"]}"#,
            "line 12: field `args` of `process_exec`: element 0 is a string holding a NUL byte; a str_list is an array of strings without NUL bytes, e.g. [\"ls\", \"-l\"]",
        ),
        (
            r#"{"pid": 1}"#,
            "line 12: missing `type`: there are several event types (process_exec, file_open, network_connect, auth_attempt); add e.g. \"type\": \"process_exec\"",
        ),
        (
            r#"{"type": "proces_exec"}"#,
            "line 12: unknown event type `proces_exec` (did you mean `process_exec`?); the types are process_exec, file_open, network_connect, auth_attempt",
        ),
        (
            r#"{"type": 1}"#,
            "line 12: `type` must be a string naming the event type (process_exec, file_open, network_connect, auth_attempt), not a number",
        ),
        (
            r#"[1, 2]"#,
            "line 12: the event is an array; an event is a JSON object such as {\"type\": \"process_exec\", \"pid\": 1}",
        ),
        (
            r#"{"type": "process_exec", "pid": 1"#,
            "line 12: column 33: EOF while parsing an object; an event is one JSON object per line",
        ),
    ];
    for (line, expected) in cases {
        let (message, _) = encode_err(&set, line);
        assert_eq!(&message, expected, "for {line}");
    }
}

#[test]
fn a_too_large_event_is_refused() {
    let schema = Schema::builder("small", 1)
        .field("s", FieldKind::Str, "")
        .max_data_len(8)
        .build()
        .unwrap();
    let set = SchemaSet::new().with(1, schema).unwrap();
    let (message, kind) = encode_err(&set, r#"{"s": "123456789"}"#);
    assert!(matches!(kind, EventErrorKind::TooLong { max: 8, .. }));
    assert_eq!(
        message,
        "line 12: the strings of this `small` event take more than 8 bytes (at field `s`); shorten them or raise the schema's max_data_len"
    );
    let mut buf = EventBuf::new();
    Encoder::new(&set)
        .encode_into(&json!({"s": "12345678"}), &mut buf)
        .unwrap();
}

#[test]
fn encode_into_errors_have_no_line() {
    let set = SchemaSet::endpoint();
    let mut buf = EventBuf::new();
    let err = Encoder::new(&set)
        .encode_into(&json!({"type": "file_open", "flags": true}), &mut buf)
        .unwrap_err();
    assert_eq!(err.line, None);
    assert_eq!(
        err.to_string(),
        "field `flags` of `file_open` has type u32; give an integer, not a boolean"
    );
}

/// The host's process_exec with `n` fields of the 10 process fields then extra u32s.
fn schema_with_n_fields(n: usize) -> Schema {
    let mut builder = Schema::builder("ipc_template", 1);
    for idx in 0..n {
        builder = builder.field(&format!("input_{idx}"), FieldKind::Str, "");
    }
    builder.build().unwrap()
}

#[test]
fn channel_file_291_a_21_field_rule_on_a_20_field_host_is_named() {
    let host = schema_with_n_fields(20);
    let rule = schema_with_n_fields(21);
    assert_ne!(host.layout(), rule.layout());
    let mismatches = host.layout().diff(rule.layout());
    assert_eq!(
        mismatches,
        [
            LayoutMismatch::Extra {
                name: "input_20".to_string(),
                offset: 176,
                size: 8
            },
            LayoutMismatch::Size {
                expected: 176,
                found: 184
            },
        ]
    );
    assert_eq!(
        mismatches[0].to_string(),
        "field `input_20` (offset 176, 8 bytes) in the rule's struct is not supplied by the host"
    );
    // The other way round: the rule lacks what the host has.
    assert_eq!(
        rule.layout().diff(host.layout())[0].to_string(),
        "field `input_20` (offset 176, 8 bytes) is missing from the rule's struct"
    );
    assert!(host.layout().diff(host.layout()).is_empty());
}

#[test]
fn a_struct_description_from_btf_is_compared_by_name() {
    let set = SchemaSet::endpoint();
    let host = set.get(1).unwrap().layout();
    // The rule's view, as BTF would describe it: padding named __pad0, uid resized to 2
    // bytes (so gid moved), tty missing.
    let mut members = host.members();
    members.push(StructMember::new("__pad0", 84, 4));
    let uid = members.iter_mut().find(|m| m.name == "uid").unwrap();
    uid.size = 2;
    let gid = members.iter_mut().find(|m| m.name == "gid").unwrap();
    gid.offset = 26;
    members.retain(|m| m.name != "tty");
    let mismatches = host.diff_struct(88, &members);
    let messages: Vec<String> = mismatches.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "field `uid` is 2 bytes in the rule's struct but 4 in the host's",
            "field `gid` is at offset 26 in the rule's struct but at 28 in the host's",
            "field `tty` (offset 68, 8 bytes) is missing from the rule's struct",
        ]
    );
    // The host's own description matches itself, padding or not.
    assert!(host.diff_struct(host.size, &host.members()).is_empty());
}

fn schema_err(text: &str) -> String {
    SchemaSet::from_json_str(text)
        .expect_err("the schema file is refused")
        .to_string()
}

#[test]
fn schema_file_parses_both_forms_and_round_trips() {
    let single = SchemaSet::from_json_str(
        r#"{"name": "login", "version": 2, "doc": "A login.", "fields": [
            {"name": "uid", "type": "u32", "doc": "The user id."},
            {"name": "source", "type": "ipv6"},
            {"name": "ok", "type": "bool"}
        ]}"#,
    )
    .unwrap();
    let (id, login) = single.by_name("login").unwrap();
    assert_eq!(id, 1);
    assert_eq!(login.version(), 2);
    assert_eq!(login.fields()[1].kind, FieldKind::Ipv6);
    assert_eq!(login.fields()[1].doc, "");

    let endpoint = SchemaSet::endpoint();
    let text = endpoint.to_json_string();
    assert_eq!(SchemaSet::from_json_str(&text).unwrap(), endpoint);
    check_committed("schemas/endpoint.json", &text);

    let explicit = SchemaSet::from_json_str(
        r#"{"events": [{"name": "a", "id": 10, "version": 1, "max_data_len": 64, "fields": []},
                       {"name": "b", "version": 1, "fields": []}]}"#,
    )
    .unwrap();
    assert_eq!(explicit.by_name("a").unwrap().0, 10);
    assert_eq!(explicit.by_name("b").unwrap().0, 2);
    assert_eq!(explicit.get(10).unwrap().layout().max_data_len, 64);
    assert_eq!(
        SchemaSet::from_json_str(&explicit.to_json_string()).unwrap(),
        explicit
    );
}

#[test]
fn schema_file_errors_name_the_place_and_the_fix() {
    assert_eq!(
        schema_err("{\n  \"name\": \"x\",\n  \"version\": 1,\n  \"fields\": [\n    {\"name\": \"pid\" \"type\": \"u32\"}\n  ]\n}"),
        "line 5, column 20: expected `,` or `}`; a schema file is one JSON object (see sdk/README.md)"
    );
    assert_eq!(
        schema_err(r#"{"name": "x", "version": 1, "fields": [{"name": "user", "type": "string"}]}"#),
        "the event (`x`), field 0 (`user`): unknown type `string` (did you mean `str`?); the types are u8, u16, u32, u64, i32, i64, bool, ipv4, ipv6, port, str, str_list"
    );
    assert_eq!(
        schema_err(r#"{"name": "x", "version": 1, "fields": [{"name": "n", "type": "u23"}]}"#),
        "the event (`x`), field 0 (`n`): unknown type `u23` (did you mean `u32`?); the types are u8, u16, u32, u64, i32, i64, bool, ipv4, ipv6, port, str, str_list"
    );
    assert_eq!(
        schema_err(
            r#"{"events": [{"name": "x", "version": 1, "fields": [{"name": "n", "kind": "u32"}]}]}"#
        ),
        "events[0] (`x`), field 0 (`n`): unknown key `kind`; the keys are name, type, doc"
    );
    assert_eq!(
        schema_err(r#"{"name": "x", "version": 1, "feilds": []}"#),
        "the event (`x`): unknown key `feilds` (did you mean `fields`?); the keys are name, id, version, doc, max_data_len, fields"
    );
    assert_eq!(
        schema_err(r#"{"name": "x", "fields": []}"#),
        "the event (`x`): missing key `version`; add it, e.g. \"version\": 1"
    );
    assert_eq!(
        schema_err(r#"{"name": "x", "version": -1, "fields": []}"#),
        "the event (`x`): `version` must be an integer in 0..=4294967295"
    );
    assert_eq!(
        schema_err(r#"{"name": "x", "version": 1, "fields": [{"type": "u32"}]}"#),
        "the event (`x`), field 0: missing key `name`; add it, e.g. \"name\": \"pid\""
    );
    assert_eq!(
        schema_err(
            r#"{"name": "x", "version": 1, "fields": [{"name": "a", "type": "u8"}, {"name": "a", "type": "u8"}]}"#
        ),
        "event `x`: fields 0 and 1 are both named `a`; rename one"
    );
    assert_eq!(
        schema_err(r#"{"name": "x", "version": 1, "fields": [{"name": "Pid", "type": "u32"}]}"#),
        "event `x`, field 0 (`Pid`): `Pid` is not a valid name; use a lowercase C identifier (a-z, 0-9, _; not starting with a digit or `__`; at most 64 bytes)"
    );
    assert_eq!(
        schema_err(r#"{"name": "x", "version": 1, "fields": [{"name": "data_end", "type": "u64"}]}"#),
        "event `x`, field 0 (`data_end`): `data_end` is reserved (data, data_end, type); choose another name"
    );
    assert_eq!(
        schema_err(
            r#"{"events": [{"name": "a", "id": 1, "version": 1, "fields": []}, {"name": "b", "id": 1, "version": 1, "fields": []}]}"#
        ),
        "events `a` and `b` both have type id 1; give each its own `id`"
    );
    assert_eq!(
        schema_err(r#"{"events": [{"name": "a_b", "version": 1, "fields": [{"name": "c", "type": "u8"}]}, {"name": "a", "version": 1, "fields": [{"name": "b_c", "type": "u8"}]}]}"#),
        "the C header would define `RF_A_B_C` twice: for field `c` of `a_b` and for field `b_c` of `a`; rename one"
    );
    assert_eq!(
        schema_err("[]"),
        "the file: `(top level)` must be a JSON object: {\"events\": [...]} or one event {\"name\": ..., \"fields\": [...]}"
    );
    assert!(matches!(
        SchemaSet::from_json_str(
            r#"{"name": "x", "version": 1, "fields": [{"name": "a", "type": 3}]}"#
        ),
        Err(SchemaError::WrongValue { key: "type", .. })
    ));
}

#[test]
fn builder_refuses_bad_sets() {
    let a = Schema::builder("a", 1).build().unwrap();
    let mut set = SchemaSet::new();
    set.add(1, a.clone()).unwrap();
    assert_eq!(
        set.add(2, a).unwrap_err().to_string(),
        "two events are named `a`; rename one"
    );
    assert!(matches!(
        Schema::builder("str", 1).build(),
        Err(SchemaError::ReservedName { .. })
    ));
    let mut too_many = Schema::builder("big", 1);
    for idx in 0..257 {
        too_many = too_many.field(&format!("f{idx}"), FieldKind::U8, "");
    }
    assert_eq!(
        too_many.build().unwrap_err().to_string(),
        "event `big` has 257 fields; at most 256 are allowed"
    );
}

#[test]
fn c_header_is_committed_and_fresh() {
    let header = c_header(&SchemaSet::endpoint());
    assert!(header.contains("#ifndef RINGFENCE_H"));
    assert!(header.contains("struct rf_str {\n\t__u32 off;\n\t__u32 len;\n};"));
    assert!(header.contains("\tRF_PROCESS_EXEC_EXE = 4,"));
    assert!(header.contains("\tRF_EVENT_NETWORK_CONNECT = 3,"));
    assert!(header.contains("\t__u32 daddr[4];"));
    assert!(header.contains("\t__u8 __pad0[7];\n};"));
    assert!(header.contains(
        "static long (* const rf_str_eq)(const void *ctx, __u32 field_id, const char *s, __u32 len) = (void *) 1000;"
    ));
    check_committed("include/ringfence.h", &header);
}

/// The include folder of the machine's multiarch headers (asm/types.h), if any.
fn multiarch_include() -> Option<PathBuf> {
    let dir = PathBuf::from(format!("/usr/include/{}-linux-gnu", std::env::consts::ARCH));
    dir.is_dir().then_some(dir)
}

#[test]
fn c_header_compiles_with_clang_and_the_example_rule_uses_it() {
    let dir = std::env::temp_dir().join(format!("ringfence-header-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ringfence.h"), c_header(&SchemaSet::endpoint())).unwrap();
    let rule = sdk_path("examples/shell_in_container.c");
    let object = dir.join("rule.o");
    let mut command = Command::new("clang-19");
    command.args(["-target", "bpf", "-O2", "-g", "-Wall", "-Werror", "-c"]);
    command.arg("-I").arg(&dir);
    if let Some(include) = multiarch_include() {
        command.arg("-I").arg(include);
    }
    command.arg(&rule).arg("-o").arg(&object);
    let output = match command.output() {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            println!("note: clang-19 is not installed; the header compile check was skipped");
            std::fs::remove_dir_all(&dir).ok();
            return;
        }
        Err(err) => panic!("running clang-19: {err}"),
    };
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let compiled = std::fs::read(&object).ok();
    std::fs::remove_dir_all(&dir).ok();
    assert!(output.status.success(), "clang-19 failed:\n{stderr}");
    // The object is a BPF ELF (machine 247) with BTF, which carries the struct layout.
    let object = compiled.expect("clang wrote the object");
    assert_eq!(&object[..4], b"\x7fELF");
    assert_eq!(u16::from_le_bytes([object[18], object[19]]), 247);
    let has = |needle: &[u8]| object.windows(needle.len()).any(|w| w == needle);
    assert!(has(b".BTF"));
    assert!(has(b"rf_process_exec"));
}
