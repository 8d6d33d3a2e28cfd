//! A service's `load`: ECS CPUUtilization / MemoryUtilization history (the CloudWatch exports
//! `workload::history` reads) replayed as the load of a service without a load balancer. The
//! demand is utilization × the tasks that ran when it was recorded × scale, in task-percent; the
//! run publishes it each minute as n samples of demand ÷ n over the n running tasks
//! (`sim::services::calls`). Messages are located as the rate profile's are: in the history file,
//! or at the `load` table for the choices ecsim made.

use super::load::Cx;
use super::load_traffic::{signed_span_us, RawGaps};
use crate::engine::Span;
use crate::model::diagnostic::Severity;
use crate::model::ServiceLoad;
use crate::workload::history::{self, Clock, Gaps, Select};
use crate::workload::traffic::RateProfile;
use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;

/// `load = { cpu_history = "cpu.json", memory_history = "mem.json", tasks = 4, … }`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawServiceLoad {
    /// CPUUtilization history (percent per task): get-metric-data / get-metric-statistics JSON, or CSV.
    pub cpu_history: Option<String>,
    /// MemoryUtilization history (percent per task).
    pub memory_history: Option<String>,
    /// The tasks that ran when the history was recorded (default: the service's desired count).
    pub tasks: Option<u32>,
    /// get-metric-statistics: which statistic (default `Average`).
    pub statistic: Option<String>,
    /// get-metric-data: which result (`Id`) to read when there are several.
    pub id: Option<String>,
    /// Each datapoint's period (default: the datapoints' smallest spacing).
    pub period: Option<Span>,
    /// Multiplies the demand (default 1).
    pub scale: Option<f64>,
    /// The first instant of the history replayed (default: the first datapoint).
    pub start: Option<String>,
    /// Moves the history on the run's clock ("-2h", "30m").
    pub shift: Option<String>,
    /// Periods without a datapoint: "hold" (default: the previous value carries on) or "zero".
    pub gaps: Option<RawGaps>,
}

impl Cx<'_> {
    /// The service's `load`, or `None` (with located errors) when it cannot be replayed.
    pub(super) fn build_service_load(&mut self, raw: &Spanned<RawServiceLoad>, desired: u32, has_lb: bool) -> Option<ServiceLoad> {
        let span = raw.span();
        let r = raw.get_ref();
        let mut ok = true;
        if has_lb {
            self.error_at(
                span.clone(),
                "`load` is for a service without a load balancer: this service's CPU and memory come from the requests it serves",
                "remove `load`, or `load_balancers` (and drive the service with [[traffic]])",
            );
            ok = false;
        }
        if r.cpu_history.is_none() && r.memory_history.is_none() {
            self.error_at(span.clone(), "`load` names no history", "give cpu_history = \"cpu.json\" and/or memory_history = \"mem.json\"");
            ok = false;
        }
        let tasks = r.tasks.unwrap_or(desired);
        if tasks == 0 {
            self.error_at(
                span.clone(),
                "tasks = 0: the history's utilization must be of at least one task",
                "tasks = how many tasks ran when the history was recorded, e.g. tasks = 2",
            );
            ok = false;
        }
        let scale = r.scale.unwrap_or(1.0);
        if !(scale.is_finite() && scale > 0.0) {
            self.error_at(span.clone(), format!("scale {scale} must be above 0"), "3 replays three times the recorded load");
            ok = false;
        }
        let mut clock = Clock {
            period: r.period,
            gaps: match r.gaps {
                Some(RawGaps::Zero) => Gaps::Zero,
                Some(RawGaps::Hold) | None => Gaps::Hold,
            },
            ..Default::default()
        };
        if let Some(text) = &r.shift {
            match signed_span_us(text) {
                Ok(us) => clock.shift_us = us,
                Err(m) => {
                    self.error_at(span.clone(), m, "shift = \"-2h\" starts two hours into the history, \"30m\" half an hour late");
                    ok = false;
                }
            }
        }
        if let Some(text) = &r.start {
            match crate::engine::calendar::parse_timestamp(text) {
                Ok(s) => clock.start_us = Some(s.saturating_mul(1_000_000)),
                Err(m) => {
                    self.error_at(span.clone(), format!("start: {m}"), "the instant of the history the run starts at");
                    ok = false;
                }
            }
        }
        if !ok {
            return None;
        }
        let factor = f64::from(tasks) * scale;
        let select = Select { id: r.id.as_deref(), statistic: r.statistic.as_deref(), utilization: true };
        let cpu = match &r.cpu_history {
            Some(f) => Some(self.utilization_history(&span, f, &select, &clock, factor)?),
            None => None,
        };
        let memory = match &r.memory_history {
            Some(f) => Some(self.utilization_history(&span, f, &select, &clock, factor)?),
            None => None,
        };
        Some(ServiceLoad { cpu, memory })
    }

    /// One utilization history as a demand curve: percent × `factor`, on the run's clock.
    fn utilization_history(&mut self, span: &Range<usize>, file: &str, select: &Select, clock: &Clock, factor: f64) -> Option<RateProfile> {
        let (path, text) = self.read_file(&Spanned::new(span.clone(), file.to_string()))?;
        let history = match history::read(&text, select) {
            Ok(h) => h,
            Err(note) => {
                self.history_note(Severity::Error, &path, &text, span, note);
                return None;
            }
        };
        for note in history.notes.clone() {
            self.history_note(Severity::Warning, &path, &text, span, note);
        }
        // The readers make a value a rate of value ÷ period per second; × the period keeps the
        // value itself (percent). The period is the one `to_profile` uses: stated, or the
        // smallest spacing (one datapoint without a period is its error).
        let spacing_us = history.points.windows(2).map(|w| w[1].at_us - w[0].at_us).min();
        let period_s = match (clock.period, spacing_us) {
            (Some(p), _) => p.as_secs_f64(),
            (None, Some(s)) => s as f64 / 1e6,
            (None, None) => 1.0,
        };
        let mut replay = clock.clone();
        replay.scale = Some(period_s * factor);
        let what = match (&history.label, &history.statistic) {
            (Some(l), Some(s)) => format!("{} {l} {s}", history.shape.name()),
            (Some(l), None) => format!("{} {l}", history.shape.name()),
            _ => history.shape.name().to_string(),
        };
        match history.to_profile(&replay, &format!("{file}, {what}")) {
            Ok((profile, notes)) => {
                for note in notes {
                    self.history_note(Severity::Warning, &path, &text, span, note);
                }
                Some(profile)
            }
            Err(note) => {
                self.history_note(Severity::Error, &path, &text, span, note);
                None
            }
        }
    }
}
