//! May the user run an action? Asked of the API server before anything is offered: the
//! authorization attributes of the exact request an action would send (derived from its
//! planned method and path, as the API server's request-info rules do), the
//! `SelfSubjectAccessReview` that `kubectl auth can-i` posts for them, the `SelfSubjectReview`
//! that `kubectl auth whoami` posts, their answers, and a cache of verdicts per context and
//! (namespace, group, resource, subresource, verb). Pure: the network call is the effect
//! runner's; this file only shapes and reads the bodies.

use super::plan::{Planned, plan};
use super::{Action, Target};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Where `kubectl auth can-i` posts its review.
pub const REVIEW_PATH: &str = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
/// Where `kubectl auth whoami` posts its review (GA in Kubernetes 1.28).
pub const WHOAMI_PATH: &str = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

/// Why a request's attributes or a review's answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("{0:?} is not a resource path of the Kubernetes API")]
    NotAResourcePath(String),
    #[error("no authorization verb for HTTP method {0}")]
    Method(String),
    #[error("the access review answer has no status.allowed")]
    NoVerdict,
    #[error("the access review failed: {0}")]
    Evaluation(String),
}

/// The authorization attributes of one resource request (what RBAC rules match on).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Attributes {
    pub verb: String,
    /// API group; empty for the core group.
    pub group: String,
    pub resource: String,
    /// `scale`, `status`, `log`, or empty.
    pub subresource: String,
    /// `None` for cluster-scoped requests.
    pub namespace: Option<String>,
}

impl Attributes {
    /// The attributes of a planned request.
    pub fn of(p: &Planned) -> Result<Attributes, AccessError> {
        Attributes::of_request(&p.method, &p.path)
    }

    /// The attributes of `method path`, by the API server's rules: `/api/v1/…` is the core
    /// group, `/apis/{group}/{version}/…` a named one; `namespaces/{ns}/` scopes the rest;
    /// then resource, name, subresource. GET/DELETE without a name are `list` /
    /// `deletecollection`; `?watch=true` is `watch`.
    pub fn of_request(method: &http::Method, path: &str) -> Result<Attributes, AccessError> {
        let bad = || AccessError::NotAResourcePath(path.to_string());
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let (group, rest) = match segs.as_slice() {
            ["api", _version, rest @ ..] => ("", rest),
            ["apis", group, _version, rest @ ..] => (*group, rest),
            _ => return Err(bad()),
        };
        let (namespace, rest) = match rest {
            ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(ns.to_string()), rest),
            // `/api/v1/namespaces/{name}`: the namespace object itself.
            ["namespaces", ns] => (Some(ns.to_string()), rest),
            _ => (None, rest),
        };
        let (resource, name, subresource) = match rest {
            [resource] => (*resource, None, ""),
            [resource, name] => (*resource, Some(*name), ""),
            [resource, name, sub] => (*resource, Some(*name), *sub),
            _ => return Err(bad()),
        };
        let watch = query
            .split('&')
            .any(|kv| kv == "watch=true" || kv == "watch=1");
        let verb = match (method.as_str(), name.is_some()) {
            ("GET", _) if watch => "watch",
            ("GET", true) => "get",
            ("GET", false) => "list",
            ("POST", _) => "create",
            ("PUT", _) => "update",
            ("PATCH", _) => "patch",
            ("DELETE", true) => "delete",
            ("DELETE", false) => "deletecollection",
            (m, _) => return Err(AccessError::Method(m.to_string())),
        };
        Ok(Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: subresource.into(),
            namespace,
        })
    }

    /// The attributes of the request `action` would send to `target` (`None` when the action
    /// does not apply to it: the planner refuses it before any question is worth asking).
    pub fn of_action(target: &Target, action: &Action) -> Option<Attributes> {
        plan(target, action, "")
            .ok()
            .and_then(|p| Attributes::of(&p).ok())
    }

    /// `patch deployments in shop`, `patch deployments/scale in shop`, `delete nodes
    /// cluster-wide`.
    pub fn describe(&self) -> String {
        let what = if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        };
        match &self.namespace {
            Some(ns) => format!("{} {what} in {ns}", self.verb),
            None => format!("{} {what} cluster-wide", self.verb),
        }
    }
}

/// The `SelfSubjectAccessReview` body `kubectl auth can-i VERB RESOURCE[/SUB] -n NS` posts
/// (empty fields left out, as Go's `omitempty` does).
pub fn review_body(a: &Attributes) -> Value {
    let mut attrs = Map::new();
    let mut put = |k: &str, v: &str| {
        if !v.is_empty() {
            attrs.insert(k.into(), Value::String(v.into()));
        }
    };
    put("namespace", a.namespace.as_deref().unwrap_or(""));
    put("verb", &a.verb);
    put("group", &a.group);
    put("resource", &a.resource);
    put("subresource", &a.subresource);
    json!({
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "spec": {"resourceAttributes": attrs},
        "status": {"allowed": false},
    })
}

/// The `SelfSubjectReview` body `kubectl auth whoami` posts.
pub fn whoami_body() -> Value {
    json!({
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "status": {"userInfo": {}},
    })
}

/// The server's verdict on one set of attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Not allowed; `reason` is the authorizer's (often empty for RBAC).
    Denied {
        reason: String,
    },
}

/// Reads a `SelfSubjectAccessReview` answer: `status.allowed`, else `status.denied`/`reason`.
pub fn parse_review(v: &Value) -> Result<Verdict, AccessError> {
    let status = &v["status"];
    match status["allowed"].as_bool() {
        Some(true) => Ok(Verdict::Allowed),
        Some(false) => {
            let reason = status["reason"].as_str().unwrap_or("").to_string();
            if let Some(e) = status["evaluationError"].as_str().filter(|e| !e.is_empty())
                && status["denied"].as_bool() != Some(true)
                && reason.is_empty()
            {
                // No authorizer decided and one of them failed: not an answer.
                return Err(AccessError::Evaluation(e.to_string()));
            }
            Ok(Verdict::Denied { reason })
        }
        None => Err(AccessError::NoVerdict),
    }
}

/// Reads the user name out of a `SelfSubjectReview` answer.
pub fn parse_whoami(v: &Value) -> Option<String> {
    v["status"]["userInfo"]["username"]
        .as_str()
        .filter(|u| !u.is_empty())
        .map(str::to_string)
}

/// What is known about one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// Asked, no answer yet.
    Pending,
    Verdict(Verdict),
    /// The review itself failed (no such API, timeout): the server decides when the action is
    /// sent, as before access reviews existed.
    Unanswered(String),
}

/// Verdicts per (context, attributes), and who the user is per context.
#[derive(Debug, Clone, Default)]
pub struct AccessCache {
    known: HashMap<(String, Attributes), Known>,
    users: HashMap<String, String>,
    /// The kubeconfig's user name per context, for servers without `SelfSubjectReview`.
    fallback: HashMap<String, String>,
}

impl AccessCache {
    /// What is known about `attrs` in `context` (`None`: never asked, or forgotten).
    pub fn get(&self, context: &str, attrs: &Attributes) -> Option<&Known> {
        self.known.get(&(context.to_string(), attrs.clone()))
    }

    /// Marks the questions not yet asked as pending and returns them (to be sent).
    pub fn ask(&mut self, context: &str, attrs: &[Attributes]) -> Vec<Attributes> {
        let mut out = vec![];
        for a in attrs {
            let key = (context.to_string(), a.clone());
            if !self.known.contains_key(&key) && !out.contains(a) {
                self.known.insert(key, Known::Pending);
                out.push(a.clone());
            }
        }
        out
    }

    /// Whether the user of `context` is known (asked once per context).
    pub fn knows_user(&self, context: &str) -> bool {
        self.users.contains_key(context)
    }

    /// Records who the user of `context` is.
    pub fn set_user(&mut self, context: &str, user: String) {
        self.users.insert(context.to_string(), user);
    }

    /// Records the kubeconfig's name for the user of `context`, used while (or when) the
    /// server does not say.
    pub fn set_fallback_user(&mut self, context: &str, user: String) {
        self.fallback.insert(context.to_string(), user);
    }

    /// The user of `context`, as the server named it, else as the kubeconfig names it.
    pub fn user(&self, context: &str) -> Option<&str> {
        self.users
            .get(context)
            .or_else(|| self.fallback.get(context))
            .map(String::as_str)
    }

    /// Records the answer to one question.
    pub fn answer(&mut self, context: &str, attrs: Attributes, result: Result<Verdict, String>) {
        let known = match result {
            Ok(v) => Known::Verdict(v),
            Err(e) => Known::Unanswered(e),
        };
        self.known.insert((context.to_string(), attrs), known);
    }

    /// Forgets every verdict in `context` for `namespace` (and the cluster-wide ones): after
    /// the server refused a request, the next action asks again.
    pub fn forget(&mut self, context: &str, namespace: Option<&str>) {
        self.known.retain(|(c, a), k| {
            c != context
                || matches!(k, Known::Pending)
                || (a.namespace.is_some() && a.namespace.as_deref() != namespace)
        });
    }

    /// Forgets the questions whose review failed (they are asked again next time).
    pub fn forget_unanswered(&mut self) {
        self.known.retain(|_, k| !matches!(k, Known::Unanswered(_)));
    }

    /// Why `attrs` may not be done in `context`, in words (`None` unless denied):
    /// `viewer may not patch deployments in shop`.
    pub fn denial(&self, context: &str, attrs: &Attributes) -> Option<String> {
        match self.get(context, attrs)? {
            Known::Verdict(Verdict::Denied { reason }) => {
                let who = self
                    .user(context)
                    .map_or_else(|| format!("the user of context {context}"), str::to_string);
                let mut s = format!("{who} may not {}", attrs.describe());
                if !reason.is_empty() {
                    s.push_str(&format!(" ({reason})"));
                }
                Some(s)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(verb: &str, group: &str, resource: &str, sub: &str, ns: Option<&str>) -> Attributes {
        Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: sub.into(),
            namespace: ns.map(str::to_string),
        }
    }

    #[test]
    fn request_paths_give_the_api_servers_attributes() {
        let m = |m: &str| http::Method::from_bytes(m.as_bytes()).expect("method");
        let of = |method: &str, path: &str| Attributes::of_request(&m(method), path).expect(path);
        assert_eq!(
            of("PATCH", "/apis/apps/v1/namespaces/shop/deployments/cart"),
            attrs("patch", "apps", "deployments", "", Some("shop"))
        );
        assert_eq!(
            of(
                "PATCH",
                "/apis/apps/v1/namespaces/shop/deployments/cart/scale"
            ),
            attrs("patch", "apps", "deployments", "scale", Some("shop"))
        );
        assert_eq!(
            of("DELETE", "/api/v1/namespaces/shop/pods/cart-1"),
            attrs("delete", "", "pods", "", Some("shop"))
        );
        assert_eq!(
            of("GET", "/api/v1/nodes"),
            attrs("list", "", "nodes", "", None)
        );
        assert_eq!(
            of("GET", "/api/v1/namespaces/shop/pods?watch=true"),
            attrs("watch", "", "pods", "", Some("shop"))
        );
        assert_eq!(
            of("DELETE", "/api/v1/namespaces/shop/pods"),
            attrs("deletecollection", "", "pods", "", Some("shop"))
        );
        assert_eq!(
            of("GET", "/api/v1/namespaces/shop"),
            attrs("get", "", "namespaces", "", Some("shop"))
        );
        assert!(Attributes::of_request(&m("GET"), "/version").is_err());
        assert!(Attributes::of_request(&m("OPTIONS"), "/api/v1/pods").is_err());
    }

    #[test]
    fn the_review_body_is_kubectl_auth_can_i_s() {
        let b = review_body(&attrs(
            "patch",
            "apps",
            "deployments",
            "scale",
            Some("shop"),
        ));
        assert_eq!(
            b,
            json!({"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                "metadata": {"creationTimestamp": null},
                "spec": {"resourceAttributes": {"namespace": "shop", "verb": "patch",
                    "group": "apps", "resource": "deployments", "subresource": "scale"}},
                "status": {"allowed": false}})
        );
        let core = review_body(&attrs("delete", "", "nodes", "", None));
        assert_eq!(
            core["spec"]["resourceAttributes"],
            json!({"verb": "delete", "resource": "nodes"}),
            "empty fields are left out"
        );
        assert_eq!(whoami_body()["apiVersion"], "authentication.k8s.io/v1");
    }

    #[test]
    fn answers_are_read_as_verdicts() {
        assert_eq!(
            parse_review(&json!({"status": {"allowed": true, "reason": "RBAC: allowed"}})),
            Ok(Verdict::Allowed)
        );
        assert_eq!(
            parse_review(&json!({"status": {"allowed": false}})),
            Ok(Verdict::Denied {
                reason: String::new()
            })
        );
        assert_eq!(
            parse_review(
                &json!({"status": {"allowed": false, "denied": true, "reason": "policy"}})
            ),
            Ok(Verdict::Denied {
                reason: "policy".into()
            })
        );
        assert!(matches!(
            parse_review(&json!({"status": {"allowed": false, "evaluationError": "webhook down"}})),
            Err(AccessError::Evaluation(_))
        ));
        assert_eq!(parse_review(&json!({})), Err(AccessError::NoVerdict));
        assert_eq!(
            parse_whoami(&json!({"status": {"userInfo": {"username": "viewer", "groups": ["g"]}}})),
            Some("viewer".into())
        );
        assert_eq!(parse_whoami(&json!({"status": {}})), None);
    }

    #[test]
    fn the_cache_asks_once_and_words_denials() {
        let mut c = AccessCache::default();
        let patch = attrs("patch", "apps", "deployments", "", Some("shop"));
        let scale = attrs("patch", "apps", "deployments", "scale", Some("shop"));
        assert_eq!(
            c.ask("prod", &[patch.clone(), patch.clone()]),
            vec![patch.clone()]
        );
        assert!(
            c.ask("prod", std::slice::from_ref(&patch)).is_empty(),
            "pending"
        );
        assert_eq!(c.get("prod", &patch), Some(&Known::Pending));
        assert_eq!(
            c.ask("dev", std::slice::from_ref(&patch)).len(),
            1,
            "per context"
        );
        c.answer(
            "prod",
            patch.clone(),
            Ok(Verdict::Denied {
                reason: String::new(),
            }),
        );
        assert_eq!(
            c.denial("prod", &patch).as_deref(),
            Some("the user of context prod may not patch deployments in shop")
        );
        c.set_fallback_user("prod", "kube-user".into());
        assert_eq!(
            c.denial("prod", &patch).as_deref(),
            Some("kube-user may not patch deployments in shop"),
            "the kubeconfig's name when the server has no SelfSubjectReview"
        );
        c.set_user("prod", "viewer".into());
        assert_eq!(
            c.denial("prod", &patch).as_deref(),
            Some("viewer may not patch deployments in shop")
        );
        c.answer("prod", scale.clone(), Ok(Verdict::Allowed));
        assert_eq!(c.denial("prod", &scale), None);
        c.answer("dev", patch.clone(), Err("timeout".into()));
        assert_eq!(c.denial("dev", &patch), None, "unanswered: not denied");
        c.forget_unanswered();
        assert_eq!(c.get("dev", &patch), None, "asked again next time");
        assert!(c.get("prod", &scale).is_some());
    }

    #[test]
    fn a_refusal_forgets_the_verdicts_of_its_context_and_namespace() {
        let mut c = AccessCache::default();
        let shop = attrs("patch", "apps", "deployments", "", Some("shop"));
        let pay = attrs("patch", "apps", "deployments", "", Some("payments"));
        let nodes = attrs("delete", "", "nodes", "", None);
        for a in [&shop, &pay, &nodes] {
            c.answer("prod", a.clone(), Ok(Verdict::Allowed));
            c.answer("dev", a.clone(), Ok(Verdict::Allowed));
        }
        c.forget("prod", Some("shop"));
        assert_eq!(c.get("prod", &shop), None);
        assert_eq!(c.get("prod", &nodes), None);
        assert!(c.get("prod", &pay).is_some());
        assert!(c.get("dev", &shop).is_some());
        assert_eq!(c.ask("prod", std::slice::from_ref(&shop)), vec![shop]);
    }
}
