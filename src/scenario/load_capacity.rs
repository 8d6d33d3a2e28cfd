//! The capacity part of a scenario (docs/ecs-model.md#capacity): `[[auto_scaling_groups]]`,
//! `[[capacity_providers]]`, the cluster's providers and default strategy (`[cluster]
//! capacity_providers`, `default_capacity_provider_strategy`, or a put-cluster-capacity-providers
//! file), `[fargate]`, and what each service asks for (`launch_type`,
//! `capacity_provider_strategy`, `subnets`). Inline keys or the AWS JSON of
//! `capacity_json`; every problem located. The rules themselves live in `crate::capacity`.

use super::capacity_json::{self, AsgLoadOptions};
use super::capacity_rules::{self, SizeKey};
use super::load::Cx;
use super::load_launch_templates::{RawLaunchTemplate, RawTemplateRef};
use super::load_providers::RawCapacityProvider;
use super::toml_model::RawCluster;
use crate::capacity::asg::{AllocationStrategy, AsgConfig, PurchaseOption, TerminationPolicy};
use crate::capacity::launch_template::LaunchTemplate;
use crate::ecs::instance_types::InstanceType;
use crate::ecs::{Cluster, InstanceSpec};
use crate::engine::{SimTime, Span};
use crate::model::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{AsgSpec, CapacitySpec, FargateSpec, ASG_ATTRIBUTE};
use crate::workload::Distribution;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
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
        let (line, col) = if span == (0..0) { (0, 0) } else { self.src.line_col(span.start) };
        self.diags
            .push(Diagnostic::warning(self.src.path, line, col, message).with_source_from(self.src.lines(), self.src.text).with_help(help));
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

    /// The JSON file `file` names, read by `load`, its warnings kept, and its path; `None` after
    /// reporting its errors (or that it cannot be read).
    pub(super) fn import<T>(
        &mut self,
        file: &Spanned<String>,
        load: impl FnOnce(&Path, &str) -> Result<(T, Diagnostics), Diagnostics>,
    ) -> Option<(T, PathBuf)> {
        let (path, text) = self.read_file(file)?;
        match load(&path, &text) {
            Ok((value, warnings)) => {
                self.diags.extend(warnings);
                Some((value, path))
            }
            Err(e) => {
                self.diags.extend(e);
                None
            }
        }
    }

    /// The value `v` names among `options`, or a located error.
    pub(super) fn named<T: Copy>(&mut self, what: &str, v: &Spanned<String>, options: &[(&str, T)]) -> Option<T> {
        capacity_rules::named(what, v.get_ref(), options).map_err(|(message, help)| self.error_at(v.span(), message, help)).ok()
    }

    /// An instance type by name, or a located error with the closest known name.
    fn instance_type_at(&mut self, name: &Spanned<String>) -> Option<&'static InstanceType> {
        capacity_rules::instance_type(name.get_ref()).map_err(|(message, help)| self.error_at(name.span(), message, help)).ok()
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
                let options = AsgLoadOptions { instance_type: fallback_type, subnet_zones: subnets };
                (self.import(file, |p, t| capacity_json::load_auto_scaling_group(p, t, &options))?.0, file.span())
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
                // The sizes are checked where they are read (`capacity_rules::group_sizes`), and
                // a Spot price factor of the scenario above.
                if p.starts_with("MinSize ")
                    || p.starts_with("DesiredCapacity ")
                    || (p.contains("Spot price") && raw.spot_price_factor.is_some())
                {
                    continue;
                }
                self.error_at(span.clone(), format!("Auto Scaling group {:?}: {p}", config.name), "fix the group's sizes and zones");
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
        (config.min_size, config.max_size) = (raw.min.as_ref().map_or(0, |m| *m.get_ref()), *max.get_ref());
        let problems;
        (config.desired_capacity, problems) =
            capacity_rules::group_sizes(config.min_size, config.max_size, raw.desired.as_ref().map(|d| *d.get_ref()));
        for p in problems {
            let at = match p.at {
                SizeKey::MinSize => &raw.min,
                SizeKey::DesiredCapacity => &raw.desired,
            };
            self.error_at(
                at.as_ref().map_or(span.clone(), Spanned::span),
                format!("Auto Scaling group {:?}: {}", name.get_ref(), p.message),
                p.help,
            );
        }
        let purchase = [("on-demand", PurchaseOption::OnDemand), ("spot", PurchaseOption::Spot)];
        if let Some(p) = raw.purchase.as_ref().and_then(|p| self.named("purchase option", p, &purchase)) {
            config.purchase = p;
        }
        let allocation = [("prioritized", AllocationStrategy::Prioritized), ("lowest-price", AllocationStrategy::LowestPrice)];
        if let Some(a) = raw.allocation_strategy.as_ref().and_then(|a| self.named("allocation_strategy", a, &allocation)) {
            config.allocation_strategy = a;
        }
        if let Some(list) = &raw.termination_policies {
            let names = TerminationPolicy::NAMES.map(|n| (n, n));
            let policies: Vec<_> =
                list.iter().filter_map(|p| self.named("termination policy", p, &names)).filter_map(TerminationPolicy::parse).collect();
            if !policies.is_empty() {
                config.termination_policies = policies;
            }
        }
        if let Some(p) = raw.new_instances_protected_from_scale_in {
            config.new_instances_protected_from_scale_in = p;
        }
        Some((config, span))
    }
}
