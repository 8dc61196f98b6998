//! Metadata-only watchers, for sources marked `metadataOnly` (ConfigMaps, Secrets): the list
//! and watch requests ask for `PartialObjectMetadata` (client-go's metadata informer `Accept`
//! header, which kube sends for an `Api<PartialObjectMeta<K>>`), so the server never sends
//! the objects' data — a Secret's values are not fetched, decoded or kept. Each object reaches
//! the projection as `{"metadata": …}`.

use super::object::RawObject;
use super::projected::{Projected, Projector};
use futures::StreamExt;
use futures::stream::BoxStream;
use kube::api::{Api, ApiResource};
use kube::core::PartialObjectMeta;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event, watcher};
use std::sync::Arc;

/// The watch stream of `ar`'s objects (in `namespace`, else everywhere), metadata only,
/// projected by `projector`.
pub fn watch(
    client: kube::Client,
    namespace: Option<&str>,
    ar: &ApiResource,
    cfg: watcher::Config,
    projector: Arc<Projector>,
) -> BoxStream<'static, Result<Event<Projected>, watcher::Error>> {
    let api: Api<PartialObjectMeta<RawObject>> = match namespace {
        Some(ns) => Api::namespaced_with(client, ns, ar),
        None => Api::all_with(client, ar),
    };
    watcher(api, cfg)
        .default_backoff()
        .map(move |ev| {
            let p = |o: PartialObjectMeta<RawObject>| {
                projector.project(&RawObject::from_metadata(o.metadata).value)
            };
            ev.map(|e| match e {
                Event::Apply(o) => Event::Apply(p(o)),
                Event::Delete(o) => Event::Delete(p(o)),
                Event::Init => Event::Init,
                Event::InitApply(o) => Event::InitApply(p(o)),
                Event::InitDone => Event::InitDone,
            })
        })
        .boxed()
}
