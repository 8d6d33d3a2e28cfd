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
use crate::ecs::service::SchedulingStrategy;

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
}
