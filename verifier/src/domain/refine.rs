//! Branch refinement: what a conditional jump's outcome tells about its two operands.
//!
//! [`refine`] narrows both operands of a comparison to the values compatible with the given
//! outcome, or returns `None` when that outcome cannot happen. The outcome "not taken" is the
//! negated condition; `<` and `<=` are `>` and `>=` with the operands swapped. Per condition,
//! at the compare's width (the whole values or their low 32 bits):
//!
//! - `==`: each operand meets the other's tnum and bounds (in 64 bits, both become the meet);
//! - `!=`: when one side is a constant, the other side excludes it (an arc of all but one
//!   value, so a bound equal to the constant moves by one);
//! - `>`, `>=` (unsigned or signed): `lhs` is at least `rhs`'s minimum (plus one), `rhs` at
//!   most `lhs`'s maximum (minus one);
//! - `&` set: both operands are nonzero, and a power-of-two constant sets that bit of the
//!   other; `&` clear: bits known to be 1 in one operand are 0 in the other.
//!
//! A 32-bit refinement constrains the low halves; the reduction then moves the 64-bit bounds
//! to the nearest values with a feasible low half, so the 64-bit view stays sound.
//!
//! Not tracked: the relation between the operands after the branch (`r1 < r2` leaves each
//! with its own bounds only), and holes other than a single excluded constant.

use super::arc::{self, Arc};
use super::scalar::{Facts, Scalar};
use super::tnum::Tnum;
use super::transfer::View;
use super::{Cond, Width};

/// Refines `lhs` and `rhs` by the outcome (`taken` or not) of `if lhs cond rhs` compared at
/// `width`. `None` means that outcome is impossible for these operands.
pub fn refine(
    cond: Cond,
    width: Width,
    taken: bool,
    lhs: &Scalar,
    rhs: &Scalar,
) -> Option<(Scalar, Scalar)> {
    let (rel, swapped) = Rel::of(cond, taken);
    if swapped {
        let (r, l) = refine_rel(rel, width, rhs, lhs)?;
        Some((l, r))
    } else {
        refine_rel(rel, width, lhs, rhs)
    }
}

/// A condition with `<` and `<=` turned around and negations folded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rel {
    Eq,
    Ne,
    Gt,
    Ge,
    SGt,
    SGe,
    Set,
    Clear,
}

impl Rel {
    /// The relation that holds when `cond` has the outcome `taken`, and whether it relates
    /// `rhs` to `lhs` (swapped) rather than `lhs` to `rhs`.
    fn of(cond: Cond, taken: bool) -> (Rel, bool) {
        match (cond, taken) {
            (Cond::Eq, true) | (Cond::Ne, false) => (Rel::Eq, false),
            (Cond::Ne, true) | (Cond::Eq, false) => (Rel::Ne, false),
            (Cond::Gt, true) | (Cond::Le, false) => (Rel::Gt, false),
            (Cond::Ge, true) | (Cond::Lt, false) => (Rel::Ge, false),
            (Cond::Lt, true) | (Cond::Ge, false) => (Rel::Gt, true),
            (Cond::Le, true) | (Cond::Gt, false) => (Rel::Ge, true),
            (Cond::SGt, true) | (Cond::SLe, false) => (Rel::SGt, false),
            (Cond::SGe, true) | (Cond::SLt, false) => (Rel::SGe, false),
            (Cond::SLt, true) | (Cond::SGe, false) => (Rel::SGt, true),
            (Cond::SLe, true) | (Cond::SGt, false) => (Rel::SGe, true),
            (Cond::Set, true) => (Rel::Set, false),
            (Cond::Set, false) => (Rel::Clear, false),
        }
    }
}

fn refine_rel(rel: Rel, width: Width, a: &Scalar, b: &Scalar) -> Option<(Scalar, Scalar)> {
    let bits = width.bits();
    let all = arc::mask(bits);
    let (smin, smax) = (arc::smin(bits), arc::smax(bits));
    let va = View::of(a, width);
    let vb = View::of(b, width);
    let mut fa = Facts::of(a);
    let mut fb = Facts::of(b);
    match rel {
        Rel::Eq => {
            add_view(&mut fa, &vb, width);
            add_view(&mut fb, &va, width);
        }
        Rel::Ne => {
            if let (Some(x), Some(y)) = (va.constant(), vb.constant()) {
                if x == y {
                    return None;
                }
            }
            if let Some(k) = vb.constant() {
                fa.arc(all_but(k, all), width);
            }
            if let Some(k) = va.constant() {
                fb.arc(all_but(k, all), width);
            }
        }
        Rel::Gt => {
            if vb.umin == all || va.umax == 0 {
                return None;
            }
            fa.arc(Arc::unsigned(vb.umin + 1, all), width);
            fb.arc(Arc::unsigned(0, va.umax - 1), width);
        }
        Rel::Ge => {
            fa.arc(Arc::unsigned(vb.umin, all), width);
            fb.arc(Arc::unsigned(0, va.umax), width);
        }
        Rel::SGt => {
            if vb.smin == smax || va.smax == smin {
                return None;
            }
            fa.arc(Arc::signed(vb.smin + 1, smax, bits), width);
            fb.arc(Arc::signed(smin, va.smax - 1, bits), width);
        }
        Rel::SGe => {
            fa.arc(Arc::signed(vb.smin, smax, bits), width);
            fb.arc(Arc::signed(smin, va.smax, bits), width);
        }
        Rel::Set => {
            if va.t.and(vb.t).as_constant() == Some(0) {
                return None;
            }
            fa.arc(Arc::unsigned(1, all), width);
            fb.arc(Arc::unsigned(1, all), width);
            if let Some(k) = vb.constant().filter(|k| k.is_power_of_two()) {
                fa.tnum(Tnum::new(k, !k));
            }
            if let Some(k) = va.constant().filter(|k| k.is_power_of_two()) {
                fb.tnum(Tnum::new(k, !k));
            }
        }
        Rel::Clear => {
            if va.t.and(vb.t).value() != 0 {
                return None;
            }
            fa.tnum(Tnum::new(0, !vb.t.value()));
            fb.tnum(Tnum::new(0, !va.t.value()));
        }
    }
    Some((fa.finish()?, fb.finish()?))
}

/// Every value but `k`, as an arc.
fn all_but(k: u64, all: u64) -> Arc {
    Arc {
        lo: k.wrapping_add(1) & all,
        hi: k.wrapping_sub(1) & all,
    }
}

/// Adds what `v` says of the value at `width`.
fn add_view(facts: &mut Facts, v: &View, width: Width) {
    match width {
        Width::W64 => facts.tnum(v.t),
        Width::W32 => facts.tnum32(v.t),
    }
    facts.arc(v.uarc(), width);
    facts.arc(v.sarc(), width);
}
