//! A service's blue/green, linear and canary settings in the scenario's `deployment` table —
//! `strategy`, `bake_time_in_minutes`, `linear`, `canary`, `lifecycle_hooks` and ecsim's own
//! timings (docs/ecs-model.md#blue-green-deployments) — validated with ECS's ranges and texts
//! (`service_rules`, shared with the create-service JSON), each error located at its value.

use super::load::Cx;
use super::service_rules as rules;
use super::toml_model::{RawDeploymentConfiguration, RawLifecycleHook};
use crate::ecs::service::{DeploymentConfiguration, HookAnswer, LifecycleHook, SchedulingStrategy};
use crate::engine::Span;
use toml::Spanned;

impl Cx<'_> {
    /// A rule's verdict: its value, or its problem reported at `span` (and `None`).
    pub(super) fn obeys<T>(&mut self, span: std::ops::Range<usize>, verdict: Result<T, rules::Problem>) -> Option<T> {
        verdict.map_err(|p| self.error_at(span, p.message, p.help)).ok()
    }

    /// `strategy`, `bake_time_in_minutes`, `linear`, `canary` and `lifecycle_hooks`
    /// (docs/ecs-model.md#blue-green-deployments), with ECS's ranges (`service_rules`).
    pub(super) fn build_strategy(
        &mut self,
        raw: &RawDeploymentConfiguration,
        d: &mut DeploymentConfiguration,
        scheduling: SchedulingStrategy,
    ) {
        if let Some(s) = &raw.strategy {
            if let Some(v) = self.obeys(s.span(), rules::deployment_strategy("strategy", s.get_ref())) {
                d.strategy = v;
            }
        }
        if let Some(b) = &raw.bake_time_in_minutes {
            if let Some(v) = self.obeys(b.span(), rules::bake_minutes("bake_time_in_minutes", *b.get_ref())) {
                d.bake_time_min = v;
            }
        }
        if let Some(l) = &raw.linear {
            let r = l.get_ref();
            if let Some(p) = r.step_percent {
                if let Some(v) = self.obeys(l.span(), rules::tenth_percent("step_percent", p, 30)) {
                    d.linear.step_permille = v;
                }
            }
            if let Some(b) = r.step_bake_time_in_minutes {
                if let Some(v) = self.obeys(l.span(), rules::bake_minutes("step_bake_time_in_minutes", b)) {
                    d.linear.step_bake_time_min = v;
                }
            }
        }
        if let Some(c) = &raw.canary {
            let r = c.get_ref();
            if let Some(p) = r.canary_percent {
                if let Some(v) = self.obeys(c.span(), rules::tenth_percent("canary_percent", p, 1)) {
                    d.canary.canary_permille = v;
                }
            }
            if let Some(b) = r.canary_bake_time_in_minutes {
                if let Some(v) = self.obeys(c.span(), rules::bake_minutes("canary_bake_time_in_minutes", b)) {
                    d.canary.canary_bake_time_min = v;
                }
            }
        }
        for h in raw.lifecycle_hooks.iter().flatten() {
            if let Some(hook) = self.build_hook(h) {
                d.lifecycle_hooks.push(hook);
            }
        }
        if let Some(t) = raw.traffic_shift_delay {
            d.traffic_shift_delay_s = t.whole_secs().min(u64::from(u32::MAX)) as u32;
        }
        if let Some(t) = raw.first_hook_invocation_delay {
            d.first_hook_invocation_delay_s = t.whole_secs().min(u64::from(u32::MAX)) as u32;
        }
        let problems = rules::strategy_combination(
            d.strategy,
            scheduling,
            raw.bake_time_in_minutes.is_some(),
            raw.linear.is_some(),
            raw.canary.is_some(),
            raw.lifecycle_hooks.as_ref().is_some_and(|h| !h.is_empty()),
        );
        let span = raw
            .strategy
            .as_ref()
            .map(Spanned::span)
            .or(raw.linear.as_ref().map(Spanned::span))
            .or(raw.canary.as_ref().map(Spanned::span))
            .or(raw.lifecycle_hooks.as_ref().and_then(|h| h.first()).map(Spanned::span))
            .or(raw.bake_time_in_minutes.as_ref().map(Spanned::span));
        if let Some(span) = span {
            for p in problems {
                self.error_at(span.clone(), p.message, p.help);
            }
        }
    }

    /// One lifecycle hook and the answer the scenario gives for it.
    fn build_hook(&mut self, raw: &Spanned<RawLifecycleHook>) -> Option<LifecycleHook> {
        let r = raw.get_ref();
        let mut stages = Vec::new();
        for s in &r.lifecycle_stages {
            if let Some(st) = self.obeys(raw.span(), rules::hook_stage(s)) {
                stages.push(st);
            }
        }
        if r.lifecycle_stages.is_empty() {
            self.error_at(raw.span(), "a lifecycle hook needs at least one stage in lifecycle_stages", "name the stages it runs at");
        }
        let succeeds = match r.answer.as_deref() {
            None | Some("SUCCEEDED") => true,
            Some("FAILED") => false,
            Some(other) => {
                self.error_at(
                    raw.span(),
                    format!("unknown hook answer {other:?}"),
                    "use \"SUCCEEDED\" or \"FAILED\" (and in_progress_for for IN_PROGRESS first)",
                );
                return None;
            }
        };
        let callback = r.callback_delay.unwrap_or(Span::from_secs(30));
        if callback < Span::from_secs(1) {
            self.error_at(
                raw.span(),
                "callback_delay is under 1 s",
                "ECS invokes an IN_PROGRESS hook again after callBackDelay seconds (30 by default)",
            );
        }
        Some(LifecycleHook {
            hook_target_arn: r.hook_target_arn.clone(),
            lifecycle_stages: stages,
            answer: HookAnswer { in_progress_s: r.in_progress_for.map_or(0, |s| s.whole_secs().min(u64::from(u32::MAX)) as u32), succeeds },
            callback_delay_s: callback.whole_secs().clamp(1, u64::from(u32::MAX)) as u32,
        })
    }
}
