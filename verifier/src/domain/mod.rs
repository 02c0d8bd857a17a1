//! The abstract domain of scalar values: tristate numbers and ranges.
//!
//! A scalar register is abstracted by a [`Scalar`]: the reduced product of a [`Tnum`] (known
//! bits, Vishwanathan et al., CGO 2022) with unsigned and signed intervals of the full 64-bit
//! value and of its low 32 bits, the same five components as the Linux kernel's
//! `bpf_reg_state` (`var_off`, `umin/umax`, `smin/smax`, `u32_min/u32_max`,
//! `s32_min/s32_max`). See [`scalar`] for the lattice, the join, the widening and the
//! reduction, [`tnum`] for the bit-level component, and [`Scalar::alu`] and [`refine`] for the
//! transfer functions of ALU instructions and of conditional jumps.
//!
//! The enums here name the operations in the domain's own terms; mapping the instruction
//! set's opcodes onto them is the interpreter's job.
//!
//! Not tracked here: pointers, relations between registers (`r1 < r2` is forgotten once both
//! are refined), and anything of a value beyond its bounds and known bits (congruences other
//! than powers of two, sets with holes).

mod arc;
mod refine;
pub mod scalar;
pub mod tnum;
mod transfer;

pub use refine::refine;
pub use scalar::Scalar;
pub use tnum::Tnum;

/// The width of an operation: ALU64/JMP (64 bits) or ALU/JMP32 (the low 32 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    /// The low 32 bits; results are zero-extended to 64 bits.
    W32,
    /// The full 64 bits.
    W64,
}

impl Width {
    /// 32 or 64.
    pub fn bits(self) -> u32 {
        match self {
            Width::W32 => 32,
            Width::W64 => 64,
        }
    }
}

/// A binary or unary ALU operation, as BPF defines it (RFC 9669).
///
/// Division by zero gives 0, modulo by zero leaves the dividend, `INT_MIN / -1` is `INT_MIN`
/// and `INT_MIN % -1` is 0; shift amounts are masked to the width (`x << (y & 63)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AluOp {
    /// `dst + src`.
    Add,
    /// `dst - src`.
    Sub,
    /// `dst * src`.
    Mul,
    /// Unsigned `dst / src`.
    Div,
    /// Signed `dst / src`.
    SDiv,
    /// Unsigned `dst % src`.
    Mod,
    /// Signed `dst % src` (the sign follows the dividend).
    SMod,
    /// `dst | src`.
    Or,
    /// `dst & src`.
    And,
    /// `dst ^ src`.
    Xor,
    /// `dst << src`.
    Lsh,
    /// Logical `dst >> src`.
    Rsh,
    /// Arithmetic `dst >> src`.
    Arsh,
    /// `-dst` (the source is ignored).
    Neg,
    /// `src`.
    Mov,
    /// `src` sign-extended from its low 8, 16 or 32 bits.
    MovSx(ExtendFrom),
    /// Byte swap: to little-endian (a truncation on this little-endian machine), to
    /// big-endian, or unconditional (`bswap`, the ALU64 form). Ignores the source and the
    /// operation width: the result is zero-extended from the swap size.
    Swap(SwapKind, SwapBits),
}

/// The source width of a sign extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExtendFrom {
    /// From the low 8 bits.
    B8,
    /// From the low 16 bits.
    B16,
    /// From the low 32 bits.
    B32,
}

impl ExtendFrom {
    /// 8, 16 or 32.
    pub fn bits(self) -> u32 {
        match self {
            ExtendFrom::B8 => 8,
            ExtendFrom::B16 => 16,
            ExtendFrom::B32 => 32,
        }
    }
}

/// Which byte swap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SwapKind {
    /// `le16/le32/le64`: keep the low bits, zero-extended.
    ToLe,
    /// `be16/be32/be64`: reverse the bytes of the low bits, zero-extended.
    ToBe,
    /// `bswap16/32/64`: as `ToBe`.
    Bswap,
}

/// The size of a byte swap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SwapBits {
    /// 16 bits.
    B16,
    /// 32 bits.
    B32,
    /// 64 bits.
    B64,
}

impl SwapBits {
    /// 16, 32 or 64.
    pub fn bits(self) -> u32 {
        match self {
            SwapBits::B16 => 16,
            SwapBits::B32 => 32,
            SwapBits::B64 => 64,
        }
    }
}

/// A jump condition, comparing `lhs` (dst) with `rhs` (src or immediate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    /// `lhs == rhs`.
    Eq,
    /// `lhs != rhs`.
    Ne,
    /// Unsigned `lhs > rhs`.
    Gt,
    /// Unsigned `lhs >= rhs`.
    Ge,
    /// Unsigned `lhs < rhs`.
    Lt,
    /// Unsigned `lhs <= rhs`.
    Le,
    /// Signed `lhs > rhs`.
    SGt,
    /// Signed `lhs >= rhs`.
    SGe,
    /// Signed `lhs < rhs`.
    SLt,
    /// Signed `lhs <= rhs`.
    SLe,
    /// `lhs & rhs != 0`.
    Set,
}
