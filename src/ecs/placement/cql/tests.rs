//! Tests of `cql`, kept apart so the module reads on its own.

use super::*;

/// 2018-06-18T22:28:28Z, the registeredAt of the AWS documentation example.
const JUNE_18: i64 = 1_529_360_908;

/// A hand-made container instance.
struct TestInstance {
    id: &'static str,
    connected: bool,
    version: &'static str,
    running: u32,
    attributes: Vec<(&'static str, &'static str)>,
    /// Groups of the non-STOPPED tasks on the instance.
    groups: Vec<&'static str>,
}

/// i-abcd1234: a t2.small in us-east-1a with a connected agent 1.70.0, registered on
/// 2018-06-18T22:28:28Z, one running task, no task groups.
fn instance() -> TestInstance {
    let attributes = vec![("ecs.instance-type", "t2.small"), ("ecs.availability-zone", "us-east-1a")];
    TestInstance { id: "i-abcd1234", connected: true, version: "1.70.0", running: 1, attributes, groups: vec![] }
}

impl TestInstance {
    fn attr(mut self, name: &'static str, value: &'static str) -> Self {
        self.attributes.retain(|(n, _)| *n != name);
        self.attributes.push((name, value));
        self
    }
    fn typed(self, instance_type: &'static str, zone: &'static str) -> Self {
        self.attr("ecs.instance-type", instance_type).attr("ecs.availability-zone", zone)
    }
    fn tasks(mut self, groups: &[&'static str]) -> Self {
        self.groups = groups.to_vec();
        self
    }
}

impl InstanceFacts for TestInstance {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
    fn ec2_instance_id(&self) -> &str {
        self.id
    }
    fn agent_connected(&self) -> bool {
        self.connected
    }
    fn agent_version(&self) -> &str {
        self.version
    }
    fn registered_at_unix_s(&self) -> i64 {
        JUNE_18
    }
    fn running_tasks_count(&self) -> u32 {
        self.running
    }
    fn any_task_group(&self, pred: &mut dyn FnMut(&str) -> bool) -> bool {
        self.groups.iter().any(|g| pred(g))
    }
}

fn parsed(expression: &str) -> Expr {
    parse(expression).unwrap_or_else(|e| panic!("{expression:?}: {e}"))
}

fn canonical(expression: &str) -> String {
    parsed(expression).to_string()
}

/// `check! { instance; expression => expected, ... }`: each expression evaluates as expected.
macro_rules! check {
    ($instance:expr; $($expression:expr => $expected:expr),+ $(,)?) => {{
        let instance = $instance;
        $(assert_eq!(parsed(&$expression).eval(&instance), $expected, "{}", $expression);)+
    }};
}

// ---- AWS documentation examples and docs/ecs-model.md#example-memberof-regex ----------

#[test]
fn aws_documentation_examples() {
    check! { instance().tasks(&["service:production"]);
        "attribute:ecs.instance-type == t2.small" => true,
        "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]" => true,
        "attribute:ecs.instance-type =~ g2.*" => false,
        "task:group == service:production" => true,
        "not(task:group == database)" => true,
        "runningTasksCount == 1" => true,
        "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']" => true,
        "agentVersion >= 1.14.5" => true,
        "registeredAt < 2018-06-18T22:28:28Z" => false,
        "attribute:ecs.instance-type =~ t2.* and \
         attribute:ecs.availability-zone in [us-east-1a, us-east-1b]" => true,
    }
}

#[test]
fn aws_examples_on_another_instance() {
    check! { instance().typed("g2.2xlarge", "us-east-1c").tasks(&["database"]);
        "attribute:ecs.instance-type =~ g2.*" => true,
        "attribute:ecs.instance-type =~ 2.*" => false, // the whole string must match
        "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]" => false,
        "not(task:group == database)" => false,
        "task:group == service:production" => false,
    }
}

/// docs/ecs-model.md#example-memberof-regex: `.` is a regex wildcard, so t3a.medium is a member too.
#[test]
fn worked_example_member_of_regex_example() {
    let e = parsed("attribute:ecs.instance-type =~ t3.* and attribute:ecs.availability-zone != us-east-1c");
    let fleet = [
        ("i-1", "t3.medium", "us-east-1a"),
        ("i-2", "t3.large", "us-east-1c"),
        ("i-3", "m5.large", "us-east-1a"),
        ("i-4", "t3a.medium", "us-east-1b"),
    ];
    let members: Vec<_> = fleet.iter().filter(|(_, t, z)| e.eval(&instance().typed(t, z))).map(|m| m.0).collect();
    assert_eq!(members, ["i-1", "i-4"]);
    assert!(!e.is_dynamic());
}

// ---- subjects -----------------------------------------------------------------------------

#[test]
fn agent_connected_is_a_boolean() {
    check! { instance();
        "agentConnected == true" => true,
        "agentConnected != false" => true,
        "agentConnected in [false, true]" => true,
        "agentConnected =~ t.*" => true,
    }
    check! { TestInstance { connected: false, ..instance() };
        "agentConnected == true" => false,
        "agentConnected not_in [true]" => true,
        "agentConnected !~ true" => true,
    }
}

#[test]
fn agent_version_compares_numerically_per_component() {
    check! { TestInstance { version: "1.14.5", ..instance() };
        "agentVersion < 1.70.0" => true, // 14 < 70, although "1.7" > "1.1" as text
        "agentVersion > 1.9" => true,
        "agentVersion == 1.14.5.0" => true, // missing components are 0
        "agentVersion greater_than_equal 1.14" => true,
        "agentVersion != 1.14" => true,
        "agentVersion <= 1.14.4" => false,
    }
    check! { TestInstance { version: "1.70.0-rc1", ..instance() };
        "agentVersion == 1.70" => true, // the instance's suffix is ignored
    }
}

#[test]
fn registered_at_accepts_four_forms() {
    check! { instance();
        "registeredAt == 2018-06-18T22:28:28Z" => true,
        "registeredAt == 2018-06-18T22:28:28+00:00" => true,
        "registeredAt == 2018-06-18T22:28:28" => true,
        "registeredAt == 2018-06-19T00:28:28+02:00" => true,
        "registeredAt > 2018-06-18" => true, // midnight UTC
        "registeredAt less_than 2018-06-19" => true,
        "registeredAt >= 2018-06-18T22:28:29Z" => false,
    }
    assert_eq!(parse_instant("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(parse_instant("2018-06-18"), Some(1_529_280_000));
    assert_eq!(parse_instant("2000-02-29"), Some(951_782_400));
    assert_eq!(parse_instant("2001-02-29"), None);
    assert_eq!(parse_instant("2018-04-31"), None);
}

#[test]
fn running_tasks_count_is_an_integer() {
    check! { instance();
        "runningTasksCount < 2" => true,
        "runningTasksCount less_than_equal 1" => true,
        "runningTasksCount > 1" => false,
        "runningTasksCount not_equals 0" => true,
    }
}

#[test]
fn ec2_instance_id_is_a_string() {
    check! { instance();
        "ec2InstanceId == i-abcd1234" => true,
        "ec2InstanceId equals i-abcd" => false,
        "ec2InstanceId =~ i-abcd.*" => true,
        "ec2InstanceId != i-abcd1234" => false,
        "ec2InstanceId not_in [i-1, i-2]" => true,
    }
}

#[test]
fn attribute_order_is_numeric_for_numbers_else_bytewise() {
    check! { instance().attr("cores", "10").attr("tier", "b");
        "attribute:cores > 9" => true, // 10 > 9 as numbers
        "attribute:cores <= 10.0" => true, // ordering is numeric...
        "attribute:cores == 10.0" => false, // ...but == compares the text
        "attribute:cores < x" => true, // "10" < "x" byte-wise
        "attribute:tier > a" => true,
        "attribute:tier < B" => false, // byte order: 'B' < 'b'
    }
}

// ---- operators ----------------------------------------------------------------------------

#[test]
fn symbol_and_word_forms_agree() {
    let spellings = [
        ("==", "equals"),
        ("!=", "not_equals"),
        (">", "greater_than"),
        (">=", "greater_than_equal"),
        ("<", "less_than"),
        ("<=", "less_than_equal"),
        ("=~", "matches"),
        ("!~", "not_matches"),
        ("in", "in"),
        ("!in", "not_in"),
        ("!exists", "not_exists"),
    ];
    let instances = [instance().attr("n", "5"), instance().attr("n", "6"), instance()];
    for (symbol, word) in spellings {
        for value in ["5", "6", "4"] {
            let value = match symbol {
                "in" | "!in" => format!("[{value}]"),
                "!exists" => String::new(),
                _ => value.to_string(),
            };
            let a = parsed(&format!("attribute:n {symbol} {value}"));
            let b = parsed(&format!("attribute:n {word} {value}"));
            assert_eq!(a.to_string(), b.to_string());
            assert!(instances.iter().all(|i| a.eval(i) == b.eval(i)), "{a}");
        }
    }
}

#[test]
fn absent_attribute_fails_every_comparison() {
    check! { instance();
        "attribute:stack == prod" => false,
        "attribute:stack != prod" => false,
        "attribute:stack > prod" => false,
        "attribute:stack >= prod" => false,
        "attribute:stack < prod" => false,
        "attribute:stack <= prod" => false,
        "attribute:stack =~ .*" => false,
        "attribute:stack !~ prod" => false,
        "attribute:stack in [prod]" => false,
        "attribute:stack not_in [prod]" => false,
        "attribute:stack exists" => false,
        "attribute:stack !exists" => true,
        "attribute:stack not_exists" => true,
    }
}

#[test]
fn not_differs_from_not_equals_on_absent_attribute() {
    check! { instance();
        "not(attribute:stack == prod)" => true,
        "attribute:stack != prod" => false,
    }
    check! { instance().attr("stack", "dev");
        "not(attribute:stack == prod)" => true,
        "attribute:stack != prod" => true,
        "attribute:stack exists" => true,
        "attribute:stack !exists" => false,
    }
}

#[test]
fn task_group_is_existential() {
    check! { instance().tasks(&["web", "db"]);
        "task:group == web" => true,
        "task:group != web" => true, // db is not web
        "task:group in [db, cache]" => true,
        "task:group not_in [web]" => true,
        "task:group not_in [web, db]" => false,
        "task:group =~ w.*" => true,
        "task:group !~ w.*" => true,
        "task:group !~ .*" => false,
        "task:group > cache" => true,
    }
    check! { instance().tasks(&["web", "web"]);
        "task:group != web" => false,
    }
}

#[test]
fn task_group_on_an_empty_instance() {
    check! { instance();
        "task:group == web" => false,
        "task:group != web" => false,
        "task:group not_in [web]" => false,
        "task:group !~ web" => false,
        "not(task:group == web)" => true, // the anti-affinity form
    }
}

#[test]
fn regex_matches_the_whole_string() {
    check! { instance().typed("t3.large", "us-east-1a");
        "attribute:ecs.instance-type =~ t3" => false,
        "attribute:ecs.instance-type =~ large" => false,
        "attribute:ecs.instance-type =~ .*large" => true,
        "attribute:ecs.instance-type =~ 't2.micro|t3.*'" => true, // ^(?:t2.micro|t3.*)$
        "attribute:ecs.instance-type =~ t3.l.*" => true,
        "attribute:ecs.instance-type !~ t3" => true,
    }
    check! { instance().typed("xt2.micro", "us-east-1a");
        "attribute:ecs.instance-type =~ 't2.micro|t3.*'" => false, // the anchors cover both
    }
}

#[test]
fn lists_mix_bare_and_quoted_values() {
    check! { instance().attr("team", "b c");
        "attribute:team in [ a ,'b c',\"d\" ]" => true,
        "attribute:team in[a,\"b c\"]" => true,
        "attribute:team not_in ['b', c]" => true,
    }
}

// ---- structure ----------------------------------------------------------------------------

#[test]
fn and_binds_tighter_than_or() {
    let (t, f) = ("agentConnected == true", "agentConnected == false");
    check! { instance();
        format!("{t} or {f} and {f}") => true, // t or (f and f)
        format!("{f} and {f} or {t}") => true, // (f and f) or t
        format!("({t} or {f}) and {f}") => false,
    }
    assert_eq!(
        canonical("attribute:a exists and (attribute:b exists or attribute:c exists)"),
        "attribute:a exists and (attribute:b exists or attribute:c exists)"
    );
}

#[test]
fn not_binds_tighter_than_and() {
    let (t, f) = ("agentConnected == true", "agentConnected == false");
    check! { instance();
        format!("not {t} and {f}") => false, // (not t) and f
        format!("not ({t} and {f})") => true,
        format!("not {f} and {t}") => true,
        format!("not not {t}") => true,
        format!("!!{t}") => true,
    }
    assert_eq!(
        canonical("not attribute:a exists and attribute:b exists or attribute:c exists"),
        "not(attribute:a exists) and attribute:b exists or attribute:c exists"
    );
}

#[test]
fn symbol_connectives_and_free_whitespace() {
    check! { instance().tasks(&["web"]);
        "!task:group == db && runningTasksCount == 1 || agentConnected == false" => true,
        "not(task:group==database)" => true,
        "(attribute:ecs.instance-type==t2.small)or(runningTasksCount<1)" => true,
        "  agentVersion>=1.0\n\tand\tec2InstanceId   in[i-abcd1234]  " => true,
        "attribute:ecs.availability-zone in['us-east-1a','x']" => true,
    }
}

#[test]
fn bang_and_not_prefixed_operators_are_not_negation() {
    check! { instance().attr("x", "1");
        "attribute:x !in [2]" => true,
        "!attribute:x !in [1]" => true,
        "attribute:y !exists" => true,
        "!attribute:y exists" => true,
        "not attribute:x not_in [1]" => true,
        "attribute:x not_equals 2" => true,
        "not attribute:x not_matches 1" => true,
        "attribute:x != 1" => false,
    }
}

#[test]
fn quoted_values_keep_spaces_and_delimiters() {
    check! { instance().attr("team", "ops, \"blue\" (eu)").attr("v", "it's");
        "attribute:team == 'ops, \"blue\" (eu)'" => true,
        "attribute:v == \"it's\"" => true,
        "attribute:v in ['x', \"it's\"]" => true,
        "attribute:ecs.instance-type =~ 't[2-3].(small|micro)'" => true,
    }
    assert_eq!(canonical("attribute:v in [\"it's\", '', \"a 'b'\", 'a b']"), "attribute:v in [it's, '', \"a 'b'\", 'a b']");
}

#[test]
fn display_is_canonical_and_parses_back() {
    let text = canonical("! attribute:a equals 1 && (task:group in[x,y] || registeredAt less_than 2018-06-18)");
    assert_eq!(text, "not(attribute:a == 1) and (task:group in [x, y] or registeredAt < 2018-06-18)");
    assert_eq!(canonical(&text), text);
    assert_eq!(canonical("ec2InstanceId in ['i-1', 'i-2']"), "ec2InstanceId in [i-1, i-2]");
    assert_eq!(canonical("((attribute:a   matches   t3.*))"), "attribute:a =~ t3.*");
}

#[test]
fn is_dynamic_flags_task_and_agent_state() {
    let dynamic = |e: &str| parsed(e).is_dynamic();
    assert!(!dynamic("attribute:a == 1 and agentVersion > 1 or ec2InstanceId == i-1"));
    assert!(!dynamic("registeredAt > 2018-06-18"));
    assert!(dynamic("attribute:a == 1 or not(task:group == db)"));
    assert!(dynamic("runningTasksCount == 0"));
    assert!(dynamic("agentConnected == true"));
}

#[test]
fn keywords_and_operator_words_can_be_names_and_values() {
    check! { instance().attr("or", "and").attr("in", "in").attr("not", "x").tasks(&["not"]);
        "attribute:or == and" => true,
        "attribute:in in [in]" => true,
        "attribute:not exists and task:group == not" => true,
        "attribute:or == and or attribute:in == or" => true,
    }
}

#[test]
fn error_displays_with_its_column() {
    let e = parse("ec2InstanceId >= i-1").map(|e| e.to_string()).unwrap_err();
    let shown = "column 15: operator '>=' is not allowed on ec2InstanceId; \
                 use ==, !=, =~, !~, in or not_in";
    assert_eq!(e.to_string(), shown);
    let _: &dyn std::error::Error = &e;
}

/// Random expressions built from the grammar, two thirds of them then damaged by one edit:
/// undamaged ones parse, nothing panics, and whatever parses prints canonically and parses
/// back to the same text.
#[test]
fn parse_never_panics_and_display_round_trips() {
    const PREDICATES: [&str; 12] = [
        "attribute:a == 1",
        "attribute:b.c exists",
        "task:group != 'x y'",
        "agentVersion >= 1.14",
        "registeredAt < 2018-06-18T22:28:28Z",
        "agentConnected in [true]",
        "ec2InstanceId =~ i-.*",
        "runningTasksCount <= 3",
        "attribute:z not_in [\"it's\", b]",
        "attribute:q !exists",
        "task:group matches 'w(e|a)b'",
        "attribute:n greater_than 10",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let instance = instance().tasks(&["web"]).attr("a", "1");
    for round in 0..3000 {
        let mut text = String::new();
        for i in 0..=next(4) {
            if i > 0 {
                text.push_str([" and ", " or ", " && ", " || ", "\nand\t"][next(5)]);
            }
            let prefix = ["", "not ", "!", "(", "not("][next(5)];
            text.push_str(prefix);
            text.push_str(PREDICATES[next(PREDICATES.len())]);
            text.push_str(if prefix.ends_with('(') { ")" } else { "" });
        }
        let mut chars: Vec<char> = text.chars().collect();
        let at = next(chars.len());
        match round % 3 {
            1 => drop(chars.remove(at)),
            2 => chars.insert(at, "()[],'\"!=<>~ é".chars().nth(next(14)).unwrap_or(' ')),
            _ => {}
        }
        let text: String = chars.into_iter().collect();
        match parse(&text) {
            Ok(e) => {
                e.eval(&instance);
                assert_eq!(canonical(&e.to_string()), e.to_string());
            }
            Err(e) => assert!(round % 3 != 0, "undamaged {text:?}: {e}"),
        }
    }
}

proptest::proptest! {
    #[test]
    fn parse_never_panics_on_any_text(text in "\\PC{0,80}") {
        if let Ok(e) = parse(&text) {
            e.eval(&instance());
        }
    }
}
