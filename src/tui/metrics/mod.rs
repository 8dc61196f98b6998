//! CPU and memory in the TUI: which clusters the current view needs metrics of (and so which
//! are polled: none when no view shows metrics), the latest result of each, summed per pod,
//! workload, node and running service when it arrives, the CPU/MEM and percentage columns
//! ([`cells`]), a short history of what is on screen ([`history`]) and the detail's METRICS
//! section with its sparkline. Where a cluster has no metrics, its cells say why (`no
//! metrics-server`, `forbidden`, `metrics failing`); nothing else depends on them.
//!
//! Owned by the [`App`](super::App) like every feature: results arrive as
//! [`Reply::Metrics`](super::msg::Reply::Metrics) from the pollers the runner keeps
//! ([`polls`]), and the state is read when the page is refreshed, never while drawing.

pub mod cells;
pub mod history;
pub mod polls;

use super::detail::Section;
use super::msg::Effect;
use super::page::Page;
use super::table::Tone;
use super::view::{RowKey, Scope, View};
use crate::blueprint::{BpId, RelationVia};
use crate::catalog::{Catalog, ClusterId, EntityRef, Health};
use crate::metrics::resources::{self, Level, Measured, Resources};
use crate::metrics::{Snapshot, Unavailable, Usage};
use history::History;
use std::collections::HashMap;
use std::sync::Arc;

/// What a list shows metrics of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Pods,
    Workloads,
    Nodes,
    /// Running services, for the environment under the cursor.
    Matrix,
}

/// The node blueprint: the cluster-scoped blueprint pods name in a field (`.spec.nodeName`).
pub fn node_blueprint(cat: &Catalog) -> Option<BpId> {
    let pod = cat.blueprints().roles().pod?;
    cat.blueprint(pod)
        .spec
        .relations
        .iter()
        .filter(|r| r.via == RelationVia::Field)
        .filter_map(|r| cat.blueprints().by_identifier(&r.to))
        .find(|&b| !super::view::namespaced(cat, b))
}

/// What entities of `bp` show metrics as, if any.
pub fn shown(cat: &Catalog, bp: BpId) -> Option<Shown> {
    let roles = cat.blueprints().roles();
    if Some(bp) == roles.pod {
        Some(Shown::Pods)
    } else if Some(bp) == roles.workload {
        Some(Shown::Workloads)
    } else if Some(bp) == node_blueprint(cat) {
        Some(Shown::Nodes)
    } else {
        None
    }
}

/// The clusters (and namespace, None: all) a page needs metrics of; empty when it shows none.
pub fn wanted(page: &Page, cat: &Catalog) -> Vec<(ClusterId, Option<String>)> {
    let all =
        || -> Vec<(ClusterId, Option<String>)> { cat.cluster_ids().map(|c| (c, None)).collect() };
    let ns_of = |e: &EntityRef| {
        cat.get(e)
            .and_then(|r| r.namespace.as_deref().map(str::to_string))
    };
    match &page.view {
        View::Matrix => all(),
        View::List { bp, scope } if shown(cat, *bp).is_some() => match scope {
            Scope::All => all(),
            Scope::Cluster(c) => vec![(*c, None)],
            Scope::Namespace(c, ns) => vec![(*c, Some(ns.to_string()))],
            Scope::Parent(e) => vec![(e.cluster, ns_of(e))],
        },
        View::Detail { entity } if shown(cat, entity.bp).is_some() => {
            vec![(entity.cluster, ns_of(entity))]
        }
        _ => vec![],
    }
}

/// One cluster's metrics as the views read them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Computed {
    /// By pod uid: its usage and its containers' requests and limits.
    pub pods: HashMap<Box<str>, Measured>,
    /// By workload uid: the sum over its pods with metrics.
    pub workloads: HashMap<Box<str>, Measured>,
    /// By node name.
    pub nodes: HashMap<Box<str>, Usage>,
}

fn list_prop(r: &crate::blueprint::Record, i: Option<usize>) -> &[Box<str>] {
    i.and_then(|i| r.props.get(i))
        .map_or(&[][..], crate::blueprint::Value::as_list)
}

/// Sum a cluster's snapshot per pod (with its requests and limits) and per workload (the
/// pod's workload relation, through its ReplicaSet).
pub fn compute(cat: &Catalog, cluster: ClusterId, snap: &Snapshot) -> Computed {
    let mut out = Computed {
        nodes: snap
            .nodes
            .iter()
            .map(|(n, u)| (Box::from(n.as_str()), *u))
            .collect(),
        ..Default::default()
    };
    let roles = cat.blueprints().roles();
    let Some(pod) = roles.pod else {
        return out;
    };
    let rel = roles.workload.and_then(|w| cat.relation_to(pod, w));
    let bp = cat.blueprint(pod);
    let (req, lim) = (bp.prop_index("requests"), bp.prop_index("limits"));
    let mut key = (String::new(), String::new());
    for r in cat.entities_in(cluster, pod) {
        key.0.clear();
        key.0.push_str(r.namespace.as_deref().unwrap_or_default());
        key.1.clear();
        key.1.push_str(&r.name);
        let Some(usage) = snap.pods.get(&key) else {
            continue;
        };
        let m = Measured {
            usage: *usage,
            resources: Resources::from_containers(list_prop(r, req), list_prop(r, lim)),
            pods: 1,
        };
        out.pods.insert(r.uid.clone(), m);
        if let Some(w) = rel.and_then(|rel| cat.related(cluster, r, rel)) {
            *out.workloads.entry(w.uid).or_default() += m;
        }
    }
    out
}

/// What is known of one entity's usage.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading<'a> {
    /// Its cluster has not answered yet.
    Pending,
    /// Its cluster has no metrics, and why.
    Why(&'a Unavailable),
    /// Its cluster answered, without this entity (not running, just started).
    Missing,
    Value(Measured),
}

/// One cluster's latest result.
#[derive(Debug, Clone, PartialEq)]
struct Latest {
    data: Result<Computed, Unavailable>,
}

/// The metrics feature's state.
#[derive(Debug, Default)]
pub struct Metrics {
    /// What the runner was last told to poll.
    polled: Vec<(ClusterId, Option<String>)>,
    latest: HashMap<ClusterId, Latest>,
    /// Per (service, environment): the sum over its workloads in every cluster with metrics.
    running: HashMap<(Arc<str>, Arc<str>), Measured>,
    /// Bumped on every result (the tables refill their metric cells).
    rev: u64,
    history: History,
    /// The detail's METRICS section (as of the last refresh).
    section: Option<Section>,
}

impl Metrics {
    /// Poll what `page` shows; an effect only when that changed.
    pub fn sync(&mut self, page: &Page, cat: &Catalog) -> Vec<Effect> {
        let want = wanted(page, cat);
        // A detail opened from a list that polls its cluster already: nothing to restart.
        let is_detail = matches!(page.view, View::Detail { .. });
        let polled = |(c, ns): &(ClusterId, Option<String>)| {
            self.polled
                .iter()
                .any(|(pc, pns)| pc == c && (pns.is_none() || pns == ns))
        };
        if want == self.polled || (is_detail && !want.is_empty() && want.iter().all(polled)) {
            return vec![];
        }
        self.polled = want.clone();
        vec![Effect::Metrics { clusters: want }]
    }

    /// The clusters being polled.
    pub fn polled(&self) -> &[(ClusterId, Option<String>)] {
        &self.polled
    }

    /// Whether any cluster `page` needs has answered (the metric columns appear then).
    fn answered(&self) -> bool {
        self.polled.iter().any(|(c, _)| self.latest.contains_key(c))
    }

    /// A result arrived; `page` and `height`: what is on screen (its entities' history is
    /// kept). False when it is for a cluster no longer polled.
    pub fn arrived(
        &mut self,
        cat: &Catalog,
        cluster: ClusterId,
        result: Result<Snapshot, Unavailable>,
        page: &Page,
        height: usize,
    ) -> bool {
        if !self.polled.iter().any(|(c, _)| *c == cluster) {
            return false;
        }
        let data = result.map(|s| compute(cat, cluster, &s));
        self.latest.insert(cluster, Latest { data });
        self.running.clear();
        for rs in cat.running_services() {
            let mut sum = Measured::default();
            let mut any = false;
            for w in &rs.workloads {
                if let Some(m) = self
                    .computed(w.cluster)
                    .and_then(|c| c.workloads.get(&w.uid))
                {
                    sum += *m;
                    any = true;
                }
            }
            if any {
                self.running.insert((rs.service, rs.environment), sum);
            }
        }
        self.rev += 1;
        let samples: Vec<(EntityRef, Usage)> = on_screen(page, height)
            .into_iter()
            .filter(|e| e.cluster == cluster)
            .filter_map(|e| match self.entity(cat, &e) {
                Reading::Value(m) => Some((e, m.usage)),
                _ => None,
            })
            .collect();
        self.history.tick();
        for (e, u) in &samples {
            self.history.record(e, *u);
        }
        true
    }

    fn computed(&self, cluster: ClusterId) -> Option<&Computed> {
        self.latest.get(&cluster)?.data.as_ref().ok()
    }

    fn reading(
        &self,
        cluster: ClusterId,
        get: impl Fn(&Computed) -> Option<Measured>,
    ) -> Reading<'_> {
        match self.latest.get(&cluster).map(|l| &l.data) {
            None => Reading::Pending,
            Some(Err(why)) => Reading::Why(why),
            Some(Ok(c)) => get(c).map_or(Reading::Missing, Reading::Value),
        }
    }

    /// The usage of a pod, workload or node entity (a node measured against its allocatable).
    pub fn entity(&self, cat: &Catalog, e: &EntityRef) -> Reading<'_> {
        match shown(cat, e.bp) {
            Some(Shown::Pods) => self.reading(e.cluster, |c| c.pods.get(&e.uid).copied()),
            Some(Shown::Workloads) => self.reading(e.cluster, |c| c.workloads.get(&e.uid).copied()),
            Some(Shown::Nodes) => {
                let Some(r) = cat.get(e) else {
                    return Reading::Missing;
                };
                let bp = cat.blueprint(r.blueprint);
                let prop = |ids: [&str; 2]| {
                    ids.iter()
                        .filter_map(|id| bp.prop_index(id))
                        .filter_map(|i| r.props.get(i)?.non_empty_str())
                        .next()
                };
                let alloc = Resources::allocatable(
                    prop(["allocatableCpu", "cpu"]),
                    prop(["allocatableMemory", "memory"]),
                );
                self.reading(e.cluster, |c| {
                    c.nodes.get(&*r.name).map(|u| Measured {
                        usage: *u,
                        resources: alloc,
                        pods: 0,
                    })
                })
            }
            _ => Reading::Pending,
        }
    }

    /// The usage of a running service (its workloads in every cluster); without any, why
    /// (the first cluster of its workloads that has no metrics).
    pub fn running(&self, cat: &Catalog, service: &Arc<str>, env: &Arc<str>) -> Reading<'_> {
        if let Some(m) = self.running.get(&(service.clone(), env.clone())) {
            return Reading::Value(*m);
        }
        let Some(rs) = cat.running_service(service, env) else {
            return Reading::Missing;
        };
        let mut pending = false;
        for w in &rs.workloads {
            match self.latest.get(&w.cluster).map(|l| &l.data) {
                Some(Err(why)) => return Reading::Why(why),
                None => pending = true,
                Some(Ok(_)) => {}
            }
        }
        if pending {
            Reading::Pending
        } else {
            Reading::Missing
        }
    }

    /// The recent CPU and memory samples of an entity (oldest first).
    pub fn history(&self, e: &EntityRef) -> Option<(Vec<u64>, Vec<u64>)> {
        self.history.get(e)
    }

    /// Entities whose history is kept (bounded by [`history::TRACKED`]).
    pub fn tracked(&self) -> usize {
        self.history.len()
    }

    /// Bring the page's metric columns (or the detail's section) up to date; true when what
    /// is shown changed.
    pub fn refresh(&mut self, page: &mut Page, cat: &Catalog) -> bool {
        if let View::Detail { entity } = &page.view {
            let s = self.detail_section(cat, entity);
            let changed = s != self.section;
            self.section = s;
            return changed;
        }
        self.section = None;
        if !self.answered() {
            return false;
        }
        cells::decorate(self, page, cat)
    }

    /// The open detail's METRICS section, when it is of a pod, workload or node.
    pub fn section(&self) -> Option<&Section> {
        self.section.as_ref()
    }

    /// Lines the METRICS section takes (for scrolling the detail).
    pub fn lines(&self) -> usize {
        self.section.as_ref().map_or(0, |s| 3 + s.rows.len().max(1))
    }

    fn detail_section(&self, cat: &Catalog, e: &EntityRef) -> Option<Section> {
        let shown = shown(cat, e.bp)?;
        // Like the columns, the section appears with the cluster's first answer.
        if !self.polled.iter().any(|(c, _)| *c == e.cluster)
            || !self.latest.contains_key(&e.cluster)
        {
            return None;
        }
        let node = shown == Shown::Nodes;
        let header: Vec<String> = if node {
            vec!["", "USAGE", "ALLOCATABLE", "%", "LAST 5m"]
        } else {
            vec!["", "USAGE", "REQUESTS", "LIMITS", "%R", "%L", "LAST 5m"]
        }
        .into_iter()
        .map(str::to_string)
        .collect();
        let dim = |t: &str| (t.to_string(), Tone::Dim);
        let rows = match self.entity(cat, e) {
            Reading::Pending => vec![vec![dim("reading…")]],
            Reading::Missing => vec![vec![dim("no metrics for it (not running?)")]],
            Reading::Why(why) => {
                // The server's words can be long: cut into lines the section's column holds.
                let tone = why_tone(why);
                let rows = super::detail::Detail::wrap(&why_detail(why), 60)
                    .into_iter()
                    .map(|l| vec![(l, tone)])
                    .collect();
                return Some(Section {
                    title: "Metrics".into(),
                    header: vec!["STATE".into()],
                    rows,
                });
            }
            Reading::Value(m) => {
                let (cpu_hist, mem_hist) = self.history(e).unwrap_or_default();
                let r = m.resources;
                let q_cpu = |v: u64| if v > 0 { format!("{v}m") } else { "-".into() };
                let q_mem = |v: u64| {
                    if v > 0 {
                        format!("{}Mi", v >> 20)
                    } else {
                        "-".into()
                    }
                };
                let u = m.usage;
                let spark = |h: &[u64]| (history::sparkline(h), Tone::Plain);
                if node {
                    vec![
                        vec![
                            ("CPU".into(), Tone::Plain),
                            (u.cpu_text(), Tone::Plain),
                            (q_cpu(r.cpu_request), Tone::Plain),
                            pct_text(u.millicores, r.cpu_request),
                            spark(&cpu_hist),
                        ],
                        vec![
                            ("MEM".into(), Tone::Plain),
                            (u.memory_text(), Tone::Plain),
                            (q_mem(r.memory_request), Tone::Plain),
                            pct_text(u.bytes, r.memory_request),
                            spark(&mem_hist),
                        ],
                    ]
                } else {
                    vec![
                        vec![
                            ("CPU".into(), Tone::Plain),
                            (u.cpu_text(), Tone::Plain),
                            (q_cpu(r.cpu_request), Tone::Plain),
                            (q_cpu(r.cpu_limit), Tone::Plain),
                            pct_text(u.millicores, r.cpu_request),
                            pct_text(u.millicores, r.cpu_limit),
                            spark(&cpu_hist),
                        ],
                        vec![
                            ("MEM".into(), Tone::Plain),
                            (u.memory_text(), Tone::Plain),
                            (q_mem(r.memory_request), Tone::Plain),
                            (q_mem(r.memory_limit), Tone::Plain),
                            pct_text(u.bytes, r.memory_request),
                            pct_text(u.bytes, r.memory_limit),
                            spark(&mem_hist),
                        ],
                    ]
                }
            }
        };
        Some(Section {
            title: "Metrics".into(),
            header,
            rows,
        })
    }
}

/// The tone of a percentage's level: warn and critical in the theme's warning and failure
/// colours.
pub fn level_tone(l: Level) -> Tone {
    match l {
        Level::Normal => Tone::Plain,
        Level::Warn => Tone::Health(Health::Degraded),
        Level::Critical => Tone::Health(Health::Failed),
    }
}

/// `used` in percent of `of` with its tone, `n/a` when `of` is not set.
fn pct_text(used: u64, of: u64) -> (String, Tone) {
    match resources::percent(used, of) {
        Some(p) => (p.to_string(), level_tone(resources::level(p))),
        None => ("n/a".into(), Tone::Dim),
    }
}

/// How a cell saying why is coloured: absent and forbidden are states of the cluster (dim),
/// failing is a fault.
pub fn why_tone(why: &Unavailable) -> Tone {
    match why {
        Unavailable::NoMetricsServer | Unavailable::Forbidden(_) => Tone::Dim,
        Unavailable::Failed(_) => Tone::Health(Health::Degraded),
    }
}

/// Why, with the server's words where there are some (the detail has room for them).
fn why_detail(why: &Unavailable) -> String {
    match why {
        Unavailable::NoMetricsServer => {
            "no metrics-server (metrics.k8s.io is not served by this cluster)".into()
        }
        Unavailable::Forbidden(m) => format!("forbidden: {m}"),
        Unavailable::Failed(m) => format!("metrics failing: {m}"),
    }
}

/// The entities on screen: the detail's, or the list rows in the visible window.
fn on_screen(page: &Page, height: usize) -> Vec<EntityRef> {
    if let View::Detail { entity } = &page.view {
        return vec![entity.clone()];
    }
    let c = &page.cache;
    let end = (page.offset + height).min(c.filtered.rows().len());
    c.filtered
        .rows()
        .get(page.offset.min(end)..end)
        .unwrap_or_default()
        .iter()
        .filter_map(|&i| match &c.table.rows.get(i as usize)?.key {
            RowKey::Entity(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}
