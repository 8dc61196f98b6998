//! Where kubeatlas keeps its files: config dir (config.yaml, blueprints/), data dir (audit log),
//! state dir (log file, change timeline, namespace cache).

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: PathBuf,
    pub blueprints_dir: PathBuf,
    pub log_file: PathBuf,
    pub audit_log: PathBuf,
    /// The change timeline's SQLite file (state dir).
    pub timeline_db: PathBuf,
    /// Namespace names seen per context (state dir), for shell completion of `-n`.
    pub namespace_cache: PathBuf,
}

impl Paths {
    /// The platform directories (XDG on Linux), or `./.kubeatlas` when there is no home.
    pub fn discover() -> Paths {
        match directories::ProjectDirs::from("dev", "kubeatlas", "kubeatlas") {
            Some(d) => {
                let state = d
                    .state_dir()
                    .unwrap_or_else(|| d.data_local_dir())
                    .to_path_buf();
                Paths {
                    config_file: d.config_dir().join("config.yaml"),
                    blueprints_dir: d.config_dir().join("blueprints"),
                    log_file: state.join("kubeatlas.log"),
                    timeline_db: state.join("timeline.db"),
                    namespace_cache: state.join("namespaces.json"),
                    audit_log: d.data_dir().join("audit.jsonl"),
                }
            }
            None => Paths::under(PathBuf::from(".kubeatlas")),
        }
    }

    /// Everything under one directory (tests, or no home directory).
    pub fn under(dir: PathBuf) -> Paths {
        Paths {
            config_file: dir.join("config.yaml"),
            blueprints_dir: dir.join("blueprints"),
            log_file: dir.join("kubeatlas.log"),
            audit_log: dir.join("audit.jsonl"),
            timeline_db: dir.join("timeline.db"),
            namespace_cache: dir.join("namespaces.json"),
        }
    }
}
