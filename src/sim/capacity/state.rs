//! The capacity concern's own state: each Auto Scaling group's members and desired capacity,
//! each capacity provider's last CapacityProviderReservation and alarms, the tasks waiting in
//! PROVISIONING, what the run knows of each instance (cost item, group, Fargate), the Fargate
//! tasks being billed, and the cost ledger. Nothing here touches the world; the other files of
//! `capacity/` carry the decisions out.

use crate::capacity::asg::PurchaseOption;
use crate::capacity::cost::{fargate_cost_usd, CostLedger, CostReport, FargatePrices};
use crate::capacity::provider::{self, CprResult};
use crate::cloudwatch::{AlarmConfig, ComparisonOperator, MetricId, Period, Statistic};
use crate::ecs::instance::InstanceId;
use crate::ecs::instance_types::{self, Architecture, InstanceType};
use crate::ecs::placement::Constraint;
use crate::ecs::task_def::Reservation;
use crate::ecs::Cluster;
use crate::engine::{SimTime, StreamRng, Streams};
use crate::model::Scenario;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;
use crate::sim::monitor::state::Monitor;
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
    pub(super) item: Option<usize>,
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
    pub(super) alarms: Option<(usize, usize)>,
    /// Restricts placement to the group's instances.
    pub(super) member_of: Option<Constraint>,
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
pub(super) struct CostItem {
    pub(super) instance_type: &'static InstanceType,
    pub(super) purchase: PurchaseOption,
    pub(super) usd_per_hour: f64,
    pub(super) start: SimTime,
    pub(super) end: Option<SimTime>,
}

/// The open cost items, in item order, as runs of consecutive open items with one price and
/// one start: the cost row of every minute adds one term per item, and 500,000 instances
/// registered at once are a handful of runs. Rebuilt when an item was added or closed since.
#[derive(Debug, Clone, Default)]
pub(super) struct OpenRuns {
    /// (items, closes) when built.
    built_from: (usize, u64),
    /// (USD per hour, start, items).
    pub(super) runs: Vec<(f64, SimTime, u32)>,
}

impl OpenRuns {
    /// Rebuilds the runs unless `items` and `closes` are what they were built from.
    pub(super) fn refresh(&mut self, items: &[CostItem], closes: u64) {
        if self.built_from == (items.len(), closes) {
            return;
        }
        self.built_from = (items.len(), closes);
        self.runs.clear();
        for it in items.iter().filter(|it| it.end.is_none()) {
            match self.runs.last_mut() {
                Some((usd, start, n)) if usd.to_bits() == it.usd_per_hour.to_bits() && *start == it.start => *n += 1,
                _ => self.runs.push((it.usd_per_hour, it.start, 1)),
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct FargateTask {
    pub(super) task: TaskId,
    pub(super) service: ServiceId,
    pub(super) spot: bool,
    /// PENDING: image pull start.
    pub(super) billed_from: SimTime,
}

/// What the run knows of each instance, by id.
#[derive(Debug, Clone, Copy)]
pub(super) struct InstanceInfo {
    /// Cost item (none for an instance of a type without a price).
    pub(super) item: Option<u32>,
    /// Auto Scaling group index.
    pub(super) group: Option<u32>,
    /// A Fargate task's capacity: FARGATE_SPOT or not.
    pub(super) fargate_spot: Option<bool>,
}

pub(super) const NO_INFO: InstanceInfo = InstanceInfo { item: None, group: None, fargate_spot: None };

/// The capacity side of the run.
pub struct CapacityState {
    pub groups: Vec<GroupState>,
    pub providers: Vec<ProviderState>,
    /// Per service: tasks waiting in PROVISIONING, oldest first.
    pub provisioning: Vec<Vec<Provisioning>>,
    pub(super) info: Vec<InstanceInfo>,
    pub(super) items: Vec<CostItem>,
    /// Items closed so far (with `items.len()`, what `open_runs` was built from).
    pub(super) closes: u64,
    /// The open items as runs of one price and one start, for the cost row of each minute.
    pub(super) open_runs: OpenRuns,
    /// Fargate tasks not yet STOPPED, by their capacity's instance id.
    pub(super) fargate: BTreeMap<u32, FargateTask>,
    /// Everything already billed (terminated instances, STOPPED Fargate tasks).
    pub(super) closed: CostLedger,
    /// Per service: Fargate cost so far (USD).
    pub(super) service_fargate_usd: Vec<f64>,
    pub(super) asg_rng: StreamRng,
    pub(super) fargate_rng: StreamRng,
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
    /// Per instance: when its Auto Scaling group launched it (None: registered directly), and
    /// its purchase option ("on-demand", "spot"; "" without a price), for instances.csv.
    pub instance_launched_s: Vec<Option<f64>>,
    pub instance_purchase: Vec<String>,
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
/// managed provider's alarms (created in `monitor`). `cluster` is the world's at t = 0 (the
/// scenario's own may have been moved into the world, so it is not read).
pub fn init(scenario: &Scenario, cluster: &Cluster, monitor: &mut Monitor, streams: &Streams) -> CapacityState {
    let mut state = CapacityState::empty(cluster.instances.len(), scenario.services.len(), scenario.capacity.fargate.prices, streams);
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
                &cluster.name,
                &group.name,
                p.config.managed_scaling.target_capacity_percent,
            );
            (monitor.add_alarm(scenario, managed_alarm_config(&high)), monitor.add_alarm(scenario, managed_alarm_config(&low)))
        });
        let expr = format!("attribute:{} == '{}'", crate::model::ASG_ATTRIBUTE, group.name);
        let member_of = Constraint::parse("memberOf", Some(&expr)).ok();
        state.providers.push(ProviderState { cpr: None, alarms, member_of });
    }
    state
}

impl CapacityState {
    /// No group, no provider, nothing billed yet, for a cluster of `instances` instances and
    /// `services` services.
    pub fn empty(instances: usize, services: usize, fargate_prices: FargatePrices, streams: &Streams) -> Self {
        CapacityState {
            groups: Vec::new(),
            providers: Vec::new(),
            provisioning: vec![Vec::new(); services],
            info: vec![NO_INFO; instances],
            items: Vec::new(),
            closes: 0,
            open_runs: Default::default(),
            fargate: BTreeMap::new(),
            closed: CostLedger::new(fargate_prices),
            service_fargate_usd: vec![0.0; services],
            asg_rng: streams.get("asg"),
            fargate_rng: streams.get("fargate"),
        }
    }

    pub(super) fn info_mut(&mut self, id: InstanceId) -> &mut InstanceInfo {
        if self.info.len() <= id.index() {
            self.info.resize(id.index() + 1, NO_INFO);
        }
        &mut self.info[id.index()]
    }

    pub(super) fn info(&self, id: InstanceId) -> InstanceInfo {
        self.info.get(id.index()).copied().unwrap_or(NO_INFO)
    }

    /// Bills a cost item up to `end` and closes it.
    pub(super) fn close_item(&mut self, item: usize, end: SimTime) {
        let it = &mut self.items[item];
        if it.end.is_none() {
            it.end = Some(end);
            self.closes += 1;
            self.closed.add_instance(it.instance_type, it.purchase, it.usd_per_hour, end.since(it.start));
        }
    }

    /// The ledger as if everything still open stopped at `now`; `shape`: a task's reservation
    /// and CPU architecture (what its Fargate capacity costs).
    pub(super) fn ledger_at(&self, now: SimTime, shape: impl Fn(TaskId) -> (Reservation, Architecture)) -> (CostLedger, Vec<f64>) {
        let mut ledger = self.closed.clone();
        let mut per_service = self.service_fargate_usd.clone();
        for it in self.items.iter().filter(|it| it.end.is_none()) {
            ledger.add_instance(it.instance_type, it.purchase, it.usd_per_hour, now.since(it.start));
        }
        for f in self.fargate.values().filter(|f| now > f.billed_from) {
            let (r, arch) = shape(f.task);
            let billed = now.since(f.billed_from);
            ledger.add_fargate_task(r.cpu_units, r.memory_mib, arch, f.spot, billed);
            per_service[f.service.index()] += fargate_cost_usd(r.cpu_units, r.memory_mib, arch, f.spot, billed, &ledger.fargate_prices);
        }
        (ledger, per_service)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> CapacityState {
        CapacityState::empty(2, 1, FargatePrices::default(), &Streams::new(3))
    }

    fn item(start_s: u64) -> CostItem {
        let t = instance_types::lookup("m5.large").expect("a known instance type");
        CostItem {
            instance_type: t,
            purchase: PurchaseOption::OnDemand,
            usd_per_hour: 0.096,
            start: SimTime::from_secs(start_s),
            end: None,
        }
    }

    /// What the run knows of an instance grows with the cluster: an id beyond the end reads as
    /// nothing known, and writing it makes room.
    #[test]
    fn instance_info_grows_with_the_cluster() {
        let mut c = state();
        assert_eq!(c.info(InstanceId(5)).group, None);
        c.info_mut(InstanceId(5)).group = Some(1);
        c.info_mut(InstanceId(5)).fargate_spot = Some(true);
        assert_eq!((c.info(InstanceId(5)).group, c.info(InstanceId(5)).fargate_spot), (Some(1), Some(true)));
        assert_eq!(c.info.len(), 6);
        assert_eq!(c.info(InstanceId(4)).item, None);
    }

    /// An instance's bill closes once (a second close bills nothing more); what is still open
    /// is billed up to the moment asked, without closing it.
    #[test]
    fn bills_close_once_and_open_ones_run_to_now() {
        let mut c = state();
        c.items.push(item(0));
        c.items.push(item(600));
        c.close_item(0, SimTime::from_secs(3600));
        c.close_item(0, SimTime::from_secs(7200));
        let closed = c.closed.report();
        assert_eq!((closed.ec2[0].instances, closed.ec2[0].billed_seconds), (1, 3600));
        let no_task = |_| panic!("no Fargate task to price");
        let (ledger, per_service) = c.ledger_at(SimTime::from_secs(7200), no_task);
        let report = ledger.report();
        assert_eq!((report.ec2[0].instances, report.ec2[0].billed_seconds), (2, 3600 + 6600));
        assert_eq!(per_service, vec![0.0]);
        assert_eq!(c.items[1].end, None, "asking for the ledger closes nothing");
    }

    /// A Fargate task is billed from its image pull to now, into its service's cost too.
    #[test]
    fn fargate_tasks_are_billed_to_their_service() {
        let mut c = state();
        c.fargate.insert(9, FargateTask { task: TaskId(0), service: ServiceId(0), spot: false, billed_from: SimTime::from_secs(60) });
        let shape = |task: TaskId| {
            assert_eq!(task, TaskId(0));
            (Reservation { cpu_units: 1024, memory_mib: 2048, ..Reservation::default() }, Architecture::X86_64)
        };
        let (ledger, per_service) = c.ledger_at(SimTime::from_secs(60), shape);
        assert!(ledger.report().fargate.is_empty(), "not billed before its image pull");
        let (ledger, per_service_later) = c.ledger_at(SimTime::from_secs(3660), shape);
        assert_eq!(ledger.report().fargate[0].tasks, 1);
        assert_eq!(per_service, vec![0.0]);
        assert!(per_service_later[0] > 0.0);
    }
}
