//! The read-only view of a JSON value that path expressions, conversions and projections work
//! on, so one projection serves both a whole `serde_json::Value` (actions, history, tests)
//! and the compact pruned [`super::doc::Doc`] the watchers decode.

use serde_json::{Number, Value as Json};

/// A JSON value, read only. Objects list their members in key order, each key once (as
/// `serde_json::Map` does), so `.*` visits values in the same order whatever the tree.
pub trait Tree: Sized {
    /// The member `key` of an object (`None` for anything else).
    fn get(&self, key: &str) -> Option<&Self>;
    /// The elements of an array.
    fn as_array(&self) -> Option<&[Self]>;
    /// The members of an object, in key order.
    fn members(&self) -> Option<impl Iterator<Item = (&str, &Self)>>;
    fn as_str(&self) -> Option<&str>;
    fn as_bool(&self) -> Option<bool>;
    fn as_number(&self) -> Option<&Number>;
    fn is_null(&self) -> bool;
    /// Compact JSON text, as `serde_json::to_string` prints it.
    fn compact(&self) -> Option<String>;
}

impl Tree for Json {
    fn get(&self, key: &str) -> Option<&Json> {
        Json::get(self, key)
    }
    fn as_array(&self) -> Option<&[Json]> {
        Json::as_array(self).map(Vec::as_slice)
    }
    fn members(&self) -> Option<impl Iterator<Item = (&str, &Json)>> {
        Json::as_object(self).map(|m| m.iter().map(|(k, v)| (k.as_str(), v)))
    }
    fn as_str(&self) -> Option<&str> {
        Json::as_str(self)
    }
    fn as_bool(&self) -> Option<bool> {
        Json::as_bool(self)
    }
    fn as_number(&self) -> Option<&Number> {
        match self {
            Json::Number(n) => Some(n),
            _ => None,
        }
    }
    fn is_null(&self) -> bool {
        Json::is_null(self)
    }
    fn compact(&self) -> Option<String> {
        serde_json::to_string(self).ok()
    }
}
