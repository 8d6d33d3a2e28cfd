//! ELBv2's rules for target groups, listeners and rules, written once for both front ends: the
//! scenario's `[[target_groups]]`/`[[load_balancers]]` tables (`load_elb`) and the ELBv2 JSON
//! files (`elbv2_json`). Each range is a [`Limit`] (bounds, what it is, what to do about it);
//! each combination rule and each of ELBv2's own texts is a function or constant here.
//!
//! A front end maps what it read onto these rules and says where each value is written, its own
//! way ([`Report`]: a span of the scenario, a member of a JSON file): a target group's settings
//! as a [`TargetGroupDraft`], a forward action as [`ForwardItem`]s. A new front end
//! (CloudFormation, Terraform) implements [`Report`] for its positions and fills the same
//! draft; it writes no range, combination or message of its own.

use super::load::closest;
use crate::elb::config::{
    find_target_group, Algorithm, Condition, Matcher, RuleAction, TargetGroupConfig, WeightedTargetGroup, DEREGISTRATION_DELAY_S,
    HEALTH_CHECK_INTERVAL_S, HEALTH_CHECK_TIMEOUT_S, IDLE_TIMEOUT_S, SLOW_START_S, THRESHOLD_COUNT,
};
use crate::elb::rules::{check_conditions, PRIORITY_RANGE, WEIGHT_RANGE};
use crate::engine::Span;

/// An integer ELBv2 accepts within bounds, with what to say when a value is outside them.
pub(super) struct Limit {
    /// How the scenario names the value ("health-check interval").
    pub what: &'static str,
    pub lo: i64,
    pub hi: i64,
    /// A number of seconds: messages show it as a duration (`5m`), as the scenario writes it.
    pub seconds: bool,
    /// 0 is accepted below the bounds: it turns the setting off (slow start).
    pub zero_is_off: bool,
    pub help: &'static str,
}

impl Limit {
    /// `n` when it is within bounds; otherwise the message, naming the value `name` (`what` for
    /// the scenario, the member's path for a JSON file).
    pub fn check(&self, name: &str, n: i64) -> Result<i64, String> {
        if (self.lo..=self.hi).contains(&n) || (self.zero_is_off && n == 0) {
            return Ok(n);
        }
        let show = |v: i64| match (self.seconds, u64::try_from(v)) {
            (true, Ok(s)) => Span::from_secs(s).to_string(),
            (true, Err(_)) => format!("{v}s"),
            (false, _) => v.to_string(),
        };
        Err(format!("{name} {} is outside {}–{}", show(n), show(self.lo), show(self.hi)))
    }

    /// A duration as the whole number of seconds ELBv2 takes; otherwise the message and help.
    pub fn whole_secs(&self, name: &str, s: Span) -> Result<i64, (String, String)> {
        if !s.as_micros().is_multiple_of(1_000_000) {
            return Err((format!("{name} {s} is not a whole number of seconds"), format!("ELBv2 takes whole seconds; {}", self.help)));
        }
        Ok(i64::try_from(s.whole_secs()).unwrap_or(i64::MAX))
    }
}

const fn secs(what: &'static str, r: std::ops::RangeInclusive<u64>, help: &'static str) -> Limit {
    Limit { what, lo: *r.start() as i64, hi: *r.end() as i64, seconds: true, zero_is_off: false, help }
}

const fn count(what: &'static str, lo: i64, hi: i64, help: &'static str) -> Limit {
    Limit { what, lo, hi, seconds: false, zero_is_off: false, help }
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
/// 0 turns slow start off; otherwise 30 s to 15 min.
pub(super) const SLOW_START: Limit = Limit { zero_is_off: true, ..secs("slow start", SLOW_START_S, "use 0 (off) or 30 to 900 seconds") };
pub(super) const MIN_HEALTHY_TARGETS: Limit = count(
    "min_healthy_targets",
    1,
    u32::MAX as i64,
    "at least 1 (the default): below this many healthy targets the group routes to all of them",
);
/// Idle timeout of a load balancer that sets none, in seconds (docs/ecs-model.md#alb-settings).
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

/// `load_balancing.algorithm.type` as ELBv2 spells it (and the scenario's `algorithm`).
pub(super) const ALGORITHMS: [(&str, Algorithm); 3] = [
    ("round_robin", Algorithm::RoundRobin),
    ("least_outstanding_requests", Algorithm::LeastOutstandingRequests),
    ("weighted_random", Algorithm::WeightedRandom),
];

/// The algorithm ELBv2 calls `name`.
pub(super) fn algorithm(name: &str) -> Option<Algorithm> {
    ALGORITHMS.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
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

/// What `matcher` errors suggest.
pub(super) const MATCHER_HELP: &str = "HTTP codes 200–499 as a code (\"200\"), a list (\"200,202\") or a range (\"200-299\")";

/// Slow start cannot be combined with least outstanding requests (docs/ecs-model.md#target-selection): the message and
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

/// How a front end reports a problem with a value it read: at its own kind of place (a span of
/// the scenario, a member of a JSON file), naming the value its own way.
pub(super) trait Report {
    type At;
    /// How messages name the value at `at` that the rules call `what`: `what` itself in the
    /// scenario, the member's path in a JSON file.
    fn name_of(&self, at: &Self::At, what: &str) -> String;
    fn report(&mut self, at: &Self::At, message: String, help: String);
}

/// `n` when it is within `limit`; otherwise an error at its place.
pub(super) fn checked<R: Report>(r: &mut R, value: Option<&(i64, R::At)>, limit: &Limit) -> Option<i64> {
    let (n, at) = value?;
    let name = r.name_of(at, limit.what);
    limit.check(&name, *n).map_err(|m| r.report(at, m, limit.help.to_string())).ok()
}

/// A target group's settings as a front end read them, each with where it is written (`None`:
/// not given, the target group keeps its value). Durations are whole seconds.
pub(super) struct TargetGroupDraft<'a, A> {
    pub port: Option<(i64, A)>,
    pub path: Option<(&'a str, A)>,
    pub interval: Option<(i64, A)>,
    pub timeout: Option<(i64, A)>,
    pub healthy_threshold: Option<(i64, A)>,
    pub unhealthy_threshold: Option<(i64, A)>,
    pub matcher: Option<(&'a str, A)>,
    pub deregistration_delay: Option<(i64, A)>,
    pub algorithm: Option<(Algorithm, A)>,
    pub slow_start: Option<(i64, A)>,
    pub min_healthy_targets: Option<(i64, A)>,
}

impl<A> TargetGroupDraft<'_, A> {
    /// Sets every given value ELBv2 accepts on `tg` and reports the others, then the rules
    /// that combine values — each reported only when one of its values is given here (a file
    /// read before is checked on its own).
    pub fn apply<R: Report<At = A>>(&self, r: &mut R, tg: &mut TargetGroupConfig) {
        let secs = |n: i64| Span::from_secs(n as u64);
        if let Some(p) = checked(r, self.port.as_ref(), &PORT) {
            tg.port = p as u16;
        }
        let hc = &mut tg.health_check;
        if let Some((path, at)) = &self.path {
            if !path.starts_with('/') {
                r.report(at, format!("health-check path {path:?} does not start with /"), PATH_HELP.into());
            } else if path.len() > 1024 {
                r.report(at, "the health-check path is longer than 1024 characters".into(), PATH_HELP.into());
            } else {
                hc.path = path.to_string();
            }
        }
        if let Some(n) = checked(r, self.interval.as_ref(), &HEALTH_CHECK_INTERVAL) {
            hc.interval = secs(n);
        }
        if let Some(n) = checked(r, self.timeout.as_ref(), &HEALTH_CHECK_TIMEOUT) {
            hc.timeout = secs(n);
        }
        if let Some(n) = checked(r, self.healthy_threshold.as_ref(), &HEALTHY_THRESHOLD) {
            hc.healthy_threshold = n as u32;
        }
        if let Some(n) = checked(r, self.unhealthy_threshold.as_ref(), &UNHEALTHY_THRESHOLD) {
            hc.unhealthy_threshold = n as u32;
        }
        if let Some((m, at)) = &self.matcher {
            match Matcher::parse(m) {
                Ok(parsed) => hc.matcher = parsed,
                Err(e) => r.report(at, format!("matcher {m:?}: {e}"), MATCHER_HELP.into()),
            }
        }
        let (interval, timeout) = (hc.interval, hc.timeout);
        // At the timeout when it is given: usually the culprit.
        if let (true, Some((_, at))) = (interval <= timeout, self.timeout.as_ref().or(self.interval.as_ref())) {
            r.report(
                at,
                format!("the health-check interval ({interval}) must be longer than its timeout ({timeout})"),
                "ELBv2 needs the timeout shorter than the interval: shorten timeout or lengthen interval".into(),
            );
        }
        if let Some(n) = checked(r, self.deregistration_delay.as_ref(), &DEREGISTRATION_DELAY) {
            tg.deregistration_delay = secs(n);
        }
        if let Some((a, _)) = self.algorithm {
            tg.algorithm = a;
        }
        if let Some(n) = checked(r, self.slow_start.as_ref(), &SLOW_START) {
            tg.slow_start = secs(n);
        }
        if let Some(n) = checked(r, self.min_healthy_targets.as_ref(), &MIN_HEALTHY_TARGETS) {
            tg.min_healthy_targets = n as u32;
        }
        let lor_at = self.slow_start.as_ref().map(|s| &s.1).or(self.algorithm.as_ref().map(|a| &a.1));
        if let (Some((message, help)), Some(at)) = (slow_start_problem(tg.slow_start, tg.algorithm), lor_at) {
            r.report(at, message.into(), help.into());
        }
    }
}

const PATH_HELP: &str = "a path such as \"/\" or \"/health\"";

/// One target group of a forward action as written: its name or ARN, and its weight.
pub(super) struct ForwardItem<'a, A> {
    pub target_group: (&'a str, A),
    pub weight: Option<(i64, A)>,
}

/// A forward action (`at`: where it is written): 1 to 5 target groups, each known and named
/// once, weights 0–999 (default 1).
pub(super) fn forward<R: Report>(r: &mut R, at: &R::At, items: &[ForwardItem<R::At>], groups: &[TargetGroupConfig]) -> Option<RuleAction> {
    if items.is_empty() || items.len() > MAX_FORWARD_TARGET_GROUPS {
        let help = format!("forward to 1 to {MAX_FORWARD_TARGET_GROUPS} target groups");
        r.report(at, format!("a forward to {} target groups", items.len()), help);
        return None;
    }
    let mut out: Vec<WeightedTargetGroup> = Vec::new();
    let mut ok = true;
    for item in items {
        let (name, name_at) = &item.target_group;
        let tg = target_group(r, name, name_at, groups);
        let weight = if item.weight.is_some() { checked(r, item.weight.as_ref(), &WEIGHT) } else { Some(1) };
        if tg.is_some_and(|tg| out.iter().any(|o| o.target_group == tg)) {
            r.report(name_at, "this target group is listed twice in one forward".into(), "list each target group once".into());
            ok = false;
        }
        match (tg, weight) {
            (Some(target_group), Some(weight)) => out.push(WeightedTargetGroup { target_group, weight: weight as u32 }),
            _ => ok = false,
        }
    }
    ok.then_some(RuleAction::Forward(out))
}

/// ELBv2's limits on one rule's conditions (`elb::rules::check_conditions`), each problem
/// reported at its condition (`at[i]`) or, for the rule as a whole, at its priority. True when
/// there is none.
pub(super) fn conditions_ok<R: Report>(r: &mut R, conditions: &[Condition], at: &[R::At], priority_at: &R::At) -> bool {
    let problems = check_conditions(conditions);
    for p in &problems {
        r.report(p.condition.map_or(priority_at, |i| &at[i]), p.message.clone(), p.help.clone());
    }
    problems.is_empty()
}

/// The index of the target group named `name` (or with that ARN); an unknown one is an error
/// with the nearest name and every defined one.
pub(super) fn target_group<R: Report>(r: &mut R, name: &str, at: &R::At, groups: &[TargetGroupConfig]) -> Option<usize> {
    let found = find_target_group(groups, name);
    if found.is_none() {
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        let suggestion = closest(name, &names).map(|s| format!("did you mean {s:?}? ")).unwrap_or_default();
        let help = format!("{suggestion}refer to a [[target_groups]] entry by name or ARN; defined: {names:?}");
        r.report(at, format!("no target group {name:?}"), help);
    }
    found
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
        assert_eq!(HEALTH_CHECK_INTERVAL.whole_secs("i", half).unwrap_err().0, "i 7s500ms is not a whole number of seconds");
        assert_eq!(SLOW_START.check("s", 0), Ok(0));
        assert_eq!(SLOW_START.check("s", 10), Err("s 10s is outside 30s–15m".into()));
    }

    #[test]
    fn names_follow_elbv2_rules() {
        assert_eq!(name_problem("my-tg-1"), None);
        assert!(name_problem("-tg").unwrap().contains("hyphen"));
        assert!(name_problem("tg_1").unwrap().contains("letters, digits and hyphens"));
        assert!(name_problem(&"a".repeat(33)).unwrap().contains("1–32"));
    }
}
