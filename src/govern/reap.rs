//! The reaper's preview: every object whose TTL has expired, by context — exactly the set
//! `kubeatlas reap` deletes (each with a uid precondition). Objects that hold an unexpired
//! lock (or, for a namespace, contain a locked workload) are kept and listed with why.
//! Any blueprint that reads the TTL properties takes part, namespaces and workloads built in.

use super::{props, read};
use crate::catalog::{Catalog, EntityRef};
use serde::Serialize;

/// One expired object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expired {
    #[serde(skip)]
    pub entity: EntityRef,
    pub context: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub uid: String,
    /// Seconds since the epoch.
    #[serde(skip)]
    pub at: i64,
    /// `expired 2d ago`.
    pub expired: String,
    /// Why it is kept despite having expired (a lock); `None`: it will be deleted.
    pub kept: Option<String>,
}

impl Expired {
    /// `context/namespace/name` (or `context/name`).
    pub fn label(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{ns}/{}", self.context, self.name),
            None => format!("{}/{}", self.context, self.name),
        }
    }
}

/// Every expired object at `now`, by context; namespaced objects before cluster-scoped ones
/// (a namespace goes after what it holds), then by namespace and name.
pub fn expired(cat: &Catalog, now: i64) -> Vec<Expired> {
    let mut out = vec![];
    let ttl_ids = [props::JANITOR_TTL, props::JANITOR_EXPIRES, props::EXPIRES];
    let namespace_bp = cat.blueprints().roles().namespace;
    for bp in cat.blueprints().all() {
        if bp.spec.sources.is_empty() || !ttl_ids.iter().any(|i| bp.prop_index(i).is_some()) {
            continue;
        }
        for (cluster, r) in cat.entities(bp.id) {
            let e = read::expiry(cat, r);
            if !e.expired(now) {
                continue;
            }
            let at = match e {
                super::Expiry::At(t) => t,
                _ => continue,
            };
            let context = cat
                .cluster(cluster)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            let kept = match read::lock(cat, r, now).refusal(now) {
                Some(why) => Some(why),
                None if Some(bp.id) == namespace_bp => locked_inside(cat, cluster, &r.name, now),
                None => None,
            };
            out.push(Expired {
                entity: EntityRef {
                    cluster,
                    bp: bp.id,
                    uid: r.uid.clone(),
                },
                context,
                kind: bp
                    .spec
                    .sources
                    .get(r.source as usize)
                    .map(|s| s.kind.clone())
                    .unwrap_or_default(),
                namespace: r.namespace.as_deref().map(str::to_string),
                name: r.name.to_string(),
                uid: r.uid.to_string(),
                at,
                expired: e.words(now),
                kept,
            });
        }
    }
    out.sort_by(|a, b| {
        (
            a.entity.cluster,
            a.namespace.is_none(),
            &a.namespace,
            &a.name,
        )
            .cmp(&(
                b.entity.cluster,
                b.namespace.is_none(),
                &b.namespace,
                &b.name,
            ))
    });
    out
}

/// Why a namespace must be kept: a workload in it holds an unexpired lock.
fn locked_inside(
    cat: &Catalog,
    cluster: crate::catalog::ClusterId,
    ns: &str,
    now: i64,
) -> Option<String> {
    let wl = cat.workload_blueprint()?;
    cat.entities_in(cluster, wl)
        .filter(|r| r.namespace.as_deref() == Some(ns))
        .find_map(|r| {
            read::lock(cat, r, now)
                .refusal(now)
                .map(|why| format!("holds {}, {why}", r.name))
        })
}
