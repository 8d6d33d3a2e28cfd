//! Row logs that do not grow in memory with the run's length: `Spill` keeps at most
//! `CHUNK_RECORDS` fixed-size records in memory and appends the rest to an unnamed temporary
//! file (deleted by the system when the log is dropped, or when the process dies: an
//! interrupted run leaves nothing behind), and reads them back in order when the results are
//! written; `Slots` is the same file written at a record's index (a finished task's row, in
//! task order whatever order tasks finish in). When no temporary file can be made, both keep
//! their records in memory: slower to grow, never lost.

use std::fs::File;
use std::io;

/// Records held in memory before a `Spill` writes them out (one write of
/// `CHUNK_RECORDS × BYTES` bytes; about 200 KiB for an event).
pub const CHUNK_RECORDS: usize = 4096;

/// A record of fixed size in bytes, written little-endian.
pub trait Record: Sized + Clone {
    const BYTES: usize;
    fn encode(&self, out: &mut [u8]);
    fn decode(bytes: &[u8]) -> Self;
}

/// An append-only log of records: the last ones in memory, the older ones in a temporary file.
#[derive(Debug)]
pub struct Spill<T> {
    buffer: Vec<T>,
    file: Option<File>,
    /// Records in the file (they come before `buffer`'s).
    in_file: u64,
    /// The file could not be made or written: everything stays in `buffer`.
    in_memory_only: bool,
    /// The most records `buffer` ever held (bounded by `CHUNK_RECORDS` while the file works).
    high_water: usize,
    /// The encoded chunk of `write_out`, its room kept from chunk to chunk: no 200 KiB
    /// allocated per chunk.
    bytes: Vec<u8>,
}

impl<T: Record> Default for Spill<T> {
    fn default() -> Self {
        Spill::new()
    }
}

impl<T: Record> Spill<T> {
    pub fn new() -> Self {
        Spill { buffer: Vec::new(), file: None, in_file: 0, in_memory_only: false, high_water: 0, bytes: Vec::new() }
    }

    /// Appends one record (a file write every `CHUNK_RECORDS` records). A full buffer is written
    /// out before the record joins it, so the last record pushed is always in memory
    /// (`last_mut`: a minute's row is completed by the concerns that close the minute after it).
    pub fn push(&mut self, record: T) {
        if self.buffer.len() >= CHUNK_RECORDS && !self.in_memory_only && self.write_out().is_err() {
            self.in_memory_only = true;
        }
        self.buffer.push(record);
        self.high_water = self.high_water.max(self.buffer.len());
    }

    /// The last record pushed, to complete it in place.
    pub fn last_mut(&mut self) -> Option<&mut T> {
        self.buffer.last_mut()
    }

    /// The record pushed `index`-th (from 0): from memory, or one read from the file.
    pub fn get(&self, index: u64) -> io::Result<Option<T>> {
        if index >= self.len() {
            return Ok(None);
        }
        if index >= self.in_file {
            return Ok(self.buffer.get((index - self.in_file) as usize).cloned());
        }
        let file = self.file.as_ref().ok_or_else(|| io::Error::other("spill file missing"))?;
        let mut bytes = vec![0u8; T::BYTES];
        read_at(file, &mut bytes, index * T::BYTES as u64)?;
        Ok(Some(T::decode(&bytes)))
    }

    fn write_out(&mut self) -> io::Result<()> {
        if self.file.is_none() {
            self.file = Some(tempfile::tempfile()?);
        }
        let mut bytes = std::mem::take(&mut self.bytes);
        // Zeroed, as a fresh buffer was: an encoder that skips a byte writes the same file.
        bytes.clear();
        bytes.resize(self.buffer.len() * T::BYTES, 0);
        for (r, out) in self.buffer.iter().zip(bytes.chunks_exact_mut(T::BYTES)) {
            r.encode(out);
        }
        let file = self.file.as_ref().ok_or_else(|| io::Error::other("no spill file"))?;
        // Where the last complete write ended: a failed write is overwritten, never read.
        let written = write_at(file, &bytes, self.in_file * T::BYTES as u64);
        self.bytes = bytes;
        written?;
        self.in_file += self.buffer.len() as u64;
        self.buffer.clear();
        Ok(())
    }

    /// How many records were pushed.
    pub fn len(&self) -> u64 {
        self.in_file + self.buffer.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most records ever held in memory at once.
    pub fn buffered_high_water(&self) -> usize {
        self.high_water
    }

    /// The records in the order they were pushed; an item is an error when the file cannot be
    /// read back (the iteration ends after it).
    pub fn iter(&self) -> SpillIter<'_, T> {
        SpillIter { spill: self, next_in_file: 0, chunk: Vec::new(), bytes: Vec::new(), at: 0, in_buffer: 0, failed: false }
    }

    /// The records, all in memory (for tests and small runs).
    pub fn to_vec(&self) -> io::Result<Vec<T>> {
        self.iter().collect()
    }
}

impl<T: Record> Clone for Spill<T> {
    /// A copy held in memory (the temporary file is not shared).
    fn clone(&self) -> Self {
        let buffer: Vec<T> = self.iter().map_while(Result::ok).collect();
        Spill { high_water: buffer.len(), buffer, file: None, in_file: 0, in_memory_only: true, bytes: Vec::new() }
    }
}

/// Reads a `Spill` back: the file a chunk at a time, then the records in memory.
pub struct SpillIter<'a, T> {
    spill: &'a Spill<T>,
    next_in_file: u64,
    chunk: Vec<T>,
    /// The chunk as read, its room reused from chunk to chunk.
    bytes: Vec<u8>,
    at: usize,
    in_buffer: usize,
    failed: bool,
}

impl<T: Record> SpillIter<'_, T> {
    fn read_chunk(&mut self) -> io::Result<()> {
        let n = (self.spill.in_file - self.next_in_file).min(CHUNK_RECORDS as u64) as usize;
        let file = self.spill.file.as_ref().ok_or_else(|| io::Error::other("spill file missing"))?;
        self.bytes.resize(n * T::BYTES, 0);
        read_at(file, &mut self.bytes, self.next_in_file * T::BYTES as u64)?;
        self.chunk.clear();
        self.chunk.extend(self.bytes.chunks_exact(T::BYTES).map(T::decode));
        self.at = 0;
        self.next_in_file += n as u64;
        Ok(())
    }
}

impl<T: Record> Iterator for SpillIter<'_, T> {
    type Item = io::Result<T>;

    fn next(&mut self) -> Option<io::Result<T>> {
        if self.failed {
            return None;
        }
        if self.at == self.chunk.len() && self.next_in_file < self.spill.in_file {
            if let Err(e) = self.read_chunk() {
                self.failed = true;
                return Some(Err(e));
            }
        }
        if let Some(r) = self.chunk.get(self.at) {
            self.at += 1;
            return Some(Ok(r.clone()));
        }
        let r = self.spill.buffer.get(self.in_buffer)?;
        self.in_buffer += 1;
        Some(Ok(r.clone()))
    }
}

/// Records written at their index in a temporary file (in memory when none can be made); an
/// index never written reads back as `None`.
///
/// Records are gathered in pages of `PAGE_RECORDS` consecutive indexes and a page is written
/// in one system call when all its records are in: a finished task's row is one copy, not one
/// `pwrite` (a million tasks made a million system calls, 7 % of the scale run). Pages whose
/// records come late (a long task among short ones) wait, up to `PAGE_BYTES_MAX` in all; past
/// that the lowest page writes what it has, run by run, and its latecomers go out on their own.
#[derive(Debug)]
pub struct Slots<T> {
    file: Option<File>,
    memory: std::collections::BTreeMap<u64, T>,
    in_memory_only: bool,
    /// One more than the highest index written to the file.
    end: u64,
    /// Pages not yet written, by page number (index / `PAGE_RECORDS`).
    pages: std::collections::BTreeMap<u64, Page>,
    /// The most bytes waiting in pages (`PAGE_BYTES_MAX`; smaller in tests).
    page_bytes_max: usize,
    /// Buffers of written pages, for the next ones (no allocation per page).
    spare: Vec<Vec<u8>>,
}

/// Consecutive indexes gathered before one write.
const PAGE_RECORDS: usize = 64;
/// The most bytes waiting in pages (about 20,000 pages of a task's 77-byte slot, 1.3 million
/// tasks). A page waits for its longest task, so what waits grows with how many tasks run at
/// once and how long the longest of them lasts, not with the run's length. At 16 MiB the
/// scale run (270,000 tasks at once, run times up to about 2 hours) wrote 535,000 latecomers
/// one system call each; at 96 MiB it makes 3,800 calls in all, for 45 MiB more at its peak.
const PAGE_BYTES_MAX: usize = 96 << 20;

/// `PAGE_RECORDS` slots as they will lie in the file (a slot's first byte is 1 once written).
#[derive(Debug)]
struct Page {
    bytes: Vec<u8>,
    filled: usize,
}

impl<T: Record> Default for Slots<T> {
    fn default() -> Self {
        Slots::new()
    }
}

impl<T: Record> Slots<T> {
    pub fn new() -> Self {
        Slots {
            file: None,
            memory: std::collections::BTreeMap::new(),
            in_memory_only: false,
            end: 0,
            pages: std::collections::BTreeMap::new(),
            page_bytes_max: PAGE_BYTES_MAX,
            spare: Vec::new(),
        }
    }

    const WIDTH: usize = T::BYTES + 1;

    /// Stores `record` at `index`.
    pub fn put(&mut self, index: u64, record: T) {
        if !self.in_memory_only && self.gather(index, &record).is_ok() {
            return;
        }
        if !self.in_memory_only {
            // The file failed: what waits in pages joins the records kept in memory.
            self.in_memory_only = true;
            for (page, p) in std::mem::take(&mut self.pages) {
                for (i, slot) in p.bytes.chunks_exact(Self::WIDTH).enumerate() {
                    if slot[0] == 1 {
                        self.memory.insert(page * PAGE_RECORDS as u64 + i as u64, T::decode(&slot[1..]));
                    }
                }
            }
        }
        self.memory.insert(index, record);
    }

    fn gather(&mut self, index: u64, record: &T) -> io::Result<()> {
        if self.file.is_none() {
            self.file = Some(tempfile::tempfile()?);
        }
        let (page, at) = (index / PAGE_RECORDS as u64, index as usize % PAGE_RECORDS * Self::WIDTH);
        if !self.pages.contains_key(&page) && (self.pages.len() + 1) * PAGE_RECORDS * Self::WIDTH > self.page_bytes_max {
            self.write_lowest_page()?;
        }
        let spare = &mut self.spare;
        let p = self
            .pages
            .entry(page)
            .or_insert_with(|| Page { bytes: spare.pop().unwrap_or_else(|| vec![0; PAGE_RECORDS * Self::WIDTH]), filled: 0 });
        let slot = &mut p.bytes[at..at + Self::WIDTH];
        if slot[0] == 0 {
            p.filled += 1;
        }
        slot[0] = 1; // written
        record.encode(&mut slot[1..]);
        if p.filled == PAGE_RECORDS {
            let mut p = self.pages.remove(&page).ok_or_else(|| io::Error::other("page vanished"))?;
            self.write_run(page * PAGE_RECORDS as u64, &p.bytes)?;
            p.bytes.fill(0);
            self.spare.push(p.bytes);
        }
        Ok(())
    }

    /// Writes the records of the lowest waiting page, each run of written slots in one call.
    fn write_lowest_page(&mut self) -> io::Result<()> {
        let Some((page, mut p)) = self.pages.pop_first() else { return Ok(()) };
        let first = page * PAGE_RECORDS as u64;
        let written = |i: usize| p.bytes[i * Self::WIDTH] == 1;
        let mut i = 0;
        while i < PAGE_RECORDS {
            let run = (i..PAGE_RECORDS).take_while(|&j| written(j)).count();
            if run > 0 {
                self.write_run(first + i as u64, &p.bytes[i * Self::WIDTH..(i + run) * Self::WIDTH])?;
            }
            i += run.max(1);
        }
        p.bytes.fill(0);
        self.spare.push(p.bytes);
        Ok(())
    }

    /// Writes the slots `bytes` starting at index `first`.
    fn write_run(&mut self, first: u64, bytes: &[u8]) -> io::Result<()> {
        let file = self.file.as_ref().ok_or_else(|| io::Error::other("no slots file"))?;
        write_at(file, bytes, first * Self::WIDTH as u64)?;
        self.end = self.end.max(first + (bytes.len() / Self::WIDTH) as u64);
        Ok(())
    }

    /// Reads the records at `range`, in index order (`None` where nothing was written).
    pub fn read_range(&self, start: u64, end: u64) -> io::Result<Vec<Option<T>>> {
        let mut out: Vec<Option<T>> = Vec::with_capacity((end - start) as usize);
        let in_file = end.min(self.end).max(start);
        if let (Some(file), true) = (self.file.as_ref(), in_file > start) {
            let width = Self::WIDTH as u64;
            let mut bytes = vec![0u8; ((in_file - start) * width) as usize];
            read_at(file, &mut bytes, start * width)?;
            out.extend(bytes.chunks_exact(width as usize).map(|b| (b[0] == 1).then(|| T::decode(&b[1..]))));
        }
        out.resize((end - start) as usize, None);
        let pages = start / PAGE_RECORDS as u64..end.div_ceil(PAGE_RECORDS as u64);
        for (page, p) in self.pages.range(pages) {
            for (i, slot) in p.bytes.chunks_exact(Self::WIDTH).enumerate() {
                let index = page * PAGE_RECORDS as u64 + i as u64;
                if slot[0] == 1 && (start..end).contains(&index) {
                    out[(index - start) as usize] = Some(T::decode(&slot[1..]));
                }
            }
        }
        for (i, r) in self.memory.range(start..end) {
            out[(i - start) as usize] = Some(r.clone());
        }
        Ok(out)
    }
}

/// Fills `bytes` from `offset`. Positioned reads leave the file's cursor alone, so threads can
/// read one run's logs at the same time (`report::output` writes its files on three threads,
/// and two of them may read the same log: events.csv and the deployment charts both read the
/// event log).
#[cfg(unix)]
fn read_at(file: &File, bytes: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, bytes, offset)
}

#[cfg(not(unix))]
fn read_at(file: &File, bytes: &mut [u8], offset: u64) -> io::Result<()> {
    // Seek and read are two calls on one cursor: one reader at a time.
    static ONE_READER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE_READER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    use std::io::{Read, Seek, SeekFrom};
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(bytes)
}

/// Writes `bytes` at `offset`: one system call where the platform has positioned writes.
#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(not(unix))]
fn write_at(mut file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(bytes)
}

/// Little-endian field readers and writers for `Record` impls.
pub struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, at: 0 }
    }
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        a.copy_from_slice(&self.bytes[self.at..self.at + N]);
        self.at += N;
        a
    }
    pub fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
    pub fn f64(&mut self) -> f64 {
        f64::from_bits(self.u64())
    }
    /// `Some(x)` as (1, x), `None` as (0, 0).
    pub fn opt_f64(&mut self) -> Option<f64> {
        let some = self.u8() == 1;
        let v = self.f64();
        some.then_some(v)
    }
}

/// Writes fields one after the other into a record's bytes.
pub struct Writer<'a> {
    bytes: &'a mut [u8],
    at: usize,
}

impl<'a> Writer<'a> {
    pub fn new(bytes: &'a mut [u8]) -> Self {
        Writer { bytes, at: 0 }
    }
    fn put(&mut self, b: &[u8]) {
        self.bytes[self.at..self.at + b.len()].copy_from_slice(b);
        self.at += b.len();
    }
    pub fn u8(&mut self, v: u8) {
        self.put(&[v]);
    }
    pub fn u16(&mut self, v: u16) {
        self.put(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.put(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.put(&v.to_le_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    pub fn opt_f64(&mut self, v: Option<f64>) {
        self.u8(u8::from(v.is_some()));
        self.f64(v.unwrap_or(0.0));
    }
}

impl Record for f64 {
    const BYTES: usize = 8;
    fn encode(&self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_bits().to_le_bytes());
    }
    fn decode(bytes: &[u8]) -> Self {
        f64::from_bits(Cursor::new(bytes).u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spill_gives_back_every_record_in_order_with_a_bounded_buffer() {
        // 3 chunks and a half: 3 × 4096 records in the file, 2048 in memory.
        let mut s = Spill::new();
        let n = 3 * CHUNK_RECORDS + CHUNK_RECORDS / 2;
        for i in 0..n {
            s.push(i as f64);
        }
        let back: Vec<f64> = s.to_vec().unwrap();
        assert_eq!(back.len(), n);
        assert!(back.iter().enumerate().all(|(i, &x)| x == i as f64));
        assert_eq!(s.buffered_high_water(), CHUNK_RECORDS);
        assert_eq!(s.clone().to_vec().unwrap(), back);
    }

    #[test]
    fn slots_read_back_by_index_and_gaps_are_none() {
        let mut s = Slots::new();
        s.put(5, 5.5f64);
        s.put(2, 2.5);
        let got = s.read_range(0, 8).unwrap();
        assert_eq!(got, vec![None, None, Some(2.5), None, None, Some(5.5), None, None]);
        assert_eq!(s.read_range(3, 6).unwrap(), vec![None, None, Some(5.5)]);
    }

    #[test]
    fn slots_gather_pages_and_give_back_every_record_whatever_the_order() {
        // 10,000 records put in a scrambled order (i × 7,919 mod 10,000 visits each once),
        // with room for only 4 waiting pages of 64: full pages go out whole, the lowest
        // waiting page goes out run by run, and late records of a page written in part go out
        // on their own. Every index reads back, from the file, pages or both.
        let mut s = Slots::new();
        s.page_bytes_max = 4 * PAGE_RECORDS * Slots::<f64>::WIDTH;
        let n = 10_000u64;
        for i in 0..n {
            let index = i * 7_919 % n;
            s.put(index, index as f64 + 0.5);
            assert!(s.pages.len() <= 4, "at most 4 pages wait");
        }
        let back = s.read_range(0, n).unwrap();
        assert!(back.iter().enumerate().all(|(i, r)| *r == Some(i as f64 + 0.5)));
        // A range across the file and a waiting page, and one past everything.
        let mut t = Slots::new();
        for i in 0..70u64 {
            t.put(i, i as f64);
        }
        assert_eq!(t.pages.len(), 1, "the first 64 went out whole, 6 wait");
        assert_eq!(t.read_range(62, 72).unwrap(), (62..72).map(|i| (i < 70).then_some(i as f64)).collect::<Vec<_>>());
    }
}
