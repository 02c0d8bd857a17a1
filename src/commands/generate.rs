//! `ringfence generate`: synthetic endpoint telemetry as JSON Lines on stdout, for benches
//! and replays (see `ringfence_vm::synth`). The same seed gives the same bytes.

use std::io::{self, BufWriter, Write};

use anyhow::anyhow;
use clap::Args;
use ringfence_vm::synth::{Synth, SynthConfig};

use crate::exit::{Failure, Outcome};

/// Arguments of `ringfence generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many events to write.
    #[arg(long)]
    pub events: u64,
    /// The seed: the same seed gives the same events.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Attack scenarios per million scenarios (a scenario is a few related events: a
    /// command and its file opens, a web request); each attack is one to six events the
    /// bundled example rules match.
    #[arg(long, default_value_t = SynthConfig::default().attack_per_million)]
    pub attacks_per_million: u32,
}

/// Writes the events to stdout. A closed pipe (`| head`) ends the output quietly.
pub fn generate(args: &GenerateArgs) -> Outcome {
    let mut synth = Synth::new(SynthConfig {
        seed: args.seed,
        attack_per_million: args.attacks_per_million,
    });
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = synth
        .write_events(args.events, &mut out)
        .and_then(|()| out.flush());
    match written {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(Failure::unreadable(anyhow!("writing the events: {err}"))),
    }
}
