//! A record's property values, stored without their nulls: one allocation holds a header (which
//! properties are set, and how many there are) and the set values only, so the properties an
//! object lacks (a pending pod's node, IP and container states; a workload's optional fields)
//! cost one bit each instead of an 8-byte [`Value`]. Read as a slice would be:
//! [`Props::get`] / `props[i]` give `&Value` (a shared `Null` for an unset one).

use super::Value;
use std::fmt;

/// Properties up to this many are stored sparse (one header bit each); more are stored dense.
/// The header is a [`Value::raw`] word: 61 bits hold the dense flag, the length and the mask.
const SPARSE_MAX: usize = 54;
/// Header bits: the dense flag, then 6 bits of length, then the mask.
const DENSE: u64 = 1;
const LEN_SHIFT: u32 = 1;
const MASK_SHIFT: u32 = 7;

/// The property values of one record, aligned with its blueprint's `properties`.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Props(Box<[Value]>);

/// What the first slot of a non-empty [`Props`] holds.
enum Header {
    /// `len` properties, the set ones flagged in `mask` (bit `i`: property `i`), each stored
    /// in order after the header.
    Sparse { len: usize, mask: u64 },
    /// Every property stored after the header, nulls included.
    Dense,
}

impl Header {
    fn of(v: &Value) -> Header {
        match v.raw_bits() {
            Some(h) if h & DENSE == 0 => Header::Sparse {
                len: (h >> LEN_SHIFT & 0x3f) as usize,
                mask: h >> MASK_SHIFT,
            },
            _ => Header::Dense,
        }
    }
}

impl Props {
    /// Number of properties (set or not).
    pub fn len(&self) -> usize {
        match self.0.first().map(Header::of) {
            None => 0,
            Some(Header::Sparse { len, .. }) => len,
            Some(Header::Dense) => self.0.len() - 1,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Property `i`: `None` past the end, `Some(&Value::NULL)` when unset.
    pub fn get(&self, i: usize) -> Option<&Value> {
        match Header::of(self.0.first()?) {
            Header::Sparse { len, mask } => {
                if i >= len {
                    return None;
                }
                if mask & (1 << i) == 0 {
                    return Some(Value::null_ref());
                }
                let before = (mask & ((1 << i) - 1)).count_ones() as usize;
                self.0.get(1 + before)
            }
            Header::Dense => self.0.get(1 + i),
        }
    }

    /// Every property in order, unset ones as `Null`.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Value> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or(Value::null_ref()))
    }

    /// Set property `i` to `v` (nothing when `i` is past the end). Rebuilds the allocation:
    /// records are built once per object version, never patched in place on a hot path.
    pub fn set(&mut self, i: usize, v: Value) {
        if i >= self.len() {
            return;
        }
        let mut all: Vec<Value> = self.iter().cloned().collect();
        all[i] = v;
        *self = Props::from(all);
    }

    /// The values as a vector, unset ones as `Null`.
    pub fn to_vec(&self) -> Vec<Value> {
        self.iter().cloned().collect()
    }
}

impl From<Vec<Value>> for Props {
    fn from(all: Vec<Value>) -> Props {
        let len = all.len();
        if len == 0 {
            return Props::default();
        }
        if len > SPARSE_MAX {
            let dense = std::iter::once(Value::raw(DENSE)).chain(all);
            return Props(dense.collect());
        }
        let mask = all
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_null())
            .fold(0u64, |m, (i, _)| m | (1 << i));
        let header = Value::raw(mask << MASK_SHIFT | (len as u64) << LEN_SHIFT);
        let set = all.into_iter().filter(|v| !v.is_null());
        Props(std::iter::once(header).chain(set).collect())
    }
}

impl From<Box<[Value]>> for Props {
    fn from(all: Box<[Value]>) -> Props {
        Props::from(all.into_vec())
    }
}

impl FromIterator<Value> for Props {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Props {
        Props::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl std::ops::Index<usize> for Props {
    type Output = Value;
    fn index(&self, i: usize) -> &Value {
        match self.get(i) {
            Some(v) => v,
            None => panic!("property {i} of {}", self.len()),
        }
    }
}

impl<'a> IntoIterator for &'a Props {
    type Item = &'a Value;
    type IntoIter = Box<dyn ExactSizeIterator<Item = &'a Value> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl fmt::Debug for Props {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::from(v)
    }

    #[test]
    fn unset_properties_read_as_null_and_take_no_slot() {
        let all = vec![s("Running"), Value::NULL, Value::int(3), Value::NULL];
        let p = Props::from(all.clone());
        assert_eq!(p.len(), 4);
        assert_eq!(p.to_vec(), all);
        assert_eq!(p.get(1), Some(&Value::NULL));
        assert_eq!(p[2], Value::int(3));
        assert_eq!(p.get(4), None);
        // The header and the two set values: the nulls are bits of the header.
        assert_eq!(p.0.len(), 3);
        // Same values at other places are other properties.
        assert_ne!(
            Props::from(vec![Value::NULL, s("a")]),
            Props::from(vec![s("a"), Value::NULL])
        );
    }

    #[test]
    fn setting_a_property_keeps_the_others() {
        let mut p = Props::from(vec![Value::NULL, s("a"), Value::NULL]);
        p.set(0, Value::int(-7));
        p.set(1, Value::NULL);
        p.set(9, Value::int(1));
        assert_eq!(p.to_vec(), [Value::int(-7), Value::NULL, Value::NULL]);
        assert_eq!(
            p,
            Props::from(vec![Value::int(-7), Value::NULL, Value::NULL])
        );
    }

    #[test]
    fn many_properties_are_stored_dense_and_read_the_same() {
        let all: Vec<Value> = (0..SPARSE_MAX as i64 + 9)
            .map(|i| {
                if i % 3 == 0 {
                    Value::NULL
                } else {
                    Value::int(i)
                }
            })
            .collect();
        let p: Props = all.iter().cloned().collect();
        assert_eq!(p.len(), all.len());
        assert_eq!(p.to_vec(), all);
        assert_eq!(p.get(all.len()), None);
        let full: Props = (0..SPARSE_MAX as i64).map(Value::int).collect();
        assert_eq!(full.iter().nth(SPARSE_MAX - 1), Some(&Value::int(53)));
        assert!(Props::default().is_empty() && Props::from(vec![]).get(0).is_none());
    }
}
