//! Tests of the future-event list: the (time, sequence) order through the wheel, the heaps,
//! the coarse wheel and the slots, the horizon, and the clock.
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
fn pop_until_stops_before_later_events() {
    let mut q = EventQueue::new();
    q.schedule(SimTime::from_secs(3), 'a');
    q.schedule(SimTime::from_secs(10), 'b');
    let end = SimTime::from_secs(5);
    assert_eq!(q.pop_until(end), Some((SimTime::from_secs(3), 'a')));
    assert_eq!(q.pop_until(end), None);
    // The later event stays, and the clock stays at the last event handled.
    assert_eq!((q.len(), q.now(), q.events_popped()), (1, SimTime::from_secs(3), 1));
}

#[test]
fn events_after_the_horizon_are_dropped_and_the_rest_keep_their_order() {
    // Horizon 5 s: 'late' (10 s, far heap), 'late-slot' (6 s, a slot) and 'much-later' (30 d)
    // are dropped; 'a' (3 s) and 'at-end' (5 s, scheduled after 'late' took sequence 2) pop
    // in (time, sequence) order, and the queue holds nothing else.
    let mut q = EventQueue::new();
    q.set_horizon(SimTime::from_secs(5));
    q.schedule(SimTime::from_secs(3), "a");
    q.schedule(SimTime::from_secs(10), "late");
    q.schedule(SimTime::from_secs(5), "at-end");
    q.schedule_slot(0, SimTime::from_secs(6), "late-slot");
    q.schedule(SimTime::from_secs(30 * 86_400), "much-later");
    assert_eq!(q.len(), 2);
    let end = SimTime::from_secs(5);
    assert_eq!(q.pop_until(end), Some((SimTime::from_secs(3), "a")));
    assert_eq!(q.pop_until(end), Some((SimTime::from_secs(5), "at-end")));
    assert_eq!(q.pop_until(end), None);
    assert!(q.is_empty());
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

#[test]
fn pops_in_time_then_sequence_order_whatever_the_push_order() {
    // 20,000 events at pseudo-random times 0 ..= 2 s ahead in 4 ms steps (so many ties, and
    // both the near and the far heap in use),
    // scheduled interleaved with pops as a simulation does: every pop must return the
    // smallest (time, sequence) pending, checked against a sorted reference list.
    let mut q = EventQueue::new();
    let mut reference: std::collections::BTreeSet<(u64, u64)> = Default::default();
    let mut x: u64 = 12345;
    for round in 0..20_000u64 {
        let seq = round + 1;
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let at = q.now().0 + (x >> 33) % 501 * 4_000;
        q.schedule(SimTime(at), seq);
        reference.insert((at, seq));
        if round % 3 == 2 {
            for _ in 0..2 {
                let expected = reference.pop_first();
                assert_eq!(q.pop().map(|(t, e)| (t.0, e)), expected);
            }
        }
    }
    while let Some(expected) = reference.pop_first() {
        assert_eq!(q.pop().map(|(t, e)| (t.0, e)), Some(expected));
    }
    assert!(q.is_empty());
}

#[test]
fn a_long_run_of_near_events_wraps_the_wheel_in_order() {
    // W1's shape over many turns of the wheel: about 80 pending events 0 .. 500 ms ahead in
    // 1 µs steps, a few far ones (3 .. 4 s), and bursts of 20 at one instant (beyond a
    // bucket's capacity: those go to the near heap) — 200,000 pops checked against a sorted
    // reference, the clock reaching about 10 simulated minutes (the ring is 2.1 s).
    let mut q = EventQueue::new();
    let mut reference: std::collections::BTreeSet<(u64, u64)> = Default::default();
    let mut x: u64 = 4242;
    let mut seq = 0u64;
    let mut add = |q: &mut EventQueue<u64>, reference: &mut std::collections::BTreeSet<(u64, u64)>, at: u64| {
        seq += 1;
        q.schedule(SimTime(at), seq);
        reference.insert((at, seq));
    };
    for round in 0..200_000u64 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let now = q.now().0;
        while reference.len() < 80 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            add(&mut q, &mut reference, now + (x >> 33) % 500_000);
        }
        if round % 1000 == 0 {
            add(&mut q, &mut reference, now + 3_000_000 + (x >> 40) % 1_000_000);
        }
        if round % 5000 == 0 {
            for _ in 0..20 {
                add(&mut q, &mut reference, now + 7_000);
            }
        }
        let expected = reference.pop_first();
        assert_eq!(q.pop().map(|(t, e)| (t.0, e)), expected, "round {round}");
    }
    assert!(q.now().0 > 300_000_000);
    while let Some(expected) = reference.pop_first() {
        assert_eq!(q.pop().map(|(t, e)| (t.0, e)), Some(expected));
    }
    assert!(q.is_empty());
}

#[test]
fn timers_seconds_to_hours_ahead_pop_in_order() {
    // The scale run's shape: about 2,000 pending timers 2 s to 2 h ahead (the coarse wheel's
    // 71.6 minutes and the far heap beyond), many on bucket edges (multiples of 2^20 µs) and
    // in bursts at one instant, near events between them, and a `schedule_first` event at
    // each minute — 100,000 pops checked against a sorted reference; the clock passes
    // several turns of the coarse ring.
    let mut q = EventQueue::new();
    let mut reference: std::collections::BTreeSet<(u64, u64)> = Default::default();
    let mut x: u64 = 99;
    let mut seq = 0u64;
    let mut next_minute = 60_000_000u64;
    q.schedule_first(SimTime(next_minute), 0);
    reference.insert((next_minute, 0));
    for round in 0..100_000u64 {
        let now = q.now().0;
        while reference.len() < 2_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let ahead = match (x >> 60) % 4 {
                0 => (x >> 33) % 2_000_000,                               // near
                1 => 2_200_000 + (x >> 20) % 7_200_000_000,               // up to 2 h
                2 => (((now >> 20) + 3 + (x >> 40) % 5_000) << 20) - now, // a bucket's edge
                _ => 2_200_000 + (x >> 30) % 600_000_000,                 // the next 10 minutes
            };
            let burst = if (x >> 8).is_multiple_of(50) { 30 } else { 1 };
            for _ in 0..burst {
                seq += 1;
                q.schedule(SimTime(now + ahead), seq);
                reference.insert((now + ahead, seq));
            }
        }
        let expected = reference.pop_first();
        let got = q.pop().map(|(t, e)| (t.0, e));
        assert_eq!(got, expected, "round {round}");
        if got == Some((next_minute, 0)) {
            next_minute += 60_000_000;
            q.schedule_first(SimTime(next_minute), 0);
            reference.insert((next_minute, 0));
        }
    }
    assert!(q.now().0 > 3 * (4096u64 << 20), "several turns of the coarse ring: {}", q.now());
    while let Some(expected) = reference.pop_first() {
        assert_eq!(q.pop().map(|(t, e)| (t.0, e)), Some(expected));
    }
    assert!(q.is_empty());
}

#[test]
fn slot_events_pop_in_the_same_order_as_heap_events() {
    // Three chains of one pending event each (slots 0, 1 and 9 — 9 is beyond SLOTS, so it
    // goes through the heaps) among heap events, at times 0 ..= 2 s ahead in 4 ms steps (many
    // ties between slots and heaps): every pop must be the smallest (time, sequence)
    // pending, checked against a sorted reference; a popped chain schedules its next event.
    let mut q = EventQueue::new();
    let mut reference: std::collections::BTreeSet<(u64, u64)> = Default::default();
    let mut x: u64 = 777;
    let mut draw = |now: u64| {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        now + (x >> 33) % 501 * 4_000
    };
    // Events carry (chain, sequence): chain u64::MAX for heap events.
    let mut seq = 0u64;
    for chain in [0u64, 1, 9] {
        seq += 1;
        let at = draw(0);
        q.schedule_slot(chain as usize, SimTime(at), (chain, seq));
        reference.insert((at, seq));
    }
    for round in 0..20_000u64 {
        seq += 1;
        let at = draw(q.now().0);
        q.schedule(SimTime(at), (u64::MAX, seq));
        reference.insert((at, seq));
        let expected = reference.pop_first();
        let (t, (chain, s)) = q.pop().expect("an event is pending");
        assert_eq!(Some((t.0, s)), expected, "round {round}");
        if chain != u64::MAX {
            seq += 1;
            let at = draw(t.0);
            q.schedule_slot(chain as usize, SimTime(at), (chain, seq));
            reference.insert((at, seq));
        }
    }
    assert_eq!(q.len(), reference.len());
    while let Some(expected) = reference.pop_first() {
        assert_eq!(q.pop().map(|(t, (_, s))| (t.0, s)), Some(expected));
    }
    assert!(q.is_empty() && q.peek_time().is_none());
}

#[test]
fn pop_until_leaves_a_later_slot_event_pending() {
    let mut q = EventQueue::new();
    q.schedule_slot(0, SimTime::from_secs(7), 's');
    q.schedule(SimTime::from_secs(2), 'h');
    let end = SimTime::from_secs(5);
    assert_eq!(q.pop_until(end), Some((SimTime::from_secs(2), 'h')));
    assert_eq!(q.pop_until(end), None);
    assert_eq!((q.len(), q.peek_time()), (1, Some(SimTime::from_secs(7))));
    // Equal times: the earlier scheduled (the slot's) pops first.
    q.schedule(SimTime::from_secs(7), 'h');
    assert_eq!(q.pop(), Some((SimTime::from_secs(7), 's')));
    assert_eq!(q.pop(), Some((SimTime::from_secs(7), 'h')));
}
