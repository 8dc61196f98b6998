//! Backstage: `catalog-info.yaml` documents (descriptor format `backstage.io/v1alpha1`). Each
//! service is a `Component` (`spec.type: service`) carrying the
//! `backstage.io/kubernetes-label-selector` annotation the Kubernetes plugin finds its objects
//! by (the label the service key was read from); Backstage has no environments, so each
//! environment is a `Resource` of `spec.type: environment` the components `dependsOn`, and
//! what runs where (version, health, score per environment) rides in `kubeatlas.dev/…`
//! annotations.

use super::{ExportError, Facts};
use crate::blueprint::{DerivedKind, Value};
use crate::catalog::Catalog;
use serde_json::{Map, Value as Json, json};

/// The owner written when no workload of a service names one (`spec.owner` is required).
pub const UNKNOWN_OWNER: &str = "unknown";

/// A Backstage entity name: `[a-zA-Z0-9]` at both ends, `-_.` inside, at most 63 characters.
pub fn name(s: &str) -> String {
    let mapped: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cut: String = mapped.chars().take(63).collect();
    let trimmed = cut.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if trimmed.is_empty() {
        "unnamed".into()
    } else {
        trimmed.to_string()
    }
}

/// The label a property path reads (`.metadata.labels["app.kubernetes.io/name"]` →
/// `app.kubernetes.io/name`, `.spec.template.metadata.labels.app` → `app`).
pub fn label_of(path: &str) -> Option<String> {
    let rest = &path[path.find("labels")? + "labels".len()..];
    if let Some(key) = rest.strip_prefix("[\"").and_then(|r| r.strip_suffix("\"]")) {
        return Some(key.to_string());
    }
    if let Some(key) = rest.strip_prefix("['").and_then(|r| r.strip_suffix("']")) {
        return Some(key.to_string());
    }
    let key = rest.strip_prefix('.')?;
    (!key.is_empty() && !key.contains(['.', '[', ']'])).then(|| key.to_string())
}

/// The label a service's key was read from on its workloads, when it was a label.
fn selector_label(cat: &Catalog, facts: &Facts, svc: &str) -> Option<String> {
    let (wl, keys) = cat.blueprints().all().iter().find_map(|b| {
        let d = b.spec.derived.as_ref()?;
        (d.kind == DerivedKind::Service).then(|| (cat.blueprints().by_identifier(&d.from), &d.key))
    })?;
    let wl = cat.blueprint(wl?);
    let running = facts.services.get(svc)?;
    let e = running.iter().flat_map(|r| &r.rs.workloads).next()?;
    let r = cat.get(e)?;
    keys.iter().find_map(|k| {
        let i = wl.prop_index(k)?;
        r.props.get(i).and_then(Value::non_empty_str)?;
        label_of(wl.spec.properties[i].path.as_deref()?)
    })
}

/// An annotation key under `kubeatlas.dev/` for an environment (`version.prod`).
fn annotation(what: &str, env: &str) -> String {
    format!("kubeatlas.dev/{what}.{}", name(env))
}

/// Every document, environments first, then services, separated by `---`.
pub fn render(cat: &Catalog, facts: &Facts) -> Result<String, ExportError> {
    let mut docs: Vec<Json> = Vec::new();
    for (env, contexts) in &facts.environments {
        docs.push(json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Resource",
            "metadata": {
                "name": name(env),
                "title": env,
                "description": format!("Environment {env} (kubeconfig contexts: {})", contexts.join(", ")),
                "annotations": { "kubeatlas.dev/contexts": contexts.join(",") },
            },
            "spec": { "type": "environment", "owner": UNKNOWN_OWNER },
        }));
    }
    for (svc, running) in &facts.services {
        let mut annotations = Map::new();
        if let Some(label) = selector_label(cat, facts, svc) {
            annotations.insert(
                "backstage.io/kubernetes-label-selector".into(),
                json!(format!("{label}={svc}")),
            );
        }
        for r in running {
            let env = &r.rs.environment;
            annotations.insert(annotation("version", env), json!(r.rs.versions.join(",")));
            annotations.insert(annotation("health", env), json!(r.rs.health.label()));
            if let Some(s) = &r.score {
                annotations.insert(annotation("score", env), json!(s.level));
            }
        }
        let owner = facts
            .owners
            .get(svc)
            .and_then(|o| o.first())
            .map_or(UNKNOWN_OWNER.to_string(), |o| name(o));
        let depends: Vec<String> = running
            .iter()
            .map(|r| format!("resource:{}", name(&r.rs.environment)))
            .collect();
        let production = running
            .iter()
            .any(|r| r.rs.environment.to_lowercase().starts_with("prod"));
        docs.push(json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {
                "name": name(svc),
                "title": svc,
                "annotations": annotations,
            },
            "spec": {
                "type": "service",
                "lifecycle": if production { "production" } else { "experimental" },
                "owner": owner,
                "dependsOn": depends,
            },
        }));
    }
    let mut out = String::new();
    for d in docs {
        out.push_str("---\n");
        out.push_str(&serde_yaml::to_string(&d)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_read_from_property_paths() {
        assert_eq!(
            label_of(".metadata.labels[\"app.kubernetes.io/name\"]").as_deref(),
            Some("app.kubernetes.io/name")
        );
        assert_eq!(
            label_of(".spec.template.metadata.labels.app").as_deref(),
            Some("app")
        );
        assert_eq!(label_of(".metadata.name"), None);
    }

    #[test]
    fn names_follow_the_backstage_alphabet() {
        assert_eq!(name("checkout-api"), "checkout-api");
        assert_eq!(name("-a b/c-"), "a-b-c");
        assert_eq!(name(&"x".repeat(80)).len(), 63);
    }
}
