//! Evaluating Terraform expressions (HCL2 as `hcl-edit` parses it, with its spans): literals,
//! templates (`"${var.x}"`, the whole of Terraform 0.11's syntax, and `%{if}` / `%{for}`
//! directives), references (`var.`, `local.`, `module.`, `data.`, resources, `count.index`,
//! `each.key`, `path.module`), operators, conditionals, `for` expressions and splats.
//!
//! What cannot be known before apply evaluates to [`Value::Unknown`]; what ecsim cannot
//! evaluate (an unsupported function, a type error) is a warning at the expression and an
//! unknown value. Evaluation is bounded: a nesting depth and a step budget, so a hostile
//! configuration cannot hang the import or exhaust the stack.

use super::module::{Cx, File, Input, ModInst};
use super::value::{number_text, Loc, Resource, Unknown, Value};
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
    /// Inside `try()` / `can()`: failures are answers, not warnings.
    quiet: usize,
}

/// A failure inside an expression: an unknown value saying what went wrong.
fn failed(what: impl Into<String>) -> Value {
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
        self.steps += 1;
        if self.steps > MAX_STEPS || self.depth > MAX_DEPTH {
            if self.steps == MAX_STEPS + 1 || self.depth == MAX_DEPTH + 1 {
                let at = self.loc(e, cx);
                self.error(
                    at,
                    "this configuration takes too long to evaluate (more than 2,000,000 steps, or references nested more than 200 deep)",
                );
            }
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

    /// A reference: `name` followed by `ops`.
    fn reference(&mut self, name: &str, ops: &[hcl_edit::Decorated<TraversalOperator>], e: &Expression, cx: &Cx) -> Value {
        let ops: Vec<&TraversalOperator> = ops.iter().map(|o| o.value()).collect();
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str().to_string()),
            _ => None,
        };
        if let Some(v) = cx.lookup(name) {
            let v = v.clone();
            return self.apply_ops(v, &ops, e, cx);
        }
        let at = self.loc(e, cx);
        if cx.template {
            self.warn(at, format!("the template has no variable `{name}`"));
            return failed(format!("template variable {name}"));
        }
        let (base, used) = match (name, attr(0)) {
            ("var", Some(v)) => (self.variable(cx.inst, &v, at), 1),
            ("local", Some(l)) => (self.local(cx.inst, &l, at), 1),
            ("count", Some(a)) if a == "index" => match cx.count {
                Some(i) => (Value::Number(i as f64), 1),
                None => {
                    self.warn(at, "count.index outside a resource with count");
                    (failed("count.index"), 1)
                }
            },
            ("each", Some(a)) if a == "key" || a == "value" => match &cx.each {
                Some((k, v)) => (if a == "key" { k.clone() } else { v.clone() }, 1),
                None => {
                    self.warn(at, "each outside a resource with for_each");
                    (failed("each"), 1)
                }
            },
            ("path", Some(a)) => {
                let dir = match a.as_str() {
                    "module" => self.insts[cx.inst].src.dir.clone(),
                    _ => self.root_dir.clone(),
                };
                (Value::String(dir.display().to_string()), 1)
            }
            ("terraform", Some(a)) if a == "workspace" => (Value::String("default".into()), 1),
            ("module", Some(m)) => return self.module_ref(cx.inst, &m, &ops[1..], e, cx),
            ("data", Some(t)) => match attr(1) {
                Some(n) => (self.data_value(cx.inst, &t, &n, at), 2),
                None => (failed("data"), 1),
            },
            ("self", _) => (failed("self"), 0),
            (rtype, Some(n)) if self.insts[cx.inst].src.resource(rtype, &n).is_some() => (self.resource_value(cx.inst, rtype, &n, at), 1),
            (rtype, Some(n)) if rtype.contains('_') => {
                self.warn(at, format!("`{rtype}.{n}` is not declared in this module"));
                (failed(format!("{rtype}.{n}")), 1)
            }
            _ => {
                self.warn(at, format!("unknown reference `{name}`"));
                (failed(name.to_string()), 0)
            }
        };
        self.apply_ops(base, &ops[used..], e, cx)
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
            Value::Map(mut m) => match m.remove(name) {
                Some(x) => x,
                None => {
                    let at = self.loc(e, cx);
                    self.warn(at, format!("the object has no attribute `{name}`"));
                    failed(name.to_string())
                }
            },
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

    /// `var.NAME` in a module instance.
    pub fn variable(&mut self, inst: usize, name: &str, at: Loc) -> Value {
        if let Some(v) = self.insts[inst].vars.get(name) {
            return v.clone();
        }
        let key = format!("var.{name}");
        if !self.insts[inst].in_progress.insert(key.clone()) {
            self.warn(at, format!("{key} refers to itself"));
            return failed(key);
        }
        let src = self.insts[inst].src.clone();
        let v = match (self.insts[inst].inputs.get(name).cloned(), src.variables.get(name)) {
            (Some(Input::Given(v)), _) => v,
            (Some(Input::Expr(b)), _) => self.expr(&b.0, &b.1),
            (None, Some((Some(default), file, _))) => self.expr(default, &Cx { inst, file: *file, ..Cx::default() }),
            // Terraform would ask for it; ecsim assumes a string variable's value is its name
            // (an environment name, a prefix) so that names built from it stay readable
            (None, Some((None, file, offset))) if inst == 0 && declared_string(&src, name) => {
                let at = Loc { file: *file, offset: *offset };
                // said even when first read quietly (by a resource ecsim does not map): the
                // value is memoized and used everywhere
                let quiet = std::mem::take(&mut self.quiet);
                self.warn(at, format!("assumed: variable `{name}` has no default and no value (give one with --var {name}=…): \"{name}\""));
                self.quiet = quiet;
                self.assumed_vars.push(name.to_string());
                Value::String(name.to_string())
            }
            (None, Some((None, _, _))) => Value::unknown(format!("{key} (declared without a default, and given no value)")),
            (None, None) => {
                self.warn(at, format!("variable `{name}` is not declared in this module"));
                failed(key.clone())
            }
        };
        self.insts[inst].in_progress.remove(&key);
        self.insts[inst].vars.insert(name.to_string(), v.clone());
        v
    }

    /// `local.NAME` in a module instance.
    fn local(&mut self, inst: usize, name: &str, at: Loc) -> Value {
        if let Some(v) = self.insts[inst].locals.get(name) {
            return v.clone();
        }
        let key = format!("local.{name}");
        let src = self.insts[inst].src.clone();
        let Some((e, file)) = src.locals.get(name) else {
            self.warn(at, format!("local value `{name}` is not declared in this module"));
            return failed(key);
        };
        if !self.insts[inst].in_progress.insert(key.clone()) {
            self.warn(at, format!("{key} refers to itself"));
            return failed(key);
        }
        let v = self.expr(e, &Cx { inst, file: *file, ..Cx::default() });
        self.insts[inst].in_progress.remove(&key);
        self.insts[inst].locals.insert(name.to_string(), v.clone());
        v
    }

    /// `module.NAME…`: an output of a child module instance (or all of them as an object).
    fn module_ref(&mut self, inst: usize, name: &str, ops: &[&TraversalOperator], e: &Expression, cx: &Cx) -> Value {
        let at = self.loc(e, cx);
        let Some(children) = self.children(inst, name, at) else {
            self.warn(at, format!("module `{name}` is not called in this module"));
            return failed(format!("module.{name}"));
        };
        use super::module::Children;
        // The instance the next operator picks, and the operators left after it.
        let (one, rest): (Option<usize>, &[&TraversalOperator]) = match (&children, ops.first()) {
            (Children::One(i), _) => (Some(*i), ops),
            (Children::Counted(v), Some(TraversalOperator::Index(ie))) => {
                let k = self.expr(ie, cx).as_i64();
                (k.and_then(|k| v.get(k as usize).copied()), &ops[1..])
            }
            (Children::Counted(v), Some(TraversalOperator::LegacyIndex(n))) => (v.get(*n.value() as usize).copied(), &ops[1..]),
            (Children::Keyed(m), Some(TraversalOperator::Index(ie))) => {
                let k = self.expr(ie, cx).to_text();
                (k.and_then(|k| m.get(&k).copied()), &ops[1..])
            }
            _ => (None, ops),
        };
        match one {
            Some(child) => match rest.first() {
                Some(TraversalOperator::GetAttr(out)) => {
                    let v = self.output(child, out.as_str(), at);
                    self.apply_ops(v, &rest[1..], e, cx)
                }
                _ => {
                    let all = self.all_outputs(child, at);
                    self.apply_ops(all, rest, e, cx)
                }
            },
            None => {
                let all = match &children {
                    Children::One(_) => Value::Null,
                    Children::Counted(v) => Value::List(v.clone().into_iter().map(|c| self.all_outputs(c, at)).collect()),
                    Children::Keyed(m) => Value::Map(m.clone().into_iter().map(|(k, c)| (k, self.all_outputs(c, at))).collect()),
                };
                self.apply_ops(all, ops, e, cx)
            }
        }
    }

    fn all_outputs(&mut self, child: usize, at: Loc) -> Value {
        let names: Vec<String> = self.insts[child].src.outputs.keys().cloned().collect();
        Value::Map(names.into_iter().map(|n| (n.clone(), self.output(child, &n, at))).collect())
    }

    fn output(&mut self, child: usize, name: &str, at: Loc) -> Value {
        let src = self.insts[child].src.clone();
        let key = format!("output.{name}");
        if let Some(source) = &src.remote {
            return Value::unknown(format!(
                "{}{name} (an output of the module from {source}, which ecsim does not read)",
                self.insts[child].prefix
            ));
        }
        match src.outputs.get(name) {
            Some((e, file)) => {
                if !self.insts[child].in_progress.insert(key.clone()) {
                    return failed(key);
                }
                let v = self.expr(e, &Cx { inst: child, file: *file, ..Cx::default() });
                self.insts[child].in_progress.remove(&key);
                v
            }
            None => {
                self.warn(at, format!("the module has no output `{name}`"));
                failed(key)
            }
        }
    }

    /// `TYPE.NAME` of a managed resource: an object, or a list / map of them with count /
    /// for_each.
    fn resource_value(&mut self, inst: usize, rtype: &str, name: &str, at: Loc) -> Value {
        let src = self.insts[inst].src.clone();
        let Some(decl) = src.resource(rtype, name) else {
            return failed(format!("{rtype}.{name}"));
        };
        let prefix = self.insts[inst].prefix.clone();
        let base = format!("{prefix}{rtype}.{name}");
        let Some(expansion) = self.expansion(decl, inst) else {
            return Value::unknown(format!("{base} (its count or for_each is not known)"));
        };
        let mut objects = Vec::new();
        for (suffix, cx) in &expansion.instances {
            let addr = format!("{base}{suffix}");
            objects.push((suffix.clone(), self.resource_object(&addr, decl, cx, at)));
        }
        match expansion.kind {
            Expanded::Single => objects.pop().map_or(Value::Null, |(_, v)| v),
            Expanded::Counted => Value::List(objects.into_iter().map(|(_, v)| v).collect()),
            Expanded::Keyed => {
                Value::Map(objects.into_iter().map(|(s, v)| (s.trim_start_matches("[\"").trim_end_matches("\"]").to_string(), v)).collect())
            }
        }
    }

    /// The attributes a resource instance's block sets, as an object that gives an unknown
    /// value naming the instance for any other attribute.
    pub fn resource_object(&mut self, addr: &str, decl: &super::module::Decl, cx: &Cx, at: Loc) -> Value {
        if let Some(v) = self.insts[cx.inst].resources.get(addr) {
            return v.clone();
        }
        if !self.insts[cx.inst].in_progress.insert(addr.to_string()) {
            self.warn(at, format!("{addr} refers to itself"));
            return Value::unknown(addr.to_string());
        }
        let mut attrs = BTreeMap::new();
        for a in decl.block.body.attributes() {
            let k = a.key.as_str();
            if k != "count" && k != "for_each" && k != "provider" && k != "depends_on" {
                let v = self.expr(&a.value, cx);
                attrs.insert(k.to_string(), v);
            }
        }
        let v = Value::Resource(Rc::new(Resource { addr: addr.to_string(), attrs }));
        self.insts[cx.inst].in_progress.remove(addr);
        self.insts[cx.inst].resources.insert(addr.to_string(), v.clone());
        v
    }

    /// `data.TYPE.NAME`: `template_file` is rendered; any other data source is known only
    /// after a plan (an object of its arguments, unknown otherwise).
    fn data_value(&mut self, inst: usize, rtype: &str, name: &str, at: Loc) -> Value {
        let src = self.insts[inst].src.clone();
        let prefix = self.insts[inst].prefix.clone();
        let addr = format!("{prefix}data.{rtype}.{name}");
        let Some(decl) = src.data_source(rtype, name) else {
            self.warn(at, format!("data.{rtype}.{name} is not declared in this module"));
            return failed(addr);
        };
        let cx = Cx { inst, file: decl.file, ..Cx::default() };
        let obj = self.resource_object(&addr, decl, &cx, at);
        if rtype != "template_file" {
            return obj;
        }
        let Value::Resource(r) = &obj else { return obj };
        let mut attrs = r.attrs.clone();
        // 0.11 wrote `vars { … }` as a block
        let mut vars = match attrs.get("vars") {
            Some(Value::Map(m)) => m.clone(),
            _ => BTreeMap::new(),
        };
        for b in decl.block.body.blocks().filter(|b| b.ident.as_str() == "vars") {
            for a in b.body.attributes() {
                let v = self.expr(&a.value, &cx);
                vars.insert(a.key.as_str().to_string(), v);
            }
        }
        let rendered = match attrs.get("template") {
            Some(Value::String(t)) => self.render_text(t, vars, Loc { file: decl.file, offset: decl.loc().offset }),
            Some(other) => other.clone(),
            None => Value::unknown(format!("{addr}.rendered")),
        };
        attrs.insert("rendered".into(), rendered);
        Value::Resource(Rc::new(Resource { addr, attrs }))
    }

    /// A template's text rendered with `vars` (`templatefile`, `template_file`).
    pub fn render_text(&mut self, text: &str, vars: BTreeMap<String, Value>, at: Loc) -> Value {
        let t = match hcl_edit::parser::parse_template(text) {
            Ok(t) => t,
            Err(e) => {
                self.warn(at, format!("the template cannot be read: {}", e.message()));
                return failed("a template that cannot be read");
            }
        };
        let cx = Cx { inst: 0, file: at.file, scoped: vars.into_iter().collect(), template: true, ..Cx::default() };
        // a template's positions are in its own text, not the file the call is in
        let before = self.warnings.len();
        let v = self.template(&t, &cx);
        for w in &mut self.warnings[before..] {
            w.0 = at;
        }
        match v {
            Value::String(_) | Value::Unknown(_) => v,
            other => Value::String(other.to_text().unwrap_or_default()),
        }
    }

    pub fn quietly<T>(&mut self, f: impl FnOnce(&mut Evaluator) -> T) -> T {
        self.quiet += 1;
        let t = f(self);
        self.quiet -= 1;
        t
    }
}

/// Whether variable `name` is declared a string, or without a type.
fn declared_string(src: &super::module::ModuleSrc, name: &str) -> bool {
    src.types.get(name).is_none_or(|t| t == "string")
}

/// How `count` / `for_each` expanded a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expanded {
    Single,
    Counted,
    Keyed,
}

/// The instances of a resource or module block: each address suffix (`""`, `[0]`, `["a"]`)
/// with its context.
#[derive(Debug, Clone)]
pub struct Expansion {
    pub kind: Expanded,
    pub instances: Vec<(String, Cx)>,
}

impl Evaluator {
    /// Expands `count` / `for_each` of a block in module instance `inst`. `None` when they are
    /// not known (a warning says so; the block is then taken once) or over the limit (an
    /// error).
    pub fn expansion(&mut self, decl: &super::module::Decl, inst: usize) -> Option<Expansion> {
        use super::module::MAX_INSTANCES;
        let base = Cx { inst, file: decl.file, ..Cx::default() };
        if let Some(ce) = decl.attr("count") {
            let at = self.loc(ce, &base);
            let n = self.expr(ce, &base);
            let Some(n) = n.as_i64().filter(|n| *n >= 0) else {
                self.warn(at, format!("count is not known before apply ({}): assumed 1", describe(&n)));
                return Some(Expansion { kind: Expanded::Single, instances: vec![(String::new(), base)] });
            };
            if n as usize > MAX_INSTANCES {
                self.error(at, format!("count = {n}: ecsim expands at most {MAX_INSTANCES} instances of a block"));
                return None;
            }
            let instances = (0..n).map(|i| (format!("[{i}]"), Cx { count: Some(i), ..base.clone() })).collect();
            return Some(Expansion { kind: Expanded::Counted, instances });
        }
        if let Some(fe) = decl.attr("for_each") {
            let at = self.loc(fe, &base);
            let v = self.expr(fe, &base);
            let pairs: Vec<(Value, Value)> = match &v {
                Value::Map(m) => m.iter().map(|(k, v)| (Value::String(k.clone()), v.clone())).collect(),
                // a set of strings: each.key = each.value
                Value::List(l) => l.iter().map(|x| (x.clone(), x.clone())).collect(),
                other => {
                    self.warn(at, format!("for_each is not known before apply ({}): assumed one instance", describe(other)));
                    return Some(Expansion { kind: Expanded::Single, instances: vec![(String::new(), base)] });
                }
            };
            if pairs.len() > MAX_INSTANCES {
                self.error(
                    at,
                    format!("for_each over {} elements: ecsim expands at most {MAX_INSTANCES} instances of a block", pairs.len()),
                );
                return None;
            }
            let mut instances = Vec::new();
            for (k, val) in pairs {
                let Some(key) = k.to_text() else {
                    self.warn(at, "a for_each key is not known before apply: that instance is left out");
                    continue;
                };
                instances.push((format!("[\"{key}\"]"), Cx { each: Some((Value::String(key), val)), ..base.clone() }));
            }
            return Some(Expansion { kind: Expanded::Keyed, instances });
        }
        Some(Expansion { kind: Expanded::Single, instances: vec![(String::new(), base)] })
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

/// A number as text (`tostring`, template interpolation).
pub fn text_of_number(n: f64) -> String {
    number_text(n)
}
