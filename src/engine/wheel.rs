//! The near-event wheel: where the event queue keeps events due within a second.
//!
//! On the request path (W1) the events that churn are request completions, due tens to hundreds
//! of milliseconds ahead, about 80 pending at once. In a heap each one costs a sift-down on the
//! way out — a chain of dependent loads and unpredictable compares, the largest item left in
//! W1's profile. Here an event is appended to the bucket of its time (2^[`SHIFT`] µs wide, one
//! of [`BUCKETS`] in a ring covering 2.1 s) and the earliest is the smallest key of the first
//! occupied bucket at or after the clock's: found with a bitmap (`trailing_zeros` over 8 words)
//! and a scan of a handful of entries. Push and pop are O(1) with no data-dependent chains.
//!
//! Why the order is exact: the queue files an event here only when it is due at most
//! [`NEAR_LIMIT_US`] after the clock, and the clock never passes a pending event, so every entry
//! lies in [now, now + `NEAR_LIMIT_US`] — fewer consecutive buckets than the ring holds. So a
//! bucket never mixes two turns of the ring, and the first occupied bucket in ring order from
//! the clock's holds the earliest time; within it, the smallest (time, sequence) key is taken.
//!
//! Why a bucket is bounded ([`BUCKET_CAP`]): the scan for the smallest key must stay short when
//! many events share an instant (thousands of task timers at once in the scale scenarios). A push
//! to a full bucket is refused and the queue files the event in its heap instead; the queue pops
//! the smaller of the wheel's earliest and the heaps' tops, so the order stays exact whichever
//! holds an event.

use super::queue::Pending;

/// log₂ of a bucket's width in µs: 4.096 ms, a few W1 completions per bucket near the clock.
pub const SHIFT: u32 = 12;
/// Buckets in the ring (a multiple of 64: one bitmap word per 64).
pub const BUCKETS: usize = 512;
const WORDS: usize = BUCKETS / 64;
/// Entries per bucket before pushes go to the queue's heap instead.
pub const BUCKET_CAP: usize = 8;
// `lens` counts a bucket's entries in a byte.
const _: () = assert!(BUCKET_CAP <= u8::MAX as usize);
/// The furthest ahead of the clock (µs) an event may be pushed: the ring's span less two
/// buckets (one for the clock's partly elapsed bucket, one to spare), so no bucket ever holds
/// events of two turns.
pub const NEAR_LIMIT_US: u64 = ((BUCKETS as u64 - 2) << SHIFT) - 1;
// Everything within 2 s goes to the wheel: request completions and the near timers.
const _: () = assert!(NEAR_LIMIT_US >= 2_000_000);

/// The wheel; see the module documentation.
pub struct Wheel<E> {
    /// Bucket `b` holds events due in [k·2^SHIFT, (k+1)·2^SHIFT) µs for the one k ≡ b (mod
    /// BUCKETS) within reach of the clock, unordered, in `buckets[b][..lens[b]]`. One flat
    /// allocation (`BUCKETS` × `BUCKET_CAP` entries, 128 KiB), made at the first push (filled
    /// with copies of that entry, never read before overwritten): a push or a pop reaches its
    /// entry with one load, where a `Vec` per bucket cost a dependent load of the bucket's
    /// header first — an L1 miss, as the clock walks round 512 headers — and scattered the
    /// entries over 512 small allocations.
    buckets: Vec<[Pending<E>; BUCKET_CAP]>,
    /// Entries in each bucket (512 bytes: stays in L1).
    lens: [u8; BUCKETS],
    /// Bit b of word b / 64: bucket b is not empty.
    occupied: [u64; WORDS],
    len: usize,
    /// Where the earliest entry is (bucket, position) and its key; meaningful when `len > 0`.
    min: (usize, usize, u128),
}

impl<E: Copy> Default for Wheel<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> Wheel<E> {
    pub fn new() -> Self {
        Wheel { buckets: Vec::new(), lens: [0; BUCKETS], occupied: [0; WORDS], len: 0, min: (0, 0, 0) }
    }

    #[inline(always)]
    fn bucket_of(time_us: u64) -> usize {
        (time_us >> SHIFT) as usize % BUCKETS
    }

    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The earliest entry's key, if any.
    #[inline(always)]
    pub fn min_key(&self) -> Option<u128> {
        (self.len > 0).then_some(self.min.2)
    }

    /// Adds `p` (due at most `NEAR_LIMIT_US` after the clock, which the caller checks), or hands
    /// it back when its bucket is full.
    #[inline(always)]
    pub fn push(&mut self, p: Pending<E>) -> Result<(), Pending<E>> {
        let b = Self::bucket_of(p.at().0);
        let n = self.lens[b] as usize;
        if n >= BUCKET_CAP {
            return Err(p);
        }
        if self.buckets.is_empty() {
            self.allocate(p);
        }
        self.buckets[b][n] = p;
        self.lens[b] = n as u8 + 1;
        self.occupied[b / 64] |= 1 << (b % 64);
        if self.len == 0 || p.key < self.min.2 {
            self.min = (b, n, p.key);
        }
        self.len += 1;
        Ok(())
    }

    /// The one allocation, at the first push (`E` has no default to fill it with otherwise).
    #[cold]
    fn allocate(&mut self, fill: Pending<E>) {
        self.buckets = vec![[fill; BUCKET_CAP]; BUCKETS];
    }

    /// Removes the earliest entry (the wheel must not be empty) and finds the next earliest.
    #[inline(always)]
    pub fn pop(&mut self) -> Pending<E> {
        let (b, i, _) = self.min;
        let n = self.lens[b] as usize - 1;
        let bucket = &mut self.buckets[b];
        let top = bucket[i];
        // `swap_remove`: the bucket's last entry fills the hole.
        bucket[i] = bucket[n];
        self.lens[b] = n as u8;
        if n == 0 {
            self.occupied[b / 64] &= !(1 << (b % 64));
        }
        self.len -= 1;
        if self.len > 0 {
            // Every remaining entry is at or after `top`: the ring order starts at its bucket.
            let next = self.first_occupied_from(b);
            let mut pos = 0;
            let mut key = u128::MAX;
            let entries = &self.buckets[next];
            for (j, q) in entries[..(self.lens[next] as usize).min(BUCKET_CAP)].iter().enumerate() {
                if q.key < key {
                    pos = j;
                    key = q.key;
                }
            }
            self.min = (next, pos, key);
        }
        top
    }

    /// The first occupied bucket at or after `from` in ring order (one must be occupied).
    #[inline(always)]
    fn first_occupied_from(&self, from: usize) -> usize {
        let (w, bit) = (from / 64, from % 64);
        let word = self.occupied[w] & (!0u64 << bit);
        if word != 0 {
            return w * 64 + word.trailing_zeros() as usize;
        }
        for k in 1..=WORDS {
            let wi = (w + k) % WORDS;
            let word = self.occupied[wi];
            if word != 0 {
                return wi * 64 + word.trailing_zeros() as usize;
            }
        }
        unreachable!("first_occupied_from on an empty wheel")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    #[test]
    fn the_limit_leaves_a_bucket_to_spare() {
        // Entries span [now, now + NEAR_LIMIT_US]: at most BUCKETS − 1 consecutive buckets even
        // when `now` sits at the very end of its bucket.
        let now = (1u64 << SHIFT) - 1;
        let last = now + NEAR_LIMIT_US;
        assert!((last >> SHIFT) - (now >> SHIFT) < BUCKETS as u64 - 1);
    }

    #[test]
    fn a_full_bucket_hands_the_event_back() {
        let mut w = Wheel::new();
        for seq in 0..BUCKET_CAP as u64 {
            assert!(w.push(Pending::new(SimTime(5), seq + 1, ())).is_ok());
        }
        assert!(w.push(Pending::new(SimTime(6), 99, ())).is_err());
        assert_eq!((w.len(), w.pop().key & 0xff), (BUCKET_CAP, 1));
    }
}
