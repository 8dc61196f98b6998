//! A blueprint compiled for projection: parsed path expressions per source, resolved indices,
//! and [`Blueprint::project`], which turns one Kubernetes object into a [`Record`]. Built by
//! the private `compile` module.

use super::actions::ActionRule;
use super::convert::{PropRule, parse_time, to_cow, to_string};
use super::path::PathExpr;
use super::tree::Tree;
use super::{ActionKind, BlueprintSpec, BpId, Link, Record};

/// Where a blueprint was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file name as loaded (`blueprints/pod.yaml` for built-ins).
    pub file: String,
    /// 1-based line of its `identifier:`, when found.
    pub line: Option<usize>,
    /// Embedded in the binary (not a user file).
    pub builtin: bool,
    /// A user file that replaced the built-in blueprint of the same identifier.
    pub overrides_builtin: bool,
}

/// One blueprint of a [`super::BlueprintSet`], ready to project objects.
#[derive(Debug, Clone)]
pub struct Blueprint {
    pub id: BpId,
    pub spec: BlueprintSpec,
    pub(super) origin: Origin,
    /// Per property (aligned with `spec.properties`): type, reduction, default.
    pub(super) rules: Box<[PropRule]>,
    /// Per source, per property: the base `path`, or the source's override.
    pub(super) paths: Box<[Box<[Option<PathExpr>]>]>,
    /// Per relation: how its link is read.
    pub(super) links: Box<[LinkRule]>,
    /// Per relation: the target blueprint.
    pub(super) targets: Box<[BpId]>,
    /// Per relation: the `collapse` blueprints.
    pub(super) collapse: Box<[Box<[BpId]>]>,
    /// Property indices shown as columns.
    pub(super) columns: Box<[usize]>,
    /// The actions the blueprint lists, in order.
    pub(super) action_kinds: Box<[ActionKind]>,
    /// Per source: how each of its actions is sent.
    pub(super) action_rules: Box<[Box<[ActionRule]>]>,
    /// The scorecard, when the blueprint declares one.
    pub scorecard: Option<super::scorecard::Scorecard>,
    /// Per source: where its rollout history is read from, if it has one.
    pub(super) history: Box<[Option<super::history::HistoryRule>]>,
    /// Whether a `via: selector` relation targets this blueprint: its records keep their
    /// labels as one more link, after those of the relations.
    pub(super) labels: bool,
}

/// How one relation's [`Link`] is read from an object.
#[derive(Debug, Clone)]
pub(super) enum LinkRule {
    Namespace,
    Cluster,
    Controller,
    Field(PathExpr),
    /// The path's value is the target's uid.
    Uid(PathExpr),
    Selector(PathExpr),
}

impl Blueprint {
    /// Whether objects of source `source` read property `prop` (an override of `~` does not).
    pub fn reads(&self, source: u8, prop: usize) -> bool {
        self.paths
            .get(usize::from(source))
            .and_then(|p| p.get(prop))
            .is_some_and(Option::is_some)
    }

    /// Index of the property `id` in `spec.properties` (and in [`Record::props`]).
    pub fn prop_index(&self, id: &str) -> Option<usize> {
        self.spec.properties.iter().position(|p| p.id == id)
    }

    /// Index of the relation `id` in `spec.relations` (and in [`Record::links`]).
    pub fn relation_index(&self, id: &str) -> Option<usize> {
        self.spec.relations.iter().position(|r| r.id == id)
    }

    /// Index of the source reading `kind` of API `group` (empty for the core group).
    pub fn source_index_for(&self, group: &str, kind: &str) -> Option<usize> {
        self.spec
            .sources
            .iter()
            .position(|s| s.group == group && s.kind == kind)
    }

    /// The target blueprint of relation `rel`.
    pub fn relation_target(&self, rel: usize) -> Option<BpId> {
        self.targets.get(rel).copied()
    }

    /// The blueprints relation `rel` passes through to their own controller (`collapse`).
    pub fn collapse(&self, rel: usize) -> &[BpId] {
        self.collapse.get(rel).map_or(&[], |c| c)
    }

    /// Property indices shown as table columns (`columns`, or every property).
    pub fn columns(&self) -> &[usize] {
        &self.columns
    }

    /// The compiled path of property `prop` for source `source` (`None`: no path, the default
    /// applies).
    pub fn prop_path(&self, source: usize, prop: usize) -> Option<&PathExpr> {
        self.paths.get(source)?.get(prop)?.as_ref()
    }

    /// The actions the blueprint lists (for a derived blueprint: those taken on the entities
    /// it is derived from).
    pub fn actions(&self) -> &[ActionKind] {
        &self.action_kinds
    }

    /// How each action of source `source` is sent (only the actions this kind takes).
    pub fn source_actions(&self, source: usize) -> &[ActionRule] {
        self.action_rules.get(source).map_or(&[], |r| r)
    }

    /// How action `kind` is sent for source `source`, if that kind takes it.
    pub fn action_rule(&self, source: usize, kind: ActionKind) -> Option<&ActionRule> {
        self.source_actions(source).iter().find(|r| r.kind == kind)
    }

    /// Where source `source`'s rollout history is read from, and how `undo` restores it.
    pub fn history(&self, source: usize) -> Option<&super::history::HistoryRule> {
        self.history.get(source)?.as_ref()
    }

    /// Whether records of this blueprint keep their labels (a `via: selector` targets it).
    pub fn keeps_labels(&self) -> bool {
        self.labels
    }

    /// The labels of a record of this blueprint (`key=value`, sorted by key), when it keeps
    /// them.
    pub fn labels_of<'a>(&self, r: &'a Record) -> Option<&'a [Box<str>]> {
        match r.links.get(self.spec.relations.len())? {
            Link::Labels(l) => Some(l),
            _ => None,
        }
    }

    /// Where the blueprint was defined.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The plural, or the identifier when there is none.
    pub fn plural(&self) -> &str {
        self.spec.plural.as_deref().unwrap_or(&self.spec.identifier)
    }

    /// The identifier, plural and aliases.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.spec.identifier.as_str())
            .chain(self.spec.plural.as_deref())
            .chain(self.spec.aliases.iter().map(String::as_str))
    }

    /// Project one object read from source `source` into a [`Record`]: `None` when the object
    /// has no `metadata.uid` or `metadata.name` (or `source` is out of range). The object is
    /// a whole `serde_json::Value` or a pruned [`super::doc::Doc`]: the record is the same.
    pub fn project<J: Tree>(&self, source: usize, obj: &J) -> Option<Record> {
        let paths = self.paths.get(source)?;
        let source = u8::try_from(source).ok()?;
        let meta = obj.get("metadata")?;
        let uid = meta.get("uid")?.as_str()?;
        let name = meta.get("name")?.as_str()?;
        let namespace = meta.get("namespace").and_then(|n| n.as_str());
        let created = meta
            .get("creationTimestamp")
            .and_then(|t| t.as_str())
            .and_then(parse_time)
            .unwrap_or(0);
        let props = self
            .rules
            .iter()
            .zip(paths.iter())
            .map(|(rule, path)| rule.extract(path.as_ref(), obj))
            .collect();
        let links = self
            .links
            .iter()
            .map(|l| l.read(meta, namespace, obj))
            .chain(self.labels.then(|| Link::Labels(super::via::labels(meta))))
            .collect();
        Some(Record {
            blueprint: self.id,
            source,
            uid: uid.into(),
            name: name.into(),
            namespace: namespace.map(super::intern::str),
            created,
            props,
            links,
        })
    }
}

impl LinkRule {
    fn read<J: Tree>(&self, meta: &J, namespace: Option<&str>, obj: &J) -> Link {
        match self {
            LinkRule::Namespace => {
                namespace.map_or(Link::None, |ns| Link::Name(super::intern::str(ns)))
            }
            LinkRule::Cluster => Link::Cluster,
            LinkRule::Controller => {
                controller_uid(meta).map_or(Link::None, |uid| Link::Uid(super::intern::str(uid)))
            }
            LinkRule::Field(path) => {
                let mut found = Vec::new();
                path.for_each(obj, |v| found.extend(to_cow(v)));
                let names = super::via::read_names(found.into_iter());
                match names.len() {
                    0 => Link::None,
                    1 => Link::Name(super::intern::str(&names[0])),
                    _ => Link::Names(super::intern::list(&names)),
                }
            }
            LinkRule::Selector(path) => {
                super::via::read_selector(path.first(obj)).map_or(Link::None, Link::Selector)
            }
            LinkRule::Uid(path) => path
                .first(obj)
                .and_then(to_string)
                .filter(|s| !s.is_empty())
                .map_or(Link::None, |s| Link::Uid(super::intern::str(&s))),
        }
    }
}

/// The uid of the `ownerReferences` entry with `controller: true`.
fn controller_uid<J: Tree>(meta: &J) -> Option<&str> {
    meta.get("ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| r.get("controller").and_then(|c| c.as_bool()) == Some(true))?
        .get("uid")?
        .as_str()
}
