//! What an AWS JSON file is, from its shape: the top-level keys and what they hold, never a
//! substring of the text (a create-service input names its `taskDefinition` too, and a
//! task's `"tasks"` can appear inside anything).
//!
//! `ecsim check` routes each file by [`json_kind`]; a shape it does not read gets a message
//! saying what the file looks like ([`describe_unknown`]) and which shapes it reads
//! ([`SHAPES_READ`]).

use serde_json::{Map, Value};

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
        return "a CloudFormation template, which `check` does not read yet".into();
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
        ("resource", "a Terraform JSON configuration, which `check` does not read"),
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

/// What a YAML file (`.yaml`, `.yml`) looks like, from its top-level lines; ecsim reads none.
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
    format!("{what}, which `check` does not read yet")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_ecs_shape_is_told_by_its_keys() {
        use JsonKind::*;
        let cases = [
            // CreateService input names its task definition; it is still a service.
            (json!({"serviceName": "web", "taskDefinition": "web:1", "desiredCount": 2}), Service),
            (json!({"serviceName": "web", "desiredCount": 2}), Service),
            (json!({"service": {"serviceName": "web"}}), Service),
            (json!({"services": [], "failures": []}), Service),
            (json!({"family": "web", "containerDefinitions": []}), TaskDefinition),
            (json!({"taskDefinition": {"family": "web"}}), TaskDefinition),
            (json!({"tasks": [], "failures": []}), Tasks),
            (json!({"containerInstances": [], "failures": []}), ContainerInstances),
            (json!({"TargetGroups": []}), TargetGroups),
            (json!({"Rules": []}), Rules),
        ];
        for (doc, kind) in cases {
            assert_eq!(json_kind(&doc), Ok(kind), "{doc}");
        }
    }

    #[test]
    fn other_shapes_say_what_they_look_like() {
        let cfn = json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}});
        assert_eq!(json_kind(&cfn), Err("a CloudFormation template, which `check` does not read yet".into()));
        let cfn_no_version = json!({"Resources": {"Svc": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 2}}}});
        assert!(json_kind(&cfn_no_version).unwrap_err().starts_with("a CloudFormation template"));
        let run_task = json!({"cluster": "c", "taskDefinition": "web:1", "count": 2});
        assert!(json_kind(&run_task).unwrap_err().starts_with("run-task or start-task input"));
        let other = json!({"a": 1, "b": [2]});
        assert_eq!(
            json_kind(&other),
            Err("a JSON object with the top-level keys \"a\", \"b\", which is none of the shapes `check` reads".into())
        );
        assert_eq!(json_kind(&json!([1, 2])), Err("a JSON array of 2 element(s), not an object".into()));
    }

    #[test]
    fn a_file_of_another_kind_is_named_when_a_loader_expects_one_kind() {
        let service = json!({"serviceName": "web", "taskDefinition": "web:1", "desiredCount": 2});
        assert_eq!(
            other_shape(&service, JsonKind::TaskDefinition).as_deref(),
            Some("a service (create-service input or create/update/describe-services output)")
        );
        assert_eq!(other_shape(&service, JsonKind::Service), None);
        // A hand-written file with a typo is left to the loader, which suggests the key.
        assert_eq!(other_shape(&json!({"famly": "web"}), JsonKind::TaskDefinition), None);
    }

    #[test]
    fn yaml_files_are_named() {
        assert!(describe_yaml("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n").starts_with("a CloudFormation template"));
        assert!(describe_yaml("version: '3'\nservices:\n  web:\n").starts_with("a Docker Compose file"));
        assert!(describe_yaml("name: web\ntype: Load Balanced Web Service\n").starts_with("an AWS Copilot manifest"));
    }
}
