//! The Application Load Balancer layer (docs/ecs-model.md#load-balancer).
//!
//! This first part is the request-queueing core: per-target request queues ([`target`]), the
//! algorithms that choose a target ([`routing`]), fixed-size latency histograms for
//! `TargetResponseTime` ([`histogram`]), and a self-contained driver ([`bench_model`]) that runs
//! Poisson traffic through them for benches and for validation against queueing theory. It is not
//! wired into the main simulation yet.
//!
//! The configuration a scenario gives (load balancers, listeners, rules, target groups) is
//! [`config`]; which rule and target group a request goes to is [`rules`] (docs/ecs-model.md#listener-rules).
//!
//! Hot-path rules (DESIGN.md, "Performance principles"): a request is at most two heap events
//! (its arrival and its completion); a queued request is an entry in its target's FIFO, not an
//! event; nothing is allocated per request.

pub mod bench_model;
pub mod config;
pub mod histogram;
pub mod routing;
pub mod rules;
pub mod target;
