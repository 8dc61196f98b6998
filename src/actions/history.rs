//! The rollout history of one workload, read the way `kubectl rollout history` reads it: the
//! owner fetched, the objects of its blueprint's `history.owned` kind listed in its namespace
//! by its label selector and kept when controlled by its uid, each one revision (number,
//! change-cause, pod template, replicas, age), the current one the revision whose template
//! matches the owner's. Fetched on demand, never kept in the catalog; [`read`] is pure.

use super::ObjectAddress;
use crate::blueprint::history::HistoryRule;
use serde::Serialize;
use serde_json::{Map, Value};
use std::time::Duration;

/// How long one history request may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Why the history could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    /// kubectl: `failed to retrieve Deployment x: …`.
    #[error("failed to retrieve {kind} {name}: {message}")]
    Owner {
        kind: String,
        name: String,
        message: String,
    },
    #[error("unable to find history controlled by {kind} {name}: {message}")]
    Owned {
        kind: String,
        name: String,
        message: String,
    },
    #[error("failed to create selector for {kind} {name}: {message}")]
    Selector {
        kind: String,
        name: String,
        message: String,
    },
    #[error("{kind} {name} has no rollout history (its blueprint source has no `history:`)")]
    NoRule { kind: String, name: String },
    #[error("no connection to context {0}")]
    NoConnection(String),
}

/// One revision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Revision {
    pub revision: i64,
    /// The object holding it (a ReplicaSet, a ControllerRevision).
    pub name: String,
    /// `metadata.creationTimestamp`, seconds since the epoch.
    pub created: Option<i64>,
    #[serde(rename = "changeCause")]
    pub change_cause: Option<String>,
    pub images: Vec<String>,
    pub replicas: Option<i64>,
    /// The owner runs this revision's template.
    pub current: bool,
    /// The whole revision object (what `undo` restores from).
    #[serde(skip)]
    pub object: Value,
}

/// A workload's revisions, oldest first, with the owner as fetched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    pub revisions: Vec<Revision>,
    #[serde(skip)]
    pub owner: Value,
}

impl History {
    /// The revision numbered `n`.
    pub fn get(&self, n: i64) -> Option<&Revision> {
        self.revisions.iter().find(|r| r.revision == n)
    }
}

/// `metadata.labels` of a pod template with `ignore` removed, everything normalized the way
/// the API's semantic equality sees it (null, empty maps and lists are absent; `$patch`
/// directives are not content).
pub fn normalized(template: &Value, ignore: &[String]) -> Value {
    let mut t = strip(template);
    if let Some(labels) = t
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        for l in ignore {
            labels.remove(l);
        }
    }
    strip(&t)
}

fn strip(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let out: Map<String, Value> = m
                .iter()
                .filter(|(k, _)| k.as_str() != "$patch")
                .map(|(k, v)| (k.clone(), strip(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect();
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(strip).collect()),
        other => other.clone(),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The owner's current pod template (at the rule's `current` field path).
pub fn current_template<'a>(rule: &HistoryRule, owner: &'a Value) -> Option<&'a Value> {
    rule.current.iter().try_fold(owner, |v, k| v.get(&**k))
}

/// Whether `template` (a revision's) is what the owner runs, ignoring the rule's labels.
pub fn matches_owner(rule: &HistoryRule, owner: &Value, template: &Value) -> bool {
    let Some(cur) = current_template(rule, owner) else {
        return false;
    };
    normalized(cur, &rule.ignore_labels) == normalized(template, &rule.ignore_labels)
}

/// A revision number: an integer, or a string of digits (kubectl's `strconv.ParseInt`).
fn revision_number(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Whether `obj` has a controller ownerReference with `uid` (`metav1.IsControlledBy`).
pub fn controlled_by(obj: &Value, uid: &str) -> bool {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r["controller"] == Value::Bool(true) && r["uid"] == uid)
        })
}

/// A `metav1.LabelSelector` as the `labelSelector` query string
/// (`metav1.LabelSelectorAsSelector`: requirements sorted by key).
pub fn selector_string(sel: &Value) -> Result<String, String> {
    let mut reqs: Vec<(String, String)> = vec![];
    if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in m {
            let v = v
                .as_str()
                .ok_or_else(|| format!("label {k}: not a string"))?;
            reqs.push((k.clone(), format!("{k}={v}")));
        }
    }
    if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
        for e in exprs {
            let key = e["key"].as_str().unwrap_or_default().to_string();
            let mut values: Vec<&str> = e["values"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            values.sort_unstable();
            let text = match e["operator"].as_str().unwrap_or_default() {
                "In" => format!("{key} in ({})", values.join(",")),
                "NotIn" => format!("{key} notin ({})", values.join(",")),
                "Exists" => key.clone(),
                "DoesNotExist" => format!("!{key}"),
                op => return Err(format!("{op:?} is not a valid label selector operator")),
            };
            reqs.push((key, text));
        }
    }
    if reqs.is_empty() && !sel.is_object() {
        return Err("the object has no label selector".into());
    }
    reqs.sort();
    Ok(reqs
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(","))
}

fn timestamp(v: &Value) -> Option<i64> {
    v.as_str()?
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_second())
}

/// The history in `items` (the listed objects of the owned kind) of `owner`: those it
/// controls and that carry a revision, one per revision number (the last listed wins, as
/// kubectl's map does), oldest first.
pub fn read(rule: &HistoryRule, owner: Value, items: Vec<Value>) -> History {
    let uid = owner
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut by_number: std::collections::BTreeMap<i64, Revision> = Default::default();
    for obj in items {
        if !controlled_by(&obj, &uid) {
            continue;
        }
        let Some(n) = rule.revision.first(&obj).and_then(revision_number) else {
            continue;
        };
        let template = rule.template.first(&obj).cloned().unwrap_or(Value::Null);
        let images = template
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| c["image"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let rev = Revision {
            revision: n,
            name: obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            created: obj
                .pointer("/metadata/creationTimestamp")
                .and_then(timestamp),
            change_cause: rule
                .change_cause
                .as_ref()
                .and_then(|p| p.first(&obj))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            images,
            replicas: rule
                .replicas
                .as_ref()
                .and_then(|p| p.first(&obj))
                .and_then(Value::as_i64),
            current: matches_owner(rule, &owner, &template),
            object: obj,
        };
        by_number.insert(n, rev);
    }
    let mut revisions: Vec<Revision> = by_number.into_values().collect();
    // At most one is current: the newest matching revision.
    if let Some(last) = revisions.iter().rposition(|r| r.current) {
        for (i, r) in revisions.iter_mut().enumerate() {
            r.current = i == last;
        }
    }
    History { revisions, owner }
}

/// The path listing the owned kind in the owner's namespace by `selector`.
pub fn list_path(rule: &HistoryRule, namespace: Option<&str>, selector: &str) -> String {
    let base = if rule.group.is_empty() {
        format!("/api/{}", rule.version)
    } else {
        format!("/apis/{}/{}", rule.group, rule.version)
    };
    let ns = namespace
        .map(|n| format!("/namespaces/{n}"))
        .unwrap_or_default();
    format!(
        "{base}{ns}/{}?labelSelector={}",
        rule.plural,
        crate::fleet::query::encode(selector)
    )
}

async fn get_json(client: &kube::Client, path: &str) -> Result<Value, String> {
    request_json(client, http::Method::GET, path, None).await
}

/// One JSON request (a body is sent as `application/json`), its answer or the failure in
/// words.
pub async fn request_json(
    client: &kube::Client,
    method: http::Method,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, String> {
    let mut req = http::Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::ACCEPT, "application/json");
    if body.is_some() {
        req = req.header(http::header::CONTENT_TYPE, "application/json");
    }
    let bytes = match body {
        Some(b) => serde_json::to_vec(b).map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    let req = req.body(bytes).map_err(|e| e.to_string())?;
    match tokio::time::timeout(TIMEOUT, client.request::<Value>(req)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(crate::fleet::status::classify(&e).message().to_string()),
        Err(_) => Err(format!("no answer within {} s", TIMEOUT.as_secs())),
    }
}

/// GET the owner and LIST its revisions: kubectl's `deploymentutil.GetAllReplicaSets` /
/// `controlledHistory`.
pub async fn fetch(
    client: &kube::Client,
    t: &ObjectAddress,
    rule: &HistoryRule,
) -> Result<History, HistoryError> {
    let owner = get_json(client, &t.path())
        .await
        .map_err(|message| HistoryError::Owner {
            kind: t.kind.clone(),
            name: t.name.clone(),
            message,
        })?;
    let selector = rule
        .selector
        .first(&owner)
        .ok_or_else(|| "the object has no label selector".to_string())
        .and_then(selector_string)
        .map_err(|message| HistoryError::Selector {
            kind: t.kind.clone(),
            name: t.name.clone(),
            message,
        })?;
    let list = get_json(client, &list_path(rule, t.namespace.as_deref(), &selector))
        .await
        .map_err(|message| HistoryError::Owned {
            kind: t.kind.clone(),
            name: t.name.clone(),
            message,
        })?;
    let items = match list.get("items") {
        Some(Value::Array(a)) => a.clone(),
        _ => vec![],
    };
    Ok(read(rule, owner, items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_label_selector_becomes_kubectls_query_sorted_by_key() {
        let sel = json!({
            "matchLabels": {"tier": "web", "app": "shop"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "dev"]},
                {"key": "canary", "operator": "DoesNotExist"},
            ],
        });
        assert_eq!(
            selector_string(&sel).as_deref(),
            Ok("app=shop,!canary,env in (dev,prod),tier=web")
        );
        let bad = json!({"matchExpressions": [{"key": "a", "operator": "Near"}]});
        assert!(selector_string(&bad).is_err());
    }

    #[test]
    fn templates_compare_as_the_apis_semantic_equality_ignoring_the_hash_label() {
        let ignore = vec!["pod-template-hash".to_string()];
        let rs = json!({"metadata": {"creationTimestamp": null,
            "labels": {"app": "web", "pod-template-hash": "abc"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1", "env": []}]}});
        let deploy = json!({"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1"}]}});
        assert_eq!(normalized(&rs, &ignore), normalized(&deploy, &ignore));
        let other = json!({"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:2"}]}});
        assert_ne!(normalized(&rs, &ignore), normalized(&other, &ignore));
        let stored = json!({"$patch": "replace", "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1"}]}});
        assert_eq!(normalized(&stored, &[]), normalized(&deploy, &[]));
    }

    #[test]
    fn only_controlled_objects_count_and_the_list_path_encodes_the_selector() {
        let owned = json!({"metadata": {"ownerReferences": [{"uid": "u1", "controller": true}]}});
        let adopted = json!({"metadata": {"ownerReferences": [{"uid": "u1"}]}});
        assert!(controlled_by(&owned, "u1"));
        assert!(!controlled_by(&adopted, "u1"));
        assert!(!controlled_by(&owned, "u2"));
        assert_eq!(
            crate::fleet::query::encode("app=web,env in (a,b)"),
            "app%3Dweb%2Cenv%20in%20%28a%2Cb%29"
        );
    }
}
