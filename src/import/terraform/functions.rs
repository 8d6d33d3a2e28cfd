//! Terraform's built-in functions that ECS configurations use to build their values:
//! collections (`lookup`, `merge`, `concat`, `element`, `length`, `keys`, `values`, `flatten`,
//! `zipmap`, …), text (`format`, `join`, `split`, `replace`, `lower`, `trimspace`, …), numbers
//! (`ceil`, `floor`, `min`, `max`, `tonumber`, …), `coalesce`, `jsonencode` / `jsondecode`,
//! `try` / `can`, and the file functions (`file`, `templatefile`, `fileexists`) that read
//! container definitions next to a module. A function ecsim does not know (or one that needs
//! the real world: `timestamp`, `uuid`, hashes of files) gives an unknown value and a warning.

use super::eval::{Evaluator, MAX_LIST};
use super::module::{Cx, File};
use super::value::{number_text, Unknown, Value};
use hcl_edit::expr::FuncCall;
use std::collections::BTreeMap;
use std::path::Path;

/// The largest file `file()` / `templatefile()` reads.
const MAX_FILE_BYTES: u64 = 1 << 20;

impl Evaluator {
    pub fn call(&mut self, f: &FuncCall, cx: &Cx) -> Value {
        let name = f.name.name.as_str().to_string();
        let at = self.loc(f, cx);
        match name.as_str() {
            // try: the first argument that evaluates; can: whether the argument does
            "try" => {
                let n = f.args.len();
                for (i, a) in f.args.iter().enumerate() {
                    let v = self.quietly(|ev| ev.expr(a, cx));
                    // a null before the last argument is also passed over: ecsim does not apply
                    // the defaults of `optional(type, default)` attributes, and
                    // `try(var.x.enabled, true)` is how modules read them
                    if v.first_unknown().is_none() && (!matches!(v, Value::Null) || i + 1 == n) {
                        return v;
                    }
                }
                return Value::unknown("try(): no argument could be evaluated");
            }
            "can" => {
                let v = f.args.iter().next().map(|a| self.quietly(|ev| ev.expr(a, cx)));
                return Value::Bool(v.is_some_and(|v| v.first_unknown().is_none()));
            }
            _ => {}
        }
        let mut args: Vec<Value> = f.args.iter().map(|a| self.expr(a, cx)).collect();
        if f.args.expand_final() {
            if let Some(Value::List(last)) = args.pop() {
                args.extend(last);
            }
        }
        if let Some(u) = args.iter().find_map(|a| match a {
            Value::Unknown(u) if !matches!(name.as_str(), "coalesce" | "lookup" | "merge" | "concat" | "compact") => Some(u),
            _ => None,
        }) {
            return Value::Unknown(Unknown { what: format!("{name}({})", u.what), refs: u.refs.clone(), partial: None });
        }
        let result = match name.as_str() {
            "file" => self.read_file(&args, cx).map(Value::String),
            "fileexists" => match args.first().and_then(Value::as_str) {
                Some(p) => Ok(Value::Bool(self.resolve(p).is_file())),
                None => Err("fileexists needs a path".to_string()),
            },
            "templatefile" => match self.read_file(&args, cx) {
                Ok(text) => {
                    let vars = match args.get(1) {
                        Some(Value::Map(m)) => m.clone(),
                        Some(Value::Resource(r)) => r.attrs.clone(),
                        _ => BTreeMap::new(),
                    };
                    let file = self.files.len() - 1;
                    return self.render_text(&text, vars, super::value::Loc { file, offset: 0 });
                }
                Err(e) => Err(e),
            },
            other => pure(other, &args),
        };
        match result {
            Ok(v) => v,
            Err(msg) => {
                self.warn(at, format!("{name}(): {msg}"));
                Value::unknown(format!("{name}(…)"))
            }
        }
    }

    /// A path as Terraform resolves it: relative to the root module's folder (the working
    /// directory), unless it starts with `path.module`'s folder already.
    fn resolve(&self, p: &str) -> std::path::PathBuf {
        let path = Path::new(p);
        match path.is_absolute() || path.exists() {
            true => path.to_path_buf(),
            false => self.root_dir.join(path),
        }
    }

    /// Reads the file `args[0]` names (at most 1 MiB), keeping it for locations.
    fn read_file(&mut self, args: &[Value], _cx: &Cx) -> Result<String, String> {
        let Some(p) = args.first().and_then(Value::as_str) else {
            return Err("a path is needed".into());
        };
        let path = self.resolve(p);
        let len = std::fs::metadata(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?.len();
        if len > MAX_FILE_BYTES {
            return Err(format!("{} is larger than 1 MiB", path.display()));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        self.files.push(File { path, text: text.clone() });
        Ok(text)
    }
}

fn num(v: &Value) -> Result<f64, String> {
    v.as_f64().ok_or_else(|| format!("a number is needed, not a {}", v.type_name()))
}

fn text(v: &Value) -> Result<String, String> {
    v.to_text().ok_or_else(|| format!("a string is needed, not a {}", v.type_name()))
}

fn list(v: &Value) -> Result<Vec<Value>, String> {
    match v {
        Value::List(l) => Ok(l.clone()),
        Value::Null => Ok(Vec::new()),
        other => Err(format!("a list is needed, not a {}", other.type_name())),
    }
}

fn map(v: &Value) -> Result<BTreeMap<String, Value>, String> {
    match v {
        Value::Map(m) => Ok(m.clone()),
        Value::Resource(r) => Ok(r.attrs.clone()),
        Value::Null => Ok(BTreeMap::new()),
        other => Err(format!("a map is needed, not a {}", other.type_name())),
    }
}

fn arg(args: &[Value], i: usize) -> Result<&Value, String> {
    args.get(i).ok_or_else(|| format!("argument {} is missing", i + 1))
}

/// The functions that need nothing but their arguments.
pub fn pure(name: &str, args: &[Value]) -> Result<Value, String> {
    let a = |i: usize| arg(args, i);
    Ok(match name {
        "length" => Value::Number(match a(0)? {
            Value::List(l) => l.len(),
            Value::Map(m) => m.len(),
            Value::String(s) => s.chars().count(),
            Value::Resource(r) => r.attrs.len(),
            other => return Err(format!("length of a {}", other.type_name())),
        } as f64),
        "lookup" => {
            let m = a(0)?;
            let k = text(a(1)?)?;
            match (m, args.get(2)) {
                (Value::Map(m), d) => match (m.get(&k), d) {
                    (Some(v), _) => v.clone(),
                    (None, Some(d)) => d.clone(),
                    (None, None) => return Err(format!("no key \"{k}\" and no default")),
                },
                (Value::Unknown(u), _) => Value::Unknown(u.clone()),
                (other, _) => return Err(format!("lookup in a {}", other.type_name())),
            }
        }
        "element" => {
            let l = list(a(0)?)?;
            let i = num(a(1)?)? as i64;
            match l.len() {
                0 => return Err("element of an empty list".into()),
                n => l[i.rem_euclid(n as i64) as usize].clone(),
            }
        }
        "index" => {
            let l = list(a(0)?)?;
            let v = a(1)?;
            Value::Number(l.iter().position(|x| x == v).ok_or("the value is not in the list")? as f64)
        }
        "merge" => {
            let mut out = BTreeMap::new();
            for v in args {
                if let Value::Unknown(u) = v {
                    return Ok(Value::Unknown(u.clone()));
                }
                out.extend(map(v)?);
            }
            Value::Map(out)
        }
        "concat" => {
            let mut out = Vec::new();
            for v in args {
                if let Value::Unknown(u) = v {
                    return Ok(Value::Unknown(u.clone()));
                }
                out.extend(list(v)?);
            }
            Value::List(out)
        }
        "flatten" => {
            fn flat(v: &Value, out: &mut Vec<Value>) {
                match v {
                    Value::List(l) => l.iter().for_each(|x| flat(x, out)),
                    other => out.push(other.clone()),
                }
            }
            let mut out = Vec::new();
            flat(a(0)?, &mut out);
            Value::List(out)
        }
        "distinct" => {
            let mut out: Vec<Value> = Vec::new();
            for v in list(a(0)?)? {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Value::List(out)
        }
        "compact" => Value::List(list(a(0)?)?.into_iter().filter(|v| !matches!(v, Value::Null) && v.as_str() != Some("")).collect()),
        "contains" => Value::Bool(list(a(0)?)?.contains(a(1)?)),
        "keys" => Value::List(map(a(0)?)?.into_keys().map(Value::String).collect()),
        "values" => Value::List(map(a(0)?)?.into_values().collect()),
        "zipmap" => {
            let ks = list(a(0)?)?;
            let vs = list(a(1)?)?;
            Value::Map(ks.iter().zip(vs).filter_map(|(k, v)| Some((k.to_text()?, v))).collect())
        }
        "slice" => {
            let l = list(a(0)?)?;
            let (from, to) = (num(a(1)?)? as usize, num(a(2)?)? as usize);
            Value::List(l.get(from..to.min(l.len())).ok_or("slice out of range")?.to_vec())
        }
        "reverse" => Value::List(list(a(0)?)?.into_iter().rev().collect()),
        "sort" => {
            let mut l: Vec<String> = list(a(0)?)?.iter().map(text).collect::<Result<_, _>>()?;
            l.sort();
            Value::List(l.into_iter().map(Value::String).collect())
        }
        "range" => {
            let nums: Vec<f64> = args.iter().map(num).collect::<Result<_, _>>()?;
            let (start, end, step) = match nums.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s, e] => (*s, *e, if e >= s { 1.0 } else { -1.0 }),
                [s, e, st] => (*s, *e, *st),
                _ => return Err("range takes 1 to 3 numbers".into()),
            };
            if step == 0.0 {
                return Err("a step of 0".into());
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                if out.len() >= MAX_LIST {
                    return Err(format!("more than {MAX_LIST} elements"));
                }
                out.push(Value::Number(x));
                x += step;
            }
            Value::List(out)
        }
        // 0.11's list() and map()
        "list" => Value::List(args.to_vec()),
        "tolist" | "toset" => match a(0)? {
            Value::List(l) if name == "toset" => {
                let mut out: Vec<Value> = Vec::new();
                for v in l {
                    if !out.contains(v) {
                        out.push(v.clone());
                    }
                }
                Value::List(out)
            }
            v => Value::List(list(v)?),
        },
        "map" => Value::Map(args.chunks(2).filter_map(|p| Some((p.first()?.to_text()?, p.get(1)?.clone()))).collect()),
        "tomap" => Value::Map(map(a(0)?)?),
        "tostring" => match a(0)? {
            Value::Null => Value::Null,
            v => Value::String(text(v)?),
        },
        "tonumber" => match a(0)? {
            Value::Null => Value::Null,
            v => Value::Number(num(v)?),
        },
        "tobool" => match a(0)? {
            Value::Null => Value::Null,
            v => Value::Bool(v.as_bool().ok_or("not a bool")?),
        },
        "ceil" => Value::Number(num(a(0)?)?.ceil()),
        "floor" => Value::Number(num(a(0)?)?.floor()),
        "abs" => Value::Number(num(a(0)?)?.abs()),
        "signum" => Value::Number(num(a(0)?)?.signum()),
        "pow" => Value::Number(num(a(0)?)?.powf(num(a(1)?)?)),
        "min" | "max" => {
            let nums: Vec<f64> = args.iter().map(num).collect::<Result<_, _>>()?;
            let pick = |f: fn(f64, f64) -> f64| nums.iter().copied().reduce(f).ok_or("no numbers");
            Value::Number(if name == "min" { pick(f64::min)? } else { pick(f64::max)? })
        }
        "coalesce" => args.iter().find(|v| !matches!(v, Value::Null) && v.as_str() != Some("")).cloned().ok_or("no argument is set")?,
        "coalescelist" => args.iter().find(|v| v.as_list().is_some_and(|l| !l.is_empty())).cloned().ok_or("every list is empty")?,
        "join" => {
            let sep = text(a(0)?)?;
            let mut parts = Vec::new();
            for l in &args[1..] {
                for v in list(l)? {
                    parts.push(text(&v)?);
                }
            }
            Value::String(parts.join(&sep))
        }
        "split" => {
            let (sep, s) = (text(a(0)?)?, text(a(1)?)?);
            if sep.is_empty() {
                return Err("an empty separator".into());
            }
            Value::List(s.split(sep.as_str()).map(|p| Value::String(p.to_string())).collect())
        }
        "replace" => {
            let (s, from, to) = (text(a(0)?)?, text(a(1)?)?, text(a(2)?)?);
            if from.len() > 2 && from.starts_with('/') && from.ends_with('/') {
                let re = regex::Regex::new(&from[1..from.len() - 1]).map_err(|e| e.to_string())?;
                Value::String(re.replace_all(&s, to.replace("$", "$$").as_str()).into_owned())
            } else if from.is_empty() {
                Value::String(s)
            } else {
                Value::String(s.replace(&from, &to))
            }
        }
        "lower" => Value::String(text(a(0)?)?.to_lowercase()),
        "upper" => Value::String(text(a(0)?)?.to_uppercase()),
        "title" => Value::String(
            text(a(0)?)?
                .split(' ')
                .map(|w| {
                    let mut c = w.chars();
                    c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "trimspace" => Value::String(text(a(0)?)?.trim().to_string()),
        "trim" => {
            let cut: Vec<char> = text(a(1)?)?.chars().collect();
            Value::String(text(a(0)?)?.trim_matches(|c| cut.contains(&c)).to_string())
        }
        "trimprefix" => {
            let (s, p) = (text(a(0)?)?, text(a(1)?)?);
            Value::String(s.strip_prefix(p.as_str()).unwrap_or(&s).to_string())
        }
        "trimsuffix" => {
            let (s, p) = (text(a(0)?)?, text(a(1)?)?);
            Value::String(s.strip_suffix(p.as_str()).unwrap_or(&s).to_string())
        }
        "startswith" => Value::Bool(text(a(0)?)?.starts_with(&text(a(1)?)?)),
        "endswith" => Value::Bool(text(a(0)?)?.ends_with(&text(a(1)?)?)),
        "substr" => {
            let s: Vec<char> = text(a(0)?)?.chars().collect();
            let off = num(a(1)?)? as i64;
            let len = num(a(2)?)? as i64;
            let start = if off < 0 { (s.len() as i64 + off).max(0) } else { off.min(s.len() as i64) } as usize;
            let end = if len < 0 { s.len() } else { (start + len as usize).min(s.len()) };
            Value::String(s[start..end].iter().collect())
        }
        "format" => Value::String(format_fn(&text(a(0)?)?, &args[1..])?),
        "formatlist" => {
            let fmt = text(a(0)?)?;
            let n = args[1..].iter().filter_map(Value::as_list).map(<[Value]>::len).max().unwrap_or(1);
            let mut out = Vec::new();
            for i in 0..n.min(MAX_LIST) {
                let row: Vec<Value> = args[1..].iter().map(|v| v.as_list().and_then(|l| l.get(i)).unwrap_or(v).clone()).collect();
                out.push(Value::String(format_fn(&fmt, &row)?));
            }
            Value::List(out)
        }
        "jsonencode" => match a(0)?.to_json() {
            Some(j) => Value::String(serde_json::to_string(&j).map_err(|e| e.to_string())?),
            None => {
                let v = a(0)?;
                let mut refs = Vec::new();
                v.refs(&mut refs);
                let what = v.first_unknown().map_or(String::new(), |u| u.what.clone());
                let partial = serde_json::to_string(&v.to_json_partial()).ok();
                return Ok(Value::Unknown(Unknown { what, refs, partial }));
            }
        },
        "jsondecode" => {
            let j: serde_json::Value = serde_json::from_str(&text(a(0)?)?).map_err(|e| format!("not valid JSON: {e}"))?;
            Value::from_json(&j)
        }
        "basename" => Value::String(Path::new(&text(a(0)?)?).file_name().and_then(|s| s.to_str()).unwrap_or("").to_string()),
        "dirname" => Value::String(Path::new(&text(a(0)?)?).parent().map(|p| p.display().to_string()).unwrap_or_default()),
        "abspath" | "pathexpand" | "chomp" => Value::String(text(a(0)?)?.trim_end_matches(['\n', '\r']).to_string()),
        _ => return Err("ecsim does not evaluate this function".into()),
    })
}

/// Terraform's `format`: `%s`, `%d`, `%f` (with a precision), `%v`, `%q`, `%%`.
fn format_fn(fmt: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    let mut next = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() || d == '.' || d == '-' || d == '+' || d == '#' || d == ' ' {
                spec.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let verb = chars.next().ok_or("a format ending in %")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let v = next.next().ok_or("more verbs than arguments")?;
        let width: usize = spec.split('.').next().and_then(|w| w.trim_start_matches(['-', '0']).parse().ok()).unwrap_or(0).min(1000);
        let body = match verb {
            's' | 'v' => text(v)?,
            'q' => format!("{:?}", text(v)?),
            'd' => format!("{}", num(v)? as i64),
            'f' => {
                let p: usize = spec.split('.').nth(1).and_then(|p| p.parse().ok()).unwrap_or(6).min(100);
                format!("{:.*}", p, num(v)?)
            }
            'g' => number_text(num(v)?),
            other => return Err(format!("the verb %{other}")),
        };
        let pad = width.saturating_sub(body.chars().count());
        match (spec.starts_with('-'), spec.starts_with('0') && verb == 'd') {
            (true, _) => out.push_str(&format!("{body}{}", " ".repeat(pad))),
            (false, true) => out.push_str(&format!("{}{body}", "0".repeat(pad))),
            (false, false) => out.push_str(&format!("{}{body}", " ".repeat(pad))),
        }
    }
    Ok(out)
}
