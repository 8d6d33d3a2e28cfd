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
    /// events.csv's detail of a failed placement, reused so that a failure allocates no text.
    pub(super) detail: String,
}

impl WorkloadState {
    /// A workload's state at t = 0: its task group and streams, nothing waiting.
    pub fn new(group: GroupId, arrivals_rng: StreamRng, run_time_rng: StreamRng, start_delay_rng: StreamRng) -> Self {
        WorkloadState {
            group,
            arrivals_rng,
            run_time_rng,
            start_delay_rng,
            next_listed: 0,
            waiting: VecDeque::new(),
            next_ticket: 0,
            detail: String::new(),
        }
    }

    /// Puts a task that found no room at the back of the queue (FIFO: nothing overtakes it);
    /// returns its ticket, which its `max_wait` timer carries.
    pub fn wait(&mut self, submitted_at: SimTime, run_time: Span, start_delay: Span) -> u32 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.waiting.push_back(Waiting { ticket, submitted_at, run_time, start_delay });
        ticket
    }

    /// The task with `ticket` gives up waiting: true if it was still waiting (it may have been
    /// placed since its timer was set).
    pub fn give_up(&mut self, ticket: u32) -> bool {
        match self.waiting.iter().position(|w| w.ticket == ticket) {
            Some(pos) => {
                self.waiting.remove(pos);
                true
            }
            None => false,
        }
    }
}

pub fn init(scenario: &Scenario, cluster: &mut Cluster, streams: &Streams) -> Vec<WorkloadState> {
    scenario
        .workloads
        .iter()
        .map(|w| {
            let prefix = format!("workload/{}", w.name);
            WorkloadState::new(
                cluster.group_id(&w.group),
                streams.get(&format!("{prefix}/arrivals")),
                streams.get(&format!("{prefix}/run_time")),
                streams.get(&format!("{prefix}/start_delay")),
            )
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

#[cfg(test)]
mod tests {
    use super::*;

    fn workload() -> WorkloadState {
        let streams = Streams::new(7);
        WorkloadState::new(GroupId(0), streams.get("a"), streams.get("r"), streams.get("s"))
    }

    /// Tasks wait first in, first out, each with its own ticket; a ticket that gave up (or was
    /// placed) is gone, and giving up twice does nothing.
    #[test]
    fn waiting_tasks_keep_their_order_and_tickets() {
        let mut w = workload();
        let t = |s: u64| SimTime::from_secs(s);
        let tickets: Vec<u32> = (0..3).map(|i| w.wait(t(i), Span::from_secs(10 + i), Span::ZERO)).collect();
        assert_eq!(tickets, vec![0, 1, 2]);
        assert!(w.give_up(1));
        assert!(!w.give_up(1), "a ticket gives up once");
        let order: Vec<(u32, SimTime)> = w.waiting.iter().map(|x| (x.ticket, x.submitted_at)).collect();
        assert_eq!(order, vec![(0, t(0)), (2, t(2))]);
        // The head is placed (popped): its max_wait timer finds nothing to give up.
        w.waiting.pop_front();
        assert!(!w.give_up(0));
        assert_eq!(w.wait(t(9), Span::ZERO, Span::ZERO), 3, "tickets are never reused");
        assert_eq!(w.waiting.len(), 2);
    }
}
