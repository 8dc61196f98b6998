//! The demo fleet: the simulated API server (crate `kubeatlas-sim`, feature `demo`) with dev,
//! staging and prod, and a kubeconfig file pointing at it, so `--demo` runs the normal code path
//! over real HTTP. A build without the `demo` feature carries no simulator and says so.

use std::path::PathBuf;

/// A running demo fleet and the kubeconfig file that points at it.
pub struct Demo {
    pub kubeconfig: PathBuf,
    #[cfg(feature = "demo")]
    fleet: kubeatlas_sim::SimFleet,
    _dir: tempfile::TempDir,
}

/// Whether this build carries the demo fleet.
pub const AVAILABLE: bool = cfg!(feature = "demo");

impl Demo {
    #[cfg(feature = "demo")]
    pub async fn start() -> anyhow::Result<Demo> {
        let mut fleet = kubeatlas_sim::SimFleet::demo();
        fleet.start()?;
        let dir = tempfile::Builder::new()
            .prefix("kubeatlas-demo-")
            .tempdir()?;
        let kubeconfig = dir.path().join("kubeconfig");
        fleet.write_kubeconfig(&kubeconfig)?;
        Ok(Demo {
            kubeconfig,
            fleet,
            _dir: dir,
        })
    }

    #[cfg(not(feature = "demo"))]
    pub async fn start() -> anyhow::Result<Demo> {
        anyhow::bail!(
            "this kubeatlas was built without the demo fleet (feature `demo`); rebuild with `cargo build --features demo`, or pass --kubeconfig FILE"
        )
    }

    /// Stop the simulated servers.
    pub async fn shutdown(self) {
        #[cfg(feature = "demo")]
        self.fleet.shutdown().await;
    }
}
