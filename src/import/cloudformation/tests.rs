//! Unit tests of the template language, each like its example in the CloudFormation User
//! Guide's intrinsic function reference, and of the names and keys the mappings write.

use super::{ecs, Cx, Stack};
use crate::import::yaml;
use crate::import::Options;
use crate::model::diagnostic::Diagnostics;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

fn stack(name: &str, text: &str) -> Stack {
    let path = PathBuf::from(format!("{name}.yaml"));
    let root = yaml::parse(&path, text).unwrap();
    Stack { path, name: name.to_string(), root: Rc::new(root), given: BTreeMap::new(), parent: None, logical_id: String::new() }
}

/// Resolves `expr` (YAML) in the first of `templates`, with `--parameter` values `params`:
/// the value as JSON (`None`: AWS::NoValue) and the diagnostics as text.
fn eval_in(templates: &[(&str, &str)], params: &[(&str, &str)], expr: &str) -> (Option<Value>, String) {
    let options = Options { parameters: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..Options::default() };
    let mut diags = Diagnostics::default();
    let stacks = templates.iter().map(|(n, t)| stack(n, t)).collect();
    let mut cx = Cx::new(stacks, &options, &mut diags);
    cx.count_logical_ids();
    let node = yaml::parse(Path::new("expr.yaml"), expr).unwrap();
    let value = cx.resolve(0, &node).map(|n| n.to_json());
    drop(cx);
    (value, diags.to_string())
}

fn eval(template: &str, expr: &str) -> Value {
    let (v, diags) = eval_in(&[("stack", template)], &[], expr);
    assert!(!diags.contains("error"), "{diags}");
    v.unwrap_or(Value::Null)
}

const PARAMS: &str = "Parameters:\n  EnvType:\n    Type: String\n    Default: test\n    AllowedValues: [prod, test]\n  Count:\n    Type: Number\n    Default: '2'\n  Subnets:\n    Type: List<AWS::EC2::Subnet::Id>\nResources:\n  myELB:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    Properties:\n      Name: web\n";

#[test]
fn ref_gives_a_parameters_default_or_the_value_given() {
    assert_eq!(eval(PARAMS, "!Ref EnvType"), json!("test"));
    assert_eq!(eval(PARAMS, "{Ref: Count}"), json!("2"));
    let (v, _) = eval_in(&[("stack", PARAMS)], &[("EnvType", "prod")], "!Ref EnvType");
    assert_eq!(v, Some(json!("prod")));
    let (v, _) = eval_in(&[("stack", PARAMS)], &[("Subnets", "subnet-a,subnet-b")], "!Ref Subnets");
    assert_eq!(v, Some(json!(["subnet-a", "subnet-b"])));
}

#[test]
fn a_parameter_without_a_value_is_assumed_at_its_declaration() {
    let (v, diags) = eval_in(&[("stack", PARAMS)], &[], "!Ref Subnets");
    assert_eq!(v, Some(json!(["subnet-useast1a", "subnet-useast1b", "subnet-useast1c"])));
    assert!(diags.contains("stack.yaml:10:5: warning: assumed: parameter Subnets (List<AWS::EC2::Subnet::Id>) has no value"), "{diags}");
    let allowed = "Parameters:\n  Size:\n    Type: String\n    AllowedValues: [small, large]\nResources: {}\n";
    let (v, diags) = eval_in(&[("stack", allowed)], &[], "!Ref Size");
    assert_eq!(v, Some(json!("small")));
    assert!(diags.contains("assumed its first allowed value small"), "{diags}");
}

#[test]
fn ref_gives_pseudo_parameters_with_a_warning_and_no_value_drops_the_member() {
    let (v, diags) = eval_in(&[("stack", PARAMS)], &[], "!Ref AWS::Region");
    assert_eq!(v, Some(json!("us-east-1")));
    assert!(diags.contains("warning: assumed: AWS::Region is us-east-1"), "{diags}");
    assert_eq!(eval(PARAMS, "!Ref AWS::AccountId"), json!("123456789012"));
    assert_eq!(eval(PARAMS, "!Ref AWS::StackName"), json!("stack"));
    // The User Guide's example: DBSnapshotIdentifier only when UseDBSnapshot.
    assert_eq!(eval(PARAMS, "{A: 1, B: !Ref 'AWS::NoValue'}"), json!({"A": 1}));
    assert_eq!(eval(PARAMS, "[1, {Ref: 'AWS::NoValue'}, 3]"), json!([1, 3]));
}

#[test]
fn ref_of_a_resource_is_its_name() {
    assert_eq!(eval(PARAMS, "!Ref myELB"), json!("web"));
}

#[test]
fn fn_find_in_map_looks_up_the_two_keys() {
    let t =
        "Mappings:\n  RegionMap:\n    us-east-1:\n      HVM64: ami-0ff8a91507f77f867\n      HVMG2: ami-0a584ac55a7631c0c\nResources: {}\n";
    assert_eq!(eval(t, "!FindInMap [RegionMap, !Ref 'AWS::Region', HVM64]"), json!("ami-0ff8a91507f77f867"));
    assert_eq!(eval(t, "{'Fn::FindInMap': [RegionMap, us-east-1, HVMG2]}"), json!("ami-0a584ac55a7631c0c"));
    assert_eq!(eval(t, "!FindInMap [RegionMap, eu-west-1, HVM64, {DefaultValue: ami-default}]"), json!("ami-default"));
    let (_, diags) = eval_in(&[("stack", t)], &[], "!FindInMap [RegionMap, eu-west-1, HVM64]");
    assert!(diags.contains("error: Fn::FindInMap: Mappings has no RegionMap → eu-west-1 → HVM64"), "{diags}");
}

const CONDITIONS: &str = "Parameters:\n  EnvType:\n    Type: String\n    Default: prod\n  BucketName:\n    Type: String\n    Default: ''\nConditions:\n  IsProduction: !Equals [!Ref EnvType, prod]\n  CreateBucket: !Not [!Equals [!Ref BucketName, '']]\n  CreateBucketPolicy: !And [!Condition IsProduction, !Condition CreateBucket]\n  AnyOf: !Or [{Condition: IsProduction}, !Condition CreateBucket]\nResources: {}\n";

#[test]
fn fn_if_chooses_by_a_condition_of_equals_and_or_not() {
    assert_eq!(eval(CONDITIONS, "!If [IsProduction, c5.xlarge, t3.small]"), json!("c5.xlarge"));
    assert_eq!(eval(CONDITIONS, "!If [CreateBucket, a, b]"), json!("b"));
    assert_eq!(eval(CONDITIONS, "{'Fn::If': [CreateBucketPolicy, a, b]}"), json!("b"));
    assert_eq!(eval(CONDITIONS, "!If [AnyOf, a, b]"), json!("a"));
    assert_eq!(eval(CONDITIONS, "{X: !If [CreateBucket, a, !Ref 'AWS::NoValue']}"), json!({}));
    let (_, diags) = eval_in(&[("stack", CONDITIONS)], &[], "!If [Missing, a, b]");
    assert!(diags.contains("error: the template has no condition Missing"), "{diags}");
}

#[test]
fn a_condition_defined_in_terms_of_itself_is_an_error_not_a_hang() {
    let t = "Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\nResources: {}\n";
    let (_, diags) = eval_in(&[("stack", t)], &[], "!If [A, x, y]");
    assert!(diags.contains("is defined in terms of itself"), "{diags}");
}

#[test]
fn a_resource_whose_condition_is_false_is_left_out() {
    let t = "Conditions:\n  No: !Equals [a, b]\nResources:\n  Svc:\n    Type: AWS::ECS::Cluster\n    Condition: No\n  Other:\n    Type: AWS::ECS::Cluster\n";
    let options = Options::default();
    let mut diags = Diagnostics::default();
    let mut cx = Cx::new(vec![stack("stack", t)], &options, &mut diags);
    let ids: Vec<String> = cx.each("AWS::ECS::Cluster").into_iter().map(|(_, id, _)| id).collect();
    assert_eq!(ids, vec!["Other".to_string()]);
}

#[test]
fn fn_sub_replaces_parameters_attributes_and_keeps_literals() {
    let t = "Parameters:\n  RootDomainName:\n    Type: String\n    Default: example.com\nResources:\n  vpc:\n    Type: AWS::EC2::VPC\n  myELB:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    Properties:\n      Name: web\n";
    assert_eq!(
        eval(t, "!Sub 'arn:aws:ec2:${AWS::Region}:${AWS::AccountId}:vpc/${vpc}'"),
        json!("arn:aws:ec2:us-east-1:123456789012:vpc/vpc")
    );
    assert_eq!(eval(t, "!Sub ['www.${Domain}', {Domain: !Ref RootDomainName}]"), json!("www.example.com"));
    assert_eq!(eval(t, "{'Fn::Sub': 'http://${myELB.DNSName}/'}"), json!("http://web-1234567890.us-east-1.elb.amazonaws.com/"));
    assert_eq!(eval(t, "!Sub '${!Literal}-${RootDomainName}'"), json!("${Literal}-example.com"));
}

#[test]
fn fn_join_select_split_and_get_azs() {
    assert_eq!(
        eval(PARAMS, "!Join ['', ['arn:', !Ref AWS::Partition, ':s3:::elasticbeanstalk-*-', !Ref AWS::AccountId]]"),
        json!("arn:aws:s3:::elasticbeanstalk-*-123456789012")
    );
    assert_eq!(eval(PARAMS, "!Select ['1', [apples, grapes, oranges, mangoes]]"), json!("grapes"));
    assert_eq!(eval(PARAMS, "!Split ['|', 'a|b|c']"), json!(["a", "b", "c"]));
    assert_eq!(eval(PARAMS, "!Select [2, !Split [',', 'subnet-a,subnet-b,subnet-c']]"), json!("subnet-c"));
    assert_eq!(eval(PARAMS, "!GetAZs ''"), json!(["us-east-1a", "us-east-1b", "us-east-1c"]));
    assert_eq!(eval(PARAMS, "{'Fn::Select': [0, {'Fn::GetAZs': {Ref: 'AWS::Region'}}]}"), json!("us-east-1a"));
    let (_, diags) = eval_in(&[("stack", PARAMS)], &[], "!Select [5, [a, b]]");
    assert!(diags.contains("error: Fn::Select: index 5 is not within the list of 2 item(s)"), "{diags}");
}

#[test]
fn fn_get_att_in_both_forms_and_base64_passes_through() {
    assert_eq!(eval(PARAMS, "!GetAtt myELB.DNSName"), json!("web-1234567890.us-east-1.elb.amazonaws.com"));
    assert_eq!(eval(PARAMS, "{'Fn::GetAtt': [myELB, LoadBalancerFullName]}"), json!("app/web/0123456789abcdef"));
    assert_eq!(eval(PARAMS, "!Base64 {'Fn::Sub': 'x-${EnvType}'}"), json!("x-test"));
    let (_, diags) = eval_in(&[("stack", PARAMS)], &[], "!GetAtt Nope.Arn");
    assert!(diags.contains("error: Fn::GetAtt: the template has no resource Nope"), "{diags}");
}

#[test]
fn fn_import_value_reads_the_export_of_another_template() {
    let network = "Resources:\n  Cluster:\n    Type: AWS::ECS::Cluster\n    Properties:\n      ClusterName: prod\nOutputs:\n  ClusterName:\n    Value: !Ref Cluster\n    Export:\n      Name: !Sub '${AWS::StackName}-ClusterName'\n";
    let service = "Resources: {}\n";
    let (v, diags) = eval_in(&[("service", service), ("network", network)], &[], "!ImportValue network-ClusterName");
    assert_eq!(v, Some(json!("prod")), "{diags}");
    let (v, diags) = eval_in(&[("service", service)], &[], "{'Fn::ImportValue': !Sub '${AWS::StackName}-X'}");
    assert_eq!(v, Some(json!("service-X")));
    assert!(diags.contains("no template of the import exports it"), "{diags}");
}

#[test]
fn an_unknown_function_is_a_warning_and_left_out() {
    let (v, diags) = eval_in(&[("stack", PARAMS)], &[], "{A: !Cidr ['10.0.0.0/16', 6, 5], B: 1}");
    assert_eq!(v, Some(json!({"B": 1})));
    assert!(diags.contains("warning: not modelled: Fn::Cidr"), "{diags}");
}

#[test]
fn deeply_nested_functions_stop_at_the_limit() {
    let expr = format!("{}x{}", "{'Fn::Base64': ".repeat(60), "}".repeat(60));
    let (_, diags) = eval_in(&[("stack", PARAMS)], &[], &expr);
    assert!(!diags.contains("panicked"));
    let (v, _) = eval_in(&[("stack", PARAMS)], &[], "{'Fn::Base64': {'Fn::Base64': x}}");
    assert_eq!(v, Some(json!("x")));
}

#[test]
fn task_definition_keys_become_camel_case_but_labels_and_options_do_not() {
    assert_eq!(ecs::camel("ContainerDefinitions"), "containerDefinitions");
    assert_eq!(ecs::camel("EFSVolumeConfiguration"), "efsVolumeConfiguration");
    assert_eq!(ecs::camel("FSxWindowsFileServerVolumeConfiguration"), "fsxWindowsFileServerVolumeConfiguration");
    assert_eq!(ecs::camel("Cpu"), "cpu");
    let node = yaml::parse(
        Path::new("t.yaml"),
        "ContainerDefinitions:\n  - Name: web\n    DockerLabels: {Team: Web}\n    PortMappings: [{ContainerPort: '80'}]\n    LogConfiguration: {LogDriver: awslogs, Options: {awslogs-group: g}}\n",
    )
    .unwrap();
    let out = ecs::camel_case(&node, false).to_json();
    assert_eq!(
        out,
        json!({"containerDefinitions": [{"name": "web", "dockerLabels": {"Team": "Web"}, "portMappings": [{"containerPort": 80}], "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"}}}]})
    );
}

#[test]
fn names_made_from_logical_ids_are_unique_across_templates_and_fit_elbv2() {
    let a = "Resources:\n  TargetGroup:\n    Type: AWS::ElasticLoadBalancingV2::TargetGroup\n  Unique:\n    Type: AWS::ECS::Service\n";
    let options = Options::default();
    let mut diags = Diagnostics::default();
    let mut cx = Cx::new(vec![stack("refarch-website-service", a), stack("refarch-product-service", a)], &options, &mut diags);
    cx.count_logical_ids();
    let web = cx.ref_value(0, "TargetGroup");
    let product = cx.ref_value(1, "TargetGroup");
    assert_eq!(web, "refarch-website-serv-TargetGroup");
    assert!(web.len() <= 32 && product.len() <= 32 && web != product);
    assert_eq!(cx.ref_value(0, "Unique"), "refarch-website-service-Unique");
}
