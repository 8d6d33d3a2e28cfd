//! Input that could crash or hang the importer ends in a located answer instead: bad HCL (and
//! every truncation of a real file), evaluation that loops, and loops that multiply.

use super::{import_files, import_ok, warnings, FIXTURES, SERVICE};
use std::path::PathBuf;

#[test]
fn bad_hcl_is_a_located_error_never_a_panic() {
    let cases: &[(&str, (usize, usize))] = &[
        ("resource \"aws_ecs_service\" \"x\" {\n  name = \n}\n", (2, 9)),
        ("resource \"aws_ecs_service\" \"x\" {\n  name = \"web\"\n", (3, 1)),
        ("}}}}", (1, 1)),
    ];
    for (text, (line, _)) in cases {
        let d = import_files(&[("main.tf", text)], &[]).unwrap_err();
        let e = d.errors().next().unwrap();
        assert!(e.message.starts_with("not valid HCL"), "{}", e.message);
        assert!(e.line >= 1 && e.line <= *line + 1, "{text:?}: {}:{}", e.line, e.column);
    }
    // deep nesting is refused before parsing; garbage and every truncation of a real file
    // end in an answer
    let deep = format!("locals {{\n  x = {}1{}\n}}\n", "[".repeat(10_000), "]".repeat(10_000));
    assert!(import_files(&[("main.tf", &deep)], &[]).is_err());
    let real = std::fs::read_to_string(PathBuf::from(FIXTURES).join("fullstack/Modules/ECS/Service/main.tf")).unwrap();
    for cut in (0..real.len()).step_by(97) {
        if real.is_char_boundary(cut) {
            let _ = import_files(&[("main.tf", &real[..cut])], &[]);
        }
    }
    let garbage: String = (0..2000u32).map(|i| char::from(b"{}[]()\"$%=.,\n abc"[(i * 7919 % 17) as usize])).collect();
    let _ = import_files(&[("main.tf", &garbage)], &[]);
}

#[test]
fn evaluation_that_loops_ends() {
    // a local that refers to itself, and references between two locals
    let main = format!("{SERVICE}\nlocals {{\n  a = local.b\n  b = local.a\n}}\nresource \"aws_ecs_service\" \"s\" {{\n  name = local.a\n  task_definition = aws_ecs_task_definition.app.arn\n}}\n");
    let imported = import_ok(&[("main.tf", &main)], &[]);
    assert!(warnings(&imported).iter().any(|m| m.contains("refers to itself")));
}

#[test]
fn loops_that_multiply_are_bounded() {
    // nested template loops would render 10⁹ characters, a chain of 50,000 additions would nest
    // as deep: both end at once with a located answer
    let template = format!(
        "{SERVICE}\nlocals {{\n  x = \"%{{ for a in range(10000) }}%{{ for b in range(10000) }}xxxxxxxxxx%{{ endfor }}%{{ endfor }}\"\n}}\nresource \"aws_ecs_service\" \"s\" {{\n  name = local.x\n  task_definition = aws_ecs_task_definition.app.arn\n}}\n"
    );
    let imported = import_ok(&[("main.tf", &template)], &[]);
    assert!(warnings(&imported).iter().any(|m| m.contains("a template too large to render")));
    let chain = format!(
        "{SERVICE}\nlocals {{\n  x = {}\n}}\nresource \"aws_ecs_service\" \"s\" {{\n  name = local.x\n}}\n",
        vec!["1"; 50_000].join("+")
    );
    let d = import_files(&[("main.tf", &chain)], &[]).unwrap_err();
    // (hcl-edit itself refuses more than 128 chained operators: a located syntax error)
    assert!(d.errors().any(|e| e.line == 8 && (e.message.contains("takes too long") || e.message.contains("not valid HCL"))));
}
