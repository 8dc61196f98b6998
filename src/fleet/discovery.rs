//! API discovery of one context, as kubectl does it: aggregated discovery
//! (`GET /api` and `/apis` asking for `APIGroupDiscoveryList` v2, then v2beta1) where the
//! server serves it, else the legacy documents (`/api`, `/api/v1`, `/apis`, then every group
//! version). The result is every resource the context serves — built-in and custom — with what
//! `:` completion, `get` and the generic resource view need: kind, plural, singular, short
//! names, scope, verbs and whether it has a `scale` subresource. Parsing is pure and tested
//! against a real server's captured responses; names resolve the way kubectl resolves them.

use serde_json::Value;
use std::time::Duration;

/// What client-go asks `/api` and `/apis` for: aggregated v2, else v2beta1, else the legacy
/// documents.
pub const ACCEPT_AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/// How long one discovery request may take.
const REQUEST_LIMIT: Duration = Duration::from_secs(20);

/// One resource a context serves (its preferred version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResourceInfo {
    /// API group; empty for the core group.
    pub group: String,
    pub version: String,
    pub kind: String,
    /// `deployments`
    pub plural: String,
    /// `deployment` (the lower-cased kind when the server does not say).
    pub singular: String,
    pub short_names: Vec<String>,
    pub namespaced: bool,
    pub verbs: Vec<String>,
    pub categories: Vec<String>,
    /// Has a `scale` subresource (`kubectl scale` works on it).
    pub scale: bool,
}

impl ApiResourceInfo {
    /// Whether `verb` is allowed on the resource.
    pub fn can(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// Listable and watchable: what the generic view and `get` read.
    pub fn listable(&self) -> bool {
        self.can("list")
    }

    /// Whether its objects hold values that are never fetched (core `secrets`): listed and
    /// shown as metadata only. A safety rule, not a kind rule.
    pub fn values_never_fetched(&self) -> bool {
        self.group.is_empty() && self.plural == "secrets"
    }

    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `deployments.apps`, or `pods` for the core group (kubectl's fully qualified name).
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// The collection path: `/apis/apps/v1/namespaces/ns/deployments` (namespace only for a
    /// namespaced resource; `None`: every namespace).
    pub fn collection_path(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace.filter(|_| self.namespaced) {
            Some(ns) => format!("{base}/namespaces/{ns}/{}", self.plural),
            None => format!("{base}/{}", self.plural),
        }
    }

    /// Every name kubectl accepts for it, lower-case: plural, singular, short names, kind,
    /// and with the group: `plural.group`, `singular.group`, `kind.group`, `plural.version.group`.
    pub fn names(&self) -> Vec<String> {
        let kind = self.kind.to_lowercase();
        let mut out = vec![self.plural.clone(), self.singular.clone(), kind.clone()];
        out.extend(self.short_names.iter().map(|s| s.to_lowercase()));
        if !self.group.is_empty() {
            out.push(format!("{}.{}", self.plural, self.group));
            out.push(format!("{}.{}", self.singular, self.group));
            out.push(format!("{kind}.{}", self.group));
            out.push(format!("{}.{}.{}", self.plural, self.version, self.group));
        }
        out.dedup();
        out
    }
}

/// Which discovery documents a context answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `APIGroupDiscoveryList`, with its version (`v2`, `v2beta1`).
    Aggregated(&'static str),
    /// `/api`, `/apis` and one document per group version.
    Legacy,
}

/// Every resource of one context, in kubectl's priority order (core first, then the groups
/// in the server's order; each group's preferred version first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    pub resources: Vec<ApiResourceInfo>,
    pub source: Source,
    /// Group versions that could not be read (an aggregated API that is down), with why:
    /// the rest is still usable, as kubectl warns and goes on.
    pub partial: Vec<(String, String)>,
}

impl Discovered {
    /// The resource `name` stands for, as `kubectl get NAME` resolves it (any case): a plural,
    /// singular, short name or kind, optionally qualified by `.group` or `.version.group`.
    /// The first in priority order wins (core before other groups).
    pub fn resolve(&self, name: &str) -> Option<&ApiResourceInfo> {
        let n = name.to_lowercase();
        // Exact plural / singular / short name / kind first, then qualified forms.
        self.resources
            .iter()
            .find(|r| r.plural == n || r.singular == n)
            .or_else(|| {
                self.resources
                    .iter()
                    .find(|r| r.short_names.iter().any(|s| s.to_lowercase() == n))
            })
            .or_else(|| self.resources.iter().find(|r| r.names().contains(&n)))
    }

    /// The listable resources.
    pub fn listable(&self) -> impl Iterator<Item = &ApiResourceInfo> {
        self.resources.iter().filter(|r| r.listable())
    }
}

/// Why discovery failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    #[error("discovery: {path}: {message}")]
    Request { path: String, message: String },
    #[error("discovery: {path}: no answer within {seconds} s")]
    Timeout { path: String, seconds: u64 },
    #[error("discovery: {path}: unexpected document: {why}")]
    Document { path: String, why: String },
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The resources of one aggregated `APIGroupDiscoveryList` (`/api` or `/apis`), each group's
/// versions in the server's order (preferred first); a resource already found in a more
/// preferred version of its group is not repeated.
pub fn parse_aggregated(doc: &Value) -> Result<Vec<ApiResourceInfo>, String> {
    if text(doc, "kind") != "APIGroupDiscoveryList" {
        return Err(format!(
            "kind {:?}, not APIGroupDiscoveryList",
            text(doc, "kind")
        ));
    }
    let mut out: Vec<ApiResourceInfo> = vec![];
    let groups = doc.get("items").and_then(Value::as_array);
    for g in groups.into_iter().flatten() {
        let group = g
            .get("metadata")
            .map(|m| text(m, "name"))
            .unwrap_or("")
            .to_string();
        let first = out.len();
        for v in g
            .get("versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let version = text(v, "version").to_string();
            for r in v
                .get("resources")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let plural = text(r, "resource").to_string();
                if plural.is_empty() || out[first..].iter().any(|x| x.plural == plural) {
                    continue;
                }
                let kind = r
                    .get("responseKind")
                    .map(|k| text(k, "kind"))
                    .unwrap_or("")
                    .to_string();
                let singular = match text(r, "singularResource") {
                    "" => kind.to_lowercase(),
                    s => s.to_string(),
                };
                let scale = r
                    .get("subresources")
                    .and_then(Value::as_array)
                    .is_some_and(|s| s.iter().any(|x| text(x, "subresource") == "scale"));
                out.push(ApiResourceInfo {
                    group: group.clone(),
                    version: version.clone(),
                    kind,
                    plural,
                    singular,
                    short_names: strings(r, "shortNames"),
                    namespaced: text(r, "scope") == "Namespaced",
                    verbs: strings(r, "verbs"),
                    categories: strings(r, "categories"),
                    scale,
                });
            }
        }
    }
    Ok(out)
}

/// The resources of one legacy `APIResourceList` (`/api/v1`, `/apis/apps/v1`); subresources
/// (`deployments/scale`) mark their parent.
pub fn parse_resource_list(doc: &Value) -> Result<Vec<ApiResourceInfo>, String> {
    if text(doc, "kind") != "APIResourceList" {
        return Err(format!("kind {:?}, not APIResourceList", text(doc, "kind")));
    }
    let gv = text(doc, "groupVersion");
    let (group, version) = match gv.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), gv.to_string()),
    };
    let all = doc
        .get("resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out: Vec<ApiResourceInfo> = vec![];
    for r in all.iter() {
        let name = text(r, "name");
        if name.is_empty() || name.contains('/') {
            continue;
        }
        let kind = text(r, "kind").to_string();
        let scale = all
            .iter()
            .any(|x| text(x, "name") == format!("{name}/scale"));
        out.push(ApiResourceInfo {
            group: group.clone(),
            version: version.clone(),
            singular: match text(r, "singularName") {
                "" => kind.to_lowercase(),
                s => s.to_string(),
            },
            kind,
            plural: name.to_string(),
            short_names: strings(r, "shortNames"),
            namespaced: r
                .get("namespaced")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            verbs: strings(r, "verbs"),
            categories: strings(r, "categories"),
            scale,
        });
    }
    Ok(out)
}

/// The group versions of a legacy `APIGroupList` (`/apis`), each group's preferred version
/// first.
pub fn parse_group_list(doc: &Value) -> Result<Vec<String>, String> {
    if text(doc, "kind") != "APIGroupList" {
        return Err(format!("kind {:?}, not APIGroupList", text(doc, "kind")));
    }
    let mut out = vec![];
    for g in doc
        .get("groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let preferred = g
            .get("preferredVersion")
            .map(|p| text(p, "groupVersion"))
            .unwrap_or("");
        if !preferred.is_empty() {
            out.push(preferred.to_string());
        }
        for v in g
            .get("versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let gv = text(v, "groupVersion");
            if !gv.is_empty() && gv != preferred {
                out.push(gv.to_string());
            }
        }
    }
    Ok(out)
}

/// The core versions of a legacy `APIVersions` (`/api`).
pub fn parse_versions(doc: &Value) -> Vec<String> {
    strings(doc, "versions")
}

/// Append `more` to `into`, leaving out resources whose group already has that plural (a less
/// preferred version).
pub fn merge(into: &mut Vec<ApiResourceInfo>, more: Vec<ApiResourceInfo>) {
    for r in more {
        if !into
            .iter()
            .any(|x| x.group == r.group && x.plural == r.plural)
        {
            into.push(r);
        }
    }
}

/// The aggregated version a document declares, if it is an `APIGroupDiscoveryList`.
fn aggregated_version(doc: &Value) -> Option<&'static str> {
    if text(doc, "kind") != "APIGroupDiscoveryList" {
        return None;
    }
    match text(doc, "apiVersion") {
        "apidiscovery.k8s.io/v2" => Some("v2"),
        _ => Some("v2beta1"),
    }
}

/// GET a discovery document.
async fn get(client: &kube::Client, path: &str, accept: &str) -> Result<Value, DiscoveryError> {
    let req = http::Request::get(path)
        .header(http::header::ACCEPT, accept)
        .body(vec![])
        .map_err(|e| DiscoveryError::Request {
            path: path.into(),
            message: e.to_string(),
        })?;
    match tokio::time::timeout(REQUEST_LIMIT, client.request::<Value>(req)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(DiscoveryError::Request {
            path: path.into(),
            message: super::status::classify(&e).message().to_string(),
        }),
        Err(_) => Err(DiscoveryError::Timeout {
            path: path.into(),
            seconds: REQUEST_LIMIT.as_secs(),
        }),
    }
}

/// Discover every resource of a context: aggregated where served, else legacy.
pub async fn discover(client: &kube::Client) -> Result<Discovered, DiscoveryError> {
    let (api, apis) = futures::future::join(
        get(client, "/api", ACCEPT_AGGREGATED),
        get(client, "/apis", ACCEPT_AGGREGATED),
    )
    .await;
    let (api, apis) = (api?, apis?);
    let doc_err = |path: &str, why: String| DiscoveryError::Document {
        path: path.into(),
        why,
    };
    if let (Some(v), Some(_)) = (aggregated_version(&api), aggregated_version(&apis)) {
        let mut resources = parse_aggregated(&api).map_err(|w| doc_err("/api", w))?;
        merge(
            &mut resources,
            parse_aggregated(&apis).map_err(|w| doc_err("/apis", w))?,
        );
        return Ok(Discovered {
            resources,
            source: Source::Aggregated(v),
            partial: vec![],
        });
    }
    // Legacy: the server answered with APIVersions / APIGroupList.
    let mut gvs: Vec<String> = parse_versions(&api);
    gvs.extend(parse_group_list(&apis).map_err(|w| doc_err("/apis", w))?);
    let paths: Vec<String> = gvs
        .iter()
        .map(|gv| {
            if gv.contains('/') {
                format!("/apis/{gv}")
            } else {
                format!("/api/{gv}")
            }
        })
        .collect();
    let docs =
        futures::future::join_all(paths.iter().map(|p| get(client, p, "application/json"))).await;
    let mut resources = vec![];
    let mut partial = vec![];
    for ((gv, path), doc) in gvs.iter().zip(&paths).zip(docs) {
        match doc
            .map_err(|e| e.to_string())
            .and_then(|d| parse_resource_list(&d).map_err(|w| doc_err(path, w).to_string()))
        {
            Ok(rs) => merge(&mut resources, rs),
            Err(e) => partial.push((gv.clone(), e)),
        }
    }
    Ok(Discovered {
        resources,
        source: Source::Legacy,
        partial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/k8s-wire/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    #[test]
    fn aggregated_discovery_of_a_real_server_lists_groups_with_their_preferred_version() {
        let rs = parse_aggregated(&fixture("discovery-apis-aggregated.json")).expect("parses");
        let deploy = rs
            .iter()
            .find(|r| r.plural == "deployments")
            .expect("deployments");
        assert_eq!(deploy.group, "apps");
        assert_eq!(deploy.version, "v1");
        assert_eq!(deploy.kind, "Deployment");
        assert!(deploy.namespaced && deploy.scale && deploy.listable());
        assert_eq!(deploy.short_names, vec!["deploy".to_string()]);
        // autoscaling serves v2 and v1: horizontalpodautoscalers once, from v2.
        let hpas: Vec<_> = rs
            .iter()
            .filter(|r| r.plural == "horizontalpodautoscalers")
            .collect();
        assert_eq!(hpas.len(), 1);
        assert_eq!(hpas[0].version, "v2");
    }

    #[test]
    fn legacy_documents_of_a_real_server_give_the_same_resources() {
        let mut rs = parse_resource_list(&fixture("discovery-api-v1.json")).expect("core");
        merge(
            &mut rs,
            parse_resource_list(&fixture("discovery-apis-apps-v1.json")).expect("apps"),
        );
        let svc = rs
            .iter()
            .find(|r| r.plural == "services")
            .expect("services");
        assert_eq!((svc.group.as_str(), svc.kind.as_str()), ("", "Service"));
        assert!(svc.short_names.contains(&"svc".to_string()));
        assert!(!rs.iter().any(|r| r.plural.contains('/')));
        let sts = rs.iter().find(|r| r.plural == "statefulsets").expect("sts");
        assert!(sts.scale);
        let gvs = parse_group_list(&fixture("discovery-apis.json")).expect("groups");
        assert!(gvs.contains(&"apps/v1".to_string()));
        assert_eq!(parse_versions(&fixture("discovery-api.json")), vec!["v1"]);
        let agg = parse_aggregated(&fixture("discovery-apis-aggregated.json")).expect("agg");
        let agg_sts = agg
            .iter()
            .find(|r| r.plural == "statefulsets")
            .expect("sts");
        assert_eq!(agg_sts.short_names, sts.short_names);
        assert_eq!(agg_sts.verbs, sts.verbs);
    }

    #[test]
    fn names_resolve_as_kubectl_resolves_them() {
        let mut resources = parse_resource_list(&fixture("discovery-api-v1.json")).expect("core");
        merge(
            &mut resources,
            parse_aggregated(&fixture("discovery-apis-aggregated.json")).expect("apis"),
        );
        let d = Discovered {
            resources,
            source: Source::Legacy,
            partial: vec![],
        };
        let plural = |n: &str| d.resolve(n).map(ApiResourceInfo::qualified);
        assert_eq!(plural("svc").as_deref(), Some("services"));
        assert_eq!(plural("Service").as_deref(), Some("services"));
        assert_eq!(plural("deploy").as_deref(), Some("deployments.apps"));
        assert_eq!(
            plural("deployments.apps").as_deref(),
            Some("deployments.apps")
        );
        assert_eq!(
            plural("deployment.apps").as_deref(),
            Some("deployments.apps")
        );
        assert_eq!(
            plural("deployments.v1.apps").as_deref(),
            Some("deployments.apps")
        );
        assert_eq!(
            plural("ing").as_deref(),
            Some("ingresses.networking.k8s.io")
        );
        // Core wins: `events` is the core kind, `events.events.k8s.io` the other.
        assert_eq!(d.resolve("events").map(|r| r.group.as_str()), Some(""));
        assert_eq!(
            plural("events.events.k8s.io").as_deref(),
            Some("events.events.k8s.io")
        );
        assert_eq!(d.resolve("nonsense"), None);
    }

    #[test]
    fn paths_are_namespaced_only_for_namespaced_resources() {
        let rs = parse_resource_list(&fixture("discovery-api-v1.json")).expect("core");
        let pods = rs.iter().find(|r| r.plural == "pods").expect("pods");
        let nodes = rs.iter().find(|r| r.plural == "nodes").expect("nodes");
        assert_eq!(
            pods.collection_path(Some("shop")),
            "/api/v1/namespaces/shop/pods"
        );
        assert_eq!(pods.collection_path(None), "/api/v1/pods");
        assert_eq!(nodes.collection_path(Some("shop")), "/api/v1/nodes");
    }
}
