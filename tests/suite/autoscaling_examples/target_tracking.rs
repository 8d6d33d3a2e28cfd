//! Target tracking as worked examples (docs/ecs-model.md#target-tracking): the two alarms it
//! creates, scale-out and scale-in with their cooldowns, what a deployment blocks, the range, and
//! several policies combined (any out, all in).

use super::{cpu_policy, desired, target};
use ecsim::autoscaling::target_tracking::{alarm_name, TargetTrackingPolicy};
use ecsim::autoscaling::{
    combine, AlarmKind, Comparison, PolicyVote, PredefinedMetricType, ScalableTarget, ScalingDecision, Statistic, TargetTrackingState,
    TrackedMetric, TreatMissingData,
};
use AlarmKind::{High, Low};

/// docs/ecs-model.md#example-target-tracking: target 50 % CPU, 4 running tasks, Min 1, Max 20. CPU jumps from 40 % to 80 % at
/// t = 0; the datapoints at 60, 120 and 180 are 80, so AlarmHigh (3 of 3) is in ALARM at the
/// t = 180 evaluation.
#[test]
fn target_tracking_example_target_tracking_scales_out_to_7_at_180_and_holds_at_240() {
    let web = target(1, 20);
    let mut policy = cpu_policy(50.0);

    let d = policy.on_alarm(180, High, 4, 80.0, 4, &web, false).expect("scale out");
    assert_eq!(d.new_desired, 7, "ceil(4 × 80 / 50) = ceil(6.4) = 7");
    assert_eq!(d.reason, "AlarmHigh: ceil(4 × 80 / 50) = ceil(6.4) = 7 > desired count 4: scale out to 7");

    // t = 240: the three new tasks are still starting (C = 4, v = 80): 7 is not above 7.
    assert_eq!(policy.on_alarm(240, High, 4, 80.0, 7, &web, false), None);
    // Once they run and CPU is still 80 %, the next step follows from the running count.
    assert_eq!(desired(policy.on_alarm(300, High, 7, 80.0, 7, &web, false)), Some(12));
}

#[test]
fn the_two_alarms_target_tracking_creates() {
    let web = target(1, 20);
    let policy = TargetTrackingPolicy::predefined(50.0, PredefinedMetricType::EcsServiceAverageCpuUtilization);
    let alarms = policy.alarms(&web, "web-cpu50");
    assert_eq!(alarms.len(), 2);
    let (high, low) = (&alarms[0], &alarms[1]);

    assert!(high.name.starts_with("TargetTracking-service/prod/web-AlarmHigh-"), "{}", high.name);
    assert_eq!(high.metric.namespace, "AWS/ECS");
    assert_eq!(high.metric.metric_name, "CPUUtilization");
    assert_eq!(
        high.metric.dimensions,
        vec![("ClusterName".to_string(), "prod".to_string()), ("ServiceName".to_string(), "web".to_string())]
    );
    assert_eq!(high.metric.statistic, Statistic::Average);
    assert_eq!((high.threshold, high.comparison), (50.0, Comparison::GreaterThanThreshold));
    assert_eq!((high.period_s, high.evaluation_periods, high.datapoints_to_alarm), (60, 3, 3));
    assert_eq!(high.treat_missing, TreatMissingData::Missing);

    assert!(low.name.starts_with("TargetTracking-service/prod/web-AlarmLow-"), "{}", low.name);
    assert_eq!((low.threshold, low.comparison), (45.0, Comparison::LessThanThreshold));
    assert_eq!((low.period_s, low.evaluation_periods, low.datapoints_to_alarm), (60, 15, 15));
    assert_eq!(AlarmKind::of_alarm_name(&low.name), Some(Low));

    // Reruns name them alike; the name has AWS's shape.
    assert_eq!(policy.alarms(&web, "web-cpu50"), alarms);
    assert_eq!(alarm_name("service/prod/web", High, "3f2a9c1e"), "TargetTracking-service/prod/web-AlarmHigh-3f2a9c1e");
}

#[test]
fn alb_request_count_per_target_watches_the_target_group_of_its_resource_label() {
    let web = target(1, 20);
    let policy = TargetTrackingPolicy::new(
        1000.0,
        TrackedMetric::Predefined {
            kind: PredefinedMetricType::AlbRequestCountPerTarget,
            resource_label: Some("app/web/50dc6c495c0c9188/targetgroup/tg-web/943f017f100becff".into()),
        },
    );
    assert_eq!(policy.validate(), Ok(()));
    let m = policy.metric_spec(&web);
    assert_eq!(
        (m.namespace.as_str(), m.metric_name.as_str(), m.statistic),
        ("AWS/ApplicationELB", "RequestCountPerTarget", Statistic::Sum)
    );
    assert_eq!(m.dimensions, vec![("TargetGroup".to_string(), "targetgroup/tg-web/943f017f100becff".to_string())]);
    let unlabelled = TargetTrackingPolicy::predefined(1000.0, PredefinedMetricType::AlbRequestCountPerTarget);
    assert!(unlabelled.validate().unwrap_err().contains("ResourceLabel"));
}

#[test]
fn disable_scale_in_means_no_low_alarm_and_no_scale_in() {
    let web = target(1, 20);
    let mut policy = cpu_policy(50.0);
    policy.policy.disable_scale_in = true;
    let alarms = policy.policy.alarms(&web, "web-cpu50");
    assert_eq!(alarms.len(), 1);
    assert_eq!(AlarmKind::of_alarm_name(&alarms[0].name), Some(High));
    assert_eq!(policy.on_alarm(0, Low, 10, 10.0, 10, &web, false), None);
    assert_eq!(desired(policy.on_alarm(0, High, 10, 60.0, 10, &web, false)), Some(12));
}

/// AlarmLow (15 datapoints below 45 %): 10 tasks at 20 % want ceil(10 × 20 / 50) = 4.
#[test]
fn scale_in_then_cooldown_then_scale_out_ends_the_cooldown() {
    let web = target(1, 20);
    let mut policy = cpu_policy(50.0);
    let d = policy.on_alarm(900, Low, 10, 20.0, 10, &web, false).expect("scale in");
    assert_eq!(d.new_desired, 4);
    assert_eq!(d.reason, "AlarmLow: ceil(10 × 20 / 50) = ceil(4) = 4 < desired count 10: scale in to 4");

    // The 300 s scale-in cooldown blocks the next scale-in…
    assert_eq!(policy.on_alarm(960, Low, 4, 10.0, 4, &web, false), None);
    // …but a scale-out happens at once and ends it.
    assert_eq!(desired(policy.on_alarm(1020, High, 4, 90.0, 4, &web, false)), Some(8));
    assert!(!policy.in_scale_in_cooldown(1080));
    assert_eq!(desired(policy.on_alarm(1080, Low, 8, 10.0, 8, &web, false)), Some(2));
}

#[test]
fn a_deployment_blocks_scale_in_but_not_scale_out() {
    let web = target(1, 20);
    let mut policy = cpu_policy(50.0);
    assert_eq!(policy.on_alarm(0, Low, 10, 20.0, 10, &web, true), None, "scale-in waits for the deployment");
    assert_eq!(desired(policy.on_alarm(60, High, 10, 80.0, 10, &web, true)), Some(16), "scale-out goes on");
    assert_eq!(desired(policy.on_alarm(1200, Low, 16, 20.0, 16, &web, false)), Some(7), "after the deployment");

    let mut web_suspended = web.clone();
    web_suspended.suspended.dynamic_out = true;
    assert_eq!(cpu_policy(50.0).on_alarm(0, High, 10, 80.0, 10, &web_suspended, false), None, "unless scale-out is suspended");
}

/// A service with nothing running but demand (an SQS backlog per task, say): the smallest
/// scale-out, then the formula from the running count.
#[test]
fn zero_running_tasks_scale_out_to_max_of_1_and_min() {
    let worker = ScalableTarget::new("service/prod/worker", 0, 10).unwrap();
    let backlog = TargetTrackingPolicy::new(
        100.0,
        TrackedMetric::Customized(ecsim::autoscaling::MetricSpec {
            namespace: "App/Queue".into(),
            metric_name: "BacklogPerTask".into(),
            dimensions: vec![],
            statistic: Statistic::Average,
        }),
    );
    let mut policy = TargetTrackingState::new(backlog);
    let d = policy.on_alarm(60, High, 0, 750.0, 0, &worker, false).expect("scale out");
    assert_eq!(d.new_desired, 1);
    assert!(d.reason.contains("max(1, MinCapacity 0) = 1"), "{}", d.reason);
    assert_eq!(desired(policy.on_alarm(180, High, 1, 300.0, 1, &worker, false)), Some(3));

    // With MinCapacity 2 the smallest scale-out is 2.
    let worker2 = ScalableTarget::new("service/prod/worker", 2, 10).unwrap();
    assert_eq!(desired(cpu_policy(50.0).on_alarm(0, High, 0, 80.0, 2, &worker2, false)), None, "2 is not above 2");
    assert_eq!(desired(cpu_policy(50.0).on_alarm(0, High, 0, 80.0, 1, &worker2, false)), Some(2));
}

#[test]
fn desired_counts_outside_the_range_move_back_toward_it_only() {
    let web = target(2, 6);
    // Below MinCapacity: a scale-out first goes to MinCapacity (not the formula's 10); a scale-in does nothing.
    let below = cpu_policy(50.0).on_alarm(0, High, 1, 500.0, 1, &web, false).expect("scale out");
    assert_eq!(below.new_desired, 2);
    assert!(below.reason.contains("below MinCapacity 2"), "{}", below.reason);
    assert_eq!(cpu_policy(50.0).on_alarm(0, Low, 1, 1.0, 1, &web, false), None);
    // Above MaxCapacity: a scale-in first goes to MaxCapacity; a scale-out does nothing.
    assert_eq!(desired(cpu_policy(50.0).on_alarm(0, Low, 9, 40.0, 9, &web, false)), Some(6));
    assert_eq!(cpu_policy(50.0).on_alarm(0, High, 9, 90.0, 9, &web, false), None);
    // Inside the range the formula is clamped: ceil(5 × 90 / 50) = 9 → 6.
    let d = cpu_policy(50.0).on_alarm(0, High, 5, 90.0, 5, &web, false).unwrap();
    assert_eq!(d.new_desired, 6);
    assert!(d.reason.contains("kept within [2, 6]"), "{}", d.reason);
}

/// Three policies on `web`: CPU 50 %, requests per target 1000 (both can scale in), memory 70 %
/// with scale-in disabled.
#[test]
fn several_target_tracking_policies_combine_any_out_all_in() {
    let web = target(1, 30);
    let mut cpu = cpu_policy(50.0);
    let mut requests = TargetTrackingState::new(TargetTrackingPolicy::new(
        1000.0,
        TrackedMetric::Predefined {
            kind: PredefinedMetricType::AlbRequestCountPerTarget,
            resource_label: Some("app/web/50dc6c495c0c9188/targetgroup/tg-web/943f017f100becff".into()),
        },
    ));
    let mut memory =
        TargetTrackingState::new(TargetTrackingPolicy::predefined(70.0, PredefinedMetricType::EcsServiceAverageMemoryUtilization));
    memory.policy.disable_scale_in = true;
    let vote =
        |s: &TargetTrackingState, d: Option<ScalingDecision>| PolicyVote { scale_in_enabled: !s.policy.disable_scale_in, proposal: d };

    // Scale-out: any policy, the largest proposal. CPU wants 8, requests 9, memory has no alarm.
    let votes = [
        vote(&cpu, cpu.propose(0, High, 5, 80.0, 5, &web, false)),
        vote(&requests, requests.propose(0, High, 5, 1800.0, 5, &web, false)),
        vote(&memory, None),
    ];
    assert_eq!(desired(combine(&votes, 5)), Some(9));
    // A scale-in proposal loses to any scale-out.
    let votes =
        [vote(&cpu, cpu.propose(0, Low, 5, 10.0, 5, &web, false)), vote(&requests, requests.propose(0, High, 5, 1500.0, 5, &web, false))];
    assert_eq!(desired(combine(&votes, 5)), Some(8));

    // Scale-in: only if every scale-in-enabled policy wants it; the largest proposal (the smallest cut).
    let votes = [
        vote(&cpu, cpu.propose(900, Low, 10, 15.0, 10, &web, false)),
        vote(&requests, requests.propose(900, Low, 10, 300.0, 10, &web, false)),
        vote(&memory, None),
    ];
    let d = combine(&votes, 10).expect("both agree");
    assert_eq!(d.new_desired, 3, "ceil(10 × 15 / 50) = 3 and ceil(10 × 300 / 1000) = 3");
    let votes = [
        vote(&cpu, cpu.propose(900, Low, 10, 15.0, 10, &web, false)),
        vote(&requests, requests.propose(900, Low, 10, 400.0, 10, &web, false)),
        vote(&memory, None),
    ];
    let d = combine(&votes, 10).expect("both agree");
    assert_eq!(d.new_desired, 4, "3 and 4: the larger");
    assert!(d.reason.starts_with("all 2 scale-in-enabled policies want to scale in"), "{}", d.reason);
    // One of them without its AlarmLow in ALARM: no scale-in.
    let votes = [vote(&cpu, cpu.propose(900, Low, 10, 15.0, 10, &web, false)), vote(&requests, None), vote(&memory, None)];
    assert_eq!(combine(&votes, 10), None);

    // The caller applies the result and tells every policy: the scale-in cooldown starts for all.
    for s in [&mut cpu, &mut requests, &mut memory] {
        s.record(900, 10, 4);
    }
    assert!(cpu.in_scale_in_cooldown(960) && requests.in_scale_in_cooldown(960));
    assert_eq!(cpu.propose(960, Low, 4, 10.0, 4, &web, false), None);
}
