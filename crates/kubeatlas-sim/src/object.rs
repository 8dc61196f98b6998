//! A stored object: its serialized body (reused by LIST, GET and WATCH) and a compact index.

use bytes::Bytes;
use serde_json::Value;

use super::resource::SimResource;
use super::selector;
use super::util;

/// Annotations with this prefix are simulation knobs, indexed for the controller.
pub(crate) const KNOB_PREFIX: &str = "sim.kubeatlas.dev/";

/// What the controller and selectors need to know about an object without parsing it.
#[derive(Debug, Default)]
pub(crate) struct Meta {
    pub name: Box<str>,
    pub namespace: Box<str>,
    pub uid: Box<str>,
    pub created: Box<str>,
    pub labels: Vec<(Box<str>, Box<str>)>,
    /// `sim.kubeatlas.dev/*` annotations.
    pub knobs: Vec<(Box<str>, Box<str>)>,
    /// Uid of the controlling owner reference.
    pub owner: Option<Box<str>>,
    /// `metadata.deletionTimestamp`, when being deleted.
    pub deleting: Option<Box<str>>,
    /// Values of the resource's extra field-selector fields (e.g. `spec.nodeName`).
    pub fields: Vec<(&'static str, Box<str>)>,
    pub facts: Facts,
}

/// Resource-specific facts (defaults where they do not apply).
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// Pods: `status.phase`.
    pub phase: Box<str>,
    /// Pods: `spec.nodeName`.
    pub node: Box<str>,
    /// Pods: condition Ready=True.
    pub ready: bool,
    /// Pods: running, ready, every container running and ready (nothing for a kubelet to do).
    pub settled: bool,
    /// Workloads: `spec.replicas` (default 1).
    pub replicas: i64,
    /// Workloads: `metadata.generation`.
    pub generation: i64,
    /// Workloads: hash of `spec.template` (deployments include `status.collisionCount`).
    pub template_hash: Box<str>,
    /// Deployments: `spec.paused`.
    pub paused: bool,
    /// Deployments and ReplicaSets: `deployment.kubernetes.io/revision`.
    pub revision: i64,
    /// ReplicaSets: `deployment.kubernetes.io/desired-replicas`.
    pub desired_annotation: Option<i64>,
    /// Deployments: resolved `maxSurge` / `maxUnavailable`.
    pub surge: i64,
    pub max_unavailable: i64,
    /// StatefulSets: `podManagementPolicy: Parallel`.
    pub parallel: bool,
    /// StatefulSets: rolling-update partition.
    pub partition: i64,
    /// StatefulSets and DaemonSets: `updateStrategy.type: OnDelete`.
    pub on_delete: bool,
    /// Jobs: `spec.completions`, `spec.parallelism`, `spec.suspend`.
    pub completions: i64,
    pub parallelism: i64,
    pub suspend: bool,
    /// Workloads: integer fields of `status` (e.g. `readyReplicas`), sorted by name.
    pub status_ints: Vec<(Box<str>, i64)>,
    /// Workloads: `status.updateRevision` (StatefulSets).
    pub update_revision: Box<str>,
    /// Deployments: reasons of the Available and Progressing conditions.
    pub available_reason: Box<str>,
    pub progressing_reason: Box<str>,
    /// Nodes: the InternalIP address.
    pub internal_ip: Box<str>,
    /// Nodes: `spec.unschedulable`.
    pub unschedulable: bool,
}

/// One object as stored.
///
/// `body` is the object *without* `kind`/`apiVersion` (the form LIST items take on the wire);
/// the full object is `type_prefix + body[1..]`, so no request re-serializes an object. The
/// JSON value is not kept (it costs ~10x the bytes); [`StoredObject::value`] parses it back.
#[derive(Debug)]
pub(crate) struct StoredObject {
    pub res: SimResource,
    pub body: Bytes,
    pub rv: u64,
    pub meta: Meta,
}

fn boxed(s: &str) -> Box<str> {
    Box::from(s)
}

fn string_pairs(v: Option<&Value>, keep: impl Fn(&str) -> bool) -> Vec<(Box<str>, Box<str>)> {
    let mut out: Vec<(Box<str>, Box<str>)> = v
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, _)| keep(k))
        .filter_map(|(k, v)| Some((boxed(k), boxed(v.as_str()?))))
        .collect();
    out.sort();
    out
}

impl Meta {
    fn extract(res: SimResource, v: &Value) -> Meta {
        let s = |p: &str| boxed(util::str_at(v, p));
        let mut facts = Facts::default();
        match res {
            SimResource::Pods => {
                facts.phase = s("/status/phase");
                facts.node = s("/spec/nodeName");
                facts.ready = pod_ready(v);
                facts.settled = facts.ready
                    && &*facts.phase == "Running"
                    && v.pointer("/status/containerStatuses")
                        .and_then(Value::as_array)
                        .is_some_and(|cs| {
                            cs.iter().all(|c| {
                                c.pointer("/state/running").is_some() && c["ready"] == true
                            })
                        });
            }
            SimResource::Nodes => {
                facts.unschedulable =
                    v.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true);
                facts.internal_ip = v
                    .pointer("/status/addresses")
                    .and_then(Value::as_array)
                    .and_then(|a| a.iter().find(|x| util::str_at(x, "/type") == "InternalIP"))
                    .map(|x| s_of(x, "/address"))
                    .unwrap_or_default();
            }
            SimResource::Namespaces => {}
            _ => {
                facts.replicas = util::i64_at(v, "/spec/replicas", 1);
                facts.generation = util::i64_at(v, "/metadata/generation", 1);
                facts.paused = v.pointer("/spec/paused").and_then(Value::as_bool) == Some(true);
                let collisions = if res == SimResource::Deployments {
                    util::i64_at(v, "/status/collisionCount", 0).max(0) as u32
                } else {
                    0
                };
                facts.template_hash = v
                    .pointer("/spec/template")
                    .map(|t| boxed(&util::template_hash(t, collisions)))
                    .unwrap_or_default();
                let ann = |k: &str| util::annotation(v, k).and_then(|r| r.parse::<i64>().ok());
                facts.revision = if res == SimResource::ControllerRevisions {
                    util::i64_at(v, "/revision", 0)
                } else {
                    ann("deployment.kubernetes.io/revision").unwrap_or(0)
                };
                facts.desired_annotation = ann("deployment.kubernetes.io/desired-replicas");
                if res == SimResource::Deployments {
                    let (surge, unavailable) = super::util::surge_unavailable(v, facts.replicas);
                    facts.surge = surge;
                    facts.max_unavailable = unavailable;
                }
                facts.parallel = util::str_at(v, "/spec/podManagementPolicy") == "Parallel";
                facts.partition =
                    util::i64_at(v, "/spec/updateStrategy/rollingUpdate/partition", 0);
                facts.on_delete = util::str_at(v, "/spec/updateStrategy/type") == "OnDelete";
                facts.completions = util::i64_at(v, "/spec/completions", 1);
                facts.parallelism = util::i64_at(v, "/spec/parallelism", 1);
                facts.suspend = v.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true);
                let mut ints: Vec<(Box<str>, i64)> = v
                    .get("status")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .filter_map(|(k, v)| Some((boxed(k), v.as_i64()?)))
                    .collect();
                ints.sort();
                facts.status_ints = ints;
                facts.update_revision = s("/status/updateRevision");
                let reason = |kind: &str| {
                    v.pointer("/status/conditions")
                        .and_then(Value::as_array)
                        .and_then(|cs| cs.iter().find(|c| util::str_at(c, "/type") == kind))
                        .map(|c| s_of(c, "/reason"))
                        .unwrap_or_default()
                };
                facts.available_reason = reason("Available");
                facts.progressing_reason = reason("Progressing");
            }
        }
        Meta {
            name: s("/metadata/name"),
            namespace: s("/metadata/namespace"),
            uid: s("/metadata/uid"),
            created: s("/metadata/creationTimestamp"),
            labels: string_pairs(v.pointer("/metadata/labels"), |_| true),
            knobs: string_pairs(v.pointer("/metadata/annotations"), |k| {
                k.starts_with(KNOB_PREFIX)
            }),
            owner: util::controller_uid(v).map(boxed),
            deleting: v
                .pointer("/metadata/deletionTimestamp")
                .and_then(Value::as_str)
                .map(boxed),
            fields: res
                .info()
                .extra_fields
                .iter()
                .map(|f| (*f, boxed(&selector::field_value(v, f))))
                .collect(),
            facts,
        }
    }
}

fn s_of(v: &Value, p: &str) -> Box<str> {
    boxed(util::str_at(v, p))
}

/// Whether a pod value has condition `Ready=True`.
pub(crate) fn pod_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                util::str_at(c, "/type") == "Ready" && util::str_at(c, "/status") == "True"
            })
        })
}

impl StoredObject {
    /// Stamps `resourceVersion = rv` into `value`, serializes it and indexes it.
    pub fn new(res: SimResource, mut value: Value, rv: u64) -> StoredObject {
        util::meta_mut(&mut value).insert("resourceVersion".into(), Value::from(rv.to_string()));
        let meta = Meta::extract(res, &value);
        let body = serialize_body(&mut value);
        StoredObject {
            res,
            body,
            rv,
            meta,
        }
    }

    /// The full object (with `kind`/`apiVersion`), parsed from the stored bytes.
    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.full_bytes()).unwrap_or(Value::Null)
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// `metadata.namespace` (`""` for cluster-scoped objects).
    pub fn namespace(&self) -> &str {
        &self.meta.namespace
    }

    /// `metadata.uid`.
    pub fn uid(&self) -> &str {
        &self.meta.uid
    }

    /// Label `key`.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.meta
            .labels
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| &**v)
    }

    /// Simulation-knob annotation `key` (`sim.kubeatlas.dev/…`).
    pub fn knob(&self, key: &str) -> Option<&str> {
        self.meta
            .knobs
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| &**v)
    }

    /// Whether `metadata.deletionTimestamp` is set.
    pub fn is_terminating(&self) -> bool {
        self.meta.deleting.is_some()
    }

    /// Whether every `(field, value)` equals the stored `status` integer (missing = 0) and the
    /// stored status has no other integer fields.
    pub fn status_is(&self, expected: &[(&str, i64)]) -> bool {
        let have = &self.meta.facts.status_ints;
        expected.iter().all(|(k, n)| {
            have.iter()
                .find(|(hk, _)| &**hk == *k)
                .map_or(0, |(_, v)| *v)
                == *n
        }) && have
            .iter()
            .all(|(hk, _)| expected.iter().any(|(k, _)| *k == &**hk))
    }

    /// Pods: whether condition Ready is True.
    pub fn is_ready(&self) -> bool {
        self.meta.facts.ready
    }

    /// Appends the full object (with `kind`/`apiVersion`) to `out`.
    pub fn write_full(&self, out: &mut Vec<u8>) {
        write_with_prefix(self.res, &self.body, out);
    }

    /// The full object serialized.
    pub fn full_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 48);
        self.write_full(&mut out);
        out
    }
}

/// Appends `prefix + body[1..]`, i.e. `body` with `kind`/`apiVersion` put in front.
pub(crate) fn write_with_prefix(res: SimResource, body: &[u8], out: &mut Vec<u8>) {
    let prefix = res.info().type_prefix;
    if body.len() <= 2 {
        // `{}`: drop the prefix's trailing comma.
        out.extend_from_slice(&prefix.as_bytes()[..prefix.len() - 1]);
        out.push(b'}');
    } else {
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(&body[1..]);
    }
}

/// Serializes `value` without its `kind`/`apiVersion` (restored afterwards).
fn serialize_body(value: &mut Value) -> Bytes {
    let Some(map) = value.as_object_mut() else {
        return Bytes::from_static(b"{}");
    };
    let kind = map.remove("kind");
    let api_version = map.remove("apiVersion");
    let body = serde_json::to_vec(&*map).unwrap_or_else(|_| b"{}".to_vec());
    if let Some(k) = kind {
        map.insert("kind".into(), k);
    }
    if let Some(a) = api_version {
        map.insert("apiVersion".into(), a);
    }
    Bytes::from(body)
}

/// Store key of an object: `namespace/name` or `name` (the etcd key order).
pub(crate) fn store_key(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn full_form_is_prefix_plus_body() {
        let v = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "n", "labels": {"b": "2", "a": "1"},
                         "annotations": {"sim.kubeatlas.dev/crashloop": "envoy", "other": "x"}},
            "spec": {"nodeName": "node-1"}});
        let o = StoredObject::new(SimResource::Pods, v, 42);
        let full = o.value();
        assert_eq!(full["kind"], "Pod");
        assert_eq!(full["metadata"]["resourceVersion"], "42");
        let body: Value = serde_json::from_slice(&o.body).unwrap_or_default();
        assert!(body.get("kind").is_none());
        assert_eq!((o.name(), o.namespace()), ("p", "n"));
        assert_eq!(o.label("a"), Some("1"));
        assert_eq!(o.knob("sim.kubeatlas.dev/crashloop"), Some("envoy"));
        assert_eq!(o.meta.knobs.len(), 1);
        assert_eq!(&*o.meta.facts.node, "node-1");
        assert!(
            o.meta
                .fields
                .iter()
                .any(|(f, v)| *f == "spec.nodeName" && &**v == "node-1")
        );
    }
}
