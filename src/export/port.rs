//! Port: one bulk-upsert request body per blueprint, in the shape of
//! `POST /v1/blueprints/{blueprint}/entities/bulk` (`{"entities": [...]}`, each entity with
//! `identifier`, `title`, `blueprint`, `properties` and `relations`). Environments and services
//! come first so the running services' relations point at entities that exist. Running
//! services are identified `<service>-<environment>` and relate to both.

use super::{Facts, derived_blueprint};
use crate::blueprint::DerivedKind;
use crate::catalog::Catalog;
use serde_json::{Value as Json, json};

/// Port's identifier alphabet (`^[A-Za-z0-9@_.+:\/=-]+$`): anything else becomes `-`.
pub fn identifier(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "@_.+:/=-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The request bodies: `[{"blueprint": id, "entities": [...]}, ...]` — environments, services,
/// running services.
pub fn documents(cat: &Catalog, facts: &Facts) -> Json {
    let env_bp = derived_blueprint(cat, DerivedKind::Environment);
    let svc_bp = derived_blueprint(cat, DerivedKind::Service);
    let rs_bp = derived_blueprint(cat, DerivedKind::RunningService);

    let environments: Vec<Json> = facts
        .environments
        .iter()
        .map(|(env, contexts)| {
            json!({
                "identifier": identifier(env),
                "title": env,
                "blueprint": env_bp,
                "properties": { "contexts": contexts },
                "relations": {},
            })
        })
        .collect();

    let services: Vec<Json> = facts
        .services
        .iter()
        .map(|(svc, running)| {
            let envs: Vec<&str> = running.iter().map(|r| &*r.rs.environment).collect();
            json!({
                "identifier": identifier(svc),
                "title": svc,
                "blueprint": svc_bp,
                "properties": {
                    "owners": facts.owners.get(svc).cloned().unwrap_or_default(),
                    "environments": envs,
                },
                "relations": {},
            })
        })
        .collect();

    let running: Vec<Json> = facts
        .services
        .iter()
        .flat_map(|(svc, running)| running.iter().map(move |r| (svc, r)))
        .map(|(svc, r)| {
            let rs = &r.rs;
            let workloads: Vec<String> = rs
                .members
                .iter()
                .map(|m| format!("{}/{}/{}", m.cluster, m.namespace, m.name))
                .collect();
            let failing: Vec<String> = r
                .score
                .iter()
                .flat_map(|s| &s.failing)
                .map(|f| format!("{} ({})", f.check.title, f.workload))
                .collect();
            json!({
                "identifier": identifier(&format!("{svc}-{}", rs.environment)),
                "title": format!("{svc} in {}", rs.environment),
                "blueprint": rs_bp,
                "properties": {
                    "version": rs.versions.join(","),
                    "ready": rs.ready,
                    "desired": rs.desired,
                    "health": rs.health.label(),
                    "scoreLevel": r.score.as_ref().map(|s| s.level.clone()),
                    "failingChecks": failing,
                    "workloads": workloads,
                },
                "relations": {
                    "service": identifier(svc),
                    "environment": identifier(&rs.environment),
                },
            })
        })
        .collect();

    json!([
        { "blueprint": env_bp, "entities": environments },
        { "blueprint": svc_bp, "entities": services },
        { "blueprint": rs_bp, "entities": running },
    ])
}
