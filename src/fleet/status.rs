//! Turning kube client errors into what the user sees: unreachable, unauthorized, forbidden,
//! or an error with the server's own words. Never includes credentials.

use crate::catalog::ClusterStatus;
use crate::config::ContextError;
use kube::error::DiscoveryError;
use thiserror::Error;

/// Why talking to a cluster failed, typed. The cluster's status is a function of it
/// ([`Failure::cluster_status`]); its words are what the user reads (never a credential).
#[derive(Debug, Clone, Error)]
pub enum Failure {
    /// Connection refused or reset, DNS, TLS handshake: the server cannot be reached.
    #[error("{0}")]
    Unreachable(String),
    /// The server did not answer in time.
    #[error("no answer from the API server within {seconds} s")]
    Timeout { seconds: u64 },
    /// 401: the server does not accept the credentials.
    #[error("401 Unauthorized: {0} (token expired or invalid?)")]
    Unauthorized(String),
    /// The credentials could not be obtained (an exec plugin failed, a token file unreadable).
    #[error("credentials failed: {0}")]
    Credentials(CredentialError),
    /// 403 on one kind: the rest of the cluster is fine.
    #[error("403 Forbidden: {0}")]
    Forbidden(String),
    /// 404, or a kind the server does not serve.
    #[error("404 Not Found: {0}")]
    NotFound(String),
    /// Any other status the server answered with.
    #[error("{code} {reason}: {message}")]
    Api {
        code: u16,
        reason: String,
        message: String,
    },
    /// The context's kubeconfig entries cannot make a client.
    #[error(transparent)]
    Config(#[from] ContextError),
    /// Anything else (a response that could not be read, a client that could not be built).
    #[error("{0}")]
    Other(String),
}

/// Why credentials could not be obtained.
#[derive(Debug, Clone, Error)]
pub enum CredentialError {
    /// The exec plugin ran and failed: its program name, exit status and first stderr line.
    #[error("exec plugin {program} failed ({status}): {stderr}")]
    PluginFailed {
        program: String,
        status: String,
        stderr: String,
    },
    /// The exec plugin's program is not there (client-go: "executable ... not found"), with
    /// the kubeconfig's `installHint` when it has one.
    #[error("exec plugin {program} not found{}", .install_hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default())]
    PluginNotFound {
        program: String,
        install_hint: Option<String>,
    },
    /// The exec plugin did not finish in time (waiting for a login that never comes?).
    #[error("the exec plugin gave no answer within {seconds} s")]
    PluginTimeout { seconds: u64 },
    /// kube's own words (plugin not found, bad plugin output, unreadable token file, ...).
    #[error("{0}")]
    Other(String),
}

impl Failure {
    /// What the user reads.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// True for failures of the whole cluster (every request would fail the same way); false
    /// for failures of one kind (403, 404, other statuses), which the cluster survives.
    pub fn is_cluster_wide(&self) -> bool {
        matches!(
            self,
            Failure::Unreachable(_)
                | Failure::Timeout { .. }
                | Failure::Unauthorized(_)
                | Failure::Credentials(_)
                | Failure::Config(_)
        )
    }

    /// The cluster status this failure implies: unreachable for network failures and
    /// timeouts, unauthorized for a 401 or failed credentials, error for everything else.
    pub fn cluster_status(&self) -> ClusterStatus {
        let m = self.message();
        match self {
            Failure::Unreachable(_) | Failure::Timeout { .. } => ClusterStatus::Unreachable(m),
            Failure::Unauthorized(_) | Failure::Credentials(_) => ClusterStatus::Unauthorized(m),
            Failure::Forbidden(_)
            | Failure::NotFound(_)
            | Failure::Api { .. }
            | Failure::Config(_)
            | Failure::Other(_) => ClusterStatus::Error(m),
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
            of_status(s.code, &s.reason, msg)
        }
        kube::Error::Auth(a) => Failure::Credentials(credential_error(a)),
        kube::Error::HyperError(h) => Failure::Unreachable(chain(h)),
        kube::Error::Service(s) => Failure::Unreachable(chain(s.as_ref())),
        kube::Error::Discovery(
            d @ (DiscoveryError::MissingKind(_)
            | DiscoveryError::MissingApiGroup(_)
            | DiscoveryError::MissingResource(_)),
        ) => Failure::NotFound(first_line(&d.to_string())),
        other => Failure::Other(first_line(&other.to_string())),
    }
}

/// A status the server answered with.
fn of_status(code: u16, reason: &str, message: String) -> Failure {
    match code {
        401 => Failure::Unauthorized(message),
        403 => Failure::Forbidden(message),
        404 => Failure::NotFound(message),
        _ => Failure::Api {
            code,
            reason: reason.to_string(),
            message,
        },
    }
}

/// Classify an error from building a client: as [`classify`], and a credential plugin whose
/// program cannot be found is named with the kubeconfig's install hint, as kubectl does.
pub fn classify_build(e: &kube::Error, exec: Option<&kube::config::ExecConfig>) -> Failure {
    if let kube::Error::Auth(kube::client::AuthError::AuthExecStart(io)) = e
        && io.kind() == std::io::ErrorKind::NotFound
        && let Some(command) = exec.and_then(|x| x.command.as_deref())
    {
        let hint = exec
            .and_then(|x| x.install_hint.as_deref())
            .map(|h| h.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|h| !h.is_empty());
        return Failure::Credentials(CredentialError::PluginNotFound {
            program: command.to_string(),
            install_hint: hint.map(|h| first_line(&h)),
        });
    }
    classify(e)
}

/// Classify a watcher error (it wraps client errors).
pub fn classify_watch(e: &kube::runtime::watcher::Error) -> Failure {
    use kube::runtime::watcher::Error as W;
    match e {
        W::InitialListFailed(c) | W::WatchStartFailed(c) | W::WatchFailed(c) => classify(c),
        W::WatchError(s) => of_status(s.code, &s.reason, s.message.clone()),
        W::NoResourceVersion => Failure::Other(e.to_string()),
    }
}

/// An auth error, typed: for a failed exec plugin, the program, its exit status and the first
/// line it wrote to stderr (never its stdout, which would hold a credential).
fn credential_error(a: &kube::client::AuthError) -> CredentialError {
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
            CredentialError::PluginFailed {
                program: program.to_string(),
                status: out.status.to_string(),
                stderr: first_line(why),
            }
        }
        other => CredentialError::Other(first_line(&other.to_string())),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(code: u16, reason: &str, message: &str) -> kube::Error {
        let status: kube::core::Status = serde_json::from_value(serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code
        }))
        .expect("status");
        kube::Error::Api(Box::new(status))
    }

    #[test]
    fn a_401_makes_the_cluster_unauthorized_with_the_servers_words() {
        let f = classify(&api_error(401, "Unauthorized", "Unauthorized"));
        assert!(matches!(f, Failure::Unauthorized(_)), "{f:?}");
        assert!(f.is_cluster_wide());
        assert_eq!(
            f.cluster_status(),
            ClusterStatus::Unauthorized(
                "401 Unauthorized: Unauthorized (token expired or invalid?)".into()
            )
        );
    }

    #[test]
    fn a_403_or_404_concerns_one_kind_and_other_statuses_are_errors() {
        let f = classify(&api_error(403, "Forbidden", "pods is forbidden"));
        assert!(matches!(f, Failure::Forbidden(_)) && !f.is_cluster_wide());
        assert_eq!(f.message(), "403 Forbidden: pods is forbidden");
        let f = classify(&api_error(404, "NotFound", "no such group"));
        assert!(matches!(f, Failure::NotFound(_)) && !f.is_cluster_wide());
        let f = classify(&api_error(500, "InternalError", "etcd is down"));
        assert_eq!(
            f.cluster_status(),
            ClusterStatus::Error("500 InternalError: etcd is down".into())
        );
    }

    #[test]
    fn a_kind_missing_from_discovery_is_not_found() {
        let e = kube::Error::Discovery(DiscoveryError::MissingKind("Rollout".into()));
        assert!(matches!(classify(&e), Failure::NotFound(_)));
    }

    #[test]
    fn failed_credentials_make_the_cluster_unauthorized_and_a_timeout_unreachable() {
        let f = Failure::Credentials(CredentialError::PluginTimeout { seconds: 60 });
        assert_eq!(
            f.cluster_status(),
            ClusterStatus::Unauthorized(
                "credentials failed: the exec plugin gave no answer within 60 s".into()
            )
        );
        let f = Failure::Timeout { seconds: 15 };
        assert_eq!(
            f.cluster_status(),
            ClusterStatus::Unreachable("no answer from the API server within 15 s".into())
        );
    }

    #[test]
    fn a_context_config_problem_is_an_error_in_its_own_words() {
        let e = ContextError::File {
            context: "dev".into(),
            field: crate::config::PathField::TokenFile,
            path: "/k/tokens/dev".into(),
            kubeconfig: "/k/config".into(),
            error: std::sync::Arc::new(std::io::Error::from(std::io::ErrorKind::NotFound)),
        };
        let f = Failure::from(e.clone());
        assert!(f.is_cluster_wide());
        assert_eq!(f.cluster_status(), ClusterStatus::Error(e.to_string()));
        assert!(
            e.to_string()
                .starts_with("context \"dev\": tokenFile /k/tokens/dev (set in /k/config): ")
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_unreachable() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let uri: http::Uri = format!("http://127.0.0.1:{port}").parse().expect("uri");
        let client = kube::Client::try_from(kube::Config::new(uri)).expect("client");
        let e = client.apiserver_version().await.expect_err("closed port");
        let f = classify(&e);
        assert!(matches!(f, Failure::Unreachable(_)), "{f:?}");
        match f.cluster_status() {
            ClusterStatus::Unreachable(m) => {
                assert!(m.to_lowercase().contains("connection refused"), "{m}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_missing_exec_plugin_is_named_with_its_install_hint() {
        let exec: kube::config::ExecConfig = serde_json::from_value(serde_json::json!({
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": "kubeatlas-no-such-plugin",
            "installHint": "Install it with:\n  brew install no-such-plugin"
        }))
        .expect("exec");
        let mut config = kube::Config::new("http://127.0.0.1:1".parse().expect("uri"));
        config.auth_info.exec = Some(exec);
        let Err(f) = crate::fleet::build_client(config).await else {
            panic!("a client without its plugin");
        };
        assert!(
            matches!(
                f,
                Failure::Credentials(CredentialError::PluginNotFound { .. })
            ),
            "{f:?}"
        );
        assert_eq!(
            f.cluster_status(),
            ClusterStatus::Unauthorized(
                "credentials failed: exec plugin kubeatlas-no-such-plugin not found (Install it with: brew install no-such-plugin)".into()
            )
        );
    }
}
