//! The ECS cluster query language (CQL) of `memberOf` placement constraints (docs/ecs-model.md#cluster-query-language): a
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

use regex::Regex;

use super::facts::InstanceFacts;
use crate::engine::calendar::DateTime;

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

// After `bail!`, which the parser uses.
mod parse;

use parse::ends_value;
pub use parse::parse;

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
/// as Unix seconds. The shape is the one ECS documents (no fractions, no other separators), so
/// it is checked here; the calendar is the shared one.
fn parse_instant(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0, |acc, d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(at(4, b'-') && at(7, b'-')) {
        return None;
    }
    let (year, month, day) = (i64::from(num(0, 4)?), num(5, 2)?, num(8, 2)?);
    if b.len() == 10 {
        return DateTime::new(year, month, day, 0, 0, 0).map(DateTime::to_unix);
    }
    let (h, m, s) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(at(10, b'T') && at(13, b':') && at(16, b':')) {
        return None;
    }
    let local = DateTime::new(year, month, day, h, m, s)?.to_unix();
    match b.get(19..)? {
        b"" | b"Z" => Some(local),
        [sign @ (b'+' | b'-'), ..] if b.len() == 25 && at(22, b':') => {
            let (oh, om) = (i64::from(num(20, 2)?), i64::from(num(23, 2)?));
            let offset = (oh * 3600 + om * 60) * if *sign == b'+' { 1 } else { -1 };
            (oh <= 23 && om <= 59).then_some(local - offset)
        }
        _ => None,
    }
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
mod error_tests;
#[cfg(test)]
mod tests;
