//! Scheduled actions (docs/ecs-model.md#scheduled-scaling): at a time given by `at(...)`, `rate(...)` or `cron(...)`,
//! set MinCapacity and/or MaxCapacity, then bring the desired count inside the new range.
//! Scheduled actions ignore cooldowns.
//!
//! Schedules work in Unix seconds (UTC). Simulated time 0 is an instant the scenario names
//! ([`DEFAULT_START_UNIX_S`] = 2026-01-01T00:00:00Z unless it says otherwise); an action is put
//! at `created_unix_s` (normally that instant) and never fires before it.
//!
//! The expressions and the action are here; the cron grammar is in [`cron`], and the
//! `Timezone` (UTC, fixed offsets, IANA regions with daylight saving) in [`zone`].

pub mod cron;
pub mod zone;

pub use cron::Cron;
pub use zone::TimeZone;

use super::target::ScalableTarget;
use super::ScalingDecision;
use crate::engine::calendar::{DateTime, SECONDS_PER_DAY};
use cron::split_fields;
use std::fmt;

/// 2026-01-01T00:00:00Z: the instant simulated time 0 stands for unless the scenario says.
pub const DEFAULT_START_UNIX_S: i64 = 1_767_225_600;

/// The Unix time of simulated second `sim_s` in a run that starts at `start_unix_s`.
pub fn unix_of_sim(sim_s: u64, start_unix_s: i64) -> i64 {
    start_unix_s.saturating_add(i64::try_from(sim_s).unwrap_or(i64::MAX))
}

/// The simulated second of Unix time `unix_s` (`None` before the start of the run).
pub fn sim_of_unix(unix_s: i64, start_unix_s: i64) -> Option<u64> {
    u64::try_from(unix_s.checked_sub(start_unix_s)?).ok()
}

/// A problem in a schedule expression, with the character (0-based, in the whole expression)
/// it is about when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError {
    pub message: String,
    pub help: String,
    pub at_char: Option<usize>,
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.help)
    }
}

fn schedule_error(at: usize, message: impl Into<String>, help: impl Into<String>) -> ScheduleError {
    ScheduleError { message: message.into(), help: help.into(), at_char: Some(at) }
}

const SCHEDULE_HELP: &str = "write at(2026-01-05T08:00:00), rate(5 minutes) or cron(0 8 ? * MON-FRI *)";
const CRON_HELP: &str = "six fields: minutes hours day-of-month month day-of-week year, e.g. cron(0 8 ? * MON-FRI *)";

/// When an action runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Once, at this wall-clock time in the action's time zone.
    At(DateTime),
    /// Every `every_s` seconds.
    Rate {
        every_s: i64,
    },
    Cron(Cron),
}

impl Schedule {
    /// Parses `at(yyyy-mm-ddThh:mm:ss)`, `rate(N minute[s]|hour[s]|day[s])` or `cron(fields)`.
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        // ASCII only, so byte offsets are the character positions errors report.
        if let Some(i) = text.chars().position(|c| !c.is_ascii()) {
            return Err(schedule_error(
                i,
                format!("unexpected character {:?} in the schedule", text.chars().nth(i).unwrap_or(' ')),
                SCHEDULE_HELP,
            ));
        }
        let Some(open) = text.find('(') else {
            return Err(schedule_error(0, format!("{text:?} is not a schedule expression"), SCHEDULE_HELP));
        };
        if !text.ends_with(')') {
            return Err(schedule_error(text.len(), "the schedule expression does not end with `)`", SCHEDULE_HELP));
        }
        let inner = &text[open + 1..text.len() - 1];
        let at = open + 1;
        match &text[..open] {
            "at" => parse_at(inner, at).map(Schedule::At),
            "rate" => parse_rate(inner, at),
            "cron" => Cron::parse(inner, at).map(Schedule::Cron),
            other => Err(schedule_error(0, format!("unknown schedule kind {other:?}"), SCHEDULE_HELP)),
        }
    }
}

fn parse_at(inner: &str, at: usize) -> Result<DateTime, ScheduleError> {
    let help = "at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-01-05T08:00:00), in the action's time zone (UTC by default)";
    let b = inner.as_bytes();
    let shape_ok = b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(schedule_error(at, format!("{inner:?} is not a date and time of the form yyyy-mm-ddThh:mm:ss"), help));
    }
    let n = |from: usize, to: usize| inner[from..to].parse::<u32>().unwrap_or(0);
    DateTime::new(i64::from(n(0, 4)), n(5, 7), n(8, 10), n(11, 13), n(14, 16), n(17, 19))
        .ok_or_else(|| schedule_error(at, format!("{inner} is not a real date and time"), help))
}

fn parse_rate(inner: &str, at: usize) -> Result<Schedule, ScheduleError> {
    let help = "rate(value unit) with a whole value of 1 or more and a unit of minute(s), hour(s) or day(s), e.g. rate(15 minutes)";
    let words: Vec<(usize, &str)> = split_fields(inner);
    let [(value_at, value), (unit_at, unit)] = words[..] else {
        return Err(schedule_error(at, format!("rate({inner}) needs a value and a unit"), help));
    };
    let n: i64 = match value.parse::<i64>() {
        Ok(n) if (1..=1_000_000_000).contains(&n) => n,
        _ => return Err(schedule_error(at + value_at, format!("rate value {value:?} is not a whole number of 1 or more"), help)),
    };
    let unit_s = match unit {
        "minute" | "minutes" => 60,
        "hour" | "hours" => 3600,
        "day" | "days" => SECONDS_PER_DAY,
        _ => return Err(schedule_error(at + unit_at, format!("rate unit {unit:?} is not minute(s), hour(s) or day(s)"), help)),
    };
    Ok(Schedule::Rate { every_s: n * unit_s })
}

/// `anchor + k × every` for the smallest `k ≥ min_k` that is after `after` (`None` on overflow).
fn nth_period(anchor: i64, after: i64, every: i64, min_k: i64) -> Option<i64> {
    let k = (after.checked_sub(anchor)?.div_euclid(every) + 1).max(min_k);
    anchor.checked_add(k.checked_mul(every)?)
}

/// `PutScheduledAction` for one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledAction {
    pub name: String,
    /// `service/<cluster>/<service>`.
    pub resource_id: String,
    pub schedule: Schedule,
    /// For `at` and `cron`.
    pub timezone: TimeZone,
    /// `StartTime`: a recurring action runs at this instant, then on its recurrence after it.
    pub start_unix_s: Option<i64>,
    /// `EndTime`: no run after it.
    pub end_unix_s: Option<i64>,
    /// `ScalableTargetAction.MinCapacity`.
    pub min_capacity: Option<u32>,
    /// `ScalableTargetAction.MaxCapacity`.
    pub max_capacity: Option<u32>,
    /// When the action was put: nothing runs before it, and a `rate` without `StartTime`
    /// counts its periods from it.
    pub created_unix_s: i64,
}

/// What running a scheduled action did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduledOutcome {
    /// `ScheduledScalingSuspended`: the action did not run; nothing changed.
    Suspended,
    /// The new range would be empty (e.g. a MinCapacity above the target's MaxCapacity);
    /// nothing changed.
    Failed(String),
    /// The range was set; `decision` brings the desired count inside it (none when it already
    /// is, or when a scale-in must wait for a deployment to finish).
    Applied { min_capacity: u32, max_capacity: u32, decision: Option<ScalingDecision> },
}

/// The member of a scheduled action a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionField {
    ScalableTargetAction,
    MinCapacity,
    EndTime,
}

/// A scheduled action Application Auto Scaling would refuse, with what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionError {
    pub field: ActionField,
    pub message: String,
    pub help: String,
}

/// Why a scheduled action's capacities are refused (neither given, or Min above Max), if they
/// are; checked on its own so that a front end can report it next to other problems.
pub fn capacity_problem(min: Option<u32>, max: Option<u32>) -> Option<ActionError> {
    match (min, max) {
        (None, None) => Some(ActionError {
            field: ActionField::ScalableTargetAction,
            message: "ScalableTargetAction sets neither MinCapacity nor MaxCapacity".into(),
            help: "set MinCapacity, MaxCapacity or both".into(),
        }),
        (Some(min), Some(max)) if min > max => Some(ActionError {
            field: ActionField::MinCapacity,
            message: format!("MinCapacity ({min}) is above MaxCapacity ({max})"),
            help: format!("lower MinCapacity to at most {max} or raise MaxCapacity to at least {min}"),
        }),
        _ => None,
    }
}

impl ScheduledAction {
    /// An action at `created_unix_s` in UTC, with no start, end or capacities yet.
    pub fn new(name: impl Into<String>, resource_id: impl Into<String>, schedule: Schedule, created_unix_s: i64) -> Self {
        ScheduledAction {
            name: name.into(),
            resource_id: resource_id.into(),
            schedule,
            timezone: TimeZone::Utc,
            start_unix_s: None,
            end_unix_s: None,
            min_capacity: None,
            max_capacity: None,
            created_unix_s,
        }
    }

    /// What PutScheduledAction refuses: no capacity at all, Min above Max, an end before the start.
    pub fn validate(&self) -> Result<(), ActionError> {
        if let Some(e) = capacity_problem(self.min_capacity, self.max_capacity) {
            return Err(e);
        }
        match (self.start_unix_s, self.end_unix_s) {
            (Some(s), Some(e)) if e < s => Err(ActionError {
                field: ActionField::EndTime,
                message: "EndTime is before StartTime".into(),
                help: "put EndTime after StartTime".into(),
            }),
            _ => Ok(()),
        }
    }

    /// The first run strictly after `after_unix_s`, if any. Nothing runs before the action was
    /// put, before `StartTime` (where a recurring action runs once, as documented) or after
    /// `EndTime`.
    pub fn next_fire(&self, after_unix_s: i64) -> Option<i64> {
        let after = after_unix_s.max(self.created_unix_s.saturating_sub(1));
        let t = match &self.schedule {
            Schedule::At(local) => {
                let t = self.timezone.instant_of_at(*local)?;
                (t > after && self.start_unix_s.is_none_or(|s| t >= s)).then_some(t)?
            }
            Schedule::Rate { every_s } => match self.start_unix_s {
                Some(s) if s > after => s,
                Some(s) => nth_period(s, after, *every_s, 1)?,
                // Without StartTime the periods count from when the action was put; the first run is one period later.
                None => nth_period(self.created_unix_s, after, *every_s, 1)?,
            },
            Schedule::Cron(cron) => match self.start_unix_s {
                Some(s) if s > after => s,
                _ => self.timezone.next_cron(cron, after)?,
            },
        };
        self.end_unix_s.is_none_or(|e| t <= e).then_some(t)
    }

    /// The first run at or after the moment the action was put.
    pub fn first_fire(&self) -> Option<i64> {
        self.next_fire(self.created_unix_s.saturating_sub(1))
    }

    /// Runs the action on `target` (whose range changes) when the desired count is
    /// `current_desired`. Cooldowns do not apply; a scale-in to a lowered maximum waits while a
    /// deployment is in progress (see [`ScalableTarget::enforce_bounds`]).
    pub fn apply(&self, target: &mut ScalableTarget, current_desired: u32, deployment_in_progress: bool) -> ScheduledOutcome {
        if target.suspended.scheduled {
            return ScheduledOutcome::Suspended;
        }
        let min = self.min_capacity.unwrap_or(target.min_capacity);
        let max = self.max_capacity.unwrap_or(target.max_capacity);
        if min > max {
            return ScheduledOutcome::Failed(format!(
                "scheduled action {:?} would set MinCapacity {min} above MaxCapacity {max}; the range is left at [{}, {}]",
                self.name, target.min_capacity, target.max_capacity
            ));
        }
        target.min_capacity = min;
        target.max_capacity = max;
        let decision = target.enforce_bounds(current_desired, deployment_in_progress).map(|d| ScalingDecision {
            new_desired: d.new_desired,
            reason: format!("scheduled action {:?} set the range to [{min}, {max}]; {}", self.name, d.reason),
        });
        ScheduledOutcome::Applied { min_capacity: min, max_capacity: max, decision }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::calendar::parse_timestamp;

    fn t(s: &str) -> i64 {
        parse_timestamp(s).unwrap()
    }

    #[test]
    fn extreme_times_give_none_not_a_panic() {
        for text in ["rate(1 minute)", "cron(* * * * ? *)", "at(2026-01-01T00:00:00)"] {
            let mut a = ScheduledAction::new("a", "service/c/s", Schedule::parse(text).unwrap(), i64::MIN);
            assert_eq!(a.next_fire(i64::MAX), None, "{text}");
            a.created_unix_s = i64::MAX;
            assert_eq!(a.first_fire(), None, "{text}");
            a.start_unix_s = Some(i64::MIN);
            assert_eq!(a.next_fire(i64::MAX - 1), None, "{text}");
        }
    }

    #[test]
    fn sim_and_unix_seconds() {
        assert_eq!(unix_of_sim(3600, DEFAULT_START_UNIX_S), t("2026-01-01T01:00:00Z"));
        assert_eq!(sim_of_unix(t("2026-01-01T01:00:00Z"), DEFAULT_START_UNIX_S), Some(3600));
        assert_eq!(sim_of_unix(t("2025-12-31T23:00:00Z"), DEFAULT_START_UNIX_S), None);
    }
}
