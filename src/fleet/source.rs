//! One watcher: one source kind of one blueprint in one cluster. Lists, watches, relists on
//! 410 or a dropped stream (kube-runtime), projects every object through the blueprint as it
//! is decoded ([`super::projected`]) and sends the catalog only what the blueprint extracts:
//! the watch events of one burst (all its stream had ready) as one message.

use super::Readiness;
use super::burst::{BURST_MAX, Burst};
use super::projected::{Projected, Projecting, Projector};
use super::status::{Failure, classify, classify_watch};
use crate::blueprint::{BlueprintSet, BpId, Record};
use crate::catalog::{Change, ClusterId, SourceStatus};
use futures::{FutureExt, StreamExt};
use kube::api::{Api, ApiResource, GroupVersionKind};
use kube::runtime::{WatchStreamExt, watcher};
use std::sync::Arc;
use tokio::sync::mpsc::Sender;

/// Objects per page of a watcher's (re)list.
pub const PAGE_SIZE: u32 = 2000;
/// A list of at least this many objects returns freed memory to the OS afterwards.
const TRIM_AFTER: usize = 1000;

pub struct SourceTask {
    pub client: kube::Client,
    pub cluster: ClusterId,
    pub bp: BpId,
    pub source: u8,
    pub blueprints: Arc<BlueprintSet>,
    pub tx: Sender<Change>,
    pub readiness: Arc<Readiness>,
    /// This source's slot in `readiness`.
    pub slot: usize,
    /// The namespace and selectors it is read with (pushed down to the server).
    pub scope: super::SourceScope,
}

impl SourceTask {
    async fn send(&self, c: Change) -> bool {
        self.tx.send(c).await.is_ok()
    }

    async fn set_status(&self, status: SourceStatus) -> bool {
        self.send(Change::Source {
            cluster: self.cluster,
            bp: self.bp,
            source: self.source,
            status,
        })
        .await
    }

    /// Resolve the API resource: plural from the blueprint, else discovery for optional kinds
    /// (a CRD may be absent), else kube's pluralization of the kind.
    async fn api_resource(&self) -> Result<Option<ApiResource>, Failure> {
        let spec = &self.blueprints.get(self.bp).spec.sources[self.source as usize];
        let gvk = GroupVersionKind::gvk(&spec.group, &spec.version, &spec.kind);
        if let Some(plural) = &spec.plural {
            return Ok(Some(ApiResource::from_gvk_with_plural(&gvk, plural)));
        }
        if spec.optional {
            return match kube::discovery::pinned_kind(&self.client, &gvk).await {
                Ok((ar, _)) => Ok(Some(ar)),
                Err(e) => match classify(&e) {
                    // An absent group (404) or a kind its group does not serve.
                    Failure::NotFound(_) => Ok(None),
                    f => Err(f),
                },
            };
        }
        Ok(Some(ApiResource::from_gvk(&gvk)))
    }

    /// Runs until the receiver is gone or the task is aborted.
    pub async fn run(self) {
        let ar = loop {
            match self.api_resource().await {
                Ok(Some(ar)) => break ar,
                Ok(None) => {
                    // Status first, as in `report`: a ready cluster's sources are all known.
                    if self.set_status(SourceStatus::Absent).await {
                        self.readiness
                            .synced(self.slot, &self.tx, self.cluster)
                            .await;
                    }
                    return;
                }
                Err(f) => {
                    if !self.report(&f).await {
                        return;
                    }
                    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                }
            }
        };
        let api: Api<Projected> = match &self.scope.namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &ar),
            None => Api::all_with(self.client.clone(), &ar),
        };
        let mut cfg = watcher::Config::default().page_size(PAGE_SIZE);
        if let Some(l) = &self.scope.labels {
            cfg = cfg.labels(l);
        }
        if let Some(f) = &self.scope.fields {
            cfg = cfg.fields(f);
        }
        // Objects are projected as they are decoded, reading only what the projection reads.
        let projector = Arc::new(Projector::new(
            self.blueprints.clone(),
            self.bp,
            self.source as usize,
        ));
        let metadata_only =
            self.blueprints.get(self.bp).spec.sources[self.source as usize].metadata_only;
        let inner = if metadata_only {
            super::metadata::watch(
                self.client.clone(),
                self.scope.namespace.as_deref(),
                &ar,
                cfg,
                projector.clone(),
            )
        } else {
            watcher(api, cfg).default_backoff().boxed()
        };
        let mut stream = Projecting::new(inner, projector);
        let mut buf: Vec<Record> = Vec::new();
        let mut healthy = false;
        let mut burst = Burst::default();
        while let Some(ev) = stream.next().await {
            // Every event already decoded (a burst read in one go) is handled before the
            // catalog's owner hears of it: one message per burst, not one per event.
            let mut next = Some(ev);
            while let Some(ev) = next.take() {
                if !self
                    .handle(ev, &ar, &mut buf, &mut healthy, &mut burst)
                    .await
                {
                    return;
                }
                if burst.len() >= BURST_MAX {
                    break;
                }
                next = stream.next().now_or_never().flatten();
            }
            if !self.flush(&mut burst).await {
                return;
            }
        }
        self.flush(&mut burst).await;
    }

    /// Handle one event of the stream: list events gather into `buf` (one `Resync` at the
    /// end), watch events into `burst`; anything else is sent after what `burst` holds.
    /// Returns false when the catalog is gone.
    async fn handle(
        &self,
        ev: Result<watcher::Event<Projected>, watcher::Error>,
        ar: &ApiResource,
        buf: &mut Vec<Record>,
        healthy: &mut bool,
        burst: &mut Burst,
    ) -> bool {
        match ev {
            Ok(watcher::Event::Apply(o)) => {
                if let Some(record) = o.record {
                    burst.push(Change::Apply {
                        cluster: self.cluster,
                        record,
                    });
                }
                return true;
            }
            Ok(watcher::Event::Delete(o)) => {
                if let Some(uid) = o.uid() {
                    burst.push(Change::Delete {
                        cluster: self.cluster,
                        bp: self.bp,
                        uid: uid.into(),
                    });
                }
                return true;
            }
            Ok(watcher::Event::InitApply(o)) => {
                buf.extend(o.record);
                return true;
            }
            _ => {}
        }
        // Order holds: what the burst gathered goes first.
        if !self.flush(burst).await {
            return false;
        }
        match ev {
            Ok(watcher::Event::Init) => {
                buf.clear();
                true
            }
            Ok(watcher::Event::InitDone) => {
                let records = std::mem::take(buf);
                if records.len() >= TRIM_AFTER {
                    super::memory::release_soon();
                }
                let sent = self
                    .send(Change::Resync {
                        cluster: self.cluster,
                        bp: self.bp,
                        source: self.source,
                        records,
                    })
                    .await;
                *healthy = true;
                sent && self.set_status(SourceStatus::Ready).await
                    && self
                        .readiness
                        .synced(self.slot, &self.tx, self.cluster)
                        .await
            }
            Err(e) => {
                let f = classify_watch(&e);
                tracing::warn!(cluster = self.cluster.0, kind = %ar.kind, "watch: {f}");
                if *healthy && matches!(f, Failure::Api { .. } | Failure::Other(_)) {
                    // A dropped stream or 410 on a synced kind: kube-runtime relists; the
                    // data stays until the relist replaces it.
                    true
                } else {
                    *healthy = false;
                    self.report(&f).await
                }
            }
            // Handled above.
            Ok(_) => true,
        }
    }

    /// Send what the burst gathered, as one message; returns false when the catalog is gone.
    async fn flush(&self, burst: &mut Burst) -> bool {
        match burst.take() {
            Some(c) => self.send(c).await,
            None => true,
        }
    }

    /// Report a failure; returns false when the catalog is gone.
    async fn report(&self, f: &Failure) -> bool {
        if f.is_cluster_wide() {
            return self
                .readiness
                .fail(&self.tx, self.cluster, f.cluster_status())
                .await;
        }
        if let Failure::Forbidden(_) = f {
            // A forbidden kind does not hold up the cluster's readiness. Its status goes out
            // first, so whoever sees the cluster ready also sees what it may not list.
            return self.set_status(SourceStatus::Forbidden(f.message())).await
                && self
                    .readiness
                    .synced(self.slot, &self.tx, self.cluster)
                    .await;
        }
        if let Failure::Api { code: 400, .. } = f {
            // The request itself is refused (a selector the server cannot parse, a field it
            // does not support): retrying cannot help, so it does not hold up readiness either.
            return self.set_status(SourceStatus::Refused(f.message())).await
                && self
                    .readiness
                    .synced(self.slot, &self.tx, self.cluster)
                    .await;
        }
        self.set_status(SourceStatus::Error(f.message())).await
    }
}

#[cfg(test)]
#[path = "source_tests.rs"]
mod tests;
