//! One module per subcommand.

pub mod asm;
pub mod bench;
pub mod conformance;
pub mod coverage;
pub mod explain;
pub mod generate;
pub mod replay;
pub mod rules;
pub mod run;
pub mod schema;
pub mod test;
pub mod trace;
pub mod verify;
