//! The `scale` subresource (autoscaling/v1 Scale) of deployments, statefulsets, replicasets.

use axum::response::Response;
use serde_json::{Value, json};

use super::Req;
use super::objects::{parse_body, patch_error, patch_input};
use super::respond;
use crate::cluster::Scope;
use crate::cluster::{SimCluster, lock};
use crate::object::store_key;
use crate::patch;
use crate::resource::SimResource;
use crate::selector::LabelSelector;
use crate::status::ApiError;
use crate::util;

/// The Scale view of a workload object.
fn scale_of(obj: &Value) -> Value {
    let selector = obj
        .pointer("/spec/selector")
        .map(LabelSelector::from_label_selector_object)
        .unwrap_or_default()
        .to_selector_string();
    let meta = |k: &str| {
        obj.pointer(&format!("/metadata/{k}"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta("name"),
            "namespace": meta("namespace"),
            "uid": meta("uid"),
            "resourceVersion": meta("resourceVersion"),
            "creationTimestamp": meta("creationTimestamp"),
        },
        "spec": {"replicas": util::i64_at(obj, "/spec/replicas", 1)},
        "status": {"replicas": util::i64_at(obj, "/status/replicas", 0), "selector": selector},
    })
}

fn respond_scale(obj: &Value) -> Response {
    respond::json(200, serde_json::to_vec(&scale_of(obj)).unwrap_or_default())
}

/// Validates a requested Scale and returns its replicas.
fn desired_replicas(scale: &Value, name: &str) -> Result<i64, ApiError> {
    let r = scale.pointer("/spec/replicas").cloned().unwrap_or(json!(0));
    let n = r.as_i64().ok_or_else(|| {
        ApiError::bad_request(format!(
            "Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal {r} into Go struct field ScaleSpec.spec.replicas of type int32"
        ))
    })?;
    if n < 0 {
        return Err(ApiError::invalid(
            "Scale",
            "autoscaling",
            name,
            "spec.replicas",
            &format!("Invalid value: {n}: must be greater than or equal to 0"),
        ));
    }
    Ok(n)
}

fn set_replicas(
    cluster: &SimCluster,
    res: SimResource,
    ns: Option<&str>,
    name: &str,
    dry_run: bool,
    compute: impl FnOnce(&Value) -> Result<(i64, Option<String>), ApiError>,
) -> Result<Response, ApiError> {
    let obj = cluster.op_update(res, ns, name, Scope::Main, dry_run, |cur| {
        let (n, rv) = compute(cur)?;
        if let Some(rv) = rv
            && rv != util::str_at(cur, "/metadata/resourceVersion")
        {
            return Err(ApiError::conflict_modified(res, name));
        }
        let mut v = cur.clone();
        util::child(util::ensure_object(&mut v), "spec").insert("replicas".into(), json!(n));
        Ok(v)
    })?;
    Ok(respond_scale(&obj.value()))
}

/// Serves GET, PUT and PATCH on `…/{name}/scale`.
pub(crate) fn serve(
    cluster: &SimCluster,
    res: SimResource,
    ns: Option<&str>,
    name: &str,
    req: &Req,
) -> Result<Response, ApiError> {
    let dry_run = req.query.dry_run()?;
    // A missing object is reported as its missing subresource, as the real server does.
    let missing = |e: ApiError| {
        if e.code == 404 {
            ApiError::subresource_not_found(res, "scale", name)
        } else {
            e
        }
    };
    let out = (|| match req.method.as_str() {
        "GET" => {
            let key = store_key(ns, name);
            let obj = lock(&cluster.store)
                .get(res, &key)
                .cloned()
                .ok_or_else(|| ApiError::not_found(res, name))?;
            Ok(respond_scale(&obj.value()))
        }
        "PUT" => {
            let body = parse_body(&req.body)?;
            set_replicas(cluster, res, ns, name, dry_run, |_| {
                let n = desired_replicas(&body, name)?;
                let rv = body
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string);
                Ok((n, rv))
            })
        }
        "PATCH" => {
            let (kind, doc) = patch_input(req)?;
            set_replicas(cluster, res, ns, name, dry_run, |cur| {
                let scale = scale_of(cur);
                let patched = patch::apply(kind, &scale, &doc).map_err(patch_error)?;
                let n = desired_replicas(&patched, name)?;
                let rv = patched
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string);
                Ok((n, rv))
            })
        }
        _ => Err(ApiError::method_not_allowed()),
    })();
    out.map_err(missing)
}
