//! Logs go to a file, never to the screen. Level from `KUBEATLAS_LOG` (default `info`).
//! Request headers (tokens) are never logged: kube and hyper stay at `warn`.

use std::path::Path;
use tracing_subscriber::EnvFilter;

pub fn init(file: &Path) -> anyhow::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)?;
    let filter = EnvFilter::try_from_env("KUBEATLAS_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,kube=warn,hyper=warn,tower=warn,rustls=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::sync::Mutex::new(f))
        .with_ansi(false)
        .try_init()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}
