//! Request-count history from CloudWatch, as users export it, turned into a replayable rate
//! profile ([`RateProfile::Recorded`]).
//!
//! Three shapes are read, told apart by content: the JSON output of
//! `aws cloudwatch get-metric-data` (`MetricDataResults[].Timestamps/Values`, newest first as
//! AWS returns them), of `aws cloudwatch get-metric-statistics` (`Datapoints[]`, unordered, one
//! field per statistic), and CSV (`timestamp,value` rows). Each datapoint is the number of
//! requests in one period starting at its timestamp (how CloudWatch labels a period), so it
//! becomes a rate of value ÷ period requests per second over that period.
//!
//! This module knows no file format of the scenario: a problem says *where* as a JSON path or
//! a CSV line ([`Where`]), and the scenario loader turns that into file:line:column.

#[cfg(test)]
mod tests;

use super::traffic::{Period, RateProfile};
use crate::engine::calendar::parse_timestamp;
use crate::engine::Span;
use serde_json::Value;

/// A history longer than this many datapoints is refused (a year of 1-minute periods is
/// 525,600), so a runaway file cannot take unbounded memory.
pub const MAX_DATAPOINTS: usize = 1_000_000;

/// Microseconds in a second, for timestamps held as signed microseconds since 1970.
const US_PER_S: f64 = 1e6;

/// Where in the history file (or the scenario) a message points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Where {
    /// A value of the JSON document, by its path from the root.
    Json(Vec<Step>),
    /// A 1-based line and column of the text (CSV rows, JSON syntax errors).
    Text { line: usize, column: usize },
    /// About the scenario's `rate` table itself (a value ecsim chose that a key can state).
    Rate,
}

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(&'static str),
    Index(usize),
}

/// A located message: an error (the `Err` of a read) or a warning (kept in [`History::notes`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub at: Where,
    pub message: String,
    pub help: String,
}

impl Note {
    fn new(at: Where, message: impl Into<String>, help: impl Into<String>) -> Note {
        Note { at, message: message.into(), help: help.into() }
    }
}

/// Which export a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    GetMetricData,
    GetMetricStatistics,
    Csv,
}

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::GetMetricData => "get-metric-data",
            Shape::GetMetricStatistics => "get-metric-statistics",
            Shape::Csv => "CSV",
        }
    }
}

/// One datapoint: the requests counted in the period that starts at `at_us`.
#[derive(Debug, Clone, PartialEq)]
pub struct Datapoint {
    /// Microseconds since 1970-01-01T00:00:00Z (any origin for CSV seconds).
    pub at_us: i64,
    pub value: f64,
    /// Where the datapoint's timestamp is written.
    pub at: Where,
}

/// A history as read: its datapoints in time order, and what the reader has to say.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub shape: Shape,
    /// The metric's label (get-metric-data's `Label`, get-metric-statistics' `Label`).
    pub label: Option<String>,
    /// The statistic read (get-metric-statistics only).
    pub statistic: Option<String>,
    pub points: Vec<Datapoint>,
    /// Warnings: a partial export, an assumed statistic, an unexpected unit.
    pub notes: Vec<Note>,
}

/// What the `rate` table selects in the file.
#[derive(Debug, Clone, Default)]
pub struct Select<'a> {
    /// get-metric-data: the `Id` of the result to read (required when there are several).
    pub id: Option<&'a str>,
    /// get-metric-statistics: `Sum`, `SampleCount`, `Average`, `Minimum`, `Maximum` or an
    /// extended statistic such as `p99` (default: `Sum`, the count of requests).
    pub statistic: Option<&'a str>,
    /// A utilization history (CPUUtilization, MemoryUtilization in percent) rather than a count
    /// of requests: the default statistic is `Average`, and no warning about its label or unit.
    pub utilization: bool,
}

/// What happens in a period with no datapoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gaps {
    /// No requests (CloudWatch publishes no RequestCount datapoint for a period without one).
    #[default]
    Zero,
    /// The previous datapoint's rate carries on until the next datapoint.
    Hold,
}

/// How the history is laid on the run's clock.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// The length of each datapoint's period; `None`: the smallest spacing of the timestamps.
    pub period: Option<Span>,
    /// Multiplies every rate (`None`: 1).
    pub scale: Option<f64>,
    /// The first instant of the history replayed (earlier datapoints are dropped), at the run's
    /// t = 0 before the shift (default: the first datapoint), microseconds since 1970.
    pub start_us: Option<i64>,
    /// Added to every datapoint's time on the run's clock, in microseconds: −2 h starts the run
    /// two hours into the history, +2 h gives two quiet hours first.
    pub shift_us: i64,
    pub gaps: Gaps,
}

/// Reads a history export of any of the three shapes.
pub fn read(text: &str, select: &Select) -> Result<History, Note> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if !trimmed.starts_with('{') {
        return read_csv(text);
    }
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        let at = Where::Text { line: e.line().max(1), column: e.column().max(1) };
        Note::new(at, format!("not JSON: {e}"), "give the output of `aws cloudwatch get-metric-data … --output json` unchanged")
    })?;
    let Value::Object(top) = &doc else {
        return Err(Note::new(Where::Json(vec![]), "not a JSON object", "the export is an object with MetricDataResults or Datapoints"));
    };
    if top.contains_key("MetricDataResults") {
        metric_data(&doc, select)
    } else if top.contains_key("Datapoints") {
        metric_statistics(&doc, select)
    } else {
        let keys: Vec<&str> = top.keys().map(String::as_str).take(5).collect();
        Err(Note::new(
            Where::Json(vec![]),
            format!("this JSON is not a CloudWatch export (its keys: {keys:?})"),
            "give the output of `aws cloudwatch get-metric-data` (MetricDataResults) or `get-metric-statistics` (Datapoints)",
        ))
    }
}

/// A timestamp as the CLI writes it (ISO 8601) or as epoch seconds (a number, or digits).
fn timestamp_us(v: &Value) -> Result<i64, String> {
    let from_secs = |s: f64| -> Result<i64, String> {
        // ±1e11 s is beyond year 5000 either way: a finite, representable instant.
        if s.is_finite() && s.abs() < 1e11 {
            Ok((s * US_PER_S).round() as i64)
        } else {
            Err(format!("{s} is not a time in seconds"))
        }
    };
    match v {
        Value::Number(n) => from_secs(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => match s.trim().parse::<f64>() {
            Ok(secs) => from_secs(secs),
            Err(_) => parse_timestamp(s).map(|secs| secs.saturating_mul(1_000_000)),
        },
        other => Err(format!("{other} is not a timestamp such as 2026-01-05T08:00:00Z")),
    }
}

/// A count of requests: a finite number ≥ 0.
fn count(v: &Value) -> Result<f64, String> {
    v.as_f64().ok_or_else(|| format!("{v} is not a number")).and_then(check_count)
}

fn check_count(x: f64) -> Result<f64, String> {
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(format!("{x} is not a count of requests (a number ≥ 0)"))
    }
}

fn too_many(at: Where, n: usize) -> Note {
    Note::new(at, format!("{n} datapoints: more than ecsim reads ({MAX_DATAPOINTS})"), "export a shorter time range or a longer period")
}

fn empty(at: Where) -> Note {
    Note::new(
        at,
        "no datapoint: CloudWatch returned nothing for this metric and time range",
        "check the metric, its dimensions and the time range of the export",
    )
}

fn metric_data(doc: &Value, select: &Select) -> Result<History, Note> {
    let path = |steps: &[Step]| Where::Json(steps.to_vec());
    let results = doc["MetricDataResults"].as_array().ok_or_else(|| {
        Note::new(path(&[Step::Key("MetricDataResults")]), "MetricDataResults is not a list", "give the CLI's output unchanged")
    })?;
    let ids: Vec<&str> = results.iter().map(|r| r["Id"].as_str().unwrap_or("")).collect();
    let index = match (select.id, results.len()) {
        (_, 0) => {
            return Err(Note::new(
                path(&[Step::Key("MetricDataResults")]),
                "MetricDataResults is empty: the export holds no metric",
                "check the query's metric, dimensions and time range",
            ))
        }
        (Some(id), _) => ids.iter().position(|i| *i == id).ok_or_else(|| {
            Note::new(path(&[Step::Key("MetricDataResults")]), format!("no result has Id {id:?}"), format!("the results' Ids: {ids:?}"))
        })?,
        (None, 1) => 0,
        (None, n) => {
            return Err(Note::new(
                path(&[Step::Key("MetricDataResults")]),
                format!("{n} results in MetricDataResults; say which to read"),
                format!("add id = \"…\" to the rate; the results' Ids: {ids:?}"),
            ))
        }
    };
    let r = &results[index];
    let base = [Step::Key("MetricDataResults"), Step::Index(index)];
    let at = |tail: &[Step]| Where::Json(base.iter().cloned().chain(tail.iter().cloned()).collect());
    let list = |key: &'static str| {
        r[key]
            .as_array()
            .ok_or_else(|| Note::new(at(&[Step::Key(key)]), format!("{key} is missing or not a list"), "give the CLI's output unchanged"))
    };
    let (times, values) = (list("Timestamps")?, list("Values")?);
    if times.len() != values.len() {
        return Err(Note::new(
            at(&[Step::Key("Values")]),
            format!("{} Values for {} Timestamps", values.len(), times.len()),
            "each timestamp needs its value; give the CLI's output unchanged",
        ));
    }
    if times.len() > MAX_DATAPOINTS {
        return Err(too_many(at(&[Step::Key("Timestamps")]), times.len()));
    }
    if times.is_empty() {
        return Err(empty(at(&[Step::Key("Timestamps")])));
    }
    let mut points = Vec::with_capacity(times.len());
    for (i, (t, v)) in times.iter().zip(values).enumerate() {
        let at_us =
            timestamp_us(t).map_err(|m| Note::new(at(&[Step::Key("Timestamps"), Step::Index(i)]), m, "write 2026-01-05T08:00:00Z"))?;
        let value = count(v)
            .map_err(|m| Note::new(at(&[Step::Key("Values"), Step::Index(i)]), m, "each value is the requests counted in one period"))?;
        points.push(Datapoint { at_us, value, at: at(&[Step::Key("Timestamps"), Step::Index(i)]) });
    }
    let mut notes = Vec::new();
    if doc.get("NextToken").is_some_and(|t| !t.is_null()) {
        notes.push(Note::new(
            Where::Json(vec![Step::Key("NextToken")]),
            "the export has a NextToken: it is partial, and later pages are missing",
            "call get-metric-data again with --next-token until there is none, and merge the pages (or let the CLI paginate)",
        ));
    }
    match r["StatusCode"].as_str() {
        Some("Complete") | None => {}
        Some(status) => notes.push(Note::new(
            at(&[Step::Key("StatusCode")]),
            format!("this result's StatusCode is {status}: CloudWatch did not return every datapoint"),
            "export again (with the NextToken, if any) until StatusCode is Complete",
        )),
    }
    let label = r["Label"].as_str().map(str::to_string);
    if !select.utilization {
        note_label(&mut notes, label.as_deref(), at(&[Step::Key("Label")]));
    }
    Ok(History { shape: Shape::GetMetricData, label, statistic: None, points: sorted(points)?, notes })
}

/// The statistics a get-metric-statistics datapoint may hold, as the API names them.
const STATISTICS: [&str; 5] = ["Sum", "SampleCount", "Average", "Minimum", "Maximum"];

fn metric_statistics(doc: &Value, select: &Select) -> Result<History, Note> {
    let list = doc["Datapoints"].as_array().ok_or_else(|| {
        Note::new(Where::Json(vec![Step::Key("Datapoints")]), "Datapoints is not a list", "give the CLI's output unchanged")
    })?;
    if list.len() > MAX_DATAPOINTS {
        return Err(too_many(Where::Json(vec![Step::Key("Datapoints")]), list.len()));
    }
    if list.is_empty() {
        return Err(empty(Where::Json(vec![Step::Key("Datapoints")])));
    }
    let at = |i: usize, key: &'static str| Where::Json(vec![Step::Key("Datapoints"), Step::Index(i), Step::Key(key)]);
    let mut notes = Vec::new();
    // The statistic: the one asked for, else Sum (RequestCount's meaningful statistic), else the
    // only one the datapoints hold.
    let first = list.first().and_then(Value::as_object);
    let present: Vec<&str> = STATISTICS.iter().copied().filter(|s| first.is_some_and(|o| o.contains_key(*s))).collect();
    let statistic: String = match select.statistic {
        Some(s) => s.to_string(),
        None if select.utilization && present.contains(&"Average") => "Average".into(),
        None if present.contains(&"Sum") => "Sum".into(),
        None if present.len() == 1 => {
            notes.push(Note::new(
                Where::Rate,
                format!("the datapoints hold only {}; read as the requests counted in each period", present[0]),
                format!("say so with statistic = {:?}, or export with --statistics Sum", present[0]),
            ));
            present[0].into()
        }
        None => {
            return Err(Note::new(
                Where::Json(vec![Step::Key("Datapoints")]),
                format!("the datapoints hold no Sum; say which statistic counts the requests (they hold {present:?})"),
                "add statistic = \"…\" to the rate, or export with --statistics Sum",
            ))
        }
    };
    let mut points = Vec::with_capacity(list.len());
    for (i, d) in list.iter().enumerate() {
        let t = d.get("Timestamp").ok_or_else(|| {
            Note::new(
                Where::Json(vec![Step::Key("Datapoints"), Step::Index(i)]),
                "a datapoint without a Timestamp",
                "give the CLI's output unchanged",
            )
        })?;
        let at_us = timestamp_us(t).map_err(|m| Note::new(at(i, "Timestamp"), m, "write 2026-01-05T08:00:00Z"))?;
        let v = if STATISTICS.contains(&statistic.as_str()) {
            d.get(statistic.as_str())
        } else {
            d.get("ExtendedStatistics").and_then(|e| e.get(statistic.as_str()))
        };
        let Some(v) = v else {
            let holds: Vec<&str> = STATISTICS.iter().copied().filter(|s| d.get(*s).is_some()).collect();
            return Err(Note::new(
                Where::Json(vec![Step::Key("Datapoints"), Step::Index(i)]),
                format!("this datapoint has no {statistic}"),
                format!("it holds {holds:?}; name one with statistic = \"…\" or export with --statistics {statistic}"),
            ));
        };
        // Where the value sits: the statistic's own field, or the ExtendedStatistics map.
        let field = STATISTICS.iter().copied().find(|s| *s == statistic).unwrap_or("ExtendedStatistics");
        let value = count(v).map_err(|m| Note::new(at(i, field), m, "the statistic is the requests counted in one period"))?;
        if let Some(unit) = d["Unit"].as_str().filter(|u| *u != "Count" && *u != "None" && !select.utilization) {
            if !notes.iter().any(|n: &Note| n.message.contains("Unit")) {
                notes.push(Note::new(
                    at(i, "Unit"),
                    format!("Unit {unit}: each value is read as a count of requests"),
                    "export RequestCount (Unit Count)",
                ));
            }
        }
        points.push(Datapoint { at_us, value, at: at(i, "Timestamp") });
    }
    if statistic != "Sum" && select.statistic.is_some() && !select.utilization {
        notes.push(Note::new(
            Where::Rate,
            format!("statistic {statistic}: each datapoint's {statistic} is read as the requests counted in its period"),
            "for RequestCount the Sum is the count; other statistics describe the samples, not the requests",
        ));
    }
    let label = doc["Label"].as_str().map(str::to_string);
    if !select.utilization {
        note_label(&mut notes, label.as_deref(), Where::Json(vec![Step::Key("Label")]));
    }
    Ok(History { shape: Shape::GetMetricStatistics, label, statistic: Some(statistic), points: sorted(points)?, notes })
}

/// A metric that is plainly not a count of requests gets a warning (its values are still read).
fn note_label(notes: &mut Vec<Note>, label: Option<&str>, at: Where) {
    if let Some(l) = label {
        let lower = l.to_ascii_lowercase();
        if ["utilization", "latency", "responsetime", "percent", "bytes", "healthyhost"].iter().any(|w| lower.contains(w)) {
            notes.push(Note::new(
                at,
                format!("the metric is labelled {l:?}; its values are read as requests per period"),
                "export RequestCount (statistic Sum)",
            ));
        }
    }
}

/// The datapoints in time order; two at one instant are an error at the second.
fn sorted(mut points: Vec<Datapoint>) -> Result<Vec<Datapoint>, Note> {
    points.sort_by_key(|p| p.at_us);
    if let Some(w) = points.windows(2).find(|w| w[0].at_us == w[1].at_us) {
        return Err(Note::new(w[1].at.clone(), "two datapoints at one timestamp", "merge the two exports' pages without overlap"));
    }
    Ok(points)
}

/// CSV: `timestamp,value` rows, an optional header first; `#` comments and blank lines skipped;
/// an empty value is a period without a datapoint.
fn read_csv(text: &str) -> Result<History, Note> {
    let at = |line: usize, column: usize| Where::Text { line, column };
    let mut points = Vec::new();
    let mut first_row = true;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = if i == 0 { raw.trim_start_matches('\u{feff}') } else { raw }.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = content.split(',').map(|f| f.trim().trim_matches('"').trim()).collect();
        let header = first_row && timestamp_us(&Value::String(fields[0].to_string())).is_err();
        first_row = false;
        if fields.len() != 2 {
            return Err(Note::new(
                at(line, fields.len().min(3)),
                format!("{} columns; each row is `timestamp,value`", fields.len()),
                "one timestamp and one count of requests per row",
            ));
        }
        if header {
            continue;
        }
        let at_us = timestamp_us(&Value::String(fields[0].to_string()))
            .map_err(|m| Note::new(at(line, 1), m, "write an ISO-8601 timestamp (2026-01-05T08:00:00Z) or seconds"))?;
        if fields[1].is_empty() {
            continue;
        }
        let value = fields[1]
            .parse::<f64>()
            .map_err(|_| format!("{:?} is not a number", fields[1]))
            .and_then(check_count)
            .map_err(|m| Note::new(at(line, 2), m, "the value is the requests counted in the period"))?;
        if points.len() == MAX_DATAPOINTS {
            return Err(too_many(at(line, 1), points.len() + 1));
        }
        points.push(Datapoint { at_us, value, at: at(line, 1) });
    }
    if points.is_empty() {
        return Err(Note::new(
            at(1, 1),
            "no datapoint: the CSV holds no `timestamp,value` row",
            "one row per period: 2026-01-05T08:00:00Z,600",
        ));
    }
    Ok(History { shape: Shape::Csv, label: None, statistic: None, points: sorted(points)?, notes: Vec::new() })
}

impl History {
    /// The rate profile of the history laid on the run's clock, with the warnings of the
    /// choices it made (an inferred period, gaps), or the error.
    pub fn to_profile(&self, replay: &Clock, source: &str) -> Result<(RateProfile, Vec<Note>), Note> {
        let mut notes = Vec::new();
        // Every reader refuses a history without a datapoint; this keeps a hand-built one safe.
        let Some(first) = self.points.first() else {
            return Err(Note::new(Where::Rate, "the history holds no datapoint", "export a time range with traffic"));
        };
        let spacing_us = self.points.windows(2).map(|w| w[1].at_us - w[0].at_us).min();
        let period_us = match (replay.period, spacing_us) {
            (Some(p), _) if p == Span::ZERO => {
                return Err(Note::new(Where::Rate, "period 0s", "give the export's period, e.g. period = \"5m\""))
            }
            (Some(p), _) => i64::try_from(p.0).map_err(|_| Note::new(Where::Rate, "the period is too long", "give the export's period"))?,
            (None, Some(s)) => {
                notes.push(Note::new(
                    Where::Rate,
                    format!(
                        "period {} taken from the datapoints' spacing (the smallest gap between two timestamps)",
                        Span(s.unsigned_abs())
                    ),
                    format!("say so with period = \"{}\"", Span(s.unsigned_abs())),
                ));
                s
            }
            (None, None) => {
                return Err(Note::new(
                    first.at.clone(),
                    "one datapoint, so its period cannot be told from the spacing",
                    "give the export's period, e.g. period = \"5m\"",
                ))
            }
        };
        if let Some(w) = self.points.windows(2).find(|w| w[1].at_us - w[0].at_us < period_us) {
            return Err(Note::new(
                w[1].at.clone(),
                format!(
                    "datapoints {} apart, closer than the period {}",
                    Span((w[1].at_us - w[0].at_us).unsigned_abs()),
                    Span(period_us.unsigned_abs())
                ),
                "give the period the export was made with (--period), or a shorter period = \"…\"",
            ));
        }
        let scale = replay.scale.unwrap_or(1.0);
        let origin = replay.start_us.unwrap_or(first.at_us);
        let mut periods = Vec::with_capacity(self.points.len());
        let mut missing = 0u64;
        let mut first_gap: Option<Where> = None;
        for (i, p) in self.points.iter().enumerate() {
            let next = self.points.get(i + 1).map(|n| n.at_us);
            let mut length_us = period_us;
            if let Some(n) = next.filter(|n| n - p.at_us > period_us) {
                missing += ((n - p.at_us) / period_us - 1).max(1) as u64;
                first_gap.get_or_insert_with(|| self.points[i + 1].at.clone());
                if replay.gaps == Gaps::Hold {
                    length_us = n - p.at_us;
                }
            }
            let per_s = p.value / (period_us as f64 / US_PER_S) * scale;
            // The period in the history, cut at `start` (nothing before it is replayed), then on
            // the run's clock, cut at 0 (what the shift moved before the run is not replayed).
            let history_from = replay.start_us.map_or(p.at_us, |s| p.at_us.max(s));
            let history_to = p.at_us.saturating_add(length_us);
            if history_to <= history_from {
                continue;
            }
            let from = history_from.saturating_sub(origin).saturating_add(replay.shift_us);
            let to = history_to.saturating_sub(origin).saturating_add(replay.shift_us);
            if to <= 0 {
                continue;
            }
            let (from, to) = (from.max(0).unsigned_abs(), to.unsigned_abs());
            periods.push(Period { at: Span(from), length: Span(to - from), per_s });
        }
        if let Some(at) = first_gap {
            let fill = match replay.gaps {
                Gaps::Zero => "no requests there (CloudWatch publishes no RequestCount datapoint for a period without requests)",
                Gaps::Hold => "the previous datapoint's rate held over them (gaps = \"hold\")",
            };
            notes.push(Note::new(
                at,
                format!("{missing} periods without a datapoint (the first gap ends at this one): {fill}"),
                "gaps = \"zero\" or \"hold\" says which",
            ));
        }
        if periods.is_empty() {
            return Err(Note::new(
                Where::Rate,
                "the shift moves the whole history before the start of the run",
                "shift by less than the history's length",
            ));
        }
        let profile =
            RateProfile::recorded(&periods, source).map_err(|m| Note::new(Where::Rate, m, "see docs/scenarios.md, \"Traffic\""))?;
        Ok((profile, notes))
    }
}
