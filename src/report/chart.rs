//! (placeholder until the report branch lands)
use crate::sim::recorder::MinuteRow;
use std::path::Path;
pub fn reservation_chart(_rows: &[MinuteRow], _title: &str, _png: &Path, _svg: &Path) -> Result<(), String> {
    Ok(())
}
pub fn comparison_chart(_v: &[(String, Vec<MinuteRow>)], _png: &Path, _svg: &Path) -> Result<(), String> {
    Ok(())
}
