//! Target-group attributes: describe-target-group-attributes output or
//! modify-target-group-attributes input (`{"Attributes": [{"Key", "Value"}]}`), read into the
//! settings ecsim models (deregistration delay, algorithm, cross-zone, slow start, minimum
//! healthy targets); attributes it knows but does not simulate warn unless off.

use super::*;

/// Target-group attributes a file sets (docs/ecs-model.md#alb-settings); `None` keeps the target group's value.
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
                if let Some(name) = ctx.one_of(&text_value, &value_path, &rules::ALGORITHMS.map(|(n, _)| n)) {
                    a.algorithm = rules::algorithm(name);
                }
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
                    match rules::SLOW_START.check(key, n) {
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
