//! Values shell completion offers, attached to the arguments in `cli::args`: context names
//! from the kubeconfig (`$KUBECONFIG`, else `~/.kube/config`), blueprint names and aliases from
//! the built-in and user blueprints, namespace names from the namespace cache
//! (`cli::nscache`). Nothing here talks to a cluster. The scripts are in `cli::scripts`.

use crate::blueprint::BlueprintSet;
use crate::config::{Located, Paths, kubeconfig};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

/// The shells `completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

fn candidates(values: impl IntoIterator<Item = String>) -> Vec<CompletionCandidate> {
    values.into_iter().map(CompletionCandidate::new).collect()
}

/// Context names of the kubeconfig (`$KUBECONFIG` merged, else `~/.kube/config`).
pub fn context_names() -> Vec<String> {
    match kubeconfig::locate(None) {
        Located::Files(files) => kubeconfig::load(&files)
            .map(|l| l.context_names())
            .unwrap_or_default(),
        Located::Nothing => vec![],
    }
}

/// Blueprint identifiers, plurals and aliases (built-in and the user's).
pub fn blueprint_names() -> Vec<String> {
    BlueprintSet::load(Some(&Paths::discover().blueprints_dir))
        .map(|s| s.names().into_iter().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Namespace names seen before (the cache in the state dir).
pub fn namespace_names() -> Vec<String> {
    super::nscache::all_names(&Paths::discover().namespace_cache)
}

/// `--context` values.
pub fn contexts() -> ArgValueCandidates {
    ArgValueCandidates::new(|| candidates(context_names()))
}

/// `get` blueprint values.
pub fn blueprints() -> ArgValueCandidates {
    ArgValueCandidates::new(|| candidates(blueprint_names()))
}

/// `-n` values.
pub fn namespaces() -> ArgValueCandidates {
    ArgValueCandidates::new(|| candidates(namespace_names()))
}
