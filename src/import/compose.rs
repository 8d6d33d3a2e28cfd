//! docker-compose files (stub).
use super::draft::Draft;
use super::Input;
use crate::model::diagnostic::Diagnostics;

pub fn import(_inputs: &[Input], _draft: &mut Draft, _diags: &mut Diagnostics) {}
