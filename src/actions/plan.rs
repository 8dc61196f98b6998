//! Pure request planning: what exact HTTP request each action sends (method, path, content
//! type, body), shaped by the blueprint's [`ActionRule`] for the object's kind. The executor
//! sends exactly this, so tests of the plan are tests of the wire.

use super::error::Refusal;
use super::{Action, Target};
use crate::blueprint::{ActionRule, PatchType};
use serde_json::{Map, Value, json};

/// One planned HTTP request.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub method: http::Method,
    pub path: String,
    pub content_type: &'static str,
    pub body: Value,
}

pub const STRATEGIC: &str = "application/strategic-merge-patch+json";
pub const MERGE: &str = "application/merge-patch+json";
pub const JSON: &str = "application/json";
/// `application/json-patch+json` (undo of a Deployment).
pub const JSON_PATCH: &str = "application/json-patch+json";

/// The annotation `kubectl rollout restart` sets on the pod template.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// Why an action cannot apply to a target, if it cannot (checked before asking to confirm).
pub fn refusal(t: &Target, action: &Action) -> Option<Refusal> {
    rule_for(t, action).err()
}

fn rule_for<'t>(t: &'t Target, action: &Action) -> Result<Option<&'t ActionRule>, Refusal> {
    let Some(kind) = action.kind() else {
        return Ok(None);
    };
    let rule = t.rule(kind).ok_or_else(|| Refusal::NotOffered {
        action: kind.name(),
        kind: t.kind.clone(),
    })?;
    match action {
        Action::Restart if t.paused => Err(Refusal::Paused {
            kind: t.kind.clone(),
            name: t.name.clone(),
        }),
        Action::Scale { replicas } if *replicas < 0 => Err(Refusal::NegativeReplicas(*replicas)),
        Action::SetImage { image, .. } if image.trim().is_empty() => Err(Refusal::EmptyImage),
        Action::Undo { .. } if t.history.is_none() => Err(Refusal::NotOffered {
            action: kind.name(),
            kind: t.kind.clone(),
        }),
        _ => Ok(Some(rule)),
    }
}

/// `leaf` nested under the field names of `path` (`["spec", "template"]`).
fn nest(path: &[Box<str>], leaf: Value) -> Value {
    path.iter().rev().fold(leaf, |inner, key| {
        let mut m = Map::new();
        m.insert(key.to_string(), inner);
        Value::Object(m)
    })
}

/// Plan the request for an action. `now` is RFC 3339 (the restart annotation's value).
pub fn plan(t: &Target, action: &Action, now: &str) -> Result<Planned, Refusal> {
    let path = t.path();
    let rule = match rule_for(t, action)? {
        Some(rule) => rule,
        None => return Ok(governance(t, action, path)),
    };
    Ok(match action {
        // Exactly what `kubectl rollout restart` sends (a merge patch for custom resources).
        Action::Restart => Planned {
            method: http::Method::PATCH,
            path,
            content_type: match rule.patch {
                PatchType::Strategic => STRATEGIC,
                PatchType::Merge => MERGE,
            },
            body: nest(
                &rule.template,
                json!({"metadata": {"annotations": {RESTARTED_AT: now}}}),
            ),
        },
        // What `kubectl set image kind/name container=image` sends: containers merge by name.
        Action::SetImage { container, image } => Planned {
            method: http::Method::PATCH,
            path,
            content_type: STRATEGIC,
            body: nest(
                &rule.template,
                json!({"spec": {"containers": [{"name": container, "image": image}]}}),
            ),
        },
        // `kubectl scale` patches the scale subresource.
        Action::Scale { replicas } => Planned {
            method: http::Method::PATCH,
            path: format!("{path}/scale"),
            content_type: MERGE,
            body: json!({"spec": {"replicas": replicas}}),
        },
        // Undo's address and patch type; its body comes from the fetched history
        // (`super::undo::plan`), so the executor never sends this one.
        Action::Undo { .. } => Planned {
            method: http::Method::PATCH,
            path,
            content_type: match t.history.as_ref().map(|h| h.patch) {
                Some(crate::blueprint::history::UndoPatch::Strategic) => STRATEGIC,
                _ => JSON_PATCH,
            },
            body: Value::Null,
        },
        // The uid precondition: an object recreated under the same name is never the one
        // deleted.
        Action::Delete => Planned {
            method: http::Method::DELETE,
            path,
            content_type: JSON,
            body: json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": t.uid}}),
        },
        // The streaming subresources. The connection itself is a GET upgraded to a
        // WebSocket (`exec`, `portforward`); since v1.30 the API server authorizes it as
        // `create` on the subresource, which is what this plan (POST) stands for in an
        // access review. The executor never sends it as such ([`super::exec`],
        // [`super::portforward`] connect).
        Action::Exec { .. } => stream(format!("{path}/exec")),
        Action::PortForward { .. } => stream(format!("{path}/portforward")),
        Action::Annotate { .. } | Action::Reap => governance(t, action, path),
    })
}

/// The authorization shape of a streaming subresource (`create` on it).
fn stream(path: String) -> Planned {
    Planned {
        method: http::Method::POST,
        path,
        content_type: JSON,
        body: Value::Null,
    }
}

/// The governance writes, planned without a blueprint rule: annotations by merge patch
/// (`kubectl annotate`; with `metadata.resourceVersion` the server answers 409 Conflict when
/// the object moved since it was read), and the reaper's delete with a uid precondition.
fn governance(t: &Target, action: &Action, path: String) -> Planned {
    match action {
        Action::Annotate {
            annotations,
            resource_version,
        } => {
            let mut meta = Map::new();
            meta.insert("annotations".into(), json!(annotations));
            if let Some(rv) = resource_version {
                meta.insert("resourceVersion".into(), json!(rv));
            }
            Planned {
                method: http::Method::PATCH,
                path,
                content_type: MERGE,
                body: json!({ "metadata": meta }),
            }
        }
        _ => Planned {
            method: http::Method::DELETE,
            path,
            content_type: JSON,
            body: json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": t.uid}}),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::ActionKind;

    fn rule(kind: ActionKind, template: &[&str]) -> ActionRule {
        ActionRule {
            kind,
            template: template.iter().map(|s| (*s).into()).collect(),
            patch: PatchType::Strategic,
            paused: None,
            containers: None,
            images: None,
            replicas: None,
            ports: None,
        }
    }

    use crate::actions::fixture::target;

    fn deploy() -> Target {
        let t = &["spec", "template"];
        target(
            "Deployment",
            ActionKind::ALL.iter().map(|k| rule(*k, t)).collect(),
        )
    }

    #[test]
    fn restart_is_kubectls_patch() {
        let p = plan(&deploy(), &Action::Restart, "2026-11-23T20:40:00Z").expect("plan");
        assert_eq!(p.method, http::Method::PATCH);
        assert_eq!(p.path, "/apis/apps/v1/namespaces/shop/deployments/checkout");
        assert_eq!(p.content_type, STRATEGIC);
        assert_eq!(
            p.body.to_string(),
            r#"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-23T20:40:00Z"}}}}}"#
        );
    }

    #[test]
    fn the_rule_places_the_template_and_picks_the_patch_type() {
        let mut r = rule(
            ActionKind::Restart,
            &["spec", "jobTemplate", "spec", "template"],
        );
        r.patch = PatchType::Merge;
        let p = plan(&target("Widget", vec![r]), &Action::Restart, "t").expect("plan");
        assert_eq!(p.content_type, MERGE);
        assert_eq!(
            p.body.to_string(),
            r#"{"spec":{"jobTemplate":{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"t"}}}}}}}"#
        );
    }

    #[test]
    fn actions_the_kind_does_not_take_are_refused_with_the_reason() {
        let job = target("Job", vec![]);
        for a in [
            Action::Restart,
            Action::Scale { replicas: 1 },
            Action::Delete,
        ] {
            assert_eq!(
                refusal(&job, &a),
                Some(Refusal::NotOffered {
                    action: a.kind().map(|k| k.name()).unwrap_or_default(),
                    kind: "Job".into()
                })
            );
        }
        assert_eq!(
            refusal(&job, &Action::Restart).map(|r| r.to_string()),
            Some(
                "restart does not apply to a Job (its blueprint does not offer it for this kind)"
                    .into()
            )
        );
    }

    #[test]
    fn paused_objects_and_bad_inputs_are_refused() {
        let mut t = deploy();
        t.paused = true;
        let why = plan(&t, &Action::Restart, "x").expect_err("paused");
        assert!(matches!(why, Refusal::Paused { .. }));
        assert!(why.to_string().contains("kubectl rollout resume"), "{why}");
        assert_eq!(
            refusal(&deploy(), &Action::Scale { replicas: -1 }),
            Some(Refusal::NegativeReplicas(-1))
        );
        let empty = Action::SetImage {
            container: "app".into(),
            image: " ".into(),
        };
        assert_eq!(refusal(&deploy(), &empty), Some(Refusal::EmptyImage));
    }

    #[test]
    fn scale_uses_the_subresource() {
        let p = plan(&deploy(), &Action::Scale { replicas: 4 }, "x").expect("plan");
        assert_eq!(
            p.path,
            "/apis/apps/v1/namespaces/shop/deployments/checkout/scale"
        );
        assert_eq!(p.content_type, MERGE);
        assert_eq!(p.body.to_string(), r#"{"spec":{"replicas":4}}"#);
    }

    #[test]
    fn delete_carries_the_uid() {
        let mut t = target("Pod", vec![rule(ActionKind::Delete, &[])]);
        t.group = String::new();
        t.plural = "pods".into();
        t.name = "checkout-1".into();
        t.uid = "pod-uid".into();
        let p = plan(&t, &Action::Delete, "x").expect("plan");
        assert_eq!(p.method, http::Method::DELETE);
        assert_eq!(p.path, "/api/v1/namespaces/shop/pods/checkout-1");
        assert_eq!(p.body["preconditions"]["uid"], "pod-uid");
    }

    #[test]
    fn set_image_merges_by_container_name() {
        let a = Action::SetImage {
            container: "app".into(),
            image: "registry.example/checkout:1.5.0".into(),
        };
        let p = plan(&deploy(), &a, "x").expect("plan");
        assert_eq!(
            p.body["spec"]["template"]["spec"]["containers"][0],
            json!({"name": "app", "image": "registry.example/checkout:1.5.0"})
        );
    }
}
