//! `s` on a pod: the real binary in a pseudo-terminal hands the terminal to a shell in the
//! simulator's pod (WebSocket exec) — the alternate screen left, typed keys echoed by the
//! remote terminal, a command's output — and takes it back when the shell exits or when the
//! connection drops mid-shell: the alternate screen again, the TUI redrawn whole, keys
//! answered, `q` quitting cleanly. The simulator runs in this test so it can cut the line.

use crate::rig;
use kubeatlas_sim::SimFleet;
use portable_pty::Child;
use std::io::Write;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

const ROWS: u16 = 30;
const COLS: u16 = 110;

struct Term {
    parser: vt100::Parser,
    bytes: Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    /// Shell banners the main screen showed when the last shell opened.
    shells: usize,
}

impl Term {
    fn pump(&mut self, wait: Duration) {
        if let Ok(b) = self.bytes.recv_timeout(wait) {
            self.parser.process(&b);
        }
        while let Ok(b) = self.bytes.try_recv() {
            self.parser.process(&b);
        }
    }

    fn text(&mut self) -> String {
        self.pump(Duration::ZERO);
        self.parser.screen().contents()
    }

    fn wait(&mut self, what: &str, ok: impl Fn(&str, bool) -> bool) -> String {
        let end = Instant::now() + Duration::from_secs(60);
        loop {
            let t = self.text();
            if ok(&t, self.parser.screen().alternate_screen()) {
                return t;
            }
            if Instant::now() > end {
                panic!("timed out waiting for {what}; screen:\n{t}");
            }
            self.pump(Duration::from_millis(30));
        }
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write");
        self.writer.flush().expect("flush");
    }

    /// The pod list of prod/shop narrowed to checkout-api, the TUI on the alternate screen.
    fn open_pods(&mut self) {
        self.send(":pods prod/shop\r");
        self.wait("the pods of prod/shop", |s, alt| {
            alt && s.contains("pods(prod/shop)")
        });
        self.send("/checkout-api\r");
        self.wait("checkout-api pods", |s, _| s.contains("</checkout-api>"));
    }

    /// `s`, then the first container: this session's prompt on the main screen, below a new
    /// banner (the main screen still shows an earlier session's lines; the simulator sends the
    /// prompt once the session is connected).
    fn open_shell(&mut self) {
        const BANNER: &str = "kubeatlas: shell in prod › shop › checkout-api-";
        let banners = |s: &str| s.lines().filter(|l| l.starts_with(BANNER)).count();
        let before = self.shells;
        self.send("s");
        self.wait("the container picker", |s, _| {
            s.contains("Which container?")
        });
        self.send("\r");
        let s = self.wait("the remote prompt", |s, alt| {
            let after_banner = s.lines().rev().take_while(|l| !l.starts_with(BANNER));
            !alt && banners(s) > before
                && after_banner
                    .into_iter()
                    .any(|l| l.starts_with("bash-5.2# "))
        });
        self.shells = banners(&s);
    }
}

fn spawn(
    kubeconfig: &std::path::Path,
    dir: &std::path::Path,
) -> (Box<dyn Child + Send + Sync>, Term) {
    let kc = kubeconfig.to_string_lossy();
    let p = rig::spawn(ROWS, COLS, rig::command(dir, &["--kubeconfig", &kc]));
    let t = Term {
        parser: rig::parser(ROWS, COLS),
        bytes: p.bytes,
        writer: p.writer,
        _master: p.master,
        shells: 0,
    };
    (p.child, t)
}

#[test]
fn s_hands_the_terminal_to_a_shell_and_takes_it_back_on_exit_and_on_a_dropped_connection() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let _guard = rt.enter();
    let dir = tempfile::tempdir().expect("tmp");
    let mut sim = SimFleet::demo();
    sim.start().expect("simulator");
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig_with(&kubeconfig, &[])
        .expect("kubeconfig");
    let prod = sim.cluster("prod").expect("prod").clone();
    let (mut child, mut t) = spawn(&kubeconfig, dir.path());
    t.wait("prod ready", |s, _| {
        s.lines()
            .any(|l| l.starts_with("│ prod ") && l.contains("ready"))
    });
    t.open_pods();

    // The shell: typed keys echoed by the remote terminal, a command's output.
    t.open_shell();
    t.send("echo hello from the pod\r");
    let s = t.wait("the command's output", |s, _| {
        s.contains("bash-5.2# echo hello from the pod")
            && s.lines().any(|l| l.trim() == "hello from the pod")
    });
    assert!(
        !s.contains("pods(prod/shop)"),
        "the TUI is not drawn over the shell:\n{s}"
    );
    // Resized while the shell runs: the remote terminal is told (channel 4).
    t.send("exit\r");
    let back = t.wait("the TUI back", |s, alt| {
        alt && s.contains("pods(prod/shop)") && s.contains("exited (0)")
    });
    assert!(
        back.contains("checkout-api-"),
        "the list redrawn whole:\n{back}"
    );
    assert!(
        !back.contains("bash-5.2#"),
        "no shell left on the TUI's screen:\n{back}"
    );
    // Keys are answered again.
    t.send("?");
    t.wait("the help", |s, _| s.contains("shell in a container"));
    t.send("q");
    t.wait("the help closed", |s, _| {
        !s.contains("shell in a container")
    });

    // The connection drops mid-shell: the TUI comes back all the same.
    t.open_shell();
    prod.drop_watches();
    let back = t.wait("the TUI back after the drop", |s, alt| {
        alt && s.contains("pods(prod/shop)") && s.contains("connection lost")
    });
    assert!(back.contains("checkout-api-"), "{back}");
    t.send("j");
    t.send("q");
    let end = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            break st;
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("kubeatlas did not exit:\n{}", t.text());
        }
        t.pump(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    t.pump(Duration::from_millis(200));
    assert!(!t.parser.screen().alternate_screen(), "main screen back");
    let resizes = prod.terminal_resizes();
    assert!(
        resizes.contains(&(COLS, ROWS)),
        "the terminal's size went to the resize channel: {resizes:?}"
    );
}
