//! Auto Scaling groups, capacity providers and Fargate (docs/ecs-model.md#capacity): the worked examples
//! docs/ecs-model.md#example-cpr-scale-out to
//! docs/ecs-model.md#example-fargate-cost as tests of the pure decisions in `ecsim::capacity`, the Fargate size table row by
//! row, the default termination policy criterion by criterion, the N = 0 cases of the metric,
//! groups too big for the smallest type, and the capacity JSON of tests/fixtures/capacity with
//! every bad input reported where it is written.

use crate::common::{error_at, fixture};
use ecsim::capacity::asg::{
    choose_for_termination, zone_for_launch, AllocationStrategy, AsgConfig, AsgInstanceView, PurchaseOption, TerminationPolicy,
};
use ecsim::capacity::cost::{fargate_cost_usd, CostLedger};
use ecsim::capacity::fargate::{validate_size, SIZE_TABLE};
use ecsim::capacity::provider::{
    capacity_provider_reservation, managed_desired, managed_desired_for, managed_scaling_alarms, CapacityProviderConfig, Comparison,
    CprInput, CprResult, InstanceShape, ManagedScaling, MultiTypeOrZoneStep,
};
use ecsim::capacity::strategy::{CapacityProviderStrategy, StrategyItem, FARGATE, FARGATE_SPOT};
use ecsim::ecs::instance_types::{lookup, Architecture, PRICE_TABLE_DATE};
use ecsim::ecs::Reservation;
use ecsim::engine::{SimTime, Span};
use ecsim::scenario::capacity_json::{
    load_auto_scaling_group, load_capacity_providers, load_cluster_capacity_providers, load_run_task, AsgLoadOptions,
};
use ecsim::scenario::Diagnostic;
use std::path::Path;

// ------------------------------------------------------------------ helpers

fn task(cpu_units: u32, memory_mib: u32) -> Reservation {
    Reservation { cpu_units, memory_mib, ..Reservation::default() }
}

/// m5.large as docs/ecs-model.md#example-cpr-scale-out registers it: 2048 CPU units, 7680 MiB.
fn m5_large_7680() -> InstanceShape {
    InstanceShape { memory_mib: 7680, ..InstanceShape::of_type(lookup("m5.large").unwrap(), 0, false) }
}

fn shape(name: &str) -> InstanceShape {
    InstanceShape::of_type(lookup(name).unwrap(), 0, false)
}

/// The metric for `n` running instances of which `with_tasks` run non-daemon tasks.
fn metric(
    n: u32,
    with_tasks: u32,
    provisioning: &[Reservation],
    shapes: &[InstanceShape],
    zones: usize,
    scaling: &ManagedScaling,
) -> CprResult {
    capacity_provider_reservation(&CprInput {
        running_instances: n,
        instances_with_tasks: with_tasks,
        provisioning,
        shapes,
        zone_count: zones,
        scaling,
    })
}

fn scaling(target_capacity_percent: u32) -> ManagedScaling {
    ManagedScaling { target_capacity_percent, ..ManagedScaling::default() }
}

fn at(s: u64) -> SimTime {
    SimTime::from_secs(s)
}

fn view(id: &'static str, zone: usize, launched_s: u64, version: u32, protected: bool) -> AsgInstanceView<&'static str> {
    AsgInstanceView { id, zone, launched_at: at(launched_s), launch_template_version: version, protected }
}

// ------------------------------------------------------------------ docs/ecs-model.md#example-cpr-scale-out

#[test]
fn cpr_scale_out_example_full_instances_and_two_provisioning_tasks_give_cpr_150() {
    // ASG of m5.large (2048 CPU, 7680 MiB), N = 4, all full; 2 PROVISIONING tasks of 2048 CPU /
    // 1024 MiB, one per instance. One zone, one type: the demand sizes the step.
    let s = scaling(100);
    let r = metric(4, 4, &[task(2048, 1024), task(2048, 1024)], &[m5_large_7680()], 1, &s);
    assert_eq!((r.n, r.needed, r.step, r.m), (4, 2, 2, 6));
    assert_eq!(r.cpr_percent, 150.0);
    // AlarmHigh: CPR > targetCapacity, 1 datapoint of 1.
    let [high, low] = managed_scaling_alarms("cp-web", "web", "asg-web", 100);
    assert_eq!((high.comparison, high.evaluation_periods, high.datapoints_to_alarm), (Comparison::GreaterThanThreshold, 1, 1));
    assert!(r.cpr_percent > high.threshold);
    assert!(r.cpr_percent >= low.threshold, "AlarmLow stays OK");
    // desired = ceil(4 × 150 / 100) = 6.
    assert_eq!(managed_desired(r.n, r.cpr_percent, 100, r.step, 0, 20), 6);
}

#[test]
fn cpr_scale_out_example_with_target_capacity_80_gives_two_spare_instances() {
    let s = scaling(80);
    let r = metric(4, 4, &[task(2048, 1024), task(2048, 1024)], &[m5_large_7680()], 1, &s);
    assert_eq!(r.cpr_percent, 150.0, "the metric does not depend on the target");
    // ceil(4 × 150 / 80) = ceil(7.5) = 8.
    assert_eq!(managed_desired(r.n, r.cpr_percent, 80, r.step, 0, 20), 8);
    let mut asg = AsgConfig::new("asg-web", lookup("m5.large").unwrap(), &["us-east-1a"]);
    asg.max_size = 20;
    assert_eq!(managed_desired_for(&r, &s, &asg), 8);
}

#[test]
fn cpr_scale_out_example_on_a_multi_zone_group_steps_by_the_minimum() {
    // The same state on a group spanning three zones: the ManagedScaling note makes the step
    // exactly minimumScalingStepSize (1), so M = 5 and CPR = 125.
    let s = scaling(100);
    let r = metric(4, 4, &[task(2048, 1024), task(2048, 1024)], &[m5_large_7680()], 3, &s);
    assert_eq!((r.needed, r.step, r.m, r.cpr_percent), (2, 1, 5, 125.0));
    assert_eq!(managed_desired(r.n, r.cpr_percent, 100, r.step, 0, 20), 5);
    // Several instance types in one zone: the same rule.
    let r = metric(4, 4, &[task(2048, 1024), task(2048, 1024)], &[m5_large_7680(), shape("m6i.large")], 1, &s);
    assert_eq!(r.step, 1);
    // With the demand reading, the step is the demand again.
    let demand = ManagedScaling { multi_type_or_zone_step: MultiTypeOrZoneStep::Demand, ..s };
    let r = metric(4, 4, &[task(2048, 1024), task(2048, 1024)], &[m5_large_7680()], 3, &demand);
    assert_eq!((r.step, r.cpr_percent), (2, 150.0));
}

#[test]
fn step_size_is_bounded_by_the_minimum_and_the_maximum() {
    let tasks = vec![task(2048, 1024); 7];
    let s = ManagedScaling { minimum_scaling_step_size: 2, maximum_scaling_step_size: 5, ..ManagedScaling::default() };
    assert_eq!(metric(4, 4, &tasks, &[m5_large_7680()], 1, &s).step, 5, "min(7, 5)");
    assert_eq!(metric(4, 4, &tasks[..1], &[m5_large_7680()], 1, &s).step, 2, "max(2, 1)");
}

// ------------------------------------------------------------------ docs/ecs-model.md#example-cpr-scale-in

#[test]
fn cpr_scale_in_example_one_daemon_only_instance_gives_cpr_80_and_is_the_one_terminated() {
    // N = 5, nothing provisioning, four instances run service tasks, one only a daemon task.
    let s = scaling(100);
    let r = metric(5, 4, &[], &[m5_large_7680()], 2, &s);
    assert_eq!((r.needed, r.step, r.m, r.cpr_percent), (0, 0, 4, 80.0));
    // AlarmLow: CPR < targetCapacity for 15 of 15 minutes, then desired = ceil(5 × 80/100) = 4.
    let [_, low] = managed_scaling_alarms("cp-web", "web", "asg-web", 100);
    assert_eq!((low.comparison, low.evaluation_periods, low.datapoints_to_alarm), (Comparison::LessThanThreshold, 15, 15));
    assert!(r.cpr_percent < low.threshold);
    assert_eq!(managed_desired(r.n, r.cpr_percent, 100, r.step, 1, 10), 4);

    // Managed termination protection: ECS protects exactly the instances running non-daemon
    // tasks. Zone a holds three busy instances, zone b one busy and the daemon-only one: the
    // busiest zone has nothing unprotected, so the scale-in takes the empty instance in b.
    let mut cp = CapacityProviderConfig::new("cp-web", "asg-web");
    cp.managed_termination_protection = true;
    let busy = [("a1", 0, true), ("a2", 0, true), ("a3", 0, true), ("b1", 1, true), ("b-daemon-only", 1, false)];
    let views: Vec<_> = busy.iter().map(|&(id, zone, runs_tasks)| view(id, zone, 0, 1, cp.scale_in_protected(runs_tasks, true))).collect();
    assert_eq!(choose_for_termination(&views, &[TerminationPolicy::Default], at(1800), 0.99), Some("b-daemon-only"));
    // Without it, the group's own flag decides: every instance was launched protected.
    cp.managed_termination_protection = false;
    let views: Vec<_> = busy.iter().map(|&(id, zone, runs_tasks)| view(id, zone, 0, 1, cp.scale_in_protected(runs_tasks, true))).collect();
    assert_eq!(choose_for_termination(&views, &[TerminationPolicy::Default], at(1800), 0.5), None);
}

// ------------------------------------------------------------------ docs/ecs-model.md#example-strategy-split

#[test]
fn strategy_split_example_fargate_base_1_then_one_in_five() {
    let s = CapacityProviderStrategy::new(vec![StrategyItem::new(FARGATE, 1, 1), StrategyItem::new(FARGATE_SPOT, 0, 4)]).unwrap();
    let mut counts = vec![0, 0];
    let names: Vec<&str> = s.split(6, &mut counts).into_iter().map(|i| s.items()[i].capacity_provider.as_str()).collect();
    // t1 base; t2 1/1 vs 1/4; t3 1 vs 2/4; t4 1 vs 3/4; t5 1 vs 4/4 tie → the first listed;
    // t6 2/1 vs 4/4.
    assert_eq!(names, [FARGATE, FARGATE_SPOT, FARGATE_SPOT, FARGATE_SPOT, FARGATE, FARGATE_SPOT]);
    assert_eq!(counts, [2, 4]);
}

#[test]
fn strategy_split_example_the_same_strategy_read_from_run_task_json() {
    let (p, text) = fixture("capacity/run-task-fargate.json");
    let (req, warnings) = load_run_task(&p, &text, None).unwrap();
    assert!(warnings.is_empty(), "{warnings}");
    assert_eq!((req.count, req.cpu_units, req.memory_mib), (3, Some(1024), Some(2048)));
    let s = req.capacity_provider_strategy.unwrap();
    let mut counts = vec![];
    assert_eq!(s.split(6, &mut counts), [0, 1, 1, 1, 0, 1]);
}

// ------------------------------------------------------------------ docs/ecs-model.md#example-fargate-cost

#[test]
fn fargate_cost_example_one_hour_of_1_vcpu_2_gb_costs_0_04937() {
    let usd = fargate_cost_usd(1024, 2048, Architecture::X86_64, false, Span::from_secs(3600), &Default::default());
    assert!((usd - 0.04937).abs() < 1e-12, "{usd}");
    let mut ledger = CostLedger::default();
    ledger.add_fargate_task(1024, 2048, Architecture::X86_64, false, Span::from_secs(3600));
    let report = ledger.report();
    assert_eq!((report.fargate_vcpu_hours, report.fargate_gb_hours), (1.0, 2.0));
    assert!((report.total_usd - 0.04937).abs() < 1e-12);
    assert_eq!(report.price_table_date, PRICE_TABLE_DATE);
}

#[test]
fn fargate_bills_a_minute_at_least_and_whole_seconds() {
    let prices = Default::default();
    let minute = fargate_cost_usd(1024, 2048, Architecture::X86_64, false, Span::from_secs(60), &prices);
    assert_eq!(fargate_cost_usd(1024, 2048, Architecture::X86_64, false, Span::from_secs(5), &prices), minute);
    let just_over = fargate_cost_usd(1024, 2048, Architecture::X86_64, false, Span::from_millis(60_001), &prices);
    assert!((just_over - minute * 61.0 / 60.0).abs() < 1e-15);
    let spot = fargate_cost_usd(1024, 2048, Architecture::X86_64, true, Span::from_secs(3600), &prices);
    assert!((spot - 0.3 * 0.04937).abs() < 1e-12);
    let arm = fargate_cost_usd(1024, 2048, Architecture::Arm64, false, Span::from_secs(3600), &prices);
    assert!((arm - (0.03238 + 2.0 * 0.00356)).abs() < 1e-12);
}

#[test]
fn ec2_costs_by_type_and_purchase_option() {
    let (p, text) = fixture("capacity/create-auto-scaling-group-spot.json");
    let (spot, _) = load_auto_scaling_group(&p, &text, &AsgLoadOptions::default()).unwrap();
    let c5 = spot.type_for_launch(|_| true).unwrap();
    assert_eq!(c5.name, "c5.xlarge", "price-capacity-optimized launches the cheaper type");
    let mut ledger = CostLedger::default();
    ledger.add_instance(c5, spot.purchase, spot.price_usd_per_hour(c5), Span::from_secs(1800));
    let m5 = lookup("m5.large").unwrap();
    ledger.add_instance(m5, PurchaseOption::OnDemand, m5.price_usd_per_hour, Span::from_secs(20));
    let r = ledger.report();
    assert_eq!(r.ec2.len(), 2);
    assert_eq!((r.ec2[0].instance_type.as_str(), r.ec2[0].purchase, r.ec2[0].billed_seconds), ("c5.xlarge", PurchaseOption::Spot, 1800));
    assert!((r.ec2[0].usd - 0.17 * 0.3 / 2.0).abs() < 1e-12);
    // 20 s is billed as the 60 s minimum.
    assert_eq!(r.ec2[1].billed_seconds, 60);
    assert!((r.ec2[1].usd - 0.096 / 60.0).abs() < 1e-12);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["ec2"][0]["purchase"], "spot");
    assert_eq!(json["price_table_date"], PRICE_TABLE_DATE);
}

// ------------------------------------------------------------------ the Fargate size table

/// Spec docs/ecs-model.md#fargate-task-sizes, written out independently of `SIZE_TABLE`: (cpu, allowed memory in GB × 2, so
/// that 0.5 GB is a whole number).
fn spec_12_6() -> Vec<(u32, Vec<u32>)> {
    let gb = |from: u32, to: u32, step: u32| (from..=to).step_by(step as usize).map(|g| g * 1024).collect::<Vec<_>>();
    vec![
        (256, vec![512, 1024, 2048]),
        (512, gb(1, 4, 1)),
        (1024, gb(2, 8, 1)),
        (2048, gb(4, 16, 1)),
        (4096, gb(8, 30, 1)),
        (8192, gb(16, 60, 4)),
        (16384, gb(32, 120, 8)),
    ]
}

#[test]
fn every_row_of_the_size_table_valid_edges_and_invalid_neighbours() {
    for (cpu, allowed) in spec_12_6() {
        let (lo, hi) = (allowed[0], allowed[allowed.len() - 1]);
        let step = if allowed.len() > 1 { allowed[1] - allowed[0] } else { 512 };
        assert!(validate_size(cpu, lo).is_ok(), "{cpu}/{lo}");
        assert!(validate_size(cpu, hi).is_ok(), "{cpu}/{hi}");
        for bad in [lo - 512, hi + 1024, hi + step, lo + 1, hi - 1] {
            let e = validate_size(cpu, bad).unwrap_err();
            // The message lists every valid memory value for this CPU.
            let listed: Vec<String> = allowed.iter().map(u32::to_string).collect();
            assert!(e.contains(&listed.join(", ")), "{cpu}/{bad}: {e}");
            assert_eq!(e.contains("platform version 1.4.0"), cpu >= 8192, "{e}");
        }
        // Every 512 MiB point up to the row's maximum + 8 GB: valid exactly when docs/ecs-model.md lists it.
        for m in (512..=hi + 8192).step_by(512) {
            assert_eq!(validate_size(cpu, m).is_ok(), allowed.contains(&m), "{cpu} CPU / {m} MiB");
        }
    }
    assert_eq!(SIZE_TABLE.len(), 7);
}

#[test]
fn cpu_sizes_between_the_rows_are_refused() {
    for cpu in [0, 128, 255, 257, 384, 768, 1536, 3072, 6144, 10240, 12288, 32768] {
        let e = validate_size(cpu, 2048).unwrap_err();
        assert!(e.contains("256, 512, 1024, 2048, 4096, 8192, 16384"), "{e}");
    }
    let e = validate_size(256, 1536).unwrap_err();
    assert!(e.contains("512, 1024, 2048 MiB"), "the 0.25 vCPU row has no 1.5 GB: {e}");
}

// ------------------------------------------------------------------ termination policies

#[test]
fn default_policy_zone_first_then_oldest_template_then_billing_hour_then_random() {
    // Zone 0 holds three instances, zone 1 two: zone 0 is chosen even though zone 1 has the
    // oldest launch template (version 1) of all.
    let now = at(3000);
    let v = [
        view("z0-v2", 0, 0, 2, false),
        view("z0-v3-early", 0, 0, 3, false),
        view("z0-v2-late", 0, 1800, 2, false),
        view("z1-v1", 1, 0, 1, false),
        view("z1-v1b", 1, 0, 1, false),
    ];
    // Zone 0 → oldest template (v2: two) → closest to the next hour (launched at 0: 600 s left,
    // versus 2400 s for the one launched at 1800).
    assert_eq!(choose_for_termination(&v, &[TerminationPolicy::Default], now, 0.99), Some("z0-v2"));
    // Balanced zones are taken together: drop one of zone 0 and zone 1's v1 instances compete.
    let balanced = [v[0], v[2], v[3], v[4]];
    let chosen = choose_for_termination(&balanced, &[TerminationPolicy::Default], now, 0.0);
    assert_eq!(chosen, Some("z1-v1"));
    // The final tie (z1-v1, z1-v1b: same template, same launch time) is broken by the draw.
    assert_eq!(choose_for_termination(&balanced, &[TerminationPolicy::Default], now, 0.7), Some("z1-v1b"));
}

#[test]
fn protected_instances_count_toward_their_zone_but_are_never_chosen() {
    let now = at(100);
    // Zone 0 has the most instances but all protected: zone 1 is used.
    let v = [view("p1", 0, 0, 1, true), view("p2", 0, 0, 1, true), view("p3", 0, 0, 1, true), view("x", 1, 0, 5, false)];
    assert_eq!(choose_for_termination(&v, &[TerminationPolicy::Default], now, 0.0), Some("x"));
    // Zone 0 has three (two protected) against zone 1's two: zone 0's unprotected one goes.
    let v = [
        view("p1", 0, 0, 1, true),
        view("p2", 0, 0, 1, true),
        view("a", 0, 0, 9, false),
        view("b", 1, 0, 1, false),
        view("c", 1, 0, 1, false),
    ];
    assert_eq!(choose_for_termination(&v, &[TerminationPolicy::Default], now, 0.0), Some("a"));
}

#[test]
fn the_other_policies_and_their_order() {
    let now = at(7200);
    let v = [view("old", 0, 100, 2, false), view("new", 0, 5000, 1, false), view("mid", 0, 3000, 3, false)];
    let choose = |p: &[TerminationPolicy]| choose_for_termination(&v, p, now, 0.0);
    assert_eq!(choose(&[TerminationPolicy::OldestInstance]), Some("old"));
    assert_eq!(choose(&[TerminationPolicy::NewestInstance]), Some("new"));
    assert_eq!(choose(&[TerminationPolicy::OldestLaunchTemplate]), Some("new"));
    assert_eq!(choose(&[TerminationPolicy::OldestLaunchConfiguration]), Some("new"));
    // Next hour: old 7100 s in → 100 s left; new 2200 s in → 1400; mid 4200 s in → 3000.
    assert_eq!(choose(&[TerminationPolicy::ClosestToNextInstanceHour]), Some("old"));
    // AllocationStrategy changes nothing here: the draw picks among all three in order.
    assert_eq!(choose_for_termination(&v, &[TerminationPolicy::AllocationStrategy], now, 0.5), Some("new"));
    // Policies apply in list order: newest of all, whatever the template.
    assert_eq!(choose(&[TerminationPolicy::NewestInstance, TerminationPolicy::Default]), Some("new"));
}

#[test]
fn launches_balance_zones_and_use_the_first_listed_type() {
    assert_eq!(zone_for_launch(&[3, 2, 2]), Some(1));
    let (p, text) = fixture("capacity/create-auto-scaling-group.json");
    let (asg, _) = load_auto_scaling_group(&p, &text, &AsgLoadOptions::default()).unwrap();
    assert_eq!(asg.allocation_strategy, AllocationStrategy::Prioritized);
    assert_eq!(asg.type_for_launch(|_| true).unwrap().name, "m5.large");
    assert_eq!(asg.type_for_launch(|t| t.name != "m5.large").unwrap().name, "m6i.large");
    assert_eq!(asg.registration_delay(), Span::from_secs(90));
}

// ------------------------------------------------------------------ N = 0, exclusions

#[test]
fn no_running_instance_gives_200_when_something_is_needed_and_100_otherwise() {
    let s = scaling(100);
    let r = metric(0, 0, &[task(2048, 1024), task(2048, 1024)], &[m5_large_7680()], 1, &s);
    assert_eq!((r.needed, r.step, r.m, r.cpr_percent), (2, 2, 2, 200.0));
    // The group launches `step` instances.
    assert_eq!(managed_desired(r.n, r.cpr_percent, 100, r.step, 0, 10), 2);
    // Multi-zone: exactly the minimum step, still 200.
    let r = metric(0, 0, &[task(2048, 1024), task(2048, 1024)], &[m5_large_7680()], 3, &s);
    assert_eq!((r.step, r.cpr_percent), (1, 200.0));
    assert_eq!(managed_desired(r.n, r.cpr_percent, 100, r.step, 0, 10), 1);
    // Nothing running, nothing wanted.
    let r = metric(0, 0, &[], &[m5_large_7680()], 1, &s);
    assert_eq!((r.m, r.cpr_percent), (0, 100.0));
}

#[test]
fn groups_too_big_for_the_smallest_type_are_excluded() {
    // c5.large registers 4014 MiB, m5.xlarge 16056: the smallest type guards.
    let shapes = [shape("c5.large"), shape("m5.xlarge")];
    let s = scaling(100);
    let big = task(512, 6000);
    let r = metric(2, 2, &[big.clone(), big.clone()], &shapes, 1, &s);
    assert!(r.all_excluded);
    assert_eq!((r.excluded_tasks, r.needed, r.step, r.cpr_percent), (2, 0, 0, 100.0));
    // Held at targetCapacity, so neither alarm fires.
    let r = metric(2, 2, std::slice::from_ref(&big), &shapes, 1, &scaling(90));
    assert_eq!(r.cpr_percent, 90.0);
    // A group that fits is still counted; the big one stays PROVISIONING.
    let r = metric(2, 2, &[big, task(1024, 3000), task(1024, 3000), task(1024, 3000)], &shapes, 1, &s);
    assert!(!r.all_excluded);
    assert_eq!(r.excluded_tasks, 1);
    // Three 1024/3000 tasks on the largest composite (4096 CPU, 16056 MiB): one instance;
    // several types → the minimum step.
    assert_eq!((r.needed, r.step, r.m), (1, 1, 3));
    assert_eq!(r.cpr_percent, 150.0);
}

// ------------------------------------------------------------------ JSON

#[test]
fn a_capacity_provider_from_create_capacity_provider_input() {
    let (p, text) = fixture("capacity/create-capacity-provider.json");
    let (cps, warnings) = load_capacity_providers(&p, &text).unwrap();
    assert_eq!(cps.len(), 1);
    let cp = &cps[0];
    assert_eq!((cp.name.as_str(), cp.auto_scaling_group.as_str()), ("cp-web", "asg-web"));
    let ms = cp.managed_scaling;
    assert!(ms.enabled);
    assert_eq!((ms.target_capacity_percent, ms.minimum_scaling_step_size, ms.maximum_scaling_step_size), (90, 1, 4));
    assert_eq!(ms.instance_warmup_period, Span::from_secs(180));
    assert!(cp.managed_termination_protection && cp.managed_draining);
    // `tags` is reported as not modelled, at its key.
    let w: Vec<&Diagnostic> = warnings.warnings().collect();
    assert_eq!((w.len(), w[0].line, w[0].column), (1, 15, 5));
    // The group protects new instances, as managed termination protection requires.
    let (p, text) = fixture("capacity/create-auto-scaling-group.json");
    let (asg, _) = load_auto_scaling_group(&p, &text, &AsgLoadOptions::default()).unwrap();
    assert!(cp.check_against_asg(&asg).is_empty());
    assert!(cp.validate().is_ok());
}

#[test]
fn describe_capacity_providers_skips_the_fargate_entries() {
    let (p, text) = fixture("capacity/describe-capacity-providers.json");
    let (cps, warnings) = load_capacity_providers(&p, &text).unwrap();
    assert!(warnings.is_empty(), "{warnings}");
    let names: Vec<&str> = cps.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["cp-web", "cp-batch-spot"]);
    assert!(!cps[1].managed_scaling.enabled && !cps[1].managed_draining);
}

#[test]
fn a_cluster_default_strategy_with_a_base() {
    let (p, text) = fixture("capacity/put-cluster-capacity-providers.json");
    let (cluster, _) = load_cluster_capacity_providers(&p, &text, &["cp-web", "cp-batch-spot"]).unwrap();
    assert_eq!(cluster.capacity_providers, ["cp-web", "cp-batch-spot"]);
    let s = cluster.default_strategy.unwrap();
    let mut counts = vec![];
    s.split(10, &mut counts);
    // Base 2 on cp-web, then 1 : 3 over the remaining 8.
    assert_eq!(counts, [4, 6]);
}

#[test]
fn auto_scaling_group_from_create_input() {
    let (p, text) = fixture("capacity/create-auto-scaling-group.json");
    let (asg, warnings) = load_auto_scaling_group(&p, &text, &AsgLoadOptions::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings}");
    assert_eq!((asg.min_size, asg.max_size, asg.desired_capacity), (0, 12, 3));
    assert_eq!(asg.zones, ["us-east-1a", "us-east-1b", "us-east-1c"]);
    let types: Vec<&str> = asg.instance_types.iter().map(|t| t.name).collect();
    assert_eq!(types, ["m5.large", "m6i.large", "m5.xlarge"]);
    assert_eq!(asg.termination_policies, [TerminationPolicy::OldestLaunchTemplate, TerminationPolicy::Default]);
    assert!(asg.new_instances_protected_from_scale_in);
    assert_eq!(asg.purchase, PurchaseOption::OnDemand);
    assert!(asg.is_multi_type_or_zone());
    assert!(asg.validate().is_ok());
}

#[test]
fn bad_auto_scaling_group_min_above_max_unknown_type_weighting_policy_typo() {
    let (p, text) = fixture("capacity/bad-auto-scaling-group.json");
    let d = load_auto_scaling_group(&p, &text, &AsgLoadOptions::default()).unwrap_err();
    assert_eq!(d.errors().count(), 4, "{d}");
    let e = error_at(&d, (11, 37), "unknown instance type \"m5.larg\"");
    // The closest known name, then where the ~1,400 names are listed (not the list itself).
    let help = e.help.as_deref().unwrap_or("");
    assert!(help.starts_with("did you mean \"m5.large\"? `ecsim types` lists the"), "{help}");
    error_at(&d, (15, 21), "instance weighting is not allowed");
    error_at(&d, (20, 16), "MinSize 4 is above MaxSize 2");
    let e = error_at(&d, (26, 9), "\"OldestInstnace\"");
    assert_eq!(e.help.as_deref(), Some("did you mean \"OldestInstance\"?"));
}

#[test]
fn a_group_without_overrides_needs_the_scenario_to_name_its_type() {
    let text = "{\n  \"AutoScalingGroupName\": \"g\",\n  \"LaunchTemplate\": {\"LaunchTemplateName\": \"lt\", \"Version\": \"$Latest\"},\n  \"MinSize\": 1, \"MaxSize\": 3, \"DesiredCapacity\": 5,\n  \"AvailabilityZones\": [\"us-east-1a\"]\n}";
    let d = load_auto_scaling_group(Path::new("g.json"), text, &AsgLoadOptions::default()).unwrap_err();
    error_at(&d, (3, 3), "instance type is in its launch template");
    error_at(&d, (4, 50), "DesiredCapacity 5 is outside MinSize 1 … MaxSize 3");
    let fixed = text.replace("\"DesiredCapacity\": 5", "\"DesiredCapacity\": 2");
    let opts = AsgLoadOptions { instance_type: lookup("c5.large"), ..Default::default() };
    let (asg, _) = load_auto_scaling_group(Path::new("g.json"), &fixed, &opts).unwrap();
    assert_eq!((asg.instance_types[0].name, asg.desired_capacity), ("c5.large", 2));
}

#[test]
fn bad_capacity_provider_target_capacity_outside_1_to_100() {
    let (p, text) = fixture("capacity/bad-capacity-provider.json");
    let d = load_capacity_providers(&p, &text).unwrap_err();
    assert_eq!(d.errors().count(), 2, "{d}");
    let e = error_at(&d, (7, 31), "targetCapacity 120 is outside 1–100");
    assert!(e.help.is_some());
    error_at(&d, (11, 41), "\"ENABLE\"");
}

#[test]
fn bad_cluster_strategy_two_bases_mixed_fargate_unknown_provider() {
    let (p, text) = fixture("capacity/bad-cluster-capacity-providers.json");
    let d = load_cluster_capacity_providers(&p, &text, &["cp-web"]).unwrap_err();
    assert_eq!(d.errors().count(), 3, "{d}");
    let e = error_at(&d, (6, 9), "\"cp-webb\" is not defined");
    assert_eq!(e.help.as_deref(), Some("did you mean \"cp-web\"?"));
    error_at(&d, (15, 33), "cannot be mixed");
    error_at(&d, (16, 21), "only one capacity provider in a strategy can have a base");
}

#[test]
fn bad_run_task_fargate_size_and_platform_version() {
    let (p, text) = fixture("capacity/bad-run-task.json");
    let d = load_run_task(&p, &text, None).unwrap_err();
    assert_eq!(d.errors().count(), 1, "{d}");
    let e = error_at(&d, (8, 19), "1536 MiB is not a valid Fargate memory size for 1024 CPU units");
    assert!(e.message.contains("2048, 3072, 4096, 5120, 6144, 7168, 8192"), "{}", e.message);
    let (p, text) = fixture("capacity/bad-run-task-platform.json");
    let d = load_run_task(&p, &text, None).unwrap_err();
    error_at(&d, (5, 24), "8 vCPU Fargate tasks need platform version 1.4.0 or later, not 1.3.0");
    // Both a launch type and a strategy: mutually exclusive.
    let text = "{\"taskDefinition\": \"t:1\", \"launchType\": \"EC2\",\n \"capacityProviderStrategy\": [{\"capacityProvider\": \"cp\", \"weight\": 1}]}";
    let d = load_run_task(Path::new("r.json"), text, None).unwrap_err();
    error_at(&d, (2, 2), "launchType and capacityProviderStrategy cannot both be given");
}

#[test]
fn syntax_errors_and_garbage_never_panic() {
    for text in ["", "{", "[]", "{\"name\": 3}", "{\"capacityProviders\": 7}", "{\"MinSize\": \"<MIN>\"}", "null"] {
        let p = Path::new("x.json");
        assert!(load_capacity_providers(p, text).is_err(), "{text}");
        assert!(load_cluster_capacity_providers(p, text, &[]).is_err(), "{text}");
        assert!(load_auto_scaling_group(p, text, &AsgLoadOptions::default()).is_err(), "{text}");
        let _ = load_run_task(p, text, None);
    }
}

#[test]
fn a_strategy_needs_a_weight_somewhere() {
    let text = "{\"cluster\": \"c\", \"capacityProviders\": [\"FARGATE\"],\n \"defaultCapacityProviderStrategy\": [{\"capacityProvider\": \"FARGATE\"}]}";
    let d = load_cluster_capacity_providers(Path::new("p.json"), text, &[]).unwrap_err();
    assert_eq!(d.errors().count(), 1, "{d}");
    error_at(&d, (2, 37), "every weight is 0");
}

#[test]
fn subnets_map_to_zones_and_unknown_ones_warn() {
    let text = r#"{"AutoScalingGroupName": "g", "MinSize": 0, "MaxSize": 2, "VPCZoneIdentifier": "subnet-a, subnet-b,subnet-c",
            "MixedInstancesPolicy": {"LaunchTemplate": {"Overrides": [{"InstanceType": "m5.large"}]}}}"#;
    let map = [("subnet-a".to_string(), "us-east-1a".to_string()), ("subnet-b".to_string(), "us-east-1a".to_string())];
    let opts = AsgLoadOptions { instance_type: None, subnet_zones: &map };
    let (asg, warnings) = load_auto_scaling_group(Path::new("g.json"), text, &opts).unwrap();
    assert_eq!(asg.zones, vec!["us-east-1a", "subnet-c"]);
    assert_eq!(warnings.warnings().count(), 1);
}
