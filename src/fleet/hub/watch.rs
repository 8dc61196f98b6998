//! Watching through a hub. Clusterpedia's memory storage offers watch (its discovery lists the
//! verb; SQL storage answers 405 and is polled), with quirks this module handles:
//! - a watch ignores the cluster path, the namespace path, `namespaces=` and selectors: it
//!   sends every object of the type from every member. Events are placed by the cluster-name
//!   annotation, the `-n` namespace is checked here, and a source narrowed by a label or field
//!   selector is not watched at all (it stays polled);
//! - a DELETED event carries no cluster-name annotation: it is placed by its uid;
//! - one change on a member arrives as several MODIFIED events, and a watch started at a list's
//!   resourceVersion may repeat what that list held: resourceVersions are unpadded base64url
//!   JSON maps (`{"member1":"268","member2":"259"}`), so an event is applied only when its own
//!   member's number moved past what the catalog holds;
//! - all-member lists drop same-named objects of later members, so the lists a watch starts
//!   from are per member ([`super::poll`]), and a member that joins is listed through its own
//!   path while the others stay watched.
//!
//! A watch is opened per source once every member has been listed, from the first list's
//! resourceVersion. When it ends or fails (410, the hub gone), the source is listed again by
//! the next cycle — at once — and its differences sent, then watched again.

use super::list;
use super::members::Member;
use super::state::{CycleStats, Only, State};
use crate::blueprint::prune;
use crate::catalog::Change;
use crate::fleet::object::RawObject;
use crate::fleet::query::encode;
use crate::fleet::status::{Failure, classify};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::stream::{BoxStream, SelectAll, StreamExt};
use kube::core::WatchEvent;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// How long opening a watch may take.
const OPEN_LIMIT: Duration = Duration::from_secs(30);

/// One item of a watch stream: the source, the stream's generation, and an event (None: the
/// stream ended).
type Item = (
    usize,
    u64,
    Option<Result<WatchEvent<RawObject>, kube::Error>>,
);

/// Every open watch of one hub.
#[derive(Default)]
pub struct Streams {
    all: SelectAll<BoxStream<'static, Item>>,
    /// Per source: the generation of its current stream (items of older ones are dropped).
    generation: HashMap<usize, u64>,
}

/// What the wait loop does after an event.
enum Flow {
    Go,
    /// A watch ended or failed: cycle now (its source is listed again).
    Cycle,
    /// Nobody listens any more.
    Stop,
}

#[derive(Deserialize)]
struct ResourceList {
    #[serde(default)]
    resources: Vec<Resource>,
}

#[derive(Deserialize)]
struct Resource {
    name: String,
    #[serde(default)]
    verbs: Vec<String>,
}

/// The plurals of one group-version the hub offers watch for (its discovery document).
async fn watchable(hub: &kube::Client, group_version: &str) -> Result<HashSet<String>, Failure> {
    let req = http::Request::get(group_version)
        .body(Vec::new())
        .map_err(|e| Failure::Other(e.to_string()))?;
    let text = hub.request_text(req).await.map_err(|e| classify(&e))?;
    let list: ResourceList = serde_json::from_str(&text)
        .map_err(|e| Failure::Other(format!("reading the hub's discovery: {e}")))?;
    Ok(list
        .resources
        .into_iter()
        .filter(|r| r.verbs.iter().any(|v| v == "watch"))
        .map(|r| r.name)
        .collect())
}

/// The member's own number in a memory-storage resourceVersion (unpadded base64url of a JSON
/// map member → resourceVersion); None when `rv` is not one.
pub fn member_rv(rv: &str, member: &str) -> Option<u64> {
    let bytes = URL_SAFE_NO_PAD.decode(rv.trim_end_matches('=')).ok()?;
    let map: HashMap<String, String> = serde_json::from_slice(&bytes).ok()?;
    map.get(member)?.parse().ok()
}

/// Whether an event at `new` is already held at `old` (same version, or the member's number
/// did not move past it).
pub fn already_held(old: &str, new: &str, member: &str) -> bool {
    if old == new {
        return true;
    }
    match (member_rv(old, member), member_rv(new, member)) {
        (Some(o), Some(n)) => n <= o,
        _ => false,
    }
}

impl State {
    /// Ask the hub's discovery which sources it can watch (memory storage lists the verb).
    pub(super) async fn discover_watch(&mut self) {
        let mut offered: HashMap<String, Option<HashSet<String>>> = HashMap::new();
        for s in 0..self.sources.len() {
            let Some(path) = self.sources[s].path.clone() else {
                continue;
            };
            if !self.sources[s].watchable {
                continue;
            }
            let Some((gv, plural)) = path.rsplit_once('/') else {
                self.sources[s].watchable = false;
                continue;
            };
            if !offered.contains_key(gv) {
                let asked = tokio::time::timeout(OPEN_LIMIT, watchable(&self.hub, gv))
                    .await
                    .ok()
                    .and_then(Result::ok);
                offered.insert(gv.to_string(), asked);
            }
            self.sources[s].watchable = offered
                .get(gv)
                .and_then(Option::as_ref)
                .is_some_and(|set| set.contains(plural));
        }
        let n = self.sources.iter().filter(|s| s.watchable).count();
        if n > 0 {
            tracing::info!(hub = %self.task.context, sources = n, "the hub offers watch: watched sources are not polled");
        }
    }

    /// Open a watch for each watchable source every member has been listed for.
    pub(super) async fn open_watches(&mut self, streams: &mut Streams) {
        for s in 0..self.sources.len() {
            let src = &self.sources[s];
            if !src.watchable || src.watching || src.path.is_none() || src.from.is_none() {
                continue;
            }
            if !self.rows.values().all(|r| r.synced[s]) {
                continue;
            }
            match self.open(s, streams).await {
                Ok(stream) => {
                    streams.all.push(stream);
                    self.sources[s].watching = true;
                }
                Err(Failure::Api { code: 405, .. }) => {
                    tracing::info!(hub = %self.task.context, "watch not supported (405): polled");
                    self.sources[s].watchable = false;
                }
                Err(f) => tracing::warn!(hub = %self.task.context, "watch: {f}"),
            }
        }
    }

    /// The watch request of source `s`, from its list's resourceVersion.
    async fn open(
        &mut self,
        s: usize,
        streams: &mut Streams,
    ) -> Result<BoxStream<'static, Item>, Failure> {
        let src = &self.sources[s];
        let (Some(path), Some(from)) = (&src.path, &src.from) else {
            return Err(Failure::Other("nothing to watch".into()));
        };
        let mut q = format!(
            "{path}?watch=1&allowWatchBookmarks=true&resourceVersion={}",
            encode(from)
        );
        // Ignored by Clusterpedia today (checked on every event); asked all the same.
        if let Some(Only::Namespace(ns)) = &src.only {
            q.push_str(&format!("&namespaces={}", encode(ns)));
        }
        let req = http::Request::get(q)
            .body(Vec::new())
            .map_err(|e| Failure::Other(e.to_string()))?;
        let tree = src.tree.clone();
        let stream =
            match tokio::time::timeout(OPEN_LIMIT, self.hub.request_events::<RawObject>(req)).await
            {
                Err(_) => {
                    return Err(Failure::Timeout {
                        seconds: OPEN_LIMIT.as_secs(),
                    });
                }
                Ok(r) => r.map_err(|e| classify(&e))?,
            };
        let generation = streams.generation.entry(s).or_default();
        *generation += 1;
        let g = *generation;
        let pruned = prune::Pruned::new(stream, tree);
        Ok(pruned
            .map(move |e| (s, g, Some(e)))
            .chain(futures::stream::once(async move { (s, g, None) }))
            .boxed())
    }

    /// Apply watch events until `deadline` (the next cycle), or until a watch ends (then at
    /// once). False: nobody listens any more.
    pub(super) async fn watch_until(&mut self, streams: &mut Streams, deadline: Instant) -> bool {
        let deadline = tokio::time::Instant::from_std(deadline);
        loop {
            if streams.all.is_empty() {
                tokio::time::sleep_until(deadline).await;
                return self.send_all();
            }
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return self.send_all(),
                item = streams.all.next() => {
                    let Some((s, g, ev)) = item else { continue };
                    if streams.generation.get(&s) != Some(&g) {
                        continue;
                    }
                    match self.on_event(s, ev, streams).await {
                        Flow::Go => {}
                        Flow::Cycle => return self.send_all(),
                        Flow::Stop => return false,
                    }
                }
            }
        }
    }

    /// Stop watching source `s`: the next cycle lists it again and sends the differences.
    fn unwatch(&mut self, s: usize, streams: &mut Streams) {
        self.sources[s].watching = false;
        self.sources[s].from = None;
        *streams.generation.entry(s).or_default() += 1;
    }

    async fn on_event(
        &mut self,
        s: usize,
        ev: Option<Result<WatchEvent<RawObject>, kube::Error>>,
        streams: &mut Streams,
    ) -> Flow {
        match ev {
            None => {
                tracing::debug!(hub = %self.task.context, source = s, "watch ended: listing again");
                self.unwatch(s, streams);
                Flow::Cycle
            }
            Some(Err(e)) => {
                tracing::warn!(hub = %self.task.context, "watch: {}", classify(&e));
                self.unwatch(s, streams);
                Flow::Cycle
            }
            Some(Ok(WatchEvent::Error(st))) => {
                if st.code == 405 {
                    tracing::info!(hub = %self.task.context, "watch not supported (405): polled");
                    self.sources[s].watchable = false;
                } else {
                    tracing::info!(hub = %self.task.context, code = st.code, "watch: {}", st.message);
                }
                self.unwatch(s, streams);
                Flow::Cycle
            }
            Some(Ok(WatchEvent::Bookmark(_))) => Flow::Go,
            Some(Ok(WatchEvent::Added(o) | WatchEvent::Modified(o))) => {
                self.event(s, o, false).await
            }
            Some(Ok(WatchEvent::Deleted(o))) => self.event(s, o, true).await,
        }
    }

    /// One object event: placed in its member by the annotation (a DELETED event carries none:
    /// by the member holding its uid), applied when it moved.
    async fn event(&mut self, s: usize, o: RawObject, deleted: bool) -> Flow {
        let holder = |uid: Option<&str>| {
            let uid = uid?;
            self.rows
                .iter()
                .find(|(_, r)| r.seen[s].contains_key(uid))
                .map(|(n, _)| n.clone())
        };
        let member = match list::cluster_of(&o) {
            Some(m) => m.to_string(),
            None if deleted => match holder(o.value["metadata"]["uid"].as_str()) {
                Some(m) => m,
                None => return Flow::Go,
            },
            None => return Flow::Go,
        };
        if let Some(only) = &self.task.server.only
            && *only != member
        {
            return Flow::Go;
        }
        if !self.rows.contains_key(&member) {
            // Without a member list, a member is known by its objects: it joins here.
            if self.roster != Some(false) || deleted {
                return Flow::Go;
            }
            self.join(Member {
                name: member.clone(),
                apiserver: None,
            })
            .await;
            let mut stats = CycleStats::default();
            if self.list_member(&member, &mut stats, true).await.is_err() {
                return Flow::Cycle;
            }
        }
        if let Some(only) = &self.sources[s].only
            && !only.keeps(&o)
        {
            return Flow::Go;
        }
        let (bp, source) = (self.sources[s].bp, self.sources[s].source);
        let blueprint = self.task.blueprints.get(bp);
        let Some(row) = self.rows.get_mut(&member) else {
            return Flow::Go;
        };
        if !row.synced[s] {
            // Its list has not been read yet: that list brings this object.
            return Flow::Go;
        }
        let md = &o.value["metadata"];
        let Some(uid) = md["uid"].as_str() else {
            return Flow::Go;
        };
        let rv = md["resourceVersion"].as_str().unwrap_or("");
        let cluster = row.id;
        let change = if deleted {
            row.seen[s].remove(uid).map(|_| Change::Delete {
                cluster,
                bp,
                uid: uid.into(),
            })
        } else {
            if row.seen[s]
                .get(uid)
                .is_some_and(|old| already_held(old, rv, &member))
            {
                return Flow::Go;
            }
            let held = row.seen[s].insert(uid.into(), rv.into()).is_some();
            match blueprint.project(source as usize, &o.value) {
                Some(record) => Some(Change::Apply { cluster, record }),
                None if held => Some(Change::Delete {
                    cluster,
                    bp,
                    uid: uid.into(),
                }),
                None => None,
            }
        };
        match change {
            Some(c) => {
                if self.send(c).await {
                    Flow::Go
                } else {
                    Flow::Stop
                }
            }
            None => Flow::Go,
        }
    }

    /// List source `s` for each member not listed for it yet (joined while it is watched).
    pub(super) async fn catch_up(
        &mut self,
        s: usize,
        path: &str,
        stats: &mut CycleStats,
    ) -> Result<(), Failure> {
        let names: Vec<String> = self
            .rows
            .iter()
            .filter(|(_, r)| !r.synced[s])
            .map(|(n, _)| n.clone())
            .collect();
        for name in names {
            self.list_one(&name, s, path, stats).await?;
        }
        Ok(())
    }

    /// List every source (or only the watched ones) of one member through its own path.
    async fn list_member(
        &mut self,
        name: &str,
        stats: &mut CycleStats,
        all: bool,
    ) -> Result<(), Failure> {
        for s in 0..self.sources.len() {
            let Some(path) = self.sources[s].path.clone() else {
                continue;
            };
            if all || self.sources[s].watching {
                self.list_one(name, s, &path, stats).await?;
            }
        }
        Ok(())
    }

    /// List source `s` of member `name` through its own path and send the differences.
    async fn list_one(
        &mut self,
        name: &str,
        s: usize,
        path: &str,
        stats: &mut CycleStats,
    ) -> Result<(), Failure> {
        let src = &self.sources[s];
        let sel: Vec<(&str, String)> = src.selectors.iter().map(|(k, v)| (*k, v.clone())).collect();
        let sel: Vec<(&str, &str)> = sel.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let tree = src.tree.clone();
        match self
            .list(&format!("/clusters/{name}{path}"), &sel, &tree)
            .await
        {
            Ok(l) => {
                stats.requests += l.requests;
                stats.sent += self.resync(name, s, l.items).await;
                Ok(())
            }
            Err(f) if f.is_cluster_wide() => Err(f),
            // A member removed meanwhile (400), or this kind refused for it: the next cycle says.
            Err(f) => {
                tracing::info!(hub = %self.task.context, member = name, "listing a member: {f}");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memory_resource_version_is_read_per_member_and_repeats_are_recognised() {
        // {"member1":"270","member2":"259"} and {"member1":"263"}, as the hub sends them.
        let both = "eyJtZW1iZXIxIjoiMjcwIiwibWVtYmVyMiI6IjI1OSJ9";
        let older = "eyJtZW1iZXIxIjoiMjYzIn0";
        assert_eq!(member_rv(both, "member1"), Some(270));
        assert_eq!(member_rv(both, "member2"), Some(259));
        assert_eq!(member_rv(older, "member2"), None);
        assert_eq!(member_rv("12345", "member1"), None);
        assert!(already_held(both, older, "member1"), "an older event");
        assert!(!already_held(older, both, "member1"), "a newer one");
        assert!(already_held("7", "7", "m"));
        assert!(
            !already_held("7", "8", "m"),
            "plain versions: applied when they differ"
        );
    }

    #[test]
    fn discovery_names_the_kinds_offered_for_watch() {
        let text = r#"{"resources":[{"name":"deployments","verbs":["get","list","watch"]},{"name":"statefulsets","verbs":["get","list"]}]}"#;
        let list: ResourceList = serde_json::from_str(text).expect("list");
        let w: Vec<&str> = list
            .resources
            .iter()
            .filter(|r| r.verbs.iter().any(|v| v == "watch"))
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(w, vec!["deployments"]);
    }
}
