//! Helpers shared by the data-driven error-case runners (`asm_errors`, `decode_errors`):
//! finding case files, reading the `# error: ` expectation, blessing.

use std::path::{Path, PathBuf};

pub const MARKER: &str = "# error: ";

/// The folder of one kind of case: `tests/cases/<kind>` at the workspace root.
pub fn cases_dir(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/cases")
        .join(kind)
}

/// Whether `RINGFENCE_BLESS=1` asks to rewrite the expectations.
pub fn bless() -> bool {
    std::env::var_os("RINGFENCE_BLESS").is_some_and(|v| v == "1")
}

/// The case files with the given extension, sorted.
pub fn case_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// The expectation of a case: the text after `# error: ` in its leading comment.
pub fn expectation(source: &str) -> Option<&str> {
    source
        .lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix(MARKER))
}

/// `source` with its expectation replaced by (or, if it has none, preceded by) `actual`.
pub fn blessed(source: &str, actual: &str) -> String {
    let line = format!("{MARKER}{actual}");
    let mut replaced = false;
    let mut out: Vec<String> = source
        .lines()
        .map(|l| {
            if !replaced && l.starts_with(MARKER) {
                replaced = true;
                line.clone()
            } else {
                l.to_string()
            }
        })
        .collect();
    if !replaced {
        out.insert(0, line);
    }
    out.join("\n") + "\n"
}
