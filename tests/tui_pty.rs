//! End to end: the real binary with `--demo` in a pseudo-terminal (100×30, xterm-256color),
//! driven by keys and read back through a vt100 screen: fleet → namespaces → workloads → pods
//! with breadcrumbs, the `/` filter, Esc back up, the `:rs` matrix with drift, and `q` leaving
//! the alternate screen with exit status 0.

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const ROWS: u16 = 30;
const COLS: u16 = 100;

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("non-zero size")
}

struct Screen {
    parser: vt100::Parser,
    bytes: Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
}

impl Screen {
    fn pump(&mut self, wait: Duration) {
        if let Ok(b) = self.bytes.recv_timeout(wait) {
            self.parser.process(&b);
            while let Ok(b) = self.bytes.try_recv() {
                self.parser.process(&b);
            }
        }
    }

    fn text(&self) -> String {
        self.parser.screen().contents()
    }

    /// Poll the screen until `ok` holds; panic with the screen after `timeout`.
    fn wait_for(&mut self, what: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + timeout;
        loop {
            let t = self.text();
            if ok(&t) {
                return t;
            }
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

#[test]
fn demo_fleet_end_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("openpty");
    // KUBEATLAS_BIN runs another build of the program (a release binary, a harness).
    let bin = std::env::var("KUBEATLAS_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_kubeatlas").to_string());
    let mut cmd = CommandBuilder::new(bin);
    cmd.arg("--demo");
    cmd.arg("--log-file");
    cmd.arg(dir.path().join("kubeatlas.log"));
    cmd.cwd(dir.path());
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("NO_COLOR");
    cmd.env("HOME", dir.path());
    cmd.env("XDG_CONFIG_HOME", dir.path().join("config"));
    cmd.env("XDG_STATE_HOME", dir.path().join("state"));
    cmd.env("XDG_DATA_HOME", dir.path().join("data"));
    cmd.env_remove("KUBECONFIG");
    let mut child = pty.slave.spawn_command(cmd).expect("spawn kubeatlas");
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let writer = pty.master.take_writer().expect("writer");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut s = Screen {
        parser: vt100::Parser::new(nz(ROWS), nz(COLS), 0),
        bytes: rx,
        writer,
    };

    // Fleet: dev, staging and prod all ready.
    let fleet = s.wait_for(
        "dev, staging and prod ready",
        Duration::from_secs(90),
        |t| {
            ["dev ", "staging ", "prod "].iter().all(|c| {
                t.lines()
                    .any(|l| l.starts_with(&format!("│ {c}")) && l.contains("ready"))
            })
        },
    );
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
    let wl = s.wait_text("workloads(dev/shop)");
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
    s.send("q");
    let end = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            break st;
        }
        assert!(
            Instant::now() < end,
            "kubeatlas did not exit after q:\n{}",
            s.text()
        );
        s.pump(Duration::from_millis(50));
    };
    s.pump(Duration::from_millis(200));
    assert!(status.success(), "exit status {status:?}");
    assert!(
        !s.parser.screen().alternate_screen(),
        "alternate screen left"
    );
}
