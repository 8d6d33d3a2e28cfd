//! The `[lesson]` table of the scenario format: what it accepts, where its mistakes are reported,
//! and lesson.json, which a run writes from it and nothing else.

use crate::common::{ecsim, error_with_help_at, load_err, repo, scenario_path, Errors};
use ecsim::engine::Span;
use ecsim::scenario;

/// A small scenario of 30 minutes, with `lesson` appended.
fn with_lesson(lesson: &str) -> String {
    format!(
        "[scenario]\nduration = \"30m\"\n\n[cluster]\nzones = [\"a\"]\n\n[[cluster.instances]]\ntype = \"m5.large\"\ncount = 1\n\n\
         [[task_definitions]]\nname = \"web\"\nmemory = 512\n\n[[services]]\nname = \"web\"\ntask_definition = \"web\"\ndesired_count = 1\n\n{lesson}"
    )
}

/// The lines of `with_lesson`'s scenario before its lesson.
const BEFORE_LESSON: usize = 19;

/// The column (from 1) where `needle` starts in `line`.
fn column(line: &str, needle: &str) -> usize {
    line.find(needle).unwrap() + 1
}

#[test]
fn a_lesson_is_read_with_its_steps_in_time_order() {
    let text = with_lesson(
        "[lesson]\ntitle = \"One task\"\nshows = \"  A service of one task.  \"\n\
         steps = [\n  { at = \"10m\", text = \"later\" },\n  { at = \"1m\", text = \"first\" },\n  { at = \"10m\", text = \"same time, written second\" },\n]\n",
    );
    let s = scenario::load_str(&scenario_path("lesson"), &text).unwrap();
    let lesson = s.lesson.expect("a lesson");
    assert_eq!(lesson.title, "One task");
    assert_eq!(lesson.shows, "A service of one task.", "trimmed");
    let steps: Vec<(Span, &str)> = lesson.steps.iter().map(|s| (s.at, s.text.as_str())).collect();
    assert_eq!(
        steps,
        [(Span::from_secs(60), "first"), (Span::from_secs(600), "later"), (Span::from_secs(600), "same time, written second")]
    );
}

#[test]
fn a_scenario_without_a_lesson_has_none() {
    let s = scenario::load_str(&scenario_path("lesson"), &with_lesson("")).unwrap();
    assert!(s.lesson.is_none());
}

#[test]
fn mistakes_in_a_lesson_are_located_errors() {
    let path = scenario_path("lesson");
    // An unknown key, at the key.
    let e = load_err(&path, &with_lesson("[lesson]\ntitle = \"t\"\nshows = \"s\"\nsummary = \"x\"\n"));
    error_with_help_at(&e, (BEFORE_LESSON + 4, 1), "summary");
    // A step's unknown key.
    let e = load_err(&path, &with_lesson("[lesson]\ntitle = \"t\"\nshows = \"s\"\nsteps = [{ at = \"1m\", txt = \"x\" }]\n"));
    assert!(e.listing().contains(&format!(":{}:", BEFORE_LESSON + 4)) && e.listing().contains("txt"), "{}", e.listing());
    // A missing title, at the table.
    let e = load_err(&path, &with_lesson("[lesson]\nshows = \"s\"\n"));
    assert!(e.listing().contains("title"), "{}", e.listing());
    // Empty texts, each at its value.
    let steps = "steps = [{ at = \"1m\", text = \"\" }]";
    let e = load_err(&path, &with_lesson(&format!("[lesson]\ntitle = \" \"\nshows = \"\"\n{steps}\n")));
    error_with_help_at(&e, (BEFORE_LESSON + 2, 9), "title is empty");
    error_with_help_at(&e, (BEFORE_LESSON + 3, 9), "shows is empty");
    error_with_help_at(&e, (BEFORE_LESSON + 4, column(steps, "\"\"")), "text is empty");
    // A step after the end of the run, and one between whole seconds, at their times.
    let steps = "steps = [{ at = \"31m\", text = \"x\" }, { at = \"1.5s\", text = \"y\" }]";
    let e = load_err(&path, &with_lesson(&format!("[lesson]\ntitle = \"t\"\nshows = \"s\"\n{steps}\n")));
    error_with_help_at(&e, (BEFORE_LESSON + 4, column(steps, "\"31m\"")), "after the end of the run (30m)");
    error_with_help_at(&e, (BEFORE_LESSON + 4, column(steps, "\"1.5s\"")), "not a whole second");
    // A time that is not a duration.
    let e = load_err(&path, &with_lesson("[lesson]\ntitle = \"t\"\nshows = \"s\"\nsteps = [{ at = \"soon\", text = \"x\" }]\n"));
    assert!(e.listing().contains("soon"), "{}", e.listing());
}

#[test]
fn a_run_writes_lesson_json_and_nothing_else_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let text =
        with_lesson("[lesson]\ntitle = \"One task\"\nshows = \"A service of one task.\"\nsteps = [{ at = \"1m\", text = \"healthy\" }]\n");
    // The same file name: the scenario is named after it, and the charts' titles name it.
    let (with, without) = (tmp.path().join("with/lesson.toml"), tmp.path().join("without/lesson.toml"));
    for (file, text) in [(&with, text.clone()), (&without, with_lesson(""))] {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    for (file, out) in [(&with, "a"), (&without, "b")] {
        let o = ecsim().arg("run").arg(file).arg("--quiet").arg("--out").arg(tmp.path().join(out)).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(tmp.path().join("a/lesson.json")).unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"title": "One task", "shows": "A service of one task.", "steps": [{"at_s": 60, "text": "healthy"}]})
    );
    assert!(!tmp.path().join("b/lesson.json").exists(), "no [lesson], no lesson.json");
    // Every other file is the same, byte for byte, but summary.json's hash of the scenario text.
    for entry in std::fs::read_dir(tmp.path().join("b")).unwrap() {
        let name = entry.unwrap().file_name();
        let (a, b) = (std::fs::read(tmp.path().join("a").join(&name)).unwrap(), std::fs::read(tmp.path().join("b").join(&name)).unwrap());
        if name == "summary.json" {
            let strip = |bytes: &[u8]| {
                let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                v["scenario_sha256"] = serde_json::Value::Null;
                v
            };
            assert_eq!(strip(&a), strip(&b));
        } else if name == "report.html" {
            // The page tells the lesson's story: only a's has it.
            let (a, b) = (String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
            assert!(a.contains("One task") && !b.contains("One task"), "the story is on a's page only");
        } else {
            assert!(a == b, "{name:?} differs");
        }
    }
}

#[test]
fn each_variant_of_a_lesson_gets_its_lesson_json() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let o = ecsim()
        .current_dir(repo(""))
        .args(["run", "scenarios/lessons/console-templates.toml", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let folders: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    assert_eq!(folders.len(), 4);
    for f in folders {
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(f.join("lesson.json")).unwrap()).unwrap();
        assert_eq!(json["title"], "The console's four placement templates side by side");
    }
}
