//! Locks and TTLs in the views: the workloads list's LOCK column, the TTL countdown of
//! namespaces and workloads (deadline cells, worded when drawn, so they count down), and the
//! matrix cell's badges. Read from the catalog's blueprint properties, never fetched.

use super::table::{Cell, Tone};
use crate::blueprint::{BpId, Record};
use crate::catalog::{Catalog, Health, RunningService};
use crate::govern::{Expiry, LockState, props, read};

/// The TTL properties of a blueprint, resolved once per list: `janitor/ttl`,
/// `janitor/expires`, `kubeatlas.io/expires`.
pub type TtlProps = [Option<usize>; 3];

/// The LOCK and TTL columns lists of `bp` show, as property indexes (resolved once per list,
/// not per row).
pub fn columns(cat: &Catalog, bp: BpId) -> (Option<usize>, Option<TtlProps>) {
    let b = cat.blueprint(bp);
    let ttl =
        [props::JANITOR_TTL, props::JANITOR_EXPIRES, props::EXPIRES].map(|id| b.prop_index(id));
    (
        b.prop_index(props::LOCK),
        ttl.iter().any(Option::is_some).then_some(ttl),
    )
}

fn text_at(r: &Record, i: Option<usize>) -> Option<&str> {
    r.props.get(i?)?.as_str().filter(|s| !s.is_empty())
}

/// `locked alice 2h` until the lock's `until`, then `lock expired` (worded when drawn);
/// `lock?` for an annotation that cannot be read.
pub fn lock_cell(r: &Record, lock: usize) -> Cell {
    // Read as of the epoch: an expired lock still parses as a lock with its deadline.
    match LockState::read(text_at(r, Some(lock)), i64::MIN) {
        LockState::Unlocked => Cell::text(""),
        LockState::Invalid(_) => Cell::text("lock?").tone(Tone::Health(Health::Failed)),
        LockState::Active(l) | LockState::Expired(l) => {
            let mut c = Cell::text(format!("locked {}", l.who)).tone(Tone::Health(Health::Paused));
            c.num = l.until_secs();
            c
        }
    }
}

/// `expires in 3h` / `expired 2d ago` (worded when drawn), `never`, `invalid ttl`.
pub fn ttl_cell(r: &Record, [ttl, expires, own]: TtlProps) -> Cell {
    let x = crate::govern::ttl::expiry(
        r.created,
        text_at(r, ttl),
        text_at(r, expires),
        text_at(r, own),
    );
    match x {
        Expiry::None => Cell::text(""),
        Expiry::Never => Cell::dim("never"),
        Expiry::Invalid { .. } => Cell::text("invalid ttl").tone(Tone::Health(Health::Failed)),
        Expiry::At(t) => Cell {
            text: "".into(),
            num: Some(t),
            tone: Tone::Plain,
        },
    }
}

/// The matrix cell's badges for a running service at `now`: ` [locked]` when a workload
/// holds an unexpired lock, ` [ttl 3h]` / ` [expired]` / ` [ttl?]` for the earliest TTL.
pub fn badges(cat: &Catalog, rs: &RunningService, now: i64) -> String {
    // One blueprint (the workloads'): its property indexes once, not per workload.
    let Some(bp) = rs.workloads.first().map(|e| e.bp) else {
        return String::new();
    };
    badges_with(cat, rs, now, columns(cat, bp))
}

/// [`badges`] with the workloads' LOCK and TTL properties resolved ([`columns`]) by the
/// caller, once for many running services.
pub fn badges_with(
    cat: &Catalog,
    rs: &RunningService,
    now: i64,
    (lock, ttl): (Option<usize>, Option<TtlProps>),
) -> String {
    let mut locked = false;
    let mut soonest: Option<Expiry> = None;
    if lock.is_none() && ttl.is_none() {
        return String::new();
    }
    for e in &rs.workloads {
        let Some(r) = cat.get(e) else { continue };
        if let Some(i) = lock {
            locked |= LockState::read(text_at(r, Some(i)), now).is_locked();
        }
        let Some([t, x, own]) = ttl else { continue };
        let x =
            crate::govern::ttl::expiry(r.created, text_at(r, t), text_at(r, x), text_at(r, own));
        soonest = match (soonest, x) {
            (None, x) | (Some(Expiry::None | Expiry::Never), x) => Some(x),
            (Some(Expiry::At(a)), Expiry::At(b)) => Some(Expiry::At(a.min(b))),
            (Some(s), _) => Some(s),
        };
    }
    let mut out = String::new();
    if locked {
        out.push_str(" [locked]");
    }
    let badge = soonest.map(|x| x.badge(now)).unwrap_or_default();
    if !badge.is_empty() {
        out.push_str(&format!(" [{badge}]"));
    }
    out
}

/// Run one governance write on each target (the effect runner's task): the words for the
/// status line, and whether any failed.
pub async fn run(
    ex: &crate::actions::Executor,
    targets: Vec<crate::actions::Target>,
    write: super::msg::GovernWrite,
    who: Option<String>,
) -> (String, bool) {
    use super::msg::GovernWrite;
    use crate::actions::govern as w;
    let mut done = 0;
    let mut failures = vec![];
    let mut whom: Option<String> = who;
    for t in &targets {
        let result = match &write {
            GovernWrite::Lock { reason, secs } => {
                let who = match &whom {
                    Some(u) => u.clone(),
                    None => w::whoami(ex, &t.context, None).await,
                };
                whom = Some(who.clone());
                let l = crate::govern::Lock::new(&who, reason, ex.now(), *secs);
                w::lock(ex, t, &l).await.map(|_| ())
            }
            GovernWrite::Unlock => w::unlock(ex, t).await.map(|_| ()),
            GovernWrite::Expiry { at } => w::set_expiry(ex, t, *at).await.map(|_| ()),
        };
        match result {
            Ok(()) => done += 1,
            Err(e) => failures.push(e.to_string()),
        }
    }
    let verb = write.verb();
    let n = targets.len();
    match (failures.is_empty(), n) {
        (true, 1) => (format!("{verb}: done on {}", targets[0].what()), false),
        (true, _) => (format!("{verb}: done on all {n}"), false),
        (false, 1) => (failures.join("; "), true),
        (false, _) => (
            format!("{verb}: {done} of {n} done; {}", failures.join("; ")),
            true,
        ),
    }
}

/// The detail's lines: `Lock` (who, until, why — or expired) and `TTL` (the countdown and
/// the annotation it comes from), when the object has them.
pub fn detail_fields(cat: &Catalog, r: &Record, now: i64) -> Vec<(String, String, Tone)> {
    let mut out = vec![];
    let lock = read::lock(cat, r, now);
    if lock != LockState::Unlocked {
        let tone = if lock.is_locked() {
            Tone::Health(Health::Paused)
        } else {
            Tone::Dim
        };
        out.push(("Lock".into(), lock.describe(now), tone));
    }
    let x = read::expiry(cat, r);
    let source = [
        (props::EXPIRES, crate::govern::EXPIRES_KEY),
        (props::JANITOR_TTL, crate::govern::JANITOR_TTL_KEY),
        (props::JANITOR_EXPIRES, crate::govern::JANITOR_EXPIRES_KEY),
    ]
    .iter()
    .filter_map(|(id, key)| read::text(cat, r, id).map(|v| format!("{key}={v}")))
    .collect::<Vec<_>>()
    .join(", ");
    let words = match &x {
        Expiry::None => return out,
        Expiry::Invalid { why, .. } => format!("invalid ttl: {why}"),
        other => other.words(now),
    };
    let tone = match x {
        Expiry::Invalid { .. } => Tone::Health(Health::Failed),
        _ if x.expired(now) => Tone::Health(Health::Degraded),
        _ => Tone::Plain,
    };
    out.push(("TTL".into(), format!("{words} ({source})"), tone));
    out
}
