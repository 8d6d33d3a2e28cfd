//! Terraform: `.tf` configuration (HCL, Terraform 0.12+ and the older 0.11 syntax) with its
//! `.tfvars` files and `--var` values, and `terraform show -json` output of a plan or a state,
//! mapped onto the scenario.
//!
//! Seams: [`module`] (a folder's declarations, module instances and their inputs), [`eval`]
//! (expressions, references, templates) and [`functions`] (built-in functions) evaluate the
//! configuration; [`instances`] expands modules, `count`, `for_each` and `dynamic` blocks into
//! resource instances with evaluated bodies; [`show_json`] reads the same resource instances
//! from `terraform show -json`; [`map`] maps resource instances onto the scenario, whichever
//! way they were read.

pub mod eval;
pub mod functions;
pub mod instances;
pub mod map;
pub mod module;
pub mod refs;
pub mod show_json;
pub mod value;

use super::draft::Draft;
use super::Input;
use crate::model::diagnostic::{Diagnostic, Diagnostics};
use eval::Evaluator;
use module::{Cx, File, Input as ModInput, ModInst, ModuleSrc};
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;
use value::{Loc, Value};

/// A located message about a file read.
pub fn diagnostic(files: &[File], at: Loc, error: bool, msg: impl Into<String>) -> Diagnostic {
    let Some(f) = files.get(at.file) else {
        return Diagnostic::warning(Path::new("terraform"), 1, 1, msg);
    };
    let (line, col) = crate::model::diagnostic::line_col(&f.text, at.offset.min(f.text.len()));
    let d = match error {
        true => Diagnostic::error(&f.path, line, col, msg),
        false => Diagnostic::warning(&f.path, line, col, msg),
    };
    d.with_source(&f.text)
}

/// Imports `.tf` and `.tfvars` files: the `.tf` files are the root module, the `.tfvars`
/// files and `options.vars` its variables' values (in that order, the last one winning).
pub fn import(inputs: &[Input], options: &super::Options, draft: &mut Draft, diags: &mut Diagnostics) {
    let mut ev = Evaluator::default();
    let is_vars = |i: &Input| i.path.extension().is_some_and(|e| e == "tfvars") || i.path.to_string_lossy().ends_with(".tfvars.json");
    let tf: Vec<&Input> = inputs.iter().filter(|i| !is_vars(i)).collect();
    let root_dir = tf.first().copied().or(inputs.first()).and_then(|i| i.path.parent()).unwrap_or(Path::new("")).to_path_buf();
    ev.root_dir = root_dir.clone();
    let mut src = ModuleSrc { dir: root_dir.clone(), ..ModuleSrc::default() };
    for i in &tf {
        ev.files.push(File { path: i.path.clone(), text: i.text.clone() });
        let file = ev.files.len() - 1;
        if let Some(body) = ev.parse(file) {
            src.add(&body, file);
        }
    }
    let src = Rc::new(src);
    ev.insts.push(ModInst::new(src.clone(), String::new(), 0));
    let mut given: BTreeMap<String, Value> = BTreeMap::new();
    for i in inputs.iter().filter(|i| is_vars(i)) {
        ev.files.push(File { path: i.path.clone(), text: i.text.clone() });
        let file = ev.files.len() - 1;
        if let Some(body) = ev.parse(file) {
            let cx = Cx { inst: 0, file, template: true, ..Cx::default() };
            for a in body.attributes() {
                let v = ev.expr(&a.value, &cx);
                given.insert(a.key.as_str().to_string(), v);
            }
        }
    }
    for (k, text) in &options.vars {
        let t = text.trim_start();
        let v = match t.starts_with('[') || t.starts_with('{') {
            true => match hcl_edit::parser::parse_expr(text) {
                Ok(e) => ev.expr(&e, &Cx { template: true, ..Cx::default() }),
                Err(_) => Value::String(text.clone()),
            },
            false => Value::String(text.clone()),
        };
        given.insert(k.clone(), v);
    }
    for (k, v) in given {
        if !src.variables.contains_key(&k) && !tf.is_empty() {
            diags.push(Diagnostic::warning(
                Path::new(&format!("--var {k}")),
                1,
                1,
                format!("the configuration declares no variable `{k}`: the value is not used"),
            ));
        }
        ev.insts[0].inputs.insert(k, ModInput::Given(v));
    }
    let mut resources = Vec::new();
    if !tf.is_empty() {
        ev.resource_instances(0, &mut resources);
    }
    for (at, msg) in std::mem::take(&mut ev.errors) {
        diags.push(diagnostic(&ev.files, at, true, msg));
    }
    for (at, msg) in std::mem::take(&mut ev.warnings) {
        diags.push(diagnostic(&ev.files, at, false, msg));
    }
    if diags.has_errors() {
        return;
    }
    for name in &ev.assumed_vars {
        draft.cluster.comment(format!("assumed: variable `{name}` = \"{name}\" (it has no default; give it with --var {name}=…)"));
    }
    map::map(&resources, &ev.files, draft, diags);
}

#[cfg(test)]
mod tests;
