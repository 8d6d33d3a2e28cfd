//! The capacity rules written once for every front end: a capacity provider's managed scaling
//! ranges, an Auto Scaling group's sizes, the cluster's list of providers, a capacity provider strategy (with the cluster's providers) and the instance types
//! ecsim knows. The scenario's tables (`load_providers`, `load_service_capacity`,
//! `load_capacity`, `load_launch_templates`) and the AWS JSON (`capacity_json`) each read their
//! values, hand them to these functions and locate every [`Problem`] at their own spelling of
//! its key (a TOML span, a JSON path). A new front end (CloudFormation, Terraform) maps its
//! fields onto the same drafts instead of repeating the ranges and texts.

use super::ecs_json::did_you_mean;
use crate::capacity::provider::{ManagedScaling, INSTANCE_WARMUP_RANGE_S, SCALING_STEP_RANGE, TARGET_CAPACITY_RANGE};
use crate::capacity::strategy::{is_fargate_provider, CapacityProviderStrategy, StrategyField, StrategyItem, FARGATE, FARGATE_SPOT};
use crate::ecs::instance_types::{self, InstanceType};
use crate::engine::Span;
use std::ops::RangeInclusive;

/// One broken rule, at a key the front end locates.
#[derive(Debug)]
pub(super) struct Problem<K> {
    pub at: K,
    pub message: String,
    pub help: String,
}

// ------------------------------------------------------------------ managed scaling

/// A managed scaling key, named by each front end (`target_capacity` / `targetCapacity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ScalingKey {
    TargetCapacity,
    MinimumStep,
    MaximumStep,
    Warmup,
}

/// The managed scaling settings as written, before their ranges are checked (absent = the
/// API's default).
#[derive(Debug, Default)]
pub(super) struct ManagedScalingDraft {
    pub enabled: bool,
    pub target_capacity: Option<i64>,
    pub minimum_step: Option<i64>,
    pub maximum_step: Option<i64>,
    /// Whole seconds (a fraction rounds up, so that it cannot slip under the bound).
    pub warmup_s: Option<i64>,
}

/// The managed scaling a draft asks for, with every value outside ECS's ranges left at its
/// default and reported. `name` spells a key as the front end writes it.
pub(super) fn managed_scaling(
    d: &ManagedScalingDraft,
    name: impl Fn(ScalingKey) -> &'static str,
) -> (ManagedScaling, Vec<Problem<ScalingKey>>) {
    let mut ms = ManagedScaling { enabled: d.enabled, ..ManagedScaling::default() };
    let mut problems = Vec::new();
    let mut check = |at: ScalingKey, v: Option<i64>, range: RangeInclusive<u32>, help: &str| {
        let n = v?;
        if (i64::from(*range.start())..=i64::from(*range.end())).contains(&n) {
            return Some(n as u32);
        }
        let message = format!("{} {n} is outside {}–{}", name(at), range.start(), range.end());
        problems.push(Problem { at, message, help: help.to_string() });
        None
    };
    let step_help = "a number of instances, 1–10000";
    let target_help = "targetCapacity is the percentage of the group the tasks should fill: 100 keeps no spare instance, 90 about 10 %";
    if let Some(n) = check(ScalingKey::TargetCapacity, d.target_capacity, TARGET_CAPACITY_RANGE, target_help) {
        ms.target_capacity_percent = n;
    }
    if let Some(n) = check(ScalingKey::MinimumStep, d.minimum_step, SCALING_STEP_RANGE, step_help) {
        ms.minimum_scaling_step_size = n;
    }
    if let Some(n) = check(ScalingKey::MaximumStep, d.maximum_step, SCALING_STEP_RANGE, step_help) {
        ms.maximum_scaling_step_size = n;
    }
    if let Some(n) = check(ScalingKey::Warmup, d.warmup_s, INSTANCE_WARMUP_RANGE_S, "seconds, 0–10000") {
        ms.instance_warmup_period = Span::from_secs(u64::from(n));
    }
    if ms.minimum_scaling_step_size > ms.maximum_scaling_step_size {
        let (lo, hi) = (ms.minimum_scaling_step_size, ms.maximum_scaling_step_size);
        let message = format!("{} {lo} is above {} {hi}", name(ScalingKey::MinimumStep), name(ScalingKey::MaximumStep));
        problems.push(Problem { at: ScalingKey::MinimumStep, message, help: "lower the minimum or raise the maximum".into() });
    }
    (ms, problems)
}

// ------------------------------------------------------------------ Auto Scaling groups

/// Which size of an Auto Scaling group a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SizeKey {
    MinSize,
    DesiredCapacity,
}

/// An Auto Scaling group's sizes (CreateAutoScalingGroup): MinSize at most MaxSize, and the
/// desired capacity, when given, between them. The desired capacity (MinSize when absent or
/// refused), and the problems.
pub(super) fn group_sizes(min: u32, max: u32, desired: Option<u32>) -> (u32, Vec<Problem<SizeKey>>) {
    let mut problems = Vec::new();
    if min > max {
        let help = "the group keeps between MinSize and MaxSize instances: lower MinSize or raise MaxSize".into();
        problems.push(Problem { at: SizeKey::MinSize, message: format!("MinSize {min} is above MaxSize {max}"), help });
    }
    match desired {
        Some(d) if !(min..=max).contains(&d) => {
            let message = format!("DesiredCapacity {d} is outside MinSize {min} … MaxSize {max}");
            problems.push(Problem { at: SizeKey::DesiredCapacity, message, help: "give a desired capacity between the two".into() });
            (min, problems)
        }
        Some(d) => (d, problems),
        None => (min, problems),
    }
}

// ------------------------------------------------------------------ the cluster's providers

/// The cluster's capacity providers (PutClusterCapacityProviders' list): each listed once, each
/// FARGATE, FARGATE_SPOT or one of `defined`. The accepted names, and a problem at each index
/// that is not.
pub(super) fn cluster_providers<'n>(names: impl Iterator<Item = &'n str>, defined: &[&str]) -> (Vec<String>, Vec<Problem<usize>>) {
    let (mut out, mut problems): (Vec<String>, _) = (Vec::new(), Vec::new());
    for (at, name) in names.enumerate() {
        if out.iter().any(|n| n == name) {
            problems.push(Problem {
                at,
                message: format!("capacity provider \"{name}\" is listed twice"),
                help: "list each provider once".into(),
            });
        } else if !is_fargate_provider(name) && !defined.contains(&name) {
            let help = match did_you_mean(name, defined.iter().copied().chain([FARGATE, FARGATE_SPOT])) {
                Some(m) => format!("did you mean \"{m}\"?"),
                None => format!("define it first; defined: {defined:?}, plus FARGATE and FARGATE_SPOT"),
            };
            problems.push(Problem { at, message: format!("capacity provider \"{name}\" is not defined"), help });
        } else {
            out.push(name.to_string());
        }
    }
    (out, problems)
}

// ------------------------------------------------------------------ strategies

/// Where a strategy problem sits: the item (None = the whole list) and its field; `None` as the
/// field is a provider name that is not one of the cluster's.
pub(super) type StrategyAt = (Option<usize>, Option<StrategyField>);

/// A strategy checked against the rules of `CapacityProviderStrategy::new` and, when `known` is
/// given, against the cluster's providers; every problem is reported.
pub(super) fn strategy(items: Vec<StrategyItem>, known: Option<&[String]>) -> Result<CapacityProviderStrategy, Vec<Problem<StrategyAt>>> {
    let mut problems = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let Some(known) = known.filter(|k| !k.contains(&it.capacity_provider)) else { continue };
        let name = &it.capacity_provider;
        let help = match did_you_mean(name, known.iter().map(String::as_str)) {
            Some(m) => format!("did you mean \"{m}\"?"),
            None => format!("the cluster's capacity providers are {known:?}"),
        };
        let message = format!("capacity provider \"{name}\" is not one of the cluster's capacity providers");
        problems.push(Problem { at: (Some(i), None), message, help });
    }
    let rules = CapacityProviderStrategy::new(items).map_err(|list| {
        list.into_iter().map(|p| {
            let help = match (p.item, p.field) {
                (None, _) => "a strategy lists 1–20 providers, and at least one needs a weight above 0",
                (Some(_), StrategyField::Base) => "give a base to one capacity provider only",
                (Some(_), StrategyField::Weight) => "weights are 0–1000",
                (Some(_), StrategyField::CapacityProvider) => "use FARGATE/FARGATE_SPOT or Auto Scaling group providers, not both",
                (Some(_), StrategyField::List) => "list each capacity provider once",
            };
            Problem { at: (p.item, Some(p.field)), message: p.message, help: help.into() }
        })
    });
    match rules {
        Ok(s) if problems.is_empty() => Ok(s),
        Ok(_) => Err(problems),
        Err(more) => Err(problems.into_iter().chain(more).collect()),
    }
}

// ------------------------------------------------------------------ instance types

/// An instance type ecsim knows, or the message and help for a name it does not.
pub(super) fn instance_type(name: &str) -> Result<&'static InstanceType, (String, String)> {
    instance_types::lookup(name).ok_or_else(|| (format!("unknown instance type \"{name}\""), instance_types::unknown_type_help(name)))
}

// ------------------------------------------------------------------ named values

/// The value of one of `options` by its name (a purchase option, a termination policy, an
/// adjustment type, ...), or the message and help for a name that is none of them.
pub(super) fn named<T: Copy>(what: &str, name: &str, options: &[(&str, T)]) -> Result<T, (String, String)> {
    options.iter().find(|(n, _)| *n == name).map(|(_, v)| *v).ok_or_else(|| {
        let help = match did_you_mean(name, options.iter().map(|(n, _)| *n)) {
            Some(m) => format!("did you mean \"{m}\"?"),
            None => format!("use {}", options.iter().map(|(n, _)| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")),
        };
        (format!("unknown {what} \"{name}\""), help)
    })
}
