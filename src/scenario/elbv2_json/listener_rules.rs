//! A listener's rules: describe-rules output (every rule, the default one included) or
//! create-rule input (one rule); priorities, conditions in both of ELBv2's forms, and ELBv2's
//! limits on them (`elb::rules::check_conditions`).

use super::listeners::actions;
use super::*;

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
                condition_paths.push((here, At::Value));
            }
            None => ok = false,
        }
    }
    if priority.is_some() && ok {
        rules::conditions_ok(ctx, &conditions, &condition_paths, &(priority_path, At::Value));
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
