//! Relations in the detail, in words: for a workload, what its running service exposes and
//! depends on ("reachable at Ingress shop.example.com → Service cart:80 → 3 pods", the
//! autoscaler and disruption budget acting on it, the ConfigMaps, Secrets and claims it
//! uses); for any entity, the targets of its name and selector relations and what selects it.

use super::table::Tone;
use crate::blueprint::{Link, Record, RelationVia};
use crate::catalog::connections::{Chain, Connections};
use crate::catalog::{Catalog, EntityRef};

/// "3 pods" / "1 pod".
fn pods(n: usize) -> String {
    if n == 1 {
        "1 pod".into()
    } else {
        format!("{n} pods")
    }
}

fn chain(c: &Chain) -> String {
    let mut parts: Vec<&str> = c.via.iter().map(|n| n.text.as_str()).collect();
    let tail = pods(c.pods);
    parts.push(&tail);
    format!("reachable at {}", parts.join(" → "))
}

/// The connections as lines of words.
pub fn lines(c: &Connections) -> Vec<String> {
    let mut out: Vec<String> = c.reachable.iter().map(chain).collect();
    out.extend(c.governed.iter().map(|n| n.text.clone()));
    if !c.uses.is_empty() {
        let names: Vec<String> = c
            .uses
            .iter()
            .map(|n| format!("{} {}", n.kind, n.name))
            .collect();
        out.push(format!("uses {}", names.join(", ")));
    }
    out
}

/// The section of a workload's detail: its running service's connections, as a title and
/// lines.
pub fn section(cat: &Catalog, e: &EntityRef) -> Option<(String, Vec<String>)> {
    if cat.workload_blueprint() != Some(e.bp) {
        return None;
    }
    let (svc, env) = cat.group_of(e)?;
    let rs = cat.running_service(&svc, &env)?;
    let c = cat.connections(&rs);
    if c.is_empty() {
        return None;
    }
    // The title is drawn in capitals: the names go below it, as they are.
    let mut out = vec![format!("running service {svc} in {env}:")];
    out.extend(lines(&c));
    Some(("Exposes and depends on".into(), out))
}

/// Detail fields for the name and selector relations of `r` (`Pods  3: a, b, c`) and for the
/// entities whose selectors select it (`Selected by  Service cart`).
pub fn fields(cat: &Catalog, e: &EntityRef, r: &Record) -> Vec<(String, String, Tone)> {
    let bp = cat.blueprint(r.blueprint);
    let mut out = vec![];
    for (i, rel) in bp.spec.relations.iter().enumerate() {
        let named = rel.via == RelationVia::Field
            && matches!(r.links.get(i), Some(Link::Name(_) | Link::Names(_)))
            && bp.relation_target(i).is_some_and(|t| cat.namespaced(t));
        if !(named || rel.via == RelationVia::Selector) {
            continue;
        }
        let targets = cat.related_all(e.cluster, r, i);
        let mut names: Vec<String> = targets
            .iter()
            .filter_map(|t| cat.get(t))
            .map(|t| t.name.to_string())
            .collect();
        names.sort();
        // Nothing named, or no selector at all (a pod mounting no claim, a Deployment without
        // one), says nothing; a selector selecting nothing is worth saying.
        if names.is_empty() && !matches!(r.links.get(i), Some(Link::Selector(_))) {
            continue;
        }
        let selector = match r.links.get(i) {
            Some(Link::Selector(s)) => format!(" ({})", s.describe()),
            _ => String::new(),
        };
        let text = if names.is_empty() {
            format!("none{selector}")
        } else {
            format!("{}: {}{selector}", names.len(), names.join(", "))
        };
        out.push((rel.id.clone(), text, Tone::Plain));
    }
    let by: Vec<String> = cat
        .selected_by(e)
        .iter()
        .filter_map(|(s, _)| cat.node(s))
        .map(|n| format!("{} {}", n.kind, n.name))
        .collect();
    if !by.is_empty() {
        out.push(("Selected by".into(), by.join(", "), Tone::Plain));
    }
    out
}
