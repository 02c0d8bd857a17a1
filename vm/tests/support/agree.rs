//! Runs one verified `mem` program in every engine on the same buffer and says whether they
//! agree with the checked interpreter (the oracle) on `r0` (or the error: its kind and
//! instruction) and on the buffer afterwards. Shared, by `#[path]`, between
//! `vm/tests/differential.rs` and the cargo-fuzz target `fuzz_targets/jit_vs_interp.rs`.

use ringfence_verifier::VerifiedProgram;
use ringfence_vm::jit::{JitConfig, JitProgram};
use ringfence_vm::{CheckedInterpreter, Config, FastInterpreter, FastRunError, Helpers, RunError};

/// What a run produced: `r0`, or the error as `instruction N: Kind`, and the buffer after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub result: Result<u64, String>,
    pub mem: Vec<u8>,
}

impl Outcome {
    pub fn new(result: Result<u64, RunError>, mem: Vec<u8>) -> Outcome {
        Outcome {
            result: result.map_err(|e| format!("instruction {}: {}", e.insn_idx, e.kind.name())),
            mem,
        }
    }
}

/// One verified program prepared in every engine.
#[derive(Debug)]
pub struct Engines {
    checked: CheckedInterpreter,
    fast: FastInterpreter,
    jit: JitProgram,
    jit_checked: JitProgram,
}

impl Engines {
    /// Prepares `verified` (a `mem` program) with `helpers`: the checked interpreter with a
    /// budget of exactly the verifier's worst case (so that the bound is checked too), the
    /// fast interpreter, the JIT from the `VerifiedProgram`, and the JIT's checked mode from
    /// the instructions. A compile error is an `Err` (the JIT must take every verified
    /// program).
    pub fn new(verified: &VerifiedProgram, helpers: &Helpers) -> Result<Engines, String> {
        let config = Config {
            max_insns: verified.worst_case_insns(),
            ..Config::default()
        };
        let jit = JitProgram::compile(verified, helpers, &JitConfig::default())
            .map_err(|e| format!("the JIT refused a verified program: {e}"))?;
        let jit_checked = JitProgram::compile_checked(
            verified.insns(),
            helpers,
            JitConfig {
                max_insns: verified.worst_case_insns(),
                ..JitConfig::default()
            },
        )
        .map_err(|e| format!("the checked JIT refused a verified program: {e}"))?;
        Ok(Engines {
            checked: CheckedInterpreter::new(verified.insns(), helpers, config),
            fast: FastInterpreter::new(verified, helpers),
            jit,
            jit_checked,
        })
    }

    /// Runs every engine on a copy of `mem`: the checked interpreter's outcome, or a
    /// description of the first engine that differs from it.
    pub fn agree(&self, mem: &[u8]) -> Result<Outcome, String> {
        let want = {
            let mut mem = mem.to_vec();
            let result = self.checked.run_mem(&mut mem);
            Outcome::new(result, mem)
        };
        let fast = {
            let mut mem = mem.to_vec();
            let result = self.fast.run_mem(&mut mem).map_err(|e| match e {
                FastRunError::Run(e) => e,
                other => panic!("the fast interpreter refused the verified buffer: {other}"),
            });
            Outcome::new(result, mem)
        };
        let jit = {
            let mut mem = mem.to_vec();
            let result = self.jit.run_mem(&mut mem);
            Outcome::new(result, mem)
        };
        let jit_checked = {
            let mut mem = mem.to_vec();
            let result = self.jit_checked.run_mem(&mut mem);
            Outcome::new(result, mem)
        };
        for (name, got) in [("fast", fast), ("jit", jit), ("jit-checked", jit_checked)] {
            if got != want {
                return Err(format!(
                    "on {mem:02x?}:\n  checked: {:?} {:02x?}\n  {name}: {:?} {:02x?}",
                    want.result, want.mem, got.result, got.mem
                ));
            }
        }
        Ok(want)
    }
}

/// The buffer length of the fuzz property's `mem` program type.
pub const FUZZ_MEM_LEN: usize = 64;

/// The fuzz property on one input: its bytes up to a multiple of 8 are instructions, the
/// rest the start of a [`FUZZ_MEM_LEN`]-byte buffer (zeros after it). `Ok(None)` when they
/// do not decode or the verifier refuses them; `Err` when the engines disagree (or the JIT
/// refuses a verified program).
pub fn check_input(input: &[u8]) -> Result<Option<Outcome>, String> {
    let (code, mem_init) = input.split_at(input.len() - input.len() % 8);
    let Ok(insns) = ringfence_isa::decode(code) else {
        return Ok(None);
    };
    let prog_type = ringfence_vm::conformance_program_type(FUZZ_MEM_LEN as u64);
    let config = ringfence_verifier::VerifierConfig::default();
    let Ok(verified) = ringfence_verifier::verify(&insns, &prog_type, &config) else {
        return Ok(None);
    };
    let engines = Engines::new(&verified, &Helpers::conformance())?;
    let mem: Vec<u8> = (0..FUZZ_MEM_LEN)
        .map(|i| mem_init.get(i).copied().unwrap_or(0))
        .collect();
    engines.agree(&mem).map(Some)
}
