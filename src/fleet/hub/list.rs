//! One kind listed through a Clusterpedia hub, all members in one paged request sequence.
//! Clusterpedia's paging is its own: `limit` alone truncates silently, so every request asks
//! `withContinue=true&withRemainingCount=true`; `continue` is a numeric offset, so the order
//! must be stable (`orderby=cluster&orderby=namespace&orderby=name`); a full page always
//! carries `continue`, so the end is `remainingItemCount == 0` or a short page without one.
//! Objects are decoded pruned to what the blueprint reads plus the cluster-name annotation.

use super::CLUSTER_ANNOTATION;
use crate::blueprint::path::Segment;
use crate::blueprint::prune::{self, FieldTree};
use crate::fleet::object::RawObject;
use crate::fleet::query::encode;
use crate::fleet::status::{Failure, classify};
use serde::Deserialize;
use std::sync::Arc;

/// Objects per page.
pub const PAGE: u32 = 500;
/// A guard against a server that keeps answering `continue`: pages per list at most.
const MAX_PAGES: usize = 100_000;

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    metadata: Meta,
    #[serde(default)]
    items: Vec<RawObject>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Meta {
    #[serde(default, rename = "continue")]
    cont: Option<String>,
    #[serde(default)]
    remaining_item_count: Option<i64>,
    #[serde(default)]
    resource_version: Option<String>,
}

/// A complete list of one kind.
pub struct Listing {
    pub items: Vec<RawObject>,
    /// Requests it took.
    pub requests: u32,
    /// The list's resourceVersion: SQL storage sends none; memory storage sends one (and then
    /// ignores paging and drops same-named objects of later clusters from all-cluster lists).
    pub resource_version: Option<String>,
}

/// The tree a hub list is decoded with: the blueprint's, plus the cluster-name annotation.
pub fn tree(mut t: FieldTree) -> Arc<FieldTree> {
    t.add(&[
        Segment::Field("metadata".into()),
        Segment::Field("annotations".into()),
        Segment::Field(CLUSTER_ANNOTATION.into()),
    ]);
    Arc::new(t)
}

/// The member an object came from.
pub fn cluster_of(o: &RawObject) -> Option<&str> {
    o.value["metadata"]["annotations"][CLUSTER_ANNOTATION].as_str()
}

/// The query of one page.
pub fn query(path: &str, selectors: &[(&str, &str)], offset: Option<&str>, page: u32) -> String {
    let mut q = format!(
        "{path}?limit={page}&withContinue=true&withRemainingCount=true&orderby=cluster&orderby=namespace&orderby=name"
    );
    for (k, v) in selectors {
        q.push_str(&format!("&{k}={}", encode(v)));
    }
    if let Some(o) = offset {
        q.push_str(&format!("&continue={}", encode(o)));
    }
    q
}

/// List `path` (relative to the client's base: the hub prefix, or a member through it)
/// completely, page by page.
pub async fn list_all(
    client: &kube::Client,
    path: &str,
    selectors: &[(&str, &str)],
    tree: &Arc<FieldTree>,
    page: u32,
) -> Result<Listing, Failure> {
    let mut out = Listing {
        items: Vec::new(),
        requests: 0,
        resource_version: None,
    };
    let mut offset: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let req = http::Request::get(query(path, selectors, offset.as_deref(), page))
            .body(Vec::new())
            .map_err(|e| Failure::Other(e.to_string()))?;
        let text = client.request_text(req).await.map_err(|e| classify(&e))?;
        out.requests += 1;
        let body: Body = {
            let _pruned = prune::enter(Some(tree.clone()));
            serde_json::from_str(&text)
                .map_err(|e| Failure::Other(format!("reading a list from the hub: {e}")))?
        };
        drop(text);
        let n = body.items.len();
        out.items.extend(body.items);
        if out.resource_version.is_none() {
            out.resource_version = body.metadata.resource_version.filter(|v| !v.is_empty());
        }
        let end = body.metadata.remaining_item_count == Some(0)
            || n < page as usize
            || out.resource_version.is_some();
        match body.metadata.cont.filter(|c| !c.is_empty()) {
            Some(c) if !end => offset = Some(c),
            _ => return Ok(out),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_query_asks_for_continue_and_remaining_count_in_a_stable_order() {
        let q = query(
            "/apis/apps/v1/deployments",
            &[("labelSelector", "app=web")],
            Some("500"),
            500,
        );
        assert_eq!(
            q,
            "/apis/apps/v1/deployments?limit=500&withContinue=true&withRemainingCount=true&orderby=cluster&orderby=namespace&orderby=name&labelSelector=app%3Dweb&continue=500"
        );
    }

    #[test]
    fn the_pruned_decoding_keeps_the_cluster_name_annotation() {
        let t = tree(FieldTree::metadata());
        let text = r#"{"metadata":{"continue":"2","remainingItemCount":0},"items":[{"metadata":{"name":"web","namespace":"shop","uid":"u1","annotations":{"a":"b","shadow.clusterpedia.io/cluster-name":"member2"}},"spec":{"big":1}}]}"#;
        let body: Body = {
            let _p = prune::enter(Some(t));
            serde_json::from_str(text).expect("body")
        };
        assert_eq!(body.metadata.remaining_item_count, Some(0));
        assert_eq!(body.metadata.cont.as_deref(), Some("2"));
        assert_eq!(cluster_of(&body.items[0]), Some("member2"));
        assert!(body.items[0].value.get("spec").is_none());
    }
}
