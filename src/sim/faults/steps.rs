//! The steps of each fault kind: what happens when a fault strikes, when ECS learns of it,
//! when an Auto Scaling group replaces what it took, and when it is over.

use super::*;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;

impl World<'_> {
    /// Carries out one step of fault `fault` (scheduled by the fault itself, or at the start).
    pub(in crate::sim) fn on_fault(&mut self, now: SimTime, fault: FaultId, step: FaultStep, target: Option<u32>) {
        let spec = &self.scenario.faults[fault.index()];
        match (&spec.kind, step) {
            (FaultKind::InstanceFailure { target: t, .. }, FaultStep::Fire) => {
                if let Some(id) = self.resolve_instance(fault, t, target) {
                    self.instance_down(now, fault, id);
                }
            }
            (FaultKind::InstanceFailure { .. }, FaultStep::Detect) => {
                let Some(target) = target else { return };
                let id = InstanceId(target);
                if self.cluster.instance(id).status != InstanceStatus::Inactive {
                    let name = self.cluster.instance(id).ec2_instance_id.clone();
                    self.fault_event(now, Some(id), &format!("ECS sees that {name} is gone: its tasks are STOPPED"));
                    self.kill_tasks_on(now, id, StopCode::TerminationNotice);
                    // A group member stays in its group until the group's health check (REPLACE
                    // terminates it: TERMINATED, billed until then); for ECS its agent is gone.
                    // Setting it INACTIVE here used to end the member at once (no TERMINATED
                    // event, billing stopped at detection).
                    if self.group_member_of(id).is_some() {
                        self.cluster.instance_mut(id).agent_connected = false;
                        self.notify(now, Notice::InstanceChanged(id));
                    } else {
                        self.set_instance_status(now, id, InstanceStatus::Inactive);
                    }
                }
                self.watch_all(now);
            }
            (FaultKind::InstanceFailure { .. }, FaultStep::Replace) => {
                let Some(target) = target else { return };
                self.replace_in_group(now, InstanceId(target));
            }
            (FaultKind::AgentDisconnect { target: t, duration, .. }, FaultStep::Fire) => {
                let Some(id) = self.resolve_instance(fault, t, target) else { return };
                if !self.cluster.instance(id).agent_connected {
                    return;
                }
                let name = self.cluster.instance(id).ec2_instance_id.clone();
                let o = self.open_occurrence(now, fault, name.clone(), format!("agent of {name} disconnected for {duration}"), false);
                self.faults.occurrences[o as usize].instances.push(id);
                self.watch_services_on(now, o, id);
                self.cluster.instance_mut(id).agent_connected = false;
                self.notify(now, Notice::InstanceChanged(id));
                self.fault_event(now, Some(id), &format!("the ECS agent of {name} disconnected"));
                self.queue.schedule(now + *duration, Event::Fault { fault, step: FaultStep::End, target: Some(o) });
            }
            (FaultKind::AgentDisconnect { .. }, FaultStep::End) => {
                let Some(target) = target else { return };
                let o = target as usize;
                if let Some(&id) = self.faults.occurrences[o].instances.first() {
                    self.reconnect(now, id);
                }
                self.release_survivors(o as u32);
                self.faults.end_occurrence(o, now);
                self.watch_all(now);
            }
            (FaultKind::ZoneOutage { zone, duration, detection, replace_after, .. }, FaultStep::Fire) => {
                let z = self.scenario.capacity.zones.iter().position(|x| x == zone).unwrap_or(0);
                self.faults.zone_out[z] = true;
                let victims: Vec<InstanceId> = self
                    .cluster
                    .instances
                    .iter()
                    .filter(|i| i.availability_zone == *zone && matches!(i.status, InstanceStatus::Active | InstanceStatus::Draining))
                    .map(|i| i.id)
                    .filter(|&id| !self.faults.unreachable.is_down(id))
                    .collect();
                let detail = format!("{zone} down for {duration}: {} instances unreachable", victims.len());
                let o = self.open_occurrence(now, fault, zone.clone(), detail, false);
                self.fault_event(now, None, &format!("availability zone {zone} is out for {duration}"));
                for &id in &victims {
                    self.take_down(now, o, id);
                }
                self.watch_all(now);
                self.queue.schedule(now + *detection, Event::Fault { fault, step: FaultStep::Detect, target: Some(o) });
                self.queue.schedule(now + *replace_after, Event::Fault { fault, step: FaultStep::ZoneReplace, target: Some(o) });
                self.queue.schedule(now + *duration, Event::Fault { fault, step: FaultStep::End, target: Some(o) });
            }
            (FaultKind::ZoneOutage { .. }, FaultStep::Detect) => {
                let Some(target) = target else { return };
                let o = target as usize;
                let ids = self.faults.occurrences[o].instances.clone();
                for id in ids {
                    if self.faults.unreachable.down_by(id) == Some(o as u32) {
                        self.kill_tasks_on(now, id, StopCode::TerminationNotice);
                        if self.cluster.instance(id).fargate {
                            continue; // retired with its task
                        }
                        self.cluster.instance_mut(id).agent_connected = false;
                        self.notify(now, Notice::InstanceChanged(id));
                    }
                }
                self.evaluate_all(now);
                self.watch_all(now);
            }
            (FaultKind::ZoneOutage { .. }, FaultStep::ZoneReplace) => {
                let Some(target) = target else { return };
                let o = target as usize;
                if self.faults.occurrences[o].end.is_none() {
                    let ids = self.faults.occurrences[o].instances.clone();
                    for id in ids {
                        if self.faults.unreachable.down_by(id) == Some(o as u32) {
                            self.replace_in_group(now, id);
                        }
                    }
                }
            }
            (FaultKind::ZoneOutage { zone, .. }, FaultStep::End) => {
                let Some(target) = target else { return };
                let o = target as usize;
                let z = self.scenario.capacity.zones.iter().position(|x| x == zone).unwrap_or(0);
                self.faults.zone_out[z] = false;
                self.fault_event(now, None, &format!("availability zone {zone} is back"));
                let ids = self.faults.occurrences[o].instances.clone();
                for id in ids {
                    if self.faults.unreachable.down_by(id) == Some(o as u32) {
                        self.faults.unreachable.set_up(id);
                        self.thaw_timers(now, id);
                        let on_it: Vec<u32> = self.live_tasks_on(id);
                        for t in on_it {
                            self.server_reachable(now, TaskId(t));
                        }
                        if !self.cluster.instance(id).fargate && self.cluster.instance(id).status != InstanceStatus::Inactive {
                            self.reconnect(now, id);
                        }
                    }
                }
                self.release_survivors(o as u32);
                self.faults.end_occurrence(o, now);
                self.evaluate_all(now);
                self.retry_waiting(now);
                self.watch_all(now);
            }
            (FaultKind::SpotInterruption { target: SpotTarget::Instances(t), draining, .. }, FaultStep::Fire) => {
                let Some(id) = self.resolve_instance(fault, t, target) else { return };
                let name = self.cluster.instance(id).ec2_instance_id.clone();
                let how = if *draining { "draining (ECS_ENABLE_SPOT_INSTANCE_DRAINING)" } else { "no spot draining" };
                let o = self.open_occurrence(now, fault, name.clone(), format!("spot interruption notice for {name}; {how}"), true);
                self.faults.occurrences[o as usize].instances.push(id);
                self.watch_services_on(now, o, id);
                self.fault_event(now, Some(id), &format!("EC2 Spot interruption notice for {name}: terminated in 120 s"));
                if *draining && self.cluster.instance(id).status == InstanceStatus::Active {
                    self.set_instance_status(now, id, InstanceStatus::Draining);
                }
                self.queue.schedule(now + SPOT_NOTICE, Event::Fault { fault, step: FaultStep::SpotTerminate, target: Some(o) });
            }
            (FaultKind::SpotInterruption { .. }, FaultStep::SpotTerminate) => {
                let Some(target) = target else { return };
                let o = target as usize;
                if let Some(&id) = self.faults.occurrences[o].instances.first() {
                    if self.cluster.instance(id).status != InstanceStatus::Inactive {
                        let name = self.cluster.instance(id).ec2_instance_id.clone();
                        self.fault_event(now, Some(id), &format!("{name} terminated by EC2 (Spot interruption)"));
                        for t in self.live_tasks_on(id) {
                            self.tasks[t as usize].stop_code.get_or_insert(StopCode::SpotInterruption);
                        }
                        match self.group_member_of(id) {
                            Some((g, m)) => {
                                self.terminate_member(now, g, m);
                                self.reconcile_group(now, g);
                            }
                            None => self.terminate_instance(now, id),
                        }
                    }
                }
                self.faults.end_occurrence(o, now);
                self.watch_all(now);
            }
            (FaultKind::SpotInterruption { target: SpotTarget::FargateSpot { service }, .. }, FaultStep::Fire) => {
                let task = target.map(TaskId).or_else(|| self.pick_fargate_spot_task(fault, *service));
                let Some(task) = task else { return };
                let t = &self.tasks[task.index()];
                if !t.desired_running || t.last_status == LastStatus::Stopped {
                    return;
                }
                let Owner::Service(s) = t.owner else { return };
                let label = format!("t-{:06}", task.0);
                let o = self.open_occurrence(now, fault, label.clone(), format!("Fargate Spot interruption of {label}"), false);
                self.open_watch(now, o, s, vec![task.0]);
                self.record(now, EventKind::Fault, task, "SpotInterruption", "Your Spot Task was interrupted.");
                self.stop_task(now, task, StopCode::SpotInterruption);
                self.queue.schedule(now + SPOT_NOTICE, Event::Fault { fault, step: FaultStep::FargateKill, target: Some(task.0) });
                self.watch_all(now);
            }
            (FaultKind::SpotInterruption { .. }, FaultStep::FargateKill) => {
                let Some(target) = target else { return };
                if self.tasks[target as usize].last_status != LastStatus::Stopped {
                    self.tasks[target as usize].exited = true;
                    self.kill_task(now, TaskId(target));
                }
                self.watch_all(now);
            }
            (FaultKind::AppCrash { service, .. }, FaultStep::Fire) => {
                let task = target.map(TaskId).or_else(|| self.pick_running_task(fault, *service));
                let Some(task) = task else { return };
                let t = &self.tasks[task.index()];
                if !t.desired_running || t.last_status != LastStatus::Running {
                    return;
                }
                let label = format!("t-{:06}", task.0);
                let o = self.open_occurrence(now, fault, label.clone(), format!("essential container of {label} exited"), false);
                self.open_watch(now, o, ServiceId::at(*service), vec![task.0]);
                self.record(now, EventKind::Fault, task, "EssentialContainerExited", "application crash (injected)");
                self.server_crashed(now, task);
                self.tasks[task.index()].exited = true;
                self.stop_task(now, task, StopCode::EssentialContainerExited);
                self.watch_all(now);
            }
            (FaultKind::BadRevision { service, task_definition, failure, .. }, FaultStep::Fire) => {
                let td = &self.scenario.task_definitions[*task_definition];
                let label = format!("{}:{}", td.family, td.revision);
                let detail = format!("UpdateService {} to {label}, which fails ({failure:?})", self.services[*service].name);
                // Not `ongoing`: nothing would ever clear it for a bad revision, so its watch
                // could never recover. `bad_deployment_in_progress` keeps the watch open while
                // the deployment to the bad revision (or its rollback) is in progress.
                let o = self.open_occurrence(now, fault, label, detail, false);
                self.open_watch(now, o, ServiceId::at(*service), Vec::new());
            }
            // Each kind schedules only its own steps: these pairs are never scheduled. They are
            // listed, not matched by `_`, so that a new kind or step must say what it does here.
            (
                FaultKind::InstanceFailure { .. },
                FaultStep::End | FaultStep::SpotTerminate | FaultStep::FargateKill | FaultStep::ZoneReplace,
            )
            | (
                FaultKind::AgentDisconnect { .. },
                FaultStep::Detect | FaultStep::Replace | FaultStep::SpotTerminate | FaultStep::FargateKill | FaultStep::ZoneReplace,
            )
            | (FaultKind::ZoneOutage { .. }, FaultStep::Replace | FaultStep::SpotTerminate | FaultStep::FargateKill)
            | (FaultKind::SpotInterruption { .. }, FaultStep::Detect | FaultStep::Replace | FaultStep::End | FaultStep::ZoneReplace)
            | (
                FaultKind::AppCrash { .. } | FaultKind::BadRevision { .. },
                FaultStep::Detect
                | FaultStep::Replace
                | FaultStep::End
                | FaultStep::SpotTerminate
                | FaultStep::FargateKill
                | FaultStep::ZoneReplace,
            ) => {}
        }
    }
}
