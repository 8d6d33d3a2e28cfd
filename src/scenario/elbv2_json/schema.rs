//! The member names of every ELBv2 JSON object the importers read, and what ecsim does with
//! each (the field policy of `ecs_json`: modelled, unmodelled → a warning when set, derived →
//! accepted silently). Names follow the ELBv2 API reference (CreateTargetGroup,
//! DescribeTargetGroups, DescribeTargetGroupAttributes, ModifyTargetGroupAttributes,
//! CreateListener, DescribeListeners, CreateRule, DescribeRules).
//!
//! "Derived" here also covers settings that change nothing ecsim models, and that every file
//! carries, so that warning about them would only be noise: the VPC, certificates and TLS
//! policies (TLS termination costs nothing in the model), where a redirect points and what a
//! fixed response says (clients are not modelled beyond the status code).

use crate::scenario::ecs_json::schema::Field::{Derived, Modelled, Unmodelled};
use crate::scenario::ecs_json::schema::Shape::{ArrayOf, Leaf, Object};
use crate::scenario::ecs_json::schema::{Field, Schema};

const M: Field = Modelled(Leaf);

// ---- target groups ----

pub(super) static DESCRIBE_TARGET_GROUPS: Schema = Schema {
    what: "describe-target-groups output",
    fields: &[("TargetGroups", Modelled(ArrayOf(&TARGET_GROUP))), ("NextMarker", Derived)],
};

/// One target group: describe-target-groups output (`TargetGroupName`) and create-target-group
/// input (`Name`) share it.
pub(super) static TARGET_GROUP: Schema = Schema {
    what: "a target group",
    fields: &[
        ("TargetGroupName", M),
        ("Name", M),
        ("TargetGroupArn", M),
        ("Protocol", M),
        ("ProtocolVersion", M),
        ("Port", M),
        ("TargetType", M),
        ("HealthCheckProtocol", M),
        ("HealthCheckPort", M),
        ("HealthCheckEnabled", M),
        ("HealthCheckPath", M),
        ("HealthCheckIntervalSeconds", M),
        ("HealthCheckTimeoutSeconds", M),
        ("HealthyThresholdCount", M),
        ("UnhealthyThresholdCount", M),
        ("Matcher", Modelled(Object(&MATCHER))),
        ("Tags", Unmodelled),
        ("VpcId", Derived),
        ("IpAddressType", Derived),
        ("LoadBalancerArns", Derived),
    ],
};

static MATCHER: Schema = Schema { what: "a matcher", fields: &[("HttpCode", M), ("GrpcCode", M)] };

pub(super) static TARGET_GROUP_ATTRIBUTES: Schema =
    Schema { what: "target group attributes", fields: &[("Attributes", Modelled(ArrayOf(&KEY_VALUE))), ("TargetGroupArn", Derived)] };

static KEY_VALUE: Schema = Schema { what: "a key/value pair", fields: &[("Key", M), ("Value", M)] };

// ---- listeners ----

pub(super) static DESCRIBE_LISTENERS: Schema =
    Schema { what: "describe-listeners output", fields: &[("Listeners", Modelled(ArrayOf(&LISTENER))), ("NextMarker", Derived)] };

/// One listener: describe-listeners output and create-listener input.
pub(super) static LISTENER: Schema = Schema {
    what: "a listener",
    fields: &[
        ("Port", M),
        ("Protocol", M),
        ("DefaultActions", Modelled(ArrayOf(&ACTION))),
        ("Tags", Unmodelled),
        ("ListenerArn", Derived),
        ("LoadBalancerArn", Derived),
        ("Certificates", Derived),
        ("SslPolicy", Derived),
        ("AlpnPolicy", Derived),
        ("MutualAuthentication", Derived),
    ],
};

static ACTION: Schema = Schema {
    what: "an action",
    fields: &[
        ("Type", M),
        ("Order", M),
        ("TargetGroupArn", M),
        ("ForwardConfig", Modelled(Object(&FORWARD_CONFIG))),
        ("FixedResponseConfig", Modelled(Object(&FIXED_RESPONSE_CONFIG))),
        ("RedirectConfig", Modelled(Object(&REDIRECT_CONFIG))),
        // Non-terminal actions are skipped with a warning of their own.
        ("AuthenticateOidcConfig", Derived),
        ("AuthenticateCognitoConfig", Derived),
        ("JwtValidationConfig", Derived),
    ],
};

static FORWARD_CONFIG: Schema = Schema {
    what: "a forward configuration",
    fields: &[("TargetGroups", Modelled(ArrayOf(&TARGET_GROUP_TUPLE))), ("TargetGroupStickinessConfig", Modelled(Object(&STICKINESS)))],
};

static TARGET_GROUP_TUPLE: Schema = Schema { what: "a weighted target group", fields: &[("TargetGroupArn", M), ("Weight", M)] };

/// `{"Enabled": false}` is empty for the field policy, so only real stickiness warns.
static STICKINESS: Schema =
    Schema { what: "a target group stickiness configuration", fields: &[("Enabled", Unmodelled), ("DurationSeconds", Unmodelled)] };

static FIXED_RESPONSE_CONFIG: Schema =
    Schema { what: "a fixed-response configuration", fields: &[("StatusCode", M), ("ContentType", Derived), ("MessageBody", Derived)] };

static REDIRECT_CONFIG: Schema = Schema {
    what: "a redirect configuration",
    fields: &[("StatusCode", M), ("Protocol", Derived), ("Port", Derived), ("Host", Derived), ("Path", Derived), ("Query", Derived)],
};

// ---- rules ----

pub(super) static DESCRIBE_RULES: Schema =
    Schema { what: "describe-rules output", fields: &[("Rules", Modelled(ArrayOf(&RULE))), ("NextMarker", Derived)] };

/// One rule: describe-rules output and create-rule input.
pub(super) static RULE: Schema = Schema {
    what: "a rule",
    fields: &[
        ("Priority", M),
        ("IsDefault", M),
        ("Conditions", Modelled(ArrayOf(&CONDITION))),
        ("Actions", Modelled(ArrayOf(&ACTION))),
        ("Tags", Unmodelled),
        ("Transforms", Unmodelled),
        ("RuleArn", Derived),
        ("ListenerArn", Derived),
    ],
};

static CONDITION: Schema = Schema {
    what: "a rule condition",
    fields: &[
        ("Field", M),
        ("Values", M),
        ("RegexValues", M),
        ("HostHeaderConfig", Modelled(Object(&VALUES_CONFIG))),
        ("PathPatternConfig", Modelled(Object(&VALUES_CONFIG))),
        ("HttpRequestMethodConfig", Modelled(Object(&VALUES_CONFIG))),
        ("SourceIpConfig", Modelled(Object(&VALUES_CONFIG))),
        ("HttpHeaderConfig", Modelled(Object(&HTTP_HEADER_CONFIG))),
        ("QueryStringConfig", Modelled(Object(&QUERY_STRING_CONFIG))),
    ],
};

static VALUES_CONFIG: Schema = Schema { what: "a condition configuration", fields: &[("Values", M), ("RegexValues", M)] };

static HTTP_HEADER_CONFIG: Schema =
    Schema { what: "an http-header configuration", fields: &[("HttpHeaderName", M), ("Values", M), ("RegexValues", M)] };

static QUERY_STRING_CONFIG: Schema = Schema { what: "a query-string configuration", fields: &[("Values", Modelled(ArrayOf(&KEY_VALUE)))] };
