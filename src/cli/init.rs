//! `ecsim init [--fargate | --ec2] [--alb] [--out FILE] [--force]`: writes a complete, commented
//! scenario that `ecsim check` accepts and `ecsim run` runs, to start from.

use super::out::{errln, outln};
use crate::api::{self, InitOptions, Launch};
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Tasks on AWS Fargate.
    #[arg(long, conflicts_with = "ec2")]
    pub fargate: bool,
    /// Tasks on EC2 instances of an Auto Scaling group behind a capacity provider (the default).
    #[arg(long)]
    pub ec2: bool,
    /// Add an Application Load Balancer, a target group, traffic and a target-tracking policy.
    #[arg(long)]
    pub alb: bool,
    /// Where to write the scenario.
    #[arg(long, default_value = "scenario.toml")]
    pub out: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn init(args: InitArgs) -> Result<ExitCode> {
    let options = InitOptions { launch: if args.fargate { Launch::Fargate } else { Launch::Ec2 }, alb: args.alb };
    if args.out.exists() && !args.force {
        errln!("error: {} exists; nothing was written (--force overwrites it)", args.out.display());
        return Ok(ExitCode::from(1));
    }
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&args.out, api::init_scenario(options)).with_context(|| format!("writing {}", args.out.display()))?;
    let path = args.out.display();
    outln!("wrote {path}");
    outln!("next: ecsim check {path}    then: ecsim run {path}");
    Ok(ExitCode::SUCCESS)
}
