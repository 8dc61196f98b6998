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
    #[arg(long = "context", global = true, value_name = "NAME", add = super::complete::contexts())]
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

    /// kubectl's -n/-A/-l/--field-selector (see `cli::scope`).
    #[command(flatten)]
    pub scope: super::scope::ScopeArgs,
    /// The change timeline's database (default: timeline.db in the platform state dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub timeline_db: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the entities of a blueprint once synced (e.g. `get running-services`, `get pods`),
    /// or any resource the contexts serve, with the server's columns (`get svc -A`).
    Get {
        /// Blueprint identifier, plural or alias; else any resource name kubectl accepts.
        #[arg(add = super::complete::blueprints())]
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
    /// Print the change timeline (newest first) from its store; no cluster is contacted.
    Timeline {
        /// Only this service (across environments).
        service: Option<String>,
        /// Only this environment.
        #[arg(long, value_name = "E")]
        env: Option<String>,
        /// Only changes this recent: 90s, 30m, 2h, 3d, 1w.
        #[arg(long, value_name = "DURATION")]
        since: Option<String>,
        /// With SERVICE: when this version first reached each environment.
        #[arg(long, value_name = "VERSION", requires = "service")]
        reached: Option<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        output: Format,
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
    /// Print a shell completion script (`source <(kubeatlas completions bash)`).
    Completions {
        #[arg(value_enum)]
        shell: super::complete::Shell,
    },
    /// Print the man page (roff; `kubeatlas man | man -l -`).
    Man,
    /// Write the catalog for another catalog once synced: Port bulk-upsert entities, Backstage
    /// `catalog-info.yaml` documents, or the raw graph as JSON. Deterministic output.
    Export {
        /// port | backstage | json
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Seconds to wait for the initial sync.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Headless: follow the fleet and run the config file's degrade rules, one JSON line per
    /// firing, hook and action outcome on standard output.
    Watch {
        /// Run the `rules:` of the config file (required: the only thing `watch` does).
        #[arg(long)]
        rules: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Port,
    Backstage,
    Json,
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
