//! `SelfSubjectAccessReview` (what `kubectl auth can-i` asks) and `SelfSubjectReview` (what
//! `kubectl auth whoami` asks): answered from the cluster's own forbid rules and user name,
//! so a review says exactly what the request itself would meet.

use axum::response::Response;
use serde_json::{Value, json};

use super::Req;
use super::respond;
use crate::faults::{Attributes, Faults};
use crate::resource::SimResource;
use crate::status::ApiError;

const ACCESS: &str = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
const WHOAMI: &str = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

/// Serves the review paths; `None` for every other path.
pub(crate) fn serve(faults: &Faults, path: &str, req: &Req) -> Option<Result<Response, ApiError>> {
    let access = match path.trim_end_matches('/') {
        ACCESS => true,
        WHOAMI => false,
        _ => return None,
    };
    if req.method != http::Method::POST {
        return Some(Err(ApiError::method_not_allowed()));
    }
    let mut body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => {
            return Some(Err(ApiError::bad_request(format!(
                "the review body is not JSON: {e}"
            ))));
        }
    };
    if access {
        let status = verdict(faults, &body["spec"]["resourceAttributes"]);
        body["status"] = status;
    } else {
        body["status"] = json!({"userInfo": {
            "username": faults.user,
            "groups": ["system:authenticated"],
        }});
    }
    Some(Ok(respond::json(201, body.to_string())))
}

/// `status` of an access review: allowed unless a forbid rule matches, as for requests.
/// Kinds the simulator does not serve are allowed (nothing forbids them).
fn verdict(faults: &Faults, attrs: &Value) -> Value {
    let s = |k: &str| attrs[k].as_str().unwrap_or("");
    let Some(res) = SimResource::from_gvr(s("group"), "v1", s("resource")) else {
        return json!({"allowed": true});
    };
    let sub = Some(s("subresource")).filter(|x| !x.is_empty());
    let ns = Some(s("namespace")).filter(|x| !x.is_empty());
    let verb = match s("verb") {
        "get" => "get",
        "list" => "list",
        "watch" => "watch",
        "create" => "create",
        "update" => "update",
        "patch" => "patch",
        "delete" => "delete",
        "deletecollection" => "deletecollection",
        _ => return json!({"allowed": false}),
    };
    let a = Attributes {
        verb,
        res,
        subresource: sub,
        namespace: ns,
        name: s("name"),
    };
    match faults.authorize(&a) {
        Ok(()) => json!({"allowed": true, "reason": "simulator: no rule forbids it"}),
        // RBAC denies by having no rule: allowed false, no reason.
        Err(_) => json!({"allowed": false}),
    }
}
