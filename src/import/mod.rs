//! Importing the infrastructure code users already have — CloudFormation templates (YAML or
//! JSON, CDK-synthesized ones included), Terraform, AWS Copilot manifests, docker-compose files,
//! bare `container_definitions` arrays — as a scenario.
//!
//! Each format is a mapping onto the scenario file ([`draft::Draft`]: the TOML front end's own
//! tables and keys, and task definitions as RegisterTaskDefinition JSON), never a validator of
//! its own: the scenario loader validates an imported stack exactly as a hand-written scenario,
//! ECS's own rules included. What a format module does is resolve its language (parameters,
//! intrinsic functions, variables) and say, at the file, line and column of the value, every
//! value it had to assume; the same text is a comment in the written scenario.
//!
//! `ecsim import` writes the scenario and its files; `ecsim run` and `ecsim check` take the
//! templates directly ([`Imported::load`]), optionally under an overlay TOML (duration, traffic,
//! faults).

pub mod app_parts;
pub mod cloudformation;
pub mod compose;
pub mod container_definitions;
pub mod copilot;
pub mod draft;
pub mod terraform;
pub mod yaml;

use crate::model::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Scenario;
use draft::{Draft, Table};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Settings of an import that do not come from the files.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// CloudFormation parameter values (`--parameter Key=Value`), over the templates' defaults.
    pub parameters: BTreeMap<String, String>,
    /// Terraform variables (`-var name=value`), over `.tfvars` files and defaults.
    pub vars: BTreeMap<String, String>,
    /// The scenario's name (default: the first file's stem).
    pub name: Option<String>,
}

/// What a file is, from its content (and, for Terraform, its extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// A CloudFormation template, YAML or JSON (a CDK `cdk.out/*.template.json` too).
    CloudFormation,
    /// Terraform configuration (`.tf`) or variable values (`.tfvars`).
    Terraform,
    /// `terraform show -json` output of a plan or a state.
    TerraformJson,
    /// An AWS Copilot service or job manifest.
    Copilot,
    /// A docker-compose file.
    Compose,
    /// A bare `container_definitions` JSON array, as Terraform and CloudFormation embed it.
    ContainerDefinitions,
}

impl Format {
    pub fn describe(self) -> &'static str {
        match self {
            Format::CloudFormation => "a CloudFormation template",
            Format::Terraform => "Terraform configuration",
            Format::TerraformJson => "`terraform show -json` output",
            Format::Copilot => "an AWS Copilot manifest",
            Format::Compose => "a docker-compose file",
            Format::ContainerDefinitions => "a container_definitions array",
        }
    }
}

/// The format of a file ecsim can import, or `None` (a scenario TOML, an ECS JSON file, …).
pub fn detect(path: &Path, text: &str) -> Option<Format> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "tf" | "tfvars" => return Some(Format::Terraform),
        "toml" => return None,
        _ => {}
    }
    if ext == "json" && text.trim_start().starts_with('[') {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let looks = v.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(|c| c.get("image").is_some() || c.get("name").is_some()));
        return looks.then_some(Format::ContainerDefinitions);
    }
    let doc = yaml::parse(path, text).ok()?;
    let has = |k: &str| doc.get(k).is_some();
    if has("AWSTemplateFormatVersion") || doc.get("Resources").and_then(yaml::Node::as_map).is_some() {
        return Some(Format::CloudFormation);
    }
    if has("format_version") && (has("planned_values") || has("values")) {
        return Some(Format::TerraformJson);
    }
    let copilot_types = ["Load Balanced Web Service", "Backend Service", "Worker Service", "Scheduled Job", "Request-Driven Web Service"];
    if doc.get("type").and_then(yaml::Node::as_str).is_some_and(|t| copilot_types.contains(&t)) {
        return Some(Format::Copilot);
    }
    if doc.get("services").and_then(yaml::Node::as_map).is_some() || compose::is_ecs_params(&doc) {
        return Some(Format::Compose);
    }
    None
}

/// One file to import.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    pub text: String,
    pub format: Format,
}

/// An imported stack: the scenario and the warnings about what was assumed or left out.
#[derive(Debug, Clone)]
pub struct Imported {
    pub draft: Draft,
    pub warnings: Diagnostics,
    /// The folder of the first file: the base of the scenario's relative paths when it is
    /// loaded without being written.
    pub dir: PathBuf,
}

/// Imports `paths` (of any mix of formats; files of one format are read together, so a
/// CloudFormation `Fn::ImportValue` finds its `Export` in another template and Terraform
/// modules find their variables). Every problem is located in its file; the result has no
/// errors.
pub fn import(paths: &[PathBuf], options: &Options) -> Result<Imported, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut inputs = Vec::new();
    for path in paths {
        match crate::model::diagnostic::read_text(path) {
            Ok(text) => inputs.push((path.clone(), text)),
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    import_texts(inputs, options)
}

/// [`import`] of texts already read (`path` locates the messages and is the base of the
/// relative paths a file names: nested stacks, Terraform modules).
pub fn import_texts(texts: Vec<(PathBuf, String)>, options: &Options) -> Result<Imported, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut inputs = Vec::new();
    let paths: Vec<PathBuf> = texts.iter().map(|(p, _)| p.clone()).collect();
    for (path, text) in texts {
        let yaml_ext = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        match detect(&path, &text) {
            Some(format) => inputs.push(Input { path, text, format }),
            // A template that does not parse: where it stops is the useful message.
            None if yaml_ext && yaml::parse(&path, &text).is_err() => {
                if let Err(d) = yaml::parse(&path, &text) {
                    diags.push(d);
                }
            }
            None => diags.push(
                Diagnostic::error(&path, 1, 1, "this file is not infrastructure code ecsim imports")
                    .with_help("give a CloudFormation template (YAML or JSON), Terraform (.tf, .tfvars, or `terraform show -json` output), a Copilot manifest, a docker-compose file or a container_definitions JSON array"),
            ),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let first = paths.first().map(PathBuf::as_path).unwrap_or(Path::new("stack"));
    let stem = first.file_stem().and_then(|s| s.to_str()).unwrap_or("stack");
    let mut draft = Draft::new(&options.name.clone().unwrap_or_else(|| scenario_name(stem)));
    draft.sources = paths.iter().map(|p| p.display().to_string()).collect();
    let mut formats: Vec<Format> = inputs.iter().map(|i| i.format).collect();
    formats.sort();
    formats.dedup();
    for format in formats {
        let group: Vec<Input> = inputs.iter().filter(|i| i.format == format).cloned().collect();
        match format {
            Format::ContainerDefinitions => container_definitions::import(&group, &mut draft, &mut diags),
            Format::CloudFormation => cloudformation::import(&group, &mut draft, &mut diags, options),
            Format::Copilot => copilot::import(&group, options, &mut draft, &mut diags),
            Format::Compose => compose::import(&group, &mut draft, &mut diags),
            Format::Terraform => terraform::import(&group, options, &mut draft, &mut diags),
            Format::TerraformJson => terraform::show_json::import(&group, &mut draft, &mut diags),
        }
    }
    finish(&mut draft, first, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    let dir = first.parent().unwrap_or(Path::new(".")).to_path_buf();
    Ok(Imported { draft, warnings: diags, dir })
}

/// A results-folder-safe name from a file stem.
fn scenario_name(stem: &str) -> String {
    stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect()
}

/// What every stack needs and may not say: a cluster with zones, and instances for services on
/// EC2. An empty stack is an error.
fn finish(draft: &mut Draft, first: &Path, diags: &mut Diagnostics) {
    if draft.entries.is_empty() && draft.cluster.children.is_empty() {
        if !diags.has_errors() {
            diags.push(
                Diagnostic::error(first, 1, 1, "no ECS resources found: nothing to simulate")
                    .with_help("ecsim imports ECS clusters, task definitions and services, with their load balancers, Auto Scaling groups, scaling policies and alarms"),
            );
        }
        return;
    }
    if draft.cluster.get("zones").is_none() {
        draft.cluster.note(
            "zones",
            vec!["us-east-1a", "us-east-1b", "us-east-1c"],
            "assumed: the stack does not say which Availability Zones its subnets are in",
        );
    }
}

/// An overlay's text as a table; a syntax error is located in the overlay.
pub fn parse_overlay(path: &Path, text: &str) -> Result<toml::Table, Diagnostics> {
    toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| crate::model::diagnostic::line_col(text, s.start));
        Diagnostics::from(Diagnostic::error(path, line, col, crate::scenario::toml_message(text, &e)).with_source(text))
    })
}

/// The stack a scenario TOML builds on: `[scenario] stack = ["../stacks/cluster.yaml", …]`
/// (paths relative to the scenario) and `stack_parameters = { EnvironmentName = "prod" }`
/// (as `--parameter` and `--var`, under those of the command line), with the rest of the file as
/// its overlay (the file's tables without those keys). `None` for a scenario of its own.
pub fn stack_of(path: &Path, text: &str) -> Option<(Vec<PathBuf>, BTreeMap<String, String>, toml::Table)> {
    // A `stack` key is spelled out in the text (or hidden behind an escape in a quoted key):
    // without either, skip parsing a scenario that may be megabytes long.
    if !text.contains("stack") && !text.contains('\\') {
        return None;
    }
    let mut table: toml::Table = toml::from_str(text).ok()?;
    let meta = table.get_mut("scenario")?.as_table_mut()?;
    let stack = meta.remove("stack")?;
    let parameters = match meta.remove("stack_parameters") {
        Some(toml::Value::Table(t)) => t
            .into_iter()
            .map(|(k, v)| {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                (k, v)
            })
            .collect(),
        _ => BTreeMap::new(),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let files = match stack {
        toml::Value::String(s) => vec![normalized(&dir.join(s))],
        toml::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).map(|s| normalized(&dir.join(s))).collect(),
        _ => Vec::new(),
    };
    Some((files, parameters, table))
}

/// `a/b/../c` as `a/c`, without touching the disk, so messages name a template by a plain path.
fn normalized(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Adds a task definition, as the RegisterTaskDefinition JSON the scenario names in
/// `taskdefs/<name>.json`. Returns the name the scenario knows it by.
pub fn add_task_definition(draft: &mut Draft, name: &str, register_input: &serde_json::Value, comment: Option<String>) -> String {
    let file = format!("taskdefs/{}.json", scenario_name(name));
    let text = serde_json::to_string_pretty(register_input).unwrap_or_default() + "\n";
    draft.files.insert(file.clone(), text);
    let mut t = Table::new();
    if let Some(c) = comment {
        t.comment(c);
    }
    t.set("name", name).set("file", file);
    draft.push("task_definitions", t);
    name.to_string()
}

impl Imported {
    /// The scenario TOML `ecsim import` writes.
    pub fn scenario_toml(&self) -> String {
        self.draft.to_toml()
    }

    /// Loads the imported stack as a scenario, without writing anything: the task definition
    /// files are given to the loader in memory. `overlay` (its path and text) is a TOML laid
    /// over the imported scenario ([`draft::merge_overlay`]). Messages about the scenario itself
    /// name `<first file> (imported)`.
    pub fn load(&self, overlay: Option<(&Path, &str)>) -> Result<Scenario, Diagnostics> {
        let overlays = match overlay {
            Some((path, text)) => vec![parse_overlay(path, text)?],
            None => Vec::new(),
        };
        self.load_over(overlays, None)
    }

    /// Loads the imported stack under `overlays` (TOML tables, laid on in order). `at` names the
    /// scenario in messages and is the base of the relative paths the overlays give (access
    /// logs, rate files); by default `<first file> (imported)` beside the first file.
    pub fn load_over(&self, overlays: Vec<toml::Table>, at: Option<&Path>) -> Result<Scenario, Diagnostics> {
        let first = self.draft.sources.first().map_or("stack".to_string(), |s| s.clone());
        let imported_at =
            self.dir.join(format!("{} (imported)", Path::new(&first).file_name().and_then(|n| n.to_str()).unwrap_or("stack")));
        let at = at.unwrap_or(&imported_at);
        let mut text = self.scenario_toml();
        if !overlays.is_empty() {
            let fail = |e: String| Diagnostics::from(Diagnostic::error(at, 1, 1, e));
            let mut base: toml::Table = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
            for over in overlays {
                draft::merge_overlay(&mut base, over);
            }
            text = toml::to_string(&base).map_err(|e| fail(e.to_string()))?;
        }
        // The task definition files sit, in memory, where the scenario's relative paths point.
        let dir = at.parent().unwrap_or(Path::new("."));
        let files: BTreeMap<PathBuf, String> = self.draft.files.iter().map(|(rel, t)| (dir.join(rel), t.clone())).collect();
        let mut scenario = crate::scenario::load_with_files(at, &text, &files)?;
        let mut warnings = self.warnings.clone();
        warnings.extend(std::mem::take(&mut scenario.warnings));
        scenario.warnings = warnings;
        Ok(scenario)
    }

    /// Writes the scenario to `out` and the files it names beside it; each file is written
    /// whole or not at all.
    pub fn write(&self, out: &Path) -> std::io::Result<()> {
        let dir = out.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        for (rel, text) in &self.draft.files {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            crate::report::atomic::write_atomic(&path, text.as_bytes())?;
        }
        crate::report::atomic::write_atomic(out, self.scenario_toml().as_bytes())
    }
}
