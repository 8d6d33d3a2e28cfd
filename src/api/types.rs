//! The instance types ecsim knows, filtered and written as `ecsim types` prints them (a table,
//! CSV or JSON). The table itself is `crate::ecs::instance_types`.

use crate::ecs::instance_types::{self, Architecture, InstanceType};
use serde::Serialize;
use std::fmt::Write;

/// Which types `ecsim types` lists: every filter given must hold.
///
/// ```
/// let q = ecsim::api::TypeQuery { family: Some("m5".into()), ..Default::default() };
/// let m5 = ecsim::api::instance_types(&q).unwrap();
/// assert_eq!(m5.first().map(|t| t.name), Some("m5.large"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct TypeQuery {
    /// The family, before the dot (`m5`, `c7g`); any case.
    pub family: Option<String>,
    /// One architecture.
    pub architecture: Option<Architecture>,
    /// Only types with NVIDIA GPUs.
    pub gpu: bool,
    /// At least this many vCPUs.
    pub min_vcpus: Option<u32>,
    /// At least this much memory, in GiB.
    pub min_memory_gib: Option<f64>,
}

/// How `ecsim types` writes the list.
///
/// ```
/// let t = ecsim::api::instance_types(&Default::default()).unwrap();
/// let csv = ecsim::api::types_text(&t[..1], ecsim::api::TypesFormat::Csv);
/// assert!(csv.starts_with("name,architecture,vcpus,memory_mib,"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TypesFormat {
    /// Aligned columns with a header and a line on the sources.
    #[default]
    Table,
    /// One row per type, the header first.
    Csv,
    /// An array of objects.
    Json,
}

/// The known types that match `query`, in the table's order (by family, the smallest first);
/// an unknown family is an error with the closest known one.
///
/// ```
/// let q = ecsim::api::TypeQuery { architecture: Some(ecsim::api::Architecture::Arm64), gpu: true, ..Default::default() };
/// let arm_gpu = ecsim::api::instance_types(&q).unwrap();
/// assert!(arm_gpu.iter().all(|t| t.gpus > 0 && t.architecture == ecsim::api::Architecture::Arm64));
/// let bad = ecsim::api::TypeQuery { family: Some("m55".into()), ..Default::default() };
/// assert!(ecsim::api::instance_types(&bad).unwrap_err().contains("did you mean"));
/// ```
pub fn instance_types(query: &TypeQuery) -> Result<Vec<&'static InstanceType>, String> {
    let all = instance_types::all();
    let family = query.family.as_deref().map(|f| f.trim().to_ascii_lowercase());
    if let Some(f) = &family {
        if !all.iter().any(|t| t.family() == f) {
            let mut families: Vec<&str> = all.iter().map(|t| t.family()).collect();
            families.dedup();
            // A long string is no typo of a family name (and would cost time).
            let closest = families
                .iter()
                .filter(|_| f.len() <= 20)
                .map(|c| (strsim::osa_distance(f, c), *c))
                .filter(|(d, _)| *d <= 2)
                .min_by_key(|(d, _)| *d)
                .map(|(_, c)| format!("; did you mean \"{c}\"?"))
                .unwrap_or_default();
            return Err(format!(
                "no instance family \"{f}\"{closest} (`ecsim types` without --family lists all {} families)",
                families.len()
            ));
        }
    }
    if let Some(gib) = query.min_memory_gib {
        if !gib.is_finite() || gib < 0.0 {
            return Err(format!("--min-memory-gib {gib}: give a non-negative number of GiB"));
        }
    }
    Ok(all
        .iter()
        .filter(|t| family.as_deref().is_none_or(|f| t.family() == f))
        .filter(|t| query.architecture.is_none_or(|a| t.architecture == a))
        .filter(|t| !query.gpu || t.gpus > 0)
        .filter(|t| query.min_vcpus.is_none_or(|n| t.vcpus >= n))
        .filter(|t| query.min_memory_gib.is_none_or(|g| f64::from(t.memory_mib_nominal) >= g * 1024.0))
        .collect())
}

/// One type as `--format json` and `--format csv` write it.
#[derive(Serialize)]
struct Row<'a> {
    name: &'a str,
    architecture: &'a str,
    vcpus: u32,
    memory_mib: u32,
    max_enis: u32,
    ipv4_per_eni: u32,
    /// awsvpc tasks without ENI trunking (max ENIs − 1).
    awsvpc_tasks: u32,
    /// awsvpc tasks with ENI trunking; none where the type does not support it.
    awsvpc_tasks_trunking: Option<u32>,
    gpus: u32,
    /// Linux on-demand us-east-1; none where the price list has no price.
    usd_per_hour: Option<f64>,
}

fn row(t: &InstanceType) -> Row<'_> {
    Row {
        name: t.name,
        architecture: t.architecture.attribute_value(),
        vcpus: t.vcpus,
        memory_mib: t.memory_mib_nominal,
        max_enis: t.max_enis,
        ipv4_per_eni: t.ipv4_per_eni,
        awsvpc_tasks: t.awsvpc_task_limit(false),
        awsvpc_tasks_trunking: t.trunk_eni_tasks,
        gpus: t.gpus,
        usd_per_hour: t.price_known.then_some(t.price_usd_per_hour),
    }
}

/// `types` written as `format` asks, ending with a newline.
///
/// ```
/// let q = ecsim::api::TypeQuery { family: Some("c5".into()), ..Default::default() };
/// let text = ecsim::api::types_text(&ecsim::api::instance_types(&q).unwrap(), ecsim::api::TypesFormat::Table);
/// assert!(text.lines().any(|l| l.starts_with("c5.large ")));
/// ```
pub fn types_text(types: &[&InstanceType], format: TypesFormat) -> String {
    match format {
        TypesFormat::Json => {
            let rows: Vec<Row> = types.iter().map(|t| row(t)).collect();
            serde_json::to_string_pretty(&rows).map(|s| s + "\n").unwrap_or_default()
        }
        TypesFormat::Csv => {
            let mut out = String::from(
                "name,architecture,vcpus,memory_mib,max_enis,ipv4_per_eni,awsvpc_tasks,awsvpc_tasks_trunking,gpus,usd_per_hour\n",
            );
            for t in types {
                let r = row(t);
                let opt = |v: Option<String>| v.unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{}",
                    r.name,
                    r.architecture,
                    r.vcpus,
                    r.memory_mib,
                    r.max_enis,
                    r.ipv4_per_eni,
                    r.awsvpc_tasks,
                    opt(r.awsvpc_tasks_trunking.map(|n| n.to_string())),
                    r.gpus,
                    opt(r.usd_per_hour.map(|p| p.to_string())),
                );
            }
            out
        }
        TypesFormat::Table => table(types),
    }
}

fn table(types: &[&InstanceType]) -> String {
    let header = ["type", "arch", "vCPU", "memory GiB", "ENIs", "awsvpc tasks", "trunking", "GPUs", "USD/h"];
    let rows: Vec<[String; 9]> = types
        .iter()
        .map(|t| {
            [
                t.name.to_string(),
                t.architecture.attribute_value().to_string(),
                t.vcpus.to_string(),
                gib(t.memory_mib_nominal),
                t.max_enis.to_string(),
                t.awsvpc_task_limit(false).to_string(),
                t.trunk_eni_tasks.map_or("-".to_string(), |n| n.to_string()),
                t.gpus.to_string(),
                if t.price_known { format!("{:.4}", t.price_usd_per_hour) } else { "-".to_string() },
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            // The name and the architecture read left to right; the figures line up on the right.
            if i < 2 {
                let _ = write!(l, "{cell:<w$}  ");
            } else {
                let _ = write!(l, "{cell:>w$}  ");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&header);
    for r in &rows {
        line(&r.each_ref().map(String::as_str));
    }
    let _ = writeln!(
        out,
        "{} of {} types. awsvpc tasks: without ENI trunking (max ENIs − 1); trunking: with it (\"-\": not supported).\n\
         USD/h: Linux on-demand, us-east-1 (\"-\": unknown). Sources: {}.",
        types.len(),
        instance_types::all().len(),
        instance_types::TABLE_SOURCES
    );
    out
}

/// Memory in GiB as the EC2 documentation writes it: whole where it is, else with up to three
/// decimals (t2.nano's 0.5, m1.small's 1.699).
fn gib(mib: u32) -> String {
    if mib.is_multiple_of(1024) {
        (mib / 1024).to_string()
    } else {
        let s = format!("{:.3}", f64::from(mib) / 1024.0);
        s.trim_end_matches('0').to_string()
    }
}
