//! Timeline entries from the catalog's change journal, on the catalog's owner task: for each
//! entity touched since the last look, compare the few values its blueprint's `timeline:`
//! section names with what was seen before. The catalog stays pure; the recorder keeps its
//! own small snapshot per entity (those values, health, states, where it belongs).

use super::Entry;
use crate::blueprint::{BpId, Record, Value, ValueRef, timeline::TimelineSpec};
use crate::catalog::{Catalog, ClusterStatus, EntityRef, Health, Since, image_tag};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a blueprint's timeline section resolves to (property indices).
#[derive(Debug)]
struct Plan {
    spec: TimelineSpec,
    /// Per recorded property: its index.
    props: Vec<usize>,
    /// States: property indices.
    state_props: Vec<usize>,
    /// Revision: relation, images and number property indices.
    revision: Option<(usize, usize, Option<usize>)>,
    events: Option<EventsPlan>,
}

/// An event blueprint's section: subject relations, reason, message and first-occurrence
/// property indices.
#[derive(Debug)]
struct EventsPlan {
    subjects: Vec<usize>,
    reason: usize,
    message: usize,
    first: Option<usize>,
}

/// An event's text at most (reason and message), in characters.
const MAX_EVENT_TEXT: usize = 240;

/// Where an entity belongs, kept so a deletion can still be filed.
#[derive(Debug, Clone)]
struct Place {
    context: Arc<str>,
    env: Arc<str>,
    service: Arc<str>,
    namespace: Arc<str>,
    kind: Arc<str>,
    name: Arc<str>,
    owner: Arc<str>,
}

#[derive(Debug)]
struct Snap {
    values: Box<[Value]>,
    health: Health,
    states: Vec<Box<str>>,
    place: Place,
}

/// Follows the catalog and says what changed.
#[derive(Debug, Default)]
pub struct Recorder {
    rev: Option<u64>,
    plans: Vec<Option<Plan>>,
    seen: HashMap<EntityRef, Snap>,
    interned: HashSet<Arc<str>>,
    /// Entities touched and not compared yet (a budget ran out).
    pending: VecDeque<EntityRef>,
}

impl Recorder {
    /// A recorder for the catalog's blueprints (those without `timeline:` are ignored).
    pub fn new(catalog: &Catalog) -> Recorder {
        let plans = catalog
            .blueprints()
            .all()
            .iter()
            .map(|bp| {
                let spec = bp.spec.timeline.clone()?;
                let props = spec
                    .properties
                    .iter()
                    .filter_map(|p| bp.prop_index(&p.property))
                    .collect();
                let state_props = spec
                    .states
                    .iter()
                    .flat_map(|s| s.properties.iter().filter_map(|p| bp.prop_index(p)))
                    .collect();
                let revision = spec.revision.as_ref().and_then(|r| {
                    Some((
                        bp.relation_index(&r.relation)?,
                        bp.prop_index(&r.images)?,
                        r.number.as_deref().and_then(|n| bp.prop_index(n)),
                    ))
                });
                let events = spec.events.as_ref().and_then(|e| {
                    Some(EventsPlan {
                        subjects: e
                            .subjects
                            .iter()
                            .filter_map(|s| bp.relation_index(s))
                            .collect(),
                        reason: bp.prop_index(&e.reason)?,
                        message: bp.prop_index(&e.message)?,
                        first: e.first.as_deref().and_then(|f| bp.prop_index(f)),
                    })
                });
                Some(Plan {
                    spec,
                    props,
                    state_props,
                    revision,
                    events,
                })
            })
            .collect();
        Recorder {
            plans,
            ..Recorder::default()
        }
    }

    /// Entities followed (for the memory budget).
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// What changed since the last call, at `now` (seconds since the epoch). The first call
    /// only learns what is there (and says when things were created, from the objects).
    pub fn observe(&mut self, catalog: &Catalog, now: i64) -> Vec<Entry> {
        self.observe_within(catalog, now, None)
    }

    /// As [`Recorder::observe`], comparing for at most `budget`: what is left waits for the
    /// next call ([`Recorder::behind`]), so a first look at 100k pods is spread over frames.
    pub fn observe_within(
        &mut self,
        catalog: &Catalog,
        now: i64,
        budget: Option<Duration>,
    ) -> Vec<Entry> {
        let start = Instant::now();
        match self.rev.map(|r| catalog.changes_since(r)) {
            Some(Since::Steps(s)) if !s.wide() => {
                let mut uniq: Vec<EntityRef> = s
                    .entities()
                    .filter(|e| self.plan(e.bp).is_some())
                    .cloned()
                    .collect();
                uniq.sort();
                uniq.dedup();
                self.pending.extend(uniq);
            }
            Some(Since::Steps(_)) | Some(Since::Everything) | None => self.everything(catalog),
        }
        self.rev = Some(catalog.revision());
        let mut out = vec![];
        let mut n = 0u32;
        while let Some(e) = self.pending.pop_front() {
            self.one(catalog, &e, now, &mut out);
            n += 1;
            if n.is_multiple_of(64) && budget.is_some_and(|b| start.elapsed() >= b) {
                break;
            }
        }
        out
    }

    /// Entities wait to be compared: call again soon.
    pub fn behind(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The property a blueprint's timeline shows as image tags.
    fn image_prop(&self, bp: BpId) -> Option<usize> {
        let plan = self.plan(bp)?;
        plan.spec
            .properties
            .iter()
            .zip(&plan.props)
            .find_map(|(p, &i)| p.tags.then_some(i))
    }

    fn plan(&self, bp: BpId) -> Option<&Plan> {
        self.plans.get(bp.0 as usize).and_then(Option::as_ref)
    }

    /// Queue every followed entity (first look, a journal overrun, a resync), and those seen
    /// before that are gone.
    fn everything(&mut self, catalog: &Catalog) {
        self.pending.clear();
        for (i, plan) in self.plans.iter().enumerate() {
            if plan.is_none() {
                continue;
            }
            let bp = BpId(i as u16);
            self.pending
                .extend(catalog.entities(bp).map(|(cluster, r)| EntityRef {
                    cluster,
                    bp,
                    uid: r.uid.clone(),
                }));
        }
        // Gone while we were not looking: deleted, unless their cluster is not listening.
        let gone = self.seen.keys().filter(|e| {
            catalog.get(e).is_none()
                && catalog
                    .cluster(e.cluster)
                    .is_some_and(|c| c.status == ClusterStatus::Ready)
        });
        self.pending.extend(gone.cloned());
    }

    fn one(&mut self, catalog: &Catalog, e: &EntityRef, now: i64, out: &mut Vec<Entry>) {
        let Some(plan) = self.plan(e.bp) else { return };
        let lifecycle = plan.spec.lifecycle;
        let rec = catalog.get(e);
        match (self.seen.get(e), rec) {
            (None, None) => {}
            (None, Some(r)) if plan.events.is_some() => {
                // Filed once, under what it is about; until that is in the catalog, the
                // event's next update tries again.
                if let Some(entry) = self.event(catalog, e, r) {
                    out.push(entry);
                    let place = self.place(catalog, e, r);
                    let Some(plan) = self.plan(e.bp) else { return };
                    let snap = snapshot(catalog, plan, r, place);
                    self.seen.insert(e.clone(), snap);
                }
            }
            (None, Some(r)) => {
                let place = self.place(catalog, e, r);
                let Some(plan) = self.plan(e.bp) else { return };
                let snap = snapshot(catalog, plan, r, place);
                if plan.spec.lifecycle && r.created > 0 {
                    // No version: what it runs now did not necessarily run then (the
                    // revisions say when each version went live).
                    let text = "created".to_string();
                    out.push(entry(&snap.place, r, r.created, "created", text, None));
                }
                if let Some((rel, images, number)) = plan.revision
                    && r.created > 0
                {
                    let owner_images = |bp: BpId| self.image_prop(bp);
                    out.extend(revision(
                        catalog,
                        e,
                        r,
                        &snap.place,
                        (rel, images, number),
                        owner_images,
                    ));
                }
                self.seen.insert(e.clone(), snap);
            }
            (Some(_), None) => {
                let Some(old) = self.seen.remove(e) else {
                    return;
                };
                if lifecycle {
                    out.push(Entry {
                        at: now,
                        context: old.place.context.to_string(),
                        env: old.place.env.to_string(),
                        service: old.place.service.to_string(),
                        namespace: old.place.namespace.to_string(),
                        kind: old.place.kind.to_string(),
                        name: old.place.name.to_string(),
                        owner: old.place.owner.to_string(),
                        uid: e.uid.to_string(),
                        change: "deleted".into(),
                        text: "deleted".into(),
                        version: None,
                        who: None,
                    });
                }
            }
            (Some(old), Some(r)) => {
                let place = old.place.clone();
                let snap = snapshot(catalog, plan, r, place);
                changes(catalog, plan, old, &snap, r, now, out);
                if let Some(slot) = self.seen.get_mut(e) {
                    *slot = snap;
                }
            }
        }
    }

    /// An event entity as a change of its subject (the first of its relations that leads to
    /// an entity in the catalog).
    fn event(&mut self, catalog: &Catalog, e: &EntityRef, r: &Record) -> Option<Entry> {
        let plan = self.plan(e.bp)?;
        let ev = plan.events.as_ref()?;
        let subject = ev
            .subjects
            .iter()
            .find_map(|&rel| catalog.related(e.cluster, r, rel))?;
        let words = |i: usize| r.props.get(i).map(|v| v.to_string()).unwrap_or_default();
        let (reason, message) = (words(ev.reason), words(ev.message));
        let at = ev
            .first
            .and_then(|i| r.props.get(i)?.as_time())
            .filter(|&t| t > 0)
            .unwrap_or(r.created);
        let change = plan.spec.events.as_ref()?.change.clone();
        let mut text = format!("{reason}: {}", message.replace('\n', " "));
        if text.chars().count() > MAX_EVENT_TEXT {
            text = text.chars().take(MAX_EVENT_TEXT - 1).collect::<String>() + "…";
        }
        let sr = catalog.get(&subject)?;
        let place = self.place(catalog, &subject, sr);
        Some(entry(&place, sr, at, &change, text, None))
    }

    fn intern(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.interned.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.interned.insert(a.clone());
        a
    }

    /// Where an entity belongs: its workload's running service (itself for a workload).
    fn place(&mut self, catalog: &Catalog, e: &EntityRef, r: &Record) -> Place {
        let bp = catalog.blueprint(e.bp);
        let workload_bp = catalog.workload_blueprint();
        let workload = if Some(e.bp) == workload_bp {
            Some((e.clone(), r.name.clone()))
        } else {
            workload_bp
                .and_then(|w| catalog.relation_to(e.bp, w))
                .and_then(|rel| catalog.related(e.cluster, r, rel))
                .and_then(|w| catalog.get(&w).map(|wr| (w.clone(), wr.name.clone())))
        };
        let (service, env) = match workload.as_ref().and_then(|(w, _)| catalog.group_of(w)) {
            Some((s, env)) => (s, env),
            None => (
                Arc::from(""),
                Arc::from(catalog.environment_of(e.cluster, r.namespace.as_deref())),
            ),
        };
        let context = catalog
            .cluster(e.cluster)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let kind = bp
            .spec
            .sources
            .get(r.source as usize)
            .map(|s| s.kind.clone())
            .unwrap_or_else(|| bp.spec.title.clone());
        let owner = workload.map(|(_, n)| n).unwrap_or_else(|| r.name.clone());
        Place {
            context: self.intern(&context),
            env: self.intern(&env),
            service: self.intern(&service),
            namespace: self.intern(r.namespace.as_deref().unwrap_or("")),
            kind: self.intern(&kind),
            name: Arc::from(&*r.name),
            owner: self.intern(&owner),
        }
    }
}

fn snapshot(catalog: &Catalog, plan: &Plan, r: &Record, place: Place) -> Snap {
    let values = plan
        .props
        .iter()
        .map(|&i| r.props.get(i).cloned().unwrap_or_default())
        .collect();
    let health = if plan.spec.rollouts {
        catalog.health(r)
    } else {
        Health::Unknown
    };
    let mut states: Vec<Box<str>> = vec![];
    if let Some(s) = &plan.spec.states {
        for &i in &plan.state_props {
            let items: Vec<&str> = match r.props.get(i).map(Value::view) {
                Some(ValueRef::List(l)) => l.iter().map(|s| &**s).collect(),
                Some(ValueRef::Str(s)) => vec![s],
                _ => vec![],
            };
            for it in items {
                if s.values.iter().any(|x| x == it) && !states.iter().any(|y| &**y == it) {
                    states.push(it.into());
                }
            }
        }
        states.sort();
    }
    Snap {
        values,
        health,
        states,
        place,
    }
}

fn entry(p: &Place, r: &Record, at: i64, change: &str, text: String, v: Option<String>) -> Entry {
    Entry {
        at,
        context: p.context.to_string(),
        env: p.env.to_string(),
        service: p.service.to_string(),
        namespace: p.namespace.to_string(),
        kind: p.kind.to_string(),
        name: r.name.to_string(),
        owner: p.owner.to_string(),
        uid: r.uid.to_string(),
        change: change.into(),
        text,
        version: v,
        who: None,
    }
}

/// A value in words (image references as tags when asked).
fn words(v: &Value, tags: bool) -> String {
    match v.view() {
        ValueRef::List(l) if tags => l
            .iter()
            .map(|s| image_tag(s))
            .collect::<Vec<_>>()
            .join(", "),
        ValueRef::List(l) => l.join(", "),
        _ => v.to_string(),
    }
}

/// Of two lists of the same length (one item per container), only the items that differ;
/// anything else as it is.
fn changed_items(a: &Value, b: &Value) -> (Value, Value) {
    if let (ValueRef::List(x), ValueRef::List(y)) = (a.view(), b.view())
        && x.len() == y.len()
        && x.len() > 1
    {
        let (p, q): (Vec<Box<str>>, Vec<Box<str>>) = x
            .iter()
            .zip(y)
            .filter(|(i, j)| i != j)
            .map(|(i, j)| (i.clone(), j.clone()))
            .unzip();
        if !p.is_empty() {
            return (Value::list(p), Value::list(q));
        }
    }
    (a.clone(), b.clone())
}

fn changes(
    catalog: &Catalog,
    plan: &Plan,
    old: &Snap,
    new: &Snap,
    r: &Record,
    now: i64,
    out: &mut Vec<Entry>,
) {
    let version = || Some(catalog.version_of(r)).filter(|v| !v.is_empty());
    for ((p, a), b) in plan
        .spec
        .properties
        .iter()
        .zip(&old.values)
        .zip(&new.values)
    {
        if a == b {
            continue;
        }
        let text = if let Some(say) = &p.say {
            say.clone()
        } else if p.zero.is_some() && b.as_int() == Some(0) && a.as_int().is_some_and(|n| n != 0) {
            p.zero.clone().unwrap_or_default()
        } else {
            let (a, b) = changed_items(a, b);
            let (a, b) = (words(&a, p.tags), words(&b, p.tags));
            if a == b {
                // Same tags, other registry or digest: say the whole references.
                format!("{} {a} → {b} (reference)", p.label())
            } else if a.is_empty() {
                format!("{} {b}", p.label())
            } else {
                format!("{} {a} → {b}", p.label())
            }
        };
        let v = if p.tags { version() } else { None };
        out.push(entry(&new.place, r, now, p.change(), text, v));
    }
    if plan.spec.rollouts && old.health != new.health {
        let (a, b) = (old.health, new.health);
        let said = match (a, b) {
            (Health::Unknown, _) | (_, Health::Unknown) => None,
            (_, Health::Progressing) => Some(("rollout", "rollout started".to_string())),
            (Health::Progressing, Health::Healthy) => {
                Some(("rollout", "rollout completed".to_string()))
            }
            (_, Health::Failed) => Some(("rollout", "rollout failed".to_string())),
            (a, b) => Some(("health", format!("{} → {}", a.label(), b.label()))),
        };
        if let Some((change, text)) = said {
            let v = (b == Health::Healthy).then(version).flatten();
            out.push(entry(&new.place, r, now, change, text, v));
        }
    }
    for s in &new.states {
        if !old.states.contains(s) {
            out.push(entry(
                &new.place,
                r,
                now,
                "state",
                format!("entered {s}"),
                None,
            ));
        }
    }
    for s in &old.states {
        if !new.states.contains(s) {
            out.push(entry(
                &new.place,
                r,
                now,
                "state",
                format!("left {s}"),
                None,
            ));
        }
    }
}

/// A revision entity seen: its images went live (at its creation) in its owner's place.
fn revision(
    catalog: &Catalog,
    e: &EntityRef,
    r: &Record,
    place: &Place,
    (rel, images, number): (usize, usize, Option<usize>),
    owner_images: impl Fn(BpId) -> Option<usize>,
) -> Option<Entry> {
    let imgs = r.props.get(images)?;
    let first = imgs.as_list().first()?;
    let owner = catalog.related(e.cluster, r, rel)?;
    let owner_rec = catalog.get(&owner)?;
    // The owner's version when this revision is what it runs now (its label may say more
    // than a tag), else the revision's own image tag.
    let owner_imgs = owner_images(owner.bp).and_then(|i| owner_rec.props.get(i));
    let version = if owner_imgs == Some(imgs) {
        catalog.version_of(owner_rec)
    } else {
        image_tag(first).to_string()
    };
    let n = number
        .and_then(|i| r.props.get(i))
        .and_then(|v| v.non_empty_str())
        .map(|n| format!("revision {n} "))
        .unwrap_or_default();
    let text = format!("{n}live: {}", words(imgs, true));
    Some(entry(place, r, r.created, "revision", text, Some(version)))
}
