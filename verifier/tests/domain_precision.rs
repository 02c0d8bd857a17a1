//! Precision of the scalar domain where real programs need it: exact results expected.

use ringfence_verifier::domain::{
    refine, AluOp, Cond, ExtendFrom, Scalar, SwapBits, SwapKind, Tnum, Width,
};

fn c(v: u64) -> Scalar {
    Scalar::constant(v)
}

fn bounds(s: &Scalar) -> (u64, u64) {
    (s.umin(), s.umax())
}

#[test]
fn adding_ranges_is_tight() {
    let r = Scalar::range(0, 20).alu(AluOp::Add, Width::W64, &Scalar::range(0, 8));
    assert_eq!(bounds(&r), (0, 28));
    assert_eq!((r.smin(), r.smax()), (0, 28));
    assert_eq!((r.u32_min(), r.u32_max()), (0, 28));
    let r = Scalar::range(0, 20).alu(AluOp::Add, Width::W32, &Scalar::range(0, 8));
    assert_eq!(bounds(&r), (0, 28));
}

#[test]
fn adding_to_a_pointer_offset_keeps_signed_bounds() {
    let r = Scalar::signed_range(-4, 4).alu(AluOp::Add, Width::W64, &c(10));
    assert_eq!((r.smin(), r.smax()), (6, 14));
    assert_eq!(bounds(&r), (6, 14));
    let r = Scalar::signed_range(-5, 5).alu(AluOp::Add, Width::W32, &c(1));
    assert_eq!((r.s32_min(), r.s32_max()), (-4, 6));
}

#[test]
fn a_32_bit_add_that_may_wrap_gives_the_full_32_bit_range() {
    let x = Scalar::range(0, u32::MAX as u64);
    let r = x.alu(AluOp::Add, Width::W32, &c(1));
    assert_eq!(bounds(&r), (0, u32::MAX as u64));
    assert_eq!(r.var_off(), Tnum::unknown_low(32));
    let r = Scalar::range(0xffff_fff0, 0xffff_ffff).alu(AluOp::Add, Width::W32, &c(0x20));
    // Wraps to 0x10..=0x1f.
    assert_eq!(bounds(&r), (0x10, 0x1f));
}

#[test]
fn subtracting_is_tight() {
    let r = Scalar::range(10, 20).alu(AluOp::Sub, Width::W64, &Scalar::range(0, 5));
    assert_eq!(bounds(&r), (5, 20));
    let r = Scalar::range(0, 3).alu(AluOp::Sub, Width::W64, &c(1));
    assert_eq!((r.smin(), r.smax()), (-1, 2));
}

#[test]
fn masking_gives_the_mask_range() {
    let r = Scalar::unknown().alu(AluOp::And, Width::W64, &c(0xff));
    assert_eq!(bounds(&r), (0, 255));
    assert_eq!(r.var_off(), Tnum::unknown_low(8));
    let r = Scalar::unknown().alu(AluOp::And, Width::W32, &c(0xfff));
    assert_eq!(bounds(&r), (0, 0xfff));
}

#[test]
fn or_with_a_constant_sets_the_bits() {
    let r = Scalar::range(0, 15).alu(AluOp::Or, Width::W64, &c(0x10));
    assert_eq!(bounds(&r), (16, 31));
}

#[test]
fn shifts_are_tight() {
    let r = Scalar::range(0, 15).alu(AluOp::Lsh, Width::W64, &c(2));
    assert_eq!(bounds(&r), (0, 60));
    assert_eq!(r.var_off(), Tnum::new(0, 0b11_1100));
    let r = Scalar::unknown().alu(AluOp::Rsh, Width::W64, &c(56));
    assert_eq!(bounds(&r), (0, 255));
    let r = Scalar::range(0x100, 0x1ff).alu(AluOp::Rsh, Width::W64, &c(4));
    assert_eq!(bounds(&r), (0x10, 0x1f));
    let r = Scalar::range(0x100, 0x1ff).alu(AluOp::Rsh, Width::W64, &Scalar::range(4, 8));
    assert_eq!(bounds(&r), (1, 0x1f));
    let r = Scalar::signed_range(-256, 255).alu(AluOp::Arsh, Width::W64, &c(4));
    assert_eq!((r.smin(), r.smax()), (-16, 15));
    let r = Scalar::range(0, 0xffff_ffff).alu(AluOp::Rsh, Width::W32, &c(24));
    assert_eq!(bounds(&r), (0, 255));
}

#[test]
fn multiplying_small_ranges_is_tight() {
    let r = Scalar::range(0, 10).alu(AluOp::Mul, Width::W64, &c(8));
    assert_eq!(bounds(&r), (0, 80));
    assert_eq!(r.var_off().value() & 7, 0);
    assert_eq!(r.var_off().mask() & 7, 0);
}

#[test]
fn division_edge_cases_follow_bpf() {
    assert_eq!(
        c(7).alu(AluOp::Div, Width::W64, &c(0)).as_constant(),
        Some(0)
    );
    assert_eq!(
        c(7).alu(AluOp::Mod, Width::W64, &c(0)).as_constant(),
        Some(7)
    );
    let min = i64::MIN as u64;
    let minus_one = u64::MAX;
    let r = c(min).alu(AluOp::SDiv, Width::W64, &c(minus_one));
    assert_eq!(r.as_constant(), Some(min));
    let r = c(min).alu(AluOp::SMod, Width::W64, &c(minus_one));
    assert_eq!(r.as_constant(), Some(0));
    let r = c(-7i64 as u64).alu(AluOp::SMod, Width::W64, &c(3));
    assert_eq!(r.smin(), -2);
    let r = Scalar::range(0, 1000).alu(AluOp::Div, Width::W64, &c(10));
    assert_eq!(bounds(&r), (0, 100));
    let r = Scalar::range(0, 1000).alu(AluOp::Mod, Width::W64, &c(16));
    assert_eq!(bounds(&r), (0, 15));
    let r = c(0x8000_0000).alu(AluOp::SDiv, Width::W32, &c(0xffff_ffff));
    assert_eq!(r.as_constant(), Some(0x8000_0000));
}

#[test]
fn sign_extension_and_byte_swaps_of_constants_are_exact() {
    let r = c(0).alu(AluOp::MovSx(ExtendFrom::B8), Width::W64, &c(0x80));
    assert_eq!(r.as_constant(), Some(0xffff_ffff_ffff_ff80));
    let r = c(0).alu(AluOp::MovSx(ExtendFrom::B16), Width::W32, &c(0x8000));
    assert_eq!(r.as_constant(), Some(0xffff_8000));
    let r = Scalar::unknown().alu(AluOp::MovSx(ExtendFrom::B8), Width::W64, &Scalar::unknown());
    assert_eq!((r.smin(), r.smax()), (-128, 127));
    let swap = AluOp::Swap(SwapKind::ToBe, SwapBits::B16);
    assert_eq!(
        c(0x1234).alu(swap, Width::W64, &c(0)).as_constant(),
        Some(0x3412)
    );
    let le = AluOp::Swap(SwapKind::ToLe, SwapBits::B16);
    let r = Scalar::range(0x1_0000, 0x1_0010).alu(le, Width::W64, &c(0));
    assert_eq!(bounds(&r), (0, 0x10));
}

#[test]
fn loads_have_their_width_range() {
    assert_eq!(bounds(&Scalar::unknown_of_width(1, false)), (0, 255));
    let s = Scalar::unknown_of_width(2, true);
    assert_eq!((s.smin(), s.smax()), (-32768, 32767));
    assert_eq!(bounds(&Scalar::unknown_of_width(8, false)), (0, u64::MAX));
}

#[test]
fn unsigned_compares_refine_bounds() {
    let x = Scalar::unknown();
    let (t, _) = refine(Cond::Gt, Width::W64, true, &x, &c(10)).unwrap();
    assert_eq!(bounds(&t), (11, u64::MAX));
    let (f, _) = refine(Cond::Gt, Width::W64, false, &x, &c(10)).unwrap();
    assert_eq!(bounds(&f), (0, 10));
    assert_eq!((f.smin(), f.smax()), (0, 10));
    let (l, _) = refine(Cond::Lt, Width::W64, true, &x, &c(16)).unwrap();
    assert_eq!(l.var_off(), Tnum::unknown_low(4));
    // r1 < r2 with r2 in [0, 100]: r1 <= 99.
    let (l, r) = refine(Cond::Lt, Width::W64, true, &x, &Scalar::range(0, 100)).unwrap();
    assert_eq!(bounds(&l), (0, 99));
    assert_eq!(bounds(&r), (1, 100));
}

#[test]
fn signed_compares_refine_bounds() {
    let x = Scalar::unknown();
    let (t, _) = refine(Cond::SLt, Width::W64, true, &x, &c(0)).unwrap();
    assert_eq!((t.smin(), t.smax()), (i64::MIN, -1));
    assert_eq!(bounds(&t), (1 << 63, u64::MAX));
    let (t, _) = refine(Cond::SGe, Width::W64, true, &x, &c(0)).unwrap();
    assert_eq!(bounds(&t), (0, i64::MAX as u64));
    // 0 <= x s< 10 gives an index range.
    let (t, _) = refine(Cond::SLt, Width::W64, true, &t, &c(10)).unwrap();
    assert_eq!(bounds(&t), (0, 9));
}

#[test]
fn equality_and_bit_tests_refine() {
    let x = Scalar::range(0, 100);
    let (t, _) = refine(Cond::Eq, Width::W64, true, &x, &c(42)).unwrap();
    assert_eq!(t.as_constant(), Some(42));
    let (t, _) = refine(Cond::Ne, Width::W64, true, &x, &c(0)).unwrap();
    assert_eq!(bounds(&t), (1, 100));
    assert!(refine(Cond::Eq, Width::W64, true, &x, &c(200)).is_none());
    assert!(refine(Cond::Gt, Width::W64, true, &x, &c(100)).is_none());
    let (t, _) = refine(Cond::Set, Width::W64, true, &Scalar::range(0, 7), &c(4)).unwrap();
    assert_eq!(bounds(&t), (4, 7));
    let (f, _) = refine(Cond::Set, Width::W64, false, &Scalar::range(0, 7), &c(4)).unwrap();
    assert_eq!(bounds(&f), (0, 3));
    assert!(refine(Cond::Set, Width::W64, true, &c(8), &c(4)).is_none());
}

#[test]
fn a_32_bit_compare_refines_the_low_half_soundly() {
    let x = Scalar::unknown();
    let (t, _) = refine(Cond::Lt, Width::W32, true, &x, &c(10)).unwrap();
    assert_eq!((t.u32_min(), t.u32_max()), (0, 9));
    assert_eq!(bounds(&t), (0, u64::MAX - (u32::MAX as u64) + 9));
    // With the high half known to be zero, the whole value is bounded.
    let y = Scalar::range(0, u32::MAX as u64);
    let (t, _) = refine(Cond::Lt, Width::W32, true, &y, &c(10)).unwrap();
    assert_eq!(bounds(&t), (0, 9));
}

#[test]
fn widening_jumps_to_thresholds() {
    let old = Scalar::range(0, 1);
    let new = Scalar::range(0, 2);
    let w = old.widen(&new, &[100, 1000]);
    assert_eq!(bounds(&w), (0, 100));
    let w = old.widen(&new, &[]);
    assert_eq!(bounds(&w), (0, u64::MAX));
    assert_eq!(old.widen(&old, &[]), old);
    // Narrowing recovers the extreme bound from the next iterate.
    let n = Scalar::range(0, u64::MAX).narrow(&Scalar::range(0, 50));
    assert_eq!(bounds(&n), (0, 50));
    let j = Scalar::constant(1).join(&Scalar::constant(3));
    assert_eq!(bounds(&j), (1, 3));
    assert_eq!(j.var_off(), Tnum::new(1, 2));
}
