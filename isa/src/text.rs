//! The pieces the assembler and the disassembler share: a lexer for assembly text and the
//! table's syntax templates, compiled into token patterns.

use crate::table::{OpInfo, TABLE};

/// A token of assembly text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok<'a> {
    /// A name: a register (`r1`, `w1`, `%r1`), a label, a mnemonic or a keyword (`ll`, `u32`).
    Ident(&'a str),
    /// An unsigned number: decimal, `0x` hexadecimal, `0b` binary or `0` octal.
    Num(u64),
    /// Punctuation or an operator (`+=`, `(`, `s` is an identifier, `>>=` one token).
    Punct(&'a str),
}

/// A token with its position: the byte column where it starts and its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub(crate) tok: Tok<'a>,
    pub(crate) col: usize,
    pub(crate) len: usize,
}

/// A lexing error: the column and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    pub(crate) col: usize,
    pub(crate) len: usize,
    pub(crate) message: String,
}

const PUNCTS: &[&str] = &[
    "<<=", ">>=", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "==", "!=", ">=", "<=", "<<",
    ">>", "=", "+", "-", "*", "/", "%", "|", "&", "^", "<", ">", "(", ")", "[", "]", ",", ":", ";",
];

/// Splits one line (comments already removed) into tokens.
pub(crate) fn lex(line: &str) -> Result<Vec<Token<'_>>, LexError> {
    let bytes = line.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let is_ident_start = |c: u8| c.is_ascii_alphabetic() || c == b'_' || c == b'.';
        let is_ident_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'.';
        if is_ident_start(c)
            || (c == b'%' && bytes.get(i + 1).is_some_and(|&n| n.is_ascii_alphabetic()))
        {
            i += 1;
            while i < bytes.len() && is_ident_char(bytes[i]) {
                i += 1;
            }
            tokens.push(Token {
                tok: Tok::Ident(&line[start..i]),
                col: start,
                len: i - start,
            });
        } else if c.is_ascii_digit() {
            let (value, end) = lex_number(line, start)?;
            i = end;
            tokens.push(Token {
                tok: Tok::Num(value),
                col: start,
                len: i - start,
            });
        } else if let Some(p) = PUNCTS.iter().find(|p| line[i..].starts_with(**p)) {
            i += p.len();
            tokens.push(Token {
                tok: Tok::Punct(p),
                col: start,
                len: p.len(),
            });
        } else {
            let ch = line[i..].chars().next().unwrap_or('?');
            return Err(LexError {
                col: start,
                len: ch.len_utf8(),
                message: format!("unexpected character `{ch}`"),
            });
        }
    }
    Ok(tokens)
}

fn lex_number(line: &str, start: usize) -> Result<(u64, usize), LexError> {
    let bytes = line.as_bytes();
    // As llvm-mc reads them: `0x` hexadecimal, `0b` binary, a leading `0` octal.
    let rest = &line[start..];
    let (radix, kind, prefix) = if rest.starts_with("0x") || rest.starts_with("0X") {
        (16, "a hexadecimal", 2)
    } else if rest.starts_with("0b") || rest.starts_with("0B") {
        (2, "a binary", 2)
    } else if rest.len() > 1 && rest.starts_with('0') && bytes[start + 1].is_ascii_digit() {
        (8, "an octal", 1)
    } else {
        (10, "a decimal", 0)
    };
    let digits_start = start + prefix;
    let mut end = digits_start;
    while end < bytes.len() && bytes[end].is_ascii_alphanumeric() {
        end += 1;
    }
    let digits = &line[digits_start..end];
    match u64::from_str_radix(digits, radix) {
        Ok(value) => Ok((value, end)),
        Err(e) => {
            let why = match e.kind() {
                std::num::IntErrorKind::PosOverflow => "too large for 64 bits".to_string(),
                _ => format!("not {kind} number"),
            };
            Err(LexError {
                col: start,
                len: end - start,
                message: format!("`{}` is {why}", &line[start..end]),
            })
        }
    }
}

/// The placeholders a template may hold; see the table's module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hole {
    Dst,
    Src,
    WDst,
    WSrc,
    Imm,
    Imm64,
    Lo,
    Hi,
    Off,
    Target,
    Func,
}

impl Hole {
    pub(crate) fn parse_name(name: &str) -> Hole {
        match name {
            "dst" => Hole::Dst,
            "src" => Hole::Src,
            "wdst" => Hole::WDst,
            "wsrc" => Hole::WSrc,
            "imm" => Hole::Imm,
            "imm64" => Hole::Imm64,
            "lo" => Hole::Lo,
            "hi" => Hole::Hi,
            "off" => Hole::Off,
            "target" => Hole::Target,
            "func" => Hole::Func,
            other => panic!("the table uses an unknown placeholder {{{other}}}"),
        }
    }

    /// What the assembler expects where this placeholder stands, for error messages.
    pub(crate) fn describe(self, syntax: crate::Syntax) -> &'static str {
        use crate::Syntax::*;
        match (self, syntax) {
            (Hole::Dst | Hole::Src, Clang) => "a register r0..r10",
            (Hole::WDst | Hole::WSrc, Clang) => "a 32-bit register w0..w10",
            (Hole::Dst | Hole::Src | Hole::WDst | Hole::WSrc, Conformance) => {
                "a register %r0..%r10"
            }
            (Hole::Imm | Hole::Lo | Hole::Hi, _) => "a 32-bit number",
            (Hole::Imm64, _) => "a 64-bit number",
            (Hole::Off, _) => "an offset such as `+ 8` or `- 8`",
            (Hole::Target, _) => "a jump target (a label or `+N`)",
            (Hole::Func, _) => "the label of a local function",
        }
    }
}

/// One piece of a compiled template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A token that must appear as is.
    Literal(Tok<'static>),
    /// An operand.
    Hole(Hole),
}

/// A template compiled for matching and printing.
#[derive(Clone, Debug)]
pub(crate) struct Pattern {
    pub(crate) info: &'static OpInfo,
    pub(crate) syntax: crate::Syntax,
    pub(crate) pieces: Vec<Piece>,
}

/// Every alternative of every row in both syntaxes, compiled once.
pub(crate) fn patterns() -> &'static [Pattern] {
    static PATTERNS: std::sync::OnceLock<Vec<Pattern>> = std::sync::OnceLock::new();
    PATTERNS.get_or_init(|| {
        let mut patterns = Vec::new();
        for info in TABLE {
            for (syntax, column) in [
                (crate::Syntax::Clang, info.clang),
                (crate::Syntax::Conformance, info.conformance),
            ] {
                for &text in column {
                    patterns.push(Pattern {
                        info,
                        syntax,
                        pieces: compile(text),
                    });
                }
            }
        }
        patterns
    })
}

/// The first (printing) alternative of a row's template in `syntax`.
pub(crate) fn print_template(info: &OpInfo, syntax: crate::Syntax) -> &'static str {
    let column = match syntax {
        crate::Syntax::Clang => info.clang,
        crate::Syntax::Conformance => info.conformance,
    };
    column[0]
}

/// Splits a template into literal tokens and holes.
fn compile(text: &'static str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (literal, after) = match rest.find('{') {
            Some(open) => (&rest[..open], Some(&rest[open..])),
            None => (rest, None),
        };
        let tokens = lex(literal).unwrap_or_else(|e| panic!("bad template `{text}`: {e:?}"));
        pieces.extend(tokens.into_iter().map(|t| Piece::Literal(t.tok)));
        match after {
            Some(hole) => {
                let close = hole.find('}').expect("templates close their placeholders");
                pieces.push(Piece::Hole(Hole::parse_name(&hole[1..close])));
                rest = &hole[close + 1..];
            }
            None => rest = "",
        }
    }
    pieces
}

/// Parses a register name in `syntax`: `r3`/`w3` (clang) or `%r3` (conformance). Returns the
/// number, which may be out of range, and whether it is the 32-bit name.
pub(crate) fn parse_register(name: &str) -> Option<(u32, bool)> {
    let (rest, wide32) = if let Some(r) = name.strip_prefix("%r") {
        (r, false)
    } else if let Some(r) = name.strip_prefix('r') {
        (r, false)
    } else if let Some(r) = name.strip_prefix('w') {
        (r, true)
    } else {
        return None;
    };
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) || rest.len() > 3 {
        return None;
    }
    rest.parse().ok().map(|n| (n, wide32))
}
