//! Unit tests of the load balancer's own state (`sim::alb::state`).

use super::*;
use crate::elb::config::TargetGroupConfig;
use crate::elb::target::Arrival;
use crate::workload::distribution::Distribution;

fn entry(server: u32, zone: u16, state: TargetState) -> TargetEntry {
    TargetEntry { state, ..TargetEntry::initial(ServerId(server), TaskId(server), zone, SimTime::ZERO, false) }
}

fn info(task: TaskId) -> ServerInfo {
    ServerInfo {
        task,
        generation: 0,
        alive: true,
        unreachable: false,
        zone: 0,
        error_fraction: 0.0,
        usage: TaskUsage::new(ServiceId(0), 0.0, 0.0, 0.0, 0.0, SimTime::ZERO),
        idle_timeout: Span::from_secs(60),
        timeout_check: None,
    }
}

fn server() -> Target {
    Target::new(1, Some(10), Distribution::Constant { value: Span::from_millis(100) })
}

/// docs/ecs-model.md#alb-health-checks: one success makes an initial target healthy; `UnhealthyThresholdCount` failures in
/// a row make it unhealthy, and `HealthyThresholdCount` successes in a row bring it back; a
/// success in between restarts the count of failures.
#[test]
fn a_target_moves_through_the_health_table() {
    let hc = HealthCheckConfig { healthy_threshold: 3, unhealthy_threshold: 2, ..HealthCheckConfig::default() };
    let hc2 = hc.clone();
    let mut t = entry(0, 0, TargetState::Initial);
    assert_eq!(t.count_check(true, &hc), Some(TargetState::Healthy));
    t.state = TargetState::Healthy;
    assert_eq!(t.count_check(false, &hc), None);
    assert_eq!(t.count_check(true, &hc), None);
    assert_eq!(t.count_check(false, &hc), None);
    assert_eq!(t.count_check(false, &hc), Some(TargetState::Unhealthy));
    t.state = TargetState::Unhealthy;
    assert_eq!((t.count_check(true, &hc), t.count_check(true, &hc)), (None, None));
    assert_eq!(t.count_check(true, &hc), Some(TargetState::Healthy));
    // With `initial = "threshold"` an initial target needs the full threshold too.
    let strict = HealthCheckConfig { initial_healthy_checks: InitialHealthyChecks::Threshold, ..hc2 };
    let mut t = entry(1, 0, TargetState::Initial);
    assert_eq!((t.count_check(true, &strict), t.count_check(true, &strict)), (None, None));
    assert_eq!(t.count_check(true, &strict), Some(TargetState::Healthy));
    // A draining target's checks change nothing.
    let mut t = entry(2, 0, TargetState::Draining);
    assert_eq!(t.count_check(false, &hc), None);
    assert_eq!(t.count_check(false, &hc), None);
}

/// docs/ecs-model.md#target-selection: only healthy targets take requests, per zone as well; below `min_healthy_targets`
/// healthy the group fails open to every target that is not draining.
#[test]
fn a_group_routes_to_healthy_targets_and_fails_open_below_its_minimum() {
    let mut g = GroupState::new(true, 2);
    g.targets = vec![
        entry(0, 0, TargetState::Healthy),
        entry(1, 1, TargetState::Unhealthy),
        entry(2, 1, TargetState::Draining),
        entry(3, 1, TargetState::Healthy),
    ];
    g.refresh_eligible(1);
    assert!(!g.fail_open);
    assert_eq!(g.eligible(), &[0, 3]);
    assert_eq!(g.eligible_by_zone, vec![vec![0], vec![3]]);
    assert_eq!((g.host_counts(0), g.host_counts(1)), ((1, 0), (1, 1)));
    assert_eq!(g.targets_now(), (2, 3));
    g.refresh_eligible(3);
    assert!(g.fail_open);
    assert_eq!(g.eligible(), &[0, 1, 3]);
    assert_eq!(g.position_of(ServerId(3)), Some(3));
}

/// A target that turns healthy enters slow start when another healthy target is ready,
/// and smooth weighted round robin then sends it less than its share.
#[test]
fn slow_start_gives_a_new_target_a_growing_share() {
    let config = TargetGroupConfig { slow_start: Span::from_secs(100), ..TargetGroupConfig::with_defaults("web") };
    let mut g = GroupState::new(true, 1);
    g.targets = vec![entry(0, 0, TargetState::Healthy), entry(1, 0, TargetState::Healthy)];
    g.became_healthy(1, SimTime::ZERO, config.slow_start);
    assert_eq!(g.targets[1].slow_start_from, Some(SimTime::ZERO));
    assert_eq!(g.slow_start_until, SimTime::from_secs(100));
    g.refresh_eligible(1);
    let mut rng = Streams::new(1).get("test");
    // At 10 s the new target weighs 0.1: one pick in 11.
    let picks: Vec<u32> = (0..11).filter_map(|_| g.pick_slow_start(&config, SimTime::from_secs(10), 0, &mut rng)).collect();
    assert_eq!(picks.iter().filter(|&&s| s == 1).count(), 1);
    // An exempt target (registered into an empty group) never enters it.
    g.targets[0].slow_start_exempt = true;
    g.targets[0].slow_start_from = None;
    g.became_healthy(0, SimTime::from_secs(10), config.slow_start);
    assert_eq!(g.targets[0].slow_start_from, None);
}

/// A server's slot is reused by the next task, with a new generation, so that events still
/// queued for the old task are told apart.
#[test]
fn a_freed_server_slot_is_reused_with_a_new_generation() {
    let mut alb = AlbState::bare(vec!["a".into()], 0, 0, 0, &Streams::new(1));
    let first = alb.add_server(server(), info(TaskId(4)));
    assert_eq!((first, alb.server_of(TaskId(4))), (ServerId(0), Some(ServerId(0))));
    let second = alb.add_server(server(), info(TaskId(5)));
    assert_eq!(second, ServerId(1));
    alb.free_server(first);
    assert_eq!((alb.server_of(TaskId(4)), alb.info[0].alive, alb.info[0].generation), (None, false, 1));
    let third = alb.add_server(server(), info(TaskId(6)));
    assert_eq!((third, alb.server_of(TaskId(6))), (ServerId(0), Some(ServerId(0))));
    assert_eq!((alb.info[0].task, alb.info[0].generation, alb.info[0].alive), (TaskId(6), 1, true));
    // The new task's queue starts empty: one request in service, the next queued.
    let mut rng = Streams::new(1).get("svc");
    assert!(matches!(alb.servers[0].arrive(SimTime::ZERO, 1, &mut rng), Arrival::StartedService { .. }));
    assert!(matches!(alb.servers[0].arrive(SimTime::ZERO, 2, &mut rng), Arrival::Queued));
}

/// Routes are interned: the same answer of the same rule is one route; the same answer of a
/// rule on another listener is a route of its own (its weights move apart).
#[test]
fn equal_routes_are_interned_once() {
    let mut alb = AlbState::bare(vec![], 0, 0, 0, &Streams::new(1));
    let rule = RuleKey { load_balancer: 0, listener: 0, priority: None };
    let test_rule = RuleKey { listener: 1, ..rule };
    let a = alb.intern_route(Route { action: RouteAction::Answer { status_code: 404 }, rule });
    let b = alb.intern_route(Route { action: RouteAction::Answer { status_code: 301 }, rule });
    let c = alb.intern_route(Route { action: RouteAction::Answer { status_code: 404 }, rule });
    let d = alb.intern_route(Route { action: RouteAction::Answer { status_code: 404 }, rule: test_rule });
    assert_eq!((a, b, c, d, alb.routes.len()), (0, 1, 0, 2, 3));
}
