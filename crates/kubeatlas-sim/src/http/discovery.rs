//! Discovery documents (`/version`, `/api`, `/apis`, group versions, aggregated v2/v2beta1;
//! the aggregated documents also list the `workers` custom resource, as a server with its CRD
//! does, and the `controllerrevisions` and `events` the simulator serves),
//! trimmed from a real v1.28 server's and embedded in the binary.

use axum::response::Response;

use super::path::Target;
use super::respond;
use crate::status::ApiError;

const VERSION: &str = include_str!("../discovery/version.json");
const API: &str = include_str!("../discovery/api.json");
const API_V1: &str = include_str!("../discovery/api-v1.json");
const APIS: &str = include_str!("../discovery/apis.json");
const APPS_V1: &str = include_str!("../discovery/apis-apps-v1.json");
const BATCH_V1: &str = include_str!("../discovery/apis-batch-v1.json");
const API_AGGREGATED: &str = include_str!("../discovery/api-aggregated.json");
const APIS_AGGREGATED: &str = include_str!("../discovery/apis-aggregated.json");

/// The captured server address inside `/api`, replaced by the simulator's own.
const CAPTURED_ADDRESS: &str = "127.0.0.1:6443";

/// The aggregated-discovery version a request's `Accept` header asks for, if any.
///
/// `Ok(None)`: plain JSON; `Err`: only aggregated types the server cannot produce (406).
fn aggregated_version(accept: &str) -> Result<Option<&'static str>, ApiError> {
    let mut wants_aggregated = false;
    for range in accept.split(',') {
        let params: Vec<&str> = range.split(';').map(str::trim).collect();
        let media = params.first().copied().unwrap_or("");
        let is_discovery = params.contains(&"g=apidiscovery.k8s.io");
        if is_discovery && params.contains(&"as=APIGroupDiscoveryList") {
            wants_aggregated = true;
            if params.contains(&"v=v2") {
                return Ok(Some("v2"));
            }
            if params.contains(&"v=v2beta1") {
                return Ok(Some("v2beta1"));
            }
        } else if matches!(media, "application/json" | "*/*" | "application/*") {
            return Ok(None);
        }
    }
    if wants_aggregated {
        Err(ApiError {
            code: 406,
            reason: "NotAcceptable",
            message: format!(
                "only the following media types are accepted: application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList, application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList (got {accept:?})"
            ),
            details: None,
            metadata: serde_json::json!({}),
        })
    } else {
        Ok(None)
    }
}

fn aggregated(doc: &str, version: &str) -> Response {
    let body = doc.replace(
        "\"apidiscovery.k8s.io/v2beta1\"",
        &format!("\"apidiscovery.k8s.io/{version}\""),
    );
    let ct = format!("application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList");
    respond::typed(200, &ct, body)
}

/// Serves a discovery target; `server_address` is `host:port` of this server.
pub(crate) fn serve(
    target: &Target,
    accept: &str,
    server_address: &str,
) -> Result<Response, ApiError> {
    Ok(match target {
        Target::Version => respond::json(200, VERSION),
        Target::Api => match aggregated_version(accept)? {
            Some(v) => aggregated(API_AGGREGATED, v),
            None => respond::json(200, API.replace(CAPTURED_ADDRESS, server_address)),
        },
        Target::Apis => match aggregated_version(accept)? {
            Some(v) => aggregated(APIS_AGGREGATED, v),
            None => respond::json(200, APIS),
        },
        Target::Group(g) => {
            let doc = serde_json::json!({
                "kind": "APIGroup",
                "apiVersion": "v1",
                "name": g,
                "versions": [{"groupVersion": format!("{g}/v1"), "version": "v1"}],
                "preferredVersion": {"groupVersion": format!("{g}/v1"), "version": "v1"}
            });
            respond::json(200, doc.to_string())
        }
        Target::GroupVersion("") => respond::json(200, API_V1),
        Target::GroupVersion("apps") => respond::json(200, APPS_V1),
        Target::GroupVersion(_) => respond::json(200, BATCH_V1),
        _ => return Err(ApiError::path_not_found()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation() {
        let kube = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(aggregated_version(kube), Ok(Some("v2")));
        assert_eq!(
            aggregated_version(
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
            ),
            Ok(Some("v2beta1"))
        );
        assert_eq!(aggregated_version("application/json"), Ok(None));
        assert_eq!(aggregated_version(""), Ok(None));
        assert!(
            aggregated_version(
                "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList"
            )
            .is_err()
        );
    }

    #[test]
    fn embedded_documents_parse() {
        for doc in [
            VERSION,
            API,
            API_V1,
            APIS,
            APPS_V1,
            BATCH_V1,
            API_AGGREGATED,
            APIS_AGGREGATED,
        ] {
            assert!(serde_json::from_str::<serde_json::Value>(doc).is_ok());
        }
    }
}
