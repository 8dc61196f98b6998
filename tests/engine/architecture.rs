//! The shape of the house, checked: every file under src/ readable in one sitting (≤ 600 lines),
//! no import circle between rooms or between the modules of one room, and no Kubernetes kind
//! name in a Rust string literal outside tests (kinds live in blueprints/).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

/// Kinds whose names must come from blueprints, never from Rust literals.
const KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Node",
    "Namespace",
    "Service",
    "ConfigMap",
    "Secret",
    "Ingress",
    "ControllerRevision",
];

struct Source {
    /// Module path below the crate root, e.g. `["tui", "render"]`.
    module: Vec<String>,
    /// The file's text up to its first `#[cfg(test)]` (test modules sit at the end).
    code: String,
    lines: usize,
    path: PathBuf,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&root).expect("under src/");
            let mut module: Vec<String> = rel
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let last = module.last().cloned().unwrap_or_default();
            if matches!(last.as_str(), "mod" | "lib" | "main") {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).expect("source file is UTF-8");
            let code = match text.find("#[cfg(test)]") {
                Some(i) => text[..i].to_string(),
                None => text.clone(),
            };
            // A file that is itself a test module (e.g. `path/tests.rs`) has no product code.
            let code = if last == "tests" { String::new() } else { code };
            // Comments (doc links included) are no dependency: drop them, keep line numbers.
            let code: String = code
                .lines()
                .map(|l| match l.find("//") {
                    Some(i) if !l[..i].contains('"') => &l[..i],
                    _ => l,
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.push(Source {
                module,
                lines: text.lines().count(),
                code,
                path,
            });
        }
    }
    out
}

/// The modules a file refers to through `crate::a::b` and `super::a`, as absolute paths.
fn references(s: &Source) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    let bytes = s.code.as_bytes();
    let ident = |i: usize| {
        let mut j = i;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
            j += 1;
        }
        j
    };
    let mut i = 0;
    while i < bytes.len() {
        if !s.code.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let rest = &s.code[i..];
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if boundary && rest.starts_with("crate::") {
            let mut path = Vec::new();
            let mut k = i + "crate::".len();
            loop {
                let end = ident(k);
                if end == k {
                    break;
                }
                path.push(s.code[k..end].to_string());
                if s.code[end..].starts_with("::") {
                    k = end + 2;
                } else {
                    break;
                }
            }
            out.insert(path);
            i = k.max(i + 1);
        } else if boundary && rest.starts_with("super::") {
            let mut base = s.module.clone();
            let mut k = i;
            // In `a/b.rs` (module a::b) `super` is `a`; in `a/mod.rs` (module a) it is the
            // crate root: either way one component is dropped per `super`.
            while s.code[k..].starts_with("super::") {
                base.pop();
                k += "super::".len();
            }
            let end = ident(k);
            if end > k {
                base.push(s.code[k..end].to_string());
            }
            out.insert(base);
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Groups of modules that reach each other (strongly connected, more than one member).
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for m in graph.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    stack.push(m.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|n| (n, reach(n))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    for (n, r) in &reaches {
        if !r.contains(*n) || out.iter().any(|c| c.contains(n)) {
            continue;
        }
        let comp: Vec<String> = r
            .iter()
            .filter(|m| reaches.get(m).is_some_and(|back| back.contains(*n)))
            .cloned()
            .collect();
        out.push(comp);
    }
    out
}

#[test]
fn every_source_file_under_src_can_be_read_in_one_sitting() {
    let long: Vec<String> = sources()
        .iter()
        .filter(|s| s.lines > MAX_LINES)
        .map(|s| format!("{} ({} lines)", s.path.display(), s.lines))
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:#?}");
}

#[test]
fn no_import_circle_between_rooms_or_between_the_modules_of_a_room() {
    let sources = sources();
    let known: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    // Resolve a referenced path to the longest known module prefix.
    let resolve = |p: &[String]| -> Vec<String> {
        (0..=p.len())
            .rev()
            .map(|n| p[..n].to_vec())
            .find(|m| known.contains(m))
            .unwrap_or_default()
    };
    let mut found = Vec::new();
    // Level 1: rooms (src/<room>); level 2: the modules directly inside each room.
    for depth in 1..=2 {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for s in &sources {
            if s.module.len() < depth {
                continue;
            }
            let from = &s.module[..depth];
            for r in references(s) {
                let to = resolve(&r);
                if to.len() < depth || to[..depth] == *from {
                    continue;
                }
                // At level 2 only edges inside one room count (level 1 covers the rest).
                if depth == 2 && to[0] != from[0] {
                    continue;
                }
                graph
                    .entry(from.join("::"))
                    .or_default()
                    .insert(to[..depth].join("::"));
            }
        }
        found.extend(circles(&graph));
    }
    assert!(found.is_empty(), "import circles: {found:?}");
}

#[test]
fn no_kubernetes_kind_name_is_a_string_literal_in_product_code() {
    let sources = sources();
    // Modules compiled only for tests (declared under a `test-support` cfg) may build objects
    // by kind: they are test fixtures.
    let mut fixtures = BTreeSet::new();
    for s in &sources {
        let lines: Vec<&str> = s.code.lines().map(str::trim).collect();
        for w in lines.windows(2) {
            if w[0].starts_with("#[cfg(")
                && w[0].contains("\"test-support\"")
                && let Some(name) = w[1]
                    .trim_start_matches("pub ")
                    .strip_prefix("mod ")
                    .and_then(|r| r.strip_suffix(';'))
            {
                let mut m = s.module.clone();
                m.push(name.to_string());
                fixtures.insert(m);
            }
        }
    }
    let mut found = Vec::new();
    for s in sources.iter().filter(|s| !fixtures.contains(&s.module)) {
        for (n, line) in s.code.lines().enumerate() {
            // A deliberate exception says why on its line (`// kind-literal: <why>`).
            if line.contains("// kind-literal: ") {
                continue;
            }
            let code = line.split("//").next().unwrap_or_default();
            // A kind used as data: compared, matched or assigned as a kind. (The same word as
            // a label on screen, e.g. a "Namespace" field in a detail view, is not a kind.)
            let as_kind = code.to_ascii_lowercase().contains("kind")
                || ["==", "!=", "matches!", "contains("]
                    .iter()
                    .any(|op| code.contains(op));
            if !as_kind {
                continue;
            }
            for kind in KINDS {
                if code.contains(&format!("\"{kind}\"")) {
                    found.push(format!("{}:{}: {}", s.path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "kind names belong in blueprints/, not Rust: {found:#?}"
    );
}
