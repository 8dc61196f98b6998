//! The `hubs:` settings of the config file: contexts to read as Clusterpedia hubs although
//! their server is the plain host URL, and the poll interval (default: chosen for the fleet's
//! size).

use serde::Deserialize;

/// `hubs: { contexts: [pedia], pollSeconds: 5 }`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HubSettings {
    /// Context names (or `*` patterns) that are hubs whatever their server URL.
    #[serde(default)]
    pub contexts: Vec<String>,
    /// Seconds between two polls of a hub that cannot watch (default: by fleet size).
    #[serde(default)]
    pub poll_seconds: Option<f64>,
}

impl HubSettings {
    /// Whether the config names `context` a hub.
    pub fn names(&self, context: &str) -> bool {
        self.contexts
            .iter()
            .any(|p| super::user::glob_match(p, context))
    }

    /// The configured poll interval, if any (at least 100 ms).
    pub fn poll(&self) -> Option<std::time::Duration> {
        self.poll_seconds
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| std::time::Duration::from_secs_f64(s.max(0.1)))
    }
}

#[cfg(test)]
mod tests {
    use crate::config::UserConfig;

    #[test]
    fn the_config_file_names_hubs_and_their_poll_interval() {
        let c = UserConfig::parse("hubs:\n  contexts: ['pedia*']\n  pollSeconds: 1.5\n")
            .expect("parse");
        assert!(c.hubs.names("pedia-admin"));
        assert!(!c.hubs.names("prod"));
        assert_eq!(c.hubs.poll(), Some(std::time::Duration::from_millis(1500)));
        assert!(UserConfig::parse("hubs:\n  pollSecond: 1\n").is_err());
    }
}
