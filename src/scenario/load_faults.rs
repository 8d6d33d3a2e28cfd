//! The `[[faults]]` and `[slo]` parts of a scenario (`crate::faults`), validated with located
//! errors: an unknown zone, group, instance or service, overlapping outages of one zone, a
//! negative rate, a key that does not belong to the fault's kind.
//!
//! A `bad_revision` fault becomes two things here: a new revision of the service's task
//! definition that fails the way the fault says, and an `UpdateService` action to it.

use super::load::Cx;
use crate::ecs::task_def::TaskDefinition;
use crate::ecs::Cluster;
use crate::engine::Span;
use crate::faults::{BadRevisionFailure, FaultKind, FaultSpec, InstanceTarget, Slo, SpotTarget, Timing};
use crate::model::{Action, ActionKind, Behaviour, HealthAnswer, ServiceSpec};
use crate::workload::Distribution;
use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;

/// One time or a list of times.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum RawTimes {
    One(Span),
    Many(Vec<Span>),
}

impl RawTimes {
    fn to_vec(&self) -> Vec<Span> {
        match self {
            RawTimes::One(s) => vec![*s],
            RawTimes::Many(v) => v.clone(),
        }
    }
}

/// What a fault does; `kind` in the scenario. An unknown kind is a located type error naming the
/// kinds (`toml_errors`).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawFaultKind {
    InstanceFailure,
    AgentDisconnect,
    ZoneOutage,
    SpotInterruption,
    AppCrash,
    BadRevision,
}

impl RawFaultKind {
    /// The name the scenario writes (for messages and default fault names).
    fn name(self) -> &'static str {
        ["instance_failure", "agent_disconnect", "zone_outage", "spot_interruption", "app_crash", "bad_revision"][self as usize]
    }
}

/// How a bad revision fails (`failure`).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawFailure {
    Exits,
    HealthCheck,
    FailsToStart,
}

/// One `[[faults]]` table: `kind` says which keys apply (docs/scenarios.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub kind: Spanned<RawFaultKind>,
    pub name: Option<Spanned<String>>,
    /// An instance of the cluster at t = 0 (its ordinal), or several.
    pub instance: Option<Spanned<u32>>,
    pub instances: Option<Spanned<Vec<u32>>>,
    /// A named `[[cluster.instances]]` group or an `[[auto_scaling_groups]]` name.
    pub group: Option<Spanned<String>>,
    pub zone: Option<Spanned<String>>,
    pub service: Option<Spanned<String>>,
    /// `"FARGATE_SPOT"` for Fargate Spot interruptions.
    pub capacity_provider: Option<Spanned<String>>,
    pub at: Option<Spanned<RawTimes>>,
    pub time_to_failure: Option<Spanned<Distribution>>,
    pub rate_per_hour: Option<Spanned<f64>>,
    pub duration: Option<Spanned<Span>>,
    pub detection: Option<Span>,
    pub replace_after: Option<Span>,
    /// ECS_ENABLE_SPOT_INSTANCE_DRAINING on the interrupted instances (agent default false).
    pub draining: Option<bool>,
    /// bad_revision: how it fails (default: its containers exit).
    pub failure: Option<Spanned<RawFailure>>,
    /// bad_revision: how long after RUNNING the containers exit (exits), or after placement
    /// the task gives up starting (fails_to_start).
    pub after: Option<Span>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    pub availability_pct: Option<Spanned<f64>>,
    pub latency_ms_p99: Option<Spanned<f64>>,
}

/// Defaults (docs/ecs-model.md#instance-failure, docs/ecs-model.md#choice-unpublished-timings; docs/decisions.md "Faults").
pub const DEFAULT_DETECTION_FAILURE: Span = Span(0);
pub const DEFAULT_DETECTION_OUTAGE: Span = Span(60_000_000);
pub const DEFAULT_REPLACE_AFTER: Span = Span(120_000_000);
pub const DEFAULT_BAD_EXIT_AFTER: Span = Span(30_000_000);

/// What the fault loader reads of the rest of the scenario, and may add to.
pub(super) struct FaultContext<'a> {
    pub cluster: Option<&'a Cluster>,
    pub capacity: &'a crate::model::CapacitySpec,
    pub services: &'a [ServiceSpec],
    pub task_definitions: &'a mut Vec<(String, TaskDefinition)>,
    pub behaviours: &'a mut Vec<Behaviour>,
    pub actions: &'a mut Vec<Action>,
    pub duration: Span,
}

impl Cx<'_> {
    pub(super) fn build_slo(&mut self, raw: Option<&RawSlo>) -> Slo {
        let Some(raw) = raw else { return Slo::default() };
        let mut slo = Slo::default();
        if let Some(a) = &raw.availability_pct {
            let ok = |v: f64| v.is_finite() && v > 0.0 && v <= 100.0;
            slo.availability_pct = self.check(a, "availability_pct", ok, "is not in (0, 100]", "give a percentage such as 99.9");
        }
        if let Some(l) = &raw.latency_ms_p99 {
            let ok = |v: f64| v.is_finite() && v > 0.0;
            slo.latency_ms_p99 = self.check(l, "latency_ms_p99", ok, "is not a positive number of milliseconds", "e.g. 200");
        }
        slo
    }

    pub(super) fn build_faults(&mut self, raw: &[RawFault], cx: &mut FaultContext) -> Vec<FaultSpec> {
        let mut out: Vec<FaultSpec> = Vec::new();
        let mut outages: Vec<(String, Span, Span)> = Vec::new();
        for (i, f) in raw.iter().enumerate() {
            let kind = *f.kind.get_ref();
            let name = f.name.as_ref().map_or_else(|| format!("{}-{}", kind.name(), i + 1), |n| n.get_ref().clone());
            if out.iter().any(|o| o.name == name) {
                let span = f.name.as_ref().map_or(f.kind.span(), |n| n.span());
                self.error_at(span, format!("fault {name:?} is defined twice"), "give each [[faults]] a distinct name");
            }
            self.reject_keys(f, kind);
            let built = match kind {
                RawFaultKind::InstanceFailure => {
                    self.instance_target(f, cx).zip(self.timing(f, cx.duration, true)).map(|(target, timing)| FaultKind::InstanceFailure {
                        target,
                        timing,
                        detection: f.detection.unwrap_or(DEFAULT_DETECTION_FAILURE),
                        replace_after: f.replace_after.unwrap_or(DEFAULT_REPLACE_AFTER),
                    })
                }
                RawFaultKind::AgentDisconnect => {
                    let duration = self.required_duration(f);
                    let target = self.instance_target(f, cx);
                    let timing = self.timing(f, cx.duration, true);
                    match (target, timing, duration) {
                        (Some(target), Some(timing), Some(duration)) => Some(FaultKind::AgentDisconnect { target, timing, duration }),
                        _ => None,
                    }
                }
                RawFaultKind::ZoneOutage => self.zone_outage(f, cx, &mut outages),
                RawFaultKind::SpotInterruption => self.spot(f, cx),
                RawFaultKind::AppCrash => {
                    let service = self.service(f, cx.services);
                    let timing = self.timing(f, cx.duration, true);
                    service.zip(timing).map(|(service, timing)| FaultKind::AppCrash { service, timing })
                }
                RawFaultKind::BadRevision => self.bad_revision(f, cx),
            };
            if let Some(kind) = built {
                out.push(FaultSpec { name, kind });
            }
        }
        out
    }

    /// A key that means nothing for this kind is an error, not silently ignored.
    fn reject_keys(&mut self, f: &RawFault, kind: RawFaultKind) {
        let allowed: &[&str] = match kind {
            RawFaultKind::InstanceFailure => {
                &["instance", "instances", "group", "at", "time_to_failure", "rate_per_hour", "detection", "replace_after"]
            }
            RawFaultKind::AgentDisconnect => &["instance", "instances", "group", "at", "time_to_failure", "rate_per_hour", "duration"],
            RawFaultKind::ZoneOutage => &["zone", "at", "duration", "detection", "replace_after"],
            RawFaultKind::SpotInterruption => {
                &["instance", "instances", "group", "capacity_provider", "service", "at", "time_to_failure", "rate_per_hour", "draining"]
            }
            RawFaultKind::AppCrash => &["service", "at", "time_to_failure", "rate_per_hour"],
            RawFaultKind::BadRevision => &["service", "at", "failure", "after"],
        };
        let given: [(&str, Option<Range<usize>>); 15] = [
            ("instance", f.instance.as_ref().map(|x| x.span())),
            ("instances", f.instances.as_ref().map(|x| x.span())),
            ("group", f.group.as_ref().map(|x| x.span())),
            ("zone", f.zone.as_ref().map(|x| x.span())),
            ("service", f.service.as_ref().map(|x| x.span())),
            ("capacity_provider", f.capacity_provider.as_ref().map(|x| x.span())),
            ("at", f.at.as_ref().map(|x| x.span())),
            ("time_to_failure", f.time_to_failure.as_ref().map(|x| x.span())),
            ("rate_per_hour", f.rate_per_hour.as_ref().map(|x| x.span())),
            ("duration", f.duration.as_ref().map(|x| x.span())),
            ("detection", f.detection.map(|_| f.kind.span())),
            ("replace_after", f.replace_after.map(|_| f.kind.span())),
            ("draining", f.draining.map(|_| f.kind.span())),
            ("failure", f.failure.as_ref().map(|x| x.span())),
            ("after", f.after.map(|_| f.kind.span())),
        ];
        for (key, span) in given {
            if let Some(span) = span {
                if !allowed.contains(&key) {
                    self.error_at(
                        span,
                        format!("`{key}` does not apply to a {} fault", kind.name()),
                        format!("its keys: kind, name, {}", allowed.join(", ")),
                    );
                }
            }
        }
    }

    /// `t` when the run reaches it; otherwise a located error.
    fn within_run(&mut self, t: Span, span: Range<usize>, run: Span) -> Option<Span> {
        if t > run {
            self.error_at(span, format!("{t} is after the end of the run ({run})"), "give a time within the scenario's duration");
            return None;
        }
        Some(t)
    }

    fn required_duration(&mut self, f: &RawFault) -> Option<Span> {
        match &f.duration {
            Some(d) if *d.get_ref() > Span::ZERO => Some(*d.get_ref()),
            Some(d) => {
                self.error_at(d.span(), "the duration is zero", "give how long the fault lasts, e.g. \"10m\"");
                None
            }
            None => {
                self.error_at(f.kind.span(), format!("a {} fault needs a `duration`", f.kind.get_ref().name()), "e.g. duration = \"10m\"");
                None
            }
        }
    }

    /// `at`, `time_to_failure` or `rate_per_hour`: exactly one.
    fn timing(&mut self, f: &RawFault, run: Span, lifetime_allowed: bool) -> Option<Timing> {
        let given = [f.at.is_some(), f.time_to_failure.is_some(), f.rate_per_hour.is_some()].iter().filter(|x| **x).count();
        if given != 1 {
            let what = if given == 0 {
                "says neither when nor how often it fires"
            } else {
                "gives more than one of `at`, `time_to_failure`, `rate_per_hour`"
            };
            self.error_at(
                f.kind.span(),
                format!("the {} fault {what}", f.kind.get_ref().name()),
                "give `at` (a time or a list), `time_to_failure` (a distribution) or `rate_per_hour`",
            );
            return None;
        }
        if let Some(at) = &f.at {
            let times = at.get_ref().to_vec();
            if times.is_empty() {
                self.error_at(at.span(), "`at` is an empty list", "give at least one time, e.g. at = [\"10m\"]");
                return None;
            }
            for &t in &times {
                self.within_run(t, at.span(), run)?;
            }
            return Some(Timing::At(times));
        }
        if !lifetime_allowed {
            return None;
        }
        if let Some(d) = &f.time_to_failure {
            if let Err(m) = d.get_ref().validate() {
                self.error_at(d.span(), m, "fix the time_to_failure distribution");
                return None;
            }
            return Some(Timing::Lifetime(d.get_ref().clone()));
        }
        let help = "give the mean number of failures per target per hour, e.g. 0.05";
        let r =
            self.check(f.rate_per_hour.as_ref()?, "rate_per_hour", |r: f64| r.is_finite() && r > 0.0, "is not a positive number", help)?;
        Some(Timing::Lifetime(Distribution::Exponential { mean: Span::from_secs_f64(3600.0 / r) }))
    }

    fn instance_target(&mut self, f: &RawFault, cx: &FaultContext) -> Option<InstanceTarget> {
        let given = [f.instance.is_some(), f.instances.is_some(), f.group.is_some()].iter().filter(|x| **x).count();
        if given != 1 {
            self.error_at(
                f.kind.span(),
                format!("the {} fault needs exactly one of `instance`, `instances`, `group`", f.kind.get_ref().name()),
                "name an instance of the cluster at t = 0 (its ordinal), a list of them, or an instance group",
            );
            return None;
        }
        let count = cx.cluster.map_or(0, |c| c.instances.len()) as u32;
        let check = |this: &mut Self, ordinal: u32, span: Range<usize>| {
            if ordinal >= count {
                this.error_at(
                    span,
                    format!("instance {ordinal} does not exist"),
                    format!("the cluster has {count} instances at t = 0 (0–{})", count.saturating_sub(1)),
                );
                false
            } else {
                true
            }
        };
        if let Some(i) = &f.instance {
            return check(self, *i.get_ref(), i.span()).then(|| InstanceTarget::Instances(vec![*i.get_ref()]));
        }
        if let Some(list) = &f.instances {
            if list.get_ref().is_empty() {
                self.error_at(list.span(), "`instances` is an empty list", "list instance ordinals, e.g. [0, 3]");
                return None;
            }
            let ok = list.get_ref().iter().all(|&o| check(self, o, list.span()));
            return ok.then(|| InstanceTarget::Instances(list.get_ref().clone()));
        }
        let group = f.group.as_ref()?;
        let name = group.get_ref();
        if let Some(g) = cx.capacity.groups.iter().position(|g| g.config.name == *name) {
            return Some(InstanceTarget::AutoScalingGroup(g));
        }
        let in_cluster =
            cx.cluster.is_some_and(|c| c.instances.iter().any(|i| i.attributes.get("ecsim.instance-group").is_some_and(|v| v == name)));
        if in_cluster {
            return Some(InstanceTarget::Group(name.clone()));
        }
        let mut known: Vec<String> = cx.capacity.groups.iter().map(|g| g.config.name.clone()).collect();
        if let Some(c) = cx.cluster {
            for i in &c.instances {
                if let Some(v) = i.attributes.get("ecsim.instance-group") {
                    if !known.contains(v) {
                        known.push(v.clone());
                    }
                }
            }
        }
        let refs: Vec<&str> = known.iter().map(String::as_str).collect();
        let listing = format!("known groups: {known:?} (a [[cluster.instances]] group needs a `name`)");
        self.unknown_name(group.span(), format!("no instance group or Auto Scaling group named {name:?}"), name, &refs, listing);
        None
    }

    fn service(&mut self, f: &RawFault, services: &[ServiceSpec]) -> Option<usize> {
        let Some(s) = &f.service else {
            self.error_at(
                f.kind.span(),
                format!("the {} fault needs a `service`", f.kind.get_ref().name()),
                "name one of the [[services]]",
            );
            return None;
        };
        let names: Vec<&str> = services.iter().map(|x| x.definition.service_name.as_str()).collect();
        let found = names.iter().position(|n| n == s.get_ref());
        if found.is_none() {
            self.unknown_name(s.span(), format!("no service named {:?}", s.get_ref()), s.get_ref(), &names, format!("services: {names:?}"));
        }
        found
    }

    fn zone_outage(&mut self, f: &RawFault, cx: &FaultContext, outages: &mut Vec<(String, Span, Span)>) -> Option<FaultKind> {
        let Some(zone) = &f.zone else {
            self.error_at(f.kind.span(), "a zone_outage fault needs a `zone`", "name one of the cluster's zones");
            return None;
        };
        let zones = &cx.capacity.zones;
        if !zones.contains(zone.get_ref()) {
            let refs: Vec<&str> = zones.iter().map(String::as_str).collect();
            let message = format!("zone {:?} is not one of the cluster's zones", zone.get_ref());
            self.unknown_name(zone.span(), message, zone.get_ref(), &refs, format!("zones: {zones:?}"));
            return None;
        }
        let duration = self.required_duration(f)?;
        let at = match f.at.as_ref().map(|a| (a.get_ref().to_vec(), a.span())) {
            Some((times, _)) if times.len() == 1 => times[0],
            Some((_, span)) => {
                self.error_at(
                    span,
                    "a zone_outage starts once",
                    "give one time, e.g. at = \"20m\"; add another [[faults]] for another outage",
                );
                return None;
            }
            None => {
                self.error_at(f.kind.span(), "a zone_outage fault needs `at`", "e.g. at = \"20m\"");
                return None;
            }
        };
        if f.time_to_failure.is_some() || f.rate_per_hour.is_some() {
            self.error_at(f.kind.span(), "a zone_outage happens at a given time", "give `at` and `duration`");
            return None;
        }
        self.within_run(at, f.at.as_ref().map_or(f.kind.span(), |a| a.span()), cx.duration)?;
        let span = f.at.as_ref().map_or(f.kind.span(), |a| a.span());
        if let Some((_, a, d)) = outages.iter().find(|(z, a, d)| z == zone.get_ref() && at.0 < a.0 + d.0 && a.0 < at.0 + duration.0) {
            self.error_at(
                span,
                format!("this outage of {} ({at} for {duration}) overlaps another one ({a} for {d})", zone.get_ref()),
                "merge them into one outage, or move one so that they do not overlap",
            );
            return None;
        }
        outages.push((zone.get_ref().clone(), at, duration));
        Some(FaultKind::ZoneOutage {
            zone: zone.get_ref().clone(),
            at,
            duration,
            detection: f.detection.unwrap_or(DEFAULT_DETECTION_OUTAGE),
            replace_after: f.replace_after.unwrap_or(DEFAULT_REPLACE_AFTER),
        })
    }

    fn spot(&mut self, f: &RawFault, cx: &FaultContext) -> Option<FaultKind> {
        let timing = self.timing(f, cx.duration, true);
        let target = match &f.capacity_provider {
            Some(cp) if cp.get_ref() == "FARGATE_SPOT" => {
                let service = match &f.service {
                    Some(_) => Some(self.service(f, cx.services)?),
                    None => None,
                };
                if f.draining.is_some() {
                    self.error_at(
                        cp.span(),
                        "`draining` is an EC2 agent setting",
                        "remove it: Fargate Spot tasks always get SIGTERM at the notice",
                    );
                }
                Some(SpotTarget::FargateSpot { service })
            }
            Some(cp) => {
                self.error_at(
                    cp.span(),
                    format!("capacity_provider {:?}: only FARGATE_SPOT is interrupted this way", cp.get_ref()),
                    "for EC2 Spot name the `group` (an Auto Scaling group with purchase = \"spot\") or the instances",
                );
                None
            }
            None => {
                if f.service.is_some() {
                    self.error_at(
                        f.service.as_ref().map_or(f.kind.span(), |s| s.span()),
                        "`service` applies to FARGATE_SPOT interruptions only",
                        "set capacity_provider = \"FARGATE_SPOT\", or name the instances",
                    );
                    return None;
                }
                self.instance_target(f, cx).map(SpotTarget::Instances)
            }
        };
        Some(FaultKind::SpotInterruption { target: target?, timing: timing?, draining: f.draining.unwrap_or(false) })
    }

    fn bad_revision(&mut self, f: &RawFault, cx: &mut FaultContext) -> Option<FaultKind> {
        let service = self.service(f, cx.services)?;
        let at = match f.at.as_ref().map(|a| (a.get_ref().to_vec(), a.span())) {
            Some((times, span)) if times.len() == 1 => self.within_run(times[0], span, cx.duration)?,
            Some((_, span)) => {
                self.error_at(span, "a bad_revision is deployed once", "give one time; add another [[faults]] for another deployment");
                return None;
            }
            None => {
                self.error_at(f.kind.span(), "a bad_revision fault needs `at` (when it is deployed)", "e.g. at = \"10m\"");
                return None;
            }
        };
        let after = f.after;
        let failure = match f.failure.as_ref().map(|x| *x.get_ref()) {
            None | Some(RawFailure::Exits) => BadRevisionFailure::Exits(after.unwrap_or(DEFAULT_BAD_EXIT_AFTER)),
            Some(RawFailure::HealthCheck) => BadRevisionFailure::HealthCheck,
            Some(RawFailure::FailsToStart) => BadRevisionFailure::FailsToStart(after.unwrap_or(DEFAULT_BAD_EXIT_AFTER)),
        };
        // The new revision: the service's task definition, one revision up, failing.
        let base = cx.services[service].task_definition;
        let (base_name, base_td) = cx.task_definitions[base].clone();
        let revision =
            cx.task_definitions.iter().filter(|(_, td)| td.family == base_td.family).map(|(_, td)| td.revision).max().unwrap_or(0) + 1;
        let mut td = base_td;
        td.revision = revision;
        let mut behaviour = cx.behaviours[base].clone();
        match failure {
            BadRevisionFailure::Exits(after) => behaviour.crash_after = Some(Distribution::Constant { value: after }),
            BadRevisionFailure::HealthCheck => {
                behaviour.container_unhealthy = true;
                behaviour.target_health = HealthAnswer::Error;
            }
            BadRevisionFailure::FailsToStart(after) => behaviour.fails_to_start_after = Some(after),
        }
        cx.task_definitions.push((format!("{base_name}:bad-{revision}"), td));
        cx.behaviours.push(behaviour);
        let task_definition = cx.task_definitions.len() - 1;
        cx.actions.push(Action {
            at,
            kind: ActionKind::UpdateService {
                service,
                desired_count: None,
                task_definition: Some(task_definition),
                deployment: None,
                placement_strategy: None,
                force_new_deployment: false,
            },
        });
        Some(FaultKind::BadRevision { service, at, task_definition, failure })
    }
}
