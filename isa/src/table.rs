//! The instruction set, defined once: every BPF instruction of RFC 9669 (cpu v1 to v4) is one
//! row of `isa_table!`, and decoding, encoding, the assembler, the disassembler and the
//! interpreters' dispatch are all driven from those rows.
//!
//! # Naming scheme of the table
//!
//! Each row is `(Name, opcode, key, form, semantics, clang syntax, conformance syntax)`.
//!
//! * `Name` becomes a variant of [`Op`]. ALU names end in the operand width and the source:
//!   `Add64Imm`, `Add32Reg`; loads and stores end in the access size (`LdxW`, `StxDw`, `StB`);
//!   conditional jumps name the condition, the width and the source (`Jeq64Imm`, `Jsle32Reg`);
//!   atomics name the operation and the size (`AtomicFetchAdd64`).
//! * `opcode` is the first byte of the instruction slot.
//! * `key` tells rows that share an opcode apart: the `off` field picks signed division and
//!   `movsx`, the `imm` field picks the byte-swap width and the atomic operation, the `src`
//!   field picks the kind of call and of 64-bit immediate load.
//! * `form` says which slot fields carry operands; every other field is reserved and must be
//!   zero ([`Form`]).
//! * `semantics` is what the instruction does, in a structured form the engines and the
//!   verifier match on ([`Semantics`]).
//! * The two syntaxes are templates. `{dst}`/`{src}` are 64-bit register names (`r1`),
//!   `{wdst}`/`{wsrc}` the 32-bit names (`w1`), `{imm}` the 32-bit immediate, `{imm64}` the
//!   64-bit immediate of `lddw`, `{lo}`/`{hi}` its two halves, `{off}` a memory offset,
//!   `{target}` a jump target (a label or `+N`), `{func}` a local function's label. A column
//!   may list alternatives; the first is what the disassembler prints, except that a local
//!   call whose target has no label (outside the program) prints with the second, since
//!   `call +N` would read as a helper call. In the conformance syntax every register prints
//!   as `%rN`.

/// The kinds of source operand of ALU and jump instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// The 32-bit immediate, sign-extended to the operation's width.
    Imm,
    /// The `src` register.
    Reg,
}

/// The width an ALU or jump instruction operates on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    /// The low 32 bits; ALU results are zero-extended to 64 bits.
    W32,
    /// All 64 bits.
    W64,
}

/// The size of a memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Size {
    /// 1 byte (`u8`).
    B,
    /// 2 bytes (`u16`).
    H,
    /// 4 bytes (`u32`).
    W,
    /// 8 bytes (`u64`).
    Dw,
}

impl Size {
    /// The access size in bytes.
    pub const fn bytes(self) -> u32 {
        match self {
            Size::B => 1,
            Size::H => 2,
            Size::W => 4,
            Size::Dw => 8,
        }
    }
}

/// Two-operand ALU operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AluOp {
    Add,
    Sub,
    Mul,
    /// Unsigned division; `x / 0 == 0`.
    Div,
    /// Signed division; `x / 0 == 0`, `MIN / -1 == MIN`.
    SDiv,
    Or,
    And,
    Lsh,
    Rsh,
    /// Unsigned modulo; `x % 0 == x`.
    Mod,
    /// Signed modulo, truncated (sign of the dividend); `x % 0 == x`, `MIN % -1 == 0`.
    SMod,
    Xor,
    Mov,
    Arsh,
}

/// Byte-order operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Convert to little endian: on a little-endian host, keep the low bits.
    Le,
    /// Convert to big endian: swap the low bytes.
    Be,
    /// Unconditional byte swap (cpu v4).
    Swap,
}

/// Atomic read-modify-write operations on memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtomicOp {
    Add,
    Or,
    And,
    Xor,
    /// Like `Add`, and `src` receives the old value.
    FetchAdd,
    FetchOr,
    FetchAnd,
    FetchXor,
    /// `src` and memory swap values.
    Xchg,
    /// If memory equals `r0`, memory takes `src`; `r0` receives the old value either way.
    CmpXchg,
}

/// What a 64-bit immediate load (`lddw`) loads, chosen by its `src` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Imm64Kind {
    /// The 64-bit value itself.
    Value,
    /// A reference to the map whose index is the low half (`BPF_PSEUDO_MAP_FD`).
    MapFd,
    /// A pointer into the value of the map whose index is the low half, at the offset in the
    /// high half (`BPF_PSEUDO_MAP_VALUE`).
    MapValue,
}

/// Jump conditions. Unsigned unless named `S...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    Eq,
    Gt,
    Ge,
    /// `(dst & src) != 0`.
    Set,
    Ne,
    SGt,
    SGe,
    Lt,
    Le,
    SLt,
    SLe,
}

/// The kinds of call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallKind {
    /// A helper, by number in `imm`.
    Helper,
    /// A local (bpf-to-bpf) function at `pc + imm + 1`.
    Local,
    /// A function whose address is in `dst` (`callx`).
    Register,
}

/// What an instruction does, in structured form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Semantics {
    /// `dst = dst op src` (or `dst = src` for `Mov`).
    Alu {
        op: AluOp,
        width: Width,
        source: Source,
    },
    /// `dst = -dst`.
    Neg { width: Width },
    /// `dst = (sign-extended low `from` bits of src)`, zero-extended above `width`.
    MovSx { width: Width, from: Size },
    /// Byte-order conversion of the low `bits` of `dst`, zero-extended.
    Endian { order: ByteOrder, bits: u32 },
    /// `dst = *(size *)(src + off)`, sign-extended if `signed`.
    Load { size: Size, signed: bool },
    /// `*(size *)(dst + off) = src or imm`.
    Store { size: Size, source: Source },
    /// An atomic read-modify-write of `*(size *)(dst + off)` with `src`.
    Atomic { size: Size, op: AtomicOp },
    /// `dst = imm64` or a pseudo value; takes two slots.
    LoadImm64 { kind: Imm64Kind },
    /// An unconditional jump; `long` jumps take their offset from `imm` (`gotol`).
    Goto { long: bool },
    /// `if dst cond src goto +off`.
    Branch {
        cond: Cond,
        width: Width,
        source: Source,
    },
    /// A call.
    Call { kind: CallKind },
    /// Return `r0` to the caller.
    Exit,
}

impl Semantics {
    /// Whether the instruction writes its `dst` register (atomics write memory, and the
    /// fetching ones `src` or `r0`; calls write `r0`-`r5`).
    ///
    /// ```
    /// use ringfence_isa::{assemble, Semantics};
    /// let writes = |s: &str| assemble("t.s", s).unwrap().insns[0].semantics().writes_dst();
    /// assert!(writes("r1 = *(u8 *)(r2 + 0)") && writes("r3 = 1 ll") && writes("r1 = -r1"));
    /// assert!(!writes("*(u8 *)(r1 + 0) = r2") && !writes("lock *(u64 *)(r1 + 0) += r2"));
    /// assert!(!writes("if r1 == 0 goto +0") && !writes("exit"));
    /// ```
    pub const fn writes_dst(self) -> bool {
        matches!(
            self,
            Semantics::Alu { .. }
                | Semantics::Neg { .. }
                | Semantics::MovSx { .. }
                | Semantics::Endian { .. }
                | Semantics::Load { .. }
                | Semantics::LoadImm64 { .. }
        )
    }
}

/// Which fields of a slot carry operands. Fields not named are reserved and must be zero,
/// except the one the row's [`Key`] tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    /// `dst`, `imm`.
    DstImm,
    /// `dst`, `src`.
    DstSrc,
    /// `dst` only.
    Dst,
    /// `dst`, `src`, `off`: loads, register stores and atomics.
    DstSrcOff,
    /// `dst`, `off`, `imm`: immediate stores.
    DstOffImm,
    /// `dst` and the 64-bit immediate spread over two slots.
    DstImm64,
    /// `off` only: `goto`.
    Off,
    /// `imm` only: `gotol`, helper and local calls.
    Imm,
    /// `dst`, `imm`, `off`: conditional jumps against an immediate.
    DstImmOff,
    /// `dst`, `src`, `off`: conditional jumps against a register.
    DstSrcOffJump,
    /// No operands: `exit`.
    Nothing,
}

impl Form {
    /// Whether the form reads the `dst` field.
    pub const fn uses_dst(self) -> bool {
        !matches!(self, Form::Off | Form::Imm | Form::Nothing)
    }
    /// Whether the form reads the `src` field.
    pub const fn uses_src(self) -> bool {
        matches!(self, Form::DstSrc | Form::DstSrcOff | Form::DstSrcOffJump)
    }
    /// Whether the form reads the `off` field.
    pub const fn uses_off(self) -> bool {
        matches!(
            self,
            Form::DstSrcOff | Form::DstOffImm | Form::Off | Form::DstImmOff | Form::DstSrcOffJump
        )
    }
    /// Whether the form reads the `imm` field.
    pub const fn uses_imm(self) -> bool {
        matches!(
            self,
            Form::DstImm | Form::DstOffImm | Form::DstImm64 | Form::Imm | Form::DstImmOff
        )
    }
}

/// The field that tells apart rows sharing one opcode byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// The opcode alone decides.
    None,
    /// The `off` field must hold this value.
    Off(i16),
    /// The `imm` field must hold this value.
    Imm(i32),
    /// The `src` field must hold this value.
    Src(u8),
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub struct OpInfo {
    pub op: Op,
    pub name: &'static str,
    pub opcode: u8,
    pub key: Key,
    pub form: Form,
    pub semantics: Semantics,
    /// The clang / llvm-objdump syntax templates; the first is what the disassembler prints.
    pub clang: &'static [&'static str],
    /// The bpf_conformance syntax templates; the first is what the disassembler prints.
    pub conformance: &'static [&'static str],
}

impl Op {
    /// This operation's row of the table.
    pub fn info(self) -> &'static OpInfo {
        &TABLE[self as usize]
    }
    /// What this operation does.
    pub fn semantics(self) -> Semantics {
        self.info().semantics
    }
}

macro_rules! isa_table {
    ($(($name:ident, $opcode:literal, $key:expr, $form:ident, $sem:expr, $clang:expr, $conf:expr),)*) => {
        /// Every instruction of the ISA; see the module documentation for the naming scheme.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Op { $($name,)* }

        /// The rows of the table, indexed by `Op as usize`.
        pub static TABLE: &[OpInfo] = &[$(OpInfo {
            op: Op::$name,
            name: stringify!($name),
            opcode: $opcode,
            key: $key,
            form: Form::$form,
            semantics: $sem,
            clang: $clang,
            conformance: $conf,
        },)*];
    };
}

use AluOp::*;
use Key::{Imm as KImm, None as KNone, Off as KOff, Src as KSrc};
use Source::{Imm as SImm, Reg as SReg};
use Width::{W32, W64};

const fn alu(op: AluOp, width: Width, source: Source) -> Semantics {
    Semantics::Alu { op, width, source }
}
const fn branch(cond: Cond, width: Width, source: Source) -> Semantics {
    Semantics::Branch {
        cond,
        width,
        source,
    }
}
const fn atomic(size: Size, op: AtomicOp) -> Semantics {
    Semantics::Atomic { size, op }
}
const fn endian(order: ByteOrder, bits: u32) -> Semantics {
    Semantics::Endian { order, bits }
}

isa_table! {
    // ---- ALU64 (class 0x07), immediate then register source -------------------------------
    (Add64Imm,  0x07, KNone,   DstImm, alu(Add, W64, SImm),  &["{dst} += {imm}"],    &["add {dst}, {imm}"]),
    (Add64Reg,  0x0f, KNone,   DstSrc, alu(Add, W64, SReg),  &["{dst} += {src}"],    &["add {dst}, {src}"]),
    (Sub64Imm,  0x17, KNone,   DstImm, alu(Sub, W64, SImm),  &["{dst} -= {imm}"],    &["sub {dst}, {imm}"]),
    (Sub64Reg,  0x1f, KNone,   DstSrc, alu(Sub, W64, SReg),  &["{dst} -= {src}"],    &["sub {dst}, {src}"]),
    (Mul64Imm,  0x27, KNone,   DstImm, alu(Mul, W64, SImm),  &["{dst} *= {imm}"],    &["mul {dst}, {imm}"]),
    (Mul64Reg,  0x2f, KNone,   DstSrc, alu(Mul, W64, SReg),  &["{dst} *= {src}"],    &["mul {dst}, {src}"]),
    (Div64Imm,  0x37, KOff(0), DstImm, alu(Div, W64, SImm),  &["{dst} /= {imm}"],    &["div {dst}, {imm}"]),
    (Div64Reg,  0x3f, KOff(0), DstSrc, alu(Div, W64, SReg),  &["{dst} /= {src}"],    &["div {dst}, {src}"]),
    (SDiv64Imm, 0x37, KOff(1), DstImm, alu(SDiv, W64, SImm), &["{dst} s/= {imm}"],   &["sdiv {dst}, {imm}"]),
    (SDiv64Reg, 0x3f, KOff(1), DstSrc, alu(SDiv, W64, SReg), &["{dst} s/= {src}"],   &["sdiv {dst}, {src}"]),
    (Or64Imm,   0x47, KNone,   DstImm, alu(Or, W64, SImm),   &["{dst} |= {imm}"],    &["or {dst}, {imm}"]),
    (Or64Reg,   0x4f, KNone,   DstSrc, alu(Or, W64, SReg),   &["{dst} |= {src}"],    &["or {dst}, {src}"]),
    (And64Imm,  0x57, KNone,   DstImm, alu(And, W64, SImm),  &["{dst} &= {imm}"],    &["and {dst}, {imm}"]),
    (And64Reg,  0x5f, KNone,   DstSrc, alu(And, W64, SReg),  &["{dst} &= {src}"],    &["and {dst}, {src}"]),
    (Lsh64Imm,  0x67, KNone,   DstImm, alu(Lsh, W64, SImm),  &["{dst} <<= {imm}"],   &["lsh {dst}, {imm}"]),
    (Lsh64Reg,  0x6f, KNone,   DstSrc, alu(Lsh, W64, SReg),  &["{dst} <<= {src}"],   &["lsh {dst}, {src}"]),
    (Rsh64Imm,  0x77, KNone,   DstImm, alu(Rsh, W64, SImm),  &["{dst} >>= {imm}"],   &["rsh {dst}, {imm}"]),
    (Rsh64Reg,  0x7f, KNone,   DstSrc, alu(Rsh, W64, SReg),  &["{dst} >>= {src}"],   &["rsh {dst}, {src}"]),
    (Neg64,     0x87, KNone,   Dst,    Semantics::Neg { width: W64 }, &["{dst} = -{dst}"], &["neg {dst}"]),
    (Mod64Imm,  0x97, KOff(0), DstImm, alu(Mod, W64, SImm),  &["{dst} %= {imm}"],    &["mod {dst}, {imm}"]),
    (Mod64Reg,  0x9f, KOff(0), DstSrc, alu(Mod, W64, SReg),  &["{dst} %= {src}"],    &["mod {dst}, {src}"]),
    (SMod64Imm, 0x97, KOff(1), DstImm, alu(SMod, W64, SImm), &["{dst} s%= {imm}"],   &["smod {dst}, {imm}"]),
    (SMod64Reg, 0x9f, KOff(1), DstSrc, alu(SMod, W64, SReg), &["{dst} s%= {src}"],   &["smod {dst}, {src}"]),
    (Xor64Imm,  0xa7, KNone,   DstImm, alu(Xor, W64, SImm),  &["{dst} ^= {imm}"],    &["xor {dst}, {imm}"]),
    (Xor64Reg,  0xaf, KNone,   DstSrc, alu(Xor, W64, SReg),  &["{dst} ^= {src}"],    &["xor {dst}, {src}"]),
    (Mov64Imm,  0xb7, KNone,   DstImm, alu(Mov, W64, SImm),  &["{dst} = {imm}"],     &["mov {dst}, {imm}"]),
    (Mov64Reg,  0xbf, KOff(0), DstSrc, alu(Mov, W64, SReg),  &["{dst} = {src}"],     &["mov {dst}, {src}"]),
    (MovSx8To64,  0xbf, KOff(8),  DstSrc, Semantics::MovSx { width: W64, from: Size::B }, &["{dst} = (s8){src}"],  &["movsx864 {dst}, {src}"]),
    (MovSx16To64, 0xbf, KOff(16), DstSrc, Semantics::MovSx { width: W64, from: Size::H }, &["{dst} = (s16){src}"], &["movsx1664 {dst}, {src}"]),
    (MovSx32To64, 0xbf, KOff(32), DstSrc, Semantics::MovSx { width: W64, from: Size::W }, &["{dst} = (s32){src}"], &["movsx3264 {dst}, {src}"]),
    (Arsh64Imm, 0xc7, KNone,   DstImm, alu(Arsh, W64, SImm), &["{dst} s>>= {imm}"],  &["arsh {dst}, {imm}"]),
    (Arsh64Reg, 0xcf, KNone,   DstSrc, alu(Arsh, W64, SReg), &["{dst} s>>= {src}"],  &["arsh {dst}, {src}"]),
    (Bswap16,   0xd7, KImm(16), Dst,   endian(ByteOrder::Swap, 16), &["{dst} = bswap16 {dst}"], &["bswap16 {dst}", "swap16 {dst}"]),
    (Bswap32,   0xd7, KImm(32), Dst,   endian(ByteOrder::Swap, 32), &["{dst} = bswap32 {dst}"], &["bswap32 {dst}", "swap32 {dst}"]),
    (Bswap64,   0xd7, KImm(64), Dst,   endian(ByteOrder::Swap, 64), &["{dst} = bswap64 {dst}"], &["bswap64 {dst}", "swap64 {dst}"]),

    // ---- ALU (class 0x04): 32-bit, results zero-extended -----------------------------------
    (Add32Imm,  0x04, KNone,   DstImm, alu(Add, W32, SImm),  &["{wdst} += {imm}"],   &["add32 {dst}, {imm}"]),
    (Add32Reg,  0x0c, KNone,   DstSrc, alu(Add, W32, SReg),  &["{wdst} += {wsrc}"],  &["add32 {dst}, {src}"]),
    (Sub32Imm,  0x14, KNone,   DstImm, alu(Sub, W32, SImm),  &["{wdst} -= {imm}"],   &["sub32 {dst}, {imm}"]),
    (Sub32Reg,  0x1c, KNone,   DstSrc, alu(Sub, W32, SReg),  &["{wdst} -= {wsrc}"],  &["sub32 {dst}, {src}"]),
    (Mul32Imm,  0x24, KNone,   DstImm, alu(Mul, W32, SImm),  &["{wdst} *= {imm}"],   &["mul32 {dst}, {imm}"]),
    (Mul32Reg,  0x2c, KNone,   DstSrc, alu(Mul, W32, SReg),  &["{wdst} *= {wsrc}"],  &["mul32 {dst}, {src}"]),
    (Div32Imm,  0x34, KOff(0), DstImm, alu(Div, W32, SImm),  &["{wdst} /= {imm}"],   &["div32 {dst}, {imm}"]),
    (Div32Reg,  0x3c, KOff(0), DstSrc, alu(Div, W32, SReg),  &["{wdst} /= {wsrc}"],  &["div32 {dst}, {src}"]),
    (SDiv32Imm, 0x34, KOff(1), DstImm, alu(SDiv, W32, SImm), &["{wdst} s/= {imm}"],  &["sdiv32 {dst}, {imm}"]),
    (SDiv32Reg, 0x3c, KOff(1), DstSrc, alu(SDiv, W32, SReg), &["{wdst} s/= {wsrc}"], &["sdiv32 {dst}, {src}"]),
    (Or32Imm,   0x44, KNone,   DstImm, alu(Or, W32, SImm),   &["{wdst} |= {imm}"],   &["or32 {dst}, {imm}"]),
    (Or32Reg,   0x4c, KNone,   DstSrc, alu(Or, W32, SReg),   &["{wdst} |= {wsrc}"],  &["or32 {dst}, {src}"]),
    (And32Imm,  0x54, KNone,   DstImm, alu(And, W32, SImm),  &["{wdst} &= {imm}"],   &["and32 {dst}, {imm}"]),
    (And32Reg,  0x5c, KNone,   DstSrc, alu(And, W32, SReg),  &["{wdst} &= {wsrc}"],  &["and32 {dst}, {src}"]),
    (Lsh32Imm,  0x64, KNone,   DstImm, alu(Lsh, W32, SImm),  &["{wdst} <<= {imm}"],  &["lsh32 {dst}, {imm}"]),
    (Lsh32Reg,  0x6c, KNone,   DstSrc, alu(Lsh, W32, SReg),  &["{wdst} <<= {wsrc}"], &["lsh32 {dst}, {src}"]),
    (Rsh32Imm,  0x74, KNone,   DstImm, alu(Rsh, W32, SImm),  &["{wdst} >>= {imm}"],  &["rsh32 {dst}, {imm}"]),
    (Rsh32Reg,  0x7c, KNone,   DstSrc, alu(Rsh, W32, SReg),  &["{wdst} >>= {wsrc}"], &["rsh32 {dst}, {src}"]),
    (Neg32,     0x84, KNone,   Dst,    Semantics::Neg { width: W32 }, &["{wdst} = -{wdst}"], &["neg32 {dst}"]),
    (Mod32Imm,  0x94, KOff(0), DstImm, alu(Mod, W32, SImm),  &["{wdst} %= {imm}"],   &["mod32 {dst}, {imm}"]),
    (Mod32Reg,  0x9c, KOff(0), DstSrc, alu(Mod, W32, SReg),  &["{wdst} %= {wsrc}"],  &["mod32 {dst}, {src}"]),
    (SMod32Imm, 0x94, KOff(1), DstImm, alu(SMod, W32, SImm), &["{wdst} s%= {imm}"],  &["smod32 {dst}, {imm}"]),
    (SMod32Reg, 0x9c, KOff(1), DstSrc, alu(SMod, W32, SReg), &["{wdst} s%= {wsrc}"], &["smod32 {dst}, {src}"]),
    (Xor32Imm,  0xa4, KNone,   DstImm, alu(Xor, W32, SImm),  &["{wdst} ^= {imm}"],   &["xor32 {dst}, {imm}"]),
    (Xor32Reg,  0xac, KNone,   DstSrc, alu(Xor, W32, SReg),  &["{wdst} ^= {wsrc}"],  &["xor32 {dst}, {src}"]),
    (Mov32Imm,  0xb4, KNone,   DstImm, alu(Mov, W32, SImm),  &["{wdst} = {imm}"],    &["mov32 {dst}, {imm}"]),
    (Mov32Reg,  0xbc, KOff(0), DstSrc, alu(Mov, W32, SReg),  &["{wdst} = {wsrc}"],   &["mov32 {dst}, {src}"]),
    (MovSx8To32,  0xbc, KOff(8),  DstSrc, Semantics::MovSx { width: W32, from: Size::B }, &["{wdst} = (s8){wsrc}"],  &["movsx832 {dst}, {src}"]),
    (MovSx16To32, 0xbc, KOff(16), DstSrc, Semantics::MovSx { width: W32, from: Size::H }, &["{wdst} = (s16){wsrc}"], &["movsx1632 {dst}, {src}"]),
    (Arsh32Imm, 0xc4, KNone,   DstImm, alu(Arsh, W32, SImm), &["{wdst} s>>= {imm}"], &["arsh32 {dst}, {imm}"]),
    (Arsh32Reg, 0xcc, KNone,   DstSrc, alu(Arsh, W32, SReg), &["{wdst} s>>= {wsrc}"], &["arsh32 {dst}, {src}"]),
    (Le16,      0xd4, KImm(16), Dst,   endian(ByteOrder::Le, 16), &["{dst} = le16 {dst}"], &["le16 {dst}"]),
    (Le32,      0xd4, KImm(32), Dst,   endian(ByteOrder::Le, 32), &["{dst} = le32 {dst}"], &["le32 {dst}"]),
    (Le64,      0xd4, KImm(64), Dst,   endian(ByteOrder::Le, 64), &["{dst} = le64 {dst}"], &["le64 {dst}"]),
    (Be16,      0xdc, KImm(16), Dst,   endian(ByteOrder::Be, 16), &["{dst} = be16 {dst}"], &["be16 {dst}"]),
    (Be32,      0xdc, KImm(32), Dst,   endian(ByteOrder::Be, 32), &["{dst} = be32 {dst}"], &["be32 {dst}"]),
    (Be64,      0xdc, KImm(64), Dst,   endian(ByteOrder::Be, 64), &["{dst} = be64 {dst}"], &["be64 {dst}"]),

    // ---- Loads (class 0x01), sign-extending loads (mode 0x80) ------------------------------
    (LdxB,   0x71, KNone, DstSrcOff, Semantics::Load { size: Size::B, signed: false },  &["{dst} = *(u8 *)({src} {off})", "{wdst} = *(u8 *)({src} {off})"],   &["ldxb {dst}, [{src}{off}]"]),
    (LdxH,   0x69, KNone, DstSrcOff, Semantics::Load { size: Size::H, signed: false },  &["{dst} = *(u16 *)({src} {off})", "{wdst} = *(u16 *)({src} {off})"], &["ldxh {dst}, [{src}{off}]"]),
    (LdxW,   0x61, KNone, DstSrcOff, Semantics::Load { size: Size::W, signed: false },  &["{dst} = *(u32 *)({src} {off})", "{wdst} = *(u32 *)({src} {off})"], &["ldxw {dst}, [{src}{off}]"]),
    (LdxDw,  0x79, KNone, DstSrcOff, Semantics::Load { size: Size::Dw, signed: false }, &["{dst} = *(u64 *)({src} {off})"],  &["ldxdw {dst}, [{src}{off}]"]),
    (LdxSB,  0x91, KNone, DstSrcOff, Semantics::Load { size: Size::B, signed: true },   &["{dst} = *(s8 *)({src} {off})"],   &["ldxsb {dst}, [{src}{off}]"]),
    (LdxSH,  0x89, KNone, DstSrcOff, Semantics::Load { size: Size::H, signed: true },   &["{dst} = *(s16 *)({src} {off})"],  &["ldxsh {dst}, [{src}{off}]"]),
    (LdxSW,  0x81, KNone, DstSrcOff, Semantics::Load { size: Size::W, signed: true },   &["{dst} = *(s32 *)({src} {off})"],  &["ldxsw {dst}, [{src}{off}]"]),

    // ---- Stores of an immediate (class 0x02) and of a register (class 0x03) ----------------
    (StB,    0x72, KNone, DstOffImm, Semantics::Store { size: Size::B, source: SImm },  &["*(u8 *)({dst} {off}) = {imm}"],   &["stb [{dst}{off}], {imm}"]),
    (StH,    0x6a, KNone, DstOffImm, Semantics::Store { size: Size::H, source: SImm },  &["*(u16 *)({dst} {off}) = {imm}"],  &["sth [{dst}{off}], {imm}"]),
    (StW,    0x62, KNone, DstOffImm, Semantics::Store { size: Size::W, source: SImm },  &["*(u32 *)({dst} {off}) = {imm}"],  &["stw [{dst}{off}], {imm}"]),
    (StDw,   0x7a, KNone, DstOffImm, Semantics::Store { size: Size::Dw, source: SImm }, &["*(u64 *)({dst} {off}) = {imm}"],  &["stdw [{dst}{off}], {imm}"]),
    (StxB,   0x73, KNone, DstSrcOff, Semantics::Store { size: Size::B, source: SReg },  &["*(u8 *)({dst} {off}) = {src}", "*(u8 *)({dst} {off}) = {wsrc}"],   &["stxb [{dst}{off}], {src}"]),
    (StxH,   0x6b, KNone, DstSrcOff, Semantics::Store { size: Size::H, source: SReg },  &["*(u16 *)({dst} {off}) = {src}", "*(u16 *)({dst} {off}) = {wsrc}"], &["stxh [{dst}{off}], {src}"]),
    (StxW,   0x63, KNone, DstSrcOff, Semantics::Store { size: Size::W, source: SReg },  &["*(u32 *)({dst} {off}) = {src}", "*(u32 *)({dst} {off}) = {wsrc}"], &["stxw [{dst}{off}], {src}"]),
    (StxDw,  0x7b, KNone, DstSrcOff, Semantics::Store { size: Size::Dw, source: SReg }, &["*(u64 *)({dst} {off}) = {src}"],  &["stxdw [{dst}{off}], {src}"]),

    // ---- Atomics (class 0x03, mode 0xc0): the operation is in imm ---------------------------
    (AtomicAdd32,      0xc3, KImm(0x00), DstSrcOff, atomic(Size::W, AtomicOp::Add),      &["lock *(u32 *)({dst} {off}) += {wsrc}", "lock *(u32 *)({dst} {off}) += {src}"],  &["lock add32 [{dst}{off}], {src}"]),
    (AtomicOr32,       0xc3, KImm(0x40), DstSrcOff, atomic(Size::W, AtomicOp::Or),       &["lock *(u32 *)({dst} {off}) |= {wsrc}"],  &["lock or32 [{dst}{off}], {src}"]),
    (AtomicAnd32,      0xc3, KImm(0x50), DstSrcOff, atomic(Size::W, AtomicOp::And),      &["lock *(u32 *)({dst} {off}) &= {wsrc}"],  &["lock and32 [{dst}{off}], {src}"]),
    (AtomicXor32,      0xc3, KImm(0xa0), DstSrcOff, atomic(Size::W, AtomicOp::Xor),      &["lock *(u32 *)({dst} {off}) ^= {wsrc}"],  &["lock xor32 [{dst}{off}], {src}"]),
    (AtomicFetchAdd32, 0xc3, KImm(0x01), DstSrcOff, atomic(Size::W, AtomicOp::FetchAdd), &["{wsrc} = atomic_fetch_add((u32 *)({dst} {off}), {wsrc})"], &["lock fetch add32 [{dst}{off}], {src}"]),
    (AtomicFetchOr32,  0xc3, KImm(0x41), DstSrcOff, atomic(Size::W, AtomicOp::FetchOr),  &["{wsrc} = atomic_fetch_or((u32 *)({dst} {off}), {wsrc})"],  &["lock fetch or32 [{dst}{off}], {src}"]),
    (AtomicFetchAnd32, 0xc3, KImm(0x51), DstSrcOff, atomic(Size::W, AtomicOp::FetchAnd), &["{wsrc} = atomic_fetch_and((u32 *)({dst} {off}), {wsrc})"], &["lock fetch and32 [{dst}{off}], {src}"]),
    (AtomicFetchXor32, 0xc3, KImm(0xa1), DstSrcOff, atomic(Size::W, AtomicOp::FetchXor), &["{wsrc} = atomic_fetch_xor((u32 *)({dst} {off}), {wsrc})"], &["lock fetch xor32 [{dst}{off}], {src}"]),
    (AtomicXchg32,     0xc3, KImm(0xe1), DstSrcOff, atomic(Size::W, AtomicOp::Xchg),     &["{wsrc} = xchg32_32({dst} {off}, {wsrc})"], &["lock xchg32 [{dst}{off}], {src}"]),
    (AtomicCmpXchg32,  0xc3, KImm(0xf1), DstSrcOff, atomic(Size::W, AtomicOp::CmpXchg),  &["w0 = cmpxchg32_32({dst} {off}, w0, {wsrc})"], &["lock cmpxchg32 [{dst}{off}], {src}"]),
    (AtomicAdd64,      0xdb, KImm(0x00), DstSrcOff, atomic(Size::Dw, AtomicOp::Add),      &["lock *(u64 *)({dst} {off}) += {src}"],  &["lock add [{dst}{off}], {src}"]),
    (AtomicOr64,       0xdb, KImm(0x40), DstSrcOff, atomic(Size::Dw, AtomicOp::Or),       &["lock *(u64 *)({dst} {off}) |= {src}"],  &["lock or [{dst}{off}], {src}"]),
    (AtomicAnd64,      0xdb, KImm(0x50), DstSrcOff, atomic(Size::Dw, AtomicOp::And),      &["lock *(u64 *)({dst} {off}) &= {src}"],  &["lock and [{dst}{off}], {src}"]),
    (AtomicXor64,      0xdb, KImm(0xa0), DstSrcOff, atomic(Size::Dw, AtomicOp::Xor),      &["lock *(u64 *)({dst} {off}) ^= {src}"],  &["lock xor [{dst}{off}], {src}"]),
    (AtomicFetchAdd64, 0xdb, KImm(0x01), DstSrcOff, atomic(Size::Dw, AtomicOp::FetchAdd), &["{src} = atomic_fetch_add((u64 *)({dst} {off}), {src})"], &["lock fetch add [{dst}{off}], {src}"]),
    (AtomicFetchOr64,  0xdb, KImm(0x41), DstSrcOff, atomic(Size::Dw, AtomicOp::FetchOr),  &["{src} = atomic_fetch_or((u64 *)({dst} {off}), {src})"],  &["lock fetch or [{dst}{off}], {src}"]),
    (AtomicFetchAnd64, 0xdb, KImm(0x51), DstSrcOff, atomic(Size::Dw, AtomicOp::FetchAnd), &["{src} = atomic_fetch_and((u64 *)({dst} {off}), {src})"], &["lock fetch and [{dst}{off}], {src}"]),
    (AtomicFetchXor64, 0xdb, KImm(0xa1), DstSrcOff, atomic(Size::Dw, AtomicOp::FetchXor), &["{src} = atomic_fetch_xor((u64 *)({dst} {off}), {src})"], &["lock fetch xor [{dst}{off}], {src}"]),
    (AtomicXchg64,     0xdb, KImm(0xe1), DstSrcOff, atomic(Size::Dw, AtomicOp::Xchg),     &["{src} = xchg_64({dst} {off}, {src})"], &["lock xchg [{dst}{off}], {src}"]),
    (AtomicCmpXchg64,  0xdb, KImm(0xf1), DstSrcOff, atomic(Size::Dw, AtomicOp::CmpXchg),  &["r0 = cmpxchg_64({dst} {off}, r0, {src})"], &["lock cmpxchg [{dst}{off}], {src}"]),

    // ---- 64-bit immediate loads (class 0x00, two slots) ------------------------------------
    (Lddw,         0x18, KSrc(0), DstImm64, Semantics::LoadImm64 { kind: Imm64Kind::Value },    &["{dst} = {imm64} ll"],              &["lddw {dst}, {imm64}"]),
    (LddwMapFd,    0x18, KSrc(1), DstImm64, Semantics::LoadImm64 { kind: Imm64Kind::MapFd },    &["{dst} = map_fd({lo}) ll"],         &["lddw {dst}, map_fd({lo})"]),
    (LddwMapValue, 0x18, KSrc(2), DstImm64, Semantics::LoadImm64 { kind: Imm64Kind::MapValue }, &["{dst} = map_value({lo}, {hi}) ll"], &["lddw {dst}, map_value({lo}, {hi})"]),

    // ---- Jumps (class 0x05: 64-bit compares; class 0x06: 32-bit compares) -------------------
    (Ja,    0x05, KNone, Off, Semantics::Goto { long: false }, &["goto {target}"],  &["ja {target}"]),
    (Gotol, 0x06, KNone, Imm, Semantics::Goto { long: true },  &["gotol {target}"], &["ja32 {target}"]),
    (Jeq64Imm,  0x15, KNone, DstImmOff,     branch(Cond::Eq, W64, SImm),  &["if {dst} == {imm} goto {target}"],   &["jeq {dst}, {imm}, {target}"]),
    (Jeq64Reg,  0x1d, KNone, DstSrcOffJump, branch(Cond::Eq, W64, SReg),  &["if {dst} == {src} goto {target}"],   &["jeq {dst}, {src}, {target}"]),
    (Jgt64Imm,  0x25, KNone, DstImmOff,     branch(Cond::Gt, W64, SImm),  &["if {dst} > {imm} goto {target}"],    &["jgt {dst}, {imm}, {target}"]),
    (Jgt64Reg,  0x2d, KNone, DstSrcOffJump, branch(Cond::Gt, W64, SReg),  &["if {dst} > {src} goto {target}"],    &["jgt {dst}, {src}, {target}"]),
    (Jge64Imm,  0x35, KNone, DstImmOff,     branch(Cond::Ge, W64, SImm),  &["if {dst} >= {imm} goto {target}"],   &["jge {dst}, {imm}, {target}"]),
    (Jge64Reg,  0x3d, KNone, DstSrcOffJump, branch(Cond::Ge, W64, SReg),  &["if {dst} >= {src} goto {target}"],   &["jge {dst}, {src}, {target}"]),
    (Jset64Imm, 0x45, KNone, DstImmOff,     branch(Cond::Set, W64, SImm), &["if {dst} & {imm} goto {target}"],    &["jset {dst}, {imm}, {target}"]),
    (Jset64Reg, 0x4d, KNone, DstSrcOffJump, branch(Cond::Set, W64, SReg), &["if {dst} & {src} goto {target}"],    &["jset {dst}, {src}, {target}"]),
    (Jne64Imm,  0x55, KNone, DstImmOff,     branch(Cond::Ne, W64, SImm),  &["if {dst} != {imm} goto {target}"],   &["jne {dst}, {imm}, {target}"]),
    (Jne64Reg,  0x5d, KNone, DstSrcOffJump, branch(Cond::Ne, W64, SReg),  &["if {dst} != {src} goto {target}"],   &["jne {dst}, {src}, {target}"]),
    (Jsgt64Imm, 0x65, KNone, DstImmOff,     branch(Cond::SGt, W64, SImm), &["if {dst} s> {imm} goto {target}"],   &["jsgt {dst}, {imm}, {target}"]),
    (Jsgt64Reg, 0x6d, KNone, DstSrcOffJump, branch(Cond::SGt, W64, SReg), &["if {dst} s> {src} goto {target}"],   &["jsgt {dst}, {src}, {target}"]),
    (Jsge64Imm, 0x75, KNone, DstImmOff,     branch(Cond::SGe, W64, SImm), &["if {dst} s>= {imm} goto {target}"],  &["jsge {dst}, {imm}, {target}"]),
    (Jsge64Reg, 0x7d, KNone, DstSrcOffJump, branch(Cond::SGe, W64, SReg), &["if {dst} s>= {src} goto {target}"],  &["jsge {dst}, {src}, {target}"]),
    (Jlt64Imm,  0xa5, KNone, DstImmOff,     branch(Cond::Lt, W64, SImm),  &["if {dst} < {imm} goto {target}"],    &["jlt {dst}, {imm}, {target}"]),
    (Jlt64Reg,  0xad, KNone, DstSrcOffJump, branch(Cond::Lt, W64, SReg),  &["if {dst} < {src} goto {target}"],    &["jlt {dst}, {src}, {target}"]),
    (Jle64Imm,  0xb5, KNone, DstImmOff,     branch(Cond::Le, W64, SImm),  &["if {dst} <= {imm} goto {target}"],   &["jle {dst}, {imm}, {target}"]),
    (Jle64Reg,  0xbd, KNone, DstSrcOffJump, branch(Cond::Le, W64, SReg),  &["if {dst} <= {src} goto {target}"],   &["jle {dst}, {src}, {target}"]),
    (Jslt64Imm, 0xc5, KNone, DstImmOff,     branch(Cond::SLt, W64, SImm), &["if {dst} s< {imm} goto {target}"],   &["jslt {dst}, {imm}, {target}"]),
    (Jslt64Reg, 0xcd, KNone, DstSrcOffJump, branch(Cond::SLt, W64, SReg), &["if {dst} s< {src} goto {target}"],   &["jslt {dst}, {src}, {target}"]),
    (Jsle64Imm, 0xd5, KNone, DstImmOff,     branch(Cond::SLe, W64, SImm), &["if {dst} s<= {imm} goto {target}"],  &["jsle {dst}, {imm}, {target}"]),
    (Jsle64Reg, 0xdd, KNone, DstSrcOffJump, branch(Cond::SLe, W64, SReg), &["if {dst} s<= {src} goto {target}"],  &["jsle {dst}, {src}, {target}"]),
    (Jeq32Imm,  0x16, KNone, DstImmOff,     branch(Cond::Eq, W32, SImm),  &["if {wdst} == {imm} goto {target}"],  &["jeq32 {dst}, {imm}, {target}"]),
    (Jeq32Reg,  0x1e, KNone, DstSrcOffJump, branch(Cond::Eq, W32, SReg),  &["if {wdst} == {wsrc} goto {target}"], &["jeq32 {dst}, {src}, {target}"]),
    (Jgt32Imm,  0x26, KNone, DstImmOff,     branch(Cond::Gt, W32, SImm),  &["if {wdst} > {imm} goto {target}"],   &["jgt32 {dst}, {imm}, {target}"]),
    (Jgt32Reg,  0x2e, KNone, DstSrcOffJump, branch(Cond::Gt, W32, SReg),  &["if {wdst} > {wsrc} goto {target}"],  &["jgt32 {dst}, {src}, {target}"]),
    (Jge32Imm,  0x36, KNone, DstImmOff,     branch(Cond::Ge, W32, SImm),  &["if {wdst} >= {imm} goto {target}"],  &["jge32 {dst}, {imm}, {target}"]),
    (Jge32Reg,  0x3e, KNone, DstSrcOffJump, branch(Cond::Ge, W32, SReg),  &["if {wdst} >= {wsrc} goto {target}"], &["jge32 {dst}, {src}, {target}"]),
    (Jset32Imm, 0x46, KNone, DstImmOff,     branch(Cond::Set, W32, SImm), &["if {wdst} & {imm} goto {target}"],   &["jset32 {dst}, {imm}, {target}"]),
    (Jset32Reg, 0x4e, KNone, DstSrcOffJump, branch(Cond::Set, W32, SReg), &["if {wdst} & {wsrc} goto {target}"],  &["jset32 {dst}, {src}, {target}"]),
    (Jne32Imm,  0x56, KNone, DstImmOff,     branch(Cond::Ne, W32, SImm),  &["if {wdst} != {imm} goto {target}"],  &["jne32 {dst}, {imm}, {target}"]),
    (Jne32Reg,  0x5e, KNone, DstSrcOffJump, branch(Cond::Ne, W32, SReg),  &["if {wdst} != {wsrc} goto {target}"], &["jne32 {dst}, {src}, {target}"]),
    (Jsgt32Imm, 0x66, KNone, DstImmOff,     branch(Cond::SGt, W32, SImm), &["if {wdst} s> {imm} goto {target}"],  &["jsgt32 {dst}, {imm}, {target}"]),
    (Jsgt32Reg, 0x6e, KNone, DstSrcOffJump, branch(Cond::SGt, W32, SReg), &["if {wdst} s> {wsrc} goto {target}"], &["jsgt32 {dst}, {src}, {target}"]),
    (Jsge32Imm, 0x76, KNone, DstImmOff,     branch(Cond::SGe, W32, SImm), &["if {wdst} s>= {imm} goto {target}"], &["jsge32 {dst}, {imm}, {target}"]),
    (Jsge32Reg, 0x7e, KNone, DstSrcOffJump, branch(Cond::SGe, W32, SReg), &["if {wdst} s>= {wsrc} goto {target}"], &["jsge32 {dst}, {src}, {target}"]),
    (Jlt32Imm,  0xa6, KNone, DstImmOff,     branch(Cond::Lt, W32, SImm),  &["if {wdst} < {imm} goto {target}"],   &["jlt32 {dst}, {imm}, {target}"]),
    (Jlt32Reg,  0xae, KNone, DstSrcOffJump, branch(Cond::Lt, W32, SReg),  &["if {wdst} < {wsrc} goto {target}"],  &["jlt32 {dst}, {src}, {target}"]),
    (Jle32Imm,  0xb6, KNone, DstImmOff,     branch(Cond::Le, W32, SImm),  &["if {wdst} <= {imm} goto {target}"],  &["jle32 {dst}, {imm}, {target}"]),
    (Jle32Reg,  0xbe, KNone, DstSrcOffJump, branch(Cond::Le, W32, SReg),  &["if {wdst} <= {wsrc} goto {target}"], &["jle32 {dst}, {src}, {target}"]),
    (Jslt32Imm, 0xc6, KNone, DstImmOff,     branch(Cond::SLt, W32, SImm), &["if {wdst} s< {imm} goto {target}"],  &["jslt32 {dst}, {imm}, {target}"]),
    (Jslt32Reg, 0xce, KNone, DstSrcOffJump, branch(Cond::SLt, W32, SReg), &["if {wdst} s< {wsrc} goto {target}"], &["jslt32 {dst}, {src}, {target}"]),
    (Jsle32Imm, 0xd6, KNone, DstImmOff,     branch(Cond::SLe, W32, SImm), &["if {wdst} s<= {imm} goto {target}"], &["jsle32 {dst}, {imm}, {target}"]),
    (Jsle32Reg, 0xde, KNone, DstSrcOffJump, branch(Cond::SLe, W32, SReg), &["if {wdst} s<= {wsrc} goto {target}"], &["jsle32 {dst}, {src}, {target}"]),

    // ---- Calls and exit ---------------------------------------------------------------------
    (Call,      0x85, KSrc(0), Imm,     Semantics::Call { kind: CallKind::Helper },   &["call {imm}"],  &["call {imm}"]),
    (CallLocal, 0x85, KSrc(1), Imm,     Semantics::Call { kind: CallKind::Local },    &["call {func}", "call local {func}"], &["call local {func}"]),
    (Callx,     0x8d, KNone,   Dst,     Semantics::Call { kind: CallKind::Register }, &["callx {dst}"], &["call {dst}"]),
    (Exit,      0x95, KNone,   Nothing, Semantics::Exit,                              &["exit"],        &["exit"]),
}
