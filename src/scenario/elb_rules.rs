//! ELBv2's rules for target groups, listeners and rules, written once for both front ends: the
//! scenario's `[[target_groups]]`/`[[load_balancers]]` tables (`load_elb`) and the ELBv2 JSON
//! files (`elbv2_json`). Each range is a [`Limit`] (bounds, what it is, what to do about it);
//! each combination rule and each of ELBv2's own texts is a function or constant here. A front
//! end only says where a value sits and how it names it (`interval` in TOML,
//! `HealthCheckIntervalSeconds` in JSON), so a new front end (CloudFormation, Terraform) maps
//! onto these rules instead of repeating them.

use crate::elb::config::{
    Algorithm, TargetGroupConfig, DEREGISTRATION_DELAY_S, HEALTH_CHECK_INTERVAL_S, HEALTH_CHECK_TIMEOUT_S, IDLE_TIMEOUT_S, SLOW_START_S,
    THRESHOLD_COUNT,
};
use crate::elb::rules::{PRIORITY_RANGE, WEIGHT_RANGE};
use crate::engine::Span;

/// An integer ELBv2 accepts within bounds, with what to say when a value is outside them.
pub(super) struct Limit {
    /// How the scenario names the value ("health-check interval").
    pub what: &'static str,
    pub lo: i64,
    pub hi: i64,
    /// A number of seconds: messages show it as a duration (`5m`), as the scenario writes it.
    pub seconds: bool,
    pub help: &'static str,
}

impl Limit {
    /// `n` when it is within bounds; otherwise the message, naming the value `name` (`what` for
    /// the scenario, the member's path for a JSON file).
    pub fn check(&self, name: &str, n: i64) -> Result<i64, String> {
        if (self.lo..=self.hi).contains(&n) {
            return Ok(n);
        }
        let show = |v: i64| match (self.seconds, u64::try_from(v)) {
            (true, Ok(s)) => Span::from_secs(s).to_string(),
            (true, Err(_)) => format!("{v}s"),
            (false, _) => v.to_string(),
        };
        Err(format!("{name} {} is outside {}–{}", show(n), show(self.lo), show(self.hi)))
    }

    /// A whole number of seconds within bounds; a `Span` with a fraction of a second gets a
    /// message of its own (ELBv2 takes whole seconds).
    pub fn check_span(&self, name: &str, s: Span) -> Result<Span, String> {
        if !s.as_micros().is_multiple_of(1_000_000) {
            return Err(format!("{name} {s} is not a whole number of seconds"));
        }
        let n = i64::try_from(s.whole_secs()).unwrap_or(i64::MAX);
        self.check(name, n).map(|_| s)
    }

    /// The help for a value that is not a whole number of seconds.
    pub fn whole_seconds_help(&self) -> String {
        format!("ELBv2 takes whole seconds; {}", self.help)
    }
}

const fn secs(what: &'static str, r: std::ops::RangeInclusive<u64>, help: &'static str) -> Limit {
    Limit { what, lo: *r.start() as i64, hi: *r.end() as i64, seconds: true, help }
}

const fn count(what: &'static str, lo: i64, hi: i64, help: &'static str) -> Limit {
    Limit { what, lo, hi, seconds: false, help }
}

pub(super) const PORT: Limit = count("port", 1, 65_535, "a port is 1–65535");
pub(super) const LISTENER_PORT: Limit = count("listener port", 1, 65_535, "a port is 1–65535");
pub(super) const HEALTH_CHECK_INTERVAL: Limit =
    secs("health-check interval", HEALTH_CHECK_INTERVAL_S, "ELBv2 checks every 5 s to 300 s (5m)");
pub(super) const HEALTH_CHECK_TIMEOUT: Limit =
    secs("health-check timeout", HEALTH_CHECK_TIMEOUT_S, "ELBv2 waits 2 s to 120 s (2m) for a check");
pub(super) const HEALTHY_THRESHOLD: Limit =
    count("healthy_threshold", *THRESHOLD_COUNT.start() as i64, *THRESHOLD_COUNT.end() as i64, "ELBv2 counts 2 to 10 consecutive checks");
pub(super) const UNHEALTHY_THRESHOLD: Limit = Limit { what: "unhealthy_threshold", ..HEALTHY_THRESHOLD };
pub(super) const DEREGISTRATION_DELAY: Limit =
    secs("deregistration delay", DEREGISTRATION_DELAY_S, "ELBv2 waits 0 s to 3600 s (1h) before a deregistered target is removed");
/// 0 turns slow start off; otherwise 30 s to 15 min ([`slow_start`]).
pub(super) const SLOW_START: Limit = secs("slow start", SLOW_START_S, "use 0 (off) or 30 to 900 seconds");
pub(super) const MIN_HEALTHY_TARGETS: Limit = count(
    "min_healthy_targets",
    1,
    u32::MAX as i64,
    "at least 1 (the default): below this many healthy targets the group routes to all of them",
);
/// Idle timeout of a load balancer that sets none, in seconds (spec §9.1).
pub(super) const DEFAULT_IDLE_TIMEOUT_S: u64 = 60;
pub(super) const IDLE_TIMEOUT: Limit = secs("idle timeout", IDLE_TIMEOUT_S, "ELBv2 accepts 1 s to 4000 s");
pub(super) const PRIORITY: Limit = count(
    "rule priority",
    *PRIORITY_RANGE.start() as i64,
    *PRIORITY_RANGE.end() as i64,
    "priorities are 1–50000; lower is evaluated first",
);
pub(super) const WEIGHT: Limit =
    count("weight", *WEIGHT_RANGE.start() as i64, *WEIGHT_RANGE.end() as i64, "forward weights are 0–999; traffic splits in proportion");

/// Slow start in seconds: 0 (off) or within [`SLOW_START`].
pub(super) fn slow_start(name: &str, n: i64) -> Result<i64, String> {
    if n == 0 {
        Ok(0)
    } else {
        SLOW_START.check(name, n)
    }
}

/// Target groups one `forward` action may name (ELBv2 quota).
pub const MAX_FORWARD_TARGET_GROUPS: usize = 5;

/// Why `name` is not a valid load balancer or target group name (1–32 letters, digits and
/// hyphens, not starting or ending with a hyphen), or `None` when it is.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > 32 {
        Some(format!("{name:?} has {} characters; ELBv2 names have 1–32", name.chars().count()))
    } else if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Some(format!("{name:?} may only contain letters, digits and hyphens"))
    } else if name.starts_with('-') || name.ends_with('-') {
        Some(format!("{name:?} must not begin or end with a hyphen"))
    } else {
        None
    }
}

/// What to say about a target group nobody defined: the ones that are.
pub(super) fn known_target_groups_help(groups: &[TargetGroupConfig]) -> String {
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    format!("refer to a [[target_groups]] entry by name or ARN; defined: {names:?}")
}

/// What `matcher` errors suggest.
pub(super) const MATCHER_HELP: &str = "HTTP codes 200–499 as a code (\"200\"), a list (\"200,202\") or a range (\"200-299\")";

/// The health check's interval must be longer than its timeout: the message when it is not.
pub(super) fn interval_problem(tg: &TargetGroupConfig) -> Option<String> {
    let (interval, timeout) = (tg.health_check.interval, tg.health_check.timeout);
    (interval <= timeout).then(|| format!("the health-check interval ({interval}) must be longer than its timeout ({timeout})"))
}

/// Why `path` cannot be a health-check path (it must start with `/`, at most 1024 characters).
pub(super) fn check_health_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        Err(format!("health-check path {path:?} does not start with /"))
    } else if path.len() > 1024 {
        Err("the health-check path is longer than 1024 characters".into())
    } else {
        Ok(())
    }
}

/// Slow start cannot be combined with least outstanding requests (spec §9.3): the message and
/// help when a target group would.
pub(super) fn slow_start_problem(slow_start: Span, algorithm: Algorithm) -> Option<(&'static str, &'static str)> {
    (slow_start > Span::ZERO && algorithm == Algorithm::LeastOutstandingRequests).then_some((
        "slow start cannot be combined with least_outstanding_requests",
        "set the slow start to 0, or use round_robin or weighted_random",
    ))
}

/// Why `code` cannot be a fixed-response status (ELBv2 takes 2XX, 4XX and 5XX), or `None`.
pub(super) fn fixed_response_problem(code: i64) -> Option<String> {
    (!matches!(code, 200..=299 | 400..=599)).then(|| format!("a fixed response of {code}: ELBv2 answers with 2XX, 4XX or 5XX codes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_the_value_and_show_seconds_as_durations() {
        assert_eq!(HEALTH_CHECK_INTERVAL.check("health-check interval", 3), Err("health-check interval 3s is outside 5s–5m".into()));
        assert_eq!(HEALTH_CHECK_INTERVAL.check("`HealthCheckIntervalSeconds`", 300), Ok(300));
        assert_eq!(HEALTHY_THRESHOLD.check("healthy_threshold", 11), Err("healthy_threshold 11 is outside 2–10".into()));
        assert_eq!(DEREGISTRATION_DELAY.check("x", -1), Err("x -1s is outside 0s–1h".into()));
        let half = Span::from_millis(7_500);
        assert_eq!(HEALTH_CHECK_INTERVAL.check_span("i", half), Err("i 7s500ms is not a whole number of seconds".into()));
        assert_eq!(slow_start("s", 0), Ok(0));
        assert_eq!(slow_start("s", 10), Err("s 10s is outside 30s–15m".into()));
    }

    #[test]
    fn names_follow_elbv2_rules() {
        assert_eq!(name_problem("my-tg-1"), None);
        assert!(name_problem("-tg").unwrap().contains("hyphen"));
        assert!(name_problem("tg_1").unwrap().contains("letters, digits and hyphens"));
        assert!(name_problem(&"a".repeat(33)).unwrap().contains("1–32"));
    }
}
