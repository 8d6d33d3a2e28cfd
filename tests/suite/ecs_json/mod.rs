//! The ECS JSON importers on real files (tests/fixtures/realworld, see SOURCES.md there) and on
//! small hand-written ones: what loads, what ECS would reject, and where the messages point.
//!
//! The tests, by what they load: `task_definitions` (real ones, then hand-written ones: typos,
//! type errors, sizes, ports, cluster query language errors), `services` (create-service and
//! describe-services files, and the ECS limits they are checked against), `cluster_state`
//! (describe-container-instances and describe-tasks: the cluster as it is now) and `robustness`
//! (truncated and garbled fixtures never make a loader panic). The helpers they share are here.

mod cluster_state;
mod robustness;
mod services;
mod task_definitions;

use crate::common::fixture;
use ecsim::scenario::ecs_json::{load_service, load_task_definition};
use ecsim::scenario::{Diagnostic, Diagnostics};
use std::path::Path;

fn task_def(rel: &str) -> Result<(ecsim::ecs::TaskDefinition, Diagnostics), Diagnostics> {
    let (path, text) = fixture(rel);
    load_task_definition(&path, &text)
}

fn errors(d: &Diagnostics) -> Vec<&Diagnostic> {
    d.errors().collect()
}

/// (line, column) of every error, in file order.
fn error_positions(d: &Diagnostics) -> Vec<(usize, usize)> {
    d.errors().map(|e| (e.line, e.column)).collect()
}

/// The warning about an unmodelled field, by its path.
fn unmodelled<'a>(d: &'a Diagnostics, field: &str) -> Option<&'a Diagnostic> {
    let needle = format!("field `{field}` is not modelled");
    d.warnings().find(|w| w.message.contains(&needle))
}

fn td_inline(text: &str) -> Result<(ecsim::ecs::TaskDefinition, Diagnostics), Diagnostics> {
    load_task_definition(Path::new("inline.json"), text)
}

fn service_inline(text: &str) -> Result<(ecsim::ecs::service::ServiceDefinition, Diagnostics), Diagnostics> {
    load_service(Path::new("web.json"), text)
}
