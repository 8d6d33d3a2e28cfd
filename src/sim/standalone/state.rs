//! The standalone workloads' own state: each workload's task group, its random streams
//! (arrivals, run time, start delay), its next listed arrival, and the tasks waiting FIFO for
//! capacity with their tickets; and the placement index of each workload. Nothing here touches
//! the world; `standalone/mod.rs` places the tasks.

use crate::ecs::instance::GroupId;
use crate::ecs::placement::index::PlacementIndex;
use crate::ecs::placement::PlacementRequest;
use crate::ecs::Cluster;
use crate::engine::{SimTime, Span, StreamRng, Streams};
use crate::model::Scenario;
use std::collections::VecDeque;

/// A task waiting for capacity (`on_unplaceable = "wait"`).
#[derive(Debug, Clone, Copy)]
pub struct Waiting {
    pub(super) ticket: u32,
    pub(super) submitted_at: SimTime,
    pub(super) run_time: Span,
    pub(super) start_delay: Span,
}

/// Per-workload state and random streams.
pub struct WorkloadState {
    pub group: GroupId,
    pub(super) arrivals_rng: StreamRng,
    pub(super) run_time_rng: StreamRng,
    pub(super) start_delay_rng: StreamRng,
    pub(super) next_listed: usize,
    pub waiting: VecDeque<Waiting>,
    pub(super) next_ticket: u32,
}

pub fn init(scenario: &Scenario, cluster: &mut Cluster, streams: &Streams) -> Vec<WorkloadState> {
    scenario
        .workloads
        .iter()
        .map(|w| {
            let prefix = format!("workload/{}", w.name);
            WorkloadState {
                group: cluster.group_id(&w.group),
                arrivals_rng: streams.get(&format!("{prefix}/arrivals")),
                run_time_rng: streams.get(&format!("{prefix}/run_time")),
                start_delay_rng: streams.get(&format!("{prefix}/start_delay")),
                next_listed: 0,
                waiting: VecDeque::new(),
                next_ticket: 0,
            }
        })
        .collect()
}

/// One placement index per workload when placements are not explained.
pub fn indexes(scenario: &Scenario, cluster: &Cluster, workloads: &[WorkloadState]) -> Vec<Option<PlacementIndex>> {
    scenario
        .workloads
        .iter()
        .zip(workloads)
        .map(|(w, ws)| {
            (!scenario.explain_placements).then(|| {
                let reservation = scenario.task_definitions[w.task_definition].reservation();
                let req = PlacementRequest {
                    reservation: &reservation,
                    group: ws.group,
                    strategies: &w.strategies,
                    constraints: &w.constraints,
                    requires_attributes: &scenario.task_definitions[w.task_definition].requires_attributes,
                    tie_break: scenario.tie_break,
                };
                PlacementIndex::new(cluster, &req)
            })
        })
        .collect()
}
