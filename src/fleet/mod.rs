//! The fleet: one task per kubeconfig context, each running one watcher per blueprint source
//! kind, feeding [`Change`]s to the catalog's owner. A dead or slow context never delays the
//! others; nothing here touches the catalog directly.

pub mod object;
pub mod source;
pub mod status;

use crate::blueprint::BlueprintSet;
use crate::catalog::{Change, ClusterId, ClusterStatus};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinSet;

/// One context to watch.
pub struct ContextConn {
    pub cluster: ClusterId,
    pub name: String,
    /// The client, or why it could not be built (named in the cluster's status).
    pub client: Result<kube::Client, String>,
}

/// Tracks which sources of a cluster finished their initial sync, and tells the catalog when
/// the cluster as a whole is ready or failing.
pub struct Readiness {
    state: Mutex<(Vec<bool>, ClusterStatus)>,
}

impl Readiness {
    fn new(n: usize) -> Self {
        Readiness {
            state: Mutex::new((vec![false; n], ClusterStatus::Syncing)),
        }
    }

    async fn announce(tx: &Sender<Change>, cluster: ClusterId, status: ClusterStatus) -> bool {
        tx.send(Change::Cluster { cluster, status }).await.is_ok()
    }

    /// Mark one source synced (or not); announce Ready / Syncing when the whole changes.
    pub async fn set(&self, slot: usize, done: bool, tx: &Sender<Change>, cluster: ClusterId) {
        let mut g = self.state.lock().await;
        if let Some(s) = g.0.get_mut(slot) {
            *s = done;
        }
        let all = g.0.iter().all(|d| *d);
        let next = if all {
            ClusterStatus::Ready
        } else if g.1.is_failed() && !done {
            return;
        } else {
            ClusterStatus::Syncing
        };
        if g.1 != next {
            g.1 = next.clone();
            drop(g);
            Self::announce(tx, cluster, next).await;
        }
    }

    /// The cluster failed as a whole (unreachable, unauthorized).
    pub async fn fail(
        &self,
        tx: &Sender<Change>,
        cluster: ClusterId,
        status: ClusterStatus,
    ) -> bool {
        let mut g = self.state.lock().await;
        if g.1 == status {
            return true;
        }
        g.1 = status.clone();
        drop(g);
        Self::announce(tx, cluster, status).await
    }
}

/// The running fleet. Dropping it aborts every task; [`Fleet::shutdown`] waits for them.
pub struct Fleet {
    tasks: JoinSet<()>,
}

impl Fleet {
    /// Start one task per context.
    pub fn spawn(
        contexts: Vec<ContextConn>,
        blueprints: Arc<BlueprintSet>,
        tx: Sender<Change>,
    ) -> Fleet {
        let mut tasks = JoinSet::new();
        for ctx in contexts {
            tasks.spawn(run_context(ctx, blueprints.clone(), tx.clone()));
        }
        Fleet { tasks }
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

/// Connect (server version, with backoff), then run one watcher per source kind.
async fn run_context(ctx: ContextConn, blueprints: Arc<BlueprintSet>, tx: Sender<Change>) {
    let cluster = ctx.cluster;
    let send = |status: ClusterStatus| {
        let tx = tx.clone();
        async move { tx.send(Change::Cluster { cluster, status }).await.is_ok() }
    };
    let client = match ctx.client {
        Ok(c) => c,
        Err(m) => {
            send(ClusterStatus::Error(m)).await;
            return;
        }
    };
    let mut delay = Duration::from_millis(500);
    loop {
        match tokio::time::timeout(Duration::from_secs(15), client.apiserver_version()).await {
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
                tracing::warn!(context = %ctx.name, "connect: {}", f.message());
                if !send(source::cluster_status_of(&f)).await {
                    return;
                }
            }
            Err(_) => {
                let m = "no answer from the API server within 15 s".to_string();
                if !send(ClusterStatus::Unreachable(m)).await {
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
        };
        watchers.spawn(task.run());
    }
    // Watchers end only when the catalog is gone; aborting this task aborts them (JoinSet drop).
    while watchers.join_next().await.is_some() {}
}
