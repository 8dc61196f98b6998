//! First frame after start with one context dead (connection refused) and one slow (accepts
//! the connection, answers nothing for 5 s), besides the live ones: from opening the session
//! exactly as the binary does to the first frame drawn, through the TUI's own code.

use crate::screen;
use kubeatlas::cli::session::{self, Target};
use kubeatlas::config::{Paths, UserConfig};
use kubeatlas::tui::view::View;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long the slow context holds each connection before closing it unanswered.
pub const SLOW: Duration = Duration::from_secs(5);

pub struct FirstFrame {
    pub open: Duration,
    pub first_frame: Duration,
    pub contexts: usize,
}

/// A loopback port nothing listens on.
fn dead_port() -> std::io::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// A loopback server that accepts connections and holds them [`SLOW`] without a byte.
async fn slow_server() -> std::io::Result<u16> {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = l.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = l.accept().await {
            tokio::spawn(async move {
                tokio::time::sleep(SLOW).await;
                drop(sock);
            });
        }
    });
    Ok(port)
}

fn write_kubeconfig(path: &Path, dead: u16, slow: u16) -> std::io::Result<()> {
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n\
         - name: bench-dead\n  cluster:\n    server: http://127.0.0.1:{dead}\n\
         - name: bench-slow\n  cluster:\n    server: http://127.0.0.1:{slow}\n\
         users:\n- name: bench-nobody\n  user: {{}}\n\
         contexts:\n\
         - name: bench-dead\n  context:\n    cluster: bench-dead\n    user: bench-nobody\n\
         - name: bench-slow\n  context:\n    cluster: bench-slow\n    user: bench-nobody\n"
    );
    std::fs::write(path, text)
}

/// Open a session over `files` plus a dead and a slow context; draw the first frame.
pub async fn measure(files: &[PathBuf], dir: &Path, paths: &Paths) -> anyhow::Result<FirstFrame> {
    let extra = dir.join("dead-and-slow.kubeconfig");
    write_kubeconfig(&extra, dead_port()?, slow_server().await?)?;
    let mut all = files.to_vec();
    all.push(extra);
    let t0 = Instant::now();
    let s = session::open(Target::Files(all), &[], UserConfig::default(), paths, true).await?;
    let open = t0.elapsed();
    let app = screen::app_on(&s.catalog, View::Fleet);
    let mut term = screen::term();
    screen::draw(&mut term, &app);
    let first_frame = t0.elapsed();
    let contexts = s.catalog.clusters().len();
    s.fleet.shutdown().await;
    Ok(FirstFrame {
        open,
        first_frame,
        contexts,
    })
}
