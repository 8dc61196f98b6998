//! Observations of the catalog for the rules: every running service's health, readiness,
//! version and (when a rule reads them) the container restarts summed over its pods.

use super::Observation;
use crate::catalog::Catalog;

/// Every running service now; `restarts` walks each workload's pods (only when asked).
pub fn observe(cat: &Catalog, restarts: bool) -> Vec<Observation> {
    let pod = cat.blueprints().roles().pod;
    let restarts_prop = pod.and_then(|p| cat.blueprint(p).prop_index("restarts"));
    cat.running_services()
        .into_iter()
        .map(|rs| {
            let mut total = 0;
            if restarts && let (Some(pod), Some(i)) = (pod, restarts_prop) {
                for w in &rs.workloads {
                    for p in cat.children(w, pod) {
                        total += cat
                            .get(&p)
                            .and_then(|r| r.props.get(i))
                            .and_then(|v| v.as_int())
                            .unwrap_or(0);
                    }
                }
            }
            Observation {
                service: rs.service.to_string(),
                environment: rs.environment.to_string(),
                health: rs.health,
                ready: rs.ready,
                desired: rs.desired,
                restarts: total,
                version: rs.versions.join(","),
            }
        })
        .collect()
}
