//! Scheduler and kubelet: bind pods, start them, apply the crash-loop and max-ready knobs,
//! finish job pods and remove terminated ones.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jiff::Timestamp;
use serde_json::Value;

use super::{CRASHLOOP_ANNOTATION, Controller, MAX_READY_ANNOTATION, World, update};
use crate::cluster::{SimCluster, lock};
use crate::object::{StoredObject, store_key};
use crate::podgen::{self, Desired};
use crate::resource::SimResource;
use crate::util::{self, str_at};

/// The workload a pod belongs to for the knobs: its Deployment (through the ReplicaSet),
/// StatefulSet, DaemonSet or Job.
fn workload<'a>(
    pod: &StoredObject,
    by_uid: &'a HashMap<&str, &'a Arc<StoredObject>>,
) -> Option<&'a Arc<StoredObject>> {
    let owner = by_uid.get(pod.meta.owner.as_deref()?)?;
    if owner.res == SimResource::ReplicaSets
        && let Some(d) = owner.meta.owner.as_deref().and_then(|u| by_uid.get(u))
    {
        return Some(d);
    }
    Some(owner)
}

/// A knob from the pod's own annotations, else its workload's.
fn knob<'a>(
    pod: &'a StoredObject,
    wl: Option<&'a Arc<StoredObject>>,
    key: &str,
) -> Option<&'a str> {
    pod.knob(key).or_else(|| wl.and_then(|w| w.knob(key)))
}

fn crash_set(pod: &StoredObject, wl: Option<&Arc<StoredObject>>) -> Vec<String> {
    knob(pod, wl, CRASHLOOP_ANNOTATION)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn max_ready(pod: &StoredObject, wl: Option<&Arc<StoredObject>>) -> Option<i64> {
    knob(pod, wl, MAX_READY_ANNOTATION).and_then(|v| v.trim().parse().ok())
}

pub(super) fn reconcile(ctl: &mut Controller, cluster: &SimCluster, world: &World) {
    let now = Timestamp::now();
    let now_s = util::rfc3339(now);
    let nodes = world.nodes();
    let node_index: HashMap<&str, (usize, &str)> = nodes
        .iter()
        .enumerate()
        .map(|(i, (n, ip))| (n.as_str(), (i + 1, ip.as_str())))
        .collect();
    let by_uid: HashMap<&str, &Arc<StoredObject>> = [
        SimResource::Deployments,
        SimResource::ReplicaSets,
        SimResource::StatefulSets,
        SimResource::DaemonSets,
        SimResource::Jobs,
    ]
    .into_iter()
    .flat_map(|r| world.of(r).iter())
    .map(|o| (o.uid(), o))
    .collect();

    let pods = world.of(SimResource::Pods);
    let live: HashSet<&str> = pods.iter().map(|p| p.uid()).collect();
    ctl.seen_pending.retain(|u| live.contains(u.as_str()));
    ctl.seen_terminating.retain(|u| live.contains(u.as_str()));
    ctl.seen_running_job.retain(|u| live.contains(u.as_str()));

    // Ready budget per workload with a max-ready knob: pods already ready keep their slot.
    let mut keep_ready: HashSet<&str> = HashSet::new();
    let mut capped: Vec<(&Arc<StoredObject>, i64, String)> = pods
        .iter()
        .filter(|p| !p.is_terminating())
        .filter_map(|p| {
            let wl = workload(p, &by_uid);
            let max = max_ready(p, wl)?;
            let key = wl.map_or_else(|| p.uid().to_string(), |w| w.uid().to_string());
            Some((p, max, key))
        })
        .collect();
    capped.sort_by(|a, b| (!a.0.is_ready(), a.0.name()).cmp(&(!b.0.is_ready(), b.0.name())));
    let mut budget: HashMap<String, i64> = HashMap::new();
    for (p, max, key) in &capped {
        let left = budget.entry(key.clone()).or_insert(*max);
        let wl = workload(p, &by_uid);
        if *left > 0 && crash_set(p, wl).is_empty() {
            *left -= 1;
            keep_ready.insert(p.uid());
        }
    }

    for pod in pods {
        let uid = pod.uid();
        if let Some(deadline) = &pod.meta.deleting {
            let due = util::parse_time(deadline).is_some_and(|t| t <= now);
            if ctl.seen_terminating.contains(uid) || due {
                let key = store_key(Some(pod.namespace()), pod.name());
                let mut store = lock(&cluster.store);
                if store
                    .get(SimResource::Pods, &key)
                    .is_some_and(|p| p.uid() == uid)
                {
                    store.remove(SimResource::Pods, &key, None);
                }
                ctl.seen_terminating.remove(uid);
            } else {
                ctl.seen_terminating.insert(uid.to_string());
            }
            continue;
        }
        let wl = workload(pod, &by_uid);
        let f = &pod.meta.facts;
        let desired = Desired {
            crash: crash_set(pod, wl),
            ready_allowed: max_ready(pod, wl).is_none() || keep_ready.contains(uid),
        };
        let (node_ix, host_ip) = node_index.get(&*f.node).copied().unwrap_or((0, "10.1.0.1"));
        match &*f.phase {
            "Pending" | "" => {
                if f.node.is_empty() {
                    if let Some(n) = ctl.next_node(&nodes) {
                        update(cluster, pod, |p| podgen::schedule(p, &n, &now_s));
                    }
                } else if ctl.seen_pending.remove(uid) {
                    let ip = podgen::pod_ip(uid, node_ix);
                    let status = podgen::running_status(&pod.value(), &desired, host_ip, &ip, now);
                    update(cluster, pod, |p| p["status"] = status);
                } else {
                    ctl.seen_pending.insert(uid.to_string());
                }
            }
            "Running" => {
                if wl.is_some_and(|w| w.res == SimResource::Jobs) {
                    if ctl.seen_running_job.remove(uid) {
                        let status = podgen::succeeded_status(&pod.value(), now);
                        update(cluster, pod, |p| p["status"] = status);
                    } else {
                        ctl.seen_running_job.insert(uid.to_string());
                    }
                    continue;
                }
                if f.settled && desired.crash.is_empty() && desired.ready_allowed {
                    continue;
                }
                let v = pod.value();
                let ip = match str_at(&v, "/status/podIP") {
                    "" => podgen::pod_ip(uid, node_ix),
                    ip => ip.to_string(),
                };
                let host = match str_at(&v, "/status/hostIP") {
                    "" => host_ip.to_string(),
                    h => h.to_string(),
                };
                let status = podgen::running_status(&v, &desired, &host, &ip, now);
                schedule_restarts(ctl, &status);
                update(cluster, pod, |p| p["status"] = status);
            }
            _ => {}
        }
    }
}

/// Wakes the controller when the next crash-loop back-off expires.
fn schedule_restarts(ctl: &mut Controller, status: &Value) {
    let Some(cs) = status.get("containerStatuses").and_then(Value::as_array) else {
        return;
    };
    for c in cs {
        if c.pointer("/state/waiting/reason").and_then(Value::as_str) != Some("CrashLoopBackOff") {
            continue;
        }
        let finished = util::parse_time(str_at(c, "/lastState/terminated/finishedAt"));
        let restarts = util::i64_at(c, "/restartCount", 1);
        if let Some(f) = finished
            && let Ok(at) = f.checked_add(jiff::SignedDuration::from_secs(podgen::backoff_secs(
                restarts,
            )))
        {
            ctl.wake_at(at);
        }
    }
}
