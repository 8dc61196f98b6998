//! The timeline's SQLite file: one `entries` table with a uniqueness key that makes every
//! write idempotent (a restart, a re-seed or a re-read audit log adds nothing twice), indexes
//! for "service S across environments", "version V per environment" and "this object", and
//! pruning by age and count.

use super::{Entry, Query, Reached};
use rusqlite::{Connection, ErrorCode, params, params_from_iter, types::Value as Sql};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Entries returned by a query when it does not say.
pub const DEFAULT_LIMIT: usize = 1_000;

/// How long to wait for another connection's lock before saying the file is locked.
const BUSY: Duration = Duration::from_millis(500);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    context TEXT NOT NULL,
    env TEXT NOT NULL,
    service TEXT NOT NULL,
    namespace TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    uid TEXT NOT NULL,
    change TEXT NOT NULL,
    text TEXT NOT NULL,
    version TEXT,
    who TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS entries_once ON entries(uid, change, at, text);
CREATE INDEX IF NOT EXISTS entries_service ON entries(service, at);
CREATE INDEX IF NOT EXISTS entries_version ON entries(service, version, env, at);
CREATE INDEX IF NOT EXISTS entries_owner ON entries(context, namespace, owner, at);
CREATE INDEX IF NOT EXISTS entries_name ON entries(context, namespace, name, at);
CREATE INDEX IF NOT EXISTS entries_at ON entries(at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
";

/// Why the store cannot be used; each names the file.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("timeline {}: locked by another program (another kubeatlas?)", path.display())]
    Locked { path: PathBuf },
    #[error("timeline {}: not a usable database ({detail}); move it away to start a new one", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error("timeline {}: {detail}", path.display())]
    Other { path: PathBuf, detail: String },
}

impl StoreError {
    fn of(path: &Path, e: rusqlite::Error) -> StoreError {
        let path = path.to_path_buf();
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StoreError::Locked { path }
            }
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                path,
                detail: e.to_string(),
            },
            _ => StoreError::Other {
                path,
                detail: e.to_string(),
            },
        }
    }
}

/// Bounds of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Entries older than this many days are pruned.
    pub max_age_days: u32,
    /// At most this many entries (the oldest go first).
    pub max_entries: u64,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            max_age_days: 90,
            max_entries: 1_000_000,
        }
    }
}

/// An open timeline file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Open (creating it and its folder when absent) and check the schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Other {
                path: path.to_path_buf(),
                detail: e.to_string(),
            })?;
        }
        let err = |e| StoreError::of(path, e);
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(BUSY).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::of(&self.path, e)
    }

    /// Add entries in one transaction; ones already there are skipped. Returns how many were new.
    pub fn insert(&mut self, entries: &[Entry]) -> Result<usize, StoreError> {
        let path = self.path.clone();
        let err = |e| StoreError::of(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let mut added = 0;
        {
            let mut st = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO entries
                     (at, context, env, service, namespace, kind, name, owner, uid, change, text, version, who)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(err)?;
            for e in entries {
                added += st
                    .execute(params![
                        e.at,
                        e.context,
                        e.env,
                        e.service,
                        e.namespace,
                        e.kind,
                        e.name,
                        e.owner,
                        e.uid,
                        e.change,
                        e.text,
                        e.version,
                        e.who
                    ])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(added)
    }

    /// Entries matching `q`, newest first.
    pub fn query(&self, q: &Query) -> Result<Vec<Entry>, StoreError> {
        let mut sql = String::from(
            "SELECT at, context, env, service, namespace, kind, name, owner, uid, change, text, version, who
             FROM entries WHERE 1=1",
        );
        let mut args: Vec<Sql> = vec![];
        let mut eq = |col: &str, v: &Option<String>| {
            if let Some(v) = v {
                args.push(Sql::Text(v.clone()));
                sql.push_str(&format!(" AND {col} = ?{}", args.len()));
            }
        };
        eq("service", &q.service);
        eq("env", &q.env);
        eq("context", &q.context);
        eq("namespace", &q.namespace);
        eq("owner", &q.owner);
        eq("name", &q.name);
        if let Some(since) = q.since {
            args.push(Sql::Integer(since));
            sql.push_str(&format!(" AND at >= ?{}", args.len()));
        }
        let limit = if q.limit == 0 { DEFAULT_LIMIT } else { q.limit };
        sql.push_str(&format!(" ORDER BY at DESC, id DESC LIMIT {limit}"));
        let mut st = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = st
            .query_map(params_from_iter(args), row)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// The newest change of every running service (service × environment); Warnings are
    /// Events, not changes, and entries of no service belong to no cell.
    pub fn last_changes(&self) -> Result<Vec<Entry>, StoreError> {
        // SQLite gives the bare columns of the row holding MAX(at).
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT MAX(at), context, env, service, namespace, kind, name, owner, uid,
                        change, text, version, who
                 FROM entries WHERE service != '' AND change != 'warning'
                 GROUP BY service, env",
            )
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([], row).map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// When `version` of `service` was first seen in each environment, earliest first.
    pub fn reached(&self, service: &str, version: &str) -> Result<Vec<Reached>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT env, MIN(at) FROM entries WHERE service = ?1 AND version = ?2
                 GROUP BY env ORDER BY 2",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map(params![service, version], |r| {
                Ok(Reached {
                    env: r.get(0)?,
                    at: r.get(1)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// The service and environment entries of this object (or of its pods) were filed under.
    pub fn place_of(
        &self,
        context: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT service, env FROM entries WHERE context = ?1 AND namespace = ?2
                 AND (owner = ?3 OR name = ?3) AND service != '' ORDER BY at DESC LIMIT 1",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = st
            .query_map(params![context, namespace, name], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| self.err(e))?;
        rows.next().transpose().map_err(|e| self.err(e))
    }

    /// Drop entries older than the bounds allow, then the oldest beyond the count. Returns
    /// how many went.
    pub fn prune(&mut self, bounds: Bounds, now: i64) -> Result<usize, StoreError> {
        let cutoff = now - i64::from(bounds.max_age_days) * 86_400;
        let mut gone = self
            .conn
            .execute("DELETE FROM entries WHERE at < ?1", params![cutoff])
            .map_err(|e| self.err(e))?;
        let count: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM entries", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let max = i64::try_from(bounds.max_entries).unwrap_or(i64::MAX);
        if count > max {
            gone += self
                .conn
                .execute(
                    "DELETE FROM entries WHERE id IN
                     (SELECT id FROM entries ORDER BY at, id LIMIT ?1)",
                    params![count - max],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(gone)
    }

    /// How many entries the store holds.
    pub fn count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM entries", [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.err(e))
    }

    /// A remembered value (the audit log's read offset).
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .map_err(|e| self.err(e))?;
        let mut rows = st
            .query_map(params![key], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        rows.next().transpose().map_err(|e| self.err(e))
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

/// An entry from the columns `at, context, env, service, namespace, kind, name, owner, uid,
/// change, text, version, who`, in that order.
fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        at: r.get(0)?,
        context: r.get(1)?,
        env: r.get(2)?,
        service: r.get(3)?,
        namespace: r.get(4)?,
        kind: r.get(5)?,
        name: r.get(6)?,
        owner: r.get(7)?,
        uid: r.get(8)?,
        change: r.get(9)?,
        text: r.get(10)?,
        version: r.get(11)?,
        who: r.get(12)?,
    })
}
