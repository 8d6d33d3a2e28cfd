//! `ecsim merge`: the shards of one sweep, each run in its own folder, into one folder whose
//! tables are byte-identical to the unsharded sweep's (the same `assemble`, over the same run
//! files in the same order). Everything is checked before anything is written.

use super::aggregate::{self, Assembled};
use super::run::{check_out, read_all, read_manifest, write_outputs, Manifest};
use crate::report::atomic::write_atomic;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// Merges the shard folders `dirs` into `out`; returns the manifest and the tables.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<(Manifest, Assembled)> {
    if dirs.is_empty() {
        bail!("no shard folders given");
    }
    let mut shards = Vec::new();
    for d in dirs {
        let Some(m) = read_manifest(d)? else { bail!("{} holds no sweep.json: not a sweep shard", d.display()) };
        let Some(s) = m.shard else { bail!("{} is a whole sweep, not a shard", d.display()) };
        shards.push((d, m, s));
    }
    let (first_dir, first, first_shard) = (&shards[0].0, shards[0].1.clone(), shards[0].2);
    let n = first_shard.count;
    for (d, m, s) in &shards[1..] {
        if !m.same_sweep(&first) {
            bail!("{} is a shard of another sweep than {} ({})", d.display(), first_dir.display(), first.difference(m));
        }
        if s.count != n {
            bail!("{} is shard {s} but {} is shard {first_shard}: the shard counts differ", d.display(), first_dir.display());
        }
    }
    let mut by_index: Vec<Option<&Path>> = vec![None; n as usize];
    for (d, _, s) in &shards {
        if let Some(other) = by_index[s.index as usize] {
            bail!("shard {s} is given twice: {} and {}", other.display(), d.display());
        }
        by_index[s.index as usize] = Some(d.as_path());
    }
    let missing: Vec<String> = (0..n).filter(|i| by_index[*i as usize].is_none()).map(|i| format!("{i}/{n}")).collect();
    if !missing.is_empty() {
        bail!("shard(s) {} missing: merge needs all {n} shards of sweep `{}`", missing.join(", "), first.sweep);
    }
    let whole = Manifest { shard: None, ..first };
    // Run k is in shard k mod n.
    let mut records = Vec::with_capacity(whole.runs());
    for k in 0..whole.runs() {
        let dir = by_index[k % n as usize].expect("every shard is present");
        let what = format!("shard {}/{n} ({})", k % n as usize, dir.display());
        records.extend(read_all(&whole, dir, std::iter::once(k), &what)?);
    }
    check_out(&whole, out)?;
    let assembled = aggregate::assemble(&whole, &records)?;
    // The merged folder is a whole sweep: it holds every run file too, so it can be resumed.
    std::fs::create_dir_all(out.join("runs")).with_context(|| format!("cannot create {}", out.display()))?;
    for k in 0..whole.runs() {
        let from = whole.run_file(by_index[k % n as usize].expect("present"), k);
        let bytes = std::fs::read(&from).with_context(|| format!("cannot read {}", from.display()))?;
        write_atomic(&whole.run_file(out, k), &bytes)?;
    }
    write_outputs(out, &whole, &assembled)?;
    Ok((whole, assembled))
}
