//! Temporary stub; replaced by the importer branch.
use super::Diagnostics;
use crate::ecs::{Cluster, TaskDefinition};
use std::path::Path;
pub fn load_task_definition(_path: &Path, _text: &str) -> Result<(TaskDefinition, Diagnostics), Diagnostics> { Err(Diagnostics::default()) }
pub fn load_container_instances(_path: &Path, _text: &str, _cluster: &mut Cluster) -> Result<Diagnostics, Diagnostics> { Err(Diagnostics::default()) }
pub fn load_tasks(_path: &Path, _text: &str, _cluster: &mut Cluster) -> Result<Diagnostics, Diagnostics> { Err(Diagnostics::default()) }
pub fn load_service(_path: &Path, _text: &str) -> Result<(crate::ecs::service::ServiceDefinition, Diagnostics), Diagnostics> { Err(Diagnostics::default()) }
