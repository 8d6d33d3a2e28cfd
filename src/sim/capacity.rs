//! Capacity in the run (spec §12): Auto Scaling groups launching and terminating instances,
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

use crate::sim::notice::Notice;
use super::recorder::EventSource;
use super::recorder::EventKind;
use super::scaling::ScalingRow;
use super::{Event, Owner, World};
use crate::capacity::asg::{self, AsgInstanceView, PurchaseOption};
use crate::capacity::cost::{fargate_cost_usd, CostLedger, CostReport};
use crate::capacity::provider::{self, capacity_provider_reservation, CprInput, CprResult, InstanceShape};
use crate::cloudwatch::{AlarmConfig, ComparisonOperator, MetricId, Period, Statistic};
use crate::ecs::instance::{InstanceId, InstanceStatus};
use crate::ecs::instance_types::{self, InstanceType};
use crate::ecs::placement::{self, Constraint, Outcome, PlacementRequest};
use crate::ecs::service::SchedulingStrategy;
use crate::ecs::task::LastStatus;
use crate::ecs::InstanceSpec;
use crate::engine::{SimTime, StreamRng, Streams};
use crate::scenario::{CapacityTarget, Scenario};
use crate::sim::monitor::Monitor;
use rand::Rng;
use serde::Serialize;
use std::collections::BTreeMap;


/// Where a group's instance is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberState {
    /// Launched, not registered yet.
    Launching,
    InService,
    /// Chosen for termination, draining its tasks first (managed draining).
    Draining,
    Terminated,
}

/// One instance a group launched (or had at t = 0).
#[derive(Debug, Clone)]
pub struct Member {
    pub instance: Option<InstanceId>,
    /// Index into the group's zones.
    pub zone: usize,
    pub instance_type: &'static InstanceType,
    pub launched_at: SimTime,
    /// The launch template version it was launched from (1 without a template).
    pub launch_template_version: u32,
    pub state: MemberState,
    /// Protected from scale-in at launch (`NewInstancesProtectedFromScaleIn`).
    pub protected: bool,
    /// In the group at t = 0: warm already (no warm-up holds a scale-out for it).
    pub initial: bool,
    /// Its cost item (none for an instance at t = 0 of a type without a price).
    item: Option<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct GroupState {
    pub desired: u32,
    pub members: Vec<Member>,
    pub launched: u32,
    pub terminated: u32,
    pub peak_in_service: u32,
}

#[derive(Debug, Clone)]
pub struct ProviderState {
    /// The metric of the last minute.
    pub cpr: Option<CprResult>,
    /// Its alarms in the run's CloudWatch (AlarmHigh, AlarmLow); `None` without managed scaling.
    alarms: Option<(usize, usize)>,
    /// Restricts placement to the group's instances.
    member_of: Option<Constraint>,
}

/// A task waiting in PROVISIONING for capacity of its strategy item.
#[derive(Debug, Clone)]
pub struct Provisioning {
    /// Index into the service's strategy items.
    pub item: usize,
    pub task_definition: usize,
    pub deployment: u32,
    pub since: SimTime,
}

/// One EC2 instance's bill.
#[derive(Debug, Clone)]
struct CostItem {
    instance_type: &'static InstanceType,
    purchase: PurchaseOption,
    usd_per_hour: f64,
    start: SimTime,
    end: Option<SimTime>,
}

#[derive(Debug, Clone, Copy)]
struct FargateTask {
    task: u32,
    service: u16,
    spot: bool,
    /// PENDING: image pull start (spec §12.5).
    billed_from: SimTime,
}

/// What the run knows of each instance, by id.
#[derive(Debug, Clone, Copy)]
struct InstanceInfo {
    /// Cost item (none for an instance of a type without a price).
    item: Option<u32>,
    /// Auto Scaling group index.
    group: Option<u32>,
    /// A Fargate task's capacity: FARGATE_SPOT or not.
    fargate_spot: Option<bool>,
}

const NO_INFO: InstanceInfo = InstanceInfo { item: None, group: None, fargate_spot: None };

/// The capacity side of the run.
pub struct CapacityState {
    pub groups: Vec<GroupState>,
    pub providers: Vec<ProviderState>,
    /// Per service: tasks waiting in PROVISIONING, oldest first.
    pub provisioning: Vec<Vec<Provisioning>>,
    info: Vec<InstanceInfo>,
    items: Vec<CostItem>,
    /// Fargate tasks not yet STOPPED, by their capacity's instance id.
    fargate: BTreeMap<u32, FargateTask>,
    /// Everything already billed (terminated instances, STOPPED Fargate tasks).
    closed: CostLedger,
    /// Per service: Fargate cost so far (USD).
    service_fargate_usd: Vec<f64>,
    asg_rng: StreamRng,
    fargate_rng: StreamRng,
}

/// One group at the end of the run (summary.json).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupSummary {
    pub name: String,
    pub desired_at_end: u32,
    pub in_service_at_end: u32,
    pub peak_in_service: u32,
    pub launched: u32,
    pub terminated: u32,
}

/// What the capacity side leaves for the report.
#[derive(Debug, Clone)]
pub struct CapacityOutcome {
    pub cost: CostReport,
    /// Per service: Fargate cost (USD), `None` for services that ran no Fargate task.
    pub service_cost_usd: Vec<Option<f64>>,
    pub groups: Vec<GroupSummary>,
    /// Per instance: the capacity provider it belongs to ("" for none), for tasks.csv.
    pub instance_provider: Vec<String>,
    /// Per service: it has a capacity provider strategy or the Fargate launch type.
    pub services_with_capacity: Vec<bool>,
    /// True when the scenario uses groups, strategies or Fargate.
    pub in_use: bool,
}

/// The two alarms of a provider's managed target-tracking policy, as CloudWatch alarms.
fn managed_alarm_config(spec: &provider::AlarmSpec) -> AlarmConfig {
    let metric = MetricId::new(spec.namespace, spec.metric_name, spec.dimensions.clone());
    let comparison = match spec.comparison {
        provider::Comparison::GreaterThanThreshold => ComparisonOperator::GreaterThanThreshold,
        provider::Comparison::LessThanThreshold => ComparisonOperator::LessThanThreshold,
    };
    let period = Period::from_seconds(spec.period.whole_secs() as i64).unwrap_or(Period::from_minutes(1));
    AlarmConfig::new(spec.name.clone(), metric, Statistic::Average, period, spec.evaluation_periods, comparison, spec.threshold)
        .with_datapoints_to_alarm(spec.datapoints_to_alarm)
}

/// The capacity state at t = 0: the groups' instances, cost items of every instance, each
/// managed provider's alarms (created in `monitor`).
pub fn init(scenario: &Scenario, monitor: &mut Monitor, streams: &Streams) -> CapacityState {
    let cluster = &scenario.cluster;
    let mut state = CapacityState {
        groups: Vec::new(),
        providers: Vec::new(),
        provisioning: vec![Vec::new(); scenario.services.len()],
        info: vec![NO_INFO; cluster.instances.len()],
        items: Vec::new(),
        fargate: BTreeMap::new(),
        closed: CostLedger::new(scenario.capacity.fargate.prices),
        service_fargate_usd: vec![0.0; scenario.services.len()],
        asg_rng: streams.get("asg"),
        fargate_rng: streams.get("fargate"),
    };
    // Every instance of the cluster at t = 0 is billed from the start: on-demand, or its group's
    // purchase option.
    for inst in &cluster.instances {
        let Some(t) = instance_types::lookup(&inst.instance_type) else { continue };
        let group = scenario.capacity.groups.iter().position(|g| g.initial.contains(&inst.id));
        let purchase = group.map_or(PurchaseOption::OnDemand, |g| scenario.capacity.groups[g].config.purchase);
        state.info[inst.id.index()].item = Some(state.items.len() as u32);
        state.items.push(CostItem { instance_type: t, purchase, usd_per_hour: inst.price_usd_per_hour, start: SimTime::ZERO, end: None });
    }
    for (g, spec) in scenario.capacity.groups.iter().enumerate() {
        let mut group = GroupState { desired: spec.config.desired_capacity, ..GroupState::default() };
        for &id in &spec.initial {
            let inst = cluster.instance(id);
            state.info[id.index()].group = Some(g as u32);
            group.members.push(Member {
                instance: Some(id),
                zone: spec.config.zones.iter().position(|z| *z == inst.availability_zone).unwrap_or(0),
                instance_type: instance_types::lookup(&inst.instance_type).unwrap_or(spec.config.instance_types[0]),
                launched_at: SimTime::ZERO,
                launch_template_version: spec.config.launch_at(SimTime::ZERO, |_| true).map_or(1, |(_, v)| v),
                state: MemberState::InService,
                protected: spec.config.new_instances_protected_from_scale_in,
                initial: true,
                item: state.info[id.index()].item.map(|i| i as usize),
            });
        }
        group.peak_in_service = spec.initial.len() as u32;
        state.groups.push(group);
    }
    for p in &scenario.capacity.providers {
        let group = &scenario.capacity.groups[p.group].config;
        let alarms = p.config.managed_scaling.enabled.then(|| {
            let [high, low] = provider::managed_scaling_alarms(
                &p.config.name,
                &scenario.cluster.name,
                &group.name,
                p.config.managed_scaling.target_capacity_percent,
            );
            (monitor.add_alarm(scenario, managed_alarm_config(&high)), monitor.add_alarm(scenario, managed_alarm_config(&low)))
        });
        let expr = format!("attribute:{} == '{}'", crate::scenario::ASG_ATTRIBUTE, group.name);
        let member_of = Constraint::parse("memberOf", Some(&expr)).ok();
        state.providers.push(ProviderState { cpr: None, alarms, member_of });
    }
    state
}

impl CapacityState {
    fn info_mut(&mut self, id: InstanceId) -> &mut InstanceInfo {
        if self.info.len() <= id.index() {
            self.info.resize(id.index() + 1, NO_INFO);
        }
        &mut self.info[id.index()]
    }

    fn info(&self, id: InstanceId) -> InstanceInfo {
        self.info.get(id.index()).copied().unwrap_or(NO_INFO)
    }

    /// Bills a cost item up to `end` and closes it.
    fn close_item(&mut self, item: usize, end: SimTime) {
        let it = &mut self.items[item];
        if it.end.is_none() {
            it.end = Some(end);
            self.closed.add_instance(it.instance_type, it.purchase, it.usd_per_hour, end.since(it.start));
        }
    }

    /// The ledger as if everything still open stopped at `now`.
    fn ledger_at(&self, now: SimTime, scenario: &Scenario, tasks: &[super::Task]) -> (CostLedger, Vec<f64>) {
        let mut ledger = self.closed.clone();
        let mut per_service = self.service_fargate_usd.clone();
        for it in self.items.iter().filter(|it| it.end.is_none()) {
            ledger.add_instance(it.instance_type, it.purchase, it.usd_per_hour, now.since(it.start));
        }
        for f in self.fargate.values().filter(|f| now > f.billed_from) {
            let td = &scenario.task_definitions[tasks[f.task as usize].task_definition as usize];
            let (r, arch) = (td.reservation(), td.cpu_architecture);
            let billed = now.since(f.billed_from);
            ledger.add_fargate_task(r.cpu_units, r.memory_mib, arch, f.spot, billed);
            per_service[f.service as usize] += fargate_cost_usd(r.cpu_units, r.memory_mib, arch, f.spot, billed, &ledger.fargate_prices);
        }
        (ledger, per_service)
    }
}

impl World<'_> {
    // ------------------------------------------------------------ instances

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
            .filter(|&&t| self.tasks[t as usize].instance == id)
            .count() as u32;
        all.saturating_sub(daemons)
    }

    /// A task reached STOPPED: Fargate capacity is billed and retired; a draining group
    /// instance with no task left is terminated.
    pub(super) fn capacity_task_stopped(&mut self, now: SimTime, task: u32) {
        let instance = self.tasks[task as usize].instance;
        if self.cluster.instance(instance).fargate {
            if let Some(f) = self.capacity.fargate.remove(&instance.0) {
                if now > f.billed_from {
                    let td = self.tasks[task as usize].task_definition as usize;
                    let (r, arch) = (&self.reservations[td], self.scenario.task_definitions[td].cpu_architecture);
                    let billed = now.since(f.billed_from);
                    self.capacity.closed.add_fargate_task(r.cpu_units, r.memory_mib, arch, f.spot, billed);
                    let prices = self.capacity.closed.fargate_prices;
                    self.capacity.service_fargate_usd[f.service as usize] +=
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

    // ------------------------------------------------------------ groups

    /// A launched instance's agent registers it with the cluster.
    pub(super) fn on_asg_instance_ready(&mut self, now: SimTime, g: u16, m: u32) {
        let (g, m) = (g as usize, m as usize);
        let config = &self.scenario.capacity.groups[g].config;
        let member = self.capacity.groups[g].members[m].clone();
        if member.state != MemberState::Launching {
            return;
        }
        let mut custom_attributes = BTreeMap::new();
        custom_attributes.insert(crate::scenario::ASG_ATTRIBUTE.to_string(), config.name.clone());
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
        self.queue.schedule(now + delay, Event::AsgInstanceReady { group: g as u16, member });
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
        // A scale-out stops a scale-in in progress (spec §12.3 step 8): draining instances
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

    // ------------------------------------------------------------ managed scaling

    /// The metric of provider `p` for the minute that just ended (`monitor` publishes it).
    pub fn capacity_provider_reservation_of(&self, p: usize) -> Option<f64> {
        self.capacity.providers.get(p)?.cpr.as_ref().map(|r| r.cpr_percent)
    }

    /// Spec §12.3 steps 1–5 for every provider with managed scaling, at the end of a minute.
    pub(super) fn capacity_minute_metrics(&mut self) {
        let scenario = self.scenario;
        for (p, spec) in scenario.capacity.providers.iter().enumerate() {
            if !spec.config.managed_scaling.enabled {
                continue;
            }
            let config = &scenario.capacity.groups[spec.group].config;
            let in_service: Vec<InstanceId> = self.capacity.groups[spec.group]
                .members
                .iter()
                .filter(|m| m.state == MemberState::InService)
                .filter_map(|m| m.instance)
                .filter(|&id| self.cluster.instance(id).status == InstanceStatus::Active)
                .collect();
            let with_tasks = in_service.iter().filter(|&&id| self.non_daemon_tasks_on(id) > 0).count() as u32;
            let mut provisioning = Vec::new();
            for (s, list) in self.capacity.provisioning.iter().enumerate() {
                let Some(c) = &scenario.services[s].capacity else { continue };
                for e in list.iter().filter(|e| c.targets.get(e.item) == Some(&CapacityTarget::Provider(p))) {
                    provisioning.push(self.reservations[e.task_definition].clone());
                }
            }
            let shapes: Vec<InstanceShape> =
                config.instance_types.iter().map(|t| InstanceShape::of_type(t, scenario.capacity.reserved_memory_mib, false)).collect();
            let result = capacity_provider_reservation(&CprInput {
                running_instances: in_service.len() as u32,
                instances_with_tasks: with_tasks,
                provisioning: &provisioning,
                shapes: &shapes,
                zone_count: config.zones.len(),
                scaling: &spec.config.managed_scaling,
            });
            self.capacity.providers[p].cpr = Some(result);
        }
    }

    /// After the minute's alarm evaluation: AlarmHigh / AlarmLow in ALARM set the group's
    /// desired capacity (spec §12.3 steps 6–8); then every group is reconciled and drained
    /// instances terminated.
    pub(super) fn capacity_scale(&mut self, now: SimTime) {
        let scenario = self.scenario;
        for (p, spec) in scenario.capacity.providers.iter().enumerate() {
            let (Some((high, low)), Some(cpr)) = (self.capacity.providers[p].alarms, self.capacity.providers[p].cpr.clone()) else {
                continue;
            };
            let g = spec.group;
            let config = &scenario.capacity.groups[g].config;
            let scaling = &spec.config.managed_scaling;
            let firing =
                |i: usize| self.monitor.alarms.get(i).filter(|a| a.in_alarm()).map(|a| a.newest_datapoint().unwrap_or(cpr.cpr_percent));
            let current = self.capacity.groups[g].desired;
            let describe = |value: f64, to: u32, alarm: &str| {
                let formula = if cpr.n == 0 {
                    // No instance running: the group launches `step` instances (§12.3 step 6).
                    format!("N = 0: desired = step {}", cpr.step)
                } else {
                    format!("desired = ceil({} × {value:.2} / {})", cpr.n, scaling.target_capacity_percent)
                };
                format!(
                    "{alarm}: CapacityProviderReservation {value:.2} (N {}, M {}, needed {}, step {}); {formula} = {to} within [{}, {}]",
                    cpr.n, cpr.m, cpr.needed, cpr.step, config.min_size, config.max_size
                )
            };
            if let Some(value) = firing(high) {
                let to =
                    provider::managed_desired(cpr.n, value, scaling.target_capacity_percent, cpr.step, config.min_size, config.max_size);
                let launched: Vec<SimTime> = self.capacity.groups[g]
                    .members
                    .iter()
                    .filter(|m| m.state != MemberState::Terminated && !m.initial)
                    .map(|m| m.launched_at)
                    .collect();
                if to > current && !provider::in_warmup(now, &launched, scaling.instance_warmup_period) {
                    let reason = describe(value, to, "AlarmHigh");
                    self.set_group_desired(now, g, to, &format!("managed scaling ({})", spec.config.name), reason);
                }
            } else if let Some(value) = firing(low) {
                let to =
                    provider::managed_desired(cpr.n, value, scaling.target_capacity_percent, cpr.step, config.min_size, config.max_size);
                if to < current {
                    let reason = describe(value, to, "AlarmLow");
                    self.set_group_desired(now, g, to, &format!("managed scaling ({})", spec.config.name), reason);
                }
            }
        }
        for g in 0..self.capacity.groups.len() {
            self.reconcile_group(now, g);
            let draining: Vec<InstanceId> =
                self.capacity.groups[g].members.iter().filter(|m| m.state == MemberState::Draining).filter_map(|m| m.instance).collect();
            for id in draining {
                self.terminate_if_drained(now, id);
            }
        }
    }

    // ------------------------------------------------------------ services

    /// The strategy item a task of `service` runs under, from where it runs.
    fn task_item(&self, service: usize, task: u32) -> Option<usize> {
        let c = self.scenario.services[service].capacity.as_ref()?;
        let info = self.capacity.info(self.tasks[task as usize].instance);
        let target = match (info.fargate_spot, info.group) {
            (Some(spot), _) => CapacityTarget::Fargate { spot },
            (None, Some(g)) => CapacityTarget::Provider(self.provider_of_group(g as usize)?),
            _ => return None,
        };
        c.targets.iter().position(|t| *t == target)
    }

    /// The service's non-STOPPED tasks per strategy item, PROVISIONING ones included.
    fn strategy_counts(&self, service: usize) -> Vec<u32> {
        let n = self.scenario.services[service].capacity.as_ref().map_or(0, |c| c.targets.len());
        let mut counts = vec![0u32; n];
        for &t in &self.services[service].tasks {
            if let Some(i) = self.task_item(service, t) {
                counts[i] += 1;
            }
        }
        for e in &self.capacity.provisioning[service] {
            if let Some(c) = counts.get_mut(e.item) {
                *c += 1;
            }
        }
        counts
    }

    /// Launches `n` tasks of the service's PRIMARY deployment through its strategy (or on
    /// Fargate); returns the tasks started. Tasks no instance can take wait in PROVISIONING.
    pub(super) fn launch_by_capacity(&mut self, now: SimTime, service: u16, n: u32, extra: Option<&Constraint>) -> Vec<u32> {
        let idx = service as usize;
        let scenario = self.scenario;
        let Some(capacity) = scenario.services[idx].capacity.as_ref() else { return Vec::new() };
        let deployment = self.services[idx].deployments.len().saturating_sub(1) as u32;
        let td = self.services[idx].deployments.last().map_or(0, |d| d.task_definition);
        let mut started = Vec::new();
        let mut waiting: Vec<usize> = Vec::new();
        // Counted once and kept up to date task by task (counting again for every task made a
        // desired count of 100,000 quadratic).
        let mut counts = self.strategy_counts(idx);
        for _ in 0..n {
            let item = capacity.choose(&counts);
            let task = match capacity.targets[item] {
                CapacityTarget::Fargate { spot } => Some(self.start_fargate_task(now, service, td, deployment, spot)),
                CapacityTarget::Provider(p) => match self.place_on_provider(service, p, td, extra) {
                    Some((instance, detail)) => Some(self.start_service_task(now, service, instance, td, deployment, &detail)),
                    None => {
                        self.capacity.provisioning[idx].push(Provisioning { item, task_definition: td, deployment, since: now });
                        counts[item] += 1;
                        if !waiting.contains(&p) {
                            waiting.push(p);
                        }
                        None
                    }
                },
            };
            if let Some(t) = task {
                started.push(t);
                if let Some(i) = self.task_item(idx, t) {
                    counts[i] += 1;
                }
            }
        }
        self.report_provisioning(now, service, &waiting);
        started
    }

    fn report_provisioning(&mut self, now: SimTime, service: u16, providers: &[usize]) {
        if providers.is_empty() {
            return;
        }
        let names: Vec<&str> = providers.iter().map(|&p| self.scenario.capacity.providers[p].config.name.as_str()).collect();
        let message = format!(
            "service {} has {} tasks in PROVISIONING: no instance of capacity provider {} can take them yet.",
            self.services[service as usize].name,
            self.capacity.provisioning[service as usize].len(),
            names.join(", ")
        );
        self.problem(now, service, message);
    }

    /// Places one task of the service on an instance of provider `p`'s group, or `None`.
    fn place_on_provider(&mut self, service: u16, p: usize, td: usize, extra: Option<&Constraint>) -> Option<(InstanceId, String)> {
        let scenario = self.scenario;
        let s = &self.services[service as usize];
        let mut constraints = s.constraints.clone();
        constraints.extend(self.capacity.providers[p].member_of.clone());
        constraints.extend(extra.cloned());
        let req = PlacementRequest {
            reservation: &self.reservations[td],
            group: s.group,
            strategies: &s.strategies,
            constraints: &constraints,
            requires_attributes: &scenario.task_definitions[td].requires_attributes,
            tie_break: scenario.tie_break,
        };
        let decision = placement::place(&self.cluster, &req, &mut self.placement_rng, scenario.explain_placements);
        let Outcome::Placed { instance } = decision.outcome else { return None };
        let mut detail = format!("capacity provider {}", scenario.capacity.providers[p].config.name);
        if let Some(e) = &decision.explanation {
            detail = format!("{detail}; {}", super::recorder::one_line(e, &self.cluster));
        }
        Some((instance, detail))
    }

    /// Before an evaluation's plan: PROVISIONING tasks of older deployments, and beyond the
    /// `wanted` the service still needs, go; the rest are placed, oldest first, where their
    /// provider has room.
    pub(super) fn place_provisioning(&mut self, now: SimTime, service: u16, wanted: u32) {
        let idx = service as usize;
        let primary = self.services[idx].deployments.len().saturating_sub(1) as u32;
        let mut entries = std::mem::take(&mut self.capacity.provisioning[idx]);
        entries.retain(|e| e.deployment == primary);
        entries.truncate(wanted as usize);
        let Some(capacity) = self.scenario.services[idx].capacity.as_ref() else { return };
        let mut kept = Vec::new();
        let mut started = Vec::new();
        // One failure per (provider, task definition) is enough: the same task fits nowhere else.
        let mut full: Vec<(usize, usize)> = Vec::new();
        for e in entries {
            let CapacityTarget::Provider(p) = capacity.targets[e.item] else { continue };
            if full.contains(&(p, e.task_definition)) {
                kept.push(e);
                continue;
            }
            match self.place_on_provider(service, p, e.task_definition, None) {
                Some((instance, detail)) => {
                    let waited = now.since(e.since);
                    let detail = format!("{detail}; PROVISIONING for {waited}");
                    started.push(self.start_service_task(now, service, instance, e.task_definition, e.deployment, &detail));
                }
                None => {
                    full.push((p, e.task_definition));
                    kept.push(e);
                }
            }
        }
        self.capacity.provisioning[idx] = kept;
        self.report_starts(now, service, &started);
    }

    /// One Fargate task: capacity of its own in the emptiest of the service's zones.
    fn start_fargate_task(&mut self, now: SimTime, service: u16, td: usize, deployment: u32, spot: bool) -> u32 {
        let idx = service as usize;
        let zones = &self.scenario.services[idx].zones;
        let mut per_zone = vec![0u32; zones.len()];
        for &t in &self.services[idx].tasks {
            let zone = &self.cluster.instance(self.tasks[t as usize].instance).availability_zone;
            if let Some(z) = zones.iter().position(|x| x == zone) {
                per_zone[z] += 1;
            }
        }
        let zone = self.launch_zone(&per_zone, zones).map_or_else(|| "fargate".to_string(), |z| zones[z].clone());
        let id = self.cluster.register_fargate(&zone, &self.reservations[td], spot);
        for index in self.indexes.iter_mut().flatten() {
            index.instance_added(&self.cluster, id);
        }
        self.recorder.instance_added(now, &self.cluster, id);
        self.capacity.info_mut(id).fargate_spot = Some(spot);
        let fargate = &self.scenario.capacity.fargate;
        let provisioning = fargate.provisioning.sample(&mut self.capacity.fargate_rng);
        let pull = fargate.pull_and_start.sample(&mut self.capacity.fargate_rng);
        let provider = if spot { "FARGATE_SPOT" } else { "FARGATE" };
        let detail = format!("{provider} in {zone}; PROVISIONING {provisioning}, then PENDING {pull}");
        let task = self.start_service_task_after(now, service, id, td, deployment, &detail, crate::engine::Span(provisioning.0 + pull.0));
        self.capacity.fargate.insert(id.0, FargateTask { task, service, spot, billed_from: now + provisioning });
        if spot {
            self.notify(now, Notice::FargateSpotStarted { task, service });
        }
        task
    }

    // ------------------------------------------------------------ cost

    /// Sets the cluster row of the minute just closed to the run's cost so far: what is billed
    /// already, plus everything still open billed to `now` (item by item, without building a
    /// ledger: this runs every minute over every instance).
    pub(super) fn record_cost_minute(&mut self, now: SimTime) {
        let c = &self.capacity;
        let mut total = c.closed.report().total_usd;
        for it in c.items.iter().filter(|it| it.end.is_none()) {
            total += crate::capacity::cost::ec2_cost_usd(it.usd_per_hour, now.since(it.start));
        }
        let prices = c.closed.fargate_prices;
        for f in c.fargate.values().filter(|f| now > f.billed_from) {
            let td = self.tasks[f.task as usize].task_definition as usize;
            let (r, arch) = (&self.reservations[td], self.scenario.task_definitions[td].cpu_architecture);
            total += fargate_cost_usd(r.cpu_units, r.memory_mib, arch, f.spot, now.since(f.billed_from), &prices);
        }
        let total = (total * 1e6).round() / 1e6;
        if let Some(row) = self.recorder.minutes.iter_mut().rev().find(|r| r.zone == "cluster") {
            row.cost_usd_cumulative = Some(total);
        }
    }

    /// The run's cost, everything still open billed to `end`, and the groups at the end.
    pub(super) fn capacity_finish(&self, end: SimTime) -> CapacityOutcome {
        let (ledger, per_service) = self.capacity.ledger_at(end, self.scenario, &self.tasks);
        let ran_fargate: Vec<bool> = {
            let mut v = vec![false; self.scenario.services.len()];
            for t in &self.tasks {
                if let (Owner::Service(s), true) = (t.owner, self.cluster.instance(t.instance).fargate) {
                    v[s as usize] = true;
                }
            }
            v
        };
        let groups = self
            .scenario
            .capacity
            .groups
            .iter()
            .zip(&self.capacity.groups)
            .map(|(spec, g)| GroupSummary {
                name: spec.config.name.clone(),
                desired_at_end: g.desired,
                in_service_at_end: g.members.iter().filter(|m| m.state == MemberState::InService).count() as u32,
                peak_in_service: g.peak_in_service,
                launched: g.launched,
                terminated: g.terminated,
            })
            .collect();
        let in_use = self.scenario.capacity.in_use(&self.scenario.services);
        let instance_provider = if in_use {
            (0..self.cluster.instances.len())
                .map(|i| {
                    let info = self.capacity.info(InstanceId(i as u32));
                    match (info.fargate_spot, info.group) {
                        (Some(true), _) => "FARGATE_SPOT".to_string(),
                        (Some(false), _) => "FARGATE".to_string(),
                        (None, Some(g)) => self
                            .provider_of_group(g as usize)
                            .map_or(String::new(), |p| self.scenario.capacity.providers[p].config.name.clone()),
                        _ => String::new(),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        CapacityOutcome {
            cost: ledger.report(),
            service_cost_usd: per_service.iter().zip(&ran_fargate).map(|(&usd, &ran)| ran.then_some(usd)).collect(),
            groups,
            instance_provider,
            services_with_capacity: self.scenario.services.iter().map(|s| s.capacity.is_some()).collect(),
            in_use,
        }
    }

    /// Every task of a capacity-managed service is where its strategy put it.
    pub(super) fn check_capacity_invariants(&self) {
        for (s, spec) in self.scenario.services.iter().enumerate() {
            if spec.capacity.is_none() {
                continue;
            }
            for &t in &self.services[s].tasks {
                let task = &self.tasks[t as usize];
                assert!(
                    self.task_item(s, t).is_some() || task.last_status == LastStatus::Stopped,
                    "task {t} of service {} runs outside its capacity provider strategy",
                    spec.definition.service_name
                );
            }
        }
    }
}
