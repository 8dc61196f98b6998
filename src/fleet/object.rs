//! The object type the hub's watchers decode: the raw JSON (for blueprint path expressions)
//! plus the few metadata fields kube-runtime needs. Dropped right after projection. While a
//! hub watcher polls its stream, objects are decoded pruned to what its blueprint reads
//! ([`crate::blueprint::prune`]); elsewhere they are decoded whole. (The direct watchers
//! project while decoding: [`super::projected`].)

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;

#[derive(Debug, Clone)]
pub struct RawObject {
    meta: ObjectMeta,
    pub value: serde_json::Value,
}

impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut value = match crate::blueprint::prune::current() {
            Some(tree) => tree.decode(d)?,
            None => serde_json::Value::deserialize(d)?,
        };
        let md = value.get_mut("metadata");
        let field = |md: &Option<&mut serde_json::Value>, k: &str| {
            md.as_ref()
                .and_then(|m| m.get(k))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let meta = ObjectMeta {
            name: field(&md, "name"),
            namespace: field(&md, "namespace"),
            uid: field(&md, "uid"),
            resource_version: field(&md, "resourceVersion"),
            ..Default::default()
        };
        // managedFields is often the largest part of an object and no blueprint reads it.
        if let Some(m) = md.and_then(|m| m.as_object_mut()) {
            m.remove("managedFields");
        }
        Ok(RawObject { meta, value })
    }
}

impl RawObject {
    /// An object of which the server sent only the metadata (`PartialObjectMetadata`): its
    /// JSON is `{"metadata": …}`, nothing else.
    pub fn from_metadata(meta: ObjectMeta) -> RawObject {
        let mut m = serde_json::to_value(&meta).unwrap_or_default();
        if let Some(m) = m.as_object_mut() {
            m.remove("managedFields");
        }
        RawObject {
            value: serde_json::json!({ "metadata": m }),
            meta,
        }
    }
}

/// `kube::Resource` for a type whose kind is known only at run time (its `ApiResource`) and
/// that holds its `meta`: what kube-runtime's watcher needs of an object type.
macro_rules! dynamic_resource {
    ($t:ty) => {
        impl kube::Resource for $t {
            type DynamicType = kube::core::ApiResource;
            type Scope = kube::core::DynamicResourceScope;

            fn group(dt: &kube::core::ApiResource) -> std::borrow::Cow<'_, str> {
                dt.group.as_str().into()
            }
            fn version(dt: &kube::core::ApiResource) -> std::borrow::Cow<'_, str> {
                dt.version.as_str().into()
            }
            fn kind(dt: &kube::core::ApiResource) -> std::borrow::Cow<'_, str> {
                dt.kind.as_str().into()
            }
            fn api_version(dt: &kube::core::ApiResource) -> std::borrow::Cow<'_, str> {
                dt.api_version.as_str().into()
            }
            fn plural(dt: &kube::core::ApiResource) -> std::borrow::Cow<'_, str> {
                dt.plural.as_str().into()
            }
            fn meta(&self) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &self.meta
            }
            fn meta_mut(
                &mut self,
            ) -> &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &mut self.meta
            }
        }
    };
}
pub(crate) use dynamic_resource;

dynamic_resource!(RawObject);
