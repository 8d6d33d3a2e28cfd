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
    let overlay_text = match overlay {
        Some(p) => Some(crate::model::diagnostic::read_text(p)?),
        None => None,
    };
    let overlay = overlay.zip(overlay_text.as_deref());
    if path.is_dir() || is_stack(path) {
        return import(&[path.to_path_buf()], options)?.load(overlay);
    }
    let text = crate::model::diagnostic::read_text(path)?;
    match overlay {
        None => crate::scenario::load_str(path, &text),
        Some((opath, otext)) => {
            let located = |e: toml::de::Error, p: &Path, t: &str| {
                let (line, col) = e.span().map_or((1, 1), |s| crate::model::diagnostic::line_col(t, s.start));
                Diagnostics::from(Diagnostic::error(p, line, col, e.message().to_string()).with_source(t))
            };
            let mut base: toml::Table = toml::from_str(&text).map_err(|e| located(e, path, &text))?;
            let over: toml::Table = toml::from_str(otext).map_err(|e| located(e, opath, otext))?;
            import::draft::merge_overlay(&mut base, over);
            let merged = toml::to_string(&base).map_err(|e| Diagnostics::from(Diagnostic::error(opath, 1, 1, e.to_string())))?;
            crate::scenario::load_str(path, &merged)
        }
    }
}

/// Whether `path` holds infrastructure code ecsim imports (rather than a scenario or AWS JSON).
pub fn is_stack(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| import::detect(path, &text).is_some())
}

/// Folders stand for the Terraform files in them (`*.tf`, `*.tfvars`, sorted by name).
fn expand(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        match std::fs::read_dir(p) {
            Ok(entries) => {
                let mut files: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|f| f.extension().is_some_and(|e| e == "tf" || e == "tfvars"))
                    .collect();
                files.sort();
                out.extend(files);
            }
            Err(_) => out.push(p.clone()),
        }
    }
    out
}
