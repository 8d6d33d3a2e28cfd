//! Nothing panics: every loader on every fixture cut at many points, and on fixtures garbled with
//! JSON-significant characters (a proptest; its shrunk cases, if one ever fails, go to
//! tests/proptest-regressions/ecs_json/robustness.txt).

use crate::common::repo;
use ecsim::ecs::Cluster;
use ecsim::scenario::ecs_json::{load_container_instances, load_service, load_task_definition, load_tasks};
use std::path::Path;

/// Every loader on `text`, which may be anything: it must return, not panic.
fn load_everything(text: &str) {
    let p = Path::new("fuzz.json");
    let _ = load_task_definition(p, text);
    let _ = load_service(p, text);
    let mut cluster = Cluster::new("fuzz");
    let _ = load_container_instances(p, text, &mut cluster);
    let _ = load_tasks(p, text, &mut cluster);
}

fn all_fixture_texts() -> Vec<String> {
    let root = repo("tests/fixtures");
    let mut texts = Vec::new();
    for dir in [root.clone(), root.join("realworld/task-definitions"), root.join("realworld/services")] {
        for entry in std::fs::read_dir(dir).expect("dir").flatten() {
            if entry.path().extension().is_some_and(|e| e == "json") {
                texts.push(std::fs::read_to_string(entry.path()).expect("readable"));
            }
        }
    }
    texts
}

#[test]
fn truncated_fixtures_never_panic() {
    for text in all_fixture_texts() {
        let step = (text.len() / 400).max(1);
        for cut in (0..text.len()).step_by(step).filter(|&c| text.is_char_boundary(c)) {
            load_everything(&text[..cut]);
        }
    }
}

mod garbled {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
        /// Random bytes replaced by JSON-significant characters, in every fixture.
        #[test]
        fn garbled_fixtures_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..12), 1..8)) {
            const NOISE: [&str; 12] = ["{", "}", "[", "]", "\"", ",", ":", "\\", "0", "-1e999", "null", "é"];
            for text in all_fixture_texts() {
                let mut t = text.clone();
                for (at, noise) in &edits {
                    let mut i = at.index(t.len().max(1));
                    while !t.is_char_boundary(i) { i -= 1; }
                    t.insert_str(i, NOISE[*noise]);
                }
                load_everything(&t);
            }
        }
    }
}
