//! The C header rule authors include (`ringfence.h`), generated from a [`SchemaSet`] and the
//! helper table [`RF_HELPERS`]: one struct per event type with exactly the host layout (and
//! `_Static_assert`s that clang checks it), field ids, type ids and helper prototypes.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::fmt::Write as _;

use super::layout::Layout;
use super::schema::{FieldKind, SchemaSet};
use super::SchemaError;
use crate::rf_helpers::RF_HELPERS;

/// The header for `set`. The text depends only on `set` and the helper table, so a
/// committed copy can be checked for staleness by comparing it with this.
pub fn c_header(set: &SchemaSet) -> String {
    let mut out = String::new();
    out.push_str(PREAMBLE);
    out.push_str("/* The event types, as `type_id` of an event. */\nenum {\n");
    for (id, schema) in set.iter() {
        let _ = writeln!(out, "\tRF_EVENT_{} = {id},", upper(schema.name()));
    }
    out.push_str("};\n");
    for (id, schema) in set.iter() {
        let name = schema.name();
        let upper_name = upper(name);
        let layout = schema.layout();
        out.push('\n');
        let _ = writeln!(out, "/*");
        let _ = writeln!(
            out,
            " * {name} (type id {id}, schema version {}).",
            schema.version()
        );
        if !schema.doc().is_empty() {
            let _ = writeln!(out, " * {}", comment_text(schema.doc()));
        }
        let _ = writeln!(
            out,
            " * A rule for it receives `const struct rf_{name} *ctx`: {} bytes, read-only.",
            layout.size
        );
        let _ = writeln!(out, " */");
        let _ = writeln!(out, "#define RF_{upper_name}_VERSION {}", schema.version());
        let _ = writeln!(out, "struct rf_{name} {{");
        out.push_str("\t__u64 data; /* the data area's first byte */\n");
        out.push_str("\t__u64 data_end; /* one past the data area's last byte */\n");
        let mut pads = layout.padding().into_iter().peekable();
        let mut n_pad = 0;
        for (field, placed) in schema.fields().iter().zip(&layout.fields) {
            while let Some(&(pad_at, pad_len)) = pads.peek() {
                if pad_at >= placed.offset {
                    break;
                }
                let _ = writeln!(out, "\t__u8 __pad{n_pad}[{pad_len}];");
                n_pad += 1;
                pads.next();
            }
            let member = c_member(field.kind, &field.name);
            if field.doc.is_empty() {
                let _ = writeln!(out, "\t{member};");
            } else {
                let _ = writeln!(out, "\t{member}; /* {} */", comment_text(&field.doc));
            }
        }
        for (_, pad_len) in pads {
            let _ = writeln!(out, "\t__u8 __pad{n_pad}[{pad_len}];");
            n_pad += 1;
        }
        out.push_str("};\n");
        let _ = writeln!(out, "/* Field ids of {name}, for the rf_* helpers. */");
        out.push_str("enum {\n");
        for (field_id, field) in schema.fields().iter().enumerate() {
            let _ = writeln!(
                out,
                "\tRF_{upper_name}_{} = {field_id},",
                upper(&field.name)
            );
        }
        out.push_str("};\n");
        write_asserts(&mut out, name, layout);
    }
    out.push_str(HELPERS_INTRO);
    for helper in RF_HELPERS {
        let _ = writeln!(out, "/* {} */", comment_text(helper.doc));
        let _ = writeln!(out, "{}", helper.c_declaration());
    }
    out.push_str(EPILOGUE);
    out
}

/// Refuses a set whose header would define one C identifier twice (for instance event
/// `a_b` field `c` and event `a` field `b_c`, both `RF_A_B_C`).
pub(crate) fn check_c_names(set: &SchemaSet) -> Result<(), SchemaError> {
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut define = |c_name: String, what: String| -> Result<(), SchemaError> {
        match seen.get(&c_name) {
            Some(first) => Err(SchemaError::CNameCollision {
                c_name,
                first: first.clone(),
                second: what,
            }),
            None => {
                seen.insert(c_name, what);
                Ok(())
            }
        }
    };
    for (_, schema) in set.iter() {
        let name = schema.name();
        let upper_name = upper(name);
        define(
            format!("RF_EVENT_{upper_name}"),
            format!("the type id of `{name}`"),
        )?;
        define(
            format!("RF_{upper_name}_VERSION"),
            format!("the version of `{name}`"),
        )?;
        for field in schema.fields() {
            define(
                format!("RF_{upper_name}_{}", upper(&field.name)),
                format!("field `{}` of `{name}`", field.name),
            )?;
        }
    }
    Ok(())
}

fn upper(name: &str) -> String {
    name.to_ascii_uppercase()
}

/// Doc text made safe inside a `/* */` comment.
fn comment_text(text: &str) -> String {
    text.replace("*/", "* /").replace('\n', " ")
}

fn c_member(kind: FieldKind, name: &str) -> String {
    match kind {
        FieldKind::U8 | FieldKind::Bool => format!("__u8 {name}"),
        FieldKind::U16 | FieldKind::Port => format!("__u16 {name}"),
        FieldKind::U32 | FieldKind::Ipv4 => format!("__u32 {name}"),
        FieldKind::U64 => format!("__u64 {name}"),
        FieldKind::I32 => format!("__s32 {name}"),
        FieldKind::I64 => format!("__s64 {name}"),
        FieldKind::Ipv6 => format!("__u32 {name}[4]"),
        FieldKind::Str => format!("struct rf_str {name}"),
        FieldKind::StrList => format!("struct rf_str_list {name}"),
    }
}

fn write_asserts(out: &mut String, name: &str, layout: &Layout) {
    let _ = writeln!(
        out,
        "_Static_assert(sizeof(struct rf_{name}) == {}, \"struct rf_{name}: size differs from the host's\");",
        layout.size
    );
    for field in &layout.fields {
        let _ = writeln!(
            out,
            "_Static_assert(__builtin_offsetof(struct rf_{name}, {0}) == {1} && sizeof(((struct rf_{name} *)0)->{0}) == {2}, \"struct rf_{name}: {0} differs from the host's\");",
            field.name, field.offset, field.size
        );
    }
}

const PREAMBLE: &str = r#"/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ringfence.h: the event types and helpers of ringfence detection rules.
 *
 * GENERATED from the event schemas and the rf_helpers table; do not edit.
 * Regenerate with `ringfence schema --c-header`; the committed copy in sdk/include/ is
 * checked by `cargo test -p ringfence-vm --test event` (RINGFENCE_BLESS=1 rewrites it).
 *
 * A rule's context is `const struct rf_<event> *ctx`. Scalars are read directly
 * (`ctx->pid`); strings live in a data area bounded by `data` and `data_end`, as XDP
 * bounds packets, and are reached through descriptors:
 *   struct rf_str       `len` bytes at `data + off`, not NUL-terminated;
 *   struct rf_str_list  `count` strings joined by NUL bytes (no NUL after the
 *                       last), `len` bytes in all, at `data + off`.
 * Test strings with the rf_str_* helpers below, or read them byte by byte after a
 * bounds check against `data_end` the verifier can see. Addresses (__u32, __u32[4])
 * are in network byte order, IPv4 in an IPv6 field IPv4-mapped (::ffff:a.b.c.d);
 * ports are in host byte order.
 */
#ifndef RINGFENCE_H
#define RINGFENCE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* A string field: `len` bytes at `data + off`, not NUL-terminated. */
struct rf_str {
	__u32 off;
	__u32 len;
};

/* A string-list field: `count` strings joined by NUL bytes, `len` bytes at `data + off`. */
struct rf_str_list {
	__u32 off;
	__u32 len;
	__u32 count;
};

/* A string literal as the (pointer, length) pair the rf_str_* helpers take. */
#define RF_LIT(s) (s), (sizeof(s) - 1)
/* A NUL-separated set (`static const char set[] = "sh\0bash";`) for rf_in_set. */
#define RF_SET(set) (set), sizeof(set)

"#;

const HELPERS_INTRO: &str = r#"
/*
 * ringfence helpers (numbers from 1000; Linux's helpers keep their numbers, so
 * <bpf/bpf_helpers.h> works beside this header). The string tests return 1 or 0; on a
 * str_list field they test whether ANY element matches. They never return a negative
 * value: test them as booleans. rf_cidr_match returns -EINVAL (-22) for a malformed
 * network; rf_alert returns -E2BIG (-7) or -ENOSPC (-28) when it records nothing.
 */
"#;

const EPILOGUE: &str = "\n#endif /* RINGFENCE_H */\n";
