//! File formats: the scenario TOML and the real ECS JSON users already have (task
//! definitions, services, describe-container-instances, describe-tasks), validated with
//! located errors.

pub mod diagnostic;
pub mod ecs_json;
pub mod json_locate;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
