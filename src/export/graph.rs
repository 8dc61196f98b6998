//! The raw graph as JSON: the contexts, every entity of every listed blueprint with its
//! properties, health, score and relations (targets by name), and the running services. No
//! ages or server addresses — only what the fleet holds — so two exports of one fleet are equal.

use crate::blueprint::{Link, Record};
use crate::catalog::{Catalog, ClusterId};
use crate::score;
use serde_json::{Map, Value as Json, json};

/// The graph document.
pub fn graph(cat: &Catalog) -> Json {
    let clusters: Vec<Json> = cat
        .clusters()
        .iter()
        .map(
            |c| json!({ "name": c.name, "environment": c.environment, "status": c.status.label() }),
        )
        .collect();
    let mut blueprints = Map::new();
    for bp in cat.blueprints().all() {
        if bp.spec.sources.is_empty() {
            continue;
        }
        let mut list: Vec<(&str, ClusterId, &Record)> = cat
            .entities(bp.id)
            .map(|(c, r)| (cat.cluster(c).map_or("", |i| i.name.as_str()), c, r))
            .collect();
        list.sort_by(|a, b| {
            (a.0, &a.2.namespace, &a.2.name, &a.2.uid).cmp(&(
                b.0,
                &b.2.namespace,
                &b.2.name,
                &b.2.uid,
            ))
        });
        let rows: Vec<Json> = list
            .into_iter()
            .map(|(cluster, c, r)| entity(cat, cluster, c, r))
            .collect();
        blueprints.insert(bp.spec.identifier.clone(), Json::Array(rows));
    }
    let running: Vec<Json> = cat
        .running_services()
        .iter()
        .map(|rs| {
            let mut v = serde_json::to_value(rs).unwrap_or(Json::Null);
            if let Some(s) = score::of_running(cat, rs) {
                v["score"] = serde_json::to_value(&s).unwrap_or(Json::Null);
            }
            v
        })
        .collect();
    json!({ "clusters": clusters, "blueprints": blueprints, "runningServices": running })
}

fn entity(cat: &Catalog, cluster: &str, c: ClusterId, r: &Record) -> Json {
    let bp = cat.blueprint(r.blueprint);
    let props: Map<String, Json> = bp
        .spec
        .properties
        .iter()
        .zip(r.props.iter())
        .filter(|(_, v)| !v.is_null())
        .map(|(p, v)| (p.id.clone(), serde_json::to_value(v).unwrap_or(Json::Null)))
        .collect();
    let mut relations = Map::new();
    for (i, rel) in bp.spec.relations.iter().enumerate() {
        let target = match r.links.get(i) {
            None | Some(Link::None) => continue,
            Some(Link::Cluster) => json!({ "name": cluster }),
            Some(link) => match cat.related(c, r, i).and_then(|e| cat.get(&e)) {
                Some(t) => json!({ "namespace": t.namespace, "name": t.name }),
                None => match link {
                    Link::Name(n) => json!({ "name": n, "resolved": false }),
                    Link::Uid(u) => json!({ "uid": u, "resolved": false }),
                    _ => continue,
                },
            },
        };
        relations.insert(rel.id.clone(), target);
    }
    let mut v = json!({
        "cluster": cluster,
        "kind": bp.spec.sources.get(usize::from(r.source)).map_or("", |s| s.kind.as_str()),
        "namespace": r.namespace,
        "name": r.name,
        "uid": r.uid,
        "created": r.created,
        "properties": props,
        "relations": relations,
    });
    if bp.spec.health != crate::blueprint::HealthRule::None {
        v["health"] = json!(cat.health(r).label());
    }
    if let Some(s) = score::of_record(cat, c, r) {
        v["score"] = serde_json::to_value(&s).unwrap_or(Json::Null);
    }
    v
}
