//! The simulator side (`--serve`): runs in a child process so the parent measures kubeatlas
//! alone. Builds `SimFleet::scaled`, serves it on loopback, writes a kubeconfig, prints
//! `ready <build seconds>` and then obeys one command per stdin line:
//!
//! - `burst N`: rewrite the status of N pods (round robin over the clusters: each pod's first
//!   container's `restartCount` goes up by one), then print `burst-done <seconds>`;
//! - end of input (the parent exited or closed it): stop.

use kubeatlas_sim::{SimCluster, SimFleet, SimResource};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::AsyncBufReadExt;

/// `(namespace, name)` of every pod, per cluster.
type PodNames = Vec<Vec<(String, String)>>;

pub fn serve(contexts: usize, per_context: usize, kubeconfig: &Path) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let t = Instant::now();
        let mut fleet = SimFleet::scaled(contexts, per_context);
        let built = t.elapsed().as_secs_f64();
        fleet.start()?;
        fleet.write_kubeconfig(kubeconfig)?;
        let names = pod_names(fleet.clusters());
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "ready {built:.3}")?;
            out.flush()?;
        }
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        let names = Arc::new(names);
        let mut round = 0i64;
        while let Ok(Some(line)) = lines.next_line().await {
            let mut words = line.split_whitespace();
            match (
                words.next(),
                words.next().and_then(|n| n.parse::<usize>().ok()),
            ) {
                (Some("burst"), Some(n)) => {
                    round += 1;
                    let clusters = fleet.clusters().to_vec();
                    let names = names.clone();
                    let (secs, done) =
                        tokio::task::spawn_blocking(move || burst(&clusters, &names, n, round))
                            .await
                            .unwrap_or((f64::NAN, 0));
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "burst-done {secs:.4} {done}")?;
                    out.flush()?;
                }
                (Some("quit"), _) => break,
                _ => {}
            }
        }
        fleet.shutdown().await;
        Ok(())
    })
}

fn pod_names(clusters: &[Arc<SimCluster>]) -> PodNames {
    std::thread::scope(|s| {
        let handles: Vec<_> = clusters
            .iter()
            .map(|c| {
                s.spawn(move || {
                    c.list(SimResource::Pods)
                        .iter()
                        .map(|p| {
                            let m = &p["metadata"];
                            let f = |k: &str| m[k].as_str().unwrap_or_default().to_string();
                            (f("namespace"), f("name"))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// Rewrite `n` pods' statuses (each pod at most once): the new objects are prepared first,
/// then written in one go per cluster (one thread each), so the watch streams see a burst.
/// Returns the seconds the writes took and the number of pods rewritten.
fn burst(clusters: &[Arc<SimCluster>], names: &PodNames, n: usize, round: i64) -> (f64, usize) {
    let k = clusters.len().max(1);
    let prepared: Vec<Vec<serde_json::Value>> = std::thread::scope(|s| {
        let handles: Vec<_> = clusters
            .iter()
            .zip(names)
            .enumerate()
            .map(|(i, (c, pods))| {
                let count = (n / k + usize::from(i < n % k)).min(pods.len());
                s.spawn(move || {
                    pods[..count]
                        .iter()
                        .filter_map(|(ns, name)| {
                            let mut v = c.get(SimResource::Pods, Some(ns), name)?;
                            *v.pointer_mut("/status/containerStatuses/0/restartCount")? =
                                serde_json::json!(round);
                            Some(v)
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let t = Instant::now();
    let done: usize = std::thread::scope(|s| {
        let handles: Vec<_> = clusters
            .iter()
            .zip(prepared)
            .map(|(c, values)| s.spawn(move || c.replace_many(SimResource::Pods, values)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    (t.elapsed().as_secs_f64(), done)
}
