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
mod tests;
