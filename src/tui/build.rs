//! Projections from the catalog to [`Table`]s: the list of one blueprint in a scope (the fleet's
//! table, one row per context, is in [`super::fleet_table`], from the same parts). Columns come from the blueprint (`spec.columns`), never from a
//! per-kind renderer.

use super::table::{Cell, ColKind, Column, Row, Table, Tone};
use super::view::{self, RowKey, Scope};
use crate::blueprint::{BpId, Link, PropType, Record, RelationVia, Value, ValueRef};
use crate::catalog::{
    Catalog, ClusterId, ClusterInfo, ClusterStatus, EntityRef, Health, SourceStatus,
};
use std::collections::HashMap;

/// Health a cluster's connection state stands for (for colours and sorting).
pub fn status_health(s: &ClusterStatus) -> Health {
    match s {
        ClusterStatus::Ready => Health::Healthy,
        ClusterStatus::Connecting | ClusterStatus::Syncing => Health::Progressing,
        _ => Health::Failed,
    }
}

/// `unreachable: connection refused`, or just `ready`.
pub fn status_text(s: &ClusterStatus) -> String {
    match s.message() {
        Some(m) => format!("{}: {m}", s.label()),
        None => s.label().to_string(),
    }
}

/// How a source kind is named in notes: its resource plural (`nodes`).
pub fn source_plural(cat: &Catalog, bp: BpId, source: u8) -> String {
    match cat.blueprint(bp).spec.sources.get(source as usize) {
        Some(s) => s
            .plural
            .clone()
            .unwrap_or_else(|| format!("{}s", s.kind.to_lowercase())),
        None => cat.blueprint(bp).spec.identifier.clone(),
    }
}

/// A cluster's status with the kinds it cannot read: `ready · nodes forbidden`.
pub fn cluster_status_text(cat: &Catalog, info: &ClusterInfo) -> String {
    let mut s = status_text(&info.status);
    for (bp, src, st) in &info.sources {
        let what = match st {
            SourceStatus::Forbidden(_) => "forbidden",
            SourceStatus::Error(_) => "failing",
            SourceStatus::Refused(_) => "refused",
            _ => continue,
        };
        s.push_str(&format!(" · {} {what}", source_plural(cat, *bp, *src)));
    }
    s
}

/// One line per cluster of `scope` whose source of `bp` is forbidden or failing, shown above
/// the list: `prod: Node forbidden — 403 Forbidden: nodes is forbidden: …`.
pub fn source_notices(cat: &Catalog, bp: BpId, scope: &Scope) -> Vec<String> {
    let spec = &cat.blueprint(bp).spec;
    let mut out = vec![];
    for id in cat.cluster_ids() {
        if scope.cluster().is_some_and(|c| c != id) {
            continue;
        }
        let Some(info) = cat.cluster(id) else {
            continue;
        };
        for (b, src, st) in &info.sources {
            let (what, msg) = match st {
                SourceStatus::Forbidden(m) => ("forbidden", m),
                SourceStatus::Error(m) => ("failing", m),
                SourceStatus::Refused(m) => ("refused", m),
                _ => continue,
            };
            if *b != bp {
                continue;
            }
            let kind = spec
                .sources
                .get(*src as usize)
                .map_or("", |s| s.kind.as_str());
            out.push(format!("{}: {kind} {what} — {msg}", info.name));
        }
    }
    out
}

/// Children shown as count columns of a parent blueprint: listable blueprints that live *in*
/// the parent (related by namespace, cluster or a field such as a node name, not by
/// ownership), nearest first. Kinds that may be absent (every source optional: Services,
/// ConfigMaps, CRDs) get no count column, where a zero would read as "none".
pub(super) fn count_children(cat: &Catalog, parent: BpId) -> Vec<(BpId, usize, RelationVia)> {
    let kids = view::child_blueprints(cat, parent);
    // Nearest first (fewest relations to the other children), then the most pointed-at
    // (namespace before node), then blueprint order.
    let depth = |c: BpId| {
        kids.iter()
            .filter(|&&o| o != c && cat.relation_to(c, o).is_some())
            .count()
    };
    let pointed = |c: BpId| {
        kids.iter()
            .filter(|&&o| o != c && cat.relation_to(o, c).is_some())
            .count()
    };
    let mut out: Vec<(BpId, usize, RelationVia)> = kids
        .iter()
        .filter(|&&c| !cat.blueprint(c).spec.sources.iter().all(|s| s.optional))
        .filter_map(|&c| {
            let rel = cat.relation_to(c, parent)?;
            let via = cat.blueprint(c).spec.relations.get(rel)?.via;
            (via != RelationVia::Controller).then_some((c, rel, via))
        })
        .collect();
    out.sort_by_key(|(c, _, _)| (depth(*c), usize::MAX - pointed(*c)));
    out
}

/// Count columns of cluster-scoped children other than the drill-down one (nodes in the
/// fleet) go before the others when the terminal is narrow.
pub(super) fn count_priority(cat: &Catalog, parent: Option<BpId>, child: BpId) -> u8 {
    let drill = parent.and_then(|p| view::drill_child(cat, p));
    if !view::namespaced(cat, child) && drill != Some(child) {
        5
    } else {
        4
    }
}

pub(super) fn plural_title(cat: &Catalog, bp: BpId) -> String {
    let spec = &cat.blueprint(bp).spec;
    spec.plural
        .clone()
        .unwrap_or_else(|| spec.identifier.clone())
        .to_uppercase()
}

pub(super) fn has_health(cat: &Catalog, bp: BpId) -> bool {
    cat.blueprint(bp).spec.health != crate::blueprint::HealthRule::None
}

pub(super) fn unhealthy_cell(n: usize) -> Cell {
    let c = Cell::num(n as i64);
    if n > 0 {
        c.tone(Tone::Health(Health::Failed))
    } else {
        c.tone(Tone::Dim)
    }
}

/// What one column of a list reads from a record.
#[derive(Debug, Clone, Copy)]
enum Source {
    Cluster,
    Namespace,
    Kind,
    Name,
    Prop(usize),
    /// Two integer properties shown as `a/b`.
    Ratio(usize, usize),
    Version,
    Health,
    /// The scorecard's level (see `crate::score`).
    Score,
    /// Count of a child blueprint's entities in this one (index into the counts).
    Count(usize),
    Unhealthy,
    /// The lock annotation ([`super::governed::lock_cell`]), by property index.
    Lock(usize),
    /// The TTL annotations ([`super::governed::ttl_cell`]), by property index.
    Ttl(super::governed::TtlProps),
    /// An aggregation ([`super::marks::cell`]), by index.
    Aggregate(usize),
    Age,
}

/// The columns of a list of `bp` in `scope`.
fn list_columns(cat: &Catalog, bp: BpId, scope: &Scope) -> Vec<(Column, Source)> {
    let spec = &cat.blueprint(bp).spec;
    let mut cols = vec![];
    if scope.cluster().is_none() {
        cols.push((Column::new("CLUSTER", ColKind::Text, 1), Source::Cluster));
    }
    let parent_namespaced = match scope {
        Scope::Namespace(..) => true,
        Scope::Parent(e) => view::namespaced(cat, e.bp),
        _ => false,
    };
    if view::namespaced(cat, bp) && !parent_namespaced {
        cols.push((
            Column::new("NAMESPACE", ColKind::Text, 2),
            Source::Namespace,
        ));
    }
    if spec.sources.len() > 1 {
        cols.push((Column::new("KIND", ColKind::Text, 3), Source::Kind));
    }
    cols.push((Column::new("NAME", ColKind::Text, 0), Source::Name));
    let ids: &[usize] = cat.blueprint(bp).columns();
    let mut aggs = super::marks::columns(spec).into_iter().peekable();
    let mut i = 0;
    let mut n = 0;
    while i < ids.len() {
        while let Some((_, a, col)) = aggs.next_if(|(slot, _, _)| *slot <= i) {
            cols.push((col, Source::Aggregate(a)));
        }
        let p = &spec.properties[ids[i]];
        let title = p
            .title
            .clone()
            .unwrap_or_else(|| p.id.clone())
            .to_uppercase();
        let priority = match n {
            0 => 3,
            1 | 2 => 4,
            _ => 5,
        };
        n += 1;
        // `ready` followed by another integer (`desired`, `totalContainers`): one `a/b` column.
        if p.ty == PropType::Integer
            && p.id.starts_with("ready")
            && let Some(&next) = ids.get(i + 1)
            && spec.properties[next].ty == PropType::Integer
        {
            cols.push((
                Column::new("READY", ColKind::Ratio, 2),
                Source::Ratio(ids[i], next),
            ));
            i += 2;
            continue;
        }
        let (kind, priority) = match p.ty {
            PropType::Integer => (ColKind::Num, priority),
            PropType::Timestamp => (ColKind::Age, priority),
            PropType::List => (ColKind::Text, 6),
            _ => (ColKind::Text, priority),
        };
        cols.push((Column::new(title, kind, priority), Source::Prop(ids[i])));
        i += 1;
    }
    cols.extend(aggs.map(|(_, a, col)| (col, Source::Aggregate(a))));
    if cat.workload_blueprint() == Some(bp) {
        cols.push((Column::new("VERSION", ColKind::Text, 3), Source::Version));
    }
    if has_health(cat, bp) {
        cols.push((Column::new("HEALTH", ColKind::Text, 2), Source::Health));
    }
    if cat.blueprint(bp).scorecard.is_some() {
        cols.push((Column::new("SCORE", ColKind::Text, 4), Source::Score));
    }
    let kids = count_children(cat, bp);
    for (k, (c, _, _)) in kids.iter().enumerate() {
        cols.push((
            Column::new(
                plural_title(cat, *c),
                ColKind::Num,
                count_priority(cat, Some(bp), *c),
            ),
            Source::Count(k),
        ));
    }
    if kids.iter().any(|(c, _, _)| has_health(cat, *c)) {
        cols.push((Column::new("UNHEALTHY", ColKind::Num, 3), Source::Unhealthy));
    }
    let (lock, ttl) = super::governed::columns(cat, bp);
    if let Some(i) = lock {
        cols.push((Column::new("LOCK", ColKind::Deadline, 2), Source::Lock(i)));
    }
    if let Some(t) = ttl {
        cols.push((Column::new("TTL", ColKind::Deadline, 3), Source::Ttl(t)));
    }
    if !spec.sources.is_empty() {
        cols.push((Column::new("AGE", ColKind::Age, 3), Source::Age));
    }
    cols
}

/// Per child blueprint: (cluster, parent key) → (count, unhealthy). The parent key is the
/// name a child's link carries (namespace, node name).
pub type Counts = Vec<HashMap<(ClusterId, Box<str>), (usize, usize)>>;

fn child_counts(
    cat: &Catalog,
    bp: BpId,
    clusters: &[ClusterId],
    namespace: Option<&str>,
) -> Counts {
    count_children(cat, bp)
        .into_iter()
        .map(|(c, rel, via)| {
            let mut m: HashMap<(ClusterId, Box<str>), (usize, usize)> = HashMap::new();
            let judge = has_health(cat, c);
            for &cl in clusters {
                for r in cat.entities_in(cl, c) {
                    if namespace.is_some() && r.namespace.as_deref() != namespace {
                        continue;
                    }
                    let key: Box<str> = match (via, r.links.get(rel)) {
                        (_, Some(Link::Name(n) | Link::Uid(n))) => Box::from(&**n),
                        (RelationVia::Cluster, _) => "".into(),
                        _ => continue,
                    };
                    let e = m.entry((cl, key)).or_default();
                    e.0 += 1;
                    if judge && cat.health(r).is_unhealthy() {
                        e.1 += 1;
                    }
                }
            }
            m
        })
        .collect()
}

/// A property value as a cell.
pub fn value_cell(v: &Value, kind: ColKind) -> Cell {
    match v.view() {
        ValueRef::Null => Cell::dim(""),
        ValueRef::Int(i) => Cell::num(i),
        ValueRef::Time(t) if kind == ColKind::Age => Cell::age(t),
        _ => Cell::text(v.to_string()),
    }
}

#[cfg(any(test, feature = "test-support"))]
thread_local! {
    static PROJECTED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// List and matrix rows projected so far on this thread: a work counter for tests and benchmarks (a
/// change to one entity must not re-project a whole list).
#[cfg(any(test, feature = "test-support"))]
pub fn projected_rows() -> u64 {
    PROJECTED.with(|p| p.get())
}

/// Count one projected row (lists here, the matrix's rows in `super::matrix`).
#[cfg(any(test, feature = "test-support"))]
pub(super) fn count_projected() {
    PROJECTED.with(|p| p.set(p.get() + 1));
}

/// Where a list row sits in natural order: cluster, namespace, name, uid.
pub type NaturalKey = (ClusterId, Option<Box<str>>, Box<str>, Box<str>);

pub fn natural_key(cl: ClusterId, r: &Record) -> NaturalKey {
    (
        cl,
        r.namespace.as_deref().map(Box::from),
        r.name.clone(),
        r.uid.clone(),
    )
}

/// Projects records of one blueprint in one scope into rows: the columns are resolved once
/// per view, then each row costs only its own record.
#[derive(Debug, Clone)]
pub struct Lister {
    pub bp: BpId,
    pub scope: Scope,
    cols: Vec<(Column, Source)>,
}

impl Lister {
    pub fn new(cat: &Catalog, bp: BpId, scope: &Scope) -> Lister {
        Lister {
            bp,
            scope: scope.clone(),
            cols: list_columns(cat, bp, scope),
        }
    }

    /// Whether a row depends on other entities than its own (count columns, a parent's
    /// children): then it cannot be patched one entity at a time.
    pub fn needs_counts(&self) -> bool {
        self.cols
            .iter()
            .any(|(_, s)| matches!(s, Source::Count(_) | Source::Unhealthy))
    }

    /// Rows can be patched per changed entity (see [`Lister::in_scope`]).
    pub fn patchable(&self) -> bool {
        !self.needs_counts() && !matches!(self.scope, Scope::Parent(_))
    }

    /// The record of `e` if it exists and belongs to this list (not for `Scope::Parent`).
    pub fn in_scope<'c>(&self, cat: &'c Catalog, e: &EntityRef) -> Option<&'c Record> {
        if e.bp != self.bp {
            return None;
        }
        let r = cat.get(e)?;
        let ok = match &self.scope {
            Scope::All => true,
            Scope::Cluster(c) => e.cluster == *c,
            Scope::Namespace(c, ns) => e.cluster == *c && r.namespace.as_deref() == Some(&**ns),
            Scope::Parent(_) => false,
        };
        ok.then_some(r)
    }

    pub fn columns(&self) -> Vec<Column> {
        self.cols.iter().map(|(c, _)| c.clone()).collect()
    }

    /// One row (counts empty unless the columns need them).
    pub fn row(&self, cat: &Catalog, cl: ClusterId, r: &Record, counts: &Counts) -> Row {
        #[cfg(any(test, feature = "test-support"))]
        count_projected();
        let health = cat.health(r);
        // Children link to this entity by name (namespace, node) or, for cluster-wide
        // relations, by nothing.
        let count = |k: usize| {
            let m = counts.get(k)?;
            m.get(&(cl, r.name.clone()))
                .or_else(|| m.get(&(cl, r.uid.clone())))
                .copied()
        };
        let cells = self
            .cols
            .iter()
            .map(|(col, src)| match *src {
                Source::Cluster => Cell::text(cat.cluster(cl).map_or("", |c| c.name.as_str())),
                Source::Namespace => Cell::text(r.namespace.as_deref().unwrap_or("")),
                Source::Kind => Cell::text(view::kind_of(cat, r)),
                Source::Name => Cell::text(&*r.name),
                Source::Prop(i) => {
                    value_cell(r.props.get(i).unwrap_or(Value::null_ref()), col.kind)
                }
                Source::Ratio(a, b) => {
                    let v = |i: usize| r.props.get(i).and_then(Value::as_int);
                    // Kinds without replicas (Jobs, CronJobs) read neither.
                    if v(a).is_none() && v(b).is_none() {
                        return Cell::dim("-");
                    }
                    let (x, y) = (v(a).unwrap_or(0), v(b).unwrap_or(0));
                    let tone = if x < y {
                        Tone::Health(Health::Degraded)
                    } else {
                        Tone::Plain
                    };
                    Cell::ratio(x, y).tone(tone)
                }
                Source::Version => Cell::text(cat.version_of(r)),
                Source::Health => Cell::text(health.label()).tone(Tone::Health(health)),
                Source::Score => {
                    let levels = cat
                        .blueprint(r.blueprint)
                        .scorecard
                        .as_ref()
                        .map_or(&[][..], |c| &c.levels[..]);
                    crate::score::tally_of_record(cat, cl, r)
                        .map_or_else(|| Cell::dim("-"), |t| super::score::of_tally(&t, levels))
                }
                Source::Count(k) => Cell::num(count(k).map_or(0, |c| c.0) as i64),
                Source::Unhealthy => {
                    unhealthy_cell((0..counts.len()).filter_map(count).map(|c| c.1).sum())
                }
                Source::Lock(i) => super::governed::lock_cell(r, i),
                Source::Ttl(t) => super::governed::ttl_cell(r, t),
                Source::Aggregate(i) => super::marks::cell(cat, cl, r, i),
                Source::Age => Cell::age(r.created),
            })
            .collect();
        let key = RowKey::Entity(EntityRef {
            cluster: cl,
            bp: self.bp,
            uid: r.uid.clone(),
        });
        Row { key, cells, health }
    }
}

/// The list of `bp` entities in `scope`.
pub fn list(cat: &Catalog, bp: BpId, scope: &Scope) -> Table {
    list_with(cat, &Lister::new(cat, bp, scope)).0
}

/// The list a [`Lister`] shows, with each row's natural key.
pub fn list_with(cat: &Catalog, l: &Lister) -> (Table, Vec<NaturalKey>) {
    let (bp, scope) = (l.bp, &l.scope);
    let clusters: Vec<ClusterId> = match scope.cluster() {
        Some(c) => vec![c],
        None => cat.cluster_ids().collect(),
    };
    let mut records: Vec<(ClusterId, &Record)> = match scope {
        Scope::All => cat.entities(bp).collect(),
        Scope::Cluster(c) => cat.entities_in(*c, bp).map(|r| (*c, r)).collect(),
        Scope::Namespace(c, ns) => cat
            .entities_in(*c, bp)
            .filter(|r| r.namespace.as_deref() == Some(&**ns))
            .map(|r| (*c, r))
            .collect(),
        Scope::Parent(e) => cat
            .children(e, bp)
            .iter()
            .filter_map(|k| cat.get(k).map(|r| (k.cluster, r)))
            .collect(),
    };
    records.sort_by(|(ca, a), (cb, b)| {
        ca.cmp(cb)
            .then_with(|| a.namespace.cmp(&b.namespace))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.uid.cmp(&b.uid))
    });
    let counts = if l.needs_counts() {
        let ns = match scope {
            Scope::Namespace(_, ns) => Some(&**ns),
            _ => None,
        };
        child_counts(cat, bp, &clusters, ns)
    } else {
        vec![]
    };
    let keys = records.iter().map(|&(cl, r)| natural_key(cl, r)).collect();
    let rows = records
        .into_iter()
        .map(|(cl, r)| l.row(cat, cl, r, &counts))
        .collect();
    let mut t = Table {
        columns: l.columns(),
        rows,
    };
    t.measure();
    (t, keys)
}
