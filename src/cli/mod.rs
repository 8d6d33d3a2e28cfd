//! The command line (clap): `run`, `place`, `check`. Thin: it parses arguments into library
//! types, calls the library, and turns errors into messages and exit codes.

pub mod check;
pub mod place;
pub mod run;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "ecsim", version, about = "A deterministic discrete-event simulator of an Amazon ECS cluster")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario and write its results (summary.json, timeseries.csv, events.csv, charts).
    Run(run::RunArgs),
    /// Where would ECS put this task, and why? A one-shot RunTask placement on a cluster
    /// described by `aws ecs describe-container-instances` output.
    Place(place::PlaceArgs),
    /// Validate scenarios and ECS JSON files without running; report every error.
    Check(check::CheckArgs),
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Place(args) => place::place(args),
        Command::Check(args) => check::check(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
