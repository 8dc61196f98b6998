//! kubeatlas's benchmark harness (issue 5): sync vs a typed-LIST floor, memory per pod, watch
//! ingest, filter and frame latency, idle CPU, and the simulator's own serve rate.
//!
//! ```text
//! cargo run --release --example bench -- --contexts 5 --pods 100000 [--json]
//! cargo run --release --example bench -- --kubeconfig FILE [--context NAME …] [--run-pods] [--json]
//! cargo run --example bench -- --hub-members 3 --hub-pods 500     # hub mode (hub.rs)
//! ```
//!
//! With the simulator, it runs in a child process (this binary re-executed with the hidden
//! `--serve`) so this process's memory and CPU are kubeatlas's alone. Against a real cluster
//! the ingest burst is written the same way by a child (`--write-pods`, `writer.rs`): pod
//! statuses patched through the API server as a kubelet does, folded live; with `--run-pods` it
//! first makes every pod Running as the scheduler and a kubelet would. Progress goes to stderr;
//! the table (or with `--json` one JSON object) to stdout.

mod child;
mod first;
mod hub;
mod kube_side;
mod open;
mod procfs;
mod screen;
mod stats;
mod writer;

use clap::Parser;
use kubeatlas::blueprint::{BlueprintSet, Value as PropValue};
use kubeatlas::catalog::{Catalog, Change, ClusterId};
use kubeatlas::config::Paths;
use serde_json::{Value, json};
use stats::{ms, round3};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

#[derive(Parser, Debug)]
#[command(about = "kubeatlas benchmark harness")]
struct Args {
    /// Simulated clusters (kubeconfig contexts).
    #[arg(long, default_value_t = 5)]
    contexts: usize,
    /// Simulated pods in total, split over the contexts (~5 pods per workload).
    #[arg(long, default_value_t = 100_000)]
    pods: usize,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Measure against these clusters instead of the simulator (sync, floor, memory, idle,
    /// filter, frame).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Contexts of `--kubeconfig` (default: all).
    #[arg(long = "context")]
    context: Vec<String>,
    /// With `--kubeconfig`, on a cluster without a scheduler or kubelet (envtest): first make
    /// every pod Running as they would (bound to a node, a kubelet's status written by the
    /// writer child), so memory is measured on pods as a real cluster has them.
    #[arg(long)]
    run_pods: bool,
    /// Rounds of (floor, sync) after the first sync; the best of each is reported.
    #[arg(long, default_value_t = 2)]
    runs: usize,
    /// Seconds of the idle measurement.
    #[arg(long, default_value_t = 10.0)]
    idle_secs: f64,
    /// Pods whose status the simulator rewrites in the ingest burst.
    #[arg(long, default_value_t = 20_000)]
    burst: usize,
    /// Rounds of each open-a-view measure (cold rounds are at most 5).
    #[arg(long, default_value_t = 20)]
    open_rounds: usize,
    /// Hub mode (issue 17): this many member clusters through a real Clusterpedia (postgres,
    /// from shared/clusterpedia) against direct watches of the same members; JSON out.
    #[arg(long, default_value_t = 0)]
    hub_members: usize,
    /// Hub mode: pods per member.
    #[arg(long, default_value_t = 500)]
    hub_pods: usize,
    /// Hub mode: the poll interval (seconds).
    #[arg(long, default_value_t = 2.0)]
    hub_poll: f64,
    #[arg(long, hide = true)]
    serve: bool,
    /// The writer child against a real cluster (`writer.rs`).
    #[arg(long, hide = true)]
    write_pods: bool,
    #[arg(long, hide = true)]
    kubeconfig_out: Option<PathBuf>,
}

fn progress(msg: impl AsRef<str>) {
    eprintln!("[bench] {}", msg.as_ref());
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.serve {
        let out = args
            .kubeconfig_out
            .clone()
            .ok_or_else(|| anyhow::anyhow!("--serve needs --kubeconfig-out"))?;
        let per = args.pods / args.contexts.max(1);
        return child::serve(args.contexts, per, &out);
    }
    if args.write_pods {
        let kc = args
            .kubeconfig
            .clone()
            .ok_or_else(|| anyhow::anyhow!("--write-pods needs --kubeconfig"))?;
        return writer::serve(kc, &args.context);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.hub_members > 0 {
        let report = rt.block_on(hub::run(args.hub_members, args.hub_pods, args.hub_poll))?;
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let report = rt.block_on(run(&args))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(())
}

/// The simulator child: its stdin (commands) and stdout lines.
struct Sim {
    child: tokio::process::Child,
    stdin: Option<tokio::process::ChildStdin>,
    lines: mpsc::UnboundedReceiver<String>,
}

impl Sim {
    async fn start(args: &Args, kubeconfig: &std::path::Path) -> anyhow::Result<(Sim, f64)> {
        let mut child_args: Vec<std::ffi::OsString> = vec!["--serve".into()];
        child_args.extend(["--contexts".into(), args.contexts.to_string().into()]);
        child_args.extend(["--pods".into(), args.pods.to_string().into()]);
        child_args.extend(["--kubeconfig-out".into(), kubeconfig.into()]);
        Sim::spawn(child_args).await
    }

    /// The writer child for a real cluster: pod statuses written as a kubelet does.
    async fn writer(kubeconfig: &std::path::Path, contexts: &[String]) -> anyhow::Result<Sim> {
        let mut child_args: Vec<std::ffi::OsString> = vec!["--write-pods".into()];
        child_args.extend(["--kubeconfig".into(), kubeconfig.into()]);
        for c in contexts {
            child_args.extend(["--context".into(), c.into()]);
        }
        Ok(Sim::spawn(child_args).await?.0)
    }

    /// This binary re-executed with `child_args`, once it said `ready`.
    async fn spawn(child_args: Vec<std::ffi::OsString>) -> anyhow::Result<(Sim, f64)> {
        let exe = std::env::current_exe()?;
        let mut child = tokio::process::Command::new(exe)
            .args(child_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            // An allocator preloaded to try it on kubeatlas is not the simulator's.
            .env_remove("LD_PRELOAD")
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout from the simulator"))?;
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut r = tokio::io::BufReader::new(stdout).lines();
            while let Ok(Some(l)) = r.next_line().await {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let mut sim = Sim {
            child,
            stdin,
            lines,
        };
        let line = sim.expect("ready", Duration::from_secs(240)).await?;
        let built = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(f64::NAN);
        Ok((sim, built))
    }

    async fn expect(&mut self, word: &str, timeout: Duration) -> anyhow::Result<String> {
        loop {
            match tokio::time::timeout(timeout, self.lines.recv()).await {
                Ok(Some(l)) if l.starts_with(word) => return Ok(l),
                Ok(Some(_)) => {}
                Ok(None) => anyhow::bail!("the simulator exited"),
                Err(_) => anyhow::bail!("no {word:?} from the simulator within {timeout:?}"),
            }
        }
    }

    async fn send(&mut self, line: &str) -> anyhow::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("simulator stdin closed"))?;
        stdin.write_all(format!("{line}\n").as_bytes()).await?;
        stdin.flush().await?;
        Ok(())
    }

    async fn stop(mut self) {
        drop(self.stdin.take());
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

fn machine() -> Value {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .unwrap_or(0);
    json!({"cores": cores, "memory_gib": round3(mem as f64 / 1024.0 / 1024.0)})
}

fn pct(samples: &stats::Samples) -> Value {
    samples.json()
}

async fn run(args: &Args) -> anyhow::Result<Value> {
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let paths = Paths::under(dir.path().join("home"));
    let mut report = json!({"machine": machine()});
    // The child that writes the ingest burst: the simulator, or a writer for a real cluster.
    let mut writer = None;
    let (files, contexts, mut sim) = match &args.kubeconfig {
        Some(f) => {
            report["target"] = json!({"kubeconfig": f, "contexts": args.context});
            if args.burst > 0 || args.run_pods {
                progress("starting the pod status writer (a child process)");
                writer = Some(Sim::writer(f, &args.context).await?);
            }
            if let Some(w) = writer.as_mut().filter(|_| args.run_pods) {
                progress("making every pod Running (bound to a node, a kubelet's status)");
                w.send("run").await?;
                let l = w.expect("run-done", Duration::from_secs(900)).await?;
                progress(&l);
                report["target"]["run_pods"] = json!(l);
            }
            (vec![f.clone()], args.context.clone(), None)
        }
        None => {
            let kc = dir.path().join("kubeconfig");
            let per = args.pods / args.contexts.max(1);
            progress(format!(
                "building the simulator in a child process: {} contexts × {per} pods",
                args.contexts
            ));
            let (sim, built) = Sim::start(args, &kc).await?;
            progress(format!("simulator ready (built in {built:.1} s)"));
            report["target"] = json!({
                "simulator": "child process",
                "contexts": args.contexts,
                "pods_per_context": per,
                "sim_build_s": round3(built),
            });
            (vec![kc], vec![], Some(sim))
        }
    };

    // Baseline: runtime, blueprints and clients exist; nothing synced.
    let blueprints = BlueprintSet::load(None).map_err(|e| anyhow::anyhow!("{e}"))?;
    let kinds = kube_side::source_kinds(&blueprints);
    let clients = kube_side::clients(&files, &contexts).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let baseline = procfs::rss();
    procfs::reset_peak();

    // First sync: memory is measured on it.
    progress("sync 1 (memory measured on this one)");
    let (mut session, first_sync, failed) = kube_side::sync(&files, &contexts, &paths).await?;
    let peak = procfs::peak();
    if !failed.is_empty() {
        progress(format!("not ready: {failed:?}"));
    }
    let cat_counts = counts(&session.catalog);
    let pods = cat_counts.0;
    progress(format!(
        "synced {} objects ({pods} pods) in {:.2} s",
        cat_counts.1,
        first_sync.as_secs_f64()
    ));
    // Steady: let every transient buffer go (folding anything late) before reading RSS.
    drain_for(&mut session, Duration::from_secs(3)).await;
    let steady = procfs::rss();
    if std::env::var_os("BENCH_MALLOC_STATS").is_some() {
        glibc_report(steady);
    }
    let per_pod = (steady.saturating_sub(baseline)) as f64 / pods.max(1) as f64;
    report["memory"] = json!({
        "baseline_mib": procfs::mib(baseline),
        "peak_mib": procfs::mib(peak),
        "steady_mib": procfs::mib(steady),
        "bytes_per_pod": per_pod.round(),
        "objects": cat_counts.1,
        "pods": pods,
        "target_bytes_per_pod": 1024,
        "met": per_pod <= 1024.0,
    });

    // Filter and frame, through the TUI's own code, on the live catalog.
    progress("filter: typing into the pods view");
    if let Some(f) = screen::filter(&session.catalog) {
        report["filter"] = json!({
            "rows": f.rows,
            "queries": screen::QUERIES,
            "filter": pct(&f.filter),
            "keystroke_with_frame": pct(&f.keystroke),
            "per_key_ms": f.per_key.iter().map(|(q, k)| json!({"query": q, "keys": k})).collect::<Vec<_>>(),
            "target_p99_ms": 16,
            "met": f.keystroke.p99() <= 16.0,
        });
    }
    progress("frame: building rows and rendering the biggest views");
    let mut frames = vec![];
    let mut frames_met = true;
    for f in screen::frames(&session.catalog, 5, 30) {
        frames_met &= f.render.p99() <= 16.0 && f.build.p99() <= 16.0;
        frames.push(json!({
            "view": f.view, "rows": f.rows,
            "build_rows": pct(&f.build), "render": pct(&f.render),
        }));
    }
    report["frame"] = json!({
        "views": frames, "size": format!("{}x{}", screen::WIDTH, screen::HEIGHT),
        "target_p99_ms": 16, "met": frames_met,
    });

    // Opening a view: key → frame, cold (nothing built ahead) and warm (built while idle).
    progress("open a view: :pods⏎ / :wl⏎ / :rs⏎ typed on the fleet, cold");
    let cold = open::cold(&session.catalog, args.open_rounds.clamp(1, 5), false);
    progress("open a view: the same, the rows built in slices after the Enter (the program)");
    let sliced = open::cold(&session.catalog, args.open_rounds.clamp(1, 5), true);
    progress("open a view: building ahead, then opens between live changes");
    let (warm, warm_opens) = open::warm(&mut session.catalog, args.open_rounds, 200);
    let figs = |v: &[open::OpenFigures]| {
        v.iter()
            .map(|f| {
                json!({"view": f.view, "rows": f.rows, "open_key": pct(&f.open),
                       "every_key": pct(&f.keys), "rows_shown": pct(&f.ready),
                       "longest_slice_ms": round3(f.slices.pct(100.0))})
            })
            .collect::<Vec<_>>()
    };
    let open_met = warm_opens.iter().all(|f| f.keys.p99() <= 16.0)
        && sliced.iter().all(|f| f.keys.p99() <= 16.0);
    report["open"] = json!({
        "cold": figs(&cold),
        "cold_sliced": figs(&sliced),
        "warm": figs(&warm_opens),
        "build_ahead": {
            "slices": pct(&warm.slices),
            "longest_slice_ms": round3(warm.slices.pct(100.0)),
            "total_ms": round3(ms(warm.total)),
            "rows": warm.rows,
            "rss_mib": procfs::mib(warm.rss_bytes),
            "bytes_per_row": (warm.rss_bytes as f64 / warm.rows.max(1) as f64).round(),
        },
        "changes_between_opens": warm.changes_per_round,
        "target_p99_ms": 16,
        "met": open_met,
    });

    // Idle: the fleet watching, the runtime's loop replayed, nothing changing.
    progress(format!("idle for {} s", args.idle_secs));
    let idle = screen::idle(&mut session.catalog, &mut session.changes, args.idle_secs).await;
    let core = idle.cpu.as_secs_f64() / idle.secs.max(1e-9) * 100.0;
    report["idle"] = json!({
        "secs": round3(idle.secs),
        "cpu_ms": round3(ms(idle.cpu)),
        "cpu_pct_of_core": round3(core),
        "renders": idle.renders,
        "renders_for_ages": idle.tick_renders,
        "renders_for_catalog": idle.catalog_renders,
        "changes": idle.changes,
        // A shown age's text changing (a pod turning "4m" old) is a change on screen: the
        // loop schedules that render, and only that one. No render may come from anything else.
        "target": "< 1 % of a core and no render but when a shown age changes",
        "met": core < 1.0 && idle.catalog_renders == 0,
    });

    // Ingest: a burst of status rewrites in the simulator, folded as it arrives.
    if let Some(sim) = sim.as_mut() {
        progress(format!(
            "ingest: the simulator rewrites {} pods",
            args.burst
        ));
        report["ingest"] = ingest(sim, &mut session, args.burst).await?;
    }
    // Against a real cluster only live: the burst fits the change channel, so a backlog
    // would be queued (already decoded and projected) before folding starts.
    if let Some(w) = writer.as_mut() {
        progress(format!(
            "ingest: a child writes {} pod statuses through the API server",
            args.burst
        ));
        let live = ingest_once(w, &mut session, args.burst, false).await?;
        report["ingest"] = json!({"live": live, "target_events_per_s": 100_000});
    }
    progress("pure fold: catalog.apply of prepared changes");
    report["fold"] = pure_fold(&mut session.catalog);

    // Floor and sync, alternated.
    let mut floors = vec![];
    let mut syncs = vec![first_sync];
    // Each round's CPU (this process's and the simulator's) and the folding task's time.
    let sim_pid = sim
        .as_ref()
        .and_then(|s| s.child.id())
        .map(|p| p.to_string());
    let cpu = || {
        (
            procfs::cpu_time(),
            sim_pid
                .as_deref()
                .map_or(Duration::ZERO, procfs::cpu_time_of),
        )
    };
    let used = |from: (Duration, Duration)| {
        let now = cpu();
        (
            round3(now.0.saturating_sub(from.0).as_secs_f64()),
            round3(now.1.saturating_sub(from.1).as_secs_f64()),
        )
    };
    let mut rounds = vec![];
    for round in 0..args.runs {
        progress(format!(
            "round {}/{}: floor (typed LIST)",
            round + 1,
            args.runs
        ));
        let c0 = cpu();
        let (t, n) = kube_side::floor(&clients, &kinds).await?;
        let (floor_cpu, floor_sim) = used(c0);
        progress(format!(
            "  floor: {n} objects in {:.2} s (CPU {floor_cpu} s, simulator {floor_sim} s)",
            t.as_secs_f64()
        ));
        floors.push(t);
        progress(format!("round {}/{}: sync", round + 1, args.runs));
        let c0 = cpu();
        let (s, t, fold) = kube_side::sync_timed(&files, &contexts, &paths).await?;
        let (sync_cpu, sync_sim) = used(c0);
        progress(format!(
            "  sync: {:.2} s (CPU {sync_cpu} s, simulator {sync_sim} s, folding {:.2} s)",
            t.as_secs_f64(),
            fold.as_secs_f64()
        ));
        rounds.push(json!({
            "floor_s": round3(floors[round].as_secs_f64()), "floor_cpu_s": floor_cpu,
            "floor_sim_cpu_s": floor_sim, "sync_s": round3(t.as_secs_f64()),
            "sync_cpu_s": sync_cpu, "sync_sim_cpu_s": sync_sim,
            "fold_s": round3(fold.as_secs_f64()),
        }));
        syncs.push(t);
        s.fleet.shutdown().await;
    }
    if floors.is_empty() {
        let (t, _) = kube_side::floor(&clients, &kinds).await?;
        floors.push(t);
    }
    let best = |v: &[Duration]| v.iter().min().copied().unwrap_or_default();
    let (sync_best, floor_best) = (best(&syncs), best(&floors));
    let ratio = sync_best.as_secs_f64() / floor_best.as_secs_f64().max(1e-9);
    let secs = |v: &[Duration]| {
        v.iter()
            .map(|d| round3(d.as_secs_f64()))
            .collect::<Vec<_>>()
    };
    report["sync"] = json!({
        "order": "sync 1 (cold, memory), then rounds of (floor, sync); best of each",
        "objects": cat_counts.1,
        "sync_s": round3(sync_best.as_secs_f64()),
        "floor_s": round3(floor_best.as_secs_f64()),
        "ratio": round3(ratio),
        "sync_runs_s": secs(&syncs),
        "floor_runs_s": secs(&floors),
        "rounds": rounds,
        "page_size": kubeatlas::fleet::source::PAGE_SIZE,
        "kinds": kinds.iter().map(|k| if k.group.is_empty() { k.kind.clone() } else { format!("{}/{}", k.group, k.kind) }).collect::<Vec<_>>(),
        "target_ratio": 1.25,
        "met": ratio <= 1.25,
    });

    if sim.is_some() {
        progress("simulator serve rate: plain paged GET of every pod");
        let (t, bytes) = kube_side::serve_rate(&clients).await?;
        let s = t.as_secs_f64().max(1e-9);
        report["sim_serve"] = json!({
            "objects": pods,
            "bytes_mib": procfs::mib(bytes),
            "secs": round3(s),
            "objects_per_s": (pods as f64 / s).round(),
            "mib_per_s": round3(bytes as f64 / 1024.0 / 1024.0 / s),
        });
    }
    session.fleet.shutdown().await;
    progress("first frame with a dead and a 5 s slow context");
    let ff = first::measure(&files, dir.path(), &paths).await?;
    report["first_frame"] = json!({
        "contexts": ff.contexts,
        "session_open_ms": round3(ms(ff.open)),
        "first_frame_ms": round3(ms(ff.first_frame)),
        "slow_s": first::SLOW.as_secs(),
        "target_ms": 100,
        "met": ms(ff.first_frame) <= 100.0,
    });
    for child in sim.into_iter().chain(writer) {
        child.stop().await;
    }
    report["elapsed_s"] = json!(round3(started.elapsed().as_secs_f64()));
    Ok(report)
}

/// Diagnostics (`BENCH_MALLOC_STATS=1`): trim the heap and print glibc's per-arena figures,
/// to tell live data from memory the allocator holds.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn glibc_report(steady: u64) {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> i32;
        fn malloc_stats();
    }
    // SAFETY: glibc's malloc_trim and malloc_stats take no pointers.
    unsafe {
        malloc_trim(0);
        malloc_stats();
    }
    progress(format!(
        "after malloc_trim: {} MiB (steady {} MiB)",
        procfs::mib(procfs::rss()),
        procfs::mib(steady)
    ));
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn glibc_report(_steady: u64) {}

/// (pods, all entities) in the catalog.
fn counts(cat: &Catalog) -> (usize, usize) {
    let pod = cat.blueprints().by_identifier("pod");
    let mut pods = 0;
    let mut all = 0;
    for c in cat.cluster_ids() {
        for bp in cat.blueprints().all() {
            let n = cat.count(c, bp.id);
            all += n;
            if Some(bp.id) == pod {
                pods += n;
            }
        }
    }
    (pods, all)
}

async fn drain_for(s: &mut kubeatlas::cli::session::Session, d: Duration) {
    let deadline = tokio::time::Instant::now() + d;
    while let Ok(Some(c)) = tokio::time::timeout_at(deadline, s.changes.recv()).await {
        s.catalog.apply(c);
    }
}

/// Ask the simulator for a burst of `n` pod status rewrites and fold them, in two ways:
/// - `live`: folded as they come while the simulator writes (bounded by its write rate);
/// - `backlog`: nothing folded until the simulator has written them all (the watch streams
///   back up into TCP and the change channel), then folded as fast as kubeatlas can: its
///   capacity. Changes already projected and queued when folding starts are not counted.
async fn ingest(
    sim: &mut Sim,
    s: &mut kubeatlas::cli::session::Session,
    n: usize,
) -> anyhow::Result<Value> {
    let live = ingest_once(sim, s, n, false).await?;
    let backlog = ingest_once(sim, s, n, true).await?;
    let met = backlog["met"].as_bool().unwrap_or(false);
    Ok(json!({"live": live, "backlog": backlog, "target_events_per_s": 100_000, "met": met}))
}

async fn ingest_once(
    sim: &mut Sim,
    s: &mut kubeatlas::cli::session::Session,
    n: usize,
    backlog: bool,
) -> anyhow::Result<Value> {
    let pod = s.catalog.blueprints().by_identifier("pod");
    sim.send(&format!("burst {n}")).await?;
    let mut expected: Option<usize> = None;
    let mut producer_s = f64::NAN;
    let done_line = |l: &str| -> (f64, Option<usize>) {
        let mut w = l.split_whitespace().skip(1);
        let secs = w.next().and_then(|x| x.parse().ok()).unwrap_or(f64::NAN);
        (secs, w.next().and_then(|x| x.parse().ok()))
    };
    let mut queued = 0;
    if backlog {
        let l = sim.expect("burst-done", Duration::from_secs(120)).await?;
        (producer_s, expected) = done_line(&l);
        // Let the streams back up.
        tokio::time::sleep(Duration::from_millis(500)).await;
        queued = s.changes.len();
    }
    let cpu0 = procfs::cpu_time();
    let t0 = Instant::now();
    let (mut folded, mut other, mut messages) = (0usize, 0usize, 0usize);
    let mut first: Option<Instant> = backlog.then_some(t0);
    let mut last = t0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        if expected.is_some_and(|e| folded >= e) {
            break;
        }
        tokio::select! {
            c = s.changes.recv() => {
                let Some(c) = c else { break };
                first.get_or_insert_with(Instant::now);
                let mut fold = |c: Change| {
                    let (p, o) = tally(&c, pod);
                    folded += p;
                    other += o;
                    messages += 1;
                    s.catalog.apply(c);
                };
                fold(c);
                while let Ok(c) = s.changes.try_recv() {
                    fold(c);
                }
                last = Instant::now();
            }
            l = sim.lines.recv(), if !backlog => {
                if let Some(l) = l.filter(|l| l.starts_with("burst-done")) {
                    (producer_s, expected) = done_line(&l);
                }
            }
            _ = tokio::time::sleep_until(deadline) => break,
        }
    }
    let cpu = procfs::cpu_time().saturating_sub(cpu0);
    let expected = expected.unwrap_or(n);
    let window = last.duration_since(first.unwrap_or(t0)).as_secs_f64();
    let counted = folded.saturating_sub(queued);
    let rate = counted as f64 / window.max(1e-9);
    Ok(json!({
        "events": expected,
        "folded": folded,
        "queued_before_start": queued,
        "other_changes": other,
        "messages": messages,
        "events_per_message": round3((folded + other) as f64 / messages.max(1) as f64),
        "producer_s": round3(producer_s),
        "producer_events_per_s": (expected as f64 / producer_s).round(),
        "secs": round3(window),
        "events_per_s": rate.round(),
        "cpu_s": round3(cpu.as_secs_f64()),
        "cpu_us_per_event": round3(cpu.as_secs_f64() * 1e6 / counted.max(1) as f64),
        "met": rate >= 100_000.0 && folded >= expected,
    }))
}

/// (pod applies, other changes) in one message of the change channel (a watcher's burst
/// counts each change it carries).
fn tally(c: &Change, pod: Option<kubeatlas::blueprint::BpId>) -> (usize, usize) {
    match c {
        Change::Apply { record, .. } if Some(record.blueprint) == pod => (1, 0),
        Change::Batch(v) => v.iter().fold((0, 0), |(p, o), c| {
            let (a, b) = tally(c, pod);
            (p + a, o + b)
        }),
        _ => (0, 1),
    }
}

/// `catalog.apply` of prepared changes: every pod, its restarts property changed.
fn pure_fold(cat: &mut Catalog) -> Value {
    let Some(pod) = cat.blueprints().by_identifier("pod") else {
        return Value::Null;
    };
    let restarts = cat.blueprint(pod).prop_index("restarts");
    let mut changes: Vec<Change> = vec![];
    for (cluster, r) in cat.entities(pod) {
        let mut r = r.clone();
        if let Some(i) = restarts {
            let v = r.props.get(i).and_then(PropValue::as_int).unwrap_or(0);
            r.props.set(i, PropValue::int(v + 1000));
        }
        changes.push(Change::Apply {
            cluster: ClusterId(cluster.0),
            record: r,
        });
    }
    let n = changes.len();
    let t = Instant::now();
    let mut moved = 0;
    for c in changes {
        moved += usize::from(cat.apply(c));
    }
    let s = t.elapsed().as_secs_f64();
    json!({
        "changes": n, "applied": moved, "secs": round3(s),
        "per_s": (n as f64 / s.max(1e-9)).round(),
    })
}

fn print_table(r: &Value) {
    let f = |v: &Value| -> String {
        match v {
            Value::Number(n) => match n.as_f64() {
                Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
                _ => n.to_string(),
            },
            Value::String(s) => s.clone(),
            Value::Bool(b) => if *b { "met" } else { "MISSED" }.to_string(),
            Value::Null => "-".into(),
            other => other.to_string(),
        }
    };
    let m = &r["machine"];
    println!(
        "kubeatlas bench — {} cores, {} GiB; target: {}",
        f(&m["cores"]),
        f(&m["memory_gib"]),
        r["target"]
    );
    let row = |name: &str, value: String, target: &str, met: &Value| {
        println!("{name:<34} {value:<44} {target:<28} {}", f(met));
    };
    let s = &r["sync"];
    row(
        "sync (start → all Ready)",
        format!(
            "{} s vs floor {} s = {}×",
            f(&s["sync_s"]),
            f(&s["floor_s"]),
            f(&s["ratio"])
        ),
        "≤ 1.25 × floor",
        &s["met"],
    );
    let mem = &r["memory"];
    row(
        "memory per pod over baseline",
        format!(
            "{} B (baseline {} MiB, peak {} MiB, steady {} MiB)",
            f(&mem["bytes_per_pod"]),
            f(&mem["baseline_mib"]),
            f(&mem["peak_mib"]),
            f(&mem["steady_mib"])
        ),
        "≤ 1024 B",
        &mem["met"],
    );
    if !r["ingest"]["backlog"].is_null() {
        let i = &r["ingest"];
        row(
            "ingest, backlog (capacity)",
            format!(
                "{}/s ({} events, {} µs CPU each, {} per message)",
                f(&i["backlog"]["events_per_s"]),
                f(&i["backlog"]["events"]),
                f(&i["backlog"]["cpu_us_per_event"]),
                f(&i["backlog"]["events_per_message"])
            ),
            "≥ 100000/s",
            &i["met"],
        );
    }
    if !r["ingest"]["live"].is_null() {
        let i = &r["ingest"];
        row(
            "ingest, live (writer-bound)",
            format!(
                "{}/s, {} µs CPU each ({} events; written at {}/s)",
                f(&i["live"]["events_per_s"]),
                f(&i["live"]["cpu_us_per_event"]),
                f(&i["live"]["events"]),
                f(&i["live"]["producer_events_per_s"])
            ),
            "",
            &Value::Null,
        );
    }
    row(
        "pure fold (catalog.apply)",
        format!("{}/s", f(&r["fold"]["per_s"])),
        "",
        &Value::Null,
    );
    let fl = &r["filter"];
    row(
        "filter per keystroke (+frame)",
        format!(
            "p50 {} / p99 {} ms (filter alone p99 {} ms, {} rows)",
            f(&fl["keystroke_with_frame"]["p50_ms"]),
            f(&fl["keystroke_with_frame"]["p99_ms"]),
            f(&fl["filter"]["p99_ms"]),
            f(&fl["rows"])
        ),
        "p99 ≤ 16 ms",
        &fl["met"],
    );
    if let Some(views) = r["frame"]["views"].as_array() {
        for v in views {
            row(
                &format!("frame: {} ({} rows)", f(&v["view"]), f(&v["rows"])),
                format!(
                    "render p50 {} / p99 {} ms; rows p50 {} / p99 {} ms",
                    f(&v["render"]["p50_ms"]),
                    f(&v["render"]["p99_ms"]),
                    f(&v["build_rows"]["p50_ms"]),
                    f(&v["build_rows"]["p99_ms"])
                ),
                "p99 ≤ 16 ms",
                &Value::Null,
            );
        }
        row("frame (all views)", String::new(), "", &r["frame"]["met"]);
    }
    for (how, what) in [
        ("cold", "nothing built ahead"),
        ("cold_sliced", "built in slices after ⏎"),
        ("warm", "built ahead while idle"),
    ] {
        if let Some(views) = r["open"][how].as_array() {
            for v in views {
                row(
                    &format!("open {} ({} rows), {how}", f(&v["view"]), f(&v["rows"])),
                    format!(
                        "⏎ p50 {} / p99 {} ms; every key p99 {} ms; rows shown p50 {} ms, slices ≤ {} ms ({what})",
                        f(&v["open_key"]["p50_ms"]),
                        f(&v["open_key"]["p99_ms"]),
                        f(&v["every_key"]["p99_ms"]),
                        f(&v["rows_shown"]["p50_ms"]),
                        f(&v["longest_slice_ms"]),
                    ),
                    "key → frame p99 ≤ 16 ms",
                    &Value::Null,
                );
            }
        }
    }
    let b = &r["open"]["build_ahead"];
    row(
        "open a view (warm, every key)",
        format!(
            "built ahead in {} ms, slices ≤ {} ms, {} rows, {} MiB",
            f(&b["total_ms"]),
            f(&b["longest_slice_ms"]),
            f(&b["rows"]),
            f(&b["rss_mib"])
        ),
        "p99 ≤ 16 ms",
        &r["open"]["met"],
    );
    let i = &r["idle"];
    row(
        "idle",
        format!(
            "{} % of a core over {} s; {} renders ({} for ages, {} for the catalog)",
            f(&i["cpu_pct_of_core"]),
            f(&i["secs"]),
            f(&i["renders"]),
            f(&i["renders_for_ages"]),
            f(&i["renders_for_catalog"])
        ),
        "< 1 %, no render but ages",
        &i["met"],
    );
    if !r["sim_serve"].is_null() {
        let s = &r["sim_serve"];
        row(
            "simulator serve rate (pods)",
            format!(
                "{} objects/s, {} MiB/s ({} MiB)",
                f(&s["objects_per_s"]),
                f(&s["mib_per_s"]),
                f(&s["bytes_mib"])
            ),
            "",
            &Value::Null,
        );
    }
    let ff = &r["first_frame"];
    row(
        "first frame, 1 dead + 1 slow context",
        format!(
            "{} ms ({} contexts; session open {} ms)",
            f(&ff["first_frame_ms"]),
            f(&ff["contexts"]),
            f(&ff["session_open_ms"])
        ),
        "≤ 100 ms",
        &ff["met"],
    );
    println!("total time {} s", f(&r["elapsed_s"]));
}
