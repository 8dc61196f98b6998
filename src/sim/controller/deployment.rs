//! Deployment controller: ReplicaSet per pod template, rolling updates, status and conditions.

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::{Controller, World, create, int_or_percent, replicas, update};
use crate::sim::cluster::SimCluster;
use crate::sim::object::StoredObject;
use crate::sim::podgen;
use crate::sim::resource::SimResource;
use crate::sim::util::{self, str_at};

const REVISION: &str = "deployment.kubernetes.io/revision";
const DESIRED: &str = "deployment.kubernetes.io/desired-replicas";
const MAX: &str = "deployment.kubernetes.io/max-replicas";
const HASH: &str = "pod-template-hash";

fn revision(obj: &Value) -> i64 {
    util::annotation(obj, REVISION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// `(maxSurge, maxUnavailable)` resolved against `desired`, never both zero.
pub(crate) fn surge_unavailable(d: &Value, desired: i64) -> (i64, i64) {
    if str_at(d, "/spec/strategy/type") == "Recreate" {
        return (0, desired);
    }
    let ru = d.pointer("/spec/strategy/rollingUpdate");
    let surge = int_or_percent(ru.and_then(|r| r.get("maxSurge")), desired, true, 1);
    let unavailable = int_or_percent(ru.and_then(|r| r.get("maxUnavailable")), desired, false, 0);
    if surge == 0 && unavailable == 0 {
        (1, 0)
    } else {
        (surge, unavailable)
    }
}

/// The pod-template-hash of a deployment's current template.
pub(crate) fn template_hash(d: &Value) -> String {
    let collisions = util::i64_at(d, "/status/collisionCount", 0).max(0) as u32;
    util::template_hash(
        d.pointer("/spec/template").unwrap_or(&Value::Null),
        collisions,
    )
}

/// The ReplicaSet a deployment creates for its current template.
pub(crate) fn new_replicaset(d: &Value, hash: &str, replicas: i64, revision: i64) -> Value {
    let name = format!("{}-{hash}", str_at(d, "/metadata/name"));
    let desired = super::replicas(d);
    let (surge, _) = surge_unavailable(d, desired);
    let mut template = d.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let labels = util::child(
        util::child(util::ensure_object(&mut template), "metadata"),
        "labels",
    );
    labels.insert(HASH.into(), json!(hash));
    let rs_labels = labels.clone();
    let mut selector = d.pointer("/spec/selector").cloned().unwrap_or(json!({}));
    util::child(util::ensure_object(&mut selector), "matchLabels").insert(HASH.into(), json!(hash));
    json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": str_at(d, "/metadata/namespace"),
            "labels": rs_labels,
            "annotations": {
                DESIRED: desired.to_string(),
                MAX: (desired + surge).to_string(),
                REVISION: revision.to_string(),
            },
            "ownerReferences": [util::owner_ref(d)],
        },
        "spec": {
            "replicas": replicas,
            "selector": selector,
            "template": template,
        },
    })
}

fn set_rs_replicas(cluster: &SimCluster, rs: &StoredObject, n: i64, d: &Value) {
    let desired = replicas(d);
    let (surge, _) = surge_unavailable(d, desired);
    update(cluster, rs, |v| {
        v["spec"]["replicas"] = json!(n);
        let ann = util::child(util::meta_mut(v), "annotations");
        ann.insert(DESIRED.into(), json!(desired.to_string()));
        ann.insert(MAX.into(), json!((desired + surge).to_string()));
    });
}

fn ready_count(world: &World, rs: &StoredObject) -> i64 {
    world
        .pods_of(rs.uid())
        .iter()
        .filter(|p| podgen::is_ready(&p.value))
        .count() as i64
}

pub(super) fn reconcile(cluster: &SimCluster, world: &World) {
    for d in world.of(SimResource::Deployments) {
        if podgen::is_terminating(&d.value) {
            continue;
        }
        let owned: Vec<&Arc<StoredObject>> = world.owned_by(SimResource::ReplicaSets, d.uid());
        let hash = template_hash(&d.value);
        let desired = replicas(&d.value);
        let paused = d.value.pointer("/spec/paused").and_then(Value::as_bool) == Some(true);
        let (surge, unavailable) = surge_unavailable(&d.value, desired);
        let max_rev = owned
            .iter()
            .map(|rs| revision(&rs.value))
            .max()
            .unwrap_or(0);
        let new_rs = owned
            .iter()
            .find(|rs| util::labels(&rs.value).any(|(k, v)| k == HASH && v == hash))
            .copied();
        let Some(new_rs) = new_rs else {
            if paused {
                continue;
            }
            let old_total: i64 = owned.iter().map(|rs| replicas(&rs.value)).sum();
            let initial = if old_total == 0 {
                desired
            } else {
                (desired + surge - old_total).clamp(0, desired)
            };
            create(
                cluster,
                new_replicaset(&d.value, &hash, initial, max_rev + 1),
            );
            let rev = (max_rev + 1).to_string();
            update(cluster, d, |v| {
                util::child(util::meta_mut(v), "annotations").insert(REVISION.into(), json!(rev));
            });
            continue;
        };
        // Rolled back to an older template: that ReplicaSet becomes the newest revision.
        let mut rev = revision(&new_rs.value);
        if rev < max_rev || rev == 0 {
            rev = max_rev + 1;
            let r = rev.to_string();
            update(cluster, new_rs, |v| {
                util::child(util::meta_mut(v), "annotations").insert(REVISION.into(), json!(r));
            });
        }
        if revision(&d.value) != rev {
            let r = rev.to_string();
            update(cluster, d, |v| {
                util::child(util::meta_mut(v), "annotations").insert(REVISION.into(), json!(r));
            });
        }
        if paused {
            continue;
        }
        let olds: Vec<&Arc<StoredObject>> = owned
            .iter()
            .filter(|rs| rs.uid() != new_rs.uid() && replicas(&rs.value) > 0)
            .copied()
            .collect();
        let new_replicas = replicas(&new_rs.value);
        if olds.is_empty() {
            if new_replicas != desired
                || util::annotation(&new_rs.value, DESIRED) != Some(desired.to_string().as_str())
            {
                set_rs_replicas(cluster, new_rs, desired, &d.value);
            }
            continue;
        }
        // Rolling update: surge the new ReplicaSet, then retire old replicas while keeping
        // at least `desired - maxUnavailable` pods ready.
        let old_total: i64 = olds.iter().map(|rs| replicas(&rs.value)).sum();
        let target_new = desired.min(new_replicas.max(desired + surge - old_total));
        if target_new != new_replicas {
            set_rs_replicas(cluster, new_rs, target_new, &d.value);
        }
        let min_available = desired - unavailable;
        let total_ready: i64 =
            ready_count(world, new_rs) + olds.iter().map(|rs| ready_count(world, rs)).sum::<i64>();
        let mut budget = (total_ready - min_available).max(0);
        let mut olds = olds;
        olds.sort_by_key(|rs| revision(&rs.value));
        for old in olds {
            let r = replicas(&old.value);
            let ready = ready_count(world, old).min(r);
            let cut_ready = ready.min(budget);
            budget -= cut_ready;
            let keep = r - (r - ready) - cut_ready;
            if keep != r {
                set_rs_replicas(cluster, old, keep, &d.value);
            }
        }
    }
}

/// A condition with the deployment controller's timestamp rules.
fn condition(
    old: &[Value],
    kind: &str,
    status: &str,
    reason: &str,
    message: String,
    progressed: bool,
    now: &str,
) -> Value {
    let prev = old.iter().find(|c| str_at(c, "/type") == kind);
    let same_status = prev.is_some_and(|p| str_at(p, "/status") == status);
    let unchanged = same_status
        && prev.is_some_and(|p| str_at(p, "/reason") == reason && str_at(p, "/message") == message)
        && !progressed;
    let keep = |field: &str, cond: bool| match prev {
        Some(p) if cond => str_at(p, &format!("/{field}")).to_string(),
        _ => now.to_string(),
    };
    json!({
        "type": kind,
        "status": status,
        "lastUpdateTime": keep("lastUpdateTime", unchanged),
        "lastTransitionTime": keep("lastTransitionTime", same_status),
        "reason": reason,
        "message": message,
    })
}

pub(super) fn update_status(ctl: &mut Controller, cluster: &SimCluster, world: &World) {
    let now_ts = Timestamp::now();
    let now = util::rfc3339(now_ts);
    let mut seen = std::collections::HashSet::new();
    for d in world.of(SimResource::Deployments) {
        seen.insert(d.uid().to_string());
        let owned = world.owned_by(SimResource::ReplicaSets, d.uid());
        let hash = template_hash(&d.value);
        let desired = replicas(&d.value);
        let (_, unavailable) = surge_unavailable(&d.value, desired);
        let new_rs = owned
            .iter()
            .find(|rs| util::labels(&rs.value).any(|(k, v)| k == HASH && v == hash));
        let spec_total: i64 = owned.iter().map(|rs| replicas(&rs.value)).sum();
        let mut actual = 0;
        let mut ready = 0;
        for rs in &owned {
            let pods = world.pods_of(rs.uid());
            actual += pods.len() as i64;
            ready += pods.iter().filter(|p| podgen::is_ready(&p.value)).count() as i64;
        }
        let updated = new_rs.map_or(0, |rs| world.pods_of(rs.uid()).len() as i64);
        let available = ready;
        let progressed = ctl
            .progress
            .insert(d.uid().to_string(), (updated, available))
            .is_some_and(|prev| prev != (updated, available));
        let old_conditions: Vec<Value> = d
            .value
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let paused = d.value.pointer("/spec/paused").and_then(Value::as_bool) == Some(true);
        let available_cond = if available >= desired - unavailable {
            (
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            )
        } else {
            (
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            )
        };
        let rs_name = new_rs.map(|rs| rs.name().to_string()).unwrap_or_default();
        let complete =
            new_rs.is_some() && updated == desired && actual == desired && available == desired;
        let (p_status, p_reason, p_message) = if paused {
            (
                "Unknown",
                "DeploymentPaused",
                "Deployment is paused".to_string(),
            )
        } else if complete {
            (
                "True",
                "NewReplicaSetAvailable",
                format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
            )
        } else {
            let deadline = util::i64_at(&d.value, "/spec/progressDeadlineSeconds", 600);
            let since = old_conditions
                .iter()
                .find(|c| str_at(c, "/type") == "Progressing")
                .and_then(|c| util::parse_time(str_at(c, "/lastUpdateTime")));
            let expired = !progressed
                && since.is_some_and(|t| {
                    t.checked_add(jiff::SignedDuration::from_secs(deadline))
                        .is_ok_and(|end| end <= now_ts)
                });
            if let Some(t) = since
                && let Ok(end) = t.checked_add(jiff::SignedDuration::from_secs(deadline + 1))
                && !expired
            {
                ctl.wake_at(end);
            }
            let already_expired = old_conditions
                .iter()
                .any(|c| str_at(c, "/reason") == "ProgressDeadlineExceeded")
                && !progressed;
            if expired || already_expired {
                (
                    "False",
                    "ProgressDeadlineExceeded",
                    format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
                )
            } else {
                (
                    "True",
                    "ReplicaSetUpdated",
                    format!("ReplicaSet \"{rs_name}\" is progressing."),
                )
            }
        };
        let conditions = json!([
            condition(
                &old_conditions,
                "Available",
                available_cond.0,
                available_cond.1,
                available_cond.2.to_string(),
                false,
                &now
            ),
            condition(
                &old_conditions,
                "Progressing",
                p_status,
                p_reason,
                p_message,
                progressed,
                &now
            ),
        ]);
        let generation = util::i64_at(&d.value, "/metadata/generation", 1);
        update(cluster, d, |v| {
            let status = util::child(util::ensure_object(v), "status");
            let mut fresh = Map::new();
            fresh.insert("observedGeneration".into(), json!(generation));
            util::set_count(&mut fresh, "replicas", actual);
            util::set_count(&mut fresh, "updatedReplicas", updated);
            util::set_count(&mut fresh, "readyReplicas", ready);
            util::set_count(&mut fresh, "availableReplicas", available);
            util::set_count(
                &mut fresh,
                "unavailableReplicas",
                (spec_total - available).max(0),
            );
            fresh.insert("conditions".into(), conditions);
            if let Some(c) = status.get("collisionCount") {
                fresh.insert("collisionCount".into(), c.clone());
            }
            *status = fresh;
        });
    }
    ctl.progress.retain(|uid, _| seen.contains(uid));
}
