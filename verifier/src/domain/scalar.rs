//! Scalars: the reduced product of a tnum with unsigned and signed ranges, in 64 and 32 bits.
//!
//! A [`Scalar`] holds five components, as the Linux kernel's `bpf_reg_state` does: a
//! [`Tnum`] `var_off`, the unsigned and signed bounds of the 64-bit value
//! (`umin..=umax`, `smin..=smax`) and of its low 32 bits (`u32_min..=u32_max`,
//! `s32_min..=s32_max`). It stands for every 64-bit `x` that satisfies all five; each
//! component is sound on its own, and [`Scalar::reduce`] makes each one as tight as the others
//! allow (the kernel's `reg_bounds_sync`).
//!
//! Reduction is exact where the kernel uses case analysis: every interval is an arc on the
//! circle of integers modulo 2^64 (or 2^32), the arcs are intersected into a few disjoint
//! unsigned intervals, and both the unsigned and the signed bounds are read off that set. So
//! signed bounds are deduced from unsigned ones and back whether or not a range crosses a sign
//! boundary. Tnum and ranges tighten each other exactly: a bound moves to the nearest member
//! of the tnum ([`Tnum::min_ge`]), and the tnum meets the tnum of each range. The 32-bit
//! bounds take the low-32-bit projection of the 64-bit bounds (when they span fewer than 2^32
//! values); the 64-bit bounds move to the nearest value whose low half is within the 32-bit
//! bounds. These steps repeat until nothing changes (at most four rounds).
//!
//! Lattice: `a ⊑ b` ([`Scalar::le`]) iff each component of `a` is within that of `b`
//! (a sufficient condition for inclusion of concretizations). There is no bottom value: an
//! infeasible state is `None` ([`Scalar::reduce`], [`Scalar::meet`], [`super::refine`]). The
//! join ([`Scalar::join`]) is the componentwise least upper bound, then reduced. The widening
//! ([`Scalar::widen`]) moves a bound that grew to the next threshold, or else to the extreme,
//! and joins the tnums (finite height); its result is deliberately not reduced, so ascending
//! chains stay componentwise increasing and stop. The narrowing ([`Scalar::narrow`]) replaces
//! only the extreme bounds of the old value with those of the new one.
//!
//! Transfer functions for ALU operations are in [`Scalar::alu`]; branch refinement is
//! [`super::refine`].
//!
//! Not tracked: sets with holes beyond what a tnum expresses (`{0, 10}` becomes `0..=10`
//! with known bits `0bx0x0`, that is `{0, 2, 8, 10}`), relations between registers, and the
//! exact set of 64-bit values whose low half is feasible after a 32-bit compare (the 64-bit
//! bounds move to the nearest such values; values inside may still be infeasible).

use super::arc::{Arc, Pieces};
use super::tnum::Tnum;
use super::Width;

/// An abstract 64-bit scalar value. See the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scalar {
    var_off: Tnum,
    umin: u64,
    umax: u64,
    smin: i64,
    smax: i64,
    u32_min: u32,
    u32_max: u32,
    s32_min: i32,
    s32_max: i32,
}

impl Scalar {
    /// Exactly `value`.
    pub fn constant(value: u64) -> Scalar {
        Scalar {
            var_off: Tnum::constant(value),
            umin: value,
            umax: value,
            smin: value as i64,
            smax: value as i64,
            u32_min: value as u32,
            u32_max: value as u32,
            s32_min: value as i32,
            s32_max: value as i32,
        }
    }

    /// Every 64-bit value.
    pub fn unknown() -> Scalar {
        Scalar {
            var_off: Tnum::unknown(),
            umin: 0,
            umax: u64::MAX,
            smin: i64::MIN,
            smax: i64::MAX,
            u32_min: 0,
            u32_max: u32::MAX,
            s32_min: i32::MIN,
            s32_max: i32::MAX,
        }
    }

    /// Every value of `min..=max`, unsigned (`min <= max`; swapped otherwise).
    pub fn range(min: u64, max: u64) -> Scalar {
        let (min, max) = (min.min(max), min.max(max));
        let mut facts = Facts::new(Tnum::unknown());
        facts.arc(Arc::unsigned(min, max), Width::W64);
        facts.finish_or_unknown()
    }

    /// Every value of `min..=max`, signed (`min <= max`; swapped otherwise).
    pub fn signed_range(min: i64, max: i64) -> Scalar {
        let (min, max) = (min.min(max), min.max(max));
        let mut facts = Facts::new(Tnum::unknown());
        facts.arc(Arc::signed(min, max, 64), Width::W64);
        facts.finish_or_unknown()
    }

    /// Every member of a tnum.
    pub fn from_tnum(var_off: Tnum) -> Scalar {
        Facts::new(var_off).finish_or_unknown()
    }

    /// The value of a load of `bytes` bytes (1, 2, 4 or 8) from unknown memory, zero-extended
    /// or (when `signed`) sign-extended to 64 bits.
    pub fn unknown_of_width(bytes: u32, signed: bool) -> Scalar {
        let bits = (bytes * 8).clamp(8, 64);
        if signed {
            let half = 1i64 << (bits - 1).min(62);
            match bits {
                64 => Scalar::unknown(),
                _ => Scalar::signed_range(-half, half - 1),
            }
        } else {
            Scalar::from_tnum(Tnum::unknown_low(bits))
        }
    }

    /// The known bits.
    pub fn var_off(&self) -> Tnum {
        self.var_off
    }

    /// The unsigned lower bound.
    pub fn umin(&self) -> u64 {
        self.umin
    }

    /// The unsigned upper bound.
    pub fn umax(&self) -> u64 {
        self.umax
    }

    /// The signed lower bound.
    pub fn smin(&self) -> i64 {
        self.smin
    }

    /// The signed upper bound.
    pub fn smax(&self) -> i64 {
        self.smax
    }

    /// The unsigned lower bound of the low 32 bits.
    pub fn u32_min(&self) -> u32 {
        self.u32_min
    }

    /// The unsigned upper bound of the low 32 bits.
    pub fn u32_max(&self) -> u32 {
        self.u32_max
    }

    /// The signed lower bound of the low 32 bits.
    pub fn s32_min(&self) -> i32 {
        self.s32_min
    }

    /// The signed upper bound of the low 32 bits.
    pub fn s32_max(&self) -> i32 {
        self.s32_max
    }

    /// The value, when only one is possible.
    pub fn as_constant(&self) -> Option<u64> {
        if let Some(v) = self.var_off.as_constant() {
            return Some(v);
        }
        (self.umin == self.umax).then_some(self.umin)
    }

    /// Whether `x` satisfies every component.
    pub fn contains(&self, x: u64) -> bool {
        let lo = x as u32;
        self.var_off.contains(x)
            && (self.umin..=self.umax).contains(&x)
            && (self.smin..=self.smax).contains(&(x as i64))
            && (self.u32_min..=self.u32_max).contains(&lo)
            && (self.s32_min..=self.s32_max).contains(&(lo as i32))
    }

    /// Whether each component of `self` is within that of `other` (so `self ⊆ other`).
    pub fn le(&self, other: &Scalar) -> bool {
        self.var_off.le(other.var_off)
            && other.umin <= self.umin
            && self.umax <= other.umax
            && other.smin <= self.smin
            && self.smax <= other.smax
            && other.u32_min <= self.u32_min
            && self.u32_max <= other.u32_max
            && other.s32_min <= self.s32_min
            && self.s32_max <= other.s32_max
    }

    /// Tightens every component by the others; `None` when no value satisfies them all.
    /// (`Some` does not promise a member: reduction is exact for pairs of components, not for
    /// all five at once.)
    pub fn reduce(self) -> Option<Scalar> {
        Facts::of(&self).finish()
    }

    /// The values in both; `None` when there are none.
    pub fn meet(&self, other: &Scalar) -> Option<Scalar> {
        let mut facts = Facts::of(self);
        facts.scalar(other);
        facts.finish()
    }

    /// The least upper bound, componentwise, then reduced.
    pub fn join(&self, other: &Scalar) -> Scalar {
        let joined = Scalar {
            var_off: self.var_off.union(other.var_off),
            umin: self.umin.min(other.umin),
            umax: self.umax.max(other.umax),
            smin: self.smin.min(other.smin),
            smax: self.smax.max(other.smax),
            u32_min: self.u32_min.min(other.u32_min),
            u32_max: self.u32_max.max(other.u32_max),
            s32_min: self.s32_min.min(other.s32_min),
            s32_max: self.s32_max.max(other.s32_max),
        };
        joined.reduce().unwrap_or(joined)
    }

    /// Widening with thresholds, for loop heads: `self` is the old value, `newer` the new one.
    /// A bound of `newer` beyond that of `self` moves to the nearest threshold beyond it
    /// (each threshold counts as unsigned and as signed, and for the 32-bit bounds when it
    /// fits), or else to the extreme; the tnums are joined. Not reduced (see the module doc).
    pub fn widen(&self, newer: &Scalar, thresholds: &[u64]) -> Scalar {
        let u64s = || thresholds.iter().copied();
        let i64s = || thresholds.iter().map(|&t| t as i64);
        let u32s = || thresholds.iter().filter_map(|&t| u32::try_from(t).ok());
        let i32s = || {
            thresholds
                .iter()
                .filter_map(|&t| i32::try_from(t as i64).ok())
        };
        Scalar {
            var_off: self.var_off.union(newer.var_off),
            umin: widen_down(self.umin, newer.umin, u64s(), u64::MIN),
            umax: widen_up(self.umax, newer.umax, u64s(), u64::MAX),
            smin: widen_down(self.smin, newer.smin, i64s(), i64::MIN),
            smax: widen_up(self.smax, newer.smax, i64s(), i64::MAX),
            u32_min: widen_down(self.u32_min, newer.u32_min, u32s(), u32::MIN),
            u32_max: widen_up(self.u32_max, newer.u32_max, u32s(), u32::MAX),
            s32_min: widen_down(self.s32_min, newer.s32_min, i32s(), i32::MIN),
            s32_max: widen_up(self.s32_max, newer.s32_max, i32s(), i32::MAX),
        }
    }

    /// Narrowing: the bounds of `self` that are extreme take those of `newer`; the tnums
    /// meet. Contains every value of `newer` that is in `self`.
    pub fn narrow(&self, newer: &Scalar) -> Scalar {
        fn pick<T: PartialEq>(old: T, new: T, extreme: T) -> T {
            if old == extreme {
                new
            } else {
                old
            }
        }
        let narrowed = Scalar {
            var_off: self
                .var_off
                .intersect(newer.var_off)
                .unwrap_or(self.var_off),
            umin: pick(self.umin, newer.umin, u64::MIN),
            umax: pick(self.umax, newer.umax, u64::MAX),
            smin: pick(self.smin, newer.smin, i64::MIN),
            smax: pick(self.smax, newer.smax, i64::MAX),
            u32_min: pick(self.u32_min, newer.u32_min, u32::MIN),
            u32_max: pick(self.u32_max, newer.u32_max, u32::MAX),
            s32_min: pick(self.s32_min, newer.s32_min, i32::MIN),
            s32_max: pick(self.s32_max, newer.s32_max, i32::MAX),
        };
        if narrowed.is_well_formed() {
            narrowed.reduce().unwrap_or(narrowed)
        } else {
            *self
        }
    }

    /// The unknown value of a width: every 64-bit value, or every zero-extended 32-bit one.
    pub(super) fn unknown_at(width: Width) -> Scalar {
        match width {
            Width::W64 => Scalar::unknown(),
            Width::W32 => Scalar::from_tnum(Tnum::unknown_low(32)),
        }
    }

    fn is_well_formed(&self) -> bool {
        self.umin <= self.umax
            && self.smin <= self.smax
            && self.u32_min <= self.u32_max
            && self.s32_min <= self.s32_max
    }
}

/// The facts known of a value, to be intersected exactly: a tnum and arcs in 64 and 32 bits.
#[derive(Clone, Copy, Debug)]
pub(super) struct Facts {
    t: Option<Tnum>,
    arcs64: [Arc; MAX_ARCS],
    n_arcs64: usize,
    arcs32: [Arc; MAX_ARCS],
    n_arcs32: usize,
}

const MAX_ARCS: usize = 12;
const SIGN64: u64 = 1 << 63;
const SIGN32: u64 = 1 << 31;
const LOW32: u64 = 0xffff_ffff;

impl Facts {
    pub(super) fn new(t: Tnum) -> Facts {
        Facts {
            t: Some(t),
            arcs64: [Arc::full(64); MAX_ARCS],
            n_arcs64: 0,
            arcs32: [Arc::full(32); MAX_ARCS],
            n_arcs32: 0,
        }
    }

    /// Every component of a scalar.
    pub(super) fn of(s: &Scalar) -> Facts {
        let mut facts = Facts::new(s.var_off);
        facts.scalar(s);
        facts
    }

    /// Adds every component of a scalar.
    pub(super) fn scalar(&mut self, s: &Scalar) {
        self.tnum(s.var_off);
        self.arc(Arc::unsigned(s.umin, s.umax), Width::W64);
        self.arc(Arc::signed(s.smin, s.smax, 64), Width::W64);
        self.arc(
            Arc::unsigned(s.u32_min as u64, s.u32_max as u64),
            Width::W32,
        );
        self.arc(
            Arc::signed(s.s32_min as i64, s.s32_max as i64, 32),
            Width::W32,
        );
    }

    /// Adds a tnum constraint.
    pub(super) fn tnum(&mut self, t: Tnum) {
        self.t = self.t.and_then(|old| old.intersect(t));
    }

    /// Adds a tnum constraint on the low 32 bits.
    pub(super) fn tnum32(&mut self, t: Tnum) {
        self.tnum(Tnum::new(t.value(), t.mask() | !LOW32));
    }

    /// Adds a constraint on the value (`W64`) or on its low 32 bits (`W32`). Beyond the
    /// capacity, constraints are dropped (which is sound).
    pub(super) fn arc(&mut self, arc: Arc, width: Width) {
        let bits = width.bits();
        if arc.is_full(bits) {
            return;
        }
        let (arcs, n) = match width {
            Width::W64 => (&mut self.arcs64, &mut self.n_arcs64),
            Width::W32 => (&mut self.arcs32, &mut self.n_arcs32),
        };
        if *n < MAX_ARCS {
            arcs[*n] = arc;
            *n += 1;
        }
    }

    /// The reduced scalar, or the unknown value if the facts contradict each other (only
    /// possible when the inputs they came from were themselves empty).
    pub(super) fn finish_or_unknown(self) -> Scalar {
        self.finish().unwrap_or_else(Scalar::unknown)
    }

    /// The reduced scalar; `None` when the facts contradict each other.
    pub(super) fn finish(self) -> Option<Scalar> {
        let mut t = self.t?;
        let mut p64 = Pieces::full(64);
        for &a in &self.arcs64[..self.n_arcs64] {
            p64.intersect(a, 64);
        }
        let mut p32 = Pieces::full(32);
        for &a in &self.arcs32[..self.n_arcs32] {
            p32.intersect(a, 32);
        }
        let mut previous = None;
        for _round in 0..4 {
            // Bounds move to the nearest members of the tnum.
            p64.shrink(|l, h| Some((t.min_ge(l)?, t.max_le(h)?)));
            let t32 = t.subreg();
            p32.shrink(|l, h| Some((t32.min_ge(l)?, t32.max_le(h)?)));
            if p64.is_empty() || p32.is_empty() {
                return None;
            }
            // The low halves of the 64-bit bounds.
            let (ul, uh) = p64.unsigned_hull();
            p32.intersect(Arc::unsigned(ul, uh).project(64, 32), 32);
            let (sl, sh) = p64.signed_hull(64);
            p32.intersect(Arc::signed(sl, sh, 64).project(64, 32), 32);
            if p32.is_empty() {
                return None;
            }
            // The 64-bit bounds move to values whose low half is feasible.
            p64.shrink(|l, h| Some((low_half_ge(l, &p32)?, low_half_le(h, &p32)?)));
            if p64.is_empty() {
                return None;
            }
            // The tnum meets the tnum of each range.
            let (ul, uh) = p64.unsigned_hull();
            let (sl, sh) = p64.signed_hull(64);
            let (ul32, uh32) = p32.unsigned_hull();
            let (sl32, sh32) = p32.signed_hull(32);
            t = t.intersect(Tnum::range(ul, uh))?;
            t = t
                .xor_const(SIGN64)
                .intersect(Tnum::range(sl as u64 ^ SIGN64, sh as u64 ^ SIGN64))?
                .xor_const(SIGN64);
            t = t.intersect(high_unknown(Tnum::range(ul32, uh32)))?;
            let flipped = Tnum::range(
                (sl32 as u64 & LOW32) ^ SIGN32,
                (sh32 as u64 & LOW32) ^ SIGN32,
            );
            t = t
                .xor_const(SIGN32)
                .intersect(high_unknown(flipped))?
                .xor_const(SIGN32);
            let now = (t, ul, uh, sl, sh, ul32, uh32, sl32, sh32);
            if previous == Some(now) {
                break;
            }
            previous = Some(now);
        }
        let (umin, umax) = p64.unsigned_hull();
        let (smin, smax) = p64.signed_hull(64);
        let (u32_min, u32_max) = p32.unsigned_hull();
        let (s32_min, s32_max) = p32.signed_hull(32);
        Some(Scalar {
            var_off: t,
            umin,
            umax,
            smin,
            smax,
            u32_min: u32_min as u32,
            u32_max: u32_max as u32,
            s32_min: s32_min as i32,
            s32_max: s32_max as i32,
        })
    }
}

/// The smallest `y >= x` whose low 32 bits are in `low`.
fn low_half_ge(x: u64, low: &Pieces) -> Option<u64> {
    if let Some(l) = low.min_ge(x & LOW32) {
        return Some((x & !LOW32) | l);
    }
    let next_high = (x >> 32) + 1;
    if next_high > LOW32 {
        return None;
    }
    Some((next_high << 32) | low.unsigned_hull().0)
}

/// The largest `y <= x` whose low 32 bits are in `low`.
fn low_half_le(x: u64, low: &Pieces) -> Option<u64> {
    if let Some(l) = low.max_le(x & LOW32) {
        return Some((x & !LOW32) | l);
    }
    let previous_high = (x >> 32).checked_sub(1)?;
    Some((previous_high << 32) | low.unsigned_hull().1)
}

/// A tnum of the low 32 bits, with the high 32 bits unknown.
fn high_unknown(t: Tnum) -> Tnum {
    Tnum::new(t.value(), t.mask() | !LOW32)
}

fn widen_up<T: Ord + Copy>(old: T, new: T, thresholds: impl Iterator<Item = T>, max: T) -> T {
    if new <= old {
        old
    } else {
        thresholds.filter(|&t| t >= new).min().unwrap_or(max)
    }
}

fn widen_down<T: Ord + Copy>(old: T, new: T, thresholds: impl Iterator<Item = T>, min: T) -> T {
    if new >= old {
        old
    } else {
        thresholds.filter(|&t| t <= new).max().unwrap_or(min)
    }
}
