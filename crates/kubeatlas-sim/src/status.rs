//! `meta/v1 Status` failure bodies, worded exactly like the real API server's.

use serde::Serialize;
use serde_json::{Value, json};

use super::resource::SimResource;

/// An API failure: rendered as a `Status` object with the HTTP status `code`.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// HTTP status code (also `Status.code`).
    pub code: u16,
    /// `Status.reason`, e.g. `NotFound`.
    pub reason: &'static str,
    /// `Status.message`.
    pub message: String,
    /// `Status.details`, when the real server sends one.
    pub details: Option<Value>,
    /// `Status.metadata` (only carries `continue` for expired list tokens).
    pub metadata: Value,
}

#[derive(Serialize)]
struct StatusBody<'a> {
    kind: &'static str,
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    metadata: &'a Value,
    status: &'static str,
    message: &'a str,
    reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a Value>,
    code: u16,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

/// `details` naming an object of a resource, as `StatusDetails` is filled by the server.
fn details(group: &str, kind: &str, name: &str) -> Value {
    let mut d = serde_json::Map::new();
    if !name.is_empty() {
        d.insert("name".into(), Value::from(name));
    }
    if !group.is_empty() {
        d.insert("group".into(), Value::from(group));
    }
    d.insert("kind".into(), Value::from(kind));
    Value::Object(d)
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
            metadata: json!({}),
        }
    }

    fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// The Status object as JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self.body()).unwrap_or(Value::Null)
    }

    fn body(&self) -> StatusBody<'_> {
        StatusBody {
            kind: "Status",
            api_version: "v1",
            metadata: &self.metadata,
            status: "Failure",
            message: &self.message,
            reason: self.reason,
            details: self.details.as_ref(),
            code: self.code,
        }
    }

    /// The Status object serialized.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.body()).unwrap_or_default()
    }

    /// `401 Unauthorized`.
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// `404 NotFound` for a named object: `deployments.apps "nope" not found`.
    pub fn not_found(res: SimResource, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", res.qualified()),
        )
        .with_details(details(res.group(), res.plural(), name))
    }

    /// `404 NotFound` for a subresource of a missing object:
    /// `deployments/scale.apps "nope" not found`.
    pub fn subresource_not_found(res: SimResource, sub: &str, name: &str) -> Self {
        let plural = format!("{}/{sub}", res.plural());
        let qualified = if res.group().is_empty() {
            plural.clone()
        } else {
            format!("{plural}.{}", res.group())
        };
        Self::new(404, "NotFound", format!("{qualified} \"{name}\" not found"))
            .with_details(details(res.group(), &plural, name))
    }

    /// `404 NotFound` for a path the server does not serve.
    pub fn path_not_found() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_details(json!({}))
    }

    /// `405 MethodNotAllowed`.
    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
        .with_details(json!({}))
    }

    /// `409 AlreadyExists` on create.
    pub fn already_exists(res: SimResource, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", res.qualified()),
        )
        .with_details(details(res.group(), res.plural(), name))
    }

    /// `409 Conflict` on an update with a stale `metadata.resourceVersion`.
    pub fn conflict_modified(res: SimResource, name: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                res.qualified()
            ),
        )
        .with_details(details(res.group(), res.plural(), name))
    }

    /// `409 Conflict` on a delete whose preconditions do not hold (names the Kind, like the server).
    pub fn conflict_precondition(res: SimResource, name: &str, reason: String) -> Self {
        let qualified = if res.group().is_empty() {
            res.kind().to_string()
        } else {
            format!("{}.{}", res.kind(), res.group())
        };
        Self::new(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {qualified} \"{name}\": {reason}"),
        )
        .with_details(details(res.group(), res.kind(), name))
    }

    /// `422 Invalid` with one field cause: `Kind.group "name" is invalid: field: msg`.
    pub fn invalid(kind: &str, group: &str, name: &str, field: &str, cause: &str) -> Self {
        let qualified = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        let mut d = details(group, kind, name);
        if let Some(m) = d.as_object_mut() {
            m.insert(
                "causes".into(),
                json!([{ "reason": "FieldValueInvalid", "message": cause, "field": field }]),
            );
        }
        Self::new(
            422,
            "Invalid",
            format!("{qualified} \"{name}\" is invalid: {field}: {cause}"),
        )
        .with_details(d)
    }

    /// `422 Invalid` without a named object (e.g. a failed JSON-patch `test`).
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, "Invalid", message)
    }

    /// `400 BadRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// `403 Forbidden` as the RBAC authorizer words it.
    pub fn forbidden(
        user: &str,
        verb: &str,
        res: SimResource,
        subresource: Option<&str>,
        namespace: Option<&str>,
        name: &str,
    ) -> Self {
        let resource = match subresource {
            Some(sub) => format!("{}/{sub}", res.plural()),
            None => res.plural().to_string(),
        };
        let scope = match namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        let reason = format!(
            "User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{}\" {scope}",
            res.group()
        );
        let message = if name.is_empty() {
            format!("{} is forbidden: {reason}", res.qualified())
        } else {
            format!("{} \"{name}\" is forbidden: {reason}", res.qualified())
        };
        Self::new(403, "Forbidden", message).with_details(details(res.group(), res.plural(), name))
    }

    /// `410 Expired` for a list `continue` token older than the compacted history.
    pub fn expired_continue(fresh_token: String) -> Self {
        let mut e = Self::new(
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
        );
        e.metadata = json!({ "continue": fresh_token });
        e
    }

    /// `410 Expired` for a watch from a compacted resourceVersion (sent as an ERROR event).
    pub fn expired_watch(requested: u64, oldest: u64) -> Self {
        Self::new(
            410,
            "Expired",
            format!("too old resource version: {requested} ({oldest})"),
        )
    }

    /// `415 UnsupportedMediaType` for a PATCH of a custom resource with a content type its
    /// handler does not take (strategic merge patch, or anything unknown).
    pub fn unsupported_patch_of_custom_resource() -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        )
        .with_details(json!({}))
    }

    /// `415 UnsupportedMediaType` for a PATCH content type the server does not take; worded
    /// as kube-apiserver v1.28 words it for built-in kinds (the content type is not echoed).
    pub fn unsupported_media_type(_content_type: &str) -> Self {
        Self::new(415, "UnsupportedMediaType", "415: Unsupported Media Type")
            .with_details(json!({}))
    }

    /// `500 InternalError`.
    pub fn internal(cause: &str) -> Self {
        Self::new(
            500,
            "InternalError",
            format!("Internal error occurred: {cause}"),
        )
        .with_details(json!({ "causes": [{ "message": cause }] }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_messages_match_rbac_wording() {
        let e = ApiError::forbidden("viewer", "list", SimResource::Nodes, None, None, "");
        assert_eq!(
            e.message,
            "nodes is forbidden: User \"viewer\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"
        );
        assert_eq!(e.details, Some(json!({"kind": "nodes"})));
        let e = ApiError::forbidden(
            "viewer",
            "patch",
            SimResource::Deployments,
            None,
            Some("shop"),
            "checkout",
        );
        assert_eq!(
            e.message,
            "deployments.apps \"checkout\" is forbidden: User \"viewer\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"shop\""
        );
    }

    #[test]
    fn status_body_field_order() {
        let s = String::from_utf8(ApiError::unauthorized().to_bytes()).unwrap_or_default();
        assert_eq!(
            s,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#
        );
    }
}
