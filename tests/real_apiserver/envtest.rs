//! The harness: a real control plane (etcd, kube-apiserver, kube-controller-manager v1.28 from
//! `$KUBEBUILDER_ASSETS`) started by the test process itself on free loopback ports, in a temp
//! dir, with its own PKI (openssl), RBAC with a `viewer` user, and a Node `node-1` — the same
//! flags as `../shared/envtest/up`. Every process is killed when its [`ControlPlane`] is
//! dropped (also while unwinding from a failed test), at process exit (the shared one), and by
//! the kernel if the test process dies (`PR_SET_PDEATHSIG`). Without `KUBEBUILDER_ASSETS`, each
//! test says it was skipped on the real stderr (not captured by the test harness) and passes.

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

/// How long one component may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The folder holding `etcd`, `kube-apiserver` and `kube-controller-manager`, if configured.
pub fn assets() -> Option<PathBuf> {
    std::env::var_os("KUBEBUILDER_ASSETS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Tell the user, past the test harness's output capture, that the suite did not run (once).
fn say_skipped() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // `std::io::stderr()` written directly is not captured by libtest (only the print
        // macros are), so this shows in a plain `cargo test`; one write, on a line of its own.
        let _ = std::io::stderr().write_all(
            b"\nreal_apiserver: skipped: KUBEBUILDER_ASSETS not set; every test of this suite \
              returns without running (set it to a folder with etcd, kube-apiserver and \
              kube-controller-manager v1.28; `../shared/envtest/assets` prints one)\n",
        );
    });
}

/// Run `test` against the control plane shared by the suite; skipped without assets.
pub fn run<F, Fut>(test: F)
where
    F: FnOnce(&'static ControlPlane) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(cp) = shared() else {
        say_skipped();
        return;
    };
    runtime().block_on(test(cp));
}

/// Run `test` against a control plane of its own (for tests that kill its processes); it is
/// stopped when the test ends, passes or fails.
pub fn run_own<F, Fut>(test: F)
where
    F: FnOnce(Arc<ControlPlane>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(bin) = assets() else {
        say_skipped();
        return;
    };
    let cp = Arc::new(ControlPlane::start(&bin).unwrap_or_else(|e| panic!("{e}")));
    runtime().block_on(test(cp.clone()));
    drop(cp);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

static SHARED: OnceLock<Result<ControlPlane, String>> = OnceLock::new();

/// The suite's shared control plane: started by the first test that asks, stopped at exit.
fn shared() -> Option<&'static ControlPlane> {
    let bin = assets()?;
    let cp = SHARED.get_or_init(|| {
        let cp = ControlPlane::start(&bin)?;
        // SAFETY: registers a plain `extern "C"` function; libc calls it once at exit.
        unsafe { libc::atexit(stop_shared) };
        Ok(cp)
    });
    match cp {
        Ok(cp) => Some(cp),
        Err(e) => panic!("the shared control plane did not start: {e}"),
    }
}

extern "C" fn stop_shared() {
    if let Some(Ok(cp)) = SHARED.get() {
        cp.shutdown();
    }
}

/// Spawns every child from one thread that lives as long as the process: a parent-death
/// signal is tied to the thread that forked, and libtest ends each test's thread.
fn spawn(mut cmd: Command) -> std::io::Result<Child> {
    type Job = (Command, mpsc::Sender<std::io::Result<Child>>);
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let tx = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("envtest-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .expect("spawner thread");
        Mutex::new(tx)
    });
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (reply, answer) = mpsc::channel();
    tx.lock()
        .map_err(|_| std::io::Error::other("spawner lock poisoned"))?
        .send((cmd, reply))
        .map_err(|_| std::io::Error::other("spawner thread gone"))?;
    answer
        .recv()
        .map_err(|_| std::io::Error::other("spawner thread gone"))?
}

const DIR_PREFIX: &str = "kubeatlas-envtest-";

/// Remove the folders of earlier runs whose test process is gone (killed before it could).
fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let ours = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(DIR_PREFIX));
        let owner = std::fs::read_to_string(path.join("owner.pid"))
            .ok()
            .and_then(|p| p.trim().parse::<u32>().ok());
        if ours
            && let Some(pid) = owner
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The running processes of one control plane.
#[derive(Default)]
struct Procs {
    etcd: Option<Child>,
    apiserver: Option<Child>,
    kcm: Option<Child>,
    /// Further apiservers on the same etcd (see [`ControlPlane::start_second_apiserver`]).
    extra: Vec<Child>,
}

/// One control plane. Its PKI, etcd data, logs and kubeconfig live in [`ControlPlane::dir`].
pub struct ControlPlane {
    pub dir: PathBuf,
    bin: PathBuf,
    pub etcd_port: u16,
    pub api_port: u16,
    /// `https://127.0.0.1:PORT`.
    pub server: String,
    pub admin_token: String,
    pub viewer_token: String,
    procs: Mutex<Procs>,
}

fn hex_token() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..24)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

fn openssl(args: &[&str], what: &str) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running openssl ({what}): {e}; the harness needs openssl on PATH"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl ({what}) failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The PKI: keys and certificates as `up` makes them (EC P-256 throughout: fast to make).
fn make_pki(p: &Path) -> Result<(), String> {
    std::fs::create_dir_all(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let f = |n: &str| p.join(n).to_string_lossy().into_owned();
    let key = |n: &str| -> Result<(), String> {
        openssl(
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                &f(&format!("{n}.key")),
            ],
            n,
        )
    };
    let ca = |n: &str, cn: &str| -> Result<(), String> {
        key(n)?;
        openssl(
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                &f(&format!("{n}.key")),
                "-sha256",
                "-days",
                "3650",
                "-subj",
                &format!("/CN={cn}"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
                "-out",
                &f(&format!("{n}.crt")),
            ],
            n,
        )
    };
    let sign = |n: &str, subj: &str, ext: &str, ca: &str| -> Result<(), String> {
        key(n)?;
        openssl(
            &[
                "req",
                "-new",
                "-key",
                &f(&format!("{n}.key")),
                "-subj",
                subj,
                "-out",
                &f(&format!("{n}.csr")),
            ],
            n,
        )?;
        std::fs::write(
            p.join(format!("{n}.ext")),
            format!(
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
                 subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n{ext}\n"
            ),
        )
        .map_err(|e| format!("{n}.ext: {e}"))?;
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                &f(&format!("{n}.csr")),
                "-CA",
                &f(&format!("{ca}.crt")),
                "-CAkey",
                &f(&format!("{ca}.key")),
                "-set_serial",
                &format!("0x{}", &hex_token()[..32]),
                "-days",
                "3650",
                "-sha256",
                "-extfile",
                &f(&format!("{n}.ext")),
                "-out",
                &f(&format!("{n}.crt")),
            ],
            n,
        )
    };
    ca("ca", "envtest-ca")?;
    ca("front-proxy-ca", "envtest-front-proxy-ca")?;
    sign(
        "apiserver",
        "/CN=kube-apiserver",
        "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,\
         DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.0.0.1",
        "ca",
    )?;
    sign(
        "admin",
        "/O=system:masters/CN=admin",
        "extendedKeyUsage=clientAuth",
        "ca",
    )?;
    sign(
        "controller-manager",
        "/CN=system:kube-controller-manager",
        "extendedKeyUsage=clientAuth",
        "ca",
    )?;
    sign(
        "front-proxy-client",
        "/CN=front-proxy-client",
        "extendedKeyUsage=clientAuth",
        "front-proxy-ca",
    )?;
    key("sa")?;
    openssl(
        &["pkey", "-in", &f("sa.key"), "-pubout", "-out", &f("sa.pub")],
        "sa.pub",
    )
}

fn b64(path: &Path) -> Result<String, String> {
    use base64::Engine as _;
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// A plain-HTTP GET on loopback (etcd's client port), returning the body.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn log_file(dir: &Path, name: &str) -> Result<(Stdio, Stdio), String> {
    let f = std::fs::File::create(dir.join(format!("{name}.log")))
        .map_err(|e| format!("{name}.log: {e}"))?;
    let g = f.try_clone().map_err(|e| format!("{name}.log: {e}"))?;
    Ok((Stdio::from(f), Stdio::from(g)))
}

impl ControlPlane {
    /// Start etcd, kube-apiserver and kube-controller-manager; ready when the controller-manager
    /// made ServiceAccount `default/default` (pods are admitted from then on). Blocking: call it
    /// outside any async runtime.
    pub fn start(bin: &Path) -> Result<ControlPlane, String> {
        for b in ["etcd", "kube-apiserver", "kube-controller-manager"] {
            if !bin.join(b).is_file() {
                return Err(format!(
                    "no {b} in KUBEBUILDER_ASSETS={} (`../shared/envtest/assets` prints a folder with all three)",
                    bin.display()
                ));
            }
        }
        let t0 = Instant::now();
        remove_stale_dirs();
        let dir = tempfile::Builder::new()
            .prefix(DIR_PREFIX)
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?
            .keep();
        // Whose it is: a later run removes it if this process was killed (SIGKILL runs no
        // clean-up; the kernel still kills the children, see `spawn`).
        std::fs::write(dir.join("owner.pid"), std::process::id().to_string())
            .map_err(|e| format!("owner.pid: {e}"))?;
        let cp = ControlPlane {
            dir,
            bin: bin.to_path_buf(),
            etcd_port: 0,
            api_port: 0,
            server: String::new(),
            admin_token: hex_token(),
            viewer_token: hex_token(),
            procs: Mutex::new(Procs::default()),
        };
        // From here on, `cp` dropping (on any error) stops what was started and removes the dir.
        let mut cp = cp;
        cp.start_etcd()?;
        make_pki(&cp.dir.join("pki"))?;
        std::fs::write(
            cp.pki("tokens.csv"),
            format!(
                "{},admin,admin-uid,\"system:masters\"\n{},viewer,viewer-uid\n",
                cp.admin_token, cp.viewer_token
            ),
        )
        .map_err(|e| format!("tokens.csv: {e}"))?;
        cp.wait_etcd()?;
        cp.api_port = free_port();
        cp.server = format!("https://127.0.0.1:{}", cp.api_port);
        cp.write_kubeconfigs()?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("tokio runtime: {e}"))?;
        rt.block_on(async {
            cp.start_apiserver().await?;
            cp.start_kcm()?;
            cp.create_rbac_and_node().await?;
            cp.wait_kcm().await
        })?;
        if std::env::var_os("KUBEATLAS_ENVTEST_VERBOSE").is_some() {
            let _ = writeln!(
                std::io::stderr(),
                "envtest: control plane ready at {} after {:.1}s ({})",
                cp.server,
                t0.elapsed().as_secs_f64(),
                cp.dir.display()
            );
        }
        Ok(cp)
    }

    pub fn pki(&self, name: &str) -> PathBuf {
        self.dir.join("pki").join(name)
    }

    /// The admin/viewer kubeconfig (contexts `envtest-admin`, `envtest-viewer`; CA embedded).
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.join("kubeconfig")
    }

    fn start_etcd(&mut self) -> Result<(), String> {
        let peer = free_port();
        self.etcd_port = free_port();
        let data = self.dir.join("etcd");
        let _ = std::fs::remove_dir_all(&data);
        let (out, err) = log_file(&self.dir, "etcd")?;
        let client = format!("http://127.0.0.1:{}", self.etcd_port);
        let peer = format!("http://127.0.0.1:{peer}");
        let mut cmd = Command::new(self.bin.join("etcd"));
        cmd.args(["--name", "envtest", "--data-dir"])
            .arg(&data)
            .args([
                "--listen-client-urls",
                &client,
                "--advertise-client-urls",
                &client,
            ])
            .args([
                "--listen-peer-urls",
                &peer,
                "--initial-advertise-peer-urls",
                &peer,
            ])
            .args(["--initial-cluster", &format!("envtest={peer}")])
            .args([
                "--initial-cluster-state",
                "new",
                "--unsafe-no-fsync",
                "--log-level=warn",
            ])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let child = spawn(cmd).map_err(|e| format!("starting etcd: {e}"))?;
        self.lock().etcd = Some(child);
        Ok(())
    }

    fn wait_etcd(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut tries = 0;
        loop {
            if let Some(b) = http_get(self.etcd_port, "/health")
                && b.contains(r#""health":"true""#)
                && self.exited("etcd").is_none()
            {
                return Ok(());
            }
            if let Some(code) = self.exited("etcd") {
                let log = tail(&self.dir.join("etcd.log"));
                if log.contains("address already in use") && tries < 3 {
                    tries += 1;
                    self.start_etcd()?;
                    continue;
                }
                return Err(format!("etcd exited ({code}):\n{log}"));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "etcd not ready after {}s:\n{}",
                    READY_TIMEOUT.as_secs(),
                    tail(&self.dir.join("etcd.log"))
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Procs> {
        self.procs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Some(status)` when that component is not running (exited, or never started).
    fn exited(&self, which: &str) -> Option<String> {
        let mut p = self.lock();
        let child = match which {
            "etcd" => p.etcd.as_mut(),
            "kube-apiserver" => p.apiserver.as_mut(),
            _ => p.kcm.as_mut(),
        };
        match child {
            None => Some("not running".into()),
            Some(c) => match c.try_wait() {
                Ok(Some(s)) => Some(s.to_string()),
                Ok(None) => None,
                Err(e) => Some(e.to_string()),
            },
        }
    }

    fn apiserver_command(&self, port: u16, log: &str) -> Result<Command, String> {
        let (out, err) = log_file(&self.dir, log)?;
        let p = |n: &str| self.pki(n).to_string_lossy().into_owned();
        let mut cmd = Command::new(self.bin.join("kube-apiserver"));
        cmd.arg("--bind-address=127.0.0.1")
            .arg("--advertise-address=127.0.0.1")
            .arg(format!("--secure-port={port}"))
            .arg(format!(
                "--etcd-servers=http://127.0.0.1:{}",
                self.etcd_port
            ))
            .arg(format!("--client-ca-file={}", p("ca.crt")))
            .arg(format!("--tls-cert-file={}", p("apiserver.crt")))
            .arg(format!("--tls-private-key-file={}", p("apiserver.key")))
            .arg(format!("--token-auth-file={}", p("tokens.csv")))
            .arg(format!("--service-account-key-file={}", p("sa.pub")))
            .arg(format!(
                "--service-account-signing-key-file={}",
                p("sa.key")
            ))
            .arg("--service-account-issuer=https://kubernetes.default.svc")
            .arg("--service-cluster-ip-range=10.0.0.0/24")
            .arg("--authorization-mode=Node,RBAC")
            .arg("--allow-privileged=true")
            .arg("--endpoint-reconciler-type=none")
            .arg(format!(
                "--requestheader-client-ca-file={}",
                p("front-proxy-ca.crt")
            ))
            .arg("--requestheader-allowed-names=front-proxy-client")
            .arg("--requestheader-username-headers=X-Remote-User")
            .arg("--requestheader-group-headers=X-Remote-Group")
            .arg("--requestheader-extra-headers-prefix=X-Remote-Extra-")
            .arg(format!(
                "--proxy-client-cert-file={}",
                p("front-proxy-client.crt")
            ))
            .arg(format!(
                "--proxy-client-key-file={}",
                p("front-proxy-client.key")
            ))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        Ok(cmd)
    }

    /// Start kube-apiserver on [`ControlPlane::api_port`] (again, after
    /// [`ControlPlane::kill_apiserver`]) and wait for `/readyz`.
    pub async fn start_apiserver(&self) -> Result<(), String> {
        let cmd = self.apiserver_command(self.api_port, "kube-apiserver")?;
        let child = spawn(cmd).map_err(|e| format!("starting kube-apiserver: {e}"))?;
        self.lock().apiserver = Some(child);
        let deadline = Instant::now() + READY_TIMEOUT;
        let client = self.admin_client().await;
        loop {
            if let Some(code) = self.exited("kube-apiserver") {
                return Err(format!(
                    "kube-apiserver exited ({code}):\n{}",
                    tail(&self.dir.join("kube-apiserver.log"))
                ));
            }
            let req = http::Request::get("/readyz")
                .body(vec![])
                .map_err(|e| e.to_string())?;
            if let Ok(Ok(text)) =
                tokio::time::timeout(Duration::from_secs(2), client.request_text(req)).await
                && text.trim() == "ok"
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "kube-apiserver not ready after {}s:\n{}",
                    READY_TIMEOUT.as_secs(),
                    tail(&self.dir.join("kube-apiserver.log"))
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kill kube-apiserver (SIGKILL, as a crash would) and reap it.
    pub fn kill_apiserver(&self) {
        if let Some(mut c) = self.lock().apiserver.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// A second kube-apiserver on the same etcd (another port), as in an HA control plane;
    /// returns its URL. It stops with the control plane.
    pub async fn start_second_apiserver(&self) -> Result<String, String> {
        let port = free_port();
        let cmd = self.apiserver_command(port, "kube-apiserver-2")?;
        let child = spawn(cmd).map_err(|e| format!("starting kube-apiserver: {e}"))?;
        self.lock().extra.push(child);
        let server = format!("https://127.0.0.1:{port}");
        let client = self.admin_client_at(&server).await;
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let req = http::Request::get("/readyz")
                .body(vec![])
                .map_err(|e| e.to_string())?;
            if let Ok(Ok(text)) =
                tokio::time::timeout(Duration::from_secs(2), client.request_text(req)).await
                && text.trim() == "ok"
            {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "second kube-apiserver not ready:\n{}",
                    tail(&self.dir.join("kube-apiserver-2.log"))
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn start_kcm(&self) -> Result<(), String> {
        let (out, err) = log_file(&self.dir, "kube-controller-manager")?;
        let p = |n: &str| self.pki(n).to_string_lossy().into_owned();
        let kc = p("controller-manager.kubeconfig");
        let mut cmd = Command::new(self.bin.join("kube-controller-manager"));
        cmd.arg(format!("--kubeconfig={kc}"))
            .arg(format!("--authentication-kubeconfig={kc}"))
            .arg(format!("--authorization-kubeconfig={kc}"))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--secure-port={}", free_port()))
            .arg("--use-service-account-credentials=true")
            .arg(format!(
                "--service-account-private-key-file={}",
                p("sa.key")
            ))
            .arg(format!("--cluster-signing-cert-file={}", p("ca.crt")))
            .arg(format!("--cluster-signing-key-file={}", p("ca.key")))
            .arg(format!("--root-ca-file={}", p("ca.crt")))
            .arg("--leader-elect=false")
            .arg("--kube-api-qps=500")
            .arg("--kube-api-burst=1000")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let child = spawn(cmd).map_err(|e| format!("starting kube-controller-manager: {e}"))?;
        self.lock().kcm = Some(child);
        Ok(())
    }

    /// Ready when the service-account controller made `default/default`.
    async fn wait_kcm(&self) -> Result<(), String> {
        let client = self.admin_client().await;
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(code) = self.exited("kube-controller-manager") {
                return Err(format!(
                    "kube-controller-manager exited ({code}):\n{}",
                    tail(&self.dir.join("kube-controller-manager.log"))
                ));
            }
            let sa = get(
                &client,
                "/api/v1/namespaces/default/serviceaccounts/default",
            )
            .await;
            if sa.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "kube-controller-manager made no default ServiceAccount in {}s:\n{}",
                    READY_TIMEOUT.as_secs(),
                    tail(&self.dir.join("kube-controller-manager.log"))
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn write_kubeconfigs(&self) -> Result<(), String> {
        let ca = b64(&self.pki("ca.crt"))?;
        let admin = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: envtest\n  cluster:\n    server: {s}\n    certificate-authority-data: {ca}\n\
             users:\n- name: admin\n  user:\n    client-certificate-data: {c}\n    client-key-data: {k}\n\
             - name: viewer\n  user:\n    token: {t}\n\
             contexts:\n- name: envtest-admin\n  context: {{cluster: envtest, user: admin}}\n\
             - name: envtest-viewer\n  context: {{cluster: envtest, user: viewer}}\n\
             current-context: envtest-admin\n",
            s = self.server,
            c = b64(&self.pki("admin.crt"))?,
            k = b64(&self.pki("admin.key"))?,
            t = self.viewer_token,
        );
        std::fs::write(self.kubeconfig(), admin).map_err(|e| format!("kubeconfig: {e}"))?;
        let kcm = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: envtest\n  cluster:\n    server: {s}\n    certificate-authority-data: {ca}\n\
             users:\n- name: kcm\n  user:\n    client-certificate-data: {c}\n    client-key-data: {k}\n\
             contexts:\n- name: default\n  context: {{cluster: envtest, user: kcm}}\ncurrent-context: default\n",
            s = self.server,
            c = b64(&self.pki("controller-manager.crt"))?,
            k = b64(&self.pki("controller-manager.key"))?,
        );
        std::fs::write(self.pki("controller-manager.kubeconfig"), kcm)
            .map_err(|e| format!("controller-manager kubeconfig: {e}"))
    }

    async fn create_rbac_and_node(&self) -> Result<(), String> {
        let c = self.admin_client().await;
        let now = jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        for (path, body) in [
            (
                "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "viewer"},
                "rules": [
                    {"apiGroups": [""], "resources": ["pods", "pods/log", "namespaces", "services", "events", "configmaps", "persistentvolumeclaims"], "verbs": ["get", "list", "watch"]},
                    {"apiGroups": ["apps"], "resources": ["deployments", "replicasets", "statefulsets", "daemonsets", "controllerrevisions"], "verbs": ["get", "list", "watch"]},
                    {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": ["get", "list", "watch"]},
                    {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses"], "verbs": ["get", "list", "watch"]},
                    {"apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"], "verbs": ["get", "list", "watch"]},
                    {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": ["get", "list", "watch"]}
                ]}),
            ),
            (
                "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                json!({
                    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                    "metadata": {"name": "viewer"},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "viewer"},
                    "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "viewer"}]}),
            ),
            (
                "/api/v1/nodes",
                json!({
                    "apiVersion": "v1", "kind": "Node",
                    "metadata": {"name": "node-1", "labels": {"kubernetes.io/hostname": "node-1", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}},
                    "spec": {"taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]},
                    "status": {
                        "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                        "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                        "conditions": [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusNeverUpdated",
                            "message": "Kubelet never posted node status.", "lastHeartbeatTime": now, "lastTransitionTime": now}],
                        "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux", "kubeletVersion": "v1.28.0",
                            "kubeProxyVersion": "v1.28.0", "containerRuntimeVersion": "fake://0.0.0", "osImage": "fake",
                            "kernelVersion": "fake", "machineID": "", "systemUUID": "", "bootID": ""}}}),
            ),
        ] {
            match send(&c, "POST", path, Some(&body), None).await {
                Ok(_) => {}
                Err(e) if e.code == 409 => {}
                Err(e) => return Err(format!("creating {path}: {e}")),
            }
        }
        Ok(())
    }

    /// A client as `admin` (system:masters), from the generated kubeconfig.
    pub async fn admin_client(&self) -> kube::Client {
        self.admin_client_at(&self.server).await
    }

    /// A client for a context of the generated kubeconfig (`envtest-admin`, `envtest-viewer`).
    pub async fn client(&self, context: &str) -> kube::Client {
        self.client_at(&self.server, context).await
    }

    /// An admin client for another apiserver of this control plane.
    pub async fn client_at_server(&self, server: &str) -> kube::Client {
        self.admin_client_at(server).await
    }

    async fn admin_client_at(&self, server: &str) -> kube::Client {
        self.client_at(server, "envtest-admin").await
    }

    async fn client_at(&self, server: &str, context: &str) -> kube::Client {
        let kc = kube::config::Kubeconfig::read_from(self.kubeconfig()).expect("kubeconfig");
        let opts = kube::config::KubeConfigOptions {
            context: Some(context.into()),
            ..Default::default()
        };
        let mut cfg = kube::Config::from_custom_kubeconfig(kc, &opts)
            .await
            .expect("client config");
        cfg.cluster_url = server.parse().expect("server URL");
        cfg.read_timeout = Some(Duration::from_secs(30));
        kube::Client::try_from(cfg).expect("client")
    }

    /// Stop every process (SIGKILL) and remove the directory. Idempotent.
    pub fn shutdown(&self) {
        let mut p = self.lock();
        let mut children: Vec<Child> = p.extra.drain(..).collect();
        children.extend(p.kcm.take());
        children.extend(p.apiserver.take());
        children.extend(p.etcd.take());
        for c in &mut children {
            let _ = c.kill();
        }
        for c in &mut children {
            let _ = c.wait();
        }
        if !self.dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// An API error: the HTTP status and the server's `Status` message.
#[derive(Debug, Clone)]
pub struct ApiErr {
    pub code: u16,
    pub body: String,
}

impl std::fmt::Display for ApiErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}: {}", self.code, self.body)
    }
}

/// One raw request as the given client; the JSON answer, or the status and body.
pub async fn send(
    client: &kube::Client,
    method: &str,
    path: &str,
    body: Option<&Value>,
    content_type: Option<&str>,
) -> Result<Value, ApiErr> {
    let mut req = http::Request::builder().method(method).uri(path);
    if body.is_some() {
        req = req.header(
            http::header::CONTENT_TYPE,
            content_type.unwrap_or("application/json"),
        );
    }
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let req = req.body(bytes).map_err(|e| ApiErr {
        code: 0,
        body: e.to_string(),
    })?;
    let text = client.request_text(req).await.map_err(|e| match e {
        kube::Error::Api(s) => ApiErr {
            code: s.code,
            body: format!("{} ({})", s.message, s.reason),
        },
        e => ApiErr {
            code: 0,
            body: e.to_string(),
        },
    })?;
    serde_json::from_str(&text).map_err(|e| ApiErr {
        code: 200,
        body: format!("not JSON ({e}): {text}"),
    })
}

pub async fn get(client: &kube::Client, path: &str) -> Result<Value, ApiErr> {
    send(client, "GET", path, None, None).await
}

pub async fn post(client: &kube::Client, path: &str, body: Value) -> Result<Value, ApiErr> {
    send(client, "POST", path, Some(&body), None).await
}

/// A JSON merge patch.
pub async fn merge_patch(client: &kube::Client, path: &str, body: Value) -> Result<Value, ApiErr> {
    send(
        client,
        "PATCH",
        path,
        Some(&body),
        Some("application/merge-patch+json"),
    )
    .await
}
