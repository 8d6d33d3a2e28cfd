//! Alarm actions (PutMetricAlarm's `AlarmActions`, `OKActions`, `InsufficientDataActions`): what
//! an action ARN names, and the checks CloudWatch makes on the lists. The simulation does not
//! carry out SNS, Lambda, EC2 or Systems Manager actions; it records each one it would invoke
//! (alarm_actions.csv). Scaling-policy actions are also carried out, by `sim::scaling`.
//!
//! CloudWatch invokes a state's actions when the alarm transitions into that state, once; only
//! Auto Scaling actions are invoked again every minute the alarm stays in ALARM
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html>).
//! With `ActionsEnabled` false the state still changes but no action runs.

use std::fmt;

/// At most five actions per state (PutMetricAlarm: "Maximum number of 5 items").
pub const MAX_ACTIONS_PER_STATE: usize = 5;

/// What an action ARN invokes, by its service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// `arn:aws:sns:<region>:<account>:<topic>`: a notification.
    Sns,
    /// `arn:aws:lambda:<region>:<account>:function:<name>[:<version or alias>]`.
    Lambda,
    /// `arn:aws:automate:<region>:ec2:stop|terminate|reboot|recover`, or the
    /// `arn:aws:swf:…:action/actions/AWS_EC2.InstanceId.<Verb>/1.0` form.
    Ec2,
    /// `arn:aws:ssm:…:opsitem:<severity>…` or `arn:aws:ssm-incidents::…:responseplan/<name>`.
    SystemsManager,
    /// `arn:aws:autoscaling:…:scalingPolicy:…` (an EC2 Auto Scaling or Application Auto Scaling
    /// policy), or ecsim's short `policy:<name>`: carried out by the scaling model.
    ScalingPolicy,
}

impl ActionKind {
    /// The word alarm_actions.csv's `kind` column writes.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Sns => "sns",
            ActionKind::Lambda => "lambda",
            ActionKind::Ec2 => "ec2",
            ActionKind::SystemsManager => "ssm",
            ActionKind::ScalingPolicy => "scaling-policy",
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const EC2_VERBS: [&str; 4] = ["stop", "terminate", "reboot", "recover"];

/// What `arn` invokes, or why CloudWatch would refuse it (the text says which forms are valid).
pub fn classify(arn: &str) -> Result<ActionKind, String> {
    if arn.starts_with("policy:") && arn.len() > "policy:".len() {
        return Ok(ActionKind::ScalingPolicy);
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let valid = |ok: bool, kind: ActionKind| if ok { Ok(kind) } else { Err(format!("{arn:?} is not a valid {kind} action ARN")) };
    match parts.as_slice() {
        ["arn", partition, service, region, account, rest] if partition.starts_with("aws") => match *service {
            "sns" => valid(!region.is_empty() && !account.is_empty() && !rest.is_empty(), ActionKind::Sns),
            "lambda" => valid(!region.is_empty() && rest.starts_with("function:") && rest.len() > "function:".len(), ActionKind::Lambda),
            "automate" => valid(*account == "ec2" && EC2_VERBS.contains(rest), ActionKind::Ec2),
            "swf" => valid(rest.starts_with("action/actions/AWS_EC2.InstanceId."), ActionKind::Ec2),
            "ssm" | "ssm-incidents" => valid(!rest.is_empty(), ActionKind::SystemsManager),
            "autoscaling" => valid(rest.starts_with("scalingPolicy:"), ActionKind::ScalingPolicy),
            other => Err(format!("{arn:?}: CloudWatch alarms cannot invoke a {other:?} action")),
        },
        _ => Err(format!("{arn:?} is not an action ARN")),
    }
}

/// What to write instead of an invalid action.
pub const ACTION_HELP: &str = "use an SNS topic (arn:aws:sns:us-east-1:123456789012:ops), a Lambda function \
(arn:aws:lambda:us-east-1:123456789012:function:name), an EC2 action (arn:aws:automate:us-east-1:ec2:stop), \
a Systems Manager OpsItem or response plan, a scaling policy ARN or \"policy:<name>\"";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_action_forms_are_classified() {
        // The valid values PutMetricAlarm lists for AlarmActions / OKActions / InsufficientDataActions.
        let cases = [
            ("arn:aws:sns:us-east-1:123456789012:ops-pager", ActionKind::Sns),
            ("arn:aws:lambda:us-east-1:123456789012:function:notify", ActionKind::Lambda),
            ("arn:aws:lambda:us-east-1:123456789012:function:notify:prod", ActionKind::Lambda),
            ("arn:aws:automate:us-east-1:ec2:stop", ActionKind::Ec2),
            ("arn:aws:automate:us-east-1:ec2:recover", ActionKind::Ec2),
            ("arn:aws:swf:us-east-1:123456789012:action/actions/AWS_EC2.InstanceId.Reboot/1.0", ActionKind::Ec2),
            ("arn:aws:ssm:us-east-1:123456789012:opsitem:3#CATEGORY=Availability", ActionKind::SystemsManager),
            ("arn:aws:ssm-incidents::123456789012:responseplan/web", ActionKind::SystemsManager),
            (
                "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1a2b:resource/ecs/service/c/web:policyName/out",
                ActionKind::ScalingPolicy,
            ),
            ("policy:scale-out", ActionKind::ScalingPolicy),
        ];
        for (arn, kind) in cases {
            assert_eq!(classify(arn), Ok(kind), "{arn}");
        }
    }

    #[test]
    fn other_strings_are_refused_with_the_reason() {
        assert!(classify("ops-pager").unwrap_err().contains("not an action ARN"));
        assert!(classify("arn:aws:automate:us-east-1:ec2:hibernate").unwrap_err().contains("not a valid ec2 action"));
        assert!(classify("arn:aws:sqs:us-east-1:123456789012:queue").unwrap_err().contains("cannot invoke a \"sqs\" action"));
        assert!(classify("policy:").is_err());
    }
}
