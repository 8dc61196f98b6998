//! Degrade-rule firings as timeline entries: one per workload of the running service that
//! fired, so "degraded 40 s after version 1.4.3" sits in the service's timeline beside the
//! change it names, and in each workload's.

use super::Entry;
use crate::catalog::Catalog;
use crate::rules::Firing;

/// The entries of `f` (none when the running service is gone from the catalog).
pub fn entries(cat: &Catalog, f: &Firing) -> Vec<Entry> {
    let Some(rs) = cat.running_service(&f.service, &f.environment) else {
        return vec![];
    };
    rs.members
        .iter()
        .zip(&rs.workloads)
        .map(|(m, e)| Entry {
            at: f.at_ms.div_euclid(1000),
            context: m.cluster.clone(),
            env: f.environment.clone(),
            service: f.service.clone(),
            namespace: m.namespace.clone(),
            kind: m.kind.clone(),
            name: m.name.clone(),
            owner: m.name.clone(),
            uid: e.uid.to_string(),
            change: "rule".into(),
            text: format!("rule {}: {}", f.rule, f.text),
            version: None,
            who: Some(format!("rule {}", f.rule)),
        })
        .collect()
}
