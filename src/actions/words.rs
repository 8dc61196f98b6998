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
