//! How a workload's `arrivals` table is read: `{ process = "poisson", rate_per_minute = … }` or
//! `{ process = "times", at = […] }`.
//!
//! Read by hand rather than by serde's internally tagged enum (`#[serde(tag = "process")]`),
//! which buffers the whole table as generic content before it knows the variant: for a list of
//! 100,000 arrival times (the W2 reference workload) that is 100,000 strings allocated, copied
//! and freed again, 6 % of the run's instructions. Here each time is parsed straight from the
//! document. The messages are serde's own, in the same order: a missing or unknown `process`
//! first, then the first field the process does not take, then a missing field. A long `at`
//! list may have been read ahead of the parser (`bulk_times`): it arrives as its marker.

use super::bulk_times;
use super::toml_model::RawArrivals;
use crate::engine::Span;
use serde::de::{self, Deserializer, IgnoredAny, IntoDeserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

const PROCESSES: &[&str] = &["poisson", "times"];

impl<'de> serde::Deserialize<'de> for RawArrivals {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawArrivals, D::Error> {
        d.deserialize_map(ArrivalsVisitor)
    }
}

struct ArrivalsVisitor;

impl<'de> Visitor<'de> for ArrivalsVisitor {
    type Value = RawArrivals;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(r#"a table such as { process = "poisson", rate_per_minute = 30 } or { process = "times", at = ["1m", "2m"] }"#)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawArrivals, A::Error> {
        let mut process: Option<String> = None;
        let mut rate_per_minute: Option<f64> = None;
        let mut at: Option<Vec<AtItem>> = None;
        // Keys in document order, to name the first one the process does not take once the
        // process is known (it may come last).
        let mut keys: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "process" => {
                    if process.is_some() {
                        return Err(de::Error::duplicate_field("process"));
                    }
                    let name: String = map.next_value()?;
                    if !PROCESSES.contains(&name.as_str()) {
                        return Err(de::Error::unknown_variant(&name, PROCESSES));
                    }
                    process = Some(name);
                    continue;
                }
                "rate_per_minute" if rate_per_minute.is_none() => rate_per_minute = Some(map.next_value()?),
                "at" if at.is_none() => at = Some(map.next_value::<Vec<AtItem>>()?),
                "rate_per_minute" | "at" => return Err(de::Error::duplicate_field(field_name(&key))),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            keys.push(key);
        }
        let Some(process) = process else {
            return Err(de::Error::missing_field("process"));
        };
        let fields: &'static [&'static str] = if process == "poisson" { &["rate_per_minute"] } else { &["at"] };
        if let Some(other) = keys.iter().find(|k| !fields.contains(&k.as_str())) {
            return Err(de::Error::unknown_field(other, fields));
        }
        match process.as_str() {
            "poisson" => {
                Ok(RawArrivals::Poisson { rate_per_minute: rate_per_minute.ok_or_else(|| de::Error::missing_field("rate_per_minute"))? })
            }
            _ => {
                let items = at.ok_or_else(|| de::Error::missing_field("at"))?;
                // A list read ahead (`bulk_times`) is its marker alone.
                if let [AtItem::Bulk(index)] = items.as_slice() {
                    return Ok(RawArrivals::Times { at: Vec::new(), bulk: Some(*index) });
                }
                let at = items
                    .into_iter()
                    .map(|item| match item {
                        AtItem::Time(t) => Ok(t),
                        AtItem::Bulk(_) => Err(de::Error::custom("a list read ahead is not alone in its `at`")),
                    })
                    .collect::<Result<_, _>>()?;
                Ok(RawArrivals::Times { at, bulk: None })
            }
        }
    }
}

/// One element of an `at` list: a time, or the marker of a list read ahead of the parser.
enum AtItem {
    Time(Span),
    Bulk(u32),
}

impl<'de> serde::Deserialize<'de> for AtItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AtItem, D::Error> {
        d.deserialize_any(AtItemVisitor)
    }
}

struct AtItemVisitor;

impl<'de> Visitor<'de> for AtItemVisitor {
    type Value = AtItem;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a duration such as \"250ms\", \"90s\", \"5m\", \"2h\" or \"1h30m\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<AtItem, E> {
        match bulk_times::marker_index(v) {
            Some(index) => Ok(AtItem::Bulk(index)),
            None => Span::deserialize(v.into_deserializer()).map(AtItem::Time),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<AtItem, E> {
        Span::deserialize(v.into_deserializer()).map(AtItem::Time)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<AtItem, E> {
        Span::deserialize(v.into_deserializer()).map(AtItem::Time)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<AtItem, E> {
        Span::deserialize(v.into_deserializer()).map(AtItem::Time)
    }
}

/// The static name of a known field (serde's errors take `&'static str`).
fn field_name(key: &str) -> &'static str {
    if key == "at" {
        "at"
    } else {
        "rate_per_minute"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Doc {
        arrivals: RawArrivals,
    }

    fn read(text: &str) -> Result<RawArrivals, String> {
        toml::from_str::<Doc>(text).map(|d| d.arrivals).map_err(|e| e.message().to_string())
    }

    #[test]
    fn both_processes_read_in_any_key_order() {
        let a = read(r#"arrivals = { process = "poisson", rate_per_minute = 30 }"#).unwrap();
        assert!(matches!(a, RawArrivals::Poisson { rate_per_minute } if rate_per_minute == 30.0));
        // `at` before `process`: the times are read before the process is known.
        let a = read(r#"arrivals = { at = ["1s", "250ms"], process = "times" }"#).unwrap();
        assert!(matches!(a, RawArrivals::Times { ref at, bulk: None } if at == &[Span::from_secs(1), Span::from_millis(250)]));
        let a = read("[arrivals]\nprocess = \"times\"\nat = []\n").unwrap();
        assert!(matches!(a, RawArrivals::Times { ref at, bulk: None } if at.is_empty()));
        // A list read ahead: its marker alone.
        let a = read(r#"arrivals = { process = "times", at = ["\u0000bulk-times:2"] }"#).unwrap();
        assert!(matches!(a, RawArrivals::Times { ref at, bulk: Some(2) } if at.is_empty()));
    }

    /// The messages serde's derived internally tagged enum gives, word for word.
    #[test]
    fn mistakes_get_serdes_messages() {
        let cases = [
            (r#"arrivals = { rate_per_minute = 3 }"#, "missing field `process`"),
            (r#"arrivals = { process = "burst" }"#, "unknown variant `burst`, expected `poisson` or `times`"),
            (r#"arrivals = { process = "poisson", at = ["1s"] }"#, "unknown field `at`, expected `rate_per_minute`"),
            (r#"arrivals = { rate = 3, process = "poisson" }"#, "unknown field `rate`, expected `rate_per_minute`"),
            (r#"arrivals = { process = "times", rate_per_minute = 3 }"#, "unknown field `rate_per_minute`, expected `at`"),
            (r#"arrivals = { process = "times" }"#, "missing field `at`"),
            (r#"arrivals = { process = "poisson" }"#, "missing field `rate_per_minute`"),
            (r#"arrivals = { process = 3 }"#, "invalid type: integer `3`, expected a string"),
        ];
        for (text, message) in cases {
            assert_eq!(read(text).unwrap_err(), message, "{text}");
        }
        let e = read(r#"arrivals = "poisson""#).unwrap_err();
        assert!(e.starts_with("invalid type: string \"poisson\", expected a table such as { process = "), "{e}");
        // A bad time names itself.
        let e = read(r#"arrivals = { process = "times", at = ["1s", "soon"] }"#).unwrap_err();
        assert!(e.contains("invalid duration \"soon\""), "{e}");
    }

    /// The derived enum it replaces, kept here to check the two read every input alike.
    #[derive(Debug, serde::Deserialize)]
    #[serde(tag = "process", rename_all = "snake_case", deny_unknown_fields)]
    enum Derived {
        Poisson {
            #[allow(dead_code)]
            rate_per_minute: f64,
        },
        Times {
            #[allow(dead_code)]
            at: Vec<Span>,
        },
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // read only to compare what is accepted and the messages
    struct DerivedDoc {
        arrivals: Derived,
    }

    #[test]
    fn reads_like_the_derived_enum() {
        let inputs = [
            r#"arrivals = { process = "poisson", rate_per_minute = 1.5 }"#,
            r#"arrivals = { process = "times", at = ["1m", "2m"] }"#,
            r#"arrivals = { process = "times", at = ["1m"], extra = 1 }"#,
            r#"arrivals = { extra = 1, process = "times", at = ["1m"] }"#,
            r#"arrivals = { process = "Times", at = ["1m"] }"#,
            r#"arrivals = { at = ["1m"] }"#,
            r#"arrivals = { process = "poisson", rate_per_minute = "fast" }"#,
        ];
        for text in inputs {
            let mine = read(text).map(|_| ());
            let derived = toml::from_str::<DerivedDoc>(text).map(|_| ()).map_err(|e| e.message().to_string());
            assert_eq!(mine, derived, "{text}");
        }
    }
}
