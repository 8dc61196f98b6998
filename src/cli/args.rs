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
    /// Lock a running service in an environment: every workload of it there refuses
    /// kubeatlas actions until the lock expires or is removed.
    Lock {
        service: String,
        env: String,
        /// Why (shown to whoever is refused).
        #[arg(long)]
        reason: String,
        /// How long: 30m, 2h, 1d, 1w.
        #[arg(long = "for", value_name = "DURATION", default_value = "2h")]
        duration: String,
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Remove the lock of a running service in an environment.
    Unlock {
        service: String,
        env: String,
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// For pipelines: exit 0 when the running service exists, is unlocked and healthy;
    /// 3 locked, 4 unhealthy, 5 not found, 6 unreachable.
    Check {
        service: String,
        env: String,
        /// Print the details (json or yaml).
        #[arg(short, long, value_enum)]
        output: Option<Format>,
        /// Wait up to this long (5m) for the service to become healthy.
        #[arg(long, value_name = "DURATION")]
        wait: Option<String>,
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Delete the objects whose TTL (janitor/ttl, janitor/expires, kubeatlas.io/expires)
    /// has expired, after a preview.
    Reap {
        /// Only list what has expired.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask (unattended use); protected contexts still need --confirm.
        #[arg(long)]
        yes: bool,
        /// A protected context confirmed by name (repeatable).
        #[arg(long, value_name = "CONTEXT")]
        confirm: Vec<String>,
        #[arg(short, long, value_enum)]
        output: Option<Format>,
        #[arg(long, default_value_t = 30)]
        timeout: u64,
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
