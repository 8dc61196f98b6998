//! API errors classified into [`ApiFailure`]s, whose words a user can act on. Never claims an
//! outcome it does not know.

use super::error::ApiFailure;
use super::{Action, Target};

/// Classify a failed request.
pub fn failure(e: &kube::Error, t: &Target, a: &Action) -> ApiFailure {
    let what = t.what();
    match e {
        kube::Error::Api(s) => match s.code {
            401 => ApiFailure::Unauthorized {
                context: t.context.clone(),
                message: s.message.clone(),
            },
            403 => ApiFailure::Forbidden {
                context: t.context.clone(),
                action: a.verb(),
                what,
                message: s.message.clone(),
            },
            404 => ApiFailure::NotFound { what },
            409 if matches!(a, Action::Delete | Action::Reap) => ApiFailure::Replaced {
                what,
                kind: t.kind.clone(),
            },
            409 => ApiFailure::Conflict {
                what,
                message: s.message.clone(),
            },
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
                ApiFailure::Invalid { causes }
            }
            code if code >= 500 => ApiFailure::Server {
                code,
                message: s.message.clone(),
                what,
            },
            code => ApiFailure::Status {
                code,
                reason: s.reason.clone(),
                message: s.message.clone(),
            },
        },
        other => {
            let m = other.to_string();
            let message: String = m
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            ApiFailure::NoAnswer {
                context: t.context.clone(),
                message,
                what,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::fixture::target;

    /// A captured real Status body (the `.txt` captures end with an `HTTP <code>` line).
    fn captured(text: &str) -> kube::Error {
        let json: String = text.lines().filter(|l| !l.starts_with("HTTP ")).collect();
        let status: kube::core::Status = serde_json::from_str(&json).expect("a Status body");
        kube::Error::Api(Box::new(status))
    }

    #[test]
    fn real_status_bodies_become_actionable_words() {
        let e = captured(include_str!(
            "../../tests/fixtures/k8s-wire/error-403-patch.txt"
        ));
        let f = failure(&e, &target("Deployment", Vec::new()), &Action::Restart);
        assert!(matches!(f, ApiFailure::Forbidden { .. }), "{f:?}");
        let m = f.to_string();
        assert!(
            m.starts_with("forbidden: your credentials for context prod may not restart"),
            "{m}"
        );
        assert!(m.contains("cannot patch resource"), "{m}");

        let e = captured(include_str!("../../tests/fixtures/k8s-wire/error-404.txt"));
        let f = failure(&e, &target("Deployment", Vec::new()), &Action::Restart);
        assert_eq!(
            f.to_string(),
            "Deployment shop/checkout no longer exists (deleted meanwhile?); nothing was changed"
        );

        let e = captured(include_str!(
            "../../tests/fixtures/k8s-wire/error-409-precondition.txt"
        ));
        let m = failure(&e, &target("Pod", Vec::new()), &Action::Delete).to_string();
        assert!(
            m.contains("replaced by a new Pod")
                && m.contains("uid changed")
                && m.contains("nothing was deleted"),
            "{m}"
        );

        let e = captured(include_str!(
            "../../tests/fixtures/k8s-wire/error-422-scale.txt"
        ));
        let f = failure(
            &e,
            &target("Deployment", Vec::new()),
            &Action::Scale { replicas: -1 },
        );
        assert!(!f.outcome_unknown());
        let m = f.to_string();
        assert!(m.starts_with("rejected as invalid: spec.replicas:"), "{m}");
    }
}
