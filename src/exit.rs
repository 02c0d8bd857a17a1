//! The CLI's exit codes and how failures are printed.

use std::process::ExitCode;

/// A command's failure, classified by exit code.
#[derive(Debug)]
pub enum Failure {
    /// The program was rejected by the verifier or faulted while running: exit 1.
    Rejected(anyhow::Error),
    /// The input could not be read at all: exit 2.
    Unreadable(anyhow::Error),
    /// The command already printed why; exit with this code.
    Silent(u8),
}

/// What every command returns.
pub type Outcome = Result<(), Failure>;

impl Failure {
    /// An input that cannot be read (exit 2).
    pub fn unreadable(error: impl Into<anyhow::Error>) -> Failure {
        Failure::Unreadable(error.into())
    }

    /// A program rejected or faulted (exit 1).
    pub fn rejected(error: impl Into<anyhow::Error>) -> Failure {
        Failure::Rejected(error.into())
    }
}

/// Prints a failure to stderr and turns the outcome into the process exit code.
pub fn report(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Rejected(e)) => {
            eprintln!("{}", render(&e));
            ExitCode::from(1)
        }
        Err(Failure::Unreadable(e)) => {
            eprintln!("{}", render(&e));
            ExitCode::from(2)
        }
        Err(Failure::Silent(code)) => ExitCode::from(code),
    }
}

/// An error and its causes, one per line; errors that render themselves (assembly errors
/// with a caret) print as they are.
fn render(error: &anyhow::Error) -> String {
    if let Some(asm) = error.downcast_ref::<ringfence_isa::AsmError>() {
        return asm.render();
    }
    let mut text = format!("error: {error}");
    for cause in error.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    text
}
