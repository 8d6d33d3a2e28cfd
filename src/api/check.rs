//! Checking files without running anything: scenarios, sweep files, ECS JSON and ELBv2 JSON,
//! each told apart by its extension (TOML, YAML) or its shape (JSON), every error and warning
//! located at file:line:column.

use super::{Diagnostic, Diagnostics};
use crate::ecs::Cluster;
use crate::scenario::json_doc::{describe_yaml, json_kind, JsonKind, SHAPES_READ};
use crate::scenario::{ecs_json, elbv2_json};
use std::path::Path;

/// What kind of file this is: TOML by its extension (a sweep has a `[sweep]` table), YAML by
/// its extension (not read: the message says what it looks like), JSON by its shape
/// ([`json_kind`]).
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Scenario,
    /// A sweep file (a `[sweep]` table): the file, its base scenario and every cell.
    Sweep,
    Json(JsonKind),
    /// JSON that does not parse: the task definition loader locates the syntax error and
    /// recognises unrendered templates.
    BadJson,
    /// Infrastructure code ecsim imports: checked as the scenario it becomes.
    Stack,
    /// A file of no shape `check` reads, with what it looks like.
    Unknown(String),
}

fn kind_of(path: &Path, text: &str) -> Kind {
    if crate::import::detect(path, text).is_some() {
        return Kind::Stack;
    }
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match extension.as_str() {
        "toml" => {
            // A sweep table spells `sweep` in the text, or hides it behind an escape in a quoted
            // key: without either the file is a scenario, and is parsed once, by its loader
            // (W2 at 10,000 hosts, 100,000 arrival times: 37 → 26 ms).
            if !text.contains("sweep") && !text.contains('\\') {
                return Kind::Scenario;
            }
            // Long lists of arrival times need not be parsed to see the file's tables.
            let probe = crate::scenario::bulk_times::extract(text).map(|(probe, _)| probe);
            let is_sweep = toml::from_str::<toml::Table>(probe.as_deref().unwrap_or(text)).is_ok_and(|t| t.contains_key("sweep"));
            return if is_sweep { Kind::Sweep } else { Kind::Scenario };
        }
        // YAML that does not parse is an importer's to locate.
        "yaml" | "yml" if crate::import::yaml::parse(path, text).is_err() => return Kind::Stack,
        "yaml" | "yml" => return Kind::Unknown(describe_yaml(text)),
        _ => {}
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(root) => json_kind(&root).map_or_else(Kind::Unknown, Kind::Json),
        Err(_) => Kind::BadJson,
    }
}

/// Checks the file at `path` (a scenario, a sweep file, or an ECS or ELBv2 JSON file told by
/// its shape) without running anything; returns every error and warning found. A file that
/// cannot be read is an error too.
///
/// ```
/// let found = ecsim::api::check_file(std::path::Path::new("scenarios/quickstart.toml"));
/// assert!(!found.has_errors());
/// ```
pub fn check_file(path: &Path) -> Diagnostics {
    let text = match crate::model::diagnostic::read_text(path) {
        Ok(t) => t,
        Err(d) => return d.into(),
    };
    check_text(path, &text)
}

/// Checks the text of one file (read from `path`, which locates the messages and decides TOML
/// by its extension); returns its messages. Never panics, whatever the text.
///
/// ```
/// use std::path::Path;
///
/// let found = ecsim::api::check_text(Path::new("notes.yaml"), "key: value\n");
/// assert!(found.has_errors());
/// let found = ecsim::api::check_text(Path::new("td.json"), "{\"family\": ");
/// assert!(found.has_errors());
/// ```
pub fn check_text(path: &Path, text: &str) -> Diagnostics {
    let result = match kind_of(path, text) {
        Kind::Scenario => super::import::load_scenario_text(path, text, Vec::new(), &Default::default()).map(|s| s.warnings),
        Kind::Sweep => crate::sweep::file::parse_str(path, text).and_then(crate::sweep::prepare).map(|p| p.base.warnings),
        Kind::BadJson | Kind::Json(JsonKind::TaskDefinition) => ecs_json::load_task_definition(path, text).map(|(_, w)| w),
        Kind::Json(JsonKind::Service) => ecs_json::check_services(path, text),
        Kind::Json(JsonKind::ContainerInstances) => ecs_json::load_container_instances(path, text, &mut Cluster::new("check")),
        // Tasks refer to container instances we do not have here: everything else is checked.
        Kind::Json(JsonKind::Tasks) => ecs_json::check_tasks(path, text),
        Kind::Json(JsonKind::TargetGroups) => elbv2_json::load_target_groups(path, text).map(|(_, w)| w),
        Kind::Json(JsonKind::TargetGroupAttributes) => elbv2_json::load_target_group_attributes(path, text).map(|(_, w)| w),
        // Listeners and rules name target groups defined elsewhere: check the rest.
        Kind::Json(JsonKind::Listeners) => without_target_groups(elbv2_json::load_listeners(path, text, &[]).map(|(_, w)| w)),
        Kind::Json(JsonKind::Rules) => without_target_groups(elbv2_json::load_rules(path, text, &[]).map(|(_, w)| w)),
        Kind::Stack => crate::import::import_texts(vec![(path.to_path_buf(), text.to_string())], &Default::default())
            .and_then(|i| i.load(None))
            .map(|s| s.warnings),
        Kind::Unknown(looks_like) => Err(Diagnostic::error(path, 1, 1, format!("this file looks like {looks_like}"))
            .with_help(format!("`ecsim check` reads {SHAPES_READ}"))
            .into()),
    };
    match result {
        Ok(w) | Err(w) => w,
    }
}

/// The outcome without the "no target group" errors a file checked on its own cannot avoid.
fn without_target_groups(result: Result<Diagnostics, Diagnostics>) -> Result<Diagnostics, Diagnostics> {
    result.or_else(|d| {
        let kept = Diagnostics(d.0.into_iter().filter(|x| !x.message.starts_with("no target group")).collect());
        if kept.has_errors() {
            Err(kept)
        } else {
            Ok(kept)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_is_told_from_a_scenario_however_its_key_is_written() {
        let toml = Path::new("x.toml");
        assert_eq!(kind_of(toml, "[scenario]\nname = \"a\"\n"), Kind::Scenario);
        assert_eq!(kind_of(toml, "[sweep]\nbase = \"a.toml\"\n"), Kind::Sweep);
        // The key behind an escape: `\u0073` is `s`.
        assert_eq!(kind_of(toml, "[\"\\u0073weep\"]\nbase = \"a.toml\"\n"), Kind::Sweep);
        // The word in a comment or a string is no sweep table.
        assert_eq!(kind_of(toml, "# not a sweep\n[scenario]\nname = \"sweep\"\n"), Kind::Scenario);
    }
}
