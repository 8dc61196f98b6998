//! The keymap, as the `?` overlay lists it: global keys, the keys of the current view, and
//! the actions its blueprint lists (mutating ones only where the context is not read-only).

use super::view::View;
use crate::blueprint::ActionKind;

/// (keys, what they do).
pub type Binding = (&'static str, &'static str);

pub const GLOBAL: &[Binding] = &[
    ("j/k ↑/↓", "move"),
    ("PgUp/PgDn ^b/^f", "page up / down"),
    ("g/G Home/End", "first / last"),
    ("/", "fuzzy filter (Enter keeps, Esc clears)"),
    (
        ":",
        "command (Tab completes): :pods [ctx[/ns]] :wl :ns :nodes :ctx :rs :alerts :q",
    ),
    ("< / >", "sort by previous / next column"),
    ("!", "reverse sort"),
    ("Esc", "clear filter, else go back"),
    (
        "t",
        "change timeline of the selection (a matrix row: every environment)",
    ),
    ("?", "this help"),
    ("q ^c", "quit"),
];

const FLEET: &[Binding] = &[
    ("Enter", "namespaces of the context"),
    ("m Tab", "running-service matrix"),
];

const LIST: &[Binding] = &[
    ("Enter", "drill down (children, or detail)"),
    ("d", "detail of the selected entity"),
    ("y", "YAML from the API server (/ n N search)"),
    ("0", "all clusters (drop ctx/ns narrowing)"),
    ("m", "running-service matrix"),
    (
        "L e :reap",
        "lock/unlock; extend/clear a TTL; delete what expired",
    ),
];

const MATRIX: &[Binding] = &[
    ("h/l ←/→", "move between environments"),
    ("Enter", "the workload(s) of the cell"),
    (
        "D",
        "diff the cell's environment against another (h/l pick, d differing only)",
    ),
    (
        "≠",
        "versions differ between environments (magenta: the odd ones)",
    ),
    ("@", "one image tag runs with different digests"),
    ("c", "last change per cell (from the timeline) on/off"),
    ("L e", "lock / unlock the cell's workloads; their TTL"),
    (":reap", "what has expired (TTL), deleted after confirming"),
    ("Tab", "fleet"),
];

const DETAIL: &[Binding] = &[
    ("j/k", "scroll"),
    ("y", "YAML from the API server"),
    ("Esc", "back"),
];

const YAML: &[Binding] = &[
    ("j/k PgUp/PgDn g/G", "scroll"),
    ("/", "search; n / N next / previous match"),
    ("Esc q", "close"),
];

const LOGS: &[Binding] = &[
    ("j/k PgUp/PgDn", "scroll (stops following)"),
    ("g/G", "oldest / newest line (G follows)"),
    ("f", "follow on/off"),
    ("w", "wrap long lines on/off"),
    ("t", "tail size: 100, 200, 500, all (restarts)"),
    ("c", "container (when there are several)"),
    ("p", "previous instance (crashed) on/off"),
    ("/", "search; n / N next / previous match"),
    ("Esc q", "close (stops the streams)"),
];

/// What the help is about.
#[derive(Debug, Clone, Copy)]
pub enum Showing<'a> {
    View(&'a View),
    Yaml,
    Logs,
}

/// The key of an action and what it does (on a matrix cell: every workload of the cell).
pub fn action_binding(kind: ActionKind, matrix: bool) -> Binding {
    match (kind, matrix) {
        (ActionKind::Restart, false) => ("r", "restart (rollout restart), after confirming"),
        (ActionKind::Restart, true) => ("r", "restart every workload of the cell"),
        (ActionKind::Redeploy, false) => ("i", "redeploy: set a container's image"),
        (ActionKind::Redeploy, true) => ("i", "set one container's image in the cell"),
        (ActionKind::Scale, _) => ("s", "scale (replicas)"),
        (ActionKind::Delete, _) => ("^d", "delete (with a uid precondition)"),
        (ActionKind::Logs, _) => ("l", "logs (follow; a workload: all its pods)"),
        (ActionKind::Undo, _) => ("u", "rollout history; Enter on a revision: undo to it"),
        (ActionKind::Exec, _) => ("s", "shell in a container (bash, else sh); exit returns"),
        (ActionKind::PortForward, _) => ("f", "port-forward [LOCAL:]REMOTE (:pf lists, stops)"),
    }
}

/// The bindings of what is shown: its own first, then its actions, then the global ones.
pub fn bindings(
    showing: Showing<'_>,
    actions: &[ActionKind],
    rollouts: bool,
) -> Vec<(&'static str, Vec<Binding>)> {
    let view = match showing {
        Showing::Yaml => return vec![("YAML", YAML.to_vec())],
        Showing::Logs => return vec![("Logs", LOGS.to_vec())],
        Showing::View(v) => v,
    };
    let (title, own) = match view {
        View::Fleet => ("Fleet", FLEET),
        View::Matrix => ("Running services", MATRIX),
        View::List { .. } => ("List", LIST),
        View::Detail { .. } => ("Detail", DETAIL),
    };
    let global: Vec<Binding> = match view {
        View::Detail { .. } => GLOBAL
            .iter()
            .copied()
            .filter(|(k, _)| !matches!(*k, "/" | "< / >" | "!"))
            .collect(),
        _ => GLOBAL.to_vec(),
    };
    let mut out = vec![(title, own.to_vec())];
    let matrix = *view == View::Matrix;
    let mut acts: Vec<Binding> = actions.iter().map(|&k| action_binding(k, matrix)).collect();
    if rollouts {
        acts.push(("x", "dismiss the rollout lines"));
    }
    if !acts.is_empty() {
        out.push(("Actions", acts));
    }
    out.push(("Everywhere", global));
    out
}
