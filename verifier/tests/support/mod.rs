//! What the two soundness harnesses share: a seeded random number generator and the ALU
//! and jump semantics of RFC 9669, written here again so that the harnesses depend on
//! neither the verifier's domain nor the VM.

use ringfence_isa::{AluOp, Cond, Width};

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The result of a BPF ALU operation on 64 or 32 bits (division by zero gives 0, modulo by
/// zero the dividend).
pub fn alu(op: AluOp, width: Width, dst: u64, src: u64) -> u64 {
    match width {
        Width::W64 => match op {
            AluOp::Add => dst.wrapping_add(src),
            AluOp::Sub => dst.wrapping_sub(src),
            AluOp::Mul => dst.wrapping_mul(src),
            AluOp::Div => dst.checked_div(src).unwrap_or(0),
            AluOp::SDiv if src == 0 => 0,
            AluOp::SDiv => (dst as i64).wrapping_div(src as i64) as u64,
            AluOp::Mod => dst.checked_rem(src).unwrap_or(dst),
            AluOp::SMod if src == 0 => dst,
            AluOp::SMod => (dst as i64).wrapping_rem(src as i64) as u64,
            AluOp::Or => dst | src,
            AluOp::And => dst & src,
            AluOp::Xor => dst ^ src,
            AluOp::Lsh => dst << (src & 63),
            AluOp::Rsh => dst >> (src & 63),
            AluOp::Arsh => ((dst as i64) >> (src & 63)) as u64,
            AluOp::Mov => src,
        },
        Width::W32 => {
            let (d, s) = (dst as u32, src as u32);
            (match op {
                AluOp::Add => d.wrapping_add(s),
                AluOp::Sub => d.wrapping_sub(s),
                AluOp::Mul => d.wrapping_mul(s),
                AluOp::Div => d.checked_div(s).unwrap_or(0),
                AluOp::SDiv if s == 0 => 0,
                AluOp::SDiv => (d as i32).wrapping_div(s as i32) as u32,
                AluOp::Mod => d.checked_rem(s).unwrap_or(d),
                AluOp::SMod if s == 0 => d,
                AluOp::SMod => (d as i32).wrapping_rem(s as i32) as u32,
                AluOp::Or => d | s,
                AluOp::And => d & s,
                AluOp::Xor => d ^ s,
                AluOp::Lsh => d << (s & 31),
                AluOp::Rsh => d >> (s & 31),
                AluOp::Arsh => ((d as i32) >> (s & 31)) as u32,
                AluOp::Mov => s,
            }) as u64
        }
    }
}

/// Whether a BPF jump condition holds on 64 or 32 bits.
pub fn holds(cond: Cond, width: Width, a: u64, b: u64) -> bool {
    let (a, b, sa, sb) = match width {
        Width::W64 => (a, b, a as i64, b as i64),
        Width::W32 => (
            a as u32 as u64,
            b as u32 as u64,
            a as i32 as i64,
            b as i32 as i64,
        ),
    };
    match cond {
        Cond::Eq => a == b,
        Cond::Ne => a != b,
        Cond::Gt => a > b,
        Cond::Ge => a >= b,
        Cond::Lt => a < b,
        Cond::Le => a <= b,
        Cond::SGt => sa > sb,
        Cond::SGe => sa >= sb,
        Cond::SLt => sa < sb,
        Cond::SLe => sa <= sb,
        Cond::Set => a & b != 0,
    }
}
