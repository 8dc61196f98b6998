//! File references in a kubeconfig made absolute, exactly as kubectl does (client-go's
//! `ResolveLocalPaths`): each cluster's and user's path fields are resolved against the folder
//! of the file that defines the entry, before the files are merged.

use kube::config::Kubeconfig;
use std::path::{Component, Path, PathBuf};

/// The folder relative references of `file` are resolved against: the absolute folder that
/// holds it (client-go: `filepath.Abs(filepath.Dir(file))`).
pub fn base_of(file: &Path) -> std::io::Result<PathBuf> {
    let abs = std::path::absolute(file)?;
    Ok(clean(abs.parent().unwrap_or(Path::new("/"))))
}

/// Rewrite the relative file references of one file's entries against `base` (see
/// [`base_of`]). The fields are those of client-go's `GetClusterFileReferences` and
/// `GetAuthInfoFileReferences`: `certificate-authority`, `client-certificate`, `client-key`,
/// `tokenFile`, and an exec `command` only when it contains a path separator (a bare name is
/// looked up in `PATH`). Empty and absolute paths stay as they are; the `*-data` fields and an
/// auth-provider's config are not paths and are left alone.
pub fn resolve_paths(kc: &mut Kubeconfig, base: &Path) {
    for cluster in kc.clusters.iter_mut().filter_map(|c| c.cluster.as_mut()) {
        resolve(&mut cluster.certificate_authority, base);
    }
    for user in kc
        .auth_infos
        .iter_mut()
        .filter_map(|a| a.auth_info.as_mut())
    {
        resolve(&mut user.client_certificate, base);
        resolve(&mut user.client_key, base);
        resolve(&mut user.token_file, base);
        if let Some(exec) = user.exec.as_mut()
            && exec
                .command
                .as_deref()
                .is_some_and(|c| c.contains(std::path::MAIN_SEPARATOR))
        {
            resolve(&mut exec.command, base);
        }
    }
}

/// `filepath.Join(base, p)` for a relative, non-empty `p`. A result that is not valid UTF-8
/// (only possible when `base` is not) leaves the field unchanged.
fn resolve(field: &mut Option<String>, base: &Path) {
    let Some(p) = field.as_mut() else { return };
    if p.is_empty() || Path::new(p.as_str()).is_absolute() {
        return;
    }
    if let Ok(joined) = clean(&base.join(p.as_str())).into_os_string().into_string() {
        *p = joined;
    }
}

/// Lexical clean as Go's `filepath.Clean`: drops `.`, resolves `..` against the preceding
/// folder (never above the root), no trailing separator.
fn clean(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: rel\n  cluster:\n    server: https://127.0.0.1:6443\n    certificate-authority: certs/ca.crt\n- name: abs\n  cluster:\n    server: https://127.0.0.1:6443\n    certificate-authority: /etc/k8s/ca.crt\n- name: data\n  cluster:\n    server: https://127.0.0.1:6443\n    certificate-authority-data: Y2VydHMvY2EuY3J0\nusers:\n- name: certs\n  user:\n    client-certificate: certs/user.crt\n    client-key: ./certs/../certs/user.key\n- name: abs-certs\n  user:\n    client-certificate: /etc/k8s/user.crt\n    client-key: /etc/k8s/user.key\n- name: data-certs\n  user:\n    client-certificate-data: Y2VydHMvdXNlci5jcnQ=\n    client-key-data: Y2VydHMvdXNlci5rZXk=\n- name: token-file\n  user:\n    tokenFile: ../tokens/dev\n- name: token\n  user:\n    token: tokens/dev\n- name: exec-rel\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: bin/get-token\n      args: [bin/arg]\n- name: exec-path\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: gke-gcloud-auth-plugin\n- name: provider\n  user:\n    auth-provider:\n      name: oidc\n      config:\n        idp-certificate-authority: certs/idp.crt\n- name: empty\n  user:\n    tokenFile: ''\ncontexts: []\n";

    fn resolved() -> Kubeconfig {
        let mut kc = Kubeconfig::from_yaml(CONFIG).expect("kubeconfig");
        resolve_paths(&mut kc, Path::new("/home/ana/.kube"));
        kc
    }

    fn cluster(kc: &Kubeconfig, name: &str) -> kube::config::Cluster {
        kc.clusters
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.cluster.clone())
            .expect("cluster")
    }

    fn user(kc: &Kubeconfig, name: &str) -> kube::config::AuthInfo {
        kc.auth_infos
            .iter()
            .find(|a| a.name == name)
            .and_then(|a| a.auth_info.clone())
            .expect("user")
    }

    #[test]
    fn a_relative_certificate_authority_is_resolved_against_the_file_folder() {
        let kc = resolved();
        assert_eq!(
            cluster(&kc, "rel").certificate_authority.as_deref(),
            Some("/home/ana/.kube/certs/ca.crt")
        );
    }

    #[test]
    fn relative_client_certificate_and_key_are_resolved_and_cleaned() {
        let u = user(&resolved(), "certs");
        assert_eq!(
            u.client_certificate.as_deref(),
            Some("/home/ana/.kube/certs/user.crt")
        );
        assert_eq!(
            u.client_key.as_deref(),
            Some("/home/ana/.kube/certs/user.key")
        );
    }

    #[test]
    fn a_relative_token_file_is_resolved_even_above_the_folder() {
        let u = user(&resolved(), "token-file");
        assert_eq!(u.token_file.as_deref(), Some("/home/ana/tokens/dev"));
    }

    #[test]
    fn an_exec_command_with_a_separator_is_resolved_but_its_args_are_not() {
        let u = user(&resolved(), "exec-rel");
        let exec = u.exec.expect("exec");
        assert_eq!(
            exec.command.as_deref(),
            Some("/home/ana/.kube/bin/get-token")
        );
        assert_eq!(exec.args, Some(vec!["bin/arg".to_string()]));
    }

    #[test]
    fn an_exec_command_without_a_separator_is_left_to_the_path_lookup() {
        let exec = user(&resolved(), "exec-path").exec.expect("exec");
        assert_eq!(exec.command.as_deref(), Some("gke-gcloud-auth-plugin"));
    }

    #[test]
    fn absolute_paths_are_left_alone() {
        let kc = resolved();
        assert_eq!(
            cluster(&kc, "abs").certificate_authority.as_deref(),
            Some("/etc/k8s/ca.crt")
        );
        let u = user(&kc, "abs-certs");
        assert_eq!(u.client_certificate.as_deref(), Some("/etc/k8s/user.crt"));
        assert_eq!(u.client_key.as_deref(), Some("/etc/k8s/user.key"));
    }

    #[test]
    fn data_fields_tokens_auth_provider_config_and_empty_paths_are_untouched() {
        let kc = resolved();
        assert_eq!(
            cluster(&kc, "data").certificate_authority_data.as_deref(),
            Some("Y2VydHMvY2EuY3J0")
        );
        let d = user(&kc, "data-certs");
        assert_eq!(
            d.client_certificate_data.as_deref(),
            Some("Y2VydHMvdXNlci5jcnQ=")
        );
        assert!(d.client_certificate.is_none() && d.client_key.is_none());
        let t = user(&kc, "token");
        assert!(t.token.is_some() && t.token_file.is_none());
        let p = user(&kc, "provider").auth_provider.expect("provider");
        assert_eq!(
            p.config
                .get("idp-certificate-authority")
                .map(String::as_str),
            Some("certs/idp.crt")
        );
        assert_eq!(user(&kc, "empty").token_file.as_deref(), Some(""));
    }

    #[test]
    fn the_base_of_a_bare_file_name_is_the_working_directory() {
        let cwd = std::env::current_dir().expect("cwd");
        assert_eq!(base_of(Path::new("config")).expect("base"), clean(&cwd));
        assert_eq!(
            base_of(Path::new("/a/b/../c/config")).expect("base"),
            Path::new("/a/c")
        );
    }
}
