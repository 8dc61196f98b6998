//! Kubeconfig → contexts: find the files (`--kubeconfig`, `KUBECONFIG`, `~/.kube/config`),
//! merge them as kubectl does, and build one client config per chosen context.

use kube::config::{ExecInteractiveMode, KubeConfigOptions, Kubeconfig};
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum KubeconfigError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("context {context:?} not found in {files}; known contexts: {known}")]
    UnknownContext {
        context: String,
        files: String,
        known: String,
    },
    #[error("{files}: no contexts defined")]
    NoContexts { files: String },
}

/// Where the kubeconfig came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Located {
    /// `--kubeconfig FILE` or `KUBECONFIG` paths (existing ones), in merge order.
    Files(Vec<PathBuf>),
    /// No kubeconfig at all: no `KUBECONFIG`, no `~/.kube/config`.
    Nothing,
}

/// Find the kubeconfig files the way kubectl does.
pub fn locate(explicit: Option<&Path>) -> Located {
    if let Some(p) = explicit {
        return Located::Files(vec![p.to_path_buf()]);
    }
    if let Some(env) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        // Missing entries in KUBECONFIG are skipped, as kubectl does.
        let files: Vec<PathBuf> = std::env::split_paths(&env)
            .filter(|p| !p.as_os_str().is_empty() && p.exists())
            .collect();
        return if files.is_empty() {
            Located::Nothing
        } else {
            Located::Files(files)
        };
    }
    match directories::BaseDirs::new().map(|b| b.home_dir().join(".kube").join("config")) {
        Some(p) if p.exists() => Located::Files(vec![p]),
        _ => Located::Nothing,
    }
}

/// A loaded, merged kubeconfig and the files it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub kubeconfig: Kubeconfig,
    pub files: Vec<PathBuf>,
}

impl Loaded {
    fn files_label(&self) -> String {
        self.files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Context names in file order.
    pub fn context_names(&self) -> Vec<String> {
        self.kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }

    /// The chosen contexts (all when `selected` is empty), each checked to exist.
    pub fn select(&self, selected: &[String]) -> Result<Vec<String>, KubeconfigError> {
        let known = self.context_names();
        if known.is_empty() {
            return Err(KubeconfigError::NoContexts {
                files: self.files_label(),
            });
        }
        if selected.is_empty() {
            return Ok(known);
        }
        for s in selected {
            if !known.contains(s) {
                return Err(KubeconfigError::UnknownContext {
                    context: s.clone(),
                    files: self.files_label(),
                    known: known.join(", "),
                });
            }
        }
        Ok(selected.to_vec())
    }

    /// The server URL of a context (for display), if its cluster entry has one.
    pub fn server_of(&self, context: &str) -> String {
        let cluster = self
            .kubeconfig
            .contexts
            .iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.as_ref())
            .map(|c| c.cluster.clone());
        cluster
            .and_then(|name| self.kubeconfig.clusters.iter().find(|c| c.name == name))
            .and_then(|c| c.cluster.as_ref())
            .and_then(|c| c.server.clone())
            .unwrap_or_default()
    }

    /// Build the client config of one context. With `non_interactive`, exec credential plugins
    /// get no terminal (stdin piped, stderr captured), so they never write over the TUI.
    pub async fn client_config(
        &self,
        context: &str,
        non_interactive: bool,
    ) -> Result<kube::Config, String> {
        let mut kc = self.kubeconfig.clone();
        if non_interactive {
            for auth in kc
                .auth_infos
                .iter_mut()
                .filter_map(|a| a.auth_info.as_mut())
            {
                if let Some(exec) = auth.exec.as_mut() {
                    exec.interactive_mode = Some(ExecInteractiveMode::Never);
                }
            }
        }
        let opts = KubeConfigOptions {
            context: Some(context.to_string()),
            ..Default::default()
        };
        kube::Config::from_custom_kubeconfig(kc, &opts)
            .await
            .map_err(|e| format!("context {context:?} in {}: {e}", self.files_label()))
    }
}

/// Read and merge kubeconfig files. The first file's value wins for each named entry, as in
/// kubectl. Errors name the file (and the line, where the parser knows it).
pub fn load(files: &[PathBuf]) -> Result<Loaded, KubeconfigError> {
    let mut merged: Option<Kubeconfig> = None;
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|e| KubeconfigError::File {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let kc = parse(&text).map_err(|message| KubeconfigError::File {
            path: path.clone(),
            message,
        })?;
        merged = Some(match merged {
            None => kc,
            Some(m) => m.merge(kc).map_err(|e| KubeconfigError::File {
                path: path.clone(),
                message: e.to_string(),
            })?,
        });
    }
    Ok(Loaded {
        kubeconfig: merged.unwrap_or_default(),
        files: files.to_vec(),
    })
}

/// Parse one kubeconfig document. An empty file is an empty config, as for kubectl.
fn parse(text: &str) -> Result<Kubeconfig, String> {
    if text.trim().is_empty() {
        return Ok(Kubeconfig::default());
    }
    // serde_yaml reports line and column; kube's own parser is used for the typed result.
    if let Err(e) = serde_yaml::from_str::<serde_yaml::Value>(text) {
        return Err(format!("invalid YAML: {e}"));
    }
    Kubeconfig::from_yaml(text).map_err(|e| format!("not a valid kubeconfig: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(text.as_bytes()).expect("write");
        f
    }

    const TWO: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: a\n  cluster: {server: 'http://127.0.0.1:1'}\n- name: b\n  cluster: {server: 'http://127.0.0.1:2'}\nusers:\n- name: u\n  user: {token: secret-token}\ncontexts:\n- name: one\n  context: {cluster: a, user: u}\n- name: two\n  context: {cluster: b, user: u}\ncurrent-context: one\n";

    #[test]
    fn loads_and_selects_contexts() {
        let f = file(TWO);
        let l = load(&[f.path().to_path_buf()]).expect("load");
        assert_eq!(l.context_names(), vec!["one", "two"]);
        assert_eq!(l.server_of("two"), "http://127.0.0.1:2");
        assert_eq!(l.select(&[]).expect("all"), vec!["one", "two"]);
        let err = l.select(&["three".into()]).expect_err("unknown");
        let msg = err.to_string();
        assert!(
            msg.contains("\"three\"") && msg.contains("one, two"),
            "{msg}"
        );
    }

    #[test]
    fn bad_yaml_names_file_and_line() {
        let f = file("apiVersion: v1\nclusters:\n  - name: a\n   bad: [\n");
        let err = load(&[f.path().to_path_buf()]).expect_err("bad");
        let msg = err.to_string();
        assert!(msg.contains(&f.path().display().to_string()), "{msg}");
        assert!(msg.contains("line"), "{msg}");
    }

    #[test]
    fn merge_keeps_first_file_entries() {
        let a = file(TWO);
        let b = file(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'http://127.0.0.1:3'}\nusers: []\ncontexts:\n- name: one\n  context: {cluster: c, user: u}\n- name: three\n  context: {cluster: c, user: u}\n",
        );
        let l = load(&[a.path().to_path_buf(), b.path().to_path_buf()]).expect("load");
        assert_eq!(l.context_names(), vec!["one", "two", "three"]);
        assert_eq!(l.server_of("one"), "http://127.0.0.1:1");
    }
}
