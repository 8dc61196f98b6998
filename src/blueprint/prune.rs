//! Decoding only what blueprints read. A [`FieldTree`] lists the members a projection can
//! reach (every property path, `each` path, relation path and the metadata the fleet needs);
//! [`FieldTree::decode`] parses JSON into a `serde_json::Value` that keeps exactly those,
//! skipping everything else without allocating. Projecting the pruned value gives the same
//! [`super::Record`] as projecting the whole object:
//!
//! - a member a path names is kept with the subtree the rest of the path needs; a path's
//!   last segment keeps its whole value (it may be stringified);
//! - arrays keep every element (so indices, `[-1]` and counts are unchanged), each element
//!   pruned to what `[*]`, `[N]` or a filter (its field kept whole) needs below it;
//! - `.*` on an object keeps every member; scalars are always kept.

use super::Blueprint;
use super::compiled::LinkRule;
use super::path::{PathExpr, Segment};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

/// The members of a JSON value to keep.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldTree {
    /// Keep the whole value.
    all: bool,
    /// Named members and what to keep in each.
    fields: Vec<(Box<str>, FieldTree)>,
    /// Every member of an object (`.*`).
    any: Option<Box<FieldTree>>,
    /// Every element of an array.
    elems: Option<Box<FieldTree>>,
}

/// Metadata the fleet and every projection read, whatever the blueprint.
const META: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "ownerReferences",
];

impl FieldTree {
    /// A tree that keeps everything.
    pub fn everything() -> FieldTree {
        FieldTree {
            all: true,
            ..Default::default()
        }
    }

    /// The tree of the metadata every projection needs.
    pub fn metadata() -> FieldTree {
        let mut t = FieldTree::default();
        for f in META {
            t.add(&[
                Segment::Field("metadata".into()),
                Segment::Field((*f).into()),
            ]);
        }
        t
    }

    fn field(&mut self, name: &str) -> &mut FieldTree {
        let i = match self.fields.iter().position(|(k, _)| &**k == name) {
            Some(i) => i,
            None => {
                self.fields.push((name.into(), FieldTree::default()));
                self.fields.len() - 1
            }
        };
        &mut self.fields[i].1
    }

    fn elems(&mut self) -> &mut FieldTree {
        self.elems.get_or_insert_with(Box::default)
    }

    /// Keep what `segs` selects (its last value whole).
    pub fn add(&mut self, segs: &[Segment]) {
        self.add_then(segs, None);
    }

    /// Keep what `segs` selects, and below each match what `then` selects (an `each` path);
    /// without `then`, the matches are kept whole.
    fn add_then(&mut self, segs: &[Segment], then: Option<&PathExpr>) {
        if self.all {
            return;
        }
        let Some((seg, rest)) = segs.split_first() else {
            match then {
                Some(p) => self.add(p.segments()),
                None => *self = FieldTree::everything(),
            }
            return;
        };
        match seg {
            Segment::Field(k) => self.field(k).add_then(rest, then),
            Segment::Index(_) => self.elems().add_then(rest, then),
            Segment::All => {
                self.elems().add_then(rest, then);
                self.any
                    .get_or_insert_with(Box::default)
                    .add_then(rest, then);
            }
            Segment::Filter(f) => {
                let e = self.elems();
                e.add(&f.field);
                e.add_then(rest, then);
            }
        }
    }

    /// Keep everything `other` keeps too.
    pub fn merge(&mut self, other: &FieldTree) {
        if self.all {
            return;
        }
        if other.all {
            *self = FieldTree::everything();
            return;
        }
        for (k, t) in &other.fields {
            self.field(k).merge(t);
        }
        if let Some(a) = &other.any {
            self.any.get_or_insert_with(Box::default).merge(a);
        }
        if let Some(e) = &other.elems {
            self.elems().merge(e);
        }
    }

    /// Whether the whole value is kept.
    pub(super) fn keeps_all(&self) -> bool {
        self.all
    }

    /// What to keep of each array element, if anything.
    pub(super) fn elem_tree(&self) -> Option<&FieldTree> {
        self.elems.as_deref()
    }

    /// What to keep of member `key`, if anything.
    pub(super) fn child(&self, key: &str) -> Option<&FieldTree> {
        self.fields
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, t)| t)
            .or(self.any.as_deref())
    }

    /// Parse one JSON value, keeping what this tree keeps.
    pub fn decode<'de, D: de::Deserializer<'de>>(&self, d: D) -> Result<Json, D::Error> {
        self.deserialize(d)
    }
}

impl Blueprint {
    /// What projecting an object of source `source` reads (plus the fleet's metadata).
    pub fn field_tree(&self, source: usize) -> FieldTree {
        let mut t = FieldTree::metadata();
        if let Some(paths) = self.paths.get(source) {
            for (rule, path) in self.rules.iter().zip(paths.iter()) {
                if let Some(p) = path {
                    t.add_then(p.segments(), rule.each.as_ref());
                }
            }
        }
        for l in self.links.iter() {
            if let LinkRule::Field(p) | LinkRule::Uid(p) | LinkRule::Selector(p) = l {
                t.add(p.segments());
            }
        }
        if self.labels {
            t.add(&[
                Segment::Field("metadata".into()),
                Segment::Field("labels".into()),
            ]);
        }
        t
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<FieldTree>>> = const { RefCell::new(None) };
}

/// The tree objects decoded on this thread are pruned with now (`None`: keep everything).
pub fn current() -> Option<Arc<FieldTree>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Decode with `tree` on this thread until the guard drops (restoring what was set before).
pub fn enter(tree: Option<Arc<FieldTree>>) -> Entered {
    let prev = CURRENT.with(|c| c.replace(tree));
    Entered { prev }
}

/// A stream polled with a [`FieldTree`] entered on the polling thread: kube decodes list
/// pages and watch events inside `poll_next`, so they are decoded pruned.
pub struct Pruned<S> {
    inner: std::pin::Pin<Box<S>>,
    tree: Arc<FieldTree>,
}

impl<S> Pruned<S> {
    pub fn new(inner: S, tree: Arc<FieldTree>) -> Self {
        Pruned {
            inner: Box::pin(inner),
            tree,
        }
    }
}

impl<S: futures::Stream> futures::Stream for Pruned<S> {
    type Item = S::Item;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<S::Item>> {
        let _entered = enter(Some(self.tree.clone()));
        self.inner.as_mut().poll_next(cx)
    }
}

/// Restores the previous tree when dropped.
pub struct Entered {
    prev: Option<Arc<FieldTree>>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let prev = self.prev.take();
        CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

impl<'de> DeserializeSeed<'de> for &FieldTree {
    type Value = Json;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        if self.all {
            return Json::deserialize(d);
        }
        d.deserialize_any(PruneVisitor(self))
    }
}

struct PruneVisitor<'t>(&'t FieldTree);

impl<'de> Visitor<'de> for PruneVisitor<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        self.0.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        match self.0.elems.as_deref() {
            Some(e) => {
                while let Some(v) = seq.next_element_seed(e)? {
                    out.push(v);
                }
            }
            // Nothing below reads elements: they are skipped (a field of an array matches
            // nothing either way).
            None => while seq.next_element::<IgnoredAny>()?.is_some() {},
        }
        Ok(Json::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = Map::new();
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            match self.0.child(&k) {
                Some(t) => {
                    let v = map.next_value_seed(t)?;
                    out.insert(k.into_owned(), v);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Json::Object(out))
    }
}

/// A map key, borrowed from the input when it can be.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::BlueprintSet;
    use serde_json::json;

    fn pruned(tree: &FieldTree, v: &Json) -> Json {
        let text = v.to_string();
        let mut d = serde_json::Deserializer::from_str(&text);
        tree.decode(&mut d).unwrap_or(Json::Null)
    }

    #[test]
    fn keeps_what_paths_read_and_nothing_else() {
        let mut t = FieldTree::metadata();
        for p in [
            ".status.conditions[?(@.type==\"Ready\")].status",
            ".spec.containers[*].image",
            ".metadata.labels[\"app\"]",
        ] {
            if let Ok(p) = PathExpr::parse(p) {
                t.add(p.segments());
            }
        }
        let obj = json!({
            "metadata": {"name": "a", "uid": "u", "labels": {"app": "x", "other": "y"},
                         "managedFields": [{"big": 1}], "annotations": {"k": "v"}},
            "spec": {"containers": [{"name": "c", "image": "i", "env": [1, 2]}, {"image": {"o": 1}}],
                     "volumes": [1]},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "r"}], "podIP": "1"}
        });
        let want = json!({
            "metadata": {"name": "a", "uid": "u", "labels": {"app": "x"}},
            "spec": {"containers": [{"image": "i"}, {"image": {"o": 1}}]},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        });
        assert_eq!(pruned(&t, &obj), want);
        assert_eq!(pruned(&FieldTree::everything(), &obj), obj);
    }

    #[test]
    fn projection_of_a_pruned_object_is_the_same() {
        let set = BlueprintSet::builtin().unwrap_or_else(|e| panic!("{e}"));
        let pod = json!({
            "metadata": {"name": "p", "namespace": "ns", "uid": "u1", "creationTimestamp": "2025-01-01T00:00:00Z",
                "labels": {"app.kubernetes.io/name": "svc", "app": "a", "app.kubernetes.io/version": "1"},
                "ownerReferences": [{"uid": "rs", "controller": true}], "deletionTimestamp": "2025-01-01T00:00:01Z"},
            "spec": {"nodeName": "n", "containers": [{"name": "c", "image": "i:1"}, {"name": "d", "image": "j"}]},
            "status": {"phase": "Running", "podIP": "1", "hostIP": "2",
                "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [
                    {"name": "c", "ready": true, "restartCount": 2, "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}},
                    {"name": "d", "ready": false, "restartCount": 1, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                     "lastState": {"terminated": {"reason": "Error"}}}]}
        });
        for bp in set.all() {
            for s in 0..bp.spec.sources.len() {
                let t = bp.field_tree(s);
                assert_eq!(
                    bp.project(s, &pruned(&t, &pod)),
                    bp.project(s, &pod),
                    "{}",
                    bp.spec.identifier
                );
            }
        }
    }
}
