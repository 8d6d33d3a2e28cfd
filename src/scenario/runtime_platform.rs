//! A task definition's `runtimePlatform` (the inline `runtime_platform` table and the JSON
//! object): the CPU architecture a Fargate task is billed as, and the operating system family.
//! Windows families are accepted with a warning (ecsim runs and bills them as Linux tasks).

use super::ecs_json::{At, Ctx as JsonCx, JPath};
use super::load::Cx;
use super::toml_model::RawRuntimePlatform;
use crate::ecs::instance_types::Architecture;
use serde::Deserialize;

/// What an `operatingSystemFamily` value means here: `Ok(None)` Linux, `Ok(Some(warning))` a
/// Windows family, `Err` an unknown value.
pub(super) fn operating_system_family(text: &str) -> Result<Option<String>, String> {
    match text {
        "LINUX" => Ok(None),
        w if w.starts_with("WINDOWS_SERVER_") => {
            Ok(Some(format!("operating system family {w:?}: Windows tasks are simulated and billed as Linux ones")))
        }
        other => Err(format!("unknown operating system family {other:?}")),
    }
}

/// A `cpuArchitecture` value, or the error to show.
pub(super) fn cpu_architecture(text: &str) -> Result<Architecture, String> {
    Architecture::from_runtime_platform(text).ok_or_else(|| format!("unknown cpu architecture {text:?}"))
}

pub(super) const OS_HELP: &str = "use \"LINUX\"; the Fargate Windows licence fee is not in the cost";
pub(super) const ARCH_HELP: &str = "use \"X86_64\" or \"ARM64\"";

impl Cx<'_> {
    /// The inline `runtime_platform`'s architecture (X86_64 when absent); errors are located.
    pub(super) fn inline_runtime_platform(&mut self, raw: Option<&RawRuntimePlatform>) -> Option<Architecture> {
        let Some(raw) = raw else { return Some(Architecture::X86_64) };
        if let Some(os) = &raw.operating_system_family {
            match operating_system_family(os.get_ref()) {
                Ok(None) => {}
                Ok(Some(w)) => self.warn_at(os.span(), w, OS_HELP),
                Err(e) => {
                    self.error_at(os.span(), e, OS_HELP);
                    return None;
                }
            }
        }
        match &raw.cpu_architecture {
            None => Some(Architecture::X86_64),
            Some(a) => match cpu_architecture(a.get_ref()) {
                Ok(arch) => Some(arch),
                Err(e) => {
                    self.error_at(a.span(), e, ARCH_HELP);
                    None
                }
            },
        }
    }
}

/// `runtimePlatform` as RegisterTaskDefinition takes it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawJsonRuntimePlatform {
    cpu_architecture: Option<String>,
    operating_system_family: Option<String>,
}

/// The JSON `runtimePlatform`'s architecture (X86_64 when absent or wrong: the error is recorded).
pub(super) fn json_runtime_platform(ctx: &mut JsonCx, raw: Option<&RawJsonRuntimePlatform>, path: &JPath) -> Architecture {
    let Some(raw) = raw else { return Architecture::X86_64 };
    if let Some(os) = &raw.operating_system_family {
        match operating_system_family(os) {
            Ok(None) => {}
            Ok(Some(w)) => ctx.warn_help(&path.key("operatingSystemFamily"), At::Value, w, OS_HELP),
            Err(e) => ctx.error_help(&path.key("operatingSystemFamily"), At::Value, e, OS_HELP),
        }
    }
    match raw.cpu_architecture.as_deref().map(cpu_architecture) {
        None => Architecture::X86_64,
        Some(Ok(arch)) => arch,
        Some(Err(e)) => {
            ctx.error_help(&path.key("cpuArchitecture"), At::Value, e, ARCH_HELP);
            Architecture::X86_64
        }
    }
}
