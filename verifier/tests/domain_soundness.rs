//! Soundness of the scalar domain, checked exhaustively against concrete BPF semantics.
//!
//! The inputs are abstract values with few, edge-placed members: tnums whose unknown bits lie
//! in a 4-bit window (at bits 0, 28, 31 and 60) over fixed high parts next to the sign and
//! wrap boundaries, ranges `[base + a, base + b]` for `0 <= a <= b < 16` around the same
//! boundaries, and 32-bit views of some of them (zero- and sign-extended). Each keeps the list
//! of its members. For every operation and every pair of inputs (all of them for unary
//! operations, a fixed pseudo-random sample of pairs for binary ones), every concrete result
//! of every pair of members, computed by a plain reference implementation of the BPF
//! semantics below, must be contained in the abstract result.

use std::sync::atomic::{AtomicU64, Ordering};

use ringfence_verifier::domain::{
    refine, AluOp, Cond, ExtendFrom, Scalar, SwapBits, SwapKind, Tnum, Width,
};

/// An abstract value and all of its members.
#[derive(Clone, Debug)]
struct Case {
    scalar: Scalar,
    members: Vec<u64>,
}

const WINDOWS: [u32; 4] = [0, 28, 31, 60];
const HIGH_PARTS: [u64; 6] = [
    0,
    0x7fff_fff0,
    0xffff_fff0,
    0x1_ffff_fff0,
    0x7fff_ffff_ffff_fff0,
    0xffff_ffff_ffff_fff0,
];
const RANGE_BASES: [u64; 8] = [
    0,
    24,
    56,
    0x7fff_fff8,
    0xffff_fff8,
    0x7fff_ffff_ffff_fff8,
    0x8000_0000_ffff_fff8,
    0xffff_ffff_ffff_fff0,
];

/// Tnums with every combination of known and unknown bits in a 4-bit window.
fn tnum_cases() -> Vec<(Tnum, Vec<u64>)> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for &pos in &WINDOWS {
        for &high in &HIGH_PARTS {
            let base = high & !(0xf << pos);
            for mask in 0..16u64 {
                for value in 0..16u64 {
                    if value & mask != 0 {
                        continue;
                    }
                    let t = Tnum::new(base | (value << pos), mask << pos);
                    if !seen.insert(t) {
                        continue;
                    }
                    let members = (0..16u64)
                        .filter(|&x| x & !mask == value)
                        .map(|x| base | (x << pos))
                        .collect();
                    out.push((t, members));
                }
            }
        }
    }
    out
}

fn universe() -> Vec<Case> {
    let mut out = Vec::new();
    for (t, members) in tnum_cases() {
        out.push(Case {
            scalar: Scalar::from_tnum(t),
            members,
        });
    }
    for &base in &RANGE_BASES {
        for a in 0..16u64 {
            for b in a..16 {
                out.push(Case {
                    scalar: Scalar::range(base + a, base + b),
                    members: (base + a..=base + b).collect(),
                });
            }
        }
    }
    for a in 0..16i64 {
        for b in a..16 {
            // Signed ranges around zero, and their 32-bit views.
            let s = Scalar::signed_range(a - 8, b - 8);
            let members: Vec<u64> = (a - 8..=b - 8).map(|x| x as u64).collect();
            let zext = s.alu(AluOp::Mov, Width::W32, &s);
            let zext_members = members.iter().map(|&x| x as u32 as u64).collect();
            out.push(Case { scalar: s, members });
            out.push(Case {
                scalar: zext,
                members: zext_members,
            });
            // A 32-bit range across the 32-bit sign boundary, sign-extended.
            let r = Scalar::range(0x7fff_fff8 + a as u64, 0x7fff_fff8 + b as u64);
            let sext = r.alu(AluOp::MovSx(ExtendFrom::B32), Width::W64, &r);
            let sext_members = (0x7fff_fff8 + a..=0x7fff_fff8 + b)
                .map(|x| x as i32 as i64 as u64)
                .collect();
            out.push(Case {
                scalar: sext,
                members: sext_members,
            });
        }
    }
    for case in &out {
        for &x in &case.members {
            assert!(case.scalar.contains(x), "{case:?} lost {x:#x}");
        }
    }
    out
}

/// A deterministic pseudo-random sample of `n` cases.
fn sample(cases: &[Case], n: usize, seed: u64) -> Vec<Case> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            cases[(state >> 33) as usize % cases.len()].clone()
        })
        .collect()
}

/// Shift amounts: small ones, near the widths, and some large ones.
fn shift_amounts(cases: &[Case]) -> Vec<Case> {
    let mut out: Vec<Case> = cases
        .iter()
        .filter(|c| c.scalar.umax() < 80 && c.members.len() <= 6)
        .cloned()
        .collect();
    out.extend(sample(cases, 20, 99));
    out
}

/// A concrete binary operation.
type BinaryFn = fn(u64, u64) -> u64;

static CHECKS: AtomicU64 = AtomicU64::new(0);

fn count(n: u64) {
    CHECKS.fetch_add(n, Ordering::Relaxed);
}

fn report(name: &str, checks: u64) {
    eprintln!(
        "{name}: {checks} concrete checks (all tests so far: {})",
        CHECKS.load(Ordering::Relaxed)
    );
}

fn signed_at(x: u64, width: Width) -> i64 {
    match width {
        Width::W64 => x as i64,
        Width::W32 => x as u32 as i32 as i64,
    }
}

/// BPF semantics of an ALU operation (RFC 9669), the reference.
fn alu_reference(op: AluOp, width: Width, dst: u64, src: u64) -> u64 {
    match width {
        Width::W64 => alu64(op, dst, src),
        Width::W32 => alu32(op, dst as u32, src as u32) as u64,
    }
}

fn alu64(op: AluOp, dst: u64, src: u64) -> u64 {
    match op {
        AluOp::Add => dst.wrapping_add(src),
        AluOp::Sub => dst.wrapping_sub(src),
        AluOp::Mul => dst.wrapping_mul(src),
        AluOp::Div => dst.checked_div(src).unwrap_or(0),
        AluOp::SDiv if src == 0 => 0,
        AluOp::SDiv => (dst as i64).wrapping_div(src as i64) as u64,
        AluOp::Mod if src == 0 => dst,
        AluOp::Mod => dst % src,
        AluOp::SMod if src == 0 => dst,
        AluOp::SMod => (dst as i64).wrapping_rem(src as i64) as u64,
        AluOp::Or => dst | src,
        AluOp::And => dst & src,
        AluOp::Xor => dst ^ src,
        AluOp::Lsh => dst << (src & 63),
        AluOp::Rsh => dst >> (src & 63),
        AluOp::Arsh => ((dst as i64) >> (src & 63)) as u64,
        AluOp::Neg => dst.wrapping_neg(),
        AluOp::Mov => src,
        AluOp::MovSx(ExtendFrom::B8) => src as i8 as i64 as u64,
        AluOp::MovSx(ExtendFrom::B16) => src as i16 as i64 as u64,
        AluOp::MovSx(ExtendFrom::B32) => src as i32 as i64 as u64,
        AluOp::Swap(kind, size) => swap_reference(kind, size, dst),
    }
}

fn alu32(op: AluOp, dst: u32, src: u32) -> u32 {
    match op {
        AluOp::Add => dst.wrapping_add(src),
        AluOp::Sub => dst.wrapping_sub(src),
        AluOp::Mul => dst.wrapping_mul(src),
        AluOp::Div => dst.checked_div(src).unwrap_or(0),
        AluOp::SDiv if src == 0 => 0,
        AluOp::SDiv => (dst as i32).wrapping_div(src as i32) as u32,
        AluOp::Mod if src == 0 => dst,
        AluOp::Mod => dst % src,
        AluOp::SMod if src == 0 => dst,
        AluOp::SMod => (dst as i32).wrapping_rem(src as i32) as u32,
        AluOp::Or => dst | src,
        AluOp::And => dst & src,
        AluOp::Xor => dst ^ src,
        AluOp::Lsh => dst << (src & 31),
        AluOp::Rsh => dst >> (src & 31),
        AluOp::Arsh => ((dst as i32) >> (src & 31)) as u32,
        AluOp::Neg => dst.wrapping_neg(),
        AluOp::Mov => src,
        AluOp::MovSx(ExtendFrom::B8) => src as i8 as i32 as u32,
        AluOp::MovSx(ExtendFrom::B16) => src as i16 as i32 as u32,
        AluOp::MovSx(ExtendFrom::B32) => src,
        AluOp::Swap(kind, size) => swap_reference(kind, size, dst as u64) as u32,
    }
}

fn swap_reference(kind: SwapKind, size: SwapBits, x: u64) -> u64 {
    match (kind, size) {
        (SwapKind::ToLe, SwapBits::B16) => x as u16 as u64,
        (SwapKind::ToLe, SwapBits::B32) => x as u32 as u64,
        (SwapKind::ToLe, SwapBits::B64) => x,
        (_, SwapBits::B16) => (x as u16).swap_bytes() as u64,
        (_, SwapBits::B32) => (x as u32).swap_bytes() as u64,
        (_, SwapBits::B64) => x.swap_bytes(),
    }
}

fn cond_reference(cond: Cond, width: Width, a: u64, b: u64) -> bool {
    let (ua, ub) = match width {
        Width::W64 => (a, b),
        Width::W32 => (a as u32 as u64, b as u32 as u64),
    };
    let (sa, sb) = (signed_at(a, width), signed_at(b, width));
    match cond {
        Cond::Eq => ua == ub,
        Cond::Ne => ua != ub,
        Cond::Gt => ua > ub,
        Cond::Ge => ua >= ub,
        Cond::Lt => ua < ub,
        Cond::Le => ua <= ub,
        Cond::SGt => sa > sb,
        Cond::SGe => sa >= sb,
        Cond::SLt => sa < sb,
        Cond::SLe => sa <= sb,
        Cond::Set => ua & ub != 0,
    }
}

const WIDTHS: [Width; 2] = [Width::W64, Width::W32];

fn check_binary(ops: &[AluOp], lhs: &[Case], rhs: &[Case]) -> u64 {
    let mut checks = 0;
    for &op in ops {
        for width in WIDTHS {
            for a in lhs {
                for b in rhs {
                    let result = a.scalar.alu(op, width, &b.scalar);
                    for &x in &a.members {
                        for &y in &b.members {
                            let r = alu_reference(op, width, x, y);
                            assert!(
                                result.contains(r),
                                "{op:?} {width:?}: {x:#x}, {y:#x} -> {r:#x} not in {result:?}\n\
                                 lhs {:?}\nrhs {:?}",
                                a.scalar,
                                b.scalar
                            );
                        }
                    }
                    checks += (a.members.len() * b.members.len()) as u64;
                }
            }
        }
    }
    count(checks);
    checks
}

#[test]
fn arithmetic_is_sound() {
    let cases = universe();
    let lhs = sample(&cases, 260, 1);
    let rhs = sample(&cases, 260, 2);
    let n = check_binary(&[AluOp::Add, AluOp::Sub, AluOp::Mul], &lhs, &rhs);
    report("add, sub, mul", n);
}

#[test]
fn division_is_sound() {
    let cases = universe();
    let lhs = sample(&cases, 240, 3);
    let rhs = sample(&cases, 240, 4);
    let ops = [AluOp::Div, AluOp::SDiv, AluOp::Mod, AluOp::SMod];
    let n = check_binary(&ops, &lhs, &rhs);
    report("div, sdiv, mod, smod", n);
}

#[test]
fn bitwise_is_sound() {
    let cases = universe();
    let lhs = sample(&cases, 260, 5);
    let rhs = sample(&cases, 260, 6);
    let n = check_binary(&[AluOp::And, AluOp::Or, AluOp::Xor], &lhs, &rhs);
    report("and, or, xor", n);
}

#[test]
fn shifts_are_sound() {
    let cases = universe();
    let lhs = sample(&cases, 220, 7);
    let rhs = shift_amounts(&cases);
    let n = check_binary(&[AluOp::Lsh, AluOp::Rsh, AluOp::Arsh], &lhs, &rhs);
    report("lsh, rsh, arsh", n);
}

#[test]
fn unary_operations_are_sound() {
    let cases = universe();
    let mut ops = vec![
        AluOp::Neg,
        AluOp::Mov,
        AluOp::MovSx(ExtendFrom::B8),
        AluOp::MovSx(ExtendFrom::B16),
        AluOp::MovSx(ExtendFrom::B32),
    ];
    for kind in [SwapKind::ToLe, SwapKind::ToBe, SwapKind::Bswap] {
        for size in [SwapBits::B16, SwapBits::B32, SwapBits::B64] {
            ops.push(AluOp::Swap(kind, size));
        }
    }
    let mut checks = 0u64;
    for op in ops {
        for width in WIDTHS {
            for a in &cases {
                // Unary operations read `dst` (neg, swaps) or `src` (mov, movsx): pass both.
                let result = a.scalar.alu(op, width, &a.scalar);
                for &x in &a.members {
                    let r = alu_reference(op, width, x, x);
                    let r = if matches!(op, AluOp::Swap(..)) {
                        swap_reference_of(op, x)
                    } else {
                        r
                    };
                    assert!(
                        result.contains(r),
                        "{op:?} {width:?}: {x:#x} -> {r:#x} not in {result:?}\nfrom {:?}",
                        a.scalar
                    );
                }
                checks += a.members.len() as u64;
            }
        }
    }
    count(checks);
    report("unary", checks);
}

/// Byte swaps ignore the operation width.
fn swap_reference_of(op: AluOp, x: u64) -> u64 {
    match op {
        AluOp::Swap(kind, size) => swap_reference(kind, size, x),
        _ => unreachable!("only swaps"),
    }
}

#[test]
fn loads_of_unknown_memory_are_sound() {
    for bytes in [1u32, 2, 4, 8] {
        let bits = bytes * 8;
        let zext = Scalar::unknown_of_width(bytes, false);
        let sext = Scalar::unknown_of_width(bytes, true);
        for x in [
            0u64,
            1,
            0x7f,
            0x80,
            0xff,
            0x7fff,
            0x8000,
            0xffff,
            0x8000_0000,
            u64::MAX,
        ] {
            let low = if bits == 64 { x } else { x & ((1 << bits) - 1) };
            let shift = 64 - bits;
            assert!(zext.contains(low), "{bytes} {low:#x}");
            assert!(sext.contains((((low << shift) as i64) >> shift) as u64));
        }
        let max = if bits == 64 {
            u64::MAX
        } else {
            (1 << bits) - 1
        };
        assert_eq!((zext.umin(), zext.umax()), (0, max));
        if bits < 64 {
            assert_eq!(sext.smin(), -(1i64 << (bits - 1)));
            assert_eq!(sext.smax(), (1i64 << (bits - 1)) - 1);
        }
    }
}

const CONDS: [Cond; 11] = [
    Cond::Eq,
    Cond::Ne,
    Cond::Gt,
    Cond::Ge,
    Cond::Lt,
    Cond::Le,
    Cond::SGt,
    Cond::SGe,
    Cond::SLt,
    Cond::SLe,
    Cond::Set,
];

fn check_refine(conds: &[Cond], lhs: &[Case], rhs: &[Case]) -> u64 {
    let mut checks = 0;
    for &cond in conds {
        for width in WIDTHS {
            for taken in [true, false] {
                for a in lhs {
                    for b in rhs {
                        let refined = refine(cond, width, taken, &a.scalar, &b.scalar);
                        for &x in &a.members {
                            for &y in &b.members {
                                if cond_reference(cond, width, x, y) != taken {
                                    continue;
                                }
                                let Some((ra, rb)) = &refined else {
                                    panic!(
                                        "{cond:?} {width:?} {taken}: None, but {x:#x}, {y:#x} \
                                         satisfy it\nlhs {:?}\nrhs {:?}",
                                        a.scalar, b.scalar
                                    );
                                };
                                assert!(
                                    ra.contains(x) && rb.contains(y),
                                    "{cond:?} {width:?} {taken}: {x:#x}, {y:#x} lost\n\
                                     lhs {:?} -> {ra:?}\nrhs {:?} -> {rb:?}",
                                    a.scalar,
                                    b.scalar
                                );
                            }
                        }
                        checks += (a.members.len() * b.members.len()) as u64;
                    }
                }
            }
        }
    }
    count(checks);
    checks
}

#[test]
fn unsigned_refinement_is_sound() {
    let cases = universe();
    let lhs = sample(&cases, 170, 11);
    let rhs = sample(&cases, 170, 12);
    let conds = [Cond::Eq, Cond::Ne, Cond::Gt, Cond::Ge, Cond::Lt, Cond::Le];
    let n = check_refine(&conds, &lhs, &rhs);
    report("refine eq, ne, unsigned", n);
}

#[test]
fn signed_refinement_is_sound() {
    let cases = universe();
    let lhs = sample(&cases, 170, 13);
    let rhs = sample(&cases, 170, 14);
    let conds = [Cond::SGt, Cond::SGe, Cond::SLt, Cond::SLe, Cond::Set];
    let n = check_refine(&conds, &lhs, &rhs);
    report("refine signed, set", n);
}

#[test]
fn refinement_against_constants_is_sound() {
    // The common case: a register compared with an immediate.
    let cases = universe();
    let lhs = sample(&cases, 400, 15);
    let rhs: Vec<Case> = cases
        .iter()
        .filter(|c| c.members.len() == 1)
        .cloned()
        .collect();
    let rhs = sample(&rhs, 40, 16);
    let n = check_refine(&CONDS, &lhs, &rhs);
    report("refine against constants", n);
}

#[test]
fn lattice_operations_are_sound() {
    let cases = universe();
    let lhs = sample(&cases, 200, 21);
    let rhs = sample(&cases, 200, 22);
    let thresholds = [0, 1, 16, 0x8000_0000, 0xffff_ffff, u64::MAX - 15];
    let mut checks = 0u64;
    for a in &lhs {
        assert_eq!(
            a.scalar.reduce(),
            Some(a.scalar),
            "a constructed value is reduced"
        );
        for b in &rhs {
            let joined = a.scalar.join(&b.scalar);
            let widened = a.scalar.widen(&joined, &thresholds);
            let narrowed = widened.narrow(&joined);
            assert!(a.scalar.le(&joined) && b.scalar.le(&joined));
            assert!(joined.le(&widened));
            let meet = a.scalar.meet(&b.scalar);
            for &x in a.members.iter().chain(&b.members) {
                assert!(joined.contains(x), "join lost {x:#x}: {a:?} {b:?}");
                assert!(widened.contains(x), "widen lost {x:#x}");
                assert!(narrowed.contains(x), "narrow lost {x:#x}");
                if a.members.contains(&x) && b.members.contains(&x) {
                    let meet = meet.unwrap_or_else(|| panic!("meet empty but has {x:#x}"));
                    assert!(meet.contains(x), "meet lost {x:#x}");
                }
            }
            checks += (a.members.len() + b.members.len()) as u64;
        }
    }
    count(checks);
    report("join, widen, narrow, meet", checks);
}

#[test]
fn tnum_operations_are_sound() {
    // Smaller tnums: the window at bit 0 and at bit 60 only.
    let cases: Vec<(Tnum, Vec<u64>)> = tnum_cases()
        .into_iter()
        .filter(|(t, _)| t.mask() & 0xf != 0 || t.mask() >> 60 != 0 || t.is_const())
        .collect();
    let lhs: Vec<_> = cases.iter().step_by(7).collect();
    let rhs: Vec<_> = cases.iter().step_by(11).collect();
    let mut checks = 0u64;
    for (a, am) in &lhs {
        for shift in [0u32, 1, 4, 31, 32, 63] {
            for &x in am {
                assert!(a.lsh(shift).contains(x << shift));
                assert!(a.rsh(shift).contains(x >> shift));
                assert!(a
                    .arsh(shift, Width::W64)
                    .contains(((x as i64) >> shift) as u64));
                if shift < 32 {
                    let r = ((x as u32 as i32) >> shift) as u32 as u64;
                    assert!(a.subreg().arsh(shift, Width::W32).contains(r));
                }
            }
        }
        for probe in [
            0,
            1,
            0xf,
            0x10,
            0x7fff_ffff,
            u64::MAX,
            0x8000_0000_0000_0000,
        ] {
            let ge = am.iter().copied().filter(|&x| x >= probe).min();
            let le = am.iter().copied().filter(|&x| x <= probe).max();
            assert_eq!(a.min_ge(probe), ge, "{a:?} min_ge {probe:#x}");
            assert_eq!(a.max_le(probe), le, "{a:?} max_le {probe:#x}");
        }
        for &x in am {
            assert!((-*a).contains(x.wrapping_neg()));
            assert!(a.subreg().contains(x as u32 as u64));
            assert!(Tnum::range(am[0], *am.last().unwrap()).contains(x));
        }
        for (b, bm) in &rhs {
            let ops: [(Tnum, BinaryFn); 6] = [
                (*a + *b, u64::wrapping_add),
                (*a - *b, u64::wrapping_sub),
                (*a * *b, u64::wrapping_mul),
                (a.and(*b), |x, y| x & y),
                (a.or(*b), |x, y| x | y),
                (a.xor(*b), |x, y| x ^ y),
            ];
            for &x in am {
                for &y in bm {
                    for (t, f) in &ops {
                        assert!(t.contains(f(x, y)), "{a:?} {b:?} {x:#x} {y:#x}");
                    }
                }
            }
            let union = a.union(*b);
            assert!(a.le(union) && b.le(union));
            let common: Vec<u64> = am.iter().copied().filter(|x| bm.contains(x)).collect();
            match a.intersect(*b) {
                Some(t) => assert!(common.iter().all(|&x| t.contains(x))),
                None => assert!(common.is_empty()),
            }
            checks += (am.len() * bm.len() * 6) as u64;
        }
    }
    count(checks);
    report("tnum", checks);
}

#[test]
fn add_and_sub_are_optimal_on_tnums() {
    // The CGO'22 paper proves these optimal: every unknown bit can actually vary.
    let cases = tnum_cases();
    let small: Vec<_> = cases.iter().filter(|(t, _)| t.mask() < 16).collect();
    for (a, am) in &small {
        for (b, bm) in small.iter().step_by(3) {
            for (t, f) in [
                (*a + *b, u64::wrapping_add as BinaryFn),
                (*a - *b, u64::wrapping_sub),
            ] {
                let mut exact: Option<Tnum> = None;
                for &x in am {
                    for &y in bm {
                        let c = Tnum::constant(f(x, y));
                        exact = Some(exact.map_or(c, |e| e.union(c)));
                    }
                }
                assert_eq!(Some(t), exact, "{a:?} {b:?}");
            }
        }
    }
}
