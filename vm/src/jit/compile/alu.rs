//! Conditions and ALU operations with the interpreter's exact semantics: 32-bit results
//! zero-extended, shift amounts modulo the width, and division and modulo without traps.
#![forbid(unsafe_code)]

use super::*;

/// The second operand of an ALU operation.
#[derive(Clone, Copy)]
pub(super) enum Operand {
    /// The instruction's immediate (sign-extended to 64 bits).
    Imm(i64),
    /// A value computed at run time, used as a source register's value is.
    Value(Value),
}

impl Emitter<'_, '_> {
    /// Whether a conditional jump is taken.
    pub(super) fn condition(
        &mut self,
        cond: Cond,
        width: Width,
        source: Source,
        insn: Insn,
    ) -> Value {
        let left = self.var(insn.dst);
        let (ty, left) = match width {
            Width::W64 => (I64, left),
            Width::W32 => (I32, self.b.ins().ireduce(I32, left)),
        };
        let right = match (source, width) {
            (Source::Imm, Width::W64) => self.b.ins().iconst(I64, insn.imm),
            (Source::Imm, Width::W32) => self.b.ins().iconst(I32, insn.imm as u32 as i64),
            (Source::Reg, _) => {
                let right = self.var(insn.src);
                if ty == I32 {
                    self.b.ins().ireduce(I32, right)
                } else {
                    right
                }
            }
        };
        let cc = match cond {
            Cond::Eq => IntCC::Equal,
            Cond::Ne => IntCC::NotEqual,
            Cond::Gt => IntCC::UnsignedGreaterThan,
            Cond::Ge => IntCC::UnsignedGreaterThanOrEqual,
            Cond::Lt => IntCC::UnsignedLessThan,
            Cond::Le => IntCC::UnsignedLessThanOrEqual,
            Cond::SGt => IntCC::SignedGreaterThan,
            Cond::SGe => IntCC::SignedGreaterThanOrEqual,
            Cond::SLt => IntCC::SignedLessThan,
            Cond::SLe => IntCC::SignedLessThanOrEqual,
            Cond::Set => {
                let both = self.b.ins().band(left, right);
                return self.b.ins().icmp_imm_s(IntCC::NotEqual, both, 0);
            }
        };
        self.b.ins().icmp(cc, left, right)
    }

    /// An ALU operation; the result is the new 64-bit value of `dst`.
    pub(super) fn alu(&mut self, op: AluOp, width: Width, source: Source, insn: Insn) -> Value {
        let operand = match source {
            Source::Imm => Operand::Imm(insn.imm),
            Source::Reg => Operand::Value(self.var(insn.src)),
        };
        self.alu_operand(op, width, insn.dst, operand)
    }

    /// An ALU operation on `dst` and `operand`; the result is the new 64-bit value of `dst`.
    /// An `Operand::Value` is treated as a source register's value.
    pub(super) fn alu_operand(
        &mut self,
        op: AluOp,
        width: Width,
        dst: u8,
        operand: Operand,
    ) -> Value {
        let (ty, bits) = match width {
            Width::W64 => (I64, 64),
            Width::W32 => (I32, 32),
        };
        // The operand's value when it is an immediate, truncated to the width (the
        // interpreter sign-extends imm to 64 bits and takes the low half for 32-bit ops).
        let imm = match (operand, width) {
            (Operand::Imm(imm), Width::W64) => Some(imm),
            (Operand::Imm(imm), Width::W32) => Some(imm as u32 as i64),
            (Operand::Value(_), _) => None,
        };
        let is_shift = matches!(op, AluOp::Lsh | AluOp::Rsh | AluOp::Arsh);
        let mut right = match (imm, operand) {
            // A constant shift amount is masked now, as the interpreter masks it at run time.
            (Some(imm), _) if is_shift => self.b.ins().iconst(ty, imm & (bits - 1)),
            (Some(imm), _) => self.b.ins().iconst(ty, imm),
            (None, Operand::Value(value)) => value,
            (None, Operand::Imm(_)) => unreachable!("an immediate operand has `imm`"),
        };
        if op == AluOp::Mov {
            return match width {
                Width::W64 => right,
                Width::W32 if imm.is_some() => self.b.ins().uextend(I64, right),
                Width::W32 => {
                    let low = self.b.ins().ireduce(I32, right);
                    self.b.ins().uextend(I64, low)
                }
            };
        }
        let mut left = self.var(dst);
        if width == Width::W32 {
            left = self.b.ins().ireduce(I32, left);
            if imm.is_none() {
                right = self.b.ins().ireduce(I32, right);
            }
        }
        let ins = self.b.ins();
        let result = match op {
            AluOp::Add => ins.iadd(left, right),
            AluOp::Sub => ins.isub(left, right),
            AluOp::Mul => ins.imul(left, right),
            AluOp::Or => ins.bor(left, right),
            AluOp::And => ins.band(left, right),
            AluOp::Xor => ins.bxor(left, right),
            // Cranelift's shifts take their amount modulo the width, as BPF's do: a register
            // amount needs no mask of its own.
            AluOp::Lsh => ins.ishl(left, right),
            AluOp::Rsh => ins.ushr(left, right),
            AluOp::Arsh => ins.sshr(left, right),
            AluOp::Div | AluOp::Mod | AluOp::SDiv | AluOp::SMod => {
                self.divide(op, ty, left, right, imm)
            }
            AluOp::Mov => right,
        };
        match width {
            Width::W64 => result,
            Width::W32 => self.b.ins().uextend(I64, result),
        }
    }

    /// Division and modulo with RFC 9669's answers where hardware would trap: `x / 0 == 0`,
    /// `x % 0 == x`, `MIN / -1 == MIN`, `MIN % -1 == 0`.
    fn divide(
        &mut self,
        op: AluOp,
        ty: Type,
        left: Value,
        right: Value,
        imm: Option<i64>,
    ) -> Value {
        let minus_one = if ty == I64 { -1 } else { u32::MAX as i64 };
        let signed = matches!(op, AluOp::SDiv | AluOp::SMod);
        if let Some(imm) = imm {
            // A constant divisor: decide the edge cases now.
            return match (op, imm) {
                (AluOp::Div | AluOp::SDiv, 0) => self.b.ins().iconst(ty, 0),
                (AluOp::Mod | AluOp::SMod, 0) => left,
                (AluOp::SDiv, imm) if imm == minus_one => self.b.ins().ineg(left),
                (AluOp::SMod, imm) if imm == minus_one => self.b.ins().iconst(ty, 0),
                (AluOp::Div, _) => self.b.ins().udiv(left, right),
                (AluOp::Mod, _) => self.b.ins().urem(left, right),
                (AluOp::SDiv, _) => self.b.ins().sdiv(left, right),
                _ => self.b.ins().srem(left, right),
            };
        }
        // A divisor the hardware cannot take (0, or -1 for signed operations, where MIN / -1
        // overflows) goes to a cold block that computes RFC 9669's answer; the others reach
        // the divide instruction directly, with no select on the divisor's dependency chain.
        let is_zero = self.b.ins().icmp_imm_s(IntCC::Equal, right, 0);
        let special = if signed {
            let minus_one = self.b.ins().iconst(ty, minus_one);
            let is_minus_one = self.b.ins().icmp(IntCC::Equal, right, minus_one);
            self.b.ins().bor(is_zero, is_minus_one)
        } else {
            is_zero
        };
        let (edge, plain) = self.branch(special);
        let join = self.b.create_block();
        let result = self.b.append_block_param(join, ty);

        self.b.switch_to_block(plain);
        if ty == I64 && !signed {
            self.divide_narrow_if_small(op, left, right, join);
        } else {
            let value = match op {
                AluOp::Div => self.b.ins().udiv(left, right),
                AluOp::Mod => self.b.ins().urem(left, right),
                AluOp::SDiv => self.b.ins().sdiv(left, right),
                _ => self.b.ins().srem(left, right),
            };
            self.b.ins().jump(join, &[value.into()]);
        }

        self.b.switch_to_block(edge);
        self.b.set_cold_block(edge);
        let zero = self.b.ins().iconst(ty, 0);
        let value = match op {
            // x / 0 == 0; MIN / -1 == -MIN == MIN (and x / -1 == -x).
            AluOp::Div => zero,
            AluOp::SDiv => {
                let negated = self.b.ins().ineg(left);
                self.b.ins().select(is_zero, zero, negated)
            }
            // x % 0 == x; x % -1 == 0.
            AluOp::Mod => left,
            _ => self.b.ins().select(is_zero, left, zero),
        };
        self.b.ins().jump(join, &[value.into()]);
        self.b.seal_block(join);
        self.b.switch_to_block(join);
        result
    }

    /// A 64-bit unsigned `op` (`Div` or `Mod`) of a nonzero `right`, jumping to `join` with
    /// the result: when both operands fit in 32 bits, as loop counters and offsets do, a
    /// 32-bit divide gives the same answer several times faster on most x86 cores (the
    /// bypass C compilers emit for such cores too).
    fn divide_narrow_if_small(&mut self, op: AluOp, left: Value, right: Value, join: Block) {
        let both = self.b.ins().bor(left, right);
        let high = self.b.ins().ushr_imm_u(both, 32);
        let (wide, narrow) = self.branch(high);

        self.b.switch_to_block(narrow);
        let (left32, right32) = (
            self.b.ins().ireduce(I32, left),
            self.b.ins().ireduce(I32, right),
        );
        let value = match op {
            AluOp::Div => self.b.ins().udiv(left32, right32),
            _ => self.b.ins().urem(left32, right32),
        };
        let value = self.b.ins().uextend(I64, value);
        self.b.ins().jump(join, &[value.into()]);

        self.b.switch_to_block(wide);
        let value = match op {
            AluOp::Div => self.b.ins().udiv(left, right),
            _ => self.b.ins().urem(left, right),
        };
        self.b.ins().jump(join, &[value.into()]);
    }
}
