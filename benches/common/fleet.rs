//! A synthetic fleet for the criterion benches: 5 clusters × 4,000 Deployments (each with a
//! ReplicaSet and 5 pods) = 20,000 workloads and 100,000 pods, projected through the built-in
//! blueprints from the TUI fixture's objects.

use kubeatlas::blueprint::Record;
use kubeatlas::catalog::{Catalog, Change, ClusterId, ClusterStatus};
use kubeatlas::tui::fixture;

pub const CLUSTERS: u16 = 5;
pub const WORKLOADS_PER_CLUSTER: usize = 4_000;
pub const PODS_PER_WORKLOAD: usize = 5;

/// The catalog, and every pod record (for re-applying).
pub fn build() -> (Catalog, Vec<(ClusterId, Record)>) {
    let names: Vec<String> = (1..=CLUSTERS).map(|c| format!("bench-{c:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut cat = fixture::empty(&refs);
    let mut pods =
        Vec::with_capacity(CLUSTERS as usize * WORKLOADS_PER_CLUSTER * PODS_PER_WORKLOAD);
    for c in 0..CLUSTERS {
        cat.apply(Change::Cluster {
            cluster: ClusterId(c),
            status: ClusterStatus::Ready,
        });
        for n in 0..8 {
            let ns = format!("team-{n:02}");
            fixture::apply(
                &mut cat,
                c,
                "",
                "Namespace",
                fixture::namespace(&ns, &format!("{c}-ns-{n}")),
            );
        }
        for n in 0..200 {
            let node = format!("node-{n:03}");
            fixture::apply(
                &mut cat,
                c,
                "",
                "Node",
                fixture::node(&node, &format!("{c}-node-{n}"), true),
            );
        }
        for w in 0..WORKLOADS_PER_CLUSTER {
            let ns = format!("team-{:02}", w % 8);
            let name = format!("svc-{w:05}");
            let (d, rs) = (format!("{c}-d-{w}"), format!("{c}-rs-{w}"));
            let version = format!("1.{}.{}", w % 7, c % 2);
            fixture::apply(
                &mut cat,
                c,
                "apps",
                "Deployment",
                fixture::deployment(&name, &ns, &d, &version, 5, 5),
            );
            fixture::apply(
                &mut cat,
                c,
                "apps",
                "ReplicaSet",
                fixture::replicaset(&format!("{name}-7d9f8b6c5"), &ns, &rs, &d, 5),
            );
            for p in 0..PODS_PER_WORKLOAD {
                let node = format!("node-{:03}", (w * PODS_PER_WORKLOAD + p) % 200);
                let pod = fixture::pod(
                    &format!("{name}-7d9f8b6c5-{p:05}"),
                    &ns,
                    &format!("{c}-p-{w}-{p}"),
                    &rs,
                    &node,
                    None,
                );
                let r = fixture::apply(&mut cat, c, "", "Pod", pod);
                pods.push((ClusterId(c), r));
            }
        }
    }
    (cat, pods)
}
