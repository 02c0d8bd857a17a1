//! One module per subcommand.

pub mod asm;
pub mod conformance;
pub mod rules;
pub mod run;
pub mod schema;
pub mod verify;
