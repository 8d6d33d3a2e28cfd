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
//! `json_doc`, the same field policy (unknown names are errors in input files and warnings in
//! describe output; settings ecsim does not simulate give one warning each, unless empty), and
//! every problem collected. The checks are ELBv2's own (docs/ecs-model.md#alb-settings, docs/ecs-model.md#listener-rules): value ranges,
//! rule
//! limits, one terminal action performed last. Target groups are referred to by ARN (or name);
//! listeners and rules are read against the scenario's target groups so that an unknown ARN is
//! reported where it is written.

mod attributes;
mod listener_rules;
mod listeners;
mod schema;

pub use attributes::{load_target_group_attributes, TargetGroupAttributes};
pub use listener_rules::{load_rules, ListenerRules};
pub use listeners::load_listeners;

use super::ecs_json::{did_you_mean, At, Ctx, JPath, Scalar};
use super::elb_rules::{self as rules, fixed_response_problem, name_problem, ForwardItem, Limit, Report, TargetGroupDraft};
use crate::elb::config::{Algorithm, Condition, ListenerConfig, ListenerProtocol, RuleAction, RuleConfig, TargetGroupConfig, TargetType};
use crate::engine::Span;
use crate::model::diagnostic::{Diagnostics, Severity};
use crate::scenario::ecs_json::schema::Schema;
use schema::{DESCRIBE_LISTENERS, DESCRIBE_RULES, DESCRIBE_TARGET_GROUPS, LISTENER, RULE, TARGET_GROUP, TARGET_GROUP_ATTRIBUTES};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

const API: &str = "ELBv2";

/// Where an action sits among the actions of a rule or listener (JSON only).
const ORDER: Limit = Limit { what: "action order", lo: 1, hi: 50_000, seconds: false, zero_is_off: false, help: "orders are 1–50000" };

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

/// The two shapes of an ELBv2 or CloudWatch file: describe-* output (`{"<List>": [...]}`, where
/// names ecsim does not know are warnings: AWS adds output fields over time) and create-*/put-*
/// input (one object, where they are errors: a typo would be lost).
pub(super) struct Shapes {
    /// The list's member name and the schema of the output object.
    pub list: (&'static str, &'static Schema),
    /// The schema of one object (the input).
    pub one: &'static Schema,
    /// The CLI commands that write each shape, for the message about a file of neither.
    pub names: (&'static str, &'static str),
}

impl Shapes {
    /// The objects of the file and their paths, after checking member names (see [`Shapes`]).
    pub(super) fn items<'v>(&self, ctx: &mut Ctx, root: &'v Value) -> Vec<(&'v Value, JPath)> {
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
        alb_protocol(ctx, p, &path.key("Protocol"), "target group");
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
    let int = |ctx: &mut Ctx, s: &Option<Scalar>, key: &str| {
        let here = path.key(key);
        s.as_ref().and_then(|s| ctx.int(s, &here, i64::MIN, i64::MAX)).map(|n| (n, (here, At::Value)))
    };
    let matcher = raw.matcher.as_ref().and_then(|m| m.http_code.as_deref());
    let draft = TargetGroupDraft {
        port: int(ctx, &raw.port, "Port"),
        path: raw.health_check_path.as_deref().map(|p| (p, (path.key("HealthCheckPath"), At::Value))),
        interval: int(ctx, &raw.health_check_interval_seconds, "HealthCheckIntervalSeconds"),
        timeout: int(ctx, &raw.health_check_timeout_seconds, "HealthCheckTimeoutSeconds"),
        healthy_threshold: int(ctx, &raw.healthy_threshold_count, "HealthyThresholdCount"),
        unhealthy_threshold: int(ctx, &raw.unhealthy_threshold_count, "UnhealthyThresholdCount"),
        matcher: matcher.map(|code| (code, (path.key("Matcher").key("HttpCode"), At::Value))),
        deregistration_delay: None,
        algorithm: None,
        slow_start: None,
        min_healthy_targets: None,
    };
    draft.apply(ctx, &mut tg);
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
    if let Some(RawMatcher { http_code: None, grpc_code: Some(_) }) = &raw.matcher {
        ctx.error_help(
            &path.key("Matcher").key("GrpcCode"),
            At::Value,
            "gRPC health checks are not modelled",
            "use an HTTP target group with Matcher.HttpCode",
        );
    }
    Some(tg)
}

/// The protocol of an Application Load Balancer's `what` (listener, target group): ELBv2's other
/// protocols are refused as another kind of load balancer's.
fn alb_protocol(ctx: &mut Ctx, p: &str, here: &JPath, what: &str) -> Option<ListenerProtocol> {
    match ctx.one_of(p, here, &["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"])? {
        "HTTP" => Some(ListenerProtocol::Http),
        "HTTPS" => Some(ListenerProtocol::Https),
        other => {
            let message = format!("a {other} {what} belongs to a Network or Gateway Load Balancer");
            ctx.error_help(here, At::Value, message, "ecsim models Application Load Balancers: use \"HTTP\" or \"HTTPS\"");
            None
        }
    }
}

/// An integer (number or string of digits) within `limit`, or a located error naming the member.
fn int_in(ctx: &mut Ctx, s: &Scalar, path: &JPath, limit: &Limit) -> Option<i64> {
    let n = ctx.int(s, path, i64::MIN, i64::MAX)?;
    rules::checked(ctx, Some(&(n, (path.clone(), At::Value))), limit)
}

/// A JSON file names a value by its member's path, and locates it there (`At::Key` for a
/// message about a whole member).
impl Report for Ctx<'_> {
    type At = (JPath, At);
    fn name_of(&self, at: &(JPath, At), _: &str) -> String {
        format!("`{}`", at.0)
    }
    fn report(&mut self, at: &(JPath, At), message: String, help: String) {
        self.error_help(&at.0, at.1, message, help);
    }
}
