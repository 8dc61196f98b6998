//! A compact, pruned JSON document borrowed from the text it was parsed from: what the
//! watchers decode each object into, guided by a [`FieldTree`], before projecting it. Unlike a
//! `serde_json::Value` it allocates no map nodes and no key strings (members are a sorted
//! `Vec`, keys and strings borrow from the input unless they hold escapes), so decoding, the
//! projection's lookups and dropping it afterwards cost a fraction. It reads exactly as the
//! pruned `serde_json::Value` of the same text ([`super::tree::Tree`]), so projections are
//! identical.

use super::prune::FieldTree;
use super::tree::Tree;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value as Json};
use std::borrow::Cow;
use std::fmt;

/// One JSON value; strings and keys borrow from the input where they can.
#[derive(Debug, Clone, PartialEq)]
pub enum Doc<'a> {
    Null,
    Bool(bool),
    Number(Number),
    Str(Cow<'a, str>),
    Array(Vec<Doc<'a>>),
    /// Sorted by key, each key once (the last one read wins, as in `serde_json::Map`).
    Object(Vec<(Cow<'a, str>, Doc<'a>)>),
}

impl Doc<'_> {
    /// The same value as a `serde_json::Value`.
    pub fn to_json(&self) -> Json {
        match self {
            Doc::Null => Json::Null,
            Doc::Bool(b) => Json::Bool(*b),
            Doc::Number(n) => Json::Number(n.clone()),
            Doc::Str(s) => Json::String(s.to_string()),
            Doc::Array(v) => Json::Array(v.iter().map(Doc::to_json).collect()),
            Doc::Object(m) => Json::Object(
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

impl Tree for Doc<'_> {
    fn get(&self, key: &str) -> Option<&Self> {
        match self {
            Doc::Object(m) => m
                .binary_search_by(|(k, _)| (**k).cmp(key))
                .ok()
                .map(|i| &m[i].1),
            _ => None,
        }
    }
    fn as_array(&self) -> Option<&[Self]> {
        match self {
            Doc::Array(v) => Some(v),
            _ => None,
        }
    }
    fn members(&self) -> Option<impl Iterator<Item = (&str, &Self)>> {
        match self {
            Doc::Object(m) => Some(m.iter().map(|(k, v)| (&**k, v))),
            _ => None,
        }
    }
    fn as_str(&self) -> Option<&str> {
        match self {
            Doc::Str(s) => Some(s),
            _ => None,
        }
    }
    fn as_bool(&self) -> Option<bool> {
        match self {
            Doc::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn as_number(&self) -> Option<&Number> {
        match self {
            Doc::Number(n) => Some(n),
            _ => None,
        }
    }
    fn is_null(&self) -> bool {
        matches!(self, Doc::Null)
    }
    fn compact(&self) -> Option<String> {
        serde_json::to_string(&self.to_json()).ok()
    }
}

impl FieldTree {
    /// Parse one JSON value into a [`Doc`], keeping what this tree keeps (the same members
    /// [`FieldTree::decode`] keeps).
    pub fn decode_doc<'de, D: de::Deserializer<'de>>(&self, d: D) -> Result<Doc<'de>, D::Error> {
        Keep::new(self).deserialize(d)
    }
}

/// What to keep of one value: `None` keeps it whole.
#[derive(Clone, Copy)]
struct Keep<'t>(Option<&'t FieldTree>);

impl<'t> Keep<'t> {
    fn new(t: &'t FieldTree) -> Keep<'t> {
        Keep((!t.keeps_all()).then_some(t))
    }

    /// What to keep of member `key`; `None` skips it.
    fn member(self, key: &str) -> Option<Keep<'t>> {
        match self.0 {
            None => Some(self),
            Some(t) => t.child(key).map(Keep::new),
        }
    }

    /// What to keep of each array element; `None` skips them.
    fn elems(self) -> Option<Keep<'t>> {
        match self.0 {
            None => Some(self),
            Some(t) => t.elem_tree().map(Keep::new),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Keep<'_> {
    type Value = Doc<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Doc<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Keep<'_> {
    type Value = Doc<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Doc<'de>, E> {
        Ok(Doc::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Doc<'de>, E> {
        Ok(Doc::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Doc<'de>, E> {
        Ok(Doc::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Doc<'de>, E> {
        Ok(Number::from_f64(v).map_or(Doc::Null, Doc::Number))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Doc<'de>, E> {
        Ok(Doc::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Doc<'de>, E> {
        Ok(Doc::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Doc<'de>, E> {
        Ok(Doc::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Doc<'de>, E> {
        Ok(Doc::Null)
    }
    fn visit_none<E>(self) -> Result<Doc<'de>, E> {
        Ok(Doc::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Doc<'de>, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Doc<'de>, A::Error> {
        let mut out = Vec::new();
        match self.elems() {
            Some(e) => {
                out.reserve(seq.size_hint().unwrap_or(0));
                while let Some(v) = seq.next_element_seed(e)? {
                    out.push(v);
                }
            }
            // Nothing below reads elements: they are skipped (as the pruned Value does).
            None => while seq.next_element::<IgnoredAny>()?.is_some() {},
        }
        Ok(Doc::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Doc<'de>, A::Error> {
        let mut out: Vec<(Cow<'de, str>, Doc<'de>)> = Vec::new();
        let mut sorted = true;
        while let Some(k) = map.next_key_seed(KeySeed)? {
            match self.member(&k) {
                Some(keep) => {
                    let v = map.next_value_seed(keep)?;
                    sorted &= out.last().is_none_or(|(last, _)| **last < *k);
                    out.push((k, v));
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !sorted {
            // Key order, the last of equal keys kept: a stable sort, then keep each run's last.
            out.sort_by(|a, b| a.0.cmp(&b.0));
            let mut dedup: Vec<(Cow<'de, str>, Doc<'de>)> = Vec::with_capacity(out.len());
            for (k, v) in out {
                match dedup.last_mut() {
                    Some(last) if last.0 == k => last.1 = v,
                    _ => dedup.push((k, v)),
                }
            }
            out = dedup;
        }
        Ok(Doc::Object(out))
    }
}

/// A map key, borrowed from the input when it can be.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}
