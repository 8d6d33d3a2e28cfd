//! Service Auto Scaling (docs/ecs-model.md#service-auto-scaling) as worked examples: the decisions of target tracking, step
//! scaling and scheduled actions minute by minute, with what CloudWatch would say given as plain
//! inputs ("AlarmHigh is in ALARM at t = 180 with newest datapoint 80"), and the Application
//! Auto Scaling JSON files (tests/fixtures/autoscaling) with the located messages bad ones get.

use crate::common::{error_with_help_at, fixture};
use ecsim::autoscaling::calendar::parse_timestamp;
use ecsim::autoscaling::scheduled::TimeZone;
use ecsim::autoscaling::step::percent_increment;
use ecsim::autoscaling::target_tracking::{alarm_name, TargetTrackingPolicy};
use ecsim::autoscaling::{
    combine, AdjustmentType, AlarmKind, Comparison, PolicyConfig, PolicyVote, PredefinedMetricType, ScalableTarget, ScalingDecision,
    Schedule, ScheduledAction, ScheduledOutcome, Statistic, StepAdjustment, StepScalingPolicy, StepScalingState, TargetTrackingState,
    TrackedMetric, TreatMissingData, DEFAULT_START_UNIX_S,
};
use ecsim::scenario::autoscaling_json::{load_scalable_targets, load_scaling_policies, load_scheduled_actions};
use std::path::Path;

use AlarmKind::{High, Low};

fn target(min: u32, max: u32) -> ScalableTarget {
    ScalableTarget::new("service/prod/web", min, max).expect("valid target")
}

fn cpu_policy(target_value: f64) -> TargetTrackingState {
    TargetTrackingState::new(TargetTrackingPolicy::predefined(target_value, PredefinedMetricType::EcsServiceAverageCpuUtilization))
}

fn desired(d: Option<ScalingDecision>) -> Option<u32> {
    d.map(|d| d.new_desired)
}

fn t(iso: &str) -> i64 {
    parse_timestamp(iso).expect("timestamp")
}

// ------------------------------------------------------------------ target tracking

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

// ------------------------------------------------------------------ step scaling

fn step_scaling_example_policy() -> StepScalingPolicy {
    let s = |l: Option<f64>, u: Option<f64>, a| StepAdjustment::new(l, u, a);
    StepScalingPolicy::new(
        AdjustmentType::PercentChangeInCapacity,
        vec![
            s(Some(0.0), Some(10.0), 0),
            s(Some(10.0), Some(20.0), 10),
            s(Some(20.0), None, 30),
            s(Some(-10.0), Some(0.0), 0),
            s(Some(-20.0), Some(-10.0), -10),
            s(None, Some(-20.0), -30),
        ],
    )
}

/// docs/ecs-model.md#example-step-scaling (the AWS documentation's example): alarm threshold 50 %, capacity 10. The four
/// invocations are a cooldown (300 s) apart, so each counts from the capacity it finds.
#[test]
fn step_scaling_example_step_scaling_10_11_14_13_10() {
    let web = target(1, 100);
    let policy = step_scaling_example_policy();
    assert_eq!(policy.validate(), Ok(()));
    let mut state = StepScalingState::new(policy);
    let threshold = 50.0;
    let mut capacity = 10;
    let mut reasons = Vec::new();
    for (now_s, metric, expected) in [(0, 60.0, 11), (300, 70.0, 14), (600, 40.0, 13), (900, 30.0, 10)] {
        let d = state.on_alarm(now_s, metric - threshold, capacity, &web, false).expect("a change");
        assert_eq!(d.new_desired, expected, "t = {now_s}: {}", d.reason);
        capacity = d.new_desired;
        reasons.push(d.reason);
    }
    assert_eq!(reasons[0], "step [10, 20) (breach +10): +10 % of 10 = +1 → +1; 10 +1 = 11: scale out from 10 to 11");
    assert_eq!(reasons[1], "step [20, +∞) (breach +20): +30 % of 11 = +3.3 → +3; 11 +3 = 14: scale out from 11 to 14");
    assert_eq!(reasons[2], "step (-20, -10] (breach -10): -10 % of 14 = -1.4 → -1; 14 -1 = 13: scale in from 14 to 13");
    assert_eq!(reasons[3], "step (-∞, -20] (breach -20): -30 % of 13 = -3.9 → -3; 13 -3 = 10: scale in from 13 to 10");
    // Between the steps that change something, a breach of +5 or -5 changes nothing.
    assert_eq!(state.on_alarm(1200, 5.0, 10, &web, false), None);
    assert_eq!(state.on_alarm(1200, -5.0, 10, &web, false), None);
}

fn change_policy(steps: &[(Option<f64>, Option<f64>, i32)]) -> StepScalingState {
    StepScalingState::new(StepScalingPolicy::new(
        AdjustmentType::ChangeInCapacity,
        steps.iter().map(|&(l, u, a)| StepAdjustment::new(l, u, a)).collect(),
    ))
}

/// The API reference's example: a step policy adds 2 tasks; during its cooldown the alarm
/// invokes a more aggressive step of +3: the 2 already added count, so only 1 more.
#[test]
fn during_a_scale_out_cooldown_only_the_excess_is_added() {
    let web = target(1, 50);
    let mut out = change_policy(&[(Some(0.0), Some(10.0), 2), (Some(10.0), None, 3)]);
    assert_eq!(desired(out.on_alarm(0, 5.0, 10, &web, false)), Some(12));
    let d = out.on_alarm(60, 15.0, 12, &web, false).expect("one more");
    assert_eq!(d.new_desired, 13);
    assert!(d.reason.contains("counted from 10"), "{}", d.reason);
    // Still +3 over the same base: nothing more until the cooldown (restarted at 60) ends.
    assert_eq!(out.on_alarm(120, 15.0, 13, &web, false), None);
    assert_eq!(out.on_alarm(300, 15.0, 13, &web, false), None);
    assert_eq!(desired(out.on_alarm(360, 15.0, 13, &web, false)), Some(16));
}

#[test]
fn scale_in_is_blocked_during_the_cooldown() {
    let web = target(1, 50);
    let mut scale_in = change_policy(&[(None, Some(0.0), -1)]);
    assert_eq!(desired(scale_in.on_alarm(0, -5.0, 10, &web, false)), Some(9));
    assert_eq!(scale_in.on_alarm(60, -5.0, 9, &web, false), None);
    assert_eq!(scale_in.on_alarm(299, -5.0, 9, &web, false), None);
    assert_eq!(desired(scale_in.on_alarm(300, -5.0, 9, &web, false)), Some(8));
    // Nor during a deployment, nor when suspended.
    assert_eq!(scale_in.on_alarm(900, -5.0, 8, &web, true), None);
    let mut suspended = web.clone();
    suspended.suspended.dynamic_in = true;
    assert_eq!(scale_in.on_alarm(900, -5.0, 8, &suspended, false), None);
}

/// Two policies as usually set up, each on its own alarm: a scale-out by one ends the other's
/// scale-in cooldown.
#[test]
fn a_scale_out_ends_a_scale_in_cooldown() {
    let web = target(1, 50);
    let mut scale_out = change_policy(&[(Some(0.0), None, 2)]);
    let mut scale_in = change_policy(&[(None, Some(0.0), -1)]);
    assert_eq!(desired(scale_in.on_alarm(0, -5.0, 10, &web, false)), Some(9));
    assert!(scale_in.in_cooldown(60));
    assert_eq!(desired(scale_out.on_alarm(60, 5.0, 9, &web, false)), Some(11), "immediately, whatever the other's cooldown");
    scale_in.note_scale_out_elsewhere(60);
    assert!(!scale_in.in_cooldown(120));
    assert_eq!(desired(scale_in.on_alarm(120, -5.0, 11, &web, false)), Some(10));
}

#[test]
fn min_adjustment_magnitude_raises_a_small_percentage() {
    let web = target(1, 50);
    let mut policy = StepScalingPolicy::new(AdjustmentType::PercentChangeInCapacity, vec![StepAdjustment::new(Some(0.0), None, 25)]);
    policy.min_adjustment_magnitude = Some(2);
    assert_eq!(policy.validate(), Ok(()));
    let d = StepScalingState::new(policy).on_alarm(0, 3.0, 4, &web, false).expect("scale out");
    assert_eq!(d.new_desired, 6, "25 % of 4 is 1, raised to the minimum magnitude 2");
    assert!(d.reason.contains("(MinAdjustmentMagnitude 2)"), "{}", d.reason);
    assert_eq!(percent_increment(4, 25, Some(2)), 2);

    let mut wrong = StepScalingPolicy::new(AdjustmentType::ChangeInCapacity, vec![StepAdjustment::new(Some(0.0), None, 1)]);
    wrong.min_adjustment_magnitude = Some(2);
    assert!(wrong.validate().unwrap_err()[0].message.contains("only applies to PercentChangeInCapacity"));
}

#[test]
fn exact_capacity_sets_the_count_and_the_range_still_holds() {
    let web = target(2, 8);
    let mut policy = StepScalingState::new(StepScalingPolicy::new(
        AdjustmentType::ExactCapacity,
        vec![StepAdjustment::new(Some(0.0), Some(50.0), 5), StepAdjustment::new(Some(50.0), None, 12)],
    ));
    assert_eq!(desired(policy.on_alarm(0, 10.0, 3, &web, false)), Some(5));
    let d = policy.on_alarm(600, 80.0, 5, &web, false).unwrap();
    assert_eq!(d.new_desired, 8);
    assert!(d.reason.contains("exact capacity 12, kept within [2, 8]: 8"), "{}", d.reason);
}

// ------------------------------------------------------------------ scheduled actions

fn action(schedule: &str) -> ScheduledAction {
    ScheduledAction::new("a", "service/prod/web", Schedule::parse(schedule).expect("schedule"), DEFAULT_START_UNIX_S)
}

/// Fire times from the start of the run (2026-01-01T00:00:00Z, a Thursday).
fn fires(a: &ScheduledAction, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut next = a.first_fire();
    while let Some(f) = next {
        if out.len() == n {
            break;
        }
        out.push(ecsim::autoscaling::calendar::format_utc(f));
        next = a.next_fire(f);
    }
    out
}

#[test]
fn cron_every_weekday_at_0800_utc() {
    let a = action("cron(0 8 ? * MON-FRI *)");
    assert_eq!(
        fires(&a, 6),
        [
            "2026-01-01T08:00:00Z",
            "2026-01-02T08:00:00Z",
            "2026-01-05T08:00:00Z",
            "2026-01-06T08:00:00Z",
            "2026-01-07T08:00:00Z",
            "2026-01-08T08:00:00Z"
        ]
    );
    // Asked from the middle of Friday morning, the next one is Monday's.
    assert_eq!(a.next_fire(t("2026-01-02T08:00:00Z")), Some(t("2026-01-05T08:00:00Z")));
    // The same written with day numbers (1 = Sunday).
    assert_eq!(fires(&action("cron(0 8 ? * 2-6 *)"), 6), fires(&a, 6));
}

#[test]
fn cron_in_a_fixed_offset_zone_and_between_start_and_end() {
    let mut a = action("cron(0 20 ? * MON-FRI *)");
    a.timezone = TimeZone::parse("Etc/GMT-1").unwrap(); // UTC+1
    assert_eq!(fires(&a, 2), ["2026-01-01T19:00:00Z", "2026-01-02T19:00:00Z"]);

    // With a StartTime the action runs at that time, then on its recurrence; nothing after EndTime.
    let mut b = action("cron(0 8 ? * MON-FRI *)");
    b.start_unix_s = Some(t("2026-01-03T12:00:00Z"));
    b.end_unix_s = Some(t("2026-01-06T08:00:00Z"));
    assert_eq!(fires(&b, 10), ["2026-01-03T12:00:00Z", "2026-01-05T08:00:00Z", "2026-01-06T08:00:00Z"]);
}

#[test]
fn rate_counts_from_the_start_time_or_from_when_the_action_was_put() {
    let a = action("rate(15 minutes)");
    assert_eq!(fires(&a, 3), ["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z"]);
    let mut b = action("rate(6 hours)");
    b.start_unix_s = Some(t("2026-01-01T03:00:00Z"));
    assert_eq!(fires(&b, 3), ["2026-01-01T03:00:00Z", "2026-01-01T09:00:00Z", "2026-01-01T15:00:00Z"]);
    assert_eq!(b.next_fire(t("2026-01-01T10:00:00Z")), Some(t("2026-01-01T15:00:00Z")));
    // A StartTime before the run: the series goes on from it.
    b.start_unix_s = Some(t("2025-12-31T23:00:00Z"));
    assert_eq!(fires(&b, 1), ["2026-01-01T05:00:00Z"]);
}

#[test]
fn at_fires_once_and_never_in_the_past() {
    let a = action("at(2026-01-07T06:30:00)");
    assert_eq!(fires(&a, 5), ["2026-01-07T06:30:00Z"]);
    assert_eq!(a.next_fire(t("2026-01-07T06:30:00Z")), None);
    assert_eq!(fires(&action("at(2025-12-31T23:59:59)"), 5), Vec::<String>::new());
    // Exactly at the start of the run counts.
    assert_eq!(fires(&action("at(2026-01-01T00:00:00)"), 5), ["2026-01-01T00:00:00Z"]);
}

#[test]
fn a_scheduled_action_sets_the_range_then_the_count_ignoring_cooldowns() {
    let mut web = target(2, 20);
    let mut morning = action("cron(0 8 ? * MON-FRI *)");
    morning.min_capacity = Some(6);
    morning.max_capacity = Some(30);
    match morning.apply(&mut web, 3, false) {
        ScheduledOutcome::Applied { min_capacity: 6, max_capacity: 30, decision: Some(d) } => {
            assert_eq!(d.new_desired, 6);
            assert!(d.reason.contains("set the range to [6, 30]"), "{}", d.reason);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!((web.min_capacity, web.max_capacity), (6, 30));

    let mut evening = action("cron(0 20 ? * MON-FRI *)");
    evening.max_capacity = Some(4);
    evening.min_capacity = Some(2);
    // During a deployment the scale-in waits (enforce_bounds again when it completes).
    assert!(matches!(evening.apply(&mut web, 10, true), ScheduledOutcome::Applied { decision: None, .. }));
    assert_eq!(desired(web.enforce_bounds(10, false)), Some(4));
    assert!(matches!(
        evening.apply(&mut web, 10, false),
        ScheduledOutcome::Applied { decision: Some(ScalingDecision { new_desired: 4, .. }), .. }
    ));

    // Only MinCapacity, above the current maximum: the action fails and nothing changes.
    let mut launch = action("at(2026-01-07T06:30:00)");
    launch.min_capacity = Some(12);
    assert!(matches!(launch.apply(&mut web, 4, false), ScheduledOutcome::Failed(_)));
    assert_eq!((web.min_capacity, web.max_capacity), (2, 4));

    web.suspended.scheduled = true;
    assert_eq!(morning.apply(&mut web, 4, false), ScheduledOutcome::Suspended);
}

// ------------------------------------------------------------------ JSON files

#[test]
fn register_scalable_target_input_loads() {
    let (path, text) = fixture("autoscaling/register-scalable-target.json");
    let (targets, warnings) = load_scalable_targets(&path, &text).expect("loads");
    assert_eq!(targets, vec![target(2, 20)]);
    // RoleARN grants nothing ecsim checks: silent. Tags are reported, not dropped silently.
    assert_eq!(warnings.0.len(), 1, "{warnings}");
    assert!(warnings.0[0].message.contains("`Tags` is not modelled"), "{warnings}");
    assert_eq!((warnings.0[0].line, warnings.0[0].column), (13, 5));
}

#[test]
fn describe_scalable_targets_output_loads() {
    let (path, text) = fixture("autoscaling/describe-scalable-targets.json");
    let (targets, warnings) = load_scalable_targets(&path, &text).expect("loads");
    assert!(warnings.is_empty(), "{warnings}");
    assert_eq!(targets.len(), 2);
    assert_eq!((targets[1].resource_id.as_str(), targets[1].min_capacity, targets[1].max_capacity), ("service/prod/worker", 0, 8));
    assert!(targets[1].suspended.dynamic_in && !targets[1].suspended.dynamic_out);
}

#[test]
fn put_scaling_policy_inputs_load() {
    let (path, text) = fixture("autoscaling/put-scaling-policy-cpu.json");
    let (policies, warnings) = load_scaling_policies(&path, &text).expect("loads");
    assert!(warnings.is_empty(), "{warnings}");
    let PolicyConfig::TargetTracking(cpu) = &policies[0].config else { panic!("target tracking") };
    assert_eq!((cpu.target_value, cpu.scale_out_cooldown_s, cpu.scale_in_cooldown_s, cpu.disable_scale_in), (50.0, 60, 300, false));
    assert_eq!(policies[0].name, "web-cpu50");

    let (path, text) = fixture("autoscaling/put-scaling-policy-alb.json");
    let (policies, _) = load_scaling_policies(&path, &text).expect("loads");
    let PolicyConfig::TargetTracking(alb) = &policies[0].config else { panic!("target tracking") };
    assert_eq!(
        (alb.scale_out_cooldown_s, alb.scale_in_cooldown_s, alb.disable_scale_in),
        (60, 300, true),
        "ScaleInCooldown defaults to 300"
    );
    assert_eq!(alb.alarms(&target(2, 20), &policies[0].name).len(), 1);

    let (path, text) = fixture("autoscaling/put-scaling-policy-step.json");
    let (policies, _) = load_scaling_policies(&path, &text).expect("loads");
    let PolicyConfig::Step(step) = &policies[0].config else { panic!("step") };
    assert_eq!(step.steps, step_scaling_example_policy().steps);
    assert_eq!(
        (step.adjustment_type, step.min_adjustment_magnitude, step.cooldown_s),
        (AdjustmentType::PercentChangeInCapacity, Some(1), 300)
    );
}

#[test]
fn describe_scaling_policies_output_keeps_arns_and_alarms_for_wiring() {
    let (path, text) = fixture("autoscaling/describe-scaling-policies.json");
    let (policies, warnings) = load_scaling_policies(&path, &text).expect("loads");
    assert!(warnings.is_empty(), "{warnings}");
    let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["web-cpu50", "web-memory70", "worker-backlog-out"]);
    assert_eq!(policies[0].alarm_names.len(), 2);
    let PolicyConfig::TargetTracking(memory) = &policies[1].config else { panic!() };
    let TrackedMetric::Customized(m) = &memory.metric else { panic!() };
    assert_eq!((m.metric_name.as_str(), m.statistic, m.dimensions.len()), ("MemoryUtilization", Statistic::Maximum, 2));
    let worker = &policies[2];
    assert_eq!(worker.alarm_names, ["worker-backlog-high"]);
    assert!(worker.is_named_by(worker.arn.as_deref().unwrap()));
    let PolicyConfig::Step(step) = &worker.config else { panic!() };
    assert_eq!((step.cooldown_s, step.aggregation), (120, ecsim::autoscaling::MetricAggregation::Maximum));
}

#[test]
fn scheduled_action_files_load() {
    let (path, text) = fixture("autoscaling/put-scheduled-action.json");
    let (actions, warnings) = load_scheduled_actions(&path, &text, DEFAULT_START_UNIX_S).expect("loads");
    assert!(warnings.is_empty(), "{warnings}");
    assert_eq!(actions[0].next_fire(t("2026-01-02T08:00:00Z")), Some(t("2026-01-05T08:00:00Z")));
    assert_eq!((actions[0].min_capacity, actions[0].max_capacity), (Some(6), Some(30)));

    let (path, text) = fixture("autoscaling/describe-scheduled-actions.json");
    let (actions, warnings) = load_scheduled_actions(&path, &text, DEFAULT_START_UNIX_S).expect("loads");
    assert!(warnings.is_empty(), "{warnings}");
    let first: Vec<String> = actions.iter().map(|a| ecsim::autoscaling::calendar::format_utc(a.first_fire().unwrap())).collect();
    assert_eq!(first, ["2026-01-01T08:00:00Z", "2026-01-01T19:00:00Z", "2026-01-07T06:30:00Z", "2026-01-01T03:00:00Z"]);
    assert_eq!(actions[3].end_unix_s, Some(t("2026-01-31T00:00:00Z")));
    assert_eq!(actions[2].max_capacity, None);
}

#[test]
fn min_capacity_above_max_is_located_and_says_what_to_change() {
    let text = r#"{
    "ServiceNamespace": "ecs",
    "ResourceId": "service/prod/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "MinCapacity": 12,
    "MaxCapacity": 4
}"#;
    let d = load_scalable_targets(Path::new("target.json"), text).unwrap_err();
    let e = error_with_help_at(&d, (5, 20), "MinCapacity (12) is above MaxCapacity (4)");
    assert_eq!(e.help.as_deref(), Some("lower MinCapacity to at most 4 or raise MaxCapacity to at least 12"));
    assert!(e.to_string().starts_with("target.json:5:20: error:"), "{e}");
}

#[test]
fn other_namespaces_and_dimensions_are_not_modelled() {
    let text = r#"{
    "ServiceNamespace": "dynamodb",
    "ResourceId": "table/orders",
    "ScalableDimension": "dynamodb:table:ReadCapacityUnits",
    "MinCapacity": 5,
    "MaxCapacity": 50
}"#;
    let d = load_scalable_targets(Path::new("target.json"), text).unwrap_err();
    let e = error_with_help_at(&d, (2, 25), "ServiceNamespace \"dynamodb\" is not modelled");
    assert_eq!(e.help.as_deref(), Some("use \"ServiceNamespace\": \"ecs\""));
    error_with_help_at(&d, (4, 26), "ScalableDimension \"dynamodb:table:ReadCapacityUnits\" is not modelled");
    error_with_help_at(&d, (3, 19), "is not of the form service/<cluster>/<service>");
}

#[test]
fn an_unknown_predefined_metric_type_is_located() {
    let text = r#"{
    "PolicyName": "web-cpu",
    "ServiceNamespace": "ecs",
    "ResourceId": "service/prod/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "PolicyType": "TargetTrackingScaling",
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 50.0,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCpuUtilisation"}
    }
}"#;
    let d = load_scaling_policies(Path::new("policy.json"), text).unwrap_err();
    let e = error_with_help_at(&d, (9, 67), "unknown PredefinedMetricType \"ECSServiceAverageCpuUtilisation\"");
    assert_eq!(e.help.as_deref(), Some("did you mean \"ECSServiceAverageCPUUtilization\"?"));

    let other = text.replace("ECSServiceAverageCpuUtilisation", "DynamoDBReadCapacityUtilization");
    let d = load_scaling_policies(Path::new("policy.json"), &other).unwrap_err();
    let e = error_with_help_at(&d, (9, 67), "unknown PredefinedMetricType");
    assert!(e.help.as_deref().unwrap().starts_with("that metric type is for DynamoDB tables"), "{e}");
}

fn step_policy_text(steps: &str) -> String {
    format!(
        r#"{{
    "PolicyName": "web-steps",
    "ServiceNamespace": "ecs",
    "ResourceId": "service/prod/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "PolicyType": "StepScaling",
    "StepScalingPolicyConfiguration": {{
        "AdjustmentType": "ChangeInCapacity",
        "StepAdjustments": [
{steps}
        ]
    }}
}}"#
    )
}

#[test]
fn step_adjustment_gaps_and_overlaps_are_located() {
    let gap = step_policy_text(
        r#"            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
            {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 3}"#,
    );
    let d = load_scaling_policies(Path::new("steps.json"), &gap).unwrap_err();
    let e = error_with_help_at(&d, (11, 42), "gap between step 0 (up to 10) and step 1 (from 20)");
    assert_eq!(e.help.as_deref(), Some("set step 1's MetricIntervalLowerBound to 10 (or step 0's MetricIntervalUpperBound to 20)"));

    let overlap = step_policy_text(
        r#"            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 1},
            {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 3}"#,
    );
    let d = load_scaling_policies(Path::new("steps.json"), &overlap).unwrap_err();
    let e = error_with_help_at(&d, (11, 42), "step 0 [0, 20) overlaps step 1 [10, +infinity)");
    assert_eq!(e.help.as_deref(), Some("set step 1's MetricIntervalLowerBound to 20 (where step 0 ends)"));

    let both_open = step_policy_text(r#"            {"ScalingAdjustment": 1}"#);
    let d = load_scaling_policies(Path::new("steps.json"), &both_open).unwrap_err();
    error_with_help_at(&d, (10, 13), "step 0 has neither MetricIntervalLowerBound nor MetricIntervalUpperBound");

    let magnitude = step_policy_text(r#"            {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}"#)
        .replace("\"ChangeInCapacity\",", "\"ChangeInCapacity\", \"MinAdjustmentMagnitude\": 2,");
    let d = load_scaling_policies(Path::new("steps.json"), &magnitude).unwrap_err();
    error_with_help_at(&d, (8, 73), "MinAdjustmentMagnitude only applies to PercentChangeInCapacity");
}

#[test]
fn schedule_and_time_zone_errors_point_inside_the_value() {
    let text = r#"{
    "ServiceNamespace": "ecs",
    "ScheduledActionName": "last-friday",
    "ResourceId": "service/prod/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "Schedule": "cron(0 8 ? * 6L *)",
    "Timezone": "Europe/Paname",
    "ScalableTargetAction": {"MinCapacity": 6, "MaxCapacity": 3}
}"#;
    let d = load_scheduled_actions(Path::new("action.json"), text, DEFAULT_START_UNIX_S).unwrap_err();
    // `6L` is character 13 (from 0) of the expression, which starts in column 18.
    let e = error_with_help_at(&d, (6, 31), "L (last), W (nearest weekday) and # (nth weekday) are not modelled");
    assert!(e.help.as_deref().unwrap().contains("list the days explicitly"), "{e}");
    let e = error_with_help_at(&d, (7, 17), "time zone \"Europe/Paname\" is not in the IANA time-zone database");
    assert!(e.help.as_deref().unwrap().contains("Etc/GMT"), "{e}");
    error_with_help_at(&d, (8, 45), "MinCapacity (6) is above MaxCapacity (3)");
}

#[test]
fn typos_in_field_names_are_errors_in_input_and_warnings_in_output() {
    let text = r#"{
    "ServiceNamespace": "ecs",
    "ResourceId": "service/prod/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "MinCapacity": 1,
    "MaxCapasity": 4
}"#;
    let d = load_scalable_targets(Path::new("target.json"), text).unwrap_err();
    let e = error_with_help_at(&d, (6, 5), "unknown field `MaxCapasity` in a scalable target");
    assert_eq!(e.help.as_deref(), Some("did you mean `MaxCapacity`?"));
    assert!(d.errors().any(|e| e.message.contains("missing \"MaxCapacity\"")), "{d}");

    let output = r#"{"ScalableTargets": [{"ServiceNamespace": "ecs", "ResourceId": "service/prod/web",
        "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 4, "Color": "blue"}]}"#;
    let (targets, warnings) = load_scalable_targets(Path::new("out.json"), output).expect("loads");
    assert_eq!(targets.len(), 1);
    assert!(warnings.0[0].message.contains("ScalableTargets[0].Color"), "{warnings}");
}

#[test]
fn an_entry_listed_twice_is_an_error_at_the_second() {
    let (path, text) = fixture("autoscaling/describe-scalable-targets.json");
    let doubled = text.replace("service/prod/worker", "service/prod/web");
    let d = load_scalable_targets(&path, &doubled).unwrap_err();
    let e = error_with_help_at(&d, (18, 9), "scalable target \"service/prod/web\" is listed twice (first on line 3)");
    assert_eq!(e.help.as_deref(), Some("keep one of them"));
}

#[test]
fn truncated_and_garbled_files_give_messages_not_panics() {
    for name in [
        "register-scalable-target.json",
        "describe-scaling-policies.json",
        "put-scaling-policy-step.json",
        "describe-scheduled-actions.json",
    ] {
        let (path, text) = fixture(&format!("autoscaling/{name}"));
        let mut cuts: Vec<usize> = (0..text.len()).step_by(13).collect();
        cuts.push(text.len());
        for cut in cuts {
            let mut t = text[..cut].to_string();
            // Balance what was cut off, so that most prefixes parse and reach the checks.
            t.push_str(&"]}".repeat(4));
            for garbled in [text[..cut].to_string(), t.replace("\"ecs\"", "7"), t] {
                let _ = load_scalable_targets(&path, &garbled);
                let _ = load_scaling_policies(&path, &garbled);
                let _ = load_scheduled_actions(&path, &garbled, DEFAULT_START_UNIX_S);
            }
        }
    }
}
