//! Single-object verbs: GET, POST (create), PUT, PATCH, DELETE, deletecollection and `status`.

use axum::response::Response;
use serde_json::{Value, json};

use super::Req;
use super::list;
use super::respond;
use crate::cluster::Scope;
use crate::cluster::SimCluster;
use crate::object::StoredObject;
use crate::ops::{DeleteOpts, Deleted};
use crate::patch::{self, PatchError, PatchKind};
use crate::resource::SimResource;
use crate::status::ApiError;

/// How objects are rendered: whole, as `meta.k8s.io/v1 PartialObjectMetadata`, or as a
/// `meta.k8s.io/v1 Table` (what `kubectl get` asks for).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Repr {
    Full,
    Meta,
    Table,
}

impl Repr {
    /// Picks the representation from an `Accept` header.
    pub fn from_accept(accept: &str) -> Repr {
        if accept.contains("as=PartialObjectMetadata") {
            Repr::Meta
        } else if accept.contains("as=Table") {
            Repr::Table
        } else {
            Repr::Full
        }
    }

    /// Response content type for a single object.
    pub fn content_type(self) -> &'static str {
        match self {
            Repr::Full => respond::JSON,
            Repr::Meta => "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
            Repr::Table => super::table::CONTENT_TYPE,
        }
    }

    /// Appends `obj` rendered in this representation.
    pub fn write(self, obj: &StoredObject, out: &mut Vec<u8>) {
        match self {
            Repr::Full => obj.write_full(out),
            Repr::Meta => {
                let meta = json!({
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj.value().get("metadata").cloned().unwrap_or(json!({})),
                });
                if let Ok(bytes) = serde_json::to_vec(&meta) {
                    out.extend_from_slice(&bytes);
                }
            }
            Repr::Table => super::table::write(obj.res, std::iter::once(obj), None, out),
        }
    }
}

/// Parses a JSON request body with the server's error wording.
pub(crate) fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
    })
}

fn render(repr: Repr, obj: &StoredObject, code: u16) -> Response {
    let mut out = Vec::with_capacity(obj.body.len() + 64);
    repr.write(obj, &mut out);
    respond::typed(code, repr.content_type(), out)
}

/// `GET` one object (also `GET …/status`).
pub(crate) fn get(
    cluster: &SimCluster,
    res: SimResource,
    ns: Option<&str>,
    name: &str,
    repr: Repr,
) -> Result<Response, ApiError> {
    let key = crate::object::store_key(ns, name);
    let obj = crate::cluster::lock(&cluster.store)
        .get(res, &key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(res, name))?;
    Ok(render(repr, &obj, 200))
}

/// `POST` to a collection.
pub(crate) fn create(
    cluster: &SimCluster,
    res: SimResource,
    ns: Option<&str>,
    req: &Req,
) -> Result<Response, ApiError> {
    let body = parse_body(&req.body)?;
    let obj = cluster.op_create(res, ns, body, req.query.dry_run()?)?;
    Ok(render(Repr::Full, &obj, 201))
}

/// `PUT` an object (or its `status`).
pub(crate) fn replace(
    cluster: &SimCluster,
    res: SimResource,
    ns: Option<&str>,
    name: &str,
    scope: Scope,
    req: &Req,
) -> Result<Response, ApiError> {
    let body = parse_body(&req.body)?;
    if let Some(kind) = body.get("kind").and_then(Value::as_str)
        && kind != res.kind()
    {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({kind}) does not match the expected kind ({})",
            res.kind()
        )));
    }
    let obj = cluster.op_update(res, ns, name, scope, req.query.dry_run()?, |_| Ok(body))?;
    Ok(render(Repr::Full, &obj, 200))
}

/// Reads the patch type and document of a PATCH request.
pub(crate) fn patch_input(req: &Req) -> Result<(PatchKind, Value), ApiError> {
    let ct = req.content_type.as_deref().unwrap_or("");
    let kind =
        PatchKind::from_content_type(ct).ok_or_else(|| ApiError::unsupported_media_type(ct))?;
    let doc = serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
    Ok((kind, doc))
}

/// Maps a patch failure to the server's Status.
pub(crate) fn patch_error(e: PatchError) -> ApiError {
    match e {
        PatchError::BadRequest(m) => ApiError::bad_request(m),
        PatchError::Invalid(m) => ApiError::unprocessable(m),
    }
}

/// `PATCH` an object (or its `status`).
pub(crate) fn patch(
    cluster: &SimCluster,
    res: SimResource,
    ns: Option<&str>,
    name: &str,
    scope: Scope,
    req: &Req,
) -> Result<Response, ApiError> {
    // Custom resources are served by the apiextensions handler, which words its 415 itself
    // (built-in kinds get the router's short one, see `patch_input`).
    if res.is_custom()
        && !matches!(
            PatchKind::from_content_type(req.content_type.as_deref().unwrap_or("")),
            Some(PatchKind::Merge | PatchKind::Json)
        )
    {
        return Err(ApiError::unsupported_patch_of_custom_resource());
    }
    let (kind, doc) = patch_input(req)?;
    let obj = cluster.op_update(res, ns, name, scope, req.query.dry_run()?, |cur| {
        patch::apply(kind, cur, &doc).map_err(patch_error)
    })?;
    Ok(render(Repr::Full, &obj, 200))
}

/// `DeleteOptions` from the body and query parameters.
fn delete_opts(req: &Req) -> Result<DeleteOpts, ApiError> {
    let mut opts = DeleteOpts {
        dry_run: req.query.dry_run()?,
        grace_period: req.query.i64("gracePeriodSeconds")?,
        propagation: req.query.get("propagationPolicy").map(str::to_string),
        ..DeleteOpts::default()
    };
    if !req.body.iter().all(u8::is_ascii_whitespace) {
        let body = parse_body(&req.body)?;
        let s = |p: &str| body.pointer(p).and_then(Value::as_str).map(str::to_string);
        opts.uid = s("/preconditions/uid");
        opts.resource_version = s("/preconditions/resourceVersion");
        if let Some(g) = body.get("gracePeriodSeconds").and_then(Value::as_i64) {
            opts.grace_period = Some(g);
        }
        if let Some(p) = s("/propagationPolicy") {
            opts.propagation = Some(p);
        }
        if body.get("orphanDependents").and_then(Value::as_bool) == Some(true) {
            opts.propagation = Some("Orphan".into());
        }
        let dry = body
            .get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v == "All"));
        opts.dry_run |= dry;
    }
    Ok(opts)
}

/// The `Status` a real server answers for an object deleted immediately.
fn success_status(res: SimResource, obj: &StoredObject) -> Vec<u8> {
    let mut details = serde_json::Map::new();
    details.insert("name".into(), json!(obj.name()));
    if !res.group().is_empty() {
        details.insert("group".into(), json!(res.group()));
    }
    details.insert("kind".into(), json!(res.plural()));
    details.insert("uid".into(), json!(obj.uid()));
    let status = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    });
    serde_json::to_vec(&status).unwrap_or_default()
}

/// `DELETE` one object: pods and terminating objects answer with the object, others with a
/// `Status` (the server's `ReturnDeletedObject` behaviour).
pub(crate) fn delete(
    cluster: &SimCluster,
    res: SimResource,
    ns: Option<&str>,
    name: &str,
    req: &Req,
) -> Result<Response, ApiError> {
    let opts = delete_opts(req)?;
    Ok(match cluster.op_delete(res, ns, name, &opts)? {
        Deleted::Terminating(obj) => render(Repr::Full, &obj, 200),
        Deleted::Gone(obj) if res == SimResource::Pods => render(Repr::Full, &obj, 200),
        Deleted::Gone(obj) => respond::json(200, success_status(res, &obj)),
    })
}

/// `DELETE` a collection: deletes every matching object and returns them as a list.
pub(crate) fn delete_collection(
    cluster: &SimCluster,
    res: SimResource,
    ns: Option<&str>,
    req: &Req,
) -> Result<Response, ApiError> {
    let opts = delete_opts(req)?;
    let filter = list::Filter::from_query(res, ns, &req.query)?;
    let victims: Vec<(String, String)> = cluster
        .snapshot(res)
        .into_iter()
        .filter(|o| filter.matches(o))
        .map(|o| (o.namespace().to_string(), o.name().to_string()))
        .collect();
    let mut items = Vec::new();
    for (obj_ns, name) in victims {
        let ns = (!obj_ns.is_empty()).then_some(obj_ns.as_str());
        match cluster.op_delete(res, ns, &name, &opts) {
            Ok(Deleted::Gone(o) | Deleted::Terminating(o)) => items.push(o),
            Err(e) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    let rv = cluster.resource_version();
    Ok(respond::json(
        200,
        list::render_list(res, Repr::Full, rv, None, None, &items),
    ))
}
