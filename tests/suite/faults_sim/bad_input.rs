//! Mistakes in `[[faults]]` are errors at their place (file:line:column), not panics or silent
//! no-ops.

use super::assert_located;
use crate::common::load_err;
use ecsim::scenario::Diagnostics;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// 8. Bad input: located errors
// ---------------------------------------------------------------------------------------------

/// Lines 1–14: a 1-hour run, zones a and b, 2 instances, a service "web". Faults start at line 15.
const BAD_BASE: &str = r#"[scenario]
duration = "1h"
[cluster]
zones = ["us-east-1a", "us-east-1b"]
[[cluster.instances]]
name = "fleet"
type = "m5.large"
count = 2
[[task_definitions]]
name = "t"
cpu = 256
memory = 512
[[services]]
name = "web"
"#;

fn bad(faults: &str) -> Diagnostics {
    load_err(Path::new("bad.toml"), &format!("{BAD_BASE}task_definition = \"t\"\n{faults}"))
}

#[test]
fn fault_mistakes_are_errors_at_their_place() {
    // Line 15 is `task_definition`; the faults start at line 16.
    let d = bad("[[faults]]\nkind = \"zone_outage\"\nzone = \"us-east-1c\"\nat = \"10m\"\nduration = \"5m\"\n");
    assert_located(&d, 18, 8, "zone \"us-east-1c\" is not one of the cluster's zones");
    let d = bad("[[faults]]\nkind = \"instance_failure\"\ngroup = \"fleat\"\nat = \"10m\"\n");
    assert_located(&d, 18, 9, "no instance group or Auto Scaling group named \"fleat\"");
    assert!(d.to_string().contains("did you mean \"fleet\"?"), "{d}");
    let d = bad("[[faults]]\nkind = \"app_crash\"\nservice = \"api\"\nat = \"10m\"\n");
    assert_located(&d, 18, 11, "no service named \"api\"");
    let d = bad(
        "[[faults]]\nkind = \"zone_outage\"\nzone = \"us-east-1a\"\nat = \"10m\"\nduration = \"10m\"\n[[faults]]\nkind = \"zone_outage\"\nzone = \"us-east-1a\"\nat = \"15m\"\nduration = \"10m\"\n",
    );
    assert_located(&d, 24, 6, "overlaps another one");
    let d = bad("[[faults]]\nkind = \"app_crash\"\nservice = \"web\"\nrate_per_hour = -1.0\n");
    assert_located(&d, 19, 17, "rate_per_hour -1 is not a positive number");
    let d = bad("[[faults]]\nkind = \"app_crash\"\nservice = \"web\"\nat = \"10m\"\nzone = \"us-east-1a\"\n");
    assert_located(&d, 20, 8, "`zone` does not apply to a app_crash fault");
    let d = bad("[[faults]]\nkind = \"zone_outtage\"\nzone = \"us-east-1a\"\nat = \"10m\"\nduration = \"5m\"\n");
    assert_located(&d, 17, 8, "unknown variant `zone_outtage` for `kind`, expected one of `instance_failure`");
    assert!(d.to_string().contains("did you mean \"zone_outage\"?"), "{d}");
    let d = bad("[[faults]]\nkind = \"instance_failure\"\ninstance = 2\nat = \"10m\"\n");
    assert_located(&d, 18, 12, "instance 2 does not exist");
    let d = bad("[[faults]]\nkind = \"instance_failure\"\ninstance = 0\nat = \"2h\"\n");
    assert_located(&d, 19, 6, "is after the end of the run");
}
