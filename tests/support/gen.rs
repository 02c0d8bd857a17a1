//! A seeded generator of BPF programs in assembly text, biased toward the edges the verifier
//! must get right: bounds checks off by one, signed versus unsigned tests, 32-bit tests of
//! 64-bit values, masks, spilled counters, loops with `<` and `!=` exits, stack reads before
//! writes, calls that clobber registers. Some programs it makes are safe and some are not;
//! the soundness harness only cares that whatever the verifier accepts runs without a fault.

/// A small deterministic random source (xorshift64*).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Immediates at the edges of 32- and 64-bit arithmetic.
const EDGES: &[i64] = &[
    0,
    1,
    2,
    3,
    7,
    8,
    15,
    16,
    31,
    32,
    63,
    64,
    255,
    -1,
    -8,
    0x7fff_ffff,
    -0x8000_0000,
];

/// A generated program: its assembly and the buffer length it expects.
#[derive(Clone, Debug)]
pub struct Generated {
    pub asm: String,
    pub mem_len: usize,
}

/// Which instructions a generated program may use besides those of the soundness harness.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Also signed division and modulo, sign-extending moves and loads, byte swaps,
    /// negation, 32-bit conditional jumps, `gotol`, and atomics on the stack and on the
    /// buffer (aligned or not): every instruction family, for the differential tests.
    pub extended: bool,
}

/// Generates one program for the `mem` program type (r1 = buffer, r2 = its length).
pub fn program(rng: &mut Rng) -> Generated {
    program_with(rng, Options::default())
}

/// Like [`program`], with `options`; with the default options it draws exactly what
/// [`program`] draws, so that seeded streams stay the same.
pub fn program_with(rng: &mut Rng, options: Options) -> Generated {
    let mem_len = *rng.pick(&[8usize, 16, 20, 32, 64]);
    let mut g = Gen {
        rng,
        lines: Vec::new(),
        labels: 0,
        mem_len,
        has_sub: false,
        options,
    };
    g.emit("r0 = 0");
    // r9 keeps the buffer pointer for the whole program (calls clobber r1-r5).
    g.emit("r9 = r1");
    // Scratch registers start as scalars.
    for r in 3..=8 {
        if g.rng.chance(85) {
            let v = g.imm();
            g.emit(&format!("r{r} = {v}"));
        }
    }
    let n_blocks = 1 + g.rng.below(6);
    for _ in 0..n_blocks {
        g.block(0);
    }
    if g.rng.chance(90) {
        g.emit("r0 = r6");
    }
    g.emit("exit");
    if g.has_sub {
        g.lines.push("sub:".into());
        g.lines.push("    r0 = r1".into());
        g.lines.push("    r0 += r2".into());
        g.lines.push("    r1 = 0".into());
        g.lines.push("    exit".into());
    }
    Generated {
        asm: g.lines.join("\n") + "\n",
        mem_len,
    }
}

struct Gen<'a> {
    rng: &'a mut Rng,
    lines: Vec<String>,
    labels: usize,
    mem_len: usize,
    has_sub: bool,
    options: Options,
}

impl Gen<'_> {
    fn emit(&mut self, line: &str) {
        self.lines.push(format!("    {line}"));
    }

    fn label(&mut self) -> String {
        self.labels += 1;
        format!("l{}", self.labels)
    }

    fn imm(&mut self) -> i64 {
        if self.rng.chance(70) {
            *self.rng.pick(EDGES)
        } else {
            self.rng.below(100) as i64
        }
    }

    /// A scratch register, r3 to r8.
    fn reg(&mut self) -> u64 {
        3 + self.rng.below(6)
    }

    fn size(&mut self) -> (&'static str, usize) {
        *self
            .rng
            .pick(&[("u8", 1), ("u16", 2), ("u32", 4), ("u64", 8)])
    }

    fn block(&mut self, depth: u32) {
        if self.options.extended && self.rng.chance(40) {
            return self.extended(depth);
        }
        match self.rng.below(if depth > 0 { 8 } else { 10 }) {
            0 | 1 => self.alu(),
            2 => self.checked_load(),
            3 => self.masked_access(),
            4 => self.stack_access(),
            5 => self.branchy(depth),
            6 => self.fixed_access(),
            7 => self.call(),
            _ => self.counted_loop(depth),
        }
    }

    /// One of the instruction families only [`Options::extended`] programs use.
    fn extended(&mut self, depth: u32) {
        let dst = self.reg();
        let src = self.reg();
        match self.rng.below(8) {
            0 => {
                let op = *self.rng.pick(&["s/=", "s%="]);
                let w = if self.rng.chance(70) { "r" } else { "w" };
                if self.rng.chance(50) {
                    let v = self.imm();
                    self.emit(&format!("{w}{dst} {op} {v}"));
                } else {
                    self.emit(&format!("{w}{dst} {op} {w}{src}"));
                }
            }
            1 => {
                let line = match self.rng.below(5) {
                    0 => format!("r{dst} = (s8)r{src}"),
                    1 => format!("r{dst} = (s16)r{src}"),
                    2 => format!("r{dst} = (s32)r{src}"),
                    3 => format!("w{dst} = (s8)w{src}"),
                    _ => format!("w{dst} = (s16)w{src}"),
                };
                self.emit(&line);
            }
            2 => {
                let (ty, size) = *self.rng.pick(&[("s8", 1usize), ("s16", 2), ("s32", 4)]);
                let off = self.rng.below((self.mem_len - size + 1) as u64);
                self.emit(&format!("r{dst} = *({ty} *)(r9 + {off})"));
            }
            3 => {
                let line = match self.rng.below(11) {
                    0 => format!("r{dst} = -r{dst}"),
                    1 => format!("w{dst} = -w{dst}"),
                    n => {
                        let op = ["bswap", "be", "le"][(n as usize - 2) / 3];
                        let bits = [16, 32, 64][(n as usize - 2) % 3];
                        format!("r{dst} = {op}{bits} r{dst}")
                    }
                };
                self.emit(&line);
            }
            4 => {
                let skip = self.label();
                let cond = *self.rng.pick(&[
                    "==", "!=", ">", ">=", "<", "<=", "s>", "s>=", "s<", "s<=", "&",
                ]);
                if self.rng.chance(50) {
                    let v = self.imm();
                    self.emit(&format!("if w{dst} {cond} {v} goto {skip}"));
                } else {
                    self.emit(&format!("if w{dst} {cond} w{src} goto {skip}"));
                }
                self.block(depth + 1);
                self.lines.push(format!("{skip}:"));
            }
            5 => {
                let (taken, over) = (self.label(), self.label());
                self.emit(&format!("if r{dst} > 5 goto {taken}"));
                self.emit(&format!("gotol {over}"));
                self.lines.push(format!("{taken}:"));
                self.alu();
                self.lines.push(format!("{over}:"));
            }
            6 => {
                // An atomic on an initialised stack slot.
                self.emit(&format!("*(u64 *)(r10 - 64) = r{dst}"));
                self.atomic("r10 - 64", src);
                self.emit(&format!("r{dst} = *(u64 *)(r10 - 64)"));
            }
            _ => {
                // An atomic on the buffer, sometimes unaligned.
                let max = self.mem_len as u64 - 8;
                let off = if self.rng.chance(70) {
                    8 * self.rng.below(max / 8 + 1)
                } else {
                    self.rng.below(max + 1)
                };
                self.atomic(&format!("r9 + {off}"), src);
            }
        }
    }

    /// A random atomic instruction on `[at]` with operand register `src`.
    fn atomic(&mut self, at: &str, src: u64) {
        let wide = self.rng.chance(50);
        let (ty, r) = if wide { ("u64", "r") } else { ("u32", "w") };
        let line = match self.rng.below(6) {
            0 => {
                let op = *self.rng.pick(&["+=", "|=", "&=", "^="]);
                format!("lock *({ty} *)({at}) {op} {r}{src}")
            }
            1 | 2 => {
                let op = *self.rng.pick(&["add", "or", "and", "xor"]);
                format!("{r}{src} = atomic_fetch_{op}(({ty} *)({at}), {r}{src})")
            }
            3 if wide => format!("r{src} = xchg_64({at}, r{src})"),
            3 => format!("w{src} = xchg32_32({at}, w{src})"),
            _ if wide => format!("r0 = cmpxchg_64({at}, r0, r{src})"),
            _ => format!("w0 = cmpxchg32_32({at}, w0, w{src})"),
        };
        self.emit(&line);
    }

    fn alu(&mut self) {
        let ops = [
            "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "<<=", ">>=", "s>>=", "=",
        ];
        let op = *self.rng.pick(&ops);
        let dst = self.reg();
        let wide = if self.rng.chance(75) { "r" } else { "w" };
        if self.rng.chance(60) {
            let v = self.imm();
            self.emit(&format!("{wide}{dst} {op} {v}"));
        } else {
            let src = self.reg();
            self.emit(&format!("{wide}{dst} {op} {wide}{src}"));
        }
    }

    /// `if idx <cmp> bound goto skip; load buf[idx]`, the bound sometimes one too far.
    fn checked_load(&mut self) {
        let (ty, size) = self.size();
        let idx = self.reg();
        let skip = self.label();
        let slack = *self.rng.pick(&[0i64, 0, 0, 1, -1]);
        let bound = self.mem_len as i64 - size as i64 + slack;
        let cmp = *self.rng.pick(&["s>", ">", ">=", "s>="]);
        let bound = if cmp.ends_with('=') { bound + 1 } else { bound };
        let w = if self.rng.chance(20) { "w" } else { "r" };
        self.emit(&format!("if {w}{idx} {cmp} {bound} goto {skip}"));
        if cmp.starts_with('s') || self.rng.chance(10) {
            // A signed test alone lets negative indexes through.
            if self.rng.chance(50) {
                self.emit(&format!("if r{idx} s< 0 goto {skip}"));
            }
        }
        self.emit("r2 = r9");
        self.emit(&format!("r2 += r{idx}"));
        let dst = self.reg();
        self.emit(&format!("r{dst} = *({ty} *)(r2 + 0)"));
        self.lines.push(format!("{skip}:"));
        self.emit("r2 = 0");
    }

    /// `idx &= mask; access buf[idx + off]`.
    fn masked_access(&mut self) {
        let (ty, size) = self.size();
        let idx = self.reg();
        let mask = *self.rng.pick(&[3i64, 7, 15, 31, 63]);
        let off = *self.rng.pick(&[0i64, 0, 1, 4, 8]);
        self.emit(&format!("r{idx} &= {mask}"));
        self.emit("r2 = r9");
        self.emit(&format!("r2 += r{idx}"));
        let _ = size;
        if self.rng.chance(50) {
            let src = self.reg();
            self.emit(&format!("*({ty} *)(r2 + {off}) = r{src}"));
        } else {
            let dst = self.reg();
            self.emit(&format!("r{dst} = *({ty} *)(r2 + {off})"));
        }
        self.emit("r2 = 0");
    }

    fn fixed_access(&mut self) {
        let (ty, size) = self.size();
        let max = self.mem_len as i64 - size as i64;
        let off = *self.rng.pick(&[0, max, max + 1, max / 2, -1]);
        let dst = self.reg();
        let sign = if off < 0 { "-" } else { "+" };
        self.emit(&format!("r{dst} = *({ty} *)(r9 {sign} {})", off.abs()));
    }

    /// Spills and fills, sometimes reading a slot never written.
    fn stack_access(&mut self) {
        let slot = 8 * (1 + self.rng.below(6) as i64);
        let src = self.reg();
        if self.rng.chance(80) {
            self.emit(&format!("*(u64 *)(r10 - {slot}) = r{src}"));
        }
        let read = if self.rng.chance(85) {
            slot
        } else {
            8 * (1 + self.rng.below(8) as i64)
        };
        let dst = self.reg();
        let (ty, _) = self.size();
        self.emit(&format!("r{dst} = *({ty} *)(r10 - {read})"));
    }

    fn branchy(&mut self, depth: u32) {
        let skip = self.label();
        let r = self.reg();
        let cond = *self
            .rng
            .pick(&["==", "!=", ">", ">=", "<", "<=", "s>", "s<", "&"]);
        let v = self.imm();
        self.emit(&format!("if r{r} {cond} {v} goto {skip}"));
        self.block(depth + 1);
        self.lines.push(format!("{skip}:"));
    }

    fn call(&mut self) {
        if self.rng.chance(50) {
            self.has_sub = true;
            self.emit("r1 = 3");
            self.emit("r2 = 4");
            self.emit("call sub");
            self.emit("r6 = r0");
        } else {
            // Helper 5 of the conformance suite returns its argument (and unwinds on 0).
            self.emit("r1 = 1");
            self.emit("call 5");
        }
        // r1 to r5 are now unreadable: usually re-initialise the scratch ones, sometimes
        // not, and a program that then reads one must be refused.
        if self.rng.chance(90) {
            for r in 3..=5 {
                self.emit(&format!("r{r} = {r}"));
            }
        }
    }

    /// A counted loop, with `<` or `!=` exit, in a register or spilled to the stack.
    fn counted_loop(&mut self, depth: u32) {
        let head = self.label();
        let out = self.label();
        let counter = 6 + self.rng.below(3);
        let bound = *self.rng.pick(&[1i64, 4, 16, 100, 1000]);
        let step = *self.rng.pick(&[1i64, 1, 1, 2, 3]);
        let spilled = self.rng.chance(25);
        self.emit(&format!("r{counter} = 0"));
        self.lines.push(format!("{head}:"));
        if spilled {
            self.emit(&format!("*(u64 *)(r10 - 56) = r{counter}"));
        }
        self.block(depth + 1);
        if spilled {
            self.emit(&format!("r{counter} = *(u64 *)(r10 - 56)"));
        }
        self.emit(&format!("r{counter} += {step}"));
        let exit = if step == 1 && self.rng.chance(50) {
            "=="
        } else {
            ">="
        };
        self.emit(&format!("if r{counter} {exit} {bound} goto {out}"));
        self.emit(&format!("goto {head}"));
        self.lines.push(format!("{out}:"));
    }
}
