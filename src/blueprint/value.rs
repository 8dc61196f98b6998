//! The compact values the catalog keeps: what a blueprint property extracts from an object.
//! Strings and lists are shared ([`Str`], [`List`]): projections intern them
//! ([`super::intern`]), so the node, namespace, phase, image or condition names that thousands
//! of pods repeat are stored once. A [`Value`] is one word: a Running pod sets some 25
//! properties, and the catalog holds one per set property of every object it keeps.

use serde::Serialize;
use std::cmp::Ordering;
use std::ffi::c_void;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::mem::ManuallyDrop;
use std::ops::Deref;
use triomphe::ThinArc;

/// One extracted property value, packed in one word (8 bytes; the catalog keeps these, never
/// whole objects). Read it through [`Value::view`], or the `as_*` accessors.
///
/// The low three bits say what the word holds: a string's pointer as it is (tag 0; the word 0
/// is null), a list's pointer (1), an integer or a timestamp shifted left by three (2, 3), a
/// boolean (4), or a pointer to an integer too wide for 61 bits (5). Every pointer is to an
/// 8-byte-aligned allocation, so its low three bits are free.
#[repr(transparent)]
pub struct Value(*const ());

/// What a [`Value`] holds, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueRef<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Str(&'a Str),
    /// Seconds since the Unix epoch.
    Time(i64),
    List(&'a [Box<str>]),
}

/// A shared, immutable string (one pointer wide): one allocation holds the count, the length
/// and the bytes.
#[derive(Clone)]
#[repr(transparent)]
pub struct Str(pub(crate) ThinArc<(), u8>);

/// A shared, immutable list of strings (one pointer wide): one allocation holds the count,
/// the length and the items.
#[derive(Clone)]
#[repr(transparent)]
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

const TAG_BITS: u32 = 3;
const TAG_MASK: usize = (1 << TAG_BITS) - 1;
const STR: usize = 0;
const LIST: usize = 1;
const INT: usize = 2;
const TIME: usize = 3;
const BOOL: usize = 4;
const WIDE_INT: usize = 5;
/// Not a value: a word [`super::Props`] keeps in its first slot (never read as a value).
const RAW: usize = 6;
/// Integers from -2⁶⁰ to 2⁶⁰ - 1 fit in the word beside the tag.
const SMALL: std::ops::RangeInclusive<i64> = -(1 << 60)..=(1 << 60) - 1;

// The packing puts 61-bit integers and 3 tag bits in a pointer's place.
const _: () = assert!(size_of::<*const ()>() == 8 && size_of::<Value>() == 8);

// SAFETY: a `Value` owns what its word points to (a `Str`, a `List` or a boxed `i64`), all of
// which are `Send + Sync`; it is never mutated through a shared reference.
unsafe impl Send for Value {}
unsafe impl Sync for Value {}

static NULL: Value = Value::NULL;

impl Value {
    pub const NULL: Value = Value(std::ptr::null());

    /// A shared `Null`, for "unset" where a reference is wanted.
    pub fn null_ref() -> &'static Value {
        &NULL
    }

    fn scalar(tag: usize, payload: usize) -> Value {
        Value(std::ptr::without_provenance(payload << TAG_BITS | tag))
    }

    fn pointer(tag: usize, p: *const c_void) -> Value {
        debug_assert!(p.addr() & TAG_MASK == 0, "an 8-byte-aligned allocation");
        Value(p.cast::<()>().map_addr(|a| a | tag))
    }

    pub fn int(i: i64) -> Value {
        if SMALL.contains(&i) {
            Value::scalar(INT, i as usize)
        } else {
            Value::pointer(WIDE_INT, Box::into_raw(Box::new(i)).cast())
        }
    }

    /// Seconds since the Unix epoch (a time further than 2⁶⁰ s away is clamped to that).
    pub fn time(t: i64) -> Value {
        Value::scalar(TIME, t.clamp(*SMALL.start(), *SMALL.end()) as usize)
    }

    pub fn bool(b: bool) -> Value {
        Value::scalar(BOOL, b as usize)
    }

    pub fn str(s: impl Into<Str>) -> Value {
        Value::from(s.into())
    }

    pub fn list(l: impl Into<List>) -> Value {
        Value::from(l.into())
    }

    /// A word [`super::Props`] keeps beside its values (61 bits).
    pub(crate) fn raw(bits: u64) -> Value {
        debug_assert!(bits < 1 << 61);
        Value::scalar(RAW, bits as usize)
    }

    /// The bits of a [`Value::raw`] word; `None` for a value.
    pub(crate) fn raw_bits(&self) -> Option<u64> {
        (self.tag() == RAW).then(|| (self.0.addr() >> TAG_BITS) as u64)
    }

    fn tag(&self) -> usize {
        self.0.addr() & TAG_MASK
    }

    /// The pointer part of the word (its tag cleared).
    fn ptr(&self) -> *const c_void {
        self.0.map_addr(|a| a & !TAG_MASK).cast()
    }

    /// The integer in the word (sign-extended from its 61 bits).
    fn small(&self) -> i64 {
        (self.0.addr() as i64) >> TAG_BITS
    }

    /// What this value holds.
    pub fn view(&self) -> ValueRef<'_> {
        match self.tag() {
            STR if self.0.is_null() => ValueRef::Null,
            // SAFETY: a tag-0 word is a `Str`'s pointer as it is, and `Str` is a transparent
            // `ThinArc`, itself a transparent non-null pointer: `self` is a valid `&Str`.
            STR => ValueRef::Str(unsafe { &*(self as *const Value).cast::<Str>() }),
            LIST => {
                // SAFETY: the word is a `List`'s pointer (`into_raw` in `From<List>`), alive
                // as long as `self`; `ManuallyDrop` keeps the count as it is.
                let l = ManuallyDrop::new(unsafe { ThinArc::<(), Box<str>>::from_raw(self.ptr()) });
                let items: *const [Box<str>] = &l.slice;
                // SAFETY: the items live in the allocation `self` holds, not in `l`.
                ValueRef::List(unsafe { &*items })
            }
            INT => ValueRef::Int(self.small()),
            TIME => ValueRef::Time(self.small()),
            BOOL => ValueRef::Bool(self.small() != 0),
            // SAFETY: the word points to the `Box<i64>` made in `Value::int`.
            WIDE_INT => ValueRef::Int(unsafe { *self.ptr().cast::<i64>() }),
            _ => ValueRef::Null,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.view() {
            ValueRef::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self.view() {
            ValueRef::Int(i) => Some(i),
            _ => None,
        }
    }
    pub fn as_time(&self) -> Option<i64> {
        match self.view() {
            ValueRef::Time(t) => Some(t),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self.view() {
            ValueRef::Bool(b) => Some(b),
            _ => None,
        }
    }
    pub fn as_list(&self) -> &[Box<str>] {
        match self.view() {
            ValueRef::List(l) => l,
            _ => &[],
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self.view(), ValueRef::Null)
    }
    /// A non-empty string, for "first non-empty wins" rules.
    pub fn non_empty_str(&self) -> Option<&str> {
        self.as_str().filter(|s| !s.is_empty())
    }
}

impl From<Str> for Value {
    fn from(s: Str) -> Value {
        Value::pointer(STR, ThinArc::into_raw(s.0))
    }
}

impl From<List> for Value {
    fn from(l: List) -> Value {
        Value::pointer(LIST, ThinArc::into_raw(l.0))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::from(Str::from(s))
    }
}

impl From<Vec<Box<str>>> for Value {
    fn from(v: Vec<Box<str>>) -> Value {
        Value::from(List::from(v))
    }
}

impl Drop for Value {
    fn drop(&mut self) {
        match self.tag() {
            // SAFETY (each arm): the word holds what its tag says, made by `From<Str>`,
            // `From<List>` or `Value::int`, and owned by this value alone.
            STR if !self.0.is_null() => drop(unsafe { ThinArc::<(), u8>::from_raw(self.ptr()) }),
            LIST => drop(unsafe { ThinArc::<(), Box<str>>::from_raw(self.ptr()) }),
            WIDE_INT => drop(unsafe { Box::from_raw(self.ptr().cast::<i64>().cast_mut()) }),
            _ => {}
        }
    }
}

impl Clone for Value {
    fn clone(&self) -> Value {
        match self.view() {
            ValueRef::Str(s) => Value::from(s.clone()),
            ValueRef::List(_) => {
                // SAFETY: as in `view`; the clone takes one more count.
                let l = ManuallyDrop::new(unsafe { ThinArc::<(), Box<str>>::from_raw(self.ptr()) });
                Value::from(List(ThinArc::clone(&l)))
            }
            ValueRef::Int(i) => Value::int(i),
            _ => Value(self.0),
        }
    }
}

impl Default for Value {
    fn default() -> Value {
        Value::NULL
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        // Raw words are equal only as the same bits.
        self.0 == other.0
            || (self.tag() != RAW && other.tag() != RAW && self.view() == other.view())
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self.raw_bits() {
            Some(bits) => bits.hash(h),
            None => self.view().hash(h),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.view(), f)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.view() {
            ValueRef::Null => Ok(()),
            ValueRef::Bool(b) => write!(f, "{b}"),
            ValueRef::Int(i) => write!(f, "{i}"),
            ValueRef::Str(s) => f.write_str(s),
            ValueRef::Time(t) => match jiff::Timestamp::from_second(t) {
                Ok(ts) => write!(f, "{ts}"),
                Err(_) => write!(f, "{t}"),
            },
            ValueRef::List(l) => f.write_str(&l.join(",")),
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
        match self.view() {
            ValueRef::Null => s.serialize_none(),
            ValueRef::Bool(b) => s.serialize_bool(b),
            ValueRef::Int(i) => s.serialize_i64(i),
            ValueRef::Str(v) => s.serialize_str(v),
            ValueRef::Time(_) => s.collect_str(self),
            ValueRef::List(l) => s.collect_seq(l.iter()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Value {
        Value::from(
            items
                .iter()
                .map(|i| Box::<str>::from(*i))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn every_kind_of_value_reads_back_as_it_was_made_in_one_word() {
        assert_eq!(size_of::<Value>(), 8);
        assert_eq!(Value::NULL.view(), ValueRef::Null);
        assert!(Value::default().is_null());
        for b in [false, true] {
            assert_eq!(Value::bool(b).as_bool(), Some(b));
        }
        let edges = [0, 1, -1, 7, -8, 1 << 59, -(1 << 60), (1 << 60) - 1];
        for i in edges
            .into_iter()
            .chain([1 << 60, -(1 << 60) - 1, i64::MAX, i64::MIN])
        {
            assert_eq!(Value::int(i).as_int(), Some(i), "{i}");
            assert_eq!(Value::int(i).clone(), Value::int(i), "{i}");
        }
        assert_eq!(
            Value::time(1_795_465_363).view(),
            ValueRef::Time(1_795_465_363)
        );
        assert_eq!(Value::time(-5).as_time(), Some(-5));
        assert_ne!(Value::time(3), Value::int(3));
        assert_eq!(Value::from("Running").as_str(), Some("Running"));
        assert_eq!(Value::from("").non_empty_str(), None);
        assert_eq!(
            list(&["a", "b"]).as_list(),
            ["a".into(), "b".into()] as [Box<str>; 2]
        );
        assert_eq!(list(&["a"]).to_string(), "a");
        assert_eq!(format!("{:?}", Value::from("x")), r#"Str("x")"#);
        assert_eq!(format!("{:?}", list(&["x"])), r#"List(["x"])"#);
        assert_eq!(Value::time(0).to_string(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn clones_share_the_allocation_and_dropping_them_gives_it_back() {
        let s = Str::from("shared");
        let a = Value::from(s.clone());
        assert_eq!(s.holders(), 2);
        let b = a.clone();
        assert_eq!(s.holders(), 3);
        assert_eq!(a, b);
        drop(a);
        drop(b);
        assert_eq!(s.holders(), 1);
        let l = List::from(vec![Box::<str>::from("x")]);
        let v = Value::from(l.clone());
        let w = v.clone();
        assert_eq!(l.holders(), 3);
        assert!(matches!(w.view(), ValueRef::List(items) if items.len() == 1));
        drop((v, w));
        assert_eq!(l.holders(), 1);
    }

    #[test]
    fn equal_values_hash_alike_and_raw_words_are_never_a_value() {
        use std::collections::HashSet;
        let set: HashSet<Value> = [
            Value::from("a"),
            Value::from(Str::from("a")),
            Value::int(1 << 62),
        ]
        .into_iter()
        .chain([Value::int(1 << 62)])
        .collect();
        assert_eq!(set.len(), 2);
        assert_ne!(Value::raw(8), Value::raw(16));
        assert_ne!(Value::raw(0), Value::NULL);
        assert_eq!(Value::raw(16).raw_bits(), Some(16));
        assert_eq!(Value::int(16).raw_bits(), None);
    }
}
