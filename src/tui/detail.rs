//! The detail of one entity: every property of its blueprint, its owner chain, and tables of
//! per-container and per-condition data for blueprints that expose the list properties named
//! below (the pod blueprint does). Works on a snapshot, so a deleted entity still shows.

use super::format;
use super::table::Tone;
use super::view;
use crate::blueprint::scorecard::Score;
use crate::blueprint::{PropType, Record, Value, ValueRef};
use crate::catalog::{Catalog, EntityRef, Health};

/// List properties read per container, by property id.
pub const CONTAINER_PROPS: [&str; 9] = [
    "containerStatusNames",
    "containers",
    "images",
    "containerReady",
    "containerRestarts",
    "containerWaiting",
    "containerRunningSince",
    "containerTerminated",
    "containerLastTerminated",
];
/// List properties read per condition, by property id.
pub const CONDITION_PROPS: [&str; 2] = ["conditionTypes", "conditionStatuses"];

/// A table inside the detail.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Section {
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<(String, Tone)>>,
}

impl Section {
    /// Lines the section takes `width` columns wide: a blank line, the title, then a header
    /// and at least one row — or, without a header, its rows as wrapped lines of words.
    pub fn height(&self, width: usize) -> usize {
        if self.header.is_empty() {
            let w = width.saturating_sub(1);
            return 2 + self
                .rows
                .iter()
                .map(|r| {
                    let text: Vec<&str> = r.iter().map(|(t, _)| t.as_str()).collect();
                    Detail::wrap(&text.join("  "), w).len()
                })
                .sum::<usize>();
        }
        3 + self.rows.len().max(1)
    }
}

/// Everything the detail page shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Detail {
    pub kind: String,
    pub name: String,
    /// The entity is gone from the catalog; the data is its last known state.
    pub deleted: bool,
    pub fields: Vec<(String, String, Tone)>,
    pub sections: Vec<Section>,
}

impl Detail {
    /// Width of the field labels column.
    pub fn label_width(&self) -> usize {
        self.fields
            .iter()
            .map(|(l, _, _)| format::width(l))
            .max()
            .unwrap_or(0)
    }

    /// A field's value cut into lines of at most `width` columns, at spaces when it can.
    pub fn wrap(value: &str, width: usize) -> Vec<String> {
        let width = width.max(8);
        let mut out = vec![];
        let mut rest: Vec<char> = value.chars().collect();
        while rest.len() > width {
            let cut = rest[..=width]
                .iter()
                .rposition(|c| *c == ' ')
                .filter(|&p| p > 0)
                .unwrap_or(width);
            out.push(
                rest[..cut]
                    .iter()
                    .collect::<String>()
                    .trim_end()
                    .to_string(),
            );
            rest = rest[cut..]
                .iter()
                .copied()
                .skip_while(|c| *c == ' ')
                .collect();
        }
        out.push(rest.into_iter().collect());
        out
    }

    /// Number of lines the detail takes when drawn `width` columns wide (for scrolling).
    pub fn height(&self, width: usize) -> usize {
        let value_w = width.saturating_sub(self.label_width() + 3);
        let fields: usize = self
            .fields
            .iter()
            .map(|(_, v, _)| Self::wrap(v, value_w).len())
            .sum();
        usize::from(self.deleted)
            + fields
            + self.sections.iter().map(|s| s.height(width)).sum::<usize>()
    }
}

fn list<'a>(cat: &Catalog, r: &'a Record, id: &str) -> Option<&'a [Box<str>]> {
    let i = cat.blueprint(r.blueprint).prop_index(id)?;
    Some(r.props.get(i)?.as_list())
}

/// Waiting reasons that mean a container is broken rather than starting.
fn bad_waiting(reason: &str) -> bool {
    reason.ends_with("BackOff")
        || reason.starts_with("Err")
        || reason.contains("Error")
        || reason == "InvalidImageName"
}

/// State and reason of container `i` of `n`. The state lists come from paths that only match
/// the containers in that state, so they are read by index only when they cover every
/// container (or there is a single container); otherwise the state is `?` and the reason
/// lists what is known.
fn container_state(
    i: usize,
    n: usize,
    waiting: &[Box<str>],
    running: &[Box<str>],
    terminated: &[Box<str>],
    now: i64,
) -> (String, String, Tone) {
    let at = |l: &'_ [Box<str>]| -> Option<String> {
        if l.len() == n || n == 1 {
            l.get(i).filter(|s| !s.is_empty()).map(|s| s.to_string())
        } else {
            None
        }
    };
    if let Some(w) = at(waiting) {
        let h = if bad_waiting(&w) {
            Health::Failed
        } else {
            Health::Progressing
        };
        return ("waiting".into(), w, Tone::Health(h));
    }
    if let Some(t) = at(terminated) {
        return ("terminated".into(), t, Tone::Health(Health::Degraded));
    }
    if let Some(since) = at(running) {
        let t = since
            .parse::<jiff::Timestamp>()
            .map(|t| t.as_second())
            .unwrap_or(0);
        let text = if t > 0 {
            format!("since {}", format::age(t, now))
        } else {
            String::new()
        };
        return ("running".into(), text, Tone::Health(Health::Healthy));
    }
    let aligned = [waiting, running, terminated].iter().all(|l| l.len() == n);
    if aligned || (waiting.is_empty() && running.is_empty() && terminated.is_empty()) {
        return ("-".into(), String::new(), Tone::Dim);
    }
    let known: Vec<&str> = waiting
        .iter()
        .chain(terminated)
        .map(|s| &**s)
        .filter(|s| !s.is_empty())
        .collect();
    ("?".into(), known.join(","), Tone::Dim)
}

fn containers(cat: &Catalog, r: &Record, now: i64) -> Option<Section> {
    let spec_names = list(cat, r, "containers").unwrap_or_default();
    let names = list(cat, r, "containerStatusNames")
        .filter(|l| !l.is_empty())
        .unwrap_or(spec_names);
    if names.is_empty() {
        return None;
    }
    let images = list(cat, r, "images").unwrap_or_default();
    let ready = list(cat, r, "containerReady").unwrap_or_default();
    let restarts = list(cat, r, "containerRestarts").unwrap_or_default();
    let waiting = list(cat, r, "containerWaiting").unwrap_or_default();
    let running = list(cat, r, "containerRunningSince").unwrap_or_default();
    let terminated = list(cat, r, "containerTerminated").unwrap_or_default();
    let last = list(cat, r, "containerLastTerminated").unwrap_or_default();
    let n = names.len();
    let rows = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let image = spec_names
                .iter()
                .position(|s| s == name)
                .and_then(|j| images.get(j))
                .or_else(|| images.get(i))
                .map_or("", |s| s);
            let (state, mut reason, tone) =
                container_state(i, n, waiting, running, terminated, now);
            // Why it last stopped (OOMKilled, Error), when the list is aligned.
            if last.len() == n
                && let Some(l) = last.get(i).filter(|l| !l.is_empty())
            {
                let sep = if reason.is_empty() { "" } else { ", " };
                reason = format!("{reason}{sep}last: {l}");
            }
            let is_ready = ready.get(i).map(|s| &**s);
            let ready_tone = match is_ready {
                Some("true") => Tone::Health(Health::Healthy),
                Some(_) => Tone::Health(Health::Degraded),
                None => Tone::Dim,
            };
            let restarts = restarts.get(i).map_or("-", |s| s);
            let restart_tone = if restarts.parse::<i64>().unwrap_or(0) > 0 {
                Tone::Health(Health::Degraded)
            } else {
                Tone::Plain
            };
            vec![
                (name.to_string(), Tone::Plain),
                (image.to_string(), Tone::Plain),
                (state, tone),
                (reason, tone),
                (is_ready.unwrap_or("-").to_string(), ready_tone),
                (restarts.to_string(), restart_tone),
            ]
        })
        .collect();
    Some(Section {
        title: "Containers".into(),
        header: ["NAME", "IMAGE", "STATE", "REASON", "READY", "RESTARTS"]
            .map(String::from)
            .to_vec(),
        rows,
    })
}

fn conditions(cat: &Catalog, r: &Record) -> Option<Section> {
    let types = list(cat, r, "conditionTypes")?;
    if types.is_empty() {
        return None;
    }
    let statuses = list(cat, r, "conditionStatuses").unwrap_or_default();
    let rows = types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let s = statuses.get(i).map_or("", |s| s);
            let tone = match s {
                "True" => Tone::Health(Health::Healthy),
                "False" => Tone::Health(Health::Degraded),
                _ => Tone::Dim,
            };
            vec![(t.to_string(), Tone::Plain), (s.to_string(), tone)]
        })
        .collect();
    Some(Section {
        title: "Conditions".into(),
        header: vec!["TYPE".into(), "STATUS".into()],
        rows,
    })
}

/// The detail section listing every check that applied, failing ones first.
fn score_section(title: &str, s: &Score) -> Section {
    let mut checks: Vec<_> = s.checks.iter().collect();
    checks.sort_by_key(|c| c.passed);
    Section {
        title: format!("{title}: {}", s.label()),
        header: vec!["CHECK".into(), "LEVEL".into(), "RESULT".into()],
        rows: checks
            .into_iter()
            .map(|c| {
                let (text, tone) = if c.passed {
                    ("pass", Tone::Health(Health::Healthy))
                } else {
                    ("FAIL", Tone::Health(Health::Failed))
                };
                vec![
                    (c.title.clone(), Tone::Plain),
                    (c.level.clone(), Tone::Plain),
                    (text.to_string(), tone),
                ]
            })
            .collect(),
    }
}

/// Build the detail of `e` from the catalog, or from `snapshot` when it is gone.
pub fn build(cat: &Catalog, e: &EntityRef, snapshot: Option<&Record>, now: i64) -> Option<Detail> {
    let live = cat.get(e);
    let r = live.or(snapshot)?;
    let bp = cat.blueprint(r.blueprint);
    let mut fields: Vec<(String, String, Tone)> = vec![];
    let cluster = cat
        .cluster(e.cluster)
        .map(|c| c.name.clone())
        .unwrap_or_default();
    fields.push(("Cluster".into(), cluster, Tone::Plain));
    if let Some(ns) = &r.namespace {
        fields.push(("Namespace".into(), ns.to_string(), Tone::Plain));
    }
    if bp.spec.health != crate::blueprint::HealthRule::None {
        let h = cat.health(r);
        fields.push(("Health".into(), h.label().into(), Tone::Health(h)));
    }
    if r.created > 0 {
        let ts = Value::time(r.created).to_string();
        fields.push((
            "Age".into(),
            format!("{} ({ts})", format::age(r.created, now)),
            Tone::Plain,
        ));
    }
    if cat.workload_blueprint() == Some(r.blueprint) {
        fields.push(("Version".into(), cat.version_of(r), Tone::Plain));
        fields.push(("Service".into(), cat.service_of(r).to_string(), Tone::Plain));
    }
    if live.is_some() {
        let chain = view::owner_chain(cat, e);
        if chain.len() > 2 {
            let text: Vec<String> = chain
                .iter()
                .skip(1)
                .map(|o| format!("{} {}", o.kind, o.name))
                .collect();
            fields.push(("Owners".into(), text.join(" → "), Tone::Plain));
        }
    }
    if live.is_some() {
        fields.extend(super::marks::detail_fields(cat, e.cluster, r));
    }
    fields.extend(super::governed::detail_fields(cat, r, now));
    if live.is_some() {
        fields.extend(super::relations::fields(cat, e, r));
    }
    let score = live.and_then(|r| {
        let card = bp.scorecard.as_ref()?;
        let s = crate::score::of_record(cat, e.cluster, r)?;
        Some(score_section(&card.title, &s))
    });
    let sections: Vec<Section> = [containers(cat, r, now), conditions(cat, r)]
        .into_iter()
        .flatten()
        .collect();
    let consumed: Vec<&str> = if sections.is_empty() {
        vec![]
    } else {
        CONTAINER_PROPS
            .iter()
            .chain(CONDITION_PROPS.iter())
            .copied()
            .collect()
    };
    for (i, p) in bp.spec.properties.iter().enumerate() {
        if consumed.contains(&p.id.as_str()) || crate::govern::props::ALL.contains(&p.id.as_str()) {
            continue;
        }
        let v = r.props.get(i).unwrap_or(Value::null_ref());
        let text = match (v.view(), p.ty) {
            (ValueRef::Null, _) => continue,
            (ValueRef::Time(t), _) | (ValueRef::Int(t), PropType::Timestamp) => {
                format!("{} ({})", Value::time(t), format::age(t, now))
            }
            (ValueRef::List([]), _) => continue,
            (ValueRef::List(l), _) => l.join(", "),
            _ => v.to_string(),
        };
        if text.is_empty() {
            continue;
        }
        fields.push((
            p.title.clone().unwrap_or_else(|| p.id.clone()),
            text,
            Tone::Plain,
        ));
    }
    let mut sections = sections;
    sections.extend(
        live.and_then(|_| super::relations::section(cat, e))
            .map(|(title, lines)| Section {
                title,
                header: vec![],
                rows: lines.into_iter().map(|l| vec![(l, Tone::Plain)]).collect(),
            }),
    );
    sections.extend(score);
    Some(Detail {
        kind: view::kind_of(cat, r).to_string(),
        name: r.name.to_string(),
        deleted: live.is_none(),
        fields,
        sections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces() {
        assert_eq!(Detail::wrap("aaa bbb ccc", 8), vec!["aaa bbb", "ccc"]);
        assert_eq!(Detail::wrap("abcdefghijkl", 8), vec!["abcdefgh", "ijkl"]);
        assert_eq!(Detail::wrap("", 8), vec![""]);
    }

    #[test]
    fn container_states_by_index_or_alone() {
        let l = |x: &[&str]| x.iter().map(|s| Box::from(*s)).collect::<Vec<Box<str>>>();
        let (s, r, _) = container_state(0, 1, &l(&["CrashLoopBackOff"]), &[], &[], 0);
        assert_eq!((s.as_str(), r.as_str()), ("waiting", "CrashLoopBackOff"));
        let (s, _, _) = container_state(
            1,
            2,
            &[],
            &l(&["2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z"]),
            &[],
            0,
        );
        assert_eq!(s, "running");
        // Aligned lists (one item per container, empty when absent).
        let (s, r, _) = container_state(
            1,
            2,
            &l(&["", "ImagePullBackOff"]),
            &l(&["2025-01-01T00:00:00Z", ""]),
            &l(&["", ""]),
            0,
        );
        assert_eq!((s.as_str(), r.as_str()), ("waiting", "ImagePullBackOff"));
        let (s, _, _) = container_state(0, 2, &l(&["", ""]), &l(&["", ""]), &l(&["", ""]), 0);
        assert_eq!(s, "-");
        // Unaligned lists of two containers, one waiting and one running: which is which is unknown.
        let (s, r, _) = container_state(
            0,
            2,
            &l(&["ErrImagePull"]),
            &l(&["2025-01-01T00:00:00Z"]),
            &[],
            0,
        );
        assert_eq!((s.as_str(), r.as_str()), ("?", "ErrImagePull"));
    }
}
