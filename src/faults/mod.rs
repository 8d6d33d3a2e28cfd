//! Failures and what they cost (docs/ecs-model.md#spot-interruptions, docs/ecs-model.md#instance-failure,
//! docs/ecs-model.md#load-balancer): the faults a scenario injects, the
//! service-level objective it is held to, and the pure arithmetic of the resilience report.
//!
//! A fault is one `[[faults]]` entry. It fires at given times (`at`) or at times drawn from a
//! distribution by a random stream of its own (`time_to_failure`, `rate_per_hour`), so that a
//! change elsewhere in the scenario — another placement strategy, say — leaves every failure time
//! where it was (common random numbers). The stream of a per-instance or per-task draw is named
//! after the fault and the instance's (task's) ordinal, not after the order in which draws happen.
//!
//! | kind | what happens |
//! |---|---|
//! | `instance_failure` | the instance becomes unreachable: requests to its tasks time out (504), load-balancer checks time out; after
//! `detection` ECS marks its tasks STOPPED and the instance INACTIVE; an Auto Scaling group replaces it after `replace_after` |
//! | `agent_disconnect` | the ECS agent loses its connection for `duration`: no task is placed there, the tasks keep serving |
//! | `zone_outage` | every instance (and Fargate task) of the zone is unreachable from `at` for `duration`; ECS stops their tasks after
//! `detection` and places replacements elsewhere; groups launch in the other zones; the zone's instances come back at the end unless
//! their group replaced them |
//! | `spot_interruption` | the two-minute notice: with `draining` (ECS_ENABLE_SPOT_INSTANCE_DRAINING) the instance is set to DRAINING; at
//! notice + 120 s it is terminated and its group launches a replacement. On FARGATE_SPOT the task is stopped at the notice (SIGTERM) and
//! killed at + 120 s |
//! | `app_crash` | an essential container of a task exits (stop code EssentialContainerExited); requests in flight get 502 |
//! | `bad_revision` | at `at` the service is updated to a new revision whose containers exit, fail their health checks, or fail to start |
//!
//! `sim::faults` carries them out and measures each occurrence: tasks lost, requests failed, the
//! lowest healthy count of every affected service and the time until it is back at its desired
//! count. [`evaluate_slo`] holds the run against the scenario's `[slo]`.

use crate::engine::Span;
use crate::workload::Distribution;
use serde::Serialize;

/// The EC2 Spot interruption notice (docs/ecs-model.md#spot-interruptions, docs/ecs-model.md#limits-and-defaults).
pub const SPOT_NOTICE: Span = Span(120_000_000);

/// One `[[faults]]` entry, validated.
#[derive(Debug, Clone)]
pub struct FaultSpec {
    /// `name`, or `<kind>-<n>`: the `fault` column of faults.csv and the random stream's name.
    pub name: String,
    pub kind: FaultKind,
}

#[derive(Debug, Clone)]
pub enum FaultKind {
    InstanceFailure {
        target: InstanceTarget,
        timing: Timing,
        detection: Span,
        replace_after: Span,
    },
    AgentDisconnect {
        target: InstanceTarget,
        timing: Timing,
        duration: Span,
    },
    ZoneOutage {
        zone: String,
        at: Span,
        duration: Span,
        detection: Span,
        replace_after: Span,
    },
    SpotInterruption {
        target: SpotTarget,
        timing: Timing,
        draining: bool,
    },
    AppCrash {
        service: usize,
        timing: Timing,
    },
    /// The update itself is an `UpdateService` action added at load time; the fault only
    /// measures it.
    BadRevision {
        service: usize,
        at: Span,
        task_definition: usize,
        failure: BadRevisionFailure,
    },
}

impl FaultKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            FaultKind::InstanceFailure { .. } => "instance_failure",
            FaultKind::AgentDisconnect { .. } => "agent_disconnect",
            FaultKind::ZoneOutage { .. } => "zone_outage",
            FaultKind::SpotInterruption { .. } => "spot_interruption",
            FaultKind::AppCrash { .. } => "app_crash",
            FaultKind::BadRevision { .. } => "bad_revision",
        }
    }
}

/// Which instances an instance fault may hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceTarget {
    /// These instances of the cluster at t = 0 (ordinals).
    Instances(Vec<u32>),
    /// The instances of a named `[[cluster.instances]]` group (attribute `ecsim.instance-group`).
    Group(String),
    /// The instances of an Auto Scaling group, those it launches later included.
    AutoScalingGroup(usize),
}

/// What a spot interruption hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpotTarget {
    Instances(InstanceTarget),
    /// Fargate Spot tasks, of one service or of all.
    FargateSpot {
        service: Option<usize>,
    },
}

/// When a fault fires.
#[derive(Debug, Clone, PartialEq)]
pub enum Timing {
    /// At each of these times, on one target: the only one, or one drawn uniformly among the
    /// live targets by the fault's stream.
    At(Vec<Span>),
    /// Each target fails once, this long after it starts (an instance's registration, a task's
    /// RUNNING). `rate_per_hour = r` is an exponential with mean 1/r hours.
    Lifetime(Distribution),
}

/// How a bad revision fails (docs/ecs-model.md#circuit-breaker's two stages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadRevisionFailure {
    /// Containers exit this long after RUNNING. The tasks are replaced, in a loop; the circuit
    /// breaker does not count them (stage 2 counts tasks stopped for failed health checks only,
    /// docs/ecs-model.md#circuit-breaker), so such a deployment never fails by itself — `HealthCheck` does.
    Exits(Span),
    /// Container health checks fail (and the load balancer's checks get errors).
    HealthCheck,
    /// Tasks never reach RUNNING: STOPPED this long after placement (stage 1).
    FailsToStart(Span),
}

/// `[slo]`: what the run is held to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Slo {
    /// Successful ÷ all requests, percent (e.g. 99.9).
    pub availability_pct: Option<f64>,
    /// p99 of TargetResponseTime over the run, milliseconds.
    pub latency_ms_p99: Option<f64>,
}

impl Slo {
    pub fn is_empty(&self) -> bool {
        self.availability_pct.is_none() && self.latency_ms_p99.is_none()
    }
}

/// The run against its SLO (summary.json `slo`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SloReport {
    pub met: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_pct_objective: Option<f64>,
    pub availability_pct: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_met: Option<bool>,
    /// Requests allowed to fail: (1 − objective) × requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_budget_requests: Option<f64>,
    pub failed_requests: u64,
    /// failed ÷ budget × 100: above 100 the budget is blown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_budget_spent_pct: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms_p99_objective: Option<f64>,
    pub latency_ms_p99: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_met: Option<bool>,
}

/// Holds `requests` / `failed` / the run's p99 against `slo`.
///
/// Worked example: objective 99.9 %, 1,000,000 requests, 400 failed → availability 99.96 %,
/// budget (1 − 0.999) × 1,000,000 = 1,000 requests, 40 % of it spent, met.
pub fn evaluate_slo(slo: &Slo, requests: u64, failed: u64, latency_ms_p99: Option<f64>) -> SloReport {
    let availability_pct = if requests == 0 { 100.0 } else { 100.0 * (requests - failed) as f64 / requests as f64 };
    let budget = slo.availability_pct.map(|o| (1.0 - o / 100.0) * requests as f64);
    let spent = budget.map(|b| {
        if b > 0.0 {
            100.0 * failed as f64 / b
        } else if failed == 0 {
            0.0
        } else {
            f64::INFINITY
        }
    });
    let availability_met = slo.availability_pct.map(|o| availability_pct >= o);
    // No request, no latency: an objective with nothing measured is not failed.
    let latency_met = slo.latency_ms_p99.map(|o| latency_ms_p99.is_none_or(|p| p <= o));
    SloReport {
        met: availability_met.unwrap_or(true) && latency_met.unwrap_or(true),
        availability_pct_objective: slo.availability_pct,
        availability_pct: round6(availability_pct),
        availability_met,
        error_budget_requests: budget.map(round3),
        failed_requests: failed,
        error_budget_spent_pct: spent.map(|s| if s.is_finite() { round3(s) } else { s }),
        latency_ms_p99_objective: slo.latency_ms_p99,
        latency_ms_p99,
        latency_met,
    }
}

fn round3(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// One row of faults.csv: one occurrence of a fault, seen from one service it hit (or from
/// none, `service` empty, when it hit no service task).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FaultRow {
    /// Occurrence number in the run (rows of one occurrence share it).
    pub occurrence: u32,
    pub fault: String,
    pub kind: &'static str,
    /// The instance (EC2 id), zone, task or service it hit.
    pub target: String,
    pub start_s: f64,
    /// When the fault itself ended (outage over, agent back, instance terminated); the start
    /// for instantaneous faults.
    pub end_s: f64,
    pub service: String,
    /// Desired count of the service when the fault started.
    pub desired: u32,
    /// The service's tasks the fault stopped.
    pub tasks_lost: u32,
    /// Lowest count of the service's healthy, reachable tasks from the start to recovery.
    pub lowest_healthy: u32,
    /// When the service was back at its desired healthy count (empty: not by the end).
    pub recovered_s: Option<f64>,
    pub time_to_recover_s: Option<f64>,
    /// Requests that failed (5xx, from the load balancer or a target) from the start of the
    /// occurrence until its last service recovered or the run ended — every request in that
    /// window, whatever the cause, so overlapping occurrences share them.
    pub requests_failed: u64,
    pub detail: String,
}

/// summary.json `faults`: per occurrence kind, and the run's worst figures.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct FaultsSummary {
    pub occurrences: u32,
    pub tasks_lost: u32,
    /// Longest time to recover over the rows that recovered, seconds.
    pub time_to_recover_s_max: Option<f64>,
    /// Rows whose service was not back at its desired healthy count by the end.
    pub not_recovered: u32,
    /// Lowest healthy count over every row, as a share of that row's desired count, percent.
    pub lowest_healthy_pct: Option<f64>,
    /// Sum over occurrences of their failed requests (each occurrence once).
    pub requests_failed: u64,
}

/// Sums faults.csv into the summary figures.
pub fn summarize(rows: &[FaultRow]) -> FaultsSummary {
    let mut s = FaultsSummary::default();
    let mut last_occurrence = None;
    for r in rows {
        if last_occurrence != Some(r.occurrence) {
            s.occurrences += 1;
            s.requests_failed += r.requests_failed;
            last_occurrence = Some(r.occurrence);
        }
        s.tasks_lost += r.tasks_lost;
        if !r.service.is_empty() {
            match r.time_to_recover_s {
                Some(t) => s.time_to_recover_s_max = Some(s.time_to_recover_s_max.map_or(t, |m: f64| m.max(t))),
                None => s.not_recovered += 1,
            }
            if r.desired > 0 {
                let pct = round3(100.0 * r.lowest_healthy as f64 / r.desired as f64);
                s.lowest_healthy_pct = Some(s.lowest_healthy_pct.map_or(pct, |m: f64| m.min(pct)));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slo_worked_example() {
        // 1,000,000 requests, 400 failed, objective 99.9 %: budget 1,000, 40 % spent.
        let slo = Slo { availability_pct: Some(99.9), latency_ms_p99: Some(200.0) };
        let r = evaluate_slo(&slo, 1_000_000, 400, Some(150.0));
        assert_eq!(r.availability_pct, 99.96);
        assert_eq!(r.error_budget_requests, Some(1000.0));
        assert_eq!(r.error_budget_spent_pct, Some(40.0));
        assert_eq!((r.availability_met, r.latency_met, r.met), (Some(true), Some(true), true));
        // 1,500 failed: 150 % of the budget, not met; a p99 of 250 ms misses 200 ms.
        let r = evaluate_slo(&slo, 1_000_000, 1500, Some(250.0));
        assert_eq!(r.error_budget_spent_pct, Some(150.0));
        assert_eq!((r.availability_met, r.latency_met, r.met), (Some(false), Some(false), false));
    }

    #[test]
    fn no_requests_meet_any_objective() {
        let slo = Slo { availability_pct: Some(99.99), latency_ms_p99: Some(100.0) };
        let r = evaluate_slo(&slo, 0, 0, None);
        assert!(r.met);
        assert_eq!(r.availability_pct, 100.0);
        assert_eq!(r.error_budget_spent_pct, Some(0.0));
    }

    #[test]
    fn summary_counts_each_occurrence_once() {
        let row = |occurrence, service: &str, lost, lowest, ttr: Option<f64>| FaultRow {
            occurrence,
            fault: "az".into(),
            kind: "zone_outage",
            target: "us-east-1a".into(),
            start_s: 600.0,
            end_s: 1200.0,
            service: service.into(),
            desired: 6,
            tasks_lost: lost,
            lowest_healthy: lowest,
            recovered_s: ttr.map(|t| 600.0 + t),
            time_to_recover_s: ttr,
            requests_failed: 100,
            detail: String::new(),
        };
        let s = summarize(&[row(0, "web", 2, 4, Some(95.0)), row(0, "api", 3, 3, None), row(1, "web", 1, 5, Some(60.0))]);
        assert_eq!(s.occurrences, 2);
        assert_eq!(s.requests_failed, 200);
        assert_eq!(s.tasks_lost, 6);
        assert_eq!(s.time_to_recover_s_max, Some(95.0));
        assert_eq!(s.not_recovered, 1);
        assert_eq!(s.lowest_healthy_pct, Some(50.0));
    }
}
