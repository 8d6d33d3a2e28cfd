//! The coarse wheel: where the event queue keeps events due from about two seconds to about
//! seventy minutes ahead, until the clock comes near them.
//!
//! What lands here: the timers of tasks (a start seconds away, a stop minutes away), health
//! checks and idle-timeout watches. In the scale scenario about 500,000 of them are pending at
//! once; in one heap each pop was a sift-down through ten levels of a 24 MB array, a chain of
//! cache misses (the largest item of the run loop's profile). Here a push appends the event to
//! the bucket of its time (2^[`SHIFT`] µs wide, one of [`BUCKETS`] in a ring), and when the
//! clock reaches a bucket its events are handed over to the queue's near heap, which holds only
//! the next second's or so: each event is moved once, and sifted through a heap that fits in
//! the cache.
//!
//! Why the order is exact: every entry is due in [`base`, `base` + the ring's span), the
//! earliest bucket not handed over starting at `base`. The queue hands that bucket over
//! whenever `base` is not later than its earliest event elsewhere ([`EventQueue::pop_until`]
//! (super::EventQueue::pop_until)), so when it pops, every event of the wheel is later than the
//! one it pops. An event that falls outside the ring's reach is given back, for the queue's far
//! heap; any heap is exact, the wheel is only cheaper.

use super::queue::Pending;

/// log₂ of a bucket's width in µs: 1.05 s, within the near wheel's reach, so an event pushed
/// here (more than 2.09 s ahead) is never in a bucket already handed over.
pub const SHIFT: u32 = 20;
/// Buckets in the ring: 4,096 × 1.05 s ≈ 71.6 minutes.
pub const BUCKETS: usize = 4096;
const SPAN_US: u64 = (BUCKETS as u64) << SHIFT;
// `base` runs at most one bucket ahead of the clock (the queue hands a bucket over only when
// its start is not later than the next event, so the clock reaches the bucket): an event pushed
// here, more than `NEAR_LIMIT_US` ahead of the clock, is at or after `base`.
const _: () = assert!(super::wheel::NEAR_LIMIT_US >= 1 << SHIFT);

/// The wheel; see the module documentation.
pub struct Coarse<E> {
    /// Bucket `b` holds events due in [k·2^SHIFT, (k+1)·2^SHIFT) µs for the one k ≡ b (mod
    /// BUCKETS) within [`base_us`, `base_us` + `SPAN_US`), unordered. Made at the first push; a
    /// bucket keeps its capacity when handed over (reused a ring's turn later).
    buckets: Vec<Vec<Pending<E>>>,
    /// The start of the earliest bucket not handed over (a multiple of the bucket width).
    base_us: u64,
    len: usize,
}

impl<E: Copy> Default for Coarse<E> {
    fn default() -> Self {
        Coarse { buckets: Vec::new(), base_us: 0, len: 0 }
    }
}

impl<E: Copy> Coarse<E> {
    pub fn len(&self) -> usize {
        self.len
    }

    /// Files `p`, or gives it back when it is beyond the ring's reach (or, which the queue never
    /// does, before `base`). `now_us`: the clock, where an empty wheel starts its ring.
    #[inline]
    pub fn push(&mut self, p: Pending<E>, now_us: u64) -> Result<(), Pending<E>> {
        if self.len == 0 {
            self.base_us = now_us >> SHIFT << SHIFT;
        }
        let at = p.at().0;
        if at < self.base_us || at - self.base_us >= SPAN_US {
            return Err(p);
        }
        if self.buckets.is_empty() {
            self.buckets = (0..BUCKETS).map(|_| Vec::new()).collect();
        }
        self.buckets[(at >> SHIFT) as usize % BUCKETS].push(p);
        self.len += 1;
        Ok(())
    }

    /// The start (µs) of the earliest bucket not handed over, when the wheel holds an event: no
    /// event here is earlier.
    #[inline(always)]
    pub fn base(&self) -> Option<u64> {
        (self.len > 0).then_some(self.base_us)
    }

    /// Hands every event of the bucket at `base` to `to` and moves `base` one bucket on.
    pub fn hand_over(&mut self, mut to: impl FnMut(Pending<E>)) {
        if let Some(bucket) = self.buckets.get_mut((self.base_us >> SHIFT) as usize % BUCKETS) {
            self.len -= bucket.len();
            bucket.drain(..).for_each(&mut to);
        }
        self.base_us += 1 << SHIFT;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    #[test]
    fn events_come_back_by_bucket_and_those_out_of_reach_are_refused() {
        let mut c: Coarse<u32> = Coarse::default();
        let p = |us: u64, seq: u64| Pending::new(SimTime(us), seq, seq as u32);
        // The clock at 5 s: the ring starts at the bucket holding 5 s (4 × 2^20 µs = 4.19 s).
        assert!(c.push(p(9_000_000, 1), 5_000_000).is_ok());
        assert!(c.push(p(8_500_000, 2), 5_000_000).is_ok());
        assert_eq!(c.base(), Some(4 << SHIFT));
        // 4.19 s + 71.6 minutes is beyond the ring; before its start is refused too.
        assert!(c.push(p((4 << SHIFT) + SPAN_US, 3), 5_000_000).is_err());
        assert!(c.push(p(1_000_000, 4), 5_000_000).is_err());
        // Buckets 4..=7 hold nothing; 8.5 s and 9 s are in bucket 8 (8.39 s – 9.44 s).
        let mut out = Vec::new();
        for _ in 4..=8 {
            c.hand_over(|p| out.push(p.at().0));
        }
        out.sort();
        assert_eq!((out, c.len(), c.base()), (vec![8_500_000, 9_000_000], 0, None));
    }
}
