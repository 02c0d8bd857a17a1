//! One module per subcommand.

pub mod asm;
pub mod conformance;
pub mod run;
pub mod schema;
pub mod verify;
