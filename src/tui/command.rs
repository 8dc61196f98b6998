//! The `:` command line: what a command means (`:pods prod/payments`, `:rs`, `:q`) and Tab
//! completion of command words, context names and `context/namespace` arguments.

use super::view::{self, Scope};
use crate::blueprint::BpId;
use crate::catalog::Catalog;

/// Words that are not blueprint names.
pub const BUILTIN_WORDS: [&str; 9] = [
    "ctx",
    "rs",
    "q",
    "quit",
    "help",
    "alerts",
    "reap",
    "pf",
    "portforwards",
];

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Fleet,
    Matrix,
    List {
        bp: BpId,
        scope: Scope,
    },
    Quit,
    Help,
    /// The degrade rules' firings.
    Alerts,
    /// The reaper: what has expired (TTL), to delete after confirming.
    Reap,
    /// The port-forwards running (`:pf`, `:portforwards`).
    Forwards,
}

/// The blueprint a name stands for: identifier, plural or alias, case-insensitive.
pub fn resolve(cat: &Catalog, name: &str) -> Option<BpId> {
    cat.blueprints().resolve(name)
}

/// Every command word, sorted, each once: built-ins and the names of visible blueprints.
pub fn words(cat: &Catalog) -> Vec<String> {
    let mut w: Vec<String> = BUILTIN_WORDS.iter().map(|s| s.to_string()).collect();
    w.extend(cat.blueprints().names().into_iter().map(str::to_string));
    w.sort();
    w.dedup();
    w
}

/// Arguments a command accepts: context names and `context/namespace`.
fn arguments(cat: &Catalog, bp: Option<BpId>) -> Vec<String> {
    let mut out: Vec<String> = cat.clusters().iter().map(|c| c.name.clone()).collect();
    if let Some(ns_bp) = bp.and_then(|b| view::namespace_blueprint(cat, b)) {
        for id in cat.cluster_ids() {
            let Some(info) = cat.cluster(id) else {
                continue;
            };
            let mut names: Vec<String> = cat
                .entities_in(id, ns_bp)
                .map(|r| format!("{}/{}", info.name, r.name))
                .collect();
            names.sort();
            out.extend(names);
        }
    }
    out
}

/// Completions of `input`: the command word, or the argument after it. Each candidate is a
/// whole new input line.
pub fn completions(cat: &Catalog, input: &str) -> Vec<String> {
    match input.split_once(' ') {
        None => {
            let p = input.to_ascii_lowercase();
            words(cat)
                .into_iter()
                .filter(|w| w.starts_with(&p))
                .collect()
        }
        Some((cmd, arg)) => {
            let arg = arg.trim_start();
            arguments(cat, resolve(cat, cmd))
                .into_iter()
                .filter(|a| a.starts_with(arg))
                .map(|a| format!("{cmd} {a}"))
                .collect()
        }
    }
}

/// As [`completions`], with `extra` command words (discovered resources without a
/// blueprint), whose arguments are contexts and `context/namespace`.
pub fn completions_with(cat: &Catalog, extra: &[String], input: &str) -> Vec<String> {
    let mut out = completions(cat, input);
    match input.split_once(' ') {
        None => {
            let p = input.to_ascii_lowercase();
            out.extend(extra.iter().filter(|w| w.starts_with(&p)).cloned());
            out.sort();
            out.dedup();
        }
        Some((cmd, arg)) if resolve(cat, cmd).is_none() && extra.iter().any(|w| w == cmd) => {
            let arg = arg.trim_start();
            let mut args: Vec<String> = cat.clusters().iter().map(|c| c.name.clone()).collect();
            if let Some(ns) = cat.blueprints().roles().namespace {
                for id in cat.cluster_ids() {
                    let Some(info) = cat.cluster(id) else {
                        continue;
                    };
                    let mut names: Vec<String> = cat
                        .entities_in(id, ns)
                        .map(|r| format!("{}/{}", info.name, r.name))
                        .collect();
                    names.sort();
                    args.extend(names);
                }
            }
            out = args
                .into_iter()
                .filter(|a| a.starts_with(arg))
                .map(|a| format!("{cmd} {a}"))
                .collect();
        }
        Some(_) => {}
    }
    out
}

/// Parse a command line.
pub fn parse(cat: &Catalog, input: &str) -> Result<Command, String> {
    let mut parts = input.split_whitespace();
    let Some(word) = parts.next() else {
        return Err("empty command".into());
    };
    let arg = parts.next();
    if parts.next().is_some() {
        return Err(format!("too many arguments: {input}"));
    }
    let word = word.to_ascii_lowercase();
    match word.as_str() {
        "q" | "quit" | "q!" => return Ok(Command::Quit),
        "help" | "?" => return Ok(Command::Help),
        "alerts" => return Ok(Command::Alerts),
        "ctx" | "fleet" => return Ok(Command::Fleet),
        "rs" | "matrix" => return Ok(Command::Matrix),
        "reap" => return Ok(Command::Reap),
        "pf" | "portforwards" | "portforward" => return Ok(Command::Forwards),
        _ => {}
    }
    let Some(bp) = resolve(cat, &word) else {
        return Err(format!(
            "unknown command {word:?}; Tab completes names, :help lists keys"
        ));
    };
    let spec = &cat.blueprint(bp).spec;
    if Some(bp) == view::cluster_blueprint(cat) {
        return Ok(Command::Fleet);
    }
    if spec.derived.is_some() {
        return Ok(Command::Matrix);
    }
    if !view::listable(cat, bp) {
        return Err(format!("{} is internal and not listed", spec.identifier));
    }
    let scope = match arg {
        None => Scope::All,
        Some(a) => {
            let (ctx, ns) = match a.split_once('/') {
                Some((c, n)) => (c, Some(n)),
                None => (a, None),
            };
            let Some(c) = cat.cluster_by_name(ctx) else {
                return Err(format!("no context named {ctx:?}"));
            };
            match ns {
                Some(n) if !n.is_empty() => {
                    if !view::namespaced(cat, bp) {
                        return Err(format!(
                            "{} are not namespaced",
                            spec.plural.as_deref().unwrap_or(&spec.identifier)
                        ));
                    }
                    Scope::Namespace(c, n.into())
                }
                _ => Scope::Cluster(c),
            }
        }
    };
    Ok(Command::List { bp, scope })
}
