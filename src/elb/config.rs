//! The load balancer as configured (docs/ecs-model.md#alb-settings): load balancers, listeners, rules and target
//! groups, validated plain data. Built by the scenario loader from TOML or from the ELBv2 API
//! JSON shapes (`scenario::elbv2_json`); read by the simulation.
//!
//! Target groups are referred to by index into [`ElbConfig::target_groups`]; the loader resolves
//! names and ARNs and reports an unknown one with its location.

use crate::engine::Span;
use std::ops::RangeInclusive;

// ELBv2 limits (docs/ecs-model.md#alb-settings), checked by the scenario readers.

/// `HealthCheckIntervalSeconds`.
pub const HEALTH_CHECK_INTERVAL_S: RangeInclusive<u64> = 5..=300;
/// `HealthCheckTimeoutSeconds` (and it must be below the interval).
pub const HEALTH_CHECK_TIMEOUT_S: RangeInclusive<u64> = 2..=120;
/// `HealthyThresholdCount` and `UnhealthyThresholdCount`.
pub const THRESHOLD_COUNT: RangeInclusive<u32> = 2..=10;
/// Codes a `Matcher.HttpCode` may list.
pub const MATCHER_CODES: RangeInclusive<u16> = 200..=499;
/// `deregistration_delay.timeout_seconds`.
pub const DEREGISTRATION_DELAY_S: RangeInclusive<u64> = 0..=3600;
/// `slow_start.duration_seconds` when not 0 (off).
pub const SLOW_START_S: RangeInclusive<u64> = 30..=900;
/// `idle_timeout.timeout_seconds` of a load balancer.
pub const IDLE_TIMEOUT_S: RangeInclusive<u64> = 1..=4000;

/// Every load balancer and target group of a scenario.
#[derive(Debug, Clone, Default)]
pub struct ElbConfig {
    pub load_balancers: Vec<LoadBalancerConfig>,
    pub target_groups: Vec<TargetGroupConfig>,
}

/// An Application Load Balancer.
#[derive(Debug, Clone)]
pub struct LoadBalancerConfig {
    pub name: String,
    /// Enabled Availability Zones (its subnets); the loader fills in the cluster's zones when
    /// the scenario names none.
    pub zones: Vec<String>,
    /// `idle_timeout.timeout_seconds` (default 60 s): a request not answered within it gets a 504.
    pub idle_timeout: Span,
    pub listeners: Vec<ListenerConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerProtocol {
    Http,
    Https,
}

/// A listener: a port, its rules in ascending priority, and the default action.
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    pub port: u16,
    pub protocol: ListenerProtocol,
    /// Non-default rules, sorted by ascending `priority` (priorities are unique per listener).
    pub rules: Vec<RuleConfig>,
    pub default_action: RuleAction,
}

/// Which listener rule a request matched: its load balancer and listener (indexes into
/// [`ElbConfig::load_balancers`] and its `listeners`) and the rule's priority (`None`: the
/// listener's default rule). A blue/green deployment's production and test listener rules are
/// named by it, and each precomputed route belongs to one (docs/ecs-model.md#blue-green-deployments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleKey {
    pub load_balancer: u16,
    pub listener: u16,
    pub priority: Option<u32>,
}

/// A listener rule (docs/ecs-model.md#listener-rules): all conditions must match (AND); each condition's values are
/// alternatives (OR).
#[derive(Debug, Clone)]
pub struct RuleConfig {
    /// 1–50000; lower is evaluated first.
    pub priority: u32,
    pub conditions: Vec<Condition>,
    pub action: RuleAction,
}

/// One rule condition. Patterns use `*` (0+ characters) and `?` (exactly one), whole string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Case-insensitive match of the Host header (without port).
    HostHeader(Vec<String>),
    /// Case-sensitive match of the path (without the query string).
    PathPattern(Vec<String>),
    /// Exact, case-sensitive method names (`GET`, `POST`, …).
    HttpRequestMethod(Vec<String>),
    /// A named header (name case-insensitive), value patterns case-insensitive.
    HttpHeader { name: String, values: Vec<String> },
    /// Key/value pairs of the query string; a `None` key matches any key. Case-insensitive.
    QueryString(Vec<(Option<String>, String)>),
    /// Client address CIDR blocks (`10.0.0.0/8`); IPv4 only.
    SourceIp(Vec<String>),
}

/// The terminal action of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleAction {
    /// Forward to one or more target groups; weights 0–999, split in proportion (docs/ecs-model.md#listener-rules step 4).
    Forward(Vec<WeightedTargetGroup>),
    /// The ALB answers itself with this status code (not counted as a 5xx of the targets).
    FixedResponse { status_code: u16 },
    /// The ALB answers with a redirect (`HTTP_301` / `HTTP_302`).
    Redirect { status_code: u16 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightedTargetGroup {
    /// Index into [`ElbConfig::target_groups`].
    pub target_group: usize,
    pub weight: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetType {
    /// `(instanceId, hostPort)`: bridge and host network modes (dynamic host ports allowed).
    Instance,
    /// `(taskEniIp, containerPort)`: awsvpc and Fargate.
    Ip,
}

/// `load_balancing.algorithm.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    RoundRobin,
    LeastOutstandingRequests,
    WeightedRandom,
}

/// What makes a target `initial` → `healthy` (docs/ecs-model.md#alb-health-checks, docs/ecs-model.md#choice-first-health-check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitialHealthyChecks {
    /// One successful check (the ALB guide: "must pass one health check").
    One,
    /// `HealthyThresholdCount` consecutive successes (the ECS best-practices reading).
    Threshold,
}

/// `Matcher.HttpCode`: a list of codes and ranges ("200,202", "200-299").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    /// Inclusive ranges; a single code is `(c, c)`.
    pub ranges: Vec<(u16, u16)>,
}

impl Matcher {
    /// Reads `Matcher.HttpCode`: codes and ranges separated by commas ("200", "200,202",
    /// "200-299"), each code in 200–499. The error says what is wrong.
    pub fn parse(text: &str) -> Result<Matcher, String> {
        let code = |s: &str| -> Result<u16, String> {
            let c: u16 = s.trim().parse().map_err(|_| format!("{:?} is not an HTTP status code", s.trim()))?;
            if MATCHER_CODES.contains(&c) {
                Ok(c)
            } else {
                Err(format!("{c} is outside {}–{}", MATCHER_CODES.start(), MATCHER_CODES.end()))
            }
        };
        let mut ranges = Vec::new();
        for part in text.split(',') {
            let range = match part.split_once('-') {
                Some((lo, hi)) => (code(lo)?, code(hi)?),
                None => (code(part)?, code(part)?),
            };
            if range.0 > range.1 {
                return Err(format!("the range {}-{} runs backwards", range.0, range.1));
            }
            ranges.push(range);
        }
        Ok(Matcher { ranges })
    }

    pub fn matches(&self, status: u16) -> bool {
        self.ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&status))
    }
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher { ranges: vec![(200, 200)] }
    }
}

/// A target group's health check (docs/ecs-model.md#alb-settings defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheckConfig {
    pub path: String,
    /// `HealthCheckIntervalSeconds` (30 s; 5–300).
    pub interval: Span,
    /// `HealthCheckTimeoutSeconds` (5 s; 2–120); must be below the interval.
    pub timeout: Span,
    /// `HealthyThresholdCount` (5; 2–10).
    pub healthy_threshold: u32,
    /// `UnhealthyThresholdCount` (2; 2–10).
    pub unhealthy_threshold: u32,
    pub matcher: Matcher,
    pub initial_healthy_checks: InitialHealthyChecks,
}

impl Default for HealthCheckConfig {
    fn default() -> Self {
        HealthCheckConfig {
            path: "/".into(),
            interval: Span::from_secs(30),
            timeout: Span::from_secs(5),
            healthy_threshold: 5,
            unhealthy_threshold: 2,
            matcher: Matcher::default(),
            initial_healthy_checks: InitialHealthyChecks::One,
        }
    }
}

/// A target group (docs/ecs-model.md#alb-settings).
#[derive(Debug, Clone)]
pub struct TargetGroupConfig {
    pub name: String,
    /// The ARN users refer to it by (generated from the name when not given).
    pub arn: String,
    pub target_type: TargetType,
    pub port: u16,
    pub health_check: HealthCheckConfig,
    /// `deregistration_delay.timeout_seconds` (300 s; 0–3600).
    pub deregistration_delay: Span,
    pub algorithm: Algorithm,
    /// `load_balancing.cross_zone.enabled`: `None` = use the load balancer's (on).
    pub cross_zone: Option<bool>,
    /// `slow_start.duration_seconds` (0 = off; 30–900).
    pub slow_start: Span,
    /// `target_group_health.unhealthy_state_routing.minimum_healthy_targets.count` (1): below
    /// this many healthy targets the group fails open (docs/ecs-model.md#target-selection step 2).
    pub min_healthy_targets: u32,
}

/// The index of the target group called `name_or_arn` (its name or its ARN).
pub fn find_target_group(groups: &[TargetGroupConfig], name_or_arn: &str) -> Option<usize> {
    groups.iter().position(|g| g.name == name_or_arn || g.arn == name_or_arn)
}

impl TargetGroupConfig {
    /// A target group with the ELBv2 defaults.
    pub fn with_defaults(name: &str) -> Self {
        TargetGroupConfig {
            name: name.to_string(),
            arn: format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{name}/0000000000000000"),
            target_type: TargetType::Instance,
            port: 80,
            health_check: HealthCheckConfig::default(),
            deregistration_delay: Span::from_secs(300),
            algorithm: Algorithm::RoundRobin,
            cross_zone: None,
            slow_start: Span::ZERO,
            min_healthy_targets: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_read_codes_lists_and_ranges() {
        assert_eq!(Matcher::parse("200").unwrap(), Matcher::default());
        let m = Matcher::parse("200,202,300-399").unwrap();
        assert_eq!(m.ranges, vec![(200, 200), (202, 202), (300, 399)]);
        assert!(m.matches(202) && m.matches(302) && !m.matches(201) && !m.matches(404));
        assert!(Matcher::parse("500").unwrap_err().contains("outside 200–499"));
        assert!(Matcher::parse("200-").unwrap_err().contains("not an HTTP status code"));
        assert!(Matcher::parse("299-200").unwrap_err().contains("backwards"));
        assert!(Matcher::parse("ok").is_err());
    }

    #[test]
    fn target_groups_are_found_by_name_or_arn() {
        let groups = [TargetGroupConfig::with_defaults("a"), TargetGroupConfig::with_defaults("b")];
        assert_eq!(find_target_group(&groups, "b"), Some(1));
        assert_eq!(find_target_group(&groups, &groups[0].arn), Some(0));
        assert_eq!(find_target_group(&groups, "c"), None);
    }
}
