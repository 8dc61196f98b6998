//! What a running service exposes and depends on, read from the relations blueprints declare
//! (no kind is named here): the entities that select or name its pods or workloads (a
//! Service, a PodDisruptionBudget, an HorizontalPodAutoscaler), the entities that route to
//! those (an Ingress or HTTPRoute naming the Service), and what its pods and workloads name
//! or select in their namespace (ConfigMaps, Secrets, claims).
//!
//! - **reachable**: chains ending at the pods, outermost first: `[Ingress, Service] → 3 pods`.
//!   An entity selecting the pods starts a chain when its blueprint is one others route to
//!   (some other blueprint has a relation to it);
//! - **governed**: the other entities acting on the pods or workloads (PDB, HPA);
//! - **uses**: the namespaced entities the pods and workloads relate to by name or selector.

use super::{Catalog, EntityRef, RunningService};
use crate::blueprint::{BpId, Record, RelationVia, Value};
use serde::Serialize;
use std::collections::BTreeSet;

/// One entity as the connections show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Node {
    /// The entity's kind (its source's), e.g. `Service`.
    pub kind: String,
    pub cluster: String,
    pub namespace: String,
    pub name: String,
    /// A few words on it: hosts, ports, bounds (`2–10 (now 3)`), budget.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// How the detail names it: `Ingress shop.example.com`, `Service cart:80`,
    /// `HorizontalPodAutoscaler cart 2–10 (now 3)`.
    pub text: String,
}

/// A way in: entities outermost first, and how many of the service's pods the last selects.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Chain {
    pub via: Vec<Node>,
    pub pods: usize,
}

/// What a running service exposes and depends on.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Connections {
    pub reachable: Vec<Chain>,
    pub governed: Vec<Node>,
    pub uses: Vec<Node>,
}

impl Connections {
    pub fn is_empty(&self) -> bool {
        self.reachable.is_empty() && self.governed.is_empty() && self.uses.is_empty()
    }
}

/// Whether a relation links entities (not a namespace, cluster or controller structure).
fn linking(via: RelationVia) -> bool {
    matches!(via, RelationVia::Field | RelationVia::Selector)
}

impl Catalog {
    /// Blueprints with a linking relation to `target`: (blueprint, relation index).
    fn inbound(&self, target: BpId) -> Vec<(BpId, usize)> {
        let mut out = vec![];
        for bp in self.blueprints.all() {
            for (i, r) in bp.spec.relations.iter().enumerate() {
                if linking(r.via) && bp.relation_target(i) == Some(target) {
                    out.push((bp.id, i));
                }
            }
        }
        out
    }

    /// Whether some other blueprint routes to `bp` (has a linking relation to it).
    fn routed_to(&self, bp: BpId) -> bool {
        self.inbound(bp).iter().any(|(from, _)| *from != bp)
    }

    /// Whether `bp` is read from namespaced kinds.
    pub fn namespaced(&self, bp: BpId) -> bool {
        let s = &self.blueprint(bp).spec.sources;
        !s.is_empty() && s.iter().all(|s| !s.cluster_scoped)
    }

    /// One entity as a [`Node`].
    pub fn node(&self, e: &EntityRef) -> Option<Node> {
        let r = self.get(e)?;
        let bp = self.blueprint(r.blueprint);
        let (summary, text) = self.summary(r);
        let kind = bp
            .spec
            .sources
            .get(usize::from(r.source))
            .map_or_else(|| bp.spec.title.clone(), |s| s.kind.clone());
        Some(Node {
            text: format!("{kind} {text}"),
            kind: bp
                .spec
                .sources
                .get(usize::from(r.source))
                .map_or_else(|| bp.spec.title.clone(), |s| s.kind.clone()),
            cluster: self
                .cluster(e.cluster)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            namespace: r.namespace.as_deref().unwrap_or_default().to_string(),
            name: r.name.to_string(),
            summary,
        })
    }

    /// A few words on an entity, from its properties: hosts, ports, `min–max (now n)`, else
    /// its first two column values; and how to name it with them (hosts instead of the
    /// name, ports right after it).
    fn summary(&self, r: &Record) -> (String, String) {
        let bp = self.blueprint(r.blueprint);
        let prop = |id: &str| bp.prop_index(id).and_then(|i| r.props.get(i));
        let list = |id: &str| prop(id).map(|v| v.as_list().join(", ")).unwrap_or_default();
        let int = |id: &str| prop(id).and_then(Value::as_int);
        let mut parts = vec![];
        let hosts: Vec<String> = ["hosts", "hostnames"]
            .into_iter()
            .map(list)
            .filter(|l| !l.is_empty())
            .collect();
        if !hosts.is_empty() {
            let h = hosts.join(", ");
            return (h.clone(), h);
        }
        if let Some(v) = prop("ports")
            && !v.as_list().is_empty()
        {
            let ports = v
                .as_list()
                .iter()
                .map(|p| format!(":{p}"))
                .collect::<Vec<_>>()
                .join(",");
            return (ports.clone(), format!("{}{ports}", r.name));
        }
        if let (Some(min), Some(max)) = (int("min"), int("max")) {
            let now = int("current")
                .map(|c| format!(" (now {c})"))
                .unwrap_or_default();
            parts.push(format!("{min}–{max}{now}"));
        }
        if parts.is_empty() {
            for &i in bp.columns().iter() {
                let (Some(p), Some(v)) = (bp.spec.properties.get(i), r.props.get(i)) else {
                    continue;
                };
                if v.is_null() || v.to_string().is_empty() {
                    continue;
                }
                parts.push(format!("{} {v}", p.id));
                if parts.len() == 2 {
                    break;
                }
            }
        }
        let summary = parts.join(" ");
        let text = if summary.is_empty() {
            r.name.to_string()
        } else {
            format!("{} {summary}", r.name)
        };
        (summary, text)
    }

    /// What running service `rs` exposes and depends on.
    pub fn connections(&self, rs: &RunningService) -> Connections {
        let mut out = Connections::default();
        let Some(pod_bp) = self.blueprints.roles().pod else {
            return out;
        };
        let mut pods: BTreeSet<EntityRef> = BTreeSet::new();
        for w in &rs.workloads {
            pods.extend(self.children(w, pod_bp));
        }
        // Entities selecting or naming the pods, with how many of them.
        let mut on_pods: std::collections::BTreeMap<EntityRef, usize> = Default::default();
        for (from, _) in self.inbound(pod_bp) {
            for p in &pods {
                for e in self.referrers(p, from) {
                    *on_pods.entry(e).or_default() += 1;
                }
            }
        }
        let mut governed: BTreeSet<Node> = BTreeSet::new();
        for (e, n) in &on_pods {
            let Some(node) = self.node(e) else { continue };
            if !self.routed_to(e.bp) {
                governed.insert(node);
                continue;
            }
            let mut outer: Vec<Node> = vec![];
            for (from, _) in self.inbound(e.bp) {
                for x in self.referrers(e, from) {
                    outer.extend(self.node(&x));
                }
            }
            outer.sort();
            outer.dedup();
            if outer.is_empty() {
                out.reachable.push(Chain {
                    via: vec![node.clone()],
                    pods: *n,
                });
            }
            for o in outer {
                out.reachable.push(Chain {
                    via: vec![o, node.clone()],
                    pods: *n,
                });
            }
        }
        // Entities naming or selecting the workloads (an autoscaler).
        for w in &rs.workloads {
            for (from, _) in self.inbound(w.bp) {
                for e in self.referrers(w, from) {
                    governed.extend(self.node(&e));
                }
            }
        }
        out.governed = governed.into_iter().collect();
        // What the pods and workloads name or select in their namespace.
        let mut uses: BTreeSet<Node> = BTreeSet::new();
        for e in pods.iter().chain(rs.workloads.iter()) {
            let Some(r) = self.get(e) else { continue };
            let bp = self.blueprint(r.blueprint);
            for (i, rel) in bp.spec.relations.iter().enumerate() {
                let Some(t) = bp.relation_target(i) else {
                    continue;
                };
                if !linking(rel.via) || !self.namespaced(t) || t == pod_bp {
                    continue;
                }
                for x in self.related_all(e.cluster, r, i) {
                    uses.extend(self.node(&x));
                }
            }
        }
        out.uses = uses.into_iter().collect();
        out.reachable.sort();
        out
    }
}
