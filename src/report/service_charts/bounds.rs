//! What the deployments chart draws beside the tasks of each deployment: the service's
//! desired count, its HEALTHY tasks, and the rolling update's bounds — at least
//! ceil(desired × minimumHealthyPercent ÷ 100) healthy, at most
//! floor(desired × maximumPercent ÷ 100) in flight — all as step functions `(t, n)`: `n`
//! holds from `t` (seconds) until the next point.

use super::{Life, TaskRow};
use crate::ecs::scheduler::rolling::{max_total, min_healthy};
use crate::sim::recorder::ServiceMinuteRow;

/// A step function of a count: `(t, n)`, `n` from `t` on; a point only where `n` changes.
pub type CountSteps = Vec<(f64, u32)>;

/// A health event of a task: it began to count as healthy, or the scheduler found it
/// unhealthy (events.csv's `healthy` and `unhealthy`). `task` is its index in tasks.csv.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthEvent {
    pub time_s: f64,
    pub task: usize,
    pub healthy: bool,
}

/// What the deployments chart draws beyond the tasks: the service's per-minute rows
/// (services.csv, any service's: the chart picks its own), the health events of every task,
/// and the service's deployment bounds in percent (`None`: not drawn).
#[derive(Debug, Clone, Copy, Default)]
pub struct ServiceLines<'a> {
    pub minutes: &'a [ServiceMinuteRow],
    pub health: &'a [HealthEvent],
    /// (minimumHealthyPercent, maximumPercent).
    pub bounds: Option<(u32, u32)>,
}

/// The desired count of `service` from its per-minute rows: each minute's value held across
/// its minute (`[time_s, time_s + 60)`), as every per-minute value is drawn.
pub fn desired_steps(minutes: &[ServiceMinuteRow], service: &str) -> CountSteps {
    dedup(minutes.iter().filter(|r| r.service == service).map(|r| (r.time_s as f64, r.desired)))
}

/// The lower bound of healthy tasks, ceil(desired × `minimum_healthy_percent` ÷ 100), as
/// the desired count steps.
pub fn min_healthy_steps(desired: &[(f64, u32)], minimum_healthy_percent: u32) -> CountSteps {
    dedup(desired.iter().map(|&(t, d)| (t, min_healthy(d, minimum_healthy_percent))))
}

/// The upper bound of tasks in flight, floor(desired × `maximum_percent` ÷ 100).
pub fn max_tasks_steps(desired: &[(f64, u32)], maximum_percent: u32) -> CountSteps {
    dedup(desired.iter().map(|&(t, d)| (t, max_total(d, maximum_percent))))
}

/// The number of HEALTHY tasks of `service` at every event time: a task counts from its
/// `healthy` event until the scheduler finds it unhealthy, is told to stop, or stops —
/// whichever comes first (a task on its way to STOPPED no longer counts toward the minimum).
/// `rows` are tasks.csv's rows, in task order (`HealthEvent::task` indexes them).
pub fn healthy_steps(rows: &[TaskRow], health: &[HealthEvent], service: &str) -> CountSteps {
    // Per task: the instant it became healthy, while it is.
    let mut since: std::collections::BTreeMap<usize, f64> = std::collections::BTreeMap::new();
    let mut changes: Vec<(f64, i64)> = Vec::new();
    let mut ordered: Vec<&HealthEvent> = health.iter().filter(|e| rows.get(e.task).is_some_and(|r| r.owner == service)).collect();
    ordered.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
    let end_of = |task: usize| {
        let life = Life::of(&rows[task]);
        life.serving_until.or(life.stopped)
    };
    for e in ordered {
        match (e.healthy, since.get(&e.task).copied()) {
            // A healthy event after the task was told to stop does not count.
            (true, None) if end_of(e.task).is_none_or(|end| e.time_s < end) => {
                since.insert(e.task, e.time_s);
                changes.push((e.time_s, 1));
            }
            (false, Some(from)) => {
                since.remove(&e.task);
                let end = end_of(e.task).map_or(e.time_s, |end| end.min(e.time_s));
                changes.push((end.max(from), -1));
            }
            _ => {}
        }
    }
    // The tasks still healthy at their last event stop counting when they are told to stop.
    for (task, from) in since {
        if let Some(end) = end_of(task) {
            changes.push((end.max(from), -1));
        }
    }
    changes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut level = 0i64;
    let mut out = Vec::new();
    for instant in changes.chunk_by(|a, b| a.0 == b.0) {
        level += instant.iter().map(|c| c.1).sum::<i64>();
        out.push((instant[0].0, level.max(0) as u32));
    }
    dedup(out.into_iter())
}

/// Only the points where the count changes (from 0 before the first).
fn dedup(points: impl Iterator<Item = (f64, u32)>) -> CountSteps {
    let mut out: CountSteps = Vec::new();
    for (t, n) in points {
        if out.last().map_or(0, |p| p.1) != n {
            out.push((t, n));
        }
    }
    out
}
