//! What the governance commands (`lock`, `unlock`, `check`, `reap`) share: a synced session,
//! the one executor over its clients, and each context's kubeconfig user.

use super::session::{self, Session};
use crate::actions::Executor;
use crate::actions::audit::AuditLog;
use crate::config::{Paths, UserConfig};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// A session synced (or given up on after `timeout`), with the contexts that did not sync.
pub async fn synced(
    kubeconfig: Option<&Path>,
    demo: bool,
    contexts: &[String],
    user: UserConfig,
    paths: &Paths,
    timeout: Duration,
) -> anyhow::Result<(Session, Vec<(String, String)>)> {
    let target = session::target(kubeconfig, demo, false)?;
    let mut s = session::open(target, contexts, user, paths, false).await?;
    let failed = s.wait_synced(timeout).await;
    Ok((s, failed))
}

/// The one executor over the session's clients (read-only flag, config, audit log).
pub fn executor(s: &Session, readonly: bool, paths: &Paths) -> Executor {
    let contexts = s
        .catalog
        .clusters()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    Executor::new(
        contexts,
        s.clients.clone(),
        readonly,
        s.user.clone(),
        AuditLog::new(paths.audit_log.clone()),
    )
}

/// Each context's user name in the kubeconfig (who the user is if the server cannot say).
pub fn users(s: &Session) -> BTreeMap<String, String> {
    s.kubeconfig
        .kubeconfig
        .contexts
        .iter()
        .filter_map(|c| Some((c.name.clone(), c.context.as_ref()?.user.clone()?)))
        .collect()
}

/// Stop the watchers (and the demo fleet) before leaving.
pub async fn close(s: Session) {
    s.fleet.shutdown().await;
    if let Some(d) = s.demo {
        d.shutdown().await;
    }
}
