//! The terminal stays responsive while one context is slow (5 s per request) and another is
//! unreachable: the real binary in a pseudo-terminal against a simulator run by this test.

use kubeatlas_sim::SimFleet;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

struct Term {
    parser: vt100::Parser,
    bytes: Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
}

impl Term {
    fn text(&mut self) -> String {
        while let Ok(b) = self.bytes.try_recv() {
            self.parser.process(&b);
        }
        self.parser.screen().contents()
    }

    /// How long until `ok` holds (panics with the screen after `timeout`).
    fn wait(&mut self, what: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> Duration {
        let start = Instant::now();
        loop {
            let t = self.text();
            if ok(&t) {
                return start.elapsed();
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}; screen:\n{t}");
            }
            if let Ok(b) = self.bytes.recv_timeout(Duration::from_millis(20)) {
                self.parser.process(&b);
            }
        }
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write");
        self.writer.flush().expect("flush");
    }
}

fn row<'a>(screen: &'a str, ctx: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.starts_with(&format!("│ {ctx} ")))
        .unwrap_or("")
}

#[test]
fn keys_answer_at_once_while_a_context_is_slow_and_another_dead() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let _guard = rt.enter();
    let dir = tempfile::tempdir().expect("tmp");
    let mut sim = SimFleet::demo();
    sim.cluster("prod")
        .expect("prod")
        .set_latency(Duration::from_secs(5));
    sim.start().expect("simulator");
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig_with(&kubeconfig, &["dead"])
        .expect("kubeconfig");

    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 110,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("pty");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_kubeatlas"));
    cmd.arg("--kubeconfig");
    cmd.arg(&kubeconfig);
    cmd.arg("--log-file");
    cmd.arg(dir.path().join("kubeatlas.log"));
    cmd.env("TERM", "xterm-256color");
    cmd.env("HOME", dir.path());
    cmd.env("XDG_CONFIG_HOME", dir.path().join("config"));
    cmd.env_remove("KUBECONFIG");
    let mut child = pty.slave.spawn_command(cmd).expect("spawn");
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
    let mut t = Term {
        parser: vt100::Parser::new(
            std::num::NonZeroU16::new(30).expect("rows"),
            std::num::NonZeroU16::new(110).expect("cols"),
            0,
        ),
        bytes: rx,
        writer,
    };

    t.wait("dev and staging ready", Duration::from_secs(30), |s| {
        row(s, "dev").contains("ready") && row(s, "staging").contains("ready")
    });
    let s = t.text();
    assert!(
        !row(&s, "prod").contains("ready"),
        "prod is still slow:\n{s}"
    );
    assert!(
        row(&s, "dead").contains("unreachable") || row(&s, "dead").contains("connecting"),
        "{s}"
    );

    // While prod is still answering slowly, keys are handled at once.
    t.send(":rs\r");
    let took = t.wait("the running-services matrix", Duration::from_secs(3), |s| {
        s.contains("running services") && s.contains("SERVICE")
    });
    assert!(took < Duration::from_secs(3), "the matrix took {took:?}");
    t.send("\t");
    let took = t.wait("back to the fleet", Duration::from_secs(3), |s| {
        s.contains("contexts[")
    });
    assert!(
        took < Duration::from_secs(3),
        "back to the fleet took {took:?}"
    );
    let s = t.text();
    assert!(
        !row(&s, "prod").contains("ready"),
        "the keys were answered before prod finished syncing:\n{s}"
    );

    // The dead one says so; the slow one gets there.
    t.wait("dead unreachable", Duration::from_secs(20), |s| {
        row(s, "dead").contains("unreachable")
    });
    t.wait("prod ready", Duration::from_secs(90), |s| {
        row(s, "prod").contains("ready")
    });
    t.send("q");
    let status = child.wait().expect("exit");
    assert!(status.success());
}
