//! Atomic file writes: a result file is either the old one or the complete new one, never half
//! written. Bytes go to a temporary file in the target's own directory (so the final rename
//! stays on one filesystem and is atomic), are flushed and synced, and then the temporary file
//! is renamed over the target (the directory itself is synced once per results directory, by
//! `replace_dir`, not once per file). If anything fails, the temporary file is removed and the target
//! is left as it was.
//!
//! A results directory is replaced whole in the same spirit (`replace_dir`): the new one is
//! assembled under a staging name and exchanged with the old one in one step, so that whatever
//! the moment of a kill, the results path holds either the complete old directory or the
//! complete new one (docs/outputs.md, "Results are never half there").
//!
//! While a results directory is being assembled ([`DeferredSyncs`]), its files are renamed into
//! place as soon as they are written and synced together just before the directory replaces
//! the old one: the staging directory is never read after a crash (the next run clears it), so
//! its files need to be durable only by the exchange, and the writers do not wait for the disk
//! in between (W2's events.csv waited 8 ms for its sync while the page could have been written).

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The directories being assembled under [`DeferredSyncs`], each with the files written under
/// it and not yet synced.
static DEFERRED: Mutex<Vec<(PathBuf, Vec<fs::File>)>> = Mutex::new(Vec::new());

/// Files kept open per directory for their sync; beyond, a file is synced when written.
const MAX_DEFERRED_FILES: usize = 256;

fn deferred() -> MutexGuard<'static, Vec<(PathBuf, Vec<fs::File>)>> {
    // A panic while the lock was held leaves a list of open files, still sound to use.
    DEFERRED.lock().unwrap_or_else(|e| e.into_inner())
}

/// While alive, files written by [`write_atomic_with`] in `root` or below it are renamed into
/// place unsynced (their write-back started), and [`replace_dir`] syncs them all before it moves
/// `root` into place. Dropping it forgets the files (a failed run removes `root` anyway).
#[must_use = "the syncs are deferred only while it is alive"]
pub struct DeferredSyncs {
    root: PathBuf,
}

impl DeferredSyncs {
    pub fn begin(root: &Path) -> DeferredSyncs {
        deferred().push((root.to_path_buf(), Vec::new()));
        DeferredSyncs { root: root.to_path_buf() }
    }
}

impl Drop for DeferredSyncs {
    fn drop(&mut self) {
        deferred().retain(|(root, _)| *root != self.root);
    }
}

/// Whether files written in `dir` wait for their directory's sync.
fn is_deferred(dir: &Path) -> bool {
    deferred().iter().any(|(root, files)| dir.starts_with(root) && files.len() < MAX_DEFERRED_FILES)
}

/// Keeps `file` (written in `dir`) for the sync of its directory; gives it back when there is
/// none, or no room.
fn defer(dir: &Path, file: fs::File) -> Result<(), fs::File> {
    match deferred().iter_mut().find(|(root, files)| dir.starts_with(root) && files.len() < MAX_DEFERRED_FILES) {
        Some((_, files)) => {
            files.push(file);
            Ok(())
        }
        None => Err(file),
    }
}

/// Syncs the files written in `dir` or below it whose syncs were deferred.
fn sync_deferred(dir: &Path) -> io::Result<()> {
    let files: Vec<fs::File> =
        deferred().iter_mut().filter(|(root, _)| root.starts_with(dir)).flat_map(|(_, files)| files.drain(..)).collect();
    files.iter().try_for_each(fs::File::sync_all)
}

/// Asks the system to start writing `file` to disk now, without waiting (Linux); its sync later
/// then mostly finds it written.
fn start_write_back(file: &fs::File) {
    start_write_back_of(file, 0, 0);
}

/// `start_write_back` for the `len` bytes at `offset` (0: to the end).
fn start_write_back_of(file: &fs::File, offset: u64, len: u64) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::io::AsRawFd;
        let (Ok(offset), Ok(len)) = (libc::off64_t::try_from(offset), libc::off64_t::try_from(len)) else { return };
        // SAFETY: a plain syscall on an open descriptor; it reads no memory of ours. A failure
        // only means the later sync does all the work.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, offset, len);
}

/// Bytes between two starts of a deferred file's write-back.
const WRITE_BACK_BYTES: u64 = 4 << 20;

/// The temporary file, counting what is written to it to start its write-back as it grows
/// (`kick`: only for a deferred file).
struct WriteBack {
    inner: tempfile::NamedTempFile,
    written: u64,
    /// Bytes whose write-back was started.
    started: u64,
    kick: bool,
}

impl Write for WriteBack {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        if self.kick && self.written - self.started >= WRITE_BACK_BYTES {
            start_write_back_of(self.inner.as_file(), self.started, self.written - self.started);
            self.started = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes whatever `write` produces to `path` atomically. `write` gets a buffered writer; if
/// it returns an error, `path` is not touched and the error is returned. The file is synced
/// before it is renamed (after, in a directory under [`DeferredSyncs`]: by `replace_dir`); its
/// directory is not (see `replace_dir`).
pub fn write_atomic_with<F>(path: &Path, write: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name =
        path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("not a file path: {}", path.display())))?;
    // A dot-prefixed name with a `.tmp` suffix: hidden from listings and ignored by git.
    let mut builder = tempfile::Builder::new();
    let prefix = format!(".{}.", name.to_string_lossy());
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        // NamedTempFile defaults to 0600; result files are meant to be read by others too.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o644));
    }
    let tmp = builder.tempfile_in(dir)?;

    let deferred = is_deferred(dir);
    // Deferred, the file's write-back starts every few MB as it is written, so that its sync
    // at the exchange finds little left: events.csv's 15 MB otherwise waited for the disk
    // there, after the last row (16 ms of W2's `--outputs data`).
    let mut out = BufWriter::new(WriteBack { inner: tmp, written: 0, started: 0, kick: deferred });
    write(&mut out)?;
    out.flush()?;
    let tmp = out.into_inner().map_err(|e| e.into_error())?.inner;
    if deferred {
        start_write_back(tmp.as_file());
        let file = tmp.persist(path).map_err(|e| e.error)?;
        return match defer(dir, file) {
            Ok(()) => Ok(()),
            Err(file) => file.sync_all(),
        };
    }
    tmp.as_file().sync_all()?;
    // The contents are on disk before the name is: whatever the moment of a crash, `path` is
    // the old file or the complete new one. The directory is not synced here: a results
    // directory is synced once, whole, before it replaces the old one (`replace_dir`), where
    // a sync per file cost a few milliseconds each at the end of every run.
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Makes the names in `dir` and in every directory below it durable (each directory synced
/// once). Not every platform lets a directory be opened and synced; the files' contents are
/// already safe, so a failure here is not an error.
fn sync_dirs(dir: &Path) {
    #[cfg(unix)]
    {
        if let Ok(entries) = fs::read_dir(dir) {
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    sync_dirs(&entry.path());
                }
            }
        }
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// One step of `replace_dir`, for tests that stop it in the middle as a kill would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwapStep {
    /// The old directory was moved aside to `.<name>.old` (fallback only).
    OldMovedAside,
    /// The new directory is in place; the old one waits under the staging or `.old` name.
    NewInPlace,
}

/// The name the old directory is moved aside to when the exchange is not available.
pub fn aside_dir(out: &Path) -> std::path::PathBuf {
    let name = out.file_name().map_or("results".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.old"))
}

/// Replaces directory `out` with the complete directory `staging` (same parent folder).
///
/// On Linux the two are exchanged by one `renameat2(RENAME_EXCHANGE)`: `out` names the old
/// directory until the exchange and the new one after it, and the old one, now under the
/// staging name, is removed (a kill before that removal leaves it there, and the next run
/// clears its staging directory first). Where the exchange is not available (another system,
/// a file system without it) the old directory is renamed to `.<name>.old`, the new one into
/// place, and the old one removed: a kill between the two renames leaves no `out` but the
/// complete old directory under `.<name>.old`, which `recover_dir` puts back.
pub fn replace_dir(staging: &Path, out: &Path) -> io::Result<()> {
    replace_dir_with(staging, out, true, &mut |_| Ok(()))?;
    // The exchange itself made durable: the parent directory's names.
    #[cfg(unix)]
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()).or(Some(Path::new("."))) {
        if let Ok(d) = fs::File::open(parent) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Before writing `out` again: puts back an old directory a kill left aside (there is no
/// `out`), or removes one that is no longer needed (there is).
pub fn recover_dir(out: &Path) -> io::Result<()> {
    let aside = aside_dir(out);
    if !aside.exists() {
        return Ok(());
    }
    if out.exists() {
        fs::remove_dir_all(&aside)
    } else {
        fs::rename(&aside, out)
    }
}

/// `replace_dir`, with the exchange optional (to test the fallback on Linux) and `step`
/// called after each step; an error from `step` stops there, as a kill would.
pub fn replace_dir_with(
    staging: &Path,
    out: &Path,
    try_exchange: bool,
    step: &mut dyn FnMut(SwapStep) -> io::Result<()>,
) -> io::Result<()> {
    // Every file and name in the new directory is on disk before the directory takes `out`'s
    // place.
    sync_deferred(staging)?;
    sync_dirs(staging);
    if !out.exists() {
        fs::rename(staging, out)?;
        return step(SwapStep::NewInPlace);
    }
    if try_exchange && exchange(staging, out).is_ok() {
        step(SwapStep::NewInPlace)?;
        // `staging` now holds the old directory.
        return fs::remove_dir_all(staging);
    }
    let aside = aside_dir(out);
    if aside.exists() {
        fs::remove_dir_all(&aside)?;
    }
    fs::rename(out, &aside)?;
    step(SwapStep::OldMovedAside)?;
    fs::rename(staging, out)?;
    step(SwapStep::NewInPlace)?;
    fs::remove_dir_all(&aside)
}

/// Swaps two paths atomically (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let cstr = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e));
    let (a, b) = (cstr(a)?, cstr(b)?);
    // SAFETY: both paths are NUL-terminated strings that outlive the call; the syscall reads
    // them and nothing else. The raw syscall (rather than glibc's wrapper) works on every libc.
    let rc = unsafe { libc::syscall(libc::SYS_renameat2, libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_a_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        write_atomic(&path, b"{\"ok\":true}\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{\"ok\":true}\n");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn replaces_an_existing_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeseries.csv");
        fs::write(&path, "a much longer old content that must not survive\n").unwrap();
        write_atomic(&path, b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
    }

    #[test]
    fn streams_through_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.csv");
        write_atomic_with(&path, |w| {
            for i in 0..1000 {
                writeln!(w, "{i}")?;
            }
            Ok(())
        })
        .unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1000);
        assert_eq!(text.lines().last(), Some("999"));
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        fs::write(&path, "old").unwrap();
        let err = write_atomic_with(&path, |w| {
            w.write_all(b"half of the new con")?;
            Err(io::Error::other("generator failed"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "generator failed");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_missing_directory_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/out.csv");
        let err = write_atomic(&path, b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[cfg(unix)]
    #[test]
    fn result_files_get_ordinary_permissions_not_tempfiles_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chart.svg");
        write_atomic(&path, b"<svg/>").unwrap();
        // What a plain create gives under this process's umask, without the execute bits.
        let reference = dir.path().join("reference");
        fs::write(&reference, b"").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&reference) & 0o644, "mode {:o}", mode(&path));
    }

    /// A results directory holding one file whose text says which version it is.
    fn results(dir: &Path, version: &str) {
        fs::create_dir_all(dir.join("charts")).unwrap();
        fs::write(dir.join("summary.json"), version).unwrap();
        fs::write(dir.join("charts/a.svg"), version).unwrap();
    }

    /// Which complete version `out` holds ("old", "new"), or what is wrong with it.
    fn version(out: &Path) -> String {
        let a = fs::read_to_string(out.join("summary.json")).unwrap_or_else(|_| "missing".into());
        let b = fs::read_to_string(out.join("charts/a.svg")).unwrap_or_else(|_| "missing".into());
        if a == b {
            a
        } else {
            format!("mixed {a}/{b}")
        }
    }

    #[test]
    fn a_kill_at_any_step_leaves_the_old_or_the_new_results() {
        // Stop after 0, 1, 2 steps (as a kill would) on both paths; afterwards (and after the
        // recovery the next run does first), `out` holds one complete version.
        for try_exchange in [true, false] {
            for stop_after in 0..3 {
                let dir = tempfile::tempdir().unwrap();
                let (out, staging) = (dir.path().join("web"), dir.path().join(".web.partial"));
                results(&out, "old");
                results(&staging, "new");
                let mut n = 0;
                let r = replace_dir_with(&staging, &out, try_exchange, &mut |_| {
                    n += 1;
                    if n > stop_after {
                        Err(io::Error::other("killed"))
                    } else {
                        Ok(())
                    }
                });
                recover_dir(&out).unwrap();
                let v = version(&out);
                assert!(v == "old" || v == "new", "exchange {try_exchange}, stopped after {stop_after}: {v}");
                if r.is_ok() {
                    assert_eq!(v, "new");
                    assert!(!staging.exists() && !aside_dir(&out).exists());
                }
            }
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn on_linux_the_exchange_is_one_step() {
        let dir = tempfile::tempdir().unwrap();
        let (out, staging) = (dir.path().join("web"), dir.path().join(".web.partial"));
        results(&out, "old");
        results(&staging, "new");
        let mut steps = Vec::new();
        replace_dir_with(&staging, &out, true, &mut |s| {
            steps.push(s);
            Ok(())
        })
        .unwrap();
        // No moment without `out`: the only step is the new directory in place.
        assert_eq!(steps, [SwapStep::NewInPlace]);
        assert_eq!(version(&out), "new");
        assert!(!staging.exists());
    }

    #[test]
    fn deferred_files_are_in_place_at_once_and_synced_by_the_replacement() {
        let dir = tempfile::tempdir().unwrap();
        let (out, staging) = (dir.path().join("web"), dir.path().join(".web.partial"));
        results(&out, "old");
        fs::create_dir_all(staging.join("charts")).unwrap();
        let syncs = DeferredSyncs::begin(&staging);
        write_atomic(&staging.join("summary.json"), b"new").unwrap();
        write_atomic(&staging.join("charts/a.svg"), b"new").unwrap();
        // Readable under its name at once (the page reads the files written before it).
        assert_eq!(version(&staging), "new");
        let waiting = || deferred().iter().filter(|(root, _)| root.starts_with(&staging)).map(|(_, f)| f.len()).sum::<usize>();
        assert_eq!(waiting(), 2);
        // A file outside the staging directory is synced as it is written, as always.
        write_atomic(&dir.path().join("elsewhere.txt"), b"y").unwrap();
        assert_eq!(waiting(), 2);
        replace_dir(&staging, &out).unwrap();
        assert_eq!(waiting(), 0, "synced before the exchange");
        assert_eq!(version(&out), "new");
        assert!(leftovers(&out).is_empty() && leftovers(&out.join("charts")).is_empty());
        drop(syncs);
        assert!(!deferred().iter().any(|(root, _)| *root == staging));
    }

    #[test]
    fn a_first_run_renames_the_staging_directory() {
        let dir = tempfile::tempdir().unwrap();
        let (out, staging) = (dir.path().join("web"), dir.path().join(".web.partial"));
        results(&staging, "new");
        replace_dir(&staging, &out).unwrap();
        assert_eq!(version(&out), "new");
    }
}
