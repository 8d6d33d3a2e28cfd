//! A Copilot Scheduled Job: EventBridge runs the job's task (RunTask) at the times of
//! `on.schedule`. ecsim's streams of standalone tasks (`[[workload]]`, arrivals at given times)
//! say exactly that, with one difference the import says aloud: ecsim runs standalone tasks on
//! EC2 instances only, so the job's tasks get an instance group of their own.

use super::*;
use crate::autoscaling::scheduled::{Schedule, ScheduledAction, DEFAULT_START_UNIX_S};

/// How far ahead the schedule's firings are listed: a day (the imported scenario runs an hour;
/// a longer `duration` in an overlay still sees a day of runs).
const HORIZON_S: i64 = 24 * 3600;
/// At most this many firings are listed (`@every 1m` for a day).
const MAX_FIRINGS: usize = 1440;

impl Manifest<'_> {
    pub(super) fn job(&mut self, draft: &mut Draft) {
        self.not_modelled();
        for key in ["retries", "timeout"] {
            if let Some(n) = self.at(key).cloned() {
                self.warn(&n, format!("not modelled: `{key}` (Step Functions retries and timeouts around the job's task)"));
            }
        }
        let (td, _) = self.task_definition(draft, true, false);
        self.network();
        let Some(node) = self.at("on.schedule").cloned() else {
            let at = self.doc.clone();
            parts::error(self.diags, self.file, &at, "a Scheduled Job needs `on.schedule`");
            return;
        };
        let text = node.scalar_text().unwrap_or_default();
        if text.trim() == "none" {
            self.warn(&node, "the schedule is \"none\": the job never runs (its task definition is imported)");
            return;
        }
        let schedule = match eventbridge_expression(&text).map(|e| Schedule::parse(&e)) {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                parts::error(self.diags, self.file, &node, format!("the schedule {text:?} cannot be read: {e}"));
                return;
            }
            None => {
                parts::error(self.diags, self.file, &node, format!("the schedule {text:?} is not one Copilot accepts (@daily, @every 5m, rate(5 minutes), cron(0 8 * * ? *), or five cron fields)"));
                return;
            }
        };
        let action = ScheduledAction::new(self.name.as_str(), self.name.as_str(), schedule, DEFAULT_START_UNIX_S);
        let mut times = Vec::new();
        let mut after = DEFAULT_START_UNIX_S - 1;
        while let Some(t) = action.next_fire(after) {
            if t - DEFAULT_START_UNIX_S > HORIZON_S || times.len() >= MAX_FIRINGS {
                break;
            }
            times.push(toml::Value::from(seconds_text((t - DEFAULT_START_UNIX_S) as f64)));
            after = t;
        }
        if times.is_empty() {
            self.warn(&node, format!("the schedule {text:?} does not fire in the first 24 hours: the job does not run"));
            return;
        }
        let mut w = Table::new();
        w.comment(format!("Copilot Scheduled Job {:?} ({}): `on.schedule` {text:?}.", self.name, self.file.display()));
        w.set("name", self.name.as_str()).set("task_definition", td.as_str());
        w.note(
            "arrivals",
            inline(vec![("process", "times".into()), ("at", toml::Value::Array(times))]),
            "the schedule's firings in the first 24 hours, from 2026-01-01T00:00:00Z (simulated time 0)",
        );
        let assumed_run = "assumed: the manifest does not say how long the job runs; 1 minute";
        self.warn(&node, assumed_run);
        w.note("run_time", inline(vec![("distribution", "constant".into()), ("value", "60s".into())]), assumed_run);
        draft.push("workload", w);
        self.job_capacity(draft, &node);
    }

    /// The instance group the job's tasks run on (see the module header): one instance big
    /// enough for one task, of the task's architecture.
    fn job_capacity(&mut self, draft: &mut Draft, at: &Node) {
        if draft.cluster.children.iter().any(|(_, g)| g.get("name").and_then(|v| v.as_str()) == Some("copilot-jobs")) {
            return;
        }
        let memory = self.at("memory").and_then(Node::as_i64).unwrap_or(512);
        let cpu = self.at("cpu").and_then(Node::as_i64).unwrap_or(256);
        let arm = self.at("platform").and_then(Node::scalar_text).is_some_and(|p| p.contains("arm"));
        let size = match (cpu, memory) {
            (c, m) if c <= 1024 && m <= 6144 => "large",
            (c, m) if c <= 3072 && m <= 14_336 => "xlarge",
            _ => "2xlarge",
        };
        let kind = format!("{}.{size}", if arm { "m6g" } else { "m5" });
        let why = format!("not modelled: Scheduled Jobs run on Fargate, ecsim's standalone tasks on EC2: the job runs on an assumed instance group `copilot-jobs` (1 × {kind})");
        self.warn(at, why.clone());
        let mut group = Table::new();
        group.set("name", "copilot-jobs").note("type", kind.as_str(), why).note("count", 1, "assumed");
        draft.cluster.push_child("instances", group);
    }
}

/// Copilot's schedule forms as an EventBridge expression: `@daily` and the other shorthands,
/// `@every 5m`, `rate(…)`, `cron(…)` (six fields) or five standard cron fields.
pub(super) fn eventbridge_expression(text: &str) -> Option<String> {
    let t = text.trim();
    let fixed = match t {
        "@yearly" | "@annually" => Some("cron(0 0 1 1 ? *)"),
        "@monthly" => Some("cron(0 0 1 * ? *)"),
        "@weekly" => Some("cron(0 0 ? * 1 *)"),
        "@daily" | "@midnight" => Some("cron(0 0 * * ? *)"),
        "@hourly" => Some("cron(0 * * * ? *)"),
        _ => None,
    };
    if let Some(f) = fixed {
        return Some(f.to_string());
    }
    if let Some(every) = t.strip_prefix("@every ") {
        let s = parts::parse_duration(every)?;
        let minutes = (s / 60.0).round() as i64;
        return (minutes >= 1).then(|| format!("rate({minutes} minute{})", if minutes == 1 { "" } else { "s" }));
    }
    if t.starts_with("rate(") || t.starts_with("cron(") {
        return Some(t.to_string());
    }
    let fields: Vec<&str> = t.split_whitespace().collect();
    if let [min, hour, dom, month, dow] = fields[..] {
        // EventBridge wants `?` in one of the two day fields; standard cron's `*` there means
        // "any", which is what `?` says.
        let (dom, dow) = match (dom, dow) {
            (d, "*") => (d.to_string(), "?".to_string()),
            ("*", w) => ("?".to_string(), standard_weekdays(w)?),
            _ => return None,
        };
        return Some(format!("cron({min} {hour} {dom} {month} {dow} *)"));
    }
    None
}

/// Standard cron's days of the week (0 or 7 = Sunday) as EventBridge's (1 = Sunday); names pass.
fn standard_weekdays(field: &str) -> Option<String> {
    let shift = |s: &str| -> Option<String> {
        match s.parse::<u32>() {
            Ok(n) if n <= 7 => Some((n % 7 + 1).to_string()),
            Ok(_) => None,
            Err(_) => Some(s.to_string()),
        }
    };
    let items: Option<Vec<String>> = field
        .split(',')
        .map(|item| match item.split_once('-') {
            Some((a, b)) => Some(format!("{}-{}", shift(a)?, shift(b)?)),
            None => shift(item),
        })
        .collect();
    items.map(|v| v.join(","))
}
