//! Terraform's expressions and built-in functions, each on the example of its documentation
//! (<https://developer.hashicorp.com/terraform/language/functions>).

use super::eval::Evaluator;
use super::module::{Cx, File, ModInst, ModuleSrc};
use super::value::Value;
use std::path::PathBuf;
use std::rc::Rc;

fn eval(text: &str) -> Value {
    let mut ev = Evaluator::default();
    ev.files.push(File { path: PathBuf::from("main.tf"), text: text.to_string() });
    ev.insts.push(ModInst::new(Rc::new(ModuleSrc::default()), String::new(), 0));
    let e = hcl_edit::parser::parse_expr(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let v = ev.expr(&e, &Cx::default());
    assert!(ev.warnings.is_empty() && ev.errors.is_empty(), "{text}: {:?} {:?}", ev.warnings, ev.errors);
    v
}

fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

fn n(x: f64) -> Value {
    Value::Number(x)
}

fn list(items: &[Value]) -> Value {
    Value::List(items.to_vec())
}

#[test]
fn collection_functions() {
    assert_eq!(eval(r#"lookup({a="ay", b="bee"}, "a", "what?")"#), s("ay"));
    assert_eq!(eval(r#"lookup({a="ay", b="bee"}, "c", "what?")"#), s("what?"));
    assert_eq!(eval(r#"merge({a="b", c="d"}, {e="f", c="z"})"#), eval(r#"{a="b", c="z", e="f"}"#));
    assert_eq!(eval(r#"concat(["a", ""], ["b", "c"])"#), list(&[s("a"), s(""), s("b"), s("c")]));
    assert_eq!(eval(r#"element(["a", "b", "c"], 1)"#), s("b"));
    assert_eq!(eval(r#"element(["a", "b", "c"], 3)"#), s("a"));
    assert_eq!(eval("length([])"), n(0.0));
    assert_eq!(eval(r#"length(["a", "b"])"#), n(2.0));
    assert_eq!(eval(r#"length({"a" = "b"})"#), n(1.0));
    assert_eq!(eval(r#"length("hello")"#), n(5.0));
    assert_eq!(eval(r#"keys({a=1, c=2, d=3})"#), list(&[s("a"), s("c"), s("d")]));
    assert_eq!(eval(r#"flatten([["a", "b"], [], ["c"]])"#), list(&[s("a"), s("b"), s("c")]));
    assert_eq!(eval(r#"zipmap(["a", "b"], [1, 2])"#), eval("{a = 1, b = 2}"));
    assert_eq!(eval(r#"contains(["a", "b", "c"], "a")"#), Value::Bool(true));
    assert_eq!(eval("range(3)"), list(&[n(0.0), n(1.0), n(2.0)]));
}

#[test]
fn string_functions() {
    assert_eq!(eval(r#"format("Hello, %s!", "Ander")"#), s("Hello, Ander!"));
    assert_eq!(eval(r#"format("There are %d lights", 4)"#), s("There are 4 lights"));
    assert_eq!(eval(r#"join(", ", ["foo", "bar", "baz"])"#), s("foo, bar, baz"));
    assert_eq!(eval(r#"split(",", "foo,bar,baz")"#), list(&[s("foo"), s("bar"), s("baz")]));
    assert_eq!(eval(r#"replace("1 + 2 + 3", "+", "-")"#), s("1 - 2 - 3"));
    assert_eq!(eval(r#"replace("hello world", "/w.*d/", "everybody")"#), s("hello everybody"));
    assert_eq!(eval(r#"lower("HELLO")"#), s("hello"));
    assert_eq!(eval(r#"trimspace("  hello\n\n")"#), s("hello"));
    assert_eq!(eval(r#"substr("hello world", 1, 4)"#), s("ello"));
}

#[test]
fn number_and_type_conversion_functions() {
    assert_eq!(eval("ceil(5.1)"), n(6.0));
    assert_eq!(eval("floor(4.9)"), n(4.0));
    assert_eq!(eval("min(12, 54, 3)"), n(3.0));
    assert_eq!(eval("max(12, 54, 3)"), n(54.0));
    assert_eq!(eval("tostring(5)"), s("5"));
    assert_eq!(eval(r#"tonumber("1")"#), n(1.0));
    assert_eq!(eval(r#"coalesce("", "b")"#), s("b"));
    assert_eq!(eval("coalesce(1, 2)"), n(1.0));
}

#[test]
fn encoding_functions() {
    assert_eq!(eval(r#"jsonencode({"hello" = "world"})"#), s(r#"{"hello":"world"}"#));
    assert_eq!(eval(r#"jsondecode("{\"hello\": \"world\"}")"#), eval(r#"{hello = "world"}"#));
    assert_eq!(eval(r#"try(jsondecode("not json"), "fallback")"#), s("fallback"));
}

#[test]
fn expressions_templates_for_and_splat() {
    assert_eq!(eval(r#"1 + 2 * 3 == 7 ? "yes" : "no""#), s("yes"));
    assert_eq!(eval(r#"[for s in ["a", "b"] : upper(s)]"#), list(&[s("A"), s("B")]));
    assert_eq!(eval(r#"{for k, v in {a = 1, b = 2} : k => v * 10 if v > 1}"#), eval("{b = 20}"));
    assert_eq!(eval(r#"[{id = "a"}, {id = "b"}][*].id"#), list(&[s("a"), s("b")]));
    assert_eq!(eval(r#""%{ for x in ["a", "b"] }${x},%{ endfor }""#), s("a,b,"));
    assert_eq!(eval(r#""%{ if 1 > 2 }yes%{ else }no%{ endif }""#), s("no"));
    // a single interpolation is the value itself, not its text (Terraform 0.11 wrote lists so)
    assert_eq!(eval(r#""${[1, 2]}""#), list(&[n(1.0), n(2.0)]));
}

#[test]
fn unknown_values_propagate_and_name_what_they_stand_for() {
    let mut ev = Evaluator::default();
    ev.insts.push(ModInst::new(Rc::new(ModuleSrc::default()), String::new(), 0));
    let e = hcl_edit::parser::parse_expr(r#""arn:${data.aws_caller_identity.me.account_id}""#).unwrap();
    let v = ev.expr(&e, &Cx::default());
    // the data source is not declared: a warning and an unknown value
    assert!(matches!(v, Value::Unknown(_)));
    assert_eq!(ev.warnings.len(), 1);
}
