//! The CloudFormation template language: parameters (with their defaults, `--parameter`
//! values, values a parent stack passes), pseudo parameters, `Mappings`, `Conditions` and the
//! intrinsic functions, in short form (`!Ref X`) and long form (`{"Ref": "X"}`).
//!
//! A value is resolved only when a resource mapping reads it, so a function inside a resource
//! ecsim does not model never costs a warning. `None` is `AWS::NoValue`: the member or item is
//! dropped. Every value assumed on the way (a pseudo parameter, a parameter without a value)
//! is a warning at the value in its template and a line of the scenario's comment
//! ([`Cx::assume`]). See
//! [Intrinsic function reference](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html).

use super::Cx;
use crate::import::yaml::{Node, Value};

/// How deeply functions and references may nest (a Ref to a parameter given by an Output
/// that Refs another parameter …): beyond this the template loops.
pub const MAX_DEPTH: usize = 64;

/// The region ecsim assumes for `AWS::Region`, `Fn::GetAZs` and ARNs.
pub const REGION: &str = "us-east-1";
/// The zones of [`REGION`] ecsim assumes where the stack does not name them.
pub const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];
/// The account ecsim assumes for `AWS::AccountId`.
pub const ACCOUNT: &str = "123456789012";

/// The intrinsic function a node calls, and its argument: `("Ref", X)`, `("Fn::Sub", X)`.
pub fn function(node: &Node) -> Option<(String, Node)> {
    if let Some(tag) = &node.tag {
        let name = match tag.as_str() {
            "Ref" | "Condition" => tag.clone(),
            t => format!("Fn::{t}"),
        };
        let mut arg = node.clone();
        arg.tag = None;
        return Some((name, arg));
    }
    match &node.value {
        Value::Map(m) if m.len() == 1 && (m[0].0 == "Ref" || m[0].0.starts_with("Fn::")) => Some((m[0].0.clone(), m[0].1.clone())),
        _ => None,
    }
}

/// A string node located at `at`.
pub fn text(at: &Node, s: impl Into<String>) -> Node {
    Node::new(at.at, Value::Str(s.into()))
}

fn seq(at: &Node, items: Vec<Node>) -> Node {
    Node::new(at.at, Value::Seq(items))
}

/// A zone's `subnet-<zone>` ID, the form ecsim gives the subnets it assumes.
pub fn subnet_of_zone(zone: &str) -> String {
    format!("subnet-{}", zone.chars().filter(char::is_ascii_alphanumeric).collect::<String>())
}

impl Cx<'_> {
    /// Resolves every function in `node`, in stack `s`. `None` is `AWS::NoValue`.
    pub fn resolve(&mut self, s: usize, node: &Node) -> Option<Node> {
        if self.depth >= MAX_DEPTH {
            if !self.too_deep {
                self.too_deep = true;
                self.error(
                    s,
                    node,
                    format!("functions and references nest deeper than {MAX_DEPTH} levels: the template refers to itself in a loop"),
                );
            }
            return Some(Node::new(node.at, Value::Null));
        }
        self.depth += 1;
        let out = self.resolve_inner(s, node);
        self.depth -= 1;
        out
    }

    fn resolve_inner(&mut self, s: usize, node: &Node) -> Option<Node> {
        if let Some((name, arg)) = function(node) {
            return self.call(s, node, &name, &arg);
        }
        let value = match &node.value {
            Value::Seq(items) => Value::Seq(items.iter().filter_map(|i| self.resolve(s, i)).collect()),
            Value::Map(members) => Value::Map(members.iter().filter_map(|(k, v)| self.resolve(s, v).map(|v| (k.clone(), v))).collect()),
            other => other.clone(),
        };
        Some(Node { at: node.at, tag: None, value })
    }

    /// A resolved scalar as text (`None` when it is not one, with a warning).
    pub fn resolve_text(&mut self, s: usize, node: &Node) -> Option<String> {
        let v = self.resolve(s, node)?;
        let t = v.scalar_text();
        if t.is_none() && v.value != Value::Null {
            self.warn(s, node, "expected a string here; the value is ignored");
        }
        t
    }

    fn call(&mut self, s: usize, at: &Node, name: &str, arg: &Node) -> Option<Node> {
        match name {
            "Ref" => {
                let target = self.resolve_text(s, arg)?;
                self.reference(s, at, &target)
            }
            "Fn::GetAtt" => self.get_att(s, at, arg),
            "Fn::Sub" => self.sub(s, at, arg).map(|t| text(at, t)),
            "Fn::Join" => {
                let args = self.args(s, at, arg, name, 2)?;
                let delimiter = args[0].scalar_text().unwrap_or_default();
                let parts: Vec<String> = args[1].as_seq().unwrap_or_default().iter().filter_map(Node::scalar_text).collect();
                Some(text(at, parts.join(&delimiter)))
            }
            "Fn::Select" => {
                let args = self.args(s, at, arg, name, 2)?;
                let list = args[1].as_seq().unwrap_or_default();
                match args[0].as_i64().and_then(|i| usize::try_from(i).ok()).and_then(|i| list.get(i)) {
                    Some(item) => Some(item.clone()),
                    None => {
                        self.error(
                            s,
                            at,
                            format!(
                                "Fn::Select: index {} is not within the list of {} item(s)",
                                args[0].scalar_text().unwrap_or_default(),
                                list.len()
                            ),
                        );
                        None
                    }
                }
            }
            "Fn::Split" => {
                let args = self.args(s, at, arg, name, 2)?;
                let delimiter = args[0].scalar_text().unwrap_or_default();
                let whole = args[1].scalar_text().unwrap_or_default();
                let parts = match delimiter.is_empty() {
                    true => vec![text(at, whole)],
                    false => whole.split(delimiter.as_str()).map(|p| text(at, p)).collect(),
                };
                Some(seq(at, parts))
            }
            "Fn::GetAZs" => {
                let region = self.resolve_text(s, arg).unwrap_or_default();
                let region = if region.is_empty() { REGION.to_string() } else { region };
                self.assume_once(s, at, format!("Fn::GetAZs is {}", ZONES.join(", ")));
                Some(seq(at, ZONES.iter().map(|z| text(at, z.replace(REGION, &region))).collect()))
            }
            "Fn::FindInMap" => self.find_in_map(s, at, arg),
            "Fn::ImportValue" => {
                let export = self.resolve_text(s, arg)?;
                self.import_value(s, at, &export)
            }
            "Fn::Base64" => self.resolve(s, arg),
            "Fn::If" => {
                let items = arg.as_seq().unwrap_or_default();
                if items.len() != 3 {
                    self.error(s, at, "Fn::If takes [condition name, value if true, value if false]");
                    return None;
                }
                let cond = items[0].scalar_text().unwrap_or_default();
                match self.condition(s, &items[0], &cond) {
                    true => self.resolve(s, &items[1]),
                    false => self.resolve(s, &items[2]),
                }
            }
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" | "Condition" => Some(Node::new(at.at, Value::Bool(self.truth(s, at)))),
            other => {
                self.warn(s, at, format!("not modelled: {other}; the value is left out"));
                None
            }
        }
    }

    /// The arguments of a function taking a list of `n`, each resolved.
    fn args(&mut self, s: usize, at: &Node, arg: &Node, name: &str, n: usize) -> Option<Vec<Node>> {
        let items = arg.as_seq().unwrap_or_default();
        if items.len() != n {
            self.error(s, at, format!("{name} takes a list of {n} arguments, not {}", items.len()));
            return None;
        }
        let resolved: Vec<Node> = items.iter().map(|i| self.resolve(s, i).unwrap_or_else(|| Node::new(i.at, Value::Null))).collect();
        Some(resolved)
    }

    /// `Ref`: a parameter, a pseudo parameter or a resource.
    pub fn reference(&mut self, s: usize, at: &Node, target: &str) -> Option<Node> {
        let assumed = |v: &str| format!("{target} is {v}");
        match target {
            "AWS::NoValue" => return None,
            "AWS::Region" => {
                self.assume_once(s, at, assumed(REGION));
                return Some(text(at, REGION));
            }
            "AWS::AccountId" => {
                self.assume_once(s, at, assumed(ACCOUNT));
                return Some(text(at, ACCOUNT));
            }
            "AWS::StackName" => {
                let name = self.stacks[s].name.clone();
                self.assume_once(s, at, format!("AWS::StackName is {name} (from the file name)"));
                return Some(text(at, name));
            }
            "AWS::StackId" => {
                let id = format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{}/id", self.stacks[s].name);
                return Some(text(at, id));
            }
            "AWS::Partition" => return Some(text(at, "aws")),
            "AWS::URLSuffix" => return Some(text(at, "amazonaws.com")),
            "AWS::NotificationARNs" => return Some(seq(at, Vec::new())),
            _ => {}
        }
        if self.stacks[s].root.get("Parameters").and_then(|p| p.get(target)).is_some() {
            return self.parameter(s, at, target);
        }
        if self.resource(s, target).is_some() {
            let name = self.ref_value(s, target);
            return Some(text(at, name));
        }
        self.assume(
            s,
            at,
            format!("Ref {target}: the template has no parameter or resource of that name; its value is taken to be \"{target}\""),
        );
        Some(text(at, target))
    }

    /// A parameter's value: from a parent stack, `--parameter`, its `Default`, an Output of the
    /// same name in another template of the import, its first `AllowedValues`, or assumed from
    /// its type (each of the last three a warning).
    fn parameter(&mut self, s: usize, at: &Node, name: &str) -> Option<Node> {
        let key = (s, name.to_string());
        if let Some((v, assumed)) = self.params.get(&key).cloned() {
            // Each use of an assumed parameter carries the assumption into its table's comment.
            self.assumed.extend(assumed);
            return v.map(|mut v| {
                v.at = at.at;
                v
            });
        }
        if !self.busy.insert(("param".into(), s, name.to_string())) {
            self.error(s, at, format!("parameter {name} is defined in terms of itself"));
            return None;
        }
        let mark = self.assumed.len();
        let value = self.parameter_value(s, name);
        self.busy.remove(&("param".into(), s, name.to_string()));
        let assumed = self.assumed[mark.min(self.assumed.len())..].to_vec();
        self.params.insert(key, (value.clone(), assumed));
        value.map(|mut v| {
            v.at = at.at;
            v
        })
    }

    fn parameter_value(&mut self, s: usize, name: &str) -> Option<Node> {
        let root = self.stacks[s].root.clone();
        let decl = root.get("Parameters").and_then(|p| p.get(name))?.clone();
        let kind = decl.get("Type").and_then(Node::as_str).unwrap_or("String").to_string();
        let is_list = kind.starts_with("List<") || kind == "CommaDelimitedList";
        let from_text = |t: &str| match is_list {
            true => seq(&decl, t.split(',').map(|p| text(&decl, p.trim())).collect()),
            false => text(&decl, t),
        };
        if let Some((parent, given)) = self.stacks[s].given.get(name).cloned() {
            return self.resolve(parent, &given);
        }
        if self.stacks[s].parent.is_none() {
            if let Some(v) = self.options.parameters.get(name) {
                return Some(from_text(v));
            }
        }
        if let Some(default) = decl.get("Default") {
            let v = default.scalar_text().map(|t| from_text(&t)).unwrap_or_else(|| default.clone());
            return Some(v);
        }
        // A parameter a parent stack passes from a sibling's output (the refarch master
        // template's `Cluster: !GetAtt ECS.Outputs.Cluster`): with the templates given
        // together, the output of the same name stands in for it.
        for t in 0..self.stacks.len() {
            if t == s || self.stacks[t].root.get("Outputs").and_then(|o| o.get(name)).is_none() {
                continue;
            }
            let file = self.stacks[t].path.display().to_string();
            if let Some(v) = self.output(t, &decl, name) {
                self.assume(
                    s,
                    &decl,
                    format!("parameter {name} has no value; it takes the output {name} of {file}, as a parent stack would pass it"),
                );
                return Some(v);
            }
        }
        if let Some(first) = decl.get("AllowedValues").and_then(Node::as_seq).and_then(|a| a.first()).and_then(Node::scalar_text) {
            self.assume(
                s,
                &decl,
                format!("parameter {name} has no value; assumed its first allowed value {first} (give --parameter {name}=...)"),
            );
            return Some(from_text(&first));
        }
        let (value, list) = assumed_value(name, &kind);
        let shown = if list.is_empty() { value.clone() } else { list.join(",") };
        self.assume(s, &decl, format!("parameter {name} ({kind}) has no value; assumed {shown} (give --parameter {name}=...)"));
        Some(match list.is_empty() {
            true => text(&decl, value),
            false => seq(&decl, list.iter().map(|v| text(&decl, v.as_str())).collect()),
        })
    }

    /// The value of Output `name` of stack `s`.
    pub fn output(&mut self, s: usize, at: &Node, name: &str) -> Option<Node> {
        let root = self.stacks[s].root.clone();
        let value = root.get("Outputs").and_then(|o| o.get(name)).and_then(|o| o.get("Value"))?;
        if !self.busy.insert(("output".into(), s, name.to_string())) {
            self.error(s, at, format!("output {name} is defined in terms of itself"));
            return None;
        }
        let v = self.resolve(s, value);
        self.busy.remove(&("output".into(), s, name.to_string()));
        v
    }

    /// `Fn::ImportValue`: the Output of any template of the import whose `Export` `Name` is `export`.
    fn import_value(&mut self, s: usize, at: &Node, export: &str) -> Option<Node> {
        for t in 0..self.stacks.len() {
            let root = self.stacks[t].root.clone();
            let Some(outputs) = root.get("Outputs").and_then(Node::as_map) else { continue };
            for (name, out) in outputs {
                let Some(export_name) = out.get("Export").and_then(|e| e.get("Name")) else { continue };
                if self.busy.contains(&("output".into(), t, name.clone())) {
                    continue;
                }
                if self.resolve_text(t, export_name).as_deref() == Some(export) {
                    return self.output(t, at, name);
                }
            }
        }
        self.assume(s, at, format!("Fn::ImportValue {export}: no template of the import exports it; its value is taken to be \"{export}\" (give the exporting template too)"));
        Some(text(at, export))
    }

    /// `Fn::GetAtt`: a resource's attribute, or a nested stack's output (`Stack.Outputs.X`).
    fn get_att(&mut self, s: usize, at: &Node, arg: &Node) -> Option<Node> {
        let (res, attr) = match &arg.value {
            Value::Str(t) => match t.split_once('.') {
                Some((r, a)) => (r.to_string(), a.to_string()),
                None => (t.clone(), String::new()),
            },
            Value::Seq(items) if items.len() == 2 => {
                let r = items[0].scalar_text().unwrap_or_default();
                let a = self.resolve_text(s, &items[1]).unwrap_or_default();
                (r, a)
            }
            _ => (String::new(), String::new()),
        };
        let Some(resource) = self.resource(s, &res) else {
            self.error(s, at, format!("Fn::GetAtt: the template has no resource {res}"));
            return None;
        };
        let kind = resource.get("Type").and_then(Node::as_str).unwrap_or("").to_string();
        if let Some(output) = attr.strip_prefix("Outputs.") {
            let child = (0..self.stacks.len()).find(|&c| self.stacks[c].parent == Some(s) && self.stacks[c].logical_id == res);
            return match child {
                Some(c) => self.output(c, at, output),
                None => {
                    self.assume(
                        s,
                        at,
                        format!("Fn::GetAtt {res}.{attr}: the nested stack's template was not read; its value is taken to be \"{output}\""),
                    );
                    Some(text(at, output))
                }
            };
        }
        let name = self.ref_value(s, &res);
        let value = match attr.as_str() {
            "Name" | "ServiceName" | "TargetGroupName" | "LoadBalancerName" | "ClusterName" | "Family" => name,
            "LoadBalancerFullName" => format!("app/{name}/0123456789abcdef"),
            "TargetGroupFullName" => format!("targetgroup/{name}/0123456789abcdef"),
            "DNSName" => format!("{name}-1234567890.{REGION}.elb.amazonaws.com"),
            "LatestVersionNumber" | "DefaultVersionNumber" => "1".to_string(),
            a if a.ends_with("Arn") || a.ends_with("Id") || a.is_empty() => match name.starts_with("arn:") {
                true => name,
                false => format!("arn:aws:{}:{REGION}:{ACCOUNT}:{}/{name}", service_of(&kind), res.to_ascii_lowercase()),
            },
            other => {
                self.assume(s, at, format!("Fn::GetAtt {res}.{other} is not known to ecsim; taken to be \"{name}.{other}\""));
                format!("{name}.{other}")
            }
        };
        Some(text(at, value))
    }

    /// `Fn::Sub`, both forms: `!Sub "text ${Param} ${Res.Attr} ${!Literal}"` and
    /// `!Sub ["text ${Var}", {Var: value}]`.
    fn sub(&mut self, s: usize, at: &Node, arg: &Node) -> Option<String> {
        let (template, vars) = match &arg.value {
            Value::Str(t) => (t.clone(), Vec::new()),
            Value::Seq(items) if items.len() == 2 => {
                (items[0].scalar_text().unwrap_or_default(), items[1].as_map().unwrap_or_default().to_vec())
            }
            _ => {
                self.error(s, at, "Fn::Sub takes a string, or [string, {variable: value}]");
                return None;
            }
        };
        let mut out = String::new();
        let mut rest = template.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let var = &after[..end];
            rest = &after[end + 1..];
            if let Some(literal) = var.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            let var = var.trim();
            let value = match vars.iter().find(|(k, _)| k == var) {
                Some((_, v)) => self.resolve(s, v),
                None if var.contains('.') && !var.starts_with("AWS::") => self.get_att(s, at, &text(at, var)),
                None => self.reference(s, at, var),
            };
            match value.as_ref().and_then(Node::scalar_text) {
                Some(t) => out.push_str(&t),
                None => {
                    let listed =
                        value.as_ref().and_then(Node::as_seq).map(|l| l.iter().filter_map(Node::scalar_text).collect::<Vec<_>>().join(","));
                    out.push_str(&listed.unwrap_or_default());
                }
            }
        }
        out.push_str(rest);
        Some(out)
    }

    /// `Fn::FindInMap: [MapName, TopLevelKey, SecondLevelKey]` (and a fourth `{DefaultValue: x}`).
    fn find_in_map(&mut self, s: usize, at: &Node, arg: &Node) -> Option<Node> {
        let items = arg.as_seq().unwrap_or_default().to_vec();
        if items.len() != 3 && items.len() != 4 {
            self.error(s, at, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]");
            return None;
        }
        let keys: Vec<String> = items[..3].iter().map(|i| self.resolve_text(s, i).unwrap_or_default()).collect();
        let root = self.stacks[s].root.clone();
        let found = root.get("Mappings").and_then(|m| m.get(&keys[0])).and_then(|m| m.get(&keys[1])).and_then(|m| m.get(&keys[2]));
        match found {
            Some(v) => self.resolve(s, v),
            None => match items.get(3).and_then(|d| d.get("DefaultValue")) {
                Some(d) => self.resolve(s, d),
                None => {
                    self.error(s, at, format!("Fn::FindInMap: Mappings has no {} → {} → {}", keys[0], keys[1], keys[2]));
                    None
                }
            },
        }
    }

    /// Whether the named condition of `Conditions` holds.
    pub fn condition(&mut self, s: usize, at: &Node, name: &str) -> bool {
        if let Some(v) = self.conditions.get(&(s, name.to_string())) {
            return *v;
        }
        let root = self.stacks[s].root.clone();
        let Some(def) = root.get("Conditions").and_then(|c| c.get(name)) else {
            self.error(s, at, format!("the template has no condition {name}"));
            return false;
        };
        if !self.busy.insert(("condition".into(), s, name.to_string())) {
            self.error(s, at, format!("condition {name} is defined in terms of itself"));
            return false;
        }
        let v = self.truth(s, def);
        self.busy.remove(&("condition".into(), s, name.to_string()));
        self.conditions.insert((s, name.to_string()), v);
        v
    }

    /// A condition function's value: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`.
    fn truth(&mut self, s: usize, node: &Node) -> bool {
        if self.depth >= MAX_DEPTH {
            self.error(s, node, format!("conditions nest deeper than {MAX_DEPTH} levels"));
            return false;
        }
        self.depth += 1;
        let v = self.truth_inner(s, node);
        self.depth -= 1;
        v
    }

    fn truth_inner(&mut self, s: usize, node: &Node) -> bool {
        let call = function(node).or_else(|| match &node.value {
            Value::Map(m) if m.len() == 1 && m[0].0 == "Condition" => Some(("Condition".to_string(), m[0].1.clone())),
            _ => None,
        });
        let Some((name, arg)) = call else {
            return match self.resolve(s, node).and_then(|v| v.as_bool()) {
                Some(b) => b,
                None => {
                    self.error(s, node, "expected a condition (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition) or true/false");
                    false
                }
            };
        };
        let items = arg.as_seq().unwrap_or_default().to_vec();
        match name.as_str() {
            "Fn::Equals" if items.len() == 2 => {
                let a = self.resolve(s, &items[0]).map(|v| v.to_json());
                let b = self.resolve(s, &items[1]).map(|v| v.to_json());
                let text = |v: &Option<serde_json::Value>| match v {
                    Some(serde_json::Value::String(t)) => serde_json::Value::String(t.clone()),
                    Some(serde_json::Value::Number(n)) => serde_json::Value::String(n.to_string()),
                    Some(serde_json::Value::Bool(b)) => serde_json::Value::String(b.to_string()),
                    Some(other) => other.clone(),
                    None => serde_json::Value::Null,
                };
                text(&a) == text(&b)
            }
            "Fn::And" if !items.is_empty() => items.iter().all(|i| self.truth(s, i)),
            "Fn::Or" if !items.is_empty() => items.iter().any(|i| self.truth(s, i)),
            "Fn::Not" if items.len() == 1 => !self.truth(s, &items[0]),
            "Condition" => {
                let cond = arg.scalar_text().unwrap_or_default();
                self.condition(s, node, &cond)
            }
            "Fn::If" => self.resolve(s, node).and_then(|v| v.as_bool()).unwrap_or(false),
            other => {
                self.error(s, node, format!("{other} is not a condition function with these arguments"));
                false
            }
        }
    }
}

/// The value ecsim assumes for a parameter with no value, from its type: a list of the assumed
/// zones' subnets for subnet lists, placeholders for IDs, the parameter's name for a string, 1
/// for a number.
fn assumed_value(name: &str, kind: &str) -> (String, Vec<String>) {
    let zones = || ZONES.iter().map(|z| z.to_string()).collect::<Vec<_>>();
    match kind {
        "List<AWS::EC2::Subnet::Id>" => (String::new(), zones().iter().map(|z| subnet_of_zone(z)).collect()),
        "AWS::EC2::Subnet::Id" => (subnet_of_zone(ZONES[0]), Vec::new()),
        "List<AWS::EC2::AvailabilityZone::Name>" => (String::new(), zones()),
        "AWS::EC2::AvailabilityZone::Name" => (ZONES[0].to_string(), Vec::new()),
        "AWS::EC2::VPC::Id" => ("vpc-00000000".to_string(), Vec::new()),
        "AWS::EC2::SecurityGroup::Id" => ("sg-00000000".to_string(), Vec::new()),
        "List<AWS::EC2::SecurityGroup::Id>" => (String::new(), vec!["sg-00000000".to_string()]),
        "Number" => ("1".to_string(), Vec::new()),
        "List<Number>" => (String::new(), vec!["1".to_string()]),
        k if k.starts_with("List<") || k == "CommaDelimitedList" => (String::new(), vec![name.to_string()]),
        _ => (name.to_string(), Vec::new()),
    }
}

/// The ARN service of a resource type (`AWS::IAM::Role` → `iam`).
fn service_of(kind: &str) -> String {
    kind.split("::").nth(1).unwrap_or("cloudformation").to_ascii_lowercase()
}
