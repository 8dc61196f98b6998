//! `SimCluster`: one simulated cluster's state, fault knobs, journal and test helpers.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;

use super::faults::{Faults, ForbidRule};
use super::journal::{Journal, JournalEntry};
use super::object::{StoredObject, store_key};
use super::patch::{self, PatchError, PatchKind};
use super::resource::SimResource;
use super::status::ApiError;
use super::store::Inner;

/// Which part of an object an update may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The main resource: status is kept as stored.
    Main,
    /// The `status` subresource: only status changes.
    Status,
    /// Internal writers (controller, test helpers): everything but identity.
    Full,
}

/// Locks a mutex, ignoring poisoning (a panicked holder leaves consistent data here).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One simulated Kubernetes cluster: an in-memory object store with a monotonically increasing
/// resourceVersion, watch history, a request journal and fault-injection knobs.
///
/// Serve it with [`super::SimServer`]; drive its workloads with [`SimCluster::start_controller`].
pub struct SimCluster {
    name: String,
    pub(crate) store: Mutex<Inner>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) journal: Mutex<Journal>,
    /// Bumped to make every open watch/log stream drop its connection.
    pub(crate) stream_epoch: tokio::sync::watch::Sender<u64>,
    bookmark_interval: Mutex<Duration>,
    /// Exec and port-forward: upgrades seen, resizes, subprotocols spoken.
    pub(crate) remote: Mutex<crate::http::remote::RemoteState>,
    /// While true, requests wait before they are handled ([`SimCluster::hold_requests`]).
    pub(crate) gate: tokio::sync::watch::Sender<bool>,
    /// The paths of the requests waiting at the gate now.
    pub(crate) held: Mutex<Vec<String>>,
}

impl std::fmt::Debug for SimCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimCluster")
            .field("name", &self.name)
            .field("resource_version", &self.resource_version())
            .finish_non_exhaustive()
    }
}

impl SimCluster {
    /// An empty cluster named `name` (the name also seeds its deterministic uids and suffixes).
    pub fn new(name: impl Into<String>) -> SimCluster {
        let name = name.into();
        SimCluster {
            store: Mutex::new(Inner::new(&name)),
            name,
            faults: Mutex::new(Faults::default()),
            journal: Mutex::new(Journal::new(50_000)),
            stream_epoch: tokio::sync::watch::Sender::new(0),
            bookmark_interval: Mutex::new(Duration::from_secs(10)),
            remote: Mutex::default(),
            gate: tokio::sync::watch::Sender::new(false),
            held: Mutex::default(),
        }
    }

    /// The cluster's name (the kubeconfig context/cluster name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current (latest assigned) resourceVersion.
    pub fn resource_version(&self) -> u64 {
        lock(&self.store).rv
    }

    // ---- auth and faults -------------------------------------------------------------------

    /// Serve the metrics API (metrics-server), leave it out (404), or forbid it (403).
    pub fn set_metrics(&self, mode: crate::MetricsMode) {
        lock(&self.faults).metrics = mode;
    }

    /// Requires `Authorization: Bearer <token>` on every request (`None`: no auth).
    pub fn set_token(&self, token: Option<String>) {
        lock(&self.faults).token = token;
    }

    /// The expected bearer token, if auth is on.
    pub fn token(&self) -> Option<String> {
        lock(&self.faults).token.clone()
    }

    /// While `true`, every request gets 401 (an expired credential).
    pub fn set_token_expired(&self, expired: bool) {
        lock(&self.faults).token_expired = expired;
    }

    /// The user name RBAC denials mention (default `viewer`).
    pub fn set_user(&self, user: impl Into<String>) {
        lock(&self.faults).user = user.into();
    }

    /// Denies `verbs` (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`) on `res` with 403; an empty slice denies every verb.
    /// Subresources (`scale`, `log`, `status`) are covered by their parent's rule.
    pub fn forbid(&self, res: SimResource, verbs: &[&str]) {
        lock(&self.faults).forbidden.push(ForbidRule {
            res,
            verbs: verbs.iter().map(|v| v.to_string()).collect(),
        });
    }

    /// Removes every [`SimCluster::forbid`] rule.
    pub fn allow_all(&self) {
        lock(&self.faults).forbidden.clear();
    }

    /// Delays every request by `latency` before it is handled.
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.faults).latency = latency;
    }

    /// Holds every request that comes in from now on (before it is handled) until
    /// [`SimCluster::release_requests`]: a test sees which requests a client has in flight at
    /// once ([`SimCluster::held_requests`]) without timing anything.
    pub fn hold_requests(&self) {
        self.gate.send_replace(true);
    }

    /// Lets every held request (and every later one) through.
    pub fn release_requests(&self) {
        self.gate.send_replace(false);
    }

    /// The paths of the requests waiting at the gate now, in arrival order.
    pub fn held_requests(&self) -> Vec<String> {
        lock(&self.held).clone()
    }

    /// While `true`, every (authenticated) request fails with 500 `InternalError`.
    pub fn set_fail_all(&self, fail: bool) {
        lock(&self.faults).fail_all = fail;
    }

    /// Closes every open watch and log stream now, mid-stream, without a clean end.
    pub fn drop_watches(&self) {
        self.stream_epoch.send_modify(|e| *e += 1);
    }

    /// Compacts history: watches from older resourceVersions and older `continue` tokens
    /// get 410 Expired.
    pub fn compact(&self) {
        lock(&self.store).compact();
    }

    /// How often watches with `allowWatchBookmarks=true` get a BOOKMARK (default 10 s).
    pub fn set_bookmark_interval(&self, every: Duration) {
        *lock(&self.bookmark_interval) = every.max(Duration::from_millis(10));
    }

    /// Bookmark period.
    pub fn bookmark_interval(&self) -> Duration {
        *lock(&self.bookmark_interval)
    }

    /// How many events per resource the watch history keeps (default 20 000).
    pub fn set_history_limit(&self, events: usize) {
        lock(&self.store).history_cap = events.max(1);
    }

    // ---- journal ---------------------------------------------------------------------------

    /// Every request received so far (oldest first; bounded to the last 50 000).
    pub fn journal(&self) -> Vec<JournalEntry> {
        lock(&self.journal).snapshot()
    }

    /// Forgets the journal.
    pub fn clear_journal(&self) {
        lock(&self.journal).clear();
    }

    pub(crate) fn record(&self, entry: JournalEntry) {
        lock(&self.journal).push(entry);
    }

    // ---- truth and direct mutation ---------------------------------------------------------

    /// Current objects of the resource `group`/`version`/`plural` (empty if not served).
    pub fn objects(&self, group: &str, version: &str, plural: &str) -> Vec<Value> {
        SimResource::from_gvr(group, version, plural)
            .map(|r| self.list(r))
            .unwrap_or_default()
    }

    /// Current objects of `res`, in etcd key order.
    pub fn list(&self, res: SimResource) -> Vec<Value> {
        self.snapshot(res).into_iter().map(|o| o.value()).collect()
    }

    /// One object (`namespace` is ignored for cluster-scoped resources).
    pub fn get(&self, res: SimResource, namespace: Option<&str>, name: &str) -> Option<Value> {
        let ns = if res.namespaced() { namespace } else { None };
        lock(&self.store)
            .get(res, &store_key(ns, name))
            .map(|o| o.value())
    }

    /// Creates an object as a POST would (kind/apiVersion pick the resource; defaults,
    /// uid, timestamps and generateName are filled in). Emits ADDED.
    pub fn create(&self, obj: Value) -> Result<Value, ApiError> {
        let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        let res = SimResource::from_api_version_kind(api_version, kind).ok_or_else(|| {
            ApiError::bad_request(format!(
                "no kind {kind:?} is registered for version {api_version:?}"
            ))
        })?;
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.op_create(res, ns.as_deref(), obj, false)
            .map(|o| o.value())
    }

    /// Applies a patch to an object as a PATCH request would (status is preserved, generation
    /// bumps on spec changes). Emits MODIFIED unless the patch is a no-op.
    pub fn patch(
        &self,
        res: SimResource,
        namespace: Option<&str>,
        name: &str,
        kind: PatchKind,
        patch: &Value,
    ) -> Result<Value, ApiError> {
        self.op_update(res, namespace, name, Scope::Main, false, |cur| {
            patch::apply(kind, cur, patch).map_err(|e| match e {
                PatchError::BadRequest(m) => ApiError::bad_request(m),
                PatchError::Invalid(m) => ApiError::unprocessable(m),
            })
        })
        .map(|o| o.value())
    }

    /// Edits an object in place, status included (like a controller's write). Emits MODIFIED
    /// unless nothing changed.
    pub fn update(
        &self,
        res: SimResource,
        namespace: Option<&str>,
        name: &str,
        edit: impl FnOnce(&mut Value),
    ) -> Result<Value, ApiError> {
        self.op_update(res, namespace, name, Scope::Full, false, |cur| {
            let mut v = cur.clone();
            edit(&mut v);
            Ok(v)
        })
        .map(|o| o.value())
    }

    /// Removes an object immediately (no grace period). Emits DELETED; dependents are
    /// garbage-collected by the controller.
    pub fn delete(
        &self,
        res: SimResource,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Value, ApiError> {
        let ns = if res.namespaced() { namespace } else { None };
        lock(&self.store)
            .remove(res, &store_key(ns, name), None)
            .map(|o| o.value())
            .ok_or_else(|| ApiError::not_found(res, name))
    }

    /// Replaces existing objects by the given values in one go (one lock; one MODIFIED each,
    /// as a burst of controller writes), skipping values whose object is gone. Identity comes
    /// from each value's `metadata` (namespace, name); nothing is validated. Returns how many
    /// objects were replaced.
    pub fn replace_many(&self, res: SimResource, values: Vec<Value>) -> usize {
        let mut store = lock(&self.store);
        let mut n = 0;
        for v in values {
            let meta = &v["metadata"];
            let ns = meta["namespace"].as_str().filter(|_| res.namespaced());
            let key = store_key(ns, meta["name"].as_str().unwrap_or_default());
            if store.get(res, &key).is_some() {
                store.replace(res, key, v);
                n += 1;
            }
        }
        n
    }

    /// Arc snapshot of every object of `res` (cheap: no object is cloned).
    pub(crate) fn snapshot(&self, res: SimResource) -> Vec<Arc<StoredObject>> {
        lock(&self.store)
            .table(res)
            .objects
            .values()
            .cloned()
            .collect()
    }
}
