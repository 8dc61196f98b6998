//! Create / update / delete with API-server semantics (validation, preconditions, generation).

use std::sync::Arc;

use serde_json::{Value, json};

use super::cluster::{Scope, SimCluster, lock};
use super::defaults;
use super::object::{StoredObject, store_key};
use super::resource::SimResource;
use super::status::ApiError;
use super::util;

/// `DeleteOptions` the simulator honours.
#[derive(Clone, Debug, Default)]
pub(crate) struct DeleteOpts {
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    pub grace_period: Option<i64>,
    pub propagation: Option<String>,
    pub dry_run: bool,
}

/// Outcome of a delete.
#[derive(Debug)]
pub(crate) enum Deleted {
    /// Removed from the store (the object's last state).
    Gone(Arc<StoredObject>),
    /// Marked for deletion (deletionTimestamp set); removed later.
    Terminating(Arc<StoredObject>),
}

const IDENTITY: [&str; 3] = ["uid", "creationTimestamp", "generation"];

fn replicas_error(res: SimResource, obj: &Value) -> Option<ApiError> {
    if !matches!(
        res,
        SimResource::Deployments | SimResource::ReplicaSets | SimResource::StatefulSets
    ) {
        return None;
    }
    let r = obj.pointer("/spec/replicas")?;
    let name = util::str_at(obj, "/metadata/name");
    match r.as_i64() {
        Some(n) if n >= 0 => None,
        Some(n) => Some(ApiError::invalid(
            res.kind(),
            res.group(),
            name,
            "spec.replicas",
            &format!("Invalid value: {n}: must be greater than or equal to 0"),
        )),
        None if r.is_null() => None,
        None => Some(ApiError::bad_request(format!(
            "{} in version \"v1\" cannot be handled as a {}: json: cannot unmarshal {} into Go struct field .spec.replicas of type int32",
            res.kind(),
            res.kind(),
            r
        ))),
    }
}

impl SimCluster {
    /// POST semantics: validate, fill identity and defaults, insert (ADDED).
    pub(crate) fn op_create(
        &self,
        res: SimResource,
        path_namespace: Option<&str>,
        mut value: Value,
        dry_run: bool,
    ) -> Result<Arc<StoredObject>, ApiError> {
        let Some(root) = value.as_object_mut() else {
            return Err(ApiError::bad_request(
                "the object provided is unrecognized (must be a JSON object)",
            ));
        };
        let api_version = res.api_version();
        match root.get("apiVersion").and_then(Value::as_str) {
            Some(v) if v != api_version => {
                return Err(ApiError::bad_request(format!(
                    "the API version in the data ({v}) does not match the expected API version ({api_version})"
                )));
            }
            _ => {}
        }
        match root.get("kind").and_then(Value::as_str) {
            Some(k) if k != res.kind() => {
                return Err(ApiError::bad_request(format!(
                    "the kind in the data ({k}) does not match the expected kind ({})",
                    res.kind()
                )));
            }
            _ => {}
        }
        root.insert("apiVersion".into(), json!(api_version));
        root.insert("kind".into(), json!(res.kind()));
        let meta = util::meta_mut(&mut value);
        let namespace = if res.namespaced() {
            let body_ns = meta
                .get("namespace")
                .and_then(Value::as_str)
                .map(str::to_string);
            let ns = match (path_namespace, body_ns) {
                (Some(p), Some(b)) if p != b => {
                    return Err(ApiError::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ));
                }
                (Some(p), _) => p.to_string(),
                (None, Some(b)) => b,
                (None, None) => "default".to_string(),
            };
            meta.insert("namespace".into(), json!(ns));
            Some(ns)
        } else {
            meta.remove("namespace");
            None
        };
        for k in [
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "managedFields",
            "selfLink",
        ] {
            meta.remove(k);
        }
        if let Some(e) = replicas_error(res, &value) {
            return Err(e);
        }

        let mut store = lock(&self.store);
        if let Some(ns) = &namespace
            && store.get(SimResource::Namespaces, ns).is_none()
        {
            return Err(ApiError::not_found(SimResource::Namespaces, ns));
        }
        let meta = util::meta_mut(&mut value);
        let mut name = meta
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if name.is_empty() {
            let prefix = meta
                .get("generateName")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if prefix.is_empty() {
                return Err(ApiError::invalid(
                    res.kind(),
                    res.group(),
                    "",
                    "metadata.name",
                    "Required value: name or generateName is required",
                ));
            }
            loop {
                let candidate = format!("{prefix}{}", util::random_suffix(&mut store.rng, 5));
                if store
                    .get(res, &store_key(namespace.as_deref(), &candidate))
                    .is_none()
                {
                    name = candidate;
                    break;
                }
            }
            meta.insert("name".into(), json!(name));
        }
        let key = store_key(namespace.as_deref(), &name);
        if store.get(res, &key).is_some() {
            return Err(ApiError::already_exists(res, &name));
        }
        let uid = util::uuid_v4(&mut store.rng);
        let now = util::now_rfc3339();
        let managed = util::managed_fields(&value, &api_version, "kubeatlas-sim", &now);
        let meta = util::meta_mut(&mut value);
        meta.insert("uid".into(), json!(uid));
        meta.insert("creationTimestamp".into(), json!(now));
        meta.insert("managedFields".into(), managed);
        if res.info().has_generation {
            meta.insert("generation".into(), json!(1));
        }
        defaults::apply(res, &mut value, &mut store.rng);
        if dry_run {
            let rv = store.rv;
            return Ok(Arc::new(StoredObject::new(res, value, rv)));
        }
        Ok(store.insert(res, key, value))
    }

    /// Read-modify-write of one object with API-server rules (see [`Scope`]).
    pub(crate) fn op_update(
        &self,
        res: SimResource,
        namespace: Option<&str>,
        name: &str,
        scope: Scope,
        dry_run: bool,
        f: impl FnOnce(&Value) -> Result<Value, ApiError>,
    ) -> Result<Arc<StoredObject>, ApiError> {
        let ns = if res.namespaced() { namespace } else { None };
        let key = store_key(ns, name);
        let mut store = lock(&self.store);
        let current = store
            .get(res, &key)
            .cloned()
            .ok_or_else(|| ApiError::not_found(res, name))?;
        let current_value = current.value();
        let mut new = f(&current_value)?;
        if !new.is_object() {
            return Err(ApiError::bad_request(
                "the object provided must be a JSON object",
            ));
        }
        if scope != Scope::Full {
            let body_name = util::str_at(&new, "/metadata/name");
            if !body_name.is_empty() && body_name != name {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({body_name}) does not match the name on the URL ({name})"
                )));
            }
            let body_rv = util::str_at(&new, "/metadata/resourceVersion");
            if !body_rv.is_empty() && body_rv != current.rv.to_string() {
                return Err(ApiError::conflict_modified(res, name));
            }
        }
        new = match scope {
            Scope::Main => {
                let mut v = new;
                match current_value.get("status") {
                    Some(s) => util::ensure_object(&mut v).insert("status".into(), s.clone()),
                    None => util::ensure_object(&mut v).remove("status"),
                };
                v
            }
            Scope::Status => {
                let mut v = current_value.clone();
                if let Some(s) = new.get("status") {
                    util::ensure_object(&mut v).insert("status".into(), s.clone());
                }
                v
            }
            Scope::Full => new,
        };
        // Identity and server-managed fields come from the stored object.
        {
            let root = util::ensure_object(&mut new);
            root.insert("apiVersion".into(), json!(res.api_version()));
            root.insert("kind".into(), json!(res.kind()));
        }
        let cur_meta = current_value.get("metadata").cloned().unwrap_or(json!({}));
        let meta = util::meta_mut(&mut new);
        meta.insert("name".into(), json!(name));
        match ns {
            Some(n) => meta.insert("namespace".into(), json!(n)),
            None => meta.remove("namespace"),
        };
        // The server keeps its field-ownership record (a client's copy is not taken).
        let mut keep = IDENTITY.to_vec();
        keep.push("managedFields");
        if scope != Scope::Full {
            keep.extend(["deletionTimestamp", "deletionGracePeriodSeconds"]);
        }
        for k in keep {
            match cur_meta.get(k) {
                Some(v) => meta.insert(k.to_string(), v.clone()),
                None => meta.remove(k),
            };
        }
        meta.insert("resourceVersion".into(), json!(current.rv.to_string()));
        if let Some(e) = replicas_error(res, &new) {
            return Err(e);
        }
        if res.info().has_generation && new.get("spec") != current_value.get("spec") {
            let generation = util::i64_at(&current_value, "/metadata/generation", 1) + 1;
            util::meta_mut(&mut new).insert("generation".into(), json!(generation));
        }
        if new == current_value {
            return Ok(current);
        }
        if dry_run {
            return Ok(Arc::new(StoredObject::new(res, new, current.rv)));
        }
        let finalized = !matches!(res, SimResource::Pods | SimResource::Namespaces)
            && new.pointer("/metadata/deletionTimestamp").is_some()
            && new
                .pointer("/metadata/finalizers")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty);
        if finalized {
            return store
                .remove(res, &key, Some(new))
                .ok_or_else(|| ApiError::not_found(res, name));
        }
        Ok(store.replace(res, key, new))
    }

    /// DELETE semantics: preconditions, graceful pod deletion, namespace termination,
    /// finalizers and orphaning.
    pub(crate) fn op_delete(
        &self,
        res: SimResource,
        namespace: Option<&str>,
        name: &str,
        opts: &DeleteOpts,
    ) -> Result<Deleted, ApiError> {
        let ns = if res.namespaced() { namespace } else { None };
        let key = store_key(ns, name);
        let mut store = lock(&self.store);
        let current = store
            .get(res, &key)
            .cloned()
            .ok_or_else(|| ApiError::not_found(res, name))?;
        if let Some(want) = &opts.uid
            && want != current.uid()
        {
            return Err(ApiError::conflict_precondition(
                res,
                name,
                format!(
                    "the UID in the precondition ({want}) does not match the UID in record ({}). The object might have been deleted and then recreated",
                    current.uid()
                ),
            ));
        }
        if let Some(want) = &opts.resource_version
            && *want != current.rv.to_string()
        {
            return Err(ApiError::conflict_precondition(
                res,
                name,
                format!(
                    "the ResourceVersion in the precondition ({want}) does not match the ResourceVersion in record ({}). The object might have been modified",
                    current.rv
                ),
            ));
        }
        let current_value = current.value();
        let already_terminating = current.is_terminating();
        let has_finalizers = current_value
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty());
        let graceful = match res {
            SimResource::Pods | SimResource::Namespaces => true,
            _ => has_finalizers,
        };
        if opts.dry_run {
            return Ok(if graceful {
                Deleted::Terminating(current)
            } else {
                Deleted::Gone(current)
            });
        }
        if opts.propagation.as_deref() == Some("Orphan") && !graceful {
            orphan_dependents(&mut store, current.uid());
        }
        if !graceful {
            return store
                .remove(res, &key, None)
                .map(Deleted::Gone)
                .ok_or_else(|| ApiError::not_found(res, name));
        }
        let now = jiff::Timestamp::now();
        let mut marked = current_value.clone();
        match res {
            SimResource::Pods => {
                let grace = opts.grace_period.unwrap_or_else(|| {
                    util::i64_at(&current_value, "/spec/terminationGracePeriodSeconds", 30)
                });
                let grace = if already_terminating {
                    grace.min(util::i64_at(
                        &current_value,
                        "/metadata/deletionGracePeriodSeconds",
                        grace,
                    ))
                } else {
                    grace
                }
                .max(0);
                let at = now
                    .checked_add(jiff::SignedDuration::from_secs(grace))
                    .unwrap_or(now);
                let unscheduled = util::str_at(&current_value, "/spec/nodeName").is_empty();
                let finished = matches!(
                    util::str_at(&current_value, "/status/phase"),
                    "Succeeded" | "Failed"
                );
                let immediate = grace == 0 || unscheduled || finished;
                let meta = util::meta_mut(&mut marked);
                if !already_terminating || immediate {
                    let at = if immediate { now } else { at };
                    meta.insert("deletionTimestamp".into(), json!(util::rfc3339(at)));
                    meta.insert("deletionGracePeriodSeconds".into(), json!(grace));
                }
                if immediate && !has_finalizers {
                    return store
                        .remove(res, &key, Some(marked))
                        .map(Deleted::Gone)
                        .ok_or_else(|| ApiError::not_found(res, name));
                }
            }
            _ => {
                if already_terminating {
                    return Ok(Deleted::Terminating(current));
                }
                let meta = util::meta_mut(&mut marked);
                meta.insert("deletionTimestamp".into(), json!(util::rfc3339(now)));
                meta.insert("deletionGracePeriodSeconds".into(), json!(0));
                if res == SimResource::Namespaces {
                    util::child(util::ensure_object(&mut marked), "status")
                        .insert("phase".into(), json!("Terminating"));
                }
            }
        }
        if marked == current_value {
            return Ok(Deleted::Terminating(current));
        }
        Ok(Deleted::Terminating(store.replace(res, key, marked)))
    }
}

/// Removes owner references to `owner_uid` from every dependent (`propagationPolicy: Orphan`).
fn orphan_dependents(store: &mut super::store::Inner, owner_uid: &str) {
    for res in SimResource::ALL {
        let dependents: Vec<(String, Value)> = store
            .table(res)
            .objects
            .iter()
            .filter(|(_, o)| o.meta.owner.as_deref() == Some(owner_uid))
            .map(|(k, o)| (k.clone(), o.value()))
            .collect();
        for (key, mut value) in dependents {
            let meta = util::meta_mut(&mut value);
            if let Some(Value::Array(refs)) = meta.get_mut("ownerReferences") {
                refs.retain(|r| util::str_at(r, "/uid") != owner_uid);
                if refs.is_empty() {
                    meta.remove("ownerReferences");
                }
            }
            store.replace(res, key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> SimCluster {
        let c = SimCluster::new("t");
        let _ = c
            .create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}));
        c
    }

    fn deployment(name: &str, replicas: i64) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "x:1"}]}}}
        })
    }

    #[test]
    fn create_fills_identity_and_rejects_duplicates() {
        let c = cluster();
        let d = c.create(deployment("web", 2)).unwrap_or_default();
        assert_eq!(d["metadata"]["generation"], 1);
        assert_eq!(d["spec"]["strategy"]["type"], "RollingUpdate");
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"],
            "/dev/termination-log"
        );
        let err = c.create(deployment("web", 2)).err().map(|e| e.code);
        assert_eq!(err, Some(409));
        let err = c.create(deployment("neg", -1)).err().map(|e| e.code);
        assert_eq!(err, Some(422));
        let mut other_ns = deployment("x", 1);
        other_ns["metadata"]["namespace"] = json!("nope");
        assert_eq!(c.create(other_ns).err().map(|e| e.code), Some(404));
    }

    #[test]
    fn patch_bumps_generation_only_on_spec_change_and_keeps_status() {
        let c = cluster();
        let _ = c.create(deployment("web", 2));
        let kind = super::super::patch::PatchKind::Merge;
        let res = SimResource::Deployments;
        let a = c
            .patch(
                res,
                Some("shop"),
                "web",
                kind,
                &json!({"metadata": {"labels": {"x": "y"}}}),
            )
            .unwrap_or_default();
        assert_eq!(a["metadata"]["generation"], 1);
        let b = c
            .patch(
                res,
                Some("shop"),
                "web",
                kind,
                &json!({"spec": {"replicas": 3}, "status": {"replicas": 99}}),
            )
            .unwrap_or_default();
        assert_eq!(b["metadata"]["generation"], 2);
        assert!(b["status"].get("replicas").is_none());
        let rv = b["metadata"]["resourceVersion"].clone();
        let same = c
            .patch(
                res,
                Some("shop"),
                "web",
                kind,
                &json!({"spec": {"replicas": 3}}),
            )
            .unwrap_or_default();
        assert_eq!(
            same["metadata"]["resourceVersion"], rv,
            "no-op patch keeps rv"
        );
        let stale = c.patch(
            res,
            Some("shop"),
            "web",
            kind,
            &json!({"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 1}}),
        );
        assert_eq!(stale.err().map(|e| e.code), Some(409));
    }

    #[test]
    fn delete_preconditions_and_grace() {
        let c = cluster();
        let pod = c
            .create(json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "namespace": "shop"},
                "spec": {"nodeName": "n1", "containers": [{"name": "a", "image": "x:1"}]}}))
            .unwrap_or_default();
        let wrong = DeleteOpts {
            uid: Some("00000000-0000-0000-0000-000000000000".into()),
            ..DeleteOpts::default()
        };
        let e = c
            .op_delete(SimResource::Pods, Some("shop"), "p", &wrong)
            .err();
        assert_eq!(e.as_ref().map(|e| e.code), Some(409));
        assert!(e.map(|e| e.message).unwrap_or_default().starts_with(
            "Operation cannot be fulfilled on Pod \"p\": the UID in the precondition"
        ));
        let right = DeleteOpts {
            uid: Some(util::str_at(&pod, "/metadata/uid").to_string()),
            ..DeleteOpts::default()
        };
        let out = c.op_delete(SimResource::Pods, Some("shop"), "p", &right);
        assert!(matches!(out, Ok(Deleted::Terminating(_))));
        let p = c
            .get(SimResource::Pods, Some("shop"), "p")
            .unwrap_or_default();
        assert_eq!(p["metadata"]["deletionGracePeriodSeconds"], 30);
        let now = DeleteOpts {
            grace_period: Some(0),
            ..DeleteOpts::default()
        };
        assert!(matches!(
            c.op_delete(SimResource::Pods, Some("shop"), "p", &now),
            Ok(Deleted::Gone(_))
        ));
        assert!(c.get(SimResource::Pods, Some("shop"), "p").is_none());
    }
}
