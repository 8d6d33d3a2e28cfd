//! Infrastructure code as scenarios: import CloudFormation, Terraform, Copilot, Compose and
//! `container_definitions` files into a scenario, and load any file `ecsim run` takes — a
//! scenario TOML or a stack — optionally under an overlay TOML.

use super::{Diagnostic, Diagnostics, Scenario};
use crate::import::{self, Imported, Options};
use std::path::{Path, PathBuf};

/// Imports the files (a folder stands for its `.tf` and `.tfvars` files) into a scenario.
/// Every value that had to be assumed is a warning located in its file and a comment in the
/// scenario; a file with no ECS resources is an error.
///
/// ```
/// use std::path::PathBuf;
///
/// let imported = ecsim::api::import(&[PathBuf::from("scenarios/import/containers.json")], &Default::default()).unwrap();
/// assert!(imported.scenario_toml().contains("[[services]]"));
/// let scenario = imported.load(None).unwrap();
/// assert_eq!(scenario.services.len(), 1);
/// ```
pub fn import(paths: &[PathBuf], options: &Options) -> Result<Imported, Diagnostics> {
    import::import(&expand(paths), options)
}

/// Loads what `ecsim run` takes: a scenario TOML, or infrastructure code ecsim imports (told by
/// its content). `overlay` is a TOML laid over it: its `[scenario]` keys and other tables
/// replace the file's, its arrays of tables (`[[traffic]]`, `[[faults]]`) are added.
///
/// ```
/// use std::path::Path;
///
/// let scenario = ecsim::api::load_with(Path::new("scenarios/quickstart.toml"), None, &Default::default()).unwrap();
/// assert_eq!(scenario.name, "quickstart");
/// ```
pub fn load_with(path: &Path, overlay: Option<&Path>, options: &Options) -> Result<Scenario, Diagnostics> {
    let overlays = match overlay {
        Some(p) => vec![import::parse_overlay(p, &crate::model::diagnostic::read_text(p)?)?],
        None => Vec::new(),
    };
    if path.is_dir() || is_stack(path) {
        return import(&[path.to_path_buf()], options)?.load_over(overlays, None);
    }
    let text = crate::model::diagnostic::read_text(path)?;
    load_scenario_text(path, &text, overlays, options)
}

/// A scenario TOML's text under `overlays`: a scenario of its own, or one built on a stack
/// (`[scenario] stack = [...]`), which is imported and the file laid over it.
pub(super) fn load_scenario_text(path: &Path, text: &str, overlays: Vec<toml::Table>, options: &Options) -> Result<Scenario, Diagnostics> {
    if let Some((stack, parameters, own)) = import::stack_of(path, text) {
        let mut options = options.clone();
        for (k, v) in parameters {
            options.parameters.entry(k.clone()).or_insert_with(|| v.clone());
            options.vars.entry(k).or_insert(v);
        }
        let mut all = vec![own];
        all.extend(overlays);
        // Messages about the merged scenario name it apart from the file, whose lines differ.
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("scenario");
        let at = path.with_file_name(format!("{name} (with its stack imported)"));
        return import(&stack, &options)?.load_over(all, Some(&at));
    }
    if overlays.is_empty() {
        return crate::scenario::load_str(path, text);
    }
    let mut base = import::parse_overlay(path, text)?;
    for over in overlays {
        import::draft::merge_overlay(&mut base, over);
    }
    let merged = toml::to_string(&base).map_err(|e| Diagnostics::from(Diagnostic::error(path, 1, 1, e.to_string())))?;
    crate::scenario::load_str(path, &merged)
}

/// Whether `path` holds infrastructure code ecsim imports (rather than a scenario or AWS JSON).
pub fn is_stack(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| import::detect(path, &text).is_some())
}

/// A folder stands for the Terraform files in it (`*.tf`, `*.tfvars`) when it has any (a
/// module's JSON files are read through `file()`, not on their own), else for every file in it
/// ecsim imports (the templates of a CloudFormation stack); sorted by name.
fn expand(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        match std::fs::read_dir(p) {
            Ok(entries) => {
                let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|f| f.is_file()).collect();
                files.sort();
                let terraform = |f: &PathBuf| f.extension().is_some_and(|e| e == "tf" || e == "tfvars");
                match files.iter().any(terraform) {
                    true => out.extend(files.into_iter().filter(terraform)),
                    false => out.extend(files.into_iter().filter(|f| is_stack(f))),
                }
            }
            Err(_) => out.push(p.clone()),
        }
    }
    out
}
