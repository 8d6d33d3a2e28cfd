//! `ecsim report DIR`: (re)builds report.html from the files of a results directory — a run's,
//! a sweep's or a scenario's variants' — and says where it is and how big.

use super::out::outln;
use crate::api;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The results directory (written by `ecsim run`, `ecsim sweep` or `ecsim merge`).
    pub dir: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn report(args: ReportArgs) -> Result<ExitCode> {
    let page = api::write_report(&args.dir)?;
    if !args.quiet {
        let bytes = std::fs::metadata(&page).map(|m| m.len()).unwrap_or(0);
        outln!("wrote {} ({} KB); open it in a browser, no network needed", page.display(), bytes.div_ceil(1024));
    }
    Ok(ExitCode::SUCCESS)
}
