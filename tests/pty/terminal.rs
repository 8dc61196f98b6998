//! End to end: the real binary with `--demo` in a pseudo-terminal (100×30, xterm-256color),
//! driven by keys and read back through a vt100 screen: fleet → namespaces → workloads → pods
//! with breadcrumbs, the `/` filter, Esc back up, the `:rs` matrix with drift, and `q` leaving
//! the alternate screen with exit status 0. Actions: a restart in a protected context (typed
//! name) watched until rolled out and found in the audit log; logs streaming; `--readonly`
//! refusing; the `:crash-test` hook restoring the terminal; a bad kubeconfig failing before
//! the alternate screen is entered.

use crate::rig;
use portable_pty::Child;
use std::io::Write;
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

const ROWS: u16 = 30;
const COLS: u16 = 100;

struct Screen {
    parser: vt100::Parser,
    bytes: Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    /// Everything the program wrote, escape sequences included.
    raw: Vec<u8>,
    /// The pty's master side, open as long as the screen is read.
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Screen {
    fn pump(&mut self, wait: Duration) {
        if let Ok(b) = self.bytes.recv_timeout(wait) {
            self.parser.process(&b);
            self.raw.extend_from_slice(&b);
            while let Ok(b) = self.bytes.try_recv() {
                self.parser.process(&b);
                self.raw.extend_from_slice(&b);
            }
        }
    }

    fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    fn text(&self) -> String {
        self.parser.screen().contents()
    }

    /// Take what the program has written until it has been quiet for `quiet` (a frame can
    /// arrive in several reads: the screen is whole once the output pauses), for at most 1 s.
    fn settle(&mut self, quiet: Duration) {
        let end = Instant::now() + Duration::from_secs(1);
        while Instant::now() < end
            && let Ok(b) = self.bytes.recv_timeout(quiet)
        {
            self.parser.process(&b);
            self.raw.extend_from_slice(&b);
        }
    }

    /// Poll the screen until `ok` holds on a whole frame; panic with the screen after
    /// `timeout`.
    fn wait_for(&mut self, what: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + timeout;
        loop {
            if ok(&self.text()) {
                self.settle(Duration::from_millis(60));
                let t = self.text();
                if ok(&t) {
                    return t;
                }
            }
            let t = self.text();
            if Instant::now() > end {
                panic!("timed out waiting for {what}; screen:\n{t}");
            }
            self.pump(Duration::from_millis(50));
        }
    }

    fn wait_text(&mut self, text: &str) -> String {
        let t = text.to_string();
        self.wait_for(text, Duration::from_secs(30), move |s| s.contains(&t))
    }

    fn send(&mut self, keys: &str) {
        self.writer
            .write_all(keys.as_bytes())
            .expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    /// Esc alone, then a pause so it is not read as the start of an escape sequence.
    fn esc(&mut self) {
        self.send("\x1b");
        self.pump(Duration::from_millis(150));
    }
}

/// The line of the screen holding `needle`.
fn line_with<'a>(screen: &'a str, needle: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.contains(needle))
}

/// The number in `name(...)[N]` or `[shown/N]` of the block title.
fn shown_rows(screen: &str) -> Option<usize> {
    let l = screen.lines().find(|l| l.starts_with('┌'))?;
    let open = l.find('[')?;
    let close = l[open..].find(']')? + open;
    l[open + 1..close].split('/').next()?.parse().ok()
}

/// Start kubeatlas in a pty with `args`, its files (config, data, state) under `dir`.
fn spawn(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Box<dyn Child + Send + Sync>, Screen) {
    let mut cmd = rig::command(dir, args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let p = rig::spawn(ROWS, COLS, cmd);
    let s = Screen {
        parser: rig::parser(ROWS, COLS),
        bytes: p.bytes,
        writer: p.writer,
        raw: vec![],
        _master: p.master,
    };
    (p.child, s)
}

/// Wait for the program to exit (pumping its output); panic after `timeout`.
fn wait_exit(
    child: &mut Box<dyn Child + Send + Sync>,
    s: &mut Screen,
    timeout: Duration,
) -> portable_pty::ExitStatus {
    let end = Instant::now() + timeout;
    let status = loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            break st;
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("kubeatlas did not exit:\n{}", s.text());
        }
        s.pump(Duration::from_millis(50));
    };
    // The last bytes written before exiting.
    s.pump(Duration::from_millis(300));
    status
}

/// Wait until dev, staging and prod are all ready in the fleet view.
fn wait_ready(s: &mut Screen) -> String {
    s.wait_for(
        "dev, staging and prod ready",
        Duration::from_secs(90),
        |t| {
            ["dev ", "staging ", "prod "].iter().all(|c| {
                t.lines()
                    .any(|l| l.starts_with(&format!("│ {c}")) && l.contains("ready"))
            })
        },
    )
}

/// `q`, then exit status 0 with the main screen back.
fn quit(child: &mut Box<dyn Child + Send + Sync>, s: &mut Screen) {
    s.send("q");
    let status = wait_exit(child, s, Duration::from_secs(20));
    assert!(status.success(), "exit status {status:?}");
    assert!(
        !s.parser.screen().alternate_screen(),
        "alternate screen left"
    );
}

#[test]
fn demo_fleet_end_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, mut s) = spawn(dir.path(), &["--demo"], &[]);

    // Fleet: dev, staging and prod all ready.
    let fleet = wait_ready(&mut s);
    assert!(fleet.contains("contexts[3]"), "{fleet}");
    assert!(
        s.parser.screen().alternate_screen(),
        "the TUI runs on the alternate screen"
    );
    assert!(line_with(&fleet, "DEMO").is_some(), "DEMO badge:\n{fleet}");

    // Enter on dev → its namespaces.
    s.send("\r");
    let ns = s.wait_text("namespaces(dev)");
    assert!(
        ns.lines()
            .next()
            .is_some_and(|l| l.contains("kubeatlas │ dev")),
        "{ns}"
    );
    for n in ["default", "kube-system", "payments", "shop"] {
        assert!(line_with(&ns, n).is_some(), "namespace {n}:\n{ns}");
    }
    let all = shown_rows(&ns).expect("row count");

    // `/` narrows the rows; Enter keeps the filter; Enter drills into shop.
    s.send("/shop");
    let filtered = s.wait_text("</shop>");
    assert_eq!(shown_rows(&filtered), Some(1), "{filtered}");
    assert!(all > 1);
    assert!(line_with(&filtered, "│ payments").is_none(), "{filtered}");
    s.send("\r\r");
    s.wait_text("workloads(dev/shop)");
    // The title is drawn before the rows: wait for the row itself, not a half-drawn frame.
    let wl = s.wait_text("checkout-api");
    assert!(
        wl.lines().next().is_some_and(|l| l.contains("dev › shop")),
        "{wl}"
    );
    assert!(
        line_with(&wl, "checkout-api").is_some_and(|l| l.contains("Deployment")),
        "{wl}"
    );

    // Select checkout-api with the filter, Enter → its pods.
    s.send("/checkout-api\r\r");
    let pods = s.wait_text("pods(dev/shop/checkout-api)");
    assert!(
        pods.lines()
            .next()
            .is_some_and(|l| l.contains("dev › shop › checkout-api")),
        "{pods}"
    );
    assert!(
        pods.lines()
            .filter(|l| l.starts_with("│ checkout-api-"))
            .count()
            >= 1,
        "{pods}"
    );
    assert!(line_with(&pods, "Running").is_some(), "{pods}");

    // Esc back up: pods → workloads (clear its filter) → namespaces (clear) → fleet.
    s.esc();
    s.wait_text("workloads(dev/shop)");
    s.esc();
    s.wait_for("workloads filter cleared", Duration::from_secs(10), |t| {
        !t.contains("</checkout-api>")
    });
    s.esc();
    s.wait_text("namespaces(dev)");
    s.esc();
    s.wait_for("namespaces filter cleared", Duration::from_secs(10), |t| {
        !t.contains("</shop>")
    });
    s.esc();
    s.wait_text("contexts[3]");

    // :rs → the running-service matrix, environments as columns, drift marked.
    s.send(":rs\r");
    let m = s.wait_text("running services[");
    let header = line_with(&m, "SERVICE").expect("matrix header");
    let (d, st, p) = (
        header.find(" dev "),
        header.find(" staging "),
        header.find(" prod"),
    );
    assert!(d.is_some() && st.is_some() && p.is_some(), "{m}");
    assert!(d < st && st < p, "environments in pipeline order:\n{m}");
    let checkout = line_with(&m, "checkout-api").expect("checkout-api row");
    assert!(checkout.contains('≠'), "drift mark:\n{m}");

    // q quits: exit status 0, main screen back.
    quit(&mut child, &mut s);
}

/// (a) Restart in a protected context: the dialog names the object, `y` does not confirm, the
/// typed name does; the rollout line runs until rolled out; the audit log has the restart.
#[test]
fn restart_in_a_protected_context_rolls_out_and_is_audited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config/kubeatlas");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("config.yaml"), "protected: ['*prod*']\n").expect("config");
    let (mut child, mut s) = spawn(dir.path(), &["--demo"], &[]);
    wait_ready(&mut s);
    s.send(":wl prod/shop\r");
    s.wait_text("workloads(prod/shop)");
    s.send("/cart\r");
    s.wait_text("</cart>");
    s.send("r");
    let dialog = s.wait_text("Restart Deployment shop/cart in context prod?");
    assert!(
        dialog.contains("prod is a protected context: type cart to confirm"),
        "{dialog}"
    );
    s.send("y\r");
    s.wait_text("nothing was done");
    s.send("\x7f");
    s.send("cart\r");
    let sent = s.wait_for("the restart answered", Duration::from_secs(30), |t| {
        t.contains("restart (rollout) done") || t.contains("prod/shop/cart: ")
    });
    assert!(
        !sent.contains("Restart Deployment"),
        "dialog closed:\n{sent}"
    );
    let done = s.wait_for("rolled out", Duration::from_secs(60), |t| {
        t.contains("prod/shop/cart: rolled out")
    });
    assert!(line_with(&done, "rollouts").is_some(), "{done}");
    quit(&mut child, &mut s);

    let audit = std::fs::read_to_string(dir.path().join("data/kubeatlas/audit.jsonl"))
        .expect("the audit log was written");
    eprintln!("audit log:\n{audit}");
    let entries: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(entries.len(), 1, "{audit}");
    let e = &entries[0];
    assert_eq!(e["action"], "restart");
    assert_eq!(e["context"], "prod");
    assert_eq!(e["namespace"], "shop");
    assert_eq!(e["kind"], "Deployment");
    assert_eq!(e["name"], "cart");
    assert_eq!(e["outcome"], "ok");
}

/// The line count in the logs view's bottom border.
fn log_lines(screen: &str) -> Option<usize> {
    let l = screen
        .lines()
        .find(|l| l.starts_with('└') && l.contains(" line"))?;
    l.trim_start_matches(['└', ' '])
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// (b) Logs of a pod stream: lines appear, then more lines over time; Esc closes the view.
#[test]
fn logs_of_a_pod_stream_new_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, mut s) = spawn(dir.path(), &["--demo"], &[]);
    wait_ready(&mut s);
    s.send(":pods dev/shop\r");
    s.wait_text("pods(dev/shop)");
    s.send("/cart\r");
    s.wait_text("</cart>");
    s.send("l");
    let first = s.wait_for("log lines", Duration::from_secs(30), |t| {
        t.contains("logs Pod shop/cart-") && log_lines(t).is_some_and(|n| n > 0)
    });
    let n = log_lines(&first).unwrap_or(0);
    let last = |t: &str| {
        t.lines()
            .rev()
            .find(|l| l.starts_with('│') && l.trim_matches(['│', ' ']).len() > 1)
            .map(str::to_string)
    };
    let before = last(&first);
    let later = s.wait_for("new log lines", Duration::from_secs(20), |t| {
        log_lines(t).is_some_and(|m| m > n) && last(t) != before
    });
    assert!(later.contains("follow on"), "{later}");
    s.esc();
    s.wait_text("pods(dev/shop)");
    quit(&mut child, &mut s);
}

/// (c) `--readonly`: `r` says read-only and opens no dialog.
#[test]
fn readonly_refuses_restart_without_a_dialog() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, mut s) = spawn(dir.path(), &["--demo", "--readonly"], &[]);
    let fleet = wait_ready(&mut s);
    assert!(line_with(&fleet, "READ-ONLY").is_some(), "{fleet}");
    s.send(":wl dev/shop\r");
    s.wait_text("workloads(dev/shop)");
    s.send("r");
    let t = s.wait_text("read-only: restart is disabled in context dev");
    assert!(!t.contains("Restart Deployment"), "no dialog:\n{t}");
    // y afterwards confirms nothing (it is the YAML viewer's key again): no rollout.
    s.send("y");
    let yaml = s.wait_text("YAML Deployment shop/cart");
    assert!(!yaml.contains("rollouts"), "{yaml}");
    s.esc();
    s.wait_for("YAML closed", Duration::from_secs(10), |t| {
        !t.contains("YAML Deployment")
    });
    quit(&mut child, &mut s);
    assert!(
        !dir.path().join("data/kubeatlas/audit.jsonl").exists(),
        "nothing was even attempted"
    );
}

/// (d) `KUBEATLAS_CRASH_TEST=1` and `:crash-test`: a panic in the UI exits non-zero, restores
/// the terminal and names the log file.
#[test]
fn a_crash_restores_the_terminal_and_names_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, mut s) = spawn(dir.path(), &["--demo"], &[("KUBEATLAS_CRASH_TEST", "1")]);
    s.wait_text("contexts[3]");
    assert!(s.parser.screen().alternate_screen());
    s.send(":crash-test\r");
    let status = wait_exit(&mut child, &mut s, Duration::from_secs(20));
    assert!(!status.success(), "exit status {status:?}");
    assert!(
        !s.parser.screen().alternate_screen(),
        "alternate screen left"
    );
    let out = s.raw_text();
    let log = dir.path().join("kubeatlas.log");
    let expected = format!("; log: {}", log.display());
    let crash = out
        .lines()
        .find(|l| l.contains("kubeatlas crashed: "))
        .unwrap_or_else(|| panic!("no crash message in:\n{out}"));
    assert!(crash.contains("crash test requested"), "{crash}");
    assert!(crash.contains(&expected), "{crash}");
    // Restored before the message: leave-alternate-screen comes first, raw mode is off.
    let left = out.rfind("\x1b[?1049l").expect("alternate screen left");
    assert!(left < out.find("kubeatlas crashed").unwrap_or(0));
}

/// (e) A bad kubeconfig on the TUI path: an error naming the file, exit non-zero, and the
/// alternate screen never entered.
#[test]
fn a_bad_kubeconfig_fails_before_the_tui_starts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("broken-kubeconfig.yaml");
    std::fs::write(&bad, "apiVersion: v1\nclusters: [not: {valid\n").expect("write");
    let bad_arg = bad.display().to_string();
    let (mut child, mut s) = spawn(dir.path(), &["--kubeconfig", &bad_arg], &[]);
    let status = wait_exit(&mut child, &mut s, Duration::from_secs(20));
    assert!(!status.success(), "exit status {status:?}");
    let out = s.raw_text();
    assert!(
        out.contains("broken-kubeconfig.yaml"),
        "names the file:\n{out}"
    );
    assert!(
        !out.contains("\x1b[?1049h"),
        "entered the alternate screen:\n{out:?}"
    );
}
