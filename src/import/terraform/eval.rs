//! Evaluating Terraform expressions (HCL2 as `hcl-edit` parses it, with its spans): literals,
//! templates (`"${var.x}"`, the whole of Terraform 0.11's syntax, and `%{if}` / `%{for}`
//! directives), references (`var.`, `local.`, `module.`, `data.`, resources, `count.index`,
//! `each.key`, `path.module`), operators, conditionals, `for` expressions and splats.
//!
//! What cannot be known before apply evaluates to [`Value::Unknown`]; what ecsim cannot
//! evaluate (an unsupported function, a type error) is a warning at the expression and an
//! unknown value. Evaluation is bounded: a nesting depth and a step budget, so a hostile
//! configuration cannot hang the import or exhaust the stack.

use super::module::{Cx, File, ModInst};
use super::value::{Loc, Unknown, Value};
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;

/// The most nested evaluations (expressions within expressions, references followed).
const MAX_DEPTH: usize = 200;
/// The most expression evaluations of one import.
const MAX_STEPS: usize = 2_000_000;
/// The most elements a list built by `range` or a `for` expression may have.
pub const MAX_LIST: usize = 10_000;
/// The longest text a template may render (1 MiB).
const MAX_TEXT: usize = 1 << 20;

/// The evaluation of a whole configuration: the files read, the module instances, and what
/// went wrong where.
#[derive(Debug, Default)]
pub struct Evaluator {
    pub files: Vec<File>,
    pub insts: Vec<ModInst>,
    pub warnings: Vec<(Loc, String)>,
    pub errors: Vec<(Loc, String)>,
    /// The root module's folder: `file()` paths are relative to it, as to Terraform's working
    /// directory.
    pub root_dir: PathBuf,
    /// Root variables given neither a default nor a value, assumed to be their own names.
    pub assumed_vars: Vec<String>,
    /// Module sources read, by folder.
    pub module_cache: BTreeMap<PathBuf, Rc<super::module::ModuleSrc>>,
    steps: usize,
    depth: usize,
    budget_said: bool,
    /// Inside `try()` / `can()`: failures are answers, not warnings.
    pub(super) quiet: usize,
}

/// A failure inside an expression: an unknown value saying what went wrong.
pub(super) fn failed(what: impl Into<String>) -> Value {
    Value::Unknown(Unknown { what: what.into(), refs: Vec::new(), partial: None })
}

impl Evaluator {
    pub fn loc(&self, e: &impl Span, cx: &Cx) -> Loc {
        Loc { file: cx.file, offset: e.span().map_or(0, |s| s.start) }
    }

    pub fn warn(&mut self, at: Loc, msg: impl Into<String>) {
        if self.quiet == 0 {
            let msg = msg.into();
            if !self.warnings.iter().any(|(l, m)| *l == at && *m == msg) {
                self.warnings.push((at, msg));
            }
        }
    }

    pub fn error(&mut self, at: Loc, msg: impl Into<String>) {
        let msg = msg.into();
        if !self.errors.iter().any(|(l, m)| *l == at && *m == msg) {
            self.errors.push((at, msg));
        }
    }

    /// Evaluates `e` in `cx`.
    pub fn expr(&mut self, e: &Expression, cx: &Cx) -> Value {
        let at = self.loc(e, cx);
        if self.over_budget(at) {
            return failed("evaluation budget exhausted");
        }
        self.depth += 1;
        let v = self.expr_inner(e, cx);
        self.depth -= 1;
        v
    }

    fn expr_inner(&mut self, e: &Expression, cx: &Cx) -> Value {
        match e {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => Value::Number(n.value().as_f64().unwrap_or(0.0)),
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(a) => {
                let mut out = Vec::new();
                for x in a.iter() {
                    match (x, self.expr(x, cx)) {
                        // Terraform 0.11: `["${var.subnets}"]` is the list itself
                        (Expression::StringTemplate(_), Value::List(l)) => out.extend(l),
                        (_, v) => out.push(v),
                    }
                }
                Value::List(out)
            }
            Expression::Object(o) => {
                let mut m = BTreeMap::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(ke) => match ke {
                            // `{ (var.k) = 1 }` and `{ "a" = 1 }` and 0.11's bare names
                            Expression::Variable(v) => v.as_str().to_string(),
                            other => match self.expr(other, cx).to_text() {
                                Some(t) => t,
                                None => return failed("an object key that is not known"),
                            },
                        },
                    };
                    let value = self.expr(v.expr(), cx);
                    m.insert(key, value);
                }
                Value::Map(m)
            }
            Expression::StringTemplate(t) => self.template(t, cx),
            Expression::HeredocTemplate(h) => self.template(&h.template, cx),
            Expression::Parenthesis(p) => self.expr(p.inner(), cx),
            Expression::Variable(v) => self.reference(v.as_str(), &[], e, cx),
            Expression::Traversal(t) => match &t.expr {
                Expression::Variable(v) => self.reference(v.as_str(), &t.operators, e, cx),
                other => {
                    let base = self.expr(other, cx);
                    let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
                    self.apply_ops(base, &ops, e, cx)
                }
            },
            Expression::Conditional(c) => match self.expr(&c.cond_expr, cx) {
                Value::Bool(true) => self.expr(&c.true_expr, cx),
                Value::Bool(false) => self.expr(&c.false_expr, cx),
                Value::String(s) if s == "true" || s == "1" => self.expr(&c.true_expr, cx),
                Value::String(s) if s == "false" || s == "0" => self.expr(&c.false_expr, cx),
                Value::Unknown(u) => Value::Unknown(Unknown { what: format!("a condition on {}", u.what), refs: u.refs, partial: None }),
                other => {
                    let at = self.loc(&c.cond_expr, cx);
                    self.warn(at, format!("a condition must be a bool, not a {}", other.type_name()));
                    failed("a condition that is not a bool")
                }
            },
            Expression::FuncCall(f) => self.call(f, cx),
            Expression::UnaryOp(u) => {
                let v = self.expr(&u.expr, cx);
                match (u.operator.value(), &v) {
                    (_, Value::Unknown(_)) => v,
                    (UnaryOperator::Neg, _) if v.as_f64().is_some() => Value::Number(-v.as_f64().unwrap_or(0.0)),
                    (UnaryOperator::Not, _) if v.as_bool().is_some() => Value::Bool(!v.as_bool().unwrap_or(false)),
                    _ => {
                        let at = self.loc(&u.expr, cx);
                        self.warn(at, format!("cannot apply this operator to a {}", v.type_name()));
                        failed("a type error")
                    }
                }
            }
            Expression::BinaryOp(b) => {
                let op = *b.operator.value();
                // && and || short-circuit, so that `var.x != null && var.x.y` works
                let l = self.expr(&b.lhs_expr, cx);
                match (op, l.as_bool()) {
                    (BinaryOperator::And, Some(false)) => return Value::Bool(false),
                    (BinaryOperator::Or, Some(true)) => return Value::Bool(true),
                    _ => {}
                }
                let r = self.expr(&b.rhs_expr, cx);
                match binary(op, &l, &r) {
                    Ok(v) => v,
                    Err(msg) => {
                        let at = self.loc(e, cx);
                        self.warn(at, msg);
                        failed("a type error")
                    }
                }
            }
            Expression::ForExpr(f) => self.for_expr(f, cx),
        }
    }

    fn for_expr(&mut self, f: &hcl_edit::expr::ForExpr, cx: &Cx) -> Value {
        let coll = self.expr(&f.intro.collection_expr, cx);
        let pairs: Vec<(Value, Value)> = match iterate(&coll) {
            Some(p) => p,
            None => {
                return match coll {
                    Value::Unknown(u) => Value::Unknown(u),
                    other => {
                        let at = self.loc(&f.intro.collection_expr, cx);
                        self.warn(at, format!("a for expression needs a list or a map, not a {}", other.type_name()));
                        failed("a for expression over something else")
                    }
                };
            }
        };
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        for (k, v) in pairs.into_iter().take(MAX_LIST) {
            let mut inner = cx.clone();
            if let Some(kv) = &f.intro.key_var {
                inner = inner.with(kv.as_str(), k);
            }
            inner = inner.with(f.intro.value_var.as_str(), v);
            if let Some(c) = &f.cond {
                match self.expr(&c.expr, &inner).as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return failed("a for expression's condition that is not known"),
                }
            }
            let value = self.expr(&f.value_expr, &inner);
            match &f.key_expr {
                None => list.push(value),
                Some(ke) => {
                    let Some(key) = self.expr(ke, &inner).to_text() else {
                        return failed("a for expression's key that is not known");
                    };
                    match f.grouping {
                        true => {
                            let entry = map.entry(key).or_insert_with(|| Value::List(Vec::new()));
                            if let Value::List(l) = entry {
                                l.push(value);
                            }
                        }
                        false => {
                            map.insert(key, value);
                        }
                    }
                }
            }
        }
        match f.key_expr {
            None => Value::List(list),
            Some(_) => Value::Map(map),
        }
    }

    /// A template: the value itself when it is a single interpolation (`"${var.list}"` is the
    /// list, as in Terraform), else the text.
    pub fn template(&mut self, t: &Template, cx: &Cx) -> Value {
        if let Some(Element::Interpolation(i)) = t.as_single_element() {
            return self.expr(&i.expr, cx);
        }
        let mut out = String::new();
        let mut unknown: Option<Unknown> = None;
        self.render(t, cx, &mut out, &mut unknown, &mut false);
        match unknown {
            Some(mut u) => {
                u.partial = Some(out);
                Value::Unknown(u)
            }
            None => Value::String(out),
        }
    }

    fn render(&mut self, t: &Template, cx: &Cx, out: &mut String, unknown: &mut Option<Unknown>, strip_next: &mut bool) {
        for el in t.iter() {
            // loops in templates multiply: every element counts, and the text is bounded
            if self.over_budget(Loc { file: cx.file, offset: 0 }) || out.len() > MAX_TEXT {
                merge_unknown(unknown, &failed("a template too large to render"), "");
                return;
            }
            match el {
                Element::Literal(s) => {
                    let text: &str = s.value();
                    match std::mem::take(strip_next) {
                        true => out.push_str(text.trim_start()),
                        false => out.push_str(text),
                    }
                }
                Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        out.truncate(out.trim_end().len());
                    }
                    let v = self.expr(&i.expr, cx);
                    self.interpolate(v, &i.expr, cx, out, unknown);
                    *strip_next = i.strip.strip_end();
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(ifd) => {
                        let cond = self.expr(&ifd.if_expr.cond_expr, cx);
                        match cond.as_bool() {
                            Some(true) => self.render(&ifd.if_expr.template, cx, out, unknown, strip_next),
                            Some(false) => {
                                if let Some(e) = &ifd.else_expr {
                                    self.render(&e.template, cx, out, unknown, strip_next);
                                }
                            }
                            None => merge_unknown(unknown, &cond, "a template condition"),
                        }
                    }
                    Directive::For(fd) => {
                        let coll = self.expr(&fd.for_expr.collection_expr, cx);
                        match iterate(&coll) {
                            Some(pairs) => {
                                for (k, v) in pairs.into_iter().take(MAX_LIST) {
                                    let mut inner = cx.clone();
                                    if let Some(kv) = &fd.for_expr.key_var {
                                        inner = inner.with(kv.as_str(), k);
                                    }
                                    inner = inner.with(fd.for_expr.value_var.as_str(), v);
                                    self.render(&fd.for_expr.template, &inner, out, unknown, strip_next);
                                }
                            }
                            None => merge_unknown(unknown, &coll, "a template loop"),
                        }
                    }
                },
            }
        }
    }

    fn interpolate(&mut self, v: Value, e: &Expression, cx: &Cx, out: &mut String, unknown: &mut Option<Unknown>) {
        match v.to_text() {
            Some(t) => out.push_str(&t),
            None => match &v {
                Value::Unknown(u) => {
                    out.push_str(&u.placeholder());
                    merge_unknown(unknown, &v, "")
                }
                Value::Null => {}
                other => {
                    let at = self.loc(e, cx);
                    self.warn(at, format!("a {} cannot be interpolated into a string", other.type_name()));
                    merge_unknown(unknown, &failed("a collection in a string"), "");
                }
            },
        }
    }

    /// Applies attribute accesses, indexes and splats to a value.
    pub fn apply_ops(&mut self, mut v: Value, ops: &[&TraversalOperator], e: &Expression, cx: &Cx) -> Value {
        for (i, op) in ops.iter().enumerate() {
            v = match op {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items = match v {
                        Value::List(l) => l,
                        Value::Null => Vec::new(),
                        Value::Unknown(u) => return Value::Unknown(u),
                        other => vec![other],
                    };
                    let rest = &ops[i + 1..];
                    return Value::List(items.into_iter().map(|item| self.apply_ops(item, rest, e, cx)).collect());
                }
                TraversalOperator::GetAttr(a) => self.get_attr(v, a.as_str(), e, cx),
                TraversalOperator::Index(ie) => {
                    let key = self.expr(ie, cx);
                    self.index(v, &key, e, cx)
                }
                TraversalOperator::LegacyIndex(n) => self.index(v, &Value::Number(*n.value() as f64), e, cx),
            };
        }
        v
    }

    fn get_attr(&mut self, v: Value, name: &str, e: &Expression, cx: &Cx) -> Value {
        match v {
            // an attribute the object lacks is null: the configuration is valid Terraform, so
            // it is an `optional()` attribute of an object-typed variable left out
            Value::Map(mut m) => m.remove(name).unwrap_or(Value::Null),
            Value::Resource(r) => match r.attrs.get(name) {
                Some(x) => x.clone(),
                None => Value::Unknown(Unknown { what: format!("{}.{name}", r.addr), refs: vec![r.addr.clone()], partial: None }),
            },
            Value::Unknown(u) => Value::Unknown(Unknown { what: format!("{}.{name}", u.what), refs: u.refs, partial: None }),
            // 0.11's `aws_instance.x.*.id` on a resource without count is handled by splats;
            // an attribute of a list is each element's (Terraform 0.11 allowed it)
            Value::List(l) => Value::List(l.into_iter().map(|x| self.get_attr(x, name, e, cx)).collect()),
            other => {
                let at = self.loc(e, cx);
                self.warn(at, format!("a {} has no attribute `{name}`", other.type_name()));
                failed(name.to_string())
            }
        }
    }

    fn index(&mut self, v: Value, key: &Value, e: &Expression, cx: &Cx) -> Value {
        if let Value::Unknown(u) = key {
            return Value::Unknown(Unknown { what: format!("an element at {}", u.what), refs: u.refs.clone(), partial: None });
        }
        match (&v, key.as_i64(), key.to_text()) {
            (Value::List(l), Some(i), _) if i >= 0 && (i as usize) < l.len() => l[i as usize].clone(),
            (Value::Map(m), _, Some(k)) if m.contains_key(&k) => m[&k].clone(),
            (Value::Resource(_), _, Some(k)) => self.get_attr(v, &k, e, cx),
            (Value::Unknown(_), _, _) => v,
            _ => {
                let at = self.loc(e, cx);
                self.warn(at, format!("no element {} in this {}", key.to_text().unwrap_or_default(), v.type_name()));
                failed("an element that is not there")
            }
        }
    }

    /// Counts one step; past the budget (steps, or nesting) an error, said once.
    fn over_budget(&mut self, at: Loc) -> bool {
        self.steps += 1;
        let over = self.steps > MAX_STEPS || self.depth > MAX_DEPTH;
        if over && !self.budget_said {
            self.budget_said = true;
            self.error(
                at,
                "this configuration takes too long to evaluate (more than 2,000,000 steps, or references nested more than 200 deep)",
            );
        }
        over
    }

    pub fn quietly<T>(&mut self, f: impl FnOnce(&mut Evaluator) -> T) -> T {
        self.quiet += 1;
        let t = f(self);
        self.quiet -= 1;
        t
    }
}

/// What an unknown value stands for, for messages.
pub fn describe(v: &Value) -> String {
    match v.first_unknown() {
        Some(u) => u.what.clone(),
        None => format!("a {}", v.type_name()),
    }
}

fn merge_unknown(acc: &mut Option<Unknown>, v: &Value, what: &str) {
    let (w, refs) = match v.first_unknown() {
        Some(u) => (u.what.clone(), u.refs.clone()),
        None => (what.to_string(), Vec::new()),
    };
    match acc {
        Some(a) => a.refs.extend(refs),
        None => *acc = Some(Unknown { what: w, refs, partial: None }),
    }
}

/// The (key, value) pairs a `for` iterates: a list's (index, element), a map's (key, value).
pub fn iterate(v: &Value) -> Option<Vec<(Value, Value)>> {
    match v {
        Value::List(l) => Some(l.iter().enumerate().map(|(i, x)| (Value::Number(i as f64), x.clone())).collect()),
        Value::Map(m) => Some(m.iter().map(|(k, x)| (Value::String(k.clone()), x.clone())).collect()),
        Value::Resource(r) => Some(r.attrs.iter().map(|(k, x)| (Value::String(k.clone()), x.clone())).collect()),
        _ => None,
    }
}

fn binary(op: BinaryOperator, l: &Value, r: &Value) -> Result<Value, String> {
    use BinaryOperator as B;
    // a value known only after apply is a value, not null: `v != null` filters hold for it
    if let (Value::Unknown(_), Value::Null) | (Value::Null, Value::Unknown(_)) = (l, r) {
        match op {
            B::Eq => return Ok(Value::Bool(false)),
            B::NotEq => return Ok(Value::Bool(true)),
            _ => {}
        }
    }
    if let Value::Unknown(u) = l {
        return Ok(Value::Unknown(u.clone()));
    }
    if let Value::Unknown(u) = r {
        return Ok(Value::Unknown(u.clone()));
    }
    let num = |v: &Value| v.as_f64().ok_or_else(|| format!("a number is needed here, not a {}", v.type_name()));
    let boolean = |v: &Value| v.as_bool().ok_or_else(|| format!("a bool is needed here, not a {}", v.type_name()));
    Ok(match op {
        B::Eq => Value::Bool(equal(l, r)),
        B::NotEq => Value::Bool(!equal(l, r)),
        B::Less => Value::Bool(num(l)? < num(r)?),
        B::LessEq => Value::Bool(num(l)? <= num(r)?),
        B::Greater => Value::Bool(num(l)? > num(r)?),
        B::GreaterEq => Value::Bool(num(l)? >= num(r)?),
        B::Plus => Value::Number(num(l)? + num(r)?),
        B::Minus => Value::Number(num(l)? - num(r)?),
        B::Mul => Value::Number(num(l)? * num(r)?),
        B::Div => match num(r)? {
            0.0 => return Err("division by zero".into()),
            d => Value::Number(num(l)? / d),
        },
        B::Mod => match num(r)? {
            0.0 => return Err("modulo by zero".into()),
            d => Value::Number(num(l)? % d),
        },
        B::And => Value::Bool(boolean(l)? && boolean(r)?),
        B::Or => Value::Bool(boolean(l)? || boolean(r)?),
    })
}

/// Terraform's `==`, lenient where ecsim does not track types: a number and its text (a
/// `--var` value is text) compare equal.
fn equal(l: &Value, r: &Value) -> bool {
    match (l, r) {
        (Value::Number(_), Value::String(_)) | (Value::String(_), Value::Number(_)) => l.as_f64().is_some() && l.as_f64() == r.as_f64(),
        _ => l == r,
    }
}
