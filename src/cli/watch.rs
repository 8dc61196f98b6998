//! `kubeatlas watch --rules`: the degrade rules on a host without a terminal. Follows the fleet
//! like the TUI, folds its changes as they come, evaluates the rules once a second, and writes one
//! JSON line per event on stdout — `firing`, then `hook` and `action` outcomes as they finish
//! (each on its own task, `crate::rules::run`, so a hanging hook holds up nothing). Stops on
//! Ctrl-C / SIGTERM.

use super::session::Session;
use crate::actions::Executor;
use crate::actions::audit::AuditLog;
use crate::config::{Paths, UserConfig};
use crate::rules::run::{dispatch, firing_json};
use crate::rules::{self, Evaluator, Rule, observe};
use serde_json::Value;
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::mpsc;

/// The config file's rules, compiled (errors name the file and the rule's line).
pub fn load_rules(paths: &Paths, user: &UserConfig) -> anyhow::Result<Vec<Rule>> {
    let text = std::fs::read_to_string(&paths.config_file).unwrap_or_default();
    let rules = rules::compile(&user.rules, &paths.config_file.display().to_string(), &text)?;
    if rules.is_empty() {
        anyhow::bail!(
            "watch --rules: {} has no rules: section",
            paths.config_file.display()
        );
    }
    Ok(rules)
}

/// Milliseconds since the Unix epoch: the evaluator's clock here.
fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

fn line(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

/// Follow the fleet and run `rules` until interrupted.
pub async fn run(
    s: Session,
    rules: Vec<Rule>,
    readonly: bool,
    paths: &Paths,
) -> anyhow::Result<ExitCode> {
    let Session {
        mut catalog,
        mut changes,
        clients,
        fleet,
        demo,
        user,
        ..
    } = s;
    let contexts = catalog.clusters().iter().map(|c| c.name.clone()).collect();
    let executor = Executor::new(
        contexts,
        clients.clone(),
        readonly,
        user,
        AuditLog::new(paths.audit_log.clone()),
    );
    let mut eval = Evaluator::new(rules);
    let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut term = terminate()?;
    loop {
        tokio::select! {
            c = changes.recv() => {
                let Some(c) = c else { break };
                catalog.apply(c);
                while let Ok(c) = changes.try_recv() {
                    catalog.apply(c);
                }
            }
            _ = tick.tick() => {
                let obs = observe::observe(&catalog, eval.needs_restarts());
                for f in eval.observe(now_ms(), &obs) {
                    line(&firing_json(&f));
                    dispatch(&f, &catalog, &executor, &clients, &tx);
                }
            }
            Some(v) = rx.recv() => line(&v),
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
        }
    }
    fleet.shutdown().await;
    if let Some(d) = demo {
        d.shutdown().await;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(unix)]
fn terminate() -> std::io::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
}
