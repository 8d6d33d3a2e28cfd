//! The future-event list: a binary min-heap on (time, sequence).
//!
//! The sequence number makes the order total: events scheduled for the same instant pop in the
//! order they were scheduled, so a run never depends on how the heap breaks ties.

use super::time::{SimTime, Span};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// `key` = time (µs) in the high 64 bits, sequence in the low 64: one branch-free u128
/// comparison orders by (time, sequence).
struct Pending<E> {
    key: u128,
    event: E,
}

impl<E> Pending<E> {
    #[inline]
    fn new(at: SimTime, seq: u64, event: E) -> Self {
        Pending { key: (at.0 as u128) << 64 | seq as u128, event }
    }
    #[inline]
    fn at(&self) -> SimTime {
        SimTime((self.key >> 64) as u64)
    }
}

impl<E> PartialEq for Pending<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Pending<E> {}
impl<E> PartialOrd for Pending<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Pending<E> {
    /// Reversed so that `BinaryHeap` (a max-heap) pops the earliest (time, seq) first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// Events waiting to happen, and the current simulated time.
pub struct EventQueue<E> {
    heap: BinaryHeap<Pending<E>>,
    now: SimTime,
    next_seq: u64,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        // Sequence 0 is reserved for `schedule_first`.
        EventQueue { heap: BinaryHeap::with_capacity(1024), now: SimTime::ZERO, next_seq: 1, popped: 0 }
    }

    /// The time of the event being handled (or of the last one handled).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `at`. Scheduling in the past is a model bug, not user input.
    #[inline(always)]
    pub fn schedule(&mut self, at: SimTime, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past: {at} < {}", self.now);
        let at = at.max(self.now);
        self.heap.push(Pending::new(at, self.next_seq, event));
        self.next_seq += 1;
    }

    /// Schedules `event` at `at`, before every other event of that instant, whenever they were
    /// scheduled. For period boundaries (metric minutes), which close the period before
    /// anything at its end happens. At most one such event may exist per instant: two would
    /// tie on (time, sequence).
    pub fn schedule_first(&mut self, at: SimTime, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past: {at} < {}", self.now);
        let at = at.max(self.now);
        self.heap.push(Pending::new(at, 0, event));
    }

    /// Schedules `event` after `delay` from now.
    pub fn schedule_in(&mut self, delay: Span, event: E) {
        self.schedule(self.now + delay, event);
    }

    /// Removes the earliest event and advances the clock to its time.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let p = self.heap.pop()?;
        let at = p.at();
        self.now = at;
        self.popped += 1;
        Some((at, p.event))
    }

    /// Time of the next event without removing it.
    #[inline(always)]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|p| p.at())
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
    /// Events handled so far (for events-per-second figures).
    pub fn events_popped(&self) -> u64 {
        self.popped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_in_scheduling_order() {
        // Three events at t=5s scheduled a, b, c, with an earlier one scheduled last:
        // the earlier pops first, then the three in the order they were scheduled.
        let mut q = EventQueue::new();
        let t5 = SimTime::from_secs(5);
        q.schedule(t5, 'a');
        q.schedule(t5, 'b');
        q.schedule(t5, 'c');
        q.schedule(SimTime::from_secs(1), 'z');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['z', 'a', 'b', 'c']);
    }

    #[test]
    fn schedule_first_pops_before_earlier_scheduled_events_of_its_instant() {
        let mut q = EventQueue::new();
        let t = SimTime::from_secs(60);
        q.schedule(t, "action");
        q.schedule_first(t, "minute");
        q.schedule(SimTime::from_secs(59), "before");
        let order: Vec<&str> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!["before", "minute", "action"]);
    }

    #[test]
    fn pop_advances_the_clock() {
        let mut q = EventQueue::new();
        q.schedule(SimTime::from_secs(3), ());
        q.pop();
        assert_eq!(q.now(), SimTime::from_secs(3));
        q.schedule_in(Span::from_secs(2), ());
        assert_eq!(q.pop().map(|(t, _)| t), Some(SimTime::from_secs(5)));
        assert_eq!(q.events_popped(), 2);
    }
}
