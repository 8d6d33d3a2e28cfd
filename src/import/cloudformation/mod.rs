//! CloudFormation templates (YAML or JSON, CDK-synthesized ones included) as a scenario.
//!
//! The templates given together are read as one import: a parameter without a value takes
//! the Output of the same name of another template (as the parent stack that nests them would
//! pass it), `Fn::ImportValue` finds its `Export` in any of them, and a nested stack
//! (`AWS::CloudFormation::Stack` whose `TemplateURL` is a local file) is read as a template of
//! its own with the parameters its parent passes. [`lang`] resolves the template language;
//! [`ecs`], [`capacity`], [`elbv2`] and [`scaling`] map resources onto the scenario's tables;
//! every other resource type is one "not modelled" warning (plumbing such as IAM, logs, VPC
//! networking quietly). See
//! [Template anatomy](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html).

pub mod capacity;
pub mod ecs;
pub mod elbv2;
pub mod lang;
pub mod scaling;
pub mod subnets;
#[cfg(test)]
mod tests;

use super::draft::{Draft, Table};
use super::{yaml, Input, Options};
use crate::model::diagnostic::Diagnostics;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use yaml::Node;

/// How deeply stacks may nest (a template nesting itself is refused at once).
pub const MAX_NESTING: usize = 5;
/// The most stacks an import holds, nested ones included (a template nesting another many
/// times at every level would otherwise multiply without bound).
pub const MAX_STACKS: usize = 200;
/// The largest nested template read (CloudFormation's own limit is 1 MB in S3).
pub const MAX_TEMPLATE_BYTES: u64 = 10 * 1024 * 1024;

/// One template of the import.
pub struct Stack {
    pub path: PathBuf,
    /// `AWS::StackName`: the file stem, or `<parent>-<logical id>` for a nested stack.
    pub name: String,
    pub root: Rc<Node>,
    /// Parameter values the parent stack passes: (the parent, the unresolved value).
    pub given: BTreeMap<String, (usize, Node)>,
    pub parent: Option<usize>,
    /// The `AWS::CloudFormation::Stack` resource of the parent that nests it.
    pub logical_id: String,
}

/// The import in progress: the templates, what was resolved, and the warnings.
pub struct Cx<'a> {
    pub stacks: Vec<Stack>,
    pub options: &'a Options,
    pub diags: &'a mut Diagnostics,
    /// Assumptions made while resolving, in order: the mappings turn the new ones into the
    /// comment of the table they fill ([`Cx::take_assumed`]).
    pub assumed: Vec<String>,
    warned: BTreeSet<String>,
    params: BTreeMap<(usize, String), (Option<Node>, Vec<String>)>,
    conditions: BTreeMap<(usize, String), bool>,
    /// What is being resolved (parameters, conditions, outputs, names): a second visit is a loop.
    busy: BTreeSet<(String, usize, String)>,
    names: BTreeMap<(usize, String), String>,
    depth: usize,
    too_deep: bool,
    /// How many templates have a resource of each logical id (unique ones name themselves).
    logical_ids: BTreeMap<String, usize>,
    /// Subnet ID → zone, for the subnets ecsim had to place in a zone or learnt the zone of.
    pub subnet_zones: BTreeMap<String, String>,
    /// Zones the stack's subnets are in.
    pub zones: BTreeSet<String>,
}

/// Imports every template of `inputs` (and the nested stacks they name) into `draft`.
pub fn import(inputs: &[Input], draft: &mut Draft, diags: &mut Diagnostics, options: &Options) {
    let mut stacks = Vec::new();
    for input in inputs {
        match yaml::parse(&input.path, &input.text) {
            Ok(root) => {
                let stem = input.path.file_stem().and_then(|s| s.to_str()).unwrap_or("stack");
                stacks.push(Stack {
                    path: input.path.clone(),
                    name: sanitize(stem),
                    root: Rc::new(root),
                    given: BTreeMap::new(),
                    parent: None,
                    logical_id: String::new(),
                });
            }
            Err(d) => diags.push(d),
        }
    }
    let mut cx = Cx::new(stacks, options, diags);
    cx.load_nested();
    cx.count_logical_ids();
    cx.check_resources();
    ecs::clusters(&mut cx, draft);
    capacity::groups(&mut cx, draft);
    ecs::capacity_providers(&mut cx, draft);
    ecs::task_definitions(&mut cx, draft);
    elbv2::target_groups(&mut cx, draft);
    elbv2::load_balancers(&mut cx, draft);
    ecs::services(&mut cx, draft);
    scaling::alarms(&mut cx, draft);
    scaling::scaling(&mut cx, draft);
    cx.not_modelled();
    capacity::ensure_instances(&mut cx, draft);
    if !cx.zones.is_empty() && draft.cluster.get("zones").is_none() {
        let zones: Vec<String> = cx.zones.iter().cloned().collect();
        draft.cluster.note("zones", zones, "the zones of the stack's subnets");
    }
}

impl<'a> Cx<'a> {
    pub fn new(stacks: Vec<Stack>, options: &'a Options, diags: &'a mut Diagnostics) -> Cx<'a> {
        Cx {
            stacks,
            options,
            diags,
            assumed: Vec::new(),
            warned: BTreeSet::new(),
            params: BTreeMap::new(),
            conditions: BTreeMap::new(),
            busy: BTreeSet::new(),
            names: BTreeMap::new(),
            depth: 0,
            too_deep: false,
            logical_ids: BTreeMap::new(),
            subnet_zones: BTreeMap::new(),
            zones: BTreeSet::new(),
        }
    }

    pub fn path(&self, s: usize) -> PathBuf {
        self.stacks[s].path.clone()
    }

    pub fn warn(&mut self, s: usize, at: &Node, message: impl Into<String>) {
        let d = at.diagnostic(&self.stacks[s].path, false, message);
        self.diags.push(d);
    }

    pub fn error(&mut self, s: usize, at: &Node, message: impl Into<String>) {
        let d = at.diagnostic(&self.stacks[s].path, true, message);
        self.diags.push(d);
    }

    /// Records a value ecsim assumed: a warning at the value (once per place and message) and
    /// a line for the comment of the table it ends up in.
    pub fn assume(&mut self, s: usize, at: &Node, message: String) {
        let key = format!("{}:{}:{}:{message}", self.stacks[s].path.display(), at.at.line, at.at.column);
        if self.warned.insert(key) {
            self.warn(s, at, format!("assumed: {message}"));
        }
        self.assumed.push(message);
    }

    /// As [`Cx::assume`], warning only at the first place of the template (`AWS::Region` is
    /// the same assumption wherever it is used).
    pub fn assume_once(&mut self, s: usize, at: &Node, message: String) {
        let key = format!("{}:{message}", self.stacks[s].path.display());
        if self.warned.insert(key) {
            self.warn(s, at, format!("assumed: {message} (here and wherever the template uses it)"));
        }
        self.assumed.push(message);
    }

    /// The assumptions made since `mark`, as one comment (`None` when there were none).
    pub fn take_assumed(&mut self, mark: usize) -> Option<String> {
        let mut lines: Vec<String> = Vec::new();
        for a in self.assumed.drain(mark.min(self.assumed.len())..) {
            if !lines.contains(&a) {
                lines.push(a);
            }
        }
        (!lines.is_empty()).then(|| format!("assumed: {}", lines.join("; ")))
    }

    pub fn resource(&self, s: usize, id: &str) -> Option<Node> {
        self.stacks[s].root.get("Resources").and_then(|r| r.get(id)).cloned()
    }

    /// The resources of type `kind` in every template whose `Condition` holds: (stack, logical id, resource).
    pub fn each(&mut self, kind: &str) -> Vec<(usize, String, Node)> {
        let mut out = Vec::new();
        for s in 0..self.stacks.len() {
            let root = self.stacks[s].root.clone();
            for (id, res) in root.get("Resources").and_then(Node::as_map).unwrap_or_default() {
                if res.get("Type").and_then(Node::as_str) == Some(kind) && self.active(s, res) {
                    out.push((s, id.clone(), res.clone()));
                }
            }
        }
        out
    }

    /// Whether a resource's `Condition` (if any) holds.
    pub fn active(&mut self, s: usize, res: &Node) -> bool {
        match res.get("Condition") {
            Some(c) => {
                let name = c.scalar_text().unwrap_or_default();
                self.condition(s, c, &name)
            }
            None => true,
        }
    }

    /// Property `key` of a resource, resolved.
    pub fn prop(&mut self, s: usize, res: &Node, key: &str) -> Option<Node> {
        let node = res.get("Properties").and_then(|p| p.get(key))?.clone();
        self.resolve(s, &node)
    }

    pub fn prop_text(&mut self, s: usize, res: &Node, key: &str) -> Option<String> {
        self.prop(s, res, key).and_then(|n| n.scalar_text())
    }

    /// A whole-number property (written as a number or a string); a value that is not one is a warning.
    pub fn prop_int(&mut self, s: usize, res: &Node, key: &str) -> Option<i64> {
        let v = self.prop(s, res, key)?;
        let n = v.as_i64();
        if n.is_none() {
            self.warn(s, &v, format!("{key} is not a whole number; it is ignored"));
        }
        n
    }

    /// Where a property is written (for warnings about it), else the resource.
    pub fn at_prop(&self, res: &Node, key: &str) -> Node {
        res.get("Properties").and_then(|p| p.get(key)).unwrap_or(res).clone()
    }

    /// The value `Ref` gives for a resource, which is also the name its table has in the
    /// scenario: its name property (`ClusterName`, `Family`, `Name`, …) or a name made from
    /// its logical id. Subnets give `subnet-<zone>` when their `AvailabilityZone` is known,
    /// scaling policies `policy:<name>` (what an alarm's actions name), listeners and rules an ARN.
    pub fn ref_value(&mut self, s: usize, id: &str) -> String {
        let key = (s, id.to_string());
        if let Some(n) = self.names.get(&key) {
            return n.clone();
        }
        let Some(res) = self.resource(s, id) else { return id.to_string() };
        if !self.busy.insert(("name".into(), s, id.to_string())) {
            return id.to_string();
        }
        let kind = res.get("Type").and_then(Node::as_str).unwrap_or("").to_string();
        let given = match name_property(&kind) {
            Some(p) => self.prop_text(s, &res, p),
            None => None,
        };
        let value = match kind.as_str() {
            "AWS::EC2::Subnet" => match self.prop_text(s, &res, "AvailabilityZone") {
                Some(zone) => {
                    let subnet = lang::subnet_of_zone(&zone);
                    self.subnet_zones.insert(subnet.clone(), zone);
                    subnet
                }
                None => format!("subnet-{}", id.to_ascii_lowercase()),
            },
            "AWS::ApplicationAutoScaling::ScalingPolicy" => format!("policy:{}", given.unwrap_or_else(|| self.default_name(s, id, 255))),
            "AWS::ElasticLoadBalancingV2::Listener"
            | "AWS::ElasticLoadBalancingV2::ListenerRule"
            | "AWS::ApplicationAutoScaling::ScalableTarget" => {
                format!(
                    "arn:aws:{}:{}:{}:{}/{}/{id}",
                    kind.to_ascii_lowercase().replace("aws::", "").replace("::", "-"),
                    lang::REGION,
                    lang::ACCOUNT,
                    self.stacks[s].name,
                    id
                )
            }
            "AWS::ECS::CapacityProvider" => given.unwrap_or_else(|| {
                // CreateCapacityProvider refuses names starting with aws, ecs or fargate.
                let name = self.default_name(s, id, 250);
                let lower = name.to_ascii_lowercase();
                match ["aws", "ecs", "fargate"].iter().any(|p| lower.starts_with(p)) {
                    true => format!("cp-{name}"),
                    false => name,
                }
            }),
            _ => given.unwrap_or_else(|| self.default_name(s, id, max_name_len(&kind))),
        };
        self.busy.remove(&("name".into(), s, id.to_string()));
        self.names.insert(key, value.clone());
        value
    }

    /// A name from a logical id: the id alone when no other template has one like it, else
    /// `<stack>-<id>` (as CloudFormation prefixes physical names with the stack's), within `max`.
    fn default_name(&self, s: usize, id: &str, max: usize) -> String {
        let id = sanitize(id);
        if self.logical_ids.get(&id).copied().unwrap_or(0) <= 1 {
            return id.chars().take(max).collect();
        }
        let room = max.saturating_sub(id.len() + 1);
        let prefix: String = self.stacks[s].name.chars().take(room).collect();
        let prefix = prefix.trim_end_matches('-');
        match prefix.is_empty() {
            true => id.chars().take(max).collect(),
            false => format!("{prefix}-{id}"),
        }
    }

    /// The resource of type `kind` (in any template) whose `Ref` value is `value`, or whose
    /// name ends an ARN `value` (`…:targetgroup/web/0123…`).
    pub fn find(&mut self, kind: &str, value: &str) -> Option<(usize, String, Node)> {
        let all = self.each(kind);
        for (s, id, res) in &all {
            if self.ref_value(*s, id) == value {
                return Some((*s, id.clone(), res.clone()));
            }
        }
        let tail = value.rsplit(':').next().unwrap_or(value);
        let parts: Vec<&str> = tail.split('/').collect();
        for (s, id, res) in all {
            let name = self.ref_value(s, &id);
            if parts.len() >= 2 && parts.contains(&name.as_str()) {
                return Some((s, id, res));
            }
        }
        None
    }

    /// Reads the nested stacks whose `TemplateURL` is a local file, depth first, each once per
    /// parent and never one of its own ancestors.
    fn load_nested(&mut self) {
        let mut i = 0;
        while i < self.stacks.len() {
            for (_, id, res) in self.each("AWS::CloudFormation::Stack").into_iter().filter(|(s, _, _)| *s == i) {
                self.load_one(i, &id, &res);
            }
            i += 1;
        }
    }

    fn load_one(&mut self, parent: usize, id: &str, res: &Node) {
        let at = self.at_prop(res, "TemplateURL");
        let Some(url) = self.prop_text(parent, res, "TemplateURL") else {
            self.warn(parent, res, format!("not modelled: nested stack {id} has no TemplateURL ecsim can read"));
            return;
        };
        if url.contains("://") {
            self.warn(parent, &at, format!("not modelled: nested stack {id}: its template is at {url}, not a local file (give the template as a file of the import)"));
            return;
        }
        let base = self.stacks[parent].path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let path = base.join(&url);
        let mut ancestors = Vec::new();
        let mut p = Some(parent);
        while let Some(a) = p {
            ancestors.push(self.stacks[a].path.clone());
            p = self.stacks[a].parent;
        }
        if ancestors.iter().any(|a| same_file(a, &path)) {
            self.error(parent, &at, format!("nested stack {id} nests {url}, which is one of the templates that nest it: a loop"));
            return;
        }
        if self.stacks.len() >= MAX_STACKS {
            self.error(parent, &at, format!("nested stack {id}: the import already holds {MAX_STACKS} stacks; ecsim reads no more"));
            return;
        }
        if ancestors.len() > MAX_NESTING {
            self.error(parent, &at, format!("nested stack {id}: stacks nest deeper than {MAX_NESTING} levels"));
            return;
        }
        // A regular file of template size only: never a device or a FIFO that would never end.
        let size = std::fs::metadata(&path).ok().filter(|m| m.is_file()).map(|m| m.len());
        if size.is_none_or(|n| n > MAX_TEMPLATE_BYTES) {
            self.error(
                parent,
                &at,
                format!("nested stack {id}: {} is not a template file ecsim can read (a regular file of at most 10 MB)", path.display()),
            );
            return;
        }
        let text = match crate::model::diagnostic::read_text(&path) {
            Ok(t) => t,
            Err(_) => {
                self.error(parent, &at, format!("nested stack {id}: cannot read its template {}", path.display()));
                return;
            }
        };
        let root = match yaml::parse(&path, &text) {
            Ok(r) => r,
            Err(d) => {
                self.diags.push(d);
                return;
            }
        };
        let given = res
            .get("Properties")
            .and_then(|p| p.get("Parameters"))
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|(k, v)| (k.clone(), (parent, v.clone())))
            .collect();
        let name = format!("{}-{}", self.stacks[parent].name, sanitize(id));
        self.stacks.push(Stack { path, name, root: Rc::new(root), given, parent: Some(parent), logical_id: id.to_string() });
    }

    fn count_logical_ids(&mut self) {
        for stack in &self.stacks {
            for (id, _) in stack.root.get("Resources").and_then(Node::as_map).unwrap_or_default() {
                *self.logical_ids.entry(sanitize(id)).or_default() += 1;
            }
        }
    }

    /// A template's `Resources` must be a mapping of resources with a `Type`.
    fn check_resources(&mut self) {
        for s in 0..self.stacks.len() {
            let root = self.stacks[s].root.clone();
            match root.get("Resources") {
                Some(r) if r.as_map().is_some() => {
                    for (id, res) in r.as_map().unwrap_or_default() {
                        if res.get("Type").and_then(Node::as_str).is_none() {
                            self.error(s, res, format!("resource {id} has no Type"));
                        }
                    }
                }
                Some(r) => self.error(s, r, "Resources must be a mapping of logical ids to resources"),
                None => self.error(s, &root, "the template has no Resources"),
            }
        }
    }

    /// One warning per resource type ecsim does not model, at its first resource, with the count.
    fn not_modelled(&mut self) {
        let mut by_type: BTreeMap<String, (usize, usize, Node)> = BTreeMap::new();
        for s in 0..self.stacks.len() {
            let root = self.stacks[s].root.clone();
            for (_, res) in root.get("Resources").and_then(Node::as_map).unwrap_or_default() {
                let Some(kind) = res.get("Type").and_then(Node::as_str) else { continue };
                if MAPPED.contains(&kind) || PLUMBING.contains(&kind) {
                    continue;
                }
                by_type.entry(kind.to_string()).or_insert_with(|| (s, 0, res.clone())).1 += 1;
            }
        }
        for (kind, (s, count, at)) in by_type {
            let times = if count > 1 { format!(" ×{count}") } else { String::new() };
            self.warn(s, &at, format!("not modelled: {kind}{times}"));
        }
    }
}

/// The resource types a mapping reads.
pub const MAPPED: &[&str] = &[
    "AWS::ECS::Cluster",
    "AWS::ECS::TaskDefinition",
    "AWS::ECS::Service",
    "AWS::ECS::CapacityProvider",
    "AWS::ECS::ClusterCapacityProviderAssociations",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::AutoScaling::LaunchConfiguration",
    "AWS::EC2::LaunchTemplate",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudFormation::Stack",
    "AWS::EC2::Subnet",
];

/// Plumbing: permissions, logs, networking and metadata that change nothing ecsim models, left
/// out without a warning.
pub const PLUMBING: &[&str] = &[
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::InstanceProfile",
    "AWS::Logs::LogGroup",
    "AWS::EC2::VPC",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::EIP",
    "AWS::EC2::NatGateway",
    "AWS::CDK::Metadata",
    "AWS::SSM::Parameter",
];

/// The property naming a resource of each type.
fn name_property(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "AWS::ECS::Cluster" => "ClusterName",
        "AWS::ECS::Service" => "ServiceName",
        "AWS::ECS::TaskDefinition" => "Family",
        "AWS::ECS::CapacityProvider" => "Name",
        "AWS::ElasticLoadBalancingV2::TargetGroup" | "AWS::ElasticLoadBalancingV2::LoadBalancer" => "Name",
        "AWS::AutoScaling::AutoScalingGroup" => "AutoScalingGroupName",
        "AWS::AutoScaling::LaunchConfiguration" => "LaunchConfigurationName",
        "AWS::EC2::LaunchTemplate" => "LaunchTemplateName",
        "AWS::CloudWatch::Alarm" => "AlarmName",
        "AWS::ApplicationAutoScaling::ScalingPolicy" => "PolicyName",
        _ => return None,
    })
}

/// The longest name AWS allows for a type (32 for load balancers and target groups).
fn max_name_len(kind: &str) -> usize {
    match kind {
        "AWS::ElasticLoadBalancingV2::TargetGroup" | "AWS::ElasticLoadBalancingV2::LoadBalancer" => 32,
        _ => 255,
    }
}

/// Letters, digits and hyphens (what every name of the scenario accepts), no hyphen at either end.
pub fn sanitize(s: &str) -> String {
    let out: String = s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "stack".to_string()
    } else {
        out
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Sets `key` on `table`, with the assumptions made since `mark` as its comment.
pub fn set_noted(cx: &mut Cx, table: &mut Table, key: &str, value: impl Into<toml::Value>, mark: usize) {
    match cx.take_assumed(mark) {
        Some(c) => table.note(key, value, c),
        None => table.set(key, value),
    };
}

impl Cx<'_> {
    /// One "not modelled" warning per property of `res` that is neither read (`read`) nor
    /// known to change nothing ecsim models (`quiet`).
    pub fn unread(&mut self, s: usize, res: &Node, kind: &str, read: &[&str], quiet: &[&str]) {
        let props = res.get("Properties").and_then(Node::as_map).unwrap_or_default().to_vec();
        for (key, value) in props {
            if !read.contains(&key.as_str()) && !quiet.contains(&key.as_str()) {
                self.warn(s, &value, format!("not modelled: {kind} property {key}"));
            }
        }
    }

    /// A comment naming where a table came from.
    pub fn origin(&self, s: usize, id: &str, res: &Node) -> String {
        format!("From {} ({id}, line {}).", self.stacks[s].path.display(), res.at.line)
    }
}
