//! The fleet: one task per kubeconfig context, each running one watcher per blueprint source
//! kind, feeding [`Change`]s to the catalog's owner. A dead or slow context never delays the
//! others; nothing here touches the catalog directly.

pub mod burst;
pub mod clients;
pub mod discovery;
pub mod hub;
pub mod memory;
mod metadata;
pub mod object;
pub mod projected;
pub mod query;
pub mod scope;
pub mod source;
pub mod status;
pub mod table;

pub use clients::ClientSet;
pub use scope::{Scope, SourceScope};
pub use status::{CredentialError, Failure};

use crate::blueprint::BlueprintSet;
use crate::catalog::{Change, ClusterId, ClusterStatus};
use crate::config::ContextError;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinSet;

/// One context to watch.
pub struct ContextConn {
    pub cluster: ClusterId,
    pub name: String,
    /// The client config, or why it could not be made (named in the cluster's status).
    pub config: Result<kube::Config, ContextError>,
    /// A client already built from `config` (else the fleet builds it, retrying on failure).
    pub client: Option<kube::Client>,
}

/// Tracks which sources of a cluster completed an initial sync, and whether the cluster as a
/// whole is failing (unreachable, unauthorized); tells the catalog when the picture changes.
pub struct Readiness {
    state: Mutex<ReadyState>,
}

struct ReadyState {
    /// Per source: listed at least once (its data is in the catalog).
    synced: Vec<bool>,
    /// A cluster-wide failure, until a request succeeds again.
    failure: Option<ClusterStatus>,
    announced: ClusterStatus,
}

impl ReadyState {
    fn status(&self) -> ClusterStatus {
        match &self.failure {
            Some(f) => f.clone(),
            None if self.synced.iter().all(|d| *d) => ClusterStatus::Ready,
            None => ClusterStatus::Syncing,
        }
    }
}

impl Readiness {
    fn new(n: usize) -> Self {
        Readiness {
            state: Mutex::new(ReadyState {
                synced: vec![false; n],
                failure: None,
                announced: ClusterStatus::Syncing,
            }),
        }
    }

    async fn update(
        &self,
        tx: &Sender<Change>,
        cluster: ClusterId,
        f: impl FnOnce(&mut ReadyState),
    ) -> bool {
        let mut g = self.state.lock().await;
        f(&mut g);
        let next = g.status();
        if g.announced == next {
            return true;
        }
        g.announced = next.clone();
        drop(g);
        tx.send(Change::Cluster {
            cluster,
            status: next,
        })
        .await
        .is_ok()
    }

    /// A source listed completely: its data is there, and the cluster answers again.
    pub async fn synced(&self, slot: usize, tx: &Sender<Change>, cluster: ClusterId) -> bool {
        self.update(tx, cluster, |s| {
            if let Some(d) = s.synced.get_mut(slot) {
                *d = true;
            }
            s.failure = None;
        })
        .await
    }

    /// The cluster failed as a whole (unreachable, unauthorized).
    pub async fn fail(
        &self,
        tx: &Sender<Change>,
        cluster: ClusterId,
        status: ClusterStatus,
    ) -> bool {
        self.update(tx, cluster, |s| s.failure = Some(status)).await
    }

    /// A request succeeded again: clear the failure.
    pub async fn recover(&self, tx: &Sender<Change>, cluster: ClusterId) -> bool {
        self.update(tx, cluster, |s| s.failure = None).await
    }

    pub async fn is_failed(&self) -> bool {
        self.state.lock().await.failure.is_some()
    }
}

/// The running fleet. Dropping it aborts every task; [`Fleet::shutdown`] waits for them.
pub struct Fleet {
    tasks: JoinSet<()>,
}

impl Fleet {
    /// Start one task per context; clients are published to `clients` as they are built.
    pub fn spawn(
        contexts: Vec<ContextConn>,
        blueprints: Arc<BlueprintSet>,
        tx: Sender<Change>,
        clients: ClientSet,
    ) -> Fleet {
        Fleet::spawn_scoped(contexts, blueprints, tx, clients, Scope::all())
    }

    /// As [`Fleet::spawn`], reading only what `scope` selects (namespace, selectors).
    pub fn spawn_scoped(
        contexts: Vec<ContextConn>,
        blueprints: Arc<BlueprintSet>,
        tx: Sender<Change>,
        clients: ClientSet,
        scope: Scope,
    ) -> Fleet {
        let scope = Arc::new(scope);
        let mut tasks = JoinSet::new();
        for ctx in contexts {
            tasks.spawn(run_context(
                ctx,
                blueprints.clone(),
                tx.clone(),
                clients.clone(),
                scope.clone(),
            ));
        }
        Fleet { tasks }
    }

    /// Also read these Clusterpedia hubs (one task each, beside the contexts' tasks).
    pub fn spawn_hubs(&mut self, hubs: Vec<hub::state::HubTask>) {
        for h in hubs {
            self.tasks.spawn(h.run());
        }
    }

    /// Stop every watcher and wait until all tasks ended.
    pub async fn shutdown(mut self) {
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
    }

    /// Number of tasks still running (for tests of shutdown).
    pub fn running(&self) -> usize {
        self.tasks.len()
    }
}

/// How long an exec credential plugin may take (a login prompt that never gets an answer).
const PLUGIN_LIMIT: Duration = Duration::from_secs(60);
/// How long the API server may take to answer the first request.
const CONNECT_LIMIT: Duration = Duration::from_secs(15);

/// Build a client from a config. Exec credential plugins run here (kube runs them while
/// building), so this runs on the blocking pool with a time limit.
pub async fn build_client(config: kube::Config) -> Result<kube::Client, Failure> {
    let exec = config.auth_info.exec.clone();
    let built = tokio::task::spawn_blocking(move || kube::Client::try_from(config));
    match tokio::time::timeout(PLUGIN_LIMIT, built).await {
        Ok(Ok(Ok(c))) => Ok(c),
        Ok(Ok(Err(e))) => Err(status::classify_build(&e, exec.as_ref())),
        Ok(Err(e)) => Err(Failure::Other(format!("building the client failed: {e}"))),
        Err(_) => Err(Failure::Credentials(CredentialError::PluginTimeout {
            seconds: PLUGIN_LIMIT.as_secs(),
        })),
    }
}

/// Build the client (retrying with backoff: a failing credential plugin may be fixed while we
/// run), connect (server version), then run one watcher per source kind; while the cluster is
/// failing as a whole, probe it until it answers again.
async fn run_context(
    ctx: ContextConn,
    blueprints: Arc<BlueprintSet>,
    tx: Sender<Change>,
    clients: ClientSet,
    scope: Arc<Scope>,
) {
    let cluster = ctx.cluster;
    let send = |status: ClusterStatus| {
        let tx = tx.clone();
        async move { tx.send(Change::Cluster { cluster, status }).await.is_ok() }
    };
    let config = match ctx.config {
        Ok(c) => c,
        Err(e) => {
            send(Failure::from(e).cluster_status()).await;
            return;
        }
    };
    let mut delay = Duration::from_millis(500);
    let client = match ctx.client {
        Some(c) => c,
        None => loop {
            match build_client(config.clone()).await {
                Ok(c) => break c,
                Err(f) => {
                    tracing::warn!(context = %ctx.name, "client: {f}");
                    if !send(f.cluster_status()).await {
                        return;
                    }
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(30));
        },
    };
    clients.set(cluster, client.clone());
    let mut delay = Duration::from_millis(500);
    loop {
        match tokio::time::timeout(CONNECT_LIMIT, client.apiserver_version()).await {
            Ok(Ok(info)) => {
                let version = info.git_version;
                if tx
                    .send(Change::ServerVersion { cluster, version })
                    .await
                    .is_err()
                {
                    return;
                }
                break;
            }
            Ok(Err(e)) => {
                let f = status::classify(&e);
                tracing::warn!(context = %ctx.name, "connect: {f}");
                if !send(f.cluster_status()).await {
                    return;
                }
            }
            Err(_) => {
                let f = Failure::Timeout {
                    seconds: CONNECT_LIMIT.as_secs(),
                };
                if !send(f.cluster_status()).await {
                    return;
                }
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(30));
    }
    if !send(ClusterStatus::Syncing).await {
        return;
    }
    let sources: Vec<(crate::blueprint::BpId, u8)> = blueprints
        .all()
        .iter()
        .flat_map(|bp| (0..bp.spec.sources.len()).map(move |s| (bp.id, s as u8)))
        .collect();
    let readiness = Arc::new(Readiness::new(sources.len()));
    let mut watchers = JoinSet::new();
    for (slot, (bp, source)) in sources.into_iter().enumerate() {
        let task = source::SourceTask {
            client: client.clone(),
            cluster,
            bp,
            source,
            blueprints: blueprints.clone(),
            tx: tx.clone(),
            readiness: readiness.clone(),
            slot,
            scope: scope.source(&blueprints, cluster, bp, source),
        };
        watchers.spawn(task.run());
    }
    // A watch that resumes after a failure (401 fixed, network back) emits nothing until the
    // next change, so while the cluster is marked failing, probe it; never while healthy.
    let mut probe = tokio::time::interval(Duration::from_secs(2));
    probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            done = watchers.join_next() => if done.is_none() { return },
            _ = probe.tick() => {
                if readiness.is_failed().await
                    && let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(10), client.apiserver_version()).await
                    && !readiness.recover(&tx, cluster).await
                {
                    return;
                }
            }
        }
    }
}
