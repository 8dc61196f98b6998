//! The simulated control plane: deployment, replicaset, statefulset, daemonset and job
//! controllers, a scheduler, a kubelet and the garbage collector, run as one tick loop.
//!
//! Simulation knobs (annotations on a Deployment, StatefulSet or DaemonSet, or on a pod):
//! - `sim.kubeatlas.dev/crashloop: "<container>[,<container>…]"`: those containers wait in
//!   `CrashLoopBackOff` (lastState terminated `Error`, growing `restartCount`); the pod is
//!   Running but not Ready.
//! - `sim.kubeatlas.dev/max-ready: "N"`: at most N pods of the workload become Ready
//!   (under-replicated; rollouts with `maxUnavailable: 0` stall, as on a real cluster).

pub(crate) mod daemonset;
pub(crate) mod deployment;
mod gc;
pub(crate) mod history;
mod job;
mod kubelet;
mod replicaset;
pub(crate) mod statefulset;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Weak};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::cluster::Scope;
use super::cluster::{SimCluster, lock};
use super::object::StoredObject;
use super::ops::DeleteOpts;
use super::resource::SimResource;
use super::util;

/// Annotation naming the containers that crash-loop.
pub const CRASHLOOP_ANNOTATION: &str = "sim.kubeatlas.dev/crashloop";
/// Annotation capping how many pods of a workload become ready.
pub const MAX_READY_ANNOTATION: &str = "sim.kubeatlas.dev/max-ready";

/// A consistent snapshot of the whole cluster, with owner indexes (no object is parsed).
pub(crate) struct World {
    objs: Vec<Vec<Arc<StoredObject>>>,
    /// Owner uid → indexes into `objs[res]`, per resource.
    owned: Vec<HashMap<Box<str>, Vec<usize>>>,
    uids: HashSet<Box<str>>,
}

impl World {
    fn load(cluster: &SimCluster) -> World {
        let objs: Vec<Vec<Arc<StoredObject>>> = {
            let store = lock(&cluster.store);
            SimResource::ALL
                .iter()
                .map(|r| store.table(*r).objects.values().cloned().collect())
                .collect()
        };
        let owned = objs
            .iter()
            .map(|list| {
                let mut m: HashMap<Box<str>, Vec<usize>> = HashMap::new();
                for (i, o) in list.iter().enumerate() {
                    if let Some(uid) = &o.meta.owner {
                        m.entry(uid.clone()).or_default().push(i);
                    }
                }
                m
            })
            .collect();
        let uids = objs.iter().flatten().map(|o| o.meta.uid.clone()).collect();
        World { objs, owned, uids }
    }

    /// Every object of `res`.
    pub fn of(&self, res: SimResource) -> &[Arc<StoredObject>] {
        &self.objs[res.index()]
    }

    /// Objects of `res` whose controller owner has `uid`.
    pub fn owned_by(&self, res: SimResource, uid: &str) -> Vec<&Arc<StoredObject>> {
        let list = &self.objs[res.index()];
        self.owned[res.index()]
            .get(uid)
            .map(|ix| ix.iter().map(|i| &list[*i]).collect())
            .unwrap_or_default()
    }

    /// Live (not terminating) pods controlled by `uid`.
    pub fn pods_of(&self, uid: &str) -> Vec<&Arc<StoredObject>> {
        self.owned_by(SimResource::Pods, uid)
            .into_iter()
            .filter(|p| !p.is_terminating())
            .collect()
    }

    /// Whether any object has this uid.
    pub fn exists(&self, uid: &str) -> bool {
        self.uids.contains(uid)
    }

    /// Names of schedulable nodes with their internal IPs, sorted by name.
    pub fn nodes(&self) -> Vec<(String, String)> {
        self.of(SimResource::Nodes)
            .iter()
            .filter(|n| !n.meta.facts.unschedulable && !n.is_terminating())
            .map(|n| (n.name().to_string(), n.meta.facts.internal_ip.to_string()))
            .collect()
    }
}

/// Controller state carried between ticks.
pub(crate) struct Controller {
    /// Pods seen Pending (bound) last tick: they start running this tick.
    seen_pending: HashSet<String>,
    /// Pods seen terminating last tick: they are removed this tick.
    seen_terminating: HashSet<String>,
    /// Job pods seen running last tick: they succeed this tick.
    seen_running_job: HashSet<String>,
    /// Deployment uid → (updated, available) last tick, to detect progress.
    progress: HashMap<String, (i64, i64)>,
    /// Workload uid → (resourceVersion, status inputs) of the last status check, so settled
    /// workloads are not re-parsed every pass.
    status_memo: HashMap<String, (u64, u64)>,
    node_rr: usize,
    last_rv: u64,
    next_due: Option<Timestamp>,
}

/// Stops the controller task when dropped.
#[derive(Debug)]
pub struct ControllerHandle {
    cancel: CancellationToken,
}

impl ControllerHandle {
    /// Stops the controller.
    pub fn stop(&self) {
        self.cancel.cancel();
    }
}

impl Drop for ControllerHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl Controller {
    pub fn new() -> Controller {
        Controller {
            seen_pending: HashSet::new(),
            seen_terminating: HashSet::new(),
            seen_running_job: HashSet::new(),
            progress: HashMap::new(),
            status_memo: HashMap::new(),
            node_rr: 0,
            last_rv: 0,
            next_due: None,
        }
    }

    /// Whether anything could change if a reconcile ran now.
    fn due(&self, cluster: &SimCluster) -> bool {
        cluster.resource_version() != self.last_rv
            || !self.seen_pending.is_empty()
            || !self.seen_terminating.is_empty()
            || !self.seen_running_job.is_empty()
            || self.next_due.is_some_and(|t| t <= Timestamp::now())
    }

    /// Round-robin node choice.
    pub fn next_node(&mut self, nodes: &[(String, String)]) -> Option<String> {
        if nodes.is_empty() {
            return None;
        }
        let n = nodes[self.node_rr % nodes.len()].0.clone();
        self.node_rr = self.node_rr.wrapping_add(1);
        Some(n)
    }

    /// Requests a reconcile no later than `at`.
    pub fn wake_at(&mut self, at: Timestamp) {
        self.next_due = Some(self.next_due.map_or(at, |t| t.min(at)));
    }

    /// One pass of every controller; returns whether anything was written.
    pub fn reconcile(&mut self, cluster: &SimCluster) -> bool {
        let before = cluster.resource_version();
        self.next_due = None;
        let world = World::load(cluster);
        gc::reconcile(cluster, &world);
        let live: HashSet<&str> = SimResource::ALL
            .iter()
            .flat_map(|r| world.of(*r))
            .map(|o| o.uid())
            .collect();
        self.status_memo
            .retain(|uid, _| live.contains(uid.as_str()));
        let world = World::load(cluster);
        deployment::reconcile(cluster, &world);
        let world = World::load(cluster);
        replicaset::reconcile(self, cluster, &world);
        statefulset::reconcile(self, cluster, &world);
        daemonset::reconcile(cluster, &world);
        history::reconcile(cluster, &world);
        job::reconcile(self, cluster, &world);
        let world = World::load(cluster);
        kubelet::reconcile(self, cluster, &world);
        let world = World::load(cluster);
        replicaset::update_status(self, cluster, &world);
        statefulset::update_status(self, cluster, &world);
        daemonset::update_status(self, cluster, &world);
        job::update_status(self, cluster, &world);
        let world = World::load(cluster);
        deployment::update_status(self, cluster, &world);
        let after = cluster.resource_version();
        // Converged when a pass writes nothing; otherwise look again next tick.
        self.last_rv = if after == before { after } else { before };
        after != before
    }
}

/// Creates an object through the API-server path (defaults, uid, generateName).
pub(crate) fn create(cluster: &SimCluster, value: Value) {
    let api_version = util::str_at(&value, "/apiVersion").to_string();
    let kind = util::str_at(&value, "/kind").to_string();
    let ns = util::str_at(&value, "/metadata/namespace").to_string();
    let Some(res) = SimResource::from_api_version_kind(&api_version, &kind) else {
        return;
    };
    let ns = (!ns.is_empty()).then_some(ns.as_str());
    if let Err(e) = cluster.op_create(res, ns, value, false) {
        tracing::debug!("sim controller: create {kind} failed: {e}");
    }
}

/// Writes an edit of an object (status included); no-op edits write nothing. Returns the
/// object as stored afterwards.
pub(crate) fn update(
    cluster: &SimCluster,
    obj: &StoredObject,
    edit: impl FnOnce(&mut Value),
) -> Option<Arc<StoredObject>> {
    let ns = (!obj.namespace().is_empty()).then_some(obj.namespace());
    let res = obj.res;
    match cluster.op_update(res, ns, obj.name(), Scope::Full, false, |cur| {
        let mut v = cur.clone();
        edit(&mut v);
        Ok(v)
    }) {
        Ok(o) => Some(o),
        Err(e) => {
            tracing::debug!("sim controller: update {} failed: {e}", obj.name());
            None
        }
    }
}

/// A fingerprint of a status computation's inputs.
pub(crate) fn fingerprint(parts: &[i64], text: &str) -> u64 {
    let mut bytes: Vec<u8> = parts.iter().flat_map(|p| p.to_le_bytes()).collect();
    bytes.extend_from_slice(text.as_bytes());
    util::fnv64a(&bytes)
}

impl Controller {
    /// Whether `obj`'s status was already computed from the same inputs.
    pub(crate) fn status_fresh(&self, obj: &StoredObject, inputs: u64) -> bool {
        self.status_memo.get(obj.uid()) == Some(&(obj.rv, inputs))
    }

    /// Records the status computation for `obj` (as stored after the write, if any).
    pub(crate) fn remember_status(
        &mut self,
        obj: &StoredObject,
        stored: Option<Arc<StoredObject>>,
        inputs: u64,
    ) {
        let rv = stored.map_or(obj.rv, |s| s.rv);
        self.status_memo.insert(obj.uid().to_string(), (rv, inputs));
    }
}

/// Deletes an object the way a controller does (pods gracefully).
pub(crate) fn delete(cluster: &SimCluster, obj: &StoredObject) {
    let ns = (!obj.namespace().is_empty()).then_some(obj.namespace());
    if let Err(e) = cluster.op_delete(obj.res, ns, obj.name(), &DeleteOpts::default()) {
        tracing::debug!("sim controller: delete {} failed: {e}", obj.name());
    }
}

impl SimCluster {
    /// Starts the controller loop for this cluster, reconciling every `tick` (e.g. 200 ms).
    /// It stops when the handle is dropped or the cluster is gone. Must be called inside a
    /// Tokio runtime.
    pub fn start_controller(self: &Arc<Self>, tick: Duration) -> ControllerHandle {
        let cancel = CancellationToken::new();
        let token = cancel.clone();
        let weak: Weak<SimCluster> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ctl = Controller::new();
            let mut interval = tokio::time::interval(tick.max(Duration::from_millis(10)));
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = token.cancelled() => return,
                    _ = interval.tick() => {}
                }
                let Some(cluster) = weak.upgrade() else {
                    return;
                };
                if ctl.due(&cluster) {
                    // Reconciling a large cluster is CPU work: keep it off the I/O threads.
                    let (c, mut moved) = (
                        cluster.clone(),
                        std::mem::replace(&mut ctl, Controller::new()),
                    );
                    match tokio::task::spawn_blocking(move || {
                        moved.reconcile(&c);
                        moved
                    })
                    .await
                    {
                        Ok(back) => ctl = back,
                        Err(_) => return,
                    }
                }
            }
        });
        ControllerHandle { cancel }
    }

    /// Runs the controllers synchronously until nothing changes (each pass counts as one
    /// tick), so the cluster starts in its settled state. Do not call while a controller
    /// task is running for this cluster.
    pub fn settle(&self) {
        let mut ctl = Controller::new();
        for _ in 0..64 {
            let wrote = ctl.reconcile(self);
            let waiting = !ctl.seen_pending.is_empty()
                || !ctl.seen_terminating.is_empty()
                || !ctl.seen_running_job.is_empty();
            if !wrote && !waiting {
                break;
            }
        }
    }
}
