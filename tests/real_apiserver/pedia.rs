//! A real Clusterpedia for the hub tests, from the kit `shared/clusterpedia` (found beside the
//! repository or one of its parents, as CI clones it): `up DIR --storage S --members N` starts
//! a host control plane, Clusterpedia and N member control planes (about 20 s) and prints
//! kubeconfigs; `down DIR` stops exactly what it started. One instance per storage is started
//! for the whole test process (the first test that asks) and stopped at exit. Without
//! `KUBEBUILDER_ASSETS` or without the kit, each test prints that it was skipped and passes.
//! Also a TCP forwarder the tests put in front of the hub, to take it away and bring it back.

use crate::pedia_kit::{self, Kit};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::net::{TcpListener, TcpStream};

/// The kit's folder: `shared/clusterpedia` beside the repository or one of its parents.
pub fn kit() -> Option<PathBuf> {
    pedia_kit::find()
}

fn say_skipped(why: &str) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    let why = why.to_string();
    ONCE.call_once(move || {
        let _ = std::io::stderr().write_all(
            format!("\nreal_apiserver hub tests: skipped: {why}; they return without running\n")
                .as_bytes(),
        );
    });
}

/// One running Clusterpedia kit.
pub struct Pedia {
    kit: Kit,
    /// The parent folder (removed by [`Pedia::stop`]).
    tmp: tempfile::TempDir,
}

impl Pedia {
    fn start(kit: &Path, storage: &str, members: u32) -> Result<Pedia, String> {
        let tmp = tempfile::Builder::new()
            .prefix("kubeatlas-pedia-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let members = members.to_string();
        let args = ["--storage", storage, "--members", members.as_str()];
        let kit = Kit::up(kit, &tmp.path().join("cp"), &args, false)?;
        Ok(Pedia { kit, tmp })
    }

    pub fn var(&self, k: &str) -> String {
        self.kit.var(k).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `kubectl --kubeconfig FILE ARGS…`, its stdout; panics with stderr on failure.
    pub fn kubectl(&self, kubeconfig: &str, args: &[&str]) -> String {
        pedia_kit::kubectl(kubeconfig, args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Member `n`'s own kubeconfig, its admin context renamed `context` and its other entries
    /// made unique, written into `dir`.
    pub fn member_kubeconfig(&self, n: u32, context: &str, dir: &Path) -> PathBuf {
        self.kit
            .member_kubeconfig(n, context, dir)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The hub's kubeconfig with its server's host:port replaced by `addr` (a forwarder).
    pub fn pedia_kubeconfig_via(&self, addr: &str, dir: &Path) -> PathBuf {
        let text = std::fs::read_to_string(self.var("PEDIA_KUBECONFIG")).expect("pedia kubeconfig");
        let url = self.var("CLUSTERPEDIA");
        let host = url
            .strip_prefix("https://")
            .and_then(|r| r.split('/').next())
            .expect("host:port in CLUSTERPEDIA");
        let path = dir.join("pedia-via.kubeconfig");
        std::fs::write(&path, text.replace(host, addr)).expect("write");
        path
    }

    fn stop(&self) {
        self.kit.down();
        // A static is never dropped: remove the parent folder here.
        let _ = std::fs::remove_dir_all(self.tmp.path());
    }
}

type Slot = OnceLock<Result<Pedia, String>>;
static POSTGRES: Slot = OnceLock::new();
static MEMORY: Slot = OnceLock::new();

extern "C" fn stop_all() {
    for slot in [&POSTGRES, &MEMORY] {
        if let Some(Ok(p)) = slot.get() {
            p.stop();
        }
    }
}

/// The shared Clusterpedia with `storage` (`postgres`: 3 members, `memory`: 2), started on
/// first use; None (after saying why) when the suite cannot run it.
pub fn shared(storage: &str) -> Option<&'static Pedia> {
    if crate::envtest::assets().is_none() {
        say_skipped("KUBEBUILDER_ASSETS not set");
        return None;
    }
    let Some(kit) = kit() else {
        say_skipped("no shared/clusterpedia kit beside the repository");
        return None;
    };
    let (slot, members) = match storage {
        "memory" => (&MEMORY, 2),
        _ => (&POSTGRES, 3),
    };
    let p = slot.get_or_init(|| {
        static ATEXIT: std::sync::Once = std::sync::Once::new();
        // SAFETY: registers a plain `extern "C"` function; libc calls it once at exit.
        ATEXIT.call_once(|| unsafe {
            libc::atexit(stop_all);
        });
        Pedia::start(&kit, storage, members)
    });
    match p {
        Ok(p) => Some(p),
        Err(e) => panic!("Clusterpedia ({storage}) did not start: {e}"),
    }
}

/// Run `test` with the shared Clusterpedia of `storage`; skipped (passing) when it cannot run.
/// Hub tests run one at a time (they share members and change them).
pub fn run<F, Fut>(storage: &str, test: F)
where
    F: FnOnce(&'static Pedia) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    static SERIAL: Mutex<()> = Mutex::new(());
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(p) = shared(storage) else {
        return;
    };
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(test(p));
}

/// A TCP forwarder to `target`: `stop` refuses new connections and cuts the open ones (the
/// hub gone), `start` serves again on the same port.
pub struct Forwarder {
    pub addr: String,
    target: String,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Forwarder {
    pub async fn new(target: &str) -> Arc<Forwarder> {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = l.local_addr().expect("addr").to_string();
        let f = Arc::new(Forwarder {
            addr,
            target: target.to_string(),
            task: Mutex::new(None),
        });
        f.serve(l);
        f
    }

    fn serve(&self, l: TcpListener) {
        let target = self.target.clone();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = l.accept().await {
                let target = target.clone();
                conns.spawn(async move {
                    if let Ok(mut out) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
            }
        });
        *self.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
    }

    /// The hub goes away: no listener, open connections cut.
    pub fn stop(&self) {
        if let Some(t) = self.task.lock().unwrap_or_else(|e| e.into_inner()).take() {
            t.abort();
        }
    }

    /// The hub is back, on the same address.
    pub async fn start(&self) {
        let l = TcpListener::bind(&self.addr).await.expect("rebind");
        self.serve(l);
    }
}
