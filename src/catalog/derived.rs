//! The derived blueprints, kept current incrementally: service (workloads sharing a service
//! key), environment, and running-service (service × environment) with summed runtime data.

use super::health::Health;
use super::{ClusterId, EntityRef};
use crate::blueprint::{BlueprintSet, BpId, DerivedKind, Record};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Which properties the derived rules read, resolved once from the blueprint set.
#[derive(Debug, Clone)]
pub struct DerivedRules {
    /// The blueprint running services are made of (`workload`).
    pub from: Option<BpId>,
    pub namespace_bp: Option<BpId>,
    key_props: Vec<usize>,
    version_props: Vec<usize>,
    images_prop: Option<usize>,
    /// Property of the namespace blueprint that holds the environment label.
    ns_env_prop: Option<usize>,
}

impl DerivedRules {
    pub fn new(set: &BlueprintSet) -> Self {
        let mut rules = DerivedRules {
            from: None,
            namespace_bp: set.roles().namespace,
            key_props: vec![],
            version_props: vec![],
            images_prop: None,
            ns_env_prop: None,
        };
        for bp in set.all() {
            let Some(d) = &bp.spec.derived else { continue };
            let Some(from_id) = set.by_identifier(&d.from) else {
                continue;
            };
            let from = set.get(from_id);
            rules.from = Some(from_id);
            rules.images_prop = from.prop_index("images");
            match d.kind {
                DerivedKind::Service => {
                    rules.key_props = d.key.iter().filter_map(|k| from.prop_index(k)).collect()
                }
                DerivedKind::RunningService => {
                    rules.version_props = d
                        .version
                        .iter()
                        .filter_map(|k| from.prop_index(k))
                        .collect()
                }
                DerivedKind::Environment => {
                    rules.ns_env_prop = match (&d.namespace_property, rules.namespace_bp) {
                        (Some(label), Some(ns)) => set.get(ns).prop_index(label),
                        _ => None,
                    }
                }
            }
        }
        rules
    }

    /// Service key: the first non-empty key property, else the workload name.
    pub fn service_key<'a>(&self, r: &'a Record) -> &'a str {
        self.key_props
            .iter()
            .find_map(|&i| r.props.get(i).and_then(|v| v.non_empty_str()))
            .unwrap_or(&r.name)
    }

    /// Version: the first non-empty version property, else the tag of the first image.
    pub fn version(&self, r: &Record) -> String {
        if let Some(v) = self
            .version_props
            .iter()
            .find_map(|&i| r.props.get(i).and_then(|v| v.non_empty_str()))
        {
            return v.to_string();
        }
        self.images_prop
            .and_then(|i| r.props.get(i))
            .and_then(|v| v.as_list().first())
            .map(|img| image_tag(img).to_string())
            .unwrap_or_default()
    }

    /// The environment label of a namespace record, if it has one.
    pub fn namespace_environment<'a>(&self, ns: &'a Record) -> Option<&'a str> {
        self.ns_env_prop
            .and_then(|i| ns.props.get(i))
            .and_then(|v| v.non_empty_str())
    }
}

/// The tag of an image reference: `repo/app:1.2` → `1.2`, `app@sha256:abcd…` → `sha256:abcd…`
/// shortened, no tag → `latest`.
pub fn image_tag(image: &str) -> &str {
    if let Some((_, digest)) = image.split_once('@') {
        return digest.get(..19).unwrap_or(digest);
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) => tag,
        None => "latest",
    }
}

/// One service in one environment, with runtime data summed over its workloads.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunningService {
    pub service: Arc<str>,
    pub environment: Arc<str>,
    /// Workload entity references (cluster, uid).
    #[serde(skip)]
    pub workloads: Vec<EntityRef>,
    /// `namespace/name` of each workload, with its cluster.
    pub members: Vec<Member>,
    pub ready: i64,
    pub desired: i64,
    /// Distinct versions, sorted.
    pub versions: Vec<String>,
    pub health: Health,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Member {
    pub cluster: String,
    pub namespace: String,
    pub name: String,
    pub kind: String,
    pub version: String,
}

/// A workload in a group: its cluster and uid.
pub type MemberKey = (ClusterId, Box<str>);
/// A group: (service, environment).
pub type GroupKey = (Arc<str>, Arc<str>);

/// Membership of workloads in (service, environment) groups, updated per workload change.
#[derive(Debug, Default)]
pub struct Groups {
    of: HashMap<MemberKey, GroupKey>,
    /// Members of each group, sorted (most groups hold a handful: a vector, not a tree).
    groups: BTreeMap<GroupKey, Vec<MemberKey>>,
    interned: BTreeSet<Arc<str>>,
}

impl Groups {
    fn intern(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.interned.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.interned.insert(a.clone());
        a
    }

    /// Put a workload in its group (moving it when its key or environment changed).
    /// Returns true when membership changed.
    pub fn place(&mut self, cluster: ClusterId, uid: &str, service: &str, env: &str) -> bool {
        if let Some((s, e)) = self.of.get(&(cluster, Box::from(uid)))
            && **s == *service
            && **e == *env
        {
            return false;
        }
        self.remove(cluster, uid);
        let (s, e) = (self.intern(service), self.intern(env));
        let members = self.groups.entry((s.clone(), e.clone())).or_default();
        let key = (cluster, Box::from(uid));
        if let Err(i) = members.binary_search(&key) {
            members.insert(i, key);
        }
        self.of.insert((cluster, Box::from(uid)), (s, e));
        true
    }

    pub fn remove(&mut self, cluster: ClusterId, uid: &str) -> bool {
        let Some(key) = self.of.remove(&(cluster, Box::from(uid))) else {
            return false;
        };
        if let Some(set) = self.groups.get_mut(&key) {
            if let Ok(i) = set.binary_search_by(|(c, u)| (*c, &**u).cmp(&(cluster, uid))) {
                set.remove(i);
            }
            if set.is_empty() {
                self.groups.remove(&key);
            }
        }
        true
    }

    pub fn remove_cluster(&mut self, cluster: ClusterId) {
        let uids: Vec<Box<str>> = self
            .of
            .keys()
            .filter(|(c, _)| *c == cluster)
            .map(|(_, u)| u.clone())
            .collect();
        for u in uids {
            self.remove(cluster, &u);
        }
    }

    /// Groups in (service, environment) order.
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &Arc<str>, &[MemberKey])> {
        self.groups.iter().map(|((s, e), m)| (s, e, m.as_slice()))
    }

    /// The members of one group, in (cluster, uid) order.
    pub fn get(&self, service: &str, env: &str) -> Option<&[MemberKey]> {
        self.groups
            .get(&(Arc::from(service), Arc::from(env)))
            .map(Vec::as_slice)
    }

    pub fn group_of(&self, cluster: ClusterId, uid: &str) -> Option<&GroupKey> {
        self.of.get(&(cluster, Box::from(uid)))
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags() {
        assert_eq!(image_tag("registry.example/checkout:1.4.2"), "1.4.2");
        assert_eq!(image_tag("localhost:5000/app"), "latest");
        assert_eq!(image_tag("envoy:1.30"), "1.30");
        assert_eq!(image_tag("nginx"), "latest");
        assert_eq!(
            image_tag("app@sha256:1111111111111111111111111111111"),
            "sha256:111111111111"
        );
    }
}
