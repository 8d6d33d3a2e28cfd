//! What a results folder held before a command replaces it, read from the files the previous
//! command wrote (summary.json, sweep.json, capacity.json), for the note the command prints on
//! standard error when it is done: "replaced the results in results/x/ (previous run of
//! quickstart, seed 1)". Nothing here stops a command: a folder that cannot be read is simply
//! "its previous contents".

use serde_json::Value;
use std::path::Path;

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn text(v: &Value, key: &str) -> Option<String> {
    match &v[key] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether `dir` is a folder with something in it.
fn has_contents(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some())
}

/// `dir` as printed: without trailing slashes, then one.
pub fn shown(dir: &Path) -> String {
    let text = dir.display().to_string();
    format!("{}/", text.trim_end_matches('/'))
}

/// What `ecsim run` would replace in `dir`: "previous run of quickstart, seed 1", "previous
/// run of console-templates (4 variants), seed 7", "its previous contents"; `None` when `dir`
/// is missing or empty.
pub fn run(dir: &Path) -> Option<String> {
    if !has_contents(dir) {
        return None;
    }
    let described = |s: &Value, variants: Option<usize>| {
        let scenario = text(s, "scenario")?;
        let seed = text(s, "seed")?;
        let variants = variants.map_or(String::new(), |n| format!(" ({n} variants)"));
        Some(format!("previous run of {scenario}{variants}, seed {seed}"))
    };
    if let Some(s) = read_json(&dir.join("summary.json")) {
        if let Some(d) = described(&s, None) {
            return Some(d);
        }
    }
    // A run with variants: one folder per variant, comparison.csv beside them.
    if dir.join("comparison.csv").is_file() {
        let mut folders: Vec<_> = std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
        folders.sort();
        let variants = folders.iter().filter(|f| f.join("summary.json").is_file()).count();
        if let Some(d) = folders.iter().find_map(|f| read_json(&f.join("summary.json"))).and_then(|s| described(&s, Some(variants))) {
            return Some(d);
        }
    }
    Some("its previous contents".to_string())
}

/// What `ecsim sweep` or `ecsim merge` would replace in `dir`: the tables of a previous
/// sweep ("previous sweep smoke, seed 7"); `None` when `dir` holds no tables yet.
pub fn sweep(dir: &Path) -> Option<String> {
    if !dir.join("cells.csv").is_file() {
        return None;
    }
    let manifest = read_json(&dir.join("sweep.json"));
    let described = manifest.as_ref().and_then(|m| Some(format!("previous sweep {}, seed {}", text(m, "sweep")?, text(m, "master_seed")?)));
    Some(described.unwrap_or_else(|| "its previous tables".to_string()))
}

/// What `ecsim capacity` would replace in `dir`: "previous search of services.web.desired_count
/// in web-zone-outage, seed 11"; `None` when `dir` holds no capacity.json.
pub fn capacity(dir: &Path) -> Option<String> {
    let path = dir.join("capacity.json");
    if !path.is_file() {
        return None;
    }
    let described = read_json(&path).and_then(|c| {
        Some(format!("previous search of {} in {}, seed {}", text(&c, "knob")?, text(&c, "scenario")?, text(&c, "master_seed")?))
    });
    Some(described.unwrap_or_else(|| "its previous search".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_empty_folder_replaces_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(run(&tmp.path().join("missing")), None);
        assert_eq!(run(tmp.path()), None);
        assert_eq!(sweep(tmp.path()), None);
        assert_eq!(capacity(tmp.path()), None);
    }

    #[test]
    fn a_previous_run_is_named_by_its_scenario_and_seed() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("summary.json"), r#"{"scenario": "quickstart", "seed": 3}"#).unwrap();
        assert_eq!(run(tmp.path()).as_deref(), Some("previous run of quickstart, seed 3"));
    }

    #[test]
    fn a_run_with_variants_is_named_by_its_first_variant_folder() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("comparison.csv"), "variant\n").unwrap();
        for v in ["a", "b"] {
            std::fs::create_dir(tmp.path().join(v)).unwrap();
            std::fs::write(tmp.path().join(v).join("summary.json"), r#"{"scenario": "templates", "seed": 7}"#).unwrap();
        }
        assert_eq!(run(tmp.path()).as_deref(), Some("previous run of templates (2 variants), seed 7"));
    }

    #[test]
    fn unreadable_files_still_say_something_was_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
        assert_eq!(run(tmp.path()).as_deref(), Some("its previous contents"));
        std::fs::write(tmp.path().join("capacity.json"), "{").unwrap();
        assert_eq!(capacity(tmp.path()).as_deref(), Some("its previous search"));
    }

    #[test]
    fn a_folder_is_shown_with_one_trailing_slash() {
        assert_eq!(shown(Path::new("results/x/")), "results/x/");
        assert_eq!(shown(Path::new("results/x")), "results/x/");
    }
}
