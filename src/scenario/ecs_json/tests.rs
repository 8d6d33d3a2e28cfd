//! The shared JSON machinery: paths, scalars, located messages.
use super::*;

#[test]
fn placeholders_are_recognised_in_their_usual_forms() {
    assert_eq!(find_placeholder("arn:aws:iam::<AWS_ACCOUNT_ID>:role"), Some("<AWS_ACCOUNT_ID>"));
    assert_eq!(find_placeholder("img:{{ must_env `TAG` }}"), Some("{{ must_env `TAG` }}"));
    assert_eq!(find_placeholder("${PORT}"), Some("${PORT}"));
    assert_eq!(find_placeholder("a < b and c > d"), None);
    assert_eq!(find_placeholder("<html>"), None);
    assert_eq!(find_placeholder("plain"), None);
}

#[test]
fn suggestions_catch_typos_and_case() {
    let names = ["memory", "memoryReservation", "cpu", "name"];
    assert_eq!(did_you_mean("memroy", names.iter().copied()), Some("memory"));
    assert_eq!(did_you_mean("Memory", names.iter().copied()), Some("memory"));
    assert_eq!(did_you_mean("cpus", names.iter().copied()), Some("cpu"));
    assert_eq!(did_you_mean("volumes", names.iter().copied()), None);
    // A transposition is one edit: "memroy" is within the limit of 2 for six letters.
    assert_eq!(did_you_mean("cpu", ["cup"].into_iter()), Some("cup"));
}

#[test]
fn a_column_inside_a_string_maps_to_the_file_column() {
    // What `constraint_at` does with a CQL error at column 5 of the expression `a"b == c`:
    // the escaped quote counts as one character of the expression.
    let text = "{\"placementConstraints\": [\n  {\"type\": \"memberOf\", \"expression\": \"a\\\"b == c\"}]}";
    let ctx = Ctx::new(Path::new("t.json"), text);
    let path = JPath::root().key("placementConstraints").idx(0).key("expression");
    let d = ctx.diag(Severity::Error, &path, At::InString(4), "bad");
    // Line 2 is `  {"type": "memberOf", "expression": "a\"b == c"}]}`; the opening quote
    // of the value is column 38, so expression column 5 (the first `=`) is file column 44.
    assert_eq!((d.line, d.column), (2, 44));
    assert_eq!(d.source_line.as_deref().and_then(|l| l.get(43..44)), Some("="));
}

#[test]
fn paths_print_like_the_ecs_docs() {
    let p = JPath::root().key("containerDefinitions").idx(0).key("portMappings").idx(1).key("hostPort");
    assert_eq!(p.to_string(), "containerDefinitions[0].portMappings[1].hostPort");
    assert_eq!(p.grouped(), "containerDefinitions[*].portMappings[*].hostPort");
    assert_eq!(JPath::root().to_string(), "(top level)");
}
