//! The ECS model: instance types, container instances, task definitions, the cluster, and
//! task placement (filters, constraints with the cluster query language, strategies).
//!
//! Imports only `engine`. Decisions here are pure functions of cluster state.

pub mod cluster;
pub mod instance;
pub mod instance_types;
pub mod placement;
pub mod ports;
pub mod scheduler;
pub mod service;
pub mod task;
pub mod task_def;

pub use cluster::{Cluster, InstanceSpec};
pub use instance::{ContainerInstance, GroupId, InstanceId, InstanceStatus};
pub use task_def::{NetworkMode, Reservation, TaskDefinition};
