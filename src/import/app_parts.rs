//! What the Copilot and docker-compose importers share: both describe applications (an image,
//! a port, a size, a count) that their tools deploy as Fargate services behind one Application
//! Load Balancer. This module owns the pieces of that mapping: durations as those tools write
//! them, names ELBv2 accepts, the load balancer a service's target group hangs on, and
//! Application Auto Scaling target tracking.

use super::draft::{Draft, Table};
use super::yaml::{Node, Value};
use crate::model::diagnostic::Diagnostics;
use std::path::Path;

/// A warning located at `node` in `file`.
pub fn warn(diags: &mut Diagnostics, file: &Path, node: &Node, message: impl Into<String>) {
    diags.push(node.diagnostic(file, false, message));
}

/// An error located at `node` in `file`.
pub fn error(diags: &mut Diagnostics, file: &Path, node: &Node, message: impl Into<String>) {
    diags.push(node.diagnostic(file, true, message));
}

/// Seconds of a duration as Copilot and Compose write it (Go's `time.ParseDuration`: `1m30s`,
/// `500ms`, `2h`); a bare number is seconds.
pub fn duration_s(node: &Node) -> Option<f64> {
    match &node.value {
        Value::Int(i) if *i >= 0 => Some(*i as f64),
        Value::Float(f) if *f >= 0.0 => Some(*f),
        Value::Str(s) => parse_duration(s),
        _ => None,
    }
}

/// `1h30m`, `90s`, `500ms`, `1.5m`, `0`: Go's duration units (h, m, s, ms, us, µs, ns).
pub fn parse_duration(text: &str) -> Option<f64> {
    let s = text.trim();
    if s == "0" {
        return Some(0.0);
    }
    if let Ok(n) = s.parse::<f64>() {
        return (n >= 0.0).then_some(n);
    }
    let (mut total, mut rest) = (0.0, s);
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let per_unit = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += number * per_unit;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// A whole number of seconds as the scenario writes durations (`"30s"`).
pub fn seconds_text(s: f64) -> String {
    format!("{}s", s.round() as u64)
}

/// A name ELBv2 accepts for a target group or load balancer: letters, digits and hyphens, not
/// starting or ending with a hyphen, at most 32 characters.
pub fn elb_name(raw: &str) -> String {
    let mapped: String = raw.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let trimmed: String = mapped.trim_matches('-').chars().take(32).collect();
    match trimmed.trim_end_matches('-') {
        "" => "app".to_string(),
        t => t.to_string(),
    }
}

/// A TOML inline table from pairs.
pub fn inline(pairs: Vec<(&str, toml::Value)>) -> toml::Value {
    toml::Value::Table(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Where a target group receives requests on a load balancer.
pub struct Route<'a> {
    pub load_balancer: &'a str,
    pub listener_port: i64,
    pub target_group: &'a str,
    /// `None`: the listener's default action forwards to the target group. `Some(patterns)`: a
    /// listener rule with these path patterns, at `priority`.
    pub path_patterns: Option<Vec<String>>,
    pub priority: i64,
}

/// Adds `route` to the draft: the load balancer and its listener when they are new, and the
/// default action or a rule. A listener created for rules only answers what no rule matches
/// with `default_status` (a fixed response), as the tools' own default actions do.
pub fn add_route(draft: &mut Draft, route: &Route, default_status: i64, default_comment: &str) {
    let forward = inline(vec![("forward", route.target_group.into())]);
    let at = draft
        .entries
        .iter()
        .position(|(s, t)| s == "load_balancers" && t.get("name").and_then(|v| v.as_str()) == Some(route.load_balancer));
    let index = match at {
        Some(i) => i,
        None => {
            let mut lb = Table::new();
            lb.set("name", route.load_balancer);
            draft.push("load_balancers", lb);
            draft.entries.len() - 1
        }
    };
    let lb = &mut draft.entries[index].1;
    let listener_at =
        lb.children.iter().position(|(n, l)| n == "listeners" && l.get("port").and_then(|v| v.as_integer()) == Some(route.listener_port));
    let listener_index = match listener_at {
        Some(i) => i,
        None => {
            let mut listener = Table::new();
            listener.set("port", route.listener_port);
            listener.note("default_action", inline(vec![("fixed_response", default_status.into())]), default_comment);
            lb.push_child("listeners", listener);
            lb.children.len() - 1
        }
    };
    let listener = &mut lb.children[listener_index].1;
    match &route.path_patterns {
        None => {
            listener.set("default_action", forward);
        }
        Some(patterns) => {
            let mut rule = Table::new();
            let values: Vec<toml::Value> = patterns.iter().map(|p| toml::Value::from(p.as_str())).collect();
            rule.set("priority", route.priority).set("path_pattern", toml::Value::Array(values)).set("action", forward);
            listener.push_child("rules", rule);
        }
    }
}

/// One target tracking policy of a `[[scaling]]` entry.
pub struct Tracking<'a> {
    pub name: String,
    /// `ECSServiceAverageCPUUtilization`, `ECSServiceAverageMemoryUtilization` or
    /// `ALBRequestCountPerTarget`.
    pub metric: &'a str,
    pub target: f64,
    pub target_group: Option<&'a str>,
    pub scale_in_cooldown_s: f64,
    pub scale_out_cooldown_s: f64,
}

/// A `[[scaling]]` entry: the service's scalable target and its target tracking policies.
pub fn scaling(service: &str, min: i64, max: i64, policies: &[Tracking]) -> Table {
    let mut t = Table::new();
    t.set("service", service).set("min", min).set("max", max);
    for p in policies {
        let mut tt = Table::new();
        tt.set("name", p.name.as_str()).set("target", p.target).set("metric", p.metric);
        if let Some(tg) = p.target_group {
            tt.set("target_group", tg);
        }
        tt.set("scale_out_cooldown", seconds_text(p.scale_out_cooldown_s)).set("scale_in_cooldown", seconds_text(p.scale_in_cooldown_s));
        t.push_child("target_tracking", tt);
    }
    t
}

/// The smallest Fargate task size that holds `cpu_units` and `memory_mib` (0: not asked),
/// from the CPU and memory combinations Fargate accepts, searched in increasing CPU then
/// memory — the rule the Docker Compose ECS integration applied to `deploy.resources`.
pub fn fargate_size(cpu_units: u64, memory_mib: u64) -> Option<(u64, u64)> {
    let sizes: [(u64, Vec<u64>); 5] = [
        (256, vec![512, 1024, 2048]),
        (512, (1..=4).map(|g| g * 1024).collect()),
        (1024, (2..=8).map(|g| g * 1024).collect()),
        (2048, (4..=16).map(|g| g * 1024).collect()),
        (4096, (8..=30).map(|g| g * 1024).collect()),
    ];
    sizes.iter().filter(|(cpu, _)| cpu_units <= *cpu).find_map(|(cpu, mems)| mems.iter().find(|m| memory_mib <= **m).map(|m| (*cpu, *m)))
}

/// Zones for a stack that runs only on Fargate: the default the import module would assume
/// anyway, said once here so both importers phrase it the same.
pub fn note_fargate_zones(draft: &mut Draft, why: &str) {
    if draft.cluster.get("zones").is_none() {
        draft.cluster.note("zones", vec!["us-east-1a", "us-east-1b", "us-east-1c"], format!("assumed: {why}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_read_as_seconds() {
        assert_eq!(parse_duration("1m30s"), Some(90.0));
        assert_eq!(parse_duration("500ms"), Some(0.5));
        assert_eq!(parse_duration("2h"), Some(7200.0));
        assert_eq!(parse_duration("45"), Some(45.0));
        assert_eq!(parse_duration("10 parsecs"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("s"), None);
    }

    #[test]
    fn fargate_sizes_are_the_smallest_that_fit() {
        assert_eq!(fargate_size(0, 0), Some((256, 512)));
        assert_eq!(fargate_size(512, 2048), Some((512, 2048)));
        assert_eq!(fargate_size(100, 3000), Some((512, 3072)));
        assert_eq!(fargate_size(4096, 40_000), None);
    }

    #[test]
    fn elb_names_keep_to_what_elbv2_accepts() {
        assert_eq!(elb_name("my_app.web-80"), "my-app-web-80");
        assert_eq!(elb_name("-x-"), "x");
        assert_eq!(elb_name("a".repeat(40).as_str()).len(), 32);
        assert_eq!(elb_name("__"), "app");
    }
}
