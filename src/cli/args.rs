//! Command-line arguments.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Every kubeconfig context as a cluster, one live catalog of running services.
#[derive(Debug, Parser)]
#[command(name = "kubeatlas", version, about, long_about = None)]
pub struct Args {
    /// Kubeconfig file (default: $KUBECONFIG, merged, else ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Context to read (repeatable; default: every context).
    #[arg(long = "context", global = true, value_name = "NAME")]
    pub contexts: Vec<String>,

    /// Run against the built-in simulated fleet (dev, staging, prod) instead of a kubeconfig.
    #[arg(long, global = true)]
    pub demo: bool,

    /// Never send a mutating request; hide every action.
    #[arg(long, global = true)]
    pub readonly: bool,

    /// Log file (default: kubeatlas.log in the platform state dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the entities of a blueprint once synced (e.g. `get running-services`, `get pods`).
    Get {
        /// Blueprint identifier, plural or alias.
        blueprint: String,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        output: Format,
        /// Give up on contexts not synced after this many seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Print every context with its status and server version.
    Contexts {
        #[arg(long, default_value_t = 15)]
        timeout: u64,
    },
    /// Rollout history of a workload, as `kubectl rollout history` (KIND/NAME: deploy/x,
    /// sts/x, ds/x).
    History {
        /// KIND/NAME.
        object: String,
        /// Namespace (default: the context's, else `default`).
        #[arg(short, long)]
        namespace: Option<String>,
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        output: Format,
    },
    /// Roll a workload back, as `kubectl rollout undo` (asks first unless --yes).
    Undo {
        /// KIND/NAME.
        object: String,
        /// Namespace (default: the context's, else `default`).
        #[arg(short, long)]
        namespace: Option<String>,
        /// The revision to restore (0: the one before the current).
        #[arg(long, default_value_t = 0)]
        to_revision: i64,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Blueprint files.
    Blueprints {
        #[command(subcommand)]
        command: BlueprintsCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum BlueprintsCommand {
    /// Validate blueprint files (DIR, default: the user's blueprint dir) with the built-ins.
    Check { dir: Option<PathBuf> },
    /// List the loaded blueprints.
    List,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Yaml,
}
