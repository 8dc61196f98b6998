//! Everything without a terminal, against the simulator and in memory: catalog, blueprints,
//! kubeconfig and auth, fleet sync and faults, actions, health, the CLI, and the house rules.

#[path = "../support/mod.rs"]
mod support;

mod actions;
mod aggregations;
mod architecture;
mod auth;
mod blueprints;
mod catalog;
mod cli;
mod completions;
mod diff;
mod discovery;
mod export;
mod faults;
mod fleet_sync;
mod govern;
mod govern_cli;
mod health;
mod history;
mod hub;
mod ingest;
mod kubectl_flags;
mod metrics;
mod relations;
mod rules;
mod scorecards;
mod streams;
mod timeline;
