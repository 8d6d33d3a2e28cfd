//! The capacity side of a validated scenario (docs/ecs-model.md#capacity): Auto Scaling groups and their capacity
//! providers, the cluster's providers and default strategy, Fargate's settings, and where a
//! service's tasks get capacity.

use super::ServiceSpec;
use crate::workload::Distribution;

/// The attribute that names an instance's Auto Scaling group (placement restricts a capacity
/// provider's tasks to its group's instances with it).
pub const ASG_ATTRIBUTE: &str = "ecsim.auto-scaling-group";

/// The capacity side of a scenario (docs/ecs-model.md#capacity): Auto Scaling groups and their capacity
/// providers, the cluster's providers and default strategy, and Fargate's settings.
#[derive(Debug, Clone, Default)]
pub struct CapacitySpec {
    /// The cluster's zones (`[cluster] zones`, or those of its instances): the default zones of
    /// groups and of Fargate services.
    pub zones: Vec<String>,
    /// `[cluster] subnets`: subnet ID → zone.
    pub subnets: Vec<(String, String)>,
    /// `[cluster] reserved_memory_mib`, which group instances register with too.
    pub reserved_memory_mib: u32,
    pub groups: Vec<AsgSpec>,
    pub providers: Vec<ProviderSpec>,
    /// The cluster's capacity providers (PutClusterCapacityProviders): what strategies may name.
    pub cluster_providers: Vec<String>,
    /// Used by services given neither a launch type nor a strategy.
    pub default_strategy: Option<crate::capacity::CapacityProviderStrategy>,
    pub fargate: FargateSpec,
}

impl CapacitySpec {
    /// True when the run has anything of docs/ecs-model.md#capacity to simulate (groups, or services with a
    /// capacity provider strategy or the Fargate launch type).
    pub fn in_use(&self, services: &[ServiceSpec]) -> bool {
        !self.groups.is_empty() || services.iter().any(|s| s.capacity.is_some())
    }
}

/// An Auto Scaling group and the instances it has at t = 0 (registered in `Scenario::cluster`).
#[derive(Debug, Clone)]
pub struct AsgSpec {
    pub config: crate::capacity::AsgConfig,
    pub initial: Vec<crate::ecs::InstanceId>,
}

/// An Auto Scaling group capacity provider and its group (index into `CapacitySpec::groups`).
#[derive(Debug, Clone)]
pub struct ProviderSpec {
    pub config: crate::capacity::CapacityProviderConfig,
    pub group: usize,
}

/// Fargate launch latency and prices (docs/ecs-model.md#fargate; defaults in `crate::capacity::fargate`).
#[derive(Debug, Clone)]
pub struct FargateSpec {
    /// PROVISIONING → PENDING (capacity, ENI): not billed.
    pub provisioning: Distribution,
    /// PENDING → RUNNING (image pull, start): billed.
    pub pull_and_start: Distribution,
    pub prices: crate::capacity::FargatePrices,
}

impl Default for FargateSpec {
    fn default() -> Self {
        let d = crate::capacity::fargate::FargateLaunch::default();
        let lognormal = |l: crate::capacity::fargate::LognormalSpan| Distribution::Lognormal { mean: l.mean, cv: l.cv };
        FargateSpec {
            provisioning: lognormal(d.provisioning),
            pull_and_start: lognormal(d.pull_and_start),
            prices: crate::capacity::FargatePrices::default(),
        }
    }
}

/// Where the tasks of a strategy item (or of the Fargate launch type) run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityTarget {
    Fargate {
        spot: bool,
    },
    /// Index into `CapacitySpec::providers`.
    Provider(usize),
}

/// How a service gets capacity when it is not the EC2 launch type: a capacity provider
/// strategy (its own or the cluster's default), or the Fargate launch type (one target, no
/// strategy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCapacity {
    pub strategy: Option<crate::capacity::CapacityProviderStrategy>,
    /// Parallel to the strategy's items (one entry for the Fargate launch type).
    pub targets: Vec<CapacityTarget>,
}

impl ServiceCapacity {
    /// The Fargate launch type.
    pub fn fargate_launch_type() -> Self {
        ServiceCapacity { strategy: None, targets: vec![CapacityTarget::Fargate { spot: false }] }
    }

    pub fn is_fargate(&self) -> bool {
        self.targets.iter().any(|t| matches!(t, CapacityTarget::Fargate { .. }))
    }

    /// Whether some tasks may go to FARGATE_SPOT.
    pub fn uses_fargate_spot(&self) -> bool {
        self.targets.iter().any(|t| matches!(t, CapacityTarget::Fargate { spot: true }))
    }

    /// The item for the next task, given the non-STOPPED tasks per item (docs/ecs-model.md#capacity-provider-strategy).
    pub fn choose(&self, counts: &[u32]) -> usize {
        self.strategy.as_ref().map_or(0, |s| s.choose(counts))
    }
}
