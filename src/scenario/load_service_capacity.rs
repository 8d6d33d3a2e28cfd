//! What each service (and each variant) runs on (docs/ecs-model.md#capacity-provider-strategy, docs/ecs-model.md#fargate): its launch
//! type or capacity
//! provider strategy (`launch_type`, `capacity_provider_strategy`, or its service JSON's), the
//! cluster's default strategy otherwise, the zones Fargate tasks spread over (`subnets`), and
//! what Fargate asks of a task definition.

use super::capacity_rules;
use super::load::Cx;
use super::toml_model::{RawService, RawVariant};
use crate::capacity::fargate;
use crate::capacity::strategy::{CapacityProviderStrategy, StrategyItem, FARGATE, FARGATE_SPOT};
use crate::ecs::service::{LaunchType, SchedulingStrategy, ServiceDefinition};
use crate::ecs::task_def::{NetworkMode, TaskDefinition};
use crate::model::{CapacitySpec, CapacityTarget, ServiceCapacity, ServiceSpec};
use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;

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

impl Cx<'_> {
    /// A strategy written in the scenario, checked against docs/ecs-model.md#capacity-providers and the cluster's
    /// providers, with its targets.
    pub(super) fn strategy(&mut self, items: &Spanned<Vec<Spanned<RawStrategyItem>>>, spec: &CapacitySpec) -> Option<ServiceCapacity> {
        let list =
            items.get_ref().iter().map(|it| it.get_ref()).map(|it| StrategyItem::new(it.capacity_provider.get_ref(), it.base, it.weight));
        match capacity_rules::strategy(list.collect(), Some(&spec.cluster_providers)) {
            Ok(strategy) => Some(ServiceCapacity { targets: targets(&strategy, spec), strategy: Some(strategy) }),
            Err(problems) => {
                for p in problems {
                    let item = p.at.0.and_then(|i| items.get_ref().get(i));
                    let span = match (item, p.at.1) {
                        (Some(it), None) => it.get_ref().capacity_provider.span(),
                        (Some(it), Some(_)) => it.span(),
                        (None, _) => items.span(),
                    };
                    self.error_at(span, p.message, p.help);
                }
                None
            }
        }
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
            Some(l) => match self.launch_type(l) {
                Some(t) => Some(t),
                None => return (None, spec.zones.clone()),
            },
            None if raw.capacity_provider_strategy.is_none() && def.launch_type_given => Some(def.launch_type),
            None => None,
        };
        if let (Some(l), Some(_)) = (&raw.launch_type, &raw.capacity_provider_strategy) {
            self.error_at(
                l.span(),
                "launch_type and capacity_provider_strategy are both given",
                "a service has one or the other (docs/ecs-model.md#capacity-providers)",
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
                // Neither: the cluster's default strategy (docs/ecs-model.md#capacity-providers); daemons stay on EC2.
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

    /// The strategy of a service's JSON (its rules checked by the JSON loader), checked against
    /// the cluster's providers at the service's `file`.
    fn json_strategy(&mut self, def: &ServiceDefinition, span: Range<usize>, spec: &CapacitySpec) -> Option<ServiceCapacity> {
        let items = def.capacity_provider_strategy.iter().map(|it| StrategyItem::new(&it.capacity_provider, it.base, it.weight));
        match capacity_rules::strategy(items.collect(), Some(&spec.cluster_providers)) {
            Ok(strategy) => Some(ServiceCapacity { targets: targets(&strategy, spec), strategy: Some(strategy) }),
            Err(problems) => {
                for p in problems {
                    self.error_at(span.clone(), p.message, p.help);
                }
                None
            }
        }
    }

    /// Spec docs/ecs-model.md#fargate/docs/ecs-model.md#fargate-task-sizes: awsvpc, task-level cpu and memory of a valid size; X86_64
    /// when some
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
                        "pick a size of docs/ecs-model.md#fargate-task-sizes",
                    );
                }
            }
            _ => self.error_at(
                span,
                format!(
                    "service {service:?} runs on Fargate, which needs task-level cpu and memory; task definition {td_name:?} lacks one"
                ),
                "give the task definition cpu and memory of a Fargate size (docs/ecs-model.md#fargate-task-sizes)",
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

    /// `launch_type` = "EC2" or "FARGATE" (EXTERNAL is not modelled), or a located error.
    fn launch_type(&mut self, l: &Spanned<String>) -> Option<LaunchType> {
        match l.get_ref().as_str() {
            "EC2" => Some(LaunchType::Ec2),
            "FARGATE" => Some(LaunchType::Fargate),
            other => {
                self.error_at(l.span(), format!("launch_type {other:?} is not modelled"), "use \"EC2\" or \"FARGATE\"");
                None
            }
        }
    }

    /// A variant's launch type or strategy (docs/ecs-model.md#capacity-providers), for every REPLICA service.
    pub(super) fn build_variant_capacity(&mut self, raw: &RawVariant, spec: &CapacitySpec) -> Option<Option<ServiceCapacity>> {
        match (&raw.launch_type, &raw.capacity_provider_strategy) {
            (Some(l), Some(_)) => {
                self.error_at(l.span(), "launch_type and capacity_provider_strategy are both given", "a variant sets one or the other");
                None
            }
            (Some(l), None) => self.launch_type(l).map(|t| (t == LaunchType::Fargate).then(ServiceCapacity::fargate_launch_type)),
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
