//! Executable memory: links the compiled functions of one program into a single buffer,
//! patches the calls between them, and maps it W^X: the pages are written while they are
//! read+write and only then switched to read+execute (memmap2's `make_exec`, an `mprotect`);
//! they are never writable and executable at once, and never writable again.
//!
//! x86_64 keeps instruction fetch coherent with data writes, so no instruction-cache flush is
//! needed after the copy; other hosts are refused before any code is generated.

use memmap2::{Mmap, MmapMut};

use super::runtime::RunContext;
use super::JitError;

/// The native code of one function, not yet placed.
#[derive(Debug)]
pub(crate) struct FunctionCode {
    /// The slot where the BPF function starts, for diagnostics.
    pub function_start: usize,
    pub bytes: Vec<u8>,
    /// The alignment the code needs, in bytes.
    pub alignment: u32,
    pub relocs: Vec<Reloc>,
}

/// A place in a function's code to patch once every function has an address.
#[derive(Debug)]
pub(crate) struct Reloc {
    /// Offset of the patched bytes from the start of the function.
    pub offset: u32,
    pub kind: RelocKind,
    pub target: RelocTarget,
    pub addend: i64,
}

/// The relocation forms the linker handles.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RelocKind {
    /// A 32-bit PC-relative displacement (x86_64 `call rel32` and RIP-relative operands).
    PcRel4,
    /// A 64-bit absolute address.
    Abs8,
}

/// What a relocation points to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RelocTarget {
    /// The start of the function with this index.
    Function(usize),
    /// An offset inside the relocated function itself.
    Local(u32),
}

/// The entry of a compiled program: `fn(ctx, fp, r1, r2, r3, r4, r5) -> r0` in the host's C
/// calling convention (Cranelift's `default_call_conv`).
type EntryFn = unsafe extern "C" fn(*mut RunContext, u64, u64, u64, u64, u64, u64) -> u64;

/// A program's code, mapped read+execute. Immutable, so `Send + Sync`.
#[derive(Debug)]
pub(crate) struct Code {
    map: Mmap,
    /// The offset of function 0, the program's entry.
    entry: usize,
}

impl Code {
    /// Places `functions` one after another (function 0 is the entry), patches their
    /// relocations and maps the result read+execute.
    pub(crate) fn link(functions: &[FunctionCode]) -> Result<Code, JitError> {
        let mut offsets = Vec::with_capacity(functions.len());
        let mut total = 0usize;
        for function in functions {
            let align = (function.alignment as usize).max(16);
            total = total.next_multiple_of(align);
            offsets.push(total);
            total += function.bytes.len();
        }
        let memory_error = |error: std::io::Error| JitError::CodeMemory {
            message: error.to_string(),
        };
        let mut map = MmapMut::map_anon(total.max(1)).map_err(memory_error)?;
        let base = map.as_ptr() as u64;
        for (function, &start) in functions.iter().zip(&offsets) {
            map[start..start + function.bytes.len()].copy_from_slice(&function.bytes);
            for reloc in &function.relocs {
                let bad = |what: String| JitError::Relocation {
                    function_start: function.function_start,
                    what,
                };
                let site = start + reloc.offset as usize;
                let target = match reloc.target {
                    RelocTarget::Function(idx) => *offsets
                        .get(idx)
                        .ok_or_else(|| bad(format!("call to unknown function {idx}")))?,
                    RelocTarget::Local(offset) => start + offset as usize,
                };
                match reloc.kind {
                    RelocKind::PcRel4 => {
                        let displacement = target as i64 + reloc.addend - site as i64;
                        let displacement = i32::try_from(displacement)
                            .map_err(|_| bad(format!("displacement {displacement} overflows")))?;
                        let bytes = map
                            .get_mut(site..site + 4)
                            .ok_or_else(|| bad(format!("site {site} is outside the code")))?;
                        bytes.copy_from_slice(&displacement.to_le_bytes());
                    }
                    RelocKind::Abs8 => {
                        let address = (base + target as u64).wrapping_add(reloc.addend as u64);
                        let bytes = map
                            .get_mut(site..site + 8)
                            .ok_or_else(|| bad(format!("site {site} is outside the code")))?;
                        bytes.copy_from_slice(&address.to_le_bytes());
                    }
                }
            }
        }
        // From here on the pages are read+execute and nothing can write them.
        let map = map.make_exec().map_err(memory_error)?;
        Ok(Code { map, entry: 0 })
    }

    /// The size of the code in bytes.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Calls the program's entry with `r10 = fp` and `r1`-`r5 = args`; returns `r0`.
    ///
    /// # Safety
    ///
    /// `ctx` must point to a [`RunContext`] prepared by `runtime::run` for the program this
    /// code was compiled from, live and not otherwise accessed for the whole call, and `fp`
    /// must be its stack top. Unless the program was compiled in checked mode, the caller
    /// must also guarantee that every memory access the program makes stays inside the stack
    /// and the regions recorded in the context's run state (the contract of
    /// `JitProgram::compile_unverified`).
    pub(crate) unsafe fn call(&self, ctx: *mut RunContext, fp: u64, args: [u64; 5]) -> u64 {
        let entry = self.map.as_ptr().wrapping_add(self.entry);
        // SAFETY: `entry` is the first byte of function 0, which Cranelift compiled with the
        // signature `(i64 ctx, i64 fp, i64 r1..r5) -> i64` in the host's default calling
        // convention, which on this (x86_64) host is the C ABI `EntryFn` names; the mapping
        // is read+execute and lives as long as `self`, which outlives the call.
        let entry = unsafe { std::mem::transmute::<*const u8, EntryFn>(entry) };
        let [r1, r2, r3, r4, r5] = args;
        // SAFETY: the compiled code only reads and writes the context, the stack and the
        // regions (checked mode: proven by its inline checks and `Memory`; unchecked mode:
        // the caller's guarantee above), calls only its own functions and the runtime's
        // trampolines, and bounds its native call depth by the stack frames; `ctx` is valid
        // for the whole call per this function's contract.
        unsafe { entry(ctx, fp, r1, r2, r3, r4, r5) }
    }
}
