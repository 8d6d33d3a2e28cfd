//! The load-balancer part of a scenario: `[[target_groups]]` and `[[load_balancers]]`, written
//! inline or read from ELBv2 JSON files (inline keys override what a file says), validated
//! against ELBv2's limits (docs/ecs-model.md#alb-settings, docs/ecs-model.md#listener-rules) into an [`ElbConfig`]. Every problem is
//! reported at
//! its line and column with what to change, and all of them are collected; target groups are
//! resolved by name or ARN here, so the simulation only sees indices.

use super::elb_rules::{self as rules, fixed_response_problem, name_problem, ForwardItem, Limit, Report, TargetGroupDraft};
use super::elbv2_json;
use super::load::Cx;
use super::toml_elb::*;
use crate::elb::config::*;
use crate::engine::Span;
use std::ops::Range;
use toml::Spanned;

const ACTION_HELP: &str =
    "write { forward = \"<target group>\" }, { forward = [{ target_group = \"a\", weight = 10 }, …] }, { fixed_response = 404 } or { redirect = 301 }";

/// Makes a condition written as a list of strings (`path_pattern = ["/a*"]`).
type MakeCondition = fn(Vec<String>) -> Condition;

impl Cx<'_> {
    /// Validates the target groups and load balancers of a scenario. `cluster_zones` are the
    /// zones a load balancer may use (and its default); when empty, any zone is accepted.
    pub(super) fn build_elb(
        &mut self,
        target_groups: &[RawTargetGroup],
        load_balancers: &[RawLoadBalancer],
        cluster_zones: &[String],
    ) -> ElbConfig {
        let first_message = self.diags.0.len();
        let mut groups: Vec<TargetGroupConfig> = Vec::new();
        for raw in target_groups {
            let Some((tg, name_span)) = self.build_target_group(raw) else { continue };
            if groups.iter().any(|g| g.name == tg.name) {
                self.error_at(
                    name_span,
                    format!("target group {:?} is defined twice", tg.name),
                    "give each [[target_groups]] a distinct name",
                );
                continue;
            }
            if let Some(g) = groups.iter().find(|g| g.arn == tg.arn) {
                let message = format!("target groups {:?} and {:?} have the same ARN {}", g.name, tg.name, tg.arn);
                self.error_at(name_span, message, "give each target group its own `arn`");
                continue;
            }
            groups.push(tg);
        }
        let mut lbs: Vec<LoadBalancerConfig> = Vec::new();
        for raw in load_balancers {
            let Some(lb) = self.build_load_balancer(raw, &groups, cluster_zones) else { continue };
            if lbs.iter().any(|o| o.name == lb.name) {
                self.error_at(
                    raw.name.span(),
                    format!("load balancer {:?} is defined twice", lb.name),
                    "give each [[load_balancers]] a distinct name",
                );
                continue;
            }
            lbs.push(lb);
        }
        // Several listeners may read one JSON file: say each of its problems once.
        for d in self.diags.0.split_off(first_message) {
            if !self.diags.0[first_message..].contains(&d) {
                self.diags.push(d);
            }
        }
        ElbConfig { load_balancers: lbs, target_groups: groups }
    }

    /// One target group and the span that names it (for "defined twice").
    fn build_target_group(&mut self, raw: &RawTargetGroup) -> Option<(TargetGroupConfig, Range<usize>)> {
        let t = raw.get_ref();
        let name_span = [&t.name, &t.select, &t.file].into_iter().flatten().next().map_or_else(|| raw.span(), Spanned::span);
        if let (Some(select), None) = (&t.select, &t.file) {
            self.error_at(
                select.span(),
                "`select` picks a target group from `file`, and there is no file",
                "remove select, or add file = \"...\"",
            );
        }
        let mut tg = match &t.file {
            Some(file) => self.target_group_from_file(file, t.select.as_ref(), t.name.as_ref())?,
            None => match &t.name {
                Some(n) => TargetGroupConfig::with_defaults(n.get_ref()),
                None => {
                    self.error_at(
                        raw.span(),
                        "a target group without a name",
                        "add name = \"...\" (or file = \"...\" to read it from describe-target-groups output)",
                    );
                    return None;
                }
            },
        };
        if let Some(n) = &t.name {
            if let Some(problem) = name_problem(n.get_ref()) {
                self.error_at(n.span(), format!("target group name {problem}"), "rename the target group");
            }
            tg.name = n.get_ref().clone();
        }
        if let Some(file) = &t.attributes_file {
            if let Some((p, text)) = self.read_file(file) {
                match elbv2_json::load_target_group_attributes(&p, &text) {
                    Ok((a, w)) => {
                        self.diags.extend(w);
                        a.apply(&mut tg);
                    }
                    Err(e) => self.diags.extend(e),
                }
            }
        }
        if let Some(arn) = &t.arn {
            if !arn.get_ref().starts_with("arn:") {
                self.error_at(
                    arn.span(),
                    format!("{:?} is not an ARN", arn.get_ref()),
                    "an ARN looks like arn:aws:elasticloadbalancing:…:targetgroup/<name>/<id>",
                );
            }
            tg.arn = arn.get_ref().clone();
        }
        self.inline_target_group(t, &mut tg);
        Some((tg, name_span))
    }

    /// The target group `select` (or the only one) of a describe-target-groups / create-target-group
    /// file. After an error, a stand-in with the scenario's name for it, so that rules naming it
    /// do not add errors of their own.
    fn target_group_from_file(
        &mut self,
        file: &Spanned<String>,
        select: Option<&Spanned<String>>,
        name: Option<&Spanned<String>>,
    ) -> Option<TargetGroupConfig> {
        let stand_in = name.or(select).map(|n| TargetGroupConfig::with_defaults(n.get_ref()));
        let Some((p, text)) = self.read_file(file) else { return stand_in };
        let list = match elbv2_json::load_target_groups(&p, &text) {
            Ok((list, w)) => {
                self.diags.extend(w);
                list
            }
            Err(e) => {
                self.diags.extend(e);
                return stand_in;
            }
        };
        let names: Vec<&str> = list.iter().map(|g| g.name.as_str()).collect();
        match (select, list.as_slice()) {
            (Some(s), _) => match find_target_group(&list, s.get_ref()) {
                Some(i) => return Some(list[i].clone()),
                None => self.error_at(
                    s.span(),
                    format!("{} has no target group {:?}", file.get_ref(), s.get_ref()),
                    format!("select one of {names:?} (by name or ARN)"),
                ),
            },
            (None, [one]) => return Some(one.clone()),
            (None, []) => {
                self.error_at(file.span(), format!("{} holds no target group", file.get_ref()), "use a file with one target group")
            }
            (None, _) => self.error_at(
                file.span(),
                format!("{} holds {} target groups", file.get_ref(), list.len()),
                format!("add select = one of {names:?}"),
            ),
        }
        stand_in
    }

    /// Inline keys over what a file (or ELBv2's defaults) gave.
    fn inline_target_group(&mut self, t: &TargetGroupTable, tg: &mut TargetGroupConfig) {
        if let Some(tt) = &t.target_type {
            match tt.get_ref().as_str() {
                "instance" => tg.target_type = TargetType::Instance,
                "ip" => tg.target_type = TargetType::Ip,
                other => self.error_at(
                    tt.span(),
                    format!("unknown target_type {other:?}"),
                    "use \"instance\" (bridge and host network modes) or \"ip\" (awsvpc)",
                ),
            }
        }
        let algorithm = t.algorithm.as_ref().and_then(|a| match rules::algorithm(a.get_ref()) {
            Some(algorithm) => Some((algorithm, a.span())),
            None => {
                let help = "use \"round_robin\", \"least_outstanding_requests\" or \"weighted_random\"";
                self.error_at(a.span(), format!("unknown algorithm {:?}", a.get_ref()), help);
                None
            }
        });
        let h = t.health_check.as_ref();
        let int = |v: Option<&Spanned<i64>>| v.map(|v| (*v.get_ref(), v.span()));
        fn text(v: Option<&Spanned<String>>) -> Option<(&str, Range<usize>)> {
            v.map(|v| (v.get_ref().as_str(), v.span()))
        }
        let draft = TargetGroupDraft {
            port: int(t.port.as_ref()),
            path: text(h.and_then(|h| h.path.as_ref())),
            interval: self.whole_secs(h.and_then(|h| h.interval.as_ref()), &rules::HEALTH_CHECK_INTERVAL),
            timeout: self.whole_secs(h.and_then(|h| h.timeout.as_ref()), &rules::HEALTH_CHECK_TIMEOUT),
            healthy_threshold: int(h.and_then(|h| h.healthy_threshold.as_ref())),
            unhealthy_threshold: int(h.and_then(|h| h.unhealthy_threshold.as_ref())),
            matcher: text(h.and_then(|h| h.matcher.as_ref())),
            deregistration_delay: self.whole_secs(t.deregistration_delay.as_ref(), &rules::DEREGISTRATION_DELAY),
            algorithm,
            slow_start: self.whole_secs(t.slow_start.as_ref(), &rules::SLOW_START),
            min_healthy_targets: int(t.min_healthy_targets.as_ref()),
        };
        draft.apply(self, tg);
        if let Some(i) = h.and_then(|h| h.initial.as_ref()) {
            match i.get_ref().as_str() {
                "one" => tg.health_check.initial_healthy_checks = InitialHealthyChecks::One,
                "threshold" => tg.health_check.initial_healthy_checks = InitialHealthyChecks::Threshold,
                other => self.error_at(
                    i.span(),
                    format!("unknown initial {other:?}"),
                    "use \"one\" (one passing check makes a new target healthy) or \"threshold\" (healthy_threshold checks; docs/ecs-model.md#choice-first-health-check)",
                ),
            }
        }
        if let Some(c) = t.cross_zone {
            tg.cross_zone = Some(c);
        }
    }

    fn build_load_balancer(
        &mut self,
        raw: &RawLoadBalancer,
        groups: &[TargetGroupConfig],
        cluster_zones: &[String],
    ) -> Option<LoadBalancerConfig> {
        let name = raw.name.get_ref().clone();
        if let Some(problem) = name_problem(&name) {
            self.error_at(raw.name.span(), format!("load balancer name {problem}"), "rename the load balancer");
        }
        let zones = match &raw.zones {
            Some(zs) => {
                for (i, z) in zs.iter().enumerate() {
                    if !cluster_zones.is_empty() && !cluster_zones.contains(z.get_ref()) {
                        self.error_at(
                            z.span(),
                            format!("zone {:?} is not one of the cluster's zones", z.get_ref()),
                            format!("use some of {cluster_zones:?}, or leave zones out to use them all"),
                        );
                    } else if zs[..i].iter().any(|o| o.get_ref() == z.get_ref()) {
                        self.error_at(z.span(), format!("zone {:?} is listed twice", z.get_ref()), "list each zone once");
                    }
                }
                zs.iter().map(|z| z.get_ref().clone()).collect()
            }
            None => cluster_zones.to_vec(),
        };
        let idle_s = self.whole_secs(raw.idle_timeout.as_ref(), &rules::IDLE_TIMEOUT);
        let idle_s = rules::checked(self, idle_s.as_ref(), &rules::IDLE_TIMEOUT).unwrap_or(rules::DEFAULT_IDLE_TIMEOUT_S as i64);
        let idle_timeout = Span::from_secs(idle_s as u64);
        let mut listeners: Vec<ListenerConfig> = Vec::new();
        for l in &raw.listeners {
            let Some((listener, port_span)) = self.build_listener(l, groups) else { continue };
            if listeners.iter().any(|o| o.port == listener.port) {
                self.error_at(
                    port_span,
                    format!("load balancer {name:?} has two listeners on port {}", listener.port),
                    "a load balancer has one listener per port: merge their rules into one listener",
                );
                continue;
            }
            listeners.push(listener);
        }
        Some(LoadBalancerConfig { name, zones, idle_timeout, listeners })
    }

    /// One listener and the span of its port (for "two listeners on port …").
    fn build_listener(&mut self, raw: &Spanned<RawListener>, groups: &[TargetGroupConfig]) -> Option<(ListenerConfig, Range<usize>)> {
        let l = raw.get_ref();
        let port = match &l.port {
            Some(p) => Some(self.elb_int(p, &rules::LISTENER_PORT)? as u16),
            None => None,
        };
        let port_span = l.port.as_ref().map(Spanned::span).or_else(|| l.file.as_ref().map(Spanned::span)).unwrap_or_else(|| raw.span());
        let from_file = match &l.file {
            Some(file) => Some(self.listener_from_file(file, port, groups)?),
            None => None,
        };
        let Some(port) = port.or(from_file.as_ref().map(|f| f.port)) else {
            self.error_at(raw.span(), "a listener without a port", "add port = 80 (or file = \"...\" with the listener)");
            return None;
        };
        let protocol = match &l.protocol {
            Some(p) => match p.get_ref().as_str() {
                "HTTP" => ListenerProtocol::Http,
                "HTTPS" => ListenerProtocol::Https,
                other => {
                    self.error_at(
                        p.span(),
                        format!("unknown protocol {other:?}"),
                        "an Application Load Balancer listens on \"HTTP\" or \"HTTPS\"",
                    );
                    ListenerProtocol::Http
                }
            },
            None => from_file.as_ref().map_or(ListenerProtocol::Http, |f| f.protocol),
        };
        let mut file_rules = elbv2_json::ListenerRules::default();
        if let Some(rf) = &l.rules_file {
            if let Some((p, text)) = self.read_file(rf) {
                match elbv2_json::load_rules(&p, &text, groups) {
                    Ok((r, w)) => {
                        self.diags.extend(w);
                        file_rules = r;
                    }
                    Err(e) => self.diags.extend(e),
                }
            }
        }
        let mut rules = file_rules.rules;
        let from_rules_file = rules.len();
        let mut seen: Vec<u32> = Vec::new();
        for r in &l.rules {
            let priority = *r.get_ref().priority.get_ref();
            let Ok(p) = u32::try_from(priority) else {
                self.build_listener_rule(r, groups);
                continue;
            };
            if seen.contains(&p) {
                self.error_at(
                    r.get_ref().priority.span(),
                    format!("overlapping priorities: two rules of the listener on port {port} have priority {p}"),
                    "give each rule of a listener its own priority (1–50000; lower is evaluated first)",
                );
            } else if rules[..from_rules_file].iter().any(|o| o.priority == p) {
                let file = l.rules_file.as_ref().map_or("", |f| f.get_ref().as_str());
                self.error_at(
                    r.get_ref().priority.span(),
                    format!("overlapping priorities: priority {p} is also a rule of {file}"),
                    "give each rule of a listener its own priority (1–50000; lower is evaluated first)",
                );
            }
            seen.push(p);
            if let Some(rule) = self.build_listener_rule(r, groups) {
                rules.push(rule);
            }
        }
        rules.sort_by_key(|r| r.priority);
        let default_action = match &l.default_action {
            Some(a) => self.build_rule_action(a, groups),
            None => match from_file.map(|f| f.default_action).or(file_rules.default_action) {
                Some(a) => Some(a),
                None => {
                    self.error_at(
                        raw.span(),
                        format!("the listener on port {port} has no default action"),
                        "add default_action = { forward = \"<target group>\" } (or { fixed_response = 404 }), or a file/rules_file that has one",
                    );
                    None
                }
            },
        };
        Some((ListenerConfig { port, protocol, rules, default_action: default_action? }, port_span))
    }

    /// The listener on `port` (or the only one) of a describe-listeners / create-listener file.
    fn listener_from_file(&mut self, file: &Spanned<String>, port: Option<u16>, groups: &[TargetGroupConfig]) -> Option<ListenerConfig> {
        let (p, text) = self.read_file(file)?;
        let list = match elbv2_json::load_listeners(&p, &text, groups) {
            Ok((list, w)) => {
                self.diags.extend(w);
                list
            }
            Err(e) => {
                self.diags.extend(e);
                return None;
            }
        };
        let ports: Vec<u16> = list.iter().map(|l| l.port).collect();
        let found = match port {
            Some(port) => list.into_iter().find(|l| l.port == port),
            None if list.len() == 1 => list.into_iter().next(),
            None => None,
        };
        if found.is_none() {
            let (message, help) = match port {
                Some(port) => {
                    (format!("{} has no listener on port {port}", file.get_ref()), format!("its listeners are on ports {ports:?}"))
                }
                None => (format!("{} holds {} listeners", file.get_ref(), ports.len()), format!("add port = one of {ports:?}")),
            };
            self.error_at(file.span(), message, help);
        }
        found
    }

    fn build_listener_rule(&mut self, raw: &Spanned<RawRule>, groups: &[TargetGroupConfig]) -> Option<RuleConfig> {
        let r = raw.get_ref();
        let priority = self.elb_int(&r.priority, &rules::PRIORITY);
        let mut conditions = Vec::new();
        let mut spans: Vec<Range<usize>> = Vec::new();
        let lists = [
            (&r.host_header, Condition::HostHeader as MakeCondition),
            (&r.path_pattern, Condition::PathPattern),
            (&r.http_request_method, Condition::HttpRequestMethod),
            (&r.source_ip, Condition::SourceIp),
        ];
        for (value, make) in lists {
            if let Some(v) = value {
                conditions.push(make(v.get_ref().clone()));
                spans.push(v.span());
            }
        }
        if let Some(q) = &r.query_string {
            conditions.push(Condition::QueryString(q.get_ref().iter().map(|p| (p.key.clone(), p.value.clone())).collect()));
            spans.push(q.span());
        }
        if let Some(h) = &r.http_header {
            for header in &h.get_ref().0 {
                conditions.push(Condition::HttpHeader { name: header.name.clone(), values: header.values.clone() });
                spans.push(h.span());
            }
        }
        // In the order they are written, so "the condition that takes the rule past the limit"
        // reads from the top.
        let mut order: Vec<usize> = (0..conditions.len()).collect();
        order.sort_by_key(|&i| spans[i].start);
        let conditions: Vec<Condition> = order.iter().map(|&i| conditions[i].clone()).collect();
        let spans: Vec<Range<usize>> = order.iter().map(|&i| spans[i].clone()).collect();
        let ok = rules::conditions_ok(self, &conditions, &spans, &r.priority.span());
        let action = self.build_rule_action(&r.action, groups);
        if !ok {
            return None;
        }
        Some(RuleConfig { priority: priority? as u32, conditions, action: action? })
    }

    fn build_rule_action(&mut self, raw: &Spanned<RawRuleAction>, groups: &[TargetGroupConfig]) -> Option<RuleAction> {
        let a = raw.get_ref();
        let given = usize::from(a.forward.is_some()) + usize::from(a.fixed_response.is_some()) + usize::from(a.redirect.is_some());
        if given != 1 {
            let message = if given == 0 {
                "an action needs forward, fixed_response or redirect"
            } else {
                "an action has exactly one of forward, fixed_response and redirect"
            };
            self.error_at(raw.span(), message, ACTION_HELP);
            return None;
        }
        if let Some(code) = &a.fixed_response {
            return match fixed_response_problem(*code.get_ref()) {
                Some(m) => {
                    self.error_at(code.span(), m, "e.g. fixed_response = 404 or 503");
                    None
                }
                None => Some(RuleAction::FixedResponse { status_code: *code.get_ref() as u16 }),
            };
        }
        if let Some(code) = &a.redirect {
            return match *code.get_ref() {
                c @ (301 | 302) => Some(RuleAction::Redirect { status_code: c as u16 }),
                other => {
                    self.error_at(
                        code.span(),
                        format!("a redirect with status {other}"),
                        "ELBv2 redirects with 301 (permanent) or 302 (found)",
                    );
                    None
                }
            };
        }
        let f = a.forward.as_ref()?;
        let items: Vec<ForwardItem<Range<usize>>> = match f.get_ref() {
            RawForward::One(name) => vec![ForwardItem { target_group: (name, f.span()), weight: None }],
            RawForward::Weighted(list) => list
                .iter()
                .map(|w| ForwardItem {
                    target_group: (w.get_ref().target_group.get_ref(), w.get_ref().target_group.span()),
                    weight: w.get_ref().weight.as_ref().map(|n| (*n.get_ref(), n.span())),
                })
                .collect(),
        };
        rules::forward(self, &f.span(), &items, groups)
    }

    /// A duration as whole seconds for a [`TargetGroupDraft`]; a fraction of a second is an error
    /// here (the draft's rules see only whole seconds).
    fn whole_secs(&mut self, v: Option<&Spanned<Span>>, limit: &Limit) -> Option<(i64, Range<usize>)> {
        let v = v?;
        limit.whole_secs(limit.what, *v.get_ref()).map(|n| (n, v.span())).map_err(|(m, help)| self.error_at(v.span(), m, help)).ok()
    }

    /// An integer within `limit`, or a located error.
    fn elb_int(&mut self, v: &Spanned<i64>, limit: &Limit) -> Option<i64> {
        rules::checked(self, Some(&(*v.get_ref(), v.span())), limit)
    }
}

/// The scenario names a value as ELBv2's rules do, and locates it by its span.
impl Report for Cx<'_> {
    type At = Range<usize>;
    fn name_of(&self, _: &Range<usize>, what: &str) -> String {
        what.to_string()
    }
    fn report(&mut self, at: &Range<usize>, message: String, help: String) {
        self.error_at(at.clone(), message, help);
    }
}
