//! What a placement rule may read about one container instance.
//!
//! The cluster query language (`cql`) and the filters evaluate against this trait, so they can
//! be unit-tested on a hand-made instance without building a cluster.

/// Read-only facts about one container instance at the moment a task is being placed.
pub trait InstanceFacts {
    /// Value of an attribute (built-in `ecs.*`, capability or custom), `None` when absent.
    fn attribute(&self, name: &str) -> Option<&str>;
    /// `ec2InstanceId`, e.g. `i-0abc`.
    fn ec2_instance_id(&self) -> &str;
    /// `agentConnected`.
    fn agent_connected(&self) -> bool;
    /// `versionInfo.agentVersion`, e.g. `1.70.0`.
    fn agent_version(&self) -> &str;
    /// `registeredAt` as seconds since the Unix epoch (UTC).
    fn registered_at_unix_s(&self) -> i64;
    /// Tasks on the instance whose `lastStatus` is RUNNING.
    fn running_tasks_count(&self) -> u32;
    /// True iff some non-STOPPED task on the instance has a group for which `pred` is true
    /// (the existential semantics of `task:group`, docs/ecs-model.md#cluster-query-language).
    fn any_task_group(&self, pred: &mut dyn FnMut(&str) -> bool) -> bool;
}
