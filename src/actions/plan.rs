//! Pure request planning: what exact HTTP request each action sends (method, path, content
//! type, body). The executor sends exactly this, so tests of the plan are tests of the wire.

use super::{Action, Target};
use serde_json::{Value, json};

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

/// The annotation `kubectl rollout restart` sets on the pod template.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// Kinds with a pod template that `kubectl rollout restart` / `set image` accept.
const ROLLABLE: &[&str] = &["Deployment", "StatefulSet", "DaemonSet"];
/// Kinds with a scale subresource.
const SCALABLE: &[&str] = &["Deployment", "StatefulSet", "ReplicaSet"];

/// The object's REST path: `/apis/apps/v1/namespaces/ns/deployments/name`.
pub fn object_path(t: &Target) -> String {
    let base = if t.group.is_empty() {
        format!("/api/{}", t.version)
    } else {
        format!("/apis/{}/{}", t.group, t.version)
    };
    match &t.namespace {
        Some(ns) => format!("{base}/namespaces/{ns}/{}/{}", t.plural, t.name),
        None => format!("{base}/{}/{}", t.plural, t.name),
    }
}

/// Why an action cannot apply to a target, if it cannot (checked before asking to confirm).
pub fn refusal(t: &Target, action: &Action) -> Option<String> {
    let kind = t.kind.as_str();
    match action {
        Action::Restart | Action::SetImage { .. } if !ROLLABLE.contains(&kind) => Some(format!(
            "{kind} cannot be rolled out (only Deployment, StatefulSet, DaemonSet)"
        )),
        Action::Restart if t.paused => Some(format!(
            "{kind} {} is paused: resume it first (kubectl rollout resume), a restart would not roll",
            t.name
        )),
        Action::Scale { .. } if !SCALABLE.contains(&kind) => {
            Some(format!("{kind} has no scale subresource"))
        }
        Action::Scale { replicas } if *replicas < 0 => {
            Some(format!("replicas must be 0 or more, not {replicas}"))
        }
        Action::DeletePod if kind != "Pod" => {
            Some(format!("only pods can be deleted here, not a {kind}"))
        }
        Action::SetImage { image, .. } if image.trim().is_empty() => {
            Some("the image is empty".into())
        }
        _ => None,
    }
}

/// Plan the request for an action. `now` is RFC 3339 (the restart annotation's value).
pub fn plan(t: &Target, action: &Action, now: &str) -> Result<Planned, String> {
    if let Some(why) = refusal(t, action) {
        return Err(why);
    }
    let path = object_path(t);
    Ok(match action {
        // Exactly what `kubectl rollout restart` sends.
        Action::Restart => Planned {
            method: http::Method::PATCH,
            path,
            content_type: STRATEGIC,
            body: json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}}),
        },
        // What `kubectl set image kind/name container=image` sends: containers merge by name.
        Action::SetImage { container, image } => Planned {
            method: http::Method::PATCH,
            path,
            content_type: STRATEGIC,
            body: json!({"spec": {"template": {"spec": {"containers": [{"name": container, "image": image}]}}}}),
        },
        // `kubectl scale` patches the scale subresource.
        Action::Scale { replicas } => Planned {
            method: http::Method::PATCH,
            path: format!("{path}/scale"),
            content_type: MERGE,
            body: json!({"spec": {"replicas": replicas}}),
        },
        // The uid precondition: a pod recreated under the same name is never the one deleted.
        Action::DeletePod => Planned {
            method: http::Method::DELETE,
            path,
            content_type: JSON,
            body: json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": t.uid}}),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deploy() -> Target {
        Target {
            context: "prod".into(),
            group: "apps".into(),
            version: "v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
            namespace: Some("shop".into()),
            name: "checkout".into(),
            uid: "u-1".into(),
            paused: false,
        }
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
    fn paused_and_wrong_kinds_are_refused() {
        let mut t = deploy();
        t.paused = true;
        assert!(
            plan(&t, &Action::Restart, "x")
                .expect_err("paused")
                .contains("paused")
        );
        t.kind = "CronJob".into();
        assert!(refusal(&t, &Action::Scale { replicas: 1 }).is_some());
        assert!(refusal(&deploy(), &Action::Scale { replicas: -1 }).is_some());
        assert!(refusal(&deploy(), &Action::DeletePod).is_some());
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
    fn delete_pod_carries_the_uid() {
        let t = Target {
            group: String::new(),
            kind: "Pod".into(),
            plural: "pods".into(),
            name: "checkout-1".into(),
            uid: "pod-uid".into(),
            ..deploy()
        };
        let p = plan(&t, &Action::DeletePod, "x").expect("plan");
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
