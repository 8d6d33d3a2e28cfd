//! Setting a value at a dotted path in a scenario's TOML: `services.web.template`,
//! `cluster.instances.0.count`. A segment names a table key, or an array element by index
//! (`instances.0`) or by the value of its `name` key (`services.web`). Missing table keys are
//! created (an optional scenario key the base file does not set); the scenario loader's
//! `deny_unknown_fields` then decides whether the key is valid. A missing array element is an
//! error here, since there is nothing sensible to create.

use toml::{Table, Value};

/// Why a path names no place in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError(pub String);

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Sets `value` at `path` in `doc`, creating missing table keys on the way.
pub fn set(doc: &mut Table, path: &str, value: Value) -> Result<(), PathError> {
    let segments: Vec<&str> = path.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(PathError(format!("`{path}` has an empty segment")));
    }
    if segments.len() == 1 {
        doc.insert(path.to_string(), value);
        return Ok(());
    }
    let mut here: &mut Value = doc.entry(segments[0].to_string()).or_insert_with(|| Value::Table(Table::new()));
    let mut walked = segments[0].to_string();
    for (i, seg) in segments.iter().enumerate().skip(1) {
        let is_last = i + 1 == segments.len();
        here = match here {
            Value::Table(t) => {
                if is_last {
                    t.insert(seg.to_string(), value);
                    return Ok(());
                }
                t.entry(seg.to_string()).or_insert_with(|| Value::Table(Table::new()))
            }
            Value::Array(items) => {
                let at = element_index(items, seg, &walked)?;
                if is_last {
                    items[at] = value;
                    return Ok(());
                }
                &mut items[at]
            }
            other => return Err(PathError(format!("{walked} is a {}, not a table or an array", other.type_str()))),
        };
        walked = format!("{walked}.{seg}");
    }
    unreachable!("the loop returns at the last segment")
}

/// The value at `path` in `doc`; an error naming the first segment that names nothing (unlike
/// `set`, nothing is created).
pub fn get<'a>(doc: &'a Table, path: &str) -> Result<&'a Value, PathError> {
    let segments: Vec<&str> = path.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(PathError(format!("`{path}` has an empty segment")));
    }
    let keys = |t: &Table| t.keys().map(String::as_str).collect::<Vec<_>>().join(", ");
    let mut here: &Value =
        doc.get(segments[0]).ok_or_else(|| PathError(format!("no key `{}` at the top level (it has: {})", segments[0], keys(doc))))?;
    let mut walked = segments[0].to_string();
    for seg in &segments[1..] {
        here = match here {
            Value::Table(t) => t.get(*seg).ok_or_else(|| PathError(format!("{walked} has no key `{seg}` (it has: {})", keys(t))))?,
            Value::Array(items) => &items[element_index(items, seg, &walked)?],
            other => return Err(PathError(format!("{walked} is a {}, not a table or an array", other.type_str()))),
        };
        walked = format!("{walked}.{seg}");
    }
    Ok(here)
}

/// The array element `seg` names: an index, or the element whose `name` is `seg`.
fn element_index(items: &[Value], seg: &str, walked: &str) -> Result<usize, PathError> {
    let names: Vec<&str> = items.iter().filter_map(|v| v.get("name").and_then(Value::as_str)).collect();
    if let Some(i) = items.iter().position(|v| v.get("name").and_then(Value::as_str) == Some(seg)) {
        return Ok(i);
    }
    if let Ok(i) = seg.parse::<usize>() {
        if i < items.len() {
            return Ok(i);
        }
        return Err(PathError(format!("no element {i} in {walked} (it has {})", items.len())));
    }
    let known = if names.is_empty() { "none has a name".to_string() } else { format!("known: {}", names.join(", ")) };
    Err(PathError(format!("no element named '{seg}' in {walked} ({known})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Table {
        toml::from_str(
            r#"
            [scenario]
            duration = "1h"
            [[cluster.instances]]
            type = "m5.large"
            count = 2
            [[services]]
            name = "api"
            desired_count = 2
            [[services]]
            name = "cache"
            desired_count = 1
            "#,
        )
        .unwrap()
    }

    #[test]
    fn sets_by_key_index_and_name() {
        let mut d = doc();
        set(&mut d, "cluster.instances.0.count", Value::Integer(6)).unwrap();
        set(&mut d, "services.cache.template", Value::String("BinPack".into())).unwrap();
        set(&mut d, "scenario.duration", Value::String("30m".into())).unwrap();
        assert_eq!(d["cluster"]["instances"][0]["count"].as_integer(), Some(6));
        assert_eq!(d["services"][1]["template"].as_str(), Some("BinPack"));
        assert_eq!(d["scenario"]["duration"].as_str(), Some("30m"));
    }

    #[test]
    fn creates_missing_tables_for_optional_keys() {
        let mut d = doc();
        set(&mut d, "services.api.deployment.maximum_percent", Value::Integer(150)).unwrap();
        set(&mut d, "lifecycle.start_delay", Value::String("x".into())).unwrap();
        assert_eq!(d["services"][0]["deployment"]["maximum_percent"].as_integer(), Some(150));
        assert!(d.contains_key("lifecycle"));
    }

    #[test]
    fn get_reads_without_creating() {
        let d = doc();
        assert_eq!(get(&d, "services.cache.desired_count").unwrap().as_integer(), Some(1));
        assert_eq!(get(&d, "cluster.instances.0.count").unwrap().as_integer(), Some(2));
        assert_eq!(get(&d, "services.api.replicas").unwrap_err().0, "services.api has no key `replicas` (it has: desired_count, name)");
        assert_eq!(get(&d, "nope.x").unwrap_err().0, "no key `nope` at the top level (it has: cluster, scenario, services)");
    }

    #[test]
    fn missing_elements_are_named() {
        let mut d = doc();
        let e = set(&mut d, "services.web.template", Value::Integer(1)).unwrap_err();
        assert_eq!(e.0, "no element named 'web' in services (known: api, cache)");
        let e = set(&mut d, "cluster.instances.3.count", Value::Integer(1)).unwrap_err();
        assert_eq!(e.0, "no element 3 in cluster.instances (it has 1)");
        let e = set(&mut d, "scenario.duration.x", Value::Integer(1)).unwrap_err();
        assert_eq!(e.0, "scenario.duration is a string, not a table or an array");
    }
}
