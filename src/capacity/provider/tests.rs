//! Unit tests of `provider`.

use super::*;
use crate::ecs::instance_types::lookup;

fn task(cpu_units: u32, memory_mib: u32) -> Reservation {
    Reservation { cpu_units, memory_mib, ..Reservation::default() }
}

fn shape(name: &str) -> InstanceShape {
    InstanceShape::of_type(lookup(name).unwrap(), 0, false)
}

fn cpr(provisioning: &[Reservation], shapes: &[InstanceShape], n: u32, with_tasks: u32) -> CprResult {
    let scaling = ManagedScaling::default();
    capacity_provider_reservation(&CprInput {
        running_instances: n,
        instances_with_tasks: with_tasks,
        provisioning,
        shapes,
        zone_count: 1,
        scaling: &scaling,
    })
}

#[test]
fn first_fit_decreasing_mixes_sizes_in_one_bin() {
    // m5.large: 2048 CPU. 1536 + 512 share a bin; 1536 + 1536 cannot.
    let ts = [task(512, 100), task(1536, 100), task(1536, 100), task(512, 100)];
    assert_eq!(cpr(&ts, &[shape("m5.large")], 1, 1).needed, 2);
}

#[test]
fn first_fit_of_many_identical_tasks_is_linear_and_exact() {
    // 100,000 PROVISIONING tasks of 2048 CPU (an m5.large each) → 100,000 instances; and
    // 100,001 tasks of 1024 CPU after one of 2048 → 1 + ceil(100,001 / 2) = 50,002. First
    // fit searched every bin for every task: 5·10⁹ checks, a minute of run time per minute
    // of a desired count of 100,000 (tests/fixtures/repro/desired_count).
    assert_eq!(cpr(&vec![task(2048, 100); 100_000], &[shape("m5.large")], 1, 1).needed, 100_000);
    let mut mixed = vec![task(2048, 100)];
    mixed.extend(vec![task(1024, 100); 100_001]);
    assert_eq!(cpr(&mixed, &[shape("m5.large")], 1, 1).needed, 50_002);
}

#[test]
fn static_ports_conflict_dynamic_ports_do_not() {
    let mut web = task(100, 100);
    web.static_tcp_ports = vec![80];
    assert_eq!(cpr(&[web.clone(), web.clone(), web.clone()], &[shape("m5.large")], 1, 1).needed, 3);
    let mut dynamic = task(100, 100);
    dynamic.dynamic_tcp_ports = 1;
    assert_eq!(cpr(&[dynamic.clone(), dynamic.clone(), dynamic], &[shape("m5.large")], 1, 1).needed, 1);
    // A static port the agent reserves fits nowhere.
    let mut ssh = task(100, 100);
    ssh.static_tcp_ports = vec![22];
    let r = cpr(&[ssh], &[shape("m5.large")], 1, 1);
    assert!(r.all_excluded);
}

#[test]
fn enis_limit_awsvpc_tasks_per_instance() {
    // c5.large without trunking: 2 awsvpc tasks.
    let mut t = task(256, 256);
    t.enis = 1;
    assert_eq!(cpr(&vec![t; 5], &[shape("c5.large")], 2, 2).needed, 3);
}

#[test]
fn mixed_types_use_the_largest_per_parameter_and_guard_with_the_smallest() {
    // r5.large (2048 CPU, 16056 MiB) + c5.xlarge (4096 CPU, 8028 MiB): largest composite
    // 4096 CPU / 16056 MiB; smallest 2048 / 8028.
    let shapes = [shape("r5.large"), shape("c5.xlarge")];
    let r = cpr(&[task(2048, 8000), task(2048, 8000)], &shapes, 1, 1);
    assert_eq!((r.needed, r.excluded_tasks), (1, 0));
    let r = cpr(&[task(3000, 1000)], &shapes, 1, 1);
    assert!(r.all_excluded, "3000 CPU does not fit the smallest (2048)");
}

#[test]
fn desired_from_metric_ignores_float_noise() {
    // 3 instances, M = 4: CPR 133.33…, target 100 → exactly 4.
    assert_eq!(managed_desired(3, 100.0 * 4.0 / 3.0, 100, 1, 0, 10), 4);
    assert_eq!(managed_desired(0, 200.0, 100, 2, 0, 10), 2);
    assert_eq!(managed_desired(4, 150.0, 100, 2, 0, 5), 5, "clamped to MaxSize");
}

#[test]
fn warm_up_blocks_until_the_newest_instance_is_warm() {
    let at = |s| SimTime::from_secs(s);
    let w = Span::from_secs(300);
    assert_eq!(warmup_ends_at(at(400), &[at(0), at(200)], w), Some(at(500)));
    assert!(!in_warmup(at(500), &[at(0), at(200)], w));
}

#[test]
fn provider_validation() {
    let mut p = CapacityProviderConfig::new("cp-web", "asg-web");
    assert!(p.validate().is_ok());
    p.managed_scaling.target_capacity_percent = 0;
    p.managed_scaling.minimum_scaling_step_size = 20;
    p.managed_scaling.maximum_scaling_step_size = 10;
    assert_eq!(p.validate().unwrap_err().len(), 2);
    assert!(name_problem("ecs-web").is_some());
    assert!(name_problem("FargateWeb").is_some());
    assert!(name_problem("web cp").is_some());
}

#[test]
fn managed_termination_protection_needs_the_group_flag() {
    let mut p = CapacityProviderConfig::new("cp", "g");
    p.managed_termination_protection = true;
    let mut asg = AsgConfig::new("g", lookup("m5.large").unwrap(), &["a"]);
    asg.max_size = 3;
    assert_eq!(p.check_against_asg(&asg).len(), 1);
    asg.new_instances_protected_from_scale_in = true;
    assert!(p.check_against_asg(&asg).is_empty());
    assert!(p.scale_in_protected(true, false));
    assert!(!p.scale_in_protected(false, true));
}
