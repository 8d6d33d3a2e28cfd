//! The scenario an importer builds: the scenario TOML's own tables and keys (docs/scenarios.md),
//! filled from a template, and the files they name (task definitions as RegisterTaskDefinition
//! JSON). Nothing here validates: the scenario loader does, exactly as for a hand-written
//! scenario, so an importer is a mapping onto the scenario format and never a validator of its
//! own. Every value an importer had to assume carries a comment, written above its key.

use std::collections::BTreeMap;
use std::fmt::Write;

/// One key of a table, with the comment written above it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: toml::Value,
    pub comment: Option<String>,
}

/// A TOML table: its keys in order, comment lines above its header, and arrays of tables
/// nested in it (`[[load_balancers.listeners]]` under a load balancer).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub comments: Vec<String>,
    pub entries: Vec<Entry>,
    pub children: Vec<(String, Table)>,
}

impl Table {
    pub fn new() -> Table {
        Table::default()
    }

    /// Sets `key` (replacing an earlier value).
    pub fn set(&mut self, key: &str, value: impl Into<toml::Value>) -> &mut Table {
        self.set_noted(key, value, None::<String>)
    }

    /// Sets `key` with a comment saying what was assumed or where it came from.
    pub fn note(&mut self, key: &str, value: impl Into<toml::Value>, comment: impl Into<String>) -> &mut Table {
        self.set_noted(key, value, Some(comment.into()))
    }

    fn set_noted(&mut self, key: &str, value: impl Into<toml::Value>, comment: Option<String>) -> &mut Table {
        let entry = Entry { key: key.to_string(), value: value.into(), comment };
        match self.entries.iter_mut().find(|e| e.key == key) {
            Some(e) => *e = entry,
            None => self.entries.push(entry),
        }
        self
    }

    pub fn get(&self, key: &str) -> Option<&toml::Value> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    /// Adds a comment line above the table's header.
    pub fn comment(&mut self, line: impl Into<String>) -> &mut Table {
        self.comments.push(line.into());
        self
    }

    /// Appends an entry of the nested array of tables `name`.
    pub fn push_child(&mut self, name: &str, child: Table) {
        self.children.push((name.to_string(), child));
    }
}

/// The top-level arrays of tables, in the order the scenario file lists them.
pub const SECTIONS: &[&str] = &[
    "launch_templates",
    "auto_scaling_groups",
    "capacity_providers",
    "task_definitions",
    "workload",
    "services",
    "target_groups",
    "load_balancers",
    "alarms",
    "scaling",
    "traffic",
];

/// A scenario being imported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    /// `[scenario] name`.
    pub name: String,
    /// The files the stack was read from, for the header.
    pub sources: Vec<String>,
    /// `[cluster]`, with `[[cluster.instances]]` as its children.
    pub cluster: Table,
    /// Entries of the top-level arrays of tables (`("services", table)`), in import order.
    pub entries: Vec<(String, Table)>,
    /// Files the tables name, by their path relative to the scenario (`taskdefs/web.json`).
    pub files: BTreeMap<String, String>,
}

impl Draft {
    pub fn new(name: &str) -> Draft {
        Draft { name: name.to_string(), ..Draft::default() }
    }

    /// Appends an entry of the array of tables `section` (one of [`SECTIONS`]).
    pub fn push(&mut self, section: &str, table: Table) {
        debug_assert!(SECTIONS.contains(&section), "unknown section {section}");
        self.entries.push((section.to_string(), table));
    }

    /// The entries of one section.
    pub fn section<'a>(&'a self, section: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
        self.entries.iter().filter(move |(s, _)| s == section).map(|(_, t)| t)
    }

    /// Whether the section has an entry whose `name` is `name`.
    pub fn has(&self, section: &str, name: &str) -> bool {
        self.section(section).any(|t| t.get("name").and_then(|v| v.as_str()) == Some(name))
    }

    /// The scenario file: a `[scenario]` table to edit, the cluster, every section, and a
    /// commented `[[traffic]]` entry to start from when there is a load balancer and no traffic.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Imported by `ecsim import` from {}.", self.sources.join(", "));
        out.push_str("# Every value ecsim had to assume has a comment saying so; `ecsim check` on this file\n");
        out.push_str("# lists what the stack has that ecsim does not model.\n\n");
        out.push_str("[scenario]\n");
        let _ = writeln!(out, "name = {}", toml::Value::from(self.name.as_str()));
        out.push_str("# How long to simulate and the master seed: edit to taste.\n");
        out.push_str("duration = \"1h\"\nseed = 1\n");
        write_table(&mut out, "cluster", &self.cluster, false);
        for section in SECTIONS {
            for table in self.section(section) {
                write_table(&mut out, section, table, true);
            }
        }
        if let Some(lb) = self.section("load_balancers").next() {
            if self.section("traffic").next().is_none() {
                let name = lb.get("name").and_then(|v| v.as_str()).unwrap_or("web");
                out.push_str("\n# Requests to the load balancer: uncomment, and set the rate (docs/scenarios.md,\n");
                out.push_str("# \"[[traffic]]\"), or give them with `--overlay traffic.toml`.\n");
                out.push_str("# [[traffic]]\n# name = \"users\"\n");
                let _ = writeln!(out, "# load_balancer = {}", toml::Value::from(name));
                out.push_str("# rate = { profile = \"constant\", per_second = 50 }\n");
            }
        }
        out
    }
}

fn write_table(out: &mut String, name: &str, table: &Table, array: bool) {
    out.push('\n');
    for c in &table.comments {
        let _ = writeln!(out, "# {c}");
    }
    match array {
        true => {
            let _ = writeln!(out, "[[{name}]]");
        }
        false => {
            let _ = writeln!(out, "[{name}]");
        }
    }
    for e in &table.entries {
        if let Some(c) = &e.comment {
            for line in c.lines() {
                let _ = writeln!(out, "# {line}");
            }
        }
        let _ = writeln!(out, "{} = {}", key(&e.key), inline(&e.value));
    }
    for (child, t) in &table.children {
        write_table(out, &format!("{name}.{child}"), t, true);
    }
}

/// A bare key when TOML allows one, else a quoted one.
fn key(k: &str) -> String {
    let bare = !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match bare {
        true => k.to_string(),
        false => toml::Value::from(k).to_string(),
    }
}

/// A value on one line (tables inline).
fn inline(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(t) => {
            let members: Vec<String> = t.iter().map(|(k, v)| format!("{} = {}", key(k), inline(v))).collect();
            format!("{{ {} }}", members.join(", "))
        }
        toml::Value::Array(a) => format!("[{}]", a.iter().map(inline).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// Lays `overlay` (a TOML table: `[scenario]` keys, `[[traffic]]`, `[[faults]]`, …) over the
/// imported scenario `base`: a table given in both is merged key by key (the overlay's value
/// wins), an array of tables given in both is extended with the overlay's entries, anything else
/// the overlay gives replaces the base's.
pub fn merge_overlay(base: &mut toml::Table, overlay: toml::Table) {
    for (k, v) in overlay {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge_overlay(b, o),
            (Some(toml::Value::Array(b)), toml::Value::Array(o)) if o.iter().all(toml::Value::is_table) => b.extend(o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_scenario_is_valid_toml_with_comments_above_assumed_values() {
        let mut d = Draft::new("stack");
        d.sources.push("stack.yaml".into());
        d.cluster.set("zones", vec!["us-east-1a", "us-east-1b"]);
        let mut group = Table::new();
        group.set("name", "ecs").note("type", "m5.large", "assumed: the AMI does not say");
        d.cluster.push_child("instances", group);
        let mut lb = Table::new();
        lb.set("name", "web");
        let mut listener = Table::new();
        let mut action = toml::Table::new();
        action.insert("forward".into(), "web".into());
        listener.set("port", 80).set("default_action", toml::Value::Table(action));
        lb.push_child("listeners", listener);
        d.push("load_balancers", lb);
        let text = d.to_toml();
        let parsed: toml::Table = toml::from_str(&text).expect(&text);
        assert_eq!(parsed["cluster"]["instances"][0]["type"].as_str(), Some("m5.large"));
        assert_eq!(parsed["load_balancers"][0]["listeners"][0]["default_action"]["forward"].as_str(), Some("web"));
        assert!(text.contains("# assumed: the AMI does not say\ntype = \"m5.large\""));
        assert!(text.contains("# [[traffic]]"));
    }

    #[test]
    fn an_overlay_merges_tables_extends_arrays_and_replaces_the_rest() {
        let mut base: toml::Table = toml::from_str("[scenario]\nname = \"s\"\nduration = \"1h\"\n[[faults]]\nkind = \"a\"\n").unwrap();
        let overlay: toml::Table =
            toml::from_str("[scenario]\nduration = \"6h\"\n[[faults]]\nkind = \"b\"\n[[traffic]]\nname = \"t\"\n").unwrap();
        merge_overlay(&mut base, overlay);
        assert_eq!(base["scenario"]["name"].as_str(), Some("s"));
        assert_eq!(base["scenario"]["duration"].as_str(), Some("6h"));
        assert_eq!(base["faults"].as_array().unwrap().len(), 2);
        assert_eq!(base["traffic"][0]["name"].as_str(), Some("t"));
    }
}
