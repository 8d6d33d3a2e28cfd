//! Where a value sits in JSON text, for messages about things serde cannot see.
//!
//! `serde_json::Value` keeps no positions, and serde only reports the position of the first
//! *type* error. The importers also report semantic errors (an awsvpc `hostPort` that differs
//! from its `containerPort`), unmodelled fields and CQL errors inside an expression string, and
//! every one of those needs `file:line:column`. This module indexes the text once
//! ([`PositionIndex`]) and answers a path (`containerDefinitions`, 0, `portMappings`, 0,
//! `hostPort`) with the byte offsets of the key and of the value, which `diagnostic::LineIndex`
//! turns into a line and column. It is hand-written rather than a crate on purpose: see
//! docs/decisions.md, "Where a JSON value sits".
//!
//! The text is normally JSON that `serde_json` has already accepted, but the scanner never
//! panics and never recurses: on text it does not understand it returns `None`.

/// One step of a path into a JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathSeg<'a> {
    /// A member of an object, by its (unescaped) name.
    Key(&'a str),
    /// An element of an array, 0-based.
    Index(usize),
}

/// Byte offsets of a located value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// The opening quote of the member name, when the last step of the path was a `Key`.
    pub key: Option<usize>,
    /// The first byte of the value (`"`, `{`, `[`, a digit, `t`, `f`, `n` or `-`).
    pub value: usize,
}

/// Every value of a document and where it sits, built by one scan of the text, so that a file
/// with thousands of messages is located in linear time. When an object holds the same name
/// twice the last one wins, as in `serde_json::Value`; text the scanner does not understand
/// indexes what it read before the problem.
#[derive(Debug, Default)]
pub struct PositionIndex {
    nodes: Vec<Node>,
}

#[derive(Debug)]
struct Node {
    key: Option<usize>,
    value: usize,
    children: Children,
}

#[derive(Debug)]
enum Children {
    Leaf,
    /// Member name → node; a later duplicate replaces the earlier one.
    Object(std::collections::BTreeMap<String, usize>),
    Array(Vec<usize>),
}

impl PositionIndex {
    pub fn new(text: &str) -> Self {
        let mut s = Scanner { b: text.as_bytes(), pos: 0 };
        let mut idx = PositionIndex { nodes: Vec::new() };
        s.ws();
        if s.peek().is_some() {
            idx.build(&mut s);
        }
        idx
    }

    /// The value at `path` (the whole document for an empty path); `key` is set when the last
    /// step names a member.
    pub fn locate(&self, path: &[PathSeg]) -> Option<Location> {
        let mut node = self.nodes.first()?;
        for seg in path {
            let next = match (seg, &node.children) {
                (PathSeg::Key(name), Children::Object(members)) => *members.get(*name)?,
                (PathSeg::Index(i), Children::Array(items)) => *items.get(*i)?,
                _ => return None,
            };
            node = &self.nodes[next];
        }
        let key = if matches!(path.last(), Some(PathSeg::Key(_))) { node.key } else { None };
        Some(Location { key, value: node.value })
    }

    /// The deepest prefix of `path` that exists: a missing field is reported where its object
    /// starts, so every message can carry a position. Returns the location and how many
    /// segments were found (blank text: the first byte, 0).
    pub fn locate_nearest(&self, path: &[PathSeg]) -> (Location, usize) {
        for n in (0..=path.len()).rev() {
            if let Some(loc) = self.locate(&path[..n]) {
                return (loc, n);
            }
        }
        // Not even a value at the top (blank text): point at the first byte.
        (Location { key: None, value: 0 }, 0)
    }

    /// Indexes the value at the scanner's position (node 0 is the root), without recursion:
    /// an explicit stack of the containers still open.
    fn build(&mut self, s: &mut Scanner) {
        self.nodes.push(Node { key: None, value: s.pos, children: Children::Leaf });
        // (container node, expecting the first member/element)
        let mut stack: Vec<usize> = Vec::new();
        let mut current = 0usize;
        loop {
            // `current` is a node whose value starts at s.pos: open it or skip it.
            match s.peek() {
                Some(b'{') => {
                    s.pos += 1;
                    self.nodes[current].children = Children::Object(Default::default());
                    stack.push(current);
                }
                Some(b'[') => {
                    s.pos += 1;
                    self.nodes[current].children = Children::Array(Vec::new());
                    stack.push(current);
                }
                Some(_) => {
                    if s.skip_value().is_none() {
                        return;
                    }
                }
                None => return,
            }
            // Find the next value to index: the next member or element of the innermost open
            // container, closing the finished ones on the way.
            loop {
                let Some(&parent) = stack.last() else { return };
                s.ws();
                let is_object = matches!(self.nodes[parent].children, Children::Object(_));
                let empty = match &self.nodes[parent].children {
                    Children::Object(m) => m.is_empty(),
                    Children::Array(a) => a.is_empty(),
                    Children::Leaf => true,
                };
                match s.peek() {
                    Some(b'}' | b']') => {
                        s.pos += 1;
                        stack.pop();
                        continue;
                    }
                    Some(b',') if !empty => {
                        s.pos += 1;
                        s.ws();
                    }
                    Some(_) if empty => {}
                    _ => return,
                }
                let id = self.nodes.len();
                if is_object {
                    let key_at = s.pos;
                    let Some(name) = s.read_string() else { return };
                    if s.expect(b':').is_none() {
                        return;
                    }
                    s.ws();
                    self.nodes.push(Node { key: Some(key_at), value: s.pos, children: Children::Leaf });
                    if let Children::Object(m) = &mut self.nodes[parent].children {
                        m.insert(name, id);
                    }
                } else {
                    self.nodes.push(Node { key: None, value: s.pos, children: Children::Leaf });
                    if let Children::Array(a) = &mut self.nodes[parent].children {
                        a.push(id);
                    }
                }
                current = id;
                break;
            }
        }
    }
}

/// The byte offset, in `text`, of the character with 0-based index `char_index` of the
/// *decoded* string value whose opening quote is at `string_start`. Escapes count as the one
/// character they stand for, so a column reported inside a decoded string (a CQL error) maps
/// back to the right place in the file. `char_index` equal to the string's length gives the
/// closing quote (for "unexpected end of expression").
pub fn string_char_offset(text: &str, string_start: usize, char_index: usize) -> Option<usize> {
    let b = text.as_bytes();
    if b.get(string_start) != Some(&b'"') {
        return None;
    }
    let mut pos = string_start + 1;
    let mut count = 0usize;
    loop {
        let c = *b.get(pos)?;
        if count == char_index {
            return Some(pos);
        }
        match c {
            b'"' => return None,
            b'\\' => {
                let esc = *b.get(pos + 1)?;
                if esc == b'u' {
                    let hi = hex4(b, pos + 2)?;
                    // A surrogate pair is one character written as two escapes.
                    let pair = (0xD800..0xDC00).contains(&hi) && b.get(pos + 6) == Some(&b'\\') && b.get(pos + 7) == Some(&b'u');
                    pos += if pair { 12 } else { 6 };
                } else {
                    pos += 2;
                }
            }
            _ => pos += utf8_len(c),
        }
        count += 1;
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        self.ws();
        if self.peek()? == c {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// Reads and unescapes a string (for comparing member names).
    fn read_string(&mut self) -> Option<String> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.pos + 1;
        self.skip_string()?;
        let raw = std::str::from_utf8(self.b.get(start..self.pos - 1)?).ok()?;
        if !raw.contains('\\') {
            return Some(raw.to_string());
        }
        // Rare: let serde_json do the unescaping of the quoted slice.
        serde_json::from_str(std::str::from_utf8(self.b.get(start - 1..self.pos)?).ok()?).ok()
    }

    /// At `"`: moves past the closing quote.
    fn skip_string(&mut self) -> Option<()> {
        self.pos += 1;
        loop {
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
    }

    /// Moves past one value of any kind, without recursion.
    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
            _ => {
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.pos += 1;
                }
                (self.pos > start).then_some(())
            }
        }
    }
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let s = std::str::from_utf8(b.get(at..at + 4)?).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// Length of the UTF-8 sequence that starts with byte `c` (1 for a stray continuation byte,
/// so the scan always advances).
fn utf8_len(c: u8) -> usize {
    match c {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::PathSeg::{Index, Key};
    use super::*;

    const DOC: &str = r#"{
  "family": "web",
  "containerDefinitions": [
    {"name": "a", "portMappings": []},
    {"name": "b", "portMappings": [{"containerPort": 80, "hostPort": 8080}]}
  ],
  "n\u0061me": "escaped"
}"#;

    fn at(text: &str, offset: usize) -> &str {
        &text[offset..]
    }

    fn locate(text: &str, path: &[PathSeg]) -> Option<Location> {
        PositionIndex::new(text).locate(path)
    }

    fn locate_nearest(text: &str, path: &[PathSeg]) -> (Location, usize) {
        PositionIndex::new(text).locate_nearest(path)
    }

    #[test]
    fn finds_keys_and_values_along_a_path() {
        let loc = locate(DOC, &[Key("containerDefinitions"), Index(1), Key("portMappings"), Index(0), Key("hostPort")]).unwrap();
        assert!(at(DOC, loc.key.unwrap()).starts_with("\"hostPort\""));
        assert!(at(DOC, loc.value).starts_with("8080}"));
        let loc = locate(DOC, &[Key("containerDefinitions"), Index(1)]).unwrap();
        assert_eq!(loc.key, None);
        assert!(at(DOC, loc.value).starts_with("{\"name\": \"b\""));
    }

    #[test]
    fn escaped_member_names_match_their_decoded_form() {
        let loc = locate(DOC, &[Key("name")]).unwrap();
        assert!(at(DOC, loc.value).starts_with("\"escaped\""));
    }

    #[test]
    fn missing_steps_give_none_and_nearest_gives_the_parent() {
        assert_eq!(locate(DOC, &[Key("memory")]), None);
        assert_eq!(locate(DOC, &[Key("containerDefinitions"), Index(7)]), None);
        let (loc, found) = locate_nearest(DOC, &[Key("containerDefinitions"), Index(0), Key("memory")]);
        assert_eq!(found, 2);
        assert!(at(DOC, loc.value).starts_with("{\"name\": \"a\""));
    }

    #[test]
    fn the_last_duplicate_wins_like_serde_json() {
        let text = r#"{"a": 1, "a": 2}"#;
        assert!(at(text, locate(text, &[Key("a")]).unwrap().value).starts_with("2}"));
    }

    #[test]
    fn columns_inside_strings_account_for_escapes() {
        // Decoded: `a"b\u{e9}c`; the CQL column of `c` is 5 (index 4).
        let text = r#"{"e": "a\"b\u00e9c"}"#;
        let start = locate(text, &[Key("e")]).unwrap().value;
        let off = string_char_offset(text, start, 4).unwrap();
        assert!(at(text, off).starts_with("c\""));
        // One past the end is the closing quote.
        assert!(at(text, string_char_offset(text, start, 5).unwrap()).starts_with('"'));
        assert_eq!(string_char_offset(text, start, 6), None);
    }

    #[test]
    fn nested_arrays_duplicates_and_truncated_text_are_indexed() {
        let dup = r#"{"a": {"b": 1}, "a": {"c": [1, {"d": 2}]}, "e": []}"#;
        // The first "a" was replaced by the second: it has no "b".
        assert_eq!(locate(dup, &[Key("a"), Key("b")]), None);
        assert!(at(dup, locate(dup, &[Key("a"), Key("c"), Index(1), Key("d")]).unwrap().value).starts_with("2}"));
        assert_eq!(locate(dup, &[Key("e"), Index(0)]), None);
        let (loc, found) = locate_nearest(dup, &[Key("e"), Index(0)]);
        assert_eq!((found, at(dup, loc.value)), (1, "[]}"));
        let arrays = "[1, [2, 3], {\"x\": 4}]";
        assert!(at(arrays, locate(arrays, &[Index(1), Index(1)]).unwrap().value).starts_with("3]"));
        let x = locate(arrays, &[Index(2), Key("x")]).unwrap();
        assert!(at(arrays, x.key.unwrap()).starts_with("\"x\""));
        assert_eq!(locate("  7 ", &[]).map(|l| l.value), Some(2));
        assert_eq!(locate("  7 ", &[Key("a")]), None);
        assert_eq!(locate_nearest("", &[Key("a")]), (Location { key: None, value: 0 }, 0));
        // Truncated text keeps what was read before the problem.
        let cut = "{\"a\": [1,";
        assert!(at(cut, locate(cut, &[Key("a"), Index(0)]).unwrap().value).starts_with("1,"));
        // The element after the last comma is where the text ends.
        assert_eq!(locate(cut, &[Key("a"), Index(1)]).map(|l| l.value), Some(cut.len()));
        assert_eq!(locate(cut, &[Key("a"), Index(2)]), None);
    }

    #[test]
    fn never_panics_on_garbage() {
        for text in ["", "{", "[", "{\"a\"", "{\"a\":", "{\"a\": [1,", "\"\\", "{\"a\" 1}", "]", "{\"\\u12"] {
            let _ = locate(text, &[Key("a"), Index(0), Key("b")]);
            let _ = locate_nearest(text, &[Key("a"), Index(3)]);
            let _ = string_char_offset(text, 0, 3);
        }
    }
}
