//! The effect runner's side of the metrics columns: one [`Poller`] per cluster a view shows,
//! started and stopped as [`Effect::Metrics`](crate::tui::msg::Effect::Metrics) says, each
//! result forwarded to the UI as a [`Reply::Metrics`]. Nothing is polled that no view shows:
//! a cluster left out of the wanted set has its poller dropped, which aborts its task.

use crate::catalog::ClusterId;
use crate::fleet::ClientSet;
use crate::metrics::poll::Poller;
use crate::tui::msg::{Msg, Reply};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// How often a client that is not built yet is looked for again.
const CLIENT_RETRY: Duration = Duration::from_millis(500);

/// A spawned task aborted when dropped.
struct Task(tokio::task::JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The pollers running, per cluster, with the namespace each reads (None: all).
pub struct Polls {
    every: Duration,
    /// Per cluster, the one namespace the fleet reads (`-n`).
    scope: Vec<Option<String>>,
    running: HashMap<ClusterId, (Option<String>, Task)>,
}

impl Default for Polls {
    fn default() -> Polls {
        Polls {
            every: crate::metrics::RESOLUTION,
            scope: vec![],
            running: HashMap::new(),
        }
    }
}

impl Polls {
    /// Poll every `every` instead of metrics-server's resolution (tests).
    pub fn set_interval(&mut self, every: Duration) {
        self.every = every;
    }

    /// Per cluster, the namespace the fleet reads: a view of every namespace reads that one
    /// (a user allowed only there is not refused the cluster-wide list).
    pub fn set_namespaces(&mut self, scope: Vec<Option<String>>) {
        self.scope = scope;
    }

    /// Clusters being polled, sorted.
    pub fn clusters(&self) -> Vec<ClusterId> {
        let mut v: Vec<ClusterId> = self.running.keys().copied().collect();
        v.sort();
        v
    }

    /// Poll exactly `want` from now on: pollers of clusters no longer wanted (or wanted with
    /// another namespace) stop, new ones start and fetch at once.
    pub fn set(
        &mut self,
        want: Vec<(ClusterId, Option<String>)>,
        clients: &ClientSet,
        replies: &UnboundedSender<Msg>,
    ) {
        let want: Vec<(ClusterId, Option<String>)> = want
            .into_iter()
            .map(|(c, ns)| {
                let fleet = self.scope.get(c.0 as usize).cloned().flatten();
                (c, ns.or(fleet))
            })
            .collect();
        self.running
            .retain(|c, (ns, _)| want.iter().any(|(w, wns)| w == c && wns == ns));
        for (cluster, namespace) in want {
            if self.running.contains_key(&cluster) {
                continue;
            }
            let clients = clients.clone();
            let replies = replies.clone();
            let every = self.every;
            let ns = namespace.clone();
            let task = tokio::spawn(async move {
                // A context still connecting has no client yet.
                let client = loop {
                    match clients.get(cluster) {
                        Some(c) => break c,
                        None => tokio::time::sleep(CLIENT_RETRY).await,
                    }
                };
                let mut poller = Poller::start(client, ns, every);
                while poller.latest.changed().await.is_ok() {
                    let latest = poller.latest.borrow_and_update().clone();
                    let Some(result) = latest else { continue };
                    if replies
                        .send(Msg::EffectDone(Reply::Metrics { cluster, result }))
                        .is_err()
                    {
                        return;
                    }
                }
            });
            self.running.insert(cluster, (namespace, Task(task)));
        }
    }
}
