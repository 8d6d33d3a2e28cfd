//! The module tree and its resource instances: local `module` blocks read from their folders
//! (once per folder) and instantiated with their inputs, `count` / `for_each` expanded, and
//! every resource instance's block evaluated — attributes and nested blocks, `dynamic` blocks
//! expanded — for the mapping onto the scenario.

use super::eval::Evaluator;
use super::module::{local_source, tf_files, Children, Cx, Decl, File, Input, ModInst, ModuleSrc, MAX_MODULE_DEPTH};
use super::value::{Loc, Value};
use hcl_edit::structure::Body as HclBody;
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

/// An evaluated attribute and where it is written.
#[derive(Debug, Clone)]
pub struct Attr {
    pub value: Value,
    pub at: Loc,
}

/// An evaluated block body: its attributes and nested blocks (in order).
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub attrs: BTreeMap<String, Attr>,
    pub blocks: Vec<(String, Body)>,
    pub at: Loc,
}

impl Body {
    /// An argument that is set: `null`, `""` and `[]` (how `terraform show -json` writes an
    /// argument left out) are not.
    pub fn get(&self, key: &str) -> Option<&Attr> {
        self.attrs.get(key).filter(|a| !is_unset(&a.value))
    }

    /// The nested blocks `name`.
    pub fn blocks<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Body> + 'a {
        self.blocks.iter().filter(move |(n, _)| n == name).map(|(_, b)| b)
    }

    pub fn block<'a>(&'a self, name: &'a str) -> Option<&'a Body> {
        self.blocks(name).next()
    }
}

/// Whether a value says nothing: null, `""`, `[]`, `{}`.
pub fn is_unset(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

/// One resource instance to map.
#[derive(Debug, Clone)]
pub struct ResInst {
    /// `module.web.aws_ecs_service.this[0]`.
    pub addr: String,
    pub rtype: String,
    /// The resource's name in its module (`this`), with the instance key (`this[0]`).
    pub name: String,
    pub body: Body,
}

/// The deepest blocks nest in a resource.
const MAX_BLOCK_DEPTH: usize = 32;

impl Evaluator {
    /// Reads a module's folder (once).
    fn module_src(&mut self, dir: &Path, at: Loc) -> Option<Rc<ModuleSrc>> {
        if let Some(m) = self.module_cache.get(dir) {
            return Some(m.clone());
        }
        let files = tf_files(dir);
        if files.is_empty() {
            self.error(at, format!("the module's folder {} has no .tf files", dir.display()));
            return None;
        }
        let mut src = ModuleSrc { dir: dir.to_path_buf(), ..ModuleSrc::default() };
        for path in files {
            let text = match crate::model::diagnostic::read_text(&path) {
                Ok(t) => t,
                Err(_) => {
                    self.error(at, format!("cannot read {}", path.display()));
                    continue;
                }
            };
            self.files.push(File { path, text });
            let file = self.files.len() - 1;
            if let Some(body) = self.parse(file) {
                src.add(&body, file);
            }
        }
        let src = Rc::new(src);
        self.module_cache.insert(dir.to_path_buf(), src.clone());
        Some(src)
    }

    /// Parses a file of [`Evaluator::files`]; a syntax error is located.
    pub fn parse(&mut self, file: usize) -> Option<HclBody> {
        let text = &self.files[file].text;
        if let Some(offset) = too_deep(text) {
            self.error(Loc { file, offset }, "the file nests deeper than 64 levels of brackets");
            return None;
        }
        match hcl_edit::parser::parse_body(text) {
            Ok(b) => Some(b),
            Err(e) => {
                let (line, col) = (e.location().line(), e.location().column());
                let offset = offset_of(text, line, col);
                self.error(Loc { file, offset }, format!("not valid HCL: {}", e.message()));
                None
            }
        }
    }

    /// The instances of module call `name` in module instance `inst`, made on first use.
    pub fn children(&mut self, inst: usize, name: &str, at: Loc) -> Option<Children> {
        if let Some(c) = self.insts[inst].children.get(name) {
            return Some(c.clone());
        }
        let src = self.insts[inst].src.clone();
        let decl = src.modules.iter().find(|d| d.name == name)?;
        let key = format!("module.{name}");
        if !self.insts[inst].in_progress.insert(key.clone()) {
            self.warn(at, format!("{key} refers to itself"));
            return None;
        }
        let made = self.instantiate(inst, decl);
        self.insts[inst].in_progress.remove(&key);
        let made = made?;
        self.insts[inst].children.insert(name.to_string(), made.clone());
        Some(made)
    }

    fn instantiate(&mut self, inst: usize, decl: &Decl) -> Option<Children> {
        let at = decl.loc();
        let cx = Cx { inst, file: decl.file, ..Cx::default() };
        let source = decl.attr("source").map(|e| self.expr(e, &cx)).and_then(|v| v.as_str().map(str::to_string));
        let Some(source) = source else {
            self.error(at, format!("module \"{}\" has no source", decl.name));
            return None;
        };
        let parent_dir = self.insts[inst].src.dir.clone();
        let src = match local_source(&parent_dir, &source) {
            Some(dir) => {
                let depth = self.insts[inst].depth + 1;
                if self.insts[inst].ancestors.contains(&dir) || dir == parent_dir {
                    self.error(
                        at,
                        format!("module \"{}\" calls {}, which calls it: a module cannot call itself", decl.name, dir.display()),
                    );
                    return None;
                }
                if depth > MAX_MODULE_DEPTH {
                    self.error(at, format!("modules nest deeper than {MAX_MODULE_DEPTH} levels"));
                    return None;
                }
                self.module_src(&dir, at)?
            }
            None => {
                self.warn(
                    at,
                    format!(
                        "not modelled: module \"{}\" comes from {source}, which ecsim does not download; its resources are left out",
                        decl.name
                    ),
                );
                Rc::new(ModuleSrc { dir: parent_dir.clone(), remote: Some(source.clone()), ..ModuleSrc::default() })
            }
        };
        let expansion = self.expansion(decl, inst)?;
        let prefix = self.insts[inst].prefix.clone();
        let depth = self.insts[inst].depth + 1;
        let mut ancestors = self.insts[inst].ancestors.clone();
        ancestors.push(parent_dir);
        let mut made = Vec::new();
        for (suffix, icx) in &expansion.instances {
            let mut child = ModInst::new(src.clone(), format!("{prefix}module.{}{suffix}.", decl.name), depth);
            child.ancestors = ancestors.clone();
            for a in decl.block.body.attributes() {
                let k = a.key.as_str();
                if !matches!(k, "source" | "version" | "count" | "for_each" | "providers" | "depends_on") {
                    child.inputs.insert(k.to_string(), Input::Expr(Box::new((a.value.clone(), icx.clone()))));
                }
            }
            self.insts.push(child);
            made.push((suffix.clone(), self.insts.len() - 1));
        }
        Some(match expansion.kind {
            Expanded::Single => Children::One(made.first().map(|m| m.1)?),
            Expanded::Counted => Children::Counted(made.into_iter().map(|m| m.1).collect()),
            Expanded::Keyed => Children::Keyed(
                made.into_iter().map(|(s, i)| (s.trim_start_matches("[\"").trim_end_matches("\"]").to_string(), i)).collect(),
            ),
        })
    }

    /// Every resource instance of module instance `inst` and the modules below it.
    pub fn resource_instances(&mut self, inst: usize, out: &mut Vec<ResInst>) {
        let src = self.insts[inst].src.clone();
        let prefix = self.insts[inst].prefix.clone();
        for decl in &src.resources {
            let Some(expansion) = self.expansion(decl, inst) else { continue };
            for (suffix, cx) in &expansion.instances {
                // what ecsim does not map is evaluated for its references only: its problems
                // (a function ecsim does not know in a subnet's CIDR) are not worth a warning
                let body = match super::map::is_mapped(&decl.rtype) {
                    true => self.body(&decl.block.body, cx, decl.loc(), 0),
                    false => self.quietly(|ev| ev.body(&decl.block.body, cx, decl.loc(), 0)),
                };
                out.push(ResInst {
                    addr: format!("{prefix}{}.{}{suffix}", decl.rtype, decl.name),
                    rtype: decl.rtype.clone(),
                    name: format!("{}{suffix}", decl.name),
                    body,
                });
            }
        }
        for decl in &src.modules {
            let at = decl.loc();
            let Some(children) = self.children(inst, &decl.name, at) else { continue };
            let ids: Vec<usize> = match children {
                Children::One(i) => vec![i],
                Children::Counted(v) => v,
                Children::Keyed(m) => m.into_values().collect(),
            };
            for i in ids {
                self.resource_instances(i, out);
            }
        }
    }

    /// Evaluates a block's body: attributes, nested blocks, `dynamic` blocks expanded.
    pub fn body(&mut self, body: &HclBody, cx: &Cx, at: Loc, depth: usize) -> Body {
        let mut out = Body { at, ..Body::default() };
        if depth > MAX_BLOCK_DEPTH {
            self.warn(at, "blocks nest too deep: the inner ones are left out");
            return out;
        }
        for a in body.attributes() {
            let k = a.key.as_str();
            if matches!(k, "count" | "for_each" | "provider" | "depends_on") {
                continue;
            }
            let value = self.expr(&a.value, cx);
            out.attrs.insert(k.to_string(), Attr { value, at: self.loc(&a.value, cx) });
        }
        for b in body.blocks() {
            let bat = self.loc(b, cx);
            match b.ident.as_str() {
                "lifecycle" | "provisioner" | "connection" | "timeouts" => {}
                "dynamic" => {
                    let Some(label) = b.labels.first().map(|l| l.as_str().to_string()) else { continue };
                    let iter_name = b
                        .body
                        .get_attribute("iterator")
                        .and_then(|a| a.value.as_variable().map(|v| v.as_str().to_string()))
                        .unwrap_or_else(|| label.clone());
                    let Some(content) = b.body.blocks().find(|c| c.ident.as_str() == "content") else { continue };
                    let coll = match b.body.get_attribute("for_each") {
                        Some(a) => self.expr(&a.value, cx),
                        None => continue,
                    };
                    let Some(pairs) = super::eval::iterate(&coll) else {
                        self.warn(
                            bat,
                            format!(
                                "the dynamic \"{label}\" blocks are not known before apply ({}): left out",
                                super::eval::describe(&coll)
                            ),
                        );
                        continue;
                    };
                    for (k, v) in pairs.into_iter().take(super::module::MAX_INSTANCES) {
                        let iter = Value::Map([("key".to_string(), k), ("value".to_string(), v)].into_iter().collect());
                        let inner = cx.with(&iter_name, iter);
                        let body = self.body(&content.body, &inner, bat, depth + 1);
                        out.blocks.push((label.clone(), body));
                    }
                }
                name => {
                    let body = self.body(&b.body, cx, bat, depth + 1);
                    out.blocks.push((name.to_string(), body));
                }
            }
        }
        out
    }
}

/// The byte offset of a 1-based line and column.
pub fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (start + col.saturating_sub(1)).min(text.len())
}

/// Where brackets nest deeper than 64 levels (the parser recurses on them), if they do.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '[' | '{' | '(' => {
                depth += 1;
                if depth > 64 {
                    return Some(i);
                }
            }
            ']' | '}' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
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
                self.warn(at, format!("count is not known before apply ({}): assumed 1", super::eval::describe(&n)));
                return Some(Expansion { kind: Expanded::Single, instances: vec![(String::new(), Cx { count: Some(0), ..base })] });
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
                    self.warn(at, format!("for_each is not known before apply ({}): assumed one instance", super::eval::describe(other)));
                    let each = Value::unknown("each (for_each not known before apply)");
                    return Some(Expansion {
                        kind: Expanded::Single,
                        instances: vec![(String::new(), Cx { each: Some((each.clone(), each)), ..base })],
                    });
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
