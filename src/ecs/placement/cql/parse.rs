//! The CQL parser: characters to an [`Expr`], reporting the first error with its 1-based
//! column and what to write instead. Values are typed here by their subject (numbers, versions,
//! instants, patterns compiled as `^(?:re)$`), so evaluation never parses.

use super::*;
use regex::RegexBuilder;

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

pub(super) fn ends_value(c: char) -> bool {
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
