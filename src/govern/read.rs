//! Reading governance state out of the catalog: the lock and TTL annotations are blueprint
//! properties ([`super::props`]), so the catalog, rows and matrix see them without fetching.

use super::{Expiry, LockState, props, ttl};
use crate::blueprint::Record;
use crate::catalog::Catalog;

/// A string property of `r` by id (absent, null or empty → `None`).
pub fn text<'r>(cat: &Catalog, r: &'r Record, id: &str) -> Option<&'r str> {
    let i = cat.blueprint(r.blueprint).prop_index(id)?;
    r.props.get(i)?.as_str().filter(|s| !s.is_empty())
}

/// The raw lock annotation of `r`.
pub fn lock_raw<'r>(cat: &Catalog, r: &'r Record) -> Option<&'r str> {
    text(cat, r, props::LOCK)
}

/// The lock of `r` at `now`.
pub fn lock(cat: &Catalog, r: &Record, now: i64) -> LockState {
    LockState::read(lock_raw(cat, r), now)
}

/// The expiry of `r` from its TTL annotations.
pub fn expiry(cat: &Catalog, r: &Record) -> Expiry {
    ttl::expiry(
        r.created,
        text(cat, r, props::JANITOR_TTL),
        text(cat, r, props::JANITOR_EXPIRES),
        text(cat, r, props::EXPIRES),
    )
}

/// Whether the blueprint of `r` reads TTL annotations at all.
pub fn has_ttl(cat: &Catalog, r: &Record) -> bool {
    let bp = cat.blueprint(r.blueprint);
    [props::JANITOR_TTL, props::JANITOR_EXPIRES, props::EXPIRES]
        .iter()
        .any(|id| bp.prop_index(id).is_some())
}
