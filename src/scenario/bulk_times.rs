//! Long lists of arrival times read ahead of the TOML parser.
//!
//! A scenario that replays a trace gives each workload its arrival times as one list
//! (`arrivals = { process = "times", at = ["0ms", "1ms", …] }`): the W2 reference workload has
//! 100,000 of them in 1.3 MB. Through the `toml` crate each is a token, a value with its span
//! and a string: about 27 ms of a 0.18 s run, most of it memory touched for the first time.
//! [`extract`] reads such a list itself — only in that inline form, only a list of plain
//! strings that are all valid durations, only when it is long — and hands the parser a text in
//! which the list is replaced by a one-element list naming it (`["\u0000bulk-times:N"]`),
//! padded with spaces to the same length and with every line break kept where it was: every
//! span the parser reports, and so every message's line and column, is the same. Anything
//! else (a comment inside the list, an escape, a time that does not parse, the table form
//! `[workload.arrivals]`) is left to the parser, whose messages say what is wrong.

use super::toml_model::{RawArrivals, RawScenario};
use crate::engine::Span;

/// Lists shorter than this (in bytes, brackets included) are left to the parser.
const MIN_LIST_BYTES: usize = 256;

/// What a list read ahead is replaced by, as the parser reads it back: NUL, which no time
/// holds, then this, then the list's index.
const MARKER: &str = "\u{0}bulk-times:";
/// The same, as written in the TOML text (a basic string's escape).
const MARKER_SOURCE: &str = "\\u0000bulk-times:";

/// The lists read ahead, by the index their marker names.
#[derive(Debug, Default)]
pub struct BulkTimes {
    lists: Vec<Vec<Span>>,
}

impl BulkTimes {
    /// The list a marker names, taken out (a marker is read once).
    pub fn take(&mut self, index: u32) -> Option<Vec<Span>> {
        self.lists.get_mut(index as usize).map(std::mem::take)
    }
}

/// A scenario's text parsed, its long lists of arrival times read ahead: each workload's
/// `at` holds its times whichever way they were read. When the text with the lists replaced
/// does not parse, the text as written is parsed instead, so a message quotes what the user
/// wrote. A marker left in place (written by hand: no list was read ahead for it) stays as
/// `RawArrivals::Times { bulk: Some(_) }`, which the loader refuses.
pub fn parse_scenario(text: &str) -> Result<RawScenario, toml::de::Error> {
    let Some((replaced, mut bulk)) = extract(text) else {
        return toml::from_str(text);
    };
    let Ok(mut raw) = toml::from_str::<RawScenario>(&replaced) else {
        return toml::from_str(text);
    };
    for w in &mut raw.workload {
        if let RawArrivals::Times { at, bulk: index @ Some(_) } = w.arrivals.get_mut() {
            if let Some(times) = index.and_then(|i| bulk.take(i)) {
                *at = times;
                *index = None;
            }
        }
    }
    Ok(raw)
}

/// The index a marker string names (`None` for any other string).
pub fn marker_index(s: &str) -> Option<u32> {
    s.strip_prefix(MARKER)?.parse().ok()
}

/// `text` with its long `at` lists of arrival times read ahead, or `None` when it has none.
pub fn extract(text: &str) -> Option<(String, BulkTimes)> {
    let bytes = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut bulk = BulkTimes::default();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => i = skip_line(bytes, i),
            b'"' | b'\'' => i = skip_string(bytes, i),
            b if is_bare(b) => {
                let (key_at, end) = (i, bare_end(bytes, i));
                i = end;
                if &text[key_at..end] != "arrivals" {
                    continue;
                }
                let Some(open) = after_equals(bytes, end, b'{') else { continue };
                i = read_inline_table(text, open, &mut bulk, &mut out);
            }
            _ => i += 1,
        }
    }
    // Every byte of a replaced list became ASCII, so the text stays UTF-8.
    out.and_then(|o| String::from_utf8(o).ok()).map(|text| (text, bulk))
}

/// Scans the inline table opening at `open` (the `{`), reading its long `at` list ahead;
/// returns where the scan goes on.
fn read_inline_table(text: &str, open: usize, bulk: &mut BulkTimes, out: &mut Option<Vec<u8>>) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => i = skip_line(bytes, i),
            b'"' | b'\'' => i = skip_string(bytes, i),
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' if depth == 0 => return i + 1,
            b'}' | b']' => {
                depth -= 1;
                i += 1;
            }
            b if is_bare(b) => {
                let end = bare_end(bytes, i);
                let is_at = depth == 0 && &text[i..end] == "at";
                i = end;
                if !is_at {
                    continue;
                }
                let Some(list) = after_equals(bytes, end, b'[') else { continue };
                if let Some((close, times)) = read_list(text, list) {
                    if close + 1 - list >= MIN_LIST_BYTES && replace(bytes, list, close, bulk.lists.len(), out) {
                        bulk.lists.push(times);
                        i = close + 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    i
}

/// A list of plain strings, each a valid duration, from its `[` at `open`: where its `]` is
/// and the times; `None` for anything else.
fn read_list(text: &str, open: usize) -> Option<(usize, Vec<Span>)> {
    let bytes = text.as_bytes();
    let mut times = Vec::new();
    let mut i = skip_space(bytes, open + 1);
    loop {
        match bytes.get(i)? {
            b']' => return Some((i, times)),
            b'"' => {
                let start = i + 1;
                let end = match quick_time(bytes, start) {
                    Some((span, end)) => {
                        times.push(span);
                        end
                    }
                    None => {
                        let len = bytes[start..].iter().position(|&b| b == b'"' || b == b'\\' || b < b' ')?;
                        if bytes[start + len] != b'"' {
                            return None;
                        }
                        times.push(Span::parse(&text[start..start + len]).ok()?);
                        start + len
                    }
                };
                i = skip_space(bytes, end + 1);
                match bytes.get(i)? {
                    b',' => i = skip_space(bytes, i + 1),
                    b']' => return Some((i, times)),
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
}

/// The usual time of a list, `<up to 9 digits><unit>"` from `start` (just after the opening
/// quote), read in one pass: the span `Span::parse` gives it and where its closing quote is.
/// `None` for anything else (more digits, a fraction, a space, another unit, a value too
/// large), which is then read by `Span::parse` itself: the same span either way (a unit test
/// compares the two on every form).
fn quick_time(bytes: &[u8], start: usize) -> Option<(Span, usize)> {
    let mut i = start;
    let mut number: u64 = 0;
    while let Some(&d) = bytes.get(i).filter(|d| d.is_ascii_digit()) {
        if i - start == 9 {
            return None;
        }
        number = number * 10 + u64::from(d - b'0');
        i += 1;
    }
    if i == start {
        return None;
    }
    let unit_end = i + bytes.get(i..(i + 4).min(bytes.len()))?.iter().position(|&b| b == b'"')?;
    let scale_us: u64 = match &bytes[i..unit_end] {
        b"us" | b"\xc2\xb5s" => 1,
        b"ms" => 1_000,
        b"s" => 1_000_000,
        b"m" | b"min" => 60_000_000,
        b"h" => 3_600_000_000,
        b"d" => 86_400_000_000,
        _ => return None,
    };
    let us = number.checked_mul(scale_us).filter(|&us| us < 1 << 53)?;
    Some((Span(us), unit_end))
}

/// Replaces the list `open..=close` with its marker in `out` (a copy of the text made on the
/// first list), keeping every line break in place; false when no stretch of the list without
/// a line break can hold the marker (a time on each line of its own): the list is then left.
fn replace(bytes: &[u8], open: usize, close: usize, index: usize, out: &mut Option<Vec<u8>>) -> bool {
    let marker = format!("\"{MARKER_SOURCE}{index}\"");
    let inside = open + 1..close;
    let Some(at) = inside.clone().find(|&k| k + marker.len() <= close && !bytes[k..k + marker.len()].contains(&b'\n')) else {
        return false;
    };
    let out = out.get_or_insert_with(|| bytes.to_vec());
    // A select per byte, no branch: the loop runs over whole vectors of bytes.
    for (o, &b) in out[inside.clone()].iter_mut().zip(&bytes[inside]) {
        *o = if b == b'\n' || b == b'\r' { b } else { b' ' };
    }
    out[at..at + marker.len()].copy_from_slice(marker.as_bytes());
    true
}

fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn bare_end(bytes: &[u8], i: usize) -> usize {
    i + bytes[i..].iter().position(|&b| !is_bare(b)).unwrap_or(bytes.len() - i)
}

/// After a key ending at `i`: the position of `open` when `= open` follows (spaces allowed).
fn after_equals(bytes: &[u8], i: usize, open: u8) -> Option<usize> {
    let i = skip_blank(bytes, i);
    if bytes.get(i) != Some(&b'=') {
        return None;
    }
    let i = skip_blank(bytes, i + 1);
    (bytes.get(i) == Some(&open)).then_some(i)
}

/// Spaces and tabs.
fn skip_blank(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// Spaces, tabs and line breaks (what may stand between a list's elements, comments apart).
fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

fn skip_line(bytes: &[u8], i: usize) -> usize {
    bytes[i..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |n| i + n + 1)
}

/// Past the string starting at `i` (basic or literal, one line or multi-line).
fn skip_string(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i];
    let escapes = quote == b'"';
    let multi = bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote);
    let mut k = if multi { i + 3 } else { i + 1 };
    while k < bytes.len() {
        let b = bytes[k];
        if escapes && b == b'\\' {
            k += 2;
            continue;
        }
        if b == quote {
            if !multi {
                return k + 1;
            }
            if bytes.get(k + 1) == Some(&quote) && bytes.get(k + 2) == Some(&quote) {
                // Up to two more quotes belong to the string (`""""` ends it with one).
                let mut end = k + 3;
                while end < k + 5 && bytes.get(end) == Some(&quote) {
                    end += 1;
                }
                return end;
            }
        }
        if b == b'\n' && !multi {
            return k; // an unterminated string: the parser says so
        }
        k += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A W2-like list of `n` times, one line.
    fn list(n: usize) -> String {
        let times: Vec<String> = (0..n).map(|j| format!("\"{j}ms\"")).collect();
        format!("[{}]", times.join(", "))
    }

    fn scenario_with(arrivals: &str) -> String {
        format!(
            "[scenario]\nname = \"x\"\nduration = \"1h\"\n\n[cluster]\nzones = [\"us-east-1a\"]\n\n[[cluster.instances]]\ntype = \"m5.large\"\ncount = 1\n\n\
             [[task_definitions]]\nname = \"t\"\nfamily = \"t\"\ncpu = 256\nmemory = 512\n\n\
             [[workload]]\nname = \"w\"\ntask_definition = \"t\"\narrivals = {arrivals}\nrun_time = {{ distribution = \"constant\", value = \"1m\" }}\n# after\n"
        )
    }

    #[test]
    fn a_long_list_is_read_ahead_and_the_text_keeps_its_length_and_lines() {
        let text = scenario_with(&format!("{{ process = \"times\", at = {} }}", list(100)));
        let (replaced, mut bulk) = extract(&text).expect("a long list");
        assert_eq!(replaced.len(), text.len());
        let newlines = |t: &str| t.match_indices('\n').map(|(i, _)| i).collect::<Vec<_>>();
        assert_eq!(newlines(&replaced), newlines(&text));
        assert!(replaced.contains("at = [\"\\u0000bulk-times:0\""), "{replaced}");
        let times = bulk.take(0).unwrap();
        assert_eq!(times.len(), 100);
        assert_eq!(times[99], Span::from_millis(99));
        // Everything outside the list is untouched.
        let at = text.find("at = [").unwrap();
        assert_eq!(replaced[..at], text[..at]);
        let close = text.rfind(']').unwrap();
        assert_eq!(replaced[close..], text[close..]);
    }

    #[test]
    fn a_list_over_several_lines_keeps_each_line_break() {
        let times: Vec<String> = (0..60).map(|j| format!("\"{j}s\"")).collect();
        let multi = format!("[\n  {},\n]", times.chunks(10).map(|c| c.join(", ")).collect::<Vec<_>>().join(",\n  "));
        let text = scenario_with(&format!("{{ process = \"times\", at = {multi} }}"));
        let (replaced, mut bulk) = extract(&text).expect("a long list");
        assert_eq!(replaced.lines().count(), text.lines().count());
        assert_eq!(replaced.len(), text.len());
        assert_eq!(bulk.take(0).unwrap().len(), 60);
    }

    #[test]
    fn anything_unusual_is_left_to_the_parser() {
        let long = list(100);
        let cases = [
            // short lists
            scenario_with("{ process = \"times\", at = [\"1m\", \"2m\"] }"),
            // a comment inside, an escape, a time that does not parse, a number
            scenario_with(&format!("{{ process = \"times\", at = [\n# first\n{} }}", &long[1..])),
            scenario_with(&format!("{{ process = \"times\", at = [\"\\u0031s\", {} }}", &long[1..])),
            scenario_with(&format!("{{ process = \"times\", at = [\"soon\", {} }}", &long[1..])),
            scenario_with(&format!("{{ process = \"times\", at = [5, {} }}", &long[1..])),
            // one time a line: no room for the marker on a line
            scenario_with(&format!(
                "{{ process = \"times\", at = [\n{}\n] }}",
                (0..100).map(|j| format!("\"{j}s\",")).collect::<Vec<_>>().join("\n")
            )),
            // not under `arrivals`: a fault's times, a list in a string, in a comment, the table form
            format!("[[faults]]\nkind = \"zone_outage\"\nat = {long}\n"),
            format!("[scenario]\nname = \"arrivals = {{ at = {long} }}\"\n"),
            format!("# arrivals = {{ at = {long} }}\n"),
            format!("[scenario]\nname = \"\"\"\narrivals = {{ at = {long} }}\n\"\"\"\n"),
            format!("[workload.arrivals]\nprocess = \"times\"\nat = {long}\n"),
        ];
        for text in cases {
            assert!(extract(&text).is_none(), "{text}");
        }
    }

    fn times_of(raw: &RawScenario) -> Vec<(Vec<Span>, Option<u32>)> {
        raw.workload
            .iter()
            .map(|w| match w.arrivals.get_ref() {
                RawArrivals::Times { at, bulk } => (at.clone(), *bulk),
                RawArrivals::Poisson { .. } => (Vec::new(), None),
            })
            .collect()
    }

    #[test]
    fn a_scenario_reads_the_same_times_either_way() {
        let text = format!("{}{}", scenario_with(&format!("{{ process = \"times\", at = {} }}", list(300))), "[[workload]]\nname = \"v\"\ntask_definition = \"t\"\narrivals = { process = \"times\", at = [\"1m\"] }\nrun_time = { distribution = \"constant\", value = \"1m\" }\n");
        assert!(extract(&text).is_some());
        let fast = parse_scenario(&text).unwrap();
        let slow: RawScenario = toml::from_str(&text).unwrap();
        assert_eq!(times_of(&fast), times_of(&slow));
        assert_eq!(times_of(&fast)[0].0.len(), 300);
        // The spans the loader reports are the text's own.
        assert_eq!(fast.workload[1].arrivals.span(), slow.workload[1].arrivals.span());
    }

    #[test]
    fn a_mistake_elsewhere_gets_the_parsers_message_on_the_text_as_written() {
        let text = scenario_with(&format!("{{ process = \"times\", at = {} }}", list(300))).replace("name = \"x\"", "name = 3");
        let fast = parse_scenario(&text).unwrap_err();
        let slow = toml::from_str::<RawScenario>(&text).unwrap_err();
        assert_eq!((fast.message(), fast.span()), (slow.message(), slow.span()));
    }

    #[test]
    fn a_marker_written_by_hand_is_refused() {
        let text = scenario_with("{ process = \"times\", at = [\"\\u0000bulk-times:0\"] }");
        let raw = parse_scenario(&text).unwrap();
        assert_eq!(times_of(&raw), vec![(Vec::new(), Some(0))]);
        let e = crate::scenario::load_str(std::path::Path::new("s.toml"), &text).unwrap_err().to_string();
        assert!(e.contains("`at` holds a string ecsim keeps for its own use"), "{e}");
    }

    #[test]
    fn a_time_read_in_one_pass_is_the_time_span_parse_reads() {
        // Every unit, the digit limits, the 2^53 µs limit, and what only `Span::parse` reads.
        let numbers = ["0", "7", "12", "999999999", "9007199", "9007200", "1000000000", "01"];
        let units = ["us", "µs", "ms", "s", "m", "min", "h", "d", "", "x", "mss", "sec", "M"];
        let others = ["1.5s", " 5s", "5s ", "1h30m", "", "s", "-1s", "1e3s"];
        let texts = numbers.iter().flat_map(|n| units.iter().map(move |u| format!("{n}{u}"))).chain(others.map(String::from));
        for t in texts {
            let quoted = format!("{t}\"");
            let quick = quick_time(quoted.as_bytes(), 0);
            if let Some((span, end)) = quick {
                assert_eq!(end, t.len(), "{t:?}");
                assert_eq!(Ok(span), Span::parse(&t), "{t:?}");
            }
            // The usual forms take the quick path.
            if t == "12ms" || t == "999999999s" {
                assert!(quick.is_some(), "{t:?}");
            }
        }
    }

    #[test]
    fn markers_name_their_list_and_nothing_else() {
        assert_eq!(marker_index("\u{0}bulk-times:3"), Some(3));
        assert_eq!(marker_index("bulk-times:3"), None);
        assert_eq!(marker_index("\u{0}bulk-times:x"), None);
        assert_eq!(marker_index("3s"), None);
    }
}
