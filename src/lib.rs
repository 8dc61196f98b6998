//! kubeatlas: every kubeconfig context as a cluster, one live in-memory catalog of running
//! services, and a terminal UI to explore and act on it.
//!
//! Data flows one way: [`config`] (kubeconfig) → [`fleet`] (watcher tasks per context) →
//! [`catalog`] (pure, revisioned graph) → `tui` (rows projected from the catalog) → frame.

pub mod actions;
pub mod blueprint;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod fleet;
pub mod tui;
