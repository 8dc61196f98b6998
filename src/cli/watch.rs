//! `kubeatlas watch --rules`: the degrade rules on a host without a terminal. Follows the fleet
//! like the TUI, evaluates the rules every second and on every batch of changes, and writes one
//! JSON line per event on stdout — `firing`, then `hook` and `action` outcomes as they finish
//! (each on its own task, so a hanging hook holds up nothing). Stops on Ctrl-C / SIGTERM.

use super::session::Session;
use crate::actions::Executor;
use crate::actions::audit::AuditLog;
use crate::config::{Paths, UserConfig};
use crate::rules::{self, Evaluator, Firing, Rule, act, hook, observe};
use serde_json::{Value, json};
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

/// The firing as the JSON line (and hook input) it is written as.
pub fn firing_json(f: &Firing) -> Value {
    let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
    v["event"] = json!("firing");
    v
}

/// Start the hook and the action of `f` on their own tasks; their outcomes arrive on `tx`.
pub fn dispatch(
    f: &Firing,
    cat: &crate::catalog::Catalog,
    executor: &Executor,
    clients: &crate::fleet::ClientSet,
    tx: &mpsc::UnboundedSender<Value>,
) {
    let who = json!({ "rule": f.rule, "service": f.service, "environment": f.environment });
    if let Some(h) = f.hook.clone() {
        let input = serde_json::to_vec(&firing_json(f)).unwrap_or_default();
        let (tx, who) = (tx.clone(), who.clone());
        tokio::spawn(async move {
            let outcome = hook::run(&h, &input).await;
            let mut v = who;
            v["event"] = json!("hook");
            v["ok"] = json!(outcome.is_ok());
            v["message"] = json!(outcome.describe());
            v["result"] = serde_json::to_value(&outcome).unwrap_or(Value::Null);
            let _ = tx.send(v);
        });
    }
    let kind = f.action.and_then(|name| {
        rules::AUTOMATIC_ACTIONS
            .iter()
            .copied()
            .find(|k| k.name() == name)
    });
    if let Some(kind) = kind {
        let mut v = who;
        v["event"] = json!("action");
        v["action"] = json!(kind.name());
        match act::prepare(cat, kind, &f.service, &f.environment) {
            Some(p) => {
                let (tx, executor, clients) = (tx.clone(), executor.clone(), clients.clone());
                tokio::spawn(async move {
                    let outcomes = act::run(p, clients, executor).await;
                    v["ok"] = json!(!outcomes.is_empty() && outcomes.iter().all(|o| o.ok));
                    v["workloads"] = serde_json::to_value(&outcomes).unwrap_or(Value::Null);
                    let _ = tx.send(v);
                });
            }
            None => {
                v["ok"] = json!(false);
                v["message"] = json!("the running service is gone");
                let _ = tx.send(v);
            }
        }
    }
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
