//! Running what a firing asks for, off the caller's loop: the hook and the action each on
//! their own task, their outcomes sent back as JSON events (`hook`, `action`) on a channel. The
//! same for `kubeatlas watch --rules` and any other loop that evaluates rules.

use super::{Firing, act, hook};
use crate::actions::Executor;
use serde_json::{Value, json};
use tokio::sync::mpsc;

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
        super::AUTOMATIC_ACTIONS
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
