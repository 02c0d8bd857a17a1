//! Helper calls: the generic call through `runtime::call_helper`, and the specialised call
//! sites of `super::super::sites` — a trampoline of their own, or their string test compiled
//! inline behind run-time checks of everything it assumes.
#![forbid(unsafe_code)]

use super::*;

impl Emitter<'_, '_> {
    /// A specialised site for the call of helper `id` at `pc`, if it has one (unchecked
    /// mode), and its test compiled inline if it can be.
    pub(super) fn site_for(&mut self, pc: usize, id: u32) -> Option<Site> {
        // Checked mode keeps every call on the generic path, the reference.
        if self.checked {
            return None;
        }
        if let Some(facts) = &self.sites.facts {
            if !facts.scalar_helpers.contains(&i32::try_from(id).ok()?) {
                return None;
            }
        }
        let helper = self.sites.helpers.get(id)?;
        let &leader = self.plan.leaders.range(..=pc).next_back()?;
        let known = block_constants(self.insns, leader, pc);
        let site = Arc::new(RfSite::new(helper, &self.sites.frozen, known[3], known[4])?);
        self.sites.sites.push(site.clone());
        let contract = self
            .sites
            .facts
            .as_ref()
            .and_then(|facts| facts.event_contract);
        let inline = site.inline_match(known[2], contract);
        match inline.as_ref().map(|inline| &inline.test) {
            Some(InlineTest::Compare { .. }) => self.sites.inline += 1,
            Some(InlineTest::CallTest) => self.sites.direct_tests += 1,
            None => {}
        }
        Some(Site { site, inline })
    }

    /// A call of helper `id` at `pc`: `r1`-`r5`, `id` and `pc` go into the context, then the
    /// call goes to `call_helper`, or to `call_rf_site` with the site compiled for it; a
    /// site's test compiled inline comes first and leaves the call to what it cannot answer.
    pub(super) fn helper_call(&mut self, pc: usize, id: Value, site: Option<Site>) {
        let join = site.as_ref().and_then(|Site { site, inline }| {
            inline
                .as_ref()
                .map(|inline| self.inline_match(inline, site))
        });
        let insn_idx = self.iconst(pc as i64);
        let ctx = self.ctx;
        self.ctx_store(id, runtime::OFFSET_HELPER_ID);
        self.ctx_store(insn_idx, runtime::OFFSET_HELPER_INSN);
        for reg in 1..=5u8 {
            let value = self.var(reg);
            self.ctx_store(value, runtime::OFFSET_HELPER_ARGS + 8 * (reg as i32 - 1));
        }
        let call_conv = self.call_conv;
        let call = match site {
            None => {
                let helper_sig = *self
                    .helper_sig
                    .get_or_insert_with(|| self.b.import_signature(helper_signature(call_conv)));
                let trampoline = self.iconst(runtime::call_helper as *const () as usize as i64);
                let args = [ctx, self.fp];
                self.b.ins().call_indirect(helper_sig, trampoline, &args)
            }
            Some(Site { site, .. }) => {
                let site_sig = *self
                    .site_sig
                    .get_or_insert_with(|| self.b.import_signature(site_signature(call_conv)));
                let trampoline = self.iconst(runtime::call_rf_site as *const () as usize as i64);
                // The program keeps the site (`JitProgram::sites`) as long as this code.
                let site = self.iconst(Arc::as_ptr(&site) as usize as i64);
                let args = [ctx, self.fp, site];
                self.b.ins().call_indirect(site_sig, trampoline, &args)
            }
        };
        let mut r0 = self.b.inst_results(call)[0];
        self.check_status();
        if let Some(join) = join {
            self.b.ins().jump(join, &[r0.into()]);
            self.b.seal_block(join);
            self.b.switch_to_block(join);
            r0 = self.b.block_params(join)[0];
        }
        self.set(0, r0);
    }

    /// The test of `inline` in native code (see [`InlineMatch`] for when it answers): jumps
    /// to the returned block with `r0` when it answers, and leaves the builder in a block
    /// for the call otherwise.
    fn inline_match(&mut self, inline: &InlineMatch, site: &Arc<RfSite>) -> Block {
        let join = self.b.create_block();
        self.b.append_block_param(join, I64);
        let call_block = self.b.create_block();
        let (r1, r2, r3, r4) = (self.var(1), self.var(2), self.var(3), self.var(4));

        // The arguments the site was compiled for, and `r1` the run's context.
        // (A register whose SSA value is that very constant holds it on every path here:
        // its test would be `c == c`.)
        let mut holds = Vec::new();
        for (reg, constant) in [r2, r3, r4].into_iter().zip(inline.args) {
            if self.constant_of(reg) == Some(constant as i64) {
                continue;
            }
            let constant = self.iconst(constant as i64);
            holds.push(self.b.ins().icmp(IntCC::Equal, reg, constant));
        }
        // `r1` is the event run's context, whose data fields are the run's data area.
        let event_context = self.ctx_load(runtime::OFFSET_EVENT_CONTEXT);
        holds.push(self.b.ins().icmp(IntCC::Equal, r1, event_context));
        let all = self.all(&holds);
        self.continue_if(all, call_block);

        // The field's bytes lie inside the data area.
        let flags = mem_flags();
        let data = self.ctx_load(runtime::OFFSET_EVENT_DATA);
        let data_end = self.ctx_load(runtime::OFFSET_EVENT_DATA_END);
        let offset = self.b.ins().uload32(flags, r1, inline.descriptor);
        let length = self.b.ins().uload32(flags, r1, inline.descriptor + 4);
        let area = self.b.ins().isub(data_end, data);
        let end = self.b.ins().iadd(offset, length);
        let inside = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, end, area);
        self.continue_if(inside, call_block);

        let start = self.b.ins().iadd(data, offset);
        let r0 = match &inline.test {
            InlineTest::Compare { kind, pattern } => {
                self.compare_inline(*kind, pattern, (start, length), join)
            }
            InlineTest::CallTest => {
                let site_sig = *self
                    .site_sig
                    .get_or_insert_with(|| self.b.import_signature(site_signature(self.call_conv)));
                let callee = self.iconst(runtime::call_site_test as *const () as usize as i64);
                // The program keeps the site (`JitProgram::sites`) as long as this code.
                let site = self.iconst(Arc::as_ptr(site) as usize as i64);
                let call = self
                    .b
                    .ins()
                    .call_indirect(site_sig, callee, &[site, start, length]);
                let answer = self.b.inst_results(call)[0];
                let answered = self.b.ins().icmp_imm_s(
                    IntCC::NotEqual,
                    answer,
                    runtime::SITE_TEST_DECLINED as i64,
                );
                self.continue_if(answered, call_block);
                answer
            }
        };
        self.b.ins().jump(join, &[r0.into()]);

        self.b.seal_block(call_block);
        self.b.switch_to_block(call_block);
        join
    }

    /// The comparison of the `length` bytes at `start` with `pattern` as `kind` asks: the
    /// length first (a mismatch jumps to `join` with 0), then the bytes (only when they
    /// exist). Returns the answer, 0 or 1, in the block the bytes were compared in.
    fn compare_inline(
        &mut self,
        kind: StrMatch,
        pattern: &[u8],
        (mut start, length): (Value, Value),
        join: Block,
    ) -> Value {
        let n = pattern.len() as i64;
        let n_value = self.iconst(n);
        let long_enough = match kind {
            StrMatch::Eq => self.b.ins().icmp(IntCC::Equal, length, n_value),
            StrMatch::Prefix | StrMatch::Suffix => {
                self.b
                    .ins()
                    .icmp(IntCC::UnsignedGreaterThanOrEqual, length, n_value)
            }
        };
        let compare = self.b.create_block();
        let zero = self.iconst(0);
        self.b
            .ins()
            .brif(long_enough, compare, &[], join, &[zero.into()]);
        self.b.seal_block(compare);
        self.b.switch_to_block(compare);
        if kind == StrMatch::Suffix {
            let skip = self.b.ins().iadd_imm_s(length, -n);
            start = self.b.ins().iadd(start, skip);
        }
        let equal = self.bytes_equal(start, pattern);
        self.b.ins().uextend(I64, equal)
    }

    /// The constant `value` is, when an `iconst` defines it.
    fn constant_of(&self, value: Value) -> Option<i64> {
        let dfg = &self.b.func.dfg;
        let ValueDef::Result(inst, 0) = dfg.value_def(dfg.resolve_aliases(value)) else {
            return None;
        };
        match dfg.insts[inst] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(imm.bits()),
            _ => None,
        }
    }

    /// Whether the bytes at `start` are `pattern` (all of them readable), as an `i8` flag:
    /// 8-, 4-, 2- and 1-byte loads compared with the pattern's bytes as constants.
    fn bytes_equal(&mut self, start: Value, pattern: &[u8]) -> Value {
        let mut holds = Vec::new();
        let mut at = 0;
        while at < pattern.len() {
            let width = [8, 4, 2, 1]
                .into_iter()
                .find(|&width| width <= pattern.len() - at)
                .unwrap_or(1);
            let mut bytes = [0u8; 8];
            bytes[..width].copy_from_slice(&pattern[at..at + width]);
            let constant = self.iconst(u64::from_le_bytes(bytes) as i64);
            let flags = mem_flags();
            let offset = at as i32;
            let ins = self.b.ins();
            let loaded = match width {
                8 => ins.load(I64, flags, start, offset),
                4 => ins.uload32(flags, start, offset),
                2 => ins.uload16(I64, flags, start, offset),
                _ => ins.uload8(I64, flags, start, offset),
            };
            holds.push(self.b.ins().icmp(IntCC::Equal, loaded, constant));
            at += width;
        }
        self.all(&holds)
    }

    /// Goes on in a new block when `condition` holds, else to `otherwise`.
    fn continue_if(&mut self, condition: Value, otherwise: Block) {
        let go_on = self.b.create_block();
        self.b.ins().brif(condition, go_on, &[], otherwise, &[]);
        self.b.seal_block(go_on);
        self.b.switch_to_block(go_on);
    }

    /// The conjunction of `flags` (`i8` comparison results; true when empty).
    fn all(&mut self, flags: &[Value]) -> Value {
        match flags.split_first() {
            None => self.b.ins().iconst(I8, 1),
            Some((&first, rest)) => rest
                .iter()
                .fold(first, |all, &flag| self.b.ins().band(all, flag)),
        }
    }
}
