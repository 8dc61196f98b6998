//! The writer side against a real cluster (`--write-pods`): a child process, so the parent
//! measures kubeatlas alone, that speaks the simulator child's protocol (`ready`, then `burst N`
//! → `burst-done <seconds> <written>`) by writing pod statuses the way a kubelet does: a merge
//! patch of `pods/NAME/status` per pod, its containers Running with `restartCount` = the round,
//! 32 requests in flight per context.

use futures::StreamExt;
use kube::api::{Api, ListParams, Patch, PatchParams};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use tokio::io::AsyncBufReadExt;

/// Requests in flight per context.
const IN_FLIGHT: usize = 32;

/// One pod to write: its client, namespace, name and containers' (name, image).
struct Target {
    client: usize,
    namespace: String,
    name: String,
    containers: Vec<(String, String)>,
}

pub fn serve(kubeconfig: PathBuf, contexts: &[String]) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let clients: Vec<kube::Client> = super::kube_side::clients(&[kubeconfig], contexts)
            .await?
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        let mut pods = vec![];
        for (i, c) in clients.iter().enumerate() {
            let list = Api::<k8s_openapi::api::core::v1::Pod>::all(c.clone())
                .list(&ListParams::default())
                .await?;
            pods.extend(list.items.into_iter().filter_map(|p| {
                let containers = p
                    .spec?
                    .containers
                    .into_iter()
                    .map(|c| (c.name, c.image.unwrap_or_default()))
                    .collect();
                Some(Target {
                    client: i,
                    namespace: p.metadata.namespace?,
                    name: p.metadata.name?,
                    containers,
                })
            }));
        }
        say(&format!("ready 0 {}", pods.len()))?;
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        let mut round = 0i64;
        while let Ok(Some(line)) = lines.next_line().await {
            let mut words = line.split_whitespace();
            match (words.next(), words.next().and_then(|n| n.parse().ok())) {
                (Some("burst"), Some(n)) => {
                    round += 1;
                    let (secs, done) = burst(&clients, &pods, n, round).await;
                    say(&format!("burst-done {secs:.4} {done}"))?;
                }
                (Some("quit"), _) => break,
                _ => {}
            }
        }
        Ok(())
    })
}

fn say(line: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

/// Write the statuses of the first `n` pods; the seconds it took and how many were written.
async fn burst(clients: &[kube::Client], pods: &[Target], n: usize, round: i64) -> (f64, usize) {
    let now = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let t = Instant::now();
    let written = futures::stream::iter(pods.iter().take(n))
        .map(|p| {
            let api: Api<k8s_openapi::api::core::v1::Pod> =
                Api::namespaced(clients[p.client].clone(), &p.namespace);
            let statuses: Vec<serde_json::Value> = p
                .containers
                .iter()
                .map(|(name, image)| {
                    serde_json::json!({
                        "name": name, "image": image, "imageID": "", "ready": true,
                        "restartCount": round, "started": true,
                        "state": {"running": {"startedAt": now}}
                    })
                })
                .collect();
            let patch = serde_json::json!({"status": {
                "phase": "Running",
                "startTime": now,
                "containerStatuses": statuses,
            }});
            async move {
                api.patch_status(&p.name, &PatchParams::default(), &Patch::Merge(patch))
                    .await
                    .is_ok()
            }
        })
        .buffer_unordered(IN_FLIGHT * clients.len().max(1))
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    (t.elapsed().as_secs_f64(), written)
}
