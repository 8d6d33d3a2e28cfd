//! `ecsim merge SHARD_DIR... --out DIR`: the shards of one sweep into the tables of the whole.

use super::out::{errln, out, outln};
use super::previous;
use crate::api;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The shard folders (each written by `ecsim sweep --shard I/N`), all N of them.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Where to write the merged sweep (runs/, runs.csv, cells.csv, cells.json, sweep.json).
    #[arg(long)]
    pub out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn merge(args: MergeArgs) -> Result<ExitCode> {
    let replacing = previous::sweep(&args.out);
    let (manifest, assembled) = api::merge_shards(&args.shards, &args.out)?;
    if !args.quiet {
        if let Some(what) = replacing {
            errln!("note: replaced the tables in {} ({what})", previous::shown(&args.out));
        }
        errln!("merged {} shard(s) of sweep {}: {} run(s)", args.shards.len(), manifest.sweep, manifest.runs());
        out!("{}", api::sweep_table(&assembled));
        outln!("results written to {}/ (runs.csv, cells.csv, cells.json)", args.out.display());
    }
    Ok(ExitCode::SUCCESS)
}
