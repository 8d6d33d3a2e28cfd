//! Tests of `cql`'s error messages: the column points at the culprit, the message says what to
//! write. Kept apart from `tests` so each file reads on its own.

use super::*;

/// `errors! { expression => column, fragment; ... }`: each expression fails at `column` with
/// `fragment` in the message.
macro_rules! errors {
    ($($expression:expr => $column:expr, $fragment:expr);+ $(;)?) => {$({
        let e = parse(&$expression).map(|e| e.to_string()).expect_err(&$expression);
        assert_eq!(e.column, $column, "{:?}: {e}", $expression);
        assert!(e.message.contains($fragment), "{:?}: {e} lacks {:?}", $expression, $fragment);
    })+};
}

// ---- errors: the column points at the culprit, the message says what to write -------------

#[test]
fn error_unknown_subject() {
    errors! {
        "instanceType == t2.small" => 1, "unknown subject 'instanceType'; use agentConnected,";
        "attribute:a == 1 and foo:bar exists" => 22, "task:group or attribute:NAME";
        "AgentConnected == true" => 1, "case-sensitive: write agentConnected";
        "Attribute:x exists" => 1, "case-sensitive: write attribute:x";
        "attribute:a exists and ()" => 25, "expected a condition such as";
    }
}

#[test]
fn error_missing_operator() {
    errors! {
        "attribute:ecs.instance-type t3.*" => 29, "expected an operator after \
         'attribute:ecs.instance-type' (==, !=, >, >=, <, <=, =~, !~, in, not_in, exists, \
         !exists), found 't3.*'";
        "runningTasksCount" => 18, "(==, !=, >, >=, <, <=), found the end of the expression";
        "attribute:x !inside [a]" => 13, "found '!inside'";
        "attribute:x = 1" => 13, "expected an operator";
    }
}

#[test]
fn error_operator_not_allowed_on_subject() {
    errors! {
        "ec2InstanceId > i-1" => 15,
            "'>' is not allowed on ec2InstanceId; use ==, !=, =~, !~, in or not_in";
        "agentConnected greater_than true" => 16, "'greater_than' is not allowed on agentConnected";
        "agentVersion =~ 1.*" => 14, "use ==, !=, >, >=, < or <=";
        "registeredAt in [2018-06-18]" => 14, "not allowed on registeredAt";
        "runningTasksCount !~ 1" => 19, "not allowed on runningTasksCount";
        "task:group exists" => 12, "exists and !exists apply only to attribute:NAME";
        "ec2InstanceId !exists" => 15, "not allowed on ec2InstanceId";
    }
}

#[test]
fn error_value_of_the_wrong_type() {
    errors! {
        "agentConnected == yes" => 19, "agentConnected takes true or false, found 'yes'";
        "agentConnected in [true, TRUE]" => 26, "takes true or false";
        "runningTasksCount > 1.5" => 21, "whole number";
        "agentVersion >= 1.x" => 17, "dotted version such as 1.14.5";
        "agentVersion >= '1..2'" => 17, "dotted version";
        "registeredAt < 2018-13-01" => 16, "registeredAt takes 2018-06-18T22:28:28Z";
        "registeredAt < 2018-06-18T22:28:28.5Z" => 16, "registeredAt takes";
        "registeredAt < 2018-06-18 22:28" => 27, "expected 'and', 'or'";
    }
}

#[test]
fn error_bad_regular_expression_points_at_the_value() {
    errors! {
        "attribute:t =~ t3.(a" => 16, "invalid regular expression 't3.(a': unclosed group";
        "task:group !~ '(a)\\1'" => 15, "backreferences are not supported";
        "attribute:t matches (?=x).*" => 21, "look-around";
        "attribute:t =~ 'a)|(b'" => 16, "invalid regular expression 'a)|(b'";
        "attribute:t =~ t[23].*" => 16, "quoted if it holds spaces, brackets";
        "attribute:t =~ t.*]" => 19, "quote a value with brackets";
        "attribute:t =~ [ab]" => 16, "must be quoted";
        "attribute:t in [[ab]]" => 17, "must be quoted";
    }
}

#[test]
fn error_unclosed_paren_bracket_quote_at_the_opening_char() {
    errors! {
        "(attribute:a exists and (attribute:b exists)" => 1, "unclosed parenthesis";
        "not(task:group == db" => 4, "unclosed parenthesis";
        "attribute:a in [x, y" => 16, "unclosed bracket";
        "attribute:a in [x, " => 16, "unclosed bracket";
        "attribute:a == 'x y" => 16, "unclosed quote; add a closing '";
        "attribute:a in [\"x]" => 17, "unclosed quote; add a closing \"";
    }
}

#[test]
fn error_trailing_garbage_and_stray_tokens() {
    errors! {
        "attribute:a == x y" => 18, "found 'y' (quote a value that contains spaces)";
        "attribute:a == 1 AND attribute:b == 2" => 18, "expected 'and', 'or'";
        "attribute:a exists)" => 19, "unmatched ')'";
        "(attribute:a exists attribute:b exists)" => 21, "expected ')', 'and' or 'or'";
    }
}

#[test]
fn error_lists_and_missing_values() {
    errors! {
        "attribute:a in [x y]" => 19, "expected ',' or ']'";
        "attribute:a in x" => 16, "expected a list such as [a, b] after 'in'";
        "attribute:a in []" => 17, "empty list";
        "attribute:a in [x,]" => 19, "expected a value after ','";
        "attribute:a ==" => 15, "expected a value after '=='";
        "attribute:a exists and" => 23, "expected a condition";
    }
}

#[test]
fn error_attribute_names() {
    errors! {
        "attribute: == x" => 11, "expected an attribute name";
        "attribute:a@b exists" => 12, "character '@' is not allowed in an attribute name";
        format!("attribute:{} exists", "n".repeat(129)) => 139, "longer than 128";
    }
    assert!(parse(&format!("attribute:{} exists", "n".repeat(128))).is_ok());
    assert!(parse("attribute:a-b_c/d\\e.f exists").is_ok());
}

#[test]
fn error_empty_and_over_long_expressions() {
    let padded = |n: usize| format!("attribute:a exists{}", " ".repeat(n - 18));
    assert!(parse(&padded(MAX_EXPRESSION_CHARS)).is_ok());
    errors! {
        "" => 1, "empty expression";
        " \t\n" => 1, "empty expression";
        padded(2001) => 2001, "expression is 2001 characters long; the limit is 2000";
        "!".repeat(5000) => 2001, "the limit is 2000";
    }
}

#[test]
fn error_reports_the_first_problem_in_characters_not_bytes() {
    errors! {
        "foo == 1 and bar == 2" => 1, "unknown subject 'foo'";
        "attribute:a == 'é ü' and ec2InstanceId > x" => 40, "not allowed on ec2InstanceId";
        format!("{}attribute:a exists{}", "(".repeat(101), ")".repeat(101)) => 101, "deeper than 100";
    }
}

#[test]
fn keywords_are_case_sensitive() {
    errors! {
        "NOT(attribute:x exists)" => 1, "unknown subject 'NOT'";
        "attribute:a exists AND attribute:b exists" => 20, "expected 'and', 'or'";
        "attribute:a EQUALS b" => 13, "expected an operator after 'attribute:a'";
        "attribute:a In [x]" => 13, "found 'In'";
        "attribute:a not exists" => 13, "found 'not'";
    }
}
