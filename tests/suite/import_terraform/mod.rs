//! Terraform through `ecsim::api::import`: the real samples of
//! `tests/fixtures/import/terraform/` imported, loaded and run, and each construct of the
//! language (variables, `.tfvars`, `--var`, locals, modules, `count`, `for_each`, `dynamic`,
//! templates, files, 0.11 interpolation) on an example shaped like its Terraform documentation.
//!
//! The tests, by concern: `samples` (real configurations imported, checked and run), `language`
//! (each construct of the language), `resources` (how the AWS resources map to a scenario),
//! `show_json` (`terraform show -json` plans and states), `bad_input` (bad HCL and runaway
//! evaluation end in located answers). The helpers they share are here.

mod bad_input;
mod language;
mod resources;
mod samples;
mod show_json;

use ecsim::api::{self, ImportOptions, Imported};
use std::collections::BTreeMap;
use std::path::Path;

const FIXTURES: &str = "tests/fixtures/import/terraform";

fn scenario(imported: &Imported) -> toml::Table {
    let text = imported.scenario_toml();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn entries<'a>(t: &'a toml::Table, section: &str) -> Vec<&'a toml::Value> {
    t.get(section).and_then(|v| v.as_array()).map(|a| a.iter().collect()).unwrap_or_default()
}

fn named<'a>(t: &'a toml::Table, section: &str, name: &str) -> &'a toml::Value {
    entries(t, section)
        .into_iter()
        .find(|e| e.get("name").and_then(|n| n.as_str()) == Some(name))
        .unwrap_or_else(|| panic!("no {section} named {name}"))
}

/// Loads the import with a short run time and runs it.
fn load_and_run(imported: &Imported, minutes: u32) -> (ecsim::api::Scenario, ecsim::api::Run) {
    let overlay = format!("[scenario]\nduration = \"{minutes}m\"\n");
    let scenario = imported.load(Some((Path::new("overlay.toml"), &overlay))).unwrap_or_else(|d| panic!("{d:?}"));
    let run = api::run(&scenario, 1);
    (scenario, run)
}

fn warnings(imported: &Imported) -> Vec<String> {
    imported.warnings.warnings().map(|d| format!("{}:{}:{}: {}", d.file.display(), d.line, d.column, d.message)).collect()
}

/// Writes `files` into a fresh folder and imports it.
fn import_files(files: &[(&str, &str)], vars: &[(&str, &str)]) -> Result<Imported, ecsim::model::diagnostic::Diagnostics> {
    let dir = tempfile::tempdir().unwrap().keep();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let options =
        ImportOptions { vars: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(), ..Default::default() };
    api::import(&[dir], &options)
}

fn import_ok(files: &[(&str, &str)], vars: &[(&str, &str)]) -> Imported {
    import_files(files, vars).unwrap_or_else(|d| panic!("{d:?}"))
}

/// A service on EC2 with a task definition: what every construct test builds on.
const SERVICE: &str = r#"
resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode([{ name = "app", image = "nginx", memory = 256, essential = true }])
}
"#;
