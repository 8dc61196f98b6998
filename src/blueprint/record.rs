//! What a blueprint extracts from one Kubernetes object: the unit the fleet sends the catalog.

use super::{Links, Props, Str};

/// Index of a blueprint in its [`super::BlueprintSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BpId(pub u16);

/// One object, projected through its blueprint. Everything else in the object is dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub blueprint: BpId,
    /// Index into the blueprint's `sources` (which kind the object is).
    pub source: u8,
    pub uid: Box<str>,
    pub name: Box<str>,
    /// Shared ([`super::intern`]): the objects of a namespace hold one copy of its name.
    pub namespace: Option<Str>,
    /// `metadata.creationTimestamp`, seconds since the epoch (0 when absent).
    pub created: i64,
    /// Aligned with the blueprint's `properties`; unset ones take no slot ([`Props`]).
    pub props: Props,
    /// Aligned with the blueprint's `relations`; absent ones take no slot ([`Links`]).
    pub links: Links,
}

/// The raw target of one relation, resolved by the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Link {
    /// No target (field absent, no controller).
    None,
    /// The cluster the object was read from.
    Cluster,
    /// Target named by `metadata.name` in the same cluster (namespace, node, …). Shared: the
    /// objects of a namespace or on a node hold one copy of its name.
    Name(Str),
    /// Target by uid (controller ownerReference). Shared: a controller's objects hold one copy.
    Uid(Str),
    /// Several targets named by `metadata.name` (a `via: field` path with several matches),
    /// sorted, each once.
    Names(super::List),
    /// The targets a label selector selects (`via: selector`), in the same namespace.
    Selector(std::sync::Arc<super::via::Selector>),
    /// The object's own labels, kept after its relations' links when some `via: selector`
    /// relation targets its blueprint ([`super::Blueprint::labels_of`]).
    Labels(super::List),
}
