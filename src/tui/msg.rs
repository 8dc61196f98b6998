//! Messages into the state machine and effects out of it: the only ways the TUI's state
//! changes and the only ways it asks for I/O.

use crate::actions::access::{Attributes, Verdict};
use crate::actions::logs::LogRequest;
use crate::actions::{Action, ObjectAddress, Outcome, Target};
use crate::catalog::{ClusterId, EntityRef};
use crossterm::event::KeyEvent;

/// Something that happened.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// The terminal is now this many columns and rows.
    Resize(u16, u16),
    /// One or more changes were applied to the catalog (its revision moved).
    Catalog,
    /// An effect finished.
    EffectDone(Reply),
    /// Time passed: `now` is seconds since the epoch (ages, spinners).
    Tick {
        now: i64,
    },
    /// The clock before a frame is drawn: `now` is seconds since the epoch (ages only).
    Clock {
        now: i64,
    },
    /// A degrade rule fired, or its hook or action finished (the event as `watch --rules`
    /// writes it).
    Alert(serde_json::Value),
}

/// Something the state machine wants done outside itself. The runner performs it without
/// blocking the input loop and answers with [`Msg::EffectDone`].
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// GET the object and show it as YAML.
    FetchYaml {
        entity: EntityRef,
        target: ObjectAddress,
    },
    /// Run one confirmed action on each target through the executor (the only path to a
    /// mutating request); each target answers with [`Reply::Acted`] carrying `batch`.
    Act {
        batch: u64,
        targets: Vec<(EntityRef, Target)>,
        action: Action,
    },
    /// Stream these pod logs for the logs view `view`, replacing any streams running; lines
    /// answer as [`Reply::LogLines`] / [`Reply::LogEnd`].
    Logs {
        view: u64,
        cluster: ClusterId,
        streams: Vec<LogRequest>,
    },
    /// The logs view closed: stop its streams.
    StopLogs,
    /// Ask the server whether the user may send requests with these attributes in `context`
    /// (and, with `whoami`, who the user is); answers as [`Reply::Access`].
    CheckAccess {
        cluster: ClusterId,
        context: String,
        checks: Vec<Attributes>,
        whoami: bool,
    },
    /// Read the newest change of every running service from the timeline (the matrix's
    /// `c`); answers as [`Reply::LastChanges`].
    LastChanges,
    /// Read the change timeline; answers as [`Reply::Timeline`] for the layer `view`.
    Timeline {
        view: u64,
        query: crate::timeline::Query,
    },
    /// Read the rollout history of `target` (its blueprint source's `history:`); answers as
    /// [`Reply::History`].
    FetchHistory { entity: EntityRef, target: Target },
    /// Follow the Events of `target` while its detail is open (replacing any followed);
    /// answers as [`Reply::Events`] on every change.
    FollowEvents {
        entity: EntityRef,
        target: ObjectAddress,
    },
    /// The detail closed: stop following its Events.
    StopEvents,
    /// Lock, unlock, or set a TTL on each target (`actions::govern`: read, then a patch with
    /// a resourceVersion precondition, through the executor); answers as one [`Reply::Done`].
    /// `who`: the user when the server has said, else the runner asks.
    Govern {
        targets: Vec<Target>,
        write: GovernWrite,
        who: Option<String>,
    },
    /// Poll the metrics API of exactly these clusters (each with the namespace to read, None:
    /// all), stopping every other; answers as [`Reply::Metrics`] on every result. Empty: no
    /// view shows metrics, nothing is polled.
    Metrics {
        clusters: Vec<(ClusterId, Option<String>)>,
    },
    /// Stop the port-forward `id` (the `:pf` layer); answers as [`Reply::ForwardEnded`].
    StopForward { id: u64 },
    /// Discover the resources `cluster` serves and keep them current (its CRDs followed
    /// where permitted); answers as [`Reply::Discovered`], again on every change.
    Discover { cluster: ClusterId },
    /// Follow a generic resource in each context of `targets` (list, then watch, as Table),
    /// replacing any followed; answers as [`Reply::ResourceRows`].
    FollowResource {
        view: u64,
        targets: Vec<crate::fleet::table::Followed>,
    },
    /// The generic resource layer closed: stop following (no watcher is left).
    StopResources,
    /// GET one object for the YAML or describe view (`metadata_only`: as
    /// `PartialObjectMetadata`, never its values); answers as [`Reply::Yaml`]. `describe`:
    /// the printed columns shown above the object.
    FetchObject {
        entity: EntityRef,
        target: ObjectAddress,
        metadata_only: bool,
        describe: Option<Vec<(String, String)>>,
    },
    /// Leave the program.
    Quit,
}

/// A governance write from the TUI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GovernWrite {
    Lock {
        reason: String,
        secs: i64,
    },
    Unlock,
    /// Set our expiry to `at`, or clear every TTL key (`None`).
    Expiry {
        at: Option<i64>,
    },
}

impl GovernWrite {
    pub fn verb(&self) -> &'static str {
        match self {
            GovernWrite::Lock { .. } => "lock",
            GovernWrite::Unlock => "unlock",
            GovernWrite::Expiry { at: Some(_) } => "set ttl",
            GovernWrite::Expiry { at: None } => "clear ttl",
        }
    }
}

impl Effect {
    /// Whether this effect can change a cluster.
    pub fn is_mutating(&self) -> bool {
        matches!(self, Effect::Act { .. } | Effect::Govern { .. })
    }
}

/// The outcome of an effect.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The sanitized YAML of an object, or why it could not be fetched.
    Yaml {
        entity: EntityRef,
        result: Result<String, String>,
    },
    /// One target of an [`Effect::Act`] is done.
    Acted {
        batch: u64,
        entity: EntityRef,
        outcome: Outcome,
    },
    /// Lines of the logs view `view` (several at once from a chatty stream).
    LogLines { view: u64, lines: Vec<String> },
    /// Stream `stream` of the logs view `view` ended: cleanly, or with an error in words.
    LogEnd {
        view: u64,
        stream: usize,
        error: Option<String>,
    },
    /// The answers of an [`Effect::CheckAccess`]: the user's name when asked and known, and
    /// a verdict (or why there is none) per attributes.
    Access {
        context: String,
        user: Option<String>,
        answers: Vec<(Attributes, Result<Verdict, String>)>,
    },
    /// The newest change of every running service ([`Effect::LastChanges`]), or why there
    /// are none.
    LastChanges {
        result: Result<Vec<crate::timeline::Entry>, String>,
    },
    /// The entries of an [`Effect::Timeline`], newest first, or why there are none.
    Timeline {
        view: u64,
        result: Result<Vec<crate::timeline::Entry>, String>,
    },
    /// The revisions of an [`Effect::FetchHistory`] (oldest first), or why there are none.
    History {
        entity: EntityRef,
        result: Result<Vec<crate::actions::history::Revision>, String>,
    },
    /// The Events of a followed object, most recent first, or why they could not be read.
    Events {
        entity: EntityRef,
        result: Result<Vec<crate::actions::events::EventRow>, String>,
    },
    /// The latest metrics of a polled cluster, or why it has none.
    Metrics {
        cluster: ClusterId,
        result: Result<crate::metrics::Snapshot, crate::metrics::Unavailable>,
    },
    /// A port-forward of an [`Effect::Act`] listens (the `:pf` list).
    Forwarding(crate::actions::portforward::ForwardRow),
    /// A port-forward stopped, with why.
    ForwardEnded { id: u64, message: String },
    /// A generic outcome for effects without their own reply: a message for the status line.
    Done { message: String, error: bool },
    /// The resources a context serves (or why discovery failed); `watching`: its CRDs are
    /// followed, so this answer is kept current.
    Discovered {
        cluster: ClusterId,
        result: Result<std::sync::Arc<crate::fleet::discovery::Discovered>, String>,
        watching: bool,
    },
    /// A change to the rows of the generic resource layer `view`, from one context.
    ResourceRows {
        view: u64,
        cluster: ClusterId,
        change: crate::fleet::table::Change,
    },
}
