//! What a reference names: `var.` (a module's inputs, defaults, or an assumed value), `local.`,
//! `module.<name>.<output>` (a child module instance's output, by index or key with
//! `count` / `for_each`), managed resources (an object of the arguments their block sets, any
//! other attribute unknown and naming the instance), and data sources (`template_file` rendered,
//! any other unknown). Each is evaluated once per module instance and memoized, with a guard
//! against a reference that loops back on itself.

use super::eval::{failed, Evaluator};
use super::instances::Expanded;
use super::module::{Cx, Input};
use super::value::{Loc, Resource, Value};
use hcl_edit::expr::{Expression, TraversalOperator};
use std::collections::BTreeMap;
use std::rc::Rc;

impl Evaluator {
    /// A reference: `name` followed by `ops`.
    pub(super) fn reference(&mut self, name: &str, ops: &[hcl_edit::Decorated<TraversalOperator>], e: &Expression, cx: &Cx) -> Value {
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
            (Some(Input::Expr(b)), Some((Some(default), file, _))) if src.not_nullable.contains(name) => match self.expr(&b.0, &b.1) {
                Value::Null => self.expr(default, &Cx { inst, file: *file, ..Cx::default() }),
                v => v,
            },
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
        let v = match src.type_exprs.get(name) {
            Some((ty, file)) => self.with_defaults(ty, v, &Cx { inst, file: *file, ..Cx::default() }, 0),
            None => v,
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
}

/// Whether variable `name` is declared a string, or without a type.
fn declared_string(src: &super::module::ModuleSrc, name: &str) -> bool {
    src.types.get(name).is_none_or(|t| t == "string")
}

impl Evaluator {
    /// A variable's value with the defaults of its type's `optional(type, default)` object
    /// attributes filled in, through `map()`, `list()`, `set()` and nested `object()` types
    /// (<https://developer.hashicorp.com/terraform/language/expressions/type-constraints#optional-object-type-attributes>).
    fn with_defaults(&mut self, ty: &Expression, v: Value, cx: &Cx, depth: usize) -> Value {
        let Expression::FuncCall(f) = ty else { return v };
        if depth > 32 {
            return v;
        }
        let arg = f.args.iter().next();
        match (f.name.name.as_str(), v, arg) {
            ("object", Value::Map(mut m), Some(Expression::Object(o))) => {
                for (k, te) in o.iter() {
                    let key = match k {
                        hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                        hcl_edit::expr::ObjectKey::Expression(e) => e.as_str().map_or_else(|| e.to_string(), str::to_string),
                    };
                    let te = te.expr();
                    let mut cur = m.remove(&key).unwrap_or(Value::Null);
                    let inner = match te {
                        Expression::FuncCall(opt) if opt.name.name.as_str() == "optional" => {
                            if let (Value::Null, Some(d)) = (&cur, opt.args.iter().nth(1)) {
                                cur = self.expr(d, cx);
                            }
                            opt.args.iter().next()
                        }
                        other => Some(other),
                    };
                    if let Some(t) = inner {
                        cur = self.with_defaults(t, cur, cx, depth + 1);
                    }
                    m.insert(key, cur);
                }
                Value::Map(m)
            }
            ("map", Value::Map(m), Some(t)) => {
                Value::Map(m.into_iter().map(|(k, x)| (k, self.with_defaults(t, x, cx, depth + 1))).collect())
            }
            ("list" | "set", Value::List(l), Some(t)) => {
                Value::List(l.into_iter().map(|x| self.with_defaults(t, x, cx, depth + 1)).collect())
            }
            (_, v, _) => v,
        }
    }
}
