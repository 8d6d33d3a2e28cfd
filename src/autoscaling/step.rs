//! Step scaling (docs/ecs-model.md#step-scaling): the user's own CloudWatch alarm invokes the policy each minute it
//! is in ALARM; the policy takes how far the aggregated metric is past the alarm's threshold
//! (the breach), picks the step whose interval holds it and changes the capacity by that
//! step's adjustment, subject to the policy's cooldown.
//!
//! "Current capacity" is the service's desired count (the scalable dimension), not its running
//! tasks: that is what Application Auto Scaling reads back from ECS and what docs/ecs-model.md#example-step-scaling counts.

use super::target::ScalableTarget;
use super::target_tracking::num;
use super::ScalingDecision;
use std::cmp::Ordering;
use std::fmt;

/// `Cooldown` when not given, for ECS services (docs/ecs-model.md#step-scaling).
pub const DEFAULT_COOLDOWN_S: u32 = 300;

/// `AdjustmentType`: how `ScalingAdjustment` is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdjustmentType {
    /// Add the adjustment to the current capacity.
    ChangeInCapacity,
    /// Add this percentage of the current capacity, rounded (see [`percent_increment`]).
    PercentChangeInCapacity,
    /// Set the capacity to the adjustment.
    ExactCapacity,
}

impl AdjustmentType {
    pub const ALL: [AdjustmentType; 3] =
        [AdjustmentType::ChangeInCapacity, AdjustmentType::PercentChangeInCapacity, AdjustmentType::ExactCapacity];

    pub fn as_str(self) -> &'static str {
        match self {
            AdjustmentType::ChangeInCapacity => "ChangeInCapacity",
            AdjustmentType::PercentChangeInCapacity => "PercentChangeInCapacity",
            AdjustmentType::ExactCapacity => "ExactCapacity",
        }
    }

    pub fn parse(s: &str) -> Option<AdjustmentType> {
        AdjustmentType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// `MetricAggregationType`: how the alarm's datapoints become one value (Average by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricAggregation {
    #[default]
    Average,
    Minimum,
    Maximum,
}

impl MetricAggregation {
    pub const ALL: [MetricAggregation; 3] = [MetricAggregation::Average, MetricAggregation::Minimum, MetricAggregation::Maximum];

    pub fn as_str(self) -> &'static str {
        match self {
            MetricAggregation::Average => "Average",
            MetricAggregation::Minimum => "Minimum",
            MetricAggregation::Maximum => "Maximum",
        }
    }

    pub fn parse(s: &str) -> Option<MetricAggregation> {
        MetricAggregation::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The datapoints the alarm evaluated, aggregated; `None` when there are none.
    pub fn aggregate(self, datapoints: &[f64]) -> Option<f64> {
        if datapoints.is_empty() {
            return None;
        }
        Some(match self {
            MetricAggregation::Average => datapoints.iter().sum::<f64>() / datapoints.len() as f64,
            MetricAggregation::Minimum => datapoints.iter().copied().fold(f64::INFINITY, f64::min),
            MetricAggregation::Maximum => datapoints.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

/// One `StepAdjustments` entry: bounds relative to the alarm threshold (`None` = ±∞).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepAdjustment {
    /// `MetricIntervalLowerBound`.
    pub lower: Option<f64>,
    /// `MetricIntervalUpperBound`.
    pub upper: Option<f64>,
    /// `ScalingAdjustment`.
    pub adjustment: i32,
}

impl StepAdjustment {
    pub fn new(lower: Option<f64>, upper: Option<f64>, adjustment: i32) -> Self {
        StepAdjustment { lower, upper, adjustment }
    }

    /// Above the threshold the lower bound is inclusive and the upper exclusive.
    fn holds_above(&self, b: f64) -> bool {
        self.lower.is_none_or(|l| l <= b) && self.upper.is_none_or(|u| b < u)
    }

    /// Below the threshold the lower bound is exclusive and the upper inclusive.
    fn holds_below(&self, b: f64) -> bool {
        self.lower.is_none_or(|l| l < b) && self.upper.is_none_or(|u| b <= u)
    }

    /// `[10, 20)` above the threshold, `(-20, -10]` below it.
    fn interval(&self, above: bool) -> String {
        let l = self.lower.map_or("-∞".to_string(), num);
        let u = self.upper.map_or("+∞".to_string(), num);
        if above {
            format!("[{l}, {u})")
        } else {
            format!("({l}, {u}]")
        }
    }
}

/// `StepScalingPolicyConfiguration`.
#[derive(Debug, Clone, PartialEq)]
pub struct StepScalingPolicy {
    pub adjustment_type: AdjustmentType,
    pub steps: Vec<StepAdjustment>,
    /// `MinAdjustmentMagnitude` (PercentChangeInCapacity only).
    pub min_adjustment_magnitude: Option<u32>,
    pub cooldown_s: u32,
    pub aggregation: MetricAggregation,
}

/// Which setting a [`StepError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepField {
    /// The `StepAdjustments` list as a whole.
    Steps,
    LowerBound,
    UpperBound,
    Adjustment,
    MinAdjustmentMagnitude,
}

/// A step configuration Application Auto Scaling would refuse, with what to change. `step` is
/// the index in `StepAdjustments` as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepError {
    pub step: Option<usize>,
    pub field: StepField,
    pub message: String,
    pub help: String,
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.help)
    }
}

/// The capacity change of a `PercentChangeInCapacity` step: `current × percent / 100` rounded as
/// Application Auto Scaling does — above 1 down, between 0 and 1 up to 1, between −1 and 0 to −1,
/// below −1 toward zero (−6.67 → −6) — then raised to `min_magnitude` if smaller. A positive
/// percentage of 0 tasks is +1 (the "0 to 1 → 1" rule taken as [0, 1)), so a service at zero
/// can still scale out.
pub fn percent_increment(current: u32, percent: i32, min_magnitude: Option<u32>) -> i64 {
    // Integer arithmetic: p / 100 truncates toward zero, which is floor above zero.
    let p = i64::from(current) * i64::from(percent);
    let mut inc = match percent.cmp(&0) {
        Ordering::Greater => (p / 100).max(1),
        Ordering::Less => (p / 100).min(-1),
        Ordering::Equal => 0,
    };
    if let Some(m) = min_magnitude {
        let m = i64::from(m);
        if inc != 0 && inc.abs() < m {
            inc = inc.signum() * m;
        }
    }
    inc
}

fn bound(b: Option<f64>, infinite: &str) -> String {
    b.map_or(infinite.to_string(), num)
}

impl StepScalingPolicy {
    /// A policy with the ECS defaults: 300 s cooldown, Average, no minimum magnitude.
    pub fn new(adjustment_type: AdjustmentType, steps: Vec<StepAdjustment>) -> Self {
        StepScalingPolicy {
            adjustment_type,
            steps,
            min_adjustment_magnitude: None,
            cooldown_s: DEFAULT_COOLDOWN_S,
            aggregation: MetricAggregation::Average,
        }
    }

    /// Every rule PutScalingPolicy enforces on step adjustments: bounds in order, at most one
    /// open-ended step at each end and never both ends open on one step, no gaps or overlaps,
    /// an open-ended step wherever the steps reach past the threshold, `MinAdjustmentMagnitude`
    /// only with percentages, no negative exact capacity.
    pub fn validate(&self) -> Result<(), Vec<StepError>> {
        let mut errors = Vec::new();
        let mut err = |step: Option<usize>, field, message: String, help: String| errors.push(StepError { step, field, message, help });
        if self.steps.is_empty() {
            err(None, StepField::Steps, "a step scaling policy needs at least one step adjustment".into(), "add StepAdjustments".into());
        }
        if self.min_adjustment_magnitude.is_some() && self.adjustment_type != AdjustmentType::PercentChangeInCapacity {
            err(
                None,
                StepField::MinAdjustmentMagnitude,
                format!("MinAdjustmentMagnitude only applies to PercentChangeInCapacity, not {}", self.adjustment_type.as_str()),
                "remove MinAdjustmentMagnitude, or use AdjustmentType PercentChangeInCapacity".into(),
            );
        }
        let mut ordered_ok = true;
        for (i, s) in self.steps.iter().enumerate() {
            for (b, field, name) in
                [(s.lower, StepField::LowerBound, "MetricIntervalLowerBound"), (s.upper, StepField::UpperBound, "MetricIntervalUpperBound")]
            {
                if b.is_some_and(|b| !b.is_finite()) {
                    err(Some(i), field, format!("{name} of step {i} is not a finite number"), "leave the bound out for ±infinity".into());
                    ordered_ok = false;
                }
            }
            match (s.lower, s.upper) {
                (None, None) => {
                    err(
                        Some(i),
                        StepField::LowerBound,
                        format!("step {i} has neither MetricIntervalLowerBound nor MetricIntervalUpperBound"),
                        "give it a bound: 0 as the lower bound for a step above the threshold, 0 as the upper bound below it".into(),
                    );
                    ordered_ok = false;
                }
                (Some(l), Some(u)) if l >= u => {
                    err(
                        Some(i),
                        StepField::UpperBound,
                        format!("step {i} runs from {} to {}: its upper bound must be above its lower bound", num(l), num(u)),
                        "swap the bounds".into(),
                    );
                    ordered_ok = false;
                }
                _ => {}
            }
            if self.adjustment_type == AdjustmentType::ExactCapacity && s.adjustment < 0 {
                err(
                    Some(i),
                    StepField::Adjustment,
                    format!("step {i} sets an exact capacity of {}", s.adjustment),
                    "an ExactCapacity adjustment is a task count: 0 or more".into(),
                );
            }
        }
        let open_lower: Vec<usize> = (0..self.steps.len()).filter(|&i| self.steps[i].lower.is_none()).collect();
        let open_upper: Vec<usize> = (0..self.steps.len()).filter(|&i| self.steps[i].upper.is_none()).collect();
        if open_lower.len() > 1 {
            err(
                Some(open_lower[1]),
                StepField::LowerBound,
                format!(
                    "steps {} and {} both have no MetricIntervalLowerBound (both reach down to -infinity)",
                    open_lower[0], open_lower[1]
                ),
                "only the lowest step may leave its lower bound out; give the other one".into(),
            );
            ordered_ok = false;
        }
        if open_upper.len() > 1 {
            err(
                Some(open_upper[1]),
                StepField::UpperBound,
                format!("steps {} and {} both have no MetricIntervalUpperBound (both reach up to +infinity)", open_upper[0], open_upper[1]),
                "only the highest step may leave its upper bound out; give the other one".into(),
            );
            ordered_ok = false;
        }
        if ordered_ok && !self.steps.is_empty() {
            let mut order: Vec<usize> = (0..self.steps.len()).collect();
            order.sort_by(|&a, &b| {
                let key = |i: usize| self.steps[i].lower.unwrap_or(f64::NEG_INFINITY);
                key(a).total_cmp(&key(b))
            });
            for w in order.windows(2) {
                let (p, n) = (w[0], w[1]);
                let (prev, next) = (self.steps[p], self.steps[n]);
                let (pu, nl) = (prev.upper.unwrap_or(f64::INFINITY), next.lower.unwrap_or(f64::NEG_INFINITY));
                if pu < nl {
                    err(
                        Some(n),
                        StepField::LowerBound,
                        format!(
                            "gap between step {p} (up to {}) and step {n} (from {}): a breach between them matches no step",
                            num(pu),
                            num(nl)
                        ),
                        format!(
                            "set step {n}'s MetricIntervalLowerBound to {} (or step {p}'s MetricIntervalUpperBound to {})",
                            num(pu),
                            num(nl)
                        ),
                    );
                } else if pu > nl {
                    err(
                        Some(n),
                        StepField::LowerBound,
                        format!(
                            "step {p} [{}, {}) overlaps step {n} [{}, {})",
                            bound(prev.lower, "-infinity"),
                            bound(prev.upper, "+infinity"),
                            num(nl),
                            bound(next.upper, "+infinity")
                        ),
                        match prev.upper {
                            Some(u) => format!("set step {n}'s MetricIntervalLowerBound to {} (where step {p} ends)", num(u)),
                            None => format!("give step {p} a MetricIntervalUpperBound of {} (where step {n} starts)", num(nl)),
                        },
                    );
                }
            }
            let first = self.steps[order[0]];
            let last = self.steps[order[order.len() - 1]];
            if first.lower.is_some_and(|l| l < 0.0) {
                err(
                    Some(order[0]),
                    StepField::LowerBound,
                    format!("the lowest step starts at {} below the threshold, so a larger drop matches no step", bound(first.lower, "")),
                    "leave out the lowest step's MetricIntervalLowerBound (it then reaches -infinity)".into(),
                );
            }
            if last.upper.is_some_and(|u| u > 0.0) {
                err(
                    Some(order[order.len() - 1]),
                    StepField::UpperBound,
                    format!("the highest step ends at {} above the threshold, so a larger breach matches no step", bound(last.upper, "")),
                    "leave out the highest step's MetricIntervalUpperBound (it then reaches +infinity)".into(),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The index of the step whose interval holds `breach` (aggregated metric − threshold).
    /// At exactly the threshold the above-threshold reading is tried first.
    pub fn step_for(&self, breach: f64) -> Option<usize> {
        if breach.is_nan() {
            return None;
        }
        let above = || self.steps.iter().position(|s| s.holds_above(breach));
        let below = || self.steps.iter().position(|s| s.holds_below(breach));
        match breach.partial_cmp(&0.0) {
            Some(Ordering::Greater) => above(),
            Some(Ordering::Less) => below(),
            _ => above().or_else(below),
        }
    }

    /// The capacity step `i` gives from `from` tasks, kept in range, and the arithmetic.
    fn capacity_from(&self, i: usize, from: u32, target: &ScalableTarget) -> (u32, String) {
        let a = self.steps[i].adjustment;
        let (raw, why) = match self.adjustment_type {
            AdjustmentType::ChangeInCapacity => {
                let raw = i64::from(from) + i64::from(a);
                (raw, format!("{from} {a:+} = {raw}"))
            }
            AdjustmentType::ExactCapacity => (i64::from(a), format!("exact capacity {a}")),
            AdjustmentType::PercentChangeInCapacity => {
                let inc = percent_increment(from, a, self.min_adjustment_magnitude);
                let exact = f64::from(from) * f64::from(a) / 100.0;
                let floor = match self.min_adjustment_magnitude {
                    Some(m) if percent_increment(from, a, None).abs() < i64::from(m) => format!(" (MinAdjustmentMagnitude {m})"),
                    _ => String::new(),
                };
                let raw = i64::from(from) + inc;
                (raw, format!("{a:+} % of {from} = {} → {inc:+}{floor}; {from} {inc:+} = {raw}", signed(exact)))
            }
        };
        let n = raw.clamp(i64::from(target.min_capacity), i64::from(target.max_capacity.max(target.min_capacity))) as u32;
        let kept = if i64::from(n) != raw {
            format!(", kept within [{}, {}]: {n}", target.min_capacity, target.max_capacity)
        } else {
            String::new()
        };
        (n, format!("{why}{kept}"))
    }
}

/// `+3.3`, `-1.4`.
fn signed(x: f64) -> String {
    if x < 0.0 {
        format!("-{}", num(-x))
    } else {
        format!("+{}", num(x))
    }
}

/// The cooldown a step policy is in, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cooldown {
    /// After a scale-out: `base` is the capacity before the scale-out that started the series,
    /// so that a later step only adds what exceeds it.
    AfterScaleOut {
        from_s: u64,
        base: u32,
    },
    AfterScaleIn {
        from_s: u64,
    },
}

/// A step policy and its cooldown.
#[derive(Debug, Clone, PartialEq)]
pub struct StepScalingState {
    pub policy: StepScalingPolicy,
    cooldown: Option<Cooldown>,
}

impl StepScalingState {
    pub fn new(policy: StepScalingPolicy) -> Self {
        StepScalingState { policy, cooldown: None }
    }

    fn running_cooldown(&self, now_s: u64) -> Option<Cooldown> {
        let len = u64::from(self.policy.cooldown_s);
        self.cooldown.filter(|c| match *c {
            Cooldown::AfterScaleOut { from_s, .. } | Cooldown::AfterScaleIn { from_s } => now_s < from_s + len,
        })
    }

    /// Whether the policy's cooldown (after either kind of activity) runs at `now_s`.
    pub fn in_cooldown(&self, now_s: u64) -> bool {
        self.running_cooldown(now_s).is_some()
    }

    /// What the policy wants when its alarm is in ALARM at `now_s`, the aggregated metric being
    /// `breach_value` past the alarm threshold and `current` the desired count. Reads the state
    /// only. Scale-out during a scale-out cooldown counts from the capacity before the previous
    /// scale-out (previous +2, now +3 → 1 more); scale-in waits out any cooldown, a deployment and
    /// a suspension; outside [Min, Max] only the move back toward the range is made.
    pub fn propose(
        &self,
        now_s: u64,
        breach_value: f64,
        current: u32,
        target: &ScalableTarget,
        deployment_in_progress: bool,
    ) -> Option<ScalingDecision> {
        let i = self.policy.step_for(breach_value)?;
        let step = self.policy.steps[i];
        let above = breach_value >= 0.0 && step.holds_above(breach_value);
        let which = format!("step {} (breach {})", step.interval(above), signed(breach_value));
        let intent = match self.policy.adjustment_type {
            AdjustmentType::ExactCapacity => i64::from(step.adjustment) - i64::from(current),
            _ => i64::from(step.adjustment),
        };
        let (min, max) = (target.min_capacity, target.max_capacity);
        match intent.cmp(&0) {
            Ordering::Equal => None,
            Ordering::Greater => {
                if target.suspended.dynamic_out || current > max {
                    return None;
                }
                if current < min {
                    return Some(ScalingDecision {
                        new_desired: min,
                        reason: format!("{which}: desired count {current} is below MinCapacity {min}: scale out to it first"),
                    });
                }
                let base = match self.running_cooldown(now_s) {
                    Some(Cooldown::AfterScaleOut { base, .. }) => base,
                    _ => current,
                };
                let (new, why) = self.policy.capacity_from(i, base, target);
                let during = if base != current {
                    format!(" (counted from {base}, the capacity before the scale-out whose cooldown is running)")
                } else {
                    String::new()
                };
                (new > current).then(|| ScalingDecision {
                    new_desired: new,
                    reason: format!("{which}: {why}{during}: scale out from {current} to {new}"),
                })
            }
            Ordering::Less => {
                let blocked = target.suspended.dynamic_in || deployment_in_progress || self.in_cooldown(now_s) || current < min;
                if blocked {
                    return None;
                }
                if current > max {
                    return Some(ScalingDecision {
                        new_desired: max,
                        reason: format!("{which}: desired count {current} is above MaxCapacity {max}: scale in to it first"),
                    });
                }
                let (new, why) = self.policy.capacity_from(i, current, target);
                (new < current)
                    .then(|| ScalingDecision { new_desired: new, reason: format!("{which}: {why}: scale in from {current} to {new}") })
            }
        }
    }

    /// Tells the policy its own decision took the desired count from `from` to `to` at `now_s`:
    /// a new cooldown starts. A scale-out inside a scale-out cooldown keeps counting from the
    /// capacity before the first one.
    pub fn record(&mut self, now_s: u64, from: u32, to: u32) {
        match to.cmp(&from) {
            Ordering::Greater => {
                let base = match self.running_cooldown(now_s) {
                    Some(Cooldown::AfterScaleOut { base, .. }) => base,
                    _ => from,
                };
                self.cooldown = Some(Cooldown::AfterScaleOut { from_s: now_s, base });
            }
            Ordering::Less => self.cooldown = Some(Cooldown::AfterScaleIn { from_s: now_s }),
            Ordering::Equal => {}
        }
    }

    /// Another policy scaled the target out at `now_s`: a scale-in cooldown of this one ends
    /// ("Application Auto Scaling scales out immediately … the scale-in cooldown stops").
    pub fn note_scale_out_elsewhere(&mut self, _now_s: u64) {
        if matches!(self.cooldown, Some(Cooldown::AfterScaleIn { .. })) {
            self.cooldown = None;
        }
    }

    /// `propose`, and `record` when there is a decision.
    pub fn on_alarm(
        &mut self,
        now_s: u64,
        breach_value: f64,
        current: u32,
        target: &ScalableTarget,
        deployment_in_progress: bool,
    ) -> Option<ScalingDecision> {
        let d = self.propose(now_s, breach_value, current, target, deployment_in_progress)?;
        self.record(now_s, current, d.new_desired);
        Some(d)
    }
}

#[cfg(test)]
mod tests;
