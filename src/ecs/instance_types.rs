//! EC2 instance types: the resources ECS registers for each, ENI limits and price (spec §13).
//!
//! Prices are approximate Linux on-demand us-east-1 USD/hour, as the spec's table gives them
//! (`PRICE_TABLE_DATE`); scenarios can override any of these figures.

use serde::Serialize;

/// The date of the price table shown next to every cost figure.
pub const PRICE_TABLE_DATE: &str = "2026-06 (spec §13, approximate us-east-1 on-demand)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    X86_64,
    Arm64,
}

impl Architecture {
    /// A task definition's `runtimePlatform.cpuArchitecture` ("X86_64" or "ARM64").
    pub fn from_runtime_platform(text: &str) -> Option<Architecture> {
        match text {
            "X86_64" => Some(Architecture::X86_64),
            "ARM64" => Some(Architecture::Arm64),
            _ => None,
        }
    }
    /// As `runtimePlatform.cpuArchitecture` writes it.
    pub fn runtime_platform_value(self) -> &'static str {
        match self {
            Architecture::X86_64 => "X86_64",
            Architecture::Arm64 => "ARM64",
        }
    }
    /// The value of the `ecs.cpu-architecture` attribute.
    pub fn attribute_value(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

/// One row of the instance-type table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct InstanceType {
    pub name: &'static str,
    pub architecture: Architecture,
    pub vcpus: u32,
    /// Advertised memory in MiB (GiB × 1024).
    pub memory_mib_nominal: u32,
    /// Maximum network interfaces, the primary included.
    pub max_enis: u32,
    /// awsvpc tasks per instance with ENI trunking, `None` where trunking is not supported.
    pub trunk_eni_tasks: Option<u32>,
    pub gpus: u32,
    pub price_usd_per_hour: f64,
}

impl InstanceType {
    /// CPU units ECS registers: vCPUs × 1024 (spec §1.2).
    pub fn cpu_units(&self) -> u32 {
        self.vcpus * 1024
    }
    /// Memory ECS registers when the scenario gives no measured value:
    /// floor(0.98 × nominal MiB) − ECS_RESERVED_MEMORY (spec §1.2, an inference from three
    /// documented data points).
    pub fn default_registered_memory_mib(&self, reserved_memory_mib: u32) -> u32 {
        ((self.memory_mib_nominal as u64 * 98) / 100) as u32 - reserved_memory_mib.min(self.memory_mib_nominal * 98 / 100)
    }
    /// awsvpc tasks the instance can host: max ENIs − 1 without trunking (spec §1.2).
    pub fn awsvpc_task_limit(&self, trunking: bool) -> u32 {
        match (trunking, self.trunk_eni_tasks) {
            (true, Some(n)) => n,
            _ => self.max_enis.saturating_sub(1),
        }
    }
}

const fn t(
    name: &'static str,
    architecture: Architecture,
    vcpus: u32,
    memory_gib: u32,
    max_enis: u32,
    trunk_eni_tasks: Option<u32>,
    price_usd_per_hour: f64,
) -> InstanceType {
    InstanceType {
        name,
        architecture,
        vcpus,
        memory_mib_nominal: memory_gib * 1024,
        max_enis,
        trunk_eni_tasks,
        gpus: 0,
        price_usd_per_hour,
    }
}

use Architecture::{Arm64, X86_64};

/// Every type of spec §13, in the table's order.
pub const INSTANCE_TYPES: &[InstanceType] = &[
    t("t3.small", X86_64, 2, 2, 3, None, 0.0208),
    t("t3.medium", X86_64, 2, 4, 3, None, 0.0416),
    t("t3.large", X86_64, 2, 8, 3, None, 0.0832),
    t("m5.large", X86_64, 2, 8, 3, Some(10), 0.096),
    t("m5.xlarge", X86_64, 4, 16, 4, Some(20), 0.192),
    t("m5.2xlarge", X86_64, 8, 32, 4, Some(40), 0.384),
    t("m6i.large", X86_64, 2, 8, 3, Some(10), 0.096),
    t("m6i.xlarge", X86_64, 4, 16, 4, Some(20), 0.192),
    t("m7i.large", X86_64, 2, 8, 3, None, 0.1008),
    t("m6g.large", Arm64, 2, 8, 3, Some(10), 0.077),
    t("m7g.large", Arm64, 2, 8, 3, Some(10), 0.0816),
    t("c5.large", X86_64, 2, 4, 3, Some(10), 0.085),
    t("c5.xlarge", X86_64, 4, 8, 4, Some(20), 0.17),
    t("c5.2xlarge", X86_64, 8, 16, 4, Some(40), 0.34),
    t("c6g.large", Arm64, 2, 4, 3, Some(10), 0.068),
    t("c7g.large", Arm64, 2, 4, 3, Some(10), 0.0725),
    t("r5.large", X86_64, 2, 16, 3, Some(10), 0.126),
    t("r5.xlarge", X86_64, 4, 32, 4, Some(20), 0.252),
    t("r6g.large", Arm64, 2, 16, 3, Some(10), 0.1008),
];

/// Looks a type up by its API name (`m5.large`).
pub fn lookup(name: &str) -> Option<&'static InstanceType> {
    INSTANCE_TYPES.iter().find(|t| t.name == name)
}

/// The known names, for "unknown instance type" messages.
pub fn known_names() -> Vec<&'static str> {
    INSTANCE_TYPES.iter().map(|t| t.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_resources_follow_spec_13() {
        // m5.large: 2 vCPU → 2048 units; 8 GiB = 8192 MiB → floor(0.98 × 8192) = 8028 MiB.
        let m5 = lookup("m5.large").unwrap();
        assert_eq!(m5.cpu_units(), 2048);
        assert_eq!(m5.default_registered_memory_mib(0), 8028);
        // t3.small: 2 GiB = 2048 MiB → floor(2007.04) = 2007.
        assert_eq!(lookup("t3.small").unwrap().default_registered_memory_mib(0), 2007);
        // r5.xlarge: 32 GiB → 32112.
        assert_eq!(lookup("r5.xlarge").unwrap().default_registered_memory_mib(0), 32112);
        // ECS_RESERVED_MEMORY is subtracted.
        assert_eq!(m5.default_registered_memory_mib(256), 8028 - 256);
    }

    #[test]
    fn eni_limits_follow_spec_1_2() {
        // WE-1.3: c5.large has 3 ENIs → 2 awsvpc tasks; 10 with trunking.
        let c5 = lookup("c5.large").unwrap();
        assert_eq!(c5.awsvpc_task_limit(false), 2);
        assert_eq!(c5.awsvpc_task_limit(true), 10);
        // t3 does not support trunking: the limit stays max ENIs − 1.
        assert_eq!(lookup("t3.medium").unwrap().awsvpc_task_limit(true), 2);
    }

    #[test]
    fn every_spec_type_is_present() {
        assert_eq!(INSTANCE_TYPES.len(), 19);
        assert!(lookup("m5.huge").is_none());
    }
}
