//! Step scaling as worked examples (docs/ecs-model.md#example-step-scaling): the documented
//! 10 → 11 → 14 → 13 → 10, cooldowns, MinAdjustmentMagnitude and exact capacity.

use super::{desired, target};
use ecsim::autoscaling::step::percent_increment;
use ecsim::autoscaling::{AdjustmentType, StepAdjustment, StepScalingPolicy, StepScalingState};

pub(super) fn step_scaling_example_policy() -> StepScalingPolicy {
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
