//! The `rules:` section of the config file, as written: which running services a rule
//! watches (service and environment patterns), the condition that makes it fire, and what it
//! does — a hook command, and only where written an action, at most one per service per
//! cooldown. Checked and compiled by `crate::rules`.

use serde::Deserialize;

/// One degrade rule.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleSpec {
    /// Names the rule in firings, logs and the alerts view.
    pub name: String,
    /// Service patterns (`checkout-*`); default: every service.
    #[serde(default)]
    pub services: Vec<String>,
    /// Environment patterns (`prod*`); default: every environment.
    #[serde(default)]
    pub environments: Vec<String>,
    pub when: ConditionSpec,
    /// A command run with one JSON document (the firing) on stdin.
    #[serde(default)]
    pub hook: Option<HookSpec>,
    /// An action run on the running service's workloads (`restart`), through the same checks
    /// as a person's: read-only, RBAC, audit.
    #[serde(default)]
    pub action: Option<String>,
    /// Seconds between two automatic actions on one running service (default 600).
    #[serde(default = "default_cooldown")]
    pub cooldown: u64,
}

fn default_cooldown() -> u64 {
    600
}

/// When a rule fires: exactly one of `health`, `readyBelow`, `restartsGrowing`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConditionSpec {
    /// The running service's health is one of these (`degraded`, `failed`, …), entered from
    /// another and held for `for` seconds.
    #[serde(default)]
    pub health: Vec<String>,
    /// Ready replicas below this fraction of the desired ones, held for `for` seconds.
    #[serde(default)]
    pub ready_below: Option<f64>,
    /// Container restarts over the service's pods grew by at least this many within the last
    /// `for` seconds (default window 60 s).
    #[serde(default)]
    pub restarts_growing: Option<i64>,
    /// Seconds the condition must hold (the window, for `restartsGrowing`).
    #[serde(default, rename = "for")]
    pub hold: u64,
}

/// A hook command.
#[derive(Debug, Clone, Deserialize, PartialEq, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HookSpec {
    /// The program and its arguments (no shell).
    pub command: Vec<String>,
    /// Seconds before the hook is killed and reported timed out (default 10).
    #[serde(default = "default_hook_timeout")]
    pub timeout: u64,
}

fn default_hook_timeout() -> u64 {
    10
}
