//! Pods as controllers and kubelets write them: from templates, then Pending/Running/Succeeded.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

use super::util::{self, str_at};

/// What the simulated kubelet should make of a running pod.
#[derive(Clone, Debug, Default)]
pub(crate) struct Desired {
    /// Containers that crash-loop.
    pub crash: Vec<String>,
    /// Whether the healthy containers may report ready (the `max-ready` knob caps this).
    pub ready_allowed: bool,
}

/// `imageID` the runtime reports for an image (`repo@sha256:…`).
pub(crate) fn image_id(image: &str) -> String {
    let repo = image.split('@').next().unwrap_or(image);
    let repo = match repo.rsplit_once(':') {
        Some((r, tag)) if !tag.contains('/') => r,
        _ => repo,
    };
    let first = repo.split('/').next().unwrap_or("");
    let has_registry = repo.contains('/') && (first.contains('.') || first.contains(':'));
    let full = if has_registry {
        repo.to_string()
    } else if repo.contains('/') {
        format!("docker.io/{repo}")
    } else {
        format!("docker.io/library/{repo}")
    };
    format!("{full}@sha256:{}", util::pseudo_sha256(image))
}

/// A stable containerd id for one instance of a container.
pub(crate) fn container_id(pod_uid: &str, container: &str, instance: i64) -> String {
    let hash = util::pseudo_sha256(&format!("{pod_uid}/{container}/{instance}"));
    format!("containerd://{hash}")
}

/// A pod IP in the node's pod CIDR (`10.244.<node>.x`), derived from the pod uid.
pub(crate) fn pod_ip(pod_uid: &str, node_index: usize) -> String {
    let h = util::fnv64a(pod_uid.as_bytes());
    format!("10.244.{}.{}", node_index % 256, 2 + h % 250)
}

/// Go's `time.Duration.String()` for whole seconds (`10s`, `1m20s`, `5m0s`).
fn go_duration(secs: i64) -> String {
    if secs < 60 {
        format!("{secs}s")
    } else {
        format!("{}m{}s", secs / 60, secs % 60)
    }
}

/// CrashLoopBackOff delay after `restarts` restarts (10 s doubling, capped at 5 min).
pub(crate) fn backoff_secs(restarts: i64) -> i64 {
    let exp = restarts.clamp(1, 6) - 1;
    (10_i64 << exp).min(300)
}

fn ts_plus(ts: Timestamp, secs: i64) -> Timestamp {
    ts.checked_add(SignedDuration::from_secs(secs))
        .unwrap_or(ts)
}

/// A pod to create from a workload's template.
pub(crate) struct NewPod<'a> {
    pub template: &'a Value,
    pub owner: &'a Value,
    pub namespace: &'a str,
    /// Exact name (StatefulSets); `None` uses `generate_name`.
    pub name: Option<&'a str>,
    pub generate_name: &'a str,
    pub extra_labels: &'a [(&'a str, String)],
    /// Node to bind to right away (what the scheduler would pick).
    pub node: Option<&'a str>,
}

impl NewPod<'_> {
    /// The pod object (identity and defaults are filled in on create).
    pub fn build(&self, now: &str) -> Value {
        let mut labels = self
            .template
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (k, v) in self.extra_labels {
            labels.insert((*k).to_string(), json!(v));
        }
        let mut meta = Map::new();
        match self.name {
            Some(n) => {
                meta.insert("name".into(), json!(n));
            }
            None => {
                meta.insert("generateName".into(), json!(self.generate_name));
            }
        }
        meta.insert("namespace".into(), json!(self.namespace));
        meta.insert("labels".into(), Value::Object(labels));
        if let Some(a) = self
            .template
            .pointer("/metadata/annotations")
            .filter(|a| a.is_object())
        {
            meta.insert("annotations".into(), a.clone());
        }
        meta.insert(
            "ownerReferences".into(),
            json!([util::owner_ref(self.owner)]),
        );
        let mut spec = self.template.get("spec").cloned().unwrap_or(json!({}));
        let mut status = json!({"phase": "Pending"});
        if let Some(n) = self.node {
            util::ensure_object(&mut spec).insert("nodeName".into(), json!(n));
            status["conditions"] = json!([scheduled_condition(now)]);
        }
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": meta,
            "spec": spec,
            "status": status,
        })
    }
}

fn scheduled_condition(at: &str) -> Value {
    json!({"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": at})
}

/// Binds a pending pod to `node` (what the scheduler does).
pub(crate) fn schedule(pod: &mut Value, node: &str, now: &str) {
    util::child(util::ensure_object(pod), "spec").insert("nodeName".into(), json!(node));
    let status = util::child(util::ensure_object(pod), "status");
    status.insert("conditions".into(), json!([scheduled_condition(now)]));
}

/// Keeps a condition's `lastTransitionTime` when its status did not change.
fn condition(
    old: Option<&Value>,
    kind: &str,
    ok: bool,
    reason: Option<&str>,
    message: Option<String>,
    now: &str,
) -> Value {
    let status = if ok { "True" } else { "False" };
    let prev = old
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| str_at(c, "/type") == kind));
    let since = match prev {
        Some(p) if str_at(p, "/status") == status => str_at(p, "/lastTransitionTime").to_string(),
        _ => now.to_string(),
    };
    let mut c =
        json!({"type": kind, "status": status, "lastProbeTime": null, "lastTransitionTime": since});
    if let Some(r) = reason {
        c["reason"] = json!(r);
    }
    if let Some(m) = message {
        c["message"] = json!(m);
    }
    c
}

fn container_specs(pod: &Value) -> Vec<(String, String)> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    (
                        str_at(c, "/name").to_string(),
                        str_at(c, "/image").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The status a kubelet posts for a running pod, given what should crash and be ready.
/// Existing timestamps are kept so that recomputing an unchanged pod is a no-op.
pub(crate) fn running_status(
    pod: &Value,
    d: &Desired,
    host_ip: &str,
    ip: &str,
    now: Timestamp,
) -> Value {
    let now_s = util::rfc3339(now);
    let old = pod.get("status");
    let uid = str_at(pod, "/metadata/uid");
    let pod_ref = format!(
        "{}_{}({uid})",
        str_at(pod, "/metadata/name"),
        str_at(pod, "/metadata/namespace")
    );
    let start_time = old
        .and_then(|s| s.get("startTime"))
        .and_then(Value::as_str)
        .unwrap_or(&now_s)
        .to_string();
    let old_cs = |name: &str| {
        old.and_then(|s| s.get("containerStatuses"))
            .and_then(Value::as_array)
            .and_then(|cs| cs.iter().find(|c| str_at(c, "/name") == name))
    };
    let mut statuses = Vec::new();
    let mut unready = Vec::new();
    for (name, image) in container_specs(pod) {
        let prev = old_cs(&name);
        let restarts = prev
            .map(|p| util::i64_at(p, "/restartCount", 0))
            .unwrap_or(0);
        if d.crash.contains(&name) {
            let last_finish = prev
                .filter(|p| {
                    p.pointer("/state/waiting/reason").and_then(Value::as_str)
                        == Some("CrashLoopBackOff")
                })
                .and_then(|p| util::parse_time(str_at(p, "/lastState/terminated/finishedAt")));
            let (restarts, finished) = match last_finish {
                Some(f) if ts_plus(f, backoff_secs(restarts)) > now => (restarts, f),
                _ => (restarts + 1, now),
            };
            let cid = container_id(uid, &name, restarts - 1);
            statuses.push(json!({
                "name": name,
                "state": {"waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": format!("back-off {} restarting failed container={name} pod={pod_ref}", go_duration(backoff_secs(restarts))),
                }},
                "lastState": {"terminated": {
                    "exitCode": 1,
                    "reason": "Error",
                    "startedAt": util::rfc3339(ts_plus(finished, -2)),
                    "finishedAt": util::rfc3339(finished),
                    "containerID": cid,
                }},
                "ready": false,
                "restartCount": restarts,
                "image": image,
                "imageID": image_id(&image),
                "containerID": cid,
                "started": false,
            }));
            unready.push(name);
        } else {
            let started_at = prev
                .and_then(|p| p.pointer("/state/running/startedAt"))
                .and_then(Value::as_str)
                .unwrap_or(&now_s)
                .to_string();
            let last_state = prev
                .and_then(|p| p.get("lastState"))
                .filter(|_| restarts > 0)
                .cloned()
                .unwrap_or(json!({}));
            statuses.push(json!({
                "name": name,
                "state": {"running": {"startedAt": started_at}},
                "lastState": last_state,
                "ready": d.ready_allowed,
                "restartCount": restarts,
                "image": image,
                "imageID": image_id(&image),
                "containerID": container_id(uid, &name, restarts),
                "started": true,
            }));
            if !d.ready_allowed {
                unready.push(name);
            }
        }
    }
    let ready = unready.is_empty();
    let (reason, msg) = if ready {
        (None, None)
    } else {
        (
            Some("ContainersNotReady"),
            Some(format!(
                "containers with unready status: [{}]",
                unready.join(" ")
            )),
        )
    };
    let scheduled_at = old
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| str_at(c, "/type") == "PodScheduled"))
        .map(|c| str_at(c, "/lastTransitionTime").to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| start_time.clone());
    let mut containers_ready = condition(old, "ContainersReady", ready, reason, None, &now_s);
    if !ready && let Some(m) = &msg {
        containers_ready["message"] = json!(m);
    }
    json!({
        "phase": "Running",
        "conditions": [
            condition(old, "Initialized", true, None, None, &now_s),
            condition(old, "Ready", ready, reason, msg.clone(), &now_s),
            containers_ready,
            {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": scheduled_at},
        ],
        "hostIP": host_ip,
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "startTime": start_time,
        "containerStatuses": statuses,
        "qosClass": old.map(|s| str_at(s, "/qosClass")).filter(|q| !q.is_empty()).unwrap_or("BestEffort"),
    })
}

/// The status of a pod whose containers all exited 0 (Job pods).
pub(crate) fn succeeded_status(pod: &Value, now: Timestamp) -> Value {
    let now_s = util::rfc3339(now);
    let old = pod.get("status").cloned().unwrap_or(json!({}));
    let uid = str_at(pod, "/metadata/uid");
    let start = str_at(&old, "/startTime");
    let start = if start.is_empty() {
        now_s.clone()
    } else {
        start.to_string()
    };
    let statuses: Vec<Value> = container_specs(pod)
        .into_iter()
        .map(|(name, image)| {
            let cid = container_id(uid, &name, 0);
            json!({
                "name": name,
                "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": start, "finishedAt": now_s, "containerID": cid}},
                "lastState": {},
                "ready": false,
                "restartCount": 0,
                "image": image,
                "imageID": image_id(&image),
                "containerID": cid,
                "started": false,
            })
        })
        .collect();
    let completed = |kind: &str, ok: bool| {
        let mut c = json!({"type": kind, "status": if ok { "True" } else { "False" }, "lastProbeTime": null, "lastTransitionTime": now_s});
        if kind != "PodScheduled" {
            c["reason"] = json!("PodCompleted");
        }
        c
    };
    json!({
        "phase": "Succeeded",
        "conditions": [completed("Initialized", true), completed("Ready", false), completed("ContainersReady", false), completed("PodScheduled", true)],
        "hostIP": old.get("hostIP").cloned().unwrap_or(Value::Null),
        "podIP": old.get("podIP").cloned().unwrap_or(Value::Null),
        "podIPs": old.get("podIPs").cloned().unwrap_or(json!([])),
        "startTime": start,
        "containerStatuses": statuses,
        "qosClass": old.get("qosClass").cloned().unwrap_or(json!("BestEffort")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_ids() {
        assert!(image_id("envoy:1.30").starts_with("docker.io/library/envoy@sha256:"));
        assert!(
            image_id("registry.example/checkout:1.4.2")
                .starts_with("registry.example/checkout@sha256:")
        );
        assert!(image_id("localhost:5000/a/b:1").starts_with("localhost:5000/a/b@sha256:"));
        assert!(image_id("bitnami/redis:7").starts_with("docker.io/bitnami/redis@sha256:"));
    }

    #[test]
    fn backoff_and_durations() {
        assert_eq!(backoff_secs(1), 10);
        assert_eq!(backoff_secs(4), 80);
        assert_eq!(backoff_secs(9), 300);
        assert_eq!(go_duration(300), "5m0s");
        assert_eq!(go_duration(80), "1m20s");
    }

    #[test]
    fn running_status_is_stable_and_crashloops() {
        let pod = json!({"metadata": {"name": "p", "namespace": "n", "uid": "u"},
                         "spec": {"containers": [{"name": "app", "image": "a:1"}, {"name": "envoy", "image": "envoy:1.30"}]},
                         "status": {"phase": "Pending", "qosClass": "BestEffort"}});
        let d = Desired {
            crash: vec!["envoy".into()],
            ready_allowed: true,
        };
        let now = Timestamp::now();
        let s1 = running_status(&pod, &d, "10.1.0.5", "10.244.1.7", now);
        let mut pod2 = pod.clone();
        pod2["status"] = s1.clone();
        let later = ts_plus(now, 3);
        let s2 = running_status(&pod2, &d, "10.1.0.5", "10.244.1.7", later);
        assert_eq!(s1, s2, "no restart before the back-off expires");
        assert_eq!(s1["containerStatuses"][1]["restartCount"], 1);
        assert_eq!(s1["conditions"][1]["status"], "False");
        assert_eq!(
            s1["conditions"][1]["message"],
            "containers with unready status: [envoy]"
        );
        let much_later = ts_plus(now, 11);
        let s3 = running_status(&pod2, &d, "10.1.0.5", "10.244.1.7", much_later);
        assert_eq!(s3["containerStatuses"][1]["restartCount"], 2);
        let healthy = running_status(
            &pod,
            &Desired {
                crash: vec![],
                ready_allowed: true,
            },
            "h",
            "i",
            now,
        );
        assert!(crate::object::pod_ready(&json!({"status": healthy})));
    }
}
