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
use crate::ecs::TaskDefinition;
use crate::engine::Span;
use crate::model::behaviour::MAX_CONTAINER_EXITS;
use crate::model::{Behaviour, CheckKind, ContainerExit, HealthAnswer, HealthClock, HealthWindow};
use serde::Deserialize;
use toml::Spanned;

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

/// The answers a health check can get, by name.
pub(super) const ANSWERS: [(&str, HealthAnswer); 3] =
    [("healthy", HealthAnswer::Healthy), ("error", HealthAnswer::Error), ("hang", HealthAnswer::Hang)];

impl Cx<'_> {
    /// The value paired with `v`'s name in `choices`; otherwise a located "`key` "x" is not
    /// known" error that lists the names, and `None`.
    pub(super) fn known<T: Clone>(&mut self, v: &Spanned<String>, key: &str, choices: &[(&str, T)]) -> Option<T> {
        if let Some((_, t)) = choices.iter().find(|(n, _)| n == v.get_ref()) {
            return Some(t.clone());
        }
        let names: Vec<String> = choices.iter().map(|(n, _)| format!("{n:?}")).collect();
        let (last, rest) = names.split_last()?;
        let listed = if rest.is_empty() { last.clone() } else { format!("{} or {last}", rest.join(", ")) };
        self.error_at(v.span(), format!("{key} {:?} is not known", v.get_ref()), format!("use {listed}"));
        None
    }

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
            let answer = w.answer.as_ref().and_then(|a| self.known(a, "answer", &ANSWERS)).unwrap_or_default();
            if w.answer.is_none() && w.response_time.is_none() {
                self.error_at(span, "the health window changes nothing", "give `answer` (\"error\", \"hang\") or `response_time`");
            }
            let checks = [("both", None), ("target", Some(CheckKind::Target)), ("container", Some(CheckKind::Container))];
            let only = w.checks.as_ref().and_then(|c| self.known(c, "checks", &checks)).flatten();
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
