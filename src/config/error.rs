//! What can be wrong with the configuration, typed: a kubeconfig file that cannot be read or
//! merged, a context that is unknown or cannot be used, a user config file with an error.
//! Every message names the file (and the line, where the parser knows it) and the context.

use std::path::PathBuf;
use std::sync::Arc;
use thiserror::Error;

/// Loading kubeconfig files and choosing contexts.
#[derive(Debug, Error)]
pub enum KubeconfigError {
    #[error("{}: {error}", .path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: invalid YAML: {error}", .path.display())]
    Yaml {
        path: PathBuf,
        error: serde_yaml::Error,
    },
    #[error("{}: not a valid kubeconfig: {error}", .path.display())]
    Invalid {
        path: PathBuf,
        error: kube::config::KubeconfigError,
    },
    #[error("{}: cannot be merged with the files before it: {error}", .path.display())]
    Merge {
        path: PathBuf,
        error: kube::config::KubeconfigError,
    },
    #[error("{}: cannot tell its folder (for relative paths in it): {error}", .path.display())]
    Folder {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("context {context:?} not found in {files}; known contexts: {known}")]
    UnknownContext {
        context: String,
        files: String,
        known: String,
    },
    #[error("{files}: no contexts defined")]
    NoContexts { files: String },
}

/// A kubeconfig field that names a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathField {
    CertificateAuthority,
    ClientCertificate,
    ClientKey,
    TokenFile,
    ExecCommand,
}

impl std::fmt::Display for PathField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PathField::CertificateAuthority => "certificate-authority",
            PathField::ClientCertificate => "client-certificate",
            PathField::ClientKey => "client-key",
            PathField::TokenFile => "tokenFile",
            PathField::ExecCommand => "exec command",
        })
    }
}

/// One context's entries cannot make a client config. Cheap to clone (the fleet keeps it to
/// report the context's status).
#[derive(Debug, Clone, Error)]
pub enum ContextError {
    /// A file named by the context's cluster or user is missing or unreadable.
    #[error(
        "context {context:?}: {field} {} (set in {}): {error}",
        .path.display(),
        .kubeconfig.display()
    )]
    File {
        context: String,
        field: PathField,
        /// The file as resolved (absolute when the kubeconfig gave a relative path).
        path: PathBuf,
        /// The kubeconfig file whose entry names it.
        kubeconfig: PathBuf,
        error: Arc<std::io::Error>,
    },
    /// kube refused the entries (no server URL, bad URL, bad base64 data, ...).
    #[error("context {context:?} in {files}: {error}")]
    Invalid {
        context: String,
        files: String,
        error: Arc<kube::config::KubeconfigError>,
    },
}

impl ContextError {
    pub fn context(&self) -> &str {
        match self {
            ContextError::File { context, .. } | ContextError::Invalid { context, .. } => context,
        }
    }
}

/// The user's config file.
#[derive(Debug, Error)]
pub enum UserConfigError {
    #[error("{}: {error}", .path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: {error}", .path.display())]
    Parse {
        path: PathBuf,
        error: serde_yaml::Error,
    },
}
