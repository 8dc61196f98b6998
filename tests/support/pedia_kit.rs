//! The Clusterpedia kit (`shared/clusterpedia`, beside the repository or one of its parents, as
//! CI clones it): finding it, `up DIR ARGS…` / `down DIR`, the `clusterpedia.env` it writes,
//! kubectl against its clusters, and a member's kubeconfig made unique. Shared by the
//! real-apiserver hub tests (`tests/real_apiserver/pedia.rs`) and the bench's hub mode
//! (`examples/bench/hub.rs`, which includes this file by path).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The kit's folder, if there is one beside the repository or one of its parents.
pub fn find() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(1)
        .map(|a| a.join("shared").join("clusterpedia"))
        .find(|k| k.join("up").is_file() && k.join("down").is_file())
}

/// One kit started in `dir` (stopped by [`Kit::down`]).
pub struct Kit {
    pub kit: PathBuf,
    pub dir: PathBuf,
    /// `clusterpedia.env`: KUBECONFIG (host), PEDIA_KUBECONFIG, MEMBERn_KUBECONFIG, ...
    pub env: HashMap<String, String>,
}

impl Kit {
    /// `up DIR ARGS…` (its stderr shown when `show_log`, else kept for the error); the kit
    /// with what its env file says.
    pub fn up(kit: &Path, dir: &Path, args: &[&str], show_log: bool) -> Result<Kit, String> {
        let out = Command::new(kit.join("up"))
            .arg(dir)
            .args(args)
            .stderr(if show_log {
                Stdio::inherit()
            } else {
                Stdio::piped()
            })
            .output()
            .map_err(|e| format!("running {}/up: {e}", kit.display()))?;
        if !out.status.success() {
            return Err(format!(
                "clusterpedia up {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let text = std::fs::read_to_string(dir.join("clusterpedia.env"))
            .map_err(|e| format!("clusterpedia.env: {e}"))?;
        let env = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| {
                (
                    k.trim().to_string(),
                    v.trim().trim_matches(['"', '\'']).to_string(),
                )
            })
            .collect();
        Ok(Kit {
            kit: kit.to_path_buf(),
            dir: dir.to_path_buf(),
            env,
        })
    }

    /// `down DIR`: stops exactly what `up` started.
    pub fn down(&self) {
        let _ = Command::new(self.kit.join("down")).arg(&self.dir).output();
    }

    pub fn var(&self, k: &str) -> Result<String, String> {
        self.env
            .get(k)
            .cloned()
            .ok_or_else(|| format!("{k} missing from clusterpedia.env"))
    }

    /// Member `n`'s own kubeconfig, its admin context renamed `context` and its other entries
    /// made unique (the kit names every member's context `envtest-admin`), written into `dir`.
    pub fn member_kubeconfig(&self, n: u32, context: &str, dir: &Path) -> Result<PathBuf, String> {
        let file = self.var(&format!("MEMBER{n}_KUBECONFIG"))?;
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
        let text = text
            .replace("envtest-admin", context)
            .replace("envtest-viewer", &format!("member{n}-viewer"))
            .replace("name: envtest", &format!("name: member{n}-cluster"))
            .replace("cluster: envtest", &format!("cluster: member{n}-cluster"))
            .replace("name: admin", &format!("name: member{n}-admin"))
            .replace("user: admin", &format!("user: member{n}-admin"))
            .replace("name: viewer", &format!("name: member{n}-viewer-user"))
            .replace("user: viewer", &format!("user: member{n}-viewer-user"));
        let path = dir.join(format!("member{n}.kubeconfig"));
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }
}

/// `kubectl --kubeconfig FILE ARGS…`: its stdout, or its stderr as the error.
pub fn kubectl(kubeconfig: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .map_err(|e| format!("running kubectl: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
