//! The integration tests, as one test binary (`cargo test --release --test suite`): one module
//! per concern, the helpers they share in `common`, and the lesson snapshots in `snapshots`.
//!
//! One binary rather than one per file: the library and its dependencies are linked once, not
//! twenty-seven times, and a helper is written once. A module's tests run with
//! `cargo test --release --test suite <module>::` (for example `alb_sim::`).
//!
//! Where the data lives: `tests/fixtures/` (AWS JSON, access logs, reproducers; see its
//! README), `tests/suite/snapshots/` (the lesson snapshots, insta's `.snap` files), and the
//! cases proptest once shrank, re-run first on every run, in
//! `tests/proptest-regressions/<path>.txt`, `<path>` being the source file of the `proptest!`
//! block under `tests/suite/` (`accounting.txt`, `placement_props/properties.txt`): that is where
//! proptest looks in a test crate whose root is `main.rs` (the folder beside the root's, then the
//! source file's path from the root's folder, `.rs` replaced by `.txt`). A test moved to another
//! file takes its regression file with it.
//!
//! The fuzz harness (`tests/fuzz/`) stays a binary of its own: it installs a global allocator
//! with a heap cap and a wall-clock watchdog for the whole process, which would count every
//! other test running beside it.

mod common;

// Pure decisions, tested on worked examples (no simulation).
mod autoscaling_examples;
mod capacity_examples;
mod cloudwatch_examples;
mod placement_examples;
mod placement_props;
mod queueing_theory;
mod traffic;

// Front ends: scenario files and AWS JSON, and where their messages point.
mod diagnostics;
mod ecs_json;
mod elb_config;
mod elbv2_json;
mod import_basics;
mod import_cloudformation;
mod import_copilot_compose;
mod import_terraform;
mod instance_types;
mod json_files;
mod lessons_table;
mod model;

// Whole simulations through the library.
mod accounting;
mod alarm_actions;
mod alb_sim;
mod behaviour_over_time;
mod capacity_platforms;
mod capacity_sim;
mod deployment_strategies;
mod faults_sim;
mod init;
mod lessons_stories;
mod memory_bounds;
mod scaling_sim;
mod service_lessons;
mod service_load;
mod sim_runs;
mod traffic_history;
mod w2_workload;

// The library API, against what the binary writes.
mod api_library;

// The binary, driven as a user would.
mod capacity_search;
mod cli_habits;
mod cli_inputs;
mod cli_run;
mod cluster_report;
mod ecs_fixes;
mod lessons_index;
mod placement_lessons;
mod report_html;
mod robustness;
mod sweep;
mod sweep_charts;

// The shipped text: no citation of the private spec, every docs/ecs-model.md#<anchor> lands.
mod docs_model;

// Every lesson's summary and printed report, so an unintended change shows as a diff.
mod snapshots;
