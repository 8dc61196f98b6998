//! The members a hub serves: its PediaCluster objects on the host, where the user may read
//! them (name and the member's API server URL, for finding a direct context), else the
//! cluster names seen on the objects themselves ([`super::CLUSTER_ANNOTATION`]). Only the
//! fields named here are decoded: a PediaCluster's token and CA data are never kept.

use crate::fleet::status::{Failure, classify};
use serde::Deserialize;

/// PediaClusters on the host (cluster-scoped).
pub const PEDIACLUSTERS: &str = "/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters";

/// One member cluster of a hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    /// The member's own API server (PediaCluster `spec.apiserver`), when readable.
    pub apiserver: Option<String>,
}

#[derive(Deserialize)]
struct List {
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    metadata: Meta,
    #[serde(default)]
    spec: Option<Spec>,
}

#[derive(Deserialize)]
struct Meta {
    name: String,
}

#[derive(Deserialize)]
struct Spec {
    #[serde(default)]
    apiserver: Option<String>,
}

/// The PediaClusters the host lists (sorted by name), or why it would not say (403 when the
/// user may only read the resources API, 404 without the CRD).
pub async fn pedia_clusters(host: &kube::Client) -> Result<Vec<Member>, Failure> {
    let req = http::Request::get(PEDIACLUSTERS)
        .body(Vec::new())
        .map_err(|e| Failure::Other(e.to_string()))?;
    let text = host.request_text(req).await.map_err(|e| classify(&e))?;
    let list: List = serde_json::from_str(&text)
        .map_err(|e| Failure::Other(format!("reading the PediaCluster list: {e}")))?;
    let mut out: Vec<Member> = list
        .items
        .into_iter()
        .map(|i| Member {
            name: i.metadata.name,
            apiserver: i.spec.and_then(|s| s.apiserver).filter(|s| !s.is_empty()),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pediacluster_list_gives_names_and_api_servers_and_nothing_secret() {
        let text = r#"{"items":[{"metadata":{"name":"member2"},"spec":{"apiserver":"https://127.0.0.1:2","tokenData":"c2VjcmV0"}},
            {"metadata":{"name":"member1"},"spec":{"apiserver":"https://127.0.0.1:1","caData":"x"}}]}"#;
        let list: List = serde_json::from_str(text).expect("list");
        let names: Vec<(String, Option<String>)> = list
            .items
            .into_iter()
            .map(|i| (i.metadata.name, i.spec.and_then(|s| s.apiserver)))
            .collect();
        assert_eq!(names.len(), 2);
        assert_eq!(names[0].1.as_deref(), Some("https://127.0.0.1:2"));
    }
}
