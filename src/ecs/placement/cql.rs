//! The ECS cluster query language (CQL) of `memberOf` placement constraints (spec §3.4): a
//! parser that reports the first error with its exact 1-based character column and says what to
//! write instead, and an evaluator over [`InstanceFacts`].
//!
//! ```text
//! attribute:ecs.instance-type =~ t3.* and not(task:group == database)
//! ```
//!
//! Semantics in brief: `not` binds tighter than `and`, which binds tighter than `or`. A comparison
//! against an absent attribute is false whatever the operator (`!=`, `not_in` and `!~` included),
//! while `not(...)` is plain logical negation. `task:group` predicates are existential over the
//! non-STOPPED tasks on the instance. `>`, `<`, `>=`, `<=` on attributes and task groups compare
//! numerically when both sides are numbers, else byte-wise. Regular expressions (`=~`, `!~`) must
//! match the whole string, as `java.util.regex.Matcher.matches()` does; they are compiled with the
//! `regex` crate as `^(?:re)$`, so the Java-only features backreferences (`\1`) and lookaround
//! (`(?=…)`, `(?<=…)`, …) are not supported and are reported as parse errors.

use std::cmp::Ordering;
use std::fmt;

use regex::{Regex, RegexBuilder};

use super::facts::InstanceFacts;

/// Longest expression accepted, in characters.
pub const MAX_EXPRESSION_CHARS: usize = 2000;
/// Deepest nesting of `(` and `not` accepted (keeps parsing and evaluation off deep recursion).
pub const MAX_NESTING: usize = 100;
const MAX_ATTRIBUTE_NAME_CHARS: usize = 128;
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A parse error: the 1-based character column where it was found, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct CqlError {
    pub column: usize,
    pub message: String,
}

/// Returns a [`CqlError`] at `column` with a `format!`ted message.
macro_rules! bail {
    ($column:expr, $($message:tt)+) => {
        return Err(CqlError { column: $column, message: format!($($message)+) })
    };
}

/// A parsed expression. Its `Display` is the canonical text form (symbol operators, `and`/`or`,
/// `not(...)`, minimal parentheses, quotes only where needed), which parses back to itself.
#[derive(Debug, Clone)]
pub struct Expr {
    root: Node,
}

#[derive(Debug, Clone)]
enum Node {
    Or(Vec<Node>),
    And(Vec<Node>),
    Not(Box<Node>),
    Pred(Predicate),
}

#[derive(Debug, Clone)]
struct Predicate {
    subject: Subject,
    op: Op,
    operand: Operand,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Subject {
    AgentConnected,
    AgentVersion,
    Ec2InstanceId,
    RegisteredAt,
    RunningTasksCount,
    TaskGroup,
    Attribute(String),
}

const NAMED_SUBJECTS: [(&str, Subject); 6] = [
    ("agentConnected", Subject::AgentConnected),
    ("agentVersion", Subject::AgentVersion),
    ("ec2InstanceId", Subject::Ec2InstanceId),
    ("registeredAt", Subject::RegisteredAt),
    ("runningTasksCount", Subject::RunningTasksCount),
    ("task:group", Subject::TaskGroup),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Matches,
    NotMatches,
    In,
    NotIn,
    Exists,
    NotExists,
}

/// Every operator with its canonical spelling first and its other spelling second.
const OPERATORS: [(Op, &str, &str); 12] = [
    (Op::Eq, "==", "equals"),
    (Op::Ne, "!=", "not_equals"),
    (Op::Gt, ">", "greater_than"),
    (Op::Ge, ">=", "greater_than_equal"),
    (Op::Lt, "<", "less_than"),
    (Op::Le, "<=", "less_than_equal"),
    (Op::Matches, "=~", "matches"),
    (Op::NotMatches, "!~", "not_matches"),
    (Op::In, "in", "in"),
    (Op::NotIn, "not_in", "!in"),
    (Op::Exists, "exists", "exists"),
    (Op::NotExists, "!exists", "not_exists"),
];

impl Op {
    fn symbol(self) -> &'static str {
        OPERATORS.iter().find(|o| o.0 == self).map_or("?", |o| o.1)
    }
}

impl Subject {
    fn allows(&self, op: Op) -> bool {
        use Op::*;
        match self {
            Subject::AgentConnected | Subject::Ec2InstanceId => {
                matches!(op, Eq | Ne | In | NotIn | Matches | NotMatches)
            }
            Subject::AgentVersion | Subject::RegisteredAt | Subject::RunningTasksCount => {
                matches!(op, Eq | Ne | Gt | Ge | Lt | Le)
            }
            Subject::TaskGroup => !matches!(op, Exists | NotExists),
            Subject::Attribute(_) => true,
        }
    }

    fn allowed_symbols(&self) -> Vec<&'static str> {
        OPERATORS.iter().filter(|(op, _, _)| self.allows(*op)).map(|(_, s, _)| *s).collect()
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Attribute(name) => write!(f, "attribute:{name}"),
            named => f.write_str(NAMED_SUBJECTS.iter().find(|(_, s)| s == named).map_or("?", |n| n.0)),
        }
    }
}

/// A literal value as written, with its typed form where the subject has a type.
#[derive(Debug, Clone)]
struct Value {
    text: String,
    typed: Typed,
}

#[derive(Debug, Clone, PartialEq)]
enum Typed {
    Text,
    Bool(bool),
    /// `runningTasksCount`, or `registeredAt` as Unix seconds.
    Int(i64),
    Version(Vec<u64>),
}

#[derive(Debug, Clone)]
enum Operand {
    Nothing,
    One(Value),
    List(Vec<Value>),
    Pattern(String, Regex),
}

/// Parses a CQL expression, reporting the first error.
pub fn parse(expression: &str) -> Result<Expr, CqlError> {
    let chars: Vec<char> = expression.chars().collect();
    if chars.len() > MAX_EXPRESSION_CHARS {
        bail!(
            MAX_EXPRESSION_CHARS + 1,
            "expression is {} characters long; the limit is {MAX_EXPRESSION_CHARS}, so shorten it \
             (e.g. tag the instances with a custom attribute instead of listing them)",
            chars.len()
        );
    }
    let mut p = Parser { chars, pos: 0, depth: 0 };
    p.skip_ws();
    if p.peek().is_none() {
        bail!(1, "empty expression; write a condition such as 'attribute:ecs.os-type == linux'");
    }
    let root = p.or_expr()?;
    p.skip_ws();
    match p.peek() {
        None => Ok(Expr { root }),
        Some(')') => bail!(p.col(), "unmatched ')'; remove it or add the missing '('"),
        Some(']') => bail!(p.col(), "unexpected ']'; quote a value with brackets, e.g. 't[23].*'"),
        Some(_) => bail!(
            p.col(),
            "expected 'and', 'or' or the end of the expression, found {} (quote a value that \
             contains spaces)",
            p.found()
        ),
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

fn is_attribute_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_/\\.".contains(c)
}

fn ends_value(c: char) -> bool {
    c.is_whitespace() || ")],".contains(c)
}

/// Whether a word (keyword or word operator) may end before `c`: `not(`, `in[`, `exists)`.
fn ends_word(c: Option<char>) -> bool {
    c.is_none_or(|c| c.is_whitespace() || "()[]'\"!".contains(c))
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn col(&self) -> usize {
        self.pos + 1
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(i, c)| self.chars.get(self.pos + i) == Some(&c))
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> String {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// Describes what is at the cursor, for "expected X, found Y" messages.
    fn found(&self) -> String {
        let rest = self.chars.get(self.pos..).unwrap_or(&[]);
        if rest.is_empty() {
            return "the end of the expression".to_string();
        }
        let token: String = rest.iter().take_while(|c| !c.is_whitespace()).take(24).collect();
        format!("'{token}'")
    }

    /// Consumes `s` (ASCII) when the input continues with it.
    fn eat(&mut self, s: &str) -> bool {
        let hit = self.starts_with(s);
        if hit {
            self.pos += s.len();
        }
        hit
    }

    /// Consumes a keyword (`and`, `or`, `not`) unless it is the start of a longer word.
    fn eat_keyword(&mut self, keyword: &str) -> bool {
        ends_word(self.chars.get(self.pos + keyword.len()).copied()) && self.eat(keyword)
    }

    fn enter(&mut self, column: usize) -> Result<(), CqlError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            bail!(column, "'(' and 'not' nest deeper than {MAX_NESTING} levels; simplify");
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Node, CqlError> {
        let mut items = vec![self.and_expr()?];
        loop {
            self.skip_ws();
            if !(self.eat("||") || self.eat_keyword("or")) {
                return Ok(collapse(items, Node::Or));
            }
            items.push(self.and_expr()?);
        }
    }

    fn and_expr(&mut self) -> Result<Node, CqlError> {
        let mut items = vec![self.not_expr()?];
        loop {
            self.skip_ws();
            if !(self.eat("&&") || self.eat_keyword("and")) {
                return Ok(collapse(items, Node::And));
            }
            items.push(self.not_expr()?);
        }
    }

    fn not_expr(&mut self) -> Result<Node, CqlError> {
        self.skip_ws();
        let column = self.col();
        if self.eat("!") || self.eat_keyword("not") {
            self.enter(column)?;
            let inner = self.not_expr()?;
            self.depth -= 1;
            return Ok(Node::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, CqlError> {
        let open = self.col();
        if !self.eat("(") {
            return self.predicate();
        }
        self.enter(open)?;
        let inner = self.or_expr()?;
        self.skip_ws();
        match self.peek() {
            Some(')') => {
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            None => bail!(open, "unclosed parenthesis; add a ')' to close this '('"),
            Some(_) => bail!(self.col(), "expected ')', 'and' or 'or', found {}", self.found()),
        }
    }

    fn predicate(&mut self) -> Result<Node, CqlError> {
        let subject = self.subject()?;
        self.skip_ws();
        let op_start = self.pos;
        let op = self.operator(&subject)?;
        let op_text: String = self.chars[op_start..self.pos].iter().collect();
        if !subject.allows(op) {
            let only_attributes = matches!(op, Op::Exists | Op::NotExists);
            bail!(
                op_start + 1,
                "operator '{op_text}' is not allowed on {subject}; use {}{}",
                join_or(&subject.allowed_symbols()),
                if only_attributes { " (exists and !exists apply only to attribute:NAME)" } else { "" }
            );
        }
        let operand = match op {
            Op::Exists | Op::NotExists => Operand::Nothing,
            Op::In | Op::NotIn => Operand::List(self.list(&subject, &op_text)?),
            Op::Matches | Op::NotMatches => {
                self.skip_ws();
                let column = self.col();
                let text = self.value(&op_text)?;
                let regex = compile_pattern(&text).map_err(|message| CqlError { column, message })?;
                Operand::Pattern(text, regex)
            }
            _ => Operand::One(self.typed_value(&subject, &op_text)?),
        };
        Ok(Node::Pred(Predicate { subject, op, operand }))
    }

    fn subject(&mut self) -> Result<Subject, CqlError> {
        let start = self.col();
        if self.eat("attribute:") {
            let name = self.take_while(is_attribute_char);
            match self.peek() {
                _ if name.is_empty() => bail!(
                    self.col(),
                    "expected an attribute name after 'attribute:', found {}; write e.g. \
                     attribute:ecs.instance-type",
                    self.found()
                ),
                _ if name.len() > MAX_ATTRIBUTE_NAME_CHARS => bail!(
                    start + 10 + MAX_ATTRIBUTE_NAME_CHARS,
                    "attribute name is longer than {MAX_ATTRIBUTE_NAME_CHARS} characters; shorten it"
                ),
                Some(c) if !c.is_whitespace() && !"=!<>~()[],'\"".contains(c) => bail!(
                    self.col(),
                    "character '{c}' is not allowed in an attribute name; use letters, digits, \
                     '-', '_', '/', '\\' or '.'"
                ),
                _ => return Ok(Subject::Attribute(name)),
            }
        }
        let word = self.take_while(|c| !c.is_whitespace() && !"()[],!=<>~'\"".contains(c));
        if let Some((_, subject)) = NAMED_SUBJECTS.iter().find(|(name, _)| *name == word) {
            return Ok(subject.clone());
        }
        self.pos = start - 1;
        if word.is_empty() {
            bail!(start, "expected a condition such as 'attribute:ecs.os-type == linux' or a '(', found {}", self.found());
        }
        let lower = word.to_lowercase();
        let names = NAMED_SUBJECTS.iter().map(|(name, _)| name.to_string());
        match names.chain([format!("attribute:{}", word.get(10..).unwrap_or(""))]).find(|name| name.to_lowercase() == lower) {
            Some(name) => bail!(start, "unknown subject '{word}'; subjects are case-sensitive: write {name}"),
            None => bail!(
                start,
                "unknown subject '{word}'; use agentConnected, agentVersion, ec2InstanceId, \
                 registeredAt, runningTasksCount, task:group or attribute:NAME"
            ),
        }
    }

    /// The longest operator spelling at the cursor; word spellings must end at a word boundary.
    fn operator(&mut self, subject: &Subject) -> Result<Op, CqlError> {
        let found = OPERATORS
            .iter()
            .flat_map(|&(op, a, b)| [(op, a), (op, b)])
            .filter(|(_, s)| {
                let after = self.chars.get(self.pos + s.len()).copied();
                self.starts_with(s) && (!s.ends_with(char::is_alphabetic) || ends_word(after))
            })
            .max_by_key(|(_, s)| s.len());
        match found {
            Some((op, spelling)) => {
                self.pos += spelling.len();
                Ok(op)
            }
            None => bail!(
                self.col(),
                "expected an operator after '{subject}' ({}), found {}",
                subject.allowed_symbols().join(", "),
                self.found()
            ),
        }
    }

    /// A bare or quoted value; the cursor must be on its first character.
    fn value(&mut self, after: &str) -> Result<String, CqlError> {
        let start = self.col();
        match self.peek() {
            None => bail!(start, "expected a value after '{after}', found the end of the expression"),
            Some(quote @ ('\'' | '"')) => {
                self.pos += 1;
                let text = self.take_while(|c| c != quote);
                if !self.eat(&quote.to_string()) {
                    bail!(start, "unclosed quote; add a closing {quote} after the value");
                }
                Ok(text)
            }
            Some('[') => bail!(
                start,
                "a value cannot start with '['; a list is only allowed after in / not_in, and a \
                 value with brackets must be quoted, e.g. '[ab]c.*'"
            ),
            Some(c) if ends_value(c) => {
                bail!(start, "expected a value after '{after}', found '{c}'")
            }
            Some(_) => Ok(self.take_while(|c| !ends_value(c))),
        }
    }

    fn typed_value(&mut self, subject: &Subject, after: &str) -> Result<Value, CqlError> {
        self.skip_ws();
        let column = self.col();
        let text = self.value(after)?;
        let typed = value_type(subject, &text).map_err(|message| CqlError { column, message })?;
        Ok(Value { text, typed })
    }

    fn list(&mut self, subject: &Subject, op_text: &str) -> Result<Vec<Value>, CqlError> {
        self.skip_ws();
        let open = self.col();
        if !self.eat("[") {
            bail!(open, "expected a list such as [a, b] after '{op_text}', found {}", self.found());
        }
        let mut values = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None => break,
                Some(']') if values.is_empty() => {
                    bail!(self.col(), "empty list; write at least one value, e.g. [a, b]")
                }
                _ => values.push(self.typed_value(subject, if values.is_empty() { "[" } else { "," })?),
            }
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {
                    self.pos += 1;
                    return Ok(values);
                }
                None => break,
                Some(_) => bail!(self.col(), "expected ',' or ']' in the list, found {}", self.found()),
            }
        }
        bail!(open, "unclosed bracket; add a ']' to close this list")
    }
}

fn collapse(mut items: Vec<Node>, make: fn(Vec<Node>) -> Node) -> Node {
    if items.len() == 1 {
        items.swap_remove(0)
    } else {
        make(items)
    }
}

fn join_or(items: &[&str]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => items.join(""),
    }
}

fn value_type(subject: &Subject, text: &str) -> Result<Typed, String> {
    let typed = match subject {
        Subject::AgentConnected => text.parse().ok().map(Typed::Bool),
        Subject::RunningTasksCount => text.parse().ok().map(Typed::Int),
        Subject::AgentVersion => parse_version(text).map(Typed::Version),
        Subject::RegisteredAt => parse_instant(text).map(Typed::Int),
        _ => Some(Typed::Text),
    };
    typed.ok_or_else(|| {
        let wanted = match subject {
            Subject::AgentConnected => "true or false",
            Subject::RunningTasksCount => "a whole number such as 2",
            Subject::AgentVersion => "a dotted version such as 1.14.5",
            _ => "2018-06-18T22:28:28Z, 2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28 or 2018-06-18",
        };
        format!("{subject} takes {wanted}, found '{text}'")
    })
}

fn compile_pattern(text: &str) -> Result<Regex, String> {
    let build = |p: &str| RegexBuilder::new(p).size_limit(REGEX_SIZE_LIMIT).build();
    // Compile the bare pattern first so that e.g. `a)|(b` cannot escape the `^(?:…)$` wrapper.
    let error = match build(text).and_then(|_| build(&format!("^(?:{text})$"))) {
        Ok(regex) => return Ok(regex),
        Err(e) => e.to_string(),
    };
    let reason = error.lines().rev().find_map(|l| l.strip_prefix("error: ")).unwrap_or(&error);
    Err(format!(
        "invalid regular expression '{text}': {reason}; write a pattern without backreferences or \
         lookaround, quoted if it holds spaces, brackets, parentheses or commas, e.g. 't[23].*'"
    ))
}

/// A strict dotted numeric version (`1.14.5`), as written in an expression.
fn parse_version(text: &str) -> Option<Vec<u64>> {
    let number = |part: &str| part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok());
    text.split('.').map(|part| number(part).flatten()).collect()
}

/// An instance's version, leniently: each component's leading digits (`1.70.0-rc1` → 1.70.0).
fn lenient_version(text: &str) -> Vec<u64> {
    let number = |part: &str| {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().unwrap_or(if digits.is_empty() { 0 } else { u64::MAX })
    };
    text.split('.').map(number).collect()
}

/// Component-wise numeric order; missing components count as 0 (`1.14 == 1.14.0`).
fn compare_versions(a: &[u64], b: &[u64]) -> Ordering {
    (0..a.len().max(b.len())).map(|i| a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0))).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
}

/// `YYYY-MM-DD`, optionally followed by `THH:MM:SS` and then `Z` or `±HH:MM` (no suffix = UTC),
/// as Unix seconds.
fn parse_instant(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0, |acc, d| d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = if month == 2 { 28 + i64::from(leap) } else { 30 + (month + month / 8) % 2 };
    if !(at(4, b'-') && at(7, b'-') && (1..=12).contains(&month) && (1..=month_days).contains(&day)) {
        return None;
    }
    let date = days_from_civil(year, month, day) * 86_400;
    if b.len() == 10 {
        return Some(date);
    }
    let (h, m, s) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(at(10, b'T') && at(13, b':') && at(16, b':')) || h > 23 || m > 59 || s > 59 {
        return None;
    }
    let local = date + h * 3600 + m * 60 + s;
    match b.get(19..)? {
        b"" | b"Z" => Some(local),
        [sign @ (b'+' | b'-'), ..] if b.len() == 25 && at(22, b':') => {
            let (oh, om) = (num(20, 2)?, num(23, 2)?);
            let offset = (oh * 3600 + om * 60) * if *sign == b'+' { 1 } else { -1 };
            (oh <= 23 && om <= 59).then_some(local - offset)
        }
        _ => None,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// What an instance has for the subject, typed like the subject's values.
enum Actual<'a> {
    Text(&'a str),
    Bool(bool),
    Int(i64),
    Version(Vec<u64>),
}

impl Actual<'_> {
    /// The text a regular expression is matched against (only text and booleans allow `=~`).
    fn text(&self) -> &str {
        match self {
            Actual::Text(s) => s,
            Actual::Bool(b) => ["false", "true"][usize::from(*b)],
            _ => "",
        }
    }

    fn equals(&self, v: &Value) -> bool {
        match self {
            Actual::Text(s) => *s == v.text,
            _ => self.order(v) == Some(Ordering::Equal),
        }
    }

    fn order(&self, v: &Value) -> Option<Ordering> {
        match (self, &v.typed) {
            (Actual::Text(s), _) => Some(compare_text(s, &v.text)),
            (Actual::Bool(a), Typed::Bool(b)) => Some(a.cmp(b)),
            (Actual::Int(a), Typed::Int(b)) => Some(a.cmp(b)),
            (Actual::Version(a), Typed::Version(b)) => Some(compare_versions(a, b)),
            _ => None,
        }
    }
}

/// Numeric when both sides are finite numbers, else byte order (`"10" > "9"`, `"b" > "a"`).
fn compare_text(a: &str, b: &str) -> Ordering {
    let number = |s: &str| s.parse::<f64>().ok().filter(|x| x.is_finite());
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.as_bytes().cmp(b.as_bytes()),
    }
}

impl Predicate {
    fn eval(&self, instance: &dyn InstanceFacts) -> bool {
        let test = |actual: Actual| self.test(&actual);
        match &self.subject {
            Subject::Attribute(name) => match (self.op, instance.attribute(name)) {
                (Op::Exists, found) => found.is_some(),
                (Op::NotExists, found) => found.is_none(),
                // Every comparison with an absent attribute is false, even !=, not_in and !~.
                (_, None) => false,
                (_, Some(value)) => test(Actual::Text(value)),
            },
            Subject::TaskGroup => instance.any_task_group(&mut |group| test(Actual::Text(group))),
            Subject::Ec2InstanceId => test(Actual::Text(instance.ec2_instance_id())),
            Subject::AgentConnected => test(Actual::Bool(instance.agent_connected())),
            Subject::AgentVersion => test(Actual::Version(lenient_version(instance.agent_version()))),
            Subject::RegisteredAt => test(Actual::Int(instance.registered_at_unix_s())),
            Subject::RunningTasksCount => test(Actual::Int(instance.running_tasks_count().into())),
        }
    }

    fn test(&self, actual: &Actual) -> bool {
        match (&self.operand, self.op) {
            (Operand::Pattern(_, re), Op::Matches) => re.is_match(actual.text()),
            (Operand::Pattern(_, re), Op::NotMatches) => !re.is_match(actual.text()),
            (Operand::List(values), Op::In) => values.iter().any(|v| actual.equals(v)),
            (Operand::List(values), Op::NotIn) => !values.iter().any(|v| actual.equals(v)),
            (Operand::One(v), Op::Eq) => actual.equals(v),
            (Operand::One(v), Op::Ne) => !actual.equals(v),
            (Operand::One(v), op) => actual.order(v).is_some_and(|o| match op {
                Op::Gt => o.is_gt(),
                Op::Ge => o.is_ge(),
                Op::Lt => o.is_lt(),
                Op::Le => o.is_le(),
                _ => false,
            }),
            _ => false,
        }
    }
}

impl Node {
    fn eval(&self, instance: &dyn InstanceFacts) -> bool {
        match self {
            Node::Or(items) => items.iter().any(|n| n.eval(instance)),
            Node::And(items) => items.iter().all(|n| n.eval(instance)),
            Node::Not(inner) => !inner.eval(instance),
            Node::Pred(p) => p.eval(instance),
        }
    }

    fn is_dynamic(&self) -> bool {
        match self {
            Node::Or(items) | Node::And(items) => items.iter().any(Node::is_dynamic),
            Node::Not(inner) => inner.is_dynamic(),
            Node::Pred(p) => matches!(p.subject, Subject::TaskGroup | Subject::RunningTasksCount | Subject::AgentConnected),
        }
    }

    /// Writes the node, parenthesised when it binds looser than its context.
    fn write(&self, f: &mut fmt::Formatter<'_>, context: u8) -> fmt::Result {
        let (precedence, separator, items) = match self {
            Node::Or(items) => (1, " or ", items),
            Node::And(items) => (2, " and ", items),
            Node::Not(inner) => {
                f.write_str("not(")?;
                inner.write(f, 0)?;
                return f.write_str(")");
            }
            Node::Pred(p) => return write!(f, "{p}"),
        };
        let wrap = precedence < context;
        f.write_str(if wrap { "(" } else { "" })?;
        for (i, item) in items.iter().enumerate() {
            f.write_str(if i > 0 { separator } else { "" })?;
            item.write(f, precedence + 1)?;
        }
        f.write_str(if wrap { ")" } else { "" })
    }
}

impl Expr {
    /// Whether `instance` satisfies the expression.
    pub fn eval(&self, instance: &dyn InstanceFacts) -> bool {
        self.root.eval(instance)
    }

    /// True when the result can change while the instance's attributes stay fixed
    /// (uses task:group or runningTasksCount or agentConnected) — placement caches static ones.
    pub fn is_dynamic(&self) -> bool {
        self.root.is_dynamic()
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.root.write(f, 0)
    }
}

/// A value as it must be written to parse back: quoted when it is empty or holds a delimiter.
fn quoted(text: &str) -> String {
    let needs = text.is_empty() || text.chars().any(ends_value) || text.starts_with(['\'', '"', '[']);
    match (needs, text.contains('\'')) {
        (false, _) => text.to_string(),
        (true, false) => format!("'{text}'"),
        (true, true) => format!("\"{text}\""),
    }
}

impl fmt::Display for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.subject, self.op.symbol())?;
        match &self.operand {
            Operand::Nothing => Ok(()),
            Operand::One(Value { text, .. }) | Operand::Pattern(text, _) => {
                write!(f, " {}", quoted(text))
            }
            Operand::List(values) => {
                let items: Vec<_> = values.iter().map(|v| quoted(&v.text)).collect();
                write!(f, " [{}]", items.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2018-06-18T22:28:28Z, the registeredAt of the AWS documentation example.
    const JUNE_18: i64 = 1_529_360_908;

    /// A hand-made container instance.
    struct TestInstance {
        id: &'static str,
        connected: bool,
        version: &'static str,
        running: u32,
        attributes: Vec<(&'static str, &'static str)>,
        /// Groups of the non-STOPPED tasks on the instance.
        groups: Vec<&'static str>,
    }

    /// i-abcd1234: a t2.small in us-east-1a with a connected agent 1.70.0, registered on
    /// 2018-06-18T22:28:28Z, one running task, no task groups.
    fn instance() -> TestInstance {
        let attributes = vec![("ecs.instance-type", "t2.small"), ("ecs.availability-zone", "us-east-1a")];
        TestInstance { id: "i-abcd1234", connected: true, version: "1.70.0", running: 1, attributes, groups: vec![] }
    }

    impl TestInstance {
        fn attr(mut self, name: &'static str, value: &'static str) -> Self {
            self.attributes.retain(|(n, _)| *n != name);
            self.attributes.push((name, value));
            self
        }
        fn typed(self, instance_type: &'static str, zone: &'static str) -> Self {
            self.attr("ecs.instance-type", instance_type).attr("ecs.availability-zone", zone)
        }
        fn tasks(mut self, groups: &[&'static str]) -> Self {
            self.groups = groups.to_vec();
            self
        }
    }

    impl InstanceFacts for TestInstance {
        fn attribute(&self, name: &str) -> Option<&str> {
            self.attributes.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        }
        fn ec2_instance_id(&self) -> &str {
            self.id
        }
        fn agent_connected(&self) -> bool {
            self.connected
        }
        fn agent_version(&self) -> &str {
            self.version
        }
        fn registered_at_unix_s(&self) -> i64 {
            JUNE_18
        }
        fn running_tasks_count(&self) -> u32 {
            self.running
        }
        fn any_task_group(&self, pred: &mut dyn FnMut(&str) -> bool) -> bool {
            self.groups.iter().any(|g| pred(g))
        }
    }

    fn parsed(expression: &str) -> Expr {
        parse(expression).unwrap_or_else(|e| panic!("{expression:?}: {e}"))
    }

    fn canonical(expression: &str) -> String {
        parsed(expression).to_string()
    }

    /// `check! { instance; expression => expected, ... }`: each expression evaluates as expected.
    macro_rules! check {
        ($instance:expr; $($expression:expr => $expected:expr),+ $(,)?) => {{
            let instance = $instance;
            $(assert_eq!(parsed(&$expression).eval(&instance), $expected, "{}", $expression);)+
        }};
    }

    /// `errors! { expression => column, fragment; ... }`: each expression fails at `column` with
    /// `fragment` in the message.
    macro_rules! errors {
        ($($expression:expr => $column:expr, $fragment:expr);+ $(;)?) => {$({
            let e = parse(&$expression).map(|e| e.to_string()).expect_err(&$expression);
            assert_eq!(e.column, $column, "{:?}: {e}", $expression);
            assert!(e.message.contains($fragment), "{:?}: {e} lacks {:?}", $expression, $fragment);
        })+};
    }

    // ---- AWS documentation examples and WE-3.4 -----------------------------------------------

    #[test]
    fn aws_documentation_examples() {
        check! { instance().tasks(&["service:production"]);
            "attribute:ecs.instance-type == t2.small" => true,
            "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]" => true,
            "attribute:ecs.instance-type =~ g2.*" => false,
            "task:group == service:production" => true,
            "not(task:group == database)" => true,
            "runningTasksCount == 1" => true,
            "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']" => true,
            "agentVersion >= 1.14.5" => true,
            "registeredAt < 2018-06-18T22:28:28Z" => false,
            "attribute:ecs.instance-type =~ t2.* and \
             attribute:ecs.availability-zone in [us-east-1a, us-east-1b]" => true,
        }
    }

    #[test]
    fn aws_examples_on_another_instance() {
        check! { instance().typed("g2.2xlarge", "us-east-1c").tasks(&["database"]);
            "attribute:ecs.instance-type =~ g2.*" => true,
            "attribute:ecs.instance-type =~ 2.*" => false, // the whole string must match
            "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]" => false,
            "not(task:group == database)" => false,
            "task:group == service:production" => false,
        }
    }

    /// WE-3.4: `.` is a regex wildcard, so t3a.medium is a member too.
    #[test]
    fn worked_example_we_3_4() {
        let e = parsed("attribute:ecs.instance-type =~ t3.* and attribute:ecs.availability-zone != us-east-1c");
        let fleet = [
            ("i-1", "t3.medium", "us-east-1a"),
            ("i-2", "t3.large", "us-east-1c"),
            ("i-3", "m5.large", "us-east-1a"),
            ("i-4", "t3a.medium", "us-east-1b"),
        ];
        let members: Vec<_> = fleet.iter().filter(|(_, t, z)| e.eval(&instance().typed(t, z))).map(|m| m.0).collect();
        assert_eq!(members, ["i-1", "i-4"]);
        assert!(!e.is_dynamic());
    }

    // ---- subjects -----------------------------------------------------------------------------

    #[test]
    fn agent_connected_is_a_boolean() {
        check! { instance();
            "agentConnected == true" => true,
            "agentConnected != false" => true,
            "agentConnected in [false, true]" => true,
            "agentConnected =~ t.*" => true,
        }
        check! { TestInstance { connected: false, ..instance() };
            "agentConnected == true" => false,
            "agentConnected not_in [true]" => true,
            "agentConnected !~ true" => true,
        }
    }

    #[test]
    fn agent_version_compares_numerically_per_component() {
        check! { TestInstance { version: "1.14.5", ..instance() };
            "agentVersion < 1.70.0" => true, // 14 < 70, although "1.7" > "1.1" as text
            "agentVersion > 1.9" => true,
            "agentVersion == 1.14.5.0" => true, // missing components are 0
            "agentVersion greater_than_equal 1.14" => true,
            "agentVersion != 1.14" => true,
            "agentVersion <= 1.14.4" => false,
        }
        check! { TestInstance { version: "1.70.0-rc1", ..instance() };
            "agentVersion == 1.70" => true, // the instance's suffix is ignored
        }
    }

    #[test]
    fn registered_at_accepts_four_forms() {
        check! { instance();
            "registeredAt == 2018-06-18T22:28:28Z" => true,
            "registeredAt == 2018-06-18T22:28:28+00:00" => true,
            "registeredAt == 2018-06-18T22:28:28" => true,
            "registeredAt == 2018-06-19T00:28:28+02:00" => true,
            "registeredAt > 2018-06-18" => true, // midnight UTC
            "registeredAt less_than 2018-06-19" => true,
            "registeredAt >= 2018-06-18T22:28:29Z" => false,
        }
        assert_eq!(parse_instant("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_instant("2018-06-18"), Some(1_529_280_000));
        assert_eq!(parse_instant("2000-02-29"), Some(951_782_400));
        assert_eq!(parse_instant("2001-02-29"), None);
        assert_eq!(parse_instant("2018-04-31"), None);
    }

    #[test]
    fn running_tasks_count_is_an_integer() {
        check! { instance();
            "runningTasksCount < 2" => true,
            "runningTasksCount less_than_equal 1" => true,
            "runningTasksCount > 1" => false,
            "runningTasksCount not_equals 0" => true,
        }
    }

    #[test]
    fn ec2_instance_id_is_a_string() {
        check! { instance();
            "ec2InstanceId == i-abcd1234" => true,
            "ec2InstanceId equals i-abcd" => false,
            "ec2InstanceId =~ i-abcd.*" => true,
            "ec2InstanceId != i-abcd1234" => false,
            "ec2InstanceId not_in [i-1, i-2]" => true,
        }
    }

    #[test]
    fn attribute_order_is_numeric_for_numbers_else_bytewise() {
        check! { instance().attr("cores", "10").attr("tier", "b");
            "attribute:cores > 9" => true, // 10 > 9 as numbers
            "attribute:cores <= 10.0" => true, // ordering is numeric...
            "attribute:cores == 10.0" => false, // ...but == compares the text
            "attribute:cores < x" => true, // "10" < "x" byte-wise
            "attribute:tier > a" => true,
            "attribute:tier < B" => false, // byte order: 'B' < 'b'
        }
    }

    // ---- operators ----------------------------------------------------------------------------

    #[test]
    fn symbol_and_word_forms_agree() {
        let spellings = [
            ("==", "equals"),
            ("!=", "not_equals"),
            (">", "greater_than"),
            (">=", "greater_than_equal"),
            ("<", "less_than"),
            ("<=", "less_than_equal"),
            ("=~", "matches"),
            ("!~", "not_matches"),
            ("in", "in"),
            ("!in", "not_in"),
            ("!exists", "not_exists"),
        ];
        let instances = [instance().attr("n", "5"), instance().attr("n", "6"), instance()];
        for (symbol, word) in spellings {
            for value in ["5", "6", "4"] {
                let value = match symbol {
                    "in" | "!in" => format!("[{value}]"),
                    "!exists" => String::new(),
                    _ => value.to_string(),
                };
                let a = parsed(&format!("attribute:n {symbol} {value}"));
                let b = parsed(&format!("attribute:n {word} {value}"));
                assert_eq!(a.to_string(), b.to_string());
                assert!(instances.iter().all(|i| a.eval(i) == b.eval(i)), "{a}");
            }
        }
    }

    #[test]
    fn absent_attribute_fails_every_comparison() {
        check! { instance();
            "attribute:stack == prod" => false,
            "attribute:stack != prod" => false,
            "attribute:stack > prod" => false,
            "attribute:stack >= prod" => false,
            "attribute:stack < prod" => false,
            "attribute:stack <= prod" => false,
            "attribute:stack =~ .*" => false,
            "attribute:stack !~ prod" => false,
            "attribute:stack in [prod]" => false,
            "attribute:stack not_in [prod]" => false,
            "attribute:stack exists" => false,
            "attribute:stack !exists" => true,
            "attribute:stack not_exists" => true,
        }
    }

    #[test]
    fn not_differs_from_not_equals_on_absent_attribute() {
        check! { instance();
            "not(attribute:stack == prod)" => true,
            "attribute:stack != prod" => false,
        }
        check! { instance().attr("stack", "dev");
            "not(attribute:stack == prod)" => true,
            "attribute:stack != prod" => true,
            "attribute:stack exists" => true,
            "attribute:stack !exists" => false,
        }
    }

    #[test]
    fn task_group_is_existential() {
        check! { instance().tasks(&["web", "db"]);
            "task:group == web" => true,
            "task:group != web" => true, // db is not web
            "task:group in [db, cache]" => true,
            "task:group not_in [web]" => true,
            "task:group not_in [web, db]" => false,
            "task:group =~ w.*" => true,
            "task:group !~ w.*" => true,
            "task:group !~ .*" => false,
            "task:group > cache" => true,
        }
        check! { instance().tasks(&["web", "web"]);
            "task:group != web" => false,
        }
    }

    #[test]
    fn task_group_on_an_empty_instance() {
        check! { instance();
            "task:group == web" => false,
            "task:group != web" => false,
            "task:group not_in [web]" => false,
            "task:group !~ web" => false,
            "not(task:group == web)" => true, // the anti-affinity form
        }
    }

    #[test]
    fn regex_matches_the_whole_string() {
        check! { instance().typed("t3.large", "us-east-1a");
            "attribute:ecs.instance-type =~ t3" => false,
            "attribute:ecs.instance-type =~ large" => false,
            "attribute:ecs.instance-type =~ .*large" => true,
            "attribute:ecs.instance-type =~ 't2.micro|t3.*'" => true, // ^(?:t2.micro|t3.*)$
            "attribute:ecs.instance-type =~ t3.l.*" => true,
            "attribute:ecs.instance-type !~ t3" => true,
        }
        check! { instance().typed("xt2.micro", "us-east-1a");
            "attribute:ecs.instance-type =~ 't2.micro|t3.*'" => false, // the anchors cover both
        }
    }

    #[test]
    fn lists_mix_bare_and_quoted_values() {
        check! { instance().attr("team", "b c");
            "attribute:team in [ a ,'b c',\"d\" ]" => true,
            "attribute:team in[a,\"b c\"]" => true,
            "attribute:team not_in ['b', c]" => true,
        }
    }

    // ---- structure ----------------------------------------------------------------------------

    #[test]
    fn and_binds_tighter_than_or() {
        let (t, f) = ("agentConnected == true", "agentConnected == false");
        check! { instance();
            format!("{t} or {f} and {f}") => true, // t or (f and f)
            format!("{f} and {f} or {t}") => true, // (f and f) or t
            format!("({t} or {f}) and {f}") => false,
        }
        assert_eq!(
            canonical("attribute:a exists and (attribute:b exists or attribute:c exists)"),
            "attribute:a exists and (attribute:b exists or attribute:c exists)"
        );
    }

    #[test]
    fn not_binds_tighter_than_and() {
        let (t, f) = ("agentConnected == true", "agentConnected == false");
        check! { instance();
            format!("not {t} and {f}") => false, // (not t) and f
            format!("not ({t} and {f})") => true,
            format!("not {f} and {t}") => true,
            format!("not not {t}") => true,
            format!("!!{t}") => true,
        }
        assert_eq!(
            canonical("not attribute:a exists and attribute:b exists or attribute:c exists"),
            "not(attribute:a exists) and attribute:b exists or attribute:c exists"
        );
    }

    #[test]
    fn symbol_connectives_and_free_whitespace() {
        check! { instance().tasks(&["web"]);
            "!task:group == db && runningTasksCount == 1 || agentConnected == false" => true,
            "not(task:group==database)" => true,
            "(attribute:ecs.instance-type==t2.small)or(runningTasksCount<1)" => true,
            "  agentVersion>=1.0\n\tand\tec2InstanceId   in[i-abcd1234]  " => true,
            "attribute:ecs.availability-zone in['us-east-1a','x']" => true,
        }
    }

    #[test]
    fn bang_and_not_prefixed_operators_are_not_negation() {
        check! { instance().attr("x", "1");
            "attribute:x !in [2]" => true,
            "!attribute:x !in [1]" => true,
            "attribute:y !exists" => true,
            "!attribute:y exists" => true,
            "not attribute:x not_in [1]" => true,
            "attribute:x not_equals 2" => true,
            "not attribute:x not_matches 1" => true,
            "attribute:x != 1" => false,
        }
    }

    #[test]
    fn quoted_values_keep_spaces_and_delimiters() {
        check! { instance().attr("team", "ops, \"blue\" (eu)").attr("v", "it's");
            "attribute:team == 'ops, \"blue\" (eu)'" => true,
            "attribute:v == \"it's\"" => true,
            "attribute:v in ['x', \"it's\"]" => true,
            "attribute:ecs.instance-type =~ 't[2-3].(small|micro)'" => true,
        }
        assert_eq!(canonical("attribute:v in [\"it's\", '', \"a 'b'\", 'a b']"), "attribute:v in [it's, '', \"a 'b'\", 'a b']");
    }

    #[test]
    fn display_is_canonical_and_parses_back() {
        let text = canonical("! attribute:a equals 1 && (task:group in[x,y] || registeredAt less_than 2018-06-18)");
        assert_eq!(text, "not(attribute:a == 1) and (task:group in [x, y] or registeredAt < 2018-06-18)");
        assert_eq!(canonical(&text), text);
        assert_eq!(canonical("ec2InstanceId in ['i-1', 'i-2']"), "ec2InstanceId in [i-1, i-2]");
        assert_eq!(canonical("((attribute:a   matches   t3.*))"), "attribute:a =~ t3.*");
    }

    #[test]
    fn is_dynamic_flags_task_and_agent_state() {
        let dynamic = |e: &str| parsed(e).is_dynamic();
        assert!(!dynamic("attribute:a == 1 and agentVersion > 1 or ec2InstanceId == i-1"));
        assert!(!dynamic("registeredAt > 2018-06-18"));
        assert!(dynamic("attribute:a == 1 or not(task:group == db)"));
        assert!(dynamic("runningTasksCount == 0"));
        assert!(dynamic("agentConnected == true"));
    }

    #[test]
    fn keywords_and_operator_words_can_be_names_and_values() {
        check! { instance().attr("or", "and").attr("in", "in").attr("not", "x").tasks(&["not"]);
            "attribute:or == and" => true,
            "attribute:in in [in]" => true,
            "attribute:not exists and task:group == not" => true,
            "attribute:or == and or attribute:in == or" => true,
        }
    }

    #[test]
    fn keywords_are_case_sensitive() {
        errors! {
            "NOT(attribute:x exists)" => 1, "unknown subject 'NOT'";
            "attribute:a exists AND attribute:b exists" => 20, "expected 'and', 'or'";
            "attribute:a EQUALS b" => 13, "expected an operator after 'attribute:a'";
            "attribute:a In [x]" => 13, "found 'In'";
            "attribute:a not exists" => 13, "found 'not'";
        }
    }

    #[test]
    fn error_displays_with_its_column() {
        let e = parse("ec2InstanceId >= i-1").map(|e| e.to_string()).unwrap_err();
        let shown = "column 15: operator '>=' is not allowed on ec2InstanceId; \
                     use ==, !=, =~, !~, in or not_in";
        assert_eq!(e.to_string(), shown);
        let _: &dyn std::error::Error = &e;
    }

    // ---- errors: the column points at the culprit, the message says what to write -------------

    #[test]
    fn error_unknown_subject() {
        errors! {
            "instanceType == t2.small" => 1, "unknown subject 'instanceType'; use agentConnected,";
            "attribute:a == 1 and foo:bar exists" => 22, "task:group or attribute:NAME";
            "AgentConnected == true" => 1, "case-sensitive: write agentConnected";
            "Attribute:x exists" => 1, "case-sensitive: write attribute:x";
            "attribute:a exists and ()" => 25, "expected a condition such as";
        }
    }

    #[test]
    fn error_missing_operator() {
        errors! {
            "attribute:ecs.instance-type t3.*" => 29, "expected an operator after \
             'attribute:ecs.instance-type' (==, !=, >, >=, <, <=, =~, !~, in, not_in, exists, \
             !exists), found 't3.*'";
            "runningTasksCount" => 18, "(==, !=, >, >=, <, <=), found the end of the expression";
            "attribute:x !inside [a]" => 13, "found '!inside'";
            "attribute:x = 1" => 13, "expected an operator";
        }
    }

    #[test]
    fn error_operator_not_allowed_on_subject() {
        errors! {
            "ec2InstanceId > i-1" => 15,
                "'>' is not allowed on ec2InstanceId; use ==, !=, =~, !~, in or not_in";
            "agentConnected greater_than true" => 16, "'greater_than' is not allowed on agentConnected";
            "agentVersion =~ 1.*" => 14, "use ==, !=, >, >=, < or <=";
            "registeredAt in [2018-06-18]" => 14, "not allowed on registeredAt";
            "runningTasksCount !~ 1" => 19, "not allowed on runningTasksCount";
            "task:group exists" => 12, "exists and !exists apply only to attribute:NAME";
            "ec2InstanceId !exists" => 15, "not allowed on ec2InstanceId";
        }
    }

    #[test]
    fn error_value_of_the_wrong_type() {
        errors! {
            "agentConnected == yes" => 19, "agentConnected takes true or false, found 'yes'";
            "agentConnected in [true, TRUE]" => 26, "takes true or false";
            "runningTasksCount > 1.5" => 21, "whole number";
            "agentVersion >= 1.x" => 17, "dotted version such as 1.14.5";
            "agentVersion >= '1..2'" => 17, "dotted version";
            "registeredAt < 2018-13-01" => 16, "registeredAt takes 2018-06-18T22:28:28Z";
            "registeredAt < 2018-06-18T22:28:28.5Z" => 16, "registeredAt takes";
            "registeredAt < 2018-06-18 22:28" => 27, "expected 'and', 'or'";
        }
    }

    #[test]
    fn error_bad_regular_expression_points_at_the_value() {
        errors! {
            "attribute:t =~ t3.(a" => 16, "invalid regular expression 't3.(a': unclosed group";
            "task:group !~ '(a)\\1'" => 15, "backreferences are not supported";
            "attribute:t matches (?=x).*" => 21, "look-around";
            "attribute:t =~ 'a)|(b'" => 16, "invalid regular expression 'a)|(b'";
            "attribute:t =~ t[23].*" => 16, "quoted if it holds spaces, brackets";
            "attribute:t =~ t.*]" => 19, "quote a value with brackets";
            "attribute:t =~ [ab]" => 16, "must be quoted";
            "attribute:t in [[ab]]" => 17, "must be quoted";
        }
    }

    #[test]
    fn error_unclosed_paren_bracket_quote_at_the_opening_char() {
        errors! {
            "(attribute:a exists and (attribute:b exists)" => 1, "unclosed parenthesis";
            "not(task:group == db" => 4, "unclosed parenthesis";
            "attribute:a in [x, y" => 16, "unclosed bracket";
            "attribute:a in [x, " => 16, "unclosed bracket";
            "attribute:a == 'x y" => 16, "unclosed quote; add a closing '";
            "attribute:a in [\"x]" => 17, "unclosed quote; add a closing \"";
        }
    }

    #[test]
    fn error_trailing_garbage_and_stray_tokens() {
        errors! {
            "attribute:a == x y" => 18, "found 'y' (quote a value that contains spaces)";
            "attribute:a == 1 AND attribute:b == 2" => 18, "expected 'and', 'or'";
            "attribute:a exists)" => 19, "unmatched ')'";
            "(attribute:a exists attribute:b exists)" => 21, "expected ')', 'and' or 'or'";
        }
    }

    #[test]
    fn error_lists_and_missing_values() {
        errors! {
            "attribute:a in [x y]" => 19, "expected ',' or ']'";
            "attribute:a in x" => 16, "expected a list such as [a, b] after 'in'";
            "attribute:a in []" => 17, "empty list";
            "attribute:a in [x,]" => 19, "expected a value after ','";
            "attribute:a ==" => 15, "expected a value after '=='";
            "attribute:a exists and" => 23, "expected a condition";
        }
    }

    #[test]
    fn error_attribute_names() {
        errors! {
            "attribute: == x" => 11, "expected an attribute name";
            "attribute:a@b exists" => 12, "character '@' is not allowed in an attribute name";
            format!("attribute:{} exists", "n".repeat(129)) => 139, "longer than 128";
        }
        assert!(parse(&format!("attribute:{} exists", "n".repeat(128))).is_ok());
        assert!(parse("attribute:a-b_c/d\\e.f exists").is_ok());
    }

    #[test]
    fn error_empty_and_over_long_expressions() {
        let padded = |n: usize| format!("attribute:a exists{}", " ".repeat(n - 18));
        assert!(parse(&padded(MAX_EXPRESSION_CHARS)).is_ok());
        errors! {
            "" => 1, "empty expression";
            " \t\n" => 1, "empty expression";
            padded(2001) => 2001, "expression is 2001 characters long; the limit is 2000";
            "!".repeat(5000) => 2001, "the limit is 2000";
        }
    }

    #[test]
    fn error_reports_the_first_problem_in_characters_not_bytes() {
        errors! {
            "foo == 1 and bar == 2" => 1, "unknown subject 'foo'";
            "attribute:a == 'é ü' and ec2InstanceId > x" => 40, "not allowed on ec2InstanceId";
            format!("{}attribute:a exists{}", "(".repeat(101), ")".repeat(101)) => 101, "deeper than 100";
        }
    }

    /// Random expressions built from the grammar, two thirds of them then damaged by one edit:
    /// undamaged ones parse, nothing panics, and whatever parses prints canonically and parses
    /// back to the same text.
    #[test]
    fn parse_never_panics_and_display_round_trips() {
        const PREDICATES: [&str; 12] = [
            "attribute:a == 1",
            "attribute:b.c exists",
            "task:group != 'x y'",
            "agentVersion >= 1.14",
            "registeredAt < 2018-06-18T22:28:28Z",
            "agentConnected in [true]",
            "ec2InstanceId =~ i-.*",
            "runningTasksCount <= 3",
            "attribute:z not_in [\"it's\", b]",
            "attribute:q !exists",
            "task:group matches 'w(e|a)b'",
            "attribute:n greater_than 10",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let instance = instance().tasks(&["web"]).attr("a", "1");
        for round in 0..3000 {
            let mut text = String::new();
            for i in 0..=next(4) {
                if i > 0 {
                    text.push_str([" and ", " or ", " && ", " || ", "\nand\t"][next(5)]);
                }
                let prefix = ["", "not ", "!", "(", "not("][next(5)];
                text.push_str(prefix);
                text.push_str(PREDICATES[next(PREDICATES.len())]);
                text.push_str(if prefix.ends_with('(') { ")" } else { "" });
            }
            let mut chars: Vec<char> = text.chars().collect();
            let at = next(chars.len());
            match round % 3 {
                1 => drop(chars.remove(at)),
                2 => chars.insert(at, "()[],'\"!=<>~ é".chars().nth(next(14)).unwrap_or(' ')),
                _ => {}
            }
            let text: String = chars.into_iter().collect();
            match parse(&text) {
                Ok(e) => {
                    e.eval(&instance);
                    assert_eq!(canonical(&e.to_string()), e.to_string());
                }
                Err(e) => assert!(round % 3 != 0, "undamaged {text:?}: {e}"),
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics_on_any_text(text in "\\PC{0,80}") {
            if let Ok(e) = parse(&text) {
                e.eval(&instance());
            }
        }
    }
}
