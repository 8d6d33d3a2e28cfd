//! `ecsim completions SHELL`: a completion script for bash, zsh, fish, elvish or PowerShell,
//! generated from the clap definitions (`clap_complete`), so it never lags the options.

use super::out::write_stdout_plain;
use anyhow::Result;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn completions(args: CompletionsArgs) -> Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut super::Cli::command(), "ecsim", &mut script);
    write_stdout_plain(format_args!("{}", String::from_utf8_lossy(&script)));
    Ok(ExitCode::SUCCESS)
}
