//! The integration suite against a REAL control plane: kube-apiserver and
//! kube-controller-manager v1.28 with etcd, from `$KUBEBUILDER_ASSETS` (the controller-runtime
//! envtest convention; `../shared/envtest/assets` prints such a folder). The harness starts and
//! stops them itself ([`envtest`]). Every test drives the project's own session, fleet, catalog
//! and actions, as the binary does, and checks what the real server then holds. Without
//! `KUBEBUILDER_ASSETS` each test prints that it was skipped and passes.

mod access;
mod actions;
mod auth;
mod crd;
mod discovery;
mod envtest;
mod govern;
mod health;
mod history;
mod hub;
mod kubectl_flags;
mod marks;
mod metrics;
mod outage;
mod parity;
mod pedia;
#[path = "../support/pedia_kit.rs"]
mod pedia_kit;
mod recorder;
#[path = "../support/related.rs"]
mod related;
mod relations;
mod support;
