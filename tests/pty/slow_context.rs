//! The terminal stays responsive while one context is slow (5 s per request) and another is
//! unreachable: the real binary in a pseudo-terminal against a simulator run by this test.

use crate::rig;
use kubeatlas_sim::SimFleet;
use std::io::Write;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

struct Term {
    parser: vt100::Parser,
    bytes: Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    /// The pty's master side, open as long as the screen is read.
    _master: Box<dyn portable_pty::MasterPty + Send>,
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

    let kc = kubeconfig.to_string_lossy();
    let p = rig::spawn(30, 110, rig::command(dir.path(), &["--kubeconfig", &kc]));
    let mut child = p.child;
    let mut t = Term {
        parser: rig::parser(30, 110),
        bytes: p.bytes,
        writer: p.writer,
        _master: p.master,
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
