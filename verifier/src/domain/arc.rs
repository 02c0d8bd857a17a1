//! Arcs (intervals on the circle of `bits`-bit integers) and their exact intersection.
//!
//! An unsigned interval, a signed interval and the wrapped result of adding two intervals are
//! all arcs; intersecting arcs gives a few disjoint unsigned intervals ([`Pieces`]), from
//! which both the unsigned and the signed bounds can be read exactly. This is how
//! [`super::Scalar`] keeps its signed and unsigned bounds in sync without the case analysis of
//! the kernel's `__reg_deduce_bounds`.

/// The arc `lo, lo + 1, ..., hi` modulo `2^bits`; `hi == lo - 1` is the whole circle. The
/// width is not stored: every function takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Arc {
    pub(super) lo: u64,
    pub(super) hi: u64,
}

/// The mask of the low `bits` bits (bits in 1..=64).
pub(super) fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// The `bits`-bit value `x` read as signed.
pub(super) fn signed(x: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((x << shift) as i64) >> shift
}

/// The smallest signed `bits`-bit value.
pub(super) fn smin(bits: u32) -> i64 {
    signed(1 << (bits - 1), bits)
}

/// The largest signed `bits`-bit value.
pub(super) fn smax(bits: u32) -> i64 {
    (mask(bits) >> 1) as i64
}

impl Arc {
    pub(super) fn full(bits: u32) -> Arc {
        Arc {
            lo: 0,
            hi: mask(bits),
        }
    }

    /// `lo..=hi` in unsigned order (`lo <= hi`).
    pub(super) fn unsigned(lo: u64, hi: u64) -> Arc {
        debug_assert!(lo <= hi);
        Arc { lo, hi }
    }

    /// `lo..=hi` in signed order (`lo <= hi`, both in the signed range of `bits`).
    pub(super) fn signed(lo: i64, hi: i64, bits: u32) -> Arc {
        debug_assert!(lo <= hi);
        Arc {
            lo: lo as u64 & mask(bits),
            hi: hi as u64 & mask(bits),
        }
    }

    /// Every integer of `lo..=hi` (`lo <= hi`) reduced modulo `2^bits`.
    pub(super) fn wide(lo: i128, hi: i128, bits: u32) -> Arc {
        debug_assert!(lo <= hi);
        match hi.checked_sub(lo) {
            Some(span) if span <= mask(bits) as i128 => Arc {
                lo: lo as u64 & mask(bits),
                hi: hi as u64 & mask(bits),
            },
            _ => Arc::full(bits),
        }
    }

    /// Every integer of `lo..=hi` (`lo <= hi`) reduced modulo `2^bits`.
    pub(super) fn wide_unsigned(lo: u128, hi: u128, bits: u32) -> Arc {
        debug_assert!(lo <= hi);
        if hi - lo <= mask(bits) as u128 {
            Arc {
                lo: lo as u64 & mask(bits),
                hi: hi as u64 & mask(bits),
            }
        } else {
            Arc::full(bits)
        }
    }

    /// The number of members minus one.
    pub(super) fn span(self, bits: u32) -> u64 {
        self.hi.wrapping_sub(self.lo) & mask(bits)
    }

    pub(super) fn is_full(self, bits: u32) -> bool {
        self.span(bits) == mask(bits)
    }

    /// Whether the arc, read in unsigned order, is the interval `lo..=hi`.
    pub(super) fn is_unsigned_interval(self) -> bool {
        self.lo <= self.hi
    }

    /// Whether the arc, read in signed order, is an interval.
    pub(super) fn is_signed_interval(self, bits: u32) -> bool {
        signed(self.lo, bits) <= signed(self.hi, bits)
    }

    /// `{x + y}` for `x` in `self`, `y` in `other`.
    pub(super) fn add(self, other: Arc, bits: u32) -> Arc {
        if self.span(bits) as u128 + other.span(bits) as u128 > mask(bits) as u128 {
            return Arc::full(bits);
        }
        Arc {
            lo: self.lo.wrapping_add(other.lo) & mask(bits),
            hi: self.hi.wrapping_add(other.hi) & mask(bits),
        }
    }

    /// `{x - y}` for `x` in `self`, `y` in `other`.
    pub(super) fn sub(self, other: Arc, bits: u32) -> Arc {
        if self.span(bits) as u128 + other.span(bits) as u128 > mask(bits) as u128 {
            return Arc::full(bits);
        }
        Arc {
            lo: self.lo.wrapping_sub(other.hi) & mask(bits),
            hi: self.hi.wrapping_sub(other.lo) & mask(bits),
        }
    }

    /// `{-x}` for `x` in `self`.
    pub(super) fn neg(self, bits: u32) -> Arc {
        Arc {
            lo: self.hi.wrapping_neg() & mask(bits),
            hi: self.lo.wrapping_neg() & mask(bits),
        }
    }

    /// The low `to_bits` bits of the members (`to_bits <= from_bits`).
    pub(super) fn project(self, from_bits: u32, to_bits: u32) -> Arc {
        if self.span(from_bits) >= mask(to_bits) {
            return Arc::full(to_bits);
        }
        Arc {
            lo: self.lo & mask(to_bits),
            hi: self.hi & mask(to_bits),
        }
    }

    /// The arc as at most two unsigned intervals, in increasing order.
    fn intervals(self, bits: u32) -> ([(u64, u64); 2], usize) {
        if self.lo <= self.hi {
            ([(self.lo, self.hi), (0, 0)], 1)
        } else {
            ([(0, self.hi), (self.lo, mask(bits))], 2)
        }
    }
}

/// How many disjoint intervals [`Pieces`] keeps before merging neighbours.
const CAPACITY: usize = 8;

/// A set of `bits`-bit values as disjoint unsigned intervals in increasing order. Beyond
/// [`CAPACITY`] intervals the last two are merged (an over-approximation).
#[derive(Clone, Copy, Debug)]
pub(super) struct Pieces {
    len: usize,
    items: [(u64, u64); CAPACITY],
}

impl Pieces {
    pub(super) fn full(bits: u32) -> Pieces {
        let mut items = [(0, 0); CAPACITY];
        items[0] = (0, mask(bits));
        Pieces { len: 1, items }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.items[..self.len].iter().copied()
    }

    fn push(&mut self, item: (u64, u64)) {
        if self.len == CAPACITY {
            self.items[CAPACITY - 1].1 = item.1;
        } else {
            self.items[self.len] = item;
            self.len += 1;
        }
    }

    /// Keeps only the members that are also in `arc`.
    pub(super) fn intersect(&mut self, arc: Arc, bits: u32) {
        let (parts, n_parts) = arc.intervals(bits);
        let old = *self;
        self.len = 0;
        for (lo, hi) in old.iter() {
            for &(alo, ahi) in &parts[..n_parts] {
                let l = lo.max(alo);
                let h = hi.min(ahi);
                if l <= h {
                    self.push((l, h));
                }
            }
        }
    }

    /// Replaces each interval by a sub-interval of it, or drops it.
    pub(super) fn shrink(&mut self, mut f: impl FnMut(u64, u64) -> Option<(u64, u64)>) {
        let old = *self;
        self.len = 0;
        for (lo, hi) in old.iter() {
            if let Some((l, h)) = f(lo, hi) {
                if l <= h {
                    self.push((l.max(lo), h.min(hi)));
                }
            }
        }
    }

    /// The unsigned bounds (the set must not be empty).
    pub(super) fn unsigned_hull(&self) -> (u64, u64) {
        (self.items[0].0, self.items[self.len - 1].1)
    }

    /// The signed bounds (the set must not be empty).
    pub(super) fn signed_hull(&self, bits: u32) -> (i64, i64) {
        let sign = 1u64 << (bits - 1);
        let mut lo = i64::MAX;
        let mut hi = i64::MIN;
        for (l, h) in self.iter() {
            if l < sign && h >= sign {
                return (smin(bits), smax(bits));
            }
            lo = lo.min(signed(l, bits));
            hi = hi.max(signed(h, bits));
        }
        (lo, hi)
    }

    /// The smallest member `>= x`.
    pub(super) fn min_ge(&self, x: u64) -> Option<u64> {
        self.iter().find(|&(_, h)| h >= x).map(|(l, _)| l.max(x))
    }

    /// The largest member `<= x`.
    pub(super) fn max_le(&self, x: u64) -> Option<u64> {
        self.items[..self.len]
            .iter()
            .rev()
            .find(|&&(l, _)| l <= x)
            .map(|&(_, h)| h.min(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_and_signed_arcs_intersect_into_two_pieces() {
        // Unsigned 1..=MAX-1 meets signed -2..=2: {1, 2} and {MAX-1}.
        let mut p = Pieces::full(64);
        p.intersect(Arc::unsigned(1, u64::MAX - 1), 64);
        p.intersect(Arc::signed(-2, 2, 64), 64);
        let items: Vec<_> = p.iter().collect();
        assert_eq!(items, vec![(1, 2), (u64::MAX - 1, u64::MAX - 1)]);
        assert_eq!(p.unsigned_hull(), (1, u64::MAX - 1));
        assert_eq!(p.signed_hull(64), (-2, 2));
    }

    #[test]
    fn wrapping_sums_and_projections() {
        let a = Arc::unsigned(0xffff_fff0, 0xffff_ffff);
        let sum = a.add(Arc::unsigned(0x10, 0x20), 32);
        assert_eq!(sum, Arc { lo: 0, hi: 0x1f });
        assert!(Arc::unsigned(0, u32::MAX as u64)
            .add(Arc::unsigned(1, 1), 32)
            .is_full(32));
        let low = Arc::unsigned(0x1_ffff_fffe, 0x2_0000_0001).project(64, 32);
        assert_eq!(
            low,
            Arc {
                lo: 0xffff_fffe,
                hi: 1
            }
        );
        assert!(Arc::unsigned(0, 1 << 32).project(64, 32).is_full(32));
        assert_eq!(Arc::wide(-1, 1, 8), Arc { lo: 0xff, hi: 1 });
        assert!(Arc::wide(0, 256, 8).is_full(8));
        assert_eq!(
            (smin(32), smax(32), smin(64)),
            (i32::MIN as i64, i32::MAX as i64, i64::MIN)
        );
    }

    #[test]
    fn pieces_find_nearest_members() {
        let mut p = Pieces::full(32);
        p.intersect(
            Arc {
                lo: 0xffff_fff0,
                hi: 0x10,
            },
            32,
        );
        assert_eq!(p.min_ge(0x11), Some(0xffff_fff0));
        assert_eq!(p.max_le(0xffff_ffef), Some(0x10));
        assert_eq!(p.signed_hull(32), (-16, 16));
    }
}
