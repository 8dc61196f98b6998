//! A wire-level simulated Kubernetes API server for tests, benchmarks and `--demo`.

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
pub use journal::JournalEntry;
pub use patch::PatchKind;
pub use resource::SimResource;
pub use server::SimServer;
pub use status::ApiError;
