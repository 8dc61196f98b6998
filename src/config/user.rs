//! The user's config file (`config.yaml` in the platform config dir): context → environment
//! mapping, protected contexts, read-only settings.

use super::error::UserConfigError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserConfig {
    /// Context name (or `*` pattern) → environment name.
    #[serde(default)]
    pub environments: BTreeMap<String, String>,
    /// Context patterns (`*prod*`) whose mutations need the object name typed to confirm.
    #[serde(default)]
    pub protected: Vec<String>,
    /// Refuse every mutation in every context.
    #[serde(default)]
    pub readonly: bool,
    /// Per-context settings by context name (or pattern).
    #[serde(default)]
    pub contexts: BTreeMap<String, ContextSettings>,
    /// Degrade rules (see [`super::rules`]).
    #[serde(default)]
    pub rules: Vec<super::rules::RuleSpec>,
    /// The change timeline's store.
    #[serde(default)]
    pub timeline: super::timeline::TimelineSettings,
    /// Clusterpedia hubs (see [`super::hubs`]).
    #[serde(default)]
    pub hubs: super::hubs::HubSettings,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContextSettings {
    #[serde(default)]
    pub readonly: bool,
    #[serde(default)]
    pub protected: bool,
    #[serde(default)]
    pub environment: Option<String>,
}

impl UserConfig {
    /// Load from a file; a missing file is the default config. Errors name file and line.
    pub fn load(path: &Path) -> Result<Self, UserConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text).map_err(|error| UserConfigError::Parse {
                path: path.to_path_buf(),
                error,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(error) => Err(UserConfigError::Read {
                path: path.to_path_buf(),
                error,
            }),
        }
    }

    /// Parse the file's text; the error says line and column.
    pub fn parse(text: &str) -> Result<Self, serde_yaml::Error> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        serde_yaml::from_str(text)
    }

    fn settings(&self, context: &str) -> impl Iterator<Item = &ContextSettings> {
        self.contexts
            .iter()
            .filter(move |(pat, _)| glob_match(pat, context))
            .map(|(_, s)| s)
    }

    /// The environment a context maps to, if the config says.
    pub fn environment_for(&self, context: &str) -> Option<String> {
        self.settings(context)
            .find_map(|s| s.environment.clone())
            .or_else(|| self.environments.get(context).cloned())
            .or_else(|| {
                self.environments
                    .iter()
                    .find(|(pat, _)| glob_match(pat, context))
                    .map(|(_, env)| env.clone())
            })
    }

    pub fn is_protected(&self, context: &str) -> bool {
        self.protected.iter().any(|p| glob_match(p, context))
            || self.settings(context).any(|s| s.protected)
    }

    /// Whether the config names `context` a Clusterpedia hub (`hubs.contexts`).
    pub fn is_hub(&self, context: &str) -> bool {
        self.hubs.contexts.iter().any(|p| glob_match(p, context))
    }

    pub fn is_readonly(&self, context: &str) -> bool {
        self.readonly || self.settings(context).any(|s| s.readonly)
    }
}

/// Shell-style match with `*` (any run) and `?` (one character).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*prod*", "gke_prod_eu"));
        assert!(glob_match("prod", "prod"));
        assert!(!glob_match("prod", "prod-2"));
        assert!(glob_match("dev-?", "dev-1"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("*prod*", "staging"));
    }

    #[test]
    fn parses_and_answers() {
        let c = UserConfig::parse(
            "environments:\n  gke_eu_1: production\nprotected: ['*prod*']\ncontexts:\n  'dev*': {readonly: true, environment: development}\n",
        )
        .expect("parse");
        assert_eq!(c.environment_for("gke_eu_1").as_deref(), Some("production"));
        assert_eq!(c.environment_for("dev-3").as_deref(), Some("development"));
        assert_eq!(c.environment_for("other"), None);
        assert!(c.is_protected("prod"));
        assert!(c.is_readonly("dev-3"));
        assert!(!c.is_readonly("prod"));
    }

    #[test]
    fn unknown_field_names_line() {
        let err = UserConfig::parse("protected: []\nreadnoly: true\n")
            .expect_err("bad")
            .to_string();
        assert!(err.contains("readnoly") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn a_missing_config_file_is_the_default_and_a_bad_one_names_file_and_line() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("config.yaml");
        assert_eq!(
            UserConfig::load(&path).expect("missing"),
            UserConfig::default()
        );
        std::fs::write(&path, "protected: []\nreadonly: maybe\n").expect("write");
        let msg = UserConfig::load(&path).expect_err("bad").to_string();
        assert!(
            msg.contains(&path.display().to_string()) && msg.contains("line 2"),
            "{msg}"
        );
    }
}
