//! ECS's rules for a service's deployment configuration and placement strategies, written once
//! for both front ends: the scenario's `[[services]]` and `[[actions]]` (`load_services`,
//! `load_workloads`) and the create-service / describe-services JSON (`ecs_json::service`).
//!
//! A rule takes the value and the name the front end gives it (`maximum_percent` in the
//! scenario, `maximumPercent` in JSON) and returns the [`Problem`]; the front end only says
//! where the value sits (a TOML span, a JSON path). A new front end (CloudFormation's
//! `DeploymentConfiguration.MaximumPercent`, Terraform's `deployment_maximum_percent`) maps its
//! values onto these functions instead of repeating the ranges and texts.

use crate::ecs::placement::rules::MAX_STRATEGIES;
use crate::ecs::service::{DeploymentStrategy, LifecycleStage, SchedulingStrategy};

/// What a rule refuses, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    pub message: String,
    pub help: String,
}

impl Problem {
    fn new(message: impl Into<String>, help: impl Into<String>) -> Self {
        Problem { message: message.into(), help: help.into() }
    }
}

/// ECS's own text for a DAEMON service given placement strategies (CreateService, UpdateService):
/// a daemon runs one task on every instance, so there is nothing to choose between.
pub(super) const DAEMON_PLACEMENT_STRATEGY: &str =
    "The daemon scheduling strategy does not support placement strategies. Remove the placement strategy and try again.";

/// The help that goes with [`DAEMON_PLACEMENT_STRATEGY`].
pub(super) const DAEMON_PLACEMENT_STRATEGY_HELP: &str = "remove the placement strategy: a daemon runs one task on every instance";

/// What a DAEMON service cannot run on, and a launch type given with a strategy: ECS's texts.
/// (The scenario's `launch_type`/`capacity_provider_strategy` keys, in `load_service_capacity`,
/// still have texts of their own: "a DAEMON service cannot have a capacity provider strategy",
/// "launch_type and capacity_provider_strategy are both given", "Fargate does not support
/// DAEMON services".)
pub(super) const DAEMON_CAPACITY_PROVIDERS: &str =
    "The daemon scheduling strategy does not support capacity provider strategies; use the EC2 launch type";
pub(super) const LAUNCH_TYPE_AND_CAPACITY_PROVIDERS: &str =
    "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.";
pub(super) const FARGATE_DAEMON: &str = "Fargate tasks do not support the DAEMON scheduling strategy";

/// `minimumHealthyPercent`: ECS accepts 0 to 100.
pub(super) fn minimum_healthy_percent(name: &str, v: i64) -> Result<u32, Problem> {
    within(name, v, 0, 100).map_err(|m| Problem::new(m, "ECS accepts 0 to 100"))
}

/// `maximumPercent`: exactly 100 for a DAEMON service (its old task stops before the new one
/// starts), at least 100 for a REPLICA service.
pub(super) fn maximum_percent(name: &str, v: i64, strategy: SchedulingStrategy) -> Result<u32, Problem> {
    match strategy {
        SchedulingStrategy::Daemon if v != 100 => {
            Err(Problem::new(format!("a DAEMON service's {name} must be 100, not {v}"), "remove it or set 100"))
        }
        SchedulingStrategy::Daemon => Ok(100),
        SchedulingStrategy::Replica => within(name, v, 100, i64::from(i32::MAX))
            .map_err(|m| Problem::new(m, format!("a REPLICA service needs {name} ≥ 100 (200 is the default)"))),
    }
}

/// At most [`MAX_STRATEGIES`] placement strategies (services, standalone tasks, UpdateService).
pub(super) fn placement_strategy_count(n: usize) -> Result<(), Problem> {
    if n > MAX_STRATEGIES {
        return Err(Problem::new(format!("{n} placement strategies; ECS allows at most {MAX_STRATEGIES}"), "remove some strategies"));
    }
    Ok(())
}

/// A whole number of minutes ECS accepts for `bakeTimeInMinutes`, `stepBakeTimeInMinutes` and
/// `canaryBakeTimeInMinutes`: 0 to 1440 (24 hours).
pub(super) fn bake_minutes(name: &str, v: i64) -> Result<u32, Problem> {
    within(name, v, 0, 1440).map_err(|m| Problem::new(m, "ECS accepts 0 to 1440 minutes (24 hours)"))
}

/// `stepPercent` (3.0–100.0) and `canaryPercent` (0.1–100.0): multiples of 0.1, answered in
/// tenths of a percent.
pub(super) fn tenth_percent(name: &str, v: f64, lo_tenths: u32) -> Result<u32, Problem> {
    let tenths = (v * 10.0).round();
    let lo = f64::from(lo_tenths) / 10.0;
    let help = format!("ECS accepts multiples of 0.1 from {lo:.1} to 100.0");
    if !v.is_finite() || !(f64::from(lo_tenths)..=1000.0).contains(&tenths) || (v * 10.0 - tenths).abs() > 1e-6 {
        return Err(Problem::new(format!("{name} {v} is not a multiple of 0.1 from {lo:.1} to 100.0"), help));
    }
    Ok(tenths as u32)
}

/// The strategy named `s`, with ECS's values.
pub(super) fn deployment_strategy(name: &str, s: &str) -> Result<DeploymentStrategy, Problem> {
    match s {
        "ROLLING" => Ok(DeploymentStrategy::Rolling),
        "BLUE_GREEN" => Ok(DeploymentStrategy::BlueGreen),
        "LINEAR" => Ok(DeploymentStrategy::Linear),
        "CANARY" => Ok(DeploymentStrategy::Canary),
        other => Err(Problem::new(format!("unknown {name} {other:?}"), "use \"ROLLING\", \"BLUE_GREEN\", \"LINEAR\" or \"CANARY\"")),
    }
}

/// A lifecycle hook's stage: one of the seven that take hooks.
pub(super) fn hook_stage(s: &str) -> Result<LifecycleStage, Problem> {
    let allowed = LifecycleStage::ALL.iter().filter(|x| x.takes_hooks()).map(|x| x.as_str()).collect::<Vec<_>>().join(", ");
    match LifecycleStage::parse(s) {
        Some(st) if st.takes_hooks() => Ok(st),
        Some(st) => Err(Problem::new(format!("lifecycle stage {} takes no hook", st.as_str()), format!("hooks run at {allowed}"))),
        None => Err(Problem::new(format!("unknown lifecycle stage {s:?}"), format!("use one of {allowed}"))),
    }
}

/// What the settings of a blue/green, linear or canary deployment need together: the strategy's
/// own configuration only with it, `bakeTimeInMinutes` with BLUE_GREEN, hooks only with a
/// strategy that has stages, and a REPLICA service.
pub(super) fn strategy_combination(
    strategy: DeploymentStrategy,
    scheduling: SchedulingStrategy,
    has_bake_time: bool,
    has_linear: bool,
    has_canary: bool,
    has_hooks: bool,
) -> Vec<Problem> {
    let mut out = Vec::new();
    let s = strategy.as_str();
    if strategy != DeploymentStrategy::Rolling && scheduling == SchedulingStrategy::Daemon {
        out.push(Problem::new(format!("the {s} deployment strategy needs a REPLICA service"), "DAEMON services deploy by rolling update"));
    }
    if strategy == DeploymentStrategy::BlueGreen && !has_bake_time {
        out.push(Problem::new(
            "bakeTimeInMinutes is required for the BLUE_GREEN deployment strategy",
            "give bake_time_in_minutes (0 to 1440)",
        ));
    }
    if has_linear && strategy != DeploymentStrategy::Linear {
        out.push(Problem::new(
            format!("linearConfiguration is only valid with strategy LINEAR, not {s}"),
            "remove it or set strategy = \"LINEAR\"",
        ));
    }
    if has_canary && strategy != DeploymentStrategy::Canary {
        out.push(Problem::new(
            format!("canaryConfiguration is only valid with strategy CANARY, not {s}"),
            "remove it or set strategy = \"CANARY\"",
        ));
    }
    if has_hooks && strategy == DeploymentStrategy::Rolling {
        out.push(Problem::new(
            "lifecycle hooks need a BLUE_GREEN, LINEAR or CANARY deployment strategy",
            "set strategy, or remove the hooks",
        ));
    }
    out
}

fn within(name: &str, v: i64, lo: i64, hi: i64) -> Result<u32, String> {
    match u32::try_from(v) {
        Ok(n) if (lo..=hi).contains(&v) => Ok(n),
        _ => Err(format!("{name} {v} is outside {lo}–{hi}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_percentages_follow_the_scheduling_strategy() {
        assert_eq!(minimum_healthy_percent("m", 0), Ok(0));
        assert_eq!(minimum_healthy_percent("m", 101).unwrap_err().message, "m 101 is outside 0–100");
        assert_eq!(maximum_percent("x", 200, SchedulingStrategy::Replica), Ok(200));
        assert_eq!(maximum_percent("x", 99, SchedulingStrategy::Replica).unwrap_err().message, "x 99 is outside 100–2147483647");
        assert_eq!(maximum_percent("x", 100, SchedulingStrategy::Daemon), Ok(100));
        assert_eq!(maximum_percent("x", 200, SchedulingStrategy::Daemon).unwrap_err().message, "a DAEMON service's x must be 100, not 200");
        assert!(placement_strategy_count(5).is_ok());
        assert_eq!(placement_strategy_count(6).unwrap_err().message, "6 placement strategies; ECS allows at most 5");
    }

    /// The blue/green family's ranges: bake times 0–1440 min, stepPercent 3.0–100.0 and
    /// canaryPercent 0.1–100.0 in multiples of 0.1, seven stages that take hooks.
    #[test]
    fn blue_green_settings_follow_ecs_ranges() {
        assert_eq!(bake_minutes("b", 1440), Ok(1440));
        assert_eq!(bake_minutes("b", 1441).unwrap_err().message, "b 1441 is outside 0–1440");
        assert_eq!(tenth_percent("stepPercent", 12.5, 30), Ok(125));
        assert_eq!(
            tenth_percent("stepPercent", 2.9, 30).unwrap_err().message,
            "stepPercent 2.9 is not a multiple of 0.1 from 3.0 to 100.0"
        );
        assert!(tenth_percent("canaryPercent", 0.15, 1).is_err());
        assert_eq!(tenth_percent("canaryPercent", 0.1, 1), Ok(1));
        assert_eq!(hook_stage("POST_SCALE_UP"), Ok(LifecycleStage::PostScaleUp));
        assert_eq!(hook_stage("BAKE_TIME").unwrap_err().message, "lifecycle stage BAKE_TIME takes no hook");
        assert!(deployment_strategy("strategy", "BLUE-GREEN").is_err());
        let p = strategy_combination(DeploymentStrategy::BlueGreen, SchedulingStrategy::Replica, false, true, false, false);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(strategy_combination(DeploymentStrategy::Canary, SchedulingStrategy::Replica, false, false, true, true).is_empty());
    }
}
