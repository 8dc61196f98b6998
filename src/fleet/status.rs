//! Turning kube client errors into what the user sees: unreachable, unauthorized, forbidden,
//! or an error with the server's own words. Never includes credentials.

use crate::catalog::ClusterStatus;

/// What an error means for a cluster or a kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    Unreachable(String),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    Other(String),
}

impl Failure {
    pub fn message(&self) -> &str {
        match self {
            Failure::Unreachable(m)
            | Failure::Unauthorized(m)
            | Failure::Forbidden(m)
            | Failure::NotFound(m)
            | Failure::Other(m) => m,
        }
    }

    /// The cluster status this failure implies, if it is about the whole cluster.
    pub fn cluster_status(&self) -> Option<ClusterStatus> {
        match self {
            Failure::Unreachable(m) => Some(ClusterStatus::Unreachable(m.clone())),
            Failure::Unauthorized(m) => Some(ClusterStatus::Unauthorized(m.clone())),
            Failure::Forbidden(_) | Failure::NotFound(_) => None,
            Failure::Other(m) => Some(ClusterStatus::Error(m.clone())),
        }
    }
}

/// Classify a kube client error.
pub fn classify(e: &kube::Error) -> Failure {
    match e {
        kube::Error::Api(s) => {
            let msg = if s.message.is_empty() {
                format!("{} ({})", s.reason, s.code)
            } else {
                s.message.clone()
            };
            match s.code {
                401 => Failure::Unauthorized(format!(
                    "401 Unauthorized: {msg} (token expired or invalid?)"
                )),
                403 => Failure::Forbidden(format!("403 Forbidden: {msg}")),
                404 => Failure::NotFound(format!("404 Not Found: {msg}")),
                _ => Failure::Other(format!("{} {}: {msg}", s.code, s.reason)),
            }
        }
        kube::Error::Auth(a) => {
            Failure::Unauthorized(format!("credentials failed: {}", auth_words(a)))
        }
        kube::Error::HyperError(h) => Failure::Unreachable(chain(h)),
        kube::Error::Service(s) => Failure::Unreachable(chain(s.as_ref())),
        other => Failure::Other(first_line(&other.to_string())),
    }
}

/// Classify a watcher error (it wraps client errors).
pub fn classify_watch(e: &kube::runtime::watcher::Error) -> Failure {
    use kube::runtime::watcher::Error as W;
    match e {
        W::InitialListFailed(c) | W::WatchStartFailed(c) | W::WatchFailed(c) => classify(c),
        W::WatchError(s) => match s.code {
            401 => Failure::Unauthorized(format!("401 Unauthorized: {}", s.message)),
            403 => Failure::Forbidden(format!("403 Forbidden: {}", s.message)),
            _ => Failure::Other(format!("{} {}: {}", s.code, s.reason, s.message)),
        },
        W::NoResourceVersion => Failure::Other(e.to_string()),
    }
}

/// An auth error in words: for a failed exec plugin, the program, its exit status and the first
/// line it wrote to stderr (never its stdout, which would hold a credential).
fn auth_words(a: &kube::client::AuthError) -> String {
    match a {
        kube::client::AuthError::AuthExecRun { cmd, out } => {
            let program = cmd
                .split_whitespace()
                .find(|w| !w.contains('='))
                .unwrap_or("")
                .trim_matches(|c| c == '"' || c == '\'')
                .rsplit('/')
                .next()
                .unwrap_or("");
            let stderr = String::from_utf8_lossy(&out.stderr);
            let why = stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message");
            format!(
                "exec plugin {program} failed ({}): {}",
                out.status,
                first_line(why)
            )
        }
        other => first_line(&other.to_string()),
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

/// The error with its sources, e.g. "client error (Connect): tcp connect error: Connection refused".
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    first_line(&parts.join(": "))
}
