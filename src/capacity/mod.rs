//! Capacity: EC2 Auto Scaling groups, capacity providers with managed scaling, capacity provider
//! strategies, Fargate, and what it all costs (docs/ecs-model.md#capacity, docs/ecs-model.md#instance-types).
//!
//! Pure, deterministic decisions: the simulation owns time, the instances and the tasks, shows
//! these functions what they need, and carries out the answer. Imports `engine` and `ecs`
//! (instance types, `Reservation`) only.

pub mod asg;
pub mod cost;
pub mod fargate;
pub mod launch_template;
pub mod provider;
pub mod strategy;

pub use asg::{AsgConfig, AsgInstanceView, PurchaseOption, TerminationPolicy};
pub use cost::{CostLedger, CostReport, FargatePrices};
pub use provider::{capacity_provider_reservation, CapacityProviderConfig, CprInput, CprResult, InstanceShape, ManagedScaling};
pub use strategy::{CapacityProviderStrategy, StrategyItem};
