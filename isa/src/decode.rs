//! Bytes to instructions, and instructions back to bytes, both driven by the table.
//!
//! Decoding is strict: an opcode the table does not know, a register number above 10, a
//! non-zero reserved field or a truncated `lddw` is an error naming the instruction index.

use crate::insn::{Insn, Slot, N_REGS};
use crate::table::{Form, Imm64Kind, Key, OpInfo, Semantics, TABLE};

/// Why bytes are not a program.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the program is empty: a program needs at least one instruction (`exit`)")]
    Empty,
    #[error(
        "the program is {len} bytes long, not a multiple of 8: instructions are 8 bytes each \
         (is the file truncated?)"
    )]
    NotMultipleOf8 { len: usize },
    #[error(
        "instruction {index}: unknown opcode {opcode:#04x}: no instruction of RFC 9669 \
         (cpu v1 to v4) has it"
    )]
    UnknownOpcode { index: usize, opcode: u8 },
    #[error(
        "instruction {index}: opcode {opcode:#04x} ({family}) has no variant with {field} = \
         {value}: expected {field} {expected}"
    )]
    UnknownVariant {
        index: usize,
        opcode: u8,
        family: &'static str,
        field: &'static str,
        value: i64,
        /// The values the table knows for this opcode, with the instruction each selects:
        /// `0 (Div64Reg) or 1 (SDiv64Reg)`.
        expected: String,
    },
    #[error(
        "instruction {index}: {field} register r{reg} does not exist (registers are r0 to r10)"
    )]
    BadRegister {
        index: usize,
        field: &'static str,
        reg: u8,
    },
    #[error("instruction {index} ({name}): reserved field {field} must be zero, found {value}")]
    ReservedField {
        index: usize,
        name: &'static str,
        field: &'static str,
        value: i64,
    },
    #[error(
        "instruction {index}: lddw takes two slots but the program ends after the first \
         (is the file truncated?)"
    )]
    IncompleteLddw { index: usize },
    #[error(
        "instruction {index} ({name}): the {field} of its second slot (slot {}) must be zero, \
         found {}: {reason}",
        .index + 1,
        if *.field == "opcode" { format!("{:#04x}", .value) } else { .value.to_string() }
    )]
    LddwSecondSlot {
        /// The index of the `lddw`; its second slot is `index + 1`.
        index: usize,
        name: &'static str,
        field: &'static str,
        value: i64,
        /// Why the field must be zero.
        reason: &'static str,
    },
}

impl DecodeError {
    /// The index of the faulty instruction, if the error is about one.
    pub fn index(&self) -> Option<usize> {
        match *self {
            DecodeError::Empty | DecodeError::NotMultipleOf8 { .. } => None,
            DecodeError::UnknownOpcode { index, .. }
            | DecodeError::UnknownVariant { index, .. }
            | DecodeError::BadRegister { index, .. }
            | DecodeError::ReservedField { index, .. }
            | DecodeError::IncompleteLddw { index }
            | DecodeError::LddwSecondSlot { index, .. } => Some(index),
        }
    }
}

/// Decodes a whole program. The result has one entry per slot (see [`Insn`]).
pub fn decode(bytes: &[u8]) -> Result<Vec<Insn>, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if !bytes.len().is_multiple_of(8) {
        return Err(DecodeError::NotMultipleOf8 { len: bytes.len() });
    }
    let slots: Vec<Slot> = bytes
        .chunks_exact(8)
        .map(|c| Slot::from_bytes(c.try_into().expect("chunks_exact yields 8 bytes")))
        .collect();
    decode_slots(&slots)
}

/// Decodes a program given as slots.
pub fn decode_slots(slots: &[Slot]) -> Result<Vec<Insn>, DecodeError> {
    if slots.is_empty() {
        return Err(DecodeError::Empty);
    }
    let mut insns = Vec::with_capacity(slots.len());
    let mut index = 0;
    while index < slots.len() {
        let next = slots.get(index + 1).copied();
        let insn = decode_one(index, slots[index], next)?;
        insns.push(insn);
        if insn.n_slots() == 2 {
            insns.push(Insn::lddw_tail_of(insn));
        }
        index += insn.n_slots();
    }
    Ok(insns)
}

/// Decodes the instruction at `index`, whose slot is `slot`; `next` is the following slot,
/// needed by `lddw`.
pub fn decode_one(index: usize, slot: Slot, next: Option<Slot>) -> Result<Insn, DecodeError> {
    let info = lookup(index, slot)?;
    check_fields(index, info, slot)?;
    let mut insn = Insn::new(info.op);
    if info.form.uses_dst() {
        insn.dst = slot.dst;
    }
    if info.form.uses_src() {
        insn.src = slot.src;
    }
    if info.form.uses_off() {
        insn.off = slot.off;
    }
    if info.form.uses_imm() {
        insn.imm = slot.imm as i64;
    }
    if info.form == Form::DstImm64 {
        let Some(hi) = next else {
            return Err(DecodeError::IncompleteLddw { index });
        };
        let map_fd = matches!(
            info.semantics,
            Semantics::LoadImm64 {
                kind: Imm64Kind::MapFd
            }
        );
        let only_imm = "that slot carries only the high half of the immediate";
        let fields = [
            ("opcode", hi.opcode as i64, only_imm),
            ("dst", hi.dst as i64, only_imm),
            ("src", hi.src as i64, only_imm),
            ("offset", hi.off as i64, only_imm),
            (
                "imm",
                if map_fd { hi.imm as i64 } else { 0 },
                "map_fd loads a 32-bit map index, the high half is reserved",
            ),
        ];
        if let Some(&(field, value, reason)) = fields.iter().find(|(_, value, _)| *value != 0) {
            return Err(DecodeError::LddwSecondSlot {
                index,
                name: info.name,
                field,
                value,
                reason,
            });
        }
        insn.imm = ((hi.imm as u32 as u64) << 32 | slot.imm as u32 as u64) as i64;
    }
    Ok(insn)
}

/// Encodes a program (one [`Insn`] per slot, as [`decode`] returns it) to bytes.
pub fn encode(insns: &[Insn]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(insns.len() * 8);
    for insn in insns.iter().filter(|i| !i.is_lddw_tail()) {
        for slot in encode_one(insn) {
            bytes.extend_from_slice(&slot.to_bytes());
        }
    }
    bytes
}

/// Encodes one instruction to its one or two slots.
pub fn encode_one(insn: &Insn) -> Vec<Slot> {
    let info = insn.op.info();
    let mut slot = Slot {
        opcode: info.opcode,
        ..Slot::default()
    };
    if info.form.uses_dst() {
        slot.dst = insn.dst;
    }
    if info.form.uses_src() {
        slot.src = insn.src;
    }
    if info.form.uses_off() {
        slot.off = insn.off;
    }
    if info.form.uses_imm() {
        slot.imm = insn.imm as i32;
    }
    match info.key {
        Key::None => {}
        Key::Off(off) => slot.off = off,
        Key::Imm(imm) => slot.imm = imm,
        Key::Src(src) => slot.src = src,
    }
    if info.form == Form::DstImm64 {
        let hi = Slot {
            imm: (insn.imm as u64 >> 32) as u32 as i32,
            ..Slot::default()
        };
        vec![slot, hi]
    } else {
        vec![slot]
    }
}

/// The rows of the table that share each opcode byte, computed once.
fn rows_by_opcode() -> &'static [Vec<&'static OpInfo>; 256] {
    static ROWS: std::sync::OnceLock<[Vec<&'static OpInfo>; 256]> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| {
        let mut rows: [Vec<&'static OpInfo>; 256] = std::array::from_fn(|_| Vec::new());
        for info in TABLE {
            rows[info.opcode as usize].push(info);
        }
        rows
    })
}

/// Finds the row of `slot`: the opcode, then the key field if several rows share it.
fn lookup(index: usize, slot: Slot) -> Result<&'static OpInfo, DecodeError> {
    let rows = &rows_by_opcode()[slot.opcode as usize];
    let Some(first) = rows.first() else {
        return Err(DecodeError::UnknownOpcode {
            index,
            opcode: slot.opcode,
        });
    };
    let matches = |info: &&&OpInfo| match info.key {
        Key::None => true,
        Key::Off(off) => slot.off == off,
        Key::Imm(imm) => slot.imm == imm,
        Key::Src(src) => slot.src == src,
    };
    if let Some(info) = rows.iter().find(matches) {
        return Ok(info);
    }
    let (field, value) = match first.key {
        Key::None => unreachable!("a row without key always matches"),
        Key::Off(_) => ("offset", slot.off as i64),
        Key::Imm(_) => ("imm", slot.imm as i64),
        Key::Src(_) => ("src", slot.src as i64),
    };
    let family = family_name(first.semantics);
    let expected: Vec<String> = rows
        .iter()
        .map(|info| {
            let key = match info.key {
                // Atomic operations are flags: hexadecimal reads better.
                Key::Imm(imm) if family == "atomic" => format!("{imm:#04x}"),
                Key::Imm(imm) => imm.to_string(),
                Key::Off(off) => off.to_string(),
                Key::Src(src) => src.to_string(),
                Key::None => unreachable!("rows sharing an opcode all have keys"),
            };
            format!("{key} ({})", info.name)
        })
        .collect();
    Err(DecodeError::UnknownVariant {
        index,
        opcode: slot.opcode,
        family,
        field,
        value,
        expected: expected.join(" or "),
    })
}

/// Checks register numbers and reserved fields of a slot against its row.
fn check_fields(index: usize, info: &OpInfo, slot: Slot) -> Result<(), DecodeError> {
    let form = info.form;
    let name = info.name;
    let keyed = |k: fn(Key) -> bool| k(info.key);
    if form.uses_dst() {
        if slot.dst as usize >= N_REGS {
            return Err(DecodeError::BadRegister {
                index,
                field: "dst",
                reg: slot.dst,
            });
        }
    } else {
        reserved(index, name, "dst", slot.dst as i64)?;
    }
    if form.uses_src() {
        if slot.src as usize >= N_REGS {
            return Err(DecodeError::BadRegister {
                index,
                field: "src",
                reg: slot.src,
            });
        }
    } else if !keyed(|k| matches!(k, Key::Src(_))) {
        reserved(index, name, "src", slot.src as i64)?;
    }
    if !form.uses_off() && !keyed(|k| matches!(k, Key::Off(_))) {
        reserved(index, name, "offset", slot.off as i64)?;
    }
    if !form.uses_imm() && !keyed(|k| matches!(k, Key::Imm(_))) {
        reserved(index, name, "imm", slot.imm as i64)?;
    }
    Ok(())
}

fn reserved(
    index: usize,
    name: &'static str,
    field: &'static str,
    value: i64,
) -> Result<(), DecodeError> {
    if value == 0 {
        Ok(())
    } else {
        Err(DecodeError::ReservedField {
            index,
            name,
            field,
            value,
        })
    }
}

fn family_name(semantics: Semantics) -> &'static str {
    match semantics {
        Semantics::Alu { .. } | Semantics::MovSx { .. } | Semantics::Neg { .. } => "ALU",
        Semantics::Endian { .. } => "byte swap",
        Semantics::Load { .. } => "load",
        Semantics::Store { .. } => "store",
        Semantics::Atomic { .. } => "atomic",
        Semantics::LoadImm64 { .. } => "lddw",
        Semantics::Goto { .. } | Semantics::Branch { .. } => "jump",
        Semantics::Call { .. } => "call",
        Semantics::Exit => "exit",
    }
}
