//! EC2 Auto Scaling groups (docs/ecs-model.md#auto-scaling-groups): the group's configuration and its two decisions, which
//! zone and type a new instance gets, and which instance a scale-in terminates.
//!
//! The simulation owns the instances and the clock; these are pure functions of what it shows
//! them. Random choices take a uniform draw from the caller, so the caller's named stream stays
//! the only source of randomness.

use super::launch_template::LaunchTemplateUse;
use crate::ecs::instance_types::InstanceType;
use crate::engine::{SimTime, Span};
use serde::Serialize;

/// `DefaultCooldown` when the group does not set it (docs/ecs-model.md#auto-scaling-groups).
pub const DEFAULT_COOLDOWN: Span = Span(300 * 1_000_000);
/// Time from the launch decision to a running OS (docs/ecs-model.md#auto-scaling-groups, `instanceLaunchSeconds`).
pub const DEFAULT_INSTANCE_LAUNCH: Span = Span(60 * 1_000_000);
/// Time from a running OS to the ECS agent registering the instance (`agentStartSeconds`).
pub const DEFAULT_AGENT_START: Span = Span(30 * 1_000_000);
/// Spot price as a fraction of on-demand when the scenario gives none: the "60–70 % below
/// on-demand" planning assumption of docs/ecs-model.md#instance-types, at its cheaper end.
pub const DEFAULT_SPOT_PRICE_FACTOR: f64 = 0.3;
/// The hour of "closest to the next instance hour".
pub const BILLING_HOUR: Span = Span(3600 * 1_000_000);

/// How the group's instances are bought. One option per group: an ASG that mixes on-demand and
/// Spot is modelled as two groups (two capacity providers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PurchaseOption {
    OnDemand,
    Spot,
}

impl PurchaseOption {
    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseOption::OnDemand => "on-demand",
            PurchaseOption::Spot => "spot",
        }
    }
}

/// Which of the group's instance types a launch uses (a MixedInstancesPolicy's allocation
/// strategy, reduced to what matters without capacity pools).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AllocationStrategy {
    /// The first type of the overrides list that has capacity (on-demand `prioritized`, the
    /// default with a list of types; Spot `capacity-optimized-prioritized`).
    Prioritized,
    /// The cheapest type (on-demand `lowest-price`; Spot `lowest-price` and
    /// `price-capacity-optimized`, whose capacity half ecsim does not model).
    LowestPrice,
}

/// A termination policy (`TerminationPolicies`), applied in list order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TerminationPolicy {
    /// Oldest launch template, then closest to the next billing hour (docs/ecs-model.md#auto-scaling-groups).
    Default,
    OldestInstance,
    NewestInstance,
    OldestLaunchTemplate,
    /// Same criterion as `OldestLaunchTemplate`: a view carries one configuration version.
    OldestLaunchConfiguration,
    ClosestToNextInstanceHour,
    /// Aligns on-demand/Spot with the allocation strategy; a no-op here, where a group has one
    /// purchase option and no capacity pools.
    AllocationStrategy,
}

impl TerminationPolicy {
    /// The API names, in the order DescribeTerminationPolicyTypes lists them.
    pub const NAMES: [&'static str; 7] = [
        "OldestInstance",
        "OldestLaunchConfiguration",
        "NewestInstance",
        "ClosestToNextInstanceHour",
        "Default",
        "OldestLaunchTemplate",
        "AllocationStrategy",
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "Default" => Self::Default,
            "OldestInstance" => Self::OldestInstance,
            "NewestInstance" => Self::NewestInstance,
            "OldestLaunchTemplate" => Self::OldestLaunchTemplate,
            "OldestLaunchConfiguration" => Self::OldestLaunchConfiguration,
            "ClosestToNextInstanceHour" => Self::ClosestToNextInstanceHour,
            "AllocationStrategy" => Self::AllocationStrategy,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum HealthCheckType {
    Ec2,
    Elb,
}

/// An Auto Scaling group as ecsim simulates it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AsgConfig {
    pub name: String,
    pub min_size: u32,
    pub max_size: u32,
    pub desired_capacity: u32,
    /// The group's Availability Zones, in the order launches break ties.
    pub zones: Vec<String>,
    /// The instance types, in priority order (a MixedInstancesPolicy's overrides; one type
    /// otherwise). Weighting is not allowed with ECS capacity providers, so every instance
    /// counts 1.
    pub instance_types: Vec<&'static InstanceType>,
    pub allocation_strategy: AllocationStrategy,
    pub purchase: PurchaseOption,
    /// Spot price ÷ on-demand price, used when `purchase` is Spot.
    pub spot_price_factor: f64,
    /// Launch → running OS.
    pub instance_launch: Span,
    /// Running OS → registered with the cluster.
    pub agent_start: Span,
    pub default_cooldown: Span,
    pub health_check_type: HealthCheckType,
    /// `HealthCheckGracePeriod` (API default 0 s; the console uses 300 s).
    pub health_check_grace_period: Span,
    pub default_instance_warmup: Option<Span>,
    pub new_instances_protected_from_scale_in: bool,
    pub termination_policies: Vec<TerminationPolicy>,
    /// The launch template and version it launches from; `None`: one unchanging configuration
    /// (every instance counts as version 1).
    #[serde(skip)]
    pub launch_template: Option<LaunchTemplateUse>,
}

impl AsgConfig {
    /// A group of one type over `zones` with the API's defaults: min 0, max 1, desired 0.
    pub fn new(name: &str, instance_type: &'static InstanceType, zones: &[&str]) -> Self {
        AsgConfig {
            name: name.to_string(),
            min_size: 0,
            max_size: 1,
            desired_capacity: 0,
            zones: zones.iter().map(|z| z.to_string()).collect(),
            instance_types: vec![instance_type],
            allocation_strategy: AllocationStrategy::Prioritized,
            purchase: PurchaseOption::OnDemand,
            spot_price_factor: DEFAULT_SPOT_PRICE_FACTOR,
            instance_launch: DEFAULT_INSTANCE_LAUNCH,
            agent_start: DEFAULT_AGENT_START,
            default_cooldown: DEFAULT_COOLDOWN,
            health_check_type: HealthCheckType::Ec2,
            health_check_grace_period: Span::ZERO,
            default_instance_warmup: None,
            new_instances_protected_from_scale_in: false,
            termination_policies: vec![TerminationPolicy::Default],
            launch_template: None,
        }
    }

    /// Every inconsistency, each a sentence saying what to change.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        if self.min_size > self.max_size {
            problems.push(format!("MinSize {} is above MaxSize {}", self.min_size, self.max_size));
        }
        if self.desired_capacity < self.min_size || self.desired_capacity > self.max_size {
            problems.push(format!(
                "DesiredCapacity {} must lie between MinSize {} and MaxSize {}",
                self.desired_capacity, self.min_size, self.max_size
            ));
        }
        if self.zones.is_empty() {
            problems.push("the group needs at least one Availability Zone".into());
        }
        for (i, z) in self.zones.iter().enumerate() {
            if self.zones[..i].contains(z) {
                problems.push(format!("Availability Zone {z} is listed twice"));
            }
        }
        if self.instance_types.is_empty() {
            problems.push("the group needs at least one instance type".into());
        }
        if !(self.spot_price_factor > 0.0 && self.spot_price_factor <= 1.0) {
            problems.push(format!("the Spot price factor must be in (0, 1], got {}", self.spot_price_factor));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Launch decision → instance registered with the cluster.
    pub fn registration_delay(&self) -> Span {
        Span(self.instance_launch.0 + self.agent_start.0)
    }

    /// True when the group spans several instance types or zones: the case in which managed
    /// scaling steps by exactly `minimumScalingStepSize` (docs/ecs-model.md#managed-scaling step 4).
    pub fn is_multi_type_or_zone(&self) -> bool {
        self.instance_types.len() > 1 || self.zones.len() > 1
    }

    /// `desired` within [MinSize, MaxSize].
    pub fn clamp_desired(&self, desired: u32) -> u32 {
        desired.clamp(self.min_size, self.max_size.max(self.min_size))
    }

    /// The type a new instance gets: by the allocation strategy, among the types for which
    /// `has_capacity` holds (every type, unless the simulation models insufficient capacity).
    /// `None` when no type has capacity.
    pub fn type_for_launch(&self, has_capacity: impl Fn(&InstanceType) -> bool) -> Option<&'static InstanceType> {
        let mut candidates = self.instance_types.iter().copied().filter(|t| has_capacity(t));
        match self.allocation_strategy {
            AllocationStrategy::Prioritized => candidates.next(),
            // `min_by` keeps the first of equal prices: list order breaks ties.
            AllocationStrategy::LowestPrice => candidates.min_by(|a, b| a.price_usd_per_hour.total_cmp(&b.price_usd_per_hour)),
        }
    }

    /// The type and launch template version of a launch at `now`: the version the group names
    /// at that instant (1 without a template), and its instance type — or, with types of the
    /// group's own (overrides), the allocation strategy's choice among them.
    pub fn launch_at(&self, now: SimTime, has_capacity: impl Fn(&InstanceType) -> bool) -> Option<(&'static InstanceType, u32)> {
        match &self.launch_template {
            None => self.type_for_launch(has_capacity).map(|t| (t, 1)),
            Some(lt) => {
                let v = lt.template.resolve(lt.version, now)?;
                if lt.sets_instance_type {
                    has_capacity(v.instance_type).then_some((v.instance_type, v.number))
                } else {
                    self.type_for_launch(has_capacity).map(|t| (t, v.number))
                }
            }
        }
    }

    /// On-demand price × the Spot factor when the group buys Spot.
    pub fn price_usd_per_hour(&self, t: &InstanceType) -> f64 {
        match self.purchase {
            PurchaseOption::OnDemand => t.price_usd_per_hour,
            PurchaseOption::Spot => t.price_usd_per_hour * self.spot_price_factor,
        }
    }
}

/// The zone for the next launch: the one with the fewest instances, the earlier zone on ties
/// (docs/ecs-model.md#auto-scaling-groups). `counts_per_zone[i]` counts the group's instances in zone i, launching ones
/// included. `None` for a group without zones.
pub fn zone_for_launch(counts_per_zone: &[u32]) -> Option<usize> {
    // `min_by_key` returns the first minimum.
    counts_per_zone.iter().enumerate().min_by_key(|(_, c)| **c).map(|(i, _)| i)
}

/// What the termination policies see of one instance of the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsgInstanceView<Id> {
    pub id: Id,
    /// Index into `AsgConfig::zones`.
    pub zone: usize,
    pub launched_at: SimTime,
    /// The launch template (or configuration) version it was launched from: lower is older.
    pub launch_template_version: u32,
    /// Scale-in protected (by the group's flag, by hand, or by managed termination protection).
    pub protected: bool,
}

/// Time until `launched_at`'s next whole billing hour, seen at `now`. An instance exactly on an
/// hour boundary has a whole hour to go.
pub fn time_to_next_instance_hour(launched_at: SimTime, now: SimTime) -> Span {
    let into_hour = now.since(launched_at).0 % BILLING_HOUR.0;
    Span(BILLING_HOUR.0 - into_hour)
}

/// The instance a scale-in terminates, or `None` when every instance is protected.
///
/// Zonal balance comes first, whatever the policies (docs/ecs-model.md#auto-scaling-groups, ASG guide): the candidates are
/// the unprotected instances of the zone(s) with the most instances among zones that have an
/// unprotected one — protected instances count toward a zone's size but are never chosen; zones
/// tied for the most are taken together ("balanced zones: the policy applies across them").
/// Then each policy of `policies` keeps its best candidates, in list order; `Default` is oldest
/// launch template, then closest to the next billing hour. Finally one of the remaining
/// candidates is taken by `u` (a uniform draw in [0, 1)), in the caller's order.
pub fn choose_for_termination<Id: Copy>(
    instances: &[AsgInstanceView<Id>],
    policies: &[TerminationPolicy],
    now: SimTime,
    u: f64,
) -> Option<Id> {
    let zones = instances.iter().map(|i| i.zone + 1).max().unwrap_or(0);
    let mut size = vec![0u32; zones];
    let mut has_unprotected = vec![false; zones];
    for i in instances {
        size[i.zone] += 1;
        has_unprotected[i.zone] |= !i.protected;
    }
    let most = (0..zones).filter(|&z| has_unprotected[z]).map(|z| size[z]).max()?;
    let mut candidates: Vec<&AsgInstanceView<Id>> =
        instances.iter().filter(|i| !i.protected && size[i.zone] == most && has_unprotected[i.zone]).collect();
    for policy in policies {
        apply_policy(&mut candidates, *policy, now);
    }
    let pick = ((u.clamp(0.0, 1.0) * candidates.len() as f64) as usize).min(candidates.len() - 1);
    Some(candidates[pick].id)
}

/// Keeps the candidates that `policy` ranks best.
fn apply_policy<Id>(candidates: &mut Vec<&AsgInstanceView<Id>>, policy: TerminationPolicy, now: SimTime) {
    match policy {
        TerminationPolicy::Default => {
            keep_min(candidates, |i| i.launch_template_version as u64);
            keep_min(candidates, |i| time_to_next_instance_hour(i.launched_at, now).0);
        }
        TerminationPolicy::OldestInstance => keep_min(candidates, |i| i.launched_at.0),
        TerminationPolicy::NewestInstance => keep_min(candidates, |i| u64::MAX - i.launched_at.0),
        TerminationPolicy::OldestLaunchTemplate | TerminationPolicy::OldestLaunchConfiguration => {
            keep_min(candidates, |i| i.launch_template_version as u64)
        }
        TerminationPolicy::ClosestToNextInstanceHour => keep_min(candidates, |i| time_to_next_instance_hour(i.launched_at, now).0),
        TerminationPolicy::AllocationStrategy => {}
    }
}

fn keep_min<Id>(candidates: &mut Vec<&AsgInstanceView<Id>>, key: impl Fn(&AsgInstanceView<Id>) -> u64) {
    if let Some(best) = candidates.iter().map(|i| key(i)).min() {
        candidates.retain(|i| key(i) == best);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::instance_types::lookup;

    fn view(id: u32, zone: usize, launched_s: u64, version: u32, protected: bool) -> AsgInstanceView<u32> {
        AsgInstanceView { id, zone, launched_at: SimTime::from_secs(launched_s), launch_template_version: version, protected }
    }

    #[test]
    fn launches_go_to_the_emptiest_zone_first_in_order() {
        assert_eq!(zone_for_launch(&[2, 1, 1]), Some(1));
        assert_eq!(zone_for_launch(&[0, 0]), Some(0));
        assert_eq!(zone_for_launch(&[]), None);
    }

    #[test]
    fn launch_type_follows_the_allocation_strategy() {
        let mut asg = AsgConfig::new("g", lookup("m5.xlarge").unwrap(), &["a"]);
        asg.instance_types.push(lookup("c5.large").unwrap());
        asg.instance_types.push(lookup("m6g.large").unwrap());
        assert_eq!(asg.type_for_launch(|_| true).unwrap().name, "m5.xlarge");
        assert_eq!(asg.type_for_launch(|t| t.name != "m5.xlarge").unwrap().name, "c5.large");
        asg.allocation_strategy = AllocationStrategy::LowestPrice;
        assert_eq!(asg.type_for_launch(|_| true).unwrap().name, "m6g.large");
        assert!(asg.type_for_launch(|_| false).is_none());
    }

    #[test]
    fn next_instance_hour() {
        let at = |s| SimTime::from_secs(s);
        assert_eq!(time_to_next_instance_hour(at(0), at(3500)), Span::from_secs(100));
        assert_eq!(time_to_next_instance_hour(at(100), at(3700)), Span::from_secs(3600));
        assert_eq!(time_to_next_instance_hour(at(100), at(3699)), Span::from_secs(1));
    }

    #[test]
    fn validation_lists_each_problem() {
        let mut asg = AsgConfig::new("g", lookup("m5.large").unwrap(), &["a", "a"]);
        asg.min_size = 3;
        asg.max_size = 2;
        let p = asg.validate().unwrap_err();
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].contains("MinSize 3 is above MaxSize 2"));
    }

    #[test]
    fn every_instance_protected_gives_none() {
        let v = [view(1, 0, 0, 1, true), view(2, 1, 0, 1, true)];
        assert_eq!(choose_for_termination(&v, &[TerminationPolicy::Default], SimTime::ZERO, 0.5), None);
    }
}
