//! Polling metrics only while wanted: [`Poller::start`] fetches one cluster's metrics now and
//! then every interval (metrics-server's 15 s resolution by default) on its own task, sending
//! each result; dropping the [`Poller`] stops it. Nothing waits on it: a slow or absent
//! metrics API delays no one, and the receiver takes results when it wants.

use super::{Snapshot, Unavailable, fetch};
use std::time::Duration;
use tokio::sync::watch;

/// How long one fetch may take before it counts as failed.
const REQUEST_LIMIT: Duration = Duration::from_secs(10);

/// The latest result of a poller: nothing yet, metrics, or why there are none.
pub type Latest = Option<Result<Snapshot, Unavailable>>;

/// A running poll; dropping it stops the task.
pub struct Poller {
    task: tokio::task::JoinHandle<()>,
    /// The latest result (changes notify).
    pub latest: watch::Receiver<Latest>,
}

impl Drop for Poller {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Poller {
    /// Poll `client` every `every` (namespace: only that namespace's pods).
    pub fn start(client: kube::Client, namespace: Option<String>, every: Duration) -> Poller {
        let (tx, latest) = watch::channel(None);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let r = tokio::time::timeout(REQUEST_LIMIT, fetch(&client, namespace.as_deref()))
                    .await
                    .unwrap_or_else(|_| {
                        Err(Unavailable::Failed(format!(
                            "no answer within {} s",
                            REQUEST_LIMIT.as_secs()
                        )))
                    });
                if tx.send(Some(r)).is_err() {
                    return;
                }
            }
        });
        Poller { task, latest }
    }
}
