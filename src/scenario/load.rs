//! Reads a scenario file and everything it refers to, and validates it into a plain
//! `Scenario`. Every problem found is collected (with file, line, column and what to change)
//! before giving up, so one `ecsim check` shows them all.

use super::ecs_json;
use super::toml_model::*;
use crate::ecs::instance_types;
use crate::ecs::placement::{Constraint, Strategy};
use crate::ecs::task_def::{Compatibility, ContainerDefinition, HealthCheck, NetworkMode, PortMapping, Protocol, TaskDefinition};
use crate::ecs::{Cluster, InstanceSpec};
use crate::engine::Span;
use crate::model::diagnostic::{Diagnostic, Diagnostics, Severity, Source};
use crate::model::{Action, Lifecycle, Scenario, ServiceSpec, Variant, Workload};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Reads and validates the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario, Diagnostics> {
    let text = crate::model::diagnostic::read_text(path)?;
    load_str(path, &text)
}

/// Validates scenario `text` as if read from `path` (relative file references resolve
/// against `path`'s folder).
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, Diagnostics> {
    load_with_files(path, text, &BTreeMap::new())
}

/// `load_str`, where a file the scenario names (`file = "taskdefs/web.json"`) is first looked
/// up in `files` (by its path joined to the scenario's folder) and only then read from disk:
/// an imported stack (`crate::import`) runs without writing its task definitions anywhere.
pub fn load_with_files(path: &Path, text: &str, files: &BTreeMap<PathBuf, String>) -> Result<Scenario, Diagnostics> {
    // Long lists of arrival times are read ahead of the parser (`bulk_times`).
    let raw = super::bulk_times::parse_scenario(text);
    let raw: RawScenario = raw.map_err(|first| {
        // A type error does not hide the others: each section's first error is reported too.
        let src = Source::new(path, text);
        let located = |e: &toml::de::Error| {
            let (line, col) = e.span().map_or((1, 1), |s| src.line_col(s.start));
            let (message, help) = super::toml_errors::message_and_help(text, e);
            Diagnostic::error(path, line, col, message).with_source_from(src.lines(), text).with_help(help)
        };
        Diagnostics(super::toml_errors::all_errors(text, first).iter().map(located).collect())
    })?;
    let mut cx = Cx {
        src: Source::new(path, text),
        dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
        diags: Diagnostics::default(),
        hasher: Sha256::new(),
        files,
    };
    cx.hasher.update(text.as_bytes());
    let scenario = cx.build(raw);
    if cx.diags.has_errors() {
        return Err(cx.diags);
    }
    let mut scenario = scenario.ok_or_else(|| cx.diags.clone())?;
    scenario.sha256 = format!("{:x}", cx.hasher.finalize());
    scenario.warnings = cx.diags;
    for w in super::load_check::warnings(&scenario, path, text) {
        scenario.warnings.push(w);
    }
    Ok(scenario)
}

/// A placement given by a template or by strategy and constraints; `None` keeps the default.
pub(super) type Placement = (Option<Vec<Strategy>>, Option<Vec<Constraint>>);

pub(super) struct Cx<'a> {
    /// Locates a byte offset at file:line:column (the line index is built at the first message),
    /// the way every JSON importer does.
    pub(super) src: Source<'a>,
    dir: PathBuf,
    pub(super) diags: Diagnostics,
    /// Hashes the scenario text and every file it reads, so a summary names exactly its inputs.
    hasher: Sha256,
    /// Files given in memory, looked up before the disk (`load_with_files`).
    files: &'a BTreeMap<PathBuf, String>,
}

impl Cx<'_> {
    pub(super) fn error_at(&mut self, span: Range<usize>, message: impl Into<String>, help: impl Into<String>) {
        self.push_at(Severity::Error, span, message, Some(help.into()));
    }

    /// A message at `span` (`0..0`: about the whole file), showing the line it points into.
    pub(super) fn push_at(&mut self, severity: Severity, span: Range<usize>, message: impl Into<String>, help: Option<String>) {
        let mut d = match span {
            Range { start: 0, end: 0 } => Diagnostic { severity, ..Diagnostic::error(self.src.path, 0, 0, message) },
            _ => self.src.diagnostic(severity, span.start, message),
        };
        d.help = help;
        self.diags.push(d);
    }

    /// `v` when `ok(v)`; otherwise a located error "`what` `v` `says`" with `help`: the one form
    /// of the scenario's value checks ("rate_per_hour -1 is not a positive number",
    /// "target_capacity 0 is outside 1–100" with `|n| (1..=100).contains(&n)`).
    pub(super) fn check<T: Copy + Display>(
        &mut self,
        v: &Spanned<T>,
        what: &str,
        ok: impl FnOnce(T) -> bool,
        says: &str,
        help: impl Into<String>,
    ) -> Option<T> {
        let value = *v.get_ref();
        ok(value).then_some(value).or_else(|| {
            self.error_at(v.span(), format!("{what} {value} {says}"), help);
            None
        })
    }

    /// An error at `span` about `name`, which is none of `known`: the help suggests the closest
    /// known name, then says `listing` (what the known names are).
    pub(super) fn unknown_name(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        name: &str,
        known: &[&str],
        listing: impl Display,
    ) {
        self.error_at(span, message, format!("{}{listing}", did_you_mean(name, known)));
    }

    /// Where the `index`-th entry of a table array (`[[alarms]]`) or a table (`[cluster]`,
    /// index 0) starts, for messages about an entry that lacks the key they would point at.
    /// Falls back to a `name = ` key at the start of a line (inline or dotted forms), then to
    /// the start of the file.
    pub(super) fn entry_span(&self, table: &str, index: usize) -> Range<usize> {
        let mut seen = 0;
        let mut offset = 0;
        let (array, plain) = (format!("[[{table}]]"), format!("[{table}]"));
        let mut first_key = None;
        for line in self.src.text.split_inclusive('\n') {
            let t = line.trim_start();
            let at = offset + (line.len() - t.len());
            if t.starts_with(&array) || t.starts_with(&plain) {
                if seen == index {
                    return at..at + t.trim_end().len();
                }
                seen += 1;
            } else if first_key.is_none() && t.strip_prefix(table).is_some_and(|r| r.trim_start().starts_with(['=', '.'])) {
                first_key = Some(at..at + table.len());
            }
            offset += line.len();
        }
        first_key.unwrap_or(0..1.min(self.src.text.len()))
    }

    pub(super) fn read_file(&mut self, rel: &Spanned<String>) -> Option<(PathBuf, String)> {
        let p = self.dir.join(rel.get_ref());
        if let Some(t) = self.files.get(&p) {
            self.hasher.update(t.as_bytes());
            return Some((p, t.clone()));
        }
        match std::fs::read(&p).map(String::from_utf8) {
            Ok(Ok(t)) => {
                self.hasher.update(t.as_bytes());
                Some((p, t))
            }
            Ok(Err(_)) => {
                // Said where in that file, then where the scenario refers to it.
                if let Err(d) = crate::model::diagnostic::read_text(&p) {
                    self.diags.push(d);
                }
                self.error_at(rel.span(), format!("{} is not UTF-8 text", p.display()), "save the file as UTF-8");
                None
            }
            Err(e) => {
                self.error_at(rel.span(), format!("cannot read {}: {e}", p.display()), "paths are relative to the scenario file's folder");
                None
            }
        }
    }

    /// Reads `file` and imports it with `load` into a value it fills in place (a cluster from
    /// describe output), keeping its messages: `None` when the file cannot be read, else whether
    /// it imported without errors. (`import`, beside the capacity loader, is the same for
    /// importers that return their value.)
    pub(super) fn import_into(
        &mut self,
        file: &Spanned<String>,
        load: impl FnOnce(&Path, &str) -> Result<Diagnostics, Diagnostics>,
    ) -> Option<bool> {
        let (path, text) = self.read_file(file)?;
        let (diags, ok) = match load(&path, &text) {
            Ok(warnings) => (warnings, true),
            Err(errors) => (errors, false),
        };
        self.diags.extend(diags);
        Some(ok)
    }

    fn build(&mut self, raw: RawScenario) -> Option<Scenario> {
        // Counts that would not fit in memory are refused before anything is allocated.
        if !self.check_counts(&raw) {
            return None;
        }
        let duration = *raw.scenario.duration.get_ref();
        if duration == Span::ZERO {
            self.error_at(raw.scenario.duration.span(), "the duration is zero", "give a positive duration such as \"2h\" or \"90m\"");
        }
        let mut cluster = self.build_cluster(&raw.cluster);
        let zones = cluster_zones(&raw.cluster, cluster.as_ref());
        let capacity = self.build_capacity(
            &raw.cluster,
            (&raw.auto_scaling_groups, &raw.launch_templates),
            &raw.capacity_providers,
            &raw.fargate,
            cluster.as_mut(),
            &zones,
        );
        let elb = self.build_elb(&raw.target_groups, &raw.load_balancers, &cluster_zones(&raw.cluster, cluster.as_ref()));
        let mut task_definitions = self.build_task_definitions(&raw.task_definitions);
        let workloads: Vec<Workload> = raw.workload.iter().filter_map(|w| self.build_workload(w, &task_definitions)).collect();
        let lifecycle = self.build_lifecycle(&raw.lifecycle);
        let variants: Vec<Variant> = raw.variants.iter().filter_map(|v| self.build_variant(v, &capacity)).collect();
        let mut behaviours: Vec<crate::model::Behaviour> =
            raw.task_definitions.iter().map(|t| self.build_behaviour(&t.behaviour, t.serving.as_ref())).collect();
        self.resolve_container_exits(&raw.task_definitions, &task_definitions, &mut behaviours);
        let services: Vec<ServiceSpec> =
            raw.services.iter().filter_map(|s| self.build_service(s, &task_definitions, &elb, &capacity)).collect();
        self.check_variant_capacity(&raw.variants, &variants, &services, &task_definitions);
        // Auto Scaling groups and Fargate bring capacity of their own.
        if cluster.as_ref().is_some_and(|c| c.instances.is_empty()) && !capacity.in_use(&services) {
            let at = self.entry_span("cluster", 0);
            self.push_at(Severity::Warning, at, "the cluster has no container instances: every placement will fail", None);
        }
        for (i, s) in services.iter().enumerate() {
            if services[..i].iter().any(|o| o.definition.service_name == s.definition.service_name) {
                let span = raw.services[i].name.span();
                self.error_at(
                    span,
                    format!("service {:?} is defined twice", s.definition.service_name),
                    "give each [[services]] a distinct name",
                );
            }
        }
        let traffic = self.build_traffic(&raw.traffic, &elb);
        let cluster_name = raw.cluster.name.clone();
        let service_names: Vec<&str> = services.iter().map(|s| s.definition.service_name.as_str()).collect();
        let published = super::load_alarms::Published { cluster: &cluster_name, services: service_names, elb: &elb };
        let alarms = self.build_alarms(&raw.alarms, &published);
        let scaling = self.build_scaling(&raw.scaling, &services, &cluster_name, &elb, &alarms);
        let instances = cluster.as_ref().map_or(0, |c| c.instances.len());
        let mut actions: Vec<Action> =
            raw.actions.iter().filter_map(|a| self.build_action(a, &services, &task_definitions, instances, duration, &capacity)).collect();
        let faults = self.build_faults(
            &raw.faults,
            &mut super::load_faults::FaultContext {
                cluster: cluster.as_ref(),
                capacity: &capacity,
                services: &services,
                task_definitions: &mut task_definitions,
                behaviours: &mut behaviours,
                actions: &mut actions,
                duration,
            },
        );
        let slo = self.build_slo(raw.slo.as_ref());
        let lesson = self.build_lesson(raw.lesson.as_ref(), duration);
        // Stable: actions at the same time keep the order they are written in.
        actions.sort_by_key(|a| a.at);
        if raw.workload.is_empty() && services.is_empty() && actions.is_empty() {
            let at = self.entry_span("scenario", 0);
            self.push_at(
                Severity::Warning,
                at,
                "the scenario has no [[workload]], [[services]] or [[actions]]: nothing will be placed",
                None,
            );
        }
        let name = raw
            .scenario
            .name
            .clone()
            .unwrap_or_else(|| self.src.path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned()));
        let default_explain = cluster.as_ref().is_some_and(|c| c.instances.len() <= 200);
        let scenario = Scenario {
            name,
            description: raw.scenario.description.clone().unwrap_or_default(),
            source: self.src.path.to_path_buf(),
            sha256: String::new(),
            duration,
            seed: raw.scenario.seed,
            tie_break: raw.scenario.tie_break,
            explain_placements: raw.scenario.explain_placements.unwrap_or(default_explain),
            cluster: cluster?,
            task_definition_names: task_definitions.iter().map(|(n, _)| n.clone()).collect(),
            task_definitions: task_definitions.into_iter().map(|(_, td)| td).collect(),
            workloads,
            lifecycle,
            variants,
            behaviours,
            services,
            actions,
            elb,
            traffic,
            alarms,
            scaling,
            metric_delay: raw.cloudwatch.metric_delay.unwrap_or(Span::ZERO),
            capacity,
            faults,
            slo,
            lesson,
            warnings: Diagnostics::default(),
        };
        if !self.diags.has_errors() {
            self.check_run_size(&raw, &scenario);
        }
        Some(scenario)
    }

    fn build_cluster(&mut self, raw: &RawCluster) -> Option<Cluster> {
        let mut cluster = Cluster::new(&raw.name);
        let zones: Vec<String> = raw.zones.iter().map(|z| z.get_ref().clone()).collect();
        for z in &raw.zones {
            if zones.iter().filter(|x| *x == z.get_ref()).count() > 1 {
                self.error_at(z.span(), format!("zone {:?} is listed twice", z.get_ref()), "list each availability zone once");
            }
        }
        // The tasks' file is read into what the instances' file registered; a file that cannot be
        // read leaves the cluster without tasks (its error is reported), not without instances.
        let mut ok = true;
        if let Some(file) = &raw.describe_container_instances {
            ok = self.import_into(file, |p, t| ecs_json::load_container_instances(p, t, &mut cluster)).unwrap_or(false);
        }
        if let Some(file) = &raw.describe_tasks {
            ok &= self.import_into(file, |p, t| ecs_json::load_tasks(p, t, &mut cluster)).unwrap_or(true);
        }
        // One allocation for every instance of the groups (500,000 in scenarios/bench/scale-500k.toml);
        // the limits checked the total before the cluster is built.
        let total: u64 = raw.instances.iter().map(|g| u64::from(*g.count.get_ref())).sum();
        cluster.instances.reserve(total.min(super::MAX_INSTANCES) as usize);
        for group in &raw.instances {
            let Some(t) = instance_types::lookup(group.instance_type.get_ref()) else {
                let name = group.instance_type.get_ref();
                self.error_at(
                    group.instance_type.span(),
                    format!("unknown instance type {name:?}"),
                    instance_types::unknown_type_help(name),
                );
                ok = false;
                continue;
            };
            let group_zones: Vec<String> = match &group.zones {
                Some(zs) => {
                    for z in zs {
                        if !zones.is_empty() && !zones.contains(z.get_ref()) {
                            self.error_at(
                                z.span(),
                                format!("zone {:?} is not one of the cluster's zones", z.get_ref()),
                                format!("use one of {zones:?} or add it to [cluster] zones"),
                            );
                            ok = false;
                        }
                    }
                    zs.iter().map(|z| z.get_ref().clone()).collect()
                }
                None => zones.clone(),
            };
            if group_zones.is_empty() {
                self.error_at(
                    group.instance_type.span(),
                    "no availability zone for this instance group",
                    "set [cluster] zones = [\"us-east-1a\", ...] or the group's zones",
                );
                ok = false;
                continue;
            }
            if let Some(price) = group.price_usd_per_hour {
                if !(price.is_finite() && price >= 0.0) {
                    self.error_at(
                        group.instance_type.span(),
                        format!("price_usd_per_hour {price} is not a non-negative number"),
                        "give the hourly price in USD, e.g. 0.096",
                    );
                }
            }
            let mut attributes = group.attributes.clone();
            if let Some(name) = &group.name {
                attributes.entry("ecsim.instance-group".into()).or_insert_with(|| name.clone());
            }
            // One spec per zone, reused for every instance of the group (building 500,000
            // instances allocates nothing per instance beyond the instance itself).
            let specs: Vec<InstanceSpec> = group_zones
                .iter()
                .map(|zone| InstanceSpec {
                    instance_type: t,
                    availability_zone: zone.clone(),
                    os_memory_mib: group.os_memory_mib,
                    reserved_memory_mib: raw.reserved_memory_mib,
                    awsvpc_trunking: group.awsvpc_trunking,
                    custom_attributes: attributes.clone(),
                    registered_at_unix_s: 1_700_000_000,
                    agent_version: "1.70.0".into(),
                    price_usd_per_hour: group.price_usd_per_hour,
                })
                .collect();
            for i in 0..*group.count.get_ref() {
                cluster.register(&specs[i as usize % specs.len()]);
            }
        }
        ok.then_some(cluster)
    }

    fn build_task_definitions(&mut self, raws: &[RawTaskDefinition]) -> Vec<(String, TaskDefinition)> {
        let mut out: Vec<(String, TaskDefinition)> = Vec::new();
        for raw in raws {
            let name = raw.name.get_ref().clone();
            if out.iter().any(|(n, _)| *n == name) {
                self.error_at(
                    raw.name.span(),
                    format!("task definition {name:?} is defined twice"),
                    "give each [[task_definitions]] a distinct name",
                );
                continue;
            }
            let td = match &raw.file {
                Some(file) => {
                    if raw.cpu.is_some() || raw.memory.is_some() || raw.family.is_some() || raw.runtime_platform.is_some() {
                        self.error_at(
                            file.span(),
                            "a task definition has both `file` and inline fields",
                            "use either file = \"...\" or the inline cpu/memory/... keys",
                        );
                    }
                    let Some((p, t)) = self.read_file(file) else { continue };
                    match ecs_json::load_task_definition(&p, &t) {
                        Ok((td, warnings)) => {
                            self.diags.extend(warnings);
                            td
                        }
                        Err(e) => {
                            self.diags.extend(e);
                            continue;
                        }
                    }
                }
                None => match self.inline_task_definition(raw, &name) {
                    Some(td) => td,
                    None => continue,
                },
            };
            out.push((name, td));
        }
        out
    }

    fn inline_task_definition(&mut self, raw: &RawTaskDefinition, name: &str) -> Option<TaskDefinition> {
        let network_mode = match raw.network_mode.as_ref().map(|m| (m.get_ref().as_str(), m.span())) {
            None | Some(("bridge", _)) => NetworkMode::Bridge,
            Some(("host", _)) => NetworkMode::Host,
            Some(("awsvpc", _)) => NetworkMode::Awsvpc,
            Some(("none", _)) => NetworkMode::None,
            Some((other, span)) => {
                self.error_at(span, format!("unknown network_mode {other:?}"), "use \"bridge\", \"host\", \"awsvpc\" or \"none\"");
                return None;
            }
        };
        let Some(memory) = raw.memory else {
            self.error_at(
                raw.name.span(),
                format!("inline task definition {name:?} has no memory"),
                "add memory = <MiB>, or file = \"taskdef.json\"",
            );
            return None;
        };
        let mut ports: Vec<PortMapping> =
            raw.host_ports.iter().map(|&p| PortMapping { container_port: p, host_port: Some(p), protocol: Protocol::Tcp }).collect();
        ports.extend((0..raw.dynamic_ports).map(|i| PortMapping { container_port: 8000 + i, host_port: None, protocol: Protocol::Tcp }));
        Some(TaskDefinition {
            family: raw.family.clone().unwrap_or_else(|| name.to_string()),
            revision: raw.revision.unwrap_or(1),
            network_mode,
            requires_compatibilities: vec![Compatibility::Ec2],
            cpu_units: raw.cpu,
            memory_mib: Some(memory),
            containers: vec![ContainerDefinition {
                name: "app".into(),
                image: "app".into(),
                cpu_units: raw.cpu,
                memory_mib: Some(memory),
                memory_reservation_mib: None,
                essential: true,
                port_mappings: ports,
                health_check: raw.health_check.as_ref().map(|h| HealthCheck {
                    interval_s: h.interval,
                    timeout_s: h.timeout,
                    retries: h.retries,
                    start_period_s: h.start_period,
                }),
                stop_timeout_s: None,
                start_timeout_s: None,
                gpus: raw.gpus,
            }],
            member_of: vec![],
            requires_attributes: vec![],
            cpu_architecture: self.inline_runtime_platform(raw.runtime_platform.as_ref())?,
        })
    }

    fn build_lifecycle(&mut self, raw: &RawLifecycle) -> Lifecycle {
        let mut l = Lifecycle::default();
        if let Some(d) = &raw.start_delay {
            if let Err(m) = d.get_ref().validate() {
                self.error_at(d.span(), m, "fix the start_delay distribution");
            }
            l.start_delay = d.get_ref().clone();
        }
        if let Some(a) = raw.awsvpc_attach {
            l.awsvpc_attach = a;
        }
        l
    }

    fn build_variant(&mut self, raw: &RawVariant, capacity: &crate::model::CapacitySpec) -> Option<Variant> {
        let (strategies, constraints) =
            self.build_placement(raw.template.as_ref(), raw.placement_strategy.as_ref(), raw.placement_constraints.as_ref())?;
        let capacity = self.build_variant_capacity(raw, capacity);
        Some(Variant { name: raw.name.clone(), strategies, constraints, capacity })
    }
}

/// The cluster's zones: `[cluster] zones`, or those of its instances (read from
/// describe-container-instances) when it lists none.
fn cluster_zones(raw: &RawCluster, cluster: Option<&Cluster>) -> Vec<String> {
    let mut zones: Vec<String> = raw.zones.iter().map(|z| z.get_ref().clone()).collect();
    if zones.is_empty() {
        for i in cluster.map_or(&[][..], |c| &c.instances[..]) {
            if !zones.contains(&i.availability_zone) {
                zones.push(i.availability_zone.clone());
            }
        }
    }
    zones
}

/// "did you mean \"x\"? " when a known name is close enough to `name` to be a typo (see
/// [`closest`]), else "": the start of a help that goes on to list the known names.
pub fn did_you_mean(name: &str, known: &[&str]) -> String {
    closest(name, known).map(|k| format!("did you mean {k:?}? ")).unwrap_or_default()
}

/// The known name closest to `name` by Levenshtein distance (`strsim`), if it is close enough
/// to be a typo; ties go to the name that sorts first.
pub fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known.iter().map(|k| (strsim::levenshtein(name, k), *k)).filter(|(d, _)| *d <= 2).min().map(|(_, k)| k)
}
