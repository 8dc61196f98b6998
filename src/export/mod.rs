//! `kubeatlas export`: the catalog written for other catalogs — Port entities for its bulk
//! upsert ([`port`]), Backstage `catalog-info.yaml` documents ([`backstage`]), or the raw graph
//! as JSON ([`graph`]). Pure functions of the catalog, deterministic: everything is sorted and
//! identified by names, never by time or memory order, so two exports of the same fleet are
//! byte-identical and can be committed or diffed.

pub mod backstage;
pub mod graph;
pub mod port;

use crate::blueprint::{DerivedKind, Value};
use crate::catalog::{Catalog, RunningService};
use crate::score::{self, ServiceScore};
use std::collections::BTreeMap;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Port,
    Backstage,
    Json,
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write JSON")]
    Json(#[from] serde_json::Error),
    #[error("cannot write YAML")]
    Yaml(#[from] serde_yaml::Error),
}

/// The catalog in `format`, as text.
pub fn render(cat: &Catalog, format: Format) -> Result<String, ExportError> {
    let facts = Facts::of(cat);
    match format {
        Format::Port => Ok(serde_json::to_string_pretty(&port::documents(cat, &facts))? + "\n"),
        Format::Backstage => backstage::render(cat, &facts),
        Format::Json => Ok(serde_json::to_string_pretty(&graph::graph(cat))? + "\n"),
    }
}

/// One running service with its score.
pub struct Running {
    pub rs: RunningService,
    pub score: Option<ServiceScore>,
}

/// What the Port and Backstage exports describe: services, environments and running services,
/// each sorted by name.
pub struct Facts {
    /// Environment → the contexts mapped to it (sorted).
    pub environments: BTreeMap<String, Vec<String>>,
    /// Service → its running services, by environment name.
    pub services: BTreeMap<String, Vec<Running>>,
    /// Service → the owners its workloads name (the workload property `owner`), sorted.
    pub owners: BTreeMap<String, Vec<String>>,
}

impl Facts {
    pub fn of(cat: &Catalog) -> Facts {
        let mut environments: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut services: BTreeMap<String, Vec<Running>> = BTreeMap::new();
        let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let owner_prop = cat
            .workload_blueprint()
            .and_then(|wl| cat.blueprint(wl).prop_index("owner"));
        for rs in cat.running_services() {
            let contexts = environments.entry(rs.environment.to_string()).or_default();
            for m in &rs.members {
                if !contexts.contains(&m.cluster) {
                    contexts.push(m.cluster.clone());
                }
            }
            contexts.sort();
            let own = owners.entry(rs.service.to_string()).or_default();
            for e in &rs.workloads {
                let owner = cat
                    .get(e)
                    .zip(owner_prop)
                    .and_then(|(r, i)| r.props.get(i).and_then(Value::non_empty_str));
                if let Some(o) = owner
                    && !own.iter().any(|x| x == o)
                {
                    own.push(o.to_string());
                }
            }
            own.sort();
            let score = score::of_running(cat, &rs);
            services
                .entry(rs.service.to_string())
                .or_default()
                .push(Running { rs, score });
        }
        for list in services.values_mut() {
            list.sort_by(|a, b| a.rs.environment.cmp(&b.rs.environment));
        }
        Facts {
            environments,
            services,
            owners,
        }
    }
}

/// The identifier of the blueprint derived as `kind` (`service`, `environment`,
/// `running-service` in the built-ins).
pub fn derived_blueprint(cat: &Catalog, kind: DerivedKind) -> String {
    cat.blueprints()
        .all()
        .iter()
        .find(|b| b.spec.derived.as_ref().is_some_and(|d| d.kind == kind))
        .map(|b| b.spec.identifier.clone())
        .unwrap_or_else(|| {
            match kind {
                DerivedKind::Service => "service",
                DerivedKind::Environment => "environment",
                DerivedKind::RunningService => "running-service",
            }
            .to_string()
        })
}
