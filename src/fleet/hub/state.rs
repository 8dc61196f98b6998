//! The state of one hub's task: the hub context to read ([`HubTask`]), the blueprint sources
//! as the hub serves them, and per member its row and what was last sent of it. The cycle
//! lives in [`super::poll`], what it does to member rows in [`super::rows`].

use super::direct::Candidate;
use super::members::Member;
use super::{HubServer, Ids};
use crate::blueprint::prune::FieldTree;
use crate::blueprint::{BlueprintSet, BpId};
use crate::catalog::{Change, ClusterId, ClusterStatus, SourceStatus};
use crate::config::{ContextError, UserConfig};
use crate::fleet::object::RawObject;
use crate::fleet::{ClientSet, Scope};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::Sender;

/// One hub context to read.
pub struct HubTask {
    /// The hub's kubeconfig context.
    pub context: String,
    pub server: HubServer,
    pub config: Result<kube::Config, ContextError>,
    pub blueprints: Arc<BlueprintSet>,
    pub tx: Sender<Change>,
    pub clients: ClientSet,
    pub scope: Arc<Scope>,
    pub ids: Ids,
    /// Environment mapping for members that join.
    pub user: UserConfig,
    /// Contexts that may act on members directly, with their client configs.
    pub direct: Vec<(Candidate, Result<kube::Config, ContextError>)>,
    /// A fixed poll interval (the config's `hubs.pollSeconds`), else [`super::poll::interval_for`].
    pub interval: Option<Duration>,
    /// Members the catalog started with, and their rows.
    pub rows: Vec<(Member, ClusterId)>,
    /// The one namespace (`-n`) namespaced kinds are read from in every member; None: all.
    pub namespace: Option<String>,
    /// The hub's own row while it serves no member (it could not be asked at start).
    pub placeholder: Option<ClusterId>,
}

/// One blueprint source as the hub serves it.
pub(super) struct Source {
    pub(super) bp: BpId,
    pub(super) source: u8,
    /// The all-members list path (`/apis/apps/v1/deployments`); None: not served by the hub.
    pub(super) path: Option<String>,
    pub(super) tree: Arc<FieldTree>,
    pub(super) selectors: Vec<(&'static str, String)>,
    pub(super) status: SourceStatus,
    /// `-n`: only objects of this namespace (namespaced kinds), or (the namespace blueprint)
    /// only the namespace of this name. Asked of the server (`namespaces=`) and checked here,
    /// since a watch ignores it.
    pub(super) only: Option<Only>,
    /// The hub offers watch for it (discovery lists the verb) and nothing narrows it that a
    /// watch would ignore (selectors).
    pub(super) watchable: bool,
    /// A watch stream is open for it: the poll cycle leaves it alone.
    pub(super) watching: bool,
    /// Where its watch starts or resumes (the last list's or event's resourceVersion).
    pub(super) from: Option<String>,
}

/// What `-n` keeps of one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Only {
    /// Objects in this namespace.
    Namespace(String),
    /// The namespace object of this name.
    Named(String),
}

impl Only {
    pub(super) fn keeps(&self, o: &RawObject) -> bool {
        let md = &o.value["metadata"];
        match self {
            Only::Namespace(ns) => md["namespace"].as_str() == Some(ns),
            Only::Named(n) => md["name"].as_str() == Some(n),
        }
    }
}

/// A member's row and what was last sent of it.
pub(super) struct Row {
    pub(super) id: ClusterId,
    pub(super) member: Member,
    /// Per source: listed once (its data is in the catalog).
    pub(super) synced: Vec<bool>,
    /// Per source: uid → resourceVersion of what the catalog holds.
    pub(super) seen: Vec<HashMap<Box<str>, Box<str>>>,
    pub(super) status: ClusterStatus,
    /// Objects seen in the current cycle (a member none of whose objects show is gone, when
    /// the member list cannot be read).
    pub(super) objects: usize,
}

/// What one cycle did (for the interval and the log).
#[derive(Debug, Default, Clone, Copy)]
pub struct CycleStats {
    pub requests: u32,
    pub objects: usize,
    pub sent: usize,
}

pub(super) struct State {
    pub(super) task: HubTask,
    pub(super) hub: kube::Client,
    pub(super) host: Option<kube::Client>,
    pub(super) sources: Vec<Source>,
    pub(super) rows: BTreeMap<String, Row>,
    /// PediaClusters are readable (None: not asked yet).
    pub(super) roster: Option<bool>,
    /// Memory storage: each member listed through its own path.
    pub(super) per_member: bool,
    pub(super) placeholder: Option<ClusterId>,
    pub(super) placeholder_status: Option<ClusterStatus>,
}

impl Row {
    pub(super) fn new(id: ClusterId, member: Member, sources: usize) -> Row {
        Row {
            id,
            member,
            synced: vec![false; sources],
            seen: vec![HashMap::new(); sources],
            status: ClusterStatus::Syncing,
            objects: 0,
        }
    }
}

impl State {
    pub(super) fn send_all(&self) -> bool {
        !self.task.tx.is_closed()
    }

    pub(super) async fn send(&self, c: Change) -> bool {
        self.task.tx.send(c).await.is_ok()
    }
}
