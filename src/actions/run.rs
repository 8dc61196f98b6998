//! The one place that sends mutating requests. Refuses them all in read-only mode (global or
//! per context) before anything is sent; otherwise sends exactly the planned request.

use super::audit::AuditLog;
use super::plan::{Planned, plan};
use super::{Action, Target, words};
use crate::catalog::ClusterId;
use crate::config::UserConfig;
use crate::fleet::ClientSet;
use std::time::Duration;

/// The result of one action run.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub ok: bool,
    pub message: String,
    /// `metadata.generation` after the change (rollout progress is done when the controller
    /// observed it).
    pub generation: Option<i64>,
}

impl Outcome {
    fn failed(message: String) -> Self {
        Outcome {
            ok: false,
            message,
            generation: None,
        }
    }
}

/// Sends actions through per-context clients.
#[derive(Clone)]
pub struct Executor {
    /// Context names, indexed like the catalog's clusters.
    contexts: Vec<String>,
    clients: ClientSet,
    readonly: bool,
    user: UserConfig,
    audit: AuditLog,
    timeout: Duration,
}

impl Executor {
    /// `contexts`: context names indexed like the catalog's clusters (and `clients`).
    pub fn new(
        contexts: Vec<String>,
        clients: ClientSet,
        readonly: bool,
        user: UserConfig,
        audit: AuditLog,
    ) -> Self {
        Executor {
            contexts,
            clients,
            readonly,
            user,
            audit,
            timeout: Duration::from_secs(30),
        }
    }

    /// How long to wait for the API server's answer (default 30 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether mutations are refused in this context.
    pub fn is_readonly(&self, context: &str) -> bool {
        self.readonly || self.user.is_readonly(context)
    }

    /// Whether this context needs the object name typed to confirm.
    pub fn is_protected(&self, context: &str) -> bool {
        self.user.is_protected(context)
    }

    pub fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    fn client(&self, context: &str) -> Option<kube::Client> {
        let i = self.contexts.iter().position(|name| name == context)?;
        self.clients.get(ClusterId(i as u16))
    }

    /// Run one action: check, send, word the outcome, audit.
    pub async fn execute(&self, t: &Target, a: &Action) -> Outcome {
        let (outcome, label) = self.send(t, a).await;
        if let Err(e) = self.audit.append(t, a, label, &outcome.message) {
            tracing::error!("audit log {}: {e}", self.audit.path().display());
        }
        tracing::info!(context = %t.context, kind = %t.kind, name = %t.name, action = a.verb(), outcome = label, "{}", outcome.message);
        outcome
    }

    async fn send(&self, t: &Target, a: &Action) -> (Outcome, &'static str) {
        if self.is_readonly(&t.context) {
            let m = format!(
                "read-only: {} refused in context {}; nothing was sent",
                a.verb(),
                t.context
            );
            return (Outcome::failed(m), "refused");
        }
        let now = jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .map(|t| t.to_string())
            .unwrap_or_default();
        let planned = match plan(t, a, &now) {
            Ok(p) => p,
            Err(why) => return (Outcome::failed(why), "refused"),
        };
        let Some(client) = self.client(&t.context) else {
            return (
                Outcome::failed(format!("no connection to context {}", t.context)),
                "failed",
            );
        };
        let req = match to_request(&planned) {
            Ok(r) => r,
            Err(e) => return (Outcome::failed(e), "failed"),
        };
        match tokio::time::timeout(self.timeout, client.request::<serde_json::Value>(req)).await {
            Ok(Ok(v)) => {
                let generation = v["metadata"]["generation"].as_i64();
                let message = match a {
                    Action::DeletePod => format!("deleted pod {}", t.name),
                    _ => format!("{}: {} done", t.describe(), a.describe()),
                };
                (
                    Outcome {
                        ok: true,
                        message,
                        generation,
                    },
                    "ok",
                )
            }
            Ok(Err(e)) => (Outcome::failed(words::failure(&e, t, a)), "failed"),
            Err(_) => (
                Outcome::failed(format!(
                    "no answer within {} s from context {}: the outcome is unknown — check {} {} before retrying",
                    self.timeout.as_secs(),
                    t.context,
                    t.kind,
                    t.name
                )),
                "failed",
            ),
        }
    }
}

fn to_request(p: &Planned) -> Result<http::Request<Vec<u8>>, String> {
    let body = serde_json::to_vec(&p.body).map_err(|e| e.to_string())?;
    http::Request::builder()
        .method(p.method.clone())
        .uri(&p.path)
        .header(http::header::CONTENT_TYPE, p.content_type)
        .header(http::header::ACCEPT, "application/json")
        .body(body)
        .map_err(|e| e.to_string())
}
