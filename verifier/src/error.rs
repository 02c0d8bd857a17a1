//! Why a program was rejected: the rule broken (a typed kind), the instruction, the facts
//! involved, the path from entry that reaches it, and a one-line suggestion.
//!
//! Errors are plain data; [`std::fmt::Display`] renders a readable multi-line diagnostic, and
//! the CLI renders JSON from the public fields.

use std::fmt;

/// A rejection. See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    /// The rule broken.
    pub kind: VerifyErrorKind,
    /// The slot of the instruction at fault.
    pub insn_idx: usize,
    /// Its disassembly (clang syntax), empty when there is no instruction (empty program).
    pub insn_text: String,
    /// The register and stack facts involved, one per line.
    pub facts: Vec<String>,
    /// The branches taken on the way from entry to the instruction, in order.
    pub path: Vec<PathStep>,
    /// What to do about it, in one line.
    pub suggestion: String,
}

/// One conditional branch on a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PathStep {
    /// The slot of the branch instruction.
    pub insn_idx: usize,
    /// Whether the jump was taken.
    pub taken: bool,
}

/// The rules a program can break; one variant per rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum VerifyErrorKind {
    /// The program has no instructions.
    EmptyProgram,
    /// The program type cannot be checked against: its context layout is malformed.
    BadProgramType { reason: String },
    /// An instruction that no engine may run (a register number out of range, an lddw tail
    /// on its own, a missing lddw tail).
    InvalidInstruction,
    /// A jump or call lands outside the program.
    JumpOutOfRange { target: i64 },
    /// A jump lands on the second slot of an lddw.
    JumpIntoLddw { target: usize },
    /// A jump leaves the function it is in.
    JumpOutOfFunction { target: usize },
    /// Execution can run off the end of a function.
    FallThrough,
    /// A local call targets something that is not a function start.
    BadCallTarget { target: i64 },
    /// The call graph has a cycle (the function starts along it).
    Recursion { cycle: Vec<usize> },
    /// A call chain is deeper than the frame limit.
    TooManyFrames { depth: usize },
    /// A loop with more than one entry.
    IrreducibleLoop { header: usize },
    /// A loop the verifier cannot bound: its header and one back edge's source.
    UnboundedLoop { header: usize, latch: usize },
    /// The worst-case instruction count exceeds the configured limit.
    TooManyInsns { worst_case: u64 },
    /// The analysis exceeded its own limits (program too large or too complex).
    TooComplex,
    /// A register read before it is written.
    UninitRegister { reg: u8 },
    /// A stack byte read before it is written.
    UninitStack,
    /// An access outside its region.
    OutOfBounds,
    /// A memory access through something that is not a pointer.
    NotAPointer { reg: u8 },
    /// An access through a pointer that may be null.
    NullPointer { reg: u8 },
    /// A store to read-only memory, or an access the region does not allow.
    Permission,
    /// An atomic access whose address is not proven a multiple of its size.
    MisalignedAtomic { size: u8 },
    /// A context access that is not within one field, or not of the field's form.
    BadContextAccess,
    /// A pointer stored where the host can read it, returned, or turned into a number.
    PointerLeak,
    /// Pointer arithmetic other than adding or subtracting a bounded scalar.
    PointerArithmetic,
    /// A comparison of a pointer with a scalar (other than a null check) or with a pointer
    /// into another region.
    PointerComparison,
    /// A value that is a pointer on one path and a number on another, used.
    MixedValue { reg: u8 },
    /// A write to `r10`.
    FramePointerWrite,
    /// A call of a helper the program type does not offer.
    UnknownHelper { id: i64 },
    /// `callx` with a register not proven to hold a registered helper number.
    CallxNotConstant { reg: u8 },
    /// A helper argument of the wrong kind or size.
    HelperArgument { arg: u8 },
    /// A reference to a map that was not declared.
    UnknownMap { index: i64 },
    /// `r0` at exit is not within the program type's return range.
    ReturnRange,
}

impl VerifyErrorKind {
    /// The variant's name, without fields (`OutOfBounds`).
    pub fn name(&self) -> &'static str {
        use VerifyErrorKind::*;
        match self {
            EmptyProgram => "EmptyProgram",
            BadProgramType { .. } => "BadProgramType",
            InvalidInstruction => "InvalidInstruction",
            JumpOutOfRange { .. } => "JumpOutOfRange",
            JumpIntoLddw { .. } => "JumpIntoLddw",
            JumpOutOfFunction { .. } => "JumpOutOfFunction",
            FallThrough => "FallThrough",
            BadCallTarget { .. } => "BadCallTarget",
            Recursion { .. } => "Recursion",
            TooManyFrames { .. } => "TooManyFrames",
            IrreducibleLoop { .. } => "IrreducibleLoop",
            UnboundedLoop { .. } => "UnboundedLoop",
            TooManyInsns { .. } => "TooManyInsns",
            TooComplex => "TooComplex",
            UninitRegister { .. } => "UninitRegister",
            UninitStack => "UninitStack",
            OutOfBounds => "OutOfBounds",
            NotAPointer { .. } => "NotAPointer",
            NullPointer { .. } => "NullPointer",
            Permission => "Permission",
            MisalignedAtomic { .. } => "MisalignedAtomic",
            BadContextAccess => "BadContextAccess",
            PointerLeak => "PointerLeak",
            PointerArithmetic => "PointerArithmetic",
            PointerComparison => "PointerComparison",
            MixedValue { .. } => "MixedValue",
            FramePointerWrite => "FramePointerWrite",
            UnknownHelper { .. } => "UnknownHelper",
            CallxNotConstant { .. } => "CallxNotConstant",
            HelperArgument { .. } => "HelperArgument",
            UnknownMap { .. } => "UnknownMap",
            ReturnRange => "ReturnRange",
        }
    }

    /// What the rule says, in words.
    pub fn message(&self) -> String {
        use VerifyErrorKind::*;
        match self {
            EmptyProgram => "the program has no instructions".into(),
            InvalidInstruction => "invalid instruction".into(),
            JumpOutOfRange { target } => format!("jump or call to slot {target}, outside the program"),
            JumpIntoLddw { target } => format!("jump to slot {target}, the second half of an lddw"),
            JumpOutOfFunction { target } => format!("jump to slot {target}, outside the current function"),
            FallThrough => "execution can fall off the end of the function".into(),
            BadCallTarget { target } => format!("local call to slot {target}, which is not a function start"),
            Recursion { cycle } => format!(
                "recursion: the call graph has the cycle {}",
                cycle.iter().map(|f| format!("f{f}")).collect::<Vec<_>>().join(" -> ")
            ),
            TooManyFrames { depth } => format!("call chain {depth} frames deep, more than the limit"),
            IrreducibleLoop { header } => format!(
                "irreducible control flow: the loop through slot {header} can be entered at more than one instruction"
            ),
            UnboundedLoop { header, latch } => format!(
                "cannot prove that the loop with header {header} (back edge from {latch}) terminates"
            ),
            TooManyInsns { worst_case } => format!("worst case of {worst_case} instructions executed exceeds the limit"),
            BadProgramType { reason } => format!("the program type is malformed: {reason}"),
            TooComplex => "the program exceeds the analysis limits".into(),
            UninitRegister { reg } => format!("r{reg} is read before it is written"),
            UninitStack => "stack bytes are read before they are written".into(),
            OutOfBounds => "memory access out of bounds".into(),
            NotAPointer { reg } => format!("r{reg} is used as a pointer but holds a number"),
            NullPointer { reg } => format!("r{reg} may be null here; check it against 0 first"),
            Permission => "access not permitted in this region".into(),
            MisalignedAtomic { size } => format!(
                "atomic access of {size} bytes at an offset not proven a multiple of {size}"
            ),
            BadContextAccess => "context access not within one field, or not of the field's form".into(),
            PointerLeak => "a pointer would become visible to the host or be turned into a number".into(),
            PointerArithmetic => "pointer arithmetic other than adding or subtracting a bounded scalar".into(),
            PointerComparison => "comparison of a pointer with a number or with a pointer into another region".into(),
            MixedValue { reg } => format!("r{reg} is a pointer on some paths and a number on others"),
            FramePointerWrite => "r10, the frame pointer, is read-only".into(),
            UnknownHelper { id } => format!("helper {id} is not offered by this program type"),
            CallxNotConstant { reg } => format!("callx r{reg}: r{reg} is not proven to hold a registered helper number"),
            HelperArgument { arg } => format!("argument r{arg} does not match the helper's signature"),
            UnknownMap { index } => format!("map {index} is not declared"),
            ReturnRange => "r0 at exit is not a number within the program type's return range".into(),
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error[{}]: {}", self.kind.name(), self.kind.message())?;
        if self.insn_text.is_empty() {
            writeln!(f, "  at slot {}", self.insn_idx)?;
        } else {
            writeln!(f, "  at slot {}: {}", self.insn_idx, self.insn_text)?;
        }
        for fact in &self.facts {
            writeln!(f, "  fact: {fact}")?;
        }
        if !self.path.is_empty() {
            let steps: Vec<String> = self
                .path
                .iter()
                .map(|s| {
                    format!(
                        "{} {}",
                        s.insn_idx,
                        if s.taken { "taken" } else { "not taken" }
                    )
                })
                .collect();
            writeln!(f, "  path: {}", steps.join(", "))?;
        }
        write!(f, "  help: {}", self.suggestion)
    }
}

impl std::error::Error for VerifyError {}

impl VerifyError {
    /// An error at slot `insn_idx` of `insns`, with no facts or path yet.
    pub(crate) fn at(
        insns: &[ringfence_isa::Insn],
        kind: VerifyErrorKind,
        insn_idx: usize,
        suggestion: &str,
    ) -> VerifyError {
        let insn_text = insns
            .get(insn_idx)
            .map(|insn| {
                ringfence_isa::disasm::format_insn(insn, insn_idx, ringfence_isa::Syntax::Clang)
            })
            .unwrap_or_default();
        VerifyError {
            kind,
            insn_idx,
            insn_text,
            facts: Vec::new(),
            path: Vec::new(),
            suggestion: suggestion.to_string(),
        }
    }

    /// Adds a fact.
    pub(crate) fn fact(mut self, fact: impl Into<String>) -> VerifyError {
        self.facts.push(fact.into());
        self
    }
}
