//! `ecsim types`: the EC2 instance types ecsim knows (vCPUs, memory, ENIs and trunking, GPUs,
//! architecture, price), filtered by family, architecture, GPUs and size.

use super::out::{errln, outln};
use crate::api::{self, Architecture, TypeQuery, TypesFormat};
use anyhow::Result;
use clap::{Args, ValueEnum};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct TypesArgs {
    /// Only this family: the name before the dot (`m5`, `c7g`, `g4dn`).
    #[arg(long)]
    pub family: Option<String>,
    /// Only this architecture.
    #[arg(long, value_enum)]
    pub arch: Option<ArchArg>,
    /// Only types with NVIDIA GPUs.
    #[arg(long)]
    pub gpu: bool,
    /// At least this many vCPUs.
    #[arg(long, value_name = "N")]
    pub min_vcpu: Option<u32>,
    /// At least this much memory, in GiB.
    #[arg(long, value_name = "GIB")]
    pub min_memory_gib: Option<f64>,
    /// How to write the list.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum ArchArg {
    #[value(name = "x86_64")]
    X86_64,
    #[value(name = "arm64")]
    Arm64,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum FormatArg {
    Table,
    Csv,
    Json,
}

pub fn types(args: TypesArgs) -> Result<ExitCode> {
    let query = TypeQuery {
        family: args.family,
        architecture: args.arch.map(|a| match a {
            ArchArg::X86_64 => Architecture::X86_64,
            ArchArg::Arm64 => Architecture::Arm64,
        }),
        gpu: args.gpu,
        min_vcpus: args.min_vcpu,
        min_memory_gib: args.min_memory_gib,
    };
    let found = match api::instance_types(&query) {
        Ok(t) => t,
        Err(e) => {
            errln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let format = match args.format {
        FormatArg::Table => TypesFormat::Table,
        FormatArg::Csv => TypesFormat::Csv,
        FormatArg::Json => TypesFormat::Json,
    };
    if found.is_empty() {
        errln!("no instance type matches these filters");
    }
    outln!("{}", api::types_text(&found, format).trim_end_matches('\n'));
    Ok(ExitCode::SUCCESS)
}
