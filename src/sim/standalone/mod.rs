//! Standalone tasks (RunTask): workloads whose calls arrive as a Poisson process or at listed
//! times; each task is placed one at a time (docs/ecs-model.md#placement-algorithm). A task no instance can take fails
//! (RunTask's behaviour, docs/ecs-model.md#placement-failures) or waits FIFO for capacity, as the workload says.

use crate::ecs::placement::{self, Outcome, PlacementRequest};
use crate::engine::{SimTime, Span};
use crate::model::Unplaceable;
use crate::sim::ids::WorkloadId;
use crate::sim::lifecycle::NewTask;
use crate::sim::recorder::{self, EventKind, EventSource};
use crate::sim::task::Owner;
use crate::sim::world::{Event, World};
use crate::workload::Arrivals;
pub use state::{Waiting, WorkloadState};
use std::fmt::Write;

pub mod state;

impl World<'_> {
    pub(super) fn schedule_first_arrivals(&mut self) {
        for (i, w) in self.scenario.workloads.iter().enumerate() {
            let workload = WorkloadId::at(i);
            match &w.arrivals {
                Arrivals::Poisson { .. } => {
                    if let Some(gap) = w.arrivals.next_gap(&mut self.workloads[i].arrivals_rng) {
                        self.queue.schedule(SimTime::ZERO + gap, Event::Arrival { workload });
                    }
                }
                Arrivals::Times { at } => {
                    if let Some(first) = at.first() {
                        self.queue.schedule(SimTime::ZERO + *first, Event::ListedArrival { workload });
                    }
                }
            }
        }
    }

    /// A RunTask call: draw each task's run time and start delay now (so the draws do not
    /// depend on placement), place the tasks one at a time, then schedule the next call.
    pub(super) fn on_arrival(&mut self, now: SimTime, workload: WorkloadId, poisson: bool) {
        let scenario = self.scenario;
        let w = &scenario.workloads[workload.index()];
        for _ in 0..w.count {
            let ws = &mut self.workloads[workload.index()];
            let run_time = w.run_time.sample(&mut ws.run_time_rng);
            let start_delay = scenario.lifecycle.start_delay.sample(&mut ws.start_delay_rng);
            self.recorder.submitted();
            let waiting = !ws.waiting.is_empty();
            // FIFO: a new task never overtakes tasks already waiting for capacity.
            if waiting || !self.try_place(now, workload, now, run_time, start_delay) {
                self.unplaced(now, workload, run_time, start_delay);
            }
        }
        let ws = &mut self.workloads[workload.index()];
        if poisson {
            if let Some(gap) = w.arrivals.next_gap(&mut ws.arrivals_rng) {
                self.queue.schedule(now + gap, Event::Arrival { workload });
            }
        } else {
            ws.next_listed += 1;
            if let Arrivals::Times { at } = &w.arrivals {
                if let Some(next) = at.get(ws.next_listed) {
                    self.queue.schedule(SimTime::ZERO + *next, Event::ListedArrival { workload });
                }
            }
        }
    }

    fn unplaced(&mut self, now: SimTime, workload: WorkloadId, run_time: Span, start_delay: Span) {
        let w = &self.scenario.workloads[workload.index()];
        if let Unplaceable::Wait { max_wait } = w.on_unplaceable {
            let ticket = self.workloads[workload.index()].wait(now, run_time, start_delay);
            if let Some(m) = max_wait {
                self.queue.schedule(now + m, Event::WaitExpired { workload, ticket });
            }
            self.recorder.event(now, EventKind::Waiting, None, EventSource::Workload(workload.0), None, "", "");
        }
    }

    /// Places one task; on success binds it and starts it. Returns false if no instance fits
    /// (a failure is recorded for `fail` workloads).
    fn try_place(&mut self, now: SimTime, workload: WorkloadId, submitted_at: SimTime, run_time: Span, start_delay: Span) -> bool {
        let scenario = self.scenario;
        let w = &scenario.workloads[workload.index()];
        let group = self.workloads[workload.index()].group;
        let td = &scenario.task_definitions[w.task_definition];
        let req = PlacementRequest {
            reservation: &self.reservations[w.task_definition],
            group,
            strategies: &w.strategies,
            constraints: &w.constraints,
            requires_attributes: &td.requires_attributes,
            tie_break: scenario.tie_break,
        };
        let index = self.indexes[workload.index()].as_mut();
        let decision = match index {
            // The index answers both ways; nothing fits: the closest match, drawing nothing,
            // as the reference would.
            Some(index) => {
                let outcome = match index.place(&self.cluster, &mut self.placement_rng) {
                    Some(instance) => Outcome::Placed { instance },
                    None => index.failure(&self.cluster),
                };
                placement::Decision { outcome, explanation: None }
            }
            // No index (placements are explained): the reference, with its reasoning.
            None => placement::place(&self.cluster, &req, &mut self.placement_rng, scenario.explain_placements),
        };
        match decision.outcome {
            Outcome::Placed { instance } => {
                let new = NewTask {
                    owner: Owner::Workload(workload.0),
                    task_definition: w.task_definition as u16,
                    group,
                    deployment: 0,
                    submitted_at,
                    run_time: Some(run_time),
                    start_delay,
                };
                let task = self.start_task(now, instance, new);
                self.recorder.placed(now.since(submitted_at));
                let detail = decision.explanation.as_ref().map(|e| recorder::one_line(e, &self.cluster)).unwrap_or_default();
                self.record(now, EventKind::Placed, task, "", &detail);
                true
            }
            Outcome::Failed { reason, closest } => {
                if w.on_unplaceable == Unplaceable::Fail {
                    // events.csv's detail, written into the workload's reused buffer.
                    let mut detail = std::mem::take(&mut self.workloads[workload.index()].detail);
                    detail.clear();
                    if let Some(e) = decision.explanation.as_ref() {
                        let line = recorder::one_line(e, &self.cluster);
                        if !line.is_empty() {
                            detail.push_str(&line);
                            detail.push_str("; ");
                        }
                    }
                    if let Some((id, r)) = closest {
                        let _ = write!(detail, "closest matching container-instance {} ", self.cluster.instance(id).ec2_instance_id);
                        let _ = r.write_closest_match_text(&mut detail);
                    }
                    self.recorder.failed(reason.code());
                    self.recorder.event(now, EventKind::Failed, None, EventSource::Workload(workload.0), None, reason.code(), &detail);
                    self.workloads[workload.index()].detail = detail;
                }
                false
            }
        }
    }

    /// Capacity was freed: place waiting tasks, oldest first within each workload, until the
    /// head of a workload's queue does not fit.
    pub(super) fn retry_waiting(&mut self, now: SimTime) {
        for workload in 0..self.workloads.len() {
            while let Some(head) = self.workloads[workload].waiting.front().copied() {
                if !self.try_place(now, WorkloadId::at(workload), head.submitted_at, head.run_time, head.start_delay) {
                    break;
                }
                self.workloads[workload].waiting.pop_front();
            }
        }
    }

    pub(super) fn on_wait_expired(&mut self, now: SimTime, workload: WorkloadId, ticket: u32) {
        if self.workloads[workload.index()].give_up(ticket) {
            self.recorder.failed("WAIT_EXPIRED");
            self.recorder.event(
                now,
                EventKind::GaveUp,
                None,
                EventSource::Workload(workload.0),
                None,
                "WAIT_EXPIRED",
                "no instance could take the task within max_wait",
            );
        }
    }
}
