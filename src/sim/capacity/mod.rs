//! Capacity in the run (docs/ecs-model.md#capacity): Auto Scaling groups launching and terminating instances,
//! capacity providers with managed scaling (the CapacityProviderReservation metric, its two
//! alarms, managed termination protection and draining), services that split their tasks over
//! a capacity provider strategy — tasks no instance of their provider can take wait in
//! PROVISIONING —, Fargate tasks, and what it all costs. The decisions are `crate::capacity`'s;
//! this module keeps the state and carries them out.
//!
//! * **Groups.** A group's instances at t = 0 are in the scenario's cluster. When its desired
//!   capacity rises it launches instances (zone: `asg::zone_for_launch`, type:
//!   `type_for_launch`), each registering `registration_delay()` later (`Event::AsgInstanceReady`);
//!   when it falls it picks instances with `asg::choose_for_termination` (a uniform draw from
//!   the `asg` stream), drains them first when its provider has managed draining, and
//!   terminates each once no non-daemon task is left on it. A scale-out returns draining
//!   instances to service first (it stops a scale-in in progress).
//! * **Managed scaling**, every minute: `capacity_provider_reservation` → published as
//!   `AWS/ECS/ManagedScaling CapacityProviderReservation` → the provider's two alarms (created
//!   at the start in the run's CloudWatch) → while AlarmHigh (AlarmLow) is in ALARM, desired =
//!   `managed_desired`, no scale-out while an instance is in its warm-up. Each change is a
//!   scaling.csv row (the group's name in `service`).
//! * **Strategies** (`launch_by_capacity`): one task at a time, the item by `strategy::choose`
//!   over the service's non-STOPPED tasks per item (PROVISIONING ones included); an Auto
//!   Scaling group provider's tasks are placed on its group's instances only (a memberOf on
//!   `ecsim.auto-scaling-group`).
//! * **Fargate**: each task gets capacity of its own, a hidden container instance sized to the
//!   task in the emptiest of the service's zones (`Cluster::register_fargate`), retired when the
//!   task is STOPPED; launch latency from the `fargate` stream; billed from PENDING to STOPPED.
//! * **Cost**: EC2 instances from launch (groups) or registration to termination or the end of
//!   the run, at their group's purchase option; Fargate per task (`capacity::cost`).

mod cost;
mod managed;
mod services;
pub mod state;

use crate::capacity::asg::{self, AsgInstanceView, PurchaseOption};
use crate::capacity::cost::fargate_cost_usd;
use crate::capacity::provider::{self, capacity_provider_reservation, CprInput, InstanceShape};
use crate::ecs::instance::{InstanceId, InstanceStatus};
use crate::ecs::instance_types::{self};
use crate::ecs::placement::{Constraint, Outcome};
use crate::ecs::service::SchedulingStrategy;
use crate::ecs::task::LastStatus;
use crate::ecs::InstanceSpec;
use crate::engine::SimTime;
use crate::model::CapacityTarget;
use crate::sim::ids::AsgId;
use crate::sim::ids::TaskId;
use crate::sim::notice::Notice;
use crate::sim::recorder::{EventKind, EventSource};
use crate::sim::scaling::state::ScalingRow;
use crate::sim::task::Owner;
use crate::sim::world::{Event, World};
use rand::Rng;
pub use state::{CapacityOutcome, CapacityState, GroupSummary};
use state::{CostItem, FargateTask, GroupState, Member, MemberState, Provisioning};
use std::collections::BTreeMap;

impl World<'_> {
    /// An instance registered by an action: billed on-demand from now.
    pub(super) fn capacity_instance_registered(&mut self, now: SimTime, id: InstanceId) {
        let inst = self.cluster.instance(id);
        let Some(t) = instance_types::lookup(&inst.instance_type) else { return };
        let item =
            CostItem { instance_type: t, purchase: PurchaseOption::OnDemand, usd_per_hour: inst.price_usd_per_hour, start: now, end: None };
        let c = &mut self.capacity;
        c.items.push(item);
        c.info_mut(id).item = Some((c.items.len() - 1) as u32);
    }

    /// The instance became INACTIVE (terminated, deregistered): its bill closes, and a group
    /// that owned it no longer counts it.
    pub(super) fn capacity_instance_gone(&mut self, now: SimTime, id: InstanceId) {
        let info = self.capacity.info(id);
        if let Some(item) = info.item {
            self.capacity.close_item(item as usize, now);
        }
        if let Some(g) = info.group {
            let g = g as usize;
            if let Some(m) = self.capacity.groups[g].members.iter_mut().find(|m| m.instance == Some(id)) {
                if m.state != MemberState::Terminated {
                    m.state = MemberState::Terminated;
                    self.capacity.groups[g].terminated += 1;
                }
            }
        }
    }

    /// Non-STOPPED tasks on `id` that are not a DAEMON service's (what managed scaling and
    /// managed termination protection look at).
    fn non_daemon_tasks_on(&self, id: InstanceId) -> u32 {
        let inst = self.cluster.instance(id);
        let all = inst.running_tasks_count + inst.pending_tasks_count;
        let daemons = self
            .services
            .iter()
            .filter(|s| s.scheduling == SchedulingStrategy::Daemon)
            .flat_map(|s| s.tasks.iter())
            .filter(|&&t| self.tasks[t.index()].instance == id)
            .count() as u32;
        all.saturating_sub(daemons)
    }

    /// A task reached STOPPED: Fargate capacity is billed and retired; a draining group
    /// instance with no task left is terminated.
    pub(super) fn capacity_task_stopped(&mut self, now: SimTime, task: TaskId) {
        let instance = self.tasks[task.index()].instance;
        if self.cluster.instance(instance).fargate {
            if let Some(f) = self.capacity.fargate.remove(&instance.0) {
                if now > f.billed_from {
                    let td = self.tasks[task.index()].task_definition as usize;
                    let (r, arch) = (&self.reservations[td], self.scenario.task_definitions[td].cpu_architecture);
                    let billed = now.since(f.billed_from);
                    self.capacity.closed.add_fargate_task(r.cpu_units, r.memory_mib, arch, f.spot, billed);
                    let prices = self.capacity.closed.fargate_prices;
                    self.capacity.service_fargate_usd[f.service.index()] +=
                        fargate_cost_usd(r.cpu_units, r.memory_mib, arch, f.spot, billed, &prices);
                }
            }
            self.cluster.instance_mut(instance).status = InstanceStatus::Inactive;
            self.notify(now, Notice::InstanceChanged(instance));
            return;
        }
        self.terminate_if_drained(now, instance);
    }

    fn terminate_if_drained(&mut self, now: SimTime, instance: InstanceId) {
        if self.capacity.groups.is_empty() {
            return; // no instance is a group's (and the lookup below is a cache miss per task stopped)
        }
        let info = self.capacity.info(instance);
        let Some(g) = info.group else { return };
        let g = g as usize;
        let Some(m) = self.capacity.groups[g].members.iter().position(|m| m.instance == Some(instance)) else { return };
        if self.capacity.groups[g].members[m].state == MemberState::Draining && self.non_daemon_tasks_on(instance) == 0 {
            self.terminate_member(now, g, m);
        }
    }

    pub(super) fn terminate_member(&mut self, now: SimTime, g: usize, m: usize) {
        let name = self.scenario.capacity.groups[g].config.name.clone();
        let member = &mut self.capacity.groups[g].members[m];
        if member.state == MemberState::Terminated {
            return;
        }
        member.state = MemberState::Terminated;
        self.capacity.groups[g].terminated += 1;
        match self.capacity.groups[g].members[m].instance {
            Some(id) => {
                let ec2 = self.cluster.instance(id).ec2_instance_id.clone();
                self.recorder.event(
                    now,
                    EventKind::Instance,
                    None,
                    EventSource::Action,
                    Some(id),
                    "TERMINATED",
                    &format!("Auto Scaling group {name} terminated {ec2}"),
                );
                self.terminate_instance(now, id);
            }
            None => {
                if let Some(item) = self.capacity.groups[g].members[m].item {
                    self.capacity.close_item(item, now);
                }
            }
        }
    }

    /// A launched instance's agent registers it with the cluster.
    pub(super) fn on_asg_instance_ready(&mut self, now: SimTime, g: AsgId, m: u32) {
        let (g, m) = (g.index(), m as usize);
        let config = &self.scenario.capacity.groups[g].config;
        let member = self.capacity.groups[g].members[m].clone();
        if member.state != MemberState::Launching {
            return;
        }
        let mut custom_attributes = BTreeMap::new();
        custom_attributes.insert(crate::model::ASG_ATTRIBUTE.to_string(), config.name.clone());
        let spec = InstanceSpec {
            instance_type: member.instance_type,
            availability_zone: config.zones[member.zone].clone(),
            os_memory_mib: None,
            reserved_memory_mib: self.scenario.capacity.reserved_memory_mib,
            awsvpc_trunking: false,
            custom_attributes,
            registered_at_unix_s: 1_700_000_000 + now.whole_secs() as i64,
            agent_version: "1.70.0".into(),
            price_usd_per_hour: member.item.map(|i| self.capacity.items[i].usd_per_hour),
        };
        let id = self.register_instance(now, &spec, &format!(" (Auto Scaling group {})", config.name));
        let info = self.capacity.info_mut(id);
        info.item = member.item.map(|i| i as u32);
        info.group = Some(g as u32);
        let group = &mut self.capacity.groups[g];
        group.members[m].instance = Some(id);
        group.members[m].state = MemberState::InService;
        let in_service = group.members.iter().filter(|m| m.state == MemberState::InService).count() as u32;
        group.peak_in_service = group.peak_in_service.max(in_service);
        self.notify(now, Notice::GroupInstanceRegistered(id));
        self.evaluate_all(now);
        self.retry_waiting(now);
    }

    fn launch_instance(&mut self, now: SimTime, g: usize) {
        let config = &self.scenario.capacity.groups[g].config;
        let mut per_zone = vec![0u32; config.zones.len()];
        for m in self.capacity.groups[g].members.iter().filter(|m| matches!(m.state, MemberState::Launching | MemberState::InService)) {
            per_zone[m.zone] += 1;
        }
        // Not into a zone that is out (a zone outage fault).
        let (Some(zone), Some((t, version))) = (self.launch_zone(&per_zone, &config.zones), config.launch_at(now, |_| true)) else {
            return;
        };
        let item =
            CostItem { instance_type: t, purchase: config.purchase, usd_per_hour: config.price_usd_per_hour(t), start: now, end: None };
        self.capacity.items.push(item);
        let group = &mut self.capacity.groups[g];
        group.members.push(Member {
            instance: None,
            zone,
            instance_type: t,
            launched_at: now,
            launch_template_version: version,
            state: MemberState::Launching,
            protected: config.new_instances_protected_from_scale_in,
            initial: false,
            item: Some(self.capacity.items.len() - 1),
        });
        group.launched += 1;
        let member = (group.members.len() - 1) as u32;
        let delay = config.registration_delay();
        self.queue.schedule(now + delay, Event::AsgInstanceReady { group: AsgId::at(g), member });
        self.recorder.event(
            now,
            EventKind::Instance,
            None,
            EventSource::Action,
            None,
            "LAUNCHING",
            &format!(
                "Auto Scaling group {} launches a {} in {}{} (registers after {delay})",
                config.name,
                t.name,
                config.zones[zone],
                config
                    .launch_template
                    .as_ref()
                    .map_or(String::new(), |lt| format!(" from launch template {} version {version} ({})", lt.template.name, lt.version))
            ),
        );
    }

    /// The group's provider, if it has one.
    fn provider_of_group(&self, g: usize) -> Option<usize> {
        self.scenario.capacity.providers.iter().position(|p| p.group == g)
    }

    /// Whether a zone (by name) may take new capacity.
    pub(super) fn zone_available(&self, zone: &str) -> bool {
        self.scenario.capacity.zones.iter().position(|z| z == zone).is_none_or(|z| !self.faults.zone_out[z])
    }

    /// The zone of the next launch among `zones`, leaving out zones in an outage.
    pub(super) fn launch_zone(&self, counts: &[u32], zones: &[String]) -> Option<usize> {
        // `asg::zone_for_launch` among the zones that may take capacity: the fewest instances,
        // the earlier zone on ties.
        counts.iter().zip(zones).enumerate().filter(|(_, (_, z))| self.zone_available(z)).min_by_key(|(_, (&c, _))| c).map(|(i, _)| i)
    }

    /// Launches or terminates until the group holds its desired capacity.
    pub(super) fn reconcile_group(&mut self, now: SimTime, g: usize) {
        let alive =
            |s: &GroupState| s.members.iter().filter(|m| matches!(m.state, MemberState::Launching | MemberState::InService)).count() as u32;
        let desired = self.capacity.groups[g].desired;
        let mut have = alive(&self.capacity.groups[g]);
        // A scale-out stops a scale-in in progress (docs/ecs-model.md#managed-scaling step 8): draining instances
        // return to service before anything is launched.
        while have < desired {
            let Some(m) = self.capacity.groups[g].members.iter().position(|m| m.state == MemberState::Draining) else { break };
            self.capacity.groups[g].members[m].state = MemberState::InService;
            if let Some(id) = self.capacity.groups[g].members[m].instance {
                self.set_instance_status(now, id, InstanceStatus::Active);
            }
            have += 1;
        }
        for _ in have..desired {
            self.launch_instance(now, g);
        }
        let config = &self.scenario.capacity.groups[g].config;
        let provider = self.provider_of_group(g).map(|p| &self.scenario.capacity.providers[p].config);
        for _ in desired..have {
            let views: Vec<AsgInstanceView<usize>> = self.capacity.groups[g]
                .members
                .iter()
                .enumerate()
                .filter(|(_, m)| m.state == MemberState::InService)
                .filter_map(|(i, m)| {
                    let id = m.instance?;
                    let busy = self.non_daemon_tasks_on(id) > 0;
                    let protected = provider.map_or(m.protected, |p| p.scale_in_protected(busy, m.protected));
                    Some(AsgInstanceView {
                        id: i,
                        zone: m.zone,
                        launched_at: m.launched_at,
                        launch_template_version: m.launch_template_version,
                        protected,
                    })
                })
                .collect();
            let u: f64 = self.capacity.asg_rng.gen();
            // Every instance protected: the group waits with more instances than desired.
            let Some(m) = asg::choose_for_termination(&views, &config.termination_policies, now, u) else { break };
            if provider.is_some_and(|p| p.managed_draining) {
                self.capacity.groups[g].members[m].state = MemberState::Draining;
                if let Some(id) = self.capacity.groups[g].members[m].instance {
                    self.set_instance_status(now, id, InstanceStatus::Draining);
                    self.terminate_if_drained(now, id);
                }
            } else {
                self.terminate_member(now, g, m);
            }
        }
    }

    /// Sets a group's desired capacity (managed scaling, or a SetDesiredCapacity action), with
    /// a scaling.csv row, and launches or terminates to it.
    pub(super) fn set_group_desired(&mut self, now: SimTime, g: usize, to: u32, policy: &str, reason: String) {
        let from = self.capacity.groups[g].desired;
        if from == to {
            return;
        }
        self.capacity.groups[g].desired = to;
        let name = self.scenario.capacity.groups[g].config.name.clone();
        self.recorder.event(
            now,
            EventKind::Action,
            None,
            EventSource::Action,
            None,
            "",
            &format!("Auto Scaling group {name}: desired capacity {from} → {to} ({policy})"),
        );
        self.scaling_rows.push(ScalingRow {
            time_s: now.whole_secs(),
            service: name,
            policy: policy.to_string(),
            from_desired: from,
            to_desired: to,
            reason,
        });
        self.reconcile_group(now, g);
    }
}
