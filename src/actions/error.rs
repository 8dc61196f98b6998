//! Why an action did not happen, typed: a [`Refusal`] (decided before anything is sent: the
//! blueprint does not offer the action for this kind, the object is paused, bad input,
//! read-only) or an [`ApiFailure`] (what the API server answered, or that it did not). The
//! words shown to the user are the `Display` of these; see [`super::words`] for how API
//! errors are classified.

/// An action that cannot apply: nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The blueprint does not offer this action for the object's kind.
    #[error("{action} does not apply to a {kind} (its blueprint does not offer it for this kind)")]
    NotOffered { action: &'static str, kind: String },
    /// A paused rollout would not roll.
    #[error(
        "{kind} {name} is paused: resume it first (kubectl rollout resume), a restart would not roll"
    )]
    Paused { kind: String, name: String },
    #[error("replicas must be 0 or more, not {0}")]
    NegativeReplicas(i64),
    #[error("the image is empty")]
    EmptyImage,
    /// `kubectl rollout undo` would not send anything (kubectl's words).
    #[error(transparent)]
    Undo(#[from] UndoError),
    /// The rollout history could not be read (nothing was sent).
    #[error(transparent)]
    History(#[from] super::history::HistoryError),
    /// The workload holds an unexpired lock (`reason`: who, until when, why); typing the
    /// service name overrides it.
    #[error("{what} is {reason}; nothing was sent (type the service name to override)")]
    Locked { what: String, reason: String },
    /// Port-forward to a pod that does not run (kubectl's words).
    #[error("unable to forward port because pod is not running. Current status={phase}")]
    NotRunning { phase: String },
    /// The local port of a port-forward cannot be bound.
    #[error(
        "local port {port}: {reason}; nothing was forwarded (type LOCAL:REMOTE with another LOCAL, or :REMOTE for any free port)"
    )]
    LocalPort { port: u16, reason: String },
    /// Mutations are off (globally or for the context).
    #[error("read-only: {action} refused in context {context}; nothing was sent")]
    ReadOnly {
        action: &'static str,
        context: String,
    },
    /// A hub member read through the hub only: nothing can be sent to it.
    #[error("read-only: {action} refused in context {context}: {why}; nothing was sent")]
    NoDirectContext {
        action: &'static str,
        context: String,
        why: String,
    },
}

/// What went wrong once a request was (or would have been) sent. `what` is `Kind ns/name`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiFailure {
    #[error(
        "unauthorized in context {context}: credentials expired or invalid ({message}); nothing was changed"
    )]
    Unauthorized { context: String, message: String },
    #[error(
        "forbidden: your credentials for context {context} may not {action} {what} ({message}); nothing was changed"
    )]
    Forbidden {
        context: String,
        action: &'static str,
        what: String,
        message: String,
    },
    #[error("{what} no longer exists (deleted meanwhile?); nothing was changed")]
    NotFound { what: String },
    /// A delete's uid precondition failed: the object was recreated under the same name.
    #[error(
        "{what} was replaced by a new {kind} with the same name (uid changed); nothing was deleted — look again and retry"
    )]
    Replaced { what: String, kind: String },
    #[error("conflict on {what}: {message}; nothing was changed — retry")]
    Conflict { what: String, message: String },
    /// 422, with the server's causes (`field: message; …`).
    #[error("rejected as invalid: {causes}; nothing was changed")]
    Invalid { causes: String },
    #[error(
        "server error {code} ({message}): the change may or may not have been applied — check {what} before retrying"
    )]
    Server {
        code: u16,
        message: String,
        what: String,
    },
    /// Any other status.
    #[error("{code} {reason}: {message}")]
    Status {
        code: u16,
        reason: String,
        message: String,
    },
    /// The connection broke: the outcome is unknown.
    #[error(
        "no answer from context {context}: {message}; the outcome is unknown — check {what} before retrying"
    )]
    NoAnswer {
        context: String,
        message: String,
        what: String,
    },
    #[error(
        "no answer within {secs} s from context {context}: the outcome is unknown — check {kind} {name} before retrying"
    )]
    Timeout {
        secs: u64,
        context: String,
        kind: String,
        name: String,
    },
    #[error("no connection to context {context}")]
    NoConnection { context: String },
    /// The planned request could not be encoded (nothing was sent).
    #[error("cannot build the request: {0}")]
    Request(String),
}

impl ApiFailure {
    /// Whether the change may have been applied anyway (check before retrying).
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            ApiFailure::Server { .. } | ApiFailure::NoAnswer { .. } | ApiFailure::Timeout { .. }
        )
    }
}

/// Why an action run did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Api(#[from] ApiFailure),
}

impl ActionError {
    /// The audit log's outcome: `refused` (nothing sent) or `failed`.
    pub fn audit_label(&self) -> &'static str {
        match self {
            ActionError::Refused(_) => "refused",
            ActionError::Api(_) => "failed",
        }
    }
}

/// Why an undo cannot be planned (kubectl's own words): nothing is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UndoError {
    #[error("unable to find specified revision {0} in history")]
    RevisionNotFound(i64),
    /// A Deployment without a previous revision (toRevision 0).
    #[error("no rollout history found for {kind} {name:?}")]
    NoHistory { kind: String, name: String },
    /// A StatefulSet/DaemonSet without a previous revision (toRevision 0).
    #[error("no last revision to roll back to")]
    NoLastRevision,
    #[error(
        "you cannot rollback a paused {kind}; resume it first with 'kubectl rollout resume {kind}/{name}' and try again"
    )]
    Paused { kind: String, name: String },
}
