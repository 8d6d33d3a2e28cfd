//! The `[[traffic]]` part of a scenario: request sources for the load balancers, as a Poisson
//! process with a rate profile (`workload::traffic`; CloudWatch history through
//! `workload::history`) or the replay of an ALB access log (`workload::alb_log`), validated
//! with located errors. A history file's messages are located in that file (JSON through
//! `json_doc`'s position index, CSV by line), the choices ecsim made at the `rate` table.

use super::load::Cx;
use crate::elb::config::ElbConfig;
use crate::engine::Span;
use crate::model::diagnostic::Diagnostic;
use crate::model::diagnostic::{Severity, Source};
use crate::model::{RequestSpec, TrafficKind, TrafficSource};
use crate::scenario::json_doc::{PathSeg, PositionIndex};
use crate::workload::alb_log::{Replay, ReplayOptions};
use crate::workload::history::{self, Clock, Gaps, Note, Select, Step, Where};
use crate::workload::traffic::RateProfile;
use serde::Deserialize;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// One `[[traffic]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    pub name: Spanned<String>,
    /// A `[[load_balancers]]` name (default: the only one).
    pub load_balancer: Option<Spanned<String>>,
    /// The listener's port (default: the load balancer's first listener).
    pub listener: Option<Spanned<u16>>,
    /// The request (Poisson sources): host, path, method, query string, client address.
    pub host: Option<String>,
    pub path: Option<String>,
    pub method: Option<String>,
    pub query: Option<String>,
    pub client_ip: Option<Spanned<String>>,
    /// The arrival rate over time (a Poisson source).
    pub rate: Option<Spanned<RawRate>>,
    /// An ALB access log to replay instead (relative to the scenario file).
    pub access_log: Option<Spanned<String>>,
    /// Replay speed: 2 = twice as fast as logged (default 1).
    pub speed: Option<Spanned<f64>>,
    /// Replay the log over and over for this long (default: once).
    pub loop_for: Option<Span>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(tag = "profile", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawRate {
    Constant {
        per_second: f64,
    },
    Steps {
        steps: Vec<RawPoint>,
    },
    Diurnal {
        mean_per_second: f64,
        amplitude: f64,
        period: Option<Span>,
        peak_at: Option<Span>,
    },
    Spikes {
        base_per_second: f64,
        spikes: Vec<RawSpike>,
    },
    PiecewiseLinear {
        points: Vec<RawPoint>,
    },
    Csv {
        file: String,
    },
    /// CloudWatch RequestCount history: get-metric-data or get-metric-statistics JSON, or CSV.
    Cloudwatch {
        file: String,
        /// get-metric-data: which result (`Id`) to read when there are several.
        id: Option<String>,
        /// get-metric-statistics: which statistic counts the requests (default `Sum`).
        statistic: Option<String>,
        /// Each datapoint's period (default: the datapoints' smallest spacing).
        period: Option<Span>,
        /// Multiplies the rate (default 1).
        scale: Option<f64>,
        /// The first instant of the history replayed, at the run's start before the shift
        /// (default: the first datapoint).
        start: Option<String>,
        /// Moves the history on the run's clock: "-2h" starts two hours into it, "2h" two
        /// hours late.
        shift: Option<String>,
        /// Periods without a datapoint: "zero" (default) or "hold".
        gaps: Option<RawGaps>,
    },
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RawGaps {
    Zero,
    Hold,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawPoint {
    pub at: Span,
    pub per_second: f64,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawSpike {
    pub at: Span,
    pub duration: Span,
    pub per_second: f64,
}

impl Cx<'_> {
    pub(super) fn build_traffic(&mut self, raw: &[RawTraffic], elb: &ElbConfig) -> Vec<TrafficSource> {
        let mut out = Vec::new();
        for (i, t) in raw.iter().enumerate() {
            if raw[..i].iter().any(|o| o.name.get_ref() == t.name.get_ref()) {
                self.error_at(
                    t.name.span(),
                    format!("traffic source {:?} is defined twice", t.name.get_ref()),
                    "give each [[traffic]] a distinct name",
                );
            }
            if let Some(s) = self.build_source(t, elb) {
                out.push(s);
            }
        }
        out
    }

    fn build_source(&mut self, t: &RawTraffic, elb: &ElbConfig) -> Option<TrafficSource> {
        let names: Vec<&str> = elb.load_balancers.iter().map(|l| l.name.as_str()).collect();
        let load_balancer = match &t.load_balancer {
            Some(n) => match elb.load_balancers.iter().position(|l| l.name == *n.get_ref()) {
                Some(i) => i,
                None => {
                    self.error_at(n.span(), format!("no load balancer named {:?}", n.get_ref()), format!("defined: {names:?}"));
                    return None;
                }
            },
            None if elb.load_balancers.len() == 1 => 0,
            None => {
                let help = if names.is_empty() {
                    "define one under [[load_balancers]] (with a listener) for the traffic to reach".to_string()
                } else {
                    format!("say which with load_balancer = \"…\"; defined: {names:?}")
                };
                self.error_at(t.name.span(), format!("traffic {:?} does not say which load balancer it goes to", t.name.get_ref()), help);
                return None;
            }
        };
        let lb = &elb.load_balancers[load_balancer];
        let listener = match &t.listener {
            Some(port) => match lb.listeners.iter().position(|l| l.port == *port.get_ref()) {
                Some(i) => i,
                None => {
                    let ports: Vec<u16> = lb.listeners.iter().map(|l| l.port).collect();
                    self.error_at(
                        port.span(),
                        format!("load balancer {:?} has no listener on port {}", lb.name, port.get_ref()),
                        format!("its listeners: {ports:?}"),
                    );
                    return None;
                }
            },
            None if !lb.listeners.is_empty() => 0,
            None => {
                self.error_at(t.name.span(), format!("load balancer {:?} has no listener", lb.name), "add a [[load_balancers.listeners]]");
                return None;
            }
        };
        let client_ip = match &t.client_ip {
            Some(ip) => match ip.get_ref().parse::<std::net::Ipv4Addr>() {
                Ok(a) => Some(a),
                Err(_) => {
                    self.error_at(ip.span(), format!("client_ip {:?} is not an IPv4 address", ip.get_ref()), "write it as 203.0.113.7");
                    None
                }
            },
            None => None,
        };
        let kind = match (&t.rate, &t.access_log) {
            (Some(_), Some(log)) => {
                self.error_at(
                    log.span(),
                    "a traffic source has either a rate or an access_log, not both",
                    "split it into two [[traffic]] sources",
                );
                return None;
            }
            (None, None) => {
                self.error_at(
                    t.name.span(),
                    format!("traffic {:?} has neither a rate nor an access_log", t.name.get_ref()),
                    "add rate = { profile = \"constant\", per_second = 100 } or access_log = \"…\"",
                );
                return None;
            }
            (Some(rate), None) => {
                let profile = self.build_rate(rate)?;
                let request = RequestSpec {
                    method: t.method.clone().unwrap_or_else(|| "GET".into()),
                    host: t.host.clone().unwrap_or_else(|| "www.example.com".into()),
                    path: t.path.clone().unwrap_or_else(|| "/".into()),
                    query: t.query.clone().unwrap_or_default(),
                    client_ip,
                };
                TrafficKind::Poisson { profile, request }
            }
            (None, Some(log)) => self.build_replay(t, log)?,
        };
        Some(TrafficSource { name: t.name.get_ref().clone(), load_balancer, listener, kind })
    }

    fn build_rate(&mut self, rate: &Spanned<RawRate>) -> Option<RateProfile> {
        let points = |p: &[RawPoint]| p.iter().map(|p| (p.at, p.per_second)).collect::<Vec<_>>();
        let built = match rate.get_ref() {
            RawRate::Constant { per_second } => RateProfile::constant(*per_second),
            RawRate::Steps { steps } => RateProfile::steps(&points(steps)),
            RawRate::Diurnal { mean_per_second, amplitude, period, peak_at } => {
                RateProfile::diurnal(*mean_per_second, *amplitude, *period, peak_at.unwrap_or(Span::ZERO))
            }
            RawRate::Spikes { base_per_second, spikes } => {
                let s: Vec<(Span, Span, f64)> = spikes.iter().map(|s| (s.at, s.duration, s.per_second)).collect();
                RateProfile::spikes(*base_per_second, &s)
            }
            RawRate::PiecewiseLinear { points: p } => RateProfile::piecewise_linear(&points(p)),
            RawRate::Cloudwatch { .. } => return self.build_history(rate),
            RawRate::Csv { file } => {
                let (path, text) = self.read_file(&Spanned::new(rate.span(), file.clone()))?;
                return match RateProfile::from_csv(&text) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        self.diags.push(
                            Diagnostic::error(&path, e.line, e.column, e.message)
                                .with_source(&text)
                                .with_help("the CSV needs a header `time,requests_per_second` and one row per point, times increasing"),
                        );
                        None
                    }
                };
            }
        };
        match built {
            Ok(p) => Some(p),
            Err(m) => {
                self.error_at(rate.span(), m, "see docs/scenarios.md, \"Traffic\"");
                None
            }
        }
    }

    /// A `profile = "cloudwatch"` rate: the history file read, laid on the run's clock, its
    /// messages located in the file and the choices ecsim made located at the `rate` table.
    fn build_history(&mut self, rate: &Spanned<RawRate>) -> Option<RateProfile> {
        let RawRate::Cloudwatch { file, id, statistic, period, scale, start, shift, gaps } = rate.get_ref() else {
            return None;
        };
        let span = rate.span();
        let mut replay = Clock {
            period: *period,
            scale: *scale,
            gaps: match gaps {
                Some(RawGaps::Hold) => Gaps::Hold,
                Some(RawGaps::Zero) | None => Gaps::Zero,
            },
            ..Default::default()
        };
        let mut ok = true;
        if let Some(s) = scale.filter(|s| !(s.is_finite() && *s > 0.0)) {
            self.error_at(span.clone(), format!("scale {s} must be above 0"), "3 replays the history at three times its rate");
            ok = false;
        }
        if let Some(text) = shift {
            match signed_span_us(text) {
                Ok(us) => replay.shift_us = us,
                Err(m) => {
                    self.error_at(span.clone(), m, "shift = \"-2h\" starts two hours into the history, \"30m\" half an hour late");
                    ok = false;
                }
            }
        }
        if let Some(text) = start {
            match crate::engine::calendar::parse_timestamp(text) {
                Ok(s) => replay.start_us = Some(s.saturating_mul(1_000_000)),
                Err(m) => {
                    self.error_at(span.clone(), format!("start: {m}"), "the instant of the history the run starts at");
                    ok = false;
                }
            }
        }
        let (path, text) = self.read_file(&Spanned::new(span.clone(), file.clone()))?;
        let select = Select { id: id.as_deref(), statistic: statistic.as_deref(), utilization: false };
        let history = match history::read(&text, &select) {
            Ok(h) => h,
            Err(note) => {
                self.history_note(Severity::Error, &path, &text, &span, note);
                return None;
            }
        };
        for note in history.notes.clone() {
            self.history_note(Severity::Warning, &path, &text, &span, note);
        }
        if !ok {
            return None;
        }
        let what = match (&history.label, &history.statistic) {
            (Some(l), Some(s)) => format!("{} {l} {s}", history.shape.name()),
            (Some(l), None) => format!("{} {l}", history.shape.name()),
            _ => history.shape.name().to_string(),
        };
        let source = format!("{}, {what}", file);
        match history.to_profile(&replay, &source) {
            Ok((profile, notes)) => {
                for note in notes {
                    self.history_note(Severity::Warning, &path, &text, &span, note);
                }
                Some(profile)
            }
            Err(note) => {
                self.history_note(Severity::Error, &path, &text, &span, note);
                None
            }
        }
    }

    /// A history message at its place: in the history file, or at the scenario's `rate`.
    pub(super) fn history_note(&mut self, severity: Severity, path: &Path, text: &str, rate: &Range<usize>, note: Note) {
        let file_src = Source::new(path, text);
        let mut d = match note.at {
            Where::Rate => {
                self.push_at(severity, rate.clone(), note.message, Some(note.help));
                return;
            }
            Where::Json(steps) => {
                let segs: Vec<PathSeg> = steps
                    .iter()
                    .map(|s| match s {
                        Step::Key(k) => PathSeg::Key(k),
                        Step::Index(i) => PathSeg::Index(*i),
                    })
                    .collect();
                let (loc, _) = PositionIndex::new(text).locate_nearest(&segs);
                file_src.diagnostic(severity, loc.key.unwrap_or(loc.value), note.message)
            }
            Where::Text { line, column } => {
                let d = Diagnostic::error(path, line, column, note.message).with_source(text);
                Diagnostic { severity, ..d }
            }
        };
        d.help = Some(note.help);
        self.diags.push(d);
    }

    fn build_replay(&mut self, t: &RawTraffic, log: &Spanned<String>) -> Option<TrafficKind> {
        let (path, text) = self.read_file(log)?;
        let parsed = crate::workload::alb_log::parse_log(&text);
        if !parsed.skipped.is_empty() {
            let (line, col) = self.src.line_col(log.span().start);
            let first = &parsed.skipped[0];
            self.diags.push(
                Diagnostic::warning(self.src.path, line, col, format!("{}: {}", path.display(), parsed.summary())).with_help(format!(
                    "the replay skips them; first at {}:{}: {}",
                    path.display(),
                    first.line,
                    first.reason
                )),
            );
        }
        if parsed.requests.is_empty() {
            self.error_at(
                log.span(),
                format!("{} holds no request the replay can use", path.display()),
                "give an ALB access log (one entry per line, in the AWS format)",
            );
            return None;
        }
        let speed = match &t.speed {
            Some(s) if !(s.get_ref().is_finite() && *s.get_ref() > 0.0) => {
                self.error_at(s.span(), format!("speed {} must be above 0", s.get_ref()), "2 replays twice as fast as logged");
                1.0
            }
            Some(s) => *s.get_ref(),
            None => 1.0,
        };
        let options = ReplayOptions { speed, loop_for: t.loop_for };
        let replay = match Replay::new(&parsed, options) {
            Ok(r) => r,
            Err(m) => {
                self.error_at(log.span(), m, "see docs/scenarios.md, \"Traffic\"");
                return None;
            }
        };
        let requests = parsed
            .requests
            .iter()
            .map(|r| RequestSpec {
                method: r.method.clone(),
                host: r.host.clone(),
                path: r.path.clone(),
                query: r.query.clone(),
                client_ip: r.client_ip,
            })
            .collect();
        Some(TrafficKind::Replay { replay, requests })
    }
}

/// A signed duration in microseconds: `-2h`, `+30m`, `90s`, `0`.
pub(super) fn signed_span_us(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (sign, rest) = match t.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let span = Span::parse(rest.trim()).map_err(|e| format!("shift {text:?}: {e}"))?;
    i64::try_from(span.0).map(|us| sign * us).map_err(|_| format!("shift {text:?} is too long"))
}
