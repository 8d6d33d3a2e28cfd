//! `terraform show -json` output: a plan (`planned_values.root_module`) or a state
//! (`values.root_module`), child modules included, read into the same resource instances the
//! `.tf` evaluation gives, so that one mapping serves both
//! (<https://developer.hashicorp.com/terraform/internals/json-format>).
//!
//! The values are Terraform's own, already evaluated. In a plan, a value known only after apply
//! is absent; when the plan's `configuration` says which resources its expression refers to
//! (`"references": ["aws_lb_target_group.web.arn", …]`), the value becomes an unknown naming
//! them, so a service still finds its target group.

use super::instances::{offset_of, Attr, Body, ResInst};
use super::module::File;
use super::value::{Loc, Unknown, Value};
use crate::import::yaml::{self, Node};
use crate::import::Input;
use crate::model::diagnostic::Diagnostics;

/// The deepest child modules are read.
const MAX_MODULE_DEPTH: usize = 32;

/// Imports `terraform show -json` files.
pub fn import(inputs: &[Input], draft: &mut crate::import::draft::Draft, diags: &mut Diagnostics) {
    let mut files = Vec::new();
    let mut resources = Vec::new();
    for input in inputs {
        let doc = match yaml::parse(&input.path, &input.text) {
            Ok(d) => d,
            Err(e) => {
                diags.push(e);
                continue;
            }
        };
        files.push(File { path: input.path.clone(), text: input.text.clone() });
        let mut reader = Reader { file: files.len() - 1, config: None, text: &input.text, out: &mut resources };
        let root = doc.get("planned_values").or(doc.get("values")).and_then(|v| v.get("root_module"));
        let config = doc.get("configuration").and_then(|c| c.get("root_module"));
        match root {
            Some(root) => reader.module(root, config, "", 0),
            None => diags.push(doc.diagnostic(
                &input.path,
                true,
                "neither planned_values.root_module nor values.root_module: not `terraform show -json` output of a plan or a state",
            )),
        }
    }
    if !diags.has_errors() {
        super::map::map(&resources, &files, draft, diags);
    }
}

struct Reader<'a> {
    file: usize,
    /// The `configuration` of the module being read.
    config: Option<&'a Node>,
    text: &'a str,
    out: &'a mut Vec<ResInst>,
}

impl<'a> Reader<'a> {
    fn loc(&self, n: &Node) -> Loc {
        Loc { file: self.file, offset: offset_of(self.text, n.at.line, n.at.column) }
    }

    /// A module's resources and its child modules'. `config` is the module's `configuration`
    /// (for the references of values a plan does not know); `prefix` its address with a dot.
    fn module(&mut self, m: &Node, config: Option<&'a Node>, prefix: &str, depth: usize) {
        if depth > MAX_MODULE_DEPTH {
            return;
        }
        self.config = config;
        for r in m.get("resources").and_then(Node::as_seq).unwrap_or(&[]) {
            if r.get("mode").and_then(Node::as_str) == Some("data") {
                continue;
            }
            let (Some(address), Some(rtype), Some(name)) =
                (r.get("address").and_then(Node::as_str), r.get("type").and_then(Node::as_str), r.get("name").and_then(Node::as_str))
            else {
                continue;
            };
            let index = match r.get("index").map(|i| &i.value) {
                Some(yaml::Value::Int(i)) => format!("[{i}]"),
                Some(yaml::Value::Str(s)) => format!("[\"{s}\"]"),
                _ => String::new(),
            };
            let expressions = config
                .and_then(|c| c.get("resources"))
                .and_then(Node::as_seq)
                .and_then(|rs| rs.iter().find(|c| c.get("address").and_then(Node::as_str) == Some(&format!("{rtype}.{name}"))))
                .and_then(|c| c.get("expressions"));
            let empty = Node::new(r.at, yaml::Value::Map(Vec::new()));
            let values = r.get("values").unwrap_or(&empty);
            let body = self.body(values, expressions, prefix, r);
            self.out.push(ResInst { addr: address.to_string(), rtype: rtype.to_string(), name: format!("{name}{index}"), body });
        }
        for child in m.get("child_modules").and_then(Node::as_seq).unwrap_or(&[]) {
            let Some(address) = child.get("address").and_then(Node::as_str) else { continue };
            // module.a[0].module.b → the configuration of call b in call a
            let call = address.rsplit("module.").next().unwrap_or("").split('[').next().unwrap_or("");
            let child_config = config.and_then(|c| c.get("module_calls")).and_then(|mc| mc.get(call)).and_then(|c| c.get("module"));
            self.module(child, child_config, &format!("{address}."), depth + 1);
        }
        self.config = config;
    }

    /// A resource's values: arrays of objects are nested blocks, everything else an argument.
    fn body(&self, values: &Node, expressions: Option<&Node>, prefix: &str, at: &Node) -> Body {
        let mut body = Body { at: self.loc(at), ..Body::default() };
        for (k, v) in values.as_map().unwrap_or(&[]) {
            let expr = expressions.and_then(|e| e.get(k));
            match v.as_seq() {
                // an empty list is an absent block or argument
                Some([]) => {}
                Some(items) if !items.is_empty() && items.iter().all(|i| i.as_map().is_some()) => {
                    for (i, item) in items.iter().enumerate() {
                        let e = expr.and_then(Node::as_seq).and_then(|s| s.get(i));
                        body.blocks.push((k.clone(), self.body(item, e, prefix, item)));
                    }
                }
                _ => {
                    let value = match (&v.value, expr) {
                        (yaml::Value::Null, Some(e)) => references(e, prefix, self.config).unwrap_or(Value::Null),
                        _ => Value::from_json(&v.to_json()),
                    };
                    body.attrs.insert(k.clone(), Attr { value, at: self.loc(v) });
                }
            }
        }
        // a value a plan does not know is absent from `values`: its expression's references
        for (k, e) in expressions.and_then(Node::as_map).unwrap_or(&[]) {
            if !body.attrs.contains_key(k) && !body.blocks.iter().any(|(b, _)| b == k) {
                if let Some(v) = references(e, prefix, self.config) {
                    body.attrs.insert(k.clone(), Attr { value: v, at: self.loc(e) });
                }
            }
        }
        body
    }
}

/// An unknown value naming the resources an expression refers to
/// (`{"references": ["aws_lb_target_group.web.arn", "aws_lb_target_group.web"]}`).
/// A reference to a module's output (`module.alb.target_group_arns["web"]`) is followed into
/// the module's configuration, to the resources the output's expression refers to.
fn references(e: &Node, prefix: &str, config: Option<&Node>) -> Option<Value> {
    let refs: Vec<String> = e.get("references")?.as_seq()?.iter().filter_map(Node::as_str).map(str::to_string).collect();
    let what = refs.first()?.clone();
    let mut addrs = Vec::new();
    resolve(&refs, prefix, config, &mut addrs, 0);
    Some(Value::Unknown(Unknown { what, refs: addrs, partial: None }))
}

fn resolve(refs: &[String], prefix: &str, config: Option<&Node>, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_MODULE_DEPTH {
        return;
    }
    for r in refs {
        if r.starts_with("var.") || r.starts_with("local.") || r.starts_with("data.") {
            continue;
        }
        let Some(rest) = r.strip_prefix("module.") else {
            // `aws_lb_target_group.web.arn` → the instance `aws_lb_target_group.web`, here
            out.push(format!("{prefix}{r}"));
            continue;
        };
        let mut parts = rest.splitn(2, '.');
        let (Some(call), Some(output)) = (parts.next(), parts.next()) else { continue };
        let (output, key) = match output.find('[') {
            Some(i) => (&output[..i], &output[i..]),
            None => (output, ""),
        };
        let Some(child) = config.and_then(|c| c.get("module_calls")).and_then(|m| m.get(call)).and_then(|c| c.get("module")) else {
            continue;
        };
        let Some(expr) = child.get("outputs").and_then(|o| o.get(output)).and_then(|o| o.get("expression")) else { continue };
        let inner: Vec<String> =
            expr.get("references").and_then(Node::as_seq).unwrap_or(&[]).iter().filter_map(Node::as_str).map(str::to_string).collect();
        let mut found = Vec::new();
        resolve(&inner, &format!("{prefix}module.{call}."), Some(child), &mut found, depth + 1);
        // the key the output was indexed with names the instance (`this` → `this["web"]`)
        out.extend(found.into_iter().map(|a| if a.ends_with(']') || key.is_empty() { a } else { format!("{a}{key}") }));
    }
}
