//! A blue/green, linear or canary service's production and test listener rules
//! (`advancedConfiguration.productionListenerRule` / `testListenerRule`) resolved against the
//! scenario's load balancers (docs/ecs-model.md#blue-green-deployments).
//!
//! A rule is named "LB/PORT/default" (a listener's default rule) or "LB/PORT/PRIORITY": the
//! load balancer's name, its listener's port, the rule's priority — what the scenario's
//! `[[load_balancers.listeners]]` tables define, so a name can be checked without ARNs. The
//! rule must forward to the service's primary target group, as ECS requires. A TOML name that
//! does not resolve is an error with a "did you mean"; a create-service JSON's rule is matched
//! against the same names, and a real ARN (describe-rules' `RuleArn` is not kept yet) is a
//! warning (the defaults then apply: every rule forwarding to the pair is production, there is
//! no test rule).

use super::ecs_json::did_you_mean;
use super::load::Cx;
use crate::elb::config::{ElbConfig, RuleAction, RuleKey};
use crate::model::diagnostic::Diagnostic;
use std::ops::Range;

/// Every rule of the scenario's listeners: its name ("LB/PORT/default", "LB/PORT/PRIORITY"),
/// key and action.
fn rules_of(elb: &ElbConfig) -> Vec<(String, RuleKey, &RuleAction)> {
    let mut out = Vec::new();
    for (l, lb) in elb.load_balancers.iter().enumerate() {
        for (i, listener) in lb.listeners.iter().enumerate() {
            let key = RuleKey { load_balancer: l as u16, listener: i as u16, priority: None };
            out.push((format!("{}/{}/default", lb.name, listener.port), key, &listener.default_action));
            for r in &listener.rules {
                let key = RuleKey { priority: Some(r.priority), ..key };
                out.push((format!("{}/{}/{}", lb.name, listener.port, r.priority), key, &r.action));
            }
        }
    }
    out
}

impl Cx<'_> {
    /// Resolves the listener rule `name` (`what`: "production_listener_rule" or
    /// "test_listener_rule") of a service whose primary target group is `primary`. `span`:
    /// where the scenario writes it (`None`: a service JSON's, reported at `json_at`).
    pub(super) fn resolve_listener_rule(
        &mut self,
        name: &str,
        span: Option<Range<usize>>,
        json_at: Range<usize>,
        elb: &ElbConfig,
        primary: usize,
        what: &str,
    ) -> Option<RuleKey> {
        let rules = rules_of(elb);
        let Some((_, key, action)) = rules.iter().find(|(n, _, _)| n == name) else {
            let help = match did_you_mean(name, rules.iter().map(|(n, _, _)| n.as_str())) {
                Some(m) => format!("did you mean \"{m}\"?"),
                None => format!(
                    "name a rule \"LB/PORT/default\" or \"LB/PORT/PRIORITY\"; the scenario's rules: {:?}",
                    rules.iter().map(|(n, _, _)| n.as_str()).collect::<Vec<_>>()
                ),
            };
            match span {
                Some(span) => self.error_at(span, format!("{what} {name:?} is no listener rule of the scenario"), help),
                None => {
                    let (line, col) = self.src.line_col(json_at.start);
                    let message = format!(
                        "the service's {what} {name:?} is no listener rule of the scenario: every rule forwarding to its target groups is taken as production, and none as test"
                    );
                    self.diags.push(Diagnostic::warning(self.src.path, line, col, message).with_help(help));
                }
            }
            return None;
        };
        let forwards = matches!(action, RuleAction::Forward(list) if list.iter().any(|w| w.target_group == primary));
        if !forwards {
            let tg = &elb.target_groups[primary].name;
            let message = format!("{what} {name:?} does not forward to the service's target group {tg:?}");
            let help = "ECS moves the rule's weights between the target group and its alternate: make the rule forward to the target group";
            match span {
                Some(span) => self.error_at(span, message, help),
                None => self.error_at(json_at, message, help),
            }
            return None;
        }
        Some(*key)
    }
}
