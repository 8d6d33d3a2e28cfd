//! The data of the run: the `World` (the shared core — scenario, event queue, cluster, tasks,
//! random streams, placement indexes, recorder — and one field per concern's state), the
//! `Event`s the queue carries, and the notice bus (`World::notify`). It names no concern's
//! behaviour: the conductor (`sim/mod.rs`) builds the world, installs the listeners and
//! dispatches events; each concern's handlers are `impl World` blocks in the concern's files.

use crate::ecs::placement::index::PlacementIndex;
use crate::ecs::task_def::Reservation;
use crate::ecs::Cluster;
use crate::engine::{EventQueue, SimTime, StreamRng};
use crate::model::Scenario;
use crate::sim::alb::state::AlbState;
use crate::sim::alb::state::CheckStep;
use crate::sim::capacity::state::CapacityState;
use crate::sim::faults::state::{FaultState, FaultStep};
use crate::sim::ids::ServiceId;
use crate::sim::ids::{AsgId, FaultId, ServerId, SourceId, TargetGroupId, TaskId, WorkloadId};
use crate::sim::monitor::state::Monitor;
use crate::sim::notice::Notice;
use crate::sim::recorder::Recorder;
use crate::sim::scaling::state::{ScalingRow, ServiceScaling};
use crate::sim::services::indexes::ServiceIndexes;
use crate::sim::services::state::ServiceState;
use crate::sim::standalone::state::WorkloadState;
use crate::sim::task::{TaskTimer, Tasks};

/// Everything that can happen. Small and `Copy`: the queue moves these by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A RunTask call of a workload (Poisson: schedules the next one).
    Arrival { workload: WorkloadId },
    /// The next listed arrival time of a workload.
    ListedArrival { workload: WorkloadId },
    /// A timer of one task; ignored when the task's generation moved on (it changed state).
    TaskTimer { task: TaskId, generation: u32, timer: TaskTimer },
    /// Re-evaluate one service (coalesced: at most one pending per service and instant).
    ServiceEvaluation { service: ServiceId },
    /// The scheduler's periodic tick (every 15 s).
    SchedulerTick,
    /// The `index`-th scheduled action.
    Action { index: u16 },
    /// A waiting task's `max_wait` ran out.
    WaitExpired { workload: WorkloadId, ticket: u32 },
    /// End of a one-minute metric period.
    MinuteEnded,
    /// The next request of a traffic source reaches its load balancer.
    Request { source: SourceId },
    /// A worker of a server (a task's request queue) finishes a request; dropped when the
    /// server's generation moved on (the task went away).
    RequestDone { server: ServerId, worker: u32, generation: u32 },
    /// The oldest unanswered request of a server reaches the load balancer's idle timeout
    /// (at most one pending per server; dropped when its generation moved on).
    RequestTimeout { server: ServerId, generation: u32 },
    /// Requests sent to unreachable targets reach their timeout.
    LbTimeouts,
    /// A load-balancer health check of a target: sent, or its verdict.
    TargetCheck { group: TargetGroupId, verdict: CheckStep, server: ServerId, generation: u32 },
    /// An instance an Auto Scaling group launched registers with the cluster.
    AsgInstanceReady { group: AsgId, member: u32 },
    /// A step of a `[[faults]]` entry on `target` (an instance, a task, or an occurrence, as
    /// the step says; `None`: the fault picks its own when it fires).
    Fault { fault: FaultId, step: FaultStep, target: Option<u32> },
}

const _: () = assert!(std::mem::size_of::<Event>() <= 16);

/// A listener of the notice bus: a concern's reaction to what another concern did. The
/// conductor installs the list (`World::listeners`); a concern raising a notice names only the
/// bus.
pub type Listener = fn(&mut World<'_>, SimTime, Notice);

/// The whole simulated state.
pub struct World<'s> {
    pub scenario: &'s Scenario,
    pub queue: EventQueue<Event>,
    pub cluster: Cluster,
    /// Every task by id; finished standalone tasks are retired (freed) after the event that
    /// stopped them (`finished`).
    pub tasks: Tasks,
    /// Standalone tasks that reached STOPPED during the current event: retired once it is
    /// handled (a notice's listeners may still read them until then).
    pub finished: Vec<TaskId>,
    /// What one task of each task definition reserves.
    pub reservations: Vec<Reservation>,
    /// The task shapes of the workloads and services (for the stranded-capacity measure).
    pub shapes: Vec<Reservation>,
    pub workloads: Vec<WorkloadState>,
    pub services: Vec<ServiceState>,
    pub placement_rng: StreamRng,
    pub scale_in_rng: StreamRng,
    pub lifecycle_rng: StreamRng,
    /// One placement index per workload (when placements are not explained): the same
    /// decisions and random draws as `placement::place`, in O(log n).
    pub indexes: Vec<Option<PlacementIndex>>,
    /// Each service's placement indexes, one per revision (and capacity provider) it launches,
    /// built on first use (`sim::services::indexes`).
    pub service_indexes: Vec<ServiceIndexes>,
    pub recorder: Recorder,
    /// Check model invariants (after every event, and inside scheduler decisions).
    pub check: bool,
    /// Per instance at t = 0, under the invariant checks only (empty otherwise): the CPU units,
    /// memory MiB and ENIs its imported tasks held before the run placed any (the world owns
    /// the one cluster: the scenario's may have been moved into it).
    pub held_at_start: Vec<(u64, u64, u32)>,
    /// Tasks the scheduler told to stop during the current evaluation (for its event).
    pub stopped_this_evaluation: Vec<TaskId>,
    /// The load balancers, their targets and the request traffic.
    pub alb: AlbState,
    /// CloudWatch: published metrics and alarms.
    pub monitor: Monitor,
    /// Service Auto Scaling: scalable targets and their policies.
    pub scaling: Vec<ServiceScaling>,
    pub scaling_rows: Vec<ScalingRow>,
    /// Auto Scaling groups, capacity providers, PROVISIONING tasks, Fargate, cost.
    pub capacity: CapacityState,
    /// Injected faults and their measures.
    pub faults: FaultState,
    /// Who hears each notice, in order (installed by the conductor).
    pub listeners: &'static [Listener],
}

impl World<'_> {
    /// Hands a notice to every listener the conductor installed, in their order: the one place
    /// where concerns hear of each other. Handled at once, depth first (a listener may raise
    /// notices of its own), where it is raised: the calls the notices replaced ran there, and
    /// the outputs depend on that order.
    pub fn notify(&mut self, now: SimTime, notice: Notice) {
        let listeners = self.listeners;
        for listen in listeners {
            listen(self, now, notice);
        }
    }
}
