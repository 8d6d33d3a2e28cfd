//! The verdicts at the top of a run's page: plain sentences, each marked as met (green), missed
//! (red) or information, about the tasks placed and refused and why, the services at the end,
//! each deployment, the load balancer's answers against the SLO and the error budget, the cost
//! and what each fault cost. Every figure of summary.json is written with its path and exact
//! value (`data-summary`, `data-value`), so a test reconciles the page with the file.

use super::page::{clock, escape_html};
use super::read::{at, Table};
use serde_json::Value;

/// How a sentence is marked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Good,
    Bad,
    Info,
}

struct Verdicts {
    items: Vec<(Mark, String)>,
}

impl Verdicts {
    fn say(&mut self, mark: Mark, html: String) {
        self.items.push((mark, html));
    }
}

/// The verdicts section of a run's page.
pub fn section(summary: &Value, faults: Option<&Table>, deployments: Option<&Table>) -> String {
    let mut v = Verdicts { items: Vec::new() };
    tasks(&mut v, summary);
    services(&mut v, summary);
    if let Some(d) = deployments {
        deployment_rows(&mut v, d);
    }
    traffic(&mut v, summary);
    slo(&mut v, summary);
    cost(&mut v, summary);
    fault_summary(&mut v, summary);
    if let Some(f) = faults {
        fault_rows(&mut v, f);
    }
    let items: String = v
        .items
        .iter()
        .map(|(mark, html)| {
            let (class, sign, word) = match mark {
                Mark::Good => ("good", "✔", "met"),
                Mark::Bad => ("bad", "✘", "missed"),
                Mark::Info => ("info", "•", "note"),
            };
            format!("<li class=\"{class}\"><span class=\"mark\" title=\"{word}\">{sign}</span> {html}</li>\n")
        })
        .collect();
    let headline = match at(summary, "slo.met").and_then(Value::as_bool) {
        Some(true) => "<span class=\"badge good\">SLO met</span>",
        Some(false) => "<span class=\"badge bad\">SLO missed</span>",
        None => "",
    };
    format!("<section id=\"verdicts\"><h2>What happened {headline}</h2>\n<ul class=\"verdicts\">\n{items}</ul></section>\n")
}

/// A figure of summary.json: shown as `text`, carrying its path and exact value.
fn fig(summary: &Value, path: &str, text: impl Fn(&Value) -> String) -> String {
    match at(summary, path) {
        Some(v) => {
            format!("<b class=\"n\" data-summary=\"{path}\" data-value=\"{}\">{}</b>", escape_html(&v.to_string()), escape_html(&text(v)))
        }
        None => "<b class=\"n\">–</b>".into(),
    }
}

/// A count with thousands separators: 827125 → "827,125".
pub fn count(v: &Value) -> String {
    let n = v.as_f64().unwrap_or(0.0);
    let s = format!("{}", n.round() as i64);
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// A number with at most `decimals` decimals, trailing zeros dropped: 99.818165 → "99.818".
pub fn decimals(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn dec(d: usize) -> impl Fn(&Value) -> String {
    move |v| decimals(v.as_f64().unwrap_or(0.0), d)
}

fn num(summary: &Value, path: &str) -> Option<f64> {
    at(summary, path).and_then(Value::as_f64)
}

/// What a RunTask failure code means, in words.
pub fn reason_words(code: &str) -> String {
    match code {
        "RESOURCE:MEMORY" => "no instance had enough free memory".into(),
        "RESOURCE:CPU" => "no instance had enough free CPU".into(),
        "RESOURCE:PORTS" => "the host ports it needs were taken on every instance".into(),
        "RESOURCE:ENI" => "no instance had a free network interface for an awsvpc task".into(),
        "RESOURCE:GPU" => "no instance had a free GPU".into(),
        "ATTRIBUTE" => "no instance had the attributes the task requires".into(),
        "AGENT" => "the ECS agent was disconnected on the instances that would fit".into(),
        "WAIT_EXPIRED" => "it waited for room longer than its max_wait and gave up".into(),
        other => format!("a placement constraint excluded every instance ({other})"),
    }
}

fn tasks(v: &mut Verdicts, s: &Value) {
    let submitted = num(s, "tasks.submitted").unwrap_or(0.0);
    if submitted == 0.0 {
        return;
    }
    let failed = num(s, "tasks.failed").unwrap_or(0.0);
    v.say(
        if failed > 0.0 { Mark::Bad } else { Mark::Good },
        format!(
            "{} tasks were submitted (RunTask): {} placed, {} refused, {} still waiting at the end; {} completed.",
            fig(s, "tasks.submitted", count),
            fig(s, "tasks.placed", count),
            fig(s, "tasks.failed", count),
            fig(s, "tasks.waiting_at_end", count),
            fig(s, "tasks.completed", count)
        ),
    );
    if let Some(Value::Object(reasons)) = at(s, "tasks.failures_by_reason") {
        for code in reasons.keys() {
            let path = format!("tasks.failures_by_reason.{code}");
            v.say(Mark::Bad, format!("{} refused with {}: {}.", fig(s, &path, count), escape_html(code), escape_html(&reason_words(code))));
        }
    }
    if num(s, "wait_to_place_s.max").unwrap_or(0.0) > 0.0 {
        v.say(
            Mark::Info,
            format!(
                "Placed tasks waited {} s on average for room (p95 {} s, longest {} s).",
                fig(s, "wait_to_place_s.mean", dec(1)),
                fig(s, "wait_to_place_s.p95", dec(1)),
                fig(s, "wait_to_place_s.max", dec(1))
            ),
        );
    }
}

fn services(v: &mut Verdicts, s: &Value) {
    let Some(Value::Array(list)) = at(s, "services") else { return };
    for (i, svc) in list.iter().enumerate() {
        let name = svc.get("service").and_then(Value::as_str).unwrap_or("?");
        let get = |k: &str| svc.get(k).and_then(Value::as_f64).unwrap_or(0.0);
        let p = |k: &str| format!("services.{i}.{k}");
        let whole = get("running") >= get("desired") && get("healthy") >= get("desired");
        v.say(
            if whole { Mark::Good } else { Mark::Bad },
            format!(
                "Service <b>{}</b> ended with {} of {} desired tasks running, {} healthy.",
                escape_html(name),
                fig(s, &p("running"), count),
                fig(s, &p("desired"), count),
                fig(s, &p("healthy"), count)
            ),
        );
        if get("deployments") > 1.0 || get("deployments_failed") > 0.0 {
            v.say(
                if get("deployments_failed") > 0.0 { Mark::Bad } else { Mark::Good },
                format!(
                    "Service <b>{}</b>: {} deployments, {} completed, {} failed.",
                    escape_html(name),
                    fig(s, &p("deployments"), count),
                    fig(s, &p("deployments_completed"), count),
                    fig(s, &p("deployments_failed"), count)
                ),
            );
        }
        if svc.get("cost_usd").is_some() {
            v.say(Mark::Info, format!("Service <b>{}</b>'s Fargate tasks cost ${}.", escape_html(name), fig(s, &p("cost_usd"), dec(4))));
        }
    }
}

/// One sentence per row of deployments.csv but a service's first (CreateService).
fn deployment_rows(v: &mut Verdicts, d: &Table) {
    for row in &d.rows {
        let reason = d.text(row, "reason");
        if d.text(row, "deployment") == "0" && d.text(row, "outcome") == "COMPLETED" {
            continue;
        }
        let outcome = d.text(row, "outcome");
        let mark = match outcome {
            "COMPLETED" => Mark::Good,
            "FAILED" => Mark::Bad,
            _ => Mark::Info,
        };
        let took =
            d.num(row, "duration_s").map_or(" (still in progress at the end)".to_string(), |t| format!(" after {} s", decimals(t, 1)));
        let started = d.num(row, "started_s").map_or(String::new(), clock);
        let bounds = match (d.num(row, "minimum_healthy_percent"), d.num(row, "maximum_percent")) {
            (Some(lo), Some(hi)) => format!(" (bounds {}–{} % of desired)", decimals(lo, 0), decimals(hi, 0)),
            _ => String::new(),
        };
        v.say(
            mark,
            format!(
                "Deployment {} of <b>{}</b> to {}, started at {}: <b>{}</b>{}; never fewer than {} healthy of {} desired, at most {} tasks in flight{}{}.",
                escape_html(d.text(row, "deployment")),
                escape_html(d.text(row, "service")),
                escape_html(d.text(row, "task_definition")),
                started,
                escape_html(outcome),
                took,
                escape_html(d.text(row, "lowest_healthy")),
                escape_html(d.text(row, "desired")),
                escape_html(d.text(row, "peak_tasks")),
                bounds,
                if reason.is_empty() || outcome == "COMPLETED" { String::new() } else { format!(" — {}", escape_html(reason)) }
            ),
        );
    }
}

fn traffic(v: &mut Verdicts, s: &Value) {
    if at(s, "traffic").is_none_or(Value::is_null) {
        return;
    }
    let pct = |v: &Value| format!("{} %", decimals(v.as_f64().unwrap_or(0.0) * 100.0, 3));
    v.say(
        Mark::Info,
        format!(
            "The load balancer answered {} requests: {} succeeded (availability {}); {} 5xx came from the load balancer, {} from the application, and {} were refused by full task queues.",
            fig(s, "traffic.requests", count),
            fig(s, "traffic.successful", count),
            fig(s, "traffic.availability", pct),
            fig(s, "traffic.elb_5xx", count),
            fig(s, "traffic.target_5xx", count),
            fig(s, "traffic.rejected", count)
        ),
    );
    v.say(
        Mark::Info,
        format!(
            "Response time (TargetResponseTime): p50 {} ms, p99 {} ms, longest {} ms.",
            fig(s, "traffic.latency_ms_p50", dec(1)),
            fig(s, "traffic.latency_ms_p99", dec(1)),
            fig(s, "traffic.latency_ms_max", dec(1))
        ),
    );
}

fn slo(v: &mut Verdicts, s: &Value) {
    if at(s, "slo").is_none_or(Value::is_null) {
        return;
    }
    if let Some(met) = at(s, "slo.availability_met").and_then(Value::as_bool) {
        v.say(
            if met { Mark::Good } else { Mark::Bad },
            format!(
                "Availability {} % against an objective of {} %: {}.",
                fig(s, "slo.availability_pct", dec(4)),
                fig(s, "slo.availability_pct_objective", dec(4)),
                if met { "met" } else { "missed" }
            ),
        );
    }
    if let Some(met) = at(s, "slo.latency_met").and_then(Value::as_bool) {
        v.say(
            if met { Mark::Good } else { Mark::Bad },
            format!(
                "p99 response time {} ms against an objective of {} ms: {}.",
                fig(s, "slo.latency_ms_p99", dec(1)),
                fig(s, "slo.latency_ms_p99_objective", dec(1)),
                if met { "met" } else { "missed" }
            ),
        );
    }
    if let Some(spent) = num(s, "slo.error_budget_spent_pct") {
        v.say(
            if spent <= 100.0 { Mark::Good } else { Mark::Bad },
            format!(
                "Error budget: the objective allowed {} failed requests; {} failed, so {} % of the budget is spent{}.",
                fig(s, "slo.error_budget_requests", dec(1)),
                fig(s, "slo.failed_requests", count),
                fig(s, "slo.error_budget_spent_pct", dec(1)),
                if spent > 100.0 { " — blown" } else { "" }
            ),
        );
    }
}

fn cost(v: &mut Verdicts, s: &Value) {
    if at(s, "cost").is_none() {
        return;
    }
    v.say(
        Mark::Info,
        format!(
            "The run cost ${}: EC2 ${} for {} instance-hours, Fargate ${} for {} vCPU-hours (prices of {}).",
            fig(s, "cost.total_usd", dec(4)),
            fig(s, "cost.ec2_usd", dec(4)),
            fig(s, "cost.ec2_instance_hours", dec(3)),
            fig(s, "cost.fargate_usd", dec(4)),
            fig(s, "cost.fargate_vcpu_hours", dec(3)),
            fig(s, "cost.price_table_date", |v| v.as_str().unwrap_or("").to_string())
        ),
    );
}

fn fault_summary(v: &mut Verdicts, s: &Value) {
    if at(s, "faults").is_none_or(Value::is_null) {
        return;
    }
    let not_recovered = num(s, "faults.not_recovered").unwrap_or(0.0);
    v.say(
        if not_recovered > 0.0 { Mark::Bad } else { Mark::Good },
        format!(
            "Faults: {} occurrences took {} tasks; healthy tasks fell to {} % of desired at worst; the longest recovery took {} s; {} services were not back by the end; {} requests failed meanwhile.",
            fig(s, "faults.occurrences", count),
            fig(s, "faults.tasks_lost", count),
            fig(s, "faults.lowest_healthy_pct", dec(1)),
            fig(s, "faults.time_to_recover_s_max", dec(1)),
            fig(s, "faults.not_recovered", count),
            fig(s, "faults.requests_failed", count)
        ),
    );
}

/// What each fault cost, one sentence per row of faults.csv.
fn fault_rows(v: &mut Verdicts, f: &Table) {
    for row in &f.rows {
        let service = f.text(row, "service");
        let start = f.num(row, "start_s").map_or(String::new(), clock);
        let head = format!(
            "Fault <b>{}</b> ({}) at {} on {}",
            escape_html(f.text(row, "fault")),
            escape_html(f.text(row, "kind")),
            start,
            escape_html(f.text(row, "target"))
        );
        if service.is_empty() {
            v.say(Mark::Info, format!("{head}: hit no service task. {}", escape_html(f.text(row, "detail"))));
            continue;
        }
        let recovered = f.num(row, "time_to_recover_s");
        v.say(
            if recovered.is_some() { Mark::Good } else { Mark::Bad },
            format!(
                "{head}: <b>{}</b> lost {} tasks and fell to {} healthy of {} desired; {}; {} requests failed. {}",
                escape_html(service),
                escape_html(f.text(row, "tasks_lost")),
                escape_html(f.text(row, "lowest_healthy")),
                escape_html(f.text(row, "desired")),
                recovered.map_or("it was not back by the end of the run".into(), |t| format!(
                    "back at its desired count after {} s",
                    decimals(t, 1)
                )),
                f.num(row, "requests_failed").map_or("–".into(), |n| count(&Value::from(n))),
                escape_html(f.text(row, "detail"))
            ),
        );
    }
}
