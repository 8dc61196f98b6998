//! A record's relation links, stored without their [`Link::None`]s: the relations an object
//! does not have (a pod without claims, secrets or env references) cost one bit each instead
//! of a 16-byte [`Link`]. Read as a slice would be: [`Links::get`] / `links[i]` give `&Link`.

use super::Link;
use std::fmt;

/// Links up to this many are stored sparse (one header bit each); more are stored dense.
const SPARSE_MAX: u32 = 56;

static NONE: Link = Link::None;

/// The links of one record, aligned with its blueprint's `relations` (then its labels).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Links {
    /// `len << SPARSE_MAX | mask` (bit `i`: link `i` is stored), or `u64::MAX`: every link is
    /// stored, `None`s included.
    head: u64,
    items: Box<[Link]>,
}

impl Links {
    const DENSE: u64 = u64::MAX;

    /// Number of links (set or not).
    pub fn len(&self) -> usize {
        match self.head {
            Self::DENSE => self.items.len(),
            h => (h >> SPARSE_MAX) as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Link `i`: `None` past the end, `Some(&Link::None)` when the object has none.
    pub fn get(&self, i: usize) -> Option<&Link> {
        match self.head {
            Self::DENSE => self.items.get(i),
            h => {
                if i >= (h >> SPARSE_MAX) as usize {
                    return None;
                }
                if h & (1 << i) == 0 {
                    return Some(&NONE);
                }
                let before = (h & ((1 << i) - 1)).count_ones() as usize;
                self.items.get(before)
            }
        }
    }

    /// Every link in order, absent ones as `Link::None`.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Link> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or(&NONE))
    }

    /// The links as a vector, absent ones as `Link::None`.
    pub fn to_vec(&self) -> Vec<Link> {
        self.iter().cloned().collect()
    }
}

impl From<Vec<Link>> for Links {
    fn from(all: Vec<Link>) -> Links {
        let len = all.len();
        if len > SPARSE_MAX as usize {
            return Links {
                head: Self::DENSE,
                items: all.into_boxed_slice(),
            };
        }
        let mask = all
            .iter()
            .enumerate()
            .filter(|(_, l)| **l != Link::None)
            .fold(0u64, |m, (i, _)| m | (1 << i));
        Links {
            head: (len as u64) << SPARSE_MAX | mask,
            items: all.into_iter().filter(|l| *l != Link::None).collect(),
        }
    }
}

impl From<Box<[Link]>> for Links {
    fn from(all: Box<[Link]>) -> Links {
        Links::from(all.into_vec())
    }
}

impl FromIterator<Link> for Links {
    fn from_iter<I: IntoIterator<Item = Link>>(iter: I) -> Links {
        Links::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl std::ops::Index<usize> for Links {
    type Output = Link;
    fn index(&self, i: usize) -> &Link {
        match self.get(i) {
            Some(l) => l,
            None => panic!("link {i} of {}", self.len()),
        }
    }
}

impl fmt::Debug for Links {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_links_read_as_none_and_take_no_slot() {
        let all = vec![
            Link::Cluster,
            Link::None,
            Link::Name("n".into()),
            Link::None,
        ];
        let l = Links::from(all.clone());
        assert_eq!((l.len(), l.to_vec()), (4, all));
        assert_eq!((l.get(1), l.get(4)), (Some(&Link::None), None));
        assert_eq!(l[2], Link::Name("n".into()));
        assert_eq!(l.items.len(), 2);
        assert_eq!(
            l,
            Links::from(vec![
                Link::Cluster,
                Link::None,
                Link::Name("n".into()),
                Link::None
            ])
        );
    }

    #[test]
    fn many_links_are_stored_dense_and_read_the_same() {
        let all: Vec<Link> = (0..SPARSE_MAX + 3)
            .map(|i| {
                if i % 2 == 0 {
                    Link::None
                } else {
                    Link::Cluster
                }
            })
            .collect();
        let l: Links = all.iter().cloned().collect();
        assert_eq!((l.len(), l.to_vec()), (all.len(), all));
        assert!(Links::default().is_empty() && Links::default().get(0).is_none());
    }
}
