//! Capacity providers in a scenario (spec §12.2): `[[capacity_providers]]` (inline keys, or a
//! create-capacity-provider / describe-capacity-providers file), each tied to its Auto Scaling
//! group, and the cluster's providers and default strategy (`[cluster] capacity_providers`,
//! `default_capacity_provider_strategy`, or a put-cluster-capacity-providers file).

use super::capacity_json;
use super::load::{closest, Cx};
use super::toml_model::RawCluster;
use crate::capacity::provider::{
    name_problem, CapacityProviderConfig, ManagedScaling, Severity as CpSeverity, INSTANCE_WARMUP_RANGE_S, SCALING_STEP_RANGE,
    TARGET_CAPACITY_RANGE,
};
use crate::capacity::strategy::{is_fargate_provider, FARGATE, FARGATE_SPOT};
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

    /// A whole number of `what` in `range`, or a located error.
    fn in_range(&mut self, v: &Spanned<i64>, range: std::ops::RangeInclusive<u32>, what: &str, help: &str) -> Option<u32> {
        let n = *v.get_ref();
        if (i64::from(*range.start())..=i64::from(*range.end())).contains(&n) {
            Some(n as u32)
        } else {
            self.error_at(v.span(), format!("{what} {n} is outside {}–{}", range.start(), range.end()), help);
            None
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
                    let Some((p, t)) = self.read_file(file) else { continue };
                    match capacity_json::load_capacity_providers(&p, &t) {
                        Ok((list, warnings)) => {
                            self.diags.extend(warnings);
                            list.into_iter().map(|c| (c, file.span())).collect()
                        }
                        Err(e) => {
                            self.diags.extend(e);
                            continue;
                        }
                    }
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
                    let help = "see spec §12.2";
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
            let mut s = ManagedScaling::default();
            if let Some(st) = &r.status {
                s.enabled = self.switch(st);
            }
            if let Some(v) = &r.target_capacity {
                let help = "targetCapacity is the percentage of the group the tasks should fill: 100 keeps no spare instance";
                if let Some(n) = self.in_range(v, TARGET_CAPACITY_RANGE, "target_capacity", help) {
                    s.target_capacity_percent = n;
                }
            }
            if let Some(v) = &r.minimum_scaling_step_size {
                if let Some(n) = self.in_range(v, SCALING_STEP_RANGE, "minimum_scaling_step_size", "a number of instances, 1–10000") {
                    s.minimum_scaling_step_size = n;
                }
            }
            if let Some(v) = &r.maximum_scaling_step_size {
                if let Some(n) = self.in_range(v, SCALING_STEP_RANGE, "maximum_scaling_step_size", "a number of instances, 1–10000") {
                    s.maximum_scaling_step_size = n;
                }
            }
            if s.minimum_scaling_step_size > s.maximum_scaling_step_size {
                let span = r.minimum_scaling_step_size.as_ref().map_or(ms.span(), Spanned::span);
                self.error_at(
                    span,
                    format!(
                        "minimum_scaling_step_size {} is above maximum_scaling_step_size {}",
                        s.minimum_scaling_step_size, s.maximum_scaling_step_size
                    ),
                    "lower the minimum or raise the maximum",
                );
            }
            if let Some(w) = &r.instance_warmup_period {
                if *w.get_ref() > Span::from_secs(u64::from(*INSTANCE_WARMUP_RANGE_S.end())) {
                    self.error_at(w.span(), format!("instance_warmup_period {} is above 10000 s", w.get_ref()), "seconds, 0–10000");
                } else {
                    s.instance_warmup_period = *w.get_ref();
                }
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
            let Some((p, t)) = self.read_file(file) else { return };
            let known: Vec<&str> = defined.iter().map(String::as_str).collect();
            match capacity_json::load_cluster_capacity_providers(&p, &t, &known) {
                Ok((c, warnings)) => {
                    self.diags.extend(warnings);
                    if !c.cluster.is_empty() && c.cluster != raw.name && !c.cluster.ends_with(&format!("/{}", raw.name)) {
                        self.warn_at(
                            file.span(),
                            format!("the file is for cluster {:?}; the scenario's cluster is {:?}", c.cluster, raw.name),
                            "the providers apply to the scenario's cluster",
                        );
                    }
                    spec.cluster_providers = c.capacity_providers;
                    spec.default_strategy = c.default_strategy;
                }
                Err(e) => self.diags.extend(e),
            }
            return;
        }
        match &raw.capacity_providers {
            Some(list) => {
                for name in list.get_ref() {
                    let n = name.get_ref();
                    if spec.cluster_providers.contains(n) {
                        self.error_at(name.span(), format!("capacity provider {n:?} is listed twice"), "list each provider once");
                        continue;
                    }
                    if !is_fargate_provider(n) && !defined.contains(n) {
                        let mut known: Vec<&str> = defined.iter().map(String::as_str).collect();
                        known.extend([FARGATE, FARGATE_SPOT]);
                        let help = match closest(n, &known) {
                            Some(m) => format!("did you mean {m:?}?"),
                            None => format!("define it under [[capacity_providers]]; known: {known:?}"),
                        };
                        self.error_at(name.span(), format!("capacity provider {n:?} is not defined"), help);
                        continue;
                    }
                    spec.cluster_providers.push(n.clone());
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
