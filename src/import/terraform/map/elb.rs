//! Application Load Balancers: `aws_lb_target_group` (`aws_alb_target_group`), `aws_lb`
//! (`aws_alb`) with its `aws_lb_listener`s and their `aws_lb_listener_rule`s (the
//! `condition` blocks of the AWS provider 3+ and the `field`/`values` form of 0.11-era
//! configurations). Network and Gateway Load Balancers are not modelled.

use super::{seconds, Mapper};
use crate::import::draft::Table;
use crate::import::terraform::instances::{Body, ResInst};

pub(super) const TG_TYPES: &[&str] = &["aws_lb_target_group", "aws_alb_target_group"];
const LB_TYPES: &[&str] = &["aws_lb", "aws_alb"];
const LISTENER_TYPES: &[&str] = &["aws_lb_listener", "aws_alb_listener"];
const RULE_TYPES: &[&str] = &["aws_lb_listener_rule", "aws_alb_listener_rule"];

impl Mapper<'_> {
    pub(super) fn target_groups(&mut self) {
        for r in self.of(TG_TYPES) {
            let b = &r.body;
            let protocol = self.text(r, b, "protocol").unwrap_or_else(|| "HTTP".into());
            if !matches!(protocol.as_str(), "HTTP" | "HTTPS") {
                let at = b.get("protocol").map_or(b.at, |a| a.at);
                self.warn(at, format!("not modelled: {}: a {protocol} target group (a Network Load Balancer's): left out", r.addr));
                self.names.remove(&r.addr);
                continue;
            }
            let (_, mut t) = self.named_table(r);
            match self.text(r, b, "target_type").as_deref() {
                Some(ty @ ("instance" | "ip")) => {
                    t.set("target_type", ty);
                }
                Some(other) => {
                    let at = b.get("target_type").map_or(b.at, |a| a.at);
                    self.warn(at, format!("not modelled: {}: targets of type {other}: left out", r.addr));
                    self.names.remove(&r.addr);
                    continue;
                }
                None => {}
            }
            if let Some(p) = self.int(r, b, "port") {
                t.set("port", p);
            }
            if let Some(n) = self.int(r, b, "deregistration_delay") {
                t.set("deregistration_delay", seconds(n));
            }
            if let Some(n) = self.int(r, b, "slow_start") {
                t.set("slow_start", seconds(n));
            }
            if let Some(a) = self.text(r, b, "load_balancing_algorithm_type") {
                t.set("algorithm", a);
            }
            if let Some(hc) = b.block("health_check") {
                if self.boolean(r, hc, "enabled") == Some(false) {
                    let at = hc.at;
                    self.warn(at, format!("not modelled: {}: health checks turned off (ecsim's target groups always check)", r.addr));
                }
                let mut h: Vec<(&str, toml::Value)> = Vec::new();
                if let Some(p) = self.text(r, hc, "path") {
                    h.push(("path", p.into()));
                }
                for (tf, key) in [("interval", "interval"), ("timeout", "timeout")] {
                    if let Some(n) = self.int(r, hc, tf) {
                        h.push((key, seconds(n).into()));
                    }
                }
                for k in ["healthy_threshold", "unhealthy_threshold"] {
                    if let Some(n) = self.int(r, hc, k) {
                        h.push((k, n.into()));
                    }
                }
                if let Some(m) = self.text(r, hc, "matcher") {
                    h.push(("matcher", m.into()));
                }
                if !h.is_empty() {
                    t.set("health_check", toml::Value::Table(h.into_iter().map(|(k, v)| (k.to_string(), v)).collect()));
                }
            }
            self.draft.push("target_groups", t);
            self.unread(
                r,
                &[
                    "name",
                    "protocol",
                    "target_type",
                    "port",
                    "deregistration_delay",
                    "slow_start",
                    "load_balancing_algorithm_type",
                    "health_check",
                ],
            );
        }
    }

    pub(super) fn load_balancers(&mut self) {
        for r in self.of(LB_TYPES) {
            let b = &r.body;
            if let Some(ty) = self.text(r, b, "load_balancer_type").filter(|t| t != "application") {
                let at = b.get("load_balancer_type").map_or(b.at, |a| a.at);
                self.warn(
                    at,
                    format!("not modelled: {}: a {ty} load balancer (ecsim models Application Load Balancers): left out", r.addr),
                );
                continue;
            }
            let (_, mut t) = self.named_table(r);
            if let Some(n) = self.int(r, b, "idle_timeout") {
                t.set("idle_timeout", seconds(n));
            }
            for l in self.of(LISTENER_TYPES) {
                let on_this = l.body.get("load_balancer_arn").and_then(|a| self.target_addr(&a.value, LB_TYPES));
                if on_this.as_deref() == Some(r.addr.as_str()) {
                    if let Some(listener) = self.listener(l) {
                        t.push_child("listeners", listener);
                    }
                }
            }
            self.draft.push("load_balancers", t);
            self.unread(r, &["name", "load_balancer_type", "idle_timeout"]);
        }
        for l in self.of(LISTENER_TYPES) {
            let on = l.body.get("load_balancer_arn").and_then(|a| self.target_addr(&a.value, LB_TYPES));
            if on.is_none() {
                let at = l.body.get("load_balancer_arn").map_or(l.body.at, |a| a.at);
                self.warn(at, format!("{}: its load balancer is not one of the configuration's: left out", l.addr));
            }
        }
    }

    fn listener(&mut self, l: &ResInst) -> Option<Table> {
        let b = &l.body;
        let mut t = Table::new();
        t.comment(format!("From {}.", l.addr));
        let protocol = self.text(l, b, "protocol");
        if let Some(p) = &protocol {
            if !matches!(p.as_str(), "HTTP" | "HTTPS") {
                let at = b.get("protocol").map_or(b.at, |a| a.at);
                self.warn(at, format!("not modelled: {}: a {p} listener: left out", l.addr));
                return None;
            }
            t.set("protocol", p.as_str());
        }
        match self.int(l, b, "port") {
            Some(p) => t.set("port", p),
            None => {
                let p = if protocol.as_deref() == Some("HTTPS") { 443 } else { 80 };
                let c = self.assume(b.get("port").map_or(b.at, |a| a.at), format!("{}: the port is not known: {p}", l.addr));
                t.note("port", p, c)
            }
        };
        let actions: Vec<&Body> = b.blocks("default_action").collect();
        let Some(action) = self.action(l, &actions) else {
            let at = b.at;
            self.warn(at, format!("{}: no default action ecsim can follow: the listener is left out", l.addr));
            return None;
        };
        t.set("default_action", action);
        for rule in self.of(RULE_TYPES) {
            let on = rule.body.get("listener_arn").and_then(|a| self.target_addr(&a.value, LISTENER_TYPES));
            if on.as_deref() == Some(l.addr.as_str()) {
                if let Some(rt) = self.rule(rule) {
                    t.push_child("rules", rt);
                }
            }
        }
        self.unread(l, &["load_balancer_arn", "port", "protocol", "default_action"]);
        Some(t)
    }

    /// The terminal action of `default_action` / `action` blocks (authentication actions
    /// before it are skipped with a warning).
    fn action(&mut self, r: &ResInst, blocks: &[&Body]) -> Option<toml::Value> {
        let mut out = None;
        for a in blocks {
            let ty = self.text(r, a, "type").unwrap_or_default();
            let one = |k: &str, v: toml::Value| Some(toml::Value::Table([(k.to_string(), v)].into_iter().collect()));
            match ty.as_str() {
                "forward" => {
                    if let Some(tg) = a.get("target_group_arn").map(|x| x.value.clone()) {
                        match self.target(&tg, TG_TYPES) {
                            Some(n) => out = one("forward", n.into()),
                            None => {
                                let at = a.get("target_group_arn").map_or(a.at, |x| x.at);
                                self.warn(at, format!("{}: the target group is not one of the configuration's", r.addr));
                            }
                        }
                    } else if let Some(f) = a.block("forward") {
                        let mut split = Vec::new();
                        for g in f.blocks("target_group") {
                            let Some(n) = g.get("arn").and_then(|x| self.target(&x.value, TG_TYPES)) else { continue };
                            let w = self.int(r, g, "weight").unwrap_or(1);
                            split.push(toml::Value::Table(
                                [("target_group".to_string(), n.into()), ("weight".to_string(), w.into())].into_iter().collect(),
                            ));
                        }
                        if !split.is_empty() {
                            out = one("forward", split.into());
                        }
                    }
                }
                "fixed-response" => {
                    let code = a.block("fixed_response").and_then(|f| self.int(r, f, "status_code")).unwrap_or(200);
                    out = one("fixed_response", code.into());
                }
                "redirect" => {
                    let code = a.block("redirect").and_then(|f| self.text(r, f, "status_code")).unwrap_or_else(|| "HTTP_301".into());
                    let code: i64 = if code.ends_with("302") { 302 } else { 301 };
                    out = one("redirect", code.into());
                }
                other => {
                    let at = a.at;
                    self.warn(at, format!("not modelled: {}: the {other} action (skipped; the terminal action is followed)", r.addr));
                }
            }
        }
        out
    }

    fn rule(&mut self, r: &ResInst) -> Option<Table> {
        let b = &r.body;
        let mut t = Table::new();
        t.comment(format!("From {}.", r.addr));
        match self.int(r, b, "priority") {
            Some(p) => t.set("priority", p),
            None => {
                let c = self.assume(b.at, format!("{}: no priority (Terraform gives the next free one): 50000", r.addr));
                t.note("priority", 50000, c)
            }
        };
        let mut lists: std::collections::BTreeMap<&str, Vec<toml::Value>> = std::collections::BTreeMap::new();
        for c in b.blocks("condition") {
            // 0.11-era: condition { field = "path-pattern", values = [...] }
            if let Some(field) = self.text(r, c, "field") {
                let values = self.strings(r, c, "values").unwrap_or_default();
                let key = match field.as_str() {
                    "path-pattern" => "path_pattern",
                    "host-header" => "host_header",
                    other => {
                        let at = c.at;
                        self.warn(at, format!("not modelled: {}: a {other} condition", r.addr));
                        continue;
                    }
                };
                lists.entry(key).or_default().extend(values.into_iter().map(toml::Value::from));
                continue;
            }
            for key in ["path_pattern", "host_header", "http_request_method", "source_ip"] {
                if let Some(cb) = c.block(key) {
                    let values = self.strings(r, cb, "values").unwrap_or_default();
                    lists.entry(key).or_default().extend(values.into_iter().map(toml::Value::from));
                }
            }
            for q in c.blocks("query_string") {
                let mut pair = toml::Table::new();
                if let Some(k) = self.text(r, q, "key") {
                    pair.insert("key".into(), k.into());
                }
                if let Some(v) = self.text(r, q, "value") {
                    pair.insert("value".into(), v.into());
                }
                lists.entry("query_string").or_default().push(toml::Value::Table(pair));
            }
            if let Some(h) = c.block("http_header") {
                let mut header = toml::Table::new();
                if let Some(n) = self.text(r, h, "http_header_name") {
                    header.insert("name".into(), n.into());
                }
                header.insert("values".into(), self.strings(r, h, "values").unwrap_or_default().into());
                lists.entry("http_header").or_default().push(toml::Value::Table(header));
            }
        }
        if lists.is_empty() {
            let at = b.at;
            self.warn(at, format!("{}: no condition ecsim can evaluate: the rule is left out", r.addr));
            return None;
        }
        for (k, v) in lists {
            t.set(k, v);
        }
        let actions: Vec<&Body> = b.blocks("action").collect();
        let Some(action) = self.action(r, &actions) else {
            let at = b.at;
            self.warn(at, format!("{}: no action ecsim can follow: the rule is left out", r.addr));
            return None;
        };
        t.set("action", action);
        self.unread(r, &["listener_arn", "priority", "condition", "action"]);
        Some(t)
    }
}
