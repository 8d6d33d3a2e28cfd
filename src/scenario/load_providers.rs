//! Capacity providers in a scenario (docs/ecs-model.md#capacity-providers): `[[capacity_providers]]` (inline keys, or a
//! create-capacity-provider / describe-capacity-providers file), each tied to its Auto Scaling
//! group, and the cluster's providers and default strategy (`[cluster] capacity_providers`,
//! `default_capacity_provider_strategy`, or a put-cluster-capacity-providers file).

use super::capacity_json;
use super::capacity_rules::{self, managed_scaling, ManagedScalingDraft, ScalingKey};
use super::load::{closest, Cx};
use super::toml_model::RawCluster;
use crate::capacity::provider::{name_problem, CapacityProviderConfig, Severity as CpSeverity};
use crate::capacity::strategy::{FARGATE, FARGATE_SPOT};
use crate::engine::Span;
use crate::model::{AsgSpec, CapacitySpec, ProviderSpec};
use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;

/// ENABLED / DISABLED, or a TOML boolean.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum RawSwitch {
    Bool(bool),
    Text(String),
}

/// `[[capacity_providers]]`: inline keys, or `file` = create-capacity-provider input or
/// describe-capacity-providers output.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapacityProvider {
    pub name: Option<Spanned<String>>,
    pub file: Option<Spanned<String>>,
    pub auto_scaling_group: Option<Spanned<String>>,
    pub managed_scaling: Option<Spanned<RawManagedScaling>>,
    pub managed_termination_protection: Option<Spanned<RawSwitch>>,
    pub managed_draining: Option<Spanned<RawSwitch>>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawManagedScaling {
    /// Default ENABLED when the table is given.
    pub status: Option<Spanned<RawSwitch>>,
    pub target_capacity: Option<Spanned<i64>>,
    pub minimum_scaling_step_size: Option<Spanned<i64>>,
    pub maximum_scaling_step_size: Option<Spanned<i64>>,
    /// Seconds (or a duration such as "5m"); default 300 s.
    pub instance_warmup_period: Option<Spanned<Span>>,
}

impl Cx<'_> {
    /// ENABLED/DISABLED or true/false.
    fn switch(&mut self, s: &Spanned<RawSwitch>) -> bool {
        match s.get_ref() {
            RawSwitch::Bool(b) => *b,
            RawSwitch::Text(t) if t == "ENABLED" => true,
            RawSwitch::Text(t) if t == "DISABLED" => false,
            RawSwitch::Text(t) => {
                self.error_at(s.span(), format!("{t:?} is neither ENABLED nor DISABLED"), "use \"ENABLED\", \"DISABLED\", true or false");
                false
            }
        }
    }

    pub(super) fn build_providers(&mut self, raws: &[RawCapacityProvider], groups: &[AsgSpec]) -> Vec<ProviderSpec> {
        let mut out: Vec<ProviderSpec> = Vec::new();
        for (index, raw) in raws.iter().enumerate() {
            let found: Vec<(CapacityProviderConfig, Range<usize>)> = match &raw.file {
                Some(file) => {
                    if raw.name.is_some() || raw.auto_scaling_group.is_some() || raw.managed_scaling.is_some() {
                        self.error_at(file.span(), "a capacity provider has both `file` and inline keys", "use one or the other");
                    }
                    let Some((list, _)) = self.import(file, capacity_json::load_capacity_providers) else { continue };
                    list.into_iter().map(|c| (c, file.span())).collect()
                }
                None => self.inline_provider(raw, index).into_iter().collect(),
            };
            for (config, span) in found {
                if out.iter().any(|p| p.config.name == config.name) {
                    self.error_at(
                        span,
                        format!("capacity provider {:?} is defined twice", config.name),
                        "give each provider a distinct name",
                    );
                    continue;
                }
                let asg_span = raw.auto_scaling_group.as_ref().map_or(span.clone(), Spanned::span);
                let Some(group) = groups.iter().position(|g| g.config.name == config.auto_scaling_group) else {
                    let names: Vec<&str> = groups.iter().map(|g| g.config.name.as_str()).collect();
                    let help = match closest(&config.auto_scaling_group, &names) {
                        Some(m) => format!("did you mean {m:?}?"),
                        None => format!("define it under [[auto_scaling_groups]]; defined: {names:?}"),
                    };
                    self.error_at(asg_span, format!("no Auto Scaling group named {:?}", config.auto_scaling_group), help);
                    continue;
                };
                if let Some(other) = out.iter().find(|p| p.group == group) {
                    self.error_at(
                        asg_span,
                        format!(
                            "Auto Scaling group {:?} already belongs to capacity provider {:?}",
                            config.auto_scaling_group, other.config.name
                        ),
                        "a group can back one capacity provider only",
                    );
                    continue;
                }
                for (severity, message) in config.check_against_asg(&groups[group].config) {
                    let help = "see docs/ecs-model.md#capacity-providers";
                    match severity {
                        CpSeverity::Error => self.error_at(span.clone(), format!("capacity provider {:?}: {message}", config.name), help),
                        CpSeverity::Warning => self.warn_at(span.clone(), format!("capacity provider {:?}: {message}", config.name), help),
                    }
                }
                out.push(ProviderSpec { config, group });
            }
        }
        out
    }

    fn inline_provider(&mut self, raw: &RawCapacityProvider, index: usize) -> Option<(CapacityProviderConfig, Range<usize>)> {
        let Some(name) = &raw.name else {
            let span = raw.auto_scaling_group.as_ref().map_or_else(|| self.entry_span("capacity_providers", index), Spanned::span);
            self.error_at(span, "a capacity provider needs a `name` (or a `file`)", "add name = \"cp-web\"");
            return None;
        };
        if let Some(problem) = name_problem(name.get_ref()) {
            self.error_at(name.span(), problem, "rename the capacity provider");
        }
        let Some(asg) = &raw.auto_scaling_group else {
            self.error_at(
                name.span(),
                format!("capacity provider {:?} has no auto_scaling_group", name.get_ref()),
                "add auto_scaling_group = \"<[[auto_scaling_groups]] name>\"",
            );
            return None;
        };
        let mut cp = CapacityProviderConfig::new(name.get_ref(), asg.get_ref());
        // Without `managed_scaling` the provider does not scale its group (as in the API).
        cp.managed_scaling.enabled = false;
        if let Some(ms) = &raw.managed_scaling {
            let r = ms.get_ref();
            let value = |v: &Option<Spanned<i64>>| v.as_ref().map(|v| *v.get_ref());
            let draft = ManagedScalingDraft {
                enabled: r.status.as_ref().is_none_or(|st| self.switch(st)),
                target_capacity: value(&r.target_capacity),
                minimum_step: value(&r.minimum_scaling_step_size),
                maximum_step: value(&r.maximum_scaling_step_size),
                warmup_s: r.instance_warmup_period.as_ref().map(|w| w.get_ref().as_micros().div_ceil(1_000_000) as i64),
            };
            let (mut s, problems) = managed_scaling(&draft, |key| match key {
                ScalingKey::TargetCapacity => "target_capacity",
                ScalingKey::MinimumStep => "minimum_scaling_step_size",
                ScalingKey::MaximumStep => "maximum_scaling_step_size",
                ScalingKey::Warmup => "instance_warmup_period",
            });
            for p in &problems {
                let span = match p.at {
                    ScalingKey::TargetCapacity => r.target_capacity.as_ref().map(Spanned::span),
                    ScalingKey::MinimumStep => r.minimum_scaling_step_size.as_ref().map(Spanned::span),
                    ScalingKey::MaximumStep => r.maximum_scaling_step_size.as_ref().map(Spanned::span),
                    ScalingKey::Warmup => r.instance_warmup_period.as_ref().map(Spanned::span),
                };
                self.error_at(span.unwrap_or(ms.span()), &p.message, &p.help);
            }
            // The rules see whole seconds; the run keeps the period as written.
            if let Some(w) = r.instance_warmup_period.as_ref().filter(|_| problems.iter().all(|p| p.at != ScalingKey::Warmup)) {
                s.instance_warmup_period = *w.get_ref();
            }
            cp.managed_scaling = s;
        }
        if let Some(s) = &raw.managed_termination_protection {
            cp.managed_termination_protection = self.switch(s);
        }
        if let Some(s) = &raw.managed_draining {
            cp.managed_draining = self.switch(s);
        }
        Some((cp, name.span()))
    }

    pub(super) fn build_cluster_providers(&mut self, raw: &RawCluster, spec: &mut CapacitySpec) {
        let defined: Vec<String> = spec.providers.iter().map(|p| p.config.name.clone()).collect();
        if let Some(file) = &raw.capacity_providers_file {
            if raw.capacity_providers.is_some() || raw.default_capacity_provider_strategy.is_some() {
                self.error_at(
                    file.span(),
                    "[cluster] has both capacity_providers_file and inline capacity_providers / default_capacity_provider_strategy",
                    "use one or the other",
                );
            }
            let known: Vec<&str> = defined.iter().map(String::as_str).collect();
            let Some((c, _)) = self.import(file, |p, t| capacity_json::load_cluster_capacity_providers(p, t, &known)) else { return };
            if !c.cluster.is_empty() && c.cluster != raw.name && !c.cluster.ends_with(&format!("/{}", raw.name)) {
                self.warn_at(
                    file.span(),
                    format!("the file is for cluster {:?}; the scenario's cluster is {:?}", c.cluster, raw.name),
                    "the providers apply to the scenario's cluster",
                );
            }
            spec.cluster_providers = c.capacity_providers;
            spec.default_strategy = c.default_strategy;
            return;
        }
        match &raw.capacity_providers {
            Some(list) => {
                let known: Vec<&str> = defined.iter().map(String::as_str).collect();
                let problems;
                (spec.cluster_providers, problems) =
                    capacity_rules::cluster_providers(list.get_ref().iter().map(|n| n.get_ref().as_str()), &known);
                for p in problems {
                    self.error_at(list.get_ref()[p.at].span(), p.message, p.help);
                }
            }
            // Without a list every defined provider is the cluster's, and so are the Fargate ones.
            None => {
                spec.cluster_providers = defined.clone();
                spec.cluster_providers.extend([FARGATE.to_string(), FARGATE_SPOT.to_string()]);
            }
        }
        if let Some(items) = &raw.default_capacity_provider_strategy {
            if let Some(c) = self.strategy(items, spec) {
                spec.default_strategy = c.strategy;
            }
        }
    }
}
