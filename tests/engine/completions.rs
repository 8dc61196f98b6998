//! `kubeatlas completions bash|zsh|fish` and `kubeatlas man`: the bash script loads in bash
//! and completes context names from the kubeconfig, blueprint names, and namespace names from
//! the cache a `get` leaves behind; the man page is roff that `man -l` renders.

use std::path::Path;
use std::process::Command;

const KUBECONFIG: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: prod-eu\n  context: {cluster: c, user: u}\n- name: prod-us\n  context: {cluster: c, user: u}\n- name: staging\n  context: {cluster: c, user: u}\n";

fn env(cmd: &mut Command, home: &Path) {
    crate::support::isolate(cmd, home).env("KUBECONFIG", home.join("kubeconfig"));
}

/// Load the bash script (from `completions bash`) and ask it to complete `words` (the last
/// one being completed), as bash's programmable completion would: the candidates.
fn complete_in_bash(home: &Path, words: &[&str]) -> Vec<String> {
    let bin = env!("CARGO_BIN_EXE_kubeatlas");
    let script = format!(
        r#"set -e
source <("{bin}" completions bash)
complete -p kubeatlas >/dev/null
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_TYPE=9
COMP_LINE="{line}"
COMP_POINT=${{#COMP_LINE}}
_clap_complete_kubeatlas kubeatlas "{cur}" "{prev}"
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        words = words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" "),
        cword = words.len() - 1,
        line = words.join(" "),
        cur = words[words.len() - 1],
        prev = words[words.len() - 2],
    );
    let mut cmd = Command::new("bash");
    cmd.arg("--norc").arg("-c").arg(script);
    env(&mut cmd, home);
    let o = cmd.output().expect("bash runs");
    assert!(
        o.status.success(),
        "bash: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn the_bash_script_loads_and_completes_contexts_blueprints_and_cached_namespaces() {
    let home = tempfile::tempdir().expect("tmp");
    std::fs::write(home.path().join("kubeconfig"), KUBECONFIG).expect("kubeconfig");

    assert_eq!(
        complete_in_bash(home.path(), &["kubeatlas", "--context", "prod"]),
        ["prod-eu", "prod-us"]
    );
    let bps = complete_in_bash(home.path(), &["kubeatlas", "get", "runn"]);
    assert!(bps.contains(&"running-services".to_string()), "{bps:?}");
    let flags = complete_in_bash(home.path(), &["kubeatlas", "get", "pods", "--all-n"]);
    assert_eq!(flags, ["--all-namespaces"]);

    // Nothing seen yet: no namespace to offer. After a `get`, the demo's namespaces are.
    assert!(complete_in_bash(home.path(), &["kubeatlas", "-n", "pay"]).is_empty());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubeatlas"));
    cmd.args(["--demo", "get", "namespaces"]);
    env(&mut cmd, home.path());
    assert!(cmd.output().expect("runs").status.success());
    assert_eq!(
        complete_in_bash(home.path(), &["kubeatlas", "get", "pods", "-n", "pay"]),
        ["payments"]
    );
}

#[test]
fn zsh_and_fish_scripts_call_the_binary_back() {
    for shell in ["zsh", "fish"] {
        let o = Command::new(env!("CARGO_BIN_EXE_kubeatlas"))
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(o.status.success());
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(
            s.contains("COMPLETE=") || s.contains("COMPLETE\""),
            "{shell}: {s}"
        );
        assert!(s.contains(env!("CARGO_BIN_EXE_kubeatlas")), "{shell}: {s}");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_kubeatlas"))
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2), "an unknown shell is refused");
}

#[test]
fn the_man_page_is_roff_of_the_same_cli_and_renders() {
    let o = Command::new(env!("CARGO_BIN_EXE_kubeatlas"))
        .arg("man")
        .output()
        .expect("runs");
    assert!(o.status.success());
    let roff = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(roff.contains(".TH kubeatlas 1"), "{roff}");
    for flag in [
        r"\-\-namespace",
        r"\-\-all\-namespaces",
        r"\-\-selector",
        r"\-\-field\-selector",
    ] {
        assert!(roff.contains(flag), "{flag} in {roff}");
    }
    assert!(
        roff.contains("completions") && roff.contains("get"),
        "{roff}"
    );
    let Ok(man) = which("man") else {
        eprintln!("skipped rendering: no `man` on PATH (roff content checked)");
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let page = dir.path().join("kubeatlas.1");
    std::fs::write(&page, &roff).expect("write");
    let o = Command::new(man)
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .env("LC_ALL", "C")
        .output()
        .expect("man runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("NAME")
            && (text.contains("--all-namespaces") || text.contains("all−namespaces")),
        "{text}"
    );
}

fn which(bin: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(bin))
                .find(|c| c.is_file())
        })
        .ok_or(())
}
