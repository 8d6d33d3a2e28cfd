//! Application Load Balancers: `AWS::ElasticLoadBalancingV2::TargetGroup` →
//! `[[target_groups]]`; `LoadBalancer` with its `Listener`s and their `ListenerRule`s →
//! `[[load_balancers]]`, `[[load_balancers.listeners]]`, `[[load_balancers.listeners.rules]]`.
//! Network and Gateway Load Balancers (and their TCP/UDP target groups) are warnings. See
//! [AWS::ElasticLoadBalancingV2::ListenerRule](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancingv2-listenerrule.html).

use super::{set_noted, Cx};
use crate::import::draft::{Draft, Table};
use crate::import::yaml::Node;

pub fn target_groups(cx: &mut Cx, draft: &mut Draft) {
    for (s, id, res) in cx.each("AWS::ElasticLoadBalancingV2::TargetGroup") {
        let mark = cx.assumed.len();
        let name = cx.ref_value(s, &id);
        let protocol = cx.prop_text(s, &res, "Protocol").unwrap_or_else(|| "HTTP".into());
        let kind = cx.prop_text(s, &res, "TargetType").unwrap_or_else(|| "instance".into());
        if !matches!(protocol.as_str(), "HTTP" | "HTTPS") || !matches!(kind.as_str(), "instance" | "ip") {
            cx.warn(s, &res, format!("not modelled: target group {id} ({protocol}, target type {kind}); ecsim models HTTP/HTTPS target groups of instances or IPs"));
            continue;
        }
        let mut t = Table::new();
        t.comment(cx.origin(s, &id, &res));
        t.set("name", name.as_str());
        if kind == "ip" {
            t.set("target_type", "ip");
        }
        if let Some(p) = cx.prop_int(s, &res, "Port") {
            t.set("port", p);
        }
        let mut hc = toml::Table::new();
        if let Some(p) = cx.prop_text(s, &res, "HealthCheckPath") {
            hc.insert("path".into(), p.into());
        }
        for (from, to) in [("HealthCheckIntervalSeconds", "interval"), ("HealthCheckTimeoutSeconds", "timeout")] {
            if let Some(n) = cx.prop_int(s, &res, from) {
                hc.insert(to.into(), format!("{n}s").into());
            }
        }
        for (from, to) in [("HealthyThresholdCount", "healthy_threshold"), ("UnhealthyThresholdCount", "unhealthy_threshold")] {
            if let Some(n) = cx.prop_int(s, &res, from) {
                hc.insert(to.into(), n.into());
            }
        }
        if let Some(code) = cx.prop(s, &res, "Matcher").and_then(|m| m.get("HttpCode").and_then(Node::scalar_text)) {
            hc.insert("matcher".into(), code.into());
        }
        if !hc.is_empty() {
            t.set("health_check", toml::Value::Table(hc));
        }
        if let Some(port) = cx.prop_text(s, &res, "HealthCheckPort") {
            if port != "traffic-port" {
                let at = cx.at_prop(&res, "HealthCheckPort");
                cx.warn(s, &at, format!("not modelled: health checks on port {port}; ecsim checks the traffic port"));
            }
        }
        for attr in cx.prop(s, &res, "TargetGroupAttributes").and_then(|a| a.as_seq().map(<[Node]>::to_vec)).unwrap_or_default() {
            let key = attr.get("Key").and_then(Node::scalar_text).unwrap_or_default();
            let value = attr.get("Value").and_then(Node::scalar_text).unwrap_or_default();
            match key.as_str() {
                "deregistration_delay.timeout_seconds" => {
                    t.set("deregistration_delay", format!("{value}s"));
                }
                "slow_start.duration_seconds" => {
                    t.set("slow_start", format!("{value}s"));
                }
                "load_balancing.algorithm.type" => {
                    t.set("algorithm", value);
                }
                "load_balancing.cross_zone.enabled" if value == "true" || value == "false" => {
                    t.set("cross_zone", value == "true");
                }
                "load_balancing.cross_zone.enabled" | "stickiness.enabled" if value != "true" => {}
                _ => cx.warn(s, &attr, format!("not modelled: target group attribute {key}")),
            }
        }
        if let Some(c) = cx.take_assumed(mark) {
            t.comment(c);
        }
        cx.unread(
            s,
            &res,
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            &[
                "Name",
                "Protocol",
                "TargetType",
                "Port",
                "HealthCheckPath",
                "HealthCheckIntervalSeconds",
                "HealthCheckTimeoutSeconds",
                "HealthyThresholdCount",
                "UnhealthyThresholdCount",
                "Matcher",
                "HealthCheckPort",
                "TargetGroupAttributes",
            ],
            &["VpcId", "Tags", "HealthCheckProtocol", "HealthCheckEnabled", "ProtocolVersion", "IpAddressType", "Targets"],
        );
        draft.push("target_groups", t);
    }
}

pub fn load_balancers(cx: &mut Cx, draft: &mut Draft) {
    let listeners = cx.each("AWS::ElasticLoadBalancingV2::Listener");
    let rules = cx.each("AWS::ElasticLoadBalancingV2::ListenerRule");
    // What found its place, so that a listener or rule whose parent is not in the import is
    // a warning rather than silently dropped.
    let mut placed: Vec<(usize, String)> = Vec::new();
    for (s, id, res) in cx.each("AWS::ElasticLoadBalancingV2::LoadBalancer") {
        let mark = cx.assumed.len();
        let name = cx.ref_value(s, &id);
        let kind = cx.prop_text(s, &res, "Type").unwrap_or_else(|| "application".into());
        if kind != "application" {
            cx.warn(
                s,
                &res,
                format!("not modelled: load balancer {id} is a {kind} load balancer; ecsim models Application Load Balancers"),
            );
            continue;
        }
        let mut t = Table::new();
        t.comment(cx.origin(s, &id, &res));
        t.set("name", name.as_str());
        if let Some(subnets) = cx.prop(s, &res, "Subnets") {
            let m = cx.assumed.len();
            let zones = cx.zones_of(s, &subnets);
            if !zones.is_empty() {
                set_noted(cx, &mut t, "zones", zones, m);
            }
        }
        for attr in cx.prop(s, &res, "LoadBalancerAttributes").and_then(|a| a.as_seq().map(<[Node]>::to_vec)).unwrap_or_default() {
            let key = attr.get("Key").and_then(Node::scalar_text).unwrap_or_default();
            let value = attr.get("Value").and_then(Node::scalar_text).unwrap_or_default();
            match key.as_str() {
                "idle_timeout.timeout_seconds" => {
                    t.set("idle_timeout", format!("{value}s"));
                }
                k if k.starts_with("access_logs") || k.starts_with("deletion_protection") || k.starts_with("routing.http") => {}
                _ => cx.warn(s, &attr, format!("not modelled: load balancer attribute {key}")),
            }
        }
        for (ls, lid, lres) in &listeners {
            let arn = cx.prop_text(*ls, lres, "LoadBalancerArn").unwrap_or_default();
            if cx.find("AWS::ElasticLoadBalancingV2::LoadBalancer", &arn).is_none_or(|(fs, fid, _)| fs != s || fid != id) {
                continue;
            }
            placed.push((*ls, lid.clone()));
            if let Some(mut listener) = listener(cx, draft, *ls, lid, lres) {
                for (rs, rid, rres) in &rules {
                    let of = cx.prop_text(*rs, rres, "ListenerArn").unwrap_or_default();
                    if cx.find("AWS::ElasticLoadBalancingV2::Listener", &of).is_some_and(|(fs, fid, _)| fs == *ls && fid == *lid) {
                        placed.push((*rs, rid.clone()));
                        if let Some(rule) = rule(cx, draft, *rs, rid, rres) {
                            listener.push_child("rules", rule);
                        }
                    }
                }
                t.push_child("listeners", listener);
            }
        }
        if let Some(c) = cx.take_assumed(mark) {
            t.comment(c);
        }
        cx.unread(
            s,
            &res,
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            &["Name", "Type", "Subnets", "LoadBalancerAttributes"],
            &["Scheme", "SecurityGroups", "Tags", "IpAddressType", "SubnetMappings"],
        );
        draft.push("load_balancers", t);
    }
    for (s, id, res) in listeners.iter().chain(&rules) {
        if !placed.contains(&(*s, id.clone())) {
            let parent = if res.get("Type").and_then(Node::as_str) == Some("AWS::ElasticLoadBalancingV2::Listener") {
                "load balancer"
            } else {
                "listener"
            };
            cx.warn(*s, res, format!("not modelled: {id}: its {parent} is not in the import (give its template too); it is left out"));
        }
    }
}

fn listener(cx: &mut Cx, draft: &Draft, s: usize, id: &str, res: &Node) -> Option<Table> {
    let protocol = cx.prop_text(s, res, "Protocol").unwrap_or_else(|| "HTTP".into());
    if protocol != "HTTP" && protocol != "HTTPS" {
        cx.warn(s, res, format!("not modelled: listener {id} ({protocol}); ecsim models HTTP and HTTPS listeners"));
        return None;
    }
    let mut t = Table::new();
    t.comment(cx.origin(s, id, res));
    let port = cx.prop_int(s, res, "Port").unwrap_or(if protocol == "HTTPS" { 443 } else { 80 });
    t.set("port", port).set("protocol", protocol);
    let actions = cx.prop(s, res, "DefaultActions")?;
    let action = action(cx, draft, s, &actions)?;
    t.set("default_action", action);
    cx.unread(
        s,
        res,
        "AWS::ElasticLoadBalancingV2::Listener",
        &["LoadBalancerArn", "Port", "Protocol", "DefaultActions"],
        &["Certificates", "SslPolicy", "AlpnPolicy"],
    );
    Some(t)
}

fn rule(cx: &mut Cx, draft: &Draft, s: usize, id: &str, res: &Node) -> Option<Table> {
    let mut t = Table::new();
    t.comment(cx.origin(s, id, res));
    t.set("priority", cx.prop_int(s, res, "Priority")?);
    for c in cx.prop(s, res, "Conditions").and_then(|c| c.as_seq().map(<[Node]>::to_vec)).unwrap_or_default() {
        let field = c.get("Field").and_then(Node::scalar_text).unwrap_or_default();
        let texts = |n: Option<&Node>| -> Vec<String> {
            n.and_then(Node::as_seq).unwrap_or_default().iter().filter_map(Node::scalar_text).collect()
        };
        let config = |name: &str| c.get(name).and_then(|v| v.get("Values"));
        match field.as_str() {
            "path-pattern" => {
                let mut v = texts(c.get("Values"));
                v.extend(texts(config("PathPatternConfig")));
                t.set("path_pattern", v);
            }
            "host-header" => {
                let mut v = texts(c.get("Values"));
                v.extend(texts(config("HostHeaderConfig")));
                t.set("host_header", v);
            }
            "http-request-method" => {
                t.set("http_request_method", texts(config("HttpRequestMethodConfig")));
            }
            "source-ip" => {
                t.set("source_ip", texts(config("SourceIpConfig")));
            }
            "query-string" => {
                let pairs: Vec<toml::Value> = config("QueryStringConfig")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .map(|p| {
                        let mut q = toml::Table::new();
                        if let Some(k) = p.get("Key").and_then(Node::scalar_text) {
                            q.insert("key".into(), k.into());
                        }
                        q.insert("value".into(), p.get("Value").and_then(Node::scalar_text).unwrap_or_default().into());
                        toml::Value::Table(q)
                    })
                    .collect();
                t.set("query_string", pairs);
            }
            "http-header" => {
                let h = c.get("HttpHeaderConfig");
                let mut q = toml::Table::new();
                q.insert("name".into(), h.and_then(|h| h.get("HttpHeaderName")).and_then(Node::scalar_text).unwrap_or_default().into());
                q.insert("values".into(), texts(h.and_then(|h| h.get("Values"))).into());
                t.set("http_header", toml::Value::Table(q));
            }
            other => cx.warn(s, &c, format!("not modelled: rule condition {other}")),
        }
    }
    let actions = cx.prop(s, res, "Actions")?;
    t.set("action", action(cx, draft, s, &actions)?);
    cx.unread(s, res, "AWS::ElasticLoadBalancingV2::ListenerRule", &["ListenerArn", "Priority", "Conditions", "Actions"], &[]);
    Some(t)
}

/// The terminal action of an ELBv2 action list (the one performed last), as the scenario's
/// action table; authentication actions before it are warnings.
fn action(cx: &mut Cx, draft: &Draft, s: usize, actions: &Node) -> Option<toml::Value> {
    let mut list: Vec<Node> = actions.as_seq().unwrap_or_default().to_vec();
    list.sort_by_key(|a| a.get("Order").and_then(Node::as_i64).unwrap_or(i64::MAX));
    let last = list.last()?.clone();
    for a in &list[..list.len() - 1] {
        let kind = a.get("Type").and_then(Node::scalar_text).unwrap_or_default();
        cx.warn(s, a, format!("not modelled: the {kind} action; requests go on to the next action"));
    }
    let kind = last.get("Type").and_then(Node::scalar_text).unwrap_or_default();
    let mut t = toml::Table::new();
    let target = |cx: &mut Cx, arn: &str, at: &Node| -> Option<String> {
        match cx.find("AWS::ElasticLoadBalancingV2::TargetGroup", arn) {
            Some((ts, tid, _)) if draft.has("target_groups", &cx.ref_value(ts, &tid)) => Some(cx.ref_value(ts, &tid)),
            _ => {
                cx.warn(s, at, format!("not modelled: target group {arn} is not in the import; the action is left out"));
                None
            }
        }
    };
    match kind.as_str() {
        "forward" => {
            let groups = last.get("ForwardConfig").and_then(|f| f.get("TargetGroups")).and_then(Node::as_seq).unwrap_or_default().to_vec();
            if groups.is_empty() {
                let arn = last.get("TargetGroupArn").and_then(Node::scalar_text).unwrap_or_default();
                t.insert("forward".into(), target(cx, &arn, &last)?.into());
            } else {
                let mut split = Vec::new();
                for g in groups {
                    let arn = g.get("TargetGroupArn").and_then(Node::scalar_text).unwrap_or_default();
                    let mut e = toml::Table::new();
                    e.insert("target_group".into(), target(cx, &arn, &g)?.into());
                    if let Some(w) = g.get("Weight").and_then(Node::as_i64) {
                        e.insert("weight".into(), w.into());
                    }
                    split.push(toml::Value::Table(e));
                }
                t.insert("forward".into(), split.into());
            }
        }
        "fixed-response" => {
            let code = last.get("FixedResponseConfig").and_then(|f| f.get("StatusCode")).and_then(Node::as_i64).unwrap_or(200);
            t.insert("fixed_response".into(), code.into());
        }
        "redirect" => {
            let code = last.get("RedirectConfig").and_then(|f| f.get("StatusCode")).and_then(Node::scalar_text).unwrap_or_default();
            t.insert("redirect".into(), (if code == "HTTP_302" { 302 } else { 301 }).into());
        }
        other => {
            cx.warn(s, &last, format!("not modelled: the {other} action"));
            return None;
        }
    }
    Some(toml::Value::Table(t))
}
