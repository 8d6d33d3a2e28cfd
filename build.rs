//! Compiles two tables into the binary.
//!
//! * The index of the bundled lessons, so `ecsim lessons` works after `cargo install` with no
//!   scenarios folder at hand. It reads the `[lesson]` table (title, what it shows) of every
//!   `scenarios/lessons/**.toml`, and the `lesson.json` (title, shows, the `ecsim place`
//!   arguments) of every placement lesson folder, and writes them as a Rust array that
//!   `src/cli/lessons.rs` includes. A file it cannot read is a build warning and is left out
//!   (the test `tests/suite/lessons_index.rs` fails on it, with the file named).
//! * The EC2 instance types of `data/instance_types.tsv`, as a Rust array and its index by
//!   name that `src/ecs/instance_types.rs` includes: parsing the 1,300-row table took about a
//!   millisecond of every command. The rules a row follows are `src/ecs/instance_types/row.rs`,
//!   the file the crate's tests read; a row that breaks them is a build warning and is left
//!   out (a test fails on it).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "src/ecs/instance_types/row.rs"]
mod instance_type_row;

const ROOT: &str = "scenarios/lessons";
const INSTANCE_TYPES: &str = "data/instance_types.tsv";

fn main() {
    lessons_index();
    instance_types();
}

fn out_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"))
}

/// `instance_types.rs` in `OUT_DIR`: `TYPES`, the rows in the table's order; `BY_NAME`, (name,
/// position in `TYPES`) sorted by name; `PROBLEMS`, the rows left out and why.
fn instance_types() {
    println!("cargo:rerun-if-changed={INSTANCE_TYPES}");
    println!("cargo:rerun-if-changed=src/ecs/instance_types/row.rs");
    let text = std::fs::read_to_string(INSTANCE_TYPES).expect("read data/instance_types.tsv");
    let (rows, problems) = instance_type_row::parse(&text);
    for p in &problems {
        println!("cargo:warning=instance types: {INSTANCE_TYPES} {p}");
    }
    let mut out = format!("pub(super) static TYPES: [InstanceType; {}] = [\n", rows.len());
    for r in &rows {
        let arch = if r.arm64 { "Arm64" } else { "X86_64" };
        let trunk = r.trunk_eni_tasks.map_or("None".to_string(), |n| format!("Some({n})"));
        // `{:?}` writes the shortest decimal that reads back as the same f64.
        let (price, known) = r.usd_per_hour.map_or(("0.0".to_string(), false), |p| (format!("{p:?}"), true));
        let _ = writeln!(
            out,
            "    InstanceType {{ name: {:?}, architecture: Architecture::{arch}, vcpus: {}, memory_mib_nominal: {}, \
             max_enis: {}, ipv4_per_eni: {}, trunk_eni_tasks: {trunk}, gpus: {}, price_usd_per_hour: {price}, price_known: {known} }},",
            r.name, r.vcpus, r.memory_mib, r.max_enis, r.ipv4_per_eni, r.nvidia_gpus
        );
    }
    out += "];\n";
    let mut by_name: Vec<(&str, usize)> = rows.iter().enumerate().map(|(i, r)| (r.name, i)).collect();
    by_name.sort_unstable();
    let _ = writeln!(out, "pub(super) static BY_NAME: [(&str, u32); {}] = [", by_name.len());
    for (name, i) in by_name {
        let _ = writeln!(out, "    ({name:?}, {i}),");
    }
    out += "];\n";
    let _ = writeln!(out, "pub(super) static PROBLEMS: [&str; {}] = {:?};", problems.len(), problems);
    std::fs::write(out_dir().join("instance_types.rs"), out).expect("write instance_types.rs");
}

fn lessons_index() {
    // A folder: Cargo scans every file under it for changes.
    println!("cargo:rerun-if-changed={ROOT}");
    let mut files = Vec::new();
    walk(Path::new(ROOT), &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for file in &files {
        let rel = file.to_string_lossy().replace('\\', "/");
        let entry = match file.extension().and_then(|e| e.to_str()) {
            Some("toml") => scenario_entry(file, &rel),
            _ => place_entry(file, &rel),
        };
        match entry {
            Ok(Some(e)) => out += &e,
            Ok(None) => {}
            Err(e) => println!("cargo:warning=lesson index: {rel}: {e}"),
        }
    }
    out += "]\n";
    let dest = out_dir().join("lessons_index.rs");
    std::fs::write(dest, out).expect("write lessons_index.rs");
}

/// Scenario files (`*.toml`) and placement lessons (`lesson.json`), anywhere under `dir`.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "toml") || p.file_name().is_some_and(|n| n == "lesson.json") {
            out.push(p);
        }
    }
}

/// The lesson's group: its folder under scenarios/lessons/. The one lesson written before the
/// folders existed, console-templates.toml, compares placement templates.
fn group_of(rel: &str) -> String {
    let under = rel.trim_start_matches(ROOT).trim_start_matches('/');
    match under.split_once('/') {
        Some((group, _)) => group.to_string(),
        None => "placement".to_string(),
    }
}

fn text<'a>(table: &'a toml::Table, key: &str) -> Result<&'a str, String> {
    table.get(key).and_then(|v| v.as_str()).ok_or_else(|| format!("[lesson] has no {key} string"))
}

fn scenario_entry(file: &Path, rel: &str) -> Result<Option<String>, String> {
    let source = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let doc: toml::Table = source.parse().map_err(|e: toml::de::Error| e.message().to_string())?;
    // Sweep files apart (they vary a scenario; they are not lessons).
    if doc.contains_key("sweep") || doc.contains_key("axes") {
        return Ok(None);
    }
    let lesson = doc.get("lesson").and_then(|l| l.as_table()).ok_or("no [lesson] table")?;
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name = doc.get("scenario").and_then(|s| s.get("name")).and_then(|n| n.as_str()).map_or(stem, str::to_string);
    let steps = lesson.get("steps").and_then(|s| s.as_array()).map_or(0, Vec::len);
    Ok(Some(entry(rel, text(lesson, "title")?, text(lesson, "shows")?, &format!("ecsim run {rel}"), &format!("results/{name}"), steps)))
}

fn place_entry(file: &Path, rel: &str) -> Result<Option<String>, String> {
    let source = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let doc: serde_json::Value = serde_json::from_str(&source).map_err(|e| e.to_string())?;
    let field = |key: &str| doc.get(key).and_then(|v| v.as_str()).ok_or_else(|| format!("no {key:?} string"));
    let args = doc.get("args").and_then(|a| a.as_array()).ok_or("no \"args\" array")?;
    let mut command = String::from("ecsim");
    for a in args {
        let a = a.as_str().ok_or("an argument that is not a string")?;
        command.push(' ');
        command += &shell_quote(a);
    }
    let folder = rel.trim_end_matches("/lesson.json");
    Ok(Some(entry(folder, field("title")?, field("shows")?, &command, "", 0)))
}

/// `arg` as a POSIX shell word: as it is when it is plain, else in single quotes.
fn shell_quote(arg: &str) -> String {
    if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@".contains(c)) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

fn entry(path: &str, title: &str, shows: &str, command: &str, results: &str, steps: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "    IndexEntry {{ group: {:?}, path: {path:?}, title: {:?}, shows: {:?}, command: {command:?}, results: {results:?}, steps: {steps} }},",
        group_of(path),
        title.trim(),
        shows.split_whitespace().collect::<Vec<_>>().join(" "),
    );
    s
}
