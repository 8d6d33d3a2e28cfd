use super::job::eventbridge_expression;

#[test]
fn copilot_schedules_become_eventbridge_expressions() {
    assert_eq!(eventbridge_expression("@daily").as_deref(), Some("cron(0 0 * * ? *)"));
    assert_eq!(eventbridge_expression("@every 30m").as_deref(), Some("rate(30 minutes)"));
    assert_eq!(eventbridge_expression("0 9 * * 1-5").as_deref(), Some("cron(0 9 ? * 2-6 *)"));
    assert_eq!(eventbridge_expression("*/15 * * * *").as_deref(), Some("cron(*/15 * * * ? *)"));
    assert_eq!(eventbridge_expression("whenever"), None);
}
