//! Startup: which chosen contexts are hubs, which members they serve now (so the first frame
//! and `get` already have their rows), which directly watched contexts a hub already covers
//! (a member's own context: used for acting on it, not watched twice), and the hub tasks.

use super::direct::Candidate;
use super::members::{self, Member};
use super::state::HubTask;
use super::{HubServer, Ids, detect, list, row_name};
use crate::blueprint::BlueprintSet;
use crate::catalog::{Change, ClusterId, ClusterInfo};
use crate::config::{ContextError, Loaded, UserConfig};
use crate::fleet::status::Failure;
use crate::fleet::{ClientSet, Scope, build_client};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::Sender;

/// How long startup waits for a hub's member list.
const ASK_LIMIT: Duration = Duration::from_secs(10);

/// One hub context chosen.
pub struct PlannedHub {
    pub context: String,
    pub server: HubServer,
    pub config: Result<kube::Config, ContextError>,
    /// The members it serves now; None: it could not be asked (its own row stands in).
    pub members: Option<Vec<Member>>,
}

/// The chosen contexts split into directly watched ones and hubs.
pub struct Plan {
    /// Contexts watched directly, in the order chosen.
    pub direct: Vec<String>,
    pub hubs: Vec<PlannedHub>,
    /// Every non-hub context of the kubeconfig (for acting on members), with its config.
    pub candidates: Vec<(Candidate, Result<kube::Config, ContextError>)>,
}

/// Split `names`: hubs (by server URL or the config's `hubs.contexts`), deduplicated by their
/// prefix; directly watched contexts that a hub's member already stands for are left out.
pub async fn plan(
    loaded: &Loaded,
    names: &[String],
    user: &UserConfig,
    non_interactive: bool,
) -> Plan {
    let hub_of = |name: &str| detect(&loaded.server_of(name), user.is_hub(name));
    let mut servers: Vec<(String, HubServer)> = vec![];
    for name in names {
        if let Some(s) = hub_of(name) {
            servers.push((name.clone(), s));
        }
    }
    if servers.is_empty() {
        return Plan {
            direct: names.to_vec(),
            hubs: vec![],
            candidates: vec![],
        };
    }
    // One reader per hub: the first context reading all of it; contexts scoped to one member
    // only when no context reads all of that hub.
    let mut kept: Vec<(String, HubServer)> = vec![];
    for (name, s) in &servers {
        let whole = servers
            .iter()
            .any(|(_, o)| o.base == s.base && o.only.is_none());
        let dup = kept
            .iter()
            .any(|(_, k)| k.base == s.base && (k.only.is_none() || k.only == s.only));
        if dup || (whole && s.only.is_some()) {
            tracing::info!(context = %name, "hub read through another context of the same hub");
            continue;
        }
        kept.push((name.clone(), s.clone()));
    }
    let asks = kept.into_iter().map(|(context, server)| async move {
        let config = loaded.client_config(&context, non_interactive).await;
        let members = match &config {
            Ok(c) => tokio::time::timeout(ASK_LIMIT, ask(c, &server))
                .await
                .ok()
                .flatten(),
            Err(_) => None,
        };
        PlannedHub {
            context,
            server,
            config,
            members,
        }
    });
    let hubs = futures::future::join_all(asks).await;
    let mut candidates = vec![];
    for c in &loaded.kubeconfig.contexts {
        if hub_of(&c.name).is_some() {
            continue;
        }
        let cluster = c
            .context
            .as_ref()
            .map(|x| x.cluster.clone())
            .unwrap_or_default();
        let cand = Candidate {
            context: c.name.clone(),
            cluster,
            server: loaded.server_of(&c.name),
        };
        candidates.push((cand, loaded.client_config(&c.name, non_interactive).await));
    }
    let cands: Vec<Candidate> = candidates.iter().map(|(c, _)| c.clone()).collect();
    let covered = |name: &str| {
        hubs.iter()
            .flat_map(|h| h.members.iter().flatten())
            .any(|m| super::direct::find(&cands, m).is_some_and(|(c, _)| c.context == name))
    };
    let direct = names
        .iter()
        .filter(|n| hub_of(n).is_none() && !covered(n))
        .cloned()
        .collect();
    Plan {
        direct,
        hubs,
        candidates,
    }
}

/// The members a hub serves: its PediaClusters, else the clusters named on its namespaces.
async fn ask(config: &kube::Config, server: &HubServer) -> Option<Vec<Member>> {
    let at = |url: &str| {
        let mut c = config.clone();
        c.cluster_url = url.parse().ok()?;
        Some(c)
    };
    let host = build_client(at(server.host())?).await.ok()?;
    let only = |ms: Vec<Member>| -> Vec<Member> {
        ms.into_iter()
            .filter(|m| server.only.as_ref().is_none_or(|o| *o == m.name))
            .collect()
    };
    match members::pedia_clusters(&host).await {
        Ok(ms) => return Some(only(ms)),
        Err(f) if f.is_cluster_wide() => return None,
        Err(_) => {}
    }
    let hub = build_client(at(&server.base)?).await.ok()?;
    let tree = list::tree(crate::blueprint::prune::FieldTree::metadata());
    let l = list::list_all(&hub, "/api/v1/namespaces", &[], &tree, list::PAGE)
        .await
        .ok()?;
    let mut names: Vec<String> = l
        .items
        .iter()
        .filter_map(list::cluster_of)
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    Some(only(
        names
            .into_iter()
            .map(|name| Member {
                name,
                apiserver: None,
            })
            .collect(),
    ))
}

impl Plan {
    /// The hub context of each row of [`Plan::rows`] (what kubectl's flags resolve against:
    /// `-n` applies to a hub's members as to a direct context, the context's namespace is the
    /// hub context's).
    pub fn row_contexts(&self) -> Vec<String> {
        let mut out = vec![];
        for h in &self.hubs {
            let n = h.members.as_ref().map_or(0, Vec::len).max(1);
            out.extend(std::iter::repeat_n(h.context.clone(), n));
        }
        out
    }

    /// The rows of the hubs' members (or a hub's own row when it could not be asked), their
    /// indices starting at `first`.
    pub fn rows(&self, user: &UserConfig) -> Vec<ClusterInfo> {
        let mut out = vec![];
        for h in &self.hubs {
            match &h.members {
                Some(ms) if !ms.is_empty() => {
                    for m in ms {
                        let row = row_name(&m.name, &h.context);
                        let env = user
                            .environment_for(&row)
                            .or_else(|| user.environment_for(&m.name));
                        out.push(ClusterInfo::new(row, h.server.member_url(&m.name), env));
                    }
                }
                _ => out.push(ClusterInfo::new(
                    h.context.clone(),
                    h.server.base.clone(),
                    user.environment_for(&h.context),
                )),
            }
        }
        out
    }

    /// The hub tasks, the rows of [`Plan::rows`] at `first..`.
    #[allow(clippy::too_many_arguments)]
    pub fn tasks(
        self,
        first: usize,
        blueprints: &Arc<BlueprintSet>,
        tx: &Sender<Change>,
        clients: &ClientSet,
        scope: &Arc<Scope>,
        user: &UserConfig,
    ) -> Vec<HubTask> {
        let total = first + self.rows(user).len();
        let ids = Ids::after(total);
        let mut next = first;
        let mut out = vec![];
        for h in self.hubs {
            // `-n` as resolved for the hub's rows (the same for each: one hub context).
            let namespace = scope
                .namespace_of(ClusterId(next as u16))
                .map(str::to_string);
            let mut rows = vec![];
            let mut placeholder = None;
            match h.members {
                Some(ms) if !ms.is_empty() => {
                    for m in ms {
                        rows.push((m, ClusterId(next as u16)));
                        next += 1;
                    }
                }
                _ => {
                    placeholder = Some(ClusterId(next as u16));
                    next += 1;
                }
            }
            out.push(HubTask {
                context: h.context,
                server: h.server,
                config: h.config.inspect_err(|e| {
                    tracing::warn!("hub: {}", Failure::from(e.clone()));
                }),
                blueprints: blueprints.clone(),
                tx: tx.clone(),
                clients: clients.clone(),
                scope: scope.clone(),
                ids: ids.clone(),
                user: user.clone(),
                direct: self.candidates.clone(),
                interval: user.hubs.poll(),
                rows,
                namespace,
                placeholder,
            });
        }
        out
    }
}
