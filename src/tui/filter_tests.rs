//! The filter against the per-cell match and skim: byte masks, encoded text, and patterns
//! typed one char at a time.

use super::*;
use crate::catalog::{ClusterId, Health};
use crate::tui::table::Cell;
use crate::tui::view::RowKey;

fn row(cells: &[&str]) -> Row {
    Row {
        key: RowKey::Cluster(ClusterId(0)),
        cells: cells.iter().map(|c| Cell::text(*c)).collect(),
        health: Health::Unknown,
    }
}

/// A table of these rows, their encoded text, and every row index in order.
fn table_of(cells: &[[&str; 3]]) -> (Table, Texts, Vec<u32>) {
    let table = Table {
        columns: vec![],
        rows: cells.iter().map(|c| row(c)).collect(),
    };
    let texts = Texts::build(&table.rows);
    let all = (0..table.rows.len() as u32).collect();
    (table, texts, all)
}

/// The prefilter accepts exactly what skim accepts.
#[test]
fn pattern_agrees_with_skim() {
    let rows = [
        row(&["cart-7d9f", "Running", "prod"]),
        row(&["checkout-api", "Running", "healthy"]),
        row(&["Cart", "straße", "ünïcode"]),
        row(&["", "a", "", "b c", "ab"]),
    ];
    for pat in [
        "cart",
        "Cart",
        "CART",
        "crt",
        "prod cart",
        "rn",
        "ße",
        "üc",
        "x",
        "t R",
        "a b",
        "ab c",
        "a  b",
        "bc",
    ] {
        let h = Highlighter::new(pat);
        for r in &rows {
            let p = Pattern::new(pat);
            if let Some(m) = p.matches_text(Texts::build(std::slice::from_ref(r)).get(0)) {
                assert_eq!(m, p.matches(r), "text of {pat} on {:?}", r.cells);
            }
            assert_eq!(
                Pattern::new(pat).matches(r),
                !h.positions(r).is_empty(),
                "{pat} on {:?}",
                Table::filter_text(r).0
            );
        }
    }
}

/// The encoded-text match agrees with the per-cell one on every small row and pattern
/// over a few letters of both cases, a space, a dash and a non-ASCII char.
#[test]
fn text_matching_agrees_with_cell_matching_everywhere_small() {
    let alphabet = ["a", "A", "b", " ", "-", "é"];
    let mut cells: Vec<String> = vec![String::new()];
    for _ in 0..3 {
        let more: Vec<String> = cells
            .iter()
            .flat_map(|c| alphabet.iter().map(move |x| format!("{c}{x}")))
            .collect();
        cells.extend(more);
    }
    cells.sort();
    cells.dedup();
    let patterns: Vec<String> = cells
        .iter()
        .filter(|c| c.is_ascii() && c.chars().count() <= 3)
        .cloned()
        .collect();
    let rows: Vec<Row> = cells
        .iter()
        .step_by(7)
        .zip(cells.iter().skip(3).step_by(11))
        .map(|(a, b)| row(&[a, b, "x"]))
        .collect();
    let texts = Texts::build(&rows);
    for p in &patterns {
        let pat = Pattern::new(p);
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(
                pat.matches_text(texts.get(i)),
                Some(pat.matches(r)),
                "{p:?} on {:?}",
                r.cells
            );
        }
    }
}

/// Typing a pattern one char at a time, each keystroke narrowing the last one's rows and
/// resuming each match where it ended, keeps exactly the rows a fresh filter keeps: over
/// every pattern of up to four chars from a small alphabet (both cases, a space, the
/// separator's neighbours), on rows where a prefix's match ends in a cell that cannot hold
/// the rest while a later cell holds it all.
#[test]
fn narrowing_keystroke_by_keystroke_keeps_what_a_fresh_filter_keeps() {
    let (table, texts, all) = table_of(&[
        ["ab", "aab", "b"],
        ["a", "ba", "ab a"],
        ["b a", "", "Ab"],
        ["aba", "bab", "AB"],
        ["a-b", "b a b", "-"],
        ["é", "a b", "ba"],
    ]);
    let alphabet = ['a', 'b', 'A', ' ', '-'];
    let mut patterns = vec![String::new()];
    for _ in 0..4 {
        patterns = patterns
            .iter()
            .flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}")))
            .collect();
        for p in &patterns {
            let mut typed = String::new();
            let mut shown = apply_with(&table, &texts, &all, "");
            for c in p.chars() {
                let old = typed.clone();
                typed.push(c);
                shown = if narrows(&old, &typed) {
                    narrow_with(&table, &texts, &shown, old.trim(), typed.trim())
                } else {
                    apply_with(&table, &texts, &all, &typed)
                };
                let fresh = apply(&table, &all, &typed);
                assert_eq!(shown.rows(), fresh.rows(), "{typed:?} typed one by one");
                assert_eq!(
                    shown.ends.len(),
                    shown.rows().len(),
                    "{typed:?}: where matches end"
                );
            }
        }
    }
    // Rows changed in place forget where their matches ended: the next keystroke reads
    // them from the start.
    let mut f = apply_with(&table, &texts, &all, "a");
    f.rows_mut().retain(|&i| i != 0);
    assert!(f.ends.is_empty());
    let g = narrow_with(&table, &texts, &f, "a", "ab");
    assert_eq!(g.rows(), &apply(&table, &all, "ab").rows()[1..]);
}

/// The byte masks only pass over rows that cannot match: filtering through the rows'
/// text (masks first) keeps exactly the rows the per-cell match keeps.
#[test]
fn masks_never_drop_a_matching_row() {
    let (table, texts, all) = table_of(&[
        ["cart-7d9f", "Running", "prod"],
        ["checkout-api", "CrashLoopBackOff", "healthy"],
        ["Cart", "straße", "ünïcode"],
        ["10.0.4.2", "node-042", "1.4.2"],
        ["svc-00421-x", "team-03", "Pending"],
    ]);
    for pat in [
        "cart",
        "CART",
        "Crash",
        "crashloop",
        "1.4.2",
        "node-042",
        "svc-00421",
        "team-03 svc",
        "prod cart",
        "t R",
        "ße",
        "zz",
        "-",
        "0",
        "h p",
        "api he",
    ] {
        assert_eq!(
            apply_with(&table, &texts, &all, pat),
            apply(&table, &all, pat),
            "{pat}"
        );
    }
}

#[test]
fn narrowing_only_when_no_new_cross_cell_matches() {
    assert!(narrows("car", "cart"));
    assert!(narrows("", "a b"));
    assert!(narrows("a b", "a bc"));
    assert!(!narrows("prod", "prod c"));
    assert!(!narrows("cart", "car"));
}
