//! The compact values the catalog keeps: what a blueprint property extracts from an object.

use serde::Serialize;
use std::fmt;

/// One extracted property value. Small on purpose: the catalog keeps these, never whole objects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Str(Box<str>),
    /// Seconds since the Unix epoch.
    Time(i64),
    List(Box<[Box<str>]>),
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
