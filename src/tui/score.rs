//! The SCORE cells of the workloads list and the running-service matrix: what `crate::score`
//! computed, as table cells.

use super::table::{Cell, Tone};
use crate::blueprint::scorecard::{Score, Tally};
use crate::catalog::Health;
use crate::score::ServiceScore;

/// A score cell: `Silver 4/5`, sorted by level then checks passed; the base level is marked
/// like a degraded health, the top level like a healthy one.
pub fn cell(rank: usize, top: bool, label: String, passed: usize) -> Cell {
    let tone = if rank == 0 {
        Tone::Health(Health::Degraded)
    } else if top {
        Tone::Health(Health::Healthy)
    } else {
        Tone::Plain
    };
    Cell {
        text: label.into(),
        num: Some((rank as i64) * 10_000 + passed as i64),
        tone,
    }
}

/// The cell of one entity's score (`levels`: how many levels its scorecard has).
pub fn of_score(s: &Score, levels: usize) -> Cell {
    cell(s.rank, s.rank + 1 == levels, s.label(), s.passed)
}

/// The cell of a running service's score.
pub fn of_service(s: &ServiceScore, levels: usize) -> Cell {
    cell(s.rank, s.rank + 1 == levels, s.label(), s.passed)
}

/// The cell of a tally (the same as [`of_score`] / [`of_service`] of the full score), under
/// its scorecard's `levels`.
pub fn of_tally(t: &Tally, levels: &[String]) -> Cell {
    let level = levels.get(t.rank).map_or("", String::as_str);
    cell(
        t.rank,
        t.rank + 1 == levels.len(),
        format!("{level} {}/{}", t.passed, t.total),
        t.passed,
    )
}
