//! The resources each context serves (API discovery, kept per context), for `:` completion
//! and for opening any resource without a blueprint. Discovery is asked once a context is
//! connected; the runner then follows the context's CustomResourceDefinitions and answers
//! again whenever they change. Where the user may not watch them, discovery is asked again
//! when `:` opens and the last answer is older than [`STALE_SECS`].

use super::msg::Effect;
use crate::catalog::{Catalog, ClusterId};
use crate::fleet::discovery::{ApiResourceInfo, Discovered};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Without a CRD watch, discovery older than this is asked again when `:` opens.
pub const STALE_SECS: i64 = 30;

/// One context's discovery.
#[derive(Debug, Clone, Default)]
struct Known {
    asked: bool,
    /// The last answer (the previous one is kept when asking again fails).
    resources: Option<Arc<Discovered>>,
    error: Option<String>,
    /// The runner follows the context's CRDs (discovery is kept current).
    watching: bool,
    /// When the last answer arrived (seconds since the epoch).
    at: i64,
}

/// Discovery of every context.
#[derive(Debug, Default)]
pub struct Kinds {
    per: BTreeMap<ClusterId, Known>,
}

impl Kinds {
    /// Ask discovery of each context that has connected (its server version is known) and
    /// was not asked yet.
    pub fn sync(&mut self, cat: &Catalog) -> Vec<Effect> {
        let mut out = vec![];
        for id in cat.cluster_ids() {
            let connected = cat.cluster(id).is_some_and(|c| c.version.is_some());
            let k = self.per.entry(id).or_default();
            if connected && !k.asked {
                k.asked = true;
                out.push(Effect::Discover { cluster: id });
            }
        }
        out
    }

    /// `:` opened: ask again where discovery is not followed and is stale.
    pub fn on_prompt(&mut self, now: i64) -> Vec<Effect> {
        self.per
            .iter_mut()
            .filter(|(_, k)| k.asked && !k.watching && now - k.at >= STALE_SECS)
            .map(|(id, k)| {
                k.at = now;
                Effect::Discover { cluster: *id }
            })
            .collect()
    }

    /// An answer arrived; true when what is known changed.
    pub fn arrived(
        &mut self,
        cluster: ClusterId,
        result: Result<Arc<Discovered>, String>,
        watching: bool,
        now: i64,
    ) -> bool {
        let k = self.per.entry(cluster).or_default();
        k.asked = true;
        k.watching = watching;
        k.at = now;
        match result {
            Ok(d) => {
                let changed = k.resources.as_deref() != Some(&*d) || k.error.is_some();
                k.resources = Some(d);
                k.error = None;
                changed
            }
            Err(e) => {
                let changed = k.error.as_deref() != Some(&e);
                k.error = Some(e);
                changed
            }
        }
    }

    /// The resources of one context, once discovered.
    pub fn of(&self, cluster: ClusterId) -> Option<&Discovered> {
        self.per.get(&cluster)?.resources.as_deref()
    }

    /// Why a context's discovery failed, if it did.
    pub fn error(&self, cluster: ClusterId) -> Option<&str> {
        self.per.get(&cluster)?.error.as_deref()
    }

    /// The resource `name` stands for in each context that serves it (listable only).
    pub fn resolve(&self, name: &str) -> Vec<(ClusterId, ApiResourceInfo)> {
        self.per
            .iter()
            .filter_map(|(id, k)| {
                let r = k.resources.as_ref()?.resolve(name)?;
                r.listable().then(|| (*id, r.clone()))
            })
            .collect()
    }

    /// Command words for every listable resource of every context: plural, short names and
    /// `plural.group` (sorted, each once).
    pub fn words(&self) -> Vec<String> {
        let mut out: Vec<String> = vec![];
        for k in self.per.values() {
            let Some(d) = &k.resources else { continue };
            for r in d.listable() {
                out.push(r.plural.clone());
                out.extend(r.short_names.iter().map(|s| s.to_lowercase()));
                if !r.group.is_empty() {
                    out.push(r.qualified());
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}
