//! Each container instance's registration, draining and deregistration times, for
//! instances.csv, taken from its `instance` events as they are recorded: the file is written
//! from them at the end without reading millions of other events back (500,000 instances and
//! 2.7 million events in the scale run).

use crate::engine::SimTime;

/// Not (yet) happened.
const NEVER: u64 = u64::MAX;

/// The times of one instance, in µs of simulated time (`NEVER` for none).
#[derive(Debug, Clone, Copy)]
struct Times {
    /// Its last registration (a return from DRAINING is not one); 0 when none was recorded.
    registered_us: u64,
    /// The first time it went DRAINING.
    draining_us: u64,
    /// The first time it went INACTIVE or TERMINATED.
    gone_us: u64,
}

const UNSEEN: Times = Times { registered_us: 0, draining_us: NEVER, gone_us: NEVER };

/// The times by instance index.
#[derive(Debug, Clone, Default)]
pub struct Lifetimes(Vec<Times>);

impl Lifetimes {
    /// An `instance` event of instance `index` at `now`, with its status (`reason`) and its text.
    pub fn note(&mut self, index: usize, now: SimTime, reason: &str, detail: &str) {
        if self.0.len() <= index {
            self.0.resize(index + 1, UNSEEN);
        }
        let t = &mut self.0[index];
        match reason {
            // A registration (not a return from DRAINING): its text says so.
            "ACTIVE" if detail.contains(" registered in ") => t.registered_us = now.as_micros(),
            "DRAINING" if t.draining_us == NEVER => t.draining_us = now.as_micros(),
            "INACTIVE" | "TERMINATED" if t.gone_us == NEVER => t.gone_us = now.as_micros(),
            _ => {}
        }
    }

    /// Instance `index`'s (registered, draining, deregistered) times in seconds.
    pub fn seconds(&self, index: usize) -> (f64, Option<f64>, Option<f64>) {
        let t = self.0.get(index).copied().unwrap_or(UNSEEN);
        let s = |us: u64| (us != NEVER).then(|| SimTime(us).as_secs_f64());
        (SimTime(t.registered_us).as_secs_f64(), s(t.draining_us), s(t.gone_us))
    }
}
