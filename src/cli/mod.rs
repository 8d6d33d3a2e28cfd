//! The command line (clap): `run`, `place`, `check`, `import`, `sweep`, `merge`, `capacity`, `init`, `types`,
//! `completions`, `man`. Thin: it parses arguments into library types, calls the library, and
//! turns errors into messages (coloured on a terminal, `style`) and exit codes (`exit`).

pub mod capacity;
pub mod check;
pub mod completions;
pub mod exit;
pub mod import;
pub mod init;
pub mod json;
pub mod lessons;
pub mod man;
pub mod merge;
pub mod out;
pub mod place;
pub mod previous;
pub mod report;
pub mod run;
pub mod style;
pub mod sweep;
pub mod types;

use clap::{Parser, Subcommand};
use out::errln;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "ecsim", version, about = "A deterministic discrete-event simulator of an Amazon ECS cluster", after_help = exit::HELP)]
pub struct Cli {
    /// When to colour errors, warnings and verdicts: on a terminal (auto, honouring NO_COLOR
    /// and CLICOLOR_FORCE), always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = style::ColorWhen::Auto)]
    pub color: style::ColorWhen,
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
    /// Import infrastructure code (CloudFormation, Terraform, Copilot, docker-compose,
    /// container_definitions) as a scenario, with every assumed value said.
    Import(import::ImportArgs),
    /// Run a grid of scenario variations × replications (a sweep file) and aggregate them:
    /// runs.csv, cells.csv (mean, sd, 95 % CI per cell), cells.json.
    Sweep(sweep::SweepArgs),
    /// Merge the shard folders of one sweep into the tables of the whole sweep.
    Merge(merge::MergeArgs),
    /// Find the smallest value of an integer knob (instances, desired count) at which every
    /// replication meets the scenario's [slo] without placement failures.
    Capacity(capacity::CapacityArgs),
    /// Write a complete, commented scenario to start from (EC2 or Fargate, with or without a
    /// load balancer, traffic and target tracking).
    Init(init::InitArgs),
    /// List the EC2 instance types ecsim knows: vCPUs, memory, ENIs and trunking, GPUs,
    /// architecture, on-demand price (`--family m5`, `--arch arm64`, `--gpu`, `--format csv`).
    Types(types::TypesArgs),
    /// List the bundled lessons: what each shows and the command that runs it.
    Lessons(lessons::LessonsArgs),
    /// Print a shell completion script for bash, zsh, fish, elvish or PowerShell.
    Completions(completions::CompletionsArgs),
    /// Write the manual pages (one per command into --out DIR), or ecsim.1 to standard output.
    Man(man::ManArgs),
    /// Build report.html, the page of a results directory (run, sweep or variants), from its files.
    Report(report::ReportArgs),
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    style::choose(cli.color);
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Place(args) => place::place(args),
        Command::Check(args) => check::check(args),
        Command::Import(args) => import::import(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => merge::merge(args),
        Command::Capacity(args) => capacity::capacity(args),
        Command::Init(args) => init::init(args),
        Command::Types(args) => types::types(args),
        Command::Lessons(args) => lessons::lessons(args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => man::man(args),
        Command::Report(args) => report::report(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            errln!("error: {e:#}");
            exit::code(exit::FAILED)
        }
    }
}
