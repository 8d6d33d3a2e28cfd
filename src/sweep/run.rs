//! Running a sweep: seeds by replication, runs on a local thread pool, each finished run
//! persisted at once (`runs/<cell>-r<rep>.json`, atomically), resume from the run files of the
//! same sweep (`sweep.json`), shards (`--shard I/N` or a batch system's array index).

use super::aggregate::{self, Assembled};
use super::file::{display_value, Prepared};
use crate::report::atomic::write_atomic;
use crate::report::summary::Summary;
use crate::sim;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// SplitMix64's output function (Steele, Lea and Flood 2014).
fn splitmix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of replication `rep`: the (rep + 1)-th output of a SplitMix64 generator whose state
/// starts at the master seed. It depends on the replication only, never on the cell, so every
/// cell of a replication sees the same arrivals, run times and failures (common random numbers).
pub fn run_seed(master: u64, rep: u32) -> u64 {
    splitmix64(master.wrapping_add(0x9E37_79B9_7F4A_7C15u64.wrapping_mul(u64::from(rep) + 1)))
}

/// One of N shards: runs whose global index k = cell × replications + rep has k mod N = I.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn new(index: u32, count: u32) -> Result<Shard> {
        if count == 0 {
            bail!("a sweep cannot have 0 shards");
        }
        if index >= count {
            bail!("shard index {index} is out of range: with {count} shards it must be 0..={}", count - 1);
        }
        Ok(Shard { index, count })
    }
    pub fn holds(&self, k: usize) -> bool {
        k % self.count as usize == self.index as usize
    }
}

impl std::str::FromStr for Shard {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Shard> {
        let (i, n) = s.split_once('/').with_context(|| format!("--shard `{s}`: expected I/N, e.g. 0/4"))?;
        let parse = |x: &str| x.trim().parse::<u32>().with_context(|| format!("--shard `{s}`: `{x}` is not a whole number"));
        Shard::new(parse(i)?, parse(n)?)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The environment variable giving the shard count where the batch system gives only an index
/// (Kubernetes Indexed Jobs expose `JOB_COMPLETION_INDEX` but not `.spec.completions`).
pub const SHARDS_ENV: &str = "ECSIM_SHARDS";

/// The shard of this process from a batch system's array index, when there is one:
/// * Slurm job arrays: `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` (when set) of
///   `SLURM_ARRAY_TASK_COUNT`;
/// * AWS Batch array jobs: `AWS_BATCH_JOB_ARRAY_INDEX` of `AWS_BATCH_JOB_ARRAY_SIZE`;
/// * Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX` of `shards` (`--shards N`) or
///   `ECSIM_SHARDS` (set it to the Job's `completions`).
///
/// `get` reads a variable (`std::env::var` in the binary, a map in tests).
pub fn shard_from_env(get: &dyn Fn(&str) -> Option<String>, shards: Option<u32>) -> Result<Option<Shard>> {
    let num = |name: &str| -> Result<Option<i64>> {
        get(name).map(|v| v.trim().parse::<i64>().with_context(|| format!("{name}=`{v}` is not a whole number"))).transpose()
    };
    let make = |index: i64, count: i64, from: &str| -> Result<Option<Shard>> {
        let ok = |x: i64| u32::try_from(x).ok();
        match (ok(index), ok(count)) {
            (Some(i), Some(n)) => Shard::new(i, n).map(Some).with_context(|| format!("shard from {from}")),
            _ => bail!("shard from {from}: index {index} of {count} is out of range"),
        }
    };
    if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
        // With --shards N the array task ids are the shard indexes themselves, so that only the
        // failed shards can be resubmitted (`--array=3,7 ... --shards 16`).
        if let Some(n) = shards {
            return make(id, i64::from(n), "SLURM_ARRAY_TASK_ID");
        }
        let Some(count) = num("SLURM_ARRAY_TASK_COUNT")? else {
            bail!("SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT; pass --shards N");
        };
        let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        // Otherwise the array must be one contiguous range (`--array=0-15` or `1-16`): a list or
        // a step would map two tasks to one shard, or a task past the count.
        let step = num("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1);
        let max = num("SLURM_ARRAY_TASK_MAX")?.unwrap_or(min + count - 1);
        if step != 1 || max - min + 1 != count {
            bail!(
                "the Slurm array is not one contiguous range (min {min}, max {max}, step {step}, {count} tasks): \
                 submit --array=0-(N-1), or pass --shards N to use SLURM_ARRAY_TASK_ID as the shard index"
            );
        }
        return make(id - min, count, "SLURM_ARRAY_TASK_ID");
    }
    if let Some(index) = num("AWS_BATCH_JOB_ARRAY_INDEX")? {
        let Some(count) = shards.map(i64::from).or(num("AWS_BATCH_JOB_ARRAY_SIZE")?) else {
            bail!("AWS_BATCH_JOB_ARRAY_INDEX is set but not AWS_BATCH_JOB_ARRAY_SIZE; pass --shards N");
        };
        return make(index, count, "AWS_BATCH_JOB_ARRAY_INDEX");
    }
    if let Some(index) = num("JOB_COMPLETION_INDEX")? {
        let Some(count) = shards.map(i64::from).or(num(SHARDS_ENV)?) else {
            bail!(
                "JOB_COMPLETION_INDEX is set but the shard count is unknown: pass --shards N or set {SHARDS_ENV} to the Job's completions"
            );
        };
        return make(index, count, "JOB_COMPLETION_INDEX");
    }
    Ok(None)
}

/// One cell as the manifest records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestCell {
    pub id: String,
    /// One per axis, in the manifest's axis order.
    pub values: Vec<serde_json::Value>,
}

/// `sweep.json`: what a results folder holds runs of. Two folders hold runs of the same sweep
/// when everything but `shard` is equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub ecsim_version: String,
    pub sweep: String,
    pub sweep_sha256: String,
    /// The base scenario's SHA-256 (its text and every file it reads).
    pub base_sha256: String,
    pub master_seed: u64,
    pub replications: u32,
    pub figures: Option<Vec<String>>,
    pub axes: Vec<String>,
    pub cells: Vec<ManifestCell>,
    /// The shard this folder ran (absent for a whole sweep or a merge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

impl Manifest {
    pub fn of(p: &Prepared) -> Manifest {
        Manifest {
            ecsim_version: env!("CARGO_PKG_VERSION").into(),
            sweep: p.file.name.clone(),
            sweep_sha256: p.file.sha256.clone(),
            base_sha256: p.base.sha256.clone(),
            master_seed: p.master_seed,
            replications: p.file.replications,
            figures: p.file.figures.clone(),
            axes: p.axes.clone(),
            cells: p
                .cells
                .iter()
                .map(|c| ManifestCell { id: c.id.clone(), values: c.values.iter().map(|(_, v)| toml_to_json(v)).collect() })
                .collect(),
            shard: None,
        }
    }
    /// Same sweep, whatever the shard.
    pub fn same_sweep(&self, other: &Manifest) -> bool {
        Manifest { shard: None, ..self.clone() } == Manifest { shard: None, ..other.clone() }
    }
    pub fn runs(&self) -> usize {
        self.cells.len() * self.replications as usize
    }
    /// The file of run k (cell-major).
    pub fn run_file(&self, dir: &Path, k: usize) -> PathBuf {
        let r = self.replications as usize;
        dir.join("runs").join(format!("{}-r{}.json", self.cells[k / r].id, k % r))
    }
    pub fn bytes(&self) -> Vec<u8> {
        let mut b = serde_json::to_vec_pretty(self).expect("a manifest serializes");
        b.push(b'\n');
        b
    }
    /// How `dir` differs from this sweep, in words.
    pub fn difference(&self, other: &Manifest) -> String {
        let mut d = Vec::new();
        if self.sweep != other.sweep {
            d.push(format!("sweep `{}` vs `{}`", other.sweep, self.sweep));
        }
        if self.sweep_sha256 != other.sweep_sha256 {
            d.push("another sweep file".into());
        }
        if self.base_sha256 != other.base_sha256 {
            d.push("another base scenario".into());
        }
        if self.ecsim_version != other.ecsim_version {
            d.push(format!("ecsim {} vs {}", other.ecsim_version, self.ecsim_version));
        }
        if d.is_empty() {
            d.push("another grid, seed or figures".into());
        }
        d.join(", ")
    }
}

fn toml_to_json(v: &toml::Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_else(|_| serde_json::Value::String(display_value(v)))
}

/// `runs/<cell>-r<rep>.json`: one finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub ecsim_version: String,
    pub sweep_sha256: String,
    pub base_sha256: String,
    pub cell: String,
    pub cell_index: usize,
    pub replication: u32,
    pub seed: u64,
    pub axes: BTreeMap<String, serde_json::Value>,
    pub figures: BTreeMap<String, f64>,
}

impl RunRecord {
    /// Whether this record is run `k` of the sweep `m`.
    fn is_run(&self, m: &Manifest, k: usize) -> bool {
        let r = m.replications as usize;
        self.ecsim_version == m.ecsim_version
            && self.sweep_sha256 == m.sweep_sha256
            && self.base_sha256 == m.base_sha256
            && self.cell_index == k / r
            && self.cell == m.cells[k / r].id
            && self.replication as usize == k % r
            && self.seed == run_seed(m.master_seed, (k % r) as u32)
    }
}

/// Reads run `k` from `dir`, if it is there and belongs to the sweep.
pub fn read_run(m: &Manifest, dir: &Path, k: usize) -> Option<RunRecord> {
    let bytes = std::fs::read(m.run_file(dir, k)).ok()?;
    let rec: RunRecord = serde_json::from_slice(&bytes).ok()?;
    rec.is_run(m, k).then_some(rec)
}

/// Reads the manifest in `dir`, if any.
pub fn read_manifest(dir: &Path) -> Result<Option<Manifest>> {
    let path = dir.join("sweep.json");
    match std::fs::read(&path) {
        Ok(b) => Ok(Some(serde_json::from_slice(&b).with_context(|| format!("{} is not a sweep manifest", path.display()))?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Checks that `out` can hold runs of `m`: absent, empty, or holding the same sweep.
pub fn check_out(m: &Manifest, out: &Path) -> Result<()> {
    match read_manifest(out)? {
        Some(theirs) if !m.same_sweep(&theirs) => bail!(
            "{} holds another sweep ({}); choose another --out, or delete the folder to start over",
            out.display(),
            m.difference(&theirs)
        ),
        Some(_) => Ok(()),
        None => {
            let non_empty = std::fs::read_dir(out).map(|mut d| d.next().is_some()).unwrap_or(false);
            if non_empty {
                bail!("{} is not empty and holds no sweep.json; choose another --out", out.display());
            }
            Ok(())
        }
    }
}

/// A run that has just finished, for progress reports.
pub struct Finished<'a> {
    pub done: usize,
    pub total: usize,
    pub record: &'a RunRecord,
}

/// What `execute` did.
pub struct Executed {
    pub manifest: Manifest,
    /// Runs of this shard (all runs without a shard).
    pub runs: usize,
    /// Of those, found done in the output folder and not run again.
    pub skipped: usize,
    /// The tables, for a whole sweep (`None` for a shard).
    pub assembled: Option<Assembled>,
}

/// Runs the sweep (or one shard of it) into `out` on `threads` threads (0: every core).
/// `before` is called once the work is known (runs to do, runs already done); `progress`
/// after each run, from the worker threads.
pub fn execute(
    p: &Prepared,
    out: &Path,
    threads: usize,
    shard: Option<Shard>,
    before: &mut dyn FnMut(usize, usize),
    progress: &(dyn Fn(Finished) + Sync),
) -> Result<Executed> {
    let mut manifest = Manifest::of(p);
    check_out(&manifest, out)?;
    manifest.shard = shard;
    let runs_dir = out.join("runs");
    std::fs::create_dir_all(&runs_dir).with_context(|| format!("cannot create {}", runs_dir.display()))?;
    remove_stale_temporaries(&runs_dir);
    write_atomic(&out.join("sweep.json"), &manifest.bytes()).context("sweep.json")?;

    let mine: Vec<usize> = (0..manifest.runs()).filter(|&k| shard.is_none_or(|s| s.holds(k))).collect();
    let todo: Vec<usize> = mine.iter().copied().filter(|&k| read_run(&manifest, out, k).is_none()).collect();
    let skipped = mine.len() - todo.len();
    before(todo.len(), skipped);

    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().context("cannot start the thread pool")?;
    let done = std::sync::atomic::AtomicUsize::new(0);
    let reps = manifest.replications as usize;
    let results: Vec<Result<()>> = pool.install(|| {
        todo.par_iter()
            .map(|&k| {
                let (ci, rep) = (k / reps, (k % reps) as u32);
                let record = run_one(p, &manifest, ci, rep)?;
                let mut bytes = serde_json::to_vec_pretty(&record)?;
                bytes.push(b'\n');
                let path = manifest.run_file(out, k);
                write_atomic(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
                let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                progress(Finished { done: n, total: todo.len(), record: &record });
                Ok(())
            })
            .collect()
    });
    for r in results {
        r?;
    }
    let assembled = match shard {
        Some(_) => None,
        None => {
            let records = read_all(&manifest, out, 0..manifest.runs(), &out.display().to_string())?;
            let a = aggregate::assemble(&manifest, &records)?;
            write_outputs(out, &manifest, &a)?;
            Some(a)
        }
    };
    Ok(Executed { runs: mine.len(), skipped, manifest, assembled })
}

/// Runs cell `ci`, replication `rep`, and flattens its summary.
fn run_one(p: &Prepared, m: &Manifest, ci: usize, rep: u32) -> Result<RunRecord> {
    let seed = run_seed(m.master_seed, rep);
    // Built here rather than kept from `prepare`: a grid's scenarios need not fit in memory.
    let mut scenario = p.scenario(ci).map_err(|d| anyhow::anyhow!("cell {}: {d}", m.cells[ci].id))?;
    // The run takes the cell's cluster rather than copying it (nothing reads it afterwards).
    let cluster = std::mem::take(&mut scenario.cluster);
    let outcome = sim::run_from(&scenario, cluster, seed, sim::RunOptions::default(), &mut |_| {});
    let summary = Summary::new(&scenario, None, seed, &outcome);
    let json = serde_json::to_value(&summary).expect("a summary serializes");
    Ok(RunRecord {
        ecsim_version: m.ecsim_version.clone(),
        sweep_sha256: m.sweep_sha256.clone(),
        base_sha256: m.base_sha256.clone(),
        cell: m.cells[ci].id.clone(),
        cell_index: ci,
        replication: rep,
        seed,
        axes: m.axes.iter().cloned().zip(m.cells[ci].values.iter().cloned()).collect(),
        figures: aggregate::flatten(&json),
    })
}

/// Reads runs `ks` of `m` from `dir`; a missing or foreign one is an error naming `what`.
pub fn read_all(m: &Manifest, dir: &Path, ks: impl Iterator<Item = usize>, what: &str) -> Result<Vec<RunRecord>> {
    ks.map(|k| {
        read_run(m, dir, k)
            .with_context(|| format!("{what} is incomplete: {} is missing or not a run of this sweep", m.run_file(dir, k).display()))
    })
    .collect()
}

/// Writes the tables, the manifest (without shard) and the charts (`charts/`, drawn from the
/// same aggregate) into `out`, each atomically.
pub fn write_outputs(out: &Path, m: &Manifest, a: &Assembled) -> Result<()> {
    let whole = Manifest { shard: None, ..m.clone() };
    // A kill during an earlier sweep's final writes left `.runs.csv.<random>.tmp` and the like
    // here and in charts/: nothing reads them, and they go now.
    remove_stale_temporaries(out);
    remove_stale_temporaries(&out.join("charts"));
    write_atomic(&out.join("runs.csv"), &a.runs_csv).context("runs.csv")?;
    write_atomic(&out.join("cells.csv"), &a.cells_csv).context("cells.csv")?;
    write_atomic(&out.join("cells.json"), &a.cells_json).context("cells.json")?;
    write_atomic(&out.join("sweep.json"), &whole.bytes()).context("sweep.json")?;
    super::chart::sweep_charts(&whole, a, &out.join("charts")).context("sweep charts")?;
    // Last: the page is built from the files above.
    crate::report::html::write_report(out)?;
    Ok(())
}

/// Temporary files of writes a kill interrupted (`.<name>.<random>.tmp`): never read, removed.
/// Only a sweep's own folders are cleaned, and a sweep's writers never share them.
pub(crate) fn remove_stale_temporaries(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_depend_on_the_replication_only() {
        // splitmix64(42 + γ): the first output of SplitMix64 seeded with 42.
        assert_eq!(run_seed(42, 0), splitmix64(42u64.wrapping_add(0x9E37_79B9_7F4A_7C15)));
        assert_ne!(run_seed(42, 0), run_seed(42, 1));
        assert_ne!(run_seed(42, 0), run_seed(43, 0));
    }

    #[test]
    fn shards_from_the_environment() {
        let env =
            |pairs: &'static [(&'static str, &'static str)]| move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
        // Slurm --array=1-4: ids 1..4, min 1, count 4 → task 3 is shard 2/4.
        let slurm = env(&[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert_eq!(shard_from_env(&slurm, None).unwrap(), Some(Shard { index: 2, count: 4 }));
        // A resubmission of failed shards only (--array=3,7): refused without --shards, and the
        // task id is the shard index with it.
        let list = env(&[
            ("SLURM_ARRAY_TASK_ID", "7"),
            ("SLURM_ARRAY_TASK_MIN", "3"),
            ("SLURM_ARRAY_TASK_MAX", "7"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
        ]);
        assert!(shard_from_env(&list, None).unwrap_err().to_string().contains("contiguous"));
        assert_eq!(shard_from_env(&list, Some(16)).unwrap(), Some(Shard { index: 7, count: 16 }));
        let stepped = env(&[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_STEP", "2"), ("SLURM_ARRAY_TASK_COUNT", "8")]);
        assert!(shard_from_env(&stepped, None).is_err());
        let batch = env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "0"), ("AWS_BATCH_JOB_ARRAY_SIZE", "10")]);
        assert_eq!(shard_from_env(&batch, None).unwrap(), Some(Shard { index: 0, count: 10 }));
        let k8s = env(&[("JOB_COMPLETION_INDEX", "5")]);
        assert!(shard_from_env(&k8s, None).unwrap_err().to_string().contains("--shards N"));
        assert_eq!(shard_from_env(&k8s, Some(6)).unwrap(), Some(Shard { index: 5, count: 6 }));
        assert!(shard_from_env(&k8s, Some(5)).is_err());
        assert_eq!(shard_from_env(&env(&[]), None).unwrap(), None);
    }

    #[test]
    fn shard_syntax() {
        assert_eq!("1/3".parse::<Shard>().unwrap(), Shard { index: 1, count: 3 });
        assert!("3/3".parse::<Shard>().unwrap_err().to_string().contains("out of range"));
        assert!("x".parse::<Shard>().is_err());
    }
}
