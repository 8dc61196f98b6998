//! Garbage collection of orphaned dependents and termination of deleted namespaces.

use super::{World, delete};
use crate::sim::cluster::{SimCluster, lock};
use crate::sim::object::store_key;
use crate::sim::podgen;
use crate::sim::resource::SimResource;
use crate::sim::util;

pub(super) fn reconcile(cluster: &SimCluster, world: &World) {
    // Namespaces being deleted: remove their contents, then the namespace itself.
    for ns in world.of(SimResource::Namespaces) {
        if !podgen::is_terminating(&ns.value) {
            continue;
        }
        let name = ns.name();
        let mut store = lock(&cluster.store);
        for res in SimResource::ALL.into_iter().filter(|r| r.namespaced()) {
            let prefix = format!("{name}/");
            let keys: Vec<String> = store
                .table(res)
                .objects
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, _)| k.clone())
                .collect();
            for k in keys {
                store.remove(res, &k, None);
            }
        }
        store.remove(SimResource::Namespaces, &store_key(None, name), None);
    }
    // Dependents whose controlling owner no longer exists (background cascading deletion).
    for res in [
        SimResource::ReplicaSets,
        SimResource::Jobs,
        SimResource::Pods,
    ] {
        for obj in world.of(res) {
            let Some(owner) = util::controller_uid(&obj.value) else {
                continue;
            };
            if world.exists(owner) || podgen::is_terminating(&obj.value) {
                continue;
            }
            delete(cluster, obj);
        }
    }
}
