//! (placeholder until the report branch lands)
use std::path::Path;
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut f = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut f, bytes)?;
    f.persist(path).map_err(|e| e.error)?;
    Ok(())
}
