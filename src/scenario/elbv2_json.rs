//! Importers for the ELBv2 (Application Load Balancer) JSON users already have, as the AWS CLI
//! prints or reads it:
//! * target groups: `aws elbv2 describe-target-groups` output (`{"TargetGroups": [...]}`) or
//!   `create-target-group --cli-input-json` input (one object with `Name`);
//! * target-group attributes: `describe-target-group-attributes` output or
//!   `modify-target-group-attributes` input (`{"Attributes": [{"Key", "Value"}]}`);
//! * listeners: `describe-listeners` output or `create-listener` input (`DefaultActions`);
//! * rules: `describe-rules` output (every rule of a listener, the default one included) or
//!   `create-rule` input (one rule).
//!
//! The machinery is `ecs_json`'s: syntax and type errors located by `serde_path_to_error` and
//! `json_locate`, the same field policy (unknown names are errors in input files and warnings in
//! describe output; settings ecsim does not simulate give one warning each, unless empty), and
//! every problem collected. The checks are ELBv2's own (spec §9.1, §9.2): value ranges, rule
//! limits, one terminal action performed last. Target groups are referred to by ARN (or name);
//! listeners and rules are read against the scenario's target groups so that an unknown ARN is
//! reported where it is written.

mod schema;

use super::diagnostic::{Diagnostics, Severity};
use super::ecs_json::{did_you_mean, At, Ctx, JPath, Scalar};
use super::elb_rules::{
    self as rules, check_health_path, fixed_response_problem, known_target_groups_help, name_problem, Limit, MATCHER_HELP,
    MAX_FORWARD_TARGET_GROUPS,
};
use crate::elb::config::{
    find_target_group, Algorithm, Condition, ListenerConfig, ListenerProtocol, Matcher, RuleAction, RuleConfig, TargetGroupConfig,
    TargetType, WeightedTargetGroup,
};
use crate::elb::rules::check_conditions;
use crate::engine::Span;
use crate::scenario::ecs_json::schema::Schema;
use schema::{DESCRIBE_LISTENERS, DESCRIBE_RULES, DESCRIBE_TARGET_GROUPS, LISTENER, RULE, TARGET_GROUP, TARGET_GROUP_ATTRIBUTES};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

const API: &str = "ELBv2";

/// Where an action sits among the actions of a rule or listener (JSON only).
const ORDER: Limit = Limit { what: "action order", lo: 1, hi: 50_000, seconds: false, help: "orders are 1–50000" };

// ------------------------------------------------------------------ target groups

/// Loads describe-target-groups output (every target group, in file order) or
/// create-target-group input (one). Attributes are not part of these shapes: the result
/// carries ELBv2's defaults for them (see [`load_target_group_attributes`]). `Ok` carries the
/// warnings; `Err` every message.
pub fn load_target_groups(path: &Path, text: &str) -> Result<(Vec<TargetGroupConfig>, Diagnostics), Diagnostics> {
    let mut ctx = Ctx::for_api(path, text, API);
    let Ok(root) = ctx.parse() else {
        return ctx.finish(None);
    };
    let shapes = Shapes {
        list: ("TargetGroups", &DESCRIBE_TARGET_GROUPS),
        one: &TARGET_GROUP,
        names: ("describe-target-groups", "create-target-group"),
    };
    let mut out: Vec<TargetGroupConfig> = Vec::new();
    for (v, here) in shapes.items(&mut ctx, &root) {
        let Some(tg) = target_group(&mut ctx, v, &here) else { continue };
        if out.iter().any(|o| o.name == tg.name) {
            ctx.error(&here.key("TargetGroupName"), At::Value, format!("target group {:?} is listed twice", tg.name));
            continue;
        }
        out.push(tg);
    }
    ctx.finish(Some(out))
}

/// The two shapes of an ELBv2 file: describe-* output (`{"<List>": [...]}`, where names ecsim
/// does not know are warnings: AWS adds output fields over time) and create-* input (one
/// object, where they are errors: a typo would be lost).
struct Shapes {
    /// The list's member name and the schema of the output object.
    list: (&'static str, &'static Schema),
    /// The schema of one object (the input).
    one: &'static Schema,
    /// The CLI commands that write each shape, for the message about a file of neither.
    names: (&'static str, &'static str),
}

impl Shapes {
    /// The objects of the file and their paths, after checking member names (see [`Shapes`]).
    fn items<'v>(&self, ctx: &mut Ctx, root: &'v Value) -> Vec<(&'v Value, JPath)> {
        let root_path = JPath::root();
        let (key, schema) = self.list;
        match root.get(key) {
            Some(Value::Array(list)) => {
                ctx.check_fields(root, schema, &root_path, Severity::Warning);
                ctx.flush_unmodelled(true);
                list.iter().enumerate().map(|(i, v)| (v, root_path.key(key).idx(i))).collect()
            }
            Some(_) => {
                ctx.error(&root_path.key(key), At::Value, format!("`{key}` must be a list"));
                Vec::new()
            }
            None if root.is_object() => {
                ctx.check_fields(root, self.one, &root_path, Severity::Error);
                ctx.flush_unmodelled(false);
                vec![(root, root_path)]
            }
            None => {
                let (output, input) = self.names;
                let message = format!("expected {output} output ({{\"{key}\": [...]}}) or {input} input (a JSON object)");
                ctx.error(&root_path, At::Value, message);
                Vec::new()
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTargetGroup {
    target_group_name: Option<String>,
    name: Option<String>,
    target_group_arn: Option<String>,
    protocol: Option<String>,
    protocol_version: Option<String>,
    port: Option<Scalar>,
    target_type: Option<String>,
    health_check_protocol: Option<String>,
    health_check_port: Option<Scalar>,
    health_check_enabled: Option<bool>,
    health_check_path: Option<String>,
    health_check_interval_seconds: Option<Scalar>,
    health_check_timeout_seconds: Option<Scalar>,
    healthy_threshold_count: Option<Scalar>,
    unhealthy_threshold_count: Option<Scalar>,
    matcher: Option<RawMatcher>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawMatcher {
    http_code: Option<String>,
    grpc_code: Option<String>,
}

fn target_group(ctx: &mut Ctx, v: &Value, path: &JPath) -> Option<TargetGroupConfig> {
    let raw: RawTargetGroup = ctx.de(v, path)?;
    let (name, name_path) = match (&raw.target_group_name, &raw.name) {
        (Some(n), _) => (n.as_str(), path.key("TargetGroupName")),
        (None, Some(n)) => (n.as_str(), path.key("Name")),
        (None, None) => {
            ctx.error_help(
                path,
                At::Value,
                "a target group without a name",
                "add \"Name\" (create-target-group input) or \"TargetGroupName\" (describe-target-groups output)",
            );
            return None;
        }
    };
    let name = ctx.needed_str(name, &name_path)?;
    if let Some(problem) = name_problem(name) {
        ctx.error_help(&name_path, At::Value, format!("target group name {problem}"), "rename the target group");
    }
    let mut tg = TargetGroupConfig::with_defaults(name);
    if let Some(arn) = &raw.target_group_arn {
        tg.arn = arn.clone();
    }
    if let Some(p) = &raw.protocol {
        let here = path.key("Protocol");
        if let Some(p) = ctx.one_of(p, &here, &["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"]) {
            if !matches!(p, "HTTP" | "HTTPS") {
                ctx.error_help(
                    &here,
                    At::Value,
                    format!("a {p} target group belongs to a Network or Gateway Load Balancer"),
                    "ecsim models Application Load Balancers: use \"HTTP\" or \"HTTPS\"",
                );
            }
        }
    }
    if let Some(v) = &raw.protocol_version {
        let here = path.key("ProtocolVersion");
        if let Some(v) = ctx.one_of(v, &here, &["HTTP1", "HTTP2", "GRPC"]) {
            if v != "HTTP1" {
                ctx.warn(&here, At::Value, format!("protocol version {v} is not modelled: requests are simulated as HTTP/1.1"));
            }
        }
    }
    if let Some(t) = &raw.target_type {
        let here = path.key("TargetType");
        match ctx.one_of(t, &here, &["instance", "ip", "lambda", "alb"]) {
            Some("instance") => tg.target_type = TargetType::Instance,
            Some("ip") => tg.target_type = TargetType::Ip,
            Some(other) => ctx.error_help(
                &here,
                At::Value,
                format!("target type \"{other}\" is not modelled"),
                "ECS services register \"instance\" (bridge, host) or \"ip\" (awsvpc) targets",
            ),
            None => {}
        }
    }
    if let Some(p) = &raw.port {
        if let Some(p) = int_in(ctx, p, &path.key("Port"), &rules::PORT) {
            tg.port = p as u16;
        }
    }
    if let Some(p) = &raw.health_check_protocol {
        ctx.one_of(p, &path.key("HealthCheckProtocol"), &["HTTP", "HTTPS"]);
    }
    if let Some(p) = &raw.health_check_port {
        let here = path.key("HealthCheckPort");
        let traffic = matches!(p, Scalar::Str(s) if s == "traffic-port");
        if !traffic {
            if let Some(n) = int_in(ctx, p, &here, &Limit { help: "use \"traffic-port\" or a port 1–65535", ..rules::PORT }) {
                if n != i64::from(tg.port) {
                    ctx.warn(
                        &here,
                        At::Value,
                        format!("health checks go to port {n}, not the traffic port {}; ecsim checks the target itself", tg.port),
                    );
                }
            }
        }
    }
    if raw.health_check_enabled == Some(false) {
        ctx.error_help(
            &path.key("HealthCheckEnabled"),
            At::Value,
            "health checks cannot be disabled for instance or ip targets",
            "remove HealthCheckEnabled or set it to true",
        );
    }
    if let Some(p) = &raw.health_check_path {
        match check_health_path(p) {
            Ok(()) => tg.health_check.path = p.clone(),
            Err(m) => ctx.error_help(&path.key("HealthCheckPath"), At::Value, m, "a path such as \"/\" or \"/health\""),
        }
    }
    let interval_path = path.key("HealthCheckIntervalSeconds");
    let timeout_path = path.key("HealthCheckTimeoutSeconds");
    if let Some(s) = &raw.health_check_interval_seconds {
        if let Some(n) = int_in(ctx, s, &interval_path, &rules::HEALTH_CHECK_INTERVAL) {
            tg.health_check.interval = Span::from_secs(n as u64);
        }
    }
    if let Some(s) = &raw.health_check_timeout_seconds {
        if let Some(n) = int_in(ctx, s, &timeout_path, &rules::HEALTH_CHECK_TIMEOUT) {
            tg.health_check.timeout = Span::from_secs(n as u64);
        }
    }
    if let Some(s) = &raw.healthy_threshold_count {
        if let Some(n) = int_in(ctx, s, &path.key("HealthyThresholdCount"), &rules::HEALTHY_THRESHOLD) {
            tg.health_check.healthy_threshold = n as u32;
        }
    }
    if let Some(s) = &raw.unhealthy_threshold_count {
        if let Some(n) = int_in(ctx, s, &path.key("UnhealthyThresholdCount"), &rules::UNHEALTHY_THRESHOLD) {
            tg.health_check.unhealthy_threshold = n as u32;
        }
    }
    if let Some(m) = &raw.matcher {
        match (&m.http_code, &m.grpc_code) {
            (Some(code), _) => {
                let here = path.key("Matcher").key("HttpCode");
                match Matcher::parse(code) {
                    Ok(m) => tg.health_check.matcher = m,
                    Err(e) => ctx.error_help(&here, At::Value, format!("matcher {code:?}: {e}"), MATCHER_HELP),
                }
            }
            (None, Some(_)) => ctx.error_help(
                &path.key("Matcher").key("GrpcCode"),
                At::Value,
                "gRPC health checks are not modelled",
                "use an HTTP target group with Matcher.HttpCode",
            ),
            (None, None) => {}
        }
    }
    if let Some(message) = rules::interval_problem(&tg) {
        // Point at whichever of the two the file gives (the timeout first: usually the culprit).
        let at = if raw.health_check_timeout_seconds.is_some() { &timeout_path } else { &interval_path };
        ctx.error_help(at, At::Value, message, "HealthCheckTimeoutSeconds must be less than HealthCheckIntervalSeconds");
    }
    Some(tg)
}

/// An integer (number or string of digits) within `limit`, or a located error naming the member.
fn int_in(ctx: &mut Ctx, s: &Scalar, path: &JPath, limit: &Limit) -> Option<i64> {
    let n = ctx.int(s, path, i64::MIN, i64::MAX)?;
    limit.check(&format!("`{path}`"), n).map_err(|m| ctx.error_help(path, At::Value, m, limit.help)).ok()
}

// ------------------------------------------------------------------ attributes

/// Target-group attributes a file sets (spec §9.1); `None` keeps the target group's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetGroupAttributes {
    /// `deregistration_delay.timeout_seconds`.
    pub deregistration_delay: Option<Span>,
    /// `load_balancing.algorithm.type`.
    pub algorithm: Option<Algorithm>,
    /// `load_balancing.cross_zone.enabled`: `Some(None)` is `use_load_balancer_configuration`.
    pub cross_zone: Option<Option<bool>>,
    /// `slow_start.duration_seconds`.
    pub slow_start: Option<Span>,
    /// `target_group_health.unhealthy_state_routing.minimum_healthy_targets.count`.
    pub min_healthy_targets: Option<u32>,
}

impl TargetGroupAttributes {
    /// Sets what the file gave on `tg`.
    pub fn apply(&self, tg: &mut TargetGroupConfig) {
        if let Some(d) = self.deregistration_delay {
            tg.deregistration_delay = d;
        }
        if let Some(a) = self.algorithm {
            tg.algorithm = a;
        }
        if let Some(c) = self.cross_zone {
            tg.cross_zone = c;
        }
        if let Some(s) = self.slow_start {
            tg.slow_start = s;
        }
        if let Some(n) = self.min_healthy_targets {
            tg.min_healthy_targets = n;
        }
    }
}

/// Attributes ecsim knows but does not simulate, with the value that means "off" (no warning);
/// `None`: only meaningful with another attribute, never worth a warning on its own.
const UNMODELLED_ATTRIBUTES: &[(&str, Option<&str>)] = &[
    ("stickiness.enabled", Some("false")),
    ("stickiness.type", None),
    ("stickiness.lb_cookie.duration_seconds", None),
    ("stickiness.app_cookie.cookie_name", None),
    ("stickiness.app_cookie.duration_seconds", None),
    ("load_balancing.algorithm.anomaly_mitigation", Some("off")),
    ("target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage", Some("off")),
    ("target_group_health.dns_failover.minimum_healthy_targets.count", None),
    ("target_group_health.dns_failover.minimum_healthy_targets.percentage", None),
    ("lambda.multi_value_headers.enabled", Some("false")),
];

const MODELLED_ATTRIBUTES: &[&str] = &[
    "deregistration_delay.timeout_seconds",
    "load_balancing.algorithm.type",
    "load_balancing.cross_zone.enabled",
    "slow_start.duration_seconds",
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
];

/// Loads describe-target-group-attributes output or modify-target-group-attributes input.
/// Keys ecsim does not know are warnings, not errors (ELBv2 adds attributes over time).
pub fn load_target_group_attributes(path: &Path, text: &str) -> Result<(TargetGroupAttributes, Diagnostics), Diagnostics> {
    let mut ctx = Ctx::for_api(path, text, API);
    let Ok(root) = ctx.parse() else {
        return ctx.finish(None);
    };
    let root_path = JPath::root();
    let Some(Value::Array(list)) = root.get("Attributes") else {
        ctx.error(&root_path, At::Value, "expected target-group attributes: {\"Attributes\": [{\"Key\": \"...\", \"Value\": \"...\"}]}");
        return ctx.finish(None);
    };
    // modify-target-group-attributes input names its target group; output does not.
    let written = root.get("TargetGroupArn").is_some();
    ctx.check_fields(&root, &TARGET_GROUP_ATTRIBUTES, &root_path, if written { Severity::Error } else { Severity::Warning });
    ctx.flush_unmodelled(false);
    let mut a = TargetGroupAttributes::default();
    let mut seen: Vec<(String, JPath)> = Vec::new();
    let mut slow_start_at = None;
    for (i, item) in list.iter().enumerate() {
        let here = root_path.key("Attributes").idx(i);
        let Some(kv) = ctx.de::<RawKeyValue>(item, &here) else { continue };
        let (Some(key), Some(value)) = (&kv.key, &kv.value) else {
            ctx.error(&here, At::Value, "an attribute needs a \"Key\" and a \"Value\"");
            continue;
        };
        let value_path = here.key("Value");
        if let Some((_, first)) = seen.iter().find(|(k, _)| k == key) {
            let line = ctx.line_of(first);
            ctx.warn(&here.key("Key"), At::Value, format!("attribute {key} is set twice (first on line {line}); the last one wins"));
        }
        seen.push((key.clone(), value_path.clone()));
        let text_value = match value {
            Scalar::Str(s) => s.clone(),
            Scalar::Num(n) => n.to_string(),
        };
        match key.as_str() {
            "deregistration_delay.timeout_seconds" => {
                if let Some(n) = int_in(&mut ctx, value, &value_path, &rules::DEREGISTRATION_DELAY) {
                    a.deregistration_delay = Some(Span::from_secs(n as u64));
                }
            }
            "load_balancing.algorithm.type" => {
                let allowed = ["round_robin", "least_outstanding_requests", "weighted_random"];
                a.algorithm = match ctx.one_of(&text_value, &value_path, &allowed) {
                    Some("round_robin") => Some(Algorithm::RoundRobin),
                    Some("least_outstanding_requests") => Some(Algorithm::LeastOutstandingRequests),
                    Some("weighted_random") => Some(Algorithm::WeightedRandom),
                    _ => a.algorithm,
                };
            }
            "load_balancing.cross_zone.enabled" => {
                let allowed = ["true", "false", "use_load_balancer_configuration"];
                a.cross_zone = match ctx.one_of(&text_value, &value_path, &allowed) {
                    Some("true") => Some(Some(true)),
                    Some("false") => Some(Some(false)),
                    Some(_) => Some(None),
                    None => a.cross_zone,
                };
            }
            "slow_start.duration_seconds" => {
                if let Some(n) = ctx.int(value, &value_path, i64::MIN, i64::MAX) {
                    match rules::slow_start(&format!("`{value_path}`"), n) {
                        Ok(n) => {
                            a.slow_start = Some(Span::from_secs(n as u64));
                            slow_start_at = Some(value_path);
                        }
                        Err(m) => ctx.error_help(&value_path, At::Value, m, rules::SLOW_START.help),
                    }
                }
            }
            "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count" => {
                if let Some(n) = int_in(&mut ctx, value, &value_path, &rules::MIN_HEALTHY_TARGETS) {
                    a.min_healthy_targets = Some(n as u32);
                }
            }
            other => match UNMODELLED_ATTRIBUTES.iter().find(|(k, _)| *k == other) {
                Some((_, Some(off))) if text_value != *off => ctx.warn(
                    &value_path,
                    At::Value,
                    format!("attribute {other} = {text_value:?} is not modelled by ecsim and is ignored (as if {off:?})"),
                ),
                Some(_) => {}
                None => {
                    let known = MODELLED_ATTRIBUTES.iter().chain(UNMODELLED_ATTRIBUTES.iter().map(|(k, _)| k)).copied();
                    let help = match did_you_mean(other, known) {
                        Some(s) => format!("did you mean {s}?"),
                        None => format!("the attributes ecsim reads: {}", MODELLED_ATTRIBUTES.join(", ")),
                    };
                    ctx.warn_help(&here.key("Key"), At::Value, format!("unknown attribute {other}; ignored"), help);
                }
            },
        }
    }
    if let (Some(at), Some(algorithm), Some(slow_start)) = (&slow_start_at, a.algorithm, a.slow_start) {
        if let Some((message, help)) = rules::slow_start_problem(slow_start, algorithm) {
            ctx.error_help(at, At::Value, message, help);
        }
    }
    ctx.finish(Some(a))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawKeyValue {
    key: Option<String>,
    value: Option<Scalar>,
}

// ------------------------------------------------------------------ listeners

/// Loads describe-listeners output (every listener, in file order) or create-listener input
/// (one), resolving the target groups of `DefaultActions` against `groups`. The listeners have
/// no rules: rules come from describe-rules ([`load_rules`]). `Ok` carries the warnings.
pub fn load_listeners(path: &Path, text: &str, groups: &[TargetGroupConfig]) -> Result<(Vec<ListenerConfig>, Diagnostics), Diagnostics> {
    let mut ctx = Ctx::for_api(path, text, API);
    let Ok(root) = ctx.parse() else {
        return ctx.finish(None);
    };
    let shapes = Shapes { list: ("Listeners", &DESCRIBE_LISTENERS), one: &LISTENER, names: ("describe-listeners", "create-listener") };
    let mut out: Vec<ListenerConfig> = Vec::new();
    for (v, here) in shapes.items(&mut ctx, &root) {
        let Some(l) = listener(&mut ctx, v, &here, groups) else { continue };
        if out.iter().any(|o| o.port == l.port) {
            let message = format!("two listeners on port {}", l.port);
            ctx.error_help(&here.key("Port"), At::Value, message, "a load balancer has one listener per port");
            continue;
        }
        out.push(l);
    }
    ctx.finish(Some(out))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawListener {
    port: Option<Scalar>,
    protocol: Option<String>,
    default_actions: Option<Vec<Value>>,
}

fn listener(ctx: &mut Ctx, v: &Value, path: &JPath, groups: &[TargetGroupConfig]) -> Option<ListenerConfig> {
    let raw: RawListener = ctx.de(v, path)?;
    let Some(port) = &raw.port else {
        ctx.error_help(path, At::Value, "a listener without a \"Port\"", "add \"Port\": 80");
        return None;
    };
    let port = int_in(ctx, port, &path.key("Port"), &rules::PORT);
    let protocol = match raw.protocol.as_deref() {
        None => Some(ListenerProtocol::Http),
        Some(p) => {
            let here = path.key("Protocol");
            match ctx.one_of(p, &here, &["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"]) {
                Some("HTTP") => Some(ListenerProtocol::Http),
                Some("HTTPS") => Some(ListenerProtocol::Https),
                Some(other) => {
                    ctx.error_help(
                        &here,
                        At::Value,
                        format!("a {other} listener belongs to a Network or Gateway Load Balancer"),
                        "ecsim models Application Load Balancers: use \"HTTP\" or \"HTTPS\"",
                    );
                    None
                }
                None => None,
            }
        }
    };
    let actions_path = path.key("DefaultActions");
    let default_action = match &raw.default_actions {
        Some(list) => actions(ctx, list, &actions_path, groups),
        None => {
            ctx.error_help(path, At::Value, "a listener without \"DefaultActions\"", "add the action for requests no rule matches");
            None
        }
    };
    Some(ListenerConfig { port: port? as u16, protocol: protocol?, rules: Vec::new(), default_action: default_action? })
}

// ------------------------------------------------------------------ actions

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAction {
    #[serde(rename = "Type")]
    kind: Option<String>,
    order: Option<Scalar>,
    target_group_arn: Option<String>,
    forward_config: Option<RawForwardConfig>,
    fixed_response_config: Option<RawStatus>,
    redirect_config: Option<RawRedirect>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawForwardConfig {
    target_groups: Option<Vec<RawWeighted>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawWeighted {
    target_group_arn: Option<String>,
    weight: Option<Scalar>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawStatus {
    status_code: Option<Scalar>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRedirect {
    status_code: Option<String>,
}

/// The terminal action of an action list (spec §9.2 step 4): non-terminal ones
/// (authenticate-oidc, authenticate-cognito, jwt-validation) are skipped with a warning; there
/// must be exactly one terminal action and it must be performed last (highest `Order`, or last
/// in the list when no order is given).
fn actions(ctx: &mut Ctx, list: &[Value], path: &JPath, groups: &[TargetGroupConfig]) -> Option<RuleAction> {
    let mut terminal: Option<(RuleAction, JPath, i64)> = None;
    let mut highest_other: Option<(i64, JPath)> = None;
    let mut ok = true;
    for (i, v) in list.iter().enumerate() {
        let here = path.idx(i);
        let Some(raw) = ctx.de::<RawAction>(v, &here) else {
            ok = false;
            continue;
        };
        // Without `Order`, actions run in list order.
        let order = match &raw.order {
            Some(o) => int_in(ctx, o, &here.key("Order"), &ORDER).unwrap_or(i as i64 + 1),
            None => i as i64 + 1,
        };
        let Some(kind) = &raw.kind else {
            ctx.error_help(&here, At::Value, "an action without a \"Type\"", "add \"Type\": \"forward\" (or fixed-response, redirect)");
            ok = false;
            continue;
        };
        let type_path = here.key("Type");
        let allowed = ["forward", "fixed-response", "redirect", "authenticate-oidc", "authenticate-cognito", "jwt-validation"];
        let action = match ctx.one_of(kind, &type_path, &allowed) {
            Some("forward") => forward(ctx, &raw, &here, groups),
            Some("fixed-response") => {
                let status_path = here.key("FixedResponseConfig").key("StatusCode");
                match raw.fixed_response_config.as_ref().and_then(|c| c.status_code.as_ref()) {
                    Some(s) => ctx.int(s, &status_path, i64::MIN, i64::MAX).and_then(|code| match fixed_response_problem(code) {
                        Some(m) => {
                            ctx.error_help(&status_path, At::Value, m, "e.g. \"404\" or \"503\"");
                            None
                        }
                        None => Some(RuleAction::FixedResponse { status_code: code as u16 }),
                    }),
                    None => {
                        ctx.error(&here, At::Value, "a fixed-response action needs FixedResponseConfig.StatusCode");
                        None
                    }
                }
            }
            Some("redirect") => {
                let status_path = here.key("RedirectConfig").key("StatusCode");
                match raw.redirect_config.as_ref().and_then(|c| c.status_code.as_deref()) {
                    Some(s) => match ctx.one_of(s, &status_path, &["HTTP_301", "HTTP_302"]) {
                        Some("HTTP_301") => Some(RuleAction::Redirect { status_code: 301 }),
                        Some(_) => Some(RuleAction::Redirect { status_code: 302 }),
                        None => None,
                    },
                    None => {
                        ctx.error(&here, At::Value, "a redirect action needs RedirectConfig.StatusCode (\"HTTP_301\" or \"HTTP_302\")");
                        None
                    }
                }
            }
            Some(other) => {
                ctx.warn(&type_path, At::Value, format!("{other} actions are not modelled: requests go straight to the terminal action"));
                if highest_other.as_ref().is_none_or(|(o, _)| order > *o) {
                    highest_other = Some((order, type_path.clone()));
                }
                continue;
            }
            None => {
                ok = false;
                continue;
            }
        };
        let Some(action) = action else {
            ok = false;
            continue;
        };
        if terminal.is_some() {
            ctx.error_help(
                &type_path,
                At::Value,
                "a second terminal action",
                "a rule has exactly one of forward, fixed-response and redirect; remove one",
            );
            ok = false;
            continue;
        }
        terminal = Some((action, type_path, order));
    }
    let Some((action, at, order)) = terminal else {
        if ok {
            ctx.error_help(path, At::Value, "no terminal action", "add a forward, fixed-response or redirect action");
        }
        return None;
    };
    if let Some((other, other_at)) = highest_other {
        if other >= order {
            let line = ctx.line_of(&other_at);
            ctx.error_help(
                &at,
                At::Value,
                format!("the terminal action is not performed last (the action on line {line} comes after it)"),
                "give the forward, fixed-response or redirect action the highest Order",
            );
            return None;
        }
    }
    ok.then_some(action)
}

fn forward(ctx: &mut Ctx, raw: &RawAction, here: &JPath, groups: &[TargetGroupConfig]) -> Option<RuleAction> {
    // describe-* output gives both `TargetGroupArn` and `ForwardConfig` for a single group; the
    // ForwardConfig is the complete one.
    let list_path = here.key("ForwardConfig").key("TargetGroups");
    match raw.forward_config.as_ref().and_then(|f| f.target_groups.as_ref()).filter(|l| !l.is_empty()) {
        Some(list) => {
            if list.len() > MAX_FORWARD_TARGET_GROUPS {
                ctx.error_help(
                    &list_path,
                    At::Key,
                    format!("{} target groups; a forward action takes at most {MAX_FORWARD_TARGET_GROUPS}", list.len()),
                    "remove some target groups",
                );
                return None;
            }
            let mut out = Vec::new();
            let mut ok = true;
            for (i, w) in list.iter().enumerate() {
                let item = list_path.idx(i);
                let Some(arn) = &w.target_group_arn else {
                    ctx.error(&item, At::Value, "a weighted target group without \"TargetGroupArn\"");
                    ok = false;
                    continue;
                };
                let weight = match &w.weight {
                    Some(s) => int_in(ctx, s, &item.key("Weight"), &rules::WEIGHT).map(|n| n as u32),
                    None => Some(1),
                };
                let tg = resolve(ctx, groups, arn, &item.key("TargetGroupArn"));
                if let Some(tg) = tg {
                    if out.iter().any(|o: &WeightedTargetGroup| o.target_group == tg) {
                        ctx.error(&item.key("TargetGroupArn"), At::Value, "this target group is listed twice in one forward action");
                        ok = false;
                    }
                }
                match (tg, weight) {
                    (Some(target_group), Some(weight)) => out.push(WeightedTargetGroup { target_group, weight }),
                    _ => ok = false,
                }
            }
            ok.then_some(RuleAction::Forward(out))
        }
        None => match &raw.target_group_arn {
            Some(arn) => {
                let tg = resolve(ctx, groups, arn, &here.key("TargetGroupArn"))?;
                Some(RuleAction::Forward(vec![WeightedTargetGroup { target_group: tg, weight: 1 }]))
            }
            None => {
                ctx.error_help(
                    here,
                    At::Value,
                    "a forward action without a target group",
                    "add \"TargetGroupArn\" or \"ForwardConfig\": {\"TargetGroups\": [...]}",
                );
                None
            }
        },
    }
}

fn resolve(ctx: &mut Ctx, groups: &[TargetGroupConfig], name_or_arn: &str, path: &JPath) -> Option<usize> {
    let found = find_target_group(groups, name_or_arn);
    if found.is_none() {
        ctx.error_help(path, At::Value, format!("no target group {name_or_arn:?} in the scenario"), known_target_groups_help(groups));
    }
    found
}

// ------------------------------------------------------------------ rules

/// A listener's rules as describe-rules lists them.
#[derive(Debug, Clone, Default)]
pub struct ListenerRules {
    /// Non-default rules, in ascending priority.
    pub rules: Vec<RuleConfig>,
    /// The default rule's action, when the file has it.
    pub default_action: Option<RuleAction>,
}

/// Loads describe-rules output (the rules of one listener, the default rule included) or
/// create-rule input (one rule), resolving target groups against `groups`. `Ok` carries the
/// warnings.
pub fn load_rules(path: &Path, text: &str, groups: &[TargetGroupConfig]) -> Result<(ListenerRules, Diagnostics), Diagnostics> {
    let mut ctx = Ctx::for_api(path, text, API);
    let Ok(root) = ctx.parse() else {
        return ctx.finish(None);
    };
    let mut out = ListenerRules::default();
    let mut priorities: Vec<(u32, JPath)> = Vec::new();
    let mut default_at: Option<JPath> = None;
    let shapes = Shapes { list: ("Rules", &DESCRIBE_RULES), one: &RULE, names: ("describe-rules", "create-rule") };
    for (v, here) in shapes.items(&mut ctx, &root) {
        let Some((priority, conditions, action)) = rule(&mut ctx, v, &here, groups) else { continue };
        let priority_path = here.key("Priority");
        match priority {
            None => {
                if let Some(first) = &default_at {
                    let line = ctx.line_of(first);
                    ctx.error(&priority_path, At::Value, format!("a second default rule (the first is on line {line})"));
                    continue;
                }
                if !conditions.is_empty() {
                    ctx.error(&here.key("Conditions"), At::Key, "the default rule cannot have conditions");
                }
                default_at = Some(priority_path);
                out.default_action = action;
            }
            Some(p) => {
                if let Some((_, first)) = priorities.iter().find(|(q, _)| *q == p) {
                    let line = ctx.line_of(first);
                    ctx.error_help(
                        &priority_path,
                        At::Value,
                        format!("overlapping priorities: priority {p} is also the priority of the rule on line {line}"),
                        "give every rule of a listener its own priority",
                    );
                    continue;
                }
                priorities.push((p, priority_path));
                if let Some(action) = action {
                    out.rules.push(RuleConfig { priority: p, conditions, action });
                }
            }
        }
    }
    out.rules.sort_by_key(|r| r.priority);
    ctx.finish(Some(out))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRule {
    priority: Option<Scalar>,
    is_default: Option<bool>,
    conditions: Option<Vec<Value>>,
    actions: Option<Vec<Value>>,
}

/// One rule: its priority (`None` for the default rule), conditions and action (`None` after
/// an error in it). `None` when the rule cannot be placed at all.
type ReadRule = (Option<u32>, Vec<Condition>, Option<RuleAction>);

fn rule(ctx: &mut Ctx, v: &Value, path: &JPath, groups: &[TargetGroupConfig]) -> Option<ReadRule> {
    let raw: RawRule = ctx.de(v, path)?;
    let priority_path = path.key("Priority");
    let is_default = raw.is_default == Some(true) || matches!(&raw.priority, Some(Scalar::Str(s)) if s == "default");
    let priority = if is_default {
        None
    } else {
        let Some(p) = &raw.priority else {
            ctx.error_help(path, At::Value, "a rule without a \"Priority\"", "add \"Priority\": 1 to 50000 (lower is evaluated first)");
            return None;
        };
        Some(int_in(ctx, p, &priority_path, &rules::PRIORITY)? as u32)
    };
    let conditions_path = path.key("Conditions");
    let mut conditions = Vec::new();
    let mut condition_paths = Vec::new();
    let mut ok = true;
    for (i, c) in raw.conditions.iter().flatten().enumerate() {
        let here = conditions_path.idx(i);
        match condition(ctx, c, &here) {
            Some(c) => {
                conditions.push(c);
                condition_paths.push(here);
            }
            None => ok = false,
        }
    }
    if priority.is_some() && ok {
        for p in check_conditions(&conditions) {
            let at = p.condition.map_or_else(|| priority_path.clone(), |i| condition_paths[i].clone());
            ctx.error_help(&at, At::Value, p.message, p.help);
        }
    }
    let action = match &raw.actions {
        Some(list) => actions(ctx, list, &path.key("Actions"), groups),
        None => {
            ctx.error_help(path, At::Value, "a rule without \"Actions\"", "add a forward, fixed-response or redirect action");
            None
        }
    };
    Some((priority, conditions, action))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawCondition {
    field: Option<String>,
    values: Option<Vec<String>>,
    regex_values: Option<Vec<String>>,
    host_header_config: Option<RawValues>,
    path_pattern_config: Option<RawValues>,
    http_request_method_config: Option<RawValues>,
    source_ip_config: Option<RawValues>,
    http_header_config: Option<RawHeaderConfig>,
    query_string_config: Option<RawQueryConfig>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawValues {
    values: Option<Vec<String>>,
    regex_values: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawHeaderConfig {
    http_header_name: Option<String>,
    values: Option<Vec<String>>,
    regex_values: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawQueryConfig {
    values: Option<Vec<RawQueryPair>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawQueryPair {
    key: Option<String>,
    value: Option<String>,
}

fn condition(ctx: &mut Ctx, v: &Value, path: &JPath) -> Option<Condition> {
    let raw: RawCondition = ctx.de(v, path)?;
    let Some(field) = &raw.field else {
        ctx.error_help(path, At::Value, "a condition without a \"Field\"", "add \"Field\": \"path-pattern\" (or host-header, …)");
        return None;
    };
    let fields = ["host-header", "path-pattern", "http-request-method", "source-ip", "http-header", "query-string"];
    let field = ctx.one_of(field, &path.key("Field"), &fields)?;
    let regex = |values: &Option<Vec<String>>| values.as_ref().is_some_and(|v| !v.is_empty());
    let regex_at = match field {
        "host-header" => raw.host_header_config.as_ref().filter(|c| regex(&c.regex_values)).map(|_| "HostHeaderConfig"),
        "path-pattern" => raw.path_pattern_config.as_ref().filter(|c| regex(&c.regex_values)).map(|_| "PathPatternConfig"),
        "http-header" => raw.http_header_config.as_ref().filter(|c| regex(&c.regex_values)).map(|_| "HttpHeaderConfig"),
        _ => None,
    };
    if regex(&raw.regex_values) || regex_at.is_some() {
        let at = regex_at.map_or_else(|| path.key("RegexValues"), |c| path.key(c).key("RegexValues"));
        ctx.error_help(&at, At::Key, "regular-expression conditions are not modelled", "use wildcard \"Values\" (`*`, `?`)");
        return None;
    }
    // The typed *Config form is the complete one; the top-level `Values` is the older form,
    // kept by ELBv2 for host-header and path-pattern only.
    let values = |config: &Option<RawValues>, name: &str, legacy: bool| -> Result<Vec<String>, String> {
        match (config.as_ref().and_then(|c| c.values.clone()), &raw.values) {
            (Some(v), _) => Ok(v),
            (None, Some(v)) if legacy => Ok(v.clone()),
            _ => Err(name.to_string()),
        }
    };
    let built = match field {
        "host-header" => values(&raw.host_header_config, "HostHeaderConfig", true).map(Condition::HostHeader),
        "path-pattern" => values(&raw.path_pattern_config, "PathPatternConfig", true).map(Condition::PathPattern),
        "http-request-method" => {
            values(&raw.http_request_method_config, "HttpRequestMethodConfig", false).map(Condition::HttpRequestMethod)
        }
        "source-ip" => values(&raw.source_ip_config, "SourceIpConfig", false).map(Condition::SourceIp),
        "http-header" => match &raw.http_header_config {
            Some(RawHeaderConfig { http_header_name: Some(name), values, .. }) => {
                Ok(Condition::HttpHeader { name: name.clone(), values: values.clone().unwrap_or_default() })
            }
            _ => Err("HttpHeaderConfig".to_string()),
        },
        _ => match raw.query_string_config.as_ref().and_then(|c| c.values.as_ref()) {
            Some(pairs) => {
                let mut out = Vec::new();
                for (i, p) in pairs.iter().enumerate() {
                    match &p.value {
                        Some(value) => out.push((p.key.clone(), value.clone())),
                        None => {
                            let at = path.key("QueryStringConfig").key("Values").idx(i);
                            ctx.error_help(
                                &at,
                                At::Value,
                                "a query-string pair without a \"Value\"",
                                "add \"Value\" (\"Key\" may be left out)",
                            );
                            return None;
                        }
                    }
                }
                Ok(Condition::QueryString(out))
            }
            None => Err("QueryStringConfig".to_string()),
        },
    };
    match built {
        Ok(c) => Some(c),
        Err(config) => {
            let example = match config.as_str() {
                "HttpHeaderConfig" => "{\"HttpHeaderName\": \"X-Canary\", \"Values\": [\"1\"]}",
                "QueryStringConfig" => "{\"Values\": [{\"Key\": \"v\", \"Value\": \"2\"}]}",
                _ => "{\"Values\": [...]}",
            };
            ctx.error_help(path, At::Value, format!("a {field} condition without its {config}"), format!("add \"{config}\": {example}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tgs() -> Vec<TargetGroupConfig> {
        let mut a = TargetGroupConfig::with_defaults("api");
        a.arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/api/1".into();
        vec![a, TargetGroupConfig::with_defaults("web")]
    }

    #[test]
    fn names_follow_elbv2_rules() {
        assert_eq!(name_problem("my-tg-1"), None);
        assert!(name_problem("-tg").unwrap().contains("hyphen"));
        assert!(name_problem("tg_1").unwrap().contains("letters, digits and hyphens"));
        assert!(name_problem(&"a".repeat(33)).unwrap().contains("1–32"));
    }

    #[test]
    fn a_create_target_group_input_reads_with_defaults() {
        let text = r#"{"Name": "api", "Protocol": "HTTP", "Port": 8080, "VpcId": "vpc-1", "TargetType": "ip",
            "HealthCheckIntervalSeconds": 10, "Matcher": {"HttpCode": "200-399"}}"#;
        let (list, w) = load_target_groups(Path::new("tg.json"), text).unwrap();
        assert!(w.is_empty(), "{w}");
        let tg = &list[0];
        assert_eq!((tg.name.as_str(), tg.port, tg.target_type), ("api", 8080, TargetType::Ip));
        assert_eq!(tg.health_check.interval, Span::from_secs(10));
        assert_eq!(tg.health_check.timeout, Span::from_secs(5));
        assert!(tg.health_check.matcher.matches(302));
        assert_eq!(tg.deregistration_delay, Span::from_secs(300));
    }

    #[test]
    fn input_typos_are_errors_and_the_api_is_named() {
        let e = load_target_groups(Path::new("tg.json"), "{\"Name\": \"a\",\n \"Prot\": \"HTTP\"}").unwrap_err();
        let d = e.errors().next().unwrap();
        assert!(d.message.contains("not part of the ELBv2 API"), "{d}");
        assert_eq!((d.line, d.column), (2, 2));
    }

    #[test]
    fn attributes_read_and_unknown_keys_only_warn() {
        let text = r#"{"Attributes": [
  {"Key": "deregistration_delay.timeout_seconds", "Value": "30"},
  {"Key": "load_balancing.algorithm.type", "Value": "least_outstanding_requests"},
  {"Key": "stickiness.enabled", "Value": "false"},
  {"Key": "stickiness.type", "Value": "lb_cookie"},
  {"Key": "load_balancing.cross_zone.enabled", "Value": "false"},
  {"Key": "some.future.attribute", "Value": "x"}
]}"#;
        let (a, w) = load_target_group_attributes(Path::new("attrs.json"), text).unwrap();
        assert_eq!(a.deregistration_delay, Some(Span::from_secs(30)));
        assert_eq!(a.algorithm, Some(Algorithm::LeastOutstandingRequests));
        assert_eq!(a.cross_zone, Some(Some(false)));
        assert_eq!(w.0.len(), 1, "{w}");
        assert_eq!(w.0[0].line, 7);
        assert!(w.0[0].message.contains("unknown attribute some.future.attribute"));
    }

    #[test]
    fn slow_start_with_least_outstanding_requests_is_refused() {
        let text = r#"{"Attributes": [
  {"Key": "load_balancing.algorithm.type", "Value": "least_outstanding_requests"},
  {"Key": "slow_start.duration_seconds", "Value": "60"}]}"#;
        let e = load_target_group_attributes(Path::new("attrs.json"), text).unwrap_err();
        let d = e.errors().next().unwrap();
        assert!(d.message.contains("least_outstanding_requests"));
        assert_eq!(d.line, 3);
    }

    #[test]
    fn listener_actions_resolve_arns_and_names() {
        let text = r#"{"Listeners": [{"Port": 80, "Protocol": "HTTP", "DefaultActions": [
            {"Type": "forward", "ForwardConfig": {"TargetGroups": [
                {"TargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/api/1", "Weight": 10},
                {"TargetGroupArn": "web", "Weight": 20}]}}]}]}"#;
        let (l, _) = load_listeners(Path::new("l.json"), text, &tgs()).unwrap();
        assert_eq!(
            l[0].default_action,
            RuleAction::Forward(vec![
                WeightedTargetGroup { target_group: 0, weight: 10 },
                WeightedTargetGroup { target_group: 1, weight: 20 }
            ])
        );
    }

    #[test]
    fn the_terminal_action_must_come_last() {
        let text = r#"{"Port": 443, "Protocol": "HTTPS", "DefaultActions": [
  {"Type": "fixed-response", "Order": 2, "FixedResponseConfig": {"StatusCode": "404"}},
  {"Type": "authenticate-oidc", "Order": 3, "AuthenticateOidcConfig": {}}]}"#;
        let e = load_listeners(Path::new("l.json"), text, &tgs()).unwrap_err();
        assert!(e.errors().any(|d| d.message.contains("not performed last") && d.line == 2), "{e}");
        let ok = text.replace("\"Order\": 3", "\"Order\": 1");
        let (l, w) = load_listeners(Path::new("l.json"), &ok, &tgs()).unwrap();
        assert_eq!(l[0].default_action, RuleAction::FixedResponse { status_code: 404 });
        assert!(w.0[0].message.contains("authenticate-oidc actions are not modelled"));
    }

    #[test]
    fn rules_read_both_condition_forms_and_sort_by_priority() {
        let text = r#"{"Rules": [
  {"Priority": "20", "IsDefault": false, "Conditions": [{"Field": "host-header", "Values": ["*.example.com"]}],
   "Actions": [{"Type": "forward", "TargetGroupArn": "web"}]},
  {"Priority": "10", "IsDefault": false, "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}},
     {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Canary", "Values": ["1"]}},
     {"Field": "query-string", "QueryStringConfig": {"Values": [{"Value": "beta"}]}}],
   "Actions": [{"Type": "redirect", "RedirectConfig": {"StatusCode": "HTTP_302"}}]},
  {"Priority": "default", "IsDefault": true, "Conditions": [], "Actions": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}]}
]}"#;
        let (r, w) = load_rules(Path::new("rules.json"), text, &tgs()).unwrap();
        assert!(w.is_empty(), "{w}");
        assert_eq!(r.rules.iter().map(|r| r.priority).collect::<Vec<_>>(), vec![10, 20]);
        assert_eq!(r.rules[0].conditions.len(), 3);
        assert_eq!(r.rules[0].conditions[2], Condition::QueryString(vec![(None, "beta".into())]));
        assert_eq!(r.rules[0].action, RuleAction::Redirect { status_code: 302 });
        assert_eq!(r.default_action, Some(RuleAction::FixedResponse { status_code: 503 }));
    }

    #[test]
    fn rule_problems_are_located_in_the_file() {
        let text = r#"{"Rules": [
  {"Priority": "10", "Conditions": [{"Field": "path-pattern", "Values": ["/a"]}], "Actions": [{"Type": "forward", "TargetGroupArn": "nope"}]},
  {"Priority": "10", "Conditions": [{"Field": "path-pattern", "Values": ["/b"]}], "Actions": [{"Type": "forward", "TargetGroupArn": "web"}]},
  {"Priority": "11", "Conditions": [], "Actions": [{"Type": "forward", "TargetGroupArn": "web"}]},
  {"Priority": "12", "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"RegexValues": ["^/a"]}}], "Actions": []}
]}"#;
        let e = load_rules(Path::new("rules.json"), text, &tgs()).unwrap_err();
        let lines: Vec<(usize, &str)> = e.errors().map(|d| (d.line, d.message.as_str())).collect();
        assert!(lines.iter().any(|(l, m)| *l == 2 && m.contains("no target group \"nope\"")), "{e}");
        assert!(lines.iter().any(|(l, m)| *l == 3 && m.contains("overlapping priorities")), "{e}");
        assert!(lines.iter().any(|(l, m)| *l == 4 && m.contains("at least one condition")), "{e}");
        assert!(lines.iter().any(|(l, m)| *l == 5 && m.contains("regular-expression")), "{e}");
    }
}
