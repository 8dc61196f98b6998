//! The runner's long-lived reads for discovery and the generic resource layer: a context's
//! discovery kept current by following its CustomResourceDefinitions (metadata-only Table
//! rows; a change is discovered again after a short pause, once more a few seconds later as
//! the server publishes new resources once they are established), the followed rows of a
//! generic resource, and one object's metadata fetched for the YAML / describe views.

use super::msg::{Msg, Reply};
use crate::actions::ObjectAddress;
use crate::catalog::ClusterId;
use crate::fleet::discovery::{self, Discovered};
use crate::fleet::table::{self, Change, Followed, Selectors};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedSender};

/// Quiet time after a CRD change before discovering again.
const SETTLE: Duration = Duration::from_secs(1);
/// A second look after a change: a new resource is served once its CRD is established.
const AGAIN: Duration = Duration::from_secs(4);

/// The group and plural whose changes change what a context serves.
const CRD_GROUP: &str = "apiextensions.k8s.io";
const CRD_PLURAL: &str = "customresourcedefinitions";

/// `Accept` of a metadata-only GET.
pub const ACCEPT_METADATA: &str = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

fn send(tx: &UnboundedSender<Msg>, reply: Reply) -> bool {
    tx.send(Msg::EffectDone(reply)).is_ok()
}

/// Discover `cluster` and keep its discovery current until the task is aborted.
pub async fn discovery(client: kube::Client, cluster: ClusterId, tx: UnboundedSender<Msg>) {
    let first = discovery::discover(&client).await;
    let crd = first.as_ref().ok().and_then(|d| {
        d.resources
            .iter()
            .find(|r| r.group == CRD_GROUP && r.plural == CRD_PLURAL && r.can("watch"))
            .cloned()
    });
    // Follow the CRDs where the user may; the first answer says whether that works.
    let (ctx, mut changes) = mpsc::channel::<Change>(16);
    let follower = crd.map(|res| {
        AbortOnDrop(tokio::spawn(table::follow(
            client.clone(),
            res,
            None,
            Selectors::default(),
            ctx,
        )))
    });
    let watching = match &follower {
        Some(_) => matches!(changes.recv().await, Some(Change::Reset(_))),
        None => false,
    };
    let reply = |result: Result<Discovered, discovery::DiscoveryError>| Reply::Discovered {
        cluster,
        result: result.map(Arc::new).map_err(|e| e.to_string()),
        watching,
    };
    if !send(&tx, reply(first)) {
        return;
    }
    let Some(_follower) = follower.filter(|_| watching) else {
        return;
    };
    while let Some(c) = changes.recv().await {
        if matches!(c, Change::Failed(_)) {
            continue;
        }
        // Let a burst (a chart installing many CRDs) settle, then look twice.
        tokio::time::sleep(SETTLE).await;
        while changes.try_recv().is_ok() {}
        for pause in [Duration::ZERO, AGAIN] {
            tokio::time::sleep(pause).await;
            if !send(&tx, reply(discovery::discover(&client).await)) {
                return;
            }
        }
    }
}

/// Aborts a task when dropped (the discovery task is aborted: its CRD follower goes too).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The followers of the generic resource layer's rows (one layer at a time). `live` names the
/// layer whose rows may be sent (0: none): set before its followers start, cleared before they
/// are aborted, so a follower caught mid-step on another thread sends nothing more.
#[derive(Debug, Default)]
pub struct Followers {
    set: tokio::task::JoinSet<()>,
    live: Arc<AtomicU64>,
}

impl Followers {
    /// Follow `view`'s targets (each with its context's client, or why there is none); the
    /// previous layer's followers stop.
    pub fn follow(
        &mut self,
        view: u64,
        targets: Vec<Followed>,
        clients: Vec<Result<kube::Client, String>>,
        replies: &UnboundedSender<Msg>,
    ) {
        self.stop();
        self.live.store(view, Ordering::SeqCst);
        for (f, client) in targets.into_iter().zip(clients) {
            match client {
                Ok(c) => {
                    let live = self.live.clone();
                    self.set.spawn(rows(c, view, f, replies.clone(), live));
                }
                Err(e) => {
                    let (cluster, change) = (f.cluster, Change::Failed(e));
                    let _ = send(
                        replies,
                        Reply::ResourceRows {
                            view,
                            cluster,
                            change,
                        },
                    );
                }
            }
        }
    }

    /// Stop every follower: nothing is sent from here on.
    pub fn stop(&mut self) {
        self.live.store(0, Ordering::SeqCst);
        self.set = tokio::task::JoinSet::new();
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

/// Follow one context's rows of the generic resource layer `view`, while `live` names it
/// (the runner clears it as the layer closes: nothing is sent after that).
pub async fn rows(
    client: kube::Client,
    view: u64,
    followed: Followed,
    tx: UnboundedSender<Msg>,
    live: Arc<AtomicU64>,
) {
    let (ctx, mut changes) = mpsc::channel::<Change>(64);
    let cluster = followed.cluster;
    let follower = AbortOnDrop(tokio::spawn(table::follow(
        client,
        followed.res,
        followed.namespace,
        Selectors::default(),
        ctx,
    )));
    while let Some(change) = changes.recv().await {
        if live.load(Ordering::SeqCst) != view
            || !send(
                &tx,
                Reply::ResourceRows {
                    view,
                    cluster,
                    change,
                },
            )
        {
            break;
        }
    }
    drop(follower);
}

/// How long a metadata GET may take.
const GET_LIMIT: Duration = Duration::from_secs(20);

/// GET one object as `PartialObjectMetadata` (never its values), as YAML.
pub async fn metadata_yaml(client: kube::Client, target: &ObjectAddress) -> Result<String, String> {
    let req = http::Request::get(target.path())
        .header(http::header::ACCEPT, ACCEPT_METADATA)
        .body(vec![])
        .map_err(|e| e.to_string())?;
    let v = match tokio::time::timeout(GET_LIMIT, client.request::<serde_json::Value>(req)).await {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            let f = crate::fleet::status::classify(&e);
            return Err(format!("{} {}: {}", target.kind, target.name, f.message()));
        }
        Err(_) => {
            return Err(format!(
                "{} {}: no answer within {} s",
                target.kind,
                target.name,
                GET_LIMIT.as_secs()
            ));
        }
    };
    let mut text = super::yaml::render(v)?;
    text.push_str("# values are never fetched: metadata only\n");
    Ok(text)
}
