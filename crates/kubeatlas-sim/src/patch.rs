//! Patch application: JSON merge patch (RFC 7386), strategic merge patch, JSON patch (RFC 6902).

use serde_json::{Map, Value};

/// The patch flavours the server accepts, keyed by request `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchKind {
    /// `application/merge-patch+json`
    Merge,
    /// `application/strategic-merge-patch+json`
    Strategic,
    /// `application/json-patch+json`
    Json,
}

impl PatchKind {
    /// Maps a request content type (parameters ignored) to a patch kind.
    pub fn from_content_type(ct: &str) -> Option<PatchKind> {
        match ct.split(';').next().unwrap_or("").trim() {
            "application/merge-patch+json" => Some(PatchKind::Merge),
            "application/strategic-merge-patch+json" => Some(PatchKind::Strategic),
            "application/json-patch+json" => Some(PatchKind::Json),
            _ => None,
        }
    }
}

/// Why a patch could not be applied; `Invalid` maps to 422, `BadRequest` to 400.
#[derive(Debug, PartialEq)]
pub enum PatchError {
    /// The patch document itself is malformed.
    BadRequest(String),
    /// The patch is well-formed but cannot be applied to this object.
    Invalid(String),
}

/// Applies `patch` (already parsed JSON) of the given kind to `target`.
pub fn apply(kind: PatchKind, target: &Value, patch: &Value) -> Result<Value, PatchError> {
    match kind {
        PatchKind::Merge => {
            if !patch.is_object() {
                return Err(PatchError::BadRequest(
                    "merge patch must be a JSON object".to_string(),
                ));
            }
            let mut out = target.clone();
            merge(&mut out, patch);
            Ok(out)
        }
        PatchKind::Strategic => {
            if !patch.is_object() {
                return Err(PatchError::BadRequest(
                    "strategic merge patch must be a JSON object".to_string(),
                ));
            }
            let mut out = target.clone();
            strategic(&mut out, patch);
            Ok(out)
        }
        PatchKind::Json => json_patch(target, patch),
    }
}

/// RFC 7386 merge: objects merge recursively, `null` deletes, anything else replaces.
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// The merge key of a list field in the Kubernetes API (`patchMergeKey`), if it merges by key.
fn merge_key(field: &str) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims" => Some("name"),
        "volumeMounts" | "volumeDevices" => Some("mountPath"),
        "ports" => Some("containerPort"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "hostAliases" => Some("ip"),
        "topologySpreadConstraints" => Some("topologyKey"),
        _ => None,
    }
}

/// Strategic merge: like [`merge`], but lists with a merge key merge element-wise and `$`
/// directives (`$patch`, `$setElementOrder/…`, `$retainKeys`) are honoured or dropped.
fn strategic(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    match p.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut clean = patch.clone();
            strip_directives(&mut clean);
            *target = clean;
            return;
        }
        Some("delete") => {
            *target = Value::Null;
            return;
        }
        _ => {}
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in p {
        if k.starts_with('$') {
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        match (v, merge_key(k)) {
            (Value::Array(items), Some(key)) => {
                let existing = t.entry(k.clone()).or_insert_with(|| Value::Array(vec![]));
                if !existing.is_array() {
                    *existing = Value::Array(vec![]);
                }
                if let Value::Array(list) = existing {
                    merge_list(list, items, key);
                }
            }
            (Value::Array(items), None) => {
                let mut items = Value::Array(items.clone());
                strip_directives(&mut items);
                t.insert(k.clone(), items);
            }
            (Value::Object(_), _) => {
                let slot = t.entry(k.clone()).or_insert(Value::Null);
                strategic(slot, v);
                if slot.is_null() {
                    t.remove(k);
                }
            }
            _ => {
                t.insert(k.clone(), v.clone());
            }
        }
    }
}

fn merge_list(list: &mut Vec<Value>, items: &[Value], key: &str) {
    for item in items {
        let Some(id) = item.get(key).cloned() else {
            let mut clean = item.clone();
            strip_directives(&mut clean);
            list.push(clean);
            continue;
        };
        let pos = list.iter().position(|e| e.get(key) == Some(&id));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(i), true) => {
                list.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => strategic(&mut list[i], item),
            (None, false) => {
                let mut fresh = Value::Null;
                strategic(&mut fresh, item);
                list.push(fresh);
            }
        }
    }
}

fn strip_directives(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !k.starts_with('$'));
            m.values_mut().for_each(strip_directives);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_directives),
        _ => {}
    }
}

/// Splits an RFC 6901 JSON pointer into unescaped tokens.
fn pointer_tokens(path: &str) -> Result<Vec<String>, PatchError> {
    if path.is_empty() {
        return Ok(vec![]);
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(PatchError::BadRequest(format!(
            "invalid JSON pointer {path:?}: must start with '/'"
        )));
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn missing(path: &str) -> PatchError {
    PatchError::Invalid(format!(
        "the server rejected our request due to an error in our request: doc is missing path: {path:?}"
    ))
}

/// Parent container of `tokens` and the last token.
fn parent_mut<'a>(
    doc: &'a mut Value,
    tokens: &'a [String],
    path: &str,
) -> Result<(&'a mut Value, &'a str), PatchError> {
    let (last, init) = tokens.split_last().ok_or_else(|| missing(path))?;
    let mut cur = doc;
    for t in init {
        cur = match cur {
            Value::Object(m) => m.get_mut(t).ok_or_else(|| missing(path))?,
            Value::Array(a) => {
                let i: usize = t.parse().map_err(|_| missing(path))?;
                a.get_mut(i).ok_or_else(|| missing(path))?
            }
            _ => return Err(missing(path)),
        };
    }
    Ok((cur, last))
}

fn op_add(doc: &mut Value, path: &str, value: Value) -> Result<(), PatchError> {
    let tokens = pointer_tokens(path)?;
    if tokens.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = parent_mut(doc, &tokens, path)?;
    match parent {
        Value::Object(m) => {
            m.insert(last.to_string(), value);
            Ok(())
        }
        Value::Array(a) => {
            let i = if last == "-" {
                a.len()
            } else {
                last.parse().map_err(|_| missing(path))?
            };
            if i > a.len() {
                return Err(missing(path));
            }
            a.insert(i, value);
            Ok(())
        }
        _ => Err(missing(path)),
    }
}

fn op_remove(doc: &mut Value, path: &str) -> Result<Value, PatchError> {
    let tokens = pointer_tokens(path)?;
    let (parent, last) = parent_mut(doc, &tokens, path)?;
    match parent {
        Value::Object(m) => m.remove(last).ok_or_else(|| missing(path)),
        Value::Array(a) => {
            let i: usize = last.parse().map_err(|_| missing(path))?;
            if i >= a.len() {
                return Err(missing(path));
            }
            Ok(a.remove(i))
        }
        _ => Err(missing(path)),
    }
}

fn op_get(doc: &Value, path: &str) -> Result<Value, PatchError> {
    let tokens = pointer_tokens(path)?;
    let mut cur = doc;
    for t in &tokens {
        cur = match cur {
            Value::Object(m) => m.get(t).ok_or_else(|| missing(path))?,
            Value::Array(a) => {
                let i: usize = t.parse().map_err(|_| missing(path))?;
                a.get(i).ok_or_else(|| missing(path))?
            }
            _ => return Err(missing(path)),
        };
    }
    Ok(cur.clone())
}

/// RFC 6902 JSON patch with ops add, remove, replace, move, copy and test.
fn json_patch(target: &Value, patch: &Value) -> Result<Value, PatchError> {
    let ops = patch.as_array().ok_or_else(|| {
        PatchError::BadRequest(
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch".into(),
        )
    })?;
    let mut doc = target.clone();
    for op in ops {
        let name = op.get("op").and_then(Value::as_str).unwrap_or("");
        let path = op
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| PatchError::BadRequest(format!("operation {name:?} missing path")))?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or_else(|| PatchError::BadRequest(format!("operation {name:?} missing value")))
        };
        let from = || {
            op.get("from")
                .and_then(Value::as_str)
                .ok_or_else(|| PatchError::BadRequest(format!("operation {name:?} missing from")))
        };
        match name {
            "add" => op_add(&mut doc, path, value()?)?,
            "remove" => {
                op_remove(&mut doc, path)?;
            }
            "replace" => {
                op_remove(&mut doc, path)?;
                op_add(&mut doc, path, value()?)?;
            }
            "move" => {
                let v = op_remove(&mut doc, from()?)?;
                op_add(&mut doc, path, v)?;
            }
            "copy" => {
                let v = op_get(&doc, from()?)?;
                op_add(&mut doc, path, v)?;
            }
            "test" => {
                let have = op_get(&doc, path)?;
                if have != value()? {
                    return Err(PatchError::Invalid(format!(
                        "the server rejected our request due to an error in our request: testing value {path} failed: test failed"
                    )));
                }
            }
            other => {
                return Err(PatchError::BadRequest(format!("Unexpected kind: {other}")));
            }
        }
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch() {
        let t = json!({"a": {"b": 1, "c": 2}, "l": [1, 2]});
        let out = apply(
            PatchKind::Merge,
            &t,
            &json!({"a": {"b": null, "d": 3}, "l": [3]}),
        );
        assert_eq!(out, Ok(json!({"a": {"c": 2, "d": 3}, "l": [3]})));
        assert!(apply(PatchKind::Merge, &t, &json!([1])).is_err());
    }

    #[test]
    fn strategic_merges_containers_by_name() {
        let t = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "a:1"}, {"name": "envoy", "image": "e:1"}
        ]}}}});
        let p = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "envoy"}],
            "containers": [{"name": "app", "image": "a:2"}]
        }}}});
        let out = apply(PatchKind::Strategic, &t, &p).unwrap_or_default();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "app", "image": "a:2"}, {"name": "envoy", "image": "e:1"}])
        );
        let del = json!({"spec": {"template": {"spec": {"containers": [{"name": "envoy", "$patch": "delete"}]}}}});
        let out = apply(PatchKind::Strategic, &t, &del).unwrap_or_default();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "app", "image": "a:1"}])
        );
    }

    #[test]
    fn json_patch_ops() {
        let t = json!({"spec": {"replicas": 1, "l": [1, 2]}});
        let p = json!([
            {"op": "test", "path": "/spec/replicas", "value": 1},
            {"op": "replace", "path": "/spec/replicas", "value": 5},
            {"op": "add", "path": "/spec/l/-", "value": 3},
            {"op": "remove", "path": "/spec/l/0"},
            {"op": "add", "path": "/metadata", "value": {"a~b/c": 1}}
        ]);
        let out = apply(PatchKind::Json, &t, &p).unwrap_or_default();
        assert_eq!(
            out,
            json!({"spec": {"replicas": 5, "l": [2, 3]}, "metadata": {"a~b/c": 1}})
        );
        let bad = json!([{"op": "test", "path": "/spec/replicas", "value": 2}]);
        assert!(matches!(
            apply(PatchKind::Json, &t, &bad),
            Err(PatchError::Invalid(_))
        ));
        let missing = json!([{"op": "remove", "path": "/nope"}]);
        assert!(matches!(
            apply(PatchKind::Json, &t, &missing),
            Err(PatchError::Invalid(_))
        ));
        assert!(matches!(
            apply(PatchKind::Json, &t, &json!({})),
            Err(PatchError::BadRequest(_))
        ));
    }
}
