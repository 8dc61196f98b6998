//! Garbage collection of orphaned dependents and termination of deleted namespaces.

use super::{World, delete};
use crate::cluster::{SimCluster, lock};
use crate::object::store_key;
use crate::resource::SimResource;

pub(super) fn reconcile(cluster: &SimCluster, world: &World) {
    // Namespaces being deleted: remove their contents, then the namespace itself.
    for ns in world.of(SimResource::Namespaces) {
        if !ns.is_terminating() {
            continue;
        }
        let name = ns.name();
        let prefix = format!("{name}/");
        let mut store = lock(&cluster.store);
        for res in SimResource::ALL.into_iter().filter(|r| r.namespaced()) {
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
            let Some(owner) = &obj.meta.owner else {
                continue;
            };
            if world.exists(owner) || obj.is_terminating() {
                continue;
            }
            delete(cluster, obj);
        }
    }
}
