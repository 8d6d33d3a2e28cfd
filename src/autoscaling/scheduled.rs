//! Scheduled actions (spec §11.4): at a time given by `at(...)`, `rate(...)` or `cron(...)`,
//! set MinCapacity and/or MaxCapacity, then bring the desired count inside the new range.
//! Scheduled actions ignore cooldowns.
//!
//! Schedules work in Unix seconds (UTC). Simulated time 0 is an instant the scenario names
//! ([`DEFAULT_START_UNIX_S`] = 2026-01-01T00:00:00Z unless it says otherwise); an action is put
//! at `created_unix_s` (normally that instant) and never fires before it.
//!
//! Cron follows the Application Auto Scaling / EventBridge syntax: six fields `minutes hours
//! day-of-month month day-of-week year`, `*`, `?`, ranges, lists and `/` steps, month names
//! JAN–DEC and day names SUN–SAT (1 = Sunday). `L`, `W` and `#` are rejected as not modelled.

use super::calendar::{civil_from_days, days_from_civil, weekday, DateTime, SECONDS_PER_DAY};
use super::target::ScalableTarget;
use super::ScalingDecision;
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

/// The `Timezone` of a scheduled action. Zones with daylight-saving rules are not modelled
/// (ecsim carries no time-zone database); fixed offsets are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeZone {
    Utc,
    /// `Etc/GMT+N` / `Etc/GMT-N`: a fixed offset. POSIX signs: `Etc/GMT+5` is UTC−5.
    Fixed {
        name: String,
        offset_s: i64,
    },
}

impl TimeZone {
    /// UTC and its aliases, or an `Etc/GMT±N` zone; anything else is an error saying what to do.
    pub fn parse(name: &str) -> Result<TimeZone, String> {
        const UTC_NAMES: [&str; 16] = [
            "UTC",
            "Etc/UTC",
            "Etc/UCT",
            "UCT",
            "Etc/Universal",
            "Universal",
            "Etc/Zulu",
            "Zulu",
            "GMT",
            "Etc/GMT",
            "Etc/GMT0",
            "Etc/GMT+0",
            "Etc/GMT-0",
            "GMT0",
            "Etc/Greenwich",
            "Greenwich",
        ];
        if UTC_NAMES.contains(&name) {
            return Ok(TimeZone::Utc);
        }
        if let Some(rest) = name.strip_prefix("Etc/GMT") {
            let hours = rest.get(1..).and_then(|h| h.parse::<i64>().ok()).filter(|_| rest.len() <= 3);
            match (rest.as_bytes().first(), hours) {
                (Some(b'+'), Some(h)) if (1..=12).contains(&h) => return Ok(TimeZone::Fixed { name: name.into(), offset_s: -h * 3600 }),
                (Some(b'-'), Some(h)) if (1..=14).contains(&h) => return Ok(TimeZone::Fixed { name: name.into(), offset_s: h * 3600 }),
                _ => {}
            }
        }
        Err(format!(
            "time zone {name:?} is not modelled: ecsim has no daylight-saving rules; use \"UTC\" (and write the schedule in UTC) \
             or a fixed offset such as \"Etc/GMT-1\" (UTC+1; POSIX signs are inverted)"
        ))
    }

    /// Local time = UTC + this.
    pub fn offset_s(&self) -> i64 {
        match self {
            TimeZone::Utc => 0,
            TimeZone::Fixed { offset_s, .. } => *offset_s,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            TimeZone::Utc => "UTC",
            TimeZone::Fixed { name, .. } => name,
        }
    }
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

/// Whitespace-separated words with their byte offsets.
fn split_fields(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        match (c.is_whitespace(), start) {
            (true, Some(st)) => {
                out.push((st, &s[st..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

/// One cron field's definition.
struct FieldDef {
    name: &'static str,
    min: u32,
    max: u32,
    /// Names for min, min+1, … (case-insensitive).
    names: &'static [&'static str],
    /// `?` allowed (the two day fields).
    question: bool,
}

const MINUTES: FieldDef = FieldDef { name: "minutes", min: 0, max: 59, names: &[], question: false };
const HOURS: FieldDef = FieldDef { name: "hours", min: 0, max: 23, names: &[], question: false };
const DAY_OF_MONTH: FieldDef = FieldDef { name: "day-of-month", min: 1, max: 31, names: &[], question: true };
const MONTH: FieldDef = FieldDef {
    name: "month",
    min: 1,
    max: 12,
    names: &["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
    question: false,
};
const DAY_OF_WEEK: FieldDef =
    FieldDef { name: "day-of-week", min: 1, max: 7, names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], question: true };
const YEAR: FieldDef = FieldDef { name: "year", min: 1970, max: 2199, names: &[], question: false };

/// A parsed field: `?` (any, the other day field decides), or the set of values it matches
/// (indexed from the field's minimum).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Question,
    Values(Vec<bool>),
}

impl FieldDef {
    fn value(&self, s: &str, at: usize) -> Result<u32, ScheduleError> {
        let range_help = || {
            let names =
                if self.names.is_empty() { String::new() } else { format!(" or {}–{}", self.names[0], self.names[self.names.len() - 1]) };
            format!("{} takes {}–{}{names}", self.name, self.min, self.max)
        };
        if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
            return match s.parse::<u32>() {
                Ok(v) if (self.min..=self.max).contains(&v) => Ok(v),
                _ => Err(schedule_error(at, format!("{s} is out of range for {}", self.name), range_help())),
            };
        }
        match self.names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            Some(i) => Ok(self.min + i as u32),
            None => Err(schedule_error(at, format!("{s:?} is not a value of {}", self.name), range_help())),
        }
    }

    fn parse(&self, text: &str, at: usize) -> Result<Field, ScheduleError> {
        if text == "?" {
            return if self.question {
                Ok(Field::Question)
            } else {
                Err(schedule_error(at, format!("`?` is not allowed in {}", self.name), "`?` only goes in day-of-month or day-of-week"))
            };
        }
        let mut set = vec![false; (self.max - self.min + 1) as usize];
        let mut pos = at;
        for item in text.split(',') {
            if let Err(e) = self.item(item, pos, &mut set) {
                // Names can hold these letters (WED): look past them.
                let rest = self.names.iter().fold(item.to_ascii_uppercase(), |s, n| s.replace(n, ""));
                let special = self.question && (rest.contains('L') || rest.contains('W') || rest.contains('#'));
                return Err(if special {
                    schedule_error(
                        pos,
                        format!("{item:?} in {}: L (last), W (nearest weekday) and # (nth weekday) are not modelled", self.name),
                        "list the days explicitly (e.g. 28-31 or MON-FRI) or use one scheduled action per date",
                    )
                } else {
                    e
                });
            }
            pos += item.len() + 1;
        }
        Ok(Field::Values(set))
    }

    /// One list item: `*`, `v`, `a-b`, each optionally `/step`.
    fn item(&self, item: &str, at: usize, set: &mut [bool]) -> Result<(), ScheduleError> {
        if item.is_empty() {
            return Err(schedule_error(at, format!("empty item in the {} list", self.name), "separate values with single commas: 1,15"));
        }
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let s_at = at + r.len() + 1;
                match s.parse::<u32>() {
                    Ok(n) if n >= 1 => (r, Some(n)),
                    _ => {
                        return Err(schedule_error(
                            s_at,
                            format!("step {s:?} in {} is not a whole number of 1 or more", self.name),
                            "e.g. */15",
                        ))
                    }
                }
            }
            None => (item, None),
        };
        let (lo, hi) = if range == "*" {
            (self.min, self.max)
        } else if let Some((a, b)) = range.split_once('-') {
            let lo = self.value(a, at)?;
            let hi = self.value(b, at + a.len() + 1)?;
            if lo > hi {
                return Err(schedule_error(
                    at,
                    format!("range {range} in {} runs backwards", self.name),
                    format!("write it as two ranges: {a}-{},{}-{b}", self.max_name(), self.min_name()),
                ));
            }
            (lo, hi)
        } else {
            let v = self.value(range, at)?;
            // `a/n` runs from a to the end of the field.
            (v, if step.is_some() { self.max } else { v })
        };
        for v in (lo..=hi).step_by(step.unwrap_or(1) as usize) {
            set[(v - self.min) as usize] = true;
        }
        Ok(())
    }

    fn max_name(&self) -> String {
        self.names.last().map_or(self.max.to_string(), |n| n.to_string())
    }

    fn min_name(&self) -> String {
        self.names.first().map_or(self.min.to_string(), |n| n.to_string())
    }
}

/// A cron expression: the minutes, hours, days, months and years it matches (UTC or the
/// action's fixed offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    /// `None` = `?`.
    days_of_month: Option<Vec<bool>>,
    months: Vec<bool>,
    /// `None` = `?`.
    days_of_week: Option<Vec<bool>>,
    years: Vec<bool>,
}

impl Cron {
    /// Parses the six fields inside `cron(...)`; `at` is the offset of `fields` in the whole
    /// expression, for error positions.
    pub fn parse(fields: &str, at: usize) -> Result<Cron, ScheduleError> {
        let words = split_fields(fields);
        if words.len() != 6 {
            return Err(schedule_error(at, format!("cron needs 6 fields, found {}", words.len()), CRON_HELP));
        }
        let defs = [&MINUTES, &HOURS, &DAY_OF_MONTH, &MONTH, &DAY_OF_WEEK, &YEAR];
        let mut parsed = Vec::with_capacity(6);
        for (def, (off, word)) in defs.iter().zip(&words) {
            parsed.push(def.parse(word, at + off)?);
        }
        let values = |f: &Field| match f {
            Field::Values(v) => v.clone(),
            Field::Question => Vec::new(),
        };
        let (dom, dow) = (&parsed[2], &parsed[4]);
        match (dom, dow) {
            (Field::Question, Field::Question) => {
                return Err(schedule_error(
                    at + words[4].0,
                    "day-of-month and day-of-week are both `?`",
                    "give one of them (e.g. * for every day) and keep `?` in the other",
                ))
            }
            (Field::Values(_), Field::Values(_)) => {
                return Err(schedule_error(
                    at + words[4].0,
                    "day-of-month and day-of-week are both given",
                    "AWS cron takes one of them: put `?` in the other (e.g. cron(0 8 ? * MON-FRI *))",
                ))
            }
            _ => {}
        }
        let opt = |f: &Field| match f {
            Field::Question => None,
            Field::Values(v) => Some(v.clone()),
        };
        Ok(Cron {
            minutes: values(&parsed[0]),
            hours: values(&parsed[1]),
            days_of_month: opt(dom),
            months: values(&parsed[3]),
            days_of_week: opt(dow),
            years: values(&parsed[5]),
        })
    }

    fn day_matches(&self, days: i64, year: i64, month: u32, day: u32) -> bool {
        let year_ok = (i64::from(YEAR.min)..=i64::from(YEAR.max)).contains(&year) && self.years[(year - i64::from(YEAR.min)) as usize];
        year_ok
            && self.months[(month - 1) as usize]
            && self.days_of_month.as_ref().is_none_or(|d| d[(day - 1) as usize])
            && self.days_of_week.as_ref().is_none_or(|d| d[(weekday(days) - 1) as usize])
    }

    /// The first matching minute of the day at or after minute-of-day `from`.
    fn first_minute_from(&self, from: u32) -> Option<u32> {
        (from / 60..24).filter(|&h| self.hours[h as usize]).find_map(|h| {
            let start = if h == from / 60 { from % 60 } else { 0 };
            (start..60).find(|&m| self.minutes[m as usize]).map(|m| h * 60 + m)
        })
    }

    /// The first matching instant (second 0 of a matching minute) strictly after `after`, both
    /// in local seconds; `None` if there is none before the year 2200.
    pub fn next_after(&self, after: i64) -> Option<i64> {
        if after >= days_from_civil(i64::from(YEAR.max) + 1, 1, 1) * SECONDS_PER_DAY {
            return None;
        }
        let start = after.div_euclid(60) * 60 + 60;
        let mut day = start.div_euclid(SECONDS_PER_DAY);
        let mut from_minute = (start.rem_euclid(SECONDS_PER_DAY) / 60) as u32;
        let last_year = self.years.iter().rposition(|&y| y)? as i64 + i64::from(YEAR.min);
        loop {
            let (year, month, d) = civil_from_days(day);
            if year > last_year {
                return None;
            }
            if year < i64::from(YEAR.min) {
                // Before 1970 nothing matches: jump to the first day of 1970.
                day = days_from_civil(i64::from(YEAR.min), 1, 1);
                from_minute = 0;
                continue;
            }
            if self.day_matches(day, year, month, d) {
                if let Some(m) = self.first_minute_from(from_minute) {
                    return Some(day * SECONDS_PER_DAY + i64::from(m) * 60);
                }
            }
            day += 1;
            from_minute = 0;
        }
    }
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
    pub fn validate(&self) -> Result<(), String> {
        match (self.min_capacity, self.max_capacity) {
            (None, None) => return Err("ScalableTargetAction sets neither MinCapacity nor MaxCapacity".into()),
            (Some(min), Some(max)) if min > max => {
                return Err(format!(
                    "MinCapacity ({min}) is above MaxCapacity ({max}): lower MinCapacity to at most {max} or raise MaxCapacity to at least {min}"
                ))
            }
            _ => {}
        }
        if let (Some(s), Some(e)) = (self.start_unix_s, self.end_unix_s) {
            if e < s {
                return Err("EndTime is before StartTime".into());
            }
        }
        Ok(())
    }

    /// The first run strictly after `after_unix_s`, if any. Nothing runs before the action was
    /// put, before `StartTime` (where a recurring action runs once, as documented) or after
    /// `EndTime`.
    pub fn next_fire(&self, after_unix_s: i64) -> Option<i64> {
        let after = after_unix_s.max(self.created_unix_s.saturating_sub(1));
        let offset = self.timezone.offset_s();
        let t = match &self.schedule {
            Schedule::At(local) => {
                let t = local.to_unix() - offset;
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
                _ => cron.next_after(after + offset)? - offset,
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
    use crate::autoscaling::calendar::parse_timestamp;

    fn t(s: &str) -> i64 {
        parse_timestamp(s).unwrap()
    }

    fn cron(s: &str) -> Cron {
        match Schedule::parse(s) {
            Ok(Schedule::Cron(c)) => c,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn cron_fields_accept_lists_ranges_steps_and_names() {
        let c = cron("cron(0/20 8-10,14 ? JAN,jun-AUG MON-FRI 2026-2027)");
        assert_eq!(c.minutes.iter().filter(|&&b| b).count(), 3);
        assert!(c.minutes[0] && c.minutes[20] && c.minutes[40]);
        assert!(c.hours[8] && c.hours[9] && c.hours[10] && c.hours[14] && !c.hours[11]);
        assert_eq!(c.months.iter().filter(|&&b| b).count(), 4);
        assert_eq!(c.days_of_week.as_ref().unwrap(), &vec![false, true, true, true, true, true, false]);
        assert_eq!(c.days_of_month, None);
        let every_7 = cron("cron(*/7 * * * ? *)");
        assert!(every_7.minutes[56] && !every_7.minutes[57]);
    }

    #[test]
    fn cron_next_crosses_days_months_and_years() {
        let c = cron("cron(30 23 31 12 ? *)");
        assert_eq!(c.next_after(t("2026-01-01T00:00:00Z")), Some(t("2026-12-31T23:30:00Z")));
        assert_eq!(c.next_after(t("2026-12-31T23:30:00Z")), Some(t("2027-12-31T23:30:00Z")));
        let feb29 = cron("cron(0 0 29 2 ? *)");
        assert_eq!(feb29.next_after(t("2026-01-01T00:00:00Z")), Some(t("2028-02-29T00:00:00Z")));
        let never = cron("cron(0 0 30 2 ? *)");
        assert_eq!(never.next_after(t("2026-01-01T00:00:00Z")), None);
        let past = cron("cron(0 0 * * ? 2020)");
        assert_eq!(past.next_after(t("2026-01-01T00:00:00Z")), None);
        // Mid-minute: the next whole matching minute.
        let each = cron("cron(* * * * ? *)");
        assert_eq!(each.next_after(t("2026-01-01T00:00:30Z")), Some(t("2026-01-01T00:01:00Z")));
    }

    #[test]
    fn errors_point_into_the_expression() {
        let e = |s: &str| Schedule::parse(s).unwrap_err();
        assert_eq!(e("cron(0 8 ? * MON-FRI)").message, "cron needs 6 fields, found 5");
        let l = e("cron(0 8 L * ? *)");
        assert_eq!(l.at_char, Some(9));
        assert!(l.message.contains("not modelled"), "{}", l.message);
        assert!(e("cron(0 8 ? * 6#3 *)").message.contains("not modelled"));
        assert!(e("cron(0 8 ? * 5L *)").message.contains("not modelled"));
        assert!(e("cron(0 8 15W * ? *)").message.contains("not modelled"));
        assert_eq!(e("cron(0 24 * * ? *)").at_char, Some(7));
        assert_eq!(e("cron(0 8 * * MON *)").message, "day-of-month and day-of-week are both given");
        assert_eq!(e("cron(0 8 ? * ? *)").message, "day-of-month and day-of-week are both `?`");
        assert_eq!(e("cron(0 8 ? * FRI-MON *)").help, "write it as two ranges: FRI-SAT,SUN-MON");
        assert_eq!(e("cron(0/0 8 * * ? *)").at_char, Some(7));
        assert_eq!(e("rate(0 minutes)").at_char, Some(5));
        assert_eq!(e("rate(5 weeks)").at_char, Some(7));
        assert!(e("at(2026-02-30T00:00:00)").message.contains("not a real date"));
        assert!(e("every(5 minutes)").message.contains("unknown schedule kind"));
        assert_eq!(e("cron(0 8 ? * MON-FRI *").message, "the schedule expression does not end with `)`");
    }

    #[test]
    fn time_zones_are_utc_or_fixed_offsets() {
        assert_eq!(TimeZone::parse("Etc/UTC"), Ok(TimeZone::Utc));
        assert_eq!(TimeZone::parse("Etc/GMT+9").map(|z| z.offset_s()), Ok(-9 * 3600));
        assert_eq!(TimeZone::parse("Etc/GMT-14").map(|z| z.offset_s()), Ok(14 * 3600));
        assert!(TimeZone::parse("Etc/GMT+13").is_err());
        let e = TimeZone::parse("America/New_York").unwrap_err();
        assert!(e.contains("not modelled"), "{e}");
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
