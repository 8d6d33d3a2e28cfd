//! Listeners (describe-listeners output or create-listener input) and the actions of
//! listeners and rules: the one terminal action (forward, fixed-response, redirect) performed
//! last, non-terminal ones skipped with a warning, target groups resolved by ARN or name.

use super::*;

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
        Some(p) => alb_protocol(ctx, p, &path.key("Protocol"), "listener"),
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

/// The terminal action of an action list (docs/ecs-model.md#listener-rules step 4): non-terminal ones
/// (authenticate-oidc, authenticate-cognito, jwt-validation) are skipped with a warning; there
/// must be exactly one terminal action and it must be performed last (highest `Order`, or last
/// in the list when no order is given).
pub(super) fn actions(ctx: &mut Ctx, list: &[Value], path: &JPath, groups: &[TargetGroupConfig]) -> Option<RuleAction> {
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
    let Some(list) = raw.forward_config.as_ref().and_then(|f| f.target_groups.as_ref()).filter(|l| !l.is_empty()) else {
        let Some(arn) = &raw.target_group_arn else {
            let help = "add \"TargetGroupArn\" or \"ForwardConfig\": {\"TargetGroups\": [...]}";
            ctx.error_help(here, At::Value, "a forward action without a target group", help);
            return None;
        };
        let item = ForwardItem { target_group: (arn.as_str(), (here.key("TargetGroupArn"), At::Value)), weight: None };
        return rules::forward(ctx, &(here.clone(), At::Value), &[item], groups);
    };
    let mut items = Vec::new();
    let mut ok = true;
    for (i, w) in list.iter().enumerate() {
        let item = list_path.idx(i);
        let Some(arn) = &w.target_group_arn else {
            ctx.error(&item, At::Value, "a weighted target group without \"TargetGroupArn\"");
            ok = false;
            continue;
        };
        let weight_path = item.key("Weight");
        let weight = w.weight.as_ref().and_then(|s| {
            let n = ctx.int(s, &weight_path, i64::MIN, i64::MAX);
            ok &= n.is_some();
            n.map(|n| (n, (weight_path.clone(), At::Value)))
        });
        items.push(ForwardItem { target_group: (arn.as_str(), (item.key("TargetGroupArn"), At::Value)), weight });
    }
    let action = if items.is_empty() { None } else { rules::forward(ctx, &(list_path, At::Key), &items, groups) };
    action.filter(|_| ok)
}
