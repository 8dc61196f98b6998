//! kubeatlas: every kubeconfig context as a cluster, one live in-memory catalog of running
//! services, and a terminal UI to explore and act on it.
//!
//! Data flows one way: [`config`] (kubeconfig) → [`fleet`] (watcher tasks per context) →
//! [`catalog`] (pure, revisioned graph) → `tui` (rows projected from the catalog) → frame.
//!
//! As a library: open a [`Session`] ([`open_session`]) on kubeconfig files
//! ([`locate_kubeconfig`] finds them as kubectl does), fold its `changes` into its [`Catalog`]
//! with [`Catalog::apply`], and read the catalog.
//! Everything that can go wrong is typed: [`KubeconfigError`] and [`ContextError`] for the
//! configuration, [`Failure`] for a cluster that cannot be reached or read (its
//! [`ClusterStatus`] follows from it), [`BlueprintError`] for a blueprint file.

pub mod actions;
pub mod blueprint;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod export;
pub mod fleet;
pub mod govern;
pub mod metrics;
pub mod rules;
pub mod score;
pub mod timeline;
pub mod tui;

pub use blueprint::{BlueprintError, BlueprintSet, BpId, Record};
pub use catalog::{Catalog, Change, ClusterId, ClusterInfo, ClusterStatus, SourceStatus};
pub use cli::session::{Session, Target, open as open_session};
pub use config::kubeconfig::{load as load_kubeconfig, locate as locate_kubeconfig};
pub use config::{
    ContextError, KubeconfigError, Loaded, Located, Paths, UserConfig, UserConfigError,
};
pub use fleet::{ClientSet, ContextConn, CredentialError, Failure, Fleet, build_client};
