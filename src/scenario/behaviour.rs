//! A revision's behaviour that changes during a task's life: health-check answers by time window
//! (`behaviour.health`), how long the application takes to answer a check
//! (`behaviour.health_check_response_time`), and containers that exit at a given time
//! (`behaviour.container_exits`) — an essential one stops the task, a non-essential one does not
//! (<https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_environment>).
//!
//! The types and the pure question "what does the application answer a check sent at t?" live
//! here; the loaders (located errors) too, so `load_services` stays small.

use super::load::Cx;
use super::toml_model::RawTaskDefinition;
use super::{Behaviour, HealthAnswer};
use crate::ecs::TaskDefinition;
use crate::engine::{SimTime, Span};
use serde::Deserialize;
use toml::Spanned;

/// Which health checks a window (or a response time) applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// The load balancer's check of the task's target (HealthCheckTimeoutSeconds applies).
    Target,
    /// The container health check of the task definition (its `timeout` applies).
    Container,
}

/// When a window is open: measured from the task's RUNNING, or on the run's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthClock {
    /// `after`/`until`: time since the task reached RUNNING.
    SinceRunning,
    /// `from`/`to`: simulated time since the start of the run.
    Absolute,
}

/// One `behaviour.health` entry: checks sent in `[start, end)` get `answer`, after
/// `response_time` when given.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthWindow {
    pub clock: HealthClock,
    pub start: Span,
    /// `None`: open until the task stops.
    pub end: Option<Span>,
    pub answer: HealthAnswer,
    /// Overrides the revision's response time inside the window.
    pub response_time: Option<Span>,
    /// `None`: both kinds of check.
    pub only: Option<CheckKind>,
}

/// One `behaviour.container_exits` entry, resolved against the task definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerExit {
    pub container: String,
    /// From the task definition: an essential container's exit stops the task.
    pub essential: bool,
    /// Time since the task reached RUNNING.
    pub after: Span,
    pub exit_code: i32,
}

/// More exits than a task has containers (at most 10) is a mistake; this bound keeps the
/// timer's index small.
pub const MAX_CONTAINER_EXITS: usize = 100;

/// The response time of a check when nothing says otherwise: the load balancer's check is
/// answered in 10 ms; a container check's result is known at once.
pub const TARGET_RESPONSE_DEFAULT: Span = Span(10_000);

impl Behaviour {
    /// What the application answers a check of `kind` sent at `now`, and how long it takes: the
    /// first `health` window open at `now`, else the revision's steady answer.
    pub fn health_at(&self, kind: CheckKind, now: SimTime, running_at: Option<SimTime>) -> (HealthAnswer, Span) {
        let steady = match kind {
            CheckKind::Target => self.target_health,
            CheckKind::Container if self.container_unhealthy => HealthAnswer::Error,
            CheckKind::Container => HealthAnswer::Healthy,
        };
        let default_response = self.health_check_response_time.unwrap_or(match kind {
            CheckKind::Target => TARGET_RESPONSE_DEFAULT,
            CheckKind::Container => Span::ZERO,
        });
        let open = self.health.iter().find(|w| {
            if w.only.is_some_and(|k| k != kind) {
                return false;
            }
            let t = match (w.clock, running_at) {
                (HealthClock::Absolute, _) => now.since(SimTime::ZERO),
                (HealthClock::SinceRunning, Some(r)) => now.since(r),
                (HealthClock::SinceRunning, None) => return false,
            };
            t >= w.start && w.end.is_none_or(|e| t < e)
        });
        match open {
            Some(w) => (w.answer, w.response_time.unwrap_or(default_response)),
            None => (steady, default_response),
        }
    }

    /// Whether some window changes the answer to checks of `kind` over time (the container check
    /// then keeps running after its first verdict, as Docker's does).
    pub fn health_varies(&self, kind: CheckKind) -> bool {
        self.health.iter().any(|w| w.only.is_none_or(|k| k == kind))
    }
}

/// `behaviour.health = [{ after = "33s", until = "75s", answer = "error" }, …]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawHealthWindow {
    /// Opens this long after the task reached RUNNING.
    pub after: Option<Span>,
    /// Closes this long after RUNNING (with `after`).
    pub until: Option<Span>,
    /// Opens at this simulated time.
    pub from: Option<Span>,
    /// Closes at this simulated time (with `from`).
    pub to: Option<Span>,
    /// "healthy" (default), "error" or "hang".
    pub answer: Option<Spanned<String>>,
    /// How long the application takes to answer inside the window.
    pub response_time: Option<Span>,
    /// "both" (default), "target" or "container".
    pub checks: Option<Spanned<String>>,
}

/// `behaviour.container_exits = [{ container = "migrate", after = "20s", exit_code = 0 }]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawContainerExit {
    pub container: Spanned<String>,
    /// Time since the task reached RUNNING.
    pub after: Span,
    #[serde(default)]
    pub exit_code: i32,
}

/// Parses an answer name ("healthy", "error", "hang").
pub(super) fn parse_answer(name: &str) -> Option<HealthAnswer> {
    match name {
        "healthy" => Some(HealthAnswer::Healthy),
        "error" => Some(HealthAnswer::Error),
        "hang" => Some(HealthAnswer::Hang),
        _ => None,
    }
}

impl Cx<'_> {
    /// Validates `behaviour.health` (the entry's own span locates every error).
    pub(super) fn build_health_windows(&mut self, raws: &[Spanned<RawHealthWindow>]) -> Vec<HealthWindow> {
        let mut out = Vec::new();
        for raw in raws {
            let (span, w) = (raw.span(), raw.get_ref());
            let (clock, start, end) = match (w.after, w.from) {
                (Some(after), None) if w.to.is_none() => (HealthClock::SinceRunning, after, w.until),
                (None, Some(from)) if w.until.is_none() => (HealthClock::Absolute, from, w.to),
                (Some(_), Some(_)) => {
                    self.error_at(
                        span.clone(),
                        "a health window has both `after` and `from`",
                        "use `after`/`until` (time since the task's RUNNING) or `from`/`to` (simulated time), not both",
                    );
                    continue;
                }
                (None, None) => {
                    self.error_at(
                        span.clone(),
                        "a health window needs `after` or `from`",
                        "e.g. { after = \"33s\", until = \"75s\", answer = \"error\" } or { from = \"10m\", to = \"12m\", answer = \"hang\" }",
                    );
                    continue;
                }
                _ => {
                    self.error_at(
                        span.clone(),
                        "`until` goes with `after`, `to` with `from`",
                        "after/until count from the task's RUNNING; from/to are simulated times",
                    );
                    continue;
                }
            };
            if end.is_some_and(|e| e <= start) {
                self.error_at(
                    span.clone(),
                    format!("the health window ends ({}) before it starts ({start})", end.unwrap()),
                    "give an end after the start",
                );
            }
            let answer = match &w.answer {
                None => HealthAnswer::Healthy,
                Some(a) => parse_answer(a.get_ref()).unwrap_or_else(|| {
                    self.error_at(a.span(), format!("answer {:?} is not known", a.get_ref()), "use \"healthy\", \"error\" or \"hang\"");
                    HealthAnswer::Healthy
                }),
            };
            if w.answer.is_none() && w.response_time.is_none() {
                self.error_at(span, "the health window changes nothing", "give `answer` (\"error\", \"hang\") or `response_time`");
            }
            let only = match w.checks.as_ref().map(|c| (c.get_ref().as_str(), c.span())) {
                None | Some(("both", _)) => None,
                Some(("target", _)) => Some(CheckKind::Target),
                Some(("container", _)) => Some(CheckKind::Container),
                Some((other, s)) => {
                    self.error_at(s, format!("checks {other:?} is not known"), "use \"both\", \"target\" or \"container\"");
                    None
                }
            };
            out.push(HealthWindow { clock, start, end, answer, response_time: w.response_time, only });
        }
        out
    }

    /// Resolves every task definition's `behaviour.container_exits` against its containers (the
    /// task definitions are built by then; `behaviours` is parallel to `raws`).
    pub(super) fn resolve_container_exits(
        &mut self,
        raws: &[RawTaskDefinition],
        task_definitions: &[(String, TaskDefinition)],
        behaviours: &mut [Behaviour],
    ) {
        for (raw, behaviour) in raws.iter().zip(behaviours.iter_mut()) {
            if raw.behaviour.container_exits.is_empty() {
                continue;
            }
            let Some((_, td)) = task_definitions.iter().find(|(n, _)| n == raw.name.get_ref()) else { continue };
            if raw.behaviour.container_exits.len() > MAX_CONTAINER_EXITS {
                self.error_at(
                    raw.name.span(),
                    format!("{} container exits (at most {MAX_CONTAINER_EXITS})", raw.behaviour.container_exits.len()),
                    "a task definition has at most 10 containers; give each at most one exit",
                );
                continue;
            }
            for exit in &raw.behaviour.container_exits {
                let name = exit.container.get_ref();
                match td.containers.iter().find(|c| &c.name == name) {
                    Some(c) => behaviour.container_exits.push(ContainerExit {
                        container: name.clone(),
                        essential: c.essential,
                        after: exit.after,
                        exit_code: exit.exit_code,
                    }),
                    None => {
                        let known: Vec<&str> = td.containers.iter().map(|c| c.name.as_str()).collect();
                        self.error_at(
                            exit.container.span(),
                            format!("task definition {:?} has no container {name:?}", raw.name.get_ref()),
                            format!("name one of its containers: {known:?} (an inline task definition's one container is \"app\")"),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(clock: HealthClock, start_s: u64, end_s: Option<u64>, answer: HealthAnswer, only: Option<CheckKind>) -> HealthWindow {
        HealthWindow { clock, start: Span::from_secs(start_s), end: end_s.map(Span::from_secs), answer, response_time: None, only }
    }

    #[test]
    fn windows_are_half_open_the_first_open_one_wins_and_checks_filter_them() {
        // RUNNING at 10 s; errors from 33 s to 75 s after the start (absolute [43 s, 85 s)), then
        // from 2 min of the run the load balancer's check hangs (the container's is unaffected).
        let b = Behaviour {
            health: vec![
                window(HealthClock::SinceRunning, 33, Some(75), HealthAnswer::Error, None),
                window(HealthClock::Absolute, 120, None, HealthAnswer::Hang, Some(CheckKind::Target)),
            ],
            health_check_response_time: Some(Span::from_secs(2)),
            ..Behaviour::default()
        };
        let at = |s: u64, kind| b.health_at(kind, SimTime::ZERO + Span::from_secs(s), Some(SimTime::ZERO + Span::from_secs(10))).0;
        assert_eq!(at(42, CheckKind::Target), HealthAnswer::Healthy);
        assert_eq!(at(43, CheckKind::Target), HealthAnswer::Error, "opens at R + 33 s");
        assert_eq!(at(84, CheckKind::Container), HealthAnswer::Error);
        assert_eq!(at(85, CheckKind::Target), HealthAnswer::Healthy, "closed at R + 75 s");
        assert_eq!(at(120, CheckKind::Target), HealthAnswer::Hang);
        assert_eq!(at(120, CheckKind::Container), HealthAnswer::Healthy, "a target-only window");
        // The revision's response time applies to both checks; no RUNNING, no relative window.
        let (answer, response) = b.health_at(CheckKind::Container, SimTime::ZERO + Span::from_secs(50), None);
        assert_eq!((answer, response), (HealthAnswer::Healthy, Span::from_secs(2)));
        assert!(b.health_varies(CheckKind::Container) && b.health_varies(CheckKind::Target));
        // Without anything said: 10 ms for the load balancer's check, at once for a container's.
        let plain = Behaviour::default();
        assert_eq!(plain.health_at(CheckKind::Target, SimTime::ZERO, None).1, Span::from_millis(10));
        assert_eq!(plain.health_at(CheckKind::Container, SimTime::ZERO, None).1, Span::ZERO);
        assert!(!plain.health_varies(CheckKind::Container));
    }
}
