//! The namespace cache: the namespace names seen per context, kept in a small JSON file in the
//! state dir so that shell completion of `-n` can offer them without asking any cluster.
//! Written by `get`/`contexts` once synced and, in the TUI, whenever a namespace list arrives
//! (off the input loop); a context read whole replaces its names, a narrowed one adds to them.

use crate::blueprint::BpId;
use crate::catalog::{Catalog, Change, ClusterStatus};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tokio::sync::{mpsc, watch};

/// Context name → namespace names.
pub type Seen = BTreeMap<String, BTreeSet<String>>;

/// The cache's content; empty when it is absent or unreadable (it is only a convenience).
pub fn read(path: &Path) -> Seen {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Every namespace name in the cache, sorted, once.
pub fn all_names(path: &Path) -> Vec<String> {
    let all: BTreeSet<String> = read(path).into_values().flatten().collect();
    all.into_iter().collect()
}

/// Fold `updates` into the file: a context whose list is `complete` replaces its names, else
/// they are added. Written through a temporary file and renamed (never half a file).
pub fn record(path: &Path, updates: &[(String, BTreeSet<String>, bool)]) -> std::io::Result<()> {
    let mut seen = read(path);
    for (ctx, names, complete) in updates {
        let entry = seen.entry(ctx.clone()).or_default();
        if *complete {
            entry.clone_from(names);
        } else {
            entry.extend(names.iter().cloned());
        }
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer(&mut tmp, &seen).map_err(std::io::Error::other)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// After a one-shot command synced: the namespaces of every ready context.
pub fn record_catalog(path: &Path, catalog: &Catalog, ns_bp: BpId, narrowed: &[bool]) {
    let updates: Vec<_> = catalog
        .clusters()
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            matches!(c.status, ClusterStatus::Ready) && !c.forbidden().any(|(b, _, _)| b == ns_bp)
        })
        .filter_map(|(i, c)| {
            let id = catalog.cluster_by_name(&c.name)?;
            let names = catalog
                .entities_in(id, ns_bp)
                .map(|r| r.name.to_string())
                .collect();
            Some((
                c.name.clone(),
                names,
                !narrowed.get(i).copied().unwrap_or(false),
            ))
        })
        .collect();
    if let Err(e) = record(path, &updates) {
        tracing::warn!("namespace cache {}: {e}", path.display());
    }
}

/// The TUI's change stream, passed through unchanged; each namespace list that goes by is
/// recorded by one writer task (the latest state, written off the input loop).
pub fn tee(
    mut changes: mpsc::Receiver<Change>,
    ns_bp: BpId,
    contexts: Vec<String>,
    narrowed: Vec<bool>,
    path: PathBuf,
) -> mpsc::Receiver<Change> {
    let (tx, out) = mpsc::channel(4096);
    let (snap_tx, mut snap_rx) = watch::channel::<Vec<(String, BTreeSet<String>, bool)>>(vec![]);
    tokio::spawn(async move {
        let mut latest: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        while let Some(c) = changes.recv().await {
            if let Change::Resync {
                cluster,
                bp,
                records,
                ..
            } = &c
                && *bp == ns_bp
            {
                let names = records.iter().map(|r| r.name.to_string()).collect();
                latest.insert(cluster.0 as usize, names);
                let snap = latest
                    .iter()
                    .filter_map(|(i, n)| {
                        let complete = !narrowed.get(*i).copied().unwrap_or(false);
                        Some((contexts.get(*i)?.clone(), n.clone(), complete))
                    })
                    .collect();
                let _ = snap_tx.send(snap);
            }
            if tx.send(c).await.is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        while snap_rx.changed().await.is_ok() {
            let snap = snap_rx.borrow_and_update().clone();
            let path = path.clone();
            let written = tokio::task::spawn_blocking(move || record(&path, &snap)).await;
            if let Ok(Err(e)) = written {
                tracing::warn!("namespace cache: {e}");
            }
        }
    });
    out
}

impl super::session::Session {
    /// Record the namespaces of every synced context in the cache (one-shot commands).
    pub fn record_namespaces(&self, paths: &crate::config::Paths) {
        let Some(ns) = self.catalog.blueprints().roles().namespace else {
            return;
        };
        let narrowed: Vec<bool> = (0..self.catalog.clusters().len())
            .map(|i| {
                self.scope
                    .namespace_of(crate::catalog::ClusterId(i as u16))
                    .is_some()
            })
            .collect();
        record_catalog(&paths.namespace_cache, &self.catalog, ns, &narrowed);
    }
}
