//! Clusterpedia hubs: a kubeconfig context whose server is Clusterpedia's aggregated resources
//! prefix (`https://host/apis/clusterpedia.io/v1beta1/resources`, or a context the config file
//! names as a hub) is read as the fleet of member clusters it serves. Each member becomes its
//! own cluster row (`member1 via pedia`), read through the hub in one paged list per kind
//! ([`list`]), watched where the hub offers watch ([`watch`], memory storage), else re-listed
//! on an interval with only the differences sent to the catalog ([`poll`]); acting on a member goes to the member's own kubeconfig context when there is one
//! ([`direct`]).

pub mod direct;
pub mod list;
pub mod members;
pub mod open;
pub mod poll;
pub mod rows;
pub mod state;
pub mod watch;

use crate::catalog::ClusterId;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

/// Clusterpedia's aggregated resources API: a normal Kubernetes path follows it.
pub const PREFIX: &str = "/apis/clusterpedia.io/v1beta1/resources";
/// The annotation Clusterpedia puts on every object: the member cluster it came from.
pub const CLUSTER_ANNOTATION: &str = "shadow.clusterpedia.io/cluster-name";

/// Where a hub context points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubServer {
    /// The resources prefix URL (`https://host/apis/clusterpedia.io/v1beta1/resources`).
    pub base: String,
    /// A context scoped to one member (`…/resources/clusters/member1`): only that member.
    pub only: Option<String>,
}

impl HubServer {
    /// The host (the control plane serving Clusterpedia), where PediaClusters live.
    pub fn host(&self) -> &str {
        self.base.strip_suffix(PREFIX).unwrap_or(&self.base)
    }

    /// The URL reading one member through the hub (cluster in the path).
    pub fn member_url(&self, member: &str) -> String {
        format!("{}/clusters/{member}", self.base)
    }
}

/// Recognise a hub by its server URL: the resources prefix, optionally followed by
/// `/clusters/NAME`. `named` (the config file names the context a hub) takes a plain host URL
/// as the host serving Clusterpedia.
pub fn detect(server: &str, named: bool) -> Option<HubServer> {
    let s = server.trim_end_matches('/');
    if let Some(at) = s.find(PREFIX) {
        let (head, rest) = s.split_at(at + PREFIX.len());
        let only = rest
            .strip_prefix("/clusters/")
            .map(|m| m.split('/').next().unwrap_or(m).to_string())
            .filter(|m| !m.is_empty());
        if !rest.is_empty() && only.is_none() {
            return None;
        }
        return Some(HubServer {
            base: head.to_string(),
            only,
        });
    }
    named.then(|| HubServer {
        base: format!("{s}{PREFIX}"),
        only: None,
    })
}

/// The row name of a member read through a hub context: `member1 via pedia`.
pub fn row_name(member: &str, hub_context: &str) -> String {
    format!("{member} via {hub_context}")
}

/// Hands out cluster indices to members that join while running (shared by every hub).
#[derive(Clone, Debug)]
pub struct Ids(Arc<AtomicU16>);

impl Ids {
    /// The next index after the `used` rows the catalog started with.
    pub fn after(used: usize) -> Ids {
        Ids(Arc::new(AtomicU16::new(
            u16::try_from(used).unwrap_or(u16::MAX),
        )))
    }

    pub fn next(&self) -> ClusterId {
        ClusterId(self.0.fetch_add(1, Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_at_the_resources_prefix_is_a_hub_and_a_cluster_path_scopes_it_to_one_member() {
        let h = detect(
            "https://127.0.0.1:6443/apis/clusterpedia.io/v1beta1/resources",
            false,
        )
        .expect("hub");
        assert_eq!(h.host(), "https://127.0.0.1:6443");
        assert_eq!(h.only, None);
        assert_eq!(
            h.member_url("m1"),
            "https://127.0.0.1:6443/apis/clusterpedia.io/v1beta1/resources/clusters/m1"
        );
        let one = detect(
            "https://h/apis/clusterpedia.io/v1beta1/resources/clusters/member2/",
            false,
        )
        .expect("scoped");
        assert_eq!(one.only.as_deref(), Some("member2"));
        assert_eq!(one.base, "https://h/apis/clusterpedia.io/v1beta1/resources");
        assert_eq!(detect("https://10.0.0.1:6443", false), None);
        assert_eq!(
            detect(
                "https://h/apis/clusterpedia.io/v1beta1/resources/api/v1",
                false
            ),
            None
        );
        let named = detect("https://h:6443/", true).expect("named");
        assert_eq!(
            named.base,
            "https://h:6443/apis/clusterpedia.io/v1beta1/resources"
        );
    }
}
