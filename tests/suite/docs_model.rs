//! The shipped text stands on its own: nothing cites the project's private ECS reference (its
//! section signs or its worked-example numbers), and every `docs/ecs-model.md#<anchor>` written
//! anywhere — code comments, run output, lessons, docs — lands on a heading of
//! docs/ecs-model.md, the public statement of the ECS behaviour ecsim models.
//!
//! "Shipped" means README.md and everything under docs/, src/, scenarios/, notebooks/, scripts/,
//! tests/, benches/ and examples/ (this file excepted, although it spells the patterns so that it
//! would pass too).

use crate::common::repo;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The roots a user receives, relative to the repository.
const SHIPPED: [&str; 9] = ["README.md", "docs", "src", "scenarios", "notebooks", "scripts", "tests", "benches", "examples"];

/// This file: it has to name what it looks for.
const THIS_FILE: &str = "tests/suite/docs_model.rs";

/// Every text file under the shipped roots, in a stable order, with its path relative to the
/// repository. Files that are not UTF-8 (images, fonts) are skipped: they carry no prose.
fn shipped_texts() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for root in SHIPPED {
        collect(&repo(root), &mut files);
    }
    files.sort();
    let base = repo("");
    files
        .into_iter()
        .filter_map(|path| {
            let rel = path.strip_prefix(&base).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&path).ok()?;
            Some((rel, text))
        })
        .collect()
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else { return };
    for entry in entries.flatten() {
        let p = entry.path();
        let name = entry.file_name();
        // Build output and VCS data are not shipped text.
        if name == "target" || name == ".git" {
            continue;
        }
        collect(&p, out);
    }
}

/// A private citation on this line, if any: the section sign after "spec", or the worked-example
/// prefix followed by a digit.
fn citation(line: &str) -> Option<&'static str> {
    let section_sign = format!("spec {}", '\u{a7}');
    if line.contains(&section_sign) {
        return Some("a section of the private spec");
    }
    let file_name = ["ecs", "semantics.md"].join("-");
    if line.contains(&file_name) {
        return Some("the private spec's file");
    }
    let example_prefix = ['W', 'E', '-'].iter().collect::<String>();
    let mut rest = line;
    while let Some(at) = rest.find(&example_prefix) {
        let after = &rest[at + example_prefix.len()..];
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            return Some("a worked example numbered as in the private spec");
        }
        rest = after;
    }
    None
}

#[test]
fn no_shipped_file_cites_the_private_spec() {
    let mut found = Vec::new();
    for (path, text) in shipped_texts() {
        if path == THIS_FILE {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            if let Some(what) = citation(line) {
                found.push(format!("{path}:{}: cites {what}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "describe the behaviour and point to docs/ecs-model.md#<anchor> instead:\n{}", found.join("\n"));
}

/// GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped,
/// spaces turned into hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of docs/ecs-model.md's headings (outside code blocks).
fn model_anchors() -> (BTreeSet<String>, Vec<String>) {
    let text = std::fs::read_to_string(repo("docs/ecs-model.md")).expect("docs/ecs-model.md exists");
    let mut anchors = BTreeSet::new();
    let mut duplicates = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        if in_code {
            continue;
        }
        if let Some(heading) = line.strip_prefix('#') {
            let anchor = slug(heading.trim_start_matches('#'));
            if !anchors.insert(anchor.clone()) {
                duplicates.push(anchor);
            }
        }
    }
    (anchors, duplicates)
}

/// Every `ecs-model.md#<anchor>` on a line (a relative markdown link, a code comment's
/// `docs/ecs-model.md#<anchor>`, a run output's "see docs/ecs-model.md#prices"). A `#<anchor>`
/// placeholder, as in this sentence, is not a reference.
fn anchor_references(line: &str) -> Vec<String> {
    let marker = "ecs-model.md#";
    let mut refs = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(marker) {
        rest = &rest[at + marker.len()..];
        if rest.starts_with('<') {
            continue;
        }
        let anchor: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-').collect();
        refs.push(anchor);
    }
    refs
}

#[test]
fn the_model_page_has_no_two_headings_with_one_anchor() {
    let (anchors, duplicates) = model_anchors();
    assert!(anchors.contains("rolling-updates") && anchors.contains("example-rolling-50-200"), "{anchors:?}");
    assert!(duplicates.is_empty(), "headings sharing an anchor in docs/ecs-model.md: {duplicates:?}");
}

#[test]
fn every_reference_to_the_model_page_lands_on_a_heading() {
    let (anchors, _) = model_anchors();
    let mut broken = Vec::new();
    let mut references = 0;
    for (path, text) in shipped_texts() {
        if path == THIS_FILE {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            let mut refs = anchor_references(line);
            // The page's own links to its sections: "](#anchor)".
            if path == "docs/ecs-model.md" {
                let mut rest = line;
                while let Some(at) = rest.find("](#") {
                    rest = &rest[at + 3..];
                    refs.push(rest.chars().take_while(|c| *c != ')').collect());
                }
            }
            for anchor in refs {
                references += 1;
                if !anchors.contains(&anchor) {
                    broken.push(format!("{path}:{}: #{anchor}", n + 1));
                }
            }
        }
    }
    assert!(references > 500, "expected the code and docs to point to the model page, found {references} references");
    assert!(broken.is_empty(), "references to docs/ecs-model.md with no such heading:\n{}", broken.join("\n"));
}

#[test]
fn the_price_line_points_to_the_prices_section() {
    let (anchors, _) = model_anchors();
    let date = ecsim::ecs::instance_types::PRICE_TABLE_DATE;
    assert!(date.starts_with("2026-06"), "{date}");
    let refs = anchor_references(date);
    assert_eq!(refs, vec!["prices".to_string()], "{date}");
    assert!(anchors.contains("prices"));
}
