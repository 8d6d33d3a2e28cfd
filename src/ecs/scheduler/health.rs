//! When a service task counts as healthy (docs/ecs-model.md#healthy-tasks) and when the scheduler declares it
//! unhealthy (docs/ecs-model.md#grace-period).
//!
//! The two verdicts are not complements: a task that has just started, or whose target is still
//! `initial`, is neither. "Healthy" feeds `minimumHealthyPercent` (the rolling update, docs/ecs-model.md#rolling-updates);
//! "unhealthy" makes the scheduler replace the task (docs/ecs-model.md#replica-reconciliation) and the circuit breaker count it
//! (docs/ecs-model.md#circuit-breaker). The caller (the simulation) owns the clock and the target/container states and passes
//! them in as plain values.

/// A RUNNING task of a service without load balancer and without container health check counts
/// as healthy after this many seconds (docs/ecs-model.md#healthy-tasks, docs/ecs-model.md#limits-and-defaults).
pub const NO_CHECK_HEALTHY_AFTER_S: u64 = 40;

/// What `counts_as_healthy` needs to know about one service task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthInput {
    /// Seconds since the task entered RUNNING; `None` when `lastStatus` is not RUNNING (before
    /// it, or already on the way to STOPPED).
    pub running_for_s: Option<u64>,
    /// `desiredStatus = RUNNING`.
    pub desired_running: bool,
    /// An essential container of the task definition has a `healthCheck`.
    pub has_container_health_check: bool,
    /// Task `healthStatus`: `Some(true)` HEALTHY, `Some(false)` UNHEALTHY, `None` UNKNOWN.
    pub container_healthy: Option<bool>,
    /// The service has at least one target group (`loadBalancers`).
    pub load_balanced: bool,
    /// The task's target is `healthy` in every target group of the service.
    pub target_healthy_in_all: bool,
}

/// Whether the task counts toward `minimumHealthyPercent` (docs/ecs-model.md#healthy-tasks).
///
/// | load balancer | container check | healthy when |
/// |---|---|---|
/// | no  | no  | RUNNING for `NO_CHECK_HEALTHY_AFTER_S` |
/// | no  | yes | `healthStatus = HEALTHY` |
/// | yes | no  | RUNNING and target healthy in every target group |
/// | yes | yes | both of the above |
///
/// A task the scheduler (or a user) already decided to stop never counts (ecsim's choice), so stopping a
/// task lowers the healthy count at once, which is what lets the rolling update bound it.
pub fn counts_as_healthy(input: &HealthInput) -> bool {
    if !input.desired_running {
        return false;
    }
    // Every case needs a RUNNING task: a container health status can only be HEALTHY for a
    // started container, and targets are registered at RUNNING (docs/ecs-model.md#target-registration).
    let Some(running_for_s) = input.running_for_s else {
        return false;
    };
    let container_ok = input.container_healthy == Some(true);
    match (input.load_balanced, input.has_container_health_check) {
        (false, false) => running_for_s >= NO_CHECK_HEALTHY_AFTER_S,
        (false, true) => container_ok,
        (true, false) => input.target_healthy_in_all,
        (true, true) => input.target_healthy_in_all && container_ok,
    }
}

/// What `is_unhealthy` needs to know about one service task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnhealthyInput {
    /// Seconds since the task entered RUNNING; `None` when `lastStatus` is not RUNNING.
    pub running_for_s: Option<u64>,
    /// `desiredStatus = RUNNING`.
    pub desired_running: bool,
    /// The service's `healthCheckGracePeriodSeconds`.
    pub grace_period_s: u64,
    /// Task `healthStatus = UNHEALTHY` (an essential container failed its check).
    pub container_unhealthy: bool,
    /// The task's target is `unhealthy` in at least one target group of the service. A target
    /// still `initial` is *not* unhealthy: it has no verdict yet (docs/ecs-model.md#grace-period).
    pub target_unhealthy_in_any: bool,
}

/// Whether the scheduler treats the task as failed and replaces it (docs/ecs-model.md#grace-period).
///
/// Unhealthy verdicts (target or container) are ignored for `grace_period_s` seconds after the
/// task enters RUNNING, so a slow-starting application is not killed while it warms up. The
/// grace period is over when `running_for_s >= grace_period_s` (with the default 0 the first
/// unhealthy verdict counts). A task already being stopped gets no further verdict: it is not
/// replaced twice nor counted twice by the circuit breaker.
pub fn is_unhealthy(input: &UnhealthyInput) -> bool {
    if !input.desired_running {
        return false;
    }
    let Some(running_for_s) = input.running_for_s else {
        return false;
    };
    if running_for_s < input.grace_period_s {
        return false;
    }
    input.container_unhealthy || input.target_unhealthy_in_any
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A task of a service without load balancer and without container check, RUNNING since
    /// `running_since_s`, observed at `now_s`.
    fn plain(running_since_s: u64, now_s: u64) -> HealthInput {
        HealthInput {
            running_for_s: now_s.checked_sub(running_since_s),
            desired_running: true,
            has_container_health_check: false,
            container_healthy: None,
            load_balanced: false,
            target_healthy_in_all: false,
        }
    }

    #[test]
    fn rule_40_s_example_no_lb_no_check_is_healthy_40_s_after_running() {
        // Launched at t=0, RUNNING at t=10 → healthy from t=50.
        assert!(!counts_as_healthy(&plain(10, 5)), "not RUNNING yet");
        assert!(!counts_as_healthy(&plain(10, 10)));
        assert!(!counts_as_healthy(&plain(10, 49)));
        assert!(counts_as_healthy(&plain(10, 50)));
        assert!(counts_as_healthy(&plain(10, 5000)));
    }

    /// The container of docs/ecs-model.md#example-container-health-check: started (RUNNING) at t=10, check interval 10 s, retries 3.
    fn checked(now_s: u64, container_healthy: Option<bool>) -> HealthInput {
        HealthInput { has_container_health_check: true, container_healthy, ..plain(10, now_s) }
    }

    #[test]
    fn container_check_example_a_container_check_counts_from_first_passing_check() {
        // Before the first check (t=20) the status is UNKNOWN: not healthy, even past 40 s of
        // RUNNING — the 40 s rule is only for tasks without a check.
        assert!(!counts_as_healthy(&checked(15, None)));
        assert!(!counts_as_healthy(&checked(60, None)));
        assert!(counts_as_healthy(&checked(20, Some(true))));
    }

    #[test]
    fn container_check_example_b_container_unhealthy_at_third_failure_is_replaced() {
        // Checks fail at t=20, 30, 40 → UNHEALTHY at t=40 (running for 30 s).
        let at = |now_s: u64, unhealthy: bool| UnhealthyInput {
            running_for_s: Some(now_s - 10),
            desired_running: true,
            grace_period_s: 0,
            container_unhealthy: unhealthy,
            target_unhealthy_in_any: false,
        };
        assert!(!is_unhealthy(&at(30, false)), "two failures: still UNKNOWN");
        assert!(is_unhealthy(&at(40, true)));
        assert!(!counts_as_healthy(&checked(40, Some(false))));
        // With a 60 s grace period the verdict is ignored until t=70 (60 s after RUNNING).
        let graced = |now_s: u64| UnhealthyInput { grace_period_s: 60, ..at(now_s, true) };
        assert!(!is_unhealthy(&graced(40)));
        assert!(!is_unhealthy(&graced(69)));
        assert!(is_unhealthy(&graced(70)));
    }

    #[test]
    fn lb_and_check_example_lb_and_check_needs_both() {
        // Target registered at t=10 and healthy right after its first check; container HEALTHY
        // only at t=20 → the task counts from t=20.
        let lb = |now_s: u64, target: bool, container: Option<bool>| HealthInput {
            load_balanced: true,
            target_healthy_in_all: target,
            ..checked(now_s, container)
        };
        assert!(!counts_as_healthy(&lb(10, false, None)), "target initial");
        assert!(!counts_as_healthy(&lb(11, true, None)), "target healthy, container UNKNOWN");
        assert!(counts_as_healthy(&lb(20, true, Some(true))));
        // initialHealthyChecks = "threshold": target healthy only at t=130.
        assert!(!counts_as_healthy(&lb(129, false, Some(true))));
        assert!(counts_as_healthy(&lb(130, true, Some(true))));
    }

    #[test]
    fn lb_without_check_needs_running_and_target_healthy_everywhere() {
        let lb = |running_for_s: Option<u64>, target: bool| HealthInput {
            running_for_s,
            load_balanced: true,
            target_healthy_in_all: target,
            ..plain(0, 0)
        };
        assert!(counts_as_healthy(&lb(Some(0), true)), "no 40 s wait behind a load balancer");
        assert!(!counts_as_healthy(&lb(Some(500), false)));
        assert!(!counts_as_healthy(&lb(None, true)), "not RUNNING");
    }

    #[test]
    fn a_task_being_stopped_is_never_healthy_nor_unhealthy() {
        let stopping = HealthInput { desired_running: false, ..plain(0, 1000) };
        assert!(!counts_as_healthy(&stopping));
        let failed = UnhealthyInput {
            running_for_s: Some(1000),
            desired_running: false,
            grace_period_s: 0,
            container_unhealthy: true,
            target_unhealthy_in_any: true,
        };
        assert!(!is_unhealthy(&failed));
        assert!(is_unhealthy(&UnhealthyInput { desired_running: true, ..failed }));
    }

    #[test]
    fn an_initial_target_is_neither_healthy_nor_unhealthy() {
        // Target still `initial`: not healthy in every group, not unhealthy in any.
        let health = HealthInput { load_balanced: true, target_healthy_in_all: false, ..plain(0, 600) };
        let verdict = UnhealthyInput {
            running_for_s: Some(600),
            desired_running: true,
            grace_period_s: 0,
            container_unhealthy: false,
            target_unhealthy_in_any: false,
        };
        assert!(!counts_as_healthy(&health));
        assert!(!is_unhealthy(&verdict));
    }

    #[test]
    fn not_running_tasks_get_no_unhealthy_verdict() {
        let pending = UnhealthyInput {
            running_for_s: None,
            desired_running: true,
            grace_period_s: 0,
            container_unhealthy: true,
            target_unhealthy_in_any: true,
        };
        assert!(!is_unhealthy(&pending));
    }
}
