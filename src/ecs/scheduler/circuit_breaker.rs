//! The deployment circuit breaker of the rolling (`ECS`) controller (docs/ecs-model.md#circuit-breaker).
//!
//! `threshold` turns the desired count into the number of failed tasks that fails a deployment;
//! `CircuitBreaker` counts the failures of one deployment in two stages: first tasks that stop
//! before RUNNING, then — once any task of the deployment has reached RUNNING — tasks stopped
//! for failed health checks. Whether the deployment then rolls back is the caller's decision
//! (`deploymentCircuitBreaker.rollback`).

/// How the threshold is derived from the desired count (`thresholdConfiguration.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdType {
    /// `ceil(value% × desired)`, clamped to `[minimum, maximum]` (the default).
    BoundedPercent,
    /// `ceil(value% × desired)`, unclamped.
    UnboundedPercent,
    /// `value` failed tasks, whatever the desired count.
    Count,
}

/// `thresholdConfiguration`, plus the bounds of `BoundedPercent` as parameters because the
/// documentation disagrees on the minimum (docs/ecs-model.md#choice-circuit-breaker-minimum: 3 in the current API reference, 10 in the
/// 2023 developer guide).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThresholdConfig {
    pub kind: ThresholdType,
    /// Percent of the desired count (percent types) or a task count (`Count`).
    pub value: u32,
    /// Lower bound of `BoundedPercent`.
    pub minimum: u32,
    /// Upper bound of `BoundedPercent`.
    pub maximum: u32,
}

/// The current API reference: 50 %, bounded to 3..=200.
pub const DEFAULT_PERCENT: u32 = 50;
pub const DEFAULT_MINIMUM: u32 = 3;
/// The minimum of the 2023 developer guide (docs/ecs-model.md#choice-circuit-breaker-minimum).
pub const MINIMUM_2023_GUIDE: u32 = 10;
pub const DEFAULT_MAXIMUM: u32 = 200;

impl Default for ThresholdConfig {
    fn default() -> Self {
        ThresholdConfig { kind: ThresholdType::BoundedPercent, value: DEFAULT_PERCENT, minimum: DEFAULT_MINIMUM, maximum: DEFAULT_MAXIMUM }
    }
}

impl ThresholdConfig {
    /// The 2023 developer guide's reading: minimum 10 instead of 3.
    pub fn guide_2023() -> Self {
        ThresholdConfig { minimum: MINIMUM_2023_GUIDE, ..Self::default() }
    }
}

/// Failed tasks that fail the deployment: `min(200, max(3, ceil(0.5 × desired)))` by default
/// (desired 4 → 3, 25 → 13, 1000 → 200).
///
/// Never below 1 (ecsim's choice): a threshold of 0 (a percentage of desired count 0, or `Count` 0) would
/// mean "failed before any failure", which no reading of the documentation supports.
pub fn threshold(desired: u32, config: &ThresholdConfig) -> u32 {
    let percent_of_desired = || (desired as u64 * config.value as u64).div_ceil(100).min(u32::MAX as u64) as u32;
    let raw = match config.kind {
        ThresholdType::BoundedPercent => percent_of_desired().max(config.minimum).min(config.maximum),
        ThresholdType::UnboundedPercent => percent_of_desired(),
        ThresholdType::Count => config.value,
    };
    raw.max(1)
}

/// Which failures count (docs/ecs-model.md#circuit-breaker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// No task of the deployment has reached RUNNING yet: tasks that stop before RUNNING count.
    FailingToStart,
    /// Some task reached RUNNING: tasks stopped for failed ELB / Cloud Map / container health
    /// checks count.
    FailingHealthChecks,
}

/// What one recorded event did to the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// The event does not count in the current stage, or the breaker has already tripped.
    Ignored,
    /// `failedTasks` went up and is still below the threshold.
    Counted,
    /// `failedTasks` just reached the threshold: the deployment is FAILED. Returned once, so
    /// the caller fails (and maybe rolls back) the deployment exactly once.
    Tripped,
}

/// The breaker of one deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CircuitBreaker {
    threshold: u32,
    failed_tasks: u32,
    stage: Stage,
    tripped: bool,
}

impl CircuitBreaker {
    /// A breaker for a new deployment; `threshold` from `threshold(desired, config)`.
    pub fn new(threshold: u32) -> Self {
        CircuitBreaker { threshold: threshold.max(1), failed_tasks: 0, stage: Stage::FailingToStart, tripped: false }
    }

    pub fn threshold(&self) -> u32 {
        self.threshold
    }
    /// The deployment's `failedTasks`.
    pub fn failed_tasks(&self) -> u32 {
        self.failed_tasks
    }
    pub fn stage(&self) -> Stage {
        self.stage
    }
    pub fn is_tripped(&self) -> bool {
        self.tripped
    }

    /// A task of the deployment reached RUNNING: stage 2 from now on (docs/ecs-model.md#choice-circuit-breaker-stage-1). The count is
    /// kept: the documentation never says it restarts (ecsim's choice).
    pub fn record_task_running(&mut self) {
        self.stage = Stage::FailingHealthChecks;
    }

    /// A task of the deployment went to STOPPED without reaching RUNNING (PENDING → STOPPED,
    /// including `TaskFailedToStart`). Counts only in stage 1 (docs/ecs-model.md#circuit-breaker): once a task of the
    /// revision has run, the breaker watches health checks instead.
    pub fn record_stopped_before_running(&mut self) -> Record {
        match self.stage {
            Stage::FailingToStart => self.count(),
            Stage::FailingHealthChecks => Record::Ignored,
        }
    }

    /// A task of the deployment was declared unhealthy (ELB target, Cloud Map or container
    /// health check, after the grace period) and is being stopped by the scheduler. Such a task
    /// was RUNNING, so this also moves the breaker to stage 2 if the caller had not said so.
    pub fn record_failed_health_check(&mut self) -> Record {
        self.record_task_running();
        self.count()
    }

    fn count(&mut self) -> Record {
        if self.tripped {
            return Record::Ignored;
        }
        self.failed_tasks += 1;
        if self.failed_tasks >= self.threshold {
            self.tripped = true;
            Record::Tripped
        } else {
            Record::Counted
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_threshold_is_half_the_desired_count_bounded_3_to_200() {
        let config = ThresholdConfig::default();
        assert_eq!(threshold(4, &config), 3, "docs/ecs-model.md#example-circuit-breaker: max(3, ceil(2))");
        assert_eq!(threshold(25, &config), 13, "ceil(12.5)");
        assert_eq!(threshold(1000, &config), 200);
        assert_eq!(threshold(399, &config), 200, "ceil(199.5)");
        assert_eq!(threshold(397, &config), 199);
        assert_eq!(threshold(0, &config), 3);
        assert_eq!(threshold(1, &config), 3);
    }

    #[test]
    fn guide_2023_minimum_is_10() {
        let config = ThresholdConfig::guide_2023();
        assert_eq!(threshold(4, &config), 10);
        assert_eq!(threshold(25, &config), 13);
        assert_eq!(threshold(1000, &config), 200);
    }

    #[test]
    fn unbounded_percent_and_count() {
        let unbounded = ThresholdConfig { kind: ThresholdType::UnboundedPercent, value: 50, ..ThresholdConfig::default() };
        assert_eq!(threshold(1000, &unbounded), 500);
        assert_eq!(threshold(4, &unbounded), 2);
        assert_eq!(threshold(0, &unbounded), 1, "never 0");
        let count = ThresholdConfig { kind: ThresholdType::Count, value: 7, ..ThresholdConfig::default() };
        assert_eq!(threshold(4, &count), 7);
        assert_eq!(threshold(1000, &count), 7);
        let bounded_20 = ThresholdConfig { value: 20, ..ThresholdConfig::default() };
        assert_eq!(threshold(100, &bounded_20), 20);
    }

    #[test]
    fn circuit_breaker_example_fails_at_the_third_task_that_cannot_start() {
        // desiredCount 4 → threshold 3; the new image crashes on start (PENDING → STOPPED).
        let mut breaker = CircuitBreaker::new(threshold(4, &ThresholdConfig::default()));
        assert_eq!(breaker.record_stopped_before_running(), Record::Counted);
        assert_eq!(breaker.record_stopped_before_running(), Record::Counted);
        assert!(!breaker.is_tripped());
        assert_eq!(breaker.record_stopped_before_running(), Record::Tripped);
        assert_eq!(breaker.failed_tasks(), 3);
        assert!(breaker.is_tripped());
        // Tripped is reported once; later failures change nothing.
        assert_eq!(breaker.record_stopped_before_running(), Record::Ignored);
        assert_eq!(breaker.failed_tasks(), 3);
    }

    #[test]
    fn stage_2_counts_health_check_failures_only() {
        let mut breaker = CircuitBreaker::new(3);
        assert_eq!(breaker.stage(), Stage::FailingToStart);
        assert_eq!(breaker.record_stopped_before_running(), Record::Counted);
        breaker.record_task_running();
        assert_eq!(breaker.stage(), Stage::FailingHealthChecks);
        // Stage 2 ignores start failures.
        assert_eq!(breaker.record_stopped_before_running(), Record::Ignored);
        assert_eq!(breaker.failed_tasks(), 1, "stage-1 failures are kept");
        assert_eq!(breaker.record_failed_health_check(), Record::Counted);
        assert_eq!(breaker.record_failed_health_check(), Record::Tripped);
    }

    #[test]
    fn a_health_check_failure_implies_a_task_ran() {
        let mut breaker = CircuitBreaker::new(5);
        assert_eq!(breaker.record_failed_health_check(), Record::Counted);
        assert_eq!(breaker.stage(), Stage::FailingHealthChecks);
        assert_eq!(breaker.record_stopped_before_running(), Record::Ignored);
    }
}
