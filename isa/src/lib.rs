//! The BPF instruction set of RFC 9669 (cpu v1 to v4): one table ([`table`]) from which
//! decoding, encoding, the assembler and the disassembler are all derived.
//!
//! This crate knows nothing of memory, helpers or program types: it turns bytes into
//! [`Insn`]s and text into bytes, and back.
#![forbid(unsafe_code)]

pub mod asm;
pub mod decode;
pub mod disasm;
pub mod insn;
pub mod table;
mod text;

pub use asm::{assemble, AsmError, Assembled};
pub use decode::{decode, encode, DecodeError};
pub use disasm::{disassemble, Syntax};
pub use insn::{Insn, Slot, FRAME_POINTER, N_REGS};
pub use table::{
    AluOp, AtomicOp, ByteOrder, CallKind, Cond, Form, Imm64Kind, Key, Op, OpInfo, Semantics, Size,
    Source, Width, TABLE,
};
