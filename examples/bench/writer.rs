//! The writer side against a real cluster (`--write-pods`): a child process, so the parent
//! measures kubeatlas alone, that speaks the simulator child's protocol (`ready`, then `burst N`
//! → `burst-done <seconds> <written>`) by writing pod statuses the way a kubelet does: a merge
//! patch of `pods/NAME/status` per pod, its containers Running with `restartCount` = the round,
//! 32 requests in flight per context.
//!
//! `run` → `run-done <seconds> <pods>` first does what a cluster without a scheduler or kubelet
//! (envtest) leaves undone, so memory is measured on pods as a real cluster has them: each pod
//! not yet Running is bound to a node (`pods/NAME/binding`, as the scheduler does) and given a
//! kubelet's status: phase, host and pod IPs, QoS class, the four conditions, and per container
//! its image digest, container id and running state. From then on the writer heartbeats the
//! node as its kubelet would (its `Ready` condition and its Lease in `kube-node-lease`, every
//! 10 s), so the node controller does not mark the node and its pods NotReady (with a Warning
//! Event per pod).

use futures::StreamExt;
use kube::api::{Api, ListParams, Patch, PatchParams};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use tokio::io::AsyncBufReadExt;

/// Requests in flight per context.
const IN_FLIGHT: usize = 32;

/// One pod to write: its client, namespace, name, containers' (name, image), whether it is
/// bound to a node and Running already, and its index (its IP).
struct Target {
    client: usize,
    namespace: String,
    name: String,
    containers: Vec<(String, String)>,
    running: bool,
    index: usize,
}

/// A context's first node: its name and address (what the scheduler binds pods to).
struct Node {
    name: String,
    ip: String,
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
        let mut nodes = vec![];
        for (i, c) in clients.iter().enumerate() {
            let list = Api::<k8s_openapi::api::core::v1::Pod>::all(c.clone())
                .list(&ListParams::default())
                .await?;
            pods.extend(list.items.into_iter().filter_map(|p| {
                let running = p.spec.as_ref()?.node_name.is_some()
                    && p.status.as_ref()?.phase.as_deref() == Some("Running");
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
                    running,
                    index: 0,
                })
            }));
            nodes.push(first_node(c, i).await);
        }
        for (i, p) in pods.iter_mut().enumerate() {
            p.index = i;
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
                (Some("run"), _) => {
                    let t = Instant::now();
                    let done = run(&clients, &nodes, &mut pods).await;
                    say(&format!("run-done {:.4} {done}", t.elapsed().as_secs_f64()))?;
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
            let patch = serde_json::json!({"status": {
                "phase": "Running",
                "containerStatuses": container_statuses(p, round, &now),
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

/// The containers' statuses a kubelet writes for a running pod (merge patch replaces the list).
fn container_statuses(p: &Target, round: i64, now: &str) -> Vec<serde_json::Value> {
    p.containers
        .iter()
        .map(|(name, image)| {
            let repo = image.rsplit_once(':').map_or(image.as_str(), |(r, _)| r);
            serde_json::json!({
                "name": name, "image": image,
                "imageID": format!("{repo}@sha256:{}", hex64(image)),
                "containerID": format!("containerd://{}", hex64(&format!("{}/{name}/{round}", p.name))),
                "ready": true, "restartCount": round, "started": true,
                "state": {"running": {"startedAt": now}}, "lastState": {}
            })
        })
        .collect()
}

/// 64 hex digits derived from `s` (a digest's shape; the value only has to be stable).
fn hex64(s: &str) -> String {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    (0..4u8)
        .map(|i| {
            let h = BuildHasherDefault::<DefaultHasher>::default().hash_one((i, s));
            format!("{h:016x}")
        })
        .collect()
}

async fn first_node(client: &kube::Client, context: usize) -> Option<Node> {
    let nodes = Api::<k8s_openapi::api::core::v1::Node>::all(client.clone())
        .list(&ListParams::default().limit(1))
        .await
        .ok()?;
    let n = nodes.items.into_iter().next()?;
    let ip = n
        .status
        .and_then(|s| s.addresses)
        .and_then(|a| a.into_iter().find(|a| a.type_ == "InternalIP"))
        .map_or_else(|| format!("192.168.{context}.10"), |a| a.address);
    Some(Node {
        name: n.metadata.name?,
        ip,
    })
}

/// Bind every pod not yet Running to its context's node and write a kubelet's status for it;
/// how many were made Running.
async fn run(clients: &[kube::Client], nodes: &[Option<Node>], pods: &mut [Target]) -> usize {
    // The node Ready first, seen so by the node controller (it looks every 5 s): a pod bound
    // to a node not Ready is marked NotReady at once.
    for (client, node) in clients.iter().zip(nodes) {
        if let Some(node) = node {
            heartbeat(client, &node.name, &node.ip).await;
            let (client, name, ip) = (client.clone(), node.name.clone(), node.ip.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
                    heartbeat(&client, &name, &ip).await;
                }
            });
        }
    }
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let now = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let done: Vec<usize> = futures::stream::iter(pods.iter().filter(|p| !p.running))
        .filter_map(|p| {
            std::future::ready(nodes.get(p.client).and_then(Option::as_ref).map(|n| (p, n)))
        })
        .map(|(p, node)| {
            let api: Api<k8s_openapi::api::core::v1::Pod> =
                Api::namespaced(clients[p.client].clone(), &p.namespace);
            let binding = serde_json::json!({
                "apiVersion": "v1", "kind": "Binding", "metadata": {"name": p.name},
                "target": {"apiVersion": "v1", "kind": "Node", "name": node.name},
            });
            let condition = |kind: &str| {
                serde_json::json!({"type": kind, "status": "True", "lastProbeTime": null,
                    "lastTransitionTime": now})
            };
            let ip = format!("10.244.{}.{}", p.index / 250 % 256, p.index % 250 + 2);
            let conditions =
                ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map(condition);
            let status = serde_json::json!({"status": {
                "phase": "Running", "hostIP": node.ip, "hostIPs": [{"ip": node.ip}],
                "podIP": ip, "podIPs": [{"ip": ip}], "startTime": now, "qosClass": "Burstable",
                "conditions": conditions,
                "containerStatuses": container_statuses(p, 0, &now),
            }});
            async move {
                // Already bound (an earlier run): the status is still written.
                let _ = api
                    .create_subresource::<_, serde_json::Value>(
                        "binding",
                        &p.name,
                        &kube::api::PostParams::default(),
                        &binding,
                    )
                    .await;
                let ok = api
                    .patch_status(&p.name, &PatchParams::default(), &Patch::Merge(status))
                    .await
                    .is_ok();
                ok.then_some(p.index)
            }
        })
        .buffer_unordered(IN_FLIGHT * clients.len().max(1))
        .filter_map(std::future::ready)
        .collect()
        .await;
    for i in &done {
        if let Some(p) = pods.get_mut(*i) {
            p.running = true;
        }
    }
    done.len()
}

/// What a kubelet sends for its node every 10 s: the `Ready` condition with a fresh heartbeat
/// (a strategic merge, by condition type) and its Lease renewed.
async fn heartbeat(client: &kube::Client, node: &str, ip: &str) {
    let now = jiff::Timestamp::now();
    let secs = now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let micro = now.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let status = serde_json::json!({"status": {
        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
            "message": "kubelet is posting ready status", "lastHeartbeatTime": secs,
            "lastTransitionTime": secs}],
        "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": node}],
    }});
    let nodes = Api::<k8s_openapi::api::core::v1::Node>::all(client.clone());
    let _ = nodes
        .patch_status(node, &PatchParams::default(), &Patch::Strategic(status))
        .await;
    let lease = serde_json::json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": node, "namespace": "kube-node-lease"},
        "spec": {"holderIdentity": node, "leaseDurationSeconds": 40, "renewTime": micro},
    });
    let leases: Api<k8s_openapi::api::coordination::v1::Lease> =
        Api::namespaced(client.clone(), "kube-node-lease");
    let _ = leases
        .patch(
            node,
            &PatchParams::apply("kubeatlas-bench").force(),
            &Patch::Apply(lease),
        )
        .await;
}
