//! What a poll does to member rows: a member's list of one source becomes one `Resync` the
//! first time and only its differences later (objects whose resourceVersion moved, objects
//! gone); members the hub begins to serve join as rows with their clients (the member's own
//! context for acting when the kubeconfig has one, else the hub scoped to the member, read-only
//! with the reason); members it drops leave.

use super::direct::{self, Candidate};
use super::members::Member;
use super::row_name;
use super::state::{Row, State};
use crate::blueprint::Record;
use crate::catalog::{Change, ClusterInfo, ClusterStatus, SourceStatus};
use crate::fleet::build_client;
use crate::fleet::object::RawObject;
use std::collections::HashMap;

impl State {
    /// Send the differences of source `s` per member; returns the changes sent.
    pub(super) async fn apply(
        &mut self,
        s: usize,
        mut by_member: HashMap<String, Vec<RawObject>>,
        may_join: bool,
    ) -> usize {
        if may_join {
            let mut new: Vec<String> = by_member
                .keys()
                .filter(|n| !self.rows.contains_key(*n))
                .cloned()
                .collect();
            new.sort();
            for name in new {
                self.join(Member {
                    name: name.clone(),
                    apiserver: None,
                })
                .await;
                // Sources listed before this one in this cycle held nothing of it.
                for earlier in 0..s {
                    if self.sources[earlier].path.is_some() {
                        self.resync(&name, earlier, vec![]).await;
                    }
                }
            }
        }
        let names: Vec<String> = self.rows.keys().cloned().collect();
        let mut sent = 0;
        for name in names {
            let objects = by_member.remove(&name).unwrap_or_default();
            sent += self.resync(&name, s, objects).await;
        }
        if self.sources[s].status != SourceStatus::Ready {
            self.sources[s].status = SourceStatus::Ready;
            self.set_all(s, SourceStatus::Ready).await;
        }
        sent
    }

    /// Bring the catalog's view of one member's source to `objects`: the first time one
    /// `Resync`, later only what changed.
    pub(super) async fn resync(
        &mut self,
        name: &str,
        s: usize,
        mut objects: Vec<RawObject>,
    ) -> usize {
        if let Some(only) = &self.sources[s].only {
            objects.retain(|o| only.keeps(o));
        }
        let bp = self.sources[s].bp;
        let source = self.sources[s].source;
        let blueprint = self.task.blueprints.get(bp);
        let Some(row) = self.rows.get_mut(name) else {
            return 0;
        };
        row.objects += objects.len();
        let cluster = row.id;
        let mut changes = vec![];
        let first = !row.synced[s];
        let old = std::mem::take(&mut row.seen[s]);
        let mut seen = HashMap::with_capacity(objects.len());
        let mut records: Vec<Record> = vec![];
        for o in &objects {
            let md = &o.value["metadata"];
            let (Some(uid), rv) = (md["uid"].as_str(), md["resourceVersion"].as_str()) else {
                continue;
            };
            let rv: Box<str> = rv.unwrap_or("").into();
            let unchanged = !first && old.get(uid).is_some_and(|v| *v == rv);
            seen.insert(Box::<str>::from(uid), rv);
            if unchanged {
                continue;
            }
            match blueprint.project(source as usize, &o.value) {
                Some(r) if first => records.push(r),
                Some(record) => changes.push(Change::Apply { cluster, record }),
                None if old.contains_key(uid) => changes.push(Change::Delete {
                    cluster,
                    bp,
                    uid: uid.into(),
                }),
                None => {}
            }
        }
        if !first {
            for uid in old.keys().filter(|u| !seen.contains_key(*u)) {
                changes.push(Change::Delete {
                    cluster,
                    bp,
                    uid: uid.clone(),
                });
            }
        }
        row.seen[s] = seen;
        row.synced[s] = true;
        if first {
            changes.push(Change::Resync {
                cluster,
                bp,
                source,
                records,
            });
        }
        let n = changes.len();
        for c in changes {
            if !self.send(c).await {
                return n;
            }
        }
        n
    }

    pub(super) async fn set_all(&self, s: usize, status: SourceStatus) {
        let (bp, source) = (self.sources[s].bp, self.sources[s].source);
        for r in self.rows.values() {
            self.send(Change::Source {
                cluster: r.id,
                bp,
                source,
                status: status.clone(),
            })
            .await;
        }
    }

    /// A source that cannot be read (forbidden, not served): it holds up no member.
    pub(super) async fn set_all_synced(&mut self, s: usize, status: SourceStatus) {
        for r in self.rows.values_mut() {
            r.synced[s] = true;
        }
        if self.sources[s].status != status {
            self.sources[s].status = status.clone();
            self.set_all(s, status).await;
        }
    }

    /// A member the hub began to serve: a new row (or the placeholder's), its client.
    pub(super) async fn join(&mut self, member: Member) {
        let name = member.name.clone();
        let id = match self.placeholder.take() {
            Some(p) => p,
            None => self.task.ids.next(),
        };
        let row = row_name(&name, &self.task.context);
        let env = self
            .task
            .user
            .environment_for(&row)
            .or_else(|| self.task.user.environment_for(&name));
        let mut info = ClusterInfo::new(row, self.task.server.member_url(&name), env);
        info.status = ClusterStatus::Syncing;
        if !self
            .send(Change::Joined {
                cluster: id,
                info: Box::new(info),
            })
            .await
        {
            return;
        }
        let n = self.sources.len();
        self.rows.insert(name.clone(), Row::new(id, member, n));
        if let Some(r) = self.rows.get_mut(&name) {
            r.status = ClusterStatus::Syncing;
        }
        self.attach(&name).await;
        // Sources the hub does not serve are known for the newcomer too.
        for s in 0..n {
            let st = self.sources[s].status.clone();
            if matches!(
                st,
                SourceStatus::Absent | SourceStatus::Forbidden(_) | SourceStatus::Refused(_)
            ) {
                if let Some(r) = self.rows.get_mut(&name) {
                    r.synced[s] = true;
                }
                self.send(Change::Source {
                    cluster: id,
                    bp: self.sources[s].bp,
                    source: self.sources[s].source,
                    status: st,
                })
                .await;
            }
        }
    }

    /// Give a member row its clients: the direct context's for acting, when the kubeconfig
    /// has one; else the hub's, scoped to the member, and the row is read-only.
    pub(super) async fn attach(&mut self, name: &str) {
        let Some(row) = self.rows.get(name) else {
            return;
        };
        let (id, member) = (row.id, row.member.clone());
        let label = row_name(name, &self.task.context);
        let cands: Vec<Candidate> = self.task.direct.iter().map(|(c, _)| c.clone()).collect();
        let mut why = direct::no_context_reason(name, &self.task.context);
        if let Some((cand, how)) = direct::find(&cands, &member) {
            let config = self
                .task
                .direct
                .iter()
                .find(|(c, _)| c.context == cand.context)
                .map(|(_, cfg)| cfg.clone());
            match config {
                Some(Ok(cfg)) => match build_client(cfg).await {
                    Ok(client) => {
                        tracing::info!(hub = %self.task.context, member = name, context = %cand.context, matched = ?how, "member acts through its direct context");
                        self.task.clients.join(id, &label, Some(client), None);
                        return;
                    }
                    Err(f) => {
                        why = format!("{name}: its context {} has no client: {f}", cand.context)
                    }
                },
                Some(Err(e)) => why = format!("{name}: its context {}: {e}", cand.context),
                None => {}
            }
        }
        let client = match &self.task.config {
            Ok(cfg) => {
                let mut c = cfg.clone();
                match self.task.server.member_url(name).parse() {
                    Ok(url) => {
                        c.cluster_url = url;
                        build_client(c).await.ok()
                    }
                    Err(_) => None,
                }
            }
            Err(_) => None,
        };
        self.task.clients.join(id, &label, client, Some(why));
    }

    /// A member the hub no longer serves: its row leaves.
    pub(super) async fn leave(&mut self, name: &str) {
        let Some(row) = self.rows.remove(name) else {
            return;
        };
        self.task.clients.leave(row.id);
        self.send(Change::Left { cluster: row.id }).await;
    }
}
