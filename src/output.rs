//! The commands' standard output, one way for all: a reader that goes away early
//! (`ringfence disasm x | head -1`) ends the command quietly with the shell's code for a
//! closed pipe (141), where `print!` would panic; any other failed write is an error.

use std::io::{self, Write};

use anyhow::anyhow;

use crate::exit::{Failure, Outcome};

/// Writes `text` to standard output and flushes it.
pub fn emit(text: &str) -> Outcome {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(write_failed)
}

/// `println!` through [`emit`]: `outln!("{r0:#x}")?`.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::emit(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;

/// The failure for a write to standard output that failed: a closed pipe ends the command
/// quietly with the shell's code for it (141); anything else is an error.
pub fn write_failed(error: io::Error) -> Failure {
    if error.kind() == io::ErrorKind::BrokenPipe {
        Failure::Silent(141)
    } else {
        Failure::unreadable(anyhow!("writing the report: {error}"))
    }
}
