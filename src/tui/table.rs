//! The table model every list-like view projects to: columns, rows of cells, and the sort and
//! width rules the renderer and the filter use.

use super::format;
use super::view::RowKey;
use crate::catalog::Health;
use std::cmp::Ordering;

/// How a column's cells are compared and drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColKind {
    Text,
    /// Right-aligned, compared by `Cell::num`.
    Num,
    /// `ready/desired`, compared by `Cell::num` (the first number).
    Ratio,
    /// `Cell::num` is a creation time; the text is computed when drawn.
    Age,
    /// `Cell::num` is a deadline (a lock's `until`, a TTL's expiry); the text is computed when
    /// drawn ([`format::deadline`]); without a deadline the cell's own text.
    Deadline,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub title: String,
    pub kind: ColKind,
    /// Dropped first when the terminal is narrow: higher numbers go first; 0 is never dropped.
    pub priority: u8,
    /// Widest cell (or title), capped; computed by [`Table::measure`].
    pub width: usize,
    /// Smallest width this column may be squeezed to.
    pub min: usize,
}

impl Column {
    pub fn new(title: impl Into<String>, kind: ColKind, priority: u8) -> Column {
        let title = title.into();
        let min = match kind {
            ColKind::Text => format::width(&title).clamp(4, 10),
            _ => format::width(&title),
        };
        Column {
            title,
            kind,
            priority,
            width: 0,
            min,
        }
    }
    pub fn right_aligned(&self) -> bool {
        matches!(self.kind, ColKind::Num | ColKind::Ratio | ColKind::Age)
    }
}

/// Colour hint of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Tone {
    #[default]
    Plain,
    Health(Health),
    /// A version differing between environments.
    Drift(Health),
    /// Absent or placeholder data.
    Dim,
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Cell {
    pub text: Box<str>,
    /// Sort value for numeric, ratio and age columns.
    pub num: Option<i64>,
    pub tone: Tone,
}

impl Cell {
    pub fn text(s: impl Into<Box<str>>) -> Cell {
        Cell {
            text: s.into(),
            ..Default::default()
        }
    }
    pub fn num(n: i64) -> Cell {
        Cell {
            text: n.to_string().into(),
            num: Some(n),
            tone: Tone::Plain,
        }
    }
    pub fn ratio(a: i64, b: i64) -> Cell {
        Cell {
            text: format!("{a}/{b}").into(),
            num: Some(a),
            tone: Tone::Plain,
        }
    }
    pub fn age(created: i64) -> Cell {
        Cell {
            text: "".into(),
            num: Some(created),
            tone: Tone::Plain,
        }
    }
    pub fn dim(s: impl Into<Box<str>>) -> Cell {
        Cell {
            text: s.into(),
            num: None,
            tone: Tone::Dim,
        }
    }
    pub fn tone(mut self, tone: Tone) -> Cell {
        self.tone = tone;
        self
    }
}

/// The width a deadline cell needs when drawn (`expired 10d ago`, `locked alice 4h`); 0 when
/// empty.
fn deadline_width(c: &Cell) -> usize {
    match (c.num, format::width(&c.text)) {
        (Some(_), 0) => 15,
        (Some(_), w) => (w + 4).max(12),
        (None, w) => w,
    }
}

/// One row: what it stands for, its cells (aligned with the columns), its overall health.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Row {
    pub key: RowKey,
    pub cells: Vec<Cell>,
    pub health: Health,
}

/// A projected table, rows in natural order (cluster, namespace, name).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

/// Sort order chosen by the user: a column index and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    pub column: usize,
    pub reverse: bool,
}

impl Table {
    /// Compute each column's width from its title and cells (capped at 48).
    pub fn measure(&mut self) {
        for (i, c) in self.columns.iter_mut().enumerate() {
            let cells = self
                .rows
                .iter()
                .filter_map(|r| r.cells.get(i))
                .map(|c| format::width(&c.text));
            let w = match c.kind {
                ColKind::Age => 4,
                ColKind::Deadline => {
                    // Hidden (width 0) while no row has a lock or TTL.
                    let w = self
                        .rows
                        .iter()
                        .filter_map(|r| r.cells.get(i))
                        .map(deadline_width)
                        .max()
                        .unwrap_or(0);
                    if w == 0 {
                        c.width = 0;
                        c.min = 0;
                        continue;
                    }
                    w
                }
                _ => cells.max().unwrap_or(0),
            };
            c.width = w.max(format::width(&c.title)).clamp(1, 48);
            c.min = c
                .min
                .min(c.width)
                .max(usize::from(c.kind == ColKind::Deadline) * 4);
        }
    }

    /// Compare two rows by a column (natural order breaks ties through the caller's stable sort).
    pub fn compare(&self, a: &Row, b: &Row, col: usize) -> Ordering {
        let (Some(x), Some(y)) = (a.cells.get(col), b.cells.get(col)) else {
            return Ordering::Equal;
        };
        match self.columns.get(col).map(|c| c.kind) {
            // Age ascending = youngest first = latest creation first.
            Some(ColKind::Age) => y.num.unwrap_or(0).cmp(&x.num.unwrap_or(0)),
            Some(ColKind::Num | ColKind::Ratio) => {
                x.num.cmp(&y.num).then_with(|| x.text.cmp(&y.text))
            }
            _ => x.text.cmp(&y.text),
        }
    }

    /// Row indices in display order for `sort` (ties keep natural order).
    pub fn order(&self, sort: Option<Sort>) -> Vec<u32> {
        let mut idx: Vec<u32> = (0..self.rows.len() as u32).collect();
        if sort.is_some_and(|s| s.column < self.columns.len()) {
            idx.sort_by(|&a, &b| self.order_cmp(sort, a, b));
        }
        idx
    }

    /// Display order of two row indices under `sort`: the column, then natural order (the
    /// rows are kept in natural order, so the index breaks ties). A total order, so rows can
    /// be merged into a sorted order by binary search.
    pub fn order_cmp(&self, sort: Option<Sort>, a: u32, b: u32) -> Ordering {
        let by_col = match sort.filter(|s| s.column < self.columns.len()) {
            Some(s) => {
                let o = self.compare(&self.rows[a as usize], &self.rows[b as usize], s.column);
                if s.reverse { o.reverse() } else { o }
            }
            None => Ordering::Equal,
        };
        by_col.then(a.cmp(&b))
    }

    /// Widen columns to fit `rows` (widths only grow between full measures).
    pub fn widen(&mut self, rows: &[u32]) {
        for (i, c) in self.columns.iter_mut().enumerate() {
            if c.kind == ColKind::Age {
                continue;
            }
            for &r in rows {
                if let Some(cell) = self.rows.get(r as usize).and_then(|r| r.cells.get(i)) {
                    let w = match c.kind {
                        ColKind::Deadline if deadline_width(cell) == 0 => continue,
                        ColKind::Deadline => deadline_width(cell).max(format::width(&c.title)),
                        _ => format::width(&cell.text),
                    };
                    c.width = c.width.max(w.min(48));
                }
            }
        }
    }

    /// The text the fuzzy filter matches a row against: its cells joined by one space, and
    /// where each cell starts in it (in chars).
    pub fn filter_text(row: &Row) -> (String, Vec<usize>) {
        let mut s = String::new();
        let mut starts = Vec::with_capacity(row.cells.len());
        let mut n = 0;
        for (i, c) in row.cells.iter().enumerate() {
            if i > 0 {
                s.push(' ');
                n += 1;
            }
            starts.push(n);
            s.push_str(&c.text);
            n += c.text.chars().count();
        }
        (s, starts)
    }

    /// Which columns fit in `width` (indices, in order) and how wide each is drawn. Optional
    /// columns (priority 4 and up) are dropped, least important first, until the rest fit at
    /// full width; then any column but NAME-like ones (priority 0) until the minimum widths
    /// fit; then the widest columns are squeezed.
    pub fn fit(&self, width: usize) -> Vec<(usize, usize)> {
        const GAP: usize = 2;
        // Width 0: a deadline column no row fills (see `measure`).
        let mut keep: Vec<usize> = (0..self.columns.len())
            .filter(|&i| self.columns[i].width > 0)
            .collect();
        let need = |keep: &[usize], f: &dyn Fn(&Column) -> usize| -> usize {
            keep.iter().map(|&i| f(&self.columns[i])).sum::<usize>()
                + GAP * keep.len().saturating_sub(1)
        };
        let drop_one = |keep: &mut Vec<usize>, min_priority: u8| -> bool {
            let pos = keep
                .iter()
                .enumerate()
                .filter(|(_, i)| self.columns[**i].priority >= min_priority.max(1))
                .max_by_key(|(p, i)| (self.columns[**i].priority, *p))
                .map(|(p, _)| p);
            match pos {
                Some(p) => {
                    keep.remove(p);
                    true
                }
                None => false,
            }
        };
        while need(&keep, &|c| c.width) > width && drop_one(&mut keep, 4) {}
        while keep.len() > 1 && need(&keep, &|c| c.min) > width && drop_one(&mut keep, 1) {}
        let mut widths: Vec<usize> = keep.iter().map(|&i| self.columns[i].width).collect();
        loop {
            let total: usize = widths.iter().sum::<usize>() + GAP * widths.len().saturating_sub(1);
            if total <= width {
                break;
            }
            let Some(j) = (0..keep.len())
                .filter(|&j| widths[j] > self.columns[keep[j]].min)
                .max_by_key(|&j| (widths[j], usize::MAX - j))
            else {
                break;
            };
            widths[j] -= 1;
        }
        keep.into_iter().zip(widths).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ClusterId;

    fn table() -> Table {
        let mut t = Table {
            columns: vec![
                Column::new("NAME", ColKind::Text, 0),
                Column::new("RESTARTS", ColKind::Num, 3),
                Column::new("IMAGES", ColKind::Text, 6),
            ],
            rows: vec![],
        };
        for (i, (n, r)) in [("b", 3), ("a", 10), ("c", 1)].iter().enumerate() {
            t.rows.push(Row {
                key: RowKey::Cluster(ClusterId(i as u16)),
                cells: vec![
                    Cell::text(*n),
                    Cell::num(*r),
                    Cell::text("registry.example/some/long/image:1.0"),
                ],
                health: Health::Unknown,
            });
        }
        t.measure();
        t
    }

    #[test]
    fn sorts_numbers_numerically_and_reverses() {
        let t = table();
        assert_eq!(t.order(None), vec![0, 1, 2]);
        assert_eq!(
            t.order(Some(Sort {
                column: 0,
                reverse: false
            })),
            vec![1, 0, 2]
        );
        assert_eq!(
            t.order(Some(Sort {
                column: 1,
                reverse: false
            })),
            vec![2, 0, 1]
        );
        assert_eq!(
            t.order(Some(Sort {
                column: 1,
                reverse: true
            })),
            vec![1, 0, 2]
        );
    }

    #[test]
    fn fit_drops_low_priority_columns_then_shrinks() {
        let t = table();
        let all = t.fit(200);
        assert_eq!(all.len(), 3);
        // IMAGES (optional) goes before anything is squeezed.
        let narrow = t.fit(14);
        assert_eq!(narrow, vec![(0, 4), (1, 8)]);
        let tiny = t.fit(3);
        assert_eq!(tiny.iter().map(|c| c.0).collect::<Vec<_>>(), vec![0]);
    }

    #[test]
    fn filter_text_offsets() {
        let t = table();
        let (s, starts) = Table::filter_text(&t.rows[1]);
        assert!(s.starts_with("a 10 registry"));
        assert_eq!(&starts[..2], &[0, 2]);
    }
}
