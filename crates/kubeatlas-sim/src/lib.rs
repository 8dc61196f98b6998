//! A wire-level simulated Kubernetes API server for tests, benchmarks and `--demo`.
//!
//! The simulator speaks the real API over plain HTTP/1.1, so the real `kube` client (watchers,
//! reflectors, `Api<K>`) is pointed at it through an ordinary kubeconfig. Response shapes, Status
//! bodies, headers and watch semantics follow a real kube-apiserver v1.28 (see
//! `tests/fixtures/k8s-wire` at the workspace root, which `tests/wire.rs` holds the simulator against).
//!
//! - [`SimCluster`] holds one cluster's objects (namespaces, nodes, pods, deployments, replicasets,
//!   statefulsets, daemonsets, jobs, cronjobs, controllerrevisions, events), resourceVersions,
//!   watch history, request
//!   journal, fault knobs (token, expiry, RBAC denials, latency, 500s, dropped streams,
//!   compaction) and direct helpers for tests ([`SimCluster::create`], [`SimCluster::patch`],
//!   [`SimCluster::update`], [`SimCluster::delete`], [`SimCluster::objects`]).
//! - [`SimServer`] serves a cluster on `127.0.0.1:<ephemeral>`.
//! - [`SimCluster::start_controller`] runs the deployment/replicaset/statefulset/daemonset/job
//!   controllers, scheduler, kubelet (pod lifecycle, logs) and garbage collector.
//! - [`SimFleet`] builds the `dev`/`staging`/`prod` demo fleet or scaled benchmark fleets,
//!   starts them together and writes their kubeconfig ([`SimFleet::write_kubeconfig`]).
//!
//! Simulation knobs are annotations on a Deployment, StatefulSet or DaemonSet (or a pod):
//! [`CRASHLOOP_ANNOTATION`] (`sim.kubeatlas.dev/crashloop: "<container>[,…]"`) and
//! [`MAX_READY_ANNOTATION`] (`sim.kubeatlas.dev/max-ready: "N"`).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use kubeatlas_sim::SimFleet;
//! let mut fleet = SimFleet::demo();
//! fleet.start()?; // inside a Tokio runtime
//! fleet.write_kubeconfig("/tmp/kubeatlas-demo.yaml")?;
//! // … point kube::Config::from_custom_kubeconfig at it …
//! fleet.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Known simplifications: lists are served from current state (a `continue` token keeps its
//! list's resourceVersion but later pages reflect later writes; watching from that version
//! replays those writes, so clients converge); `resourceVersion=0` lists ignore `limit` like the
//! watch cache does; server-side apply (`application/apply-patch+yaml`) answers 415; pods are
//! removed about one controller tick after a graceful delete, whatever the grace period.

mod cluster;
mod controller;
mod defaults;
mod faults;
mod fleet;
mod http;
mod journal;
mod loggen;
mod object;
mod ops;
pub mod patch;
mod podgen;
mod resource;
pub mod selector;
mod server;
mod status;
mod store;
mod util;

pub use cluster::SimCluster;
pub use controller::{CRASHLOOP_ANNOTATION, ControllerHandle, MAX_READY_ANNOTATION};
pub use fleet::SimFleet;
pub use http::metrics::{MetricsMode, container_usage};
pub use http::remote::StreamUpgrade;
pub use journal::JournalEntry;
pub use patch::PatchKind;
pub use resource::SimResource;
pub use server::SimServer;
pub use status::ApiError;
