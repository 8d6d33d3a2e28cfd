//! ecsim — a deterministic discrete-event simulator of an Amazon ECS cluster.
//!
//! Layers (see docs/architecture.md): `engine` (time, events, random streams) → `ecs` (the
//! cluster model and placement) → `workload` → `model` (the validated scenario) → `sim` (the
//! world and the event loop) → `scenario` (the front ends: file formats mapped onto `model`) →
//! `report` (CSV, JSON, charts) → `cli`.

pub mod api;
pub mod autoscaling;
pub mod capacity;
pub mod cli;
pub mod cloudwatch;
pub mod ecs;
pub mod elb;
pub mod engine;
pub mod faults;
pub mod import;
pub mod model;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod workload;
