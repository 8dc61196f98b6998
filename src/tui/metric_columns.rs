//! Where a table's metric columns start and what they were filled from: kept with the page's
//! rows (src/tui/rows.rs) and read and written only by the metrics feature
//! (src/tui/metrics/cells.rs), in a module of its own so the rows need nothing of that
//! feature.

/// What a table's metric columns were last filled from.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Decor {
    /// The first metric column (0: none).
    pub(crate) base: usize,
    pub(crate) titles: Vec<String>,
    /// The metrics revision and catalog revision the cells were filled at.
    pub(crate) rev: u64,
    pub(crate) catalog: Option<u64>,
}
