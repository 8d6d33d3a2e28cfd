//! A bare `container_definitions` JSON array (what Terraform's `aws_ecs_task_definition` and
//! CloudFormation embed, often kept in a file of its own): one task definition of that family,
//! run as a service of one task on a small EC2 cluster. Everything but the containers is
//! assumed, and each assumption is a warning and a comment.

use super::draft::{Draft, Table};
use super::{add_task_definition, Input};
use crate::model::diagnostic::{Diagnostic, Diagnostics};

pub fn import(inputs: &[Input], draft: &mut Draft, diags: &mut Diagnostics) {
    for input in inputs {
        let containers: serde_json::Value = match serde_json::from_str(&input.text) {
            Ok(v) => v,
            Err(e) => {
                diags.push(Diagnostic::error(&input.path, e.line(), e.column(), format!("not valid JSON: {e}")));
                continue;
            }
        };
        let family = input.path.file_stem().and_then(|s| s.to_str()).unwrap_or("app").to_string();
        let register = serde_json::json!({ "family": family, "containerDefinitions": containers });
        let assumed = format!("the family is the file name ({family}), the network mode ECS's default on EC2 (bridge)");
        diags.push(Diagnostic::warning(&input.path, 1, 1, format!("assumed: {assumed}")));
        let name = add_task_definition(draft, &family, &register, Some(format!("From {}; assumed: {assumed}.", input.path.display())));
        let mut service = Table::new();
        service.set("name", name.as_str()).set("task_definition", name.as_str()).note(
            "desired_count",
            1,
            "assumed: a container_definitions array does not say how many tasks run",
        );
        diags.push(Diagnostic::warning(&input.path, 1, 1, "assumed: one service of 1 task runs this task definition"));
        draft.push("services", service);
    }
    if !inputs.is_empty() && draft.cluster.children.is_empty() {
        let mut group = Table::new();
        group
            .set("name", "ecs")
            .note("type", "m5.large", "assumed: the containers say nothing of the instances they run on")
            .note("count", 2, "assumed");
        draft.cluster.push_child("instances", group);
    }
}
