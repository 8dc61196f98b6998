//! The set of blueprints in effect: built-ins embedded in the binary, then the user's files,
//! each adding a blueprint or replacing the built-in with the same identifier.

use super::error::BlueprintError;
use super::load::{build, read_dir};
use super::roles::Roles;
use super::{Blueprint, BpId, SourceSpec};
use std::collections::HashMap;
use std::path::Path;

/// The built-in blueprint files, embedded in the binary: (file name, text).
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "blueprints/cluster.yaml",
        include_str!("../../blueprints/cluster.yaml"),
    ),
    (
        "blueprints/node.yaml",
        include_str!("../../blueprints/node.yaml"),
    ),
    (
        "blueprints/namespace.yaml",
        include_str!("../../blueprints/namespace.yaml"),
    ),
    (
        "blueprints/workload.yaml",
        include_str!("../../blueprints/workload.yaml"),
    ),
    (
        "blueprints/replicaset.yaml",
        include_str!("../../blueprints/replicaset.yaml"),
    ),
    (
        "blueprints/controllerrevision.yaml",
        include_str!("../../blueprints/controllerrevision.yaml"),
    ),
    (
        "blueprints/pod.yaml",
        include_str!("../../blueprints/pod.yaml"),
    ),
    (
        "blueprints/event.yaml",
        include_str!("../../blueprints/event.yaml"),
    ),
    (
        "blueprints/service.yaml",
        include_str!("../../blueprints/service.yaml"),
    ),
    (
        "blueprints/environment.yaml",
        include_str!("../../blueprints/environment.yaml"),
    ),
    (
        "blueprints/running-service.yaml",
        include_str!("../../blueprints/running-service.yaml"),
    ),
    (
        "blueprints/kube-service.yaml",
        include_str!("../../blueprints/kube-service.yaml"),
    ),
    (
        "blueprints/ingress.yaml",
        include_str!("../../blueprints/ingress.yaml"),
    ),
    (
        "blueprints/httproute.yaml",
        include_str!("../../blueprints/httproute.yaml"),
    ),
    (
        "blueprints/hpa.yaml",
        include_str!("../../blueprints/hpa.yaml"),
    ),
    (
        "blueprints/pvc.yaml",
        include_str!("../../blueprints/pvc.yaml"),
    ),
    (
        "blueprints/configmap.yaml",
        include_str!("../../blueprints/configmap.yaml"),
    ),
    (
        "blueprints/secret.yaml",
        include_str!("../../blueprints/secret.yaml"),
    ),
    (
        "blueprints/pdb.yaml",
        include_str!("../../blueprints/pdb.yaml"),
    ),
];

/// All blueprints in effect, indexed by [`BpId`].
#[derive(Debug, Clone, Default)]
pub struct BlueprintSet {
    blueprints: Vec<Blueprint>,
    /// Lower-cased identifier, plural and aliases (hidden blueprints too) → blueprint.
    names: HashMap<String, BpId>,
    roles: Roles,
}

impl BlueprintSet {
    /// The built-in blueprints only.
    pub fn builtin() -> Result<BlueprintSet, BlueprintError> {
        Self::with_user_sources(Vec::new())
    }

    /// The built-ins, then every `*.yaml`/`*.yml` file of `user_dir` (in file name order). A
    /// missing directory is the same as an empty one.
    pub fn load(user_dir: Option<&Path>) -> Result<BlueprintSet, BlueprintError> {
        let user = match user_dir {
            Some(dir) => read_dir(dir)?.unwrap_or_default(),
            None => Vec::new(),
        };
        Self::with_user_sources(user)
    }

    /// The built-ins, then these user files: (file name, text).
    pub fn with_user_sources(files: Vec<(String, String)>) -> Result<BlueprintSet, BlueprintError> {
        let builtin = BUILTIN_FILES
            .iter()
            .map(|(n, t)| ((*n).to_string(), (*t).to_string()))
            .collect();
        build(vec![builtin, files]).map(Self::from_blueprints)
    }

    /// Exactly these files, without the built-ins: (file name, text).
    pub fn from_sources(files: Vec<(String, String)>) -> Result<BlueprintSet, BlueprintError> {
        build(vec![files]).map(Self::from_blueprints)
    }

    fn from_blueprints((blueprints, roles): (Vec<Blueprint>, Roles)) -> BlueprintSet {
        let mut names = HashMap::new();
        for b in &blueprints {
            for n in b.names() {
                names.entry(n.to_lowercase()).or_insert(b.id);
            }
        }
        BlueprintSet {
            blueprints,
            names,
            roles,
        }
    }

    /// Which blueprint plays each role (resolved once, at load).
    pub fn roles(&self) -> &Roles {
        &self.roles
    }

    /// Every blueprint; `all()[i].id == BpId(i)`.
    pub fn all(&self) -> &[Blueprint] {
        &self.blueprints
    }

    /// The blueprint `id`. Panics on an id from another set.
    pub fn get(&self, id: BpId) -> &Blueprint {
        &self.blueprints[usize::from(id.0)]
    }

    pub fn len(&self) -> usize {
        self.blueprints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blueprints.is_empty()
    }

    /// The blueprint with this exact identifier.
    pub fn by_identifier(&self, identifier: &str) -> Option<BpId> {
        self.blueprints
            .iter()
            .find(|b| b.spec.identifier == identifier)
            .map(|b| b.id)
    }

    /// The blueprint named `name`: identifier, plural or alias, case-insensitive (`pods`, `PO`,
    /// `deploy`). Hidden blueprints resolve too.
    pub fn resolve(&self, name: &str) -> Option<BpId> {
        self.names.get(&name.trim().to_lowercase()).copied()
    }

    /// Every identifier, plural and alias of the non-hidden blueprints, sorted, for completion.
    pub fn names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .blueprints
            .iter()
            .filter(|b| !b.spec.hidden)
            .flat_map(Blueprint::names)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every source of every blueprint: (blueprint, source index, source). The fleet runs one
    /// watcher per item.
    pub fn sources(&self) -> impl Iterator<Item = (BpId, usize, &SourceSpec)> {
        self.blueprints.iter().flat_map(|b| {
            b.spec
                .sources
                .iter()
                .enumerate()
                .map(move |(i, s)| (b.id, i, s))
        })
    }

    /// The blueprint and source index reading `kind` of API `group` (empty for core).
    pub fn source_for(&self, group: &str, kind: &str) -> Option<(BpId, usize)> {
        self.blueprints
            .iter()
            .find_map(|b| b.source_index_for(group, kind).map(|i| (b.id, i)))
    }
}
