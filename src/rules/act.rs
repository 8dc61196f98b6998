//! Running a rule's action on a running service: for each of its workloads, the same steps as
//! a person's action — the [`Target`] from the catalog, the access review kubectl auth can-i
//! posts (refused without sending when denied), then the one [`Executor`] (read-only refusal,
//! the request, the audit line). Each outcome is recorded by the caller; nothing is retried.

use crate::actions::access::{self, Attributes, Verdict};
use crate::actions::{Action, Executor, Target};
use crate::blueprint::ActionKind;
use crate::catalog::{Catalog, EntityRef};
use crate::fleet::ClientSet;
use serde::Serialize;
use std::time::Duration;

/// One workload's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActOutcome {
    /// `context/namespace/name`.
    pub workload: String,
    pub ok: bool,
    pub message: String,
}

/// What to act on, read from the catalog when the rule fires (the request runs later, on a
/// task): the targets and their clients' cluster ids.
pub struct Prepared {
    pub action: Action,
    pub targets: Vec<(EntityRef, Target)>,
}

/// The action `kind` as run unattended (only kinds that need no input).
pub fn action_of(kind: ActionKind) -> Option<Action> {
    match kind {
        ActionKind::Restart => Some(Action::Restart),
        ActionKind::Undo => Some(Action::Undo { to_revision: 0 }),
        _ => None,
    }
}

/// Read the targets of `service` in `environment` now.
pub fn prepare(
    cat: &Catalog,
    kind: ActionKind,
    service: &str,
    environment: &str,
) -> Option<Prepared> {
    let action = action_of(kind)?;
    let rs = cat.running_service(service, environment)?;
    let targets = rs
        .workloads
        .iter()
        .filter(|e| crate::actions::applicable(cat, e).contains(&kind))
        .filter_map(|e| Target::of(cat, e).map(|t| (e.clone(), t)))
        .collect();
    Some(Prepared { action, targets })
}

const REVIEW_TIMEOUT: Duration = Duration::from_secs(10);

/// Ask the server whether the action may be sent (SelfSubjectAccessReview); `Err` with the
/// reason when it may not or cannot be asked.
async fn review(clients: &ClientSet, e: &EntityRef, t: &Target, a: &Action) -> Result<(), String> {
    let Some(attrs) = Attributes::of_action(t, a) else {
        return Ok(());
    };
    let Some(client) = clients.get(e.cluster) else {
        return Err(format!("no connection to context {}", t.context));
    };
    let body = serde_json::to_vec(&access::review_body(&attrs)).map_err(|e| e.to_string())?;
    let req = http::Request::builder()
        .method(http::Method::POST)
        .uri(access::REVIEW_PATH)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, "application/json")
        .body(body)
        .map_err(|e| e.to_string())?;
    let answer = match tokio::time::timeout(
        REVIEW_TIMEOUT,
        client.request::<serde_json::Value>(req),
    )
    .await
    {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            return Err(format!(
                "access review failed: {}",
                crate::fleet::status::classify(&e).message()
            ));
        }
        Err(_) => {
            return Err(format!(
                "access review: no answer within {} s",
                REVIEW_TIMEOUT.as_secs()
            ));
        }
    };
    match access::parse_review(&answer) {
        Ok(Verdict::Allowed) => Ok(()),
        Ok(Verdict::Denied { reason }) => {
            let why = if reason.is_empty() {
                String::new()
            } else {
                format!(": {reason}")
            };
            Err(format!(
                "{}: not permitted ({}){why}",
                a.verb(),
                attrs.describe()
            ))
        }
        Err(e) => Err(format!("access review: {e}")),
    }
}

/// Run the prepared action on each target, once; every outcome returned (and audited by the
/// executor when it got that far).
pub async fn run(p: Prepared, clients: ClientSet, executor: Executor) -> Vec<ActOutcome> {
    let mut out = Vec::new();
    for (e, t) in &p.targets {
        let workload = format!(
            "{}/{}/{}",
            t.context,
            t.namespace.as_deref().unwrap_or(""),
            t.name
        );
        // Read-only first, as the executor would: no review is needed to refuse.
        let outcome = if executor.is_readonly(&t.context) {
            executor.execute(t, &p.action).await
        } else {
            match review(&clients, e, t, &p.action).await {
                Ok(()) => executor.execute(t, &p.action).await,
                Err(why) => {
                    if let Err(err) = executor.audit_log().append(t, &p.action, "refused", &why) {
                        tracing::error!("audit log: {err}");
                    }
                    crate::actions::Outcome {
                        ok: false,
                        message: why,
                        generation: None,
                    }
                }
            }
        };
        out.push(ActOutcome {
            workload,
            ok: outcome.ok,
            message: outcome.message,
        });
    }
    out
}
