//! Terraform resource instances (evaluated from `.tf` files, or read from `terraform show
//! -json`) mapped onto the scenario: the cluster and its capacity ([`ecs`]), load balancers
//! ([`elb`]), Service Auto Scaling and alarms ([`scaling`]). Each resource gets the name the
//! scenario knows it by first, so that a reference (`aws_lb_target_group.web.arn`, a value known
//! only after apply) becomes that name wherever it is used. Every value read that is not known
//! is a located warning and an assumption with a comment; every argument ecsim does not model is
//! a located "not modelled" warning, and so is every resource type it does not map.

mod ecs;
mod elb;
mod scaling;
mod services;

use super::instances::{Attr, Body, ResInst};
use super::module::File;
use super::value::{Loc, Value};
use crate::import::draft::{Draft, Table};
use crate::model::diagnostic::Diagnostics;
use std::collections::BTreeMap;

/// The resource types mapped onto the scenario, and the argument each is named by.
const NAMED: &[(&str, &str)] = &[
    ("aws_ecs_cluster", "name"),
    ("aws_ecs_task_definition", "family"),
    ("aws_ecs_service", "name"),
    ("aws_ecs_capacity_provider", "name"),
    ("aws_autoscaling_group", "name"),
    ("aws_launch_template", "name"),
    ("aws_launch_configuration", "name"),
    ("aws_lb", "name"),
    ("aws_alb", "name"),
    ("aws_lb_target_group", "name"),
    ("aws_alb_target_group", "name"),
    ("aws_lb_listener", "port"),
    ("aws_alb_listener", "port"),
    ("aws_appautoscaling_policy", "name"),
    ("aws_cloudwatch_metric_alarm", "alarm_name"),
];

/// Types read for what they say about others (not entries of their own).
const READ_ONLY: &[&str] = &[
    "aws_ecs_cluster_capacity_providers",
    "aws_lb_listener_rule",
    "aws_alb_listener_rule",
    "aws_appautoscaling_target",
    "aws_appautoscaling_scheduled_action",
];

/// Arguments that change nothing a simulation can show (identity, permissions, networking
/// ecsim does not model, tags): read silently.
const QUIET: &[&str] = &[
    // attributes Terraform computes (a state lists them)
    "arn",
    "id",
    "arn_suffix",
    "revision",
    "dns_name",
    "zone_id",
    "latest_version",
    "default_version",
    "owner_id",
    "tags",
    "tags_all",
    "description",
    "name_prefix",
    "vpc_id",
    "security_groups",
    "security_group_ids",
    "vpc_security_group_ids",
    "iam_instance_profile",
    "execution_role_arn",
    "task_role_arn",
    "iam_role",
    "image_id",
    "key_name",
    "user_data",
    "user_data_base64",
    "propagate_tags",
    "enable_ecs_managed_tags",
    "force_new_deployment",
    "wait_for_steady_state",
    "cluster",
    "internal",
    "subnets",
    "subnet_mapping",
    "ip_address_type",
    "enable_deletion_protection",
    "access_logs",
    "drop_invalid_header_fields",
    "certificate_arn",
    "ssl_policy",
    "service_namespace",
    "scalable_dimension",
    "role_arn",
    "resource_id",
    "alarm_description",
    "monitoring",
    "metadata_options",
    "tag",
    "tag_specifications",
    "associate_public_ip_address",
    "enable_http2",
    "skip_destroy",
    "track_latest",
    "protocol_version",
    "enable_execute_command",
];

/// Whether ecsim maps resources of this type (or reads them for others).
pub fn is_mapped(rtype: &str) -> bool {
    NAMED.iter().any(|(t, _)| *t == rtype) || READ_ONLY.contains(&rtype)
}

pub struct Mapper<'a> {
    pub files: &'a [File],
    pub res: &'a [ResInst],
    /// Resource instance address → the name the scenario gives it.
    pub names: BTreeMap<String, String>,
    pub draft: &'a mut Draft,
    pub diags: &'a mut Diagnostics,
}

/// Maps the resource instances onto `draft`.
pub fn map(res: &[ResInst], files: &[File], draft: &mut Draft, diags: &mut Diagnostics) {
    let mut m = Mapper { files, res, names: BTreeMap::new(), draft, diags };
    m.name_everything();
    m.cluster();
    m.auto_scaling_groups();
    m.capacity_providers();
    m.task_definitions();
    m.target_groups();
    m.load_balancers();
    m.services();
    m.scaling();
    m.alarms();
    m.default_instances();
    m.unmapped_types();
}

impl<'a> Mapper<'a> {
    pub fn warn(&mut self, at: Loc, msg: impl Into<String>) {
        self.diags.push(super::diagnostic(self.files, at, false, msg));
    }

    /// Warns `assumed: msg` at `at` and returns the comment for the scenario.
    pub fn assume(&mut self, at: Loc, msg: impl Into<String>) -> String {
        let msg = format!("assumed: {}", msg.into());
        self.warn(at, msg.clone());
        msg
    }

    pub fn of(&self, types: &[&str]) -> Vec<&'a ResInst> {
        let res: &'a [ResInst] = self.res;
        res.iter().filter(|r| types.contains(&r.rtype.as_str())).collect()
    }

    /// A known value of `key`, or `None` (a warning when it is set but not known before apply).
    pub fn value<'b>(&mut self, r: &ResInst, b: &'b Body, key: &str) -> Option<&'b Value> {
        let a = b.get(key)?;
        if let Some(u) = a.value.first_unknown() {
            let what = u.what.clone();
            self.warn(a.at, format!("{}: `{key}` is not known before apply ({what}): left out", r.addr));
            return None;
        }
        Some(&a.value)
    }

    pub fn text(&mut self, r: &ResInst, b: &Body, key: &str) -> Option<String> {
        let at = b.get(key)?.at;
        let v = self.value(r, b, key)?;
        match v.to_text() {
            Some(t) => Some(t),
            None => {
                let ty = v.type_name();
                self.warn(at, format!("{}: `{key}` should be a string, not a {ty}: left out", r.addr));
                None
            }
        }
    }

    pub fn int(&mut self, r: &ResInst, b: &Body, key: &str) -> Option<i64> {
        let at = b.get(key)?.at;
        let v = self.value(r, b, key)?;
        match v.as_f64() {
            Some(f) => Some(f.round() as i64),
            None => {
                self.warn(at, format!("{}: `{key}` should be a number: left out", r.addr));
                None
            }
        }
    }

    pub fn float(&mut self, r: &ResInst, b: &Body, key: &str) -> Option<f64> {
        let at = b.get(key)?.at;
        let v = self.value(r, b, key)?;
        match v.as_f64() {
            Some(f) => Some(f),
            None => {
                self.warn(at, format!("{}: `{key}` should be a number: left out", r.addr));
                None
            }
        }
    }

    pub fn boolean(&mut self, r: &ResInst, b: &Body, key: &str) -> Option<bool> {
        self.value(r, b, key)?.as_bool()
    }

    /// A list of known strings (unknown members are left out with a warning).
    pub fn strings(&mut self, r: &ResInst, b: &Body, key: &str) -> Option<Vec<String>> {
        let a: &Attr = b.get(key)?;
        let items: Vec<Value> = match &a.value {
            Value::List(l) => l.clone(),
            Value::Unknown(u) => {
                let what = u.what.clone();
                self.warn(a.at, format!("{}: `{key}` is not known before apply ({what}): left out", r.addr));
                return None;
            }
            other => vec![other.clone()],
        };
        let mut out = Vec::new();
        for v in items {
            match v.to_text() {
                Some(t) => out.push(t),
                None => {
                    let what = super::eval::describe(&v);
                    self.warn(a.at, format!("{}: an element of `{key}` is not known before apply ({what}): left out", r.addr));
                }
            }
        }
        Some(out)
    }

    /// The scenario name of the resource `v` refers to, among `types`: through the reference
    /// (an unknown ARN or ID), or a name, ARN or ID written literally.
    pub fn target(&self, v: &Value, types: &[&str]) -> Option<String> {
        self.target_addr(v, types).and_then(|a| self.names.get(&a).cloned())
    }

    /// The address of the resource `v` refers to, among `types`.
    pub fn target_addr(&self, v: &Value, types: &[&str]) -> Option<String> {
        let mut refs = Vec::new();
        v.refs(&mut refs);
        for addr in &refs {
            if let Some(r) = self.res.iter().find(|r| &r.addr == addr && types.contains(&r.rtype.as_str())) {
                return Some(r.addr.clone());
            }
        }
        let s = v.as_str()?;
        for r in self.res.iter().filter(|r| types.contains(&r.rtype.as_str())) {
            let Some(name) = self.names.get(&r.addr) else { continue };
            let matches = |k: &str| r.body.get(k).and_then(|a| a.value.as_str()) == Some(s);
            if name == s || matches("arn") || matches("id") || matches("arn_suffix") || arn_names(s, name) {
                return Some(r.addr.clone());
            }
        }
        None
    }

    /// Names every mapped resource: its naming argument when known, else its Terraform name
    /// (with a warning), made unique.
    fn name_everything(&mut self) {
        let res: &'a [ResInst] = self.res;
        for r in res {
            let Some((_, key)) = NAMED.iter().find(|(t, _)| *t == r.rtype) else { continue };
            let mut name = match r.body.get(key).map(|a| &a.value) {
                Some(Value::Unknown(_)) | None => None,
                Some(v) => v.to_text(),
            };
            if name.is_none() && key == &"name" {
                if let Some(p) = r.body.get("name_prefix").and_then(|a| a.value.as_str()) {
                    name = Some(format!("{p}{}", r.name));
                }
            }
            let mut name = sanitize(&name.unwrap_or_else(|| r.name.clone()), &r.rtype);
            let base = name.clone();
            let mut n = 2;
            while self.names.iter().any(|(a, v)| v == &name && self.rtype_of(a) == kind(&r.rtype)) {
                name = format!("{base}-{n}");
                n += 1;
            }
            self.names.insert(r.addr.clone(), name);
        }
    }

    fn rtype_of(&self, addr: &str) -> &'static str {
        self.res.iter().find(|r| r.addr == addr).map_or("", |r| kind(&r.rtype))
    }

    /// The name given to a resource, with a comment when it was assumed (the naming argument
    /// not known before apply).
    /// A scenario table for the resource `r`, commented with where it came from, with its
    /// `name` (and the assumption behind it, when its name is not known before apply).
    pub fn named_table(&mut self, r: &ResInst) -> (String, Table) {
        let (name, comment) = self.name(r);
        let mut t = Table::new();
        t.comment(format!("From {}.", r.addr));
        match comment {
            Some(c) => t.note("name", name.as_str(), c),
            None => t.set("name", name.as_str()),
        };
        (name, t)
    }

    pub fn name(&mut self, r: &ResInst) -> (String, Option<String>) {
        let name = self.names.get(&r.addr).cloned().unwrap_or_else(|| r.name.clone());
        let key = NAMED.iter().find(|(t, _)| *t == r.rtype).map_or("name", |(_, k)| *k);
        let comment = match r.body.get(key) {
            Some(a) if a.value.first_unknown().is_some() => {
                let what = super::eval::describe(&a.value);
                Some(self.assume(a.at, format!("{} is named {name:?}: its `{key}` is not known before apply ({what})", r.addr)))
            }
            _ => None,
        };
        (name, comment)
    }

    /// One "not modelled" warning naming the arguments and blocks of `r` that ecsim does not
    /// read (`read` are those it does).
    pub fn unread(&mut self, r: &ResInst, read: &[&str]) {
        let mut left: Vec<&str> = r
            .body
            .attrs
            .iter()
            .filter(|(k, a)| !is_default(&a.value) && !read.contains(&k.as_str()) && !QUIET.contains(&k.as_str()))
            .map(|(k, _)| k.as_str())
            .collect();
        for (b, _) in &r.body.blocks {
            if !read.contains(&b.as_str()) && !QUIET.contains(&b.as_str()) && !left.contains(&b.as_str()) {
                left.push(b);
            }
        }
        if !left.is_empty() {
            let at = r.body.at;
            self.warn(at, format!("not modelled: {}: {}", r.addr, left.join(", ")));
        }
    }

    /// One warning per resource type ecsim does not map.
    fn unmapped_types(&mut self) {
        let mut counts: BTreeMap<&str, (usize, Loc)> = BTreeMap::new();
        for r in self.res {
            let t = r.rtype.as_str();
            if NAMED.iter().any(|(n, _)| *n == t) || READ_ONLY.contains(&t) {
                continue;
            }
            counts.entry(t).or_insert((0, r.body.at)).0 += 1;
        }
        for (t, (n, at)) in counts {
            let msg = match n {
                1 => format!("not modelled: {t}"),
                n => format!("not modelled: {t} ×{n}"),
            };
            self.warn(at, msg);
        }
    }
}

/// A value that turns nothing on: unset, `false` or 0 (a state lists every argument, most at
/// these defaults).
fn is_default(v: &Value) -> bool {
    super::instances::is_unset(v) || matches!(v, Value::Bool(false)) || v.as_f64() == Some(0.0) && matches!(v, Value::Number(_))
}

/// What a name must be unique among (target groups and load balancers have their own names).
fn kind(rtype: &str) -> &'static str {
    match rtype {
        "aws_lb" | "aws_alb" => "lb",
        "aws_lb_target_group" | "aws_alb_target_group" => "tg",
        "aws_ecs_task_definition" => "td",
        "aws_ecs_service" => "svc",
        "aws_autoscaling_group" => "asg",
        "aws_ecs_capacity_provider" => "cp",
        "aws_appautoscaling_policy" => "policy",
        "aws_cloudwatch_metric_alarm" => "alarm",
        "aws_lb_listener" | "aws_alb_listener" => "listener",
        "aws_launch_template" | "aws_launch_configuration" => "lt",
        _ => "cluster",
    }
}

/// A name the scenario accepts: target groups and load balancers take 1–32 letters, digits and
/// hyphens; the Terraform name of a counted instance (`web[0]`) becomes `web-0`.
fn sanitize(name: &str, rtype: &str) -> String {
    let mut s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    if matches!(kind(rtype), "lb" | "tg") {
        s = s.replace('_', "-");
        s.truncate(32);
        s = s.trim_matches('-').to_string();
    }
    let s = s.trim_end_matches('-').to_string();
    match s.is_empty() {
        true => "unnamed".into(),
        false => s,
    }
}

/// Whether `s` is an ARN of an Elastic Load Balancing resource named `name`
/// (`…:targetgroup/web/0123…`, `…:loadbalancer/app/web/…`).
fn arn_names(s: &str, name: &str) -> bool {
    s.starts_with("arn:") && (s.contains(&format!("targetgroup/{name}/")) || s.contains(&format!("/app/{name}/")))
}

/// `{ a = 1 }` as a TOML inline table.
fn table(pairs: Vec<(&str, toml::Value)>) -> toml::Value {
    toml::Value::Table(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Seconds as a scenario duration.
pub fn seconds(s: i64) -> String {
    format!("{s}s")
}
