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
    /// The configured poll interval, if any (at least 100 ms).
    pub fn poll(&self) -> Option<std::time::Duration> {
        self.poll_seconds
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| std::time::Duration::from_secs_f64(s.max(0.1)))
    }
}

#[cfg(test)]
mod tests {
    use super::HubSettings;

    #[test]
    fn the_config_file_names_hubs_and_their_poll_interval() {
        let h: HubSettings =
            serde_yaml::from_str("contexts: ['pedia*']\npollSeconds: 1.5\n").expect("parse");
        assert_eq!(h.contexts, ["pedia*"]);
        assert_eq!(h.poll(), Some(std::time::Duration::from_millis(1500)));
        assert!(serde_yaml::from_str::<HubSettings>("pollSecond: 1\n").is_err());
    }
}
