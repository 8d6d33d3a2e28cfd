//! The stages of a blue/green, linear or canary deployment as pure decisions
//! (docs/ecs-model.md#blue-green-deployments): which stage comes next, the steps production
//! traffic takes to the green revision, when the next step or bake time ends, and what a
//! lifecycle hook answers at each invocation. `sim::services::staged` carries them out (it
//! launches the green tasks, moves the listener rules' weights, stops blue at CLEAN_UP).
//!
//! Every wait is an instant the caller schedules an evaluation at; nothing here reads a clock.

use crate::ecs::service::{CanaryConfiguration, DeploymentStrategy, LifecycleHook, LifecycleStage, LinearConfiguration};
use crate::engine::{SimTime, Span};

/// Production traffic on green after each step, ‰, with the minutes to wait after it before the
/// next (0 after the last: "this bake time is not applied after reaching 100 percent").
///
/// * BLUE_GREEN: one step, 100 %.
/// * LINEAR: `stepPercent` more each step until 100 % (the last step may be smaller): 25 % →
///   25, 50, 75, 100; 30 % → 30, 60, 90, 100.
/// * CANARY: `canaryPercent`, then 100 % after `canaryBakeTimeInMinutes`.
pub fn production_steps(strategy: DeploymentStrategy, linear: &LinearConfiguration, canary: &CanaryConfiguration) -> Vec<(u32, u32)> {
    match strategy {
        DeploymentStrategy::Rolling | DeploymentStrategy::BlueGreen => vec![(1000, 0)],
        DeploymentStrategy::Linear => {
            let step = linear.step_permille.clamp(1, 1000);
            let mut out = Vec::new();
            let mut at = 0;
            while at < 1000 {
                at = (at + step).min(1000);
                out.push((at, if at < 1000 { linear.step_bake_time_min } else { 0 }));
            }
            out
        }
        DeploymentStrategy::Canary if canary.canary_permille >= 1000 => vec![(1000, 0)],
        DeploymentStrategy::Canary => vec![(canary.canary_permille, canary.canary_bake_time_min), (1000, 0)],
    }
}

/// What a hook answers when invoked `since_first` after its first invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStatus {
    InProgress,
    Succeeded,
    Failed,
}

impl HookStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HookStatus::InProgress => "IN_PROGRESS",
            HookStatus::Succeeded => "SUCCEEDED",
            HookStatus::Failed => "FAILED",
        }
    }
}

/// The hook's answer: IN_PROGRESS while `since_first` is under its `in_progress_for`, then its
/// final answer.
pub fn hook_status(hook: &LifecycleHook, since_first: Span) -> HookStatus {
    if since_first < Span::from_secs(u64::from(hook.answer.in_progress_s)) {
        HookStatus::InProgress
    } else if hook.answer.succeeds {
        HookStatus::Succeeded
    } else {
        HookStatus::Failed
    }
}

/// What the stage's hooks ask of the caller now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStep {
    /// Every hook of the stage answered SUCCEEDED (or the stage has none).
    Done,
    /// Evaluate again then (the first invocation, or `callBackDelay` after IN_PROGRESS).
    Wait(SimTime),
    /// Hook `hook` (index into the configuration's hooks) was invoked now and answered
    /// `status`; ask again (after FAILED the deployment rolls back instead).
    Answered { hook: usize, status: HookStatus },
}

/// A staged deployment's progress: the stage, when each stage began, the traffic already on
/// green, the step and waits under way, the hook being invoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedRollout {
    pub strategy: DeploymentStrategy,
    pub stage: LifecycleStage,
    /// Every stage entered, with the time (deployments.csv's `stage_times`).
    pub stage_times: Vec<(LifecycleStage, SimTime)>,
    /// The stage's own work is done; its hooks are running.
    pub action_done: bool,
    /// Production and test traffic on green, ‰, as applied.
    pub production_permille: u32,
    pub test_permille: u32,
    /// The next production step (index into `production_steps`).
    pub step: usize,
    /// A weight change waits to be applied until then (the traffic shift delay).
    pub apply_at: Option<SimTime>,
    /// A step's bake time, or BAKE_TIME's, ends then.
    pub bake_until: Option<SimTime>,
    /// The stage's hook being run (index into the hooks), its first and next invocation.
    pub hook: usize,
    pub hook_first_at: Option<SimTime>,
    pub hook_next_at: Option<SimTime>,
    /// The evaluation last scheduled for a wait (not scheduled twice).
    pub wake_at: Option<SimTime>,
}

impl StagedRollout {
    /// A deployment starting at `now`: at RECONCILE_SERVICE when it starts with more than one
    /// service revision ACTIVE (`reconcile`: tasks of an earlier, interrupted deployment still
    /// run beside blue's), else at PRE_SCALE_UP — ECS's "the reconciliation stage that only
    /// happens when you start a new service deployment with more than 1 service revision in an
    /// ACTIVE state".
    pub fn new(strategy: DeploymentStrategy, now: SimTime, reconcile: bool) -> Self {
        let stage = if reconcile { LifecycleStage::ReconcileService } else { LifecycleStage::PreScaleUp };
        StagedRollout {
            strategy,
            stage,
            stage_times: vec![(stage, now)],
            action_done: false,
            production_permille: 0,
            test_permille: 0,
            step: 0,
            apply_at: None,
            bake_until: None,
            hook: 0,
            hook_first_at: None,
            hook_next_at: None,
            wake_at: None,
        }
    }

    /// Moves to the next stage at `now`; `false` after CLEAN_UP.
    pub fn advance(&mut self, now: SimTime) -> bool {
        let Some(next) = self.stage.next() else { return false };
        self.stage = next;
        self.stage_times.push((next, now));
        self.action_done = false;
        self.hook = 0;
        self.hook_first_at = None;
        self.hook_next_at = None;
        self.apply_at = None;
        self.bake_until = None;
        true
    }

    /// A weight change decided now is applied at `now + delay`: answers the instant to wait for,
    /// or `None` once it is due (and forgets it).
    pub fn apply_due(&mut self, now: SimTime, delay: Span) -> Option<SimTime> {
        let at = *self.apply_at.get_or_insert(now + delay);
        if now < at {
            return Some(at);
        }
        self.apply_at = None;
        None
    }

    /// A wait of `minutes` from now (the first call), answering the instant to wait for or
    /// `None` once it has passed (and forgets it).
    pub fn bake_due(&mut self, now: SimTime, minutes: u32) -> Option<SimTime> {
        let until = *self.bake_until.get_or_insert(now + Span::from_secs(u64::from(minutes) * 60));
        if now < until {
            return Some(until);
        }
        None
    }

    /// The hooks of the current stage, one after the other: each is first invoked `first_delay`
    /// after the stage's work is done, and again `callBackDelay` after each IN_PROGRESS.
    pub fn next_hook_step(&mut self, now: SimTime, hooks: &[LifecycleHook], first_delay: Span) -> HookStep {
        let stage = self.stage;
        while let Some(h) = hooks.get(self.hook) {
            if !h.lifecycle_stages.contains(&stage) {
                self.hook += 1;
                continue;
            }
            let first = *self.hook_first_at.get_or_insert(now + first_delay);
            let next = self.hook_next_at.unwrap_or(first);
            if now < next {
                return HookStep::Wait(next);
            }
            let status = hook_status(h, now.since(first));
            let hook = self.hook;
            match status {
                HookStatus::InProgress => self.hook_next_at = Some(now + Span::from_secs(u64::from(h.callback_delay_s.max(1)))),
                HookStatus::Succeeded => {
                    self.hook += 1;
                    self.hook_first_at = None;
                    self.hook_next_at = None;
                }
                HookStatus::Failed => {}
            }
            return HookStep::Answered { hook, status };
        }
        HookStep::Done
    }

    /// "STAGE@seconds;…" for deployments.csv.
    pub fn stage_times_text(&self) -> String {
        let mut out = String::new();
        for (i, (stage, at)) in self.stage_times.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            out.push_str(&format!("{}@{}", stage.as_str(), at.as_secs_f64()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::service::HookAnswer;

    fn at(s: u64) -> SimTime {
        SimTime::from_secs(s)
    }

    /// stepPercent 25 → four steps of 2 min, none after 100 %; 30 % → 30, 60, 90, 100;
    /// canary 10 % for 5 min then 100 %; blue/green at once.
    #[test]
    fn production_traffic_moves_in_the_strategys_steps() {
        let linear = LinearConfiguration { step_permille: 250, step_bake_time_min: 2 };
        let canary = CanaryConfiguration { canary_permille: 100, canary_bake_time_min: 5 };
        assert_eq!(production_steps(DeploymentStrategy::Linear, &linear, &canary), vec![(250, 2), (500, 2), (750, 2), (1000, 0)]);
        let thirty = LinearConfiguration { step_permille: 300, step_bake_time_min: 6 };
        assert_eq!(production_steps(DeploymentStrategy::Linear, &thirty, &canary), vec![(300, 6), (600, 6), (900, 6), (1000, 0)]);
        // ECS's defaults: 10 % every 6 min → 10 steps, 9 × 6 = 54 min to 100 %.
        let d = production_steps(DeploymentStrategy::Linear, &LinearConfiguration::default(), &canary);
        assert_eq!((d.len(), d.iter().map(|s| s.1).sum::<u32>()), (10, 54));
        assert_eq!(production_steps(DeploymentStrategy::Canary, &linear, &canary), vec![(100, 5), (1000, 0)]);
        assert_eq!(production_steps(DeploymentStrategy::BlueGreen, &linear, &canary), vec![(1000, 0)]);
    }

    /// A hook IN_PROGRESS for 60 s with callBackDelay 30 s, invoked first 10 s after the stage
    /// is ready (at 100 s): answers at 110 (IN_PROGRESS), 140 (IN_PROGRESS), 170 (60 s since
    /// the first: SUCCEEDED); the next hook of another stage is skipped.
    #[test]
    fn a_hook_in_progress_is_invoked_again_after_its_callback_delay() {
        let hook = |stages: Vec<LifecycleStage>, in_progress_s, succeeds| LifecycleHook {
            hook_target_arn: "h".into(),
            lifecycle_stages: stages,
            answer: HookAnswer { in_progress_s, succeeds },
            callback_delay_s: 30,
        };
        let hooks = vec![hook(vec![LifecycleStage::ReconcileService], 60, true), hook(vec![LifecycleStage::PreScaleUp], 0, false)];
        let mut r = StagedRollout::new(DeploymentStrategy::BlueGreen, at(100), true);
        let d = Span::from_secs(10);
        assert_eq!(r.next_hook_step(at(100), &hooks, d), HookStep::Wait(at(110)));
        assert_eq!(r.next_hook_step(at(110), &hooks, d), HookStep::Answered { hook: 0, status: HookStatus::InProgress });
        assert_eq!(r.next_hook_step(at(110), &hooks, d), HookStep::Wait(at(140)));
        assert_eq!(r.next_hook_step(at(140), &hooks, d), HookStep::Answered { hook: 0, status: HookStatus::InProgress });
        assert_eq!(r.next_hook_step(at(170), &hooks, d), HookStep::Answered { hook: 0, status: HookStatus::Succeeded });
        assert_eq!(r.next_hook_step(at(170), &hooks, d), HookStep::Done);
        assert!(r.advance(at(170)));
        assert_eq!(r.next_hook_step(at(170), &hooks, Span::ZERO), HookStep::Answered { hook: 1, status: HookStatus::Failed });
        assert_eq!(r.stage_times_text(), "RECONCILE_SERVICE@100;PRE_SCALE_UP@170");
    }

    /// The stages run in ECS's order and end after CLEAN_UP (RECONCILE_SERVICE only with more
    /// than one revision ACTIVE); a wait answers its instant until due.
    #[test]
    fn stages_run_in_order_and_waits_end_when_due() {
        let mut r = StagedRollout::new(DeploymentStrategy::Canary, at(0), true);
        let mut seen = vec![r.stage];
        while r.advance(at(1)) {
            seen.push(r.stage);
        }
        assert_eq!(seen, LifecycleStage::ALL.to_vec());
        let one_revision = StagedRollout::new(DeploymentStrategy::Canary, at(0), false);
        assert_eq!(one_revision.stage_times, [(LifecycleStage::PreScaleUp, at(0))]);
        assert_eq!(r.bake_due(at(10), 2), Some(at(130)));
        assert_eq!(r.bake_due(at(129), 2), Some(at(130)));
        assert_eq!(r.bake_due(at(130), 2), None);
        assert_eq!(r.apply_due(at(5), Span::from_secs(3)), Some(at(8)));
        assert_eq!(r.apply_due(at(8), Span::from_secs(3)), None);
        assert_eq!(r.apply_due(at(8), Span::ZERO), None);
    }
}
