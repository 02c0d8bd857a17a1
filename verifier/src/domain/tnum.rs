//! Tristate numbers ("tnums"): what is known about each bit of a 64-bit value.
//!
//! A [`Tnum`] is a pair `(value, mask)` with `value & mask == 0`. A bit set in `mask` is
//! unknown; every other bit is known and equal to the bit of `value`. The concretization of
//! `(v, m)` is `{ x | x & !m == v }`, a set of `2^popcount(m)` values.
//!
//! Lattice: `a ⊑ b` ([`Tnum::le`]) iff every bit known in `b` is known in `a` with the same
//! value. The top element is [`Tnum::unknown`]; there is no bottom element: an empty meet is
//! reported as `None` by [`Tnum::intersect`]. The join ([`Tnum::union`]) makes every bit on
//! which the operands disagree unknown; it is the least upper bound. The lattice has height
//! 65, so ascending chains are short and no widening is needed.
//!
//! Transfer functions follow Vishwanathan, Shachnai, Narayana and Nagarakatte, "Sound,
//! Precise, and Fast Abstract Interpretation with Tristate Numbers" (CGO 2022), and the Linux
//! kernel's `kernel/bpf/tnum.c`: addition and subtraction are optimal; `and`, `or`, `xor` and
//! shifts by a known amount are exact per bit; multiplication is the paper's sound `our_mul`
//! (a sum of partial products, not optimal). Operations wrap modulo 2^64; the 32-bit form of a
//! value is its low half ([`Tnum::subreg`]), and 32-bit operations are the 64-bit ones
//! followed by [`Tnum::subreg`], except [`Tnum::arsh`], which takes the width.
//!
//! Not tracked: relations between bits (e.g. "bit 3 equals bit 5"), and anything a set of
//! values has beyond its known bits: `{1, 2}` is abstracted as `0b0xx` (four values).

use super::Width;

/// A tristate number: bits in `mask` are unknown, the others are those of `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tnum {
    value: u64,
    mask: u64,
}

impl Tnum {
    /// The tnum with the given known bits and unknown bits; known bits of `value` that are
    /// also set in `mask` are dropped.
    pub fn new(value: u64, mask: u64) -> Tnum {
        Tnum {
            value: value & !mask,
            mask,
        }
    }

    /// Exactly `value`.
    pub fn constant(value: u64) -> Tnum {
        Tnum { value, mask: 0 }
    }

    /// Every 64-bit value.
    pub fn unknown() -> Tnum {
        Tnum {
            value: 0,
            mask: u64::MAX,
        }
    }

    /// Every value of `bits` bits, zero-extended (bits in 1..=64).
    pub fn unknown_low(bits: u32) -> Tnum {
        Tnum {
            value: 0,
            mask: low_mask(bits),
        }
    }

    /// The smallest tnum containing every value of `min..=max` (`min <= max`).
    pub fn range(min: u64, max: u64) -> Tnum {
        debug_assert!(min <= max);
        let chi = min ^ max;
        let bits = 64 - chi.leading_zeros();
        let delta = low_mask(bits);
        Tnum::new(min & !delta, delta)
    }

    /// The known bits (unknown bits read as 0).
    pub fn value(self) -> u64 {
        self.value
    }

    /// The unknown bits.
    pub fn mask(self) -> u64 {
        self.mask
    }

    /// The value, when every bit is known.
    pub fn as_constant(self) -> Option<u64> {
        self.is_const().then_some(self.value)
    }

    /// Whether every bit is known.
    pub fn is_const(self) -> bool {
        self.mask == 0
    }

    /// Whether `x` is a member.
    pub fn contains(self, x: u64) -> bool {
        x & !self.mask == self.value
    }

    /// Whether every member of `self` is a member of `other` (`self ⊑ other`).
    pub fn le(self, other: Tnum) -> bool {
        self.mask & !other.mask == 0 && self.value & !other.mask == other.value
    }

    /// The smallest member, as unsigned.
    pub fn umin(self) -> u64 {
        self.value
    }

    /// The largest member, as unsigned.
    pub fn umax(self) -> u64 {
        self.value | self.mask
    }

    /// The smallest member, as signed.
    pub fn smin(self) -> i64 {
        (self.value | (self.mask & SIGN64)) as i64
    }

    /// The largest member, as signed.
    pub fn smax(self) -> i64 {
        (self.value | (self.mask & !SIGN64)) as i64
    }

    /// The smallest member that is `>= x` (unsigned), if any.
    pub fn min_ge(self, x: u64) -> Option<u64> {
        let bad = (x ^ self.value) & !self.mask;
        if bad == 0 {
            return Some(x);
        }
        // The answer agrees with `x` above some bit `p` where `x` has 0 and the answer 1; no
        // known bit above `p` may conflict with `x`, so `p` is at least the highest conflict.
        let highest_bad = 63 - bad.leading_zeros();
        let may_be_one = self.value | self.mask;
        let candidates = !x & may_be_one & (u64::MAX << highest_bad);
        if candidates == 0 {
            return None;
        }
        let p = candidates.trailing_zeros();
        let above = x & !low_mask(p + 1);
        Some(above | (1 << p) | (self.value & low_mask(p)))
    }

    /// The largest member that is `<= x` (unsigned), if any.
    pub fn max_le(self, x: u64) -> Option<u64> {
        // Complementing every bit reverses the order; the complement of a tnum is a tnum.
        let complement = Tnum::new(!self.value, self.mask);
        complement.min_ge(!x).map(|y| !y)
    }

    /// The tnum of `x ^ k` for `x` in `self`.
    pub fn xor_const(self, k: u64) -> Tnum {
        Tnum::new(self.value ^ k, self.mask)
    }

    /// Bitwise and (exact).
    pub fn and(self, other: Tnum) -> Tnum {
        let alpha = self.value | self.mask;
        let beta = other.value | other.mask;
        let value = self.value & other.value;
        Tnum::new(value, alpha & beta & !value)
    }

    /// Bitwise or (exact).
    pub fn or(self, other: Tnum) -> Tnum {
        let value = self.value | other.value;
        Tnum::new(value, (self.mask | other.mask) & !value)
    }

    /// Bitwise exclusive or (exact).
    pub fn xor(self, other: Tnum) -> Tnum {
        let mu = self.mask | other.mask;
        Tnum::new(self.value ^ other.value, mu)
    }

    /// Left shift by a known amount (`shift < 64`).
    pub fn lsh(self, shift: u32) -> Tnum {
        Tnum::new(self.value << shift, self.mask << shift)
    }

    /// Logical right shift by a known amount (`shift < 64`).
    pub fn rsh(self, shift: u32) -> Tnum {
        Tnum::new(self.value >> shift, self.mask >> shift)
    }

    /// Arithmetic right shift by a known amount (`shift < width`) of the `width`-bit value;
    /// a 32-bit result is zero-extended.
    pub fn arsh(self, shift: u32, width: Width) -> Tnum {
        match width {
            Width::W64 => Tnum::new(
                ((self.value as i64) >> shift) as u64,
                ((self.mask as i64) >> shift) as u64,
            ),
            Width::W32 => Tnum::new(
                ((self.value as i32) >> shift) as u32 as u64,
                ((self.mask as i32) >> shift) as u32 as u64,
            ),
        }
    }

    /// The low `bits` bits, zero-extended (bits in 1..=64).
    pub fn cast(self, bits: u32) -> Tnum {
        let keep = low_mask(bits);
        Tnum::new(self.value & keep, self.mask & keep)
    }

    /// The low 32 bits (the 32-bit subregister), zero-extended.
    pub fn subreg(self) -> Tnum {
        self.cast(32)
    }

    /// The low `bits` bits sign-extended to 64 bits (bits in 1..=64).
    pub fn sign_extend(self, bits: u32) -> Tnum {
        let shift = 64 - bits;
        self.lsh(shift).arsh(shift, Width::W64)
    }

    /// The low `bits` bits (16, 32 or 64) with their bytes reversed, zero-extended.
    pub fn swap_bytes(self, bits: u32) -> Tnum {
        let shift = 64 - bits;
        let t = self.cast(bits);
        Tnum::new(t.value.swap_bytes() >> shift, t.mask.swap_bytes() >> shift)
    }

    /// The meet: the members of both, or `None` when there are none.
    pub fn intersect(self, other: Tnum) -> Option<Tnum> {
        let both_known = !self.mask & !other.mask;
        if (self.value ^ other.value) & both_known != 0 {
            return None;
        }
        let mask = self.mask & other.mask;
        Some(Tnum::new(self.value | other.value, mask))
    }

    /// The join (least upper bound): bits known equal in both stay known.
    pub fn union(self, other: Tnum) -> Tnum {
        let mu = self.mask | other.mask | (self.value ^ other.value);
        Tnum::new(self.value & other.value, mu)
    }
}

impl std::ops::Add for Tnum {
    type Output = Tnum;

    /// Wrapping addition (optimal).
    fn add(self, other: Tnum) -> Tnum {
        let sum_mask = self.mask.wrapping_add(other.mask);
        let sum_value = self.value.wrapping_add(other.value);
        let sigma = sum_mask.wrapping_add(sum_value);
        let chi = sigma ^ sum_value;
        let mu = chi | self.mask | other.mask;
        Tnum::new(sum_value, mu)
    }
}

impl std::ops::Sub for Tnum {
    type Output = Tnum;

    /// Wrapping subtraction (optimal).
    fn sub(self, other: Tnum) -> Tnum {
        let diff = self.value.wrapping_sub(other.value);
        let alpha = diff.wrapping_add(self.mask);
        let beta = diff.wrapping_sub(other.mask);
        let chi = alpha ^ beta;
        let mu = chi | self.mask | other.mask;
        Tnum::new(diff, mu)
    }
}

impl std::ops::Neg for Tnum {
    type Output = Tnum;

    /// Wrapping negation.
    fn neg(self) -> Tnum {
        Tnum::constant(0) - self
    }
}

impl std::ops::Mul for Tnum {
    type Output = Tnum;

    /// Wrapping multiplication: the CGO'22 paper's `our_mul`. The product of the known parts
    /// plus, for each bit of `self`, the partial product it may contribute.
    fn mul(self, other: Tnum) -> Tnum {
        let mut a = self;
        let mut b = other;
        let known = self.value.wrapping_mul(other.value);
        let mut unknown_part = Tnum::constant(0);
        while a.value | a.mask != 0 {
            if a.value & 1 != 0 {
                // This bit of `a` is 1: it adds `b`, whose known part is already counted.
                unknown_part = unknown_part + Tnum::new(0, b.mask);
            } else if a.mask & 1 != 0 {
                // This bit may be 1: it may add any part of `b`.
                unknown_part = unknown_part + Tnum::new(0, b.value | b.mask);
            }
            a = a.rsh(1);
            b = b.lsh(1);
        }
        Tnum::constant(known) + unknown_part
    }
}

const SIGN64: u64 = 1 << 63;

/// The mask of the low `bits` bits (bits in 0..=64).
fn low_mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_and_nearest_members() {
        let t = Tnum::range(0x10, 0x1f);
        assert_eq!((t.value(), t.mask()), (0x10, 0xf));
        assert_eq!(Tnum::range(0, u64::MAX), Tnum::unknown());
        // 0b1x0x: members 8, 9, 12, 13.
        let t = Tnum::new(0b1000, 0b0101);
        assert_eq!(t.min_ge(10), Some(12));
        assert_eq!(t.min_ge(14), None);
        assert_eq!(t.max_le(11), Some(9));
        assert_eq!(t.max_le(7), None);
    }

    #[test]
    fn multiplication_by_a_power_of_two_is_a_shift() {
        let t = Tnum::new(0b10, 0b101);
        assert_eq!(t * Tnum::constant(4), t.lsh(2));
        assert_eq!(Tnum::constant(6) * Tnum::constant(7), Tnum::constant(42));
    }

    #[test]
    fn arithmetic_shift_spreads_an_unknown_sign() {
        let t = Tnum::new(0, 1 << 31);
        assert_eq!(t.arsh(4, Width::W32), Tnum::new(0, 0xf800_0000));
        assert_eq!(
            Tnum::constant(0x80).sign_extend(8).value(),
            0xffff_ffff_ffff_ff80
        );
        assert_eq!(
            Tnum::constant(0x1234).swap_bytes(16),
            Tnum::constant(0x3412)
        );
    }
}
