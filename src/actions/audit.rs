//! The audit log: one JSON line per action run (time, context, target, action, parameters,
//! outcome), appended to `audit.jsonl` in the platform data dir.

use super::{Action, Target};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Serialize)]
pub struct Entry<'a> {
    pub time: String,
    pub context: &'a str,
    pub namespace: Option<&'a str>,
    pub kind: &'a str,
    pub name: &'a str,
    pub uid: &'a str,
    pub action: &'static str,
    pub parameters: &'a Action,
    /// `ok`, `failed`, `refused` (read-only, or not applicable), or `skipped` (an undo to the
    /// revision already running: nothing sent).
    pub outcome: &'static str,
    pub message: &'a str,
    /// Sent despite this lock (the raw annotation): the user typed the service name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_override: Option<&'a str>,
}

/// Appends entries; a failure to write is reported to the caller, never panics.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    pub fn new(path: PathBuf) -> Self {
        AuditLog { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(
        &self,
        t: &Target,
        a: &Action,
        outcome: &'static str,
        message: &str,
    ) -> std::io::Result<()> {
        self.append_with(t, a, outcome, message, None)
    }

    /// As [`AuditLog::append`], recording the lock an action overrode.
    pub fn append_with(
        &self,
        t: &Target,
        a: &Action,
        outcome: &'static str,
        message: &str,
        lock_override: Option<&str>,
    ) -> std::io::Result<()> {
        let entry = Entry {
            time: jiff::Timestamp::now()
                .round(jiff::Unit::Millisecond)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            context: &t.context,
            namespace: t.namespace.as_deref(),
            kind: &t.kind,
            name: &t.name,
            uid: &t.uid,
            action: a.verb(),
            parameters: a,
            outcome,
            message,
            lock_override,
        };
        let mut line = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        f.write_all(&line)
    }
}
