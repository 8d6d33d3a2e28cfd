//! How a revision's application behaves once ECS starts it: its steady answers, how it serves
//! requests, and what changes during a task's life — health-check answers by time window, how
//! long it takes to answer a check, containers that exit at a given time. The pure question
//! "what does the application answer a check sent at t?" lives here; the front ends fill it.

use crate::engine::{SimTime, Span};
use crate::workload::Distribution;

/// How a revision's application behaves once ECS starts it.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// PENDING → STOPPED this long after placement (never reaches RUNNING).
    pub fails_to_start_after: Option<Span>,
    /// Essential container exits after this long RUNNING.
    pub crash_after: Option<Distribution>,
    /// Every container health check fails.
    pub container_unhealthy: bool,
    /// Time to exit after SIGTERM (capped by stopTimeout, then SIGKILL).
    pub exit_after_sigterm: Span,
    /// How the application serves requests behind a load balancer.
    pub serving: Serving,
    /// How it answers the load balancer's health checks.
    pub target_health: HealthAnswer,
    /// Fraction of requests it answers with a 5xx of its own (HTTPCode_Target_5XX_Count).
    pub error_fraction: f64,
    /// Windows of time in which health checks get another answer (`behaviour.health`).
    pub health: Vec<HealthWindow>,
    /// How long the application takes to answer a health check; `None`: 10 ms for the load
    /// balancer's, at once for a container check.
    pub health_check_response_time: Option<Span>,
    /// Containers that exit at a given time after RUNNING (`behaviour.container_exits`).
    pub container_exits: Vec<ContainerExit>,
}

/// How a task serves requests (the request queue of docs/ecs-model.md#load-balancer / DESIGN "per-task request queues").
#[derive(Debug, Clone)]
pub struct Serving {
    /// Workers serving requests in parallel.
    pub concurrency: u32,
    /// Time to serve one request when the task has the CPU it wants.
    pub service_time: Distribution,
    /// Requests waiting beyond this are refused with a 503 from the task; `None` = unbounded.
    pub queue_limit: Option<usize>,
    /// CPU units one busy worker wants (1024 = a whole vCPU: a CPU-bound worker).
    pub cpu_per_busy_worker_units: f64,
    /// Memory the task uses idle (default: half of what it reserves) and per busy worker.
    pub memory_base_mib: Option<u32>,
    pub memory_per_busy_worker_mib: f64,
}

impl Default for Serving {
    fn default() -> Self {
        Serving {
            concurrency: 1,
            service_time: Distribution::Exponential { mean: Span::from_millis(50) },
            queue_limit: None,
            cpu_per_busy_worker_units: 1024.0,
            memory_base_mib: None,
            memory_per_busy_worker_mib: 0.0,
        }
    }
}

/// The answer to a load-balancer health check (docs/ecs-model.md#alb-health-checks: an error answer vs a hang).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HealthAnswer {
    /// 200 after `HEALTH_CHECK_RESPONSE` (10 ms).
    #[default]
    Healthy,
    /// A 500 after 10 ms: fails fast.
    Error,
    /// No answer: fails at the health check's timeout.
    Hang,
}

/// Which health checks a window (or a response time) applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// The load balancer's check of the task's target (HealthCheckTimeoutSeconds applies).
    Target,
    /// The container health check of the task definition (its `timeout` applies).
    Container,
}

/// When a window is open: measured from the task's RUNNING, or on the run's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthClock {
    /// `after`/`until`: time since the task reached RUNNING.
    SinceRunning,
    /// `from`/`to`: simulated time since the start of the run.
    Absolute,
}

/// One `behaviour.health` entry: checks sent in `[start, end)` get `answer`, after
/// `response_time` when given.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthWindow {
    pub clock: HealthClock,
    pub start: Span,
    /// `None`: open until the task stops.
    pub end: Option<Span>,
    pub answer: HealthAnswer,
    /// Overrides the revision's response time inside the window.
    pub response_time: Option<Span>,
    /// `None`: both kinds of check.
    pub only: Option<CheckKind>,
}

/// One `behaviour.container_exits` entry, resolved against the task definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerExit {
    pub container: String,
    /// From the task definition: an essential container's exit stops the task.
    pub essential: bool,
    /// Time since the task reached RUNNING.
    pub after: Span,
    pub exit_code: i32,
}

/// More exits than a task has containers (at most 10) is a mistake; this bound keeps the
/// timer's index small.
pub const MAX_CONTAINER_EXITS: usize = 100;

/// The response time of a check when nothing says otherwise: the load balancer's check is
/// answered in 10 ms; a container check's result is known at once.
pub const TARGET_RESPONSE_DEFAULT: Span = Span(10_000);

impl Behaviour {
    /// What the application answers a check of `kind` sent at `now`, and how long it takes: the
    /// first `health` window open at `now`, else the revision's steady answer.
    pub fn health_at(&self, kind: CheckKind, now: SimTime, running_at: Option<SimTime>) -> (HealthAnswer, Span) {
        let steady = match kind {
            CheckKind::Target => self.target_health,
            CheckKind::Container if self.container_unhealthy => HealthAnswer::Error,
            CheckKind::Container => HealthAnswer::Healthy,
        };
        let default_response = self.health_check_response_time.unwrap_or(match kind {
            CheckKind::Target => TARGET_RESPONSE_DEFAULT,
            CheckKind::Container => Span::ZERO,
        });
        let open = self.health.iter().find(|w| {
            if w.only.is_some_and(|k| k != kind) {
                return false;
            }
            let t = match (w.clock, running_at) {
                (HealthClock::Absolute, _) => now.since(SimTime::ZERO),
                (HealthClock::SinceRunning, Some(r)) => now.since(r),
                (HealthClock::SinceRunning, None) => return false,
            };
            t >= w.start && w.end.is_none_or(|e| t < e)
        });
        match open {
            Some(w) => (w.answer, w.response_time.unwrap_or(default_response)),
            None => (steady, default_response),
        }
    }

    /// Whether some window changes the answer to checks of `kind` over time (the container check
    /// then keeps running after its first verdict, as Docker's does).
    pub fn health_varies(&self, kind: CheckKind) -> bool {
        self.health.iter().any(|w| w.only.is_none_or(|k| k == kind))
    }
}
