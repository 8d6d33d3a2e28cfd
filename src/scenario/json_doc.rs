//! A JSON document of an AWS API: where each value sits, and what kind of file it is.
//!
//! **Where.** `serde_json::Value` keeps no positions, and serde only reports the position of the
//! first *type* error. The importers also report semantic errors (an awsvpc `hostPort` that
//! differs from its `containerPort`), unmodelled fields and CQL errors inside an expression
//! string, and every one of those needs `file:line:column`. [`PositionIndex`] indexes the text
//! once and answers a path (`containerDefinitions`, 0, `portMappings`, 0, `hostPort`) with the
//! byte offsets of the key and of the value, which `diagnostic::Source` turns into a line and
//! column. It is hand-written rather than a crate on purpose: see docs/decisions.md, "Where a
//! JSON value sits". The text is normally JSON that `serde_json` has already accepted, but the
//! scanner never panics and never recurses: on text it does not understand it returns `None`.
//!
//! **What.** A file's kind comes from its shape: the top-level keys and what they hold, never a
//! substring of the text (a create-service input names its `taskDefinition` too, and a task's
//! `"tasks"` can appear inside anything). `ecsim check` routes each file by [`json_kind`]; a
//! shape it does not read gets a message saying what the file looks like ([`describe_unknown`])
//! and which shapes it reads ([`SHAPES_READ`]).

use serde_json::{Map, Value};

/// One step of a path into a JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathSeg<'a> {
    /// A member of an object, by its (unescaped) name.
    Key(&'a str),
    /// An element of an array, 0-based.
    Index(usize),
}

/// Byte offsets of a located value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// The opening quote of the member name, when the last step of the path was a `Key`.
    pub key: Option<usize>,
    /// The first byte of the value (`"`, `{`, `[`, a digit, `t`, `f`, `n` or `-`).
    pub value: usize,
}

/// Every value of a document and where it sits, built by one scan of the text, so that a file
/// with thousands of messages is located in linear time. When an object holds the same name
/// twice the last one wins, as in `serde_json::Value`; text the scanner does not understand
/// indexes what it read before the problem.
#[derive(Debug, Default)]
pub struct PositionIndex {
    nodes: Vec<Node>,
}

#[derive(Debug)]
struct Node {
    key: Option<usize>,
    value: usize,
    children: Children,
}

#[derive(Debug)]
enum Children {
    Leaf,
    /// Member name → node; a later duplicate replaces the earlier one.
    Object(std::collections::BTreeMap<String, usize>),
    Array(Vec<usize>),
}

impl PositionIndex {
    pub fn new(text: &str) -> Self {
        let mut s = Scanner { b: text.as_bytes(), pos: 0 };
        let mut idx = PositionIndex { nodes: Vec::new() };
        s.ws();
        if s.peek().is_some() {
            idx.build(&mut s);
        }
        idx
    }

    /// The value at `path` (the whole document for an empty path); `key` is set when the last
    /// step names a member.
    pub fn locate(&self, path: &[PathSeg]) -> Option<Location> {
        let mut node = self.nodes.first()?;
        for seg in path {
            let next = match (seg, &node.children) {
                (PathSeg::Key(name), Children::Object(members)) => *members.get(*name)?,
                (PathSeg::Index(i), Children::Array(items)) => *items.get(*i)?,
                _ => return None,
            };
            node = &self.nodes[next];
        }
        let key = if matches!(path.last(), Some(PathSeg::Key(_))) { node.key } else { None };
        Some(Location { key, value: node.value })
    }

    /// The deepest prefix of `path` that exists: a missing field is reported where its object
    /// starts, so every message can carry a position. Returns the location and how many
    /// segments were found (blank text: the first byte, 0).
    pub fn locate_nearest(&self, path: &[PathSeg]) -> (Location, usize) {
        for n in (0..=path.len()).rev() {
            if let Some(loc) = self.locate(&path[..n]) {
                return (loc, n);
            }
        }
        // Not even a value at the top (blank text): point at the first byte.
        (Location { key: None, value: 0 }, 0)
    }

    /// Indexes the value at the scanner's position (node 0 is the root), without recursion:
    /// an explicit stack of the containers still open.
    fn build(&mut self, s: &mut Scanner) {
        self.nodes.push(Node { key: None, value: s.pos, children: Children::Leaf });
        // The containers still open, innermost last.
        let mut stack: Vec<usize> = Vec::new();
        let mut current = 0usize;
        loop {
            // `current` is a node whose value starts at s.pos: open it or skip it.
            let children = match s.peek() {
                Some(b'{') => Children::Object(Default::default()),
                Some(b'[') => Children::Array(Vec::new()),
                Some(_) if s.skip_value().is_some() => Children::Leaf,
                _ => return,
            };
            if !matches!(children, Children::Leaf) {
                s.pos += 1;
                self.nodes[current].children = children;
                stack.push(current);
            }
            // Find the next value to index: the next member or element of the innermost open
            // container, closing the finished ones on the way.
            loop {
                let Some(&parent) = stack.last() else { return };
                s.ws();
                let is_object = matches!(self.nodes[parent].children, Children::Object(_));
                let empty = match &self.nodes[parent].children {
                    Children::Object(m) => m.is_empty(),
                    Children::Array(a) => a.is_empty(),
                    Children::Leaf => true,
                };
                match s.peek() {
                    Some(b'}' | b']') => {
                        s.pos += 1;
                        stack.pop();
                        continue;
                    }
                    Some(b',') if !empty => {
                        s.pos += 1;
                        s.ws();
                    }
                    Some(_) if empty => {}
                    _ => return,
                }
                let id = self.nodes.len();
                if is_object {
                    let key_at = s.pos;
                    let Some(name) = s.read_string() else { return };
                    if s.expect(b':').is_none() {
                        return;
                    }
                    s.ws();
                    self.nodes.push(Node { key: Some(key_at), value: s.pos, children: Children::Leaf });
                    if let Children::Object(m) = &mut self.nodes[parent].children {
                        m.insert(name, id);
                    }
                } else {
                    self.nodes.push(Node { key: None, value: s.pos, children: Children::Leaf });
                    if let Children::Array(a) = &mut self.nodes[parent].children {
                        a.push(id);
                    }
                }
                current = id;
                break;
            }
        }
    }
}

/// The byte offset, in `text`, of the character with 0-based index `char_index` of the
/// *decoded* string value whose opening quote is at `string_start`. Escapes count as the one
/// character they stand for, so a column reported inside a decoded string (a CQL error) maps
/// back to the right place in the file. `char_index` equal to the string's length gives the
/// closing quote (for "unexpected end of expression").
pub fn string_char_offset(text: &str, string_start: usize, char_index: usize) -> Option<usize> {
    let b = text.as_bytes();
    if b.get(string_start) != Some(&b'"') {
        return None;
    }
    let mut pos = string_start + 1;
    let mut count = 0usize;
    loop {
        let c = *b.get(pos)?;
        if count == char_index {
            return Some(pos);
        }
        match c {
            b'"' => return None,
            b'\\' => {
                let esc = *b.get(pos + 1)?;
                if esc == b'u' {
                    let hi = hex4(b, pos + 2)?;
                    // A surrogate pair is one character written as two escapes.
                    let pair = (0xD800..0xDC00).contains(&hi) && b.get(pos + 6) == Some(&b'\\') && b.get(pos + 7) == Some(&b'u');
                    pos += if pair { 12 } else { 6 };
                } else {
                    pos += 2;
                }
            }
            _ => pos += utf8_len(c),
        }
        count += 1;
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        self.ws();
        if self.peek()? == c {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// Reads and unescapes a string (for comparing member names).
    fn read_string(&mut self) -> Option<String> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.pos + 1;
        self.skip_string()?;
        let raw = std::str::from_utf8(self.b.get(start..self.pos - 1)?).ok()?;
        if !raw.contains('\\') {
            return Some(raw.to_string());
        }
        // Rare: let serde_json do the unescaping of the quoted slice.
        serde_json::from_str(std::str::from_utf8(self.b.get(start - 1..self.pos)?).ok()?).ok()
    }

    /// At `"`: moves past the closing quote.
    fn skip_string(&mut self) -> Option<()> {
        self.pos += 1;
        loop {
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
    }

    /// Moves past a string, number, `true`, `false` or `null` (containers are indexed, not
    /// skipped).
    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        if self.peek()? == b'"' {
            return self.skip_string();
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
        (self.pos > start).then_some(())
    }
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let s = std::str::from_utf8(b.get(at..at + 4)?).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// Length of the UTF-8 sequence that starts with byte `c` (1 for a stray continuation byte,
/// so the scan always advances).
fn utf8_len(c: u8) -> usize {
    match c {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// The AWS JSON shapes ecsim reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// RegisterTaskDefinition input, or the `{"taskDefinition": {...}}` output of
    /// DescribeTaskDefinition / RegisterTaskDefinition.
    TaskDefinition,
    /// CreateService input, or the output of CreateService / UpdateService (`{"service": {...}}`)
    /// and DescribeServices (`{"services": [...]}`).
    Service,
    /// `aws ecs describe-container-instances` output.
    ContainerInstances,
    /// The `{"tasks": [...]}` output of DescribeTasks, RunTask and StartTask.
    Tasks,
    /// ELBv2 describe-target-groups output or create-target-group input.
    TargetGroups,
    /// ELBv2 describe-target-group-attributes output.
    TargetGroupAttributes,
    /// ELBv2 describe-listeners output or create-listener input.
    Listeners,
    /// ELBv2 describe-rules output or create-rule input.
    Rules,
}

impl JsonKind {
    /// What a file of this kind is, for messages ("this file looks like ...").
    pub fn describe(self) -> &'static str {
        match self {
            JsonKind::TaskDefinition => "a task definition",
            JsonKind::Service => "a service (create-service input or create/update/describe-services output)",
            JsonKind::ContainerInstances => "describe-container-instances output",
            JsonKind::Tasks => "describe-tasks, run-task or start-task output",
            JsonKind::TargetGroups => "ELBv2 target groups",
            JsonKind::TargetGroupAttributes => "ELBv2 target group attributes",
            JsonKind::Listeners => "ELBv2 listeners",
            JsonKind::Rules => "ELBv2 listener rules",
        }
    }
}

/// What a file given as `want` looks like when it is clearly something else: another kind
/// ecsim reads, or a CloudFormation template. `None` when it is `want`, or when it is no
/// known shape (then the loader's own field errors, with their suggestions, say more).
pub fn other_shape(root: &Value, want: JsonKind) -> Option<String> {
    match json_kind(root) {
        Ok(kind) if kind == want => None,
        Ok(kind) => Some(kind.describe().to_string()),
        Err(looks_like) if looks_like.starts_with("a CloudFormation template") => Some(looks_like),
        Err(_) => None,
    }
}

/// The shapes `ecsim check` reads, for messages.
pub const SHAPES_READ: &str = "scenario and sweep TOML; ECS JSON: task definitions (register-task-definition input, \
describe-task-definition output), services (create-service input, create-service, update-service and describe-services \
output), describe-container-instances output, describe-tasks, run-task and start-task output; ELBv2 JSON: \
describe-target-groups, describe-target-group-attributes, describe-listeners and describe-rules output";

/// Keys only CreateService input has (RunTask shares the placement, network and launch keys).
const SERVICE_KEYS: &[&str] = &[
    "serviceName",
    "desiredCount",
    "schedulingStrategy",
    "deploymentConfiguration",
    "deploymentController",
    "loadBalancers",
    "healthCheckGracePeriodSeconds",
    "serviceRegistries",
    "serviceConnectConfiguration",
    "availabilityZoneRebalancing",
    "role",
];

/// Keys only RunTask / StartTask input has.
const RUN_TASK_KEYS: &[&str] = &["count", "startedBy", "overrides", "group", "containerInstances", "referenceId"];

/// The kind of a parsed JSON document, or `Err` with what it looks like instead.
pub fn json_kind(root: &Value) -> Result<JsonKind, String> {
    let Some(top) = root.as_object() else {
        return Err(describe_unknown(root));
    };
    let has = |k: &str| top.contains_key(k);
    let is = |k: &str, f: fn(&Value) -> bool| top.get(k).is_some_and(f);
    if is("containerInstances", Value::is_array) && !has("taskDefinition") {
        return Ok(JsonKind::ContainerInstances);
    }
    if is("tasks", Value::is_array) {
        return Ok(JsonKind::Tasks);
    }
    if has("containerDefinitions") || is("taskDefinition", Value::is_object) {
        return Ok(JsonKind::TaskDefinition);
    }
    if is("service", Value::is_object) || is("services", Value::is_array) {
        return Ok(JsonKind::Service);
    }
    let run_task_only = RUN_TASK_KEYS.iter().any(|k| has(k));
    if !run_task_only && (SERVICE_KEYS.iter().any(|k| has(k)) || is("taskDefinition", Value::is_string)) {
        return Ok(JsonKind::Service);
    }
    // A task definition that lacks its containers: the loader says what is missing.
    if has("family") && ["cpu", "memory", "networkMode", "requiresCompatibilities"].iter().any(|k| has(k)) {
        return Ok(JsonKind::TaskDefinition);
    }
    elbv2_kind(top).ok_or_else(|| describe_unknown(root))
}

/// The kind of an ELBv2 document (PascalCase names; nested ones such as
/// `ForwardConfig.TargetGroups` do not count).
fn elbv2_kind(top: &Map<String, Value>) -> Option<JsonKind> {
    let has = |k: &str| top.contains_key(k);
    if has("TargetGroups") || (has("Name") && ["VpcId", "TargetType", "Protocol", "HealthCheckPath"].iter().any(|k| has(k))) {
        Some(JsonKind::TargetGroups)
    } else if has("Attributes") {
        Some(JsonKind::TargetGroupAttributes)
    } else if has("Listeners") || has("DefaultActions") {
        Some(JsonKind::Listeners)
    } else if has("Rules") || has("Conditions") {
        Some(JsonKind::Rules)
    } else {
        None
    }
}

/// What a document ecsim does not read looks like, e.g. "a CloudFormation template".
pub fn describe_unknown(root: &Value) -> String {
    let top = match root {
        Value::Object(top) => top,
        Value::Array(list) => return format!("a JSON array of {} element(s), not an object", list.len()),
        Value::Null => return "JSON null, not an object".into(),
        Value::Bool(_) => return "a JSON boolean, not an object".into(),
        Value::Number(_) => return "a JSON number, not an object".into(),
        Value::String(_) => return "a JSON string, not an object".into(),
    };
    let has = |k: &str| top.contains_key(k);
    let aws_resources = top
        .get("Resources")
        .and_then(Value::as_object)
        .is_some_and(|r| r.values().any(|v| v.get("Type").and_then(Value::as_str).is_some_and(|t| t.starts_with("AWS::"))));
    if has("AWSTemplateFormatVersion") || aws_resources {
        return "a CloudFormation template (give it to `ecsim import`, `run` or `check` on its own)".into();
    }
    if is_string(top, "service") {
        return "update-service input (`\"service\"` names a service), which `check` does not read".into();
    }
    if RUN_TASK_KEYS.iter().any(|k| has(k)) && has("taskDefinition") {
        return "run-task or start-task input, which `check` does not read on its own (a scenario's \
                [[workloads]] reads run-task input)"
            .into();
    }
    let named = [
        ("capacityProviders", "capacity provider JSON (a scenario's capacity_providers_file reads it)"),
        ("autoScalingGroupProvider", "create-capacity-provider input (a scenario's capacity_providers_file reads it)"),
        ("AutoScalingGroupName", "an Auto Scaling group (a scenario's [[cluster.auto_scaling_groups]] reads it)"),
        ("MetricAlarms", "CloudWatch describe-alarms output (a scenario's [[alarms]] reads it)"),
        ("AlarmName", "CloudWatch put-metric-alarm input (a scenario's [[alarms]] reads it)"),
        ("ScalableTargets", "Application Auto Scaling describe-scalable-targets output (a scenario's [[scaling]] reads it)"),
        ("ScalingPolicies", "Application Auto Scaling describe-scaling-policies output (a scenario's [[scaling]] reads it)"),
        ("PolicyName", "Application Auto Scaling put-scaling-policy input (a scenario's [[scaling]] reads it)"),
        ("ScheduledActions", "Application Auto Scaling describe-scheduled-actions output (a scenario's [[scaling]] reads it)"),
        ("ScheduledActionName", "Application Auto Scaling put-scheduled-action input (a scenario's [[scaling]] reads it)"),
        ("ServiceNamespace", "Application Auto Scaling register-scalable-target input (a scenario's [[scaling]] reads it)"),
        ("Statement", "an IAM policy document, which ecsim does not read"),
        ("resource", "a Terraform JSON configuration (.tf.json), which ecsim does not read: give the .tf files"),
    ];
    if let Some((_, what)) = named.iter().find(|(k, _)| has(k)) {
        return (*what).into();
    }
    if top.is_empty() {
        return "an empty JSON object".into();
    }
    let mut keys: Vec<String> = top.keys().take(6).map(|k| format!("\"{k}\"")).collect();
    if top.len() > keys.len() {
        keys.push(format!("… ({} keys)", top.len()));
    }
    format!("a JSON object with the top-level keys {}, which is none of the shapes `check` reads", keys.join(", "))
}

fn is_string(top: &Map<String, Value>, key: &str) -> bool {
    top.get(key).is_some_and(Value::is_string)
}

/// What a YAML file (`.yaml`, `.yml`) that no importer recognised looks like, from its
/// top-level lines.
pub fn describe_yaml(text: &str) -> String {
    let top_key = |k: &str| text.lines().any(|l| l.starts_with(k) && l[k.len()..].trim_start().starts_with(':'));
    let what = if top_key("AWSTemplateFormatVersion") || (top_key("Resources") && text.contains("AWS::")) {
        "a CloudFormation template (YAML)"
    } else if top_key("services") {
        "a Docker Compose file (YAML)"
    } else if top_key("type") && top_key("name") {
        "an AWS Copilot manifest (YAML)"
    } else {
        "a YAML file"
    };
    format!("{what}, but not one ecsim can import (docs/import.md lists what it reads)")
}
