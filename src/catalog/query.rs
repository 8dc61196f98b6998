//! Reading the catalog: environments, entities by cluster and blueprint, health, relations
//! both ways, children, services and running services. Pure queries over the graph that
//! `mod.rs` folds changes into.

use super::*;

impl Catalog {
    /// The environment of something in `namespace` of `cluster`: the context's mapping in the
    /// user config, else the namespace's environment label, else the context name.
    pub fn environment_of(&self, cluster: ClusterId, namespace: Option<&str>) -> &str {
        let Some(info) = self.clusters.get(cluster.0 as usize) else {
            return "";
        };
        if let Some(env) = &info.environment {
            return env;
        }
        if let (Some(ns), Some(ns_bp), Some(store)) = (
            namespace,
            self.rules.namespace_bp,
            self.stores.get(cluster.0 as usize),
        ) && let Some(env) = store
            .by_name(ns_bp, None, ns)
            .and_then(|r| self.rules.namespace_environment(r))
        {
            return env;
        }
        &info.name
    }

    // ----- queries -----

    pub fn get(&self, e: &EntityRef) -> Option<&Record> {
        self.stores.get(e.cluster.0 as usize)?.get(e.bp, &e.uid)
    }

    /// All entities of a blueprint in one cluster.
    pub fn entities_in(&self, cluster: ClusterId, bp: BpId) -> impl Iterator<Item = &Record> {
        self.stores
            .get(cluster.0 as usize)
            .into_iter()
            .flat_map(move |s| s.entities(bp))
    }

    /// All entities of a blueprint across clusters, with their cluster.
    pub fn entities(&self, bp: BpId) -> impl Iterator<Item = (ClusterId, &Record)> {
        self.stores
            .iter()
            .enumerate()
            .flat_map(move |(i, s)| s.entities(bp).map(move |r| (ClusterId(i as u16), r)))
    }

    pub fn count(&self, cluster: ClusterId, bp: BpId) -> usize {
        self.stores
            .get(cluster.0 as usize)
            .map_or(0, |s| s.count(bp))
    }

    pub fn health(&self, r: &Record) -> Health {
        let bp = self.blueprint(r.blueprint);
        match self.health_props.get(r.blueprint.0 as usize) {
            Some(p) => health::judge_with(bp, p, r),
            None => health::judge(bp, r),
        }
    }

    /// Follow relation `rel` (index into the blueprint's relations) of an entity to its target,
    /// passing through `collapse` blueprints (pod → ReplicaSet → Deployment).
    pub fn related(&self, cluster: ClusterId, r: &Record, rel: usize) -> Option<EntityRef> {
        let bp = self.blueprint(r.blueprint);
        let spec = bp.spec.relations.get(rel)?;
        let target = *self.targets.get(r.blueprint.0 as usize)?.get(rel)?;
        let store = self.stores.get(cluster.0 as usize)?;
        let found = match r.links.get(rel)? {
            Link::None | Link::Cluster | Link::Names(_) | Link::Selector(_) | Link::Labels(_) => {
                return None;
            }
            Link::Name(name) => store
                .by_name(target, None, name)
                .or_else(|| store.by_name(target, r.namespace.as_deref(), name)),
            Link::Uid(uid) => store.get(target, uid).or_else(|| {
                spec.collapse.iter().find_map(|c| {
                    let cbp = self.blueprints.by_identifier(c)?;
                    let mid = store.get(cbp, uid)?;
                    let crel = self.relation_to(cbp, target)?;
                    match mid.links.get(crel)? {
                        Link::Uid(u) => store.get(target, u),
                        _ => None,
                    }
                })
            }),
        }?;
        Some(EntityRef {
            cluster,
            bp: found.blueprint,
            uid: found.uid.clone(),
        })
    }

    /// The index of `bp`'s first relation to `target`.
    pub fn relation_to(&self, bp: BpId, target: BpId) -> Option<usize> {
        self.targets
            .get(bp.0 as usize)?
            .iter()
            .position(|t| *t == target)
    }

    /// Entities of `child` whose relation to `e`'s blueprint points at `e` (reverse lookup),
    /// passing through collapse blueprints (Deployment → its ReplicaSets → their pods).
    pub fn children(&self, e: &EntityRef, child: BpId) -> Vec<EntityRef> {
        let mut out = vec![];
        let (Some(store), Some(target)) = (self.stores.get(e.cluster.0 as usize), self.get(e))
        else {
            return out;
        };
        let mk = |uid: &str| EntityRef {
            cluster: e.cluster,
            bp: child,
            uid: uid.into(),
        };
        for link in [
            Link::Uid(target.uid.clone().into()),
            Link::Name(target.name.clone().into()),
        ] {
            out.extend(store.pointing_at(e.bp, &link, child).map(mk));
        }
        // Through collapse blueprints: the child's link names a middle entity (a ReplicaSet)
        // whose own controller is `e`. Links are indexed under the relation's target blueprint.
        if let Some(rel) = self.relation_to(child, e.bp) {
            for c in &self.blueprint(child).spec.relations[rel].collapse {
                let Some(cbp) = self.blueprints.by_identifier(c) else {
                    continue;
                };
                for mid in store.pointing_at(e.bp, &Link::Uid(target.uid.clone().into()), cbp) {
                    out.extend(
                        store
                            .pointing_at(e.bp, &Link::Uid(mid.into()), child)
                            .map(mk),
                    );
                }
            }
        }
        // Name links to namespaced targets only count within the same namespace.
        out.retain(|c| {
            self.get(c).is_some_and(|r| {
                target.namespace.is_none()
                    || r.namespace == target.namespace
                    || r.namespace.is_none()
            })
        });
        out.sort();
        out.dedup();
        out
    }

    // ----- derived -----

    /// The blueprint running services are derived from (`workload`).
    pub fn workload_blueprint(&self) -> Option<BpId> {
        self.rules.from
    }

    /// Environments in cluster order, each once.
    pub fn environments(&self) -> Vec<Arc<str>> {
        let mut seen: Vec<Arc<str>> = vec![];
        // Mapped or context-named environments first, in kubeconfig order; then any others.
        for (_, env, _) in self.groups.iter() {
            if !seen.contains(env) {
                seen.push(env.clone());
            }
        }
        let order = |env: &str| {
            self.clusters
                .iter()
                .position(|c| c.environment.as_deref() == Some(env) || c.name == env)
                .unwrap_or(usize::MAX)
        };
        seen.sort_by(|a, b| order(a).cmp(&order(b)).then(a.cmp(b)));
        seen
    }

    /// Service keys, sorted.
    pub fn services(&self) -> Vec<Arc<str>> {
        let mut s: Vec<Arc<str>> = self.groups.iter().map(|(s, _, _)| s.clone()).collect();
        s.dedup();
        s
    }

    /// The (service, environment) a workload belongs to.
    pub fn group_of(&self, e: &EntityRef) -> Option<(Arc<str>, Arc<str>)> {
        self.groups.group_of(e.cluster, &e.uid).cloned()
    }

    /// Every running service, ordered by service then environment.
    pub fn running_services(&self) -> Vec<RunningService> {
        self.groups
            .iter()
            .map(|(s, e, members)| self.summarize(s, e, members))
            .collect()
    }

    /// One running service, if that service runs in that environment.
    pub fn running_service(&self, service: &str, env: &str) -> Option<RunningService> {
        let members = self.groups.get(service, env)?;
        Some(self.summarize(&Arc::from(service), &Arc::from(env), members))
    }

    fn summarize(
        &self,
        service: &Arc<str>,
        env: &Arc<str>,
        members: &[derived::MemberKey],
    ) -> RunningService {
        let mut rs = RunningService {
            service: service.clone(),
            environment: env.clone(),
            workloads: vec![],
            members: vec![],
            ready: 0,
            desired: 0,
            versions: vec![],
            health: Health::Unknown,
        };
        let Some(from) = self.rules.from else {
            return rs;
        };
        let bp = self.blueprint(from);
        let (ready_i, desired_i) = (bp.prop_index("ready"), bp.prop_index("desired"));
        let mut versions = BTreeSet::new();
        for (cluster, uid) in members {
            let e = EntityRef {
                cluster: *cluster,
                bp: from,
                uid: uid.clone(),
            };
            let Some(r) = self.get(&e) else { continue };
            let int = |i: Option<usize>| {
                i.and_then(|i| r.props.get(i))
                    .and_then(|v| v.as_int())
                    .unwrap_or(0)
            };
            rs.ready += int(ready_i);
            rs.desired += int(desired_i);
            let version = self.rules.version(r);
            versions.insert(version.clone());
            rs.health = rs.health.worst(self.health(r));
            rs.members.push(Member {
                cluster: self
                    .cluster(*cluster)
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                namespace: r.namespace.as_deref().unwrap_or_default().to_string(),
                name: r.name.to_string(),
                kind: bp
                    .spec
                    .sources
                    .get(r.source as usize)
                    .map(|s| s.kind.clone())
                    .unwrap_or_default(),
                version,
            });
            rs.workloads.push(e);
        }
        rs.versions = versions.into_iter().collect();
        rs
    }

    /// The version of one workload record (label, else image tag).
    pub fn version_of(&self, r: &Record) -> String {
        self.rules.version(r)
    }

    /// The service key of one workload record.
    pub fn service_of<'a>(&self, r: &'a Record) -> &'a str {
        self.rules.service_key(r)
    }
}
