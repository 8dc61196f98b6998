//! The explorer TUI: drill from the fleet (one row per kubeconfig context) to namespaces,
//! workloads, pods and a pod's detail; flat views across clusters; the running-service matrix
//! with version drift; fuzzy filter, `:` commands, YAML on demand.
//!
//! Elm style, one-way: [`msg::Msg`] → [`app::update`] (pure, returns [`msg::Effect`]s) →
//! [`app::App`] → [`render::draw`]. The app composes features that own their state and
//! answer with an [`outcome::Outcome`]: the navigation stack ([`nav`] of [`page`]s), the
//! input line ([`prompt`]), the layers over the page ([`layer`]: [`logs`], [`yaml`], action
//! dialogs, [`help`]), actions and rollouts ([`act`]) and the [`status`] line. Views are
//! projections of the catalog ([`build`], [`matrix`], [`detail`]) cached per catalog
//! revision in each page and patched from the catalog's change journal ([`rows`]); rows carry
//! the key of what they show, so the selection follows the entity. [`runtime::run`] owns the
//! terminal, the catalog and the loop; [`effects::Runner`] does the I/O on tasks.
//!
//! Keys (the `?` overlay lists them per view, from [`help`]): `j/k ↑/↓`, `PgUp/PgDn` (`^b/^f`),
//! `g/G` (`Home/End`); `Enter` drills down, `Esc` clears the filter or goes back (restoring the
//! parent's selection); `/` fuzzy filter (Enter keeps, Esc clears); `:` commands with Tab
//! completion (`:pods [ctx[/ns]]`, `:wl`, `:ns`, `:nodes`, `:ctx`, `:rs`, `:help`, `:q`, any
//! blueprint name or alias); `<`/`>` sort column, `!` reverse; `d` detail; `y` YAML (`/`, `n`,
//! `N` inside); `0` drops the cluster/namespace narrowing; `m` or Tab: running-service matrix
//! (`h/l ←/→` move between environments); `q`/`^c` quit (`q` closes the YAML viewer first).
//!
//! Actions ([`act`]), offered where the blueprint's `actions` list them and the context is not
//! read-only: `r` restart, `i` redeploy (image prompt), `s` scale, `^d` delete pod, each after
//! a confirmation dialog (the object name typed in a protected context); on a matrix cell
//! `r`/`i` act on every workload of the service there. Rollout progress lines follow (`x`
//! dismisses). `l` opens the [`logs`] view of a pod or of a workload's pods.

pub mod act;
pub mod alerts;
pub mod app;
pub mod build;
pub mod command;
pub mod detail;
pub mod diff;
pub mod effects;
pub mod events;
pub mod filter;
#[cfg(any(test, feature = "test-support"))]
pub mod fixture;
pub mod fleet_table;
pub mod follow;
pub mod format;
pub mod governed;
pub mod help;
pub mod history;
pub mod kinds;
pub mod last_change;
pub mod layer;
pub mod logs;
pub mod marks;
pub mod matrix;
pub mod metric_columns;
pub mod metrics;
pub mod msg;
pub mod nav;
pub mod outcome;
pub mod page;
pub mod portforward;
pub mod prompt;
pub mod relations;
pub mod render;
pub mod resource;
pub mod rows;
pub mod runtime;
pub mod score;
pub mod shell;
pub mod status;
pub mod table;
pub mod terminal;
pub mod theme;
pub mod timeline;
pub mod view;
pub mod warm;
pub mod yaml;

pub use app::{App, update};
pub use msg::{Effect, Msg, Reply};
pub use runtime::run;

use crate::catalog::{Catalog, Change};
use std::path::PathBuf;

/// Everything the TUI needs from the session.
pub struct TuiInput {
    /// The catalog; the TUI task becomes its only owner.
    pub catalog: Catalog,
    /// Changes from the fleet.
    pub changes: tokio::sync::mpsc::Receiver<Change>,
    /// The clusters' clients, indexed by `ClusterId` (kept current by the fleet), for
    /// on-demand requests (YAML, logs).
    pub clients: crate::fleet::ClientSet,
    /// Show the DEMO badge.
    pub demo: bool,
    /// Named in the crash message.
    pub log_file: PathBuf,
    /// Show the READ-ONLY badge and offer no mutating action.
    pub readonly: bool,
    /// Sends every action (the only path to a mutating request) and says which contexts are
    /// read-only or protected.
    pub executor: crate::actions::Executor,
    /// (context, the kubeconfig's user name): who the user is when the server cannot say.
    pub users: Vec<(String, String)>,
    /// The config file's degrade rules (empty: none run).
    pub rules: Vec<crate::rules::Rule>,
    /// The change timeline's store (None: off), started by the TUI on its own thread.
    pub timeline: Option<crate::timeline::writer::Settings>,
    /// Per cluster (by `ClusterId`), the one namespace the fleet reads (`-n`), None: all;
    /// the metrics columns read no wider.
    pub namespaces: Vec<Option<String>>,
}
