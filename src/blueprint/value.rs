//! The compact values the catalog keeps: what a blueprint property extracts from an object.
//! Strings and lists are shared ([`Str`], [`List`]): projections intern them
//! ([`super::intern`]), so the node, namespace, phase, image or condition names that thousands
//! of pods repeat are stored once.

use serde::Serialize;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// One extracted property value. Small on purpose (16 bytes): the catalog keeps these, never
/// whole objects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Str(Str),
    /// Seconds since the Unix epoch.
    Time(i64),
    List(List),
}

/// A shared, immutable string (one pointer wide).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Str(pub(crate) Arc<Box<str>>);

/// A shared, immutable list of strings (one pointer wide).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct List(pub(crate) Arc<Box<[Box<str>]>>);

impl Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Deref for List {
    type Target = [Box<str>];
    fn deref(&self) -> &[Box<str>] {
        &self.0
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self
    }
}

impl std::borrow::Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Str {
        Str(Arc::new(s.into()))
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        Str(Arc::new(s.into_boxed_str()))
    }
}

impl From<Box<str>> for Str {
    fn from(s: Box<str>) -> Str {
        Str(Arc::new(s))
    }
}

impl From<Vec<Box<str>>> for List {
    fn from(v: Vec<Box<str>>) -> List {
        List(Arc::new(v.into_boxed_slice()))
    }
}

impl From<Box<[Box<str>]>> for List {
    fn from(v: Box<[Box<str>]>) -> List {
        List(Arc::new(v))
    }
}

impl FromIterator<Box<str>> for List {
    fn from_iter<I: IntoIterator<Item = Box<str>>>(iter: I) -> List {
        List::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_list(&self) -> &[Box<str>] {
        match self {
            Value::List(l) => l,
            _ => &[],
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// A non-empty string, for "first non-empty wins" rules.
    pub fn non_empty_str(&self) -> Option<&str> {
        self.as_str().filter(|s| !s.is_empty())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => f.write_str(s),
            Value::Time(t) => match jiff::Timestamp::from_second(*t) {
                Ok(ts) => write!(f, "{ts}"),
                Err(_) => write!(f, "{t}"),
            },
            Value::List(l) => f.write_str(&l.join(",")),
        }
    }
}

impl Serialize for Str {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Str(v) => s.serialize_str(v),
            Value::Time(_) => s.collect_str(self),
            Value::List(l) => s.collect_seq(l.iter()),
        }
    }
}
