//! One row of `data/instance_types.tsv`, read and checked: the rules a row must follow,
//! written once. `build.rs` includes this file (`#[path]`) to compile the table into the
//! binary, so nothing is parsed when ecsim starts; the crate reads it again only in its tests,
//! to check the compiled table against the file.
//!
//! A row that does not follow the rules, or repeats a name, is left out and said as a problem
//! (a build warning, and a test requires none); nothing here panics.

use std::collections::BTreeSet;

/// A row's values, as the table writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a> {
    pub name: &'a str,
    /// `arm64` (else `x86_64`).
    pub arm64: bool,
    pub vcpus: u32,
    pub memory_mib: u32,
    pub max_enis: u32,
    pub ipv4_per_eni: u32,
    /// `None`: `-`, the type does not support ENI trunking (or it is not known to).
    pub trunk_eni_tasks: Option<u32>,
    pub nvidia_gpus: u32,
    /// `None`: `-`, the price list has no price for the type.
    pub usd_per_hour: Option<f64>,
}

/// The rows of `text` that follow the rules, in order, and one problem ("line N: …") per row
/// that does not or that repeats an earlier name. Blank lines and `#` comments are skipped.
pub fn parse(text: &str) -> (Vec<Row<'_>>, Vec<String>) {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut names = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_row(line) {
            Ok(row) if !names.insert(row.name) => problems.push(format!("line {}: {} again", i + 1, row.name)),
            Ok(row) => rows.push(row),
            Err(e) => problems.push(format!("line {}: {e}", i + 1)),
        }
    }
    (rows, problems)
}

/// `name arch vcpus memory_mib max_enis ipv4_per_eni trunk_tasks nvidia_gpus usd_per_hour origin`,
/// tab-separated.
fn parse_row(line: &str) -> Result<Row<'_>, String> {
    let f: Vec<&str> = line.split('\t').collect();
    let [name, arch, vcpus, memory, enis, ipv4, trunk, gpus, price, _origin] = f[..] else {
        return Err(format!("{} fields, expected 10", f.len()));
    };
    let number = |what: &str, v: &str| v.parse::<u32>().map_err(|_| format!("{name}: {what} {v:?} is not a whole number"));
    let positive = |what: &str, v: &str| number(what, v).and_then(|n| if n > 0 { Ok(n) } else { Err(format!("{name}: {what} is 0")) });
    let well_formed = name.split_once('.').is_some_and(|(a, b)| {
        let ok = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-');
        ok(a) && ok(b)
    });
    if !well_formed {
        return Err(format!("{name:?} is not an instance type name"));
    }
    let arm64 = match arch {
        "x86_64" => false,
        "arm64" => true,
        _ => return Err(format!("{name}: architecture {arch:?}")),
    };
    let trunk_eni_tasks = match trunk {
        "-" => None,
        n => Some(positive("trunk tasks", n)?),
    };
    let usd_per_hour = match price {
        "-" => None,
        p => match p.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
            _ => return Err(format!("{name}: price {p:?}")),
        },
    };
    Ok(Row {
        name,
        arm64,
        vcpus: positive("vCPUs", vcpus)?,
        memory_mib: positive("memory", memory)?,
        max_enis: positive("max ENIs", enis)?,
        ipv4_per_eni: number("IPv4 per ENI", ipv4)?,
        trunk_eni_tasks,
        nvidia_gpus: number("GPUs", gpus)?,
        usd_per_hour,
    })
}
