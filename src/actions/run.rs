//! The one place that sends mutating requests. Refuses them all in read-only mode (global or
//! per context) before anything is sent; otherwise sends exactly the planned request.

use super::audit::AuditLog;
use super::error::{ActionError, ApiFailure, Refusal};
use super::plan::{Planned, plan};
use super::{Action, Target, words};
use crate::catalog::ClusterId;
use crate::config::UserConfig;
use crate::fleet::ClientSet;
use crate::govern::{Clock, LockState, SystemClock};
use std::sync::Arc;
use std::time::Duration;

/// An action that was applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    /// What was done, in words.
    pub message: String,
    /// `metadata.generation` after the change (rollout progress is done when the controller
    /// observed it).
    pub generation: Option<i64>,
    /// Nothing needed sending (an undo to the revision already running).
    pub skipped: bool,
}

/// The result of one action run in words, as the UI shows it ([`Executor::act`] gives it
/// typed).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub ok: bool,
    /// What was done, or why not.
    pub message: String,
    /// `metadata.generation` after the change (rollout progress is done when the controller
    /// observed it).
    pub generation: Option<i64>,
}

impl From<Result<Done, ActionError>> for Outcome {
    fn from(r: Result<Done, ActionError>) -> Self {
        match r {
            Ok(d) => Outcome {
                ok: true,
                message: d.message,
                generation: d.generation,
            },
            Err(e) => Outcome {
                ok: false,
                message: e.to_string(),
                generation: None,
            },
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
    /// The time locks expire against (injected in tests).
    clock: Arc<dyn Clock>,
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
            clock: Arc::new(SystemClock),
        }
    }

    /// The clock locks are judged by (default: the system's).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The time now, by this executor's clock (seconds since the epoch).
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The client of `context`, for the reads governance writes need (the object's current
    /// resourceVersion and annotations); never for sending a mutation.
    pub fn reader(&self, context: &str) -> Option<kube::Client> {
        self.client(context)
    }

    /// How long to wait for the API server's answer (default 30 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether mutations are refused in this context.
    pub fn is_readonly(&self, context: &str) -> bool {
        self.readonly || self.user.is_readonly(context) || self.readonly_reason(context).is_some()
    }

    /// Why a context refuses every mutation beyond the flag and the config: a hub member the
    /// kubeconfig has no direct context for.
    pub fn readonly_reason(&self, context: &str) -> Option<String> {
        self.clients.readonly_reason(context)
    }

    /// Whether this context needs the object name typed to confirm.
    pub fn is_protected(&self, context: &str) -> bool {
        self.user.is_protected(context)
    }

    pub fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    fn client(&self, context: &str) -> Option<kube::Client> {
        match self.contexts.iter().position(|name| name == context) {
            Some(i) => self.clients.get(ClusterId(i as u16)),
            // A cluster that joined while running (a hub member).
            None => self.clients.get(self.clients.by_name(context)?),
        }
    }

    /// Run one action: check, send, audit; the outcome typed.
    pub async fn act(&self, t: &Target, a: &Action) -> Result<Done, ActionError> {
        let result = self.send(t, a).await;
        let (label, message) = match &result {
            Ok(d) if d.skipped => ("skipped", d.message.clone()),
            Ok(d) => ("ok", d.message.clone()),
            Err(e) => (e.audit_label(), e.to_string()),
        };
        self.audit_line(t, a, label, &message);
        result
    }

    /// One audit line (and its log line) for what was sent or tried. An action sent despite a
    /// lock is audited as an override, with the lock.
    fn audit_line(&self, t: &Target, a: &Action, label: &'static str, message: &str) {
        let overridden =
            if t.lock_override && LockState::read(t.lock.as_deref(), self.now()).is_locked() {
                t.lock.as_deref()
            } else {
                None
            };
        if let Err(e) = self.audit.append_with(t, a, label, message, overridden) {
            tracing::error!("audit log {}: {e}", self.audit.path().display());
        }
        tracing::info!(context = %t.context, kind = %t.kind, name = %t.name, action = a.verb(), outcome = label, "{message}");
    }

    /// Run one action ([`Executor::act`]), its outcome in words.
    pub async fn execute(&self, t: &Target, a: &Action) -> Outcome {
        self.act(t, a).await.into()
    }

    /// Before a session (exec, port-forward) connects: the same refusals as every action
    /// (read-only, a lock not overridden, what the blueprint offers), then the context's
    /// client. Nothing is sent here.
    pub(crate) fn session(&self, t: &Target, a: &Action) -> Result<kube::Client, ActionError> {
        if self.is_readonly(&t.context) {
            return Err(Refusal::ReadOnly {
                action: a.verb(),
                context: t.context.clone(),
            }
            .into());
        }
        let clock = self.now();
        if !t.lock_override
            && let Some(reason) = LockState::read(t.lock.as_deref(), clock).refusal(clock)
        {
            return Err(Refusal::Locked {
                what: t.what(),
                reason,
            }
            .into());
        }
        plan(t, a, "")?;
        self.client(&t.context).ok_or_else(|| {
            ApiFailure::NoConnection {
                context: t.context.clone(),
            }
            .into()
        })
    }

    /// Audit one session run, as [`Executor::act`] audits every action.
    pub(crate) fn audit_session(&self, t: &Target, a: &Action, r: &Result<String, ActionError>) {
        let (label, message) = match r {
            Ok(m) => ("ok", m.clone()),
            Err(e) => (e.audit_label(), e.to_string()),
        };
        self.audit_line(t, a, label, &message);
    }

    async fn send(&self, t: &Target, a: &Action) -> Result<Done, ActionError> {
        if let Some(why) = self.readonly_reason(&t.context) {
            return Err(Refusal::NoDirectContext {
                action: a.verb(),
                context: t.context.clone(),
                why,
            }
            .into());
        }
        if self.is_readonly(&t.context) {
            return Err(Refusal::ReadOnly {
                action: a.verb(),
                context: t.context.clone(),
            }
            .into());
        }
        if a.is_session() {
            // A stream, not a request: `Executor::exec` / `Executor::port_forward` open it.
            return Err(
                ApiFailure::Request(format!("{} opens a stream, not a request", a.verb())).into(),
            );
        }
        // Every action but the governance writes is refused on a locked object, before
        // anything is planned or sent, unless the user typed the service name to override.
        let clock = self.now();
        if !a.is_governance()
            && !t.lock_override
            && let Some(reason) = LockState::read(t.lock.as_deref(), clock).refusal(clock)
        {
            return Err(Refusal::Locked {
                what: t.what(),
                reason,
            }
            .into());
        }
        let now = crate::govern::rfc3339(clock);
        let mut planned = match plan(t, a, &now) {
            Ok(p) => p,
            Err(why) => return Err(why.into()),
        };
        let Some(client) = self.client(&t.context) else {
            return Err(ApiFailure::NoConnection {
                context: t.context.clone(),
            }
            .into());
        };
        let mut restored = None;
        if let (Action::Undo { to_revision }, Some(rule)) = (a, &t.history) {
            // kubectl's rollbacker: read the history now, then send its patch (or nothing).
            let h = super::history::fetch(&client, t, rule)
                .await
                .map_err(Refusal::from)?;
            match super::undo::plan(rule, t, &h, *to_revision).map_err(Refusal::from)? {
                super::undo::UndoPlan::Skip(message) => {
                    return Ok(Done {
                        message: format!("{}: {message}", t.describe()),
                        generation: None,
                        skipped: true,
                    });
                }
                super::undo::UndoPlan::Send { request, revision } => {
                    planned = request;
                    restored = Some(revision);
                }
            }
        }
        let req = match to_request(&planned) {
            Ok(r) => r,
            Err(e) => return Err(e.into()),
        };
        match tokio::time::timeout(self.timeout, client.request::<serde_json::Value>(req)).await {
            Ok(Ok(v)) => {
                let generation = v["metadata"]["generation"].as_i64();
                let message = match (a, restored) {
                    (Action::Delete | Action::Reap, _) => {
                        format!("deleted {} {}", t.kind.to_lowercase(), t.name)
                    }
                    (_, Some(n)) => format!("{}: rolled back to revision {n}", t.describe()),
                    _ => format!("{}: {} done", t.describe(), a.describe()),
                };
                Ok(Done {
                    message,
                    generation,
                    skipped: false,
                })
            }
            Ok(Err(e)) => Err(words::failure(&e, t, a).into()),
            Err(_) => Err(ApiFailure::Timeout {
                secs: self.timeout.as_secs(),
                context: t.context.clone(),
                kind: t.kind.clone(),
                name: t.name.clone(),
            }
            .into()),
        }
    }
}

fn to_request(p: &Planned) -> Result<http::Request<Vec<u8>>, ApiFailure> {
    let body = serde_json::to_vec(&p.body).map_err(|e| ApiFailure::Request(e.to_string()))?;
    http::Request::builder()
        .method(p.method.clone())
        .uri(&p.path)
        .header(http::header::CONTENT_TYPE, p.content_type)
        .header(http::header::ACCEPT, "application/json")
        .body(body)
        .map_err(|e| ApiFailure::Request(e.to_string()))
}
