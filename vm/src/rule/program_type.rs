//! An event schema as the verifier sees it: the context layout (every field read-only, the
//! `data`/`data_end` pair bounding the data area), the helpers a rule may call with their
//! signatures (Linux's map, clock, trace and random helpers, and the rf_* table), and the
//! verdict range. Derived from the one [`Schema`], never written by hand.

use ringfence_verifier::{
    Access, ArgKind, ContextLayout, HelperSig, ProgramType, RetKind, ReturnRange,
};

use crate::event::{FieldKind, Schema};
use crate::rf_helpers::{RfArgKind, RF_HELPERS};

/// Linux helper numbers that rules may call.
pub mod linux {
    pub const MAP_LOOKUP_ELEM: i32 = 1;
    pub const MAP_UPDATE_ELEM: i32 = 2;
    pub const MAP_DELETE_ELEM: i32 = 3;
    pub const KTIME_GET_NS: i32 = 5;
    pub const TRACE_PRINTK: i32 = 6;
    pub const GET_PRANDOM_U32: i32 = 7;
}

/// A rule's verdict: 0 (no match) or 1 (match).
pub const VERDICT_RANGE: ReturnRange = ReturnRange { min: 0, max: 1 };

/// The program type of rules on events of `schema`.
pub fn event_program_type(schema: &Schema) -> ProgramType {
    let layout = schema.layout();
    let mut context = ContextLayout::new(layout.size).data_area(
        layout.data_offset,
        layout.data_end_offset,
        layout.max_data_len,
    );
    let max = layout.max_data_len as u64;
    for field in &layout.fields {
        let (name, at) = (&field.name, field.offset);
        context = match field.kind {
            // The encoder keeps every offset and length within the data area, whose length it
            // caps at `max_data_len`: rules may add them to `data` straight away.
            FieldKind::Str => context
                .bounded_field(&format!("{name}.off"), at, 4, max)
                .bounded_field(&format!("{name}.len"), at + 4, 4, max),
            FieldKind::StrList => context
                .bounded_field(&format!("{name}.off"), at, 4, max)
                .bounded_field(&format!("{name}.len"), at + 4, 4, max)
                .bounded_field(&format!("{name}.count"), at + 8, 4, max + 1),
            _ => context.field(name, at, field.size, Access::Read),
        };
    }
    let mut prog_type = ProgramType::with_context(schema.name(), context, VERDICT_RANGE);
    for (id, sig) in linux_helpers() {
        prog_type = prog_type.with_helper(id, sig);
    }
    for helper in RF_HELPERS {
        let args: Vec<ArgKind> = helper
            .arg_kinds()
            .map(|kind| arg_kind(kind, schema))
            .collect();
        prog_type = prog_type.with_helper(
            helper.id as i32,
            HelperSig::new(helper.name, &args, RetKind::Scalar),
        );
    }
    prog_type
}

/// The Linux helpers rules get, with their signatures.
pub fn linux_helpers() -> Vec<(i32, HelperSig)> {
    use ArgKind::*;
    vec![
        (
            linux::MAP_LOOKUP_ELEM,
            HelperSig::new("map_lookup_elem", &[Map, MapKey], RetKind::NullableMapValue),
        ),
        (
            linux::MAP_UPDATE_ELEM,
            HelperSig::new(
                "map_update_elem",
                &[Map, MapKey, MapValue, Scalar],
                RetKind::Scalar,
            ),
        ),
        (
            linux::MAP_DELETE_ELEM,
            HelperSig::new("map_delete_elem", &[Map, MapKey], RetKind::Scalar),
        ),
        (
            linux::KTIME_GET_NS,
            HelperSig::new("ktime_get_ns", &[], RetKind::Scalar),
        ),
        (
            linux::TRACE_PRINTK,
            HelperSig::new(
                "trace_printk",
                &[MemRead, Size, Anything, Anything, Anything],
                RetKind::Scalar,
            ),
        ),
        (
            linux::GET_PRANDOM_U32,
            HelperSig::new("get_prandom_u32", &[], RetKind::Scalar),
        ),
    ]
}

/// The verifier's view of an rf_* argument kind, for rules on events of `schema`.
fn arg_kind(kind: RfArgKind, schema: &Schema) -> ArgKind {
    match kind {
        RfArgKind::Context => ArgKind::Context,
        // A field id must be a constant naming a field of a kind the helper takes: a wrong
        // id is refused at load time, never discovered at run time.
        RfArgKind::FieldId { kinds } => ArgKind::OneOf {
            allowed: schema
                .fields()
                .iter()
                .enumerate()
                .filter(|(id, field)| *id < 64 && kinds.contains(&field.kind))
                .fold(0, |set, (id, _)| set | 1 << id),
        },
        RfArgKind::Scalar => ArgKind::Scalar,
        RfArgKind::ReadableMem { .. } => ArgKind::MemRead,
        RfArgKind::Size => ArgKind::Size,
    }
}
