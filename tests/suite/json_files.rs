//! Where a value sits in a JSON file and what kind of AWS file it is (`scenario::json_doc`).

mod locate {
    use ecsim::scenario::json_doc::PathSeg::{Index, Key};
    use ecsim::scenario::json_doc::*;

    const DOC: &str = r#"{
      "family": "web",
      "containerDefinitions": [
    {"name": "a", "portMappings": []},
    {"name": "b", "portMappings": [{"containerPort": 80, "hostPort": 8080}]}
      ],
      "n\u0061me": "escaped"
    }"#;

    fn at(text: &str, offset: usize) -> &str {
        &text[offset..]
    }

    fn locate(text: &str, path: &[PathSeg]) -> Option<Location> {
        PositionIndex::new(text).locate(path)
    }

    fn locate_nearest(text: &str, path: &[PathSeg]) -> (Location, usize) {
        PositionIndex::new(text).locate_nearest(path)
    }

    #[test]
    fn finds_keys_and_values_along_a_path() {
        let loc = locate(DOC, &[Key("containerDefinitions"), Index(1), Key("portMappings"), Index(0), Key("hostPort")]).unwrap();
        assert!(at(DOC, loc.key.unwrap()).starts_with("\"hostPort\""));
        assert!(at(DOC, loc.value).starts_with("8080}"));
        let loc = locate(DOC, &[Key("containerDefinitions"), Index(1)]).unwrap();
        assert_eq!(loc.key, None);
        assert!(at(DOC, loc.value).starts_with("{\"name\": \"b\""));
    }

    #[test]
    fn escaped_member_names_match_their_decoded_form() {
        let loc = locate(DOC, &[Key("name")]).unwrap();
        assert!(at(DOC, loc.value).starts_with("\"escaped\""));
    }

    #[test]
    fn missing_steps_give_none_and_nearest_gives_the_parent() {
        assert_eq!(locate(DOC, &[Key("memory")]), None);
        assert_eq!(locate(DOC, &[Key("containerDefinitions"), Index(7)]), None);
        let (loc, found) = locate_nearest(DOC, &[Key("containerDefinitions"), Index(0), Key("memory")]);
        assert_eq!(found, 2);
        assert!(at(DOC, loc.value).starts_with("{\"name\": \"a\""));
    }

    #[test]
    fn the_last_duplicate_wins_like_serde_json() {
        let text = r#"{"a": 1, "a": 2}"#;
        assert!(at(text, locate(text, &[Key("a")]).unwrap().value).starts_with("2}"));
    }

    #[test]
    fn columns_inside_strings_account_for_escapes() {
        // Decoded: `a"b\u{e9}c`; the CQL column of `c` is 5 (index 4).
        let text = r#"{"e": "a\"b\u00e9c"}"#;
        let start = locate(text, &[Key("e")]).unwrap().value;
        let off = string_char_offset(text, start, 4).unwrap();
        assert!(at(text, off).starts_with("c\""));
        // One past the end is the closing quote.
        assert!(at(text, string_char_offset(text, start, 5).unwrap()).starts_with('"'));
        assert_eq!(string_char_offset(text, start, 6), None);
    }

    #[test]
    fn nested_arrays_duplicates_and_truncated_text_are_indexed() {
        let dup = r#"{"a": {"b": 1}, "a": {"c": [1, {"d": 2}]}, "e": []}"#;
        // The first "a" was replaced by the second: it has no "b".
        assert_eq!(locate(dup, &[Key("a"), Key("b")]), None);
        assert!(at(dup, locate(dup, &[Key("a"), Key("c"), Index(1), Key("d")]).unwrap().value).starts_with("2}"));
        assert_eq!(locate(dup, &[Key("e"), Index(0)]), None);
        let (loc, found) = locate_nearest(dup, &[Key("e"), Index(0)]);
        assert_eq!((found, at(dup, loc.value)), (1, "[]}"));
        let arrays = "[1, [2, 3], {\"x\": 4}]";
        assert!(at(arrays, locate(arrays, &[Index(1), Index(1)]).unwrap().value).starts_with("3]"));
        let x = locate(arrays, &[Index(2), Key("x")]).unwrap();
        assert!(at(arrays, x.key.unwrap()).starts_with("\"x\""));
        assert_eq!(locate("  7 ", &[]).map(|l| l.value), Some(2));
        assert_eq!(locate("  7 ", &[Key("a")]), None);
        assert_eq!(locate_nearest("", &[Key("a")]), (Location { key: None, value: 0 }, 0));
        // Truncated text keeps what was read before the problem.
        let cut = "{\"a\": [1,";
        assert!(at(cut, locate(cut, &[Key("a"), Index(0)]).unwrap().value).starts_with("1,"));
        // The element after the last comma is where the text ends.
        assert_eq!(locate(cut, &[Key("a"), Index(1)]).map(|l| l.value), Some(cut.len()));
        assert_eq!(locate(cut, &[Key("a"), Index(2)]), None);
    }

    #[test]
    fn never_panics_on_garbage() {
        for text in ["", "{", "[", "{\"a\"", "{\"a\":", "{\"a\": [1,", "\"\\", "{\"a\" 1}", "]", "{\"\\u12"] {
            let _ = locate(text, &[Key("a"), Index(0), Key("b")]);
            let _ = locate_nearest(text, &[Key("a"), Index(3)]);
            let _ = string_char_offset(text, 0, 3);
        }
    }
}

mod kind {
    use ecsim::scenario::json_doc::*;
    use serde_json::json;

    #[test]
    fn each_ecs_shape_is_told_by_its_keys() {
        use JsonKind::*;
        let cases = [
            // CreateService input names its task definition; it is still a service.
            (json!({"serviceName": "web", "taskDefinition": "web:1", "desiredCount": 2}), Service),
            (json!({"serviceName": "web", "desiredCount": 2}), Service),
            (json!({"service": {"serviceName": "web"}}), Service),
            (json!({"services": [], "failures": []}), Service),
            (json!({"family": "web", "containerDefinitions": []}), TaskDefinition),
            (json!({"taskDefinition": {"family": "web"}}), TaskDefinition),
            (json!({"tasks": [], "failures": []}), Tasks),
            (json!({"containerInstances": [], "failures": []}), ContainerInstances),
            (json!({"TargetGroups": []}), TargetGroups),
            (json!({"Rules": []}), Rules),
        ];
        for (doc, kind) in cases {
            assert_eq!(json_kind(&doc), Ok(kind), "{doc}");
        }
    }

    #[test]
    fn other_shapes_say_what_they_look_like() {
        let cfn = json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}});
        assert_eq!(json_kind(&cfn), Err("a CloudFormation template (give it to `ecsim import`, `run` or `check` on its own)".into()));
        let cfn_no_version = json!({"Resources": {"Svc": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 2}}}});
        assert!(json_kind(&cfn_no_version).unwrap_err().starts_with("a CloudFormation template"));
        let run_task = json!({"cluster": "c", "taskDefinition": "web:1", "count": 2});
        assert!(json_kind(&run_task).unwrap_err().starts_with("run-task or start-task input"));
        let other = json!({"a": 1, "b": [2]});
        assert_eq!(
            json_kind(&other),
            Err("a JSON object with the top-level keys \"a\", \"b\", which is none of the shapes `check` reads".into())
        );
        assert_eq!(json_kind(&json!([1, 2])), Err("a JSON array of 2 element(s), not an object".into()));
    }

    #[test]
    fn a_file_of_another_kind_is_named_when_a_loader_expects_one_kind() {
        let service = json!({"serviceName": "web", "taskDefinition": "web:1", "desiredCount": 2});
        assert_eq!(
            other_shape(&service, JsonKind::TaskDefinition).as_deref(),
            Some("a service (create-service input or create/update/describe-services output)")
        );
        assert_eq!(other_shape(&service, JsonKind::Service), None);
        // A hand-written file with a typo is left to the loader, which suggests the key.
        assert_eq!(other_shape(&json!({"famly": "web"}), JsonKind::TaskDefinition), None);
    }

    #[test]
    fn yaml_files_are_named() {
        assert!(describe_yaml("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n").starts_with("a CloudFormation template"));
        assert!(describe_yaml("version: '3'\nservices:\n  web:\n").starts_with("a Docker Compose file"));
        assert!(describe_yaml("name: web\ntype: Load Balanced Web Service\n").starts_with("an AWS Copilot manifest"));
    }
}
