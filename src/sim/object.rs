//! A stored object: its JSON value plus a cached serialization reused by LIST, GET and WATCH.

use bytes::Bytes;
use serde_json::Value;

use super::resource::SimResource;
use super::util;

/// One object as stored: the full value and its body serialized once.
///
/// `body` is the object *without* `kind`/`apiVersion` (the form LIST items take on the wire);
/// the full object is `type_prefix + body[1..]`, so no request ever re-serializes an object.
#[derive(Debug)]
pub(crate) struct StoredObject {
    pub res: SimResource,
    /// Full object including `kind`, `apiVersion` and `metadata.resourceVersion`.
    pub value: Value,
    pub body: Bytes,
    pub rv: u64,
}

impl StoredObject {
    /// Stamps `resourceVersion = rv` into `value` and caches its serialization.
    pub fn new(res: SimResource, mut value: Value, rv: u64) -> StoredObject {
        util::meta_mut(&mut value).insert("resourceVersion".into(), Value::from(rv.to_string()));
        let body = serialize_body(&mut value);
        StoredObject {
            res,
            value,
            body,
            rv,
        }
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        util::str_at(&self.value, "/metadata/name")
    }

    /// `metadata.namespace` (`""` for cluster-scoped objects).
    pub fn namespace(&self) -> &str {
        util::str_at(&self.value, "/metadata/namespace")
    }

    /// `metadata.uid`.
    pub fn uid(&self) -> &str {
        util::str_at(&self.value, "/metadata/uid")
    }

    /// Appends the full object (with `kind`/`apiVersion`) to `out`.
    pub fn write_full(&self, out: &mut Vec<u8>) {
        write_with_prefix(self.res, &self.body, out);
    }

    /// The full object serialized.
    #[cfg(test)]
    pub fn full_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 48);
        self.write_full(&mut out);
        out
    }
}

/// Appends `prefix + body[1..]`, i.e. `body` with `kind`/`apiVersion` put in front.
pub(crate) fn write_with_prefix(res: SimResource, body: &[u8], out: &mut Vec<u8>) {
    let prefix = res.info().type_prefix;
    if body.len() <= 2 {
        // `{}`: drop the prefix's trailing comma.
        out.extend_from_slice(&prefix.as_bytes()[..prefix.len() - 1]);
        out.push(b'}');
    } else {
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(&body[1..]);
    }
}

/// Serializes `value` without its `kind`/`apiVersion` (restored afterwards).
fn serialize_body(value: &mut Value) -> Bytes {
    let Some(map) = value.as_object_mut() else {
        return Bytes::from_static(b"{}");
    };
    let kind = map.remove("kind");
    let api_version = map.remove("apiVersion");
    let body = serde_json::to_vec(&*map).unwrap_or_else(|_| b"{}".to_vec());
    if let Some(k) = kind {
        map.insert("kind".into(), k);
    }
    if let Some(a) = api_version {
        map.insert("apiVersion".into(), a);
    }
    Bytes::from(body)
}

/// Store key of an object: `namespace/name` or `name` (the etcd key order).
pub(crate) fn store_key(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn full_form_is_prefix_plus_body() {
        let v =
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n"}});
        let o = StoredObject::new(SimResource::Pods, v, 42);
        let full: Value = serde_json::from_slice(&o.full_bytes()).unwrap_or_default();
        assert_eq!(full["kind"], "Pod");
        assert_eq!(full["metadata"]["resourceVersion"], "42");
        let body: Value = serde_json::from_slice(&o.body).unwrap_or_default();
        assert!(body.get("kind").is_none());
        assert_eq!(o.value["kind"], "Pod");
        assert_eq!(o.name(), "p");
        assert_eq!(o.namespace(), "n");
    }
}
