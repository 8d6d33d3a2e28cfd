//! Auto Scaling group capacity providers and managed scaling (docs/ecs-model.md#capacity-providers, docs/ecs-model.md#managed-scaling): the
//! provider's configuration, the `CapacityProviderReservation` metric (steps 1–5), the desired
//! capacity the ECS-managed target-tracking policy sets (step 6), the warm-up rule (step 7), the
//! two CloudWatch alarms as plain data, and managed termination protection (step 9).
//!
//! Everything is a pure function of what the simulation passes in; it evaluates the metric once
//! a minute and owns the alarms, the group and the instances.

use super::asg::AsgConfig;
use crate::ecs::instance::{DEFAULT_RESERVED_TCP_PORTS, MAX_RESERVED_PORTS};
use crate::ecs::instance_types::InstanceType;
use crate::ecs::task_def::Reservation;
use crate::engine::{SimTime, Span};
use serde::Serialize;
use std::ops::RangeInclusive;

pub const TARGET_CAPACITY_RANGE: RangeInclusive<u32> = 1..=100;
pub const SCALING_STEP_RANGE: RangeInclusive<u32> = 1..=10_000;
pub const INSTANCE_WARMUP_RANGE_S: RangeInclusive<u32> = 0..=10_000;
pub const DEFAULT_TARGET_CAPACITY: u32 = 100;
pub const DEFAULT_MINIMUM_SCALING_STEP_SIZE: u32 = 1;
pub const DEFAULT_MAXIMUM_SCALING_STEP_SIZE: u32 = 10_000;
pub const DEFAULT_INSTANCE_WARMUP: Span = Span(300 * 1_000_000);
/// How often ECS computes and publishes the metric (docs/ecs-model.md#managed-scaling: "every minute").
pub const METRIC_PERIOD: Span = Span(60 * 1_000_000);
/// The metric when the group has no running instance but needs some (docs/ecs-model.md#managed-scaling step 5).
pub const CPR_FROM_ZERO_PERCENT: f64 = 200.0;
pub const METRIC_NAMESPACE: &str = "AWS/ECS/ManagedScaling";
pub const METRIC_NAME: &str = "CapacityProviderReservation";

/// How the scale-out step is sized for a group with several instance types or zones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MultiTypeOrZoneStep {
    /// Exactly `minimumScalingStepSize`, ignoring the demand and the maximum step: the
    /// ManagedScaling API note, and what users of multi-AZ groups report (containers-roadmap
    /// #960, #1150).
    #[default]
    MinimumStep,
    /// The demand-sized step of single-type, single-zone groups (what #960 asks for).
    Demand,
}

/// `managedScaling` of CreateCapacityProvider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ManagedScaling {
    pub enabled: bool,
    pub target_capacity_percent: u32,
    pub minimum_scaling_step_size: u32,
    pub maximum_scaling_step_size: u32,
    pub instance_warmup_period: Span,
    /// Not an API field: the reading of the multi-type / multi-zone note (docs/decisions.md).
    pub multi_type_or_zone_step: MultiTypeOrZoneStep,
}

impl Default for ManagedScaling {
    /// The API's defaults, with managed scaling turned on (the console's default).
    fn default() -> Self {
        ManagedScaling {
            enabled: true,
            target_capacity_percent: DEFAULT_TARGET_CAPACITY,
            minimum_scaling_step_size: DEFAULT_MINIMUM_SCALING_STEP_SIZE,
            maximum_scaling_step_size: DEFAULT_MAXIMUM_SCALING_STEP_SIZE,
            instance_warmup_period: DEFAULT_INSTANCE_WARMUP,
            multi_type_or_zone_step: MultiTypeOrZoneStep::MinimumStep,
        }
    }
}

/// An Auto Scaling group capacity provider (CreateCapacityProvider).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapacityProviderConfig {
    pub name: String,
    /// The group's name (the last part of `autoScalingGroupArn`).
    pub auto_scaling_group: String,
    pub managed_scaling: ManagedScaling,
    /// Default DISABLED.
    pub managed_termination_protection: bool,
    /// Default ENABLED: the provider drains an instance before the group terminates it.
    pub managed_draining: bool,
}

/// Why a name is not a valid capacity provider name, or `None`: 1–255 letters, digits,
/// underscores and hyphens, not starting with "aws", "ecs" or "fargate" (CreateCapacityProvider).
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > 255 {
        return Some(format!("capacity provider name {name:?} must have 1–255 characters"));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Some(format!("capacity provider name {name:?} may only contain letters, numbers, underscores and hyphens"));
    }
    let lower = name.to_ascii_lowercase();
    if let Some(p) = ["aws", "ecs", "fargate"].iter().find(|p| lower.starts_with(*p)) {
        return Some(format!("capacity provider name {name:?} cannot begin with \"{p}\" (reserved by AWS)"));
    }
    None
}

impl CapacityProviderConfig {
    /// A provider for `auto_scaling_group` with the API defaults (managed scaling on).
    pub fn new(name: &str, auto_scaling_group: &str) -> Self {
        CapacityProviderConfig {
            name: name.to_string(),
            auto_scaling_group: auto_scaling_group.to_string(),
            managed_scaling: ManagedScaling::default(),
            managed_termination_protection: false,
            managed_draining: true,
        }
    }

    /// The API's checks on the provider alone (docs/ecs-model.md#capacity-providers).
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems: Vec<String> = name_problem(&self.name).into_iter().collect();
        let s = &self.managed_scaling;
        if !TARGET_CAPACITY_RANGE.contains(&s.target_capacity_percent) {
            problems.push(format!("targetCapacity {} is outside 1–100", s.target_capacity_percent));
        }
        if !SCALING_STEP_RANGE.contains(&s.minimum_scaling_step_size) {
            problems.push(format!("minimumScalingStepSize {} is outside 1–10000", s.minimum_scaling_step_size));
        }
        if !SCALING_STEP_RANGE.contains(&s.maximum_scaling_step_size) {
            problems.push(format!("maximumScalingStepSize {} is outside 1–10000", s.maximum_scaling_step_size));
        }
        if s.minimum_scaling_step_size > s.maximum_scaling_step_size {
            problems.push(format!(
                "minimumScalingStepSize {} is above maximumScalingStepSize {}",
                s.minimum_scaling_step_size, s.maximum_scaling_step_size
            ));
        }
        if s.instance_warmup_period > Span::from_secs(u64::from(*INSTANCE_WARMUP_RANGE_S.end())) {
            problems.push(format!("instanceWarmupPeriod {} is above 10000 s", s.instance_warmup_period));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Problems of the provider together with its group: errors CreateCapacityProvider returns,
    /// and warnings about settings that will not do what they say.
    pub fn check_against_asg(&self, asg: &AsgConfig) -> Vec<(Severity, String)> {
        let mut out = Vec::new();
        if self.managed_termination_protection && !asg.new_instances_protected_from_scale_in {
            out.push((
                Severity::Error,
                format!(
                    "managed termination protection needs the Auto Scaling group {} to protect new instances from scale in \
                     (NewInstancesProtectedFromScaleIn: true)",
                    asg.name
                ),
            ));
        }
        if self.managed_termination_protection && !self.managed_scaling.enabled {
            out.push((Severity::Warning, "managed termination protection does nothing without managed scaling".into()));
        }
        if self.managed_scaling.enabled && asg.max_size == 0 {
            out.push((Severity::Warning, format!("the Auto Scaling group {} has MaxSize 0: it can never scale out", asg.name)));
        }
        out
    }

    /// Whether an instance should be protected from scale-in: with managed termination
    /// protection ECS protects exactly the instances that run non-daemon tasks (docs/ecs-model.md#managed-scaling
    /// step 9); without it the instance keeps the protection it was launched with.
    pub fn scale_in_protected(&self, runs_non_daemon_tasks: bool, launched_protected: bool) -> bool {
        if self.managed_termination_protection && self.managed_scaling.enabled {
            runs_non_daemon_tasks
        } else {
            launched_protected
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Severity {
    Error,
    Warning,
}

/// What one empty instance of a type offers to tasks: its registered resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceShape {
    pub cpu_units: u32,
    pub memory_mib: u32,
    pub gpus: u32,
    /// awsvpc tasks it can host (ENIs − 1, or the trunking limit).
    pub eni_tasks: u32,
    /// Host ports no task may bind statically (the agent's reserved list).
    pub reserved_tcp_ports: Vec<u16>,
    pub reserved_udp_ports: Vec<u16>,
}

impl InstanceShape {
    /// The shape ECS registers for `t` (docs/ecs-model.md#registered-resources, docs/ecs-model.md#instance-types) with the agent's
    /// default reserved ports.
    pub fn of_type(t: &InstanceType, reserved_memory_mib: u32, trunking: bool) -> Self {
        InstanceShape {
            cpu_units: t.cpu_units(),
            memory_mib: t.default_registered_memory_mib(reserved_memory_mib),
            gpus: t.gpus,
            eni_tasks: t.awsvpc_task_limit(trunking),
            reserved_tcp_ports: DEFAULT_RESERVED_TCP_PORTS.to_vec(),
            reserved_udp_ports: Vec::new(),
        }
    }

    /// Per parameter, the smallest (`pick` = min) or largest (max) of `shapes`: the managed
    /// scaling guide selects "the smallest and the largest instance types for each parameter".
    /// Reserved ports are the union (a port reserved on any type is reserved on the composite).
    fn composite(shapes: &[InstanceShape], pick: fn(u32, u32) -> u32) -> Option<InstanceShape> {
        let (first, rest) = shapes.split_first()?;
        let mut s = first.clone();
        for o in rest {
            s.cpu_units = pick(s.cpu_units, o.cpu_units);
            s.memory_mib = pick(s.memory_mib, o.memory_mib);
            s.gpus = pick(s.gpus, o.gpus);
            s.eni_tasks = pick(s.eni_tasks, o.eni_tasks);
            for p in &o.reserved_tcp_ports {
                if !s.reserved_tcp_ports.contains(p) {
                    s.reserved_tcp_ports.push(*p);
                }
            }
            for p in &o.reserved_udp_ports {
                if !s.reserved_udp_ports.contains(p) {
                    s.reserved_udp_ports.push(*p);
                }
            }
        }
        Some(s)
    }

    pub fn smallest(shapes: &[InstanceShape]) -> Option<InstanceShape> {
        Self::composite(shapes, u32::min)
    }

    pub fn largest(shapes: &[InstanceShape]) -> Option<InstanceShape> {
        Self::composite(shapes, u32::max)
    }

    /// True when one task of `r` fits this shape while it is empty.
    pub fn fits_alone(&self, r: &Reservation) -> bool {
        Bin::new(self).fits(r)
    }
}

/// One empty instance being filled by the binpack.
struct Bin<'a> {
    shape: &'a InstanceShape,
    cpu_units: u32,
    memory_mib: u32,
    gpus: u32,
    eni_tasks: u32,
    tcp: Vec<u16>,
    udp: Vec<u16>,
    /// Reserved ports: the agent's plus static task ports (limit 100, docs/ecs-model.md#task-reservation).
    reserved_ports: usize,
}

impl<'a> Bin<'a> {
    fn new(shape: &'a InstanceShape) -> Self {
        Bin {
            shape,
            cpu_units: shape.cpu_units,
            memory_mib: shape.memory_mib,
            gpus: shape.gpus,
            eni_tasks: shape.eni_tasks,
            tcp: Vec::new(),
            udp: Vec::new(),
            reserved_ports: shape.reserved_tcp_ports.len() + shape.reserved_udp_ports.len(),
        }
    }

    /// CPU, memory, GPUs, ENIs, and static host ports: a static port conflicts with the agent's
    /// reserved list and with the same port of another task; dynamic ports are ignored (the
    /// ephemeral range holds thousands).
    fn fits(&self, r: &Reservation) -> bool {
        let free = |taken: &[u16], reserved: &[u16], want: &[u16]| want.iter().all(|p| !taken.contains(p) && !reserved.contains(p));
        r.cpu_units <= self.cpu_units
            && r.memory_mib <= self.memory_mib
            && r.gpus <= self.gpus
            && r.enis <= self.eni_tasks
            && self.reserved_ports + r.static_tcp_ports.len() + r.static_udp_ports.len() <= MAX_RESERVED_PORTS
            && free(&self.tcp, &self.shape.reserved_tcp_ports, &r.static_tcp_ports)
            && free(&self.udp, &self.shape.reserved_udp_ports, &r.static_udp_ports)
    }

    fn take(&mut self, r: &Reservation) {
        self.cpu_units -= r.cpu_units;
        self.memory_mib -= r.memory_mib;
        self.gpus -= r.gpus;
        self.eni_tasks -= r.enis;
        self.tcp.extend_from_slice(&r.static_tcp_ports);
        self.udp.extend_from_slice(&r.static_udp_ports);
        self.reserved_ports += r.static_tcp_ports.len() + r.static_udp_ports.len();
    }
}

/// What the metric is computed from, for one capacity provider at one evaluation.
#[derive(Debug, Clone, Copy)]
pub struct CprInput<'a> {
    /// N: the group's instances that are running (InService).
    pub running_instances: u32,
    /// The group's instances running at least one non-daemon task (M when nothing is needed).
    pub instances_with_tasks: u32,
    /// What each PROVISIONING task whose strategy chose this provider reserves, one entry per
    /// task. Tasks launched without a capacity provider strategy must not be passed.
    pub provisioning: &'a [Reservation],
    /// One shape per instance type of the group (registered resources of an empty instance).
    pub shapes: &'a [InstanceShape],
    /// Availability Zones of the group.
    pub zone_count: usize,
    pub scaling: &'a ManagedScaling,
}

/// The metric and how it was reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CprResult {
    /// Running instances.
    pub n: u32,
    /// Instances the provider wants.
    pub m: u32,
    /// New instances the provisioning tasks need (binpack onto the largest type).
    pub needed: u32,
    /// Instances a scale-out adds (0 when nothing is needed).
    pub step: u32,
    pub cpr_percent: f64,
    /// Provisioning tasks left out because they fit no instance of the smallest type: they stay
    /// PROVISIONING.
    pub excluded_tasks: u32,
    /// Every provisioning task was excluded: scaling stops and the metric holds at
    /// targetCapacity.
    pub all_excluded: bool,
}

/// `CapacityProviderReservation`, docs/ecs-model.md#managed-scaling steps 1–5:
/// 1. N = running instances;
/// 2. provisioning tasks grouped by identical reservation; groups that do not fit an empty
///    instance of the smallest type (per parameter) are excluded;
/// 3. `needed` = instances of the largest type (per parameter) a first-fit-decreasing binpack
///    of the remaining tasks opens;
/// 4. step = max(minStep, min(needed, maxStep)), or exactly minStep for a group with several
///    types or zones (see [`MultiTypeOrZoneStep`]); M = N + step; with nothing needed, M = the
///    instances running non-daemon tasks;
/// 5. CPR = 100 × M / N; for N = 0, 200 when M > 0 and 100 when M = 0.
///
/// When there are provisioning tasks and every group is excluded, the metric is
/// `targetCapacity` (the managed-scaling guide: "cluster auto scaling stops and the
/// CapacityProviderReservation value remains at the targetCapacity value"; 100 by default).
pub fn capacity_provider_reservation(input: &CprInput) -> CprResult {
    let n = input.running_instances;
    let scaling = input.scaling;
    let (needed, excluded_tasks, all_excluded) = match (InstanceShape::smallest(input.shapes), InstanceShape::largest(input.shapes)) {
        (Some(smallest), Some(largest)) => instances_needed(input.provisioning, &smallest, &largest),
        // A group without instance types can launch nothing: every task is excluded.
        _ => (0, input.provisioning.len() as u32, !input.provisioning.is_empty()),
    };
    let multi = input.shapes.len() > 1 || input.zone_count > 1;
    let step = if needed == 0 {
        0
    } else if multi && scaling.multi_type_or_zone_step == MultiTypeOrZoneStep::MinimumStep {
        scaling.minimum_scaling_step_size
    } else {
        scaling.minimum_scaling_step_size.max(needed.min(scaling.maximum_scaling_step_size))
    };
    let m = if needed > 0 { n + step } else { input.instances_with_tasks };
    let cpr_percent = if all_excluded {
        f64::from(scaling.target_capacity_percent)
    } else if n == 0 {
        if m > 0 {
            CPR_FROM_ZERO_PERCENT
        } else {
            100.0
        }
    } else {
        100.0 * f64::from(m) / f64::from(n)
    };
    CprResult { n, m, needed, step, cpr_percent, excluded_tasks, all_excluded }
}

/// (needed, excluded tasks, all excluded) for the binpack of step 3.
fn instances_needed(provisioning: &[Reservation], smallest: &InstanceShape, largest: &InstanceShape) -> (u32, u32, bool) {
    // Groups of identical needs, in order of first appearance.
    let mut groups: Vec<(&Reservation, u32)> = Vec::new();
    for r in provisioning {
        match groups.iter_mut().find(|(g, _)| *g == r) {
            Some((_, count)) => *count += 1,
            None => groups.push((r, 1)),
        }
    }
    let mut excluded = 0;
    groups.retain(|(r, count)| {
        let fits = smallest.fits_alone(r);
        if !fits {
            excluded += *count;
        }
        fits
    });
    if groups.is_empty() {
        return (0, excluded, excluded > 0);
    }
    // Decreasing by dominant share of the largest shape (exact fractions), stable so that equal
    // shares keep their order of appearance.
    groups.sort_by_key(|(r, _)| std::cmp::Reverse(dominant_share(r, largest)));
    let mut bins: Vec<Bin> = Vec::new();
    for (r, count) in groups {
        // First fit, in linear time per group: bins only fill up, so a bin that cannot take
        // this need cannot take the group's next (identical) one either; the search for the
        // next task starts where the last one ended instead of at the first bin (100,000
        // PROVISIONING tasks of one instance each were 5·10⁹ bin checks a minute).
        let mut from = 0;
        for _ in 0..count {
            match bins[from..].iter().position(|b| b.fits(r)) {
                Some(i) => {
                    from += i;
                    bins[from].take(r);
                }
                None => {
                    let mut b = Bin::new(largest);
                    // The smallest shape took it, so the largest does.
                    b.take(r);
                    bins.push(b);
                    from = bins.len() - 1;
                }
            }
        }
    }
    (bins.len() as u32, excluded, false)
}

/// A non-negative fraction compared exactly.
#[derive(Debug, Clone, Copy)]
struct Frac(u64, u64);

impl PartialEq for Frac {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == std::cmp::Ordering::Equal
    }
}
impl Eq for Frac {}
impl PartialOrd for Frac {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Frac {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (u128::from(self.0) * u128::from(o.1)).cmp(&(u128::from(o.0) * u128::from(self.1)))
    }
}

/// The largest of the task's shares of each resource of `shape` (a resource the shape lacks
/// counts as a whole instance when the task wants it).
fn dominant_share(r: &Reservation, shape: &InstanceShape) -> Frac {
    let share = |want: u32, have: u32| if have == 0 { Frac(u64::from(want.min(1)), 1) } else { Frac(u64::from(want), u64::from(have)) };
    [share(r.cpu_units, shape.cpu_units), share(r.memory_mib, shape.memory_mib), share(r.gpus, shape.gpus), share(r.enis, shape.eni_tasks)]
        .into_iter()
        .max()
        .unwrap_or(Frac(0, 1))
}

/// The desired capacity the target-tracking policy sets when one of its alarms fires
/// (docs/ecs-model.md#managed-scaling step 6): ceil(N × CPR / targetCapacity), clamped to [MinSize, MaxSize]; with N = 0 the
/// group launches `step` instances. The product is rounded to 1e-9 before the ceiling, so a
/// metric such as 133.333… (4/3) does not add an instance through floating-point noise.
pub fn managed_desired(n: u32, cpr_percent: f64, target_capacity_percent: u32, step: u32, min_size: u32, max_size: u32) -> u32 {
    let raw = if n == 0 {
        step
    } else {
        let x = f64::from(n) * cpr_percent / f64::from(target_capacity_percent.max(1));
        let rounded = (x * 1e9).round() / 1e9;
        rounded.ceil().max(0.0) as u32
    };
    raw.clamp(min_size, max_size.max(min_size))
}

/// [`managed_desired`] from a metric evaluation.
pub fn managed_desired_for(result: &CprResult, scaling: &ManagedScaling, asg: &AsgConfig) -> u32 {
    managed_desired(result.n, result.cpr_percent, scaling.target_capacity_percent, result.step, asg.min_size, asg.max_size)
}

/// Warm-up (docs/ecs-model.md#managed-scaling step 7): while an instance launched less than `warmup` ago exists, no
/// further scale-out starts. Returns the instant the last warm-up ends, if it is after `now`.
pub fn warmup_ends_at(now: SimTime, launched_at: &[SimTime], warmup: Span) -> Option<SimTime> {
    launched_at.iter().map(|&t| t + warmup).filter(|&end| end > now).max()
}

/// True while a scale-out is held back by warm-up.
pub fn in_warmup(now: SimTime, launched_at: &[SimTime], warmup: Span) -> bool {
    warmup_ends_at(now, launched_at, warmup).is_some()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Comparison {
    GreaterThanThreshold,
    LessThanThreshold,
}

/// A CloudWatch alarm as plain data, for the simulation to create in its CloudWatch model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmSpec {
    pub name: String,
    pub namespace: &'static str,
    pub metric_name: &'static str,
    /// (name, value), in the order CloudWatch lists them.
    pub dimensions: Vec<(String, String)>,
    pub statistic: &'static str,
    pub period: Span,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: u32,
    pub threshold: f64,
    pub comparison: Comparison,
    /// What the alarm does to the group: true = scale out (AlarmHigh).
    pub scale_out: bool,
}

/// The two alarms of the ECS-managed target-tracking policy (docs/ecs-model.md#managed-scaling step 6): AlarmHigh,
/// CPR > targetCapacity for 1 of 1 minute; AlarmLow, CPR < targetCapacity for 15 of 15 minutes.
/// Names follow AWS's `TargetTracking-<group>-AlarmHigh-<id>` without the random id.
pub fn managed_scaling_alarms(provider: &str, cluster: &str, asg: &str, target_capacity_percent: u32) -> [AlarmSpec; 2] {
    let dimensions = vec![("CapacityProviderName".to_string(), provider.to_string()), ("ClusterName".to_string(), cluster.to_string())];
    let alarm = |suffix: &str, periods: u32, comparison, scale_out| AlarmSpec {
        name: format!("TargetTracking-{asg}-{suffix}"),
        namespace: METRIC_NAMESPACE,
        metric_name: METRIC_NAME,
        dimensions: dimensions.clone(),
        statistic: "Average",
        period: METRIC_PERIOD,
        evaluation_periods: periods,
        datapoints_to_alarm: periods,
        threshold: f64::from(target_capacity_percent),
        comparison,
        scale_out,
    };
    [alarm("AlarmHigh", 1, Comparison::GreaterThanThreshold, true), alarm("AlarmLow", 15, Comparison::LessThanThreshold, false)]
}

#[cfg(test)]
mod tests;
