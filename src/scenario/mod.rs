//! The front ends: the scenario TOML and the real AWS JSON users already have (ECS task
//! definitions, services, describe-container-instances, describe-tasks; ELBv2, CloudWatch,
//! Application Auto Scaling, Auto Scaling groups and launch templates), each mapped onto the
//! validated model (`crate::model`) with located errors.

pub mod autoscaling_json;
pub mod behaviour;
pub(crate) mod bulk_times;
pub mod capacity_json;
mod capacity_rules;
pub mod cloudwatch_json;
pub mod ecs_json;
mod elb_rules;
pub mod elbv2_json;
pub mod json_doc;
mod limits;
pub mod load;
pub mod load_alarms;
mod load_capacity;
mod load_check;
mod load_elb;
mod load_faults;
mod load_launch_templates;
mod load_lesson;
mod load_listener_rules;
mod load_providers;
pub mod load_scaling;
mod load_service_capacity;
mod load_service_load;
mod load_services;
mod load_strategy;
mod load_traffic;
mod load_workloads;
mod runtime_platform;
mod service_rules;
mod toml_arrivals;
pub mod toml_elb;
mod toml_errors;
pub(crate) use toml_errors::toml_message;
pub mod toml_model;

// Integration tests name these through `scenario`; the types live in `crate::model`.
pub use crate::model::{Diagnostic, Diagnostics, Scenario};
pub use limits::{MAX_INSTANCES, MAX_RECORDED_BYTES, MAX_TASKS_PER_SERVICE, QUOTA_INSTANCES_PER_CLUSTER, QUOTA_TASKS_PER_SERVICE};
pub use load::{load, load_str, load_with_files};
