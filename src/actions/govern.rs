//! Governance writes through the one [`Executor`]: lock, unlock, and set or clear a TTL. Each
//! reads the object first (its annotations and `resourceVersion`), then sends a merge patch
//! carrying that `resourceVersion` as precondition, so two people locking at once cannot both
//! win: the second gets 409 Conflict, the object is read again, and the answer says who locked
//! it just now — nothing is overwritten. Read-only contexts refuse before anything is sent.

use super::error::{ActionError, ApiFailure};
use super::{Action, Done, Executor, ObjectAddress, Target};
use crate::govern::{
    EXPIRES_KEY, JANITOR_EXPIRES_KEY, JANITOR_TTL_KEY, LOCK_KEY, Lock, LockState, rfc3339,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// Why a governance write did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GovernError {
    /// Someone else holds an unexpired lock.
    #[error("{what} is already {reason}; nothing was overwritten")]
    AlreadyLocked { what: String, reason: String },
    /// The precondition failed and the object now holds someone's lock.
    #[error("{what} was locked by {who} just now ({why}); nothing was overwritten")]
    LockedJustNow {
        what: String,
        who: String,
        why: String,
    },
    /// Reading the object before writing failed.
    #[error("cannot read {what} in context {context}: {message}; nothing was changed")]
    Read {
        what: String,
        context: String,
        message: String,
    },
    #[error(transparent)]
    Action(#[from] ActionError),
}

impl GovernError {
    /// Someone holds the lock (the `lock` command exits with `check`'s "locked" code).
    pub fn is_locked(&self) -> bool {
        matches!(
            self,
            GovernError::AlreadyLocked { .. } | GovernError::LockedJustNow { .. }
        )
    }
}

/// The object as it is now: its `resourceVersion` and annotations.
#[derive(Debug, Clone, Default)]
pub struct Current {
    pub resource_version: String,
    pub annotations: BTreeMap<String, String>,
}

/// GET the object.
pub async fn current(ex: &Executor, t: &ObjectAddress) -> Result<Current, GovernError> {
    let fail = |message: String| GovernError::Read {
        what: t.what(),
        context: t.context.clone(),
        message,
    };
    let client = ex
        .reader(&t.context)
        .ok_or_else(|| fail("no connection".into()))?;
    let req = http::Request::builder()
        .method(http::Method::GET)
        .uri(t.path())
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| fail(e.to_string()))?;
    let v: Value = match tokio::time::timeout(
        std::time::Duration::from_secs(20),
        client.request::<Value>(req),
    )
    .await
    {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            return Err(fail(
                crate::fleet::status::classify(&e).message().to_string(),
            ));
        }
        Err(_) => return Err(fail("no answer within 20 s".into())),
    };
    let meta = &v["metadata"];
    let annotations = meta["annotations"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Ok(Current {
        resource_version: meta["resourceVersion"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        annotations,
    })
}

/// The write a governance change sends: these annotations, with `rv` as precondition.
fn annotate(changes: BTreeMap<String, Option<String>>, rv: &str) -> Action {
    Action::Annotate {
        annotations: changes,
        resource_version: Some(rv.to_string()).filter(|r| !r.is_empty()),
    }
}

/// Refused in a read-only context (audited, nothing read or sent).
async fn refuse_readonly(ex: &Executor, t: &Target, a: Action) -> Result<(), GovernError> {
    if ex.is_readonly(&t.context) {
        ex.act(t, &a).await?;
    }
    Ok(())
}

fn is_conflict(e: &ActionError) -> bool {
    matches!(e, ActionError::Api(ApiFailure::Conflict { .. }))
}

/// Lock `t` with `lock`. Someone else's unexpired lock is never overwritten; the same user's
/// is renewed.
pub async fn lock(ex: &Executor, t: &Target, lock: &Lock) -> Result<Done, GovernError> {
    let probe = BTreeMap::from([(LOCK_KEY.to_string(), Some(lock.to_annotation()))]);
    refuse_readonly(ex, t, annotate(probe, "")).await?;
    let cur = current(ex, t).await?;
    lock_from(ex, t, lock, &cur).await
}

/// Lock `t` as it was read in `cur`: refused if `cur` holds someone else's lock; the patch
/// carries `cur`'s resourceVersion, so a write in between makes it fail (409) and the
/// object is read again to say who locked it.
pub async fn lock_from(
    ex: &Executor,
    t: &Target,
    lock: &Lock,
    cur: &Current,
) -> Result<Done, GovernError> {
    let now = ex.now();
    let held = LockState::read(cur.annotations.get(LOCK_KEY).map(String::as_str), now);
    if let (Some(reason), false) = (
        held.refusal(now),
        held.lock().is_some_and(|l| l.who == lock.who),
    ) {
        return Err(GovernError::AlreadyLocked {
            what: t.what(),
            reason,
        });
    }
    let changes = BTreeMap::from([(LOCK_KEY.to_string(), Some(lock.to_annotation()))]);
    match ex.act(t, &annotate(changes, &cur.resource_version)).await {
        Ok(d) => Ok(d),
        Err(e) if is_conflict(&e) => Err(reread(ex, t, e).await),
        Err(e) => Err(e.into()),
    }
}

/// After a 409: who holds the lock now (if anyone), else the conflict itself.
async fn reread(ex: &Executor, t: &Target, conflict: ActionError) -> GovernError {
    let now = ex.now();
    match current(ex, t).await {
        Ok(c) => match LockState::read(c.annotations.get(LOCK_KEY).map(String::as_str), now) {
            LockState::Active(l) => GovernError::LockedJustNow {
                what: t.what(),
                who: l.who,
                why: l.reason,
            },
            _ => conflict.into(),
        },
        Err(_) => conflict.into(),
    }
}

/// Remove the lock of `t` (whoever holds it; an expired one too). `Ok(None)`: there was none.
pub async fn unlock(ex: &Executor, t: &Target) -> Result<Option<Done>, GovernError> {
    let one = BTreeMap::from([(LOCK_KEY.to_string(), None)]);
    refuse_readonly(ex, t, annotate(one.clone(), "")).await?;
    let cur = current(ex, t).await?;
    if !cur.annotations.contains_key(LOCK_KEY) {
        return Ok(None);
    }
    match ex.act(t, &annotate(one, &cur.resource_version)).await {
        Ok(d) => Ok(Some(d)),
        Err(e) if is_conflict(&e) => Err(reread(ex, t, e).await),
        Err(e) => Err(e.into()),
    }
}

/// The TTL write: `Some(at)` sets our expiry (and, where kube-janitor's keys are set,
/// `janitor/expires` to the same time without `janitor/ttl`, so the janitor agrees); `None`
/// clears every TTL key present.
pub fn expiry_changes(
    annotations: &BTreeMap<String, String>,
    at: Option<i64>,
) -> BTreeMap<String, Option<String>> {
    let janitor = [JANITOR_TTL_KEY, JANITOR_EXPIRES_KEY];
    let mut out = BTreeMap::new();
    match at {
        Some(at) => {
            let when = rfc3339(at);
            out.insert(EXPIRES_KEY.to_string(), Some(when.clone()));
            if janitor.iter().any(|k| annotations.contains_key(*k)) {
                out.insert(JANITOR_EXPIRES_KEY.to_string(), Some(when));
                if annotations.contains_key(JANITOR_TTL_KEY) {
                    out.insert(JANITOR_TTL_KEY.to_string(), None);
                }
            }
        }
        None => {
            for k in [EXPIRES_KEY, JANITOR_TTL_KEY, JANITOR_EXPIRES_KEY] {
                if annotations.contains_key(k) {
                    out.insert(k.to_string(), None);
                }
            }
        }
    }
    out
}

/// Set (`Some(at)`) or clear (`None`) the TTL of `t`. `Ok(None)`: nothing to clear.
pub async fn set_expiry(
    ex: &Executor,
    t: &Target,
    at: Option<i64>,
) -> Result<Option<Done>, GovernError> {
    let probe = BTreeMap::from([(EXPIRES_KEY.to_string(), at.map(rfc3339))]);
    refuse_readonly(ex, t, annotate(probe, "")).await?;
    let cur = current(ex, t).await?;
    let changes = expiry_changes(&cur.annotations, at);
    if changes.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        ex.act(t, &annotate(changes, &cur.resource_version)).await?,
    ))
}

/// Who the user is in `context`: the server's `SelfSubjectReview` answer (what `kubectl auth
/// whoami` asks), else `fallback` (the kubeconfig's user name), else `unknown`. Never a token.
pub async fn whoami(ex: &Executor, context: &str, fallback: Option<&str>) -> String {
    let asked = async {
        let client = ex.reader(context)?;
        let body = serde_json::to_vec(&super::access::whoami_body()).ok()?;
        let req = http::Request::builder()
            .method(http::Method::POST)
            .uri(super::access::WHOAMI_PATH)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json")
            .body(body)
            .ok()?;
        let v = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            client.request::<Value>(req),
        )
        .await
        .ok()?
        .ok()?;
        super::access::parse_whoami(&v)
    };
    match asked.await {
        Some(u) => u,
        None => fallback.unwrap_or("unknown").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extending_a_ttl_keeps_kube_janitor_in_step_and_clearing_removes_every_key() {
        let none = BTreeMap::new();
        assert_eq!(
            expiry_changes(&none, Some(1_800_000_000)),
            BTreeMap::from([(EXPIRES_KEY.into(), Some("2027-01-15T08:00:00Z".into()))])
        );
        let janitor = BTreeMap::from([(JANITOR_TTL_KEY.to_string(), "7d".to_string())]);
        assert_eq!(
            expiry_changes(&janitor, Some(1_800_000_000)),
            BTreeMap::from([
                (EXPIRES_KEY.into(), Some("2027-01-15T08:00:00Z".into())),
                (
                    JANITOR_EXPIRES_KEY.into(),
                    Some("2027-01-15T08:00:00Z".into())
                ),
                (JANITOR_TTL_KEY.into(), None),
            ])
        );
        assert_eq!(
            expiry_changes(&janitor, None),
            BTreeMap::from([(JANITOR_TTL_KEY.into(), None)])
        );
        assert!(expiry_changes(&none, None).is_empty());
    }
}
