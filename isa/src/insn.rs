//! Decoded instructions and the raw 8-byte slots they are encoded in.

use crate::table::{Op, Semantics};

/// Number of general-purpose registers, `r0` to `r10`.
pub const N_REGS: usize = 11;

/// The frame pointer, `r10`: read-only, points just past the current stack frame.
pub const FRAME_POINTER: u8 = 10;

/// One 8-byte instruction slot, exactly as encoded (little endian):
/// `opcode:8 | dst:4 src:4 | off:16 | imm:32`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Slot {
    pub opcode: u8,
    /// Raw register numbers, which may be out of range (0..=15).
    pub dst: u8,
    pub src: u8,
    pub off: i16,
    pub imm: i32,
}

impl Slot {
    /// Reads a slot from 8 little-endian bytes.
    pub fn from_bytes(bytes: [u8; 8]) -> Slot {
        Slot {
            opcode: bytes[0],
            dst: bytes[1] & 0x0f,
            src: bytes[1] >> 4,
            off: i16::from_le_bytes([bytes[2], bytes[3]]),
            imm: i32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
        }
    }

    /// Writes the slot as 8 little-endian bytes.
    pub fn to_bytes(self) -> [u8; 8] {
        let off = self.off.to_le_bytes();
        let imm = self.imm.to_le_bytes();
        [
            self.opcode,
            (self.dst & 0x0f) | (self.src << 4),
            off[0],
            off[1],
            imm[0],
            imm[1],
            imm[2],
            imm[3],
        ]
    }
}

/// A decoded instruction.
///
/// Programs are vectors of `Insn` indexed by slot: the second slot of an `lddw` holds a
/// placeholder ([`Insn::is_lddw_tail`]), so that jump offsets, which count slots, index the
/// vector directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Insn {
    pub op: Op,
    /// Destination register, 0..=10.
    pub dst: u8,
    /// Source register, 0..=10 (the `src` field for forms that use it; 0 otherwise).
    pub src: u8,
    pub off: i16,
    /// The immediate: the 32-bit `imm` sign-extended, or for `lddw` the whole 64-bit value
    /// (low half from the first slot, high half from the second).
    pub imm: i64,
    /// True only for the placeholder standing in for the second slot of an `lddw`.
    pub lddw_tail: bool,
}

impl Insn {
    /// An instruction with every operand zero.
    pub const fn new(op: Op) -> Insn {
        Insn {
            op,
            dst: 0,
            src: 0,
            off: 0,
            imm: 0,
            lddw_tail: false,
        }
    }

    /// Sets `dst`.
    pub const fn dst(mut self, dst: u8) -> Insn {
        self.dst = dst;
        self
    }

    /// Sets `src`.
    pub const fn src(mut self, src: u8) -> Insn {
        self.src = src;
        self
    }

    /// Sets `off`.
    pub const fn off(mut self, off: i16) -> Insn {
        self.off = off;
        self
    }

    /// Sets `imm`.
    pub const fn imm(mut self, imm: i64) -> Insn {
        self.imm = imm;
        self
    }

    /// The placeholder for the second slot of an `lddw` whose first slot is `first`.
    pub const fn lddw_tail_of(first: Insn) -> Insn {
        Insn {
            op: first.op,
            dst: 0,
            src: 0,
            off: 0,
            imm: 0,
            lddw_tail: true,
        }
    }

    /// Whether this is the placeholder for the second slot of an `lddw`.
    pub const fn is_lddw_tail(&self) -> bool {
        self.lddw_tail
    }

    /// What the instruction does.
    pub fn semantics(&self) -> Semantics {
        self.op.semantics()
    }

    /// The number of slots the instruction occupies (2 for `lddw`, else 1).
    pub fn n_slots(&self) -> usize {
        if matches!(self.semantics(), Semantics::LoadImm64 { .. }) {
            2
        } else {
            1
        }
    }

    /// The low 32 bits of the immediate, as encoded in the first slot.
    pub const fn imm32(&self) -> i32 {
        self.imm as i32
    }

    /// For jumps and local calls at slot `pc`, the slot they transfer control to (which may be
    /// out of the program: decoding does not check targets; the verifier does).
    pub fn jump_target(&self, pc: usize) -> Option<i64> {
        let rel = match self.semantics() {
            Semantics::Goto { long: false } | Semantics::Branch { .. } => self.off as i64,
            Semantics::Goto { long: true } => self.imm32() as i64,
            Semantics::Call {
                kind: crate::table::CallKind::Local,
            } => self.imm32() as i64,
            _ => return None,
        };
        Some(pc as i64 + rel + 1)
    }
}
