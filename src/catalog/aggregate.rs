//! Aggregations (`aggregations:` in a blueprint): values of an entity computed from the
//! entities pointing at it — how many Warning Events name a pod, its workload's autoscaler
//! bounds — kept current without storing them.
//!
//! Nothing is kept per entity: a value is read from the store's reverse index when asked
//! ([`Catalog::aggregate`]). What keeps readers current is the journal: when an entity that
//! feeds an aggregation appears, changes what it points at or a property the value reads, or
//! goes, the catalog records one more step touching each subject it pointed at before and
//! points at now, so a row cache re-projects exactly those rows (and a pod's row is
//! re-projected once per Warning that arrives for it, never the list).

use super::{Catalog, ClusterId, EntityRef};
use crate::blueprint::aggregate::{Piece, parse_template};
use crate::blueprint::{BlueprintSet, BpId, Link, Record, RelationVia, Value, ValueRef};

/// What an aggregation gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Aggregate {
    /// How many entities point here.
    Count(usize),
    /// The `show` text of the newest of them; None when none does.
    Text(Option<String>),
}

#[derive(Debug, Clone)]
enum Seg {
    Text(Box<str>),
    Prop(usize),
}

/// One aggregation, resolved against the blueprint set.
#[derive(Debug, Clone)]
struct Agg {
    from: BpId,
    rel: usize,
    via: RelationVia,
    /// None: a count; else the template.
    show: Option<Box<[Seg]>>,
    /// The timestamp property picking the newest (None: creation time).
    newest: Option<usize>,
}

/// What entities of one blueprint feed: per aggregation they feed, the relation and the
/// properties the value reads.
#[derive(Debug, Clone)]
struct Feed {
    rel: usize,
    reads: Box<[usize]>,
}

/// Every aggregation of the set, resolved once.
#[derive(Debug, Clone, Default)]
pub struct AggRules {
    /// Per blueprint (subject): its aggregations, aligned with `spec.aggregations`.
    of: Vec<Box<[Option<Agg>]>>,
    /// Per blueprint (source): the aggregations its entities feed.
    feeds: Vec<Vec<Feed>>,
}

impl AggRules {
    pub fn new(set: &BlueprintSet) -> Self {
        let n = set.all().len();
        let mut feeds: Vec<Vec<Feed>> = vec![vec![]; n];
        let of = set
            .all()
            .iter()
            .map(|bp| {
                bp.spec
                    .aggregations
                    .iter()
                    .map(|a| {
                        let from = set.by_identifier(&a.from)?;
                        let fbp = set.get(from);
                        let rel = fbp.relation_index(&a.relation)?;
                        let via = fbp.spec.relations.get(rel)?.via;
                        let show: Option<Box<[Seg]>> = match &a.show {
                            Some(t) => Some(
                                parse_template(t)
                                    .ok()?
                                    .into_iter()
                                    .map(|p| match p {
                                        Piece::Text(t) => Some(Seg::Text(t.into())),
                                        Piece::Prop(id) => fbp.prop_index(&id).map(Seg::Prop),
                                    })
                                    .collect::<Option<_>>()?,
                            ),
                            None => None,
                        };
                        let newest = a.newest.as_deref().and_then(|p| fbp.prop_index(p));
                        let mut reads: Vec<usize> = show
                            .iter()
                            .flat_map(|s| s.iter())
                            .filter_map(|s| match s {
                                Seg::Prop(i) => Some(*i),
                                Seg::Text(_) => None,
                            })
                            .chain(newest)
                            .collect();
                        reads.sort_unstable();
                        reads.dedup();
                        if let Some(f) = feeds.get_mut(from.0 as usize) {
                            f.push(Feed {
                                rel,
                                reads: reads.into(),
                            });
                        }
                        Some(Agg {
                            from,
                            rel,
                            via,
                            show,
                            newest,
                        })
                    })
                    .collect()
            })
            .collect();
        AggRules { of, feeds }
    }

    /// Whether entities of `bp` feed some aggregation.
    pub fn feeds(&self, bp: BpId) -> bool {
        self.feeds.get(bp.0 as usize).is_some_and(|f| !f.is_empty())
    }
}

/// Whether `link` (a referrer's link at an aggregation's relation) names `subject`.
fn names(link: &Link, subject: &Record) -> bool {
    match link {
        Link::Uid(u) => **u == *subject.uid,
        Link::Name(n) => **n == *subject.name,
        Link::Names(ns) => ns.contains(&subject.name),
        _ => false,
    }
}

fn pick_newer<'a>(a: Option<&'a Record>, b: &'a Record, newest: Option<usize>) -> &'a Record {
    let Some(a) = a else { return b };
    let when = |r: &Record| match newest.and_then(|i| r.props.get(i)).map(Value::view) {
        Some(ValueRef::Time(t) | ValueRef::Int(t)) => t,
        _ => r.created,
    };
    // Newest first; among equals the first by name, so the pick is stable.
    match when(b).cmp(&when(a)) {
        std::cmp::Ordering::Greater => b,
        std::cmp::Ordering::Equal if (&b.name, &b.uid) < (&a.name, &a.uid) => b,
        _ => a,
    }
}

fn show(segs: &[Seg], r: &Record) -> String {
    let mut out = String::new();
    for s in segs {
        match s {
            Seg::Text(t) => out.push_str(t),
            Seg::Prop(i) => match r.props.get(*i).map(|v| (v, v.view())) {
                None | Some((_, ValueRef::Null)) => out.push('-'),
                Some((_, ValueRef::List(l))) => out.push_str(&l.join(",")),
                Some((v, _)) => out.push_str(&v.to_string()),
            },
        }
    }
    out
}

impl Catalog {
    /// Aggregation `i` of record `r` (in `cluster`), computed now; None when the blueprint
    /// has no such aggregation or it did not resolve.
    pub fn aggregate(&self, cluster: ClusterId, r: &Record, i: usize) -> Option<Aggregate> {
        let agg = self.aggs.of.get(r.blueprint.0 as usize)?.get(i)?.as_ref()?;
        let mut n = 0usize;
        let mut newest: Option<&Record> = None;
        self.each_referrer(cluster, r, agg, |x| {
            n += 1;
            if agg.show.is_some() {
                newest = Some(pick_newer(newest, x, agg.newest));
            }
        });
        Some(match &agg.show {
            None => Aggregate::Count(n),
            Some(segs) => Aggregate::Text(newest.map(|x| show(segs, x))),
        })
    }

    /// The aggregation with identifier `id` of entity `e`, computed now (as `get -o json`
    /// reports it); None when the entity is gone or its blueprint has no such aggregation.
    pub fn aggregate_named(&self, e: &super::EntityRef, id: &str) -> Option<Aggregate> {
        let r = self.get(e)?;
        let i = self
            .blueprint(e.bp)
            .spec
            .aggregations
            .iter()
            .position(|a| a.id == id)?;
        self.aggregate(e.cluster, r, i)
    }

    /// Calls `f` with each entity of `agg.from` whose relation `agg.rel` points at `subject`.
    fn each_referrer<'a>(
        &'a self,
        cluster: ClusterId,
        subject: &Record,
        agg: &Agg,
        mut f: impl FnMut(&'a Record),
    ) {
        let Some(store) = self.stores.get(cluster.0 as usize) else {
            return;
        };
        if store.count(agg.from) == 0 {
            return;
        }
        if agg.via == RelationVia::Selector {
            let (Some(slot), Some(sel), Ok(rel)) = (
                store.slot(subject.blueprint, &subject.uid),
                self.selections.get(cluster.0 as usize),
                u8::try_from(agg.rel),
            ) else {
                return;
            };
            for k in sel.selecting(subject.blueprint, slot) {
                if k.bp == agg.from
                    && k.rel == rel
                    && let Some(x) = store.at(k.bp, k.slot)
                {
                    f(x);
                }
            }
            return;
        }
        let link = match agg.via {
            RelationVia::Field => Link::Name((*subject.name).into()),
            _ => Link::Uid((*subject.uid).into()),
        };
        for uid in store.pointing_at(subject.blueprint, &link, agg.from) {
            let Some(x) = store.get(agg.from, uid) else {
                continue;
            };
            let ok = x.links.get(agg.rel).is_some_and(|l| names(l, subject))
                // A name reaches across namespaces only to cluster-scoped subjects.
                && (agg.via != RelationVia::Field
                    || subject.namespace.is_none()
                    || x.namespace.is_none()
                    || x.namespace == subject.namespace);
            if ok {
                f(x);
            }
        }
    }

    /// The subjects entity (`bp`, `uid`) of `cluster`, as the store holds it now, feeds
    /// (empty unless its blueprint feeds an aggregation).
    pub(super) fn fed_subjects(&self, cluster: ClusterId, bp: BpId, uid: &str) -> Vec<EntityRef> {
        let (Some(feeds), Some(r)) = (
            self.aggs.feeds.get(bp.0 as usize),
            self.stores
                .get(cluster.0 as usize)
                .and_then(|s| s.get(bp, uid)),
        ) else {
            return vec![];
        };
        let mut out: Vec<EntityRef> = feeds
            .iter()
            .flat_map(|f| self.related_all(cluster, r, f.rel))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// After entity (`bp`, `uid`) changed from `old` (None: it is new) with `before` the
    /// subjects it fed then: note a touch of each subject whose value may have moved.
    pub(super) fn touch_fed(
        &mut self,
        cluster: ClusterId,
        bp: BpId,
        uid: &str,
        before: Vec<EntityRef>,
        old: Option<&Record>,
    ) {
        let now = self.fed_subjects(cluster, bp, uid);
        let reads_changed = || {
            let new = self
                .stores
                .get(cluster.0 as usize)
                .and_then(|s| s.get(bp, uid));
            let (Some(old), Some(new), Some(feeds)) =
                (old, new, self.aggs.feeds.get(bp.0 as usize))
            else {
                return true;
            };
            feeds.iter().any(|f| {
                f.reads
                    .iter()
                    .any(|&i| old.props.get(i) != new.props.get(i))
            })
        };
        let mut touched = if old.is_none() || now != before || reads_changed() {
            let mut all = before;
            all.extend(now);
            all
        } else {
            vec![]
        };
        touched.sort();
        touched.dedup();
        self.fed_touches.extend(touched);
    }

    /// After entity (`bp`) went: the subjects it fed (`before`) are touched.
    pub(super) fn touch_gone(&mut self, before: Vec<EntityRef>) {
        self.fed_touches.extend(before);
    }
}
