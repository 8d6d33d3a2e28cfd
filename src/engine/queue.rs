//! The future-event list: two timing wheels and 4-ary min-heaps on (time, sequence).
//!
//! The sequence number makes the order total: events scheduled for the same instant pop in the
//! order they were scheduled, so a run never depends on how the heap breaks ties — and any
//! correct priority queue on the same keys pops the same events in the same order.
//!
//! Why 4-ary rather than `std::collections::BinaryHeap`: a pop is a sift-down of the last entry
//! from the root, so its cost is the depth. Four children per node halve the depth (log₄ n
//! levels instead of log₂ n); the four keys of a node share one or two cache lines, so the extra
//! comparisons per level cost less than the saved levels. Entries are moved by value (events
//! are `Copy`), a hole travelling down or up, with no `unsafe`.
//!
//! Why a wheel and two heaps: on the request path (W1) most pending entries are far in the
//! future — one idle-timeout watch (minutes away) and one health check (every 30 s to 5 min) per
//! target — while the events that actually churn (request completions) are due within a second.
//! Events due within [`NEAR_LIMIT_US`] (2.1 s) go to a timing wheel (`engine::wheel`: a ring of
//! 4 ms buckets, O(1) push and pop); an event whose wheel bucket is full (many events at one
//! instant) goes to the near heap. Events due up to about 70 minutes ahead — task timers, health
//! checks, idle timeouts — go to the coarse wheel (`engine::coarse`: 1.05 s buckets, handed
//! over to the near heap as the clock reaches them, so the heap a pop sifts through holds about
//! a second's events, not every timer of a 500,000-instance cluster), the rest to the far heap.
//! A pop takes the smallest of the wheel's earliest, the heaps' tops and the earliest slot,
//! after handing over the coarse buckets that are not later: the order is still exactly (time,
//! sequence), whatever holds which event (docs/performance.md "The request path (W1)").
//!
//! Why slots: a traffic source has exactly one pending arrival at a time, and on the request
//! path arrivals are half of all events. An event scheduled into a *slot*
//! ([`EventQueue::schedule_slot`], at most one pending per slot) skips the heaps: the pop compares
//! the earliest slot with the heaps' tops. It still takes a sequence number when scheduled, so
//! the order is the same (time, sequence) order as through the heap — only cheaper: no sift up
//! and no sift down for half the events. Slots are few ([`SLOTS`]); a slot number beyond them
//! goes through the heaps.

use super::coarse::Coarse;
use super::time::{SimTime, Span};
use super::wheel::{Wheel, NEAR_LIMIT_US};

/// `key` = time (µs) in the high 64 bits, sequence in the low 64: one branch-free u128
/// comparison orders by (time, sequence).
#[derive(Clone, Copy)]
pub(super) struct Pending<E> {
    pub(super) key: u128,
    event: E,
}

impl<E> Pending<E> {
    #[inline]
    pub(super) fn new(at: SimTime, seq: u64, event: E) -> Self {
        Pending { key: (at.0 as u128) << 64 | seq as u128, event }
    }
    #[inline]
    pub(super) fn at(&self) -> SimTime {
        SimTime((self.key >> 64) as u64)
    }
}

/// Children per heap node.
const ARITY: usize = 4;
/// Appends `p` to the 4-ary min-heap `heap` and moves it up past every larger parent.
#[inline(always)]
fn heap_push<E: Copy>(heap: &mut Vec<Pending<E>>, p: Pending<E>) {
    let mut i = heap.len();
    heap.push(p);
    while i > 0 {
        let parent = (i - 1) / ARITY;
        if heap[parent].key <= p.key {
            break;
        }
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = p;
}

/// Removes the smallest entry of the 4-ary min-heap `heap`.
///
/// Bottom-up (Wegener's variant, as `std::collections::BinaryHeap` does it): the hole left by
/// the root travels down the smallest children to a leaf, then the last entry is moved up from
/// there. The last entry almost always belongs near the bottom, so this saves the comparison
/// with it at every level on the way down — an unpredictable branch — for a short, usually
/// empty, climb; a full node's smallest child is found without branches.
// The index is what the loops find (the smallest child's position), not just a way in.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn heap_pop<E: Copy>(heap: &mut Vec<Pending<E>>) -> Option<Pending<E>> {
    let last = heap.pop()?;
    let Some(&top) = heap.first() else { return Some(last) };
    let n = heap.len();
    let mut i = 0;
    loop {
        let first = ARITY * i + 1;
        if first >= n {
            break;
        }
        let mut child = first;
        let mut child_key = heap[first].key;
        if first + ARITY <= n {
            for c in first + 1..first + ARITY {
                let key = heap[c].key;
                let smaller = key < child_key;
                child = if smaller { c } else { child };
                child_key = if smaller { key } else { child_key };
            }
        } else {
            for c in first + 1..n {
                let key = heap[c].key;
                if key < child_key {
                    child = c;
                    child_key = key;
                }
            }
        }
        heap[i] = heap[child];
        i = child;
    }
    while i > 0 {
        let parent = (i - 1) / ARITY;
        if heap[parent].key <= last.key {
            break;
        }
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = last;
    Some(top)
}

/// Slots ([`EventQueue::schedule_slot`]): enough for the traffic sources of every bundled
/// scenario; the earliest slot is found by a scan when one is taken, so they must stay few.
pub const SLOTS: usize = 8;
/// `slot_min` when no slot holds an event.
const NO_SLOT: usize = usize::MAX;

/// Where the earliest pending event waits.
#[derive(Clone, Copy)]
enum Source {
    Wheel,
    Near,
    Far,
    Slot,
}

/// Events waiting to happen, and the current simulated time.
pub struct EventQueue<E> {
    /// Events due within [`NEAR_LIMIT_US`] of the time they were scheduled (`engine::wheel`).
    wheel: Wheel<E>,
    /// Those of them the wheel refused (their bucket was full): a 4-ary min-heap on `key`
    /// (node `i`'s children are `4i + 1 ..= 4i + 4`).
    heap: Vec<Pending<E>>,
    /// Events due further ahead, up to about 70 minutes (`engine::coarse`): handed over to
    /// `heap` a bucket at a time as the clock reaches them.
    coarse: Coarse<E>,
    /// The other events, the same kind of heap.
    far: Vec<Pending<E>>,
    /// Events scheduled into slots (`schedule_slot`), at most one per slot.
    slots: [Option<Pending<E>>; SLOTS],
    /// The slot holding the earliest of them, or `NO_SLOT`.
    slot_min: usize,
    /// One past the highest slot ever used: the scan for the earliest stops there.
    slot_end: usize,
    now: SimTime,
    next_seq: u64,
    popped: u64,
    /// Events later than this (µs) are never popped by the run that set it
    /// ([`EventQueue::set_horizon`]) and are not kept.
    horizon_us: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        // Sequence 0 is reserved for `schedule_first`.
        EventQueue {
            wheel: Wheel::new(),
            heap: Vec::with_capacity(1024),
            coarse: Coarse::default(),
            far: Vec::with_capacity(1024),
            slots: [None; SLOTS],
            slot_min: NO_SLOT,
            slot_end: 0,
            now: SimTime::ZERO,
            next_seq: 1,
            popped: 0,
            horizon_us: u64::MAX,
        }
    }

    /// The time of the event being handled (or of the last one handled).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events scheduled after `end` are dropped instead of kept: for a run that pops only up to
    /// `end` ([`EventQueue::pop_until`]) and then ends, they could never happen. A task that
    /// runs past the end of a run sets a timer past it; keeping 100,000 such timers cost a
    /// heap of 100,000 entries and its memory for nothing. Each still takes its sequence
    /// number, so the events kept pop in the same order either way.
    pub fn set_horizon(&mut self, end: SimTime) {
        self.horizon_us = end.0;
    }

    /// Schedules `event` at `at`. Scheduling in the past is a model bug, not user input.
    #[inline(always)]
    pub fn schedule(&mut self, at: SimTime, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past: {at} < {}", self.now);
        let at = at.max(self.now);
        self.push(Pending::new(at, self.next_seq, event));
        self.next_seq += 1;
    }

    /// Schedules `event` at `at`, before every other event of that instant, whenever they were
    /// scheduled. For period boundaries (metric minutes), which close the period before
    /// anything at its end happens. At most one such event may exist per instant: two would
    /// tie on (time, sequence).
    pub fn schedule_first(&mut self, at: SimTime, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past: {at} < {}", self.now);
        let at = at.max(self.now);
        self.push(Pending::new(at, 0, event));
    }

    /// Schedules `event` after `delay` from now.
    pub fn schedule_in(&mut self, delay: Span, event: E) {
        self.schedule(self.now + delay, event);
    }

    /// Schedules `event` at `at` in `slot`, which must not hold an event (its previous one was
    /// popped): for a chain of events of which one at a time is pending, such as a traffic
    /// source's next arrival. It pops in the same (time, sequence) order as through
    /// [`EventQueue::schedule`]; a slot at or beyond [`SLOTS`] simply goes through the heaps.
    #[inline(always)]
    pub fn schedule_slot(&mut self, slot: usize, at: SimTime, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past: {at} < {}", self.now);
        if slot >= SLOTS {
            return self.schedule(at, event);
        }
        debug_assert!(self.slots[slot].is_none(), "slot {slot} already holds an event");
        let p = Pending::new(at.max(self.now), self.next_seq, event);
        self.next_seq += 1;
        if p.at().0 > self.horizon_us {
            return;
        }
        self.slots[slot] = Some(p);
        self.slot_end = self.slot_end.max(slot + 1);
        if self.slot_min == NO_SLOT || self.slots[self.slot_min].is_some_and(|m| p.key < m.key) {
            self.slot_min = slot;
        }
    }

    /// Takes the event of slot `slot_min` and finds the next earliest slot.
    #[inline(always)]
    fn take_slot(&mut self) -> Option<Pending<E>> {
        let p = self.slots.get_mut(self.slot_min)?.take();
        let mut best = NO_SLOT;
        let mut best_key = u128::MAX;
        for (i, s) in self.slots[..self.slot_end].iter().enumerate() {
            if let Some(q) = s {
                if best == NO_SLOT || q.key < best_key {
                    best = i;
                    best_key = q.key;
                }
            }
        }
        self.slot_min = best;
        p
    }

    /// Files `p` in the wheel (or, its bucket full, the near heap) or the far heap by how far
    /// ahead it is; drops it when it is after the horizon.
    #[inline(always)]
    fn push(&mut self, p: Pending<E>) {
        if p.at().0 > self.horizon_us {
            return;
        }
        if p.at().0.saturating_sub(self.now.0) <= NEAR_LIMIT_US {
            if let Err(p) = self.wheel.push(p) {
                heap_push(&mut self.heap, p);
            }
        } else if let Err(p) = self.coarse.push(p, self.now.0) {
            heap_push(&mut self.far, p);
        }
    }

    /// `earliest`, after handing the coarse wheel's next buckets over to the near heap for as
    /// long as they may hold an event not later than the earliest elsewhere (one check of the
    /// wheel's base per pop when they do not).
    #[inline(always)]
    fn settled_earliest(&mut self) -> Option<(Source, u128)> {
        loop {
            let earliest = self.earliest();
            match (self.coarse.base(), earliest) {
                (Some(base), Some((_, key))) if (base as u128) << 64 > key => return earliest,
                (Some(_), _) => {
                    let heap = &mut self.heap;
                    self.coarse.hand_over(|p| heap_push(heap, p));
                }
                (None, _) => return earliest,
            }
        }
    }

    /// Where the earliest event is, and its key: the smallest of the wheel's earliest, the
    /// earliest slot and the two heaps' tops (keys are unique, so there are no ties).
    #[inline(always)]
    fn earliest(&self) -> Option<(Source, u128)> {
        let mut best = self.wheel.min_key().map(|key| (Source::Wheel, key));
        let mut consider = |from: Source, key: u128| match best {
            Some((_, b)) if b <= key => {}
            _ => best = Some((from, key)),
        };
        if let Some(Some(slot)) = self.slots.get(self.slot_min) {
            consider(Source::Slot, slot.key);
        }
        if let Some(near) = self.heap.first() {
            consider(Source::Near, near.key);
        }
        if let Some(far) = self.far.first() {
            consider(Source::Far, far.key);
        }
        best
    }

    /// Removes the earliest event (found by `earliest`) and advances the clock to its time.
    #[inline(always)]
    fn take(&mut self, from: Source) -> Option<(SimTime, E)> {
        let top = match from {
            Source::Wheel => Some(self.wheel.pop()),
            Source::Near => heap_pop(&mut self.heap),
            Source::Far => heap_pop(&mut self.far),
            Source::Slot => self.take_slot(),
        }?;
        let at = top.at();
        self.now = at;
        self.popped += 1;
        Some((at, top.event))
    }

    /// Removes the earliest event and advances the clock to its time.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let (from, _) = self.settled_earliest()?;
        self.take(from)
    }

    /// Removes the earliest event if it is due at or before `end` (and advances the clock to
    /// it); `None` when the queue is empty or the next event is later: the run loop's one call
    /// per event, deciding where to take from once.
    #[inline(always)]
    pub fn pop_until(&mut self, end: SimTime) -> Option<(SimTime, E)> {
        let (from, next) = self.settled_earliest()?;
        if (next >> 64) as u64 > end.0 {
            return None;
        }
        self.take(from)
    }

    /// Time of the next event without removing it.
    #[inline(always)]
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.settled_earliest().map(|(_, key)| SimTime((key >> 64) as u64))
    }

    pub fn len(&self) -> usize {
        self.wheel.len() + self.heap.len() + self.coarse.len() + self.far.len() + self.slots.iter().filter(|s| s.is_some()).count()
    }
    pub fn is_empty(&self) -> bool {
        self.wheel.is_empty() && self.heap.is_empty() && self.coarse.len() == 0 && self.far.is_empty() && self.slot_min == NO_SLOT
    }
    /// Events handled so far (for events-per-second figures).
    pub fn events_popped(&self) -> u64 {
        self.popped
    }
}

#[cfg(test)]
mod tests;
