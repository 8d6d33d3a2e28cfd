//! Metric alarms (docs/ecs-model.md#alarms): PutMetricAlarm's settings, the three states, and the evaluation
//! CloudWatch runs once a minute — the last N + 2 periods, "M out of N" breaching datapoints,
//! the four ways of treating missing data, the premature-ALARM rule and the low-sample rule for
//! percentiles.
//!
//! The decision itself is a pure function of the range's breaching flags ([`decide`]), so the
//! documented tables are tests of it; [`Alarm::evaluate`] reads the range from the
//! [`MetricStore`], decides, and on a change of state records a [`Transition`] with a reason
//! worded like CloudWatch's. Shapes used elsewhere in docs/ecs-model.md are plain configurations:
//! target tracking's AlarmHigh (3 of 3, 60 s) and AlarmLow (15 of 15), capacity providers'
//! 1 of 1 and 15 of 15 (docs/ecs-model.md#target-tracking, docs/ecs-model.md#managed-scaling).

mod config;

pub use config::{AlarmConfig, AlarmState, ComparisonOperator, LowSampleCountPercentile, TreatMissingData};

use super::metrics::{MetricStore, SeriesId, Statistic};
use super::ConfigError;
use crate::elb::histogram::Histogram;
use crate::engine::calendar::DateTime;

/// Periods beyond `EvaluationPeriods` that an evaluation reads, so that late or missing recent
/// datapoints can be made up by earlier ones (the documented tables use 5 for N = 3; docs/ecs-model.md#choice-missing-data
/// assumes N + 2 for every N).
pub const EXTRA_RANGE_PERIODS: u32 = 2;

// ------------------------------------------------------------------ the decision

/// What an evaluation decided to base an OK or ALARM on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// Real datapoints only: N of them, or M breaching, or fewer with missing ones not counted.
    Datapoints,
    /// Real datapoints plus the missing ones (up to N) filled as breaching or not breaching.
    Filled,
    /// The premature-ALARM rule: every real datapoint breaching and the oldest old enough.
    Premature,
}

/// The outcome of one evaluation, before it is compared with the alarm's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Alarm(Basis),
    Ok(Basis),
    InsufficientData,
    /// Stay as is (`ignore` with no data or a premature ALARM; a low-sample percentile).
    KeepState,
}

impl Verdict {
    /// The state decided; `None` to keep the current one.
    pub fn state(self) -> Option<AlarmState> {
        match self {
            Verdict::Alarm(_) => Some(AlarmState::Alarm),
            Verdict::Ok(_) => Some(AlarmState::Ok),
            Verdict::InsufficientData => Some(AlarmState::InsufficientData),
            Verdict::KeepState => None,
        }
    }
}

/// The reconstructed evaluation of docs/ecs-model.md#alarms over the evaluation range, oldest → newest:
/// `Some(true)` a breaching datapoint, `Some(false)` a non-breaching one, `None` missing.
///
/// ```text
/// real = datapoints present in the range, in time order
/// |real| ≥ N:   the last N real; ALARM if at least M breach, else OK (treatment unused)
/// otherwise fill = N − |real|
///   breaching / notBreaching: real + fill filled datapoints; ALARM if ≥ M breach, else OK
///   missing / ignore:
///     no real datapoint          → INSUFFICIENT_DATA (missing) | keep (ignore)
///     ≥ M real ones breach       → ALARM
///     premature (every real one breaches, and the oldest breaching one among the last N
///     slots is at least M slots old, the newest slot being 1 old)
///                                → ALARM (missing) | keep (ignore)
///     otherwise                  → OK
/// ```
pub fn decide(range: &[Option<bool>], evaluation_periods: u32, datapoints_to_alarm: u32, treatment: TreatMissingData) -> Verdict {
    let (n, m) = (evaluation_periods as usize, datapoints_to_alarm as usize);
    assert!(m >= 1 && m <= n && range.len() >= n, "decide: M {m}, N {n}, range {}", range.len());
    let real = range.iter().filter(|d| d.is_some()).count();
    let verdict = |breaching: usize, basis: Basis| if breaching >= m { Verdict::Alarm(basis) } else { Verdict::Ok(basis) };
    if real >= n {
        let breaching = range.iter().flatten().skip(real - n).filter(|b| **b).count();
        return verdict(breaching, Basis::Datapoints);
    }
    let fill = n - real;
    let real_breaching = range.iter().flatten().filter(|b| **b).count();
    match treatment {
        TreatMissingData::Breaching => verdict(real_breaching + fill, Basis::Filled),
        TreatMissingData::NotBreaching => verdict(real_breaching, Basis::Filled),
        TreatMissingData::Missing | TreatMissingData::Ignore => {
            let missing = treatment == TreatMissingData::Missing;
            if real == 0 {
                return if missing { Verdict::InsufficientData } else { Verdict::KeepState };
            }
            if real_breaching >= m {
                return Verdict::Alarm(Basis::Datapoints);
            }
            // Age 1 is the newest slot; look only at the last N slots.
            let last_n = &range[range.len() - n..];
            let oldest_breaching_age = last_n.iter().position(|d| *d == Some(true)).map(|i| n - i);
            let premature = real_breaching == real && oldest_breaching_age.is_some_and(|age| age >= m);
            match (premature, missing) {
                (true, true) => Verdict::Alarm(Basis::Premature),
                (true, false) => Verdict::KeepState,
                (false, _) => Verdict::Ok(Basis::Datapoints),
            }
        }
    }
}

// ------------------------------------------------------------------ the alarm

/// A change of state.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// When: the evaluation at instant 60·`at_minute` s.
    pub at_minute: u64,
    pub from: AlarmState,
    pub to: AlarmState,
    /// Worded like CloudWatch's `StateReason`.
    pub reason: String,
    /// The evaluation range, oldest → newest (N + 2 datapoints; `None` missing). Empty for a
    /// state set by [`Alarm::set_state`].
    pub datapoints: Vec<Option<f64>>,
}

/// One period of the evaluation range.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Slot {
    /// The period's first minute (may be before minute 0 early in a run), for timestamps.
    start_minute: i64,
    value: Option<f64>,
    samples: f64,
}

/// A metric alarm in a run: its settings, state and history.
#[derive(Debug, Clone)]
pub struct Alarm {
    config: AlarmConfig,
    series: SeriesId,
    state: AlarmState,
    reason: String,
    history: Vec<Transition>,
    last_evaluated: Option<u64>,
    /// The last evaluation's range and breaching flags, reused from minute to minute.
    range: Vec<Slot>,
    breaching: Vec<Option<bool>>,
    /// The merge buffer of a percentile alarm.
    merged: Option<Histogram>,
}

impl Alarm {
    /// Creates the alarm on `store`'s series for its metric (created if nobody published it
    /// yet) and makes the series keep the minutes the alarm reads, plus the publication delay.
    pub fn new(config: AlarmConfig, store: &mut MetricStore) -> Result<Alarm, ConfigError> {
        config.validate()?;
        let series = store.series(&config.metric);
        let window = config.window_minutes() + store.options().delay_minutes;
        let percentile = config.statistic.percentile().is_some();
        store.ensure_retention(series, window, percentile);
        let range_len = config.evaluation_range() as usize;
        Ok(Alarm {
            series,
            state: AlarmState::InsufficientData,
            reason: "Unchecked: Initial alarm creation".into(),
            history: Vec::new(),
            last_evaluated: None,
            range: vec![Slot { start_minute: 0, value: None, samples: 0.0 }; range_len],
            breaching: vec![None; range_len],
            merged: percentile.then(Histogram::new),
            config,
        })
    }

    pub fn config(&self) -> &AlarmConfig {
        &self.config
    }
    pub fn name(&self) -> &str {
        &self.config.name
    }
    pub fn series(&self) -> SeriesId {
        self.series
    }
    /// The current state. Auto Scaling actions run again every minute while the alarm stays in
    /// ALARM (docs/ecs-model.md#alarms); the caller asks this after each evaluation.
    pub fn state(&self) -> AlarmState {
        self.state
    }
    pub fn in_alarm(&self) -> bool {
        self.state == AlarmState::Alarm
    }
    /// Why the alarm is in its state (`StateReason`).
    pub fn state_reason(&self) -> &str {
        &self.reason
    }
    /// Every change of state, oldest first.
    pub fn history(&self) -> &[Transition] {
        &self.history
    }
    /// The actions for `state` (none when `ActionsEnabled` is false).
    pub fn actions(&self, state: AlarmState) -> &[String] {
        if !self.config.actions_enabled {
            return &[];
        }
        match state {
            AlarmState::Ok => &self.config.ok_actions,
            AlarmState::Alarm => &self.config.alarm_actions,
            AlarmState::InsufficientData => &self.config.insufficient_data_actions,
        }
    }
    /// The newest real datapoint of the last evaluation's range (what target tracking scales
    /// on, docs/ecs-model.md#target-tracking).
    pub fn newest_datapoint(&self) -> Option<f64> {
        self.range.iter().rev().find_map(|s| s.value)
    }
    /// The last evaluation's range, oldest → newest.
    pub fn last_range(&self) -> impl Iterator<Item = Option<f64>> + '_ {
        self.range.iter().map(|s| s.value)
    }

    /// Sets the state by hand, as SetAlarmState does: it lasts until an evaluation decides
    /// otherwise. Returns the transition, if the state changed.
    pub fn set_state(&mut self, state: AlarmState, reason: impl Into<String>, now_minute: u64) -> Option<Transition> {
        let reason = reason.into();
        if state == self.state {
            self.reason = reason;
            return None;
        }
        Some(self.change(now_minute, state, reason, Vec::new()))
    }

    /// Evaluates the alarm at instant 60·`now_minute` s — a minute boundary, after the minute
    /// `now_minute − 1` was published. The range is the N + 2 periods ending with that minute,
    /// sliding one minute per evaluation whatever the period (docs/ecs-model.md#alarms: Period 300, N 1 reads
    /// minutes 1–5 at the end of minute 5, 2–6 at the end of minute 6), and holds only what is
    /// visible after the store's publication delay. Returns the transition when the state
    /// changes (it is also appended to the history).
    ///
    /// Evaluations must come in increasing minutes (a repeat or a step back panics: a model
    /// bug). At minute 0 nothing is published yet, so `breaching` alarms go to ALARM and
    /// `notBreaching` ones to OK, as CloudWatch does for an alarm on a metric without data.
    pub fn evaluate(&mut self, store: &MetricStore, now_minute: u64) -> Option<Transition> {
        if let Some(last) = self.last_evaluated {
            assert!(now_minute > last, "alarm {:?} evaluated at minute {now_minute} after minute {last}", self.config.name);
        }
        self.last_evaluated = Some(now_minute);
        self.read_range(store, now_minute);
        if self.low_sample_hold() {
            return None;
        }
        let verdict =
            decide(&self.breaching, self.config.evaluation_periods, self.config.datapoints_to_alarm, self.config.treat_missing_data);
        let to = verdict.state()?;
        if to == self.state {
            return None;
        }
        let reason = self.reason_for(verdict, to, store.options().epoch_unix_s);
        let datapoints = self.range.iter().map(|s| s.value).collect();
        Some(self.change(now_minute, to, reason, datapoints))
    }

    fn change(&mut self, at_minute: u64, to: AlarmState, reason: String, datapoints: Vec<Option<f64>>) -> Transition {
        let t = Transition { at_minute, from: self.state, to, reason: reason.clone(), datapoints };
        self.state = to;
        self.reason = reason;
        self.history.push(t.clone());
        t
    }

    /// Fills `range` and `breaching` for the evaluation at `now_minute`.
    fn read_range(&mut self, store: &MetricStore, now_minute: u64) {
        let period = self.config.period;
        let k = u64::from(period.minutes());
        let len = self.range.len() as u64;
        let visible = store.visible_until(now_minute);
        for (i, slot) in self.range.iter_mut().enumerate() {
            let back = (len - 1 - i as u64) * k;
            // The slot's last minute; `None` when the slot ends before minute 0.
            let end = now_minute.checked_sub(1 + back);
            slot.start_minute = now_minute as i64 - 1 - back as i64 - (k as i64 - 1);
            (slot.value, slot.samples) = match (end, visible) {
                (Some(end), Some(visible)) => match (self.config.statistic, self.merged.as_mut()) {
                    (Statistic::Percentile(p), Some(merged)) => {
                        let v = store.percentile(self.series, period, end, visible, p, merged);
                        (v, merged.count() as f64)
                    }
                    (stat, _) => match store.aggregate(self.series, period, end, visible) {
                        Some(set) => (set.value(stat), set.sample_count),
                        None => (None, 0.0),
                    },
                },
                _ => (None, 0.0),
            };
        }
        let (op, threshold) = (self.config.comparison, self.config.threshold);
        for (flag, slot) in self.breaching.iter_mut().zip(&self.range) {
            *flag = slot.value.map(|v| op.breaches(v, threshold));
        }
    }

    /// The low-sample rule (docs/ecs-model.md#statistics): a percentile alarm set to `ignore` keeps its state
    /// while any real datapoint it would evaluate (the last N real ones) rests on fewer samples
    /// than the percentile needs.
    fn low_sample_hold(&self) -> bool {
        let Some(p) = self.config.statistic.percentile() else { return false };
        let Some(needed) = p.low_sample_threshold() else { return false };
        if self.config.evaluate_low_sample_count_percentile == LowSampleCountPercentile::Evaluate {
            return false;
        }
        let n = self.config.evaluation_periods as usize;
        self.range.iter().rev().filter(|s| s.value.is_some()).take(n).any(|s| s.samples < needed)
    }

    /// CloudWatch-style `StateReason` for a change to `to` decided by `verdict`.
    fn reason_for(&self, verdict: Verdict, to: AlarmState, epoch_unix_s: i64) -> String {
        let c = &self.config;
        let (n, m) = (c.evaluation_periods as usize, c.datapoints_to_alarm as usize);
        if verdict == Verdict::InsufficientData {
            return format!("Insufficient Data: {n} {} {} unknown.", plural("datapoint", n), was_were(n));
        }
        // The real datapoints evaluated: the last N real ones (all of them when fewer).
        let real: Vec<&Slot> = self.range.iter().filter(|s| s.value.is_some()).collect();
        let used = &real[real.len().saturating_sub(n)..];
        let fill = n - used.len();
        let filled_as = match c.treat_missing_data {
            TreatMissingData::Breaching => Some(true),
            TreatMissingData::NotBreaching => Some(false),
            _ => None,
        };
        let (op, t) = (c.comparison.phrase(), c.threshold);
        if used.is_empty() {
            let treated = if filled_as == Some(true) { "Breaching" } else { "NonBreaching" };
            return format!(
                "Threshold Crossed: no datapoints were received for {n} {} and {n} missing {} {} treated as [{treated}].",
                plural("period", n),
                plural("datapoint", n),
                was_were(n)
            );
        }
        let want_breach = to == AlarmState::Alarm;
        let listed: Vec<&Slot> = used.iter().rev().copied().filter(|s| self.breaches(s) == want_breach).collect();
        let filled = if filled_as == Some(want_breach) { fill } else { 0 };
        let count = listed.len() + filled;
        let list = self.list(&listed, epoch_unix_s);
        let minimum = if want_breach { m } else { n - m + 1 };
        let from = self.state;
        if !want_breach && count == 0 {
            // missing/ignore: every real datapoint breaches, too few and too recent for ALARM.
            let b = used.len();
            let all = self.list(&used.iter().rev().copied().collect::<Vec<_>>(), epoch_unix_s);
            return format!(
                "Threshold Crossed: {} {all}{} {op} the threshold ({t:?}), fewer than the {m} needed for ALARM, and the other \
                 datapoints were missing (too recent for a premature ALARM).",
                out_of(b, n),
                was_were(b)
            );
        }
        let not = if want_breach { "" } else { "not " };
        let mut s = format!("Threshold Crossed: {} {list}{} {not}{op} the threshold ({t:?})", out_of(count, n), was_were(count));
        if filled > 0 {
            let treated = if want_breach { "Breaching" } else { "NonBreaching" };
            s += &format!(" and {filled} missing {} {} treated as [{treated}]", plural("datapoint", filled), was_were(filled));
        }
        if matches!(verdict, Verdict::Alarm(Basis::Premature)) {
            s += &format!(" and the other datapoints were missing, the oldest breaching one at least {m} periods old (premature ALARM)");
        }
        if n > 1 {
            s += &format!(" (minimum {minimum} {} for {from} -> {to} transition)", plural("datapoint", minimum));
        }
        s.push('.');
        s
    }

    fn breaches(&self, slot: &Slot) -> bool {
        slot.value.is_some_and(|v| self.config.comparison.breaches(v, self.config.threshold))
    }

    /// `[80.0 (01/01/70 00:04:00), …] ` newest first, or nothing for no datapoint.
    fn list(&self, slots: &[&Slot], epoch_unix_s: i64) -> String {
        if slots.is_empty() {
            return String::new();
        }
        let items: Vec<String> = slots
            .iter()
            .map(|s| format!("{:?} ({})", s.value.unwrap_or(f64::NAN), timestamp(epoch_unix_s + s.start_minute * 60)))
            .collect();
        format!("[{}] ", items.join(", "))
    }
}

/// "3 out of the last 3 datapoints", or "1 datapoint" for an alarm of one period.
fn out_of(count: usize, n: usize) -> String {
    if n == 1 {
        format!("{count} {}", plural("datapoint", count))
    } else {
        format!("{count} out of the last {n} datapoints")
    }
}

fn plural(word: &str, n: usize) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

fn was_were(n: usize) -> &'static str {
    if n == 1 {
        "was"
    } else {
        "were"
    }
}

/// `dd/mm/yy HH:MM:SS` in UTC, as CloudWatch's reasons print a datapoint's period start.
pub fn timestamp(unix_s: i64) -> String {
    let d = DateTime::from_unix(unix_s);
    format!("{:02}/{:02}/{:02} {:02}:{:02}:{:02}", d.day, d.month, d.year.rem_euclid(100), d.hour, d.minute, d.second)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudwatch::metrics::{MetricId, Period};

    #[test]
    fn timestamps_print_like_cloudwatch_reasons() {
        assert_eq!(timestamp(0), "01/01/70 00:00:00");
        assert_eq!(timestamp(1_710_237_900), "12/03/24 10:05:00");
        assert_eq!(timestamp(-120), "31/12/69 23:58:00");
        assert_eq!(timestamp(951_782_400), "29/02/00 00:00:00");
    }

    #[test]
    fn operators_compare_as_named() {
        use ComparisonOperator::*;
        assert!(GreaterThanOrEqualToThreshold.breaches(50.0, 50.0) && !GreaterThanThreshold.breaches(50.0, 50.0));
        assert!(LessThanOrEqualToThreshold.breaches(50.0, 50.0) && !LessThanThreshold.breaches(50.0, 50.0));
        assert_eq!(
            "GreaterThanUpperThreshold".parse::<ComparisonOperator>(),
            Err(ConfigError::AnomalyOperator { text: "GreaterThanUpperThreshold".into() })
        );
        assert!(matches!("GreaterThan".parse::<ComparisonOperator>(), Err(ConfigError::UnknownComparisonOperator { .. })));
    }

    #[test]
    fn m_breaching_among_the_last_n_real_datapoints_alarm() {
        let (x, o) = (Some(true), Some(false));
        // 2 of 3, not consecutive.
        assert_eq!(decide(&[o, o, x, o, x], 3, 2, TreatMissingData::Missing), Verdict::Alarm(Basis::Datapoints));
        // Only the last N real datapoints count: the old breaches have left the window.
        assert_eq!(decide(&[x, x, o, o, x], 3, 2, TreatMissingData::Missing), Verdict::Ok(Basis::Datapoints));
    }

    #[test]
    fn problems_name_each_rule_broken() {
        let metric = MetricId::new("AWS/ECS", "CPUUtilization", [("ClusterName", "c")]);
        let hour = Period::from_seconds(3600).unwrap();
        let c = AlarmConfig::new("a", metric, Statistic::Average, hour, 25, ComparisonOperator::GreaterThanThreshold, f64::NAN)
            .with_datapoints_to_alarm(26);
        assert_eq!(
            c.problems(),
            vec![
                ConfigError::EvaluationLongerThanADay { evaluation_periods: 25, period_s: 3600 },
                ConfigError::DatapointsAboveEvaluationPeriods { datapoints: 26, evaluation_periods: 25 },
                ConfigError::ThresholdNotFinite,
            ]
        );
        assert_eq!(c.evaluation_interval_s(), 90_000);
    }
}
