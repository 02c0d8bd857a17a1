//! Transfer functions of the ALU operations on [`Scalar`]s, in 64 and 32 bits.
//!
//! Each operation computes, for the operands' view at the operation's width (the whole value,
//! or the low 32 bits with their own bounds), a tnum and a few arcs that every concrete result
//! lies in; the scalar module's fact set then intersects them exactly and reduces. A 32-bit result is
//! zero-extended, so its 64-bit bounds are within `0..=u32::MAX`.
//!
//! - add, sub, neg: tnum add/sub; the unsigned and signed bounds of each operand are arcs, and
//!   the sum of two arcs is an arc unless it covers the circle, so all four combinations of
//!   unsigned and signed bounds give a fact, which keeps both views tight across wrapping.
//! - mul: the paper's tnum multiplication; each pair of operand intervals gives the arc between
//!   its extreme corner products when they span fewer than 2^width values.
//! - div, sdiv, mod, smod: from the bounds (corners of each sign-constant part of the divisor
//!   for sdiv; `|x % y| < |y|` and `|x % y| <= |x|` for the remainders); the tnum is only
//!   kept for a power-of-two divisor.
//! - and, or, xor: exact tnum operations, plus the bounds that follow from sign and magnitude
//!   (`x & y <= min(x, y)` unsigned, `x | y >= max(x, y)`, signs of the results).
//! - lsh, rsh, arsh: the join over every possible shift amount (the masked amount's tnum and
//!   range bound it) of the exact result for that amount.
//! - movsx: the signed bounds of the low 8/16/32 bits, sign-extended; byte swaps: the swapped
//!   tnum and the swap size's range (to-le keeps the bounds of the kept bits).
//!
//! Not tracked: the tnum of quotients and remainders by a divisor that is not a known power of
//! two, and bounds of `or`/`xor` beyond what the tnum gives.

use super::arc::{self, Arc, Pieces};
use super::scalar::{Facts, Scalar};
use super::tnum::Tnum;
use super::{AluOp, SwapKind, Width};

impl Scalar {
    /// The abstract result of `self op src` at `width` (`self` is the destination operand).
    /// At `W32`, the operands' low 32 bits are used and the result is zero-extended.
    /// `Neg` and `Swap` ignore `src`; `Mov` and `MovSx` ignore `self`; `Swap` ignores `width`.
    pub fn alu(&self, op: AluOp, width: Width, src: &Scalar) -> Scalar {
        match op {
            AluOp::MovSx(from) => move_sign_extended(src, from.bits(), width),
            AluOp::Swap(kind, size) => swap(self, kind, size.bits()),
            _ => {
                let a = View::of(self, width);
                let b = View::of(src, width);
                binary(op, width, &a, &b).finish(width)
            }
        }
    }
}

/// A scalar seen at a width: for `W32`, its low 32 bits.
#[derive(Clone, Copy, Debug)]
pub(super) struct View {
    pub(super) t: Tnum,
    pub(super) umin: u64,
    pub(super) umax: u64,
    pub(super) smin: i64,
    pub(super) smax: i64,
    pub(super) bits: u32,
}

impl View {
    pub(super) fn of(s: &Scalar, width: Width) -> View {
        match width {
            Width::W64 => View {
                t: s.var_off(),
                umin: s.umin(),
                umax: s.umax(),
                smin: s.smin(),
                smax: s.smax(),
                bits: 64,
            },
            Width::W32 => View {
                t: s.var_off().subreg(),
                umin: s.u32_min() as u64,
                umax: s.u32_max() as u64,
                smin: s.s32_min() as i64,
                smax: s.s32_max() as i64,
                bits: 32,
            },
        }
    }

    pub(super) fn uarc(&self) -> Arc {
        Arc::unsigned(self.umin, self.umax)
    }

    pub(super) fn sarc(&self) -> Arc {
        Arc::signed(self.smin, self.smax, self.bits)
    }

    pub(super) fn constant(&self) -> Option<u64> {
        self.t
            .as_constant()
            .or((self.umin == self.umax).then_some(self.umin))
    }

    /// The unsigned and the signed bounds, as integer intervals.
    fn intervals(&self) -> [(i128, i128); 2] {
        [
            (self.umin as i128, self.umax as i128),
            (self.smin as i128, self.smax as i128),
        ]
    }
}

/// What a transfer function knows of its result at the operation's width.
#[derive(Clone, Copy, Debug)]
struct Out {
    t: Tnum,
    arcs: [Arc; 6],
    n_arcs: usize,
}

impl Out {
    fn new(t: Tnum) -> Out {
        Out {
            t,
            arcs: [Arc::full(64); 6],
            n_arcs: 0,
        }
    }

    fn arc(mut self, arc: Arc) -> Out {
        if self.n_arcs < self.arcs.len() {
            self.arcs[self.n_arcs] = arc;
            self.n_arcs += 1;
        }
        self
    }

    fn finish(self, width: Width) -> Scalar {
        let mut facts = match width {
            Width::W64 => Facts::new(self.t),
            Width::W32 => {
                let mut facts = Facts::new(self.t.subreg());
                facts.arc(Arc::unsigned(0, u32::MAX as u64), Width::W64);
                facts
            }
        };
        for &a in &self.arcs[..self.n_arcs] {
            facts.arc(a, width);
        }
        facts.finish().unwrap_or_else(|| Scalar::unknown_at(width))
    }
}

fn binary(op: AluOp, width: Width, a: &View, b: &View) -> Out {
    let bits = a.bits;
    match op {
        AluOp::Add => Out::new((a.t + b.t).cast(bits))
            .arc(a.uarc().add(b.uarc(), bits))
            .arc(a.uarc().add(b.sarc(), bits))
            .arc(a.sarc().add(b.uarc(), bits))
            .arc(a.sarc().add(b.sarc(), bits)),
        AluOp::Sub => Out::new((a.t - b.t).cast(bits))
            .arc(a.uarc().sub(b.uarc(), bits))
            .arc(a.uarc().sub(b.sarc(), bits))
            .arc(a.sarc().sub(b.uarc(), bits))
            .arc(a.sarc().sub(b.sarc(), bits)),
        AluOp::Neg => Out::new((-a.t).cast(bits))
            .arc(a.uarc().neg(bits))
            .arc(a.sarc().neg(bits)),
        AluOp::Mov => Out::new(b.t).arc(b.uarc()).arc(b.sarc()),
        AluOp::Mul => mul(a, b),
        AluOp::Div => div(a, b),
        AluOp::SDiv => sdiv(a, b),
        AluOp::Mod => umod(a, b),
        AluOp::SMod => smod(a, b),
        AluOp::And => and(a, b),
        AluOp::Or => or(a, b),
        AluOp::Xor => xor(a, b),
        AluOp::Lsh | AluOp::Rsh | AluOp::Arsh => shift(op, width, a, b),
        // Handled by `Scalar::alu` before reaching here.
        AluOp::MovSx(_) | AluOp::Swap(..) => Out::new(Tnum::unknown_low(bits)),
    }
}

fn mul(a: &View, b: &View) -> Out {
    let bits = a.bits;
    let mut out = Out::new((a.t * b.t).cast(bits));
    for (xl, xh) in a.intervals() {
        for (yl, yh) in b.intervals() {
            let corners = [
                xl.checked_mul(yl),
                xl.checked_mul(yh),
                xh.checked_mul(yl),
                xh.checked_mul(yh),
            ];
            if let [Some(c0), Some(c1), Some(c2), Some(c3)] = corners {
                let lo = c0.min(c1).min(c2).min(c3);
                let hi = c0.max(c1).max(c2).max(c3);
                out = out.arc(Arc::wide(lo, hi, bits));
            }
        }
    }
    out
}

fn div(a: &View, b: &View) -> Out {
    let (lo, hi) = match a.umin.checked_div(b.umax) {
        // The divisor is 0.
        None => (0, 0),
        Some(q) => (if b.umin == 0 { 0 } else { q }, a.umax / b.umin.max(1)),
    };
    let t = match b.constant() {
        Some(k) if k.is_power_of_two() => a.t.rsh(k.trailing_zeros()),
        _ => Tnum::unknown_low(a.bits),
    };
    Out::new(t).arc(Arc::unsigned(lo, hi))
}

fn sdiv(a: &View, b: &View) -> Out {
    let (xl, xh) = (a.smin as i128, a.smax as i128);
    let (yl, yh) = (b.smin as i128, b.smax as i128);
    let mut lo = i128::MAX;
    let mut hi = i128::MIN;
    if yl <= 0 && 0 <= yh {
        lo = 0;
        hi = 0;
    }
    // Truncating division is monotone in each operand while the divisor keeps its sign, so
    // the extremes are at the corners of each part. `INT_MIN / -1` gives 2^(w-1) here, which
    // the arc wraps to `INT_MIN` as BPF does.
    for (dl, dh) in [(yl, yh.min(-1)), (yl.max(1), yh)] {
        if dl <= dh {
            for x in [xl, xh] {
                for y in [dl, dh] {
                    lo = lo.min(x / y);
                    hi = hi.max(x / y);
                }
            }
        }
    }
    Out::new(Tnum::unknown_low(a.bits)).arc(Arc::wide(lo, hi, a.bits))
}

fn umod(a: &View, b: &View) -> Out {
    if b.umax == 0 || (b.umin > 0 && a.umax < b.umin) {
        // `x % 0 == x`, and `x % y == x` when `x < y`.
        return Out::new(a.t).arc(a.uarc()).arc(a.sarc());
    }
    let hi = if b.umin == 0 {
        a.umax
    } else {
        a.umax.min(b.umax - 1)
    };
    let t = match b.constant() {
        Some(k) if k.is_power_of_two() => a.t.and(Tnum::constant(k - 1)),
        _ => Tnum::unknown_low(a.bits),
    };
    Out::new(t).arc(Arc::unsigned(0, hi))
}

fn smod(a: &View, b: &View) -> Out {
    let (xl, xh) = (a.smin as i128, a.smax as i128);
    let (yl, yh) = (b.smin as i128, b.smax as i128);
    let zero_divisor = yl <= 0 && 0 <= yh;
    let max_abs_x = xl.abs().max(xh.abs());
    let min_abs_y = if zero_divisor {
        0
    } else {
        yl.abs().min(yh.abs())
    };
    if (yl == 0 && yh == 0) || (!zero_divisor && min_abs_y > max_abs_x) {
        return Out::new(a.t).arc(a.uarc()).arc(a.sarc());
    }
    // `|x % y| < |y|`, `|x % y| <= |x|`, and the sign is that of `x`.
    let m = yl.abs().max(yh.abs()) - 1;
    let (mut lo, mut hi) = if xl >= 0 {
        (0, xh.min(m))
    } else if xh <= 0 {
        (xl.max(-m), 0)
    } else {
        (xl.max(-m), xh.min(m))
    };
    if zero_divisor {
        lo = lo.min(xl);
        hi = hi.max(xh);
    }
    let t = match b.constant() {
        Some(k) if xl >= 0 && yl > 0 && k.is_power_of_two() => a.t.and(Tnum::constant(k - 1)),
        _ => Tnum::unknown_low(a.bits),
    };
    Out::new(t).arc(Arc::wide(lo, hi, a.bits))
}

fn and(a: &View, b: &View) -> Out {
    let bits = a.bits;
    let out = Out::new(a.t.and(b.t)).arc(Arc::unsigned(0, a.umax.min(b.umax)));
    let signed = if a.smin >= 0 && b.smin >= 0 {
        Some((0, a.smax.min(b.smax)))
    } else if a.smin >= 0 {
        Some((0, a.smax))
    } else if b.smin >= 0 {
        Some((0, b.smax))
    } else if a.smax < 0 && b.smax < 0 {
        Some((arc::smin(bits), a.smax.min(b.smax)))
    } else {
        None
    };
    match signed {
        Some((lo, hi)) => out.arc(Arc::signed(lo, hi, bits)),
        None => out,
    }
}

fn or(a: &View, b: &View) -> Out {
    let bits = a.bits;
    let out = Out::new(a.t.or(b.t)).arc(Arc::unsigned(a.umin.max(b.umin), arc::mask(bits)));
    let signed = if a.smax < 0 && b.smax < 0 {
        Some((a.smin.max(b.smin), -1))
    } else if a.smax < 0 {
        Some((a.smin, -1))
    } else if b.smax < 0 {
        Some((b.smin, -1))
    } else if a.smin >= 0 && b.smin >= 0 {
        Some((a.smin.max(b.smin), arc::smax(bits)))
    } else {
        None
    };
    match signed {
        Some((lo, hi)) => out.arc(Arc::signed(lo, hi, bits)),
        None => out,
    }
}

fn xor(a: &View, b: &View) -> Out {
    let bits = a.bits;
    let out = Out::new(a.t.xor(b.t));
    let a_sign = sign_of(a);
    let b_sign = sign_of(b);
    match (a_sign, b_sign) {
        (Some(x), Some(y)) if x == y => out.arc(Arc::signed(0, arc::smax(bits), bits)),
        (Some(_), Some(_)) => out.arc(Arc::signed(arc::smin(bits), -1, bits)),
        _ => out,
    }
}

/// `Some(true)` if every value is negative, `Some(false)` if none is.
fn sign_of(v: &View) -> Option<bool> {
    if v.smax < 0 {
        Some(true)
    } else if v.smin >= 0 {
        Some(false)
    } else {
        None
    }
}

fn shift(op: AluOp, width: Width, a: &View, b: &View) -> Out {
    let bits = a.bits;
    let amount = b.t.and(Tnum::constant(bits as u64 - 1));
    let (kmin, kmax) = if b.umax < bits as u64 {
        (b.umin, b.umax)
    } else {
        (amount.umin(), amount.umax())
    };
    let mut t: Option<Tnum> = None;
    let mut unsigned: Option<(u64, u64)> = None;
    let mut unsigned_full = false;
    let mut signed: Option<(i64, i64)> = None;
    let mut signed_full = false;
    for k in kmin..=kmax {
        if !amount.contains(k) {
            continue;
        }
        let k = k as u32;
        let (tk, uk, sk) = match op {
            AluOp::Lsh => (
                a.t.lsh(k).cast(bits),
                Arc::wide_unsigned((a.umin as u128) << k, (a.umax as u128) << k, bits),
                Arc::wide((a.smin as i128) << k, (a.smax as i128) << k, bits),
            ),
            AluOp::Rsh => {
                let u = Arc::unsigned(a.umin >> k, a.umax >> k);
                (a.t.rsh(k), u, if k == 0 { a.sarc() } else { u })
            }
            _ => (
                a.t.arsh(k, width),
                if k == 0 { a.uarc() } else { Arc::full(bits) },
                Arc::signed(a.smin >> k, a.smax >> k, bits),
            ),
        };
        t = Some(t.map_or(tk, |t| t.union(tk)));
        if uk.is_unsigned_interval() {
            let (lo, hi) = unsigned.unwrap_or((uk.lo, uk.hi));
            unsigned = Some((lo.min(uk.lo), hi.max(uk.hi)));
        } else {
            unsigned_full = true;
        }
        if sk.is_signed_interval(bits) {
            let (slo, shi) = (arc::signed(sk.lo, bits), arc::signed(sk.hi, bits));
            let (lo, hi) = signed.unwrap_or((slo, shi));
            signed = Some((lo.min(slo), hi.max(shi)));
        } else {
            signed_full = true;
        }
    }
    let mut out = Out::new(t.unwrap_or_else(|| Tnum::unknown_low(bits)));
    if let (Some((lo, hi)), false) = (unsigned, unsigned_full) {
        out = out.arc(Arc::unsigned(lo, hi));
    }
    if let (Some((lo, hi)), false) = (signed, signed_full) {
        out = out.arc(Arc::signed(lo, hi, bits));
    }
    out
}

fn move_sign_extended(src: &Scalar, from: u32, width: Width) -> Scalar {
    let bits = width.bits();
    if from >= bits {
        let b = View::of(src, width);
        return Out::new(b.t).arc(b.uarc()).arc(b.sarc()).finish(width);
    }
    let v = View::of(src, Width::W32);
    let low = v.t.cast(from);
    let mut pieces = Pieces::full(from);
    pieces.intersect(v.uarc().project(32, from), from);
    pieces.intersect(v.sarc().project(32, from), from);
    pieces.shrink(|l, h| Some((low.min_ge(l)?, low.max_le(h)?)));
    if pieces.is_empty() {
        return Scalar::unknown_at(width);
    }
    let (lo, hi) = pieces.signed_hull(from);
    Out::new(low.sign_extend(from).cast(bits))
        .arc(Arc::signed(lo, hi, bits))
        .finish(width)
}

fn swap(dst: &Scalar, kind: SwapKind, size: u32) -> Scalar {
    let mut facts = match kind {
        SwapKind::ToLe if size == 64 => return *dst,
        SwapKind::ToLe => {
            let v = View::of(dst, Width::W32);
            let mut facts = Facts::new(v.t.cast(size));
            for a in [v.uarc().project(32, size), v.sarc().project(32, size)] {
                if a.is_unsigned_interval() {
                    facts.arc(a, Width::W64);
                    facts.arc(a, Width::W32);
                }
            }
            facts
        }
        SwapKind::ToBe | SwapKind::Bswap => Facts::new(dst.var_off().swap_bytes(size)),
    };
    facts.arc(Arc::unsigned(0, arc::mask(size)), Width::W64);
    facts
        .finish()
        .unwrap_or_else(|| Scalar::from_tnum(Tnum::unknown_low(size)))
}
