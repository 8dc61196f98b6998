//! Hub mode (issue 17 part 4): N members × M pods through a REAL Clusterpedia (postgres
//! storage, polled) started from the kit `shared/clusterpedia` (`up DIR`/`down DIR`), against
//! direct watches of the same members in the same run. For each side: time to a complete graph
//! (every member row ready, every pod in the catalog), memory per pod (RSS over the baseline),
//! and key→frame while changes apply (a rollout on every member: the hub's next poll brings it
//! as one batch of differences, the direct watches as a stream). For the hub also: the cost of
//! a poll cycle (wall time and requests of one cycle's lists, this process's CPU per cycle).
//!
//! ```text
//! cargo run --example bench -- --hub-members 3 --hub-pods 500
//! ```

use crate::screen::{app_on, draw, key, term, views};
use crate::stats::{Samples, ms, round3};
use crate::{procfs, progress};
use crossterm::event::KeyCode;
use kubeatlas::blueprint::BlueprintSet;
use kubeatlas::catalog::{Catalog, Change, ClusterStatus};
use kubeatlas::cli::session::{self, Session, Target};
use kubeatlas::config::{Paths, UserConfig};
use kubeatlas::fleet::hub::list;
use kubeatlas::tui::{Msg, update};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The hub's admin context in the kit's `pedia.kubeconfig`.
const HUB: &str = "pedia-admin";
/// Patience for syncs on a loaded machine.
const WAIT: Duration = Duration::from_secs(300);

#[path = "../../tests/support/pedia_kit.rs"]
mod pedia_kit;

/// A running kit, stopped (`down`) when dropped.
struct Kit(pedia_kit::Kit);

impl Drop for Kit {
    fn drop(&mut self) {
        progress("stopping Clusterpedia and the members (down)");
        self.0.down();
    }
}

impl Kit {
    fn up(dir: &Path, members: usize) -> anyhow::Result<Kit> {
        let kit = pedia_kit::find()
            .ok_or_else(|| anyhow::anyhow!("no shared/clusterpedia kit beside the repository"))?;
        let members = members.to_string();
        let args = ["--storage", "postgres", "--members", &members, "--no-seed"];
        pedia_kit::Kit::up(&kit, &dir.join("cp"), &args, true)
            .map(Kit)
            .map_err(anyhow::Error::msg)
    }

    fn var(&self, k: &str) -> anyhow::Result<String> {
        self.0.var(k).map_err(anyhow::Error::msg)
    }
}

fn kubectl(kubeconfig: &str, args: &[&str]) -> anyhow::Result<String> {
    pedia_kit::kubectl(kubeconfig, args).map_err(anyhow::Error::msg)
}

/// One kubeconfig per member with its admin context named `memberN`, for the direct side.
fn direct_kubeconfig(kit: &Kit, members: usize, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    (1..=members as u32)
        .map(|n| {
            kit.0
                .member_kubeconfig(n, &format!("member{n}"), dir)
                .map_err(anyhow::Error::msg)
        })
        .collect()
}

fn pods_in(cat: &Catalog) -> usize {
    let Some(pod) = cat.blueprints().by_identifier("pod") else {
        return 0;
    };
    cat.cluster_ids().map(|c| cat.count(c, pod)).sum()
}

/// Fold changes until every row is ready and the catalog holds `pods` pods.
async fn complete(s: &mut Session, pods: usize) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let ready = s
            .catalog
            .clusters()
            .iter()
            .all(|c| c.removed || c.status == ClusterStatus::Ready);
        if ready && pods_in(&s.catalog) >= pods {
            return Ok(());
        }
        match tokio::time::timeout_at(deadline, s.changes.recv()).await {
            Ok(Some(c)) => {
                s.catalog.apply(c);
                while let Ok(c) = s.changes.try_recv() {
                    s.catalog.apply(c);
                }
            }
            _ => anyhow::bail!(
                "no complete graph within {WAIT:?}: {} of {pods} pods",
                pods_in(&s.catalog)
            ),
        }
    }
}

async fn drain(s: &mut Session, d: Duration) -> usize {
    let deadline = tokio::time::Instant::now() + d;
    let mut n = 0;
    while let Ok(Some(c)) = tokio::time::timeout_at(deadline, s.changes.recv()).await {
        n += 1;
        s.catalog.apply(c);
    }
    n
}

/// Keys (↓) every frame on the pods view for `secs` while changes arrive: each sample is what
/// a key waits for — folding what arrived, then the key handled and the frame drawn. Returns
/// the samples, the changes folded and the largest single fold (changes).
async fn keys_while_applying(s: &mut Session, secs: f64) -> (Samples, usize, usize) {
    const FRAME: Duration = Duration::from_millis(33);
    let view = views(&s.catalog)
        .into_iter()
        .next()
        .map_or(kubeatlas::tui::view::View::Fleet, |(_, v)| v);
    let mut app = app_on(&s.catalog, view);
    let mut t = term();
    draw(&mut t, &app);
    let mut samples = Samples::default();
    let (mut folded, mut biggest) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    while Instant::now() < deadline {
        tokio::time::sleep(FRAME).await;
        let t0 = Instant::now();
        let mut n = 0;
        while let Ok(c) = s.changes.try_recv() {
            s.catalog.apply(c);
            n += 1;
        }
        if n > 0 {
            update(&mut app, &s.catalog, Msg::Catalog);
        }
        key(&mut app, &s.catalog, KeyCode::Down);
        draw(&mut t, &app);
        app.drawn();
        samples.push(t0.elapsed());
        folded += n;
        biggest = biggest.max(n);
    }
    (samples, folded, biggest)
}

/// A rollout on every member (a new pod template): new pods and a new ReplicaSet appear,
/// old pods go.
fn rollout(kit: &Kit, members: usize, round: u32) -> anyhow::Result<()> {
    for n in 1..=members {
        kubectl(
            &kit.var(&format!("MEMBER{n}_KUBECONFIG"))?,
            &[
                "set",
                "env",
                "deployment/bench",
                "-n",
                "default",
                &format!("ROUND={round}"),
            ],
        )?;
    }
    Ok(())
}

/// A client at the hub's resources prefix.
async fn hub_client(kubeconfig: &Path) -> anyhow::Result<kube::Client> {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig)?;
    let opts = kube::config::KubeConfigOptions {
        context: Some(HUB.into()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &opts).await?;
    Ok(kube::Client::try_from(config)?)
}

/// The pods the hub serves, all members (paged as Clusterpedia needs: kubectl's chunked
/// list stops after its first page there).
async fn hub_pods(client: &kube::Client) -> anyhow::Result<usize> {
    let tree = list::tree(kubeatlas::blueprint::prune::FieldTree::metadata());
    let l = list::list_all(client, "/api/v1/pods", &[], &tree, list::PAGE)
        .await
        .map_err(|f| anyhow::anyhow!("listing pods through the hub: {f}"))?;
    Ok(l.items.len())
}

/// Give freed memory back to the OS before a baseline (glibc), so one side's leftovers are
/// not the next side's headroom.
fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's malloc_trim takes no pointers.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// One poll cycle's lists, replayed: every blueprint source the hub serves, all members in one
/// paged sequence, decoded pruned as the hub task does. (wall, requests, objects).
async fn cycle_lists(client: &kube::Client) -> anyhow::Result<(Duration, u32, usize)> {
    let set = BlueprintSet::load(None).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (mut requests, mut objects) = (0, 0);
    let t = Instant::now();
    for (bp, i, spec) in set.sources() {
        if spec.metadata_only || spec.field_selector.is_some() {
            continue;
        }
        let gvk = kube::api::GroupVersionKind::gvk(&spec.group, &spec.version, &spec.kind);
        let plural = spec
            .plural
            .clone()
            .unwrap_or_else(|| kube::api::ApiResource::from_gvk(&gvk).plural);
        let path = if spec.group.is_empty() {
            format!("/api/{}/{plural}", spec.version)
        } else {
            format!("/apis/{}/{}/{plural}", spec.group, spec.version)
        };
        let tree = list::tree(set.get(bp).field_tree(i));
        // A kind the hub does not sync answers 404: the hub task stops asking for it.
        if let Ok(l) = list::list_all(client, &path, &[], &tree, list::PAGE).await {
            requests += l.requests;
            objects += l.items.len();
        }
    }
    Ok((t.elapsed(), requests, objects))
}

/// One side's figures: time to a complete graph, memory per pod, key→frame under changes.
async fn side(
    name: &str,
    files: Vec<PathBuf>,
    contexts: Vec<String>,
    user: UserConfig,
    pods: usize,
    paths: &Paths,
) -> anyhow::Result<(Session, Value)> {
    trim();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let baseline = procfs::rss();
    progress(format!("{name}: opening, waiting for {pods} pods"));
    let t = Instant::now();
    let mut s = session::open(Target::Files(files), &contexts, user, paths, true).await?;
    complete(&mut s, pods).await?;
    let graph = t.elapsed();
    drain(&mut s, Duration::from_secs(3)).await;
    let steady = procfs::rss();
    let held = pods_in(&s.catalog);
    progress(format!(
        "{name}: complete graph in {:.2} s, {} MiB over the baseline",
        graph.as_secs_f64(),
        procfs::mib(steady.saturating_sub(baseline))
    ));
    Ok((
        s,
        json!({
            "rows": contexts.len().max(1),
            "pods": held,
            "complete_graph_s": round3(graph.as_secs_f64()),
            "baseline_mib": procfs::mib(baseline),
            "steady_mib": procfs::mib(steady),
            "bytes_per_pod": (steady.saturating_sub(baseline) as f64 / held.max(1) as f64).round(),
        }),
    ))
}

/// The whole hub-mode run.
pub async fn run(members: usize, per_member: usize, poll: f64) -> anyhow::Result<Value> {
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let paths = Paths::under(dir.path().join("home"));
    progress(format!(
        "starting Clusterpedia (postgres) with {members} members (up --no-seed)"
    ));
    let kit = Kit::up(dir.path(), members)?;
    let total = members * per_member;
    progress(format!(
        "seeding {per_member} pods per member (one Deployment each)"
    ));
    for n in 1..=members {
        kubectl(
            &kit.var(&format!("MEMBER{n}_KUBECONFIG"))?,
            &[
                "create",
                "deployment",
                "bench",
                "-n",
                "default",
                "--image=nginx:1.25",
                &format!("--replicas={per_member}"),
            ],
        )?;
    }
    let pedia = PathBuf::from(kit.var("PEDIA_KUBECONFIG")?);
    let client = hub_client(&pedia).await?;
    // Clusterpedia has every pod before either side is timed.
    let t = Instant::now();
    loop {
        let pods = hub_pods(&client).await?;
        if pods >= total {
            progress(format!(
                "Clusterpedia holds {pods} pods after {:.1} s",
                t.elapsed().as_secs_f64()
            ));
            break;
        }
        anyhow::ensure!(
            t.elapsed() < WAIT,
            "Clusterpedia holds {pods} of {total} pods"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let mut report = json!({
        "members": members,
        "pods_per_member": per_member,
        "storage": "postgres (polled: SQL storage cannot watch)",
        "load_avg": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
    });

    // Direct watches first (the same members, each its own context).
    let files = direct_kubeconfig(&kit, members, dir.path())?;
    let contexts: Vec<String> = (1..=members).map(|n| format!("member{n}")).collect();
    let (mut s, mut direct) = side(
        "direct",
        files,
        contexts,
        UserConfig::default(),
        total,
        &paths,
    )
    .await?;
    rollout(&kit, members, 1)?;
    let (keys, folded, biggest) = keys_while_applying(&mut s, 6.0).await;
    direct["key_to_frame_while_applying"] = json!({
        "keys": keys.json(), "changes": folded, "largest_fold": biggest,
    });
    s.fleet.shutdown().await;
    drop(s.catalog);
    drop(s.changes);

    // Through the hub.
    let user = UserConfig::parse(&format!("hubs:\n  pollSeconds: {poll}\n"))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (mut s, mut hub) = side(
        "hub",
        vec![pedia.clone()],
        vec![HUB.to_string()],
        user,
        total,
        &paths,
    )
    .await?;
    hub["rows"] = json!(s.catalog.clusters().len());
    // A poll cycle: replayed lists (wall, requests), and this process's CPU per cycle while
    // nothing changes (cycles counted by their data-age stamps).
    let (wall, requests, objects) = cycle_lists(&client).await?;
    let cpu0 = procfs::cpu_time();
    let t0 = Instant::now();
    let mut stamps = 0;
    let window = Duration::from_secs_f64(poll * 4.0 + 1.0);
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some(c)) = tokio::time::timeout_at(deadline, s.changes.recv()).await {
        if matches!(c, Change::Polled { .. }) {
            stamps += 1;
        }
        s.catalog.apply(c);
    }
    let cycles = stamps as f64 / members.max(1) as f64;
    let cpu = procfs::cpu_time().saturating_sub(cpu0);
    hub["poll_cycle"] = json!({
        "interval_s": poll,
        "lists_wall_ms": round3(ms(wall)),
        "requests": requests,
        "objects": objects,
        "cycles_in_window": cycles,
        "window_s": round3(t0.elapsed().as_secs_f64()),
        "cpu_ms_per_cycle": round3(ms(cpu) / cycles.max(1.0)),
    });
    rollout(&kit, members, 2)?;
    let (keys, folded, biggest) = keys_while_applying(&mut s, poll * 2.0 + 4.0).await;
    hub["key_to_frame_while_applying"] = json!({
        "keys": keys.json(), "changes": folded, "largest_fold": biggest,
    });
    s.fleet.shutdown().await;
    drop(s.catalog);
    drop(s.changes);
    report["direct"] = direct;
    report["hub"] = hub;
    drop(kit);
    report["elapsed_s"] = json!(round3(started.elapsed().as_secs_f64()));
    Ok(report)
}
