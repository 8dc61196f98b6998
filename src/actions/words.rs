//! API errors in words a user can act on. Never claims an outcome it does not know.

use super::{Action, Target};

/// Describe a failed request.
pub fn failure(e: &kube::Error, t: &Target, a: &Action) -> String {
    let what = format!(
        "{} {}/{}",
        t.kind,
        t.namespace.as_deref().unwrap_or("-"),
        t.name
    );
    match e {
        kube::Error::Api(s) => match s.code {
            401 => format!(
                "unauthorized in context {}: credentials expired or invalid ({}); nothing was changed",
                t.context, s.message
            ),
            403 => format!(
                "forbidden: your credentials for context {} may not {} {what} ({}); nothing was changed",
                t.context,
                a.verb(),
                s.message
            ),
            404 => format!("{what} no longer exists (deleted meanwhile?); nothing was changed"),
            409 if matches!(a, Action::DeletePod) => format!(
                "{what} was replaced by a new pod with the same name (uid changed); nothing was deleted — look again and retry"
            ),
            409 => format!(
                "conflict on {what}: {}; nothing was changed — retry",
                s.message
            ),
            422 => {
                let causes = s
                    .details
                    .as_ref()
                    .map(|d| {
                        d.causes
                            .iter()
                            .map(|c| format!("{}: {}", c.field, c.message))
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| s.message.clone());
                format!("rejected as invalid: {causes}; nothing was changed")
            }
            code if code >= 500 => format!(
                "server error {code} ({}): the change may or may not have been applied — check {what} before retrying",
                s.message
            ),
            code => format!("{code} {}: {}", s.reason, s.message),
        },
        other => {
            let m = other.to_string();
            let m: String = m
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            format!(
                "no answer from context {}: {m}; the outcome is unknown — check {what} before retrying",
                t.context
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A captured real Status body (the `.txt` captures end with an `HTTP <code>` line).
    fn captured(text: &str) -> kube::Error {
        let json: String = text.lines().filter(|l| !l.starts_with("HTTP ")).collect();
        let status: kube::core::Status = serde_json::from_str(&json).expect("a Status body");
        kube::Error::Api(Box::new(status))
    }

    fn target(kind: &str) -> Target {
        Target {
            context: "prod".into(),
            group: "apps".into(),
            version: "v1".into(),
            kind: kind.into(),
            plural: "deployments".into(),
            namespace: Some("shop".into()),
            name: "checkout".into(),
            uid: "u".into(),
            paused: false,
        }
    }

    #[test]
    fn real_status_bodies_become_actionable_words() {
        let e = captured(include_str!(
            "../../tests/fixtures/k8s-wire/error-403-patch.txt"
        ));
        let m = failure(&e, &target("Deployment"), &Action::Restart);
        assert!(
            m.starts_with("forbidden: your credentials for context prod may not restart"),
            "{m}"
        );
        assert!(m.contains("cannot patch resource"), "{m}");

        let e = captured(include_str!("../../tests/fixtures/k8s-wire/error-404.txt"));
        let m = failure(&e, &target("Deployment"), &Action::Restart);
        assert!(m.contains("no longer exists"), "{m}");

        let e = captured(include_str!(
            "../../tests/fixtures/k8s-wire/error-409-precondition.txt"
        ));
        let m = failure(&e, &target("Pod"), &Action::DeletePod);
        assert!(
            m.contains("uid changed") && m.contains("nothing was deleted"),
            "{m}"
        );

        let e = captured(include_str!(
            "../../tests/fixtures/k8s-wire/error-422-scale.txt"
        ));
        let m = failure(&e, &target("Deployment"), &Action::Scale { replicas: -1 });
        assert!(m.starts_with("rejected as invalid: spec.replicas:"), "{m}");
    }
}
