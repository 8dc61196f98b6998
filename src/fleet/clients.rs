//! The per-cluster clients, shared by the fleet (which builds and rebuilds them) and whoever
//! sends on-demand requests (YAML, actions). A registry, not application state.

use crate::catalog::ClusterId;
use std::sync::{Arc, RwLock};

#[derive(Clone, Default)]
pub struct ClientSet(Arc<RwLock<Vec<Option<kube::Client>>>>);

impl ClientSet {
    pub fn new(clusters: usize) -> Self {
        ClientSet(Arc::new(RwLock::new(vec![None; clusters])))
    }

    /// The client of a cluster, once it could be built.
    pub fn get(&self, cluster: ClusterId) -> Option<kube::Client> {
        let g = self.0.read().unwrap_or_else(|e| e.into_inner());
        g.get(cluster.0 as usize).cloned().flatten()
    }

    pub fn set(&self, cluster: ClusterId, client: kube::Client) {
        let mut g = self.0.write().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = g.get_mut(cluster.0 as usize) {
            *slot = Some(client);
        }
    }

    /// Every cluster's client as it is now.
    pub fn snapshot(&self) -> Vec<Option<kube::Client>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
