//! The assembler: text in the clang / llvm-objdump syntax or the bpf_conformance syntax (both
//! accepted, line by line) to instructions, by matching each line against the table's
//! templates.
//!
//! A line holds statements separated by `;` (as in llvm-mc), each an optional `label:` and an
//! optional instruction. Comments start with `#` or `//`. Directives (`.text`, `.globl f`,
//! ...) are skipped. Jump targets and local call targets may be labels; jumps may also be
//! relative (`goto +3`). As in the bpf_conformance assembler, a target named `exit` that no
//! label defines means the first `exit` instruction.

use std::collections::BTreeMap;
use std::fmt;

use crate::insn::{Insn, N_REGS};
use crate::table::Semantics;
use crate::text::{lex, parse_register, patterns, Hole, Pattern, Piece, Tok, Token};

/// An assembled program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assembled {
    /// One instruction per slot (see [`Insn`]).
    pub insns: Vec<Insn>,
    /// For each slot, the 1-based source line it came from.
    pub lines: Vec<usize>,
    /// Labels and the slot they name.
    pub labels: BTreeMap<String, usize>,
}

/// An assembly error, with the place and what was expected there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct AsmError {
    /// The file name given to [`assemble`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in bytes).
    pub column: usize,
    /// Width of the faulty span, at least 1.
    pub len: usize,
    /// What went wrong.
    pub message: String,
    /// The text of the line.
    pub source_line: String,
}

impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl AsmError {
    /// The error with the source line and a caret under the fault, as a compiler prints it.
    pub fn render(&self) -> String {
        let gutter = self.line.to_string().len();
        let pad = " ".repeat(gutter);
        let line = self.source_line.replace('\t', " ");
        let caret = format!(
            "{}{}",
            " ".repeat(self.column - 1),
            "^".repeat(self.len.max(1))
        );
        format!(
            "error: {}\n{pad}--> {}:{}:{}\n{pad} |\n{} | {line}\n{pad} | {caret}\n",
            self.message, self.file, self.line, self.column, self.line
        )
    }
}

/// Assembles `source`; `file` names it in errors.
pub fn assemble(file: &str, source: &str) -> Result<Assembled, AsmError> {
    let mut out = Assembled::default();
    // Jumps and calls to labels, patched once every label is known: (slot, label, column).
    let mut fixups: Vec<(usize, String, usize, usize)> = Vec::new();
    for (line_no, raw_line) in source.lines().enumerate() {
        let line_no = line_no + 1;
        let err = |col: usize, len: usize, message: String| AsmError {
            file: file.to_string(),
            line: line_no,
            column: col + 1,
            len,
            message,
            source_line: raw_line.to_string(),
        };
        let code = strip_comment(raw_line);
        let line_tokens = lex(code).map_err(|e| err(e.col, e.len, e.message))?;
        // `;` separates statements, as in llvm-mc.
        for statement in line_tokens.split(|t| t.tok == Tok::Punct(";")) {
            let mut tokens = statement.to_vec();
            // Leading labels.
            while let [Token {
                tok: Tok::Ident(name),
                col,
                len,
            }, Token {
                tok: Tok::Punct(":"),
                ..
            }, ..] = tokens[..]
            {
                if parse_register(name).is_some_and(|(n, _)| n <= 10) {
                    return Err(err(
                        col,
                        len,
                        format!("`{name}` is a register and cannot be a label"),
                    ));
                }
                if out
                    .labels
                    .insert(name.to_string(), out.insns.len())
                    .is_some()
                {
                    return Err(err(col, len, format!("label `{name}` is defined twice")));
                }
                tokens.drain(..2);
            }
            if tokens.is_empty() || is_directive(&tokens) {
                continue;
            }
            let matched = match_line(&tokens).map_err(|m| {
                let (col, len) = match tokens.get(m.at) {
                    Some(t) => (t.col, t.len),
                    None => (statement.last().map_or(0, |t| t.col + t.len), 1),
                };
                err(col, len, m.message)
            })?;
            let slot = out.insns.len();
            if let Some((label, at)) = matched.label {
                let t = tokens[at];
                fixups.push((slot, label.to_string(), t.col, line_no));
            }
            let insn = matched.insn;
            out.insns.push(insn);
            out.lines.push(line_no);
            if insn.n_slots() == 2 {
                out.insns.push(Insn::lddw_tail_of(insn));
                out.lines.push(line_no);
            }
        }
    }
    if !out.labels.contains_key("exit") {
        if let Some(first_exit) = out.insns.iter().position(|i| i.op == crate::Op::Exit) {
            out.labels.insert("exit".to_string(), first_exit);
        }
    }
    for (slot, label, col, line_no) in fixups {
        let raw_line = source.lines().nth(line_no - 1).unwrap_or_default();
        let err = |message: String| AsmError {
            file: file.to_string(),
            line: line_no,
            column: col + 1,
            len: label.len(),
            message,
            source_line: raw_line.to_string(),
        };
        let Some(&target) = out.labels.get(&label) else {
            let known: Vec<&str> = out.labels.keys().map(String::as_str).collect();
            let hint = if known.is_empty() {
                "no labels are defined".to_string()
            } else {
                format!("defined labels: {}", known.join(", "))
            };
            return Err(err(format!("no label named `{label}` ({hint})")));
        };
        let rel = target as i64 - slot as i64 - 1;
        let insn = &mut out.insns[slot];
        let fits = match insn.semantics() {
            Semantics::Goto { long: false } | Semantics::Branch { .. } => {
                insn.off = rel as i16;
                i16::try_from(rel).is_ok()
            }
            _ => {
                insn.imm = rel;
                i32::try_from(rel).is_ok()
            }
        };
        if !fits {
            return Err(err(format!(
                "label `{label}` is {rel} slots away, too far for this jump's offset field \
                 (use `gotol` for long jumps)"
            )));
        }
    }
    if out.insns.is_empty() {
        return Err(AsmError {
            file: file.to_string(),
            line: source.lines().count().max(1),
            column: 1,
            len: 1,
            message: "the file holds no instructions: a program needs at least `exit`".into(),
            source_line: String::new(),
        });
    }
    Ok(out)
}

/// Removes a trailing comment (`#` or `//`).
fn strip_comment(line: &str) -> &str {
    let mut end = line.len();
    for marker in ["#", "//"] {
        if let Some(i) = line.find(marker) {
            end = end.min(i);
        }
    }
    &line[..end]
}

fn is_directive(tokens: &[Token<'_>]) -> bool {
    matches!(tokens.first(), Some(Token { tok: Tok::Ident(name), .. }) if name.starts_with('.'))
}

/// A successful match of one line.
struct Matched<'a> {
    insn: Insn,
    /// A label operand still to resolve, and the index of its token.
    label: Option<(&'a str, usize)>,
}

/// A failed match: how far it got and what it wanted there.
struct Mismatch {
    at: usize,
    message: String,
}

/// Matches tokens against every pattern; on failure, reports the pattern that got furthest.
fn match_line<'a>(tokens: &[Token<'a>]) -> Result<Matched<'a>, Mismatch> {
    // How far the furthest patterns got, and what each of them wanted there (described only
    // if the line fails).
    let mut best_at = 0;
    let mut wanted: Vec<Expected<'static>> = Vec::new();
    for pattern in patterns() {
        match match_pattern(pattern, tokens) {
            Ok(m) => return Ok(m),
            Err(PatternError::Hard(m)) => return Err(m),
            Err(PatternError::Soft { at, expected }) => {
                if at > best_at {
                    best_at = at;
                    wanted.clear();
                }
                if at == best_at {
                    wanted.push(expected);
                }
            }
        }
    }
    let message = if best_at == 0 {
        let got = describe_token(tokens.first());
        format!(
            "unknown instruction {got}: expected an instruction such as `r0 = 1` or `mov %r0, 1`"
        )
    } else {
        let mut expected: Vec<String> = Vec::new();
        for what in wanted {
            let what = what.describe();
            if !expected.contains(&what) {
                expected.push(what);
            }
        }
        expected.truncate(6);
        format!(
            "expected {}, found {}",
            expected.join(" or "),
            describe_token(tokens.get(best_at))
        )
    };
    Err(Mismatch {
        at: best_at,
        message,
    })
}

fn describe_token(token: Option<&Token<'_>>) -> String {
    match token.map(|t| t.tok) {
        None => "the end of the line".into(),
        Some(Tok::Ident(s)) => format!("`{s}`"),
        Some(Tok::Num(n)) => format!("`{n}`"),
        Some(Tok::Punct(p)) => format!("`{p}`"),
    }
}

enum PatternError {
    /// The line does not have this shape; `at` is how far it matched.
    Soft {
        at: usize,
        expected: Expected<'static>,
    },
    /// The line has this shape but an operand is invalid: report it, try nothing else.
    Hard(Mismatch),
}

/// What a pattern wanted where it stopped matching; described only if it is reported, since
/// nearly every line fails to match nearly every pattern.
enum Expected<'p> {
    Piece(&'p Piece, crate::Syntax),
    Text(String),
    EndOfLine,
}

impl Expected<'_> {
    fn describe(self) -> String {
        match self {
            Expected::Piece(piece, syntax) => describe_piece(piece, syntax),
            Expected::Text(text) => text,
            Expected::EndOfLine => "the end of the line".into(),
        }
    }
}

fn describe_piece(piece: &Piece, syntax: crate::Syntax) -> String {
    match piece {
        Piece::Literal(Tok::Ident(s)) | Piece::Literal(Tok::Punct(s)) => format!("`{s}`"),
        Piece::Literal(Tok::Num(n)) => format!("`{n}`"),
        Piece::Hole(h) => h.describe(syntax).to_string(),
    }
}

fn match_pattern<'a>(
    pattern: &'static Pattern,
    tokens: &[Token<'a>],
) -> Result<Matched<'a>, PatternError> {
    let mut insn = Insn::new(pattern.info.op);
    let mut label = None;
    let mut deferred: Option<Mismatch> = None;
    let mut seen_dst = false;
    let mut seen_src = false;
    let mut lo: u64 = 0;
    let mut hi: u64 = 0;
    let mut at = 0;
    for piece in &pattern.pieces {
        let soft = |at: usize| PatternError::Soft {
            at,
            expected: Expected::Piece(piece, pattern.syntax),
        };
        // An operand of the right shape but out of range fails the line only if the rest of
        // the line matches this pattern too.
        let mut hard = |at: usize, message: String| {
            deferred.get_or_insert(Mismatch { at, message });
        };
        match piece {
            Piece::Literal(lit) => {
                if tokens.get(at).map(|t| t.tok) != Some(*lit) {
                    return Err(soft(at));
                }
                at += 1;
            }
            Piece::Hole(hole @ (Hole::Dst | Hole::Src | Hole::WDst | Hole::WSrc)) => {
                let Some(Tok::Ident(name)) = tokens.get(at).map(|t| t.tok) else {
                    return Err(soft(at));
                };
                let Some((n, w32)) = parse_register(name) else {
                    return Err(soft(at));
                };
                let conformance_name = name.starts_with('%');
                let wants_w32 = matches!(hole, Hole::WDst | Hole::WSrc);
                let syntax_ok = match pattern.syntax {
                    crate::Syntax::Clang => !conformance_name && w32 == wants_w32,
                    crate::Syntax::Conformance => conformance_name,
                };
                if !syntax_ok {
                    return Err(soft(at));
                }
                if n as usize >= N_REGS {
                    hard(
                        at,
                        format!("`{name}` is not a register: registers are r0 to r10"),
                    );
                }
                let n = n as u8;
                match hole {
                    Hole::Dst | Hole::WDst if seen_dst => {
                        if insn.dst != n {
                            return Err(PatternError::Soft {
                                at,
                                expected: Expected::Text(format!(
                                    "the destination register again (r{})",
                                    insn.dst
                                )),
                            });
                        }
                    }
                    Hole::Dst | Hole::WDst => {
                        insn.dst = n;
                        seen_dst = true;
                    }
                    _ if seen_src => {
                        if insn.src != n {
                            return Err(PatternError::Soft {
                                at,
                                expected: Expected::Text(format!(
                                    "the source register again (r{})",
                                    insn.src
                                )),
                            });
                        }
                    }
                    _ => {
                        insn.src = n;
                        seen_src = true;
                    }
                }
                at += 1;
            }
            Piece::Hole(hole @ (Hole::Imm | Hole::Imm64 | Hole::Lo | Hole::Hi)) => {
                let (value, used) = signed_number(tokens, at).ok_or_else(|| soft(at))?;
                let (min, max) = if *hole == Hole::Imm64 {
                    (i64::MIN as i128, u64::MAX as i128)
                } else {
                    (i32::MIN as i128, u32::MAX as i128)
                };
                if value < min || value > max {
                    let bits = if *hole == Hole::Imm64 { 64 } else { 32 };
                    hard(
                        at,
                        format!(
                            "immediate {value} does not fit in {bits} bits: expected {min} to \
                             {max} (or {max:#x})"
                        ),
                    );
                }
                match hole {
                    Hole::Imm => insn.imm = value as i32 as i64,
                    Hole::Imm64 => insn.imm = value as i64,
                    Hole::Lo => lo = value as u32 as u64,
                    _ => hi = value as u32 as u64,
                }
                at += used;
            }
            Piece::Hole(Hole::Off) => match signed_number(tokens, at) {
                Some((value, used))
                    if at < tokens.len() && matches!(tokens[at].tok, Tok::Punct("+" | "-")) =>
                {
                    // As llvm-mc: a signed 16-bit offset, no wrapping of 0x8000..0xffff.
                    if i16::try_from(value).is_err() {
                        hard(
                            at,
                            format!(
                                "offset {value} does not fit in 16 bits: expected -32768 to 32767"
                            ),
                        );
                    }
                    insn.off = value as i16;
                    at += used;
                }
                // No sign: the offset is left out (`[%r1]`), which means zero.
                _ => insn.off = 0,
            },
            Piece::Hole(Hole::Target | Hole::Func) => match tokens.get(at).map(|t| t.tok) {
                Some(Tok::Ident(name)) if parse_register(name).is_none() => {
                    label = Some((name, at));
                    at += 1;
                }
                Some(Tok::Punct("+" | "-")) => {
                    let (value, used) = signed_number(tokens, at).ok_or_else(|| soft(at))?;
                    let long = !matches!(
                        pattern.info.semantics,
                        Semantics::Goto { long: false } | Semantics::Branch { .. }
                    );
                    let fits = if long {
                        i32::try_from(value).is_ok()
                    } else {
                        i16::try_from(value).is_ok()
                    };
                    if !fits {
                        let range = if long {
                            "a 32-bit offset, -2147483648 to 2147483647"
                        } else {
                            "a 16-bit offset, -32768 to 32767 (`gotol` takes 32 bits)"
                        };
                        hard(
                            at,
                            format!("jump offset {value:+} is out of range: expected {range}"),
                        );
                    }
                    if long {
                        insn.imm = value as i64;
                    } else {
                        insn.off = value as i16;
                    }
                    at += used;
                }
                _ => return Err(soft(at)),
            },
        }
    }
    if at != tokens.len() {
        return Err(PatternError::Soft {
            at,
            expected: Expected::EndOfLine,
        });
    }
    if let Some(mismatch) = deferred {
        return Err(PatternError::Hard(mismatch));
    }
    if pattern.pieces.contains(&Piece::Hole(Hole::Lo)) {
        insn.imm = (hi << 32 | lo) as i64;
    }
    Ok(Matched { insn, label })
}

/// Reads an optionally signed number at `at`: returns its value and the tokens it used.
fn signed_number(tokens: &[Token<'_>], at: usize) -> Option<(i128, usize)> {
    match (
        tokens.get(at).map(|t| t.tok),
        tokens.get(at + 1).map(|t| t.tok),
    ) {
        (Some(Tok::Num(n)), _) => Some((n as i128, 1)),
        (Some(Tok::Punct("-")), Some(Tok::Num(n))) => Some((-(n as i128), 2)),
        (Some(Tok::Punct("+")), Some(Tok::Num(n))) => Some((n as i128, 2)),
        _ => None,
    }
}
