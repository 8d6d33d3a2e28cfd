//! Terraform modules: a folder's `.tf` files read into declarations (variables, locals,
//! resources, data sources, module calls, outputs), and their instances — the root module with
//! the values of `.tfvars` files and `--var`, and each local `module` block (`source =
//! "./path"`) with its inputs, expanded by `count` / `for_each`, with a guard against a module
//! that calls itself.
//!
//! Everything is evaluated on demand and memoized: a local, a variable, a module's output or a
//! resource's attributes are evaluated the first time an expression refers to them, so the order
//! of the declarations does not matter, as in Terraform. A reference that loops back on itself
//! is an unknown value with a warning rather than a hang.

use super::value::{Loc, Value};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use hcl_edit::Span;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The most module calls deep a configuration may go.
pub const MAX_MODULE_DEPTH: usize = 16;
/// The most instances `count` or `for_each` may make of one resource or module.
pub const MAX_INSTANCES: usize = 1000;

/// A file read: a `.tf` file, a `.tfvars` file, or a template `templatefile()` read.
#[derive(Debug, Clone)]
pub struct File {
    pub path: PathBuf,
    pub text: String,
}

/// A `resource`, `data` or `module` block.
#[derive(Debug, Clone)]
pub struct Decl {
    /// The resource type (`aws_ecs_service`, or `module` for a module call).
    pub rtype: String,
    pub name: String,
    pub block: Block,
    pub file: usize,
}

impl Decl {
    pub fn loc(&self) -> Loc {
        Loc { file: self.file, offset: self.block.span().map_or(0, |s| s.start) }
    }

    pub fn attr(&self, key: &str) -> Option<&Expression> {
        self.block.body.get_attribute(key).map(|a| &a.value)
    }
}

/// A module's source: its declarations, from every `.tf` file of its folder.
#[derive(Debug, Default)]
pub struct ModuleSrc {
    pub dir: PathBuf,
    /// name → (default, file, offset of the block).
    pub variables: BTreeMap<String, (Option<Expression>, usize, usize)>,
    /// name → the declared `type`, as written (`string`, `number`, `list(string)`).
    pub types: BTreeMap<String, String>,
    /// name → the declared `type` expression, for the defaults of its `optional()` attributes.
    pub type_exprs: BTreeMap<String, (Expression, usize)>,
    /// Variables declared `nullable = false`: a null input takes the default.
    pub not_nullable: BTreeSet<String>,
    pub locals: BTreeMap<String, (Expression, usize)>,
    pub resources: Vec<Decl>,
    pub data: Vec<Decl>,
    pub modules: Vec<Decl>,
    pub outputs: BTreeMap<String, (Expression, usize)>,
    /// A module ecsim does not read (a registry, Git or HTTP source): its outputs are unknown.
    pub remote: Option<String>,
}

impl ModuleSrc {
    /// Adds a parsed file's declarations.
    pub fn add(&mut self, body: &Body, file: usize) {
        for block in body.blocks() {
            let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
            let offset = block.span().map_or(0, |s| s.start);
            match (block.ident.as_str(), labels.as_slice()) {
                ("variable", [name]) => {
                    let default = block.body.get_attribute("default").map(|a| a.value.clone());
                    self.variables.insert(name.to_string(), (default, file, offset));
                    if block.body.get_attribute("nullable").and_then(|a| a.value.as_bool()) == Some(false) {
                        self.not_nullable.insert(name.to_string());
                    }
                    if let Some(t) = block.body.get_attribute("type") {
                        let ty = match &t.value {
                            Expression::Variable(v) => v.as_str().to_string(),
                            Expression::String(s) => s.value().clone(),
                            other => other.to_string().trim().to_string(),
                        };
                        self.types.insert(name.to_string(), ty);
                        self.type_exprs.insert(name.to_string(), (t.value.clone(), file));
                    }
                }
                ("locals", []) => {
                    for a in block.body.attributes() {
                        self.locals.insert(a.key.as_str().to_string(), (a.value.clone(), file));
                    }
                }
                ("output", [name]) => {
                    if let Some(a) = block.body.get_attribute("value") {
                        self.outputs.insert(name.to_string(), (a.value.clone(), file));
                    }
                }
                ("resource", [rtype, name]) => {
                    self.resources.push(Decl { rtype: rtype.to_string(), name: name.to_string(), block: block.clone(), file })
                }
                ("data", [rtype, name]) => {
                    self.data.push(Decl { rtype: rtype.to_string(), name: name.to_string(), block: block.clone(), file })
                }
                ("module", [name]) => {
                    self.modules.push(Decl { rtype: "module".into(), name: name.to_string(), block: block.clone(), file })
                }
                _ => {}
            }
        }
    }

    pub fn resource(&self, rtype: &str, name: &str) -> Option<&Decl> {
        self.resources.iter().find(|d| d.rtype == rtype && d.name == name)
    }

    pub fn data_source(&self, rtype: &str, name: &str) -> Option<&Decl> {
        self.data.iter().find(|d| d.rtype == rtype && d.name == name)
    }

    pub fn has_resource_type(&self, rtype: &str) -> bool {
        self.resources.iter().any(|d| d.rtype == rtype)
    }
}

/// Where an expression is evaluated: the module instance, the file (for locations), and the
/// names in scope (`count.index`, `each`, a `for` expression's or a `dynamic` block's iterator,
/// a template's variables).
#[derive(Debug, Clone, Default)]
pub struct Cx {
    pub inst: usize,
    pub file: usize,
    pub count: Option<i64>,
    pub each: Option<(Value, Value)>,
    pub scoped: Vec<(String, Value)>,
    /// In a template file: only its variables are in scope.
    pub template: bool,
}

impl Cx {
    pub fn with(&self, name: &str, value: Value) -> Cx {
        let mut cx = self.clone();
        cx.scoped.push((name.to_string(), value));
        cx
    }

    pub fn lookup(&self, name: &str) -> Option<&Value> {
        self.scoped.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// An input of a module instance: its expression in the calling module, or a value given
/// (a root variable from a `.tfvars` file or `--var`).
#[derive(Debug, Clone)]
pub enum Input {
    Expr(Box<(Expression, Cx)>),
    Given(Value),
}

/// One instance of a module.
#[derive(Debug)]
pub struct ModInst {
    pub src: Rc<ModuleSrc>,
    /// `""` for the root, `module.web.` / `module.web[0].` (with the trailing dot) below it.
    pub prefix: String,
    pub depth: usize,
    /// The folders of the modules that called this one, to refuse a module calling itself.
    pub ancestors: Vec<PathBuf>,
    pub inputs: BTreeMap<String, Input>,
    pub vars: BTreeMap<String, Value>,
    pub locals: BTreeMap<String, Value>,
    /// Module call name → the instances it made: `None` without count/for_each, else by key.
    pub children: BTreeMap<String, Children>,
    /// Resource instance address → its evaluated attributes.
    pub resources: BTreeMap<String, Value>,
    pub in_progress: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub enum Children {
    One(usize),
    Counted(Vec<usize>),
    Keyed(BTreeMap<String, usize>),
}

impl ModInst {
    pub fn new(src: Rc<ModuleSrc>, prefix: String, depth: usize) -> ModInst {
        ModInst {
            src,
            prefix,
            depth,
            ancestors: Vec::new(),
            inputs: BTreeMap::new(),
            vars: BTreeMap::new(),
            locals: BTreeMap::new(),
            children: BTreeMap::new(),
            resources: BTreeMap::new(),
            in_progress: BTreeSet::new(),
        }
    }
}

/// The folder a local module source names, relative to the calling module's folder; `None`
/// for a registry, Git or HTTP source (which ecsim does not download).
/// Terraform 0.11 also read a bare relative path (`source = "modules/ecs"`) as a local folder.
pub fn local_source(caller: &Path, source: &str) -> Option<PathBuf> {
    if source.starts_with("./") || source.starts_with("../") {
        return Some(normalize(&caller.join(source)));
    }
    let legacy = normalize(&caller.join(source));
    let remote = source.contains("::") || source.contains("://") || source.starts_with("git@") || source.contains(".com/");
    (!remote && !tf_files(&legacy).is_empty()).then_some(legacy)
}

/// `a/b/../c` → `a/c`, without touching the file system (a folder may be given relatively).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The `.tf` files of a folder, sorted by name.
pub fn tf_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "tf")).collect())
        .unwrap_or_default();
    files.sort();
    files
}
