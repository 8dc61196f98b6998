//! Kubeconfig → contexts: find the files (`--kubeconfig`, `KUBECONFIG`, `~/.kube/config`),
//! merge them as kubectl does, and build one client config per chosen context.

pub use super::error::{ContextError, KubeconfigError, PathField};
use super::resolve;
use kube::config::{ExecInteractiveMode, KubeConfigOptions, Kubeconfig};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    let home = directories::BaseDirs::new().map(|b| b.home_dir().join(".kube").join("config"));
    locate_in(explicit, std::env::var_os("KUBECONFIG"), home)
}

/// [`locate`] given the environment: `--kubeconfig` wins; else the `KUBECONFIG` list, where
/// missing entries are skipped and a repeated one is read once (client-go's loading rules);
/// else `~/.kube/config` if it exists.
pub fn locate_in(
    explicit: Option<&Path>,
    kubeconfig_env: Option<std::ffi::OsString>,
    home_config: Option<PathBuf>,
) -> Located {
    if let Some(p) = explicit {
        return Located::Files(vec![p.to_path_buf()]);
    }
    if let Some(env) = kubeconfig_env.filter(|v| !v.is_empty()) {
        let mut files: Vec<PathBuf> = Vec::new();
        for p in std::env::split_paths(&env) {
            if !p.as_os_str().is_empty() && p.exists() && !files.contains(&p) {
                files.push(p);
            }
        }
        return if files.is_empty() {
            Located::Nothing
        } else {
            Located::Files(files)
        };
    }
    match home_config {
        Some(p) if p.exists() => Located::Files(vec![p]),
        _ => Located::Nothing,
    }
}

/// A loaded, merged kubeconfig and the files it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The merged kubeconfig, its file references already absolute.
    pub kubeconfig: Kubeconfig,
    pub files: Vec<PathBuf>,
    /// The file that defined each cluster entry (by name; the first file wins).
    cluster_origin: HashMap<String, PathBuf>,
    /// The file that defined each user entry (by name; the first file wins).
    user_origin: HashMap<String, PathBuf>,
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
    /// A file the context needs that is missing is named with the kubeconfig that set it.
    pub async fn client_config(
        &self,
        context: &str,
        non_interactive: bool,
    ) -> Result<kube::Config, ContextError> {
        self.check_files(context)?;
        let mut kc = self.kubeconfig.clone();
        trim_token_file(&mut kc, context);
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
            .map_err(|e| ContextError::Invalid {
                context: context.to_string(),
                files: self.files_label(),
                error: Arc::new(e),
            })
    }

    /// Every file the context's cluster and user entries name that kube would read (a `*-data`
    /// field or an inline token takes precedence over its file), checked to be there.
    fn check_files(&self, context: &str) -> Result<(), ContextError> {
        let Some(ctx) = self
            .kubeconfig
            .contexts
            .iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.as_ref())
        else {
            return Ok(());
        };
        let mut wanted: Vec<(PathField, &str, &PathBuf)> = Vec::new();
        let cluster = self
            .kubeconfig
            .clusters
            .iter()
            .find(|c| c.name == ctx.cluster);
        if let Some((c, origin)) =
            cluster.and_then(|c| Some((c.cluster.as_ref()?, self.cluster_origin.get(&c.name)?)))
            && c.certificate_authority_data.is_none()
            && let Some(p) = &c.certificate_authority
        {
            wanted.push((PathField::CertificateAuthority, p, origin));
        }
        let user = ctx
            .user
            .as_ref()
            .and_then(|u| self.kubeconfig.auth_infos.iter().find(|a| &a.name == u));
        if let Some((u, origin)) =
            user.and_then(|u| Some((u.auth_info.as_ref()?, self.user_origin.get(&u.name)?)))
        {
            if u.client_certificate_data.is_none()
                && let Some(p) = &u.client_certificate
            {
                wanted.push((PathField::ClientCertificate, p, origin));
            }
            if u.client_key_data.is_none()
                && let Some(p) = &u.client_key
            {
                wanted.push((PathField::ClientKey, p, origin));
            }
            if u.token.is_none()
                && let Some(p) = &u.token_file
            {
                wanted.push((PathField::TokenFile, p, origin));
            }
            if let Some(p) = u.exec.as_ref().and_then(|e| e.command.as_deref())
                && p.contains(std::path::MAIN_SEPARATOR)
            {
                wanted.push((PathField::ExecCommand, p, origin));
            }
        }
        for (field, path, origin) in wanted {
            if path.is_empty() {
                continue;
            }
            if let Err(e) = std::fs::metadata(path) {
                return Err(ContextError::File {
                    context: context.to_string(),
                    field,
                    path: PathBuf::from(path),
                    kubeconfig: origin.clone(),
                    error: Arc::new(e),
                });
            }
        }
        Ok(())
    }
}

/// client-go trims the whitespace around a token read from `tokenFile` (a file written with
/// `echo` ends in a newline); kube sends it as read, which makes an invalid header. For such a
/// file the context's user gets the trimmed token inline instead (held in memory only, as kube
/// holds what it reads); a file without surrounding whitespace stays a file kube re-reads.
fn trim_token_file(kc: &mut Kubeconfig, context: &str) {
    let Some(user) = kc
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.user.clone())
    else {
        return;
    };
    let Some(auth) = kc
        .auth_infos
        .iter_mut()
        .find(|a| a.name == user)
        .and_then(|a| a.auth_info.as_mut())
    else {
        return;
    };
    if auth.token.is_some() {
        return;
    }
    let Some(Ok(raw)) = auth.token_file.as_ref().map(std::fs::read_to_string) else {
        return;
    };
    let trimmed = raw.trim();
    if trimmed.len() != raw.len() {
        auth.token = Some(trimmed.to_string().into());
        auth.token_file = None;
    }
}

/// Read and merge kubeconfig files. Each file's relative file references are resolved against
/// its own folder first, then the first file's value wins for each named entry, as in kubectl.
/// Errors name the file (and the line, where the parser knows it).
pub fn load(files: &[PathBuf]) -> Result<Loaded, KubeconfigError> {
    let mut merged: Option<Kubeconfig> = None;
    let mut cluster_origin = HashMap::new();
    let mut user_origin = HashMap::new();
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|error| KubeconfigError::Read {
            path: path.clone(),
            error,
        })?;
        let mut kc = parse(path, &text)?;
        let base = resolve::base_of(path).map_err(|error| KubeconfigError::Folder {
            path: path.clone(),
            error,
        })?;
        resolve::resolve_paths(&mut kc, &base);
        for c in &kc.clusters {
            cluster_origin
                .entry(c.name.clone())
                .or_insert_with(|| path.clone());
        }
        for u in &kc.auth_infos {
            user_origin
                .entry(u.name.clone())
                .or_insert_with(|| path.clone());
        }
        merged = Some(match merged {
            None => kc,
            Some(m) => m.merge(kc).map_err(|error| KubeconfigError::Merge {
                path: path.clone(),
                error,
            })?,
        });
    }
    Ok(Loaded {
        kubeconfig: merged.unwrap_or_default(),
        files: files.to_vec(),
        cluster_origin,
        user_origin,
    })
}

/// Parse one kubeconfig document. An empty file is an empty config, as for kubectl.
fn parse(path: &Path, text: &str) -> Result<Kubeconfig, KubeconfigError> {
    if text.trim().is_empty() {
        return Ok(Kubeconfig::default());
    }
    // serde_yaml reports line and column; kube's own parser is used for the typed result.
    if let Err(error) = serde_yaml::from_str::<serde_yaml::Value>(text) {
        return Err(KubeconfigError::Yaml {
            path: path.to_path_buf(),
            error,
        });
    }
    Kubeconfig::from_yaml(text).map_err(|error| KubeconfigError::Invalid {
        path: path.to_path_buf(),
        error,
    })
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

    /// A folder holding a kubeconfig file with the given text, and the files it names.
    fn folder(kubeconfig: &str, files: &[&str]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tmp");
        for f in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, "content").expect("write");
        }
        let path = dir.path().join("config");
        std::fs::write(&path, kubeconfig).expect("write");
        (dir, path)
    }

    fn user<'a>(l: &'a Loaded, name: &str) -> &'a kube::config::AuthInfo {
        l.kubeconfig
            .auth_infos
            .iter()
            .find(|a| a.name == name)
            .and_then(|a| a.auth_info.as_ref())
            .expect("user")
    }

    const CERT_USER: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:6443'}\nusers:\n- name: u\n  user: {client-certificate: certs/user.crt, client-key: certs/user.key}\ncontexts:\n- name: certs\n  context: {cluster: c, user: u}\n";

    #[tokio::test]
    async fn relative_client_certificate_paths_reach_the_client_config_resolved() {
        let (dir, path) = folder(CERT_USER, &["certs/user.crt", "certs/user.key"]);
        let l = load(&[path]).expect("load");
        let cfg = l.client_config("certs", true).await.expect("config");
        let want = |f: &str| Some(dir.path().join(f).display().to_string());
        assert_eq!(cfg.auth_info.client_certificate, want("certs/user.crt"));
        assert_eq!(cfg.auth_info.client_key, want("certs/user.key"));
    }

    #[tokio::test]
    async fn a_missing_file_names_the_file_the_kubeconfig_and_the_context() {
        let (dir, path) = folder(CERT_USER, &["certs/user.key"]);
        let l = load(std::slice::from_ref(&path)).expect("load");
        let err = l.client_config("certs", true).await.expect_err("missing");
        assert!(
            matches!(
                &err,
                ContextError::File {
                    field: PathField::ClientCertificate,
                    ..
                }
            ),
            "{err:?}"
        );
        let msg = err.to_string();
        let cert = dir.path().join("certs/user.crt").display().to_string();
        assert!(msg.contains("\"certs\""), "{msg}");
        assert!(msg.contains(&cert), "{msg}");
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("client-certificate"), "{msg}");
    }

    #[tokio::test]
    async fn a_missing_certificate_authority_token_file_or_exec_command_is_named() {
        let text = "apiVersion: v1\nkind: Config\nclusters:\n- name: ca\n  cluster: {server: 'https://127.0.0.1:6443', certificate-authority: pki/ca.crt}\n- name: plain\n  cluster: {server: 'https://127.0.0.1:6443'}\nusers:\n- name: tf\n  user: {tokenFile: tokens/t}\n- name: ex\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: bin/plugin}\n- name: none\n  user: {}\ncontexts:\n- name: ca\n  context: {cluster: ca, user: none}\n- name: tf\n  context: {cluster: plain, user: tf}\n- name: ex\n  context: {cluster: plain, user: ex}\n";
        let (dir, path) = folder(text, &[]);
        let l = load(&[path]).expect("load");
        for (ctx, field, file) in [
            ("ca", PathField::CertificateAuthority, "pki/ca.crt"),
            ("tf", PathField::TokenFile, "tokens/t"),
            ("ex", PathField::ExecCommand, "bin/plugin"),
        ] {
            match l.client_config(ctx, true).await {
                Err(ContextError::File {
                    context,
                    field: f,
                    path,
                    ..
                }) => {
                    assert_eq!((context.as_str(), f), (ctx, field));
                    assert_eq!(path, dir.path().join(file));
                }
                other => panic!("{ctx}: {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn data_fields_and_inline_tokens_take_precedence_over_missing_files() {
        let text = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:6443'}\nusers:\n- name: u\n  user: {token: abc, tokenFile: tokens/missing}\ncontexts:\n- name: inline\n  context: {cluster: c, user: u}\n";
        let (_dir, path) = folder(text, &[]);
        let l = load(&[path]).expect("load");
        l.client_config("inline", true)
            .await
            .expect("the inline token wins; the file is not needed");
    }

    #[tokio::test]
    async fn merged_files_from_two_folders_resolve_each_entry_against_its_own_file() {
        let a = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: shared\n  user: {tokenFile: token}\ncontexts:\n- name: dup\n  context: {cluster: c, user: shared}\n";
        let b = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:2'}\n- name: d\n  cluster: {server: 'https://127.0.0.1:3'}\nusers:\n- name: shared\n  user: {tokenFile: other-token}\n- name: own\n  user: {client-certificate: u.crt, client-key: u.key}\ncontexts:\n- name: dup\n  context: {cluster: d, user: own}\n- name: second\n  context: {cluster: d, user: own}\n";
        let (da, pa) = folder(a, &["token"]);
        let (db, pb) = folder(b, &["u.crt", "u.key"]);
        let l = load(&[pa, pb]).expect("load");
        assert_eq!(l.context_names(), vec!["dup", "second"]);
        // First file wins per entry: `dup`, cluster `c` and user `shared` come from file a.
        assert_eq!(l.server_of("dup"), "https://127.0.0.1:1");
        let token = da.path().join("token").display().to_string();
        assert_eq!(
            user(&l, "shared").token_file.as_deref(),
            Some(token.as_str())
        );
        let cfg = l.client_config("dup", true).await.expect("dup");
        assert_eq!(cfg.auth_info.token_file.as_deref(), Some(token.as_str()));
        // Entries only file b defines resolve against b's folder.
        let cfg = l.client_config("second", true).await.expect("second");
        let crt = db.path().join("u.crt").display().to_string();
        assert_eq!(
            cfg.auth_info.client_certificate.as_deref(),
            Some(crt.as_str())
        );
    }

    #[test]
    fn a_kubeconfig_given_by_a_relative_name_resolves_against_its_absolute_folder() {
        let (dir, _) = folder(CERT_USER, &[]);
        let cwd = std::env::current_dir().expect("cwd");
        // A relative way to the file: from the working directory up to the root and down.
        let up: PathBuf = cwd.components().skip(1).map(|_| "..").collect();
        let rel = up
            .join(dir.path().strip_prefix("/").expect("absolute"))
            .join("config");
        let l = load(&[rel]).expect("load");
        let crt = dir.path().join("certs/user.crt").display().to_string();
        assert_eq!(
            user(&l, "u").client_certificate.as_deref(),
            Some(crt.as_str())
        );
    }

    #[tokio::test]
    async fn a_token_file_ending_in_a_newline_is_trimmed_as_kubectl_does() {
        let text = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:6443'}\nusers:\n- name: nl\n  user: {tokenFile: nl}\n- name: plain\n  user: {tokenFile: plain}\ncontexts:\n- name: nl\n  context: {cluster: c, user: nl}\n- name: plain\n  context: {cluster: c, user: plain}\n";
        let (dir, path) = folder(text, &[]);
        std::fs::write(dir.path().join("nl"), "abc\n").expect("write");
        std::fs::write(dir.path().join("plain"), "abc").expect("write");
        let l = load(&[path]).expect("load");
        let nl = l.client_config("nl", true).await.expect("nl");
        assert!(nl.auth_info.token.is_some() && nl.auth_info.token_file.is_none());
        let plain = l.client_config("plain", true).await.expect("plain");
        let file = dir.path().join("plain").display().to_string();
        assert!(plain.auth_info.token.is_none());
        assert_eq!(plain.auth_info.token_file.as_deref(), Some(file.as_str()));
    }

    #[test]
    fn kubeconfig_lists_skip_missing_files_and_read_a_repeated_one_once() {
        let a = file(TWO);
        let b = file(TWO);
        let missing = a.path().with_extension("missing");
        let env = std::env::join_paths([a.path(), &missing, b.path(), a.path()]).expect("join");
        assert_eq!(
            locate_in(None, Some(env), None),
            Located::Files(vec![a.path().to_path_buf(), b.path().to_path_buf()])
        );
        let only_missing = std::env::join_paths([&missing]).expect("join");
        assert_eq!(
            locate_in(None, Some(only_missing), Some(a.path().to_path_buf())),
            Located::Nothing
        );
        assert_eq!(
            locate_in(Some(&missing), None, None),
            Located::Files(vec![missing.clone()]),
            "an explicit file is used as given (and its absence is an error when loading)"
        );
        assert_eq!(
            locate_in(None, Some("".into()), Some(b.path().to_path_buf())),
            Located::Files(vec![b.path().to_path_buf()])
        );
    }
}
