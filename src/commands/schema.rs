//! `ringfence schema`: the event schemas, as a schema file or as the C header rule authors
//! include. Both derive from the same schema objects as the verifier's context layouts and
//! the event encoder.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use ringfence_vm::event::{c_header, SchemaSet};

use crate::exit::{Failure, Outcome};
use crate::output::emit;

/// Arguments of `ringfence schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// A schema file (JSON, see sdk/README.md); without it, the built-in endpoint schemas.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Print the C header for rule authors instead of the schema file.
    #[arg(long)]
    pub c_header: bool,
}

/// Prints the schemas or their C header.
pub fn schema(args: &SchemaArgs) -> Outcome {
    let set = load_schemas(args.schema.as_deref())?;
    if args.c_header {
        emit(&c_header(&set))
    } else {
        emit(&set.to_json_string())
    }
}

/// The schemas in `path`, or the built-in endpoint schemas.
pub fn load_schemas(path: Option<&Path>) -> Result<SchemaSet, Failure> {
    let Some(path) = path else {
        return Ok(SchemaSet::endpoint());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {}", path.display()))
        .map_err(Failure::unreadable)?;
    SchemaSet::from_json_str(&text)
        .with_context(|| format!("{} is not a valid schema file", path.display()))
        .map_err(Failure::unreadable)
}
