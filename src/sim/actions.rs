//! Scheduled actions: UpdateService, DeleteService, RunTask, StopTask,
//! UpdateContainerInstancesState (DRAINING / ACTIVE), deregistering, terminating and
//! registering instances.

use crate::ecs::instance::{InstanceId, InstanceStatus};
use crate::ecs::placement::{self, Outcome, PlacementRequest, Strategy};
use crate::ecs::task::StopCode;
use crate::ecs::InstanceSpec;
use crate::engine::{MaybeTime, SimTime};
use crate::model::ActionKind;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;
use crate::sim::lifecycle::NewTask;
use crate::sim::notice::Notice;
use crate::sim::recorder::{EventKind, EventSource};
use crate::sim::services::ServiceUpdate;
use crate::sim::task::Owner;
use crate::sim::world::World;

impl World<'_> {
    pub(super) fn on_action(&mut self, now: SimTime, index: u16) {
        let scenario = self.scenario;
        let action = &scenario.actions[index as usize];
        let source = match &action.kind {
            ActionKind::UpdateService { service, .. }
            | ActionKind::DeleteService { service }
            | ActionKind::StopTask { service, .. }
            | ActionKind::ProtectTask { service, .. } => EventSource::Service(ServiceId::at(*service)),
            _ => EventSource::Action,
        };
        let summary = self.describe_action(&action.kind);
        self.recorder.event(now, EventKind::Action, None, source, None, "", &summary);
        match &action.kind {
            ActionKind::UpdateService { service, desired_count, task_definition, deployment, placement_strategy, force_new_deployment } => {
                let update = ServiceUpdate {
                    desired_count: *desired_count,
                    task_definition: *task_definition,
                    deployment: deployment.clone(),
                    placement_strategy: placement_strategy.clone(),
                    force_new_deployment: *force_new_deployment,
                };
                self.update_service(now, ServiceId::at(*service), &update);
            }
            ActionKind::DeleteService { service } => {
                self.services[*service].deleted = true;
                self.request_evaluation(now, ServiceId::at(*service));
            }
            ActionKind::RunTask { task_definition, count, group, run_time } => {
                let group = self.cluster.group_id(group);
                for _ in 0..*count {
                    let req = PlacementRequest {
                        reservation: &self.reservations[*task_definition],
                        group,
                        strategies: &[Strategy::Random],
                        constraints: &[],
                        requires_attributes: &scenario.task_definitions[*task_definition].requires_attributes,
                        tie_break: scenario.tie_break,
                    };
                    self.recorder.submitted();
                    match placement::place(&self.cluster, &req, &mut self.placement_rng, false).outcome {
                        Outcome::Placed { instance } => {
                            let run = run_time.sample(&mut self.lifecycle_rng);
                            let delay = scenario.lifecycle.start_delay.sample(&mut self.lifecycle_rng);
                            let new = NewTask {
                                owner: Owner::Action,
                                task_definition: *task_definition as u16,
                                group,
                                deployment: 0,
                                submitted_at: now,
                                run_time: Some(run),
                                start_delay: delay,
                            };
                            let task = self.start_task(now, instance, new);
                            self.recorder.placed(crate::engine::Span::ZERO);
                            self.record(now, EventKind::Placed, task, "", "RunTask");
                        }
                        Outcome::Failed { reason, .. } => {
                            self.recorder.failed(reason.code());
                            self.recorder.event(now, EventKind::Failed, None, EventSource::Action, None, reason.code(), "RunTask");
                        }
                    }
                }
            }
            ActionKind::ProtectTask { service, index, expires_in } => {
                if let Some(&task) = self.services[*service].tasks.get(*index as usize) {
                    self.tasks[task.index()].protected_until = MaybeTime::some(now + *expires_in);
                    self.request_evaluation(now, ServiceId::at(*service));
                }
            }
            ActionKind::StopTask { service, index } => {
                let alive: Vec<TaskId> = self.services[*service].tasks.clone();
                if let Some(&task) = alive.get(*index as usize) {
                    self.stop_task(now, task, StopCode::UserInitiated);
                }
            }
            ActionKind::DrainInstance { instance } => self.set_instance_status(now, *instance, InstanceStatus::Draining),
            ActionKind::ActivateInstance { instance } => self.set_instance_status(now, *instance, InstanceStatus::Active),
            ActionKind::DeregisterInstance { instance } | ActionKind::TerminateInstance { instance } => {
                self.terminate_instance(now, *instance)
            }
            ActionKind::SetAlarmState { alarm, in_alarm } => {
                let was_in_alarm = self.monitor.in_alarm(alarm);
                self.monitor.set_alarm_state(now, alarm, *in_alarm);
                // An alarm that entered or left ALARM makes the services re-evaluate at once
                // (docs/ecs-model.md#deployment-alarms); then they re-evaluate for the action itself.
                if was_in_alarm != *in_alarm {
                    self.notify(now, Notice::AlarmChanged);
                }
                self.evaluate_all(now);
            }
            ActionKind::SetDesiredCapacity { group, desired } => self.set_group_desired(
                now,
                *group,
                *desired,
                "SetDesiredCapacity",
                format!("set_desired_capacity action: desired {desired}"),
            ),
            ActionKind::RegisterInstance { instance_type, zone, count } => {
                for _ in 0..*count {
                    let id = self.register_instance(
                        now,
                        &InstanceSpec {
                            instance_type,
                            availability_zone: zone.clone(),
                            os_memory_mib: None,
                            reserved_memory_mib: 0,
                            awsvpc_trunking: false,
                            custom_attributes: Default::default(),
                            registered_at_unix_s: 1_700_000_000 + now.whole_secs() as i64,
                            agent_version: "1.70.0".into(),
                            price_usd_per_hour: None,
                        },
                        "",
                    );
                    self.notify(now, Notice::InstanceRegistered(id));
                }
                self.evaluate_all(now);
                self.retry_waiting(now);
            }
        }
    }

    /// events.csv's text for an action: the API call and its parameters, by name (the service,
    /// the task definition's family:revision, the EC2 instance ID).
    fn describe_action(&self, kind: &ActionKind) -> String {
        let scenario = self.scenario;
        let service = |s: &usize| scenario.services[*s].definition.service_name.as_str();
        let td = |t: &usize| scenario.task_definitions[*t].family_revision();
        let instance = |i: &InstanceId| self.cluster.instance(*i).ec2_instance_id.as_str();
        match kind {
            ActionKind::UpdateService {
                service: s,
                desired_count,
                task_definition,
                deployment,
                placement_strategy,
                force_new_deployment,
            } => {
                let mut parts: Vec<String> = vec![];
                if let Some(d) = desired_count {
                    parts.push(format!("desiredCount {d}"));
                }
                if let Some(t) = task_definition {
                    parts.push(format!("taskDefinition {}", td(t)));
                }
                if let Some(d) = deployment {
                    parts.push(format!("minimumHealthyPercent {}, maximumPercent {}", d.minimum_healthy_percent, d.maximum_percent));
                    if let Some(cb) = d.circuit_breaker.as_ref() {
                        parts.push(format!(
                            "circuit breaker {}{}",
                            if cb.enable { "on" } else { "off" },
                            if cb.rollback { " with rollback" } else { "" }
                        ));
                    }
                    if let Some(a) = d.alarms.as_ref() {
                        parts.push(format!("alarms [{}]{}", a.alarm_names.join(", "), if a.rollback { " with rollback" } else { "" }));
                    }
                }
                if let Some(st) = placement_strategy {
                    let list: Vec<String> = st.iter().map(|x| x.to_string()).collect();
                    parts.push(format!("placementStrategy [{}]", list.join(", ")));
                }
                if *force_new_deployment {
                    parts.push("forceNewDeployment".into());
                }
                let tail = if parts.is_empty() { String::new() } else { format!(": {}", parts.join(", ")) };
                format!("UpdateService {}{tail}", service(s))
            }
            ActionKind::DeleteService { service: s } => format!("DeleteService {} --force", service(s)),
            ActionKind::RunTask { task_definition, count, group, .. } => {
                format!("RunTask {} count {count} group {group}", td(task_definition))
            }
            ActionKind::StopTask { service: s, index } => format!("StopTask: task {index} (creation order) of service {}", service(s)),
            ActionKind::ProtectTask { service: s, index, expires_in } => {
                format!("UpdateTaskProtection: task {index} (creation order) of service {} protected for {expires_in}", service(s))
            }
            ActionKind::DrainInstance { instance: i } => format!("UpdateContainerInstancesState {} DRAINING", instance(i)),
            ActionKind::ActivateInstance { instance: i } => format!("UpdateContainerInstancesState {} ACTIVE", instance(i)),
            ActionKind::DeregisterInstance { instance: i } => format!("DeregisterContainerInstance {} --force", instance(i)),
            ActionKind::TerminateInstance { instance: i } => format!("TerminateInstances {}", instance(i)),
            ActionKind::SetAlarmState { alarm, in_alarm } => {
                format!("SetAlarmState {alarm} {}", if *in_alarm { "ALARM" } else { "OK" })
            }
            ActionKind::SetDesiredCapacity { group, desired } => {
                format!("SetDesiredCapacity {} {desired}", scenario.capacity.groups[*group].config.name)
            }
            ActionKind::RegisterInstance { instance_type, zone, count } => {
                format!("RegisterContainerInstance: {count} × {} in {zone}", instance_type.name)
            }
        }
    }
}
