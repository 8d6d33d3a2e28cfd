//! Unit tests of `step`.

use super::*;

fn steps(bounds: &[(Option<f64>, Option<f64>, i32)]) -> StepScalingPolicy {
    StepScalingPolicy::new(AdjustmentType::ChangeInCapacity, bounds.iter().map(|&(l, u, a)| StepAdjustment::new(l, u, a)).collect())
}

#[test]
fn percent_rounding_follows_the_four_rules() {
    assert_eq!(percent_increment(11, 30, None), 3); // 3.3 → floor
    assert_eq!(percent_increment(5, 10, None), 1); // 0.5 → 1
    assert_eq!(percent_increment(5, -10, None), -1); // -0.5 → -1
    assert_eq!(percent_increment(10, -67, None), -6); // -6.7 → toward zero
    assert_eq!(percent_increment(0, 50, None), 1);
    assert_eq!(percent_increment(10, 0, Some(3)), 0);
    assert_eq!(percent_increment(4, 25, Some(2)), 2);
    assert_eq!(percent_increment(4, -25, Some(2)), -2);
    assert_eq!(percent_increment(40, 25, Some(2)), 10);
}

#[test]
fn a_boundary_value_belongs_to_the_step_farther_from_the_threshold() {
    let p = steps(&[(None, Some(-10.0), -2), (Some(-10.0), Some(0.0), -1), (Some(0.0), Some(10.0), 1), (Some(10.0), None, 2)]);
    assert_eq!(p.validate(), Ok(()));
    assert_eq!(p.step_for(10.0), Some(3));
    assert_eq!(p.step_for(9.99), Some(2));
    assert_eq!(p.step_for(0.0), Some(2));
    assert_eq!(p.step_for(-9.99), Some(1));
    assert_eq!(p.step_for(-10.0), Some(0));
    assert_eq!(p.step_for(f64::NAN), None);
}

#[test]
fn validation_reports_every_problem_with_its_step() {
    let both_open = steps(&[(None, None, 1)]);
    assert_eq!(both_open.validate().unwrap_err()[0].step, Some(0));
    let two_open = steps(&[(Some(0.0), None, 1), (Some(10.0), None, 2)]);
    let e = two_open.validate().unwrap_err();
    assert!(e[0].message.contains("both have no MetricIntervalUpperBound"), "{e:?}");
    let bounded_top = steps(&[(Some(0.0), Some(10.0), 1)]);
    let e = bounded_top.validate().unwrap_err();
    assert_eq!(e[0].field, StepField::UpperBound);
    let reversed = steps(&[(Some(10.0), Some(0.0), 1)]);
    assert!(reversed.validate().unwrap_err()[0].message.contains("must be above its lower bound"));
    let mut exact = steps(&[(Some(0.0), None, -1)]);
    exact.adjustment_type = AdjustmentType::ExactCapacity;
    assert_eq!(exact.validate().unwrap_err()[0].field, StepField::Adjustment);
}

#[test]
fn aggregation_of_datapoints() {
    assert_eq!(MetricAggregation::Average.aggregate(&[60.0, 70.0, 80.0]), Some(70.0));
    assert_eq!(MetricAggregation::Minimum.aggregate(&[60.0, 70.0, 80.0]), Some(60.0));
    assert_eq!(MetricAggregation::Maximum.aggregate(&[60.0, 70.0, 80.0]), Some(80.0));
    assert_eq!(MetricAggregation::Average.aggregate(&[]), None);
}
