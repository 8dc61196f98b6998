//! kubectl's reading flags — `-n/--namespace`, `-A/--all-namespaces`, `-l/--selector`,
//! `--field-selector` — and how they become the fleet's [`Scope`].
//!
//! Namespaces, as kubectl means them, fitted to a fleet of contexts:
//! - `-n X`: every context reads namespaced kinds from X only (a namespaced list/watch path).
//! - `-A`: all namespaces; it wins over `-n`, as in kubectl.
//! - neither, in the TUI: all namespaces, as today and as a k9s user expects from the fleet view.
//! - neither, for `get`: kubectl's rule where the user set it — a context whose kubeconfig entry
//!   names a `namespace` reads that namespace — and all namespaces for a context that names
//!   none. (kubectl would read `default` there; across a fleet that is almost always empty, and
//!   `get running-services` asks about the whole fleet.)
//!
//! Cluster-scoped kinds (nodes) are always read whole; the namespace blueprint is read by the
//! chosen namespace's name only. Selectors apply to the blueprint `get` prints (kubectl: the
//! resource you get); in the TUI, and for a blueprint derived from others (running services),
//! `-l` applies to workloads and pods and `--field-selector` to pods, so namespaces and nodes
//! keep being listed and related.

use crate::blueprint::{BlueprintSet, BpId};
use crate::config::Loaded;
use crate::fleet::Scope;

/// The flags, as given (global: before or after the subcommand).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ScopeArgs {
    /// Read namespaced kinds from this namespace only (every context).
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE",
          add = super::complete::namespaces())]
    pub namespace: Option<String>,

    /// Read every namespace (wins over -n). Default in the TUI; `get` otherwise reads a
    /// context's kubeconfig namespace where one is set.
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,

    /// Label selector, sent to the server (e.g. `-l app=cart`, `-l 'tier in (web,api)'`).
    #[arg(short = 'l', long, global = true, value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Field selector, sent to the server (e.g. `--field-selector status.phase=Running`).
    #[arg(long, global = true, value_name = "SELECTOR")]
    pub field_selector: Option<String>,
}

/// What "no namespace flag" means for a front end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unflagged {
    /// All namespaces (the TUI).
    AllNamespaces,
    /// The context's kubeconfig namespace where set, else all (`get`).
    ContextNamespace,
}

impl ScopeArgs {
    /// The fleet scope for `contexts` (in `ClusterId` order). `target` is the blueprint `get`
    /// prints (None: the TUI).
    pub fn resolve(
        &self,
        unflagged: Unflagged,
        target: Option<BpId>,
        blueprints: &BlueprintSet,
        kubeconfig: &Loaded,
        contexts: &[String],
    ) -> Scope {
        let namespaces = contexts
            .iter()
            .map(|name| {
                if self.all_namespaces {
                    None
                } else if let Some(ns) = &self.namespace {
                    Some(ns.clone())
                } else if unflagged == Unflagged::ContextNamespace {
                    context_namespace(kubeconfig, name)
                } else {
                    None
                }
            })
            .collect();
        let roles = blueprints.roles();
        // `get` of a blueprint read from the API: the selectors are for it alone.
        let sourced = target.filter(|bp| !blueprints.get(*bp).spec.sources.is_empty());
        let (label_targets, field_targets) = match sourced {
            Some(bp) => (vec![bp], vec![bp]),
            None => (
                [roles.workload, roles.pod].into_iter().flatten().collect(),
                roles.pod.into_iter().collect(),
            ),
        };
        Scope {
            namespaces,
            labels: self.selector.clone().filter(|s| !s.is_empty()),
            label_targets,
            fields: self.field_selector.clone().filter(|s| !s.is_empty()),
            field_targets,
            // `get namespaces -n X` lists every namespace, as kubectl does (-n is for
            // namespaced kinds); elsewhere the namespace list narrows with the rest.
            narrow_namespaces: roles.namespace.filter(|ns| Some(*ns) != target),
        }
    }
}

/// The namespace a context's kubeconfig entry names, if any.
pub fn context_namespace(kubeconfig: &Loaded, context: &str) -> Option<String> {
    kubeconfig
        .kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.namespace.clone())
        .filter(|n| !n.is_empty())
}

impl super::session::Session {
    /// Sources whose requests the server refused as such (400: a selector it cannot parse, a
    /// field it does not support): (context, kind, message).
    pub fn refused(&self) -> Vec<(String, String, String)> {
        let mut out = vec![];
        for c in self.catalog.clusters() {
            for (bp, source, status) in &c.sources {
                if let crate::catalog::SourceStatus::Refused(msg) = status {
                    let kind = self
                        .catalog
                        .blueprint(*bp)
                        .spec
                        .sources
                        .get(*source as usize)
                        .map(|s| s.kind.clone())
                        .unwrap_or_default();
                    out.push((c.name.clone(), kind, msg.clone()));
                }
            }
        }
        out
    }
}
