//! The task reading one hub: every cycle it asks the host for the member list (PediaClusters,
//! where readable), lists each blueprint source across all members in one paged request
//! sequence ([`super::list`]), places each object in its member by the cluster-name
//! annotation, and sends the catalog only what differs from the previous cycle (per member and
//! source: objects whose resourceVersion moved, and those gone) — a member's first list is one
//! `Resync`. Members the hub starts serving join as new cluster rows, members it drops leave.
//! SQL storage cannot watch (405), so the cycle repeats on an interval chosen for the fleet's
//! size; memory storage drops same-named objects of later clusters from all-cluster lists, so
//! there each member is listed through its own path. A hub that cannot be reached marks its
//! members' rows the way an unreachable context is marked, keeps their data, and recovers.

use super::HubServer;
use super::list::{self, Listing};
use super::members::{self, Member};
use super::state::{CycleStats, HubTask, Only, Row, Source, State};
use super::watch::Streams;
use crate::blueprint::prune::FieldTree;
use crate::catalog::{Change, ClusterId, ClusterStatus, SourceStatus};
use crate::fleet::build_client;
use crate::fleet::object::RawObject;
use crate::fleet::status::Failure;
use kube::api::{ApiResource, GroupVersionKind};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long one cycle's requests may take each before the hub counts as unreachable.
const REQUEST_LIMIT: Duration = Duration::from_secs(30);

/// The poll interval for a fleet of `members` when the config sets none: 2 s, plus 100 ms per
/// member, at least three times what the last cycle took (the hub is never busy more than a
/// third of the time), at most 60 s.
pub fn interval_for(members: usize, last_cycle: Duration) -> Duration {
    let base = Duration::from_millis(2000 + 100 * members as u64);
    base.max(last_cycle * 3).min(Duration::from_secs(60))
}

impl HubTask {
    /// Runs until the catalog is gone or the task is aborted.
    pub async fn run(self) {
        let config = match &self.config {
            Ok(c) => c.clone(),
            Err(e) => {
                let status = Failure::from(e.clone()).cluster_status();
                let mut ids: Vec<ClusterId> = self.rows.iter().map(|(_, id)| *id).collect();
                ids.extend(self.placeholder);
                for cluster in ids {
                    let _ = self
                        .tx
                        .send(Change::Cluster {
                            cluster,
                            status: status.clone(),
                        })
                        .await;
                }
                return;
            }
        };
        let mut delay = Duration::from_millis(500);
        let (hub, host) = loop {
            match clients_for(&config, &self.server).await {
                Ok(c) => break c,
                Err(f) => {
                    tracing::warn!(hub = %self.context, "client: {f}");
                    let status = f.cluster_status();
                    for cluster in self.rows.iter().map(|(_, id)| *id).chain(self.placeholder) {
                        if self
                            .tx
                            .send(Change::Cluster {
                                cluster,
                                status: status.clone(),
                            })
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(30));
        };
        let mut st = State::new(self, hub, host).await;
        st.run().await;
    }
}

/// The client reading the hub (its resources prefix) and the one reading the host
/// (PediaClusters).
async fn clients_for(
    config: &kube::Config,
    server: &HubServer,
) -> Result<(kube::Client, kube::Client), Failure> {
    let at = |url: &str| -> Result<kube::Config, Failure> {
        let mut c = config.clone();
        c.cluster_url = url
            .parse()
            .map_err(|e| Failure::Other(format!("hub URL {url}: {e}")))?;
        Ok(c)
    };
    let hub = build_client(at(&server.base)?).await?;
    let host = build_client(at(server.host())?).await?;
    Ok((hub, host))
}

impl State {
    async fn new(task: HubTask, hub: kube::Client, host: kube::Client) -> State {
        let mut sources = vec![];
        for bp in task.blueprints.all() {
            for (i, spec) in bp.spec.sources.iter().enumerate() {
                let source = i as u8;
                let gvk = GroupVersionKind::gvk(&spec.group, &spec.version, &spec.kind);
                let plural = match &spec.plural {
                    Some(p) => Some(p.clone()),
                    None if spec.optional => kube::discovery::pinned_kind(&hub, &gvk)
                        .await
                        .ok()
                        .map(|(ar, _)| ar.plural),
                    None => Some(ApiResource::from_gvk(&gvk).plural),
                };
                // Metadata-only kinds (Secrets) are not read through a hub: nothing says it
                // would honour the metadata-only Accept, and their values must never be fetched.
                let plural = plural.filter(|_| !spec.metadata_only);
                let path = plural.map(|p| {
                    if spec.group.is_empty() {
                        format!("/api/{}/{p}", spec.version)
                    } else {
                        format!("/apis/{}/{}/{p}", spec.group, spec.version)
                    }
                });
                // Past the catalog's rows: no per-context namespace; selectors apply. The
                // hub's namespace (`-n`) is its own: `namespaces=` (Clusterpedia's search
                // parameter, one request for every member) and checked on every object.
                let scope = task
                    .scope
                    .source(&task.blueprints, ClusterId(u16::MAX), bp.id, source);
                let mut selectors = vec![];
                if let Some(l) = scope.labels {
                    selectors.push(("labelSelector", l));
                }
                if let Some(f) = scope.fields {
                    selectors.push(("fieldSelector", f));
                }
                let narrowed = task.scope.narrow_namespaces == Some(bp.id);
                let only = match (&task.namespace, spec.cluster_scoped) {
                    (Some(ns), false) => Some(Only::Namespace(ns.clone())),
                    (Some(ns), true) if narrowed => Some(Only::Named(ns.clone())),
                    _ => None,
                };
                let by_selector = !selectors.is_empty();
                if let Some(Only::Namespace(ns)) = &only {
                    selectors.push(("namespaces", ns.clone()));
                }
                sources.push(Source {
                    bp: bp.id,
                    source,
                    status: if path.is_some() {
                        SourceStatus::Syncing
                    } else {
                        SourceStatus::Absent
                    },
                    path,
                    tree: list::tree(bp.field_tree(i)),
                    selectors,
                    only,
                    // A watch would ignore label and field selectors: such a source is polled.
                    watchable: !by_selector,
                    watching: false,
                    from: None,
                });
            }
        }
        let n = sources.len();
        let placeholder = task.placeholder;
        let mut rows = BTreeMap::new();
        for (member, id) in task.rows.clone() {
            rows.insert(member.name.clone(), Row::new(id, member, n));
        }
        let mut st = State {
            task,
            hub,
            host: Some(host),
            sources,
            rows,
            roster: None,
            per_member: false,
            placeholder,
            placeholder_status: None,
        };
        let names: Vec<String> = st.rows.keys().cloned().collect();
        for name in names {
            st.attach(&name).await;
        }
        st.discover_watch().await;
        st
    }

    async fn run(&mut self) {
        let mut last = Duration::ZERO;
        // The open watches (held here: the task's state is shared across its awaits).
        let mut streams = Streams::default();
        loop {
            let started = Instant::now();
            match self.cycle().await {
                Ok(stats) => {
                    last = started.elapsed();
                    tracing::debug!(hub = %self.task.context, requests = stats.requests, objects = stats.objects, sent = stats.sent, ms = last.as_millis() as u64, "hub poll");
                }
                Err(f) => {
                    tracing::warn!(hub = %self.task.context, "poll: {f}");
                    if !self.fail(f.cluster_status()).await {
                        return;
                    }
                }
            }
            if !self.send_all() {
                return;
            }
            let wait = self
                .task
                .interval
                .unwrap_or_else(|| interval_for(self.rows.len(), last));
            // Watched sources' events are applied while waiting for the next cycle.
            self.open_watches(&mut streams).await;
            if !self.watch_until(&mut streams, Instant::now() + wait).await {
                return;
            }
        }
    }

    /// Mark every member row (or the hub's own row) failing; the data stays.
    async fn fail(&mut self, status: ClusterStatus) -> bool {
        if let Some(p) = self.placeholder {
            self.placeholder_status = Some(status.clone());
            return self.send(Change::Cluster { cluster: p, status }).await;
        }
        let ids: Vec<ClusterId> = self.rows.values().map(|r| r.id).collect();
        for r in self.rows.values_mut() {
            r.status = status.clone();
        }
        for cluster in ids {
            if !self
                .send(Change::Cluster {
                    cluster,
                    status: status.clone(),
                })
                .await
            {
                return false;
            }
        }
        true
    }

    /// One poll: member list, every source listed, differences sent.
    async fn cycle(&mut self) -> Result<CycleStats, Failure> {
        let mut stats = CycleStats::default();
        let read_at = std::time::SystemTime::now();
        let roster = self.roster().await?;
        if let Some(list) = &roster {
            let wanted: HashSet<&str> = list.iter().map(|m| m.name.as_str()).collect();
            let gone: Vec<String> = self
                .rows
                .keys()
                .filter(|n| !wanted.contains(n.as_str()))
                .cloned()
                .collect();
            for name in gone {
                self.leave(&name).await;
            }
            for m in list {
                if !self.rows.contains_key(&m.name) {
                    self.join(m.clone()).await;
                } else if let Some(r) = self.rows.get_mut(&m.name) {
                    r.member.apiserver = m.apiserver.clone();
                }
            }
        }
        for r in self.rows.values_mut() {
            r.objects = 0;
        }
        let mut complete = true;
        for s in 0..self.sources.len() {
            let Some(path) = self.sources[s].path.clone() else {
                self.set_all_synced(s, SourceStatus::Absent).await;
                continue;
            };
            if self.sources[s].watching {
                // Its watch keeps it current; members that joined this cycle are listed.
                self.catch_up(s, &path, &mut stats).await?;
                continue;
            }
            let listed = self.list_source(s, &path, &mut stats).await;
            let by_member = match listed {
                Ok((m, from)) => {
                    self.sources[s].from = from;
                    m
                }
                Err(f) if f.is_cluster_wide() => return Err(f),
                // The aggregated API's backend (Clusterpedia itself) is down behind the host.
                Err(Failure::Api {
                    code: 502..=504,
                    message,
                    ..
                }) => {
                    return Err(Failure::Unreachable(format!(
                        "hub {}: {message}",
                        self.task.context
                    )));
                }
                Err(f) => {
                    complete = false;
                    let status = match &f {
                        Failure::Forbidden(_) => SourceStatus::Forbidden(f.message()),
                        Failure::NotFound(_) => {
                            self.sources[s].path = None;
                            SourceStatus::Absent
                        }
                        Failure::Api { code: 400, .. } => SourceStatus::Refused(f.message()),
                        _ => SourceStatus::Error(f.message()),
                    };
                    self.set_all_synced(s, status).await;
                    continue;
                }
            };
            stats.sent += self.apply(s, by_member, roster.is_none()).await;
        }
        if roster.is_none() && complete {
            // No member list: a member none of whose objects showed (listed now, or held
            // by a watch) is gone.
            let gone: Vec<String> = self
                .rows
                .iter()
                .filter(|(_, r)| r.seen.iter().all(HashMap::is_empty))
                .map(|(n, _)| n.clone())
                .collect();
            for name in gone {
                self.leave(&name).await;
            }
        }
        // Every member listed once and the hub answering: ready.
        let ready: Vec<ClusterId> = self
            .rows
            .values_mut()
            .filter(|r| r.synced.iter().all(|d| *d) && r.status != ClusterStatus::Ready)
            .map(|r| {
                r.status = ClusterStatus::Ready;
                r.id
            })
            .collect();
        for cluster in ready {
            self.send(Change::Cluster {
                cluster,
                status: ClusterStatus::Ready,
            })
            .await;
        }
        if let (Some(p), true) = (self.placeholder, self.rows.is_empty())
            && self.placeholder_status != Some(ClusterStatus::Ready)
        {
            self.placeholder_status = Some(ClusterStatus::Ready);
            self.send(Change::Cluster {
                cluster: p,
                status: ClusterStatus::Ready,
            })
            .await;
        }
        // The data's age counts from when this cycle began to read; watched data is live (a
        // source the hub serves that will not be watched keeps the age shown).
        let polled = self
            .sources
            .iter()
            .any(|s| s.path.is_some() && !s.watchable);
        let at = read_at
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let ids: Vec<ClusterId> = self.rows.values().map(|r| r.id).collect();
        for cluster in ids.into_iter().filter(|_| polled) {
            self.send(Change::Polled { cluster, at }).await;
        }
        stats.objects = self.rows.values().map(|r| r.objects).sum();
        Ok(stats)
    }

    /// The PediaClusters, where the user may read them (else None: members are the clusters
    /// seen on objects). A failure of the whole hub is returned.
    async fn roster(&mut self) -> Result<Option<Vec<Member>>, Failure> {
        if self.roster == Some(false) {
            return Ok(None);
        }
        let Some(host) = &self.host else {
            return Ok(None);
        };
        let asked = tokio::time::timeout(REQUEST_LIMIT, members::pedia_clusters(host)).await;
        match asked {
            Err(_) => Err(Failure::Timeout {
                seconds: REQUEST_LIMIT.as_secs(),
            }),
            Ok(Ok(list)) => {
                self.roster = Some(true);
                let only = self.task.server.only.clone();
                Ok(Some(
                    list.into_iter()
                        .filter(|m| only.as_ref().is_none_or(|o| *o == m.name))
                        .collect(),
                ))
            }
            Ok(Err(f)) if f.is_cluster_wide() => Err(f),
            Ok(Err(f)) => {
                tracing::info!(hub = %self.task.context, "member list unreadable ({f}); members are the clusters seen on objects");
                self.roster = Some(false);
                Ok(None)
            }
        }
    }

    /// List one source: across all members in one paged sequence, or (memory storage) each
    /// member through its own path. Objects grouped by member.
    async fn list_source(
        &mut self,
        s: usize,
        path: &str,
        stats: &mut CycleStats,
    ) -> Result<(HashMap<String, Vec<RawObject>>, Option<String>), Failure> {
        let src = &self.sources[s];
        let sel: Vec<(&str, &str)> = src
            .selectors
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        let tree = src.tree.clone();
        let mut by_member: HashMap<String, Vec<RawObject>> = HashMap::new();
        // The first list's resourceVersion: a watch started there misses nothing since.
        let mut from: Option<String> = None;
        let all = if !self.per_member || self.roster != Some(true) {
            let l = self.list(path, &sel, &tree).await?;
            stats.requests += l.requests;
            from = l.resource_version.clone();
            if l.resource_version.is_some() && !self.per_member {
                tracing::info!(hub = %self.task.context, "memory storage: each member is listed through its own path");
                self.per_member = true;
            }
            Some(l)
        } else {
            None
        };
        if self.per_member {
            // Members known now, plus any the all-member list shows (no member list).
            let mut names: Vec<String> = self.rows.keys().cloned().collect();
            if let Some(l) = &all {
                for o in &l.items {
                    if let Some(c) = list::cluster_of(o)
                        && !names.iter().any(|n| n == c)
                    {
                        names.push(c.to_string());
                    }
                }
            }
            if let Some(o) = &self.task.server.only {
                names.retain(|n| n == o);
            }
            for name in names {
                let member_path = format!("/clusters/{name}{path}");
                match self.list(&member_path, &sel, &tree).await {
                    Ok(l) => {
                        stats.requests += l.requests;
                        from = from.or(l.resource_version);
                        by_member.entry(name).or_default().extend(l.items);
                    }
                    // A member removed between the member list and this request.
                    Err(Failure::Api { code: 400, .. }) => {}
                    Err(f) => return Err(f),
                }
            }
            return Ok((by_member, from));
        }
        for o in all.map(|l| l.items).unwrap_or_default() {
            let Some(c) = list::cluster_of(&o) else {
                continue;
            };
            if self
                .task
                .server
                .only
                .as_deref()
                .is_some_and(|only| only != c)
            {
                continue;
            }
            by_member.entry(c.to_string()).or_default().push(o);
        }
        Ok((by_member, from))
    }

    pub(super) async fn list(
        &self,
        path: &str,
        sel: &[(&str, &str)],
        tree: &Arc<FieldTree>,
    ) -> Result<Listing, Failure> {
        match tokio::time::timeout(
            REQUEST_LIMIT,
            list::list_all(&self.hub, path, sel, tree, list::PAGE),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(Failure::Timeout {
                seconds: REQUEST_LIMIT.as_secs(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poll_interval_grows_with_the_fleet_and_with_a_slow_hub() {
        assert_eq!(interval_for(2, Duration::ZERO), Duration::from_millis(2200));
        assert_eq!(
            interval_for(300, Duration::from_millis(100)),
            Duration::from_secs(32)
        );
        assert_eq!(
            interval_for(2, Duration::from_secs(5)),
            Duration::from_secs(15)
        );
        assert_eq!(
            interval_for(1000, Duration::from_secs(100)),
            Duration::from_secs(60)
        );
    }
}
