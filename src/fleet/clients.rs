//! The per-cluster clients, shared by the fleet (which builds and rebuilds them) and whoever
//! sends on-demand requests (YAML, actions). A registry, not application state. Clusters that
//! join while running (members of a multi-cluster hub) are added here with their row's name,
//! and, when no direct context can act on them, why they are read-only.

use crate::catalog::ClusterId;
use std::sync::{Arc, RwLock};

#[derive(Clone, Default)]
pub struct ClientSet(Arc<RwLock<Slots>>);

#[derive(Default)]
struct Slots {
    clients: Vec<Option<kube::Client>>,
    /// Names of clusters added while running (index = `ClusterId`), for lookups by name.
    names: Vec<Option<String>>,
    /// Why a cluster refuses every mutation (a hub member without a direct context).
    readonly: Vec<Option<String>>,
}

impl ClientSet {
    pub fn new(clusters: usize) -> Self {
        ClientSet(Arc::new(RwLock::new(Slots {
            clients: vec![None; clusters],
            names: vec![None; clusters],
            readonly: vec![None; clusters],
        })))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Slots> {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Slots> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The client of a cluster, once it could be built.
    pub fn get(&self, cluster: ClusterId) -> Option<kube::Client> {
        self.read()
            .clients
            .get(cluster.0 as usize)
            .cloned()
            .flatten()
    }

    pub fn set(&self, cluster: ClusterId, client: kube::Client) {
        let mut g = self.write();
        if let Some(slot) = g.clients.get_mut(cluster.0 as usize) {
            *slot = Some(client);
        }
    }

    /// A cluster that joined while running: its row's name, its client (if any yet), and why
    /// it is read-only (None: actions go through `client`). Grows the set as needed.
    pub fn join(
        &self,
        cluster: ClusterId,
        name: &str,
        client: Option<kube::Client>,
        readonly: Option<String>,
    ) {
        let mut g = self.write();
        let i = cluster.0 as usize;
        if g.clients.len() <= i {
            g.clients.resize(i + 1, None);
        }
        if g.names.len() <= i {
            g.names.resize(i + 1, None);
        }
        if g.readonly.len() <= i {
            g.readonly.resize(i + 1, None);
        }
        g.clients[i] = client;
        g.names[i] = Some(name.to_string());
        g.readonly[i] = readonly;
    }

    /// A cluster that left: its client dropped, its name forgotten.
    pub fn leave(&self, cluster: ClusterId) {
        let mut g = self.write();
        let i = cluster.0 as usize;
        if let Some(c) = g.clients.get_mut(i) {
            *c = None;
        }
        if let Some(n) = g.names.get_mut(i) {
            *n = None;
        }
        if let Some(r) = g.readonly.get_mut(i) {
            *r = None;
        }
    }

    /// The cluster added under `name` while running, if any.
    pub fn by_name(&self, name: &str) -> Option<ClusterId> {
        let g = self.read();
        g.names
            .iter()
            .position(|n| n.as_deref() == Some(name))
            .map(|i| ClusterId(i as u16))
    }

    /// Why the cluster named `name` refuses every mutation, if it does.
    pub fn readonly_reason(&self, name: &str) -> Option<String> {
        let id = self.by_name(name)?;
        self.read().readonly.get(id.0 as usize).cloned().flatten()
    }

    /// Every cluster's client as it is now.
    pub fn snapshot(&self) -> Vec<Option<kube::Client>> {
        self.read().clients.clone()
    }
}
