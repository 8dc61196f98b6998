//! What a page shows (fleet, a list of one blueprint in a scope, an entity's detail, the
//! running-service matrix) and the blueprint graph used to drill down, all generic over
//! blueprints: nothing here names a Kubernetes kind.

use crate::blueprint::{BpId, Link, Record, RelationVia};
use crate::catalog::{Catalog, ClusterId, EntityRef};
use std::sync::Arc;

/// Which entities a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every cluster.
    All,
    Cluster(ClusterId),
    /// One namespace of one cluster.
    Namespace(ClusterId, Box<str>),
    /// The children of one entity (pods of a workload, pods on a node).
    Parent(EntityRef),
}

impl Scope {
    /// The one cluster this scope is narrowed to, if any.
    pub fn cluster(&self) -> Option<ClusterId> {
        match self {
            Scope::All => None,
            Scope::Cluster(c) | Scope::Namespace(c, _) => Some(*c),
            Scope::Parent(e) => Some(e.cluster),
        }
    }
}

/// What one page of the navigation stack shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum View {
    /// One row per kubeconfig context.
    Fleet,
    /// Running services: services × environments.
    Matrix,
    /// Entities of one blueprint.
    List { bp: BpId, scope: Scope },
    /// Everything the catalog knows of one entity.
    Detail { entity: EntityRef },
}

/// What a row stands for; selection follows this key when rows move.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RowKey {
    Cluster(ClusterId),
    Entity(EntityRef),
    /// A service of the running-service matrix.
    Service(Arc<str>),
}

/// Whether `bp` is read from namespaced kinds.
pub fn namespaced(cat: &Catalog, bp: BpId) -> bool {
    cat.blueprint(bp)
        .spec
        .sources
        .iter()
        .any(|s| !s.cluster_scoped)
}

/// Blueprints a user can list: visible and read from the API.
pub fn listable(cat: &Catalog, bp: BpId) -> bool {
    let spec = &cat.blueprint(bp).spec;
    !spec.hidden && !spec.sources.is_empty()
}

/// Listable blueprints with a relation to `parent`, in blueprint order.
pub fn child_blueprints(cat: &Catalog, parent: BpId) -> Vec<BpId> {
    cat.blueprints()
        .all()
        .iter()
        .map(|b| b.id)
        .filter(|&c| c != parent && listable(cat, c) && drills(cat, c, parent))
        .collect()
}

/// Whether `child` has a relation to `parent` a list can be drilled along: any but a label
/// selector (a Service selecting a pod is not under it).
fn drills(cat: &Catalog, child: BpId, parent: BpId) -> bool {
    let bp = cat.blueprint(child);
    bp.spec
        .relations
        .iter()
        .enumerate()
        .any(|(i, r)| r.via != RelationVia::Selector && bp.relation_target(i) == Some(parent))
}

/// The blueprint Enter drills into from an entity of `parent`: among the children, the nearest
/// one (a child that relates to another child, like a pod to its workload, is one level further
/// down); ties go to the child the others relate to most (namespace before node), then to
/// blueprint order.
pub fn drill_child(cat: &Catalog, parent: BpId) -> Option<BpId> {
    let kids = child_blueprints(cat, parent);
    let near: Vec<BpId> = kids
        .iter()
        .copied()
        .filter(|&c| !kids.iter().any(|&o| o != c && drills(cat, c, o)))
        .collect();
    let pointed = |t: BpId| {
        kids.iter()
            .filter(|&&o| o != t && drills(cat, o, t))
            .count()
    };
    near.iter()
        .copied()
        .enumerate()
        .max_by_key(|&(i, c)| (pointed(c), usize::MAX - i))
        .map(|(_, c)| c)
}

/// How `child` relates to `parent` (the first relation between them).
pub fn via(cat: &Catalog, child: BpId, parent: BpId) -> Option<RelationVia> {
    let rel = cat.relation_to(child, parent)?;
    Some(cat.blueprint(child).spec.relations.get(rel)?.via)
}

/// The list of `child` entities under one parent row: a cluster, a namespace or an entity.
pub fn child_scope(cat: &Catalog, child: BpId, parent: &RowKey) -> Option<Scope> {
    match parent {
        RowKey::Cluster(c) => Some(Scope::Cluster(*c)),
        RowKey::Entity(e) => match via(cat, child, e.bp)? {
            RelationVia::Cluster => Some(Scope::Cluster(e.cluster)),
            RelationVia::Namespace => {
                let r = cat.get(e)?;
                Some(Scope::Namespace(e.cluster, r.name.clone()))
            }
            RelationVia::Controller | RelationVia::Field | RelationVia::Uid => {
                Some(Scope::Parent(e.clone()))
            }
            RelationVia::Selector => None,
        },
        RowKey::Service(_) => None,
    }
}

/// The blueprint of the fleet's rows (`cluster`), if the set has one.
pub fn cluster_blueprint(cat: &Catalog) -> Option<BpId> {
    cat.blueprints().roles().cluster
}

/// The blueprint of namespaces: the target of children's `via: namespace` relations.
pub fn namespace_blueprint(cat: &Catalog, bp: BpId) -> Option<BpId> {
    let spec = &cat.blueprint(bp).spec;
    spec.relations
        .iter()
        .find(|r| r.via == RelationVia::Namespace)
        .and_then(|r| cat.blueprints().by_identifier(&r.to))
}

/// Kind name of a record (`Deployment`), from its blueprint's source.
pub fn kind_of<'a>(cat: &'a Catalog, r: &Record) -> &'a str {
    cat.blueprint(r.blueprint)
        .spec
        .sources
        .get(r.source as usize)
        .map_or("", |s| s.kind.as_str())
}

/// One step of an owner chain: a kind and a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub kind: String,
    pub name: String,
    pub entity: Option<EntityRef>,
}

/// The chain from an entity up through its controllers (passing collapsed intermediates such as
/// a ReplicaSet), then its namespace and cluster: `Pod a → ReplicaSet b → Deployment c →
/// Namespace d → Cluster e`.
pub fn owner_chain(cat: &Catalog, e: &EntityRef) -> Vec<Owner> {
    let mut out = vec![];
    let Some(mut r) = cat.get(e) else { return out };
    let cluster_name = cat
        .cluster(e.cluster)
        .map(|c| c.name.clone())
        .unwrap_or_default();
    out.push(Owner {
        kind: kind_of(cat, r).to_string(),
        name: r.name.to_string(),
        entity: Some(e.clone()),
    });
    let mut seen = 0;
    let mut namespace = r.namespace.clone();
    while seen < 8 {
        seen += 1;
        let bp = cat.blueprint(r.blueprint);
        let Some((rel, spec)) = bp
            .spec
            .relations
            .iter()
            .enumerate()
            .find(|(_, s)| s.via == RelationVia::Controller)
        else {
            break;
        };
        // A collapsed intermediate (ReplicaSet) the link points at directly.
        if let Some(Link::Uid(uid)) = r.links.get(rel) {
            for c in &spec.collapse {
                let Some(cbp) = cat.blueprints().by_identifier(c) else {
                    continue;
                };
                let mid = EntityRef {
                    cluster: e.cluster,
                    bp: cbp,
                    uid: Box::from(&**uid),
                };
                if let Some(m) = cat.get(&mid) {
                    out.push(Owner {
                        kind: kind_of(cat, m).to_string(),
                        name: m.name.to_string(),
                        entity: Some(mid.clone()),
                    });
                }
            }
        }
        let Some(next) = cat.related(e.cluster, r, rel) else {
            break;
        };
        let Some(nr) = cat.get(&next) else { break };
        out.push(Owner {
            kind: kind_of(cat, nr).to_string(),
            name: nr.name.to_string(),
            entity: Some(next.clone()),
        });
        if nr.namespace.is_some() {
            namespace = nr.namespace.clone();
        }
        r = nr;
    }
    if let Some(ns) = namespace {
        // Named by the namespace blueprint (its title), not by a kind written here.
        let kind = cat
            .blueprints()
            .roles()
            .namespace
            .map(|bp| cat.blueprint(bp).spec.title.clone())
            .unwrap_or_default();
        out.push(Owner {
            kind,
            name: ns.to_string(),
            entity: None,
        });
    }
    out.push(Owner {
        kind: "Cluster".into(),
        name: cluster_name,
        entity: None,
    });
    out
}

/// Breadcrumb segments for an entity: cluster › namespace › controllers › name.
pub fn entity_path(cat: &Catalog, e: &EntityRef) -> Vec<String> {
    let chain = owner_chain(cat, e);
    if chain.is_empty() {
        return vec![
            cat.cluster(e.cluster)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            e.uid.to_string(),
        ];
    }
    let hidden = |o: &Owner| {
        o.entity
            .as_ref()
            .is_some_and(|x| cat.blueprint(x.bp).spec.hidden)
    };
    // chain is entity-first; the path is cluster-first, without hidden intermediates.
    chain
        .iter()
        .rev()
        .filter(|o| !hidden(o))
        .map(|o| o.name.clone())
        .collect()
}

/// Breadcrumb segments of a scope.
pub fn scope_path(cat: &Catalog, scope: &Scope) -> Vec<String> {
    let name = |c: ClusterId| cat.cluster(c).map(|i| i.name.clone()).unwrap_or_default();
    match scope {
        Scope::All => vec!["all clusters".into()],
        Scope::Cluster(c) => vec![name(*c)],
        Scope::Namespace(c, ns) => vec![name(*c), ns.to_string()],
        Scope::Parent(e) => entity_path(cat, e),
    }
}
