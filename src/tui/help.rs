//! The keymap, as the `?` overlay lists it: global keys and the keys of the current view.

use super::view::View;

/// (keys, what they do).
pub type Binding = (&'static str, &'static str);

pub const GLOBAL: &[Binding] = &[
    ("j/k ↑/↓", "move"),
    ("PgUp/PgDn ^b/^f", "page up / down"),
    ("g/G Home/End", "first / last"),
    ("/", "fuzzy filter (Enter keeps, Esc clears)"),
    (
        ":",
        "command (Tab completes): :pods [ctx[/ns]] :wl :ns :nodes :ctx :rs :q",
    ),
    ("< / >", "sort by previous / next column"),
    ("!", "reverse sort"),
    ("Esc", "clear filter, else go back"),
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
];

const MATRIX: &[Binding] = &[
    ("h/l ←/→", "move between environments"),
    ("Enter", "the workload(s) of the cell"),
    (
        "≠",
        "versions differ between environments (magenta: the odd ones)",
    ),
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

/// The bindings of one view, its own first, then the global ones.
pub fn bindings(view: &View, yaml: bool) -> Vec<(&'static str, Vec<Binding>)> {
    if yaml {
        return vec![("YAML", YAML.to_vec())];
    }
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
    vec![(title, own.to_vec()), ("Everywhere", global)]
}
