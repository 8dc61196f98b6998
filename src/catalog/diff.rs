//! The cross-environment diff of one running service: what runs in environment A against
//! environment B, field by field — workloads, replicas, per container the image (tag) and the
//! digest the pods pulled (`imageID`), requests, limits and readiness probe; env var names
//! (never values) and the version/app labels. Pure: read from the catalog's records through
//! blueprint property ids, no kind names. Also the matrix's "same tag, different digest" test.

use super::{Catalog, EntityRef};
use crate::blueprint::Record;
use std::collections::{BTreeMap, BTreeSet};

/// Property ids read from the workload blueprint.
mod wl {
    pub const CONTAINERS: &str = "containers";
    pub const IMAGES: &str = "images";
    pub const REQUESTS: &str = "requests";
    pub const LIMITS: &str = "limits";
    pub const READINESS: &str = "readinessProbes";
    pub const ENV_NAMES: &str = "envNames";
    /// The labels compared, shown under their blueprint titles.
    pub const LABELS: [&str; 3] = ["appName", "app", "version"];
}

/// Property ids read from the pod blueprint.
mod pod {
    pub const CONTAINERS: &str = "containers";
    pub const IMAGES: &str = "images";
    pub const STATUS_NAMES: &str = "containerStatusNames";
    pub const IMAGE_IDS: &str = "imageIDs";
}

/// How a row compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Same,
    Differs,
    /// The image reference is the same on both sides, the pulled digest is not.
    DigestOnly,
}

/// One compared field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub field: String,
    pub a: String,
    pub b: String,
    pub mark: Mark,
}

/// The diff of `service` between environments `a` and `b`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub service: String,
    pub a: String,
    pub b: String,
    pub rows: Vec<Row>,
}

impl Diff {
    /// How many rows differ.
    pub fn differing(&self) -> usize {
        self.rows.iter().filter(|r| r.mark != Mark::Same).count()
    }

    /// The row named `field`.
    pub fn row(&self, field: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.field == field)
    }
}

/// One container of a side, its values over every workload (and pod) of the environment.
#[derive(Debug, Default)]
struct Container {
    images: BTreeSet<String>,
    digests: BTreeSet<String>,
    requests: BTreeSet<String>,
    limits: BTreeSet<String>,
    readiness: BTreeSet<String>,
}

/// What one environment runs.
#[derive(Debug, Default)]
struct Side {
    present: bool,
    workloads: BTreeSet<String>,
    replicas: String,
    /// In order of first appearance.
    containers: Vec<(String, Container)>,
    env_names: BTreeSet<String>,
    labels: Vec<BTreeSet<String>>,
}

fn prop<'a>(cat: &Catalog, r: &'a Record, id: &str) -> &'a [Box<str>] {
    cat.blueprint(r.blueprint)
        .prop_index(id)
        .and_then(|i| r.props.get(i))
        .map_or(&[], |v| v.as_list())
}

fn text<'a>(cat: &Catalog, r: &'a Record, id: &str) -> Option<&'a str> {
    let i = cat.blueprint(r.blueprint).prop_index(id)?;
    r.props.get(i)?.non_empty_str()
}

/// The digest part of an `imageID` (`repo@sha256:…` → `sha256:…`); the whole text when it
/// has no `@`.
pub fn digest_of(image_id: &str) -> &str {
    image_id.rsplit_once('@').map_or(image_id, |(_, d)| d)
}

/// A digest as shown: the algorithm and 12 hex digits.
pub fn short_digest(d: &str) -> String {
    match d.split_once(':') {
        Some((alg, hex)) => format!("{alg}:{}", hex.get(..12).unwrap_or(hex)),
        None => d.get(..19).unwrap_or(d).to_string(),
    }
}

/// Per pod of workload `w`: container name → (image, digest) for containers whose runtime
/// reported an `imageID`.
fn pod_images(cat: &Catalog, w: &EntityRef) -> Vec<(String, String, String)> {
    let Some(pod_bp) = cat.blueprints().roles().pod else {
        return vec![];
    };
    let mut out = vec![];
    for p in cat.children(w, pod_bp) {
        let Some(r) = cat.get(&p) else { continue };
        let images: BTreeMap<&str, &str> = prop(cat, r, pod::CONTAINERS)
            .iter()
            .zip(prop(cat, r, pod::IMAGES))
            .map(|(c, i)| (&**c, &**i))
            .collect();
        for (name, id) in prop(cat, r, pod::STATUS_NAMES)
            .iter()
            .zip(prop(cat, r, pod::IMAGE_IDS))
        {
            if id.is_empty() {
                continue;
            }
            if let Some(image) = images.get(&**name) {
                out.push((
                    name.to_string(),
                    image.to_string(),
                    digest_of(id).to_string(),
                ));
            }
        }
    }
    out
}

fn side(cat: &Catalog, service: &str, env: &str) -> Side {
    let mut s = Side {
        labels: vec![BTreeSet::new(); wl::LABELS.len()],
        replicas: "-".into(),
        ..Side::default()
    };
    let Some(rs) = cat.running_service(service, env) else {
        return s;
    };
    s.present = true;
    s.replicas = format!("{}/{} ready", rs.ready, rs.desired);
    for m in &rs.members {
        // Namespace and name: the cluster is the environment's, the same service elsewhere.
        s.workloads
            .insert(format!("{}/{} ({})", m.namespace, m.name, m.kind));
    }
    for w in &rs.workloads {
        let Some(r) = cat.get(w) else { continue };
        let names = prop(cat, r, wl::CONTAINERS);
        let aligned = |id: &str, i: usize| prop(cat, r, id).get(i).map(|v| v.to_string());
        for (i, name) in names.iter().enumerate() {
            let c = container(&mut s.containers, name);
            c.images.extend(aligned(wl::IMAGES, i));
            c.requests
                .extend(aligned(wl::REQUESTS, i).filter(|v| !v.is_empty()));
            c.limits
                .extend(aligned(wl::LIMITS, i).filter(|v| !v.is_empty()));
            c.readiness
                .extend(aligned(wl::READINESS, i).filter(|v| !v.is_empty()));
        }
        for (name, _image, digest) in pod_images(cat, w) {
            container(&mut s.containers, &name).digests.insert(digest);
        }
        s.env_names
            .extend(prop(cat, r, wl::ENV_NAMES).iter().map(|n| n.to_string()));
        for (set, id) in s.labels.iter_mut().zip(wl::LABELS) {
            set.extend(text(cat, r, id).map(str::to_string));
        }
    }
    s
}

fn container<'a>(list: &'a mut Vec<(String, Container)>, name: &str) -> &'a mut Container {
    let i = match list.iter().position(|(n, _)| n == name) {
        Some(i) => i,
        None => {
            list.push((name.to_string(), Container::default()));
            list.len() - 1
        }
    };
    &mut list[i].1
}

fn join(set: &BTreeSet<String>, present: bool) -> String {
    if set.is_empty() {
        return if present { "(none)".into() } else { "-".into() };
    }
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

fn row(field: impl Into<String>, a: String, b: String) -> Row {
    let mark = if a == b { Mark::Same } else { Mark::Differs };
    Row {
        field: field.into(),
        a,
        b,
        mark,
    }
}

/// The diff of `service` between environments `a` and `b` (an environment where the service
/// does not run shows `-` everywhere).
pub fn diff(cat: &Catalog, service: &str, a: &str, b: &str) -> Diff {
    let (sa, sb) = (side(cat, service, a), side(cat, service, b));
    let mut rows = vec![
        row(
            "workloads",
            join(&sa.workloads, sa.present),
            join(&sb.workloads, sb.present),
        ),
        row("replicas", sa.replicas.clone(), sb.replicas.clone()),
    ];
    let mut names: Vec<&str> = sa.containers.iter().map(|(n, _)| n.as_str()).collect();
    for (n, _) in &sb.containers {
        if !names.contains(&n.as_str()) {
            names.push(n);
        }
    }
    let find =
        |s: &'_ Side, n: &str| -> Option<usize> { s.containers.iter().position(|(c, _)| c == n) };
    let empty = Container::default();
    for n in names {
        let ca = find(&sa, n).map_or(&empty, |i| &sa.containers[i].1);
        let cb = find(&sb, n).map_or(&empty, |i| &sb.containers[i].1);
        let image = row(
            format!("{n} image"),
            join(&ca.images, sa.present),
            join(&cb.images, sb.present),
        );
        let short = |c: &Container, present: bool| {
            let set: BTreeSet<String> = c.digests.iter().map(|d| short_digest(d)).collect();
            join(&set, present)
        };
        let digest_differs = ca.digests != cb.digests;
        let mut digest = row(
            format!("{n} digest"),
            short(ca, sa.present),
            short(cb, sb.present),
        );
        digest.mark = match (digest_differs, image.mark) {
            (false, _) => Mark::Same,
            (true, Mark::Same) if !ca.digests.is_empty() && !cb.digests.is_empty() => {
                Mark::DigestOnly
            }
            (true, _) => Mark::Differs,
        };
        rows.push(image);
        rows.push(digest);
        rows.push(row(
            format!("{n} requests"),
            join(&ca.requests, sa.present),
            join(&cb.requests, sb.present),
        ));
        rows.push(row(
            format!("{n} limits"),
            join(&ca.limits, sa.present),
            join(&cb.limits, sb.present),
        ));
        rows.push(row(
            format!("{n} readiness probe"),
            join(&ca.readiness, sa.present),
            join(&cb.readiness, sb.present),
        ));
    }
    rows.push(row(
        "env var names",
        join(&sa.env_names, sa.present),
        join(&sb.env_names, sb.present),
    ));
    let titles = cat.workload_blueprint().map(|bp| cat.blueprint(bp));
    for (i, id) in wl::LABELS.iter().enumerate() {
        let title = titles
            .and_then(|b| b.prop_index(id).map(|p| b.spec.properties[p].title.clone()))
            .flatten()
            .unwrap_or_else(|| id.to_string());
        rows.push(row(
            title.to_lowercase(),
            join(&sa.labels[i], sa.present),
            join(&sb.labels[i], sb.present),
        ));
    }
    Diff {
        service: service.into(),
        a: a.into(),
        b: b.into(),
        rows,
    }
}

/// Whether some image reference of `service` runs with more than one digest across `envs`
/// (the same tag pulled at different times, or re-pushed): the matrix's mark.
pub fn same_tag_other_digest(cat: &Catalog, service: &str, envs: &[std::sync::Arc<str>]) -> bool {
    let running: Vec<_> = envs
        .iter()
        .filter_map(|env| cat.running_service(service, env))
        .collect();
    digests_differ(cat, running.iter().flat_map(|rs| &rs.workloads))
}

/// [`same_tag_other_digest`] over the workloads of a service's running services, already
/// summarised (the matrix has them): reads the pods' properties in place, allocating only the
/// list of images seen.
pub fn digests_differ<'a, 'c>(
    cat: &'c Catalog,
    workloads: impl IntoIterator<Item = &'a EntityRef>,
) -> bool {
    let Some(pod_bp) = cat.blueprints().roles().pod else {
        return false;
    };
    let bp = cat.blueprint(pod_bp);
    let [containers, images, names, ids] = [
        pod::CONTAINERS,
        pod::IMAGES,
        pod::STATUS_NAMES,
        pod::IMAGE_IDS,
    ]
    .map(|id| bp.prop_index(id));
    let list = |r: &'c Record, i: Option<usize>| -> &'c [Box<str>] {
        i.and_then(|i| r.props.get(i)).map_or(&[], |v| v.as_list())
    };
    // Image reference → the digest first seen for it.
    let mut seen: Vec<(&'c str, &'c str)> = vec![];
    for w in workloads {
        for p in cat.children(w, pod_bp) {
            let Some(r) = cat.get(&p) else { continue };
            let (cs, is) = (list(r, containers), list(r, images));
            for (name, id) in list(r, names).iter().zip(list(r, ids)) {
                if id.is_empty() {
                    continue;
                }
                // The image of container `name` (the last one of that name, as a map would).
                let Some(image) = cs
                    .iter()
                    .zip(is)
                    .rev()
                    .find(|(c, _)| ***c == **name)
                    .map(|(_, i)| &**i)
                else {
                    continue;
                };
                let digest = digest_of(id);
                match seen.iter().find(|(i, _)| *i == image) {
                    Some((_, d)) if *d != digest => return true,
                    Some(_) => {}
                    None => seen.push((image, digest)),
                }
            }
        }
    }
    false
}
