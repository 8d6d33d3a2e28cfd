//! Launch throttling of a service whose tasks keep failing to start (docs/ecs-model.md#launch-throttling).
//!
//! AWS documents only the shape (the delay grows, up to 15 minutes; a new task definition
//! resets it); the schedule is ecsim's choice (docs/ecs-model.md#launch-throttling): no delay for the first two consecutive
//! failures, then 300 s per further failure, capped at 900 s. A failure is a task that stopped
//! before reaching RUNNING, or a placement failure; a task that stops *after* RUNNING is not
//! one (a crash loop after start is the circuit breaker's business, not the throttle's).
//!
//! For what-if teaching a service may replace the schedule (`ThrottleSchedule`): switch the
//! delays off, or give its own list. ECS itself has no such setting.

/// Consecutive failures that cost no delay.
pub const FREE_FAILURES: u32 = 2;
/// Added delay per failure beyond `FREE_FAILURES`.
pub const DELAY_STEP_S: u64 = 300;
/// The documented cap: 15 minutes.
pub const MAX_DELAY_S: u64 = 900;
/// The failure count at which the service emits `service <name> is unable to consistently start
/// tasks successfully.`
pub const EVENT_AT_FAILURES: u32 = 3;

/// Seconds to wait after the latest failure before the next launch attempt:
/// 0 for f ≤ 2, else `min(900, 300 × (f − 2))` (f=3 → 300, f=4 → 600, f≥5 → 900).
pub fn launch_delay_s(consecutive_failures: u32) -> u64 {
    let beyond_free = consecutive_failures.saturating_sub(FREE_FAILURES) as u64;
    (DELAY_STEP_S * beyond_free).min(MAX_DELAY_S)
}

/// The delays a service waits after its 1st, 2nd, … consecutive failure; after the list, its
/// last delay repeats. Empty: no delay at all (the throttle switched off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleSchedule {
    pub delays_s: Vec<u64>,
}

impl Default for ThrottleSchedule {
    /// ECS's schedule as the simulator models it: 0, 0, 300, 600, 900, 900, … s.
    fn default() -> Self {
        Self { delays_s: (1..=FREE_FAILURES + (MAX_DELAY_S / DELAY_STEP_S) as u32).map(launch_delay_s).collect() }
    }
}

impl ThrottleSchedule {
    /// No delay after any number of failures.
    pub fn off() -> Self {
        Self { delays_s: vec![] }
    }

    /// The delay after the `consecutive_failures`-th failure in a row (0 after none).
    pub fn delay_s(&self, consecutive_failures: u32) -> u64 {
        if consecutive_failures == 0 {
            return 0;
        }
        let i = (consecutive_failures as usize - 1).min(self.delays_s.len().saturating_sub(1));
        self.delays_s.get(i).copied().unwrap_or(0)
    }
}

/// The throttle state of one service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Throttle {
    consecutive_failures: u32,
    /// When the latest failure happened; the delay runs from there.
    last_failure_at_s: u64,
    schedule: ThrottleSchedule,
}

impl Throttle {
    pub fn new() -> Self {
        Self::default()
    }

    /// A throttle with the service's own schedule.
    pub fn with_schedule(schedule: ThrottleSchedule) -> Self {
        Self { schedule, ..Self::default() }
    }

    /// A task of the service stopped before RUNNING, or placing one failed, at `at_s`.
    pub fn record_failure(&mut self, at_s: u64) {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        self.last_failure_at_s = at_s;
    }

    /// A task of the service reached RUNNING: the service can start tasks again.
    pub fn record_running(&mut self) {
        self.reset();
    }

    /// UpdateService with a new task definition: back to normal immediately (docs/ecs-model.md#launch-throttling).
    pub fn reset(&mut self) {
        self.consecutive_failures = 0;
        self.last_failure_at_s = 0;
    }

    pub fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }

    /// The current delay after the latest failure.
    pub fn delay_s(&self) -> u64 {
        self.schedule.delay_s(self.consecutive_failures)
    }

    /// The earliest time, not before `now_s`, at which the next launch may happen.
    pub fn next_launch_allowed_at(&self, now_s: u64) -> u64 {
        if self.consecutive_failures == 0 {
            return now_s;
        }
        now_s.max(self.last_failure_at_s + self.delay_s())
    }

    /// True right after the failure that makes the count reach `EVENT_AT_FAILURES`: the caller
    /// asks after each `record_failure`, so the event is emitted once per streak.
    pub fn should_emit_event(&self) -> bool {
        self.consecutive_failures == EVENT_AT_FAILURES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_schedule() {
        let delays: Vec<u64> = (0..=7).map(launch_delay_s).collect();
        assert_eq!(delays, vec![0, 0, 0, 300, 600, 900, 900, 900]);
        assert_eq!(launch_delay_s(u32::MAX), MAX_DELAY_S);
        // The default schedule is the same list, its last delay repeating.
        let schedule = ThrottleSchedule::default();
        assert_eq!(schedule.delays_s, vec![0, 0, 300, 600, 900]);
        let from_schedule: Vec<u64> = (0..=7).map(|f| schedule.delay_s(f)).collect();
        assert_eq!(from_schedule, delays);
        assert_eq!(schedule.delay_s(u32::MAX), MAX_DELAY_S);
    }

    /// What-if schedules: switched off, the service retries at once after every failure (the
    /// event is still emitted at the 3rd); with its own list [60, 120], the 1st failure costs
    /// 60 s and every later one 120 s.
    #[test]
    fn own_schedules() {
        let mut off = Throttle::with_schedule(ThrottleSchedule::off());
        for (i, t) in [20, 40, 60, 80, 100].into_iter().enumerate() {
            off.record_failure(t);
            assert_eq!(off.next_launch_allowed_at(t), t);
            assert_eq!(off.should_emit_event(), i == 2);
        }
        let mut own = Throttle::with_schedule(ThrottleSchedule { delays_s: vec![60, 120] });
        own.record_failure(20);
        assert_eq!(own.next_launch_allowed_at(20), 80, "20 + 60");
        own.record_failure(100);
        assert_eq!(own.next_launch_allowed_at(100), 220, "100 + 120");
        own.record_failure(240);
        assert_eq!(own.next_launch_allowed_at(240), 360, "the last delay repeats: 240 + 120");
        // A reset keeps the schedule.
        own.reset();
        own.record_failure(400);
        assert_eq!(own.next_launch_allowed_at(400), 460);
    }

    /// docs/ecs-model.md#example-launch-throttle: the image cannot be pulled, every attempt fails 20 s after launch (PENDING →
    /// STOPPED), desiredCount 1. Returns the launch times until `until_s` and the times at which
    /// the event was emitted; `update_at_s` is an UpdateService with a fixed task definition.
    fn replay_throttle_example(until_s: u64, update_at_s: Option<u64>) -> (Vec<u64>, Vec<u64>) {
        const FAILS_AFTER_S: u64 = 20;
        let mut throttle = Throttle::new();
        let mut launches = vec![];
        let mut events = vec![];
        let mut now_s = 0;
        loop {
            let launch_at_s = throttle.next_launch_allowed_at(now_s);
            // An update before the next attempt resets the throttle and launches at once.
            if let Some(update_s) = update_at_s.filter(|&u| u >= now_s && u < launch_at_s) {
                throttle.reset();
                launches.push(throttle.next_launch_allowed_at(update_s));
                return (launches, events);
            }
            if launch_at_s > until_s {
                return (launches, events);
            }
            launches.push(launch_at_s);
            now_s = launch_at_s + FAILS_AFTER_S;
            throttle.record_failure(now_s);
            if throttle.should_emit_event() {
                events.push(now_s);
            }
        }
    }

    #[test]
    fn throttle_example_launch_times() {
        let (launches, events) = replay_throttle_example(4000, None);
        assert_eq!(launches, vec![0, 20, 40, 360, 980, 1900, 2820, 3740], "every 920 s after t=980");
        assert_eq!(events, vec![60], "event once, when the 3rd failure happens");
    }

    #[test]
    fn throttle_example_update_service_resets() {
        let (launches, _) = replay_throttle_example(10_000, Some(2000));
        assert_eq!(launches, vec![0, 20, 40, 360, 980, 1900, 2000]);
    }

    #[test]
    fn a_running_task_resets_the_streak() {
        let mut throttle = Throttle::new();
        for t in [20, 40, 60, 80] {
            throttle.record_failure(t);
        }
        assert_eq!(throttle.next_launch_allowed_at(80), 680);
        throttle.record_running();
        assert_eq!(throttle.consecutive_failures(), 0);
        assert_eq!(throttle.next_launch_allowed_at(100), 100);
        // A new streak starts from zero: the event is emitted again at its 3rd failure.
        for t in [200, 220] {
            throttle.record_failure(t);
            assert!(!throttle.should_emit_event());
        }
        throttle.record_failure(240);
        assert!(throttle.should_emit_event());
    }
}
