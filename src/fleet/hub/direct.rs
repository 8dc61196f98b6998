//! Which kubeconfig context acts on a hub member. Reading goes through the hub; everything
//! that writes (actions, logs) goes straight to the member, through a context of the user's
//! kubeconfig matched by name (the context's or its cluster entry's name equals the member's)
//! or by server URL (the PediaCluster's `spec.apiserver`, where the user may read it). A member
//! without one is read-only, and says why.

use super::members::Member;

/// A kubeconfig context that is not a hub: a candidate for acting on a member.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub context: String,
    /// The name of the context's cluster entry.
    pub cluster: String,
    pub server: String,
}

/// How a member was matched to its context (for the log and the tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matched {
    ContextName,
    ClusterName,
    ServerUrl,
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// The context acting on `member`: by context name, else cluster entry name, else server URL.
pub fn find<'a>(cands: &'a [Candidate], member: &Member) -> Option<(&'a Candidate, Matched)> {
    if let Some(c) = cands.iter().find(|c| c.context == member.name) {
        return Some((c, Matched::ContextName));
    }
    if let Some(c) = cands.iter().find(|c| c.cluster == member.name) {
        return Some((c, Matched::ClusterName));
    }
    let url = member.apiserver.as_deref()?;
    cands
        .iter()
        .find(|c| same_url(&c.server, url))
        .map(|c| (c, Matched::ServerUrl))
}

/// Why a member without a direct context is read-only (shown when an action is refused).
pub fn no_context_reason(member: &str, hub: &str) -> String {
    format!(
        "{member} is read through hub {hub} and the kubeconfig has no context for it (none named {member}, none with its API server URL)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(context: &str, cluster: &str, server: &str) -> Candidate {
        Candidate {
            context: context.into(),
            cluster: cluster.into(),
            server: server.into(),
        }
    }

    #[test]
    fn a_member_is_matched_by_context_name_then_cluster_name_then_server_url() {
        let cands = vec![
            cand("admin@m2", "member2", "https://10.0.0.2:6443"),
            cand("ops", "envtest", "https://127.0.0.1:5555/"),
            cand("member1", "x", "https://10.0.0.1"),
        ];
        let m = |name: &str, url: Option<&str>| Member {
            name: name.into(),
            apiserver: url.map(str::to_string),
        };
        let (c, how) = find(&cands, &m("member1", None)).expect("by context");
        assert_eq!((c.context.as_str(), how), ("member1", Matched::ContextName));
        let (c, how) = find(&cands, &m("member2", None)).expect("by cluster");
        assert_eq!(
            (c.context.as_str(), how),
            ("admin@m2", Matched::ClusterName)
        );
        let (c, how) = find(&cands, &m("member3", Some("https://127.0.0.1:5555"))).expect("url");
        assert_eq!((c.context.as_str(), how), ("ops", Matched::ServerUrl));
        assert!(find(&cands, &m("member4", Some("https://10.9.9.9"))).is_none());
    }
}
