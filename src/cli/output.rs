//! `get` output: entities of any blueprint as a table, JSON or YAML, generic over blueprints.

use super::args::Format;
use crate::blueprint::{BpId, DerivedKind, Link};
use crate::catalog::{Catalog, ClusterId, EntityRef};
use serde_json::{Map, Value as Json, json};

/// The rows could not be written in the asked format.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write JSON")]
    Json(#[from] serde_json::Error),
    #[error("cannot write YAML")]
    Yaml(#[from] serde_yaml::Error),
}

/// Render the entities of `bp` in `format`.
pub fn render(catalog: &Catalog, bp: BpId, format: Format) -> Result<String, OutputError> {
    let (columns, rows) = collect(catalog, bp);
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(&rows)? + "\n",
        Format::Yaml => serde_yaml::to_string(&rows)?,
        Format::Table => table(&columns, &rows),
    })
}

/// Table columns (header, JSON path, property key) and one JSON object per entity.
fn collect(catalog: &Catalog, bp: BpId) -> (Columns, Vec<Json>) {
    let spec = &catalog.blueprint(bp).spec;
    match spec.derived.as_ref().map(|d| d.kind) {
        Some(DerivedKind::RunningService) => running_services(catalog),
        Some(DerivedKind::Service) => services(catalog),
        Some(DerivedKind::Environment) => environments(catalog),
        None if spec.sources.is_empty() => clusters(catalog),
        None => entities(catalog, bp),
    }
}

/// One table column: header, the JSON path to its value, and a key under that path (for
/// blueprint properties).
type Column = (String, Vec<&'static str>, String);
type Columns = Vec<Column>;

fn col(header: &str, path: &[&'static str]) -> Column {
    (header.to_string(), path.to_vec(), String::new())
}

fn running_services(catalog: &Catalog) -> (Columns, Vec<Json>) {
    let rows = catalog
        .running_services()
        .iter()
        .map(|rs| {
            let mut v = serde_json::to_value(rs).unwrap_or(Json::Null);
            if let Some(score) = crate::score::of_running(catalog, rs) {
                v["score"] = serde_json::to_value(&score).unwrap_or(Json::Null);
            }
            // What it exposes and depends on (Ingress → Service → pods, HPA, PDB, mounts).
            v["connections"] = serde_json::to_value(catalog.connections(rs)).unwrap_or(Json::Null);
            v
        })
        .collect();
    let cols = vec![
        col("SERVICE", &["service"]),
        col("ENVIRONMENT", &["environment"]),
        col("VERSIONS", &["versions"]),
        col("READY", &["ready"]),
        col("DESIRED", &["desired"]),
        col("HEALTH", &["health"]),
        col("SCORE", &["score", "level"]),
        col("WORKLOADS", &["members", "*", "name"]),
    ];
    (cols, rows)
}

fn services(catalog: &Catalog) -> (Columns, Vec<Json>) {
    let all = catalog.running_services();
    let rows = catalog
        .services()
        .iter()
        .map(|s| {
            let mine: Vec<_> = all.iter().filter(|rs| rs.service == *s).collect();
            let envs: Vec<&str> = mine.iter().map(|rs| &*rs.environment).collect();
            let versions: Map<String, Json> = mine
                .iter()
                .map(|rs| (rs.environment.to_string(), json!(rs.versions)))
                .collect();
            let drift = {
                let mut v: Vec<&Vec<String>> = mine.iter().map(|rs| &rs.versions).collect();
                v.dedup();
                v.len() > 1
            };
            json!({"service": s, "environments": envs, "versions": versions, "drift": drift})
        })
        .collect();
    let cols = vec![
        col("SERVICE", &["service"]),
        col("ENVIRONMENTS", &["environments"]),
        col("DRIFT", &["drift"]),
    ];
    (cols, rows)
}

fn environments(catalog: &Catalog) -> (Columns, Vec<Json>) {
    let all = catalog.running_services();
    let rows = catalog
        .environments()
        .iter()
        .map(|e| {
            let mine: Vec<_> = all.iter().filter(|rs| rs.environment == *e).collect();
            let mut clusters: Vec<&str> = mine
                .iter()
                .flat_map(|rs| rs.members.iter().map(|m| m.cluster.as_str()))
                .collect();
            clusters.sort();
            clusters.dedup();
            let unhealthy = mine.iter().filter(|rs| rs.health.is_unhealthy()).count();
            json!({"environment": e, "clusters": clusters, "services": mine.len(), "unhealthy": unhealthy})
        })
        .collect();
    let cols = vec![
        col("ENVIRONMENT", &["environment"]),
        col("CLUSTERS", &["clusters"]),
        col("SERVICES", &["services"]),
        col("UNHEALTHY", &["unhealthy"]),
    ];
    (cols, rows)
}

fn clusters(catalog: &Catalog) -> (Columns, Vec<Json>) {
    let rows = catalog
        .cluster_ids()
        .filter_map(|id| {
            let c = catalog.cluster(id)?;
            let env = catalog.environment_of(id, None);
            Some(json!({
                "name": c.name,
                "status": c.status.label(),
                "message": c.status.message(),
                "version": c.version,
                "environment": env,
                "server": c.server,
            }))
        })
        .collect();
    let cols = vec![
        col("NAME", &["name"]),
        col("STATUS", &["status"]),
        col("VERSION", &["version"]),
        col("ENVIRONMENT", &["environment"]),
        col("SERVER", &["server"]),
        col("MESSAGE", &["message"]),
    ];
    (cols, rows)
}

fn entities(catalog: &Catalog, bp: BpId) -> (Columns, Vec<Json>) {
    let blueprint = catalog.blueprint(bp);
    let spec = &blueprint.spec;
    let is_workload = catalog.workload_blueprint() == Some(bp);
    let mut list: Vec<(ClusterId, &crate::blueprint::Record)> = catalog.entities(bp).collect();
    list.sort_by(|a, b| (a.0, &a.1.namespace, &a.1.name).cmp(&(b.0, &b.1.namespace, &b.1.name)));
    let now = jiff::Timestamp::now().as_second();
    let rows = list
        .into_iter()
        .map(|(cluster, r)| {
            let cluster_name = catalog
                .cluster(cluster)
                .map(|c| c.name.as_str())
                .unwrap_or("");
            let mut props: Map<String, Json> = spec
                .properties
                .iter()
                .zip(r.props.iter())
                .map(|(p, v)| (p.id.clone(), serde_json::to_value(v).unwrap_or(Json::Null)))
                .collect();
            // Aggregations read like properties: a count, or the `show` text (null: none).
            for (i, a) in spec.aggregations.iter().enumerate() {
                let v = match catalog.aggregate(cluster, r, i) {
                    Some(crate::catalog::Aggregate::Count(n)) => json!(n),
                    Some(crate::catalog::Aggregate::Text(t)) => json!(t),
                    None => Json::Null,
                };
                props.insert(a.id.clone(), v);
            }
            let mut relations = Map::new();
            for (i, rel) in spec.relations.iter().enumerate() {
                let v = match r.links.get(i) {
                    Some(Link::Cluster) => json!({ "name": cluster_name }),
                    Some(Link::None) | None => continue,
                    Some(Link::Names(_) | Link::Selector(_)) => Json::Array(
                        catalog
                            .related_all(cluster, r, i)
                            .iter()
                            .map(|e| target_json(catalog, e))
                            .collect(),
                    ),
                    Some(_) => match catalog.related(cluster, r, i) {
                        Some(e) => target_json(catalog, &e),
                        None => match &r.links[i] {
                            Link::Name(n) => json!({ "name": n, "resolved": false }),
                            Link::Uid(u) => json!({ "uid": u, "resolved": false }),
                            _ => continue,
                        },
                    },
                };
                relations.insert(rel.id.clone(), v);
            }
            let mut obj = json!({
                "cluster": cluster_name,
                "kind": spec.sources.get(r.source as usize).map(|s| s.kind.as_str()).unwrap_or(""),
                "namespace": r.namespace,
                "name": r.name,
                "uid": r.uid,
                "age": age(now - r.created),
                "health": catalog.health(r),
                "properties": props,
                "relations": relations,
            });
            if is_workload {
                obj["service"] = json!(catalog.service_of(r));
                obj["environment"] = json!(catalog.environment_of(cluster, r.namespace.as_deref()));
                obj["version"] = json!(catalog.version_of(r));
            }
            if let Some(score) = crate::score::of_record(catalog, cluster, r) {
                obj["score"] = serde_json::to_value(&score).unwrap_or(Json::Null);
            }
            obj
        })
        .collect();
    let mut cols = vec![col("CLUSTER", &["cluster"])];
    if spec.sources.iter().any(|s| !s.cluster_scoped) {
        cols.push(col("NAMESPACE", &["namespace"]));
    }
    cols.push(col("NAME", &["name"]));
    if spec.sources.len() > 1 {
        cols.push(col("KIND", &["kind"]));
    }
    if is_workload {
        cols.push(col("VERSION", &["version"]));
    }
    let shown: Vec<&str> = if spec.columns.is_empty() {
        spec.properties.iter().map(|p| p.id.as_str()).collect()
    } else {
        spec.columns.iter().map(String::as_str).collect()
    };
    for id in shown {
        let title = spec
            .properties
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.title.clone().unwrap_or_else(|| p.id.clone()))
            .or_else(|| {
                let a = spec.aggregations.iter().find(|a| a.id == id)?;
                Some(a.title().to_string())
            })
            .unwrap_or_else(|| id.to_string());
        cols.push((title.to_uppercase(), vec!["properties"], id.to_string()));
    }
    if spec.health != crate::blueprint::HealthRule::None {
        cols.push(col("HEALTH", &["health"]));
    }
    if blueprint.scorecard.is_some() {
        cols.push(col("SCORE", &["score", "level"]));
    }
    cols.push(col("AGE", &["age"]));
    (cols, rows)
}

fn target_json(catalog: &Catalog, e: &EntityRef) -> Json {
    match catalog.get(e) {
        Some(r) => {
            let kind = catalog
                .blueprint(e.bp)
                .spec
                .sources
                .get(r.source as usize)
                .map(|s| s.kind.as_str())
                .unwrap_or("");
            json!({ "kind": kind, "namespace": r.namespace, "name": r.name, "uid": r.uid })
        }
        None => Json::Null,
    }
}

pub use crate::catalog::age::human as age;

fn cell(v: &Json, path: &[&str], key: &str) -> String {
    let mut cur = vec![v];
    for p in path {
        cur = cur
            .into_iter()
            .flat_map(|c| match (*p, c) {
                ("*", Json::Array(a)) => a.iter().collect::<Vec<_>>(),
                (k, c) => c.get(k).into_iter().collect(),
            })
            .collect();
    }
    if !key.is_empty() {
        cur = cur.into_iter().filter_map(|c| c.get(key)).collect();
    }
    cur.iter().map(|c| scalar(c)).collect::<Vec<_>>().join(",")
}

fn scalar(v: &Json) -> String {
    match v {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        Json::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn table(columns: &Columns, rows: &[Json]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| columns.iter().map(|(_, p, k)| cell(r, p, k)).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, (h, _, _))| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain([h.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut line = |vals: Vec<&str>| {
        let mut l = String::new();
        for (i, v) in vals.iter().enumerate() {
            if i + 1 == vals.len() {
                l.push_str(v);
            } else {
                l.push_str(&format!("{v:<w$}   ", w = widths[i]));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(columns.iter().map(|(h, _, _)| h.as_str()).collect());
    for c in &cells {
        line(c.iter().map(String::as_str).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(age(5), "5s");
        assert_eq!(age(600), "10m");
        assert_eq!(age(3 * 3600), "3h");
        assert_eq!(age(4 * 86400), "4d");
        assert_eq!(age(-1), "0s");
        assert_eq!(age(-3), "<invalid>");
    }

    #[test]
    fn cells_follow_paths() {
        let v = json!({"a": "x", "m": [{"name": "p"}, {"name": "q"}], "properties": {"r": 3}});
        assert_eq!(cell(&v, &["a"], ""), "x");
        assert_eq!(cell(&v, &["m", "*", "name"], ""), "p,q");
        assert_eq!(cell(&v, &["properties"], "r"), "3");
    }
}
