//! The object type the direct watchers decode: each list item and watch event is projected
//! into its [`Record`] while it is decoded, straight from the JSON text. The text is parsed
//! into a compact pruned [`Doc`] that borrows its strings from the text (only what the
//! blueprint reads is kept, see [`crate::blueprint::prune`]) and projected at once, so no
//! `serde_json::Value` tree is built, kept or dropped per object. kube-runtime's watcher
//! (relist on 410, bookmarks, backoff) drives the requests as for any resource: it only reads
//! an object's `resourceVersion`.
//!
//! kube decodes list pages and watch lines inside the watcher stream's `poll_next`, so the
//! projection to use is set on the polling thread by [`Projecting`], as
//! [`crate::blueprint::prune::Pruned`] does for the hub's whole objects.

use crate::blueprint::doc::Doc;
use crate::blueprint::prune::FieldTree;
use crate::blueprint::tree::Tree;
use crate::blueprint::{BlueprintSet, BpId, Record};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;
use serde::de::Error as _;
use std::cell::RefCell;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// How the objects of one source are projected: its blueprint, source and what it reads.
#[derive(Debug)]
pub struct Projector {
    blueprints: Arc<BlueprintSet>,
    bp: BpId,
    source: usize,
    tree: FieldTree,
}

impl Projector {
    pub fn new(blueprints: Arc<BlueprintSet>, bp: BpId, source: usize) -> Projector {
        let tree = blueprints.get(bp).field_tree(source);
        Projector {
            blueprints,
            bp,
            source,
            tree,
        }
    }

    /// Project one object (a whole `serde_json::Value` or a pruned [`Doc`]).
    pub fn project<J: Tree>(&self, obj: &J) -> Projected {
        let record = self.blueprints.get(self.bp).project(self.source, obj);
        let meta = obj.get("metadata");
        let field = |k: &str| meta.and_then(|m| m.get(k)).and_then(|v| v.as_str());
        Projected {
            meta: ObjectMeta {
                resource_version: field("resourceVersion").map(str::to_string),
                ..Default::default()
            },
            // A record carries its uid; an object that projects to none may still be deleted.
            uid: match record {
                Some(_) => None,
                None => field("uid").map(Box::from),
            },
            record,
        }
    }

    /// Parse one object's JSON and project it.
    pub fn decode<'de, D: serde::Deserializer<'de>>(&self, d: D) -> Result<Projected, D::Error> {
        let doc: Doc<'de> = self.tree.decode_doc(d)?;
        Ok(self.project(&doc))
    }
}

/// One object as the watcher yields it: its record (`None`: no name or uid), and the
/// resource version kube-runtime resumes from.
#[derive(Debug, Clone)]
pub struct Projected {
    meta: ObjectMeta,
    pub record: Option<Record>,
    /// `metadata.uid` of an object without a record.
    uid: Option<Box<str>>,
}

impl Projected {
    /// The object's uid.
    pub fn uid(&self) -> Option<&str> {
        self.record
            .as_ref()
            .map(|r| &*r.uid)
            .or(self.uid.as_deref())
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Projector>>> = const { RefCell::new(None) };
}

impl<'de> Deserialize<'de> for Projected {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let projector = CURRENT.with(|c| c.borrow().clone()).ok_or_else(|| {
            D::Error::custom("an object was decoded outside its watcher's projection")
        })?;
        projector.decode(d)
    }
}

/// A stream polled with its [`Projector`] set on the polling thread.
pub struct Projecting<S> {
    inner: Pin<Box<S>>,
    projector: Arc<Projector>,
}

impl<S> Projecting<S> {
    pub fn new(inner: S, projector: Arc<Projector>) -> Self {
        Projecting {
            inner: Box::pin(inner),
            projector,
        }
    }
}

impl<S: futures::Stream> futures::Stream for Projecting<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let prev = CURRENT.with(|c| c.replace(Some(self.projector.clone())));
        let _restore = Restore(prev);
        self.inner.as_mut().poll_next(cx)
    }
}

/// Puts back the projector set before, when dropped.
struct Restore(Option<Arc<Projector>>);

impl Drop for Restore {
    fn drop(&mut self) {
        let prev = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

super::object::dynamic_resource!(Projected);

#[cfg(test)]
#[path = "projected_tests.rs"]
mod tests;
