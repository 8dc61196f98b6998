//! The TUI in process: keys → state → effects against catalogs built in memory or synced from
//! the simulator; snapshots of every view; logs; access reviews; fuzzing patched rows.

#[path = "../support/mod.rs"]
mod support;

mod access;
mod actions;
mod alerts;
mod bulk;
mod connections;
mod crd_scale;
mod diff;
mod events;
mod fuzz;
mod govern;
mod history;
mod keys;
mod logs;
mod marks;
mod metrics;
mod render;
mod resource;
mod runner;
mod scale;
mod state;
mod streams;
mod timeline;
mod warm;
