//! The demo fleet: the simulated API server with dev, staging and prod, and a kubeconfig file
//! pointing at it, so `--demo` runs the normal code path over real HTTP.

use crate::sim::SimFleet;
use std::path::PathBuf;

pub struct Demo {
    pub kubeconfig: PathBuf,
    pub fleet: SimFleet,
    _dir: tempfile::TempDir,
}

impl Demo {
    pub async fn start() -> anyhow::Result<Demo> {
        let mut fleet = SimFleet::demo();
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
}
