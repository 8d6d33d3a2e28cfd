//! `ecsim lessons`: the bundled lessons, grouped by what they teach (placement, services, load
//! balancers, scaling, capacity, faults, alarms, import), each with its path, its title, what it
//! shows and the command that runs it. The index is embedded at build time (`build.rs` reads
//! every lesson's `[lesson]` table), so the list needs no scenarios folder at hand; the files
//! themselves come with the source (`git clone`). docs/lessons.md is this list as Markdown
//! (`--format markdown`), and a test keeps the two the same.

use super::out::outln;
use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::process::ExitCode;

/// One bundled lesson, as `build.rs` found it.
#[derive(Debug, Serialize)]
pub struct IndexEntry {
    /// Its folder under scenarios/lessons/: what it teaches.
    pub group: &'static str,
    /// The scenario file (a placement lesson: its folder), from the repository's root.
    pub path: &'static str,
    pub title: &'static str,
    pub shows: &'static str,
    /// The command that runs it, from the repository's root.
    pub command: &'static str,
    /// Where `ecsim run` writes its results ("" for an `ecsim place` lesson, which writes none).
    #[serde(skip_serializing_if = "str::is_empty")]
    pub results: &'static str,
    /// How many steps its story has (its report shows them one by one).
    pub steps: usize,
}

/// Every bundled lesson, in path order.
static LESSONS: &[IndexEntry] = include!(concat!(env!("OUT_DIR"), "/lessons_index.rs"));

/// The groups in teaching order, with what each is about; a folder not listed comes after them.
const GROUPS: [(&str, &str); 8] = [
    ("placement", "Placement: where ECS puts a task, and why"),
    ("services", "Services: the service scheduler, deployments and rolling updates"),
    ("alb", "Load balancers: routing, health checks and rolling updates under traffic"),
    ("scaling", "Service Auto Scaling: target tracking, step scaling, replayed load"),
    ("capacity", "Capacity: Auto Scaling groups, capacity providers, Fargate, cost"),
    ("faults", "Faults: instances, Spot interruptions and zones that fail"),
    ("alarms", "CloudWatch alarms and their actions"),
    ("import", "Imported infrastructure code"),
];

#[derive(Args, Debug)]
pub struct LessonsArgs {
    /// How to write the list.
    #[arg(long, value_enum, default_value_t = LessonsFormat::Table)]
    pub format: LessonsFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum LessonsFormat {
    /// Grouped, for reading in a terminal.
    Table,
    /// One object per lesson, for scripts.
    Json,
    /// The index of docs/lessons.md.
    Markdown,
}

pub fn lessons(args: LessonsArgs) -> Result<ExitCode> {
    let text = match args.format {
        LessonsFormat::Table => table(),
        LessonsFormat::Json => serde_json::to_string_pretty(&ordered())? + "\n",
        LessonsFormat::Markdown => markdown(),
    };
    outln!("{}", text.trim_end_matches('\n'));
    Ok(ExitCode::SUCCESS)
}

/// The lessons by group (in teaching order), then by path.
fn ordered() -> Vec<&'static IndexEntry> {
    let rank = |group: &str| GROUPS.iter().position(|(g, _)| *g == group).unwrap_or(GROUPS.len());
    let mut all: Vec<&IndexEntry> = LESSONS.iter().collect();
    all.sort_by(|a, b| (rank(a.group), a.group, a.path).cmp(&(rank(b.group), b.group, b.path)));
    all
}

/// Each group with its lessons, in order.
fn grouped() -> Vec<(&'static str, String, Vec<&'static IndexEntry>)> {
    let mut out: Vec<(&str, String, Vec<&IndexEntry>)> = Vec::new();
    for e in ordered() {
        match out.last_mut() {
            Some((g, _, list)) if *g == e.group => list.push(e),
            _ => {
                let heading = GROUPS.iter().find(|(g, _)| *g == e.group).map_or_else(|| e.group.to_string(), |(_, h)| h.to_string());
                out.push((e.group, heading, vec![e]));
            }
        }
    }
    out
}

/// `text` wrapped at `width` columns, each line after `indent`.
fn wrap(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.chars().count() > width {
            out += &format!("{indent}{line}\n");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line += word;
    }
    if !line.is_empty() {
        out += &format!("{indent}{line}\n");
    }
    out
}

fn table() -> String {
    let mut out = String::new();
    for (_, heading, list) in grouped() {
        out += &format!("{heading}\n\n");
        for e in list {
            out += &format!("  {}\n", e.title);
            out += &wrap(e.shows, "    ", 100);
            out += &format!("    $ {}\n", e.command);
            if !e.results.is_empty() {
                out += &format!("    then open {}/report.html\n", e.results);
            }
            out += "\n";
        }
    }
    out += &format!(
        "{} lessons. Run one from the folder that holds scenarios/ (a clone of the repository); \
         its report, results/<name>/report.html, tells the story step by step.\n",
        LESSONS.len()
    );
    out
}

/// The index part of docs/lessons.md.
fn markdown() -> String {
    let mut out = String::new();
    for (_, heading, list) in grouped() {
        out += &format!("### {heading}\n\n");
        for e in list {
            let story = if e.steps > 0 { format!(" A story in {} steps.", e.steps) } else { String::new() };
            out += &format!("**{}** — [`{}`](../{})\n\n", e.title, e.path, e.path);
            out += &format!("{}{story}\n\n", e.shows);
            out += &format!("```sh\n{}\n```\n\n", e.command);
        }
    }
    out
}
