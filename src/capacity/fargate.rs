//! Fargate: the valid task sizes (docs/ecs-model.md#fargate-task-sizes), how long a Fargate task takes to start, and the
//! FARGATE_SPOT interruption parameters (docs/ecs-model.md#spot-interruptions, docs/ecs-model.md#fargate).
//!
//! AWS publishes no launch-latency or interruption figures, so both are parameters with
//! documented defaults (docs/decisions.md, "Capacity providers, Auto Scaling groups and
//! Fargate"); the simulation draws from them with its own named streams.

use crate::engine::Span;
use serde::{Deserialize, Serialize};

/// One row of the size table: `cpu` units and the memory (MiB) allowed with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeRow {
    pub cpu_units: u32,
    pub memory_min_mib: u32,
    pub memory_max_mib: u32,
    pub memory_step_mib: u32,
    /// The oldest platform version that offers this size (`None`: every supported version).
    pub min_platform_version: Option<&'static str>,
}

impl SizeRow {
    /// Every memory size allowed with this CPU, ascending.
    pub fn memory_mib(&self) -> impl Iterator<Item = u32> + '_ {
        (self.memory_min_mib..=self.memory_max_mib).step_by(self.memory_step_mib as usize).filter(move |&m| self.allows(m))
    }

    /// True when `memory_mib` is one of the sizes of this row.
    pub fn allows(&self, memory_mib: u32) -> bool {
        // 0.25 vCPU is the one irregular row: 512 MiB, 1 GB, 2 GB (no 1.5 GB).
        if self.cpu_units == 256 {
            return matches!(memory_mib, 512 | 1024 | 2048);
        }
        (self.memory_min_mib..=self.memory_max_mib).contains(&memory_mib)
            && (memory_mib - self.memory_min_mib).is_multiple_of(self.memory_step_mib)
    }

    /// How the allowed memory is described in messages: "2–8 GB in 1 GB steps".
    pub fn describe_memory(&self) -> String {
        if self.cpu_units == 256 {
            return "512 MiB, 1 GB or 2 GB".into();
        }
        let gb = |mib: u32| mib / 1024;
        format!("{}–{} GB in {} GB steps", gb(self.memory_min_mib), gb(self.memory_max_mib), gb(self.memory_step_mib))
    }
}

const fn row(cpu_units: u32, min_gb: u32, max_gb: u32, step_gb: u32, min_platform_version: Option<&'static str>) -> SizeRow {
    SizeRow {
        cpu_units,
        memory_min_mib: min_gb * 1024,
        memory_max_mib: max_gb * 1024,
        memory_step_mib: step_gb * 1024,
        min_platform_version,
    }
}

/// The Linux task sizes of docs/ecs-model.md#fargate-task-sizes, in table order. (256 units lists 512 MiB–2 GB with a
/// 512 MiB step for the iterator; `allows` drops the 1.5 GB that step would add.)
pub const SIZE_TABLE: [SizeRow; 7] = [
    SizeRow { cpu_units: 256, memory_min_mib: 512, memory_max_mib: 2048, memory_step_mib: 512, min_platform_version: None },
    row(512, 1, 4, 1, None),
    row(1024, 2, 8, 1, None),
    row(2048, 4, 16, 1, None),
    row(4096, 8, 30, 1, None),
    row(8192, 16, 60, 4, Some("1.4.0")),
    row(16384, 32, 120, 8, Some("1.4.0")),
];

/// Fargate Spot runs only Linux tasks on X86_64: "Linux tasks with the ARM64 architecture don't
/// support the Fargate Spot capacity provider" (Amazon ECS Developer Guide, "AWS Fargate capacity
/// providers", <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html>).
pub fn check_spot_architecture(architecture: crate::ecs::instance_types::Architecture) -> Result<(), String> {
    match architecture {
        crate::ecs::instance_types::Architecture::X86_64 => Ok(()),
        crate::ecs::instance_types::Architecture::Arm64 => {
            Err("Fargate Spot does not run ARM64 tasks: only Linux tasks on X86_64 can use FARGATE_SPOT".into())
        }
    }
}

/// The row for `cpu_units`, if Fargate offers that CPU size.
pub fn size_row(cpu_units: u32) -> Option<&'static SizeRow> {
    SIZE_TABLE.iter().find(|r| r.cpu_units == cpu_units)
}

/// The memory sizes (MiB) Fargate allows with `cpu_units`, or `None` for a CPU it does not offer.
pub fn valid_memory_mib(cpu_units: u32) -> Option<Vec<u32>> {
    size_row(cpu_units).map(|r| r.memory_mib().collect())
}

/// "1 vCPU", "0.25 vCPU".
fn vcpus(cpu_units: u32) -> String {
    let v = f64::from(cpu_units) / 1024.0;
    format!("{v} vCPU")
}

/// Checks a task size against docs/ecs-model.md#fargate-task-sizes. The message says what is allowed instead: the CPU
/// sizes when the CPU is wrong, every memory value for that CPU when the memory is, and the
/// platform-version requirement of the 8 and 16 vCPU rows.
pub fn validate_size(cpu_units: u32, memory_mib: u32) -> Result<(), String> {
    let Some(r) = size_row(cpu_units) else {
        let cpus: Vec<String> = SIZE_TABLE.iter().map(|r| r.cpu_units.to_string()).collect();
        return Err(format!("{cpu_units} CPU units is not a Fargate task size; cpu must be one of {} units", cpus.join(", ")));
    };
    if r.allows(memory_mib) {
        return Ok(());
    }
    let values: Vec<String> = r.memory_mib().map(|m| m.to_string()).collect();
    let mut message = format!(
        "{memory_mib} MiB is not a valid Fargate memory size for {cpu_units} CPU units ({}); memory must be one of {} MiB ({})",
        vcpus(cpu_units),
        values.join(", "),
        r.describe_memory()
    );
    if let Some(v) = r.min_platform_version {
        message.push_str(&format!("; {} tasks need Linux platform version {v} or later", vcpus(cpu_units)));
    }
    Err(message)
}

/// Checks that `platform_version` ("1.3.0", "1.4.0", "LATEST") offers `cpu_units`.
pub fn check_platform_version(cpu_units: u32, platform_version: &str) -> Result<(), String> {
    let Some(min) = size_row(cpu_units).and_then(|r| r.min_platform_version) else {
        return Ok(());
    };
    if platform_version == "LATEST" || version_at_least(platform_version, min) {
        Ok(())
    } else {
        Err(format!("{} Fargate tasks need platform version {min} or later, not {platform_version}", vcpus(cpu_units)))
    }
}

/// Compares dotted versions numerically ("1.10.0" ≥ "1.4.0"); anything unparsable is older.
fn version_at_least(version: &str, min: &str) -> bool {
    let parse = |s: &str| s.split('.').map(|p| p.parse::<u32>().ok()).collect::<Option<Vec<u32>>>();
    match (parse(version), parse(min)) {
        (Some(v), Some(m)) => v >= m,
        _ => false,
    }
}

/// A log-normal duration given by its mean and coefficient of variation: the shape of
/// `workload::Distribution::Lognormal`, which the simulation builds from it (this layer does not
/// import `workload`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LognormalSpan {
    pub mean: Span,
    pub cv: f64,
}

/// How long a Fargate task takes from RunTask to RUNNING, in two phases because billing starts
/// between them (docs/ecs-model.md#fargate: "from image pull start").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FargateLaunch {
    /// PROVISIONING → PENDING: capacity found, ENI created and attached. Not billed.
    pub provisioning: LognormalSpan,
    /// PENDING → RUNNING: image pull, container start. Billed.
    pub pull_and_start: LognormalSpan,
}

impl Default for FargateLaunch {
    /// 15 s + 25 s: a mean of 40 s to RUNNING for a small image, the middle of the 30–60 s that
    /// users commonly report; the spread (cv 0.3 and 0.5) mostly comes from the image pull.
    fn default() -> Self {
        FargateLaunch {
            provisioning: LognormalSpan { mean: Span::from_secs(15), cv: 0.3 },
            pull_and_start: LognormalSpan { mean: Span::from_secs(25), cv: 0.5 },
        }
    }
}

impl FargateLaunch {
    /// Mean time from RunTask to RUNNING.
    pub fn mean_to_running(&self) -> Span {
        Span(self.provisioning.mean.0 + self.pull_and_start.mean.0)
    }
}

/// Spot interruption parameters (FARGATE_SPOT here; the same shape serves EC2 Spot): plain data
/// for the fault injector.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpotInterruptions {
    /// Probability that a task (or instance) running for a month (730 h) is interrupted at least
    /// once. The default 5 % is the lowest band of the EC2 Spot Instance Advisor ("<5 %"); AWS
    /// publishes nothing for Fargate Spot.
    pub monthly_probability: f64,
    /// Warning before the task is stopped (SIGTERM + task state-change event).
    pub warning: Span,
}

/// Hours in the month the Spot Instance Advisor's frequencies refer to.
pub const HOURS_PER_MONTH: f64 = 730.0;
/// The two-minute Spot interruption warning (docs/ecs-model.md#spot-interruptions).
pub const SPOT_WARNING: Span = Span(120 * 1_000_000);

impl Default for SpotInterruptions {
    fn default() -> Self {
        SpotInterruptions { monthly_probability: 0.05, warning: SPOT_WARNING }
    }
}

impl SpotInterruptions {
    /// The Poisson rate (interruptions per running hour) that gives `monthly_probability` of at
    /// least one interruption in 730 h: −ln(1 − p) / 730.
    pub fn rate_per_hour(&self) -> f64 {
        let p = self.monthly_probability.clamp(0.0, 1.0 - 1e-12);
        -(1.0 - p).ln() / HOURS_PER_MONTH
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..1.0).contains(&self.monthly_probability) {
            return Err(format!("monthly interruption probability must be in [0, 1), got {}", self.monthly_probability));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_irregular_quarter_vcpu_row() {
        assert_eq!(valid_memory_mib(256).unwrap(), vec![512, 1024, 2048]);
        assert!(validate_size(256, 1536).is_err());
    }

    #[test]
    fn large_rows_step_in_4_and_8_gb() {
        assert_eq!(valid_memory_mib(8192).unwrap().len(), 12); // 16, 20, …, 60
        assert_eq!(valid_memory_mib(16384).unwrap().len(), 12); // 32, 40, …, 120
        let e = validate_size(8192, 17 * 1024).unwrap_err();
        assert!(e.contains("16384, 20480"), "{e}");
        assert!(e.contains("platform version 1.4.0"), "{e}");
    }

    #[test]
    fn platform_versions_compare_numerically() {
        assert!(check_platform_version(8192, "1.4.0").is_ok());
        assert!(check_platform_version(8192, "LATEST").is_ok());
        assert!(check_platform_version(16384, "1.10.0").is_ok());
        assert!(check_platform_version(8192, "1.3.0").is_err());
        assert!(check_platform_version(4096, "1.3.0").is_ok());
    }

    #[test]
    fn interruption_rate_reproduces_the_monthly_probability() {
        let s = SpotInterruptions::default();
        let p = 1.0 - (-s.rate_per_hour() * HOURS_PER_MONTH).exp();
        assert!((p - 0.05).abs() < 1e-12);
        assert_eq!(FargateLaunch::default().mean_to_running(), Span::from_secs(40));
    }
}
