//! The capacity part of a scenario (spec §12): `[[auto_scaling_groups]]`,
//! `[[capacity_providers]]`, the cluster's providers and default strategy (`[cluster]
//! capacity_providers`, `default_capacity_provider_strategy`, or a put-cluster-capacity-providers
//! file), `[fargate]`, and what each service asks for (`launch_type`,
//! `capacity_provider_strategy`, `subnets`). Inline keys or the AWS JSON of
//! `capacity_json`; every problem located. The rules themselves live in `crate::capacity`.

use super::capacity_json::{self, AsgLoadOptions};
use super::load::{closest, Cx};
use super::load_launch_templates::{RawLaunchTemplate, RawTemplateRef};
use super::toml_model::{RawCluster, RawService, RawVariant};
use crate::capacity::asg::{AllocationStrategy, AsgConfig, PurchaseOption, TerminationPolicy};
use crate::capacity::fargate;
use crate::capacity::launch_template::LaunchTemplate;
use crate::capacity::provider::{
    name_problem, CapacityProviderConfig, ManagedScaling, Severity as CpSeverity, INSTANCE_WARMUP_RANGE_S, SCALING_STEP_RANGE,
    TARGET_CAPACITY_RANGE,
};
use crate::capacity::strategy::{is_fargate_provider, CapacityProviderStrategy, StrategyItem, FARGATE, FARGATE_SPOT};
use crate::ecs::instance_types::{self, InstanceType};
use crate::ecs::service::{LaunchType, SchedulingStrategy, ServiceDefinition};
use crate::ecs::task_def::{NetworkMode, TaskDefinition};
use crate::ecs::{Cluster, InstanceSpec};
use crate::engine::{SimTime, Span};
use crate::model::diagnostic::Diagnostic;
use crate::model::{AsgSpec, CapacitySpec, CapacityTarget, FargateSpec, ProviderSpec, ServiceCapacity, ServiceSpec, ASG_ATTRIBUTE};
use crate::workload::Distribution;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

/// `[[auto_scaling_groups]]`: inline keys, or `file` = create-auto-scaling-group input.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAsg {
    pub name: Option<Spanned<String>>,
    pub file: Option<Spanned<String>>,
    /// One type; with `file`, the type of a group launched from a launch template.
    pub instance_type: Option<Spanned<String>>,
    /// Several types in priority order (a mixed instances policy's overrides).
    pub instance_types: Option<Vec<Spanned<String>>>,
    /// "prioritized" (default) or "lowest-price".
    pub allocation_strategy: Option<Spanned<String>>,
    /// Default: the cluster's zones.
    pub zones: Option<Vec<Spanned<String>>>,
    pub min: Option<Spanned<u32>>,
    pub max: Option<Spanned<u32>>,
    pub desired: Option<Spanned<u32>>,
    /// "on-demand" (default) or "spot".
    pub purchase: Option<Spanned<String>>,
    pub spot_price_factor: Option<Spanned<f64>>,
    /// Launch decision → running OS (default 60 s).
    pub instance_launch: Option<Span>,
    /// Running OS → registered with the cluster (default 30 s).
    pub agent_start: Option<Span>,
    pub termination_policies: Option<Vec<Spanned<String>>>,
    pub new_instances_protected_from_scale_in: Option<bool>,
    /// `{ name | id, version }` of a `[[launch_templates]]` entry (also allowed next to `file`).
    pub launch_template: Option<Spanned<RawTemplateRef>>,
}

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

/// One `{ capacity_provider, base, weight }` of a strategy (base and weight default 0, as in the
/// API).
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawStrategyItem {
    pub capacity_provider: Spanned<String>,
    #[serde(default)]
    pub base: u32,
    #[serde(default)]
    pub weight: u32,
}

/// `[fargate]`: launch latency and prices.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawFargate {
    /// PROVISIONING → PENDING (default lognormal, mean 15 s, cv 0.3).
    pub provisioning: Option<Spanned<Distribution>>,
    /// PENDING → RUNNING (default lognormal, mean 25 s, cv 0.5).
    pub pull_and_start: Option<Spanned<Distribution>>,
    pub usd_per_vcpu_hour: Option<Spanned<f64>>,
    pub usd_per_gb_hour: Option<Spanned<f64>>,
    /// Linux/ARM (ARM64 task definitions) prices.
    pub arm_usd_per_vcpu_hour: Option<Spanned<f64>>,
    pub arm_usd_per_gb_hour: Option<Spanned<f64>>,
    /// FARGATE_SPOT price ÷ FARGATE price (default 0.3).
    pub spot_price_factor: Option<Spanned<f64>>,
}

impl Cx<'_> {
    pub(super) fn warn_at(&mut self, span: Range<usize>, message: impl Into<String>, help: impl Into<String>) {
        let (line, col) = if span == (0..0) { (0, 0) } else { self.lines.line_col(self.text, span.start) };
        self.diags.push(Diagnostic::warning(self.path, line, col, message).with_source_from(&self.lines, self.text).with_help(help));
    }

    /// Groups (their instances at t = 0 registered in `cluster`), providers, the cluster's
    /// providers and default strategy, and Fargate's settings.
    pub(super) fn build_capacity(
        &mut self,
        cluster_raw: &RawCluster,
        (groups, templates): (&[RawAsg], &[RawLaunchTemplate]),
        providers: &[RawCapacityProvider],
        fargate: &RawFargate,
        cluster: Option<&mut Cluster>,
        zones: &[String],
    ) -> CapacitySpec {
        let subnets: Vec<(String, String)> = cluster_raw.subnets.iter().map(|(s, z)| (s.clone(), z.clone())).collect();
        let mut spec = CapacitySpec {
            zones: zones.to_vec(),
            subnets: subnets.clone(),
            reserved_memory_mib: cluster_raw.reserved_memory_mib,
            fargate: self.build_fargate(fargate),
            ..CapacitySpec::default()
        };
        let templates = self.build_launch_templates(templates);
        spec.groups = self.build_groups(groups, &templates, cluster, zones, &subnets, cluster_raw.reserved_memory_mib);
        spec.providers = self.build_providers(providers, &spec.groups);
        self.build_cluster_providers(cluster_raw, &mut spec);
        spec
    }

    fn build_fargate(&mut self, raw: &RawFargate) -> FargateSpec {
        let mut f = FargateSpec::default();
        for (d, slot) in [(&raw.provisioning, &mut f.provisioning), (&raw.pull_and_start, &mut f.pull_and_start)] {
            if let Some(d) = d {
                if let Err(m) = d.get_ref().validate() {
                    self.error_at(d.span(), m, "fix the distribution");
                }
                *slot = d.get_ref().clone();
            }
        }
        for (v, slot) in [
            (&raw.usd_per_vcpu_hour, &mut f.prices.x86_usd_per_vcpu_hour),
            (&raw.usd_per_gb_hour, &mut f.prices.x86_usd_per_gb_hour),
            (&raw.arm_usd_per_vcpu_hour, &mut f.prices.arm_usd_per_vcpu_hour),
            (&raw.arm_usd_per_gb_hour, &mut f.prices.arm_usd_per_gb_hour),
        ] {
            if let Some(v) = v {
                if !(v.get_ref().is_finite() && *v.get_ref() >= 0.0) {
                    self.error_at(v.span(), format!("{} is not a price", v.get_ref()), "give USD per hour, e.g. 0.04048");
                }
                *slot = *v.get_ref();
            }
        }
        if let Some(v) = &raw.spot_price_factor {
            if !(*v.get_ref() > 0.0 && *v.get_ref() <= 1.0) {
                self.error_at(
                    v.span(),
                    format!("spot_price_factor {} is outside (0, 1]", v.get_ref()),
                    "FARGATE_SPOT price ÷ FARGATE price, e.g. 0.3",
                );
            }
            f.prices.spot_factor = *v.get_ref();
        }
        f
    }

    /// An instance type by name, or a located error with the closest known name.
    fn instance_type_at(&mut self, name: &Spanned<String>) -> Option<&'static InstanceType> {
        let t = instance_types::lookup(name.get_ref());
        if t.is_none() {
            let suggestion = closest(name.get_ref(), &instance_types::known_names());
            self.error_at(
                name.span(),
                format!("unknown instance type {:?}", name.get_ref()),
                format!(
                    "{}known types: {}",
                    suggestion.map(|s| format!("did you mean {s:?}? ")).unwrap_or_default(),
                    instance_types::known_names().join(", ")
                ),
            );
        }
        t
    }

    fn build_groups(
        &mut self,
        raws: &[RawAsg],
        templates: &[LaunchTemplate],
        mut cluster: Option<&mut Cluster>,
        zones: &[String],
        subnets: &[(String, String)],
        reserved_memory_mib: u32,
    ) -> Vec<AsgSpec> {
        let mut out: Vec<AsgSpec> = Vec::new();
        for (index, raw) in raws.iter().enumerate() {
            let Some((config, span)) = self.build_group(raw, index, templates, zones, subnets) else { continue };
            if out.iter().any(|g| g.config.name == config.name) {
                self.error_at(span, format!("Auto Scaling group {:?} is defined twice", config.name), "give each group a distinct name");
                continue;
            }
            // The group's instances at t = 0, zone and type as a launch would choose them.
            let mut initial = Vec::new();
            if let Some(cluster) = cluster.as_deref_mut() {
                let mut per_zone = vec![0u32; config.zones.len()];
                for _ in 0..config.desired_capacity {
                    let (Some(z), Some((t, _))) =
                        (crate::capacity::asg::zone_for_launch(&per_zone), config.launch_at(SimTime::ZERO, |_| true))
                    else {
                        break;
                    };
                    per_zone[z] += 1;
                    let mut custom_attributes = BTreeMap::new();
                    custom_attributes.insert(ASG_ATTRIBUTE.to_string(), config.name.clone());
                    initial.push(cluster.register(&InstanceSpec {
                        instance_type: t,
                        availability_zone: config.zones[z].clone(),
                        os_memory_mib: None,
                        reserved_memory_mib,
                        awsvpc_trunking: false,
                        custom_attributes,
                        registered_at_unix_s: 1_700_000_000,
                        agent_version: "1.70.0".into(),
                        price_usd_per_hour: Some(config.price_usd_per_hour(t)),
                    }));
                }
            }
            out.push(AsgSpec { config, initial });
        }
        out
    }

    /// One group and the span its problems point at.
    fn build_group(
        &mut self,
        raw: &RawAsg,
        index: usize,
        templates: &[LaunchTemplate],
        zones: &[String],
        subnets: &[(String, String)],
    ) -> Option<(AsgConfig, Range<usize>)> {
        let own_types = raw.instance_type.is_some() || raw.instance_types.is_some();
        let template = match &raw.launch_template {
            Some(r) => Some(self.group_launch_template(r, templates, own_types)?),
            None => None,
        };
        // Without types of its own, the group launches the type of its template's version at t = 0.
        let template_type = template.as_ref().and_then(|t| t.template.resolve(t.version, SimTime::ZERO)).map(|v| v.instance_type);
        let fallback_type = match &raw.instance_type {
            Some(t) => Some(self.instance_type_at(t)?),
            None => template_type,
        };
        let (mut config, span) = match &raw.file {
            Some(file) => {
                let inline = [
                    ("name", raw.name.is_some()),
                    ("instance_types", raw.instance_types.is_some()),
                    ("allocation_strategy", raw.allocation_strategy.is_some()),
                    ("zones", raw.zones.is_some()),
                    ("min", raw.min.is_some()),
                    ("max", raw.max.is_some()),
                    ("desired", raw.desired.is_some()),
                    ("purchase", raw.purchase.is_some()),
                    ("termination_policies", raw.termination_policies.is_some()),
                    ("new_instances_protected_from_scale_in", raw.new_instances_protected_from_scale_in.is_some()),
                ];
                for (key, _) in inline.iter().filter(|(_, given)| *given) {
                    self.error_at(
                        file.span(),
                        format!("`{key}` is given next to `file`: the group's settings come from the file"),
                        "keep `file` with only instance_type, instance_launch, agent_start and spot_price_factor, or write the group inline",
                    );
                }
                let (p, t) = self.read_file(file)?;
                let options = AsgLoadOptions { instance_type: fallback_type, subnet_zones: subnets };
                match capacity_json::load_auto_scaling_group(&p, &t, &options) {
                    Ok((config, warnings)) => {
                        self.diags.extend(warnings);
                        (config, file.span())
                    }
                    Err(e) => {
                        self.diags.extend(e);
                        return None;
                    }
                }
            }
            None => self.inline_group(raw, index, fallback_type, zones)?,
        };
        if let Some(mut t) = template {
            // A file's MixedInstancesPolicy overrides are types of the group's own too.
            t.sets_instance_type &= config.instance_types.len() == 1 && Some(config.instance_types[0]) == template_type;
            config.launch_template = Some(t);
        }
        if let Some(l) = raw.instance_launch {
            config.instance_launch = l;
        }
        if let Some(a) = raw.agent_start {
            config.agent_start = a;
        }
        if let Some(f) = &raw.spot_price_factor {
            config.spot_price_factor = *f.get_ref();
            if !(*f.get_ref() > 0.0 && *f.get_ref() <= 1.0) {
                self.error_at(
                    f.span(),
                    format!("spot_price_factor {} is outside (0, 1]", f.get_ref()),
                    "Spot price ÷ on-demand price, e.g. 0.3",
                );
            }
        }
        if let Err(problems) = config.validate() {
            for p in problems {
                // Min above max points at `min`; the rest at the group.
                let at = match (&raw.min, p.contains("MinSize") && p.contains("above")) {
                    (Some(m), true) => m.span(),
                    _ if p.contains("DesiredCapacity") => raw.desired.as_ref().map_or(span.clone(), Spanned::span),
                    _ if p.contains("Spot price") => raw.spot_price_factor.as_ref().map_or(span.clone(), Spanned::span),
                    _ => span.clone(),
                };
                if p.contains("Spot price") && raw.spot_price_factor.is_some() {
                    continue; // reported above
                }
                self.error_at(at, format!("Auto Scaling group {:?}: {p}", config.name), "fix the group's sizes and zones");
            }
        }
        Some((config, span))
    }

    fn inline_group(
        &mut self,
        raw: &RawAsg,
        index: usize,
        fallback_type: Option<&'static InstanceType>,
        zones: &[String],
    ) -> Option<(AsgConfig, Range<usize>)> {
        let Some(name) = &raw.name else {
            let span = raw.instance_type.as_ref().map_or_else(|| self.entry_span("auto_scaling_groups", index), Spanned::span);
            self.error_at(span, "an Auto Scaling group needs a `name` (or a `file`)", "add name = \"asg-web\"");
            return None;
        };
        let span = name.span();
        let mut types: Vec<&'static InstanceType> = fallback_type.into_iter().collect();
        match (&raw.instance_type, &raw.instance_types) {
            (Some(t), Some(_)) => {
                self.error_at(
                    t.span(),
                    "both instance_type and instance_types are given",
                    "use one: instance_types lists several in priority order",
                );
                return None;
            }
            (None, Some(list)) => {
                for t in list {
                    types.push(self.instance_type_at(t)?);
                }
            }
            (Some(_), None) => {}
            // The launch template's type.
            (None, None) if fallback_type.is_some() => {}
            (None, None) => {
                self.error_at(
                    span,
                    format!("Auto Scaling group {:?} has no instance type", name.get_ref()),
                    "add instance_type = \"m5.large\"",
                );
                return None;
            }
        }
        if types.is_empty() {
            self.error_at(span, "instance_types is empty", "list at least one instance type");
            return None;
        }
        let group_zones: Vec<String> = match &raw.zones {
            Some(list) => {
                for z in list {
                    if !zones.is_empty() && !zones.contains(z.get_ref()) {
                        self.error_at(
                            z.span(),
                            format!("zone {:?} is not one of the cluster's zones", z.get_ref()),
                            format!("use one of {zones:?} or add it to [cluster] zones"),
                        );
                    }
                }
                list.iter().map(|z| z.get_ref().clone()).collect()
            }
            None => zones.to_vec(),
        };
        if group_zones.is_empty() {
            self.error_at(span, format!("Auto Scaling group {:?} has no zone", name.get_ref()), "set [cluster] zones or the group's zones");
            return None;
        }
        let zone_refs: Vec<&str> = group_zones.iter().map(String::as_str).collect();
        let mut config = AsgConfig::new(name.get_ref(), types[0], &zone_refs);
        config.instance_types = types;
        let Some(max) = &raw.max else {
            self.error_at(span, format!("Auto Scaling group {:?} has no `max`", name.get_ref()), "add max = <instances> (MaxSize)");
            return None;
        };
        config.min_size = raw.min.as_ref().map_or(0, |m| *m.get_ref());
        config.max_size = *max.get_ref();
        config.desired_capacity = raw.desired.as_ref().map_or(config.min_size, |d| *d.get_ref());
        if let Some(p) = &raw.purchase {
            config.purchase = match p.get_ref().as_str() {
                "on-demand" => PurchaseOption::OnDemand,
                "spot" => PurchaseOption::Spot,
                other => {
                    self.error_at(p.span(), format!("unknown purchase option {other:?}"), "use \"on-demand\" or \"spot\"");
                    PurchaseOption::OnDemand
                }
            };
        }
        if let Some(a) = &raw.allocation_strategy {
            config.allocation_strategy = match a.get_ref().as_str() {
                "prioritized" => AllocationStrategy::Prioritized,
                "lowest-price" => AllocationStrategy::LowestPrice,
                other => {
                    self.error_at(a.span(), format!("unknown allocation_strategy {other:?}"), "use \"prioritized\" or \"lowest-price\"");
                    AllocationStrategy::Prioritized
                }
            };
        }
        if let Some(list) = &raw.termination_policies {
            let mut policies = Vec::new();
            for p in list {
                match TerminationPolicy::parse(p.get_ref()) {
                    Some(t) => policies.push(t),
                    None => self.error_at(
                        p.span(),
                        format!("unknown termination policy {:?}", p.get_ref()),
                        format!("use {}", TerminationPolicy::NAMES.join(", ")),
                    ),
                }
            }
            if !policies.is_empty() {
                config.termination_policies = policies;
            }
        }
        if let Some(p) = raw.new_instances_protected_from_scale_in {
            config.new_instances_protected_from_scale_in = p;
        }
        Some((config, span))
    }

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

    fn build_providers(&mut self, raws: &[RawCapacityProvider], groups: &[AsgSpec]) -> Vec<ProviderSpec> {
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

    fn build_cluster_providers(&mut self, raw: &RawCluster, spec: &mut CapacitySpec) {
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

    /// A strategy written in the scenario, checked against spec §12.2 and the cluster's
    /// providers, with its targets.
    fn strategy(&mut self, items: &Spanned<Vec<Spanned<RawStrategyItem>>>, spec: &CapacitySpec) -> Option<ServiceCapacity> {
        let mut ok = true;
        for it in items.get_ref() {
            let name = it.get_ref().capacity_provider.get_ref();
            if !spec.cluster_providers.contains(name) {
                let known: Vec<&str> = spec.cluster_providers.iter().map(String::as_str).collect();
                let help = match closest(name, &known) {
                    Some(m) => format!("did you mean {m:?}?"),
                    None => format!("the cluster's capacity providers are {known:?}"),
                };
                self.error_at(
                    it.get_ref().capacity_provider.span(),
                    format!("capacity provider {name:?} is not one of the cluster's capacity providers"),
                    help,
                );
                ok = false;
            }
        }
        let list: Vec<StrategyItem> = items
            .get_ref()
            .iter()
            .map(|it| StrategyItem::new(it.get_ref().capacity_provider.get_ref(), it.get_ref().base, it.get_ref().weight))
            .collect();
        let strategy = match CapacityProviderStrategy::new(list) {
            Ok(s) => s,
            Err(problems) => {
                for p in problems {
                    let span = p.item.and_then(|i| items.get_ref().get(i)).map_or(items.span(), Spanned::span);
                    self.error_at(span, p.message, "see spec §12.2: one base at most, weights 0–1000 with one above 0, 1–20 providers");
                }
                return None;
            }
        };
        if !ok {
            return None;
        }
        Some(ServiceCapacity { targets: targets(&strategy, spec), strategy: Some(strategy) })
    }

    /// What a service runs on: its launch type or strategy (the TOML keys override its JSON's),
    /// or the cluster's default strategy; and the zones Fargate tasks spread over.
    pub(super) fn build_service_capacity(
        &mut self,
        raw: &RawService,
        def: &ServiceDefinition,
        td: Option<&(String, TaskDefinition)>,
        spec: &CapacitySpec,
    ) -> (Option<ServiceCapacity>, Vec<String>) {
        let span = raw.file.as_ref().map_or(raw.name.span(), Spanned::span);
        let daemon = def.scheduling_strategy == SchedulingStrategy::Daemon;
        let launch_type = match &raw.launch_type {
            Some(l) => match l.get_ref().as_str() {
                "EC2" => Some(LaunchType::Ec2),
                "FARGATE" => Some(LaunchType::Fargate),
                other => {
                    self.error_at(l.span(), format!("launch_type {other:?} is not modelled"), "use \"EC2\" or \"FARGATE\"");
                    return (None, spec.zones.clone());
                }
            },
            None if raw.capacity_provider_strategy.is_none() && def.launch_type_given => Some(def.launch_type),
            None => None,
        };
        if let (Some(l), Some(_)) = (&raw.launch_type, &raw.capacity_provider_strategy) {
            self.error_at(
                l.span(),
                "launch_type and capacity_provider_strategy are both given",
                "a service has one or the other (spec §12.2)",
            );
            return (None, spec.zones.clone());
        }
        if launch_type == Some(LaunchType::External) {
            self.error_at(span.clone(), "the EXTERNAL launch type is not modelled", "use EC2 or FARGATE");
            return (None, spec.zones.clone());
        }
        let capacity = if let Some(items) = &raw.capacity_provider_strategy {
            if daemon {
                self.error_at(
                    items.span(),
                    "a DAEMON service cannot have a capacity provider strategy",
                    "remove it: daemons use the EC2 launch type",
                );
                return (None, spec.zones.clone());
            }
            self.strategy(items, spec)
        } else if !def.capacity_provider_strategy.is_empty() && launch_type.is_none() {
            self.json_strategy(def, span.clone(), spec)
        } else {
            match launch_type {
                Some(LaunchType::Fargate) => {
                    if daemon {
                        self.error_at(span.clone(), "Fargate does not support DAEMON services", "use the EC2 launch type for daemons");
                        return (None, spec.zones.clone());
                    }
                    Some(ServiceCapacity::fargate_launch_type())
                }
                Some(_) => None,
                // Neither: the cluster's default strategy (spec §12.2); daemons stay on EC2.
                None if daemon => None,
                None => spec.default_strategy.as_ref().map(|s| ServiceCapacity { targets: targets(s, spec), strategy: Some(s.clone()) }),
            }
        };
        let mut zones = spec.zones.clone();
        if capacity.as_ref().is_some_and(|c| c.is_fargate()) {
            if let Some((name, td)) = td {
                let at = raw.task_definition.span();
                let spot = capacity.as_ref().is_some_and(ServiceCapacity::uses_fargate_spot);
                self.check_fargate_task_definition(at, &def.service_name, name, td, spot);
            }
            if !def.placement_strategy.is_empty() || !def.placement_constraints.is_empty() {
                self.warn_at(
                    span.clone(),
                    "Fargate ignores placement strategies and constraints",
                    "tasks are spread evenly over the service's zones",
                );
            }
            zones = self.fargate_zones(raw, def, spec, span);
        }
        (capacity, zones)
    }

    /// The strategy of a service's JSON, checked against the cluster's providers.
    fn json_strategy(&mut self, def: &ServiceDefinition, span: Range<usize>, spec: &CapacitySpec) -> Option<ServiceCapacity> {
        let items: Vec<StrategyItem> =
            def.capacity_provider_strategy.iter().map(|it| StrategyItem::new(&it.capacity_provider, it.base, it.weight)).collect();
        for it in &items {
            if !spec.cluster_providers.contains(&it.capacity_provider) {
                self.error_at(
                    span.clone(),
                    format!(
                        "the service's capacityProviderStrategy names {:?}, which is not one of the cluster's capacity providers",
                        it.capacity_provider
                    ),
                    format!("the cluster's capacity providers are {:?}", spec.cluster_providers),
                );
                return None;
            }
        }
        // The JSON loader validated the rules already.
        let strategy = CapacityProviderStrategy::new(items).ok()?;
        Some(ServiceCapacity { targets: targets(&strategy, spec), strategy: Some(strategy) })
    }

    /// Spec §12.5/§12.6: awsvpc, task-level cpu and memory of a valid size; X86_64 when some
    /// tasks may go to FARGATE_SPOT (`spot`).
    pub(super) fn check_fargate_task_definition(
        &mut self,
        span: Range<usize>,
        service: &str,
        td_name: &str,
        td: &TaskDefinition,
        spot: bool,
    ) {
        if spot {
            if let Err(m) = fargate::check_spot_architecture(td.cpu_architecture) {
                self.error_at(
                    span.clone(),
                    format!("service {service:?} uses FARGATE_SPOT: task definition {td_name:?} is ARM64. {m}"),
                    "use FARGATE for ARM64 tasks, or an X86_64 revision with FARGATE_SPOT",
                );
            }
        }
        if td.network_mode != NetworkMode::Awsvpc {
            self.error_at(
                span.clone(),
                format!(
                    "service {service:?} runs on Fargate, which needs network mode awsvpc; task definition {td_name:?} uses {}",
                    td.network_mode.as_str()
                ),
                "set network_mode = \"awsvpc\" in the task definition",
            );
        }
        match (td.cpu_units, td.memory_mib) {
            (Some(cpu), Some(memory)) => {
                if let Err(m) = fargate::validate_size(cpu, memory) {
                    self.error_at(
                        span,
                        format!("service {service:?} runs on Fargate: task definition {td_name:?}: {m}"),
                        "pick a size of spec §12.6",
                    );
                }
            }
            _ => self.error_at(
                span,
                format!(
                    "service {service:?} runs on Fargate, which needs task-level cpu and memory; task definition {td_name:?} lacks one"
                ),
                "give the task definition cpu and memory of a Fargate size (spec §12.6)",
            ),
        }
    }

    /// The zones of a Fargate service's subnets: `[cluster] subnets` maps subnet IDs to zones; a
    /// zone's own name, or the `subnet-<zone>` ID ecsim gives its instances, names that zone.
    fn fargate_zones(&mut self, raw: &RawService, def: &ServiceDefinition, spec: &CapacitySpec, span: Range<usize>) -> Vec<String> {
        let subnets: Vec<(String, Range<usize>)> = match &raw.subnets {
            Some(list) => list.iter().map(|s| (s.get_ref().clone(), s.span())).collect(),
            None => def.subnets.iter().map(|s| (s.clone(), span.clone())).collect(),
        };
        if subnets.is_empty() {
            if spec.zones.is_empty() {
                self.error_at(span, "no zone to run Fargate tasks in", "set [cluster] zones or the service's subnets");
            }
            return spec.zones.clone();
        }
        let mut zones: Vec<String> = Vec::new();
        for (s, at) in subnets {
            let generated = |z: &String| format!("subnet-{}", z.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>()) == s;
            let zone = spec
                .subnets
                .iter()
                .find(|(id, _)| *id == s)
                .map(|(_, z)| z.clone())
                .or_else(|| spec.zones.iter().find(|z| **z == s || generated(z)).cloned());
            match zone {
                Some(z) if !zones.contains(&z) => zones.push(z),
                Some(_) => {}
                None => self.error_at(
                    at,
                    format!("the zone of subnet {s:?} is unknown"),
                    format!("map it under [cluster] subnets = {{ \"{s}\" = \"<zone>\" }}, or name a zone ({:?})", spec.zones),
                ),
            }
        }
        zones
    }

    /// A variant's launch type or strategy (spec §12.2), for every REPLICA service.
    pub(super) fn build_variant_capacity(&mut self, raw: &RawVariant, spec: &CapacitySpec) -> Option<Option<ServiceCapacity>> {
        match (&raw.launch_type, &raw.capacity_provider_strategy) {
            (Some(l), Some(_)) => {
                self.error_at(l.span(), "launch_type and capacity_provider_strategy are both given", "a variant sets one or the other");
                None
            }
            (Some(l), None) => match l.get_ref().as_str() {
                "EC2" => Some(None),
                "FARGATE" => Some(Some(ServiceCapacity::fargate_launch_type())),
                other => {
                    self.error_at(l.span(), format!("launch_type {other:?} is not modelled"), "use \"EC2\" or \"FARGATE\"");
                    None
                }
            },
            (None, Some(items)) => self.strategy(items, spec).map(Some),
            (None, None) => None,
        }
    }

    /// Variants that move services to Fargate need Fargate-sized task definitions.
    pub(super) fn check_variant_capacity(
        &mut self,
        raws: &[RawVariant],
        variants: &[crate::model::Variant],
        services: &[ServiceSpec],
        tds: &[(String, TaskDefinition)],
    ) {
        for v in variants {
            let Some(Some(c)) = &v.capacity else { continue };
            if !c.is_fargate() {
                continue;
            }
            let Some(raw) = raws.iter().find(|r| r.name == v.name) else { continue };
            let span =
                raw.launch_type.as_ref().map(Spanned::span).or(raw.capacity_provider_strategy.as_ref().map(Spanned::span)).unwrap_or(0..0);
            for s in services.iter().filter(|s| s.definition.scheduling_strategy == SchedulingStrategy::Replica) {
                let (name, td) = &tds[s.task_definition];
                self.check_fargate_task_definition(span.clone(), &s.definition.service_name, name, td, c.uses_fargate_spot());
            }
        }
    }
}

/// Where each item of `strategy` runs.
fn targets(strategy: &CapacityProviderStrategy, spec: &CapacitySpec) -> Vec<CapacityTarget> {
    strategy
        .items()
        .iter()
        .map(|it| match it.capacity_provider.as_str() {
            FARGATE => CapacityTarget::Fargate { spot: false },
            FARGATE_SPOT => CapacityTarget::Fargate { spot: true },
            name => CapacityTarget::Provider(spec.providers.iter().position(|p| p.config.name == name).unwrap_or(0)),
        })
        .collect()
}
