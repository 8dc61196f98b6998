//! The compact values the catalog keeps: what a blueprint property extracts from an object.
//! Strings and lists are shared ([`Str`], [`List`]): projections intern them
//! ([`super::intern`]), so the node, namespace, phase, image or condition names that thousands
//! of pods repeat are stored once.

use serde::Serialize;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use triomphe::ThinArc;

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

/// A shared, immutable string (one pointer wide): one allocation holds the count, the length
/// and the bytes.
#[derive(Clone)]
pub struct Str(pub(crate) ThinArc<(), u8>);

/// A shared, immutable list of strings (one pointer wide): one allocation holds the count,
/// the length and the items.
#[derive(Clone)]
pub struct List(pub(crate) ThinArc<(), Box<str>>);

impl Str {
    /// How many holders share this string (the interner's sweep drops those only it holds).
    pub(crate) fn holders(&self) -> usize {
        ThinArc::strong_count(&self.0)
    }

    /// Whether `self` and `other` are the same allocation.
    pub fn same(&self, other: &Str) -> bool {
        self.0.as_ptr() == other.0.as_ptr()
    }
}

impl List {
    pub(crate) fn holders(&self) -> usize {
        ThinArc::strong_count(&self.0)
    }

    /// Whether `self` and `other` are the same allocation.
    pub fn same(&self, other: &List) -> bool {
        self.0.as_ptr() == other.0.as_ptr()
    }
}

impl Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        // SAFETY: a `Str` is only ever built from the bytes of a `str` (the `From` impls
        // below), and its bytes are never changed.
        unsafe { std::str::from_utf8_unchecked(&self.0.slice) }
    }
}

impl Deref for List {
    type Target = [Box<str>];
    fn deref(&self) -> &[Box<str>] {
        &self.0.slice
    }
}

impl PartialEq for Str {
    fn eq(&self, other: &Str) -> bool {
        self.same(other) || **self == **other
    }
}

impl Eq for Str {}

impl Hash for Str {
    fn hash<H: Hasher>(&self, h: &mut H) {
        (**self).hash(h)
    }
}

impl PartialOrd for Str {
    fn partial_cmp(&self, other: &Str) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Str {
    fn cmp(&self, other: &Str) -> Ordering {
        (**self).cmp(&**other)
    }
}

impl PartialEq for List {
    fn eq(&self, other: &List) -> bool {
        self.same(other) || **self == **other
    }
}

impl Eq for List {}

impl Hash for List {
    fn hash<H: Hasher>(&self, h: &mut H) {
        (**self).hash(h)
    }
}

impl PartialOrd for List {
    fn partial_cmp(&self, other: &List) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for List {
    fn cmp(&self, other: &List) -> Ordering {
        (**self).cmp(&**other)
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
        Str(ThinArc::from_header_and_slice((), s.as_bytes()))
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        Str::from(s.as_str())
    }
}

impl From<Box<str>> for Str {
    fn from(s: Box<str>) -> Str {
        Str::from(&*s)
    }
}

impl From<Vec<Box<str>>> for List {
    fn from(v: Vec<Box<str>>) -> List {
        List(ThinArc::from_header_and_iter((), v.into_iter()))
    }
}

impl From<Box<[Box<str>]>> for List {
    fn from(v: Box<[Box<str>]>) -> List {
        List::from(v.into_vec())
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
