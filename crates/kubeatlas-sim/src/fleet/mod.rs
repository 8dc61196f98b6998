//! `SimFleet`: several simulated clusters, their servers and controllers, and a kubeconfig.

mod build;
mod demo;
mod scaled;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::cluster::SimCluster;
use super::controller::ControllerHandle;
use super::server::SimServer;

/// A set of simulated clusters served side by side (one [`SimServer`] each).
///
/// Build with [`SimFleet::demo`], [`SimFleet::scaled`] or [`SimFleet::from_clusters`], then
/// [`SimFleet::start`] inside a Tokio runtime and [`SimFleet::write_kubeconfig`].
#[derive(Debug)]
pub struct SimFleet {
    clusters: Vec<Arc<SimCluster>>,
    servers: Vec<SimServer>,
    controllers: Vec<ControllerHandle>,
    tick: Option<Duration>,
}

impl SimFleet {
    /// A fleet of the given clusters; each gets the bearer token `sim-<name>-token` and a
    /// controller ticking every 200 ms once started.
    pub fn from_clusters(clusters: Vec<SimCluster>) -> SimFleet {
        let clusters: Vec<Arc<SimCluster>> = clusters.into_iter().map(Arc::new).collect();
        for c in &clusters {
            if c.token().is_none() {
                c.set_token(Some(format!("sim-{}-token", c.name())));
            }
        }
        SimFleet {
            clusters,
            servers: Vec::new(),
            controllers: Vec::new(),
            tick: Some(Duration::from_millis(200)),
        }
    }

    /// The demo fleet: clusters `dev`, `staging` and `prod`, settled (pods running).
    ///
    /// Namespaces `default`, `kube-system`, `monitoring`, `payments`, `platform`, `shop`
    /// (labelled `environment: <cluster>`); 3/4/5 nodes; Deployments `checkout-api`, `cart`,
    /// `catalog`, `search`, `frontend`, `payments-api`, `auth`, `notifications`; StatefulSets
    /// `postgres`, `redis`; DaemonSets `node-exporter`, `fluent-bit`; CronJob `nightly-report`
    /// (with one completed Job). Replicas 1/2/3 per environment; versions drift (e.g.
    /// `checkout-api` 1.6.0-rc.1 / 1.5.0 / 1.4.2); `payments-api` crash-loops its `envoy`
    /// sidecar in staging; `search` is under-replicated in prod (1 of 3 ready).
    pub fn demo() -> SimFleet {
        let clusters = std::thread::scope(|s| {
            let handles: Vec<_> = demo::ENVIRONMENTS
                .iter()
                .map(|env| s.spawn(move || demo::cluster(env)))
                .collect();
            handles
                .into_iter()
                .zip(demo::ENVIRONMENTS)
                .map(|(h, env)| h.join().unwrap_or_else(|_| SimCluster::new(env)))
                .collect()
        });
        SimFleet::from_clusters(clusters)
    }

    /// A benchmark fleet: `contexts` clusters (`bench-01`, …) with exactly `pods_per_context`
    /// Running/ready pods each, in workloads of ~5 pods (90 % Deployments, 10 % StatefulSets)
    /// over 8 namespaces, built directly in their final state (created a day ago). Its
    /// controller ticks every second once started (it stays idle until something changes).
    pub fn scaled(contexts: usize, pods_per_context: usize) -> SimFleet {
        let clusters = std::thread::scope(|s| {
            let handles: Vec<_> = (0..contexts)
                .map(|i| {
                    s.spawn(move || {
                        scaled::cluster(&format!("bench-{:02}", i + 1), i, pods_per_context)
                    })
                })
                .collect();
            handles
                .into_iter()
                .enumerate()
                .map(|(i, h)| {
                    h.join()
                        .unwrap_or_else(|_| SimCluster::new(format!("bench-{:02}", i + 1)))
                })
                .collect()
        });
        SimFleet::from_clusters(clusters).with_controller_tick(Some(Duration::from_secs(1)))
    }

    /// Controller tick used by [`SimFleet::start`]; `None` starts no controllers.
    pub fn with_controller_tick(mut self, tick: Option<Duration>) -> SimFleet {
        self.tick = tick;
        self
    }

    /// Starts one server (and controller) per cluster. Must be called inside a Tokio runtime.
    /// Calling it again does nothing.
    pub fn start(&mut self) -> std::io::Result<()> {
        if !self.servers.is_empty() {
            return Ok(());
        }
        for c in &self.clusters {
            self.servers.push(SimServer::start(c.clone())?);
            if let Some(tick) = self.tick {
                self.controllers.push(c.start_controller(tick));
            }
        }
        Ok(())
    }

    /// Stops controllers and servers (waiting for open connections to close).
    pub async fn shutdown(mut self) {
        self.controllers.clear();
        for s in std::mem::take(&mut self.servers) {
            s.shutdown().await;
        }
    }

    /// The clusters, in kubeconfig order.
    pub fn clusters(&self) -> &[Arc<SimCluster>] {
        &self.clusters
    }

    /// The cluster named `name`.
    pub fn cluster(&self, name: &str) -> Option<&Arc<SimCluster>> {
        self.clusters.iter().find(|c| c.name() == name)
    }

    /// The server URL of cluster `name` (once started).
    pub fn url(&self, name: &str) -> Option<String> {
        self.servers
            .iter()
            .find(|s| s.cluster().name() == name)
            .map(SimServer::url)
    }

    /// The running servers, in cluster order.
    pub fn servers(&self) -> &[SimServer] {
        &self.servers
    }

    /// The kubeconfig (as YAML) for the started fleet, plus contexts named
    /// `extra_unreachable` whose server is a closed loopback port.
    pub fn kubeconfig_yaml(&self, extra_unreachable: &[&str]) -> std::io::Result<String> {
        if self.servers.len() != self.clusters.len() {
            return Err(std::io::Error::other(
                "SimFleet::start must run before writing a kubeconfig",
            ));
        }
        let mut entries: Vec<(String, String, Option<String>)> = self
            .servers
            .iter()
            .map(|s| (s.cluster().name().to_string(), s.url(), s.cluster().token()))
            .collect();
        for name in extra_unreachable {
            entries.push((
                (*name).to_string(),
                format!("http://127.0.0.1:{}", closed_port()?),
                Some(format!("sim-{name}-token")),
            ));
        }
        Ok(kubeconfig(&entries))
    }

    /// Writes a kubeconfig with one context per cluster (current context: the first).
    pub fn write_kubeconfig(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        self.write_kubeconfig_with(path, &[])
    }

    /// Like [`SimFleet::write_kubeconfig`], adding contexts that point at a closed port.
    pub fn write_kubeconfig_with(
        &self,
        path: impl AsRef<Path>,
        extra_unreachable: &[&str],
    ) -> std::io::Result<()> {
        std::fs::write(path, self.kubeconfig_yaml(extra_unreachable)?)
    }
}

/// A loopback port nothing listens on (bound, then released).
fn closed_port() -> std::io::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// Renders a kubeconfig for `(name, server, token)` entries.
fn kubeconfig(entries: &[(String, String, Option<String>)]) -> String {
    let clusters: Vec<Value> = entries
        .iter()
        .map(|(n, server, _)| json!({"name": n, "cluster": {"server": server}}))
        .collect();
    let users: Vec<Value> = entries
        .iter()
        .map(|(n, _, token)| match token {
            Some(t) => json!({"name": format!("{n}-user"), "user": {"token": t}}),
            None => json!({"name": format!("{n}-user"), "user": {}}),
        })
        .collect();
    let contexts: Vec<Value> = entries
        .iter()
        .map(|(n, _, _)| json!({"name": n, "context": {"cluster": n, "user": format!("{n}-user")}}))
        .collect();
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": clusters,
        "users": users,
        "contexts": contexts,
        "current-context": entries.first().map(|e| e.0.clone()).unwrap_or_default(),
    });
    serde_yaml::to_string(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::SimResource;

    #[test]
    fn demo_fleet_is_settled() {
        let fleet = SimFleet::demo();
        let names: Vec<&str> = fleet.clusters().iter().map(|c| c.name()).collect();
        assert_eq!(names, ["dev", "staging", "prod"]);
        let prod = fleet
            .cluster("prod")
            .map(Arc::clone)
            .unwrap_or_else(|| Arc::new(SimCluster::new("x")));
        let pods = prod.list(SimResource::Pods);
        let running = pods
            .iter()
            .filter(|p| p["status"]["phase"] == "Running")
            .count();
        // 8 deployments × 3 + 2 statefulsets × 3 + 2 daemonsets × 5 nodes, plus 1 job pod.
        assert_eq!(running, 8 * 3 + 2 * 3 + 2 * 5, "{running}");
        let search = prod
            .get(SimResource::Deployments, Some("shop"), "search")
            .unwrap_or_default();
        assert_eq!(search["status"]["readyReplicas"], 1);
        let staging = fleet
            .cluster("staging")
            .map(Arc::clone)
            .unwrap_or_else(|| Arc::new(SimCluster::new("x")));
        let crashing = staging
            .list(SimResource::Pods)
            .into_iter()
            .filter(|p| {
                p["status"]["containerStatuses"][1]["state"]["waiting"]["reason"]
                    == "CrashLoopBackOff"
            })
            .count();
        assert_eq!(crashing, 2);
        let job_pods = prod
            .list(SimResource::Pods)
            .into_iter()
            .filter(|p| p["status"]["phase"] == "Succeeded")
            .count();
        assert_eq!(job_pods, 1);
    }

    #[test]
    fn scaled_fleet_has_exact_pod_counts() {
        let fleet = SimFleet::scaled(2, 503);
        for c in fleet.clusters() {
            let pods = c.list(SimResource::Pods);
            assert_eq!(pods.len(), 503);
            assert!(pods.iter().all(|p| p["status"]["phase"] == "Running"));
        }
        // The controller finds nothing to do on a freshly built scaled cluster.
        let c = &fleet.clusters()[0];
        let rv = c.resource_version();
        c.settle();
        assert_eq!(
            c.resource_version(),
            rv,
            "scaled clusters are already settled"
        );
    }
}
