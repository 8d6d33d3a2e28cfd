//! Tasks and their lifecycle states (docs/ecs-model.md#task-groups, docs/ecs-model.md#task-lifecycle).

use serde::Serialize;

/// `lastStatus` of a task, in lifecycle order (docs/ecs-model.md#task-lifecycle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LastStatus {
    Provisioning,
    Pending,
    Activating,
    Running,
    Deactivating,
    Stopping,
    Deprovisioning,
    Stopped,
}

impl LastStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LastStatus::Provisioning => "PROVISIONING",
            LastStatus::Pending => "PENDING",
            LastStatus::Activating => "ACTIVATING",
            LastStatus::Running => "RUNNING",
            LastStatus::Deactivating => "DEACTIVATING",
            LastStatus::Stopping => "STOPPING",
            LastStatus::Deprovisioning => "DEPROVISIONING",
            LastStatus::Stopped => "STOPPED",
        }
    }
    /// PROVISIONING, PENDING or ACTIVATING: not yet RUNNING (`pendingCount`, docs/ecs-model.md#service-fields).
    pub fn is_before_running(self) -> bool {
        self < LastStatus::Running
    }
}

/// Why a task stopped (`stopCode`, docs/ecs-model.md#task-groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StopCode {
    TaskFailedToStart,
    EssentialContainerExited,
    UserInitiated,
    ServiceSchedulerInitiated,
    SpotInterruption,
    TerminationNotice,
}

impl StopCode {
    pub fn as_str(self) -> &'static str {
        match self {
            StopCode::TaskFailedToStart => "TaskFailedToStart",
            StopCode::EssentialContainerExited => "EssentialContainerExited",
            StopCode::UserInitiated => "UserInitiated",
            StopCode::ServiceSchedulerInitiated => "ServiceSchedulerInitiated",
            StopCode::SpotInterruption => "SpotInterruption",
            StopCode::TerminationNotice => "TerminationNotice",
        }
    }
}
