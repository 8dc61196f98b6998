//! The metric columns of a table: CPU, MEM and the percentages (`%CPU/R %CPU/L %MEM/R %MEM/L`
//! for pods, workloads and the matrix's running services, `%CPU %MEM` of allocatable for
//! nodes), appended after the columns the catalog projects. They are filled in place when a
//! result arrives and for the rows the catalog's journal re-projected, so a new sample never
//! rebuilds the list; sorting by a metric column re-sorts when the values move. Optional
//! columns: dropped on narrow terminals like the other optional columns (priority 4 to 6).

use super::{Metrics, Reading, Shown, level_tone, why_tone};
use crate::catalog::Catalog;
use crate::metrics::resources::{self, Measured};
use crate::tui::filter;
pub use crate::tui::metric_columns::Decor;
use crate::tui::page::Page;
use crate::tui::table::{Cell, ColKind, Column, Row, Table};
use crate::tui::view::{RowKey, View};
use std::sync::Arc;

/// The metric columns' titles and priorities for what is shown (`env`: the matrix's
/// environment under the cursor).
pub fn titles(shown: Shown, env: Option<&str>) -> Vec<(String, u8)> {
    let mut v: Vec<(String, u8)> = match shown {
        // The node list has the blueprint's capacity columns CPU and MEMORY already.
        Shown::Nodes => vec![
            ("CPU USED".into(), 4),
            ("MEM USED".into(), 4),
            ("%CPU".into(), 5),
            ("%MEM".into(), 5),
        ],
        _ => vec![
            ("CPU".into(), 4),
            ("MEM".into(), 4),
            ("%CPU/R".into(), 5),
            ("%CPU/L".into(), 6),
            ("%MEM/R".into(), 6),
            ("%MEM/L".into(), 5),
        ],
    };
    if let Some(env) = env {
        v[0].0 = format!("CPU({env})");
    }
    v
}

/// A percentage cell: the number, toned by its level; `n/a` without a request or limit.
pub fn percent_cell(used: u64, of: u64) -> Cell {
    match resources::percent(used, of) {
        Some(p) => Cell::num(p as i64).tone(level_tone(resources::level(p))),
        None => Cell::dim("n/a"),
    }
}

/// The metric cells of one reading (`n` columns).
pub fn cells(reading: &Reading<'_>, shown: Shown, n: usize) -> Vec<Cell> {
    let mut out = match reading {
        Reading::Value(Measured {
            usage, resources, ..
        }) => {
            let mut v = vec![
                Cell {
                    text: usage.cpu_text().into(),
                    num: Some(usage.millicores as i64),
                    tone: Default::default(),
                },
                Cell {
                    text: usage.memory_text().into(),
                    num: Some(usage.bytes as i64),
                    tone: Default::default(),
                },
            ];
            if shown == Shown::Nodes {
                v.push(percent_cell(usage.millicores, resources.cpu_request));
                v.push(percent_cell(usage.bytes, resources.memory_request));
            } else {
                v.push(percent_cell(usage.millicores, resources.cpu_request));
                v.push(percent_cell(usage.millicores, resources.cpu_limit));
                v.push(percent_cell(usage.bytes, resources.memory_request));
                v.push(percent_cell(usage.bytes, resources.memory_limit));
            }
            v
        }
        Reading::Why(why) => vec![Cell::text(why.to_string()).tone(why_tone(why))],
        Reading::Missing => vec![Cell::dim("-"), Cell::dim("-")],
        Reading::Pending => vec![],
    };
    out.resize(n, Cell::dim(""));
    out
}

/// Fill one row's metric cells; true when they changed.
fn fill(
    m: &Metrics,
    cat: &Catalog,
    shown: Shown,
    env: Option<&Arc<str>>,
    row: &mut Row,
    base: usize,
    n: usize,
) -> bool {
    let reading = match (&row.key, env) {
        (RowKey::Entity(e), _) => m.entity(cat, e),
        (RowKey::Service(s), Some(env)) => m.running(cat, s, env),
        _ => Reading::Pending,
    };
    let new = cells(&reading, shown, n);
    if row.cells.get(base..) == Some(&new[..]) {
        return false;
    }
    row.cells.truncate(base);
    row.cells.extend(new);
    true
}

/// Fill the metric columns of the page's table where needed; true when anything changed.
pub fn decorate(m: &Metrics, page: &mut Page, cat: &Catalog) -> bool {
    let (shown, env) = match &page.view {
        View::List { bp, .. } => match super::shown(cat, *bp) {
            Some(s) => (s, None),
            None => return false,
        },
        View::Matrix => (Shown::Matrix, page.cache.envs.get(page.column).cloned()),
        _ => return false,
    };
    let want = titles(shown, env.as_deref());
    let c = &mut page.cache;
    let t: &mut Table = &mut c.table;
    let d = &mut c.metrics;
    let n = want.len();
    let decorated = d.base > 0
        && t.columns.len() == d.base + d.titles.len()
        && t.columns[d.base..]
            .iter()
            .map(|c| &c.title)
            .eq(d.titles.iter());
    let mut full = d.rev != m.rev;
    if !decorated {
        d.base = t.columns.len();
        t.columns.extend(
            want.iter()
                .map(|(title, p)| Column::new(title.clone(), ColKind::Num, *p)),
        );
        full = true;
    } else if d.titles.iter().ne(want.iter().map(|w| &w.0)) {
        for (col, (title, _)) in t.columns[d.base..].iter_mut().zip(&want) {
            col.title = title.clone();
        }
        full = true;
    }
    d.titles = want.into_iter().map(|w| w.0).collect();
    if !full && d.catalog == c.revision {
        return false;
    }
    d.rev = m.rev;
    d.catalog = c.revision;
    let base = d.base;
    let mut filled = vec![];
    for (i, row) in t.rows.iter_mut().enumerate() {
        if (full || row.cells.len() != base + n) && fill(m, cat, shown, env.as_ref(), row, base, n)
        {
            filled.push(i as u32);
        }
    }
    if filled.is_empty() && decorated && !full {
        return false;
    }
    // Widths of the metric columns: measured again on a full fill, widened otherwise.
    for (k, col) in t.columns[base..].iter_mut().enumerate() {
        let widest = |rows: &mut dyn Iterator<Item = &Row>| {
            rows.filter_map(|r| r.cells.get(base + k))
                .map(|c| crate::tui::format::width(&c.text))
                .max()
                .unwrap_or(0)
        };
        let w = if full {
            widest(&mut t.rows.iter())
        } else {
            widest(&mut filled.iter().filter_map(|&i| t.rows.get(i as usize))).max(col.width)
        };
        col.width = w.max(crate::tui::format::width(&col.title)).clamp(1, 48);
        col.min = col.min.min(col.width);
    }
    // Sorted by a metric column: the values moved, so does the order.
    if page.sort.is_some_and(|s| s.column >= base) && !filled.is_empty() {
        c.order = t.order(page.sort);
        c.order_sort = page.sort;
        let pattern = page.filter.trim();
        c.filtered = filter::apply_with(t, &c.texts, &c.order, pattern);
        c.filter_pattern = Some(pattern.to_string());
        if let Some(key) = &page.selected
            && let Some(p) = c
                .filtered
                .rows()
                .iter()
                .position(|&i| t.rows.get(i as usize).is_some_and(|r| &r.key == key))
        {
            page.index = p;
        }
    }
    !filled.is_empty() || !decorated
}
