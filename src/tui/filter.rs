//! The `/` filter: fuzzy matching (skim's algorithm) of a pattern against each row's text,
//! keeping the display order and the matched character positions for highlighting.

use super::table::Table;
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// Rows that pass the filter, in display order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filtered {
    /// Indices into the table's rows.
    pub rows: Vec<u32>,
    /// Per kept row, the matched char positions in [`Table::filter_text`] (empty without a
    /// pattern).
    pub matches: Vec<Box<[u32]>>,
}

/// Keep the rows of `order` that match `pattern` (all of them when it is empty). A row
/// matches when one of its cells fuzzy-matches the whole pattern (so `cart` does not match
/// `checkout-api … Running … healthy` through scattered letters); a pattern with a space may
/// also match across cells (`prod cart`). Every matching cell is highlighted.
pub fn apply(table: &Table, order: &[u32], pattern: &str) -> Filtered {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return Filtered {
            rows: order.to_vec(),
            matches: vec![],
        };
    }
    let matcher = SkimMatcherV2::default().smart_case();
    let across = pattern.contains(' ');
    let mut out = Filtered::default();
    for &i in order {
        let Some(row) = table.rows.get(i as usize) else {
            continue;
        };
        let mut hits: Vec<u32> = vec![];
        let mut start = 0usize;
        for cell in &row.cells {
            if let Some((_, idx)) = matcher.fuzzy_indices(&cell.text, pattern) {
                hits.extend(idx.into_iter().map(|x| (start + x) as u32));
            }
            start += cell.text.chars().count() + 1;
        }
        if hits.is_empty() && across {
            let (text, _) = Table::filter_text(row);
            if let Some((_, idx)) = matcher.fuzzy_indices(&text, pattern) {
                hits.extend(idx.into_iter().map(|x| x as u32));
            }
        }
        if !hits.is_empty() {
            out.rows.push(i);
            out.matches.push(hits.into_boxed_slice());
        }
    }
    out
}

/// Char positions matched inside cell `cell` of a row (relative to the cell's start).
pub fn cell_matches(matches: &[u32], starts: &[usize], cell: usize, len: usize) -> Vec<usize> {
    let Some(&start) = starts.get(cell) else {
        return vec![];
    };
    matches
        .iter()
        .map(|&m| m as usize)
        .filter(|&m| m >= start && m < start + len)
        .map(|m| m - start)
        .collect()
}
