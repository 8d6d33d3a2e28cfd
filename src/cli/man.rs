//! `ecsim man [--out DIR]`: the manual pages, generated from the clap definitions
//! (`clap_mangen`): ecsim.1 to standard output, or with `--out` one page per command
//! (ecsim.1, ecsim-run.1, ecsim-check.1, …) into DIR.

use super::out::{outln, write_stdout_plain};
use anyhow::{Context, Result};
use clap::{Args, CommandFactory};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write one page per command into this folder (created if missing) instead of ecsim.1 to
    /// standard output.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn man(args: ManArgs) -> Result<ExitCode> {
    let command = super::Cli::command();
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(command.clone(), dir).with_context(|| format!("writing the pages into {}", dir.display()))?;
            let pages = command.get_subcommands().filter(|c| !c.is_hide_set()).count() + 1;
            outln!("wrote {pages} manual pages into {} (ecsim.1, ecsim-run.1, …)", super::previous::shown(dir));
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command).render(&mut page).context("rendering ecsim.1")?;
            write_stdout_plain(format_args!("{}", String::from_utf8_lossy(&page)));
        }
    }
    Ok(ExitCode::SUCCESS)
}
