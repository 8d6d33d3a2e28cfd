//! Per-minute row logs (`RowLog`): timeseries.csv's rows (one per zone and minute, and the
//! cluster's) and services.csv's (one per service and minute) grow with the run's length, so
//! they are kept as a `Spill` — a bounded buffer in memory, the rest in an unnamed temporary
//! file — with each row's name (zone or service) interned to a 16-bit index. The last row of
//! each name is found without reading the log (the summary's last service row, the alarms'
//! cluster row of the minute just closed).

use super::rows::{MinuteRow, ServiceMinuteRow};
use super::spill::{Cursor, Record, Spill, Writer};
use std::collections::BTreeMap;
use std::io;

/// A row with a name field (its zone or service) and fixed-size other fields.
pub trait NamedRow: Clone {
    /// Bytes of the fields other than the name.
    const BYTES: usize;
    fn name(&self) -> &str;
    fn take_name(&mut self) -> String;
    fn set_name(&mut self, name: String);
    fn encode(&self, w: &mut Writer<'_>);
    /// The row with an empty name.
    fn decode(c: &mut Cursor<'_>) -> Self;
}

/// A row in the log: its name as an index into `RowLog::names`, the row with an empty name.
#[derive(Debug, Clone)]
struct Packed<T> {
    name: u16,
    row: T,
}

impl<T: NamedRow> Record for Packed<T> {
    const BYTES: usize = 2 + T::BYTES;
    fn encode(&self, out: &mut [u8]) {
        let mut w = Writer::new(out);
        w.u16(self.name);
        self.row.encode(&mut w);
    }
    fn decode(bytes: &[u8]) -> Self {
        let mut c = Cursor::new(bytes);
        let name = c.u16();
        Packed { name, row: T::decode(&mut c) }
    }
}

/// An append-only log of named rows, bounded in memory (`Spill`).
#[derive(Debug, Clone)]
pub struct RowLog<T: NamedRow> {
    names: Vec<String>,
    index: BTreeMap<String, u16>,
    /// Per name: the position of its last row.
    last_of: Vec<u64>,
    log: Spill<Packed<T>>,
}

impl<T: NamedRow> Default for RowLog<T> {
    fn default() -> Self {
        RowLog { names: Vec::new(), index: BTreeMap::new(), last_of: Vec::new(), log: Spill::new() }
    }
}

impl<T: NamedRow> RowLog<T> {
    /// Appends `row` (its name interned: no String is kept per row).
    pub fn push(&mut self, mut row: T) {
        let name = match self.index.get(row.name()) {
            Some(&i) => i,
            None => {
                let i = self.names.len() as u16;
                let name = row.take_name();
                self.index.insert(name.clone(), i);
                self.names.push(name);
                self.last_of.push(0);
                i
            }
        };
        // The buffered copy holds no name: the log's memory is the buffer's fixed-size rows.
        drop(row.take_name());
        self.last_of[name as usize] = self.log.len();
        self.log.push(Packed { name, row });
    }

    /// Rows pushed.
    pub fn len(&self) -> u64 {
        self.log.len()
    }

    pub fn is_empty(&self) -> bool {
        self.log.is_empty()
    }

    /// The most rows ever held in memory at once (bounded by `spill::CHUNK_RECORDS`).
    pub fn buffered_high_water(&self) -> usize {
        self.log.buffered_high_water()
    }

    fn named(&self, p: Packed<T>) -> T {
        let mut row = p.row;
        row.set_name(self.names.get(p.name as usize).cloned().unwrap_or_default());
        row
    }

    /// The rows in the order pushed; an item is an error when the temporary file cannot be
    /// read back (the iteration ends after it). The result files are written from this.
    pub fn try_iter(&self) -> impl Iterator<Item = io::Result<T>> + '_ {
        self.log.iter().map(|p| p.map(|p| self.named(p)))
    }

    /// The names interned so far (a row's name index points here).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The rows in the order pushed as (name index, row with an empty name): a pass over the
    /// log that allocates nothing per row.
    pub fn try_iter_indexed(&self) -> impl Iterator<Item = io::Result<(u16, T)>> + '_ {
        self.log.iter().map(|p| p.map(|p| (p.name, p.row)))
    }

    /// The rows in the order pushed, ending early if the temporary file cannot be read back
    /// (tests and in-run look-ups; the result files use `try_iter`).
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.try_iter().map_while(Result::ok)
    }

    /// Every row, in memory (tests and small runs).
    pub fn to_vec(&self) -> io::Result<Vec<T>> {
        self.try_iter().collect()
    }

    /// The last row pushed.
    pub fn last(&self) -> Option<T> {
        let n = self.log.len();
        n.checked_sub(1).and_then(|i| self.log.get(i).ok().flatten()).map(|p| self.named(p))
    }

    /// The last row pushed, to complete it in place (always in memory). Its name reads empty.
    pub fn last_mut(&mut self) -> Option<&mut T> {
        self.log.last_mut().map(|p| &mut p.row)
    }

    /// The last row named `name` (one read of the temporary file at most).
    pub fn last_named(&self, name: &str) -> Option<T> {
        let &i = self.index.get(name)?;
        let at = *self.last_of.get(i as usize)?;
        self.log.get(at).ok().flatten().map(|p| self.named(p))
    }
}

impl<T: NamedRow + PartialEq> PartialEq for RowLog<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl NamedRow for MinuteRow {
    const BYTES: usize = 16 * 8 + 4 * 8 + 4 + 6 * 9;
    fn name(&self) -> &str {
        &self.zone
    }
    fn take_name(&mut self) -> String {
        std::mem::take(&mut self.zone)
    }
    fn set_name(&mut self, name: String) {
        self.zone = name;
    }
    fn encode(&self, w: &mut Writer<'_>) {
        for v in [
            self.minute,
            self.time_s,
            self.running_tasks,
            self.pending_tasks,
            self.tasks_placed,
            self.tasks_failed,
            self.stranded_cpu_units,
            self.stranded_memory_mib,
            self.instances,
            self.registered_cpu_units,
            self.registered_memory_mib,
            self.requests_sent,
            self.requests,
            self.elb_5xx,
            self.target_5xx,
            self.rejected,
        ] {
            w.u64(v);
        }
        for v in [self.cpu_reservation_pct, self.memory_reservation_pct, self.healthy_targets, self.unhealthy_targets] {
            w.f64(v);
        }
        w.u32(self.healthy_targets_min);
        for v in [
            self.latency_ms_avg,
            self.latency_ms_p50,
            self.latency_ms_p90,
            self.latency_ms_p99,
            self.availability_pct,
            self.cost_usd_cumulative,
        ] {
            w.opt_f64(v);
        }
    }
    fn decode(c: &mut Cursor<'_>) -> Self {
        let mut r = MinuteRow::default();
        for v in [
            &mut r.minute,
            &mut r.time_s,
            &mut r.running_tasks,
            &mut r.pending_tasks,
            &mut r.tasks_placed,
            &mut r.tasks_failed,
            &mut r.stranded_cpu_units,
            &mut r.stranded_memory_mib,
            &mut r.instances,
            &mut r.registered_cpu_units,
            &mut r.registered_memory_mib,
            &mut r.requests_sent,
            &mut r.requests,
            &mut r.elb_5xx,
            &mut r.target_5xx,
            &mut r.rejected,
        ] {
            *v = c.u64();
        }
        for v in [&mut r.cpu_reservation_pct, &mut r.memory_reservation_pct, &mut r.healthy_targets, &mut r.unhealthy_targets] {
            *v = c.f64();
        }
        r.healthy_targets_min = c.u32();
        for v in [
            &mut r.latency_ms_avg,
            &mut r.latency_ms_p50,
            &mut r.latency_ms_p90,
            &mut r.latency_ms_p99,
            &mut r.availability_pct,
            &mut r.cost_usd_cumulative,
        ] {
            *v = c.opt_f64();
        }
        r
    }
}

impl NamedRow for ServiceMinuteRow {
    const BYTES: usize = 2 * 8 + 9 * 4 + 2 * 9;
    fn name(&self) -> &str {
        &self.service
    }
    fn take_name(&mut self) -> String {
        std::mem::take(&mut self.service)
    }
    fn set_name(&mut self, name: String) {
        self.service = name;
    }
    fn encode(&self, w: &mut Writer<'_>) {
        w.u64(self.minute);
        w.u64(self.time_s);
        for v in [
            self.desired,
            self.running,
            self.pending,
            self.provisioning,
            self.healthy,
            self.in_flight,
            self.primary_tasks,
            self.old_tasks,
            self.deployments,
        ] {
            w.u32(v);
        }
        w.opt_f64(self.cpu_utilization_pct);
        w.opt_f64(self.memory_utilization_pct);
    }
    fn decode(c: &mut Cursor<'_>) -> Self {
        let (minute, time_s) = (c.u64(), c.u64());
        let mut n = [0u32; 9];
        for v in &mut n {
            *v = c.u32();
        }
        let (cpu_utilization_pct, memory_utilization_pct) = (c.opt_f64(), c.opt_f64());
        ServiceMinuteRow {
            minute,
            time_s,
            service: String::new(),
            desired: n[0],
            running: n[1],
            pending: n[2],
            provisioning: n[3],
            healthy: n[4],
            in_flight: n[5],
            primary_tasks: n[6],
            old_tasks: n[7],
            deployments: n[8],
            cpu_utilization_pct,
            memory_utilization_pct,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::recorder::spill::CHUNK_RECORDS;

    #[test]
    fn a_row_log_gives_back_every_row_with_its_name_and_holds_a_chunk_at_most() {
        // Two zones and the cluster for 3,000 minutes: 9,000 rows, more than two chunks.
        let mut log: RowLog<MinuteRow> = RowLog::default();
        let zones = ["us-east-1a", "us-east-1b", "cluster"];
        for minute in 0..3000u64 {
            for (i, z) in zones.iter().enumerate() {
                let latency = (i == 1).then_some(minute as f64 / 7.0);
                log.push(MinuteRow { minute, time_s: minute * 60, zone: z.to_string(), latency_ms_p99: latency, ..MinuteRow::default() });
            }
        }
        assert_eq!(log.len(), 9000);
        assert!(log.buffered_high_water() <= CHUNK_RECORDS);
        let back = log.to_vec().unwrap();
        assert_eq!(back[3 * 1234 + 1].zone, "us-east-1b");
        assert_eq!(back[3 * 1234 + 1].latency_ms_p99, Some(1234.0 / 7.0));
        assert_eq!(back[3 * 1234 + 2].latency_ms_p99, None);
        assert_eq!(log.last_named("us-east-1a").map(|r| r.minute), Some(2999));
        assert_eq!(log.last().map(|r| r.zone), Some("cluster".to_string()));
        log.last_mut().unwrap().cost_usd_cumulative = Some(1.5);
        assert_eq!(log.last_named("cluster").and_then(|r| r.cost_usd_cumulative), Some(1.5));
    }
}
