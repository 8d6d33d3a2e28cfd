//! The timeline's marks of the animated cluster (deployments, faults, placement failures,
//! instances, actions from events.csv; scaling decisions from scaling.csv), merged when there
//! are many; and each drawn task's placement explanation (events.csv's `placed` rows).

use super::data::{read_csv, ClusterData, Mark};
use crate::sim::recorder::EventRowRef;
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, serde::Deserialize)]
struct ScalingIn {
    time_s: f64,
    service: String,
    from_desired: i64,
    to_desired: i64,
    reason: String,
}

/// Beyond this many marks on the timeline, marks of one kind within one minute are merged.
const MAX_MARKS: usize = 400;
/// A mark's text is cut to this many characters (hover text, not a log).
const MARK_TEXT_CHARS: usize = 300;

/// What the cluster takes from events.csv, one row at a time: the page hands it the rows as it
/// reads them for the events table (one pass over a file of a million rows, not two).
pub struct EventMarks {
    /// The drawn tasks by id (a million placements, a few thousand drawn tasks).
    task_index: BTreeMap<String, usize>,
    /// The columns time_s, event, task, workload, reason, detail; None when one is missing
    /// (nothing to take).
    cols: Option<[usize; 6]>,
}

impl EventMarks {
    /// Ready for the rows of an events.csv with this `header`, for the tasks of `data`.
    pub fn new(data: &ClusterData, header: &csv::ByteRecord) -> EventMarks {
        let task_index = data.tasks.iter().enumerate().map(|(k, t)| (t.id.clone(), k)).collect();
        let col = |name: &str| header.iter().position(|h| h == name.as_bytes());
        let cols = match (col("time_s"), col("event"), col("task"), col("workload"), col("reason"), col("detail")) {
            (Some(a), Some(b), Some(c), Some(d), Some(e), Some(f)) => Some([a, b, c, d, e, f]),
            _ => None,
        };
        EventMarks { task_index, cols }
    }

    /// Ready for the rows of events.csv as `ecsim run` writes them ([`EventMarks::event`]).
    pub fn for_run(data: &ClusterData) -> EventMarks {
        let task_index = data.tasks.iter().enumerate().map(|(k, t)| (t.id.clone(), k)).collect();
        // The run's rows have every column; the positions are the file's (unused here).
        EventMarks { task_index, cols: Some([0, 2, 3, 4, 8, 9]) }
    }

    /// Whether a row with this `event`, with an explanation (`has_detail`) or without, may
    /// be taken ([`EventMarks::event`] skips the others): a mark's kind, or a placement with
    /// its explanation. A `service` row is a mark only when its explanation says it could not
    /// place a task: every one is kept, for [`EventMarks::event`] to read.
    pub fn wants(event: &str, has_detail: bool) -> bool {
        mark_kind(event, b"unable to place").is_some() || (event == "placed" && has_detail)
    }

    /// One row of events.csv: a drawn task's placement explanation, or a mark.
    pub fn row(&self, data: &mut ClusterData, rec: &csv::ByteRecord) {
        let Some([c_time, c_event, c_task, c_workload, c_reason, c_detail]) = self.cols else { return };
        let field = |c: usize| rec.get(c).unwrap_or_default();
        let event = std::str::from_utf8(field(c_event)).unwrap_or_default();
        if mark_kind(event, field(c_detail)).is_none() && event != "placed" {
            return;
        }
        let text = |c: usize| String::from_utf8_lossy(field(c));
        let time_s: f64 = std::str::from_utf8(field(c_time)).ok().and_then(|s| s.parse().ok()).unwrap_or(0.0);
        let (task, workload, reason, detail) = (text(c_task), text(c_workload), text(c_reason), text(c_detail));
        self.take(data, Fields { time_s, event, task: &task, workload: &workload, reason: &reason, detail: &detail });
    }

    /// A row of events.csv as `ecsim run` writes it (the same as `row` on the file's line).
    pub fn event(&self, data: &mut ClusterData, r: &EventRowRef) {
        if self.cols.is_none() {
            return;
        }
        let event = r.event.as_str();
        if mark_kind(event, r.detail.as_bytes()).is_none() && event != "placed" {
            return;
        }
        self.take(data, Fields { time_s: r.time_s, event, task: r.task, workload: r.workload, reason: r.reason, detail: r.detail });
    }

    fn take(&self, data: &mut ClusterData, f: Fields<'_>) {
        if f.event == "placed" {
            // Without an explanation there is nothing to keep (a task is placed once: its
            // `placement` is still empty), and most runs have none: no lookup per placement.
            if !f.detail.is_empty() {
                if let Some(&k) = self.task_index.get(f.task) {
                    data.tasks[k].placement = f.detail.to_string();
                }
            }
            return;
        }
        let Some(kind) = mark_kind(f.event, f.detail.as_bytes()) else { return };
        if f.time_s > data.end_s {
            return;
        }
        let (who, reason, detail) = (f.workload, f.reason, f.detail);
        let mut words = match (kind, who.is_empty()) {
            ("failed", false) => format!("{who}: a task could not be placed: {reason}"),
            _ => detail.to_string(),
        };
        if kind == "failed" && !detail.is_empty() && !reason.is_empty() {
            words = format!("{words} ({detail})");
        } else if kind == "deployment" && !reason.is_empty() {
            words = format!("{reason}: {detail}");
        }
        data.marks.push(Mark { t_s: f.time_s, kind, text: cut(&words) });
    }
}

/// The fields of an events.csv row the cluster reads.
struct Fields<'r> {
    time_s: f64,
    event: &'r str,
    task: &'r str,
    workload: &'r str,
    reason: &'r str,
    detail: &'r str,
}

/// The mark an event of this kind (and detail) makes on the timeline, if any.
fn mark_kind(event: &str, detail: &[u8]) -> Option<&'static str> {
    Some(match event {
        "deployment" => "deployment",
        "fault" => "fault",
        "failed" | "gave_up" => "failed",
        "instance" => "instance",
        "action" => "action",
        "service" if detail.windows(15).any(|w| w == b"unable to place") => "failed",
        _ => return None,
    })
}

/// events.csv of `dir`, read for the cluster alone (tests; the page shares its pass).
#[cfg(test)]
pub fn read_events(dir: &Path, data: &mut ClusterData) -> Result<()> {
    use anyhow::Context as _;
    let path = dir.join("events.csv");
    if !path.exists() {
        return Ok(());
    }
    let mut r = csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let marks = EventMarks::new(data, r.byte_headers()?);
    let mut rec = csv::ByteRecord::new();
    while r.read_byte_record(&mut rec).with_context(|| format!("cannot read {}", path.display()))? {
        marks.row(data, &rec);
    }
    Ok(())
}

/// scaling.csv: every scaling decision as a mark.
pub fn read_scaling(dir: &Path, data: &mut ClusterData) -> Result<()> {
    let path = dir.join("scaling.csv");
    if !path.exists() {
        return Ok(());
    }
    for s in read_csv::<ScalingIn>(&path)?.into_iter().filter(|s| s.time_s <= data.end_s) {
        let text = format!("{}: desired {} → {} ({})", s.service, s.from_desired, s.to_desired, s.reason);
        data.marks.push(Mark { t_s: s.time_s, kind: "scaling", text: cut(&text) });
    }
    Ok(())
}

fn cut(text: &str) -> String {
    if text.chars().count() <= MARK_TEXT_CHARS {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(MARK_TEXT_CHARS - 1).collect();
        s.push('…');
        s
    }
}

/// Marks of one kind at one instant become one mark; beyond MAX_MARKS, those within one
/// minute do. A merged mark lists its first texts and how many more (sorted input).
pub fn thin_marks(marks: Vec<Mark>) -> Vec<Mark> {
    let merged = merge_marks(marks, 0.0);
    if merged.len() <= MAX_MARKS {
        return merged;
    }
    merge_marks(merged, 60.0)
}

fn merge_marks(marks: Vec<Mark>, bucket_s: f64) -> Vec<Mark> {
    let key = |m: &Mark| if bucket_s > 0.0 { (m.t_s / bucket_s).floor() * bucket_s } else { m.t_s };
    // (mark, how many merged into it): the first mark of each (kind, instant or minute).
    let mut out: Vec<(Mark, usize)> = Vec::new();
    let mut open: BTreeMap<&'static str, usize> = BTreeMap::new();
    for m in marks {
        let k = key(&m);
        match open.get(m.kind).copied().filter(|&i| key(&out[i].0) == k) {
            Some(i) => {
                let (first, n) = &mut out[i];
                *n += 1;
                if *n <= 3 {
                    first.text = cut(&format!("{}\n{}", first.text, m.text));
                }
            }
            None => {
                open.insert(m.kind, out.len());
                out.push((m, 1));
            }
        }
    }
    out.into_iter()
        .map(|(mut m, n)| {
            if n > 3 {
                m.text = format!("{}\n… and {} more", m.text, n - 3);
            }
            m
        })
        .collect()
}
