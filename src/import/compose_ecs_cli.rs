//! A docker-compose file as the Amazon ECS CLI deployed it (`ecs-cli compose service up`,
//! <https://github.com/aws/amazon-ecs-cli>): the project is one task definition whose
//! containers are the file's services (`cpu_shares` → `cpu`, `mem_limit` → `memory`,
//! `mem_reservation` → `memoryReservation`, 512 MiB when neither is given, as the CLI does),
//! refined by an `ecs-params.yml` (network mode, task size, per-container `essential`, sizes),
//! and run as one service of one task.

use super::{bytes, health_check, ports, warn, Node};
use crate::import::add_task_definition;
use crate::import::draft::{Draft, Table};
use crate::model::diagnostic::Diagnostics;
use serde_json::json;
use std::path::Path;

/// The ECS CLI's container memory when a service gives neither `mem_limit` nor `mem_reservation`.
const DEFAULT_MEMORY_MIB: u64 = 512;

pub fn import(
    file: &Path,
    doc: &Node,
    services: &[(String, Node)],
    params: Option<(&Path, &Node)>,
    project: &str,
    draft: &mut Draft,
    diags: &mut Diagnostics,
) {
    let td_params = params.and_then(|(_, p)| p.get("task_definition"));
    let mut containers = Vec::new();
    for (name, svc) in services {
        let over = td_params.and_then(|t| t.get("services")).and_then(|s| s.get(name));
        containers.push(container(file, name, svc, over, diags));
    }
    for key in ["volumes", "networks"] {
        if let Some(n) = doc.get(key) {
            warn(diags, file, n, format!("not modelled: `{key}`"));
        }
    }
    let mode = td_params.and_then(|t| t.get("ecs_network_mode")).and_then(Node::as_str).unwrap_or("bridge").to_string();
    let mut register = json!({ "family": project, "networkMode": mode, "containerDefinitions": containers });
    let size = td_params.and_then(|t| t.get("task_size"));
    if let Some(size) = size {
        if let Some(cpu) = size.get("cpu_limit").and_then(Node::scalar_text) {
            register["cpu"] = json!(cpu);
        }
        if let Some(mem) = size.get("mem_limit") {
            // A bare number is MiB (as RegisterTaskDefinition reads it); with a unit, a size.
            let mib = match mem.as_i64() {
                Some(n) => Some(n as u64),
                None => bytes(mem).map(|b| b.div_ceil(1024 * 1024)),
            };
            if let Some(mib) = mib {
                register["memory"] = json!(mib.to_string());
            }
        }
    }
    let fargate = mode == "awsvpc" && size.is_some();
    if fargate {
        register["requiresCompatibilities"] = json!(["FARGATE"]);
    }
    if let Some((pfile, p)) = params {
        for key in ["run_params", "task_definition.docker_volumes", "task_definition.efs_volumes", "task_definition.placement_constraints"]
        {
            if let Some(n) = key.split('.').try_fold(p, |n, k| n.get(k)) {
                warn(
                    diags,
                    pfile,
                    n,
                    format!("not modelled: `{key}` (subnets, security groups, volumes and placement of the ECS CLI's run parameters)"),
                );
            }
        }
    }
    let td = add_task_definition(
        draft,
        project,
        &register,
        Some(format!("The ECS CLI project {project:?}: every service of {} is a container.", file.display())),
    );
    let mut svc = Table::new();
    svc.set("name", project).set("task_definition", td.as_str());
    let at = doc.get("services").unwrap_or(doc);
    warn(diags, file, at, "assumed: 1 task (`ecs-cli compose service up` starts one; `service scale` changes it)");
    svc.note("desired_count", 1, "assumed: `ecs-cli compose service up` starts one task");
    let launch = if fargate { "FARGATE" } else { "EC2" };
    let why = match fargate {
        true => "assumed: FARGATE, as the ecs-params file gives awsvpc and a task size (`--launch-type FARGATE`)",
        false => "assumed: EC2, the ECS CLI's default launch type",
    };
    warn(diags, file, at, why);
    svc.note("launch_type", launch, why);
    draft.push("services", svc);
    if !fargate && draft.cluster.children.is_empty() {
        let mut group = Table::new();
        group
            .set("name", "ecs")
            .note("type", "m5.large", "assumed: a compose file says nothing of the instances it runs on")
            .note("count", 2, "assumed");
        warn(diags, file, at, "assumed: the cluster is 2 m5.large instances (the compose file says nothing of them)");
        draft.cluster.push_child("instances", group);
    }
}

/// One service as a container definition, with its ecs-params overrides.
fn container(file: &Path, name: &str, svc: &Node, over: Option<&Node>, diags: &mut Diagnostics) -> serde_json::Value {
    let image = svc.get("image").and_then(Node::as_str).map(str::to_string).unwrap_or_else(|| {
        warn(diags, file, svc, format!("assumed: service {name:?} has no `image`; the image is {name}:latest"));
        format!("{name}:latest")
    });
    let pick = |key: &str| over.and_then(|o| o.get(key)).or_else(|| svc.get(key));
    let mut c =
        json!({ "name": name, "image": image, "essential": over.and_then(|o| o.get("essential")).and_then(Node::as_bool).unwrap_or(true) });
    if let Some(cpu) = pick("cpu_shares").and_then(Node::as_i64) {
        c["cpu"] = json!(cpu);
    }
    let mib = |key: &str| pick(key).and_then(bytes).map(|b| b.div_ceil(1024 * 1024));
    let (memory, reservation) = (mib("mem_limit"), mib("mem_reservation"));
    if let Some(m) = memory {
        c["memory"] = json!(m);
    }
    if let Some(r) = reservation {
        c["memoryReservation"] = json!(r);
    }
    if memory.is_none() && reservation.is_none() {
        c["memory"] = json!(DEFAULT_MEMORY_MIB);
    }
    let mappings: Vec<serde_json::Value> = ports(svc, diags, file)
        .into_iter()
        .map(|p| match p.published {
            Some(h) => json!({ "containerPort": p.target, "hostPort": h, "protocol": p.protocol }),
            None => json!({ "containerPort": p.target, "protocol": p.protocol }),
        })
        .collect();
    if !mappings.is_empty() {
        c["portMappings"] = json!(mappings);
    }
    if let Some(hc) = pick("healthcheck").and_then(health_check) {
        c["healthCheck"] = hc;
    }
    if let Some(links) = svc.get("links").and_then(Node::as_seq) {
        c["links"] = json!(links.iter().filter_map(Node::scalar_text).collect::<Vec<_>>());
    }
    for key in ["volumes", "depends_on", "networks"] {
        if let Some(n) = svc.get(key) {
            warn(diags, file, n, format!("not modelled: `{key}` of service {name:?}"));
        }
    }
    c
}
