//! Exec and port-forward end to end over HTTP/WebSocket against the simulator: the
//! subprotocols on the wire (`v5.channel.k8s.io` preferred, `v4` when that is all the server
//! speaks), a command echoed by the fake shell and its exit status, the resize channel, a
//! dropped connection, bytes round-tripping through a local port, a port already in use,
//! read-only refusing both with nothing sent, RBAC in words, the audit lines.

use crate::support::{Env, ready_demo};
use kubeatlas::actions::exec::{self, Ended};
use kubeatlas::actions::{Action, ActionError, ApiFailure, Refusal, Target};
use kubeatlas::config::UserConfig;
use kubeatlas_sim::SimResource;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;

fn pod(env: &Env, name: &str) -> Target {
    let e = env.entity("prod", "pod", name);
    Target::of(&env.session.catalog, &e).expect("target")
}

fn shell(container: &str) -> Action {
    Action::Exec {
        container: container.into(),
        command: exec::shell_command(),
    }
}

/// A running session driven like a terminal: keys in, screen text out.
struct Shell {
    keys: mpsc::Sender<Vec<u8>>,
    sizes: mpsc::Sender<(u16, u16)>,
    screen: DuplexStream,
    seen: String,
    done: tokio::task::JoinHandle<Ended>,
}

impl Shell {
    fn start(session: exec::Session) -> Shell {
        let (keys, input) = mpsc::channel(16);
        let (sizes, size_rx) = mpsc::channel(4);
        let (screen, output) = tokio::io::duplex(1 << 16);
        let done = tokio::spawn(exec::pump(session, input, output, size_rx));
        Shell {
            keys,
            sizes,
            screen,
            seen: String::new(),
            done,
        }
    }

    async fn type_text(&self, text: &str) {
        self.keys
            .send(text.as_bytes().to_vec())
            .await
            .expect("session takes keys");
    }

    /// Read the screen until `want` shows (panics with what was seen on timeout).
    async fn expect(&mut self, want: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 4096];
        while !self.seen.contains(want) {
            match tokio::time::timeout_at(deadline, self.screen.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                _ => panic!("{want:?} never showed; the screen: {:?}", self.seen),
            }
        }
    }

    async fn end(self) -> Ended {
        tokio::time::timeout(Duration::from_secs(10), self.done)
            .await
            .expect("the session ends")
            .expect("pump does not panic")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_speaks_v5_echoes_a_command_and_reports_the_exit_status() {
    let env = ready_demo().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let t = pod(&env, "checkout-api");
    let ex = env.executor(false, UserConfig::default());
    let session = ex.exec(&t, &shell("app"), true).await.expect("connects");
    let mut sh = Shell::start(session);
    sh.expect("bash-5.2# ").await;
    sh.type_text("echo hello from kubeatlas\r").await;
    sh.expect("hello from kubeatlas\r\nbash-5.2# ").await;
    sh.sizes.send((132, 43)).await.expect("resize");
    // The resize and the keys travel independently: the next line once the size arrived.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while prod.terminal_resizes().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sh.type_text("stty size\r").await;
    sh.expect("43 132\r\n").await;
    sh.type_text("exit 3\r").await;
    assert_eq!(sh.end().await, Ended::Exited(3));

    let ups = prod.stream_upgrades();
    let up = ups.last().expect("one upgrade");
    assert_eq!(
        up.path,
        format!("/api/v1/namespaces/shop/pods/{}/exec", t.name)
    );
    assert_eq!(up.offered, "v5.channel.k8s.io, v4.channel.k8s.io");
    assert_eq!(up.chosen.as_deref(), Some("v5.channel.k8s.io"));
    let q: Vec<(String, String)> = form_urlencoded::parse(up.query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let has = |k: &str, v: &str| q.iter().any(|(a, b)| a == k && b == v);
    assert!(has("container", "app") && has("tty", "true") && has("stdin", "true"));
    assert!(has("command", "sh") && has("command", "-c") && has("command", exec::SHELL));
    assert_eq!(prod.terminal_resizes(), vec![(132, 43)]);
    let audit = env.audit_lines();
    let last = audit.last().expect("audited");
    assert_eq!(last["action"], "exec");
    assert_eq!(last["outcome"], "ok");
    assert_eq!(last["name"], t.name.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_falls_back_to_v4_when_the_server_speaks_only_v4() {
    let env = ready_demo().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    prod.set_exec_v4_only(true);
    let t = pod(&env, "checkout-api");
    let ex = env.executor(false, UserConfig::default());
    let session = ex.exec(&t, &shell("envoy"), true).await.expect("connects");
    let mut sh = Shell::start(session);
    sh.expect("# ").await;
    sh.type_text("hostname\r").await;
    sh.expect(&format!("{}\r\n", t.name)).await;
    sh.type_text("exit\r").await;
    assert_eq!(sh.end().await, Ended::Exited(0));
    let up = prod.stream_upgrades().pop().expect("upgrade");
    assert_eq!(up.offered, "v5.channel.k8s.io, v4.channel.k8s.io");
    assert_eq!(up.chosen.as_deref(), Some("v4.channel.k8s.io"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_mid_shell_ends_the_session_as_lost() {
    let env = ready_demo().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let t = pod(&env, "checkout-api");
    let ex = env.executor(false, UserConfig::default());
    let session = ex.exec(&t, &shell("app"), true).await.expect("connects");
    let mut sh = Shell::start(session);
    sh.expect("bash-5.2# ").await;
    prod.drop_watches();
    match sh.end().await {
        Ended::Dropped(why) => assert!(!why.is_empty()),
        other => panic!("expected a lost connection, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_exec_and_port_forward_with_nothing_sent() {
    let env = ready_demo().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    prod.clear_journal();
    let t = pod(&env, "checkout-api");
    let ex = env.executor(true, UserConfig::default());
    let e = ex.exec(&t, &shell("app"), true).await.expect_err("refused");
    assert!(
        matches!(e, ActionError::Refused(Refusal::ReadOnly { .. })),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "read-only: exec refused in context prod; nothing was sent"
    );
    let pf = Action::PortForward {
        remote: 8080,
        local: Some(0),
    };
    let e = ex.port_forward(&t, &pf).await.expect_err("refused");
    assert!(
        matches!(e, ActionError::Refused(Refusal::ReadOnly { .. })),
        "{e}"
    );
    assert!(prod.stream_upgrades().is_empty());
    let sent: Vec<_> = prod
        .journal()
        .into_iter()
        .filter(|j| j.is_mutating() || j.path.contains("/pods/"))
        .collect();
    assert!(sent.is_empty(), "nothing was sent about the pod: {sent:?}");
    let audit = env.audit_lines();
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|l| l["outcome"] == "refused"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_forbidden_by_rbac_is_explained() {
    let env = ready_demo().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    prod.forbid(SimResource::Pods, &["create"]);
    let t = pod(&env, "checkout-api");
    let ex = env.executor(false, UserConfig::default());
    let e = ex
        .exec(&t, &shell("app"), true)
        .await
        .expect_err("forbidden");
    assert!(
        matches!(e, ActionError::Api(ApiFailure::Forbidden { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("may not exec"), "{e}");
}

/// The first port the pod's `app` container declares.
fn app_port(env: &Env, pod: &str) -> u16 {
    let p = env
        .sim
        .cluster("prod")
        .expect("prod")
        .get(SimResource::Pods, Some("shop"), pod)
        .expect("pod");
    p["spec"]["containers"][0]["ports"][0]["containerPort"]
        .as_u64()
        .and_then(|p| u16::try_from(p).ok())
        .expect("a declared port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_forward_round_trips_bytes_through_the_local_port() {
    let env = ready_demo().await;
    let prod = env.sim.cluster("prod").expect("prod").clone();
    let t = pod(&env, "checkout-api");
    let remote = app_port(&env, &t.name);
    let ex = env.executor(false, UserConfig::default());
    let pf = Action::PortForward {
        remote,
        local: Some(0),
    };
    let fwd = ex.port_forward(&t, &pf).await.expect("listens");
    let local = fwd.local;
    assert!(local.ip().is_loopback());
    let task = tokio::spawn(fwd.serve());
    for round in 0..2 {
        let mut c = tokio::net::TcpStream::connect(local)
            .await
            .expect("connects");
        let msg = format!("ping {round} through the pod");
        c.write_all(msg.as_bytes()).await.expect("write");
        let mut back = vec![0u8; msg.len()];
        tokio::time::timeout(Duration::from_secs(10), c.read_exact(&mut back))
            .await
            .expect("answered in time")
            .expect("read");
        assert_eq!(String::from_utf8_lossy(&back), msg);
    }
    task.abort();
    let ups: Vec<_> = prod
        .stream_upgrades()
        .into_iter()
        .filter(|u| u.path.ends_with("/portforward"))
        .collect();
    assert_eq!(ups.len(), 2, "one stream per connection, as kubectl");
    assert_eq!(ups[0].chosen.as_deref(), Some("v4.channel.k8s.io"));
    assert!(
        ups[0].query.contains(&remote.to_string()),
        "{}",
        ups[0].query
    );
    assert_eq!(
        env.audit_lines().last().expect("audited")["action"],
        "port-forward"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_port_already_in_use_is_refused_in_clear_words() {
    let env = ready_demo().await;
    let t = pod(&env, "checkout-api");
    let remote = app_port(&env, &t.name);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let ex = env.executor(false, UserConfig::default());
    let pf = Action::PortForward {
        remote,
        local: Some(port),
    };
    let e = ex.port_forward(&t, &pf).await.expect_err("in use");
    assert!(
        matches!(e, ActionError::Refused(Refusal::LocalPort { port: p, .. }) if p == port),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with(&format!("local port {port}: already in use")),
        "{e}"
    );
    // Without a local port: the same as the remote when free, else any free one.
    let any = Action::PortForward {
        remote: port,
        local: None,
    };
    let fwd = ex
        .port_forward(&t, &any)
        .await
        .expect("a free port instead");
    assert_ne!(fwd.local.port(), port);
}
