//! The cluster as it is now: `aws ecs describe-container-instances` output becomes container
//! instances (docs/ecs-model.md#container-instances, docs/ecs-model.md#registered-resources, docs/ecs-model.md#attributes) and `aws ecs
//! describe-tasks` output the task groups on
//! them, so a simulation can start from a real cluster.
//!
//! Both files are machine output: unknown members are warnings, not errors, and unmodelled
//! ones are grouped across entries. Nothing is added to the cluster unless the whole file is
//! free of errors.

use super::schema::{DESCRIBE_CONTAINER_INSTANCES, DESCRIBE_TASKS};
use super::task_def::RawAttribute;
use super::{At, Ctx, JPath, Scalar};
use crate::ecs::instance::{
    ContainerInstance, GroupCounts, InstanceId, InstanceStatus, PortSet, DEFAULT_DYNAMIC_PORT_RANGE, DEFAULT_RESERVED_TCP_PORTS,
};
use crate::ecs::instance_types;
use crate::ecs::Cluster;
use crate::model::diagnostic::{Diagnostics, Severity};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// ENIs assumed for an instance type ecsim does not know (the smallest current types have 3).
pub const UNKNOWN_TYPE_MAX_ENIS: u32 = 3;

/// Adds the container instances of a describe-container-instances output to `cluster`, in
/// file order. `Ok` carries the warnings.
///
/// Resources: `remainingResources` already account for the tasks running on the instance,
/// so `remaining_*` are taken from it as they are; the ports tasks hold are those in
/// remaining `PORTS` that are not in registered `PORTS` (the agent's reserved list).
/// A missing `registeredAt` is taken as 0 (the Unix epoch); `agentConnected` defaults to true.
/// Attributes without a `value` (capability flags such as
/// `com.amazonaws.ecs.capability.docker-remote-api.1.17`) are stored with the value `""`:
/// they exist, which is all CQL's `exists` and `requiresAttributes` without a value ask.
pub fn load_container_instances(path: &Path, text: &str, cluster: &mut Cluster) -> Result<Diagnostics, Diagnostics> {
    let mut ctx = Ctx::new(path, text);
    let Ok(root) = ctx.parse() else {
        return ctx.finish::<()>(None).map(|(_, d)| d);
    };
    let list_path = JPath::root().key("containerInstances");
    let Some(list) = root.get("containerInstances").and_then(Value::as_array) else {
        ctx.error(
            &JPath::root(),
            At::Value,
            "expected describe-container-instances output: {\"containerInstances\": [...], \"failures\": [...]}",
        );
        return ctx.finish::<()>(None).map(|(_, d)| d);
    };
    ctx.report_failures(&root, "describe-container-instances", "; that container instance is not loaded");
    ctx.check_fields(&root, &DESCRIBE_CONTAINER_INSTANCES, &JPath::root(), Severity::Warning);
    ctx.flush_unmodelled(true);

    let mut arns: BTreeSet<String> = cluster.instances.iter().map(|i| i.arn.clone()).collect();
    let mut built = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let ipath = list_path.idx(i);
        let Some(raw) = ctx.de::<RawInstance>(item, &ipath) else {
            continue;
        };
        let Some(inst) = instance(&mut ctx, raw, &ipath) else {
            continue;
        };
        if !arns.insert(inst.arn.clone()) {
            ctx.error(&ipath.key("containerInstanceArn"), At::Value, format!("container instance {} is already in the cluster", inst.arn));
            continue;
        }
        built.push(inst);
    }
    if !ctx.has_errors() {
        for inst in built {
            cluster.push_instance(inst);
        }
    }
    ctx.finish(Some(())).map(|(_, d)| d)
}

/// Counts the non-STOPPED tasks of a describe-tasks output in their groups on the instances
/// of `cluster` (loaded before, from describe-container-instances). Fargate tasks, which run
/// on no container instance, are skipped with a warning. `Ok` carries the warnings.
pub fn load_tasks(path: &Path, text: &str, cluster: &mut Cluster) -> Result<Diagnostics, Diagnostics> {
    read_tasks(path, text, Some(cluster))
}

/// Validates a describe-tasks, run-task or start-task output on its own, as `ecsim check`
/// reads it: everything [`load_tasks`] checks except that each task's container instance is
/// in a cluster (there is none to look in). `Ok` carries the warnings.
pub fn check_tasks(path: &Path, text: &str) -> Result<Diagnostics, Diagnostics> {
    read_tasks(path, text, None)
}

/// [`load_tasks`], or with no cluster only the validation.
fn read_tasks(path: &Path, text: &str, cluster: Option<&mut Cluster>) -> Result<Diagnostics, Diagnostics> {
    let mut ctx = Ctx::new(path, text);
    let Ok(root) = ctx.parse() else {
        return ctx.finish::<()>(None).map(|(_, d)| d);
    };
    let list_path = JPath::root().key("tasks");
    let Some(list) = root.get("tasks").and_then(Value::as_array) else {
        ctx.error(&JPath::root(), At::Value, "expected describe-tasks output: {\"tasks\": [...], \"failures\": [...]}");
        return ctx.finish::<()>(None).map(|(_, d)| d);
    };
    ctx.report_failures(&root, "describe-tasks", "; that task is not loaded");
    ctx.check_fields(&root, &DESCRIBE_TASKS, &JPath::root(), Severity::Warning);
    ctx.flush_unmodelled(true);

    let by_arn = cluster.as_deref().map(InstanceIndex::new);
    let mut ops: Vec<TaskOp> = Vec::new();
    let mut fargate: Vec<JPath> = Vec::new();
    let mut unplaced: Vec<JPath> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let tpath = list_path.idx(i);
        let Some(raw) = ctx.de::<RawTask>(item, &tpath) else {
            continue;
        };
        if let Some(op) = task(&mut ctx, raw, &tpath, by_arn.as_ref(), &mut fargate, &mut unplaced) {
            ops.push(op);
        }
    }
    if let Some(first) = fargate.first() {
        ctx.warn(first, At::Value, format!("{} Fargate task(s) skipped: they run on no container instance", fargate.len()));
    }
    if let Some(first) = unplaced.first() {
        ctx.warn(first, At::Value, format!("{} task(s) not yet on a container instance (no containerInstanceArn) skipped", unplaced.len()));
    }
    if let Some(cluster) = cluster.filter(|_| !ctx.has_errors()) {
        for op in ops {
            let group = cluster.group_id(&op.group);
            let inst = cluster.instance_mut(op.instance);
            // Only the group counts change. CPU, memory and ports are NOT subtracted again:
            // the instance's remainingResources already account for its tasks.
            inst.count_group(group, 1, i32::from(op.spreading));
            // ENIs are not a registered resource, so remainingResources do not count them:
            // an awsvpc task's ENI attachment is counted here.
            if op.eni {
                inst.enis_in_use += 1;
            }
        }
    }
    ctx.finish(Some(())).map(|(_, d)| d)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawInstance {
    container_instance_arn: Option<String>,
    ec2_instance_id: Option<String>,
    status: Option<String>,
    agent_connected: Option<bool>,
    version_info: Option<RawVersionInfo>,
    registered_at: Option<Scalar>,
    registered_resources: Option<Vec<RawResource>>,
    remaining_resources: Option<Vec<RawResource>>,
    attributes: Option<Vec<RawAttribute>>,
    running_tasks_count: Option<Scalar>,
    pending_tasks_count: Option<Scalar>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawVersionInfo {
    agent_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawResource {
    name: Option<String>,
    integer_value: Option<Scalar>,
    long_value: Option<Scalar>,
    double_value: Option<Scalar>,
    string_set_value: Option<Vec<String>>,
}

/// One side (registered or remaining) of an instance's resources.
#[derive(Default, Clone)]
struct Resources {
    cpu: Option<u32>,
    memory: Option<u32>,
    gpus: u32,
    tcp: Option<BTreeSet<u16>>,
    udp: Option<BTreeSet<u16>>,
}

fn instance(ctx: &mut Ctx, raw: RawInstance, path: &JPath) -> Option<ContainerInstance> {
    let arn = match raw.container_instance_arn {
        Some(a) if !a.is_empty() => a,
        _ => {
            ctx.error(path, At::Value, "a container instance needs its `containerInstanceArn`");
            String::new()
        }
    };
    let status_path = path.key("status");
    let status = match &raw.status {
        Some(s) => {
            let names = ["REGISTERING", "REGISTRATION_FAILED", "ACTIVE", "DRAINING", "DEREGISTERING", "INACTIVE"];
            ctx.one_of(s, &status_path, &names).and_then(InstanceStatus::parse)
        }
        None => {
            ctx.error(path, At::Value, format!("container instance {arn} has no `status`"));
            None
        }
    };
    let registered_at_unix_s = match &raw.registered_at {
        Some(t) => {
            let parsed = timestamp(t);
            if parsed.is_none() {
                ctx.error(&path.key("registeredAt"), At::Value, format!("registeredAt {t} is neither an ISO-8601 time nor Unix seconds"));
            }
            parsed.unwrap_or(0)
        }
        None => 0,
    };

    // Attributes; a name may appear once (the last one wins, as in PutAttributes).
    let mut attributes = BTreeMap::new();
    let mut attribute_paths = BTreeMap::new();
    for (i, a) in raw.attributes.into_iter().flatten().enumerate() {
        let apath = path.key("attributes").idx(i);
        match a.name {
            Some(name) if !name.is_empty() => {
                attribute_paths.insert(name.clone(), apath);
                attributes.insert(name, a.value.unwrap_or_default());
            }
            _ => ctx.error(&apath, At::Value, "an attribute needs a `name`"),
        }
    }
    let availability_zone = attributes.get("ecs.availability-zone").cloned().unwrap_or_else(|| {
        ctx.warn(path, At::Value, format!("container instance {arn} has no `ecs.availability-zone` attribute; its zone is left empty"));
        String::new()
    });
    let instance_type = attributes.get("ecs.instance-type").cloned().unwrap_or_default();
    let trunking = attributes.contains_key("ecs.awsvpc-trunk-id");
    let (eni_task_limit, price_usd_per_hour) = match instance_types::lookup(&instance_type) {
        Some(t) => (t.awsvpc_task_limit(trunking), t.price_usd_per_hour),
        None => {
            let at = attribute_paths.get("ecs.instance-type").map_or(path.clone(), |p| p.key("value"));
            ctx.warn_help(
                &at,
                At::Value,
                format!("instance type \"{instance_type}\" is not in ecsim's table: assuming {UNKNOWN_TYPE_MAX_ENIS} ENIs ({} awsvpc tasks) and no price", UNKNOWN_TYPE_MAX_ENIS - 1),
                instance_types::unknown_type_help(&instance_type),
            );
            (UNKNOWN_TYPE_MAX_ENIS - 1, 0.0)
        }
    };

    let registered_path = path.key("registeredResources");
    let registered = match &raw.registered_resources {
        Some(list) => resources(ctx, list, &registered_path),
        None => {
            ctx.error(path, At::Value, format!("container instance {arn} has no `registeredResources`"));
            Resources::default()
        }
    };
    let remaining_path = path.key("remainingResources");
    let remaining = match &raw.remaining_resources {
        Some(list) => resources(ctx, list, &remaining_path),
        None => {
            ctx.warn(path, At::Value, format!("container instance {arn} has no `remainingResources`; assuming nothing is in use"));
            registered.clone()
        }
    };
    for (name, reg) in [("CPU", registered.cpu), ("MEMORY", registered.memory)] {
        if reg.is_none() && raw.registered_resources.is_some() {
            ctx.error(&registered_path, At::Key, format!("registeredResources has no {name}"));
        }
    }
    let registered_cpu_units = registered.cpu.unwrap_or(0);
    let registered_memory_mib = registered.memory.unwrap_or(0);
    let remaining_cpu_units = remaining.cpu.unwrap_or(registered_cpu_units);
    let remaining_memory_mib = remaining.memory.unwrap_or(registered_memory_mib);
    for (name, reg, rem) in [
        ("CPU", registered_cpu_units, remaining_cpu_units),
        ("MEMORY", registered_memory_mib, remaining_memory_mib),
        ("GPU", registered.gpus, remaining.gpus),
    ] {
        if rem > reg {
            ctx.error(&remaining_path, At::Key, format!("remaining {name} {rem} is more than registered {name} {reg}"));
        }
    }
    // PORTS are the ports *taken*: registered = the agent's reserved list; remaining = those
    // plus the ones tasks hold.
    let reserved_tcp = registered.tcp.clone().unwrap_or_else(|| {
        if raw.registered_resources.is_some() {
            ctx.warn(&registered_path, At::Key, "registeredResources has no PORTS; assuming the agent's default reserved ports");
        }
        DEFAULT_RESERVED_TCP_PORTS.iter().copied().collect()
    });
    let reserved_udp = registered.udp.clone().unwrap_or_default();
    let mut bound = Vec::new();
    for (name, reserved, taken) in [("PORTS", &reserved_tcp, &remaining.tcp), ("PORTS_UDP", &reserved_udp, &remaining.udp)] {
        let taken = taken.clone().unwrap_or_else(|| reserved.clone());
        if let Some(p) = reserved.difference(&taken).next() {
            ctx.error(
                &remaining_path,
                At::Key,
                format!("remaining {name} lacks the reserved port {p}; remaining ports must include every registered one"),
            );
        }
        bound.push(taken.difference(reserved).copied().collect::<PortSet>());
    }
    let bound_udp_ports = bound.pop().unwrap_or_default();
    let bound_tcp_ports = bound.pop().unwrap_or_default();

    let count = |ctx: &mut Ctx, s: &Option<Scalar>, key: &str| {
        s.as_ref().and_then(|s| ctx.int(s, &path.key(key), 0, i64::from(i32::MAX))).map_or(0, |n| n as u32)
    };
    let running_tasks_count = count(ctx, &raw.running_tasks_count, "runningTasksCount");
    let pending_tasks_count = count(ctx, &raw.pending_tasks_count, "pendingTasksCount");

    Some(ContainerInstance {
        id: InstanceId(0),
        arn,
        ec2_instance_id: raw.ec2_instance_id.unwrap_or_default(),
        status: status?,
        agent_connected: raw.agent_connected.unwrap_or(true),
        agent_version: raw.version_info.and_then(|v| v.agent_version).unwrap_or_default(),
        registered_at_unix_s,
        instance_type,
        availability_zone,
        registered_cpu_units,
        registered_memory_mib,
        registered_gpus: registered.gpus,
        remaining_cpu_units,
        remaining_memory_mib,
        remaining_gpus: remaining.gpus,
        reserved_tcp_ports: reserved_tcp.into_iter().collect(),
        reserved_udp_ports: reserved_udp.into_iter().collect(),
        task_static_ports: (bound_tcp_ports.len() + bound_udp_ports.len()) as u32,
        bound_tcp_ports,
        bound_udp_ports,
        dynamic_port_range: DEFAULT_DYNAMIC_PORT_RANGE,
        eni_task_limit,
        enis_in_use: 0,
        attributes: attributes.into(),
        running_tasks_count,
        pending_tasks_count,
        groups: GroupCounts::new(),
        price_usd_per_hour,
        fargate: false,
    })
}

/// Reads a `registeredResources` or `remainingResources` list.
fn resources(ctx: &mut Ctx, list: &[RawResource], path: &JPath) -> Resources {
    let mut r = Resources::default();
    for (i, res) in list.iter().enumerate() {
        let rpath = path.idx(i);
        let name = res.name.as_deref().unwrap_or("");
        match name {
            // GPUs registered by ID (the agent reports each GPU's ID).
            "GPU" if res.string_set_value.is_some() => r.gpus = res.string_set_value.as_ref().map_or(0, |s| s.len() as u32),
            "CPU" | "MEMORY" | "GPU" => {
                // The CLI prints all three value fields; the one in use is the non-zero one.
                let candidates = [("integerValue", &res.integer_value), ("longValue", &res.long_value), ("doubleValue", &res.double_value)];
                let mut present = false;
                let mut value = None;
                for (key, v) in candidates {
                    if let Some(v) = v {
                        present = true;
                        let n = ctx.int(v, &rpath.key(key), 0, i64::from(u32::MAX)).map(|n| n as u32);
                        value = value.or(n.filter(|&n| n > 0));
                    }
                }
                match (name, value.or(present.then_some(0))) {
                    (_, None) => ctx.error(&rpath, At::Value, format!("resource {name} has no integerValue")),
                    ("CPU", v) => r.cpu = v,
                    ("MEMORY", v) => r.memory = v,
                    (_, Some(v)) => r.gpus = v,
                }
            }
            "PORTS" | "PORTS_UDP" => {
                let mut set = BTreeSet::new();
                for (j, p) in res.string_set_value.iter().flatten().enumerate() {
                    match p.trim().parse::<u16>() {
                        Ok(port) => {
                            set.insert(port);
                        }
                        Err(_) => ctx.error(&rpath.key("stringSetValue").idx(j), At::Value, format!("\"{p}\" is not a port number")),
                    }
                }
                if name == "PORTS" {
                    r.tcp = Some(set);
                } else {
                    r.udp = Some(set);
                }
            }
            "" => ctx.error(&rpath, At::Value, "a resource needs a `name`"),
            other => ctx.warn(&rpath.key("name"), At::Value, format!("resource {other} is not modelled by ecsim and is ignored")),
        }
    }
    r
}

/// `registeredAt` as the CLI prints it: ISO-8601 (CLI v2, `2024-05-02T09:14:07.482000+00:00`)
/// or Unix seconds (CLI v1, `1714641247.482`). Whole seconds, rounded down.
fn timestamp(s: &Scalar) -> Option<i64> {
    let secs = match s {
        Scalar::Num(n) => n.as_f64()?,
        Scalar::Str(t) => match t.trim().parse::<f64>() {
            Ok(x) => x,
            Err(_) => return parse_iso8601(t.trim()),
        },
    };
    (secs.is_finite() && secs.abs() < 1e12).then(|| secs.floor() as i64)
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH[:MM]|±HHMM]`; no zone means UTC.
fn parse_iso8601(s: &str) -> Option<i64> {
    crate::engine::calendar::parse_timestamp(s).ok()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTask {
    task_arn: Option<String>,
    container_instance_arn: Option<String>,
    group: Option<String>,
    last_status: Option<String>,
    desired_status: Option<String>,
    launch_type: Option<String>,
    task_definition_arn: Option<String>,
    attachments: Option<Vec<RawAttachment>>,
}

#[derive(Deserialize)]
struct RawAttachment {
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// What one task adds to its instance.
struct TaskOp {
    instance: InstanceId,
    group: String,
    spreading: bool,
    eni: bool,
}

/// Container instances by full ARN, and by the ID at the end of the ARN (old-format ARNs
/// lack the cluster name).
struct InstanceIndex {
    by_arn: BTreeMap<String, InstanceId>,
    by_id: BTreeMap<String, Option<InstanceId>>,
}

impl InstanceIndex {
    fn new(cluster: &Cluster) -> Self {
        let mut by_id: BTreeMap<String, Option<InstanceId>> = BTreeMap::new();
        for inst in &cluster.instances {
            let id = arn_id(&inst.arn).to_string();
            // The same ID twice is ambiguous: match it only by full ARN.
            by_id.entry(id).and_modify(|e| *e = None).or_insert(Some(inst.id));
        }
        InstanceIndex { by_arn: cluster.instances.iter().map(|i| (i.arn.clone(), i.id)).collect(), by_id }
    }
    fn find(&self, arn: &str) -> Option<InstanceId> {
        self.by_arn.get(arn).copied().or_else(|| self.by_id.get(arn_id(arn)).copied().flatten())
    }
}

fn arn_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn task(
    ctx: &mut Ctx,
    raw: RawTask,
    path: &JPath,
    index: Option<&InstanceIndex>,
    fargate: &mut Vec<JPath>,
    unplaced: &mut Vec<JPath>,
) -> Option<TaskOp> {
    let name = raw.task_arn.as_deref().unwrap_or("(no taskArn)");
    let statuses = ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED", "DELETED"];
    let last = match &raw.last_status {
        Some(s) => ctx.one_of(s, &path.key("lastStatus"), &statuses),
        None => {
            ctx.error(path, At::Value, format!("task {name} has no `lastStatus`"));
            None
        }
    };
    let desired = match &raw.desired_status {
        Some(s) => ctx.one_of(s, &path.key("desiredStatus"), &["RUNNING", "PENDING", "STOPPED"]),
        None => {
            ctx.error(path, At::Value, format!("task {name} has no `desiredStatus`"));
            None
        }
    };
    let (last, desired) = (last?, desired?);
    if matches!(last, "STOPPED" | "DELETED") {
        return None;
    }
    if raw.launch_type.as_deref() == Some("FARGATE") {
        fargate.push(path.clone());
        return None;
    }
    let Some(arn) = raw.container_instance_arn.filter(|a| !a.is_empty()) else {
        unplaced.push(path.clone());
        return None;
    };
    // Without a cluster (checking the file alone) the lookup is skipped; the rest is checked.
    let instance = index.map(|index| index.find(&arn));
    if let Some(None) = instance {
        ctx.error_help(
            &path.key("containerInstanceArn"),
            At::Value,
            format!("task {name} runs on container instance {arn}, which is not in the cluster"),
            "load the describe-container-instances output that lists this instance first",
        );
        return None;
    }
    // describe-tasks always has `group`; without it, a standalone task's default applies.
    let group = match raw.group.filter(|g| !g.is_empty()) {
        Some(g) => g,
        None => match raw.task_definition_arn.as_deref().map(arn_id).and_then(|fr| fr.split(':').next()) {
            Some(family) if !family.is_empty() => format!("family:{family}"),
            _ => {
                ctx.error(path, At::Value, format!("task {name} has neither a `group` nor a `taskDefinitionArn`"));
                return None;
            }
        },
    };
    if group.chars().count() > 255 {
        ctx.error(&path.key("group"), At::Value, "a task group name is at most 255 characters");
        return None;
    }
    let eni = raw.attachments.iter().flatten().any(|a| a.kind.as_deref() == Some("ElasticNetworkInterface"));
    Some(TaskOp { instance: instance.flatten()?, group, spreading: desired == "RUNNING", eni })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_both_cli_formats() {
        // 2024-05-02T09:14:07Z = 1714641247.
        assert_eq!(parse_iso8601("2024-05-02T09:14:07.482000+00:00"), Some(1_714_641_247));
        assert_eq!(parse_iso8601("2024-05-02T11:14:07+02:00"), Some(1_714_641_247));
        assert_eq!(parse_iso8601("2024-05-02 09:14:07Z"), Some(1_714_641_247));
        assert_eq!(parse_iso8601("1970-01-01T00:00:00"), Some(0));
        assert_eq!(timestamp(&Scalar::Num(serde_json::Number::from_f64(1_714_641_247.482).unwrap())), Some(1_714_641_247));
        assert_eq!(timestamp(&Scalar::Str("1714641247".into())), Some(1_714_641_247));
        assert_eq!(parse_iso8601("2024-13-02T09:14:07Z"), None);
        assert_eq!(parse_iso8601("yesterday"), None);
        assert_eq!(parse_iso8601("2024-05-02T09:14:07+0"), None);
    }
}
