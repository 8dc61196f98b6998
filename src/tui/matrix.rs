//! The running-service matrix: rows are services, columns are environments, each cell the
//! service's version and readiness there; version drift between environments is flagged
//! (`≠`), and so is one image tag running with different digests (`@`).

use super::table::{Cell, ColKind, Column, Row, Table, Tone};
use super::view::RowKey;
use crate::catalog::{Catalog, Health};
use std::sync::Arc;

/// Column of the drift mark.
pub const MARK_COL: usize = 0;
/// Column of the service name; environments follow.
pub const SERVICE_COL: usize = 1;
/// The mark of a service whose versions differ between environments.
pub const DRIFT_MARK: &str = "≠";
/// The mark of a service running one image reference with different digests (the same tag,
/// pulled at different times or re-pushed); after the drift mark when both apply.
pub const DIGEST_MARK: &str = "@";

/// The matrix table and its environments (column `SERVICE_COL + 1 + i` is environment `i`).
pub fn build(cat: &Catalog) -> (Table, Vec<Arc<str>>) {
    let envs = cat.environments();
    let mut columns = vec![
        Column::new(" ", ColKind::Text, 0),
        Column::new("SERVICE", ColKind::Text, 0),
    ];
    columns[MARK_COL].min = 1;
    for e in &envs {
        columns.push(Column::new(e.to_string(), ColKind::Text, 1));
    }
    if levels(cat).is_some() {
        columns.push(Column::new("SCORE", ColKind::Text, 2));
    }
    let rows = cat
        .services()
        .into_iter()
        .filter_map(|svc| row(cat, &envs, svc))
        .collect();
    let mut t = Table { columns, rows };
    t.measure();
    (t, envs)
}

/// The row of service `svc` (None when it runs in none of `envs`, the catalog's
/// environments).
pub fn row(cat: &Catalog, envs: &[Arc<str>], svc: Arc<str>) -> Option<Row> {
    let running: Vec<_> = envs.iter().map(|e| cat.running_service(&svc, e)).collect();
    if running.iter().all(Option::is_none) {
        return None;
    }
    let versions: Vec<Option<String>> = running
        .iter()
        .map(|r| r.as_ref().map(|r| r.versions.join(",")))
        .collect();
    let baseline = baseline(&versions);
    let drift = versions
        .iter()
        .flatten()
        .any(|v| Some(v) != baseline.as_ref());
    let mut health = Health::Unknown;
    let digest = crate::catalog::diff::same_tag_other_digest(cat, &svc, envs);
    let mark = match (drift, digest) {
        (true, true) => format!("{DRIFT_MARK}{DIGEST_MARK}"),
        (true, false) => DRIFT_MARK.to_string(),
        (false, true) => DIGEST_MARK.to_string(),
        (false, false) => String::new(),
    };
    let mut cells = vec![
        if mark.is_empty() {
            Cell::text("")
        } else {
            Cell::text(mark).tone(Tone::Drift(Health::Unknown))
        },
        Cell::text(&*svc),
    ];
    // Lock and TTL badges as of the build (rows are rebuilt on every change).
    let now = jiff::Timestamp::now().as_second();
    for (rs, v) in running.iter().zip(&versions) {
        cells.push(match (rs, v) {
            (Some(rs), Some(v)) => {
                health = health.worst(rs.health);
                let badges = super::governed::badges(cat, rs, now);
                let text = if v.is_empty() {
                    format!("{}/{}{badges}", rs.ready, rs.desired)
                } else {
                    format!("{v} {}/{}{badges}", rs.ready, rs.desired)
                };
                let tone = if drift && Some(v) != baseline.as_ref() {
                    Tone::Drift(rs.health)
                } else {
                    Tone::Health(rs.health)
                };
                Cell {
                    text: text.into(),
                    num: Some(rs.ready),
                    tone,
                }
            }
            _ => Cell::dim("-"),
        });
    }
    if let Some(n) = levels(cat) {
        let scores: Vec<_> = running
            .iter()
            .flatten()
            .filter_map(|rs| crate::score::of_running(cat, rs))
            .collect();
        cells.push(
            crate::score::worst(&scores)
                .map_or_else(|| Cell::dim("-"), |s| super::score::of_service(s, n)),
        );
    }
    Some(Row {
        key: RowKey::Service(svc),
        cells,
        health,
    })
}

/// How many levels the workloads' scorecard has (None: no scorecard, no SCORE column; the
/// column follows the environments, so theirs keep their places).
fn levels(cat: &Catalog) -> Option<usize> {
    let wl = cat.workload_blueprint()?;
    cat.blueprint(wl).scorecard.as_ref().map(|c| c.levels.len())
}

/// The service of a matrix row.
pub fn service(row: &Row) -> Option<&Arc<str>> {
    match &row.key {
        RowKey::Service(s) => Some(s),
        _ => None,
    }
}

/// The version most environments run; on a tie, the one of the rightmost environment (the
/// production end of the pipeline) wins.
fn baseline(versions: &[Option<String>]) -> Option<String> {
    let mut best: Option<(&String, usize)> = None;
    for v in versions.iter().flatten() {
        let n = versions.iter().flatten().filter(|o| *o == v).count();
        if best.is_none_or(|(_, bn)| n >= bn) {
            best = Some((v, n));
        }
    }
    best.map(|(v, _)| v.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: &[Option<&str>]) -> Vec<Option<String>> {
        x.iter().map(|o| o.map(str::to_string)).collect()
    }

    #[test]
    fn baseline_is_the_majority_then_the_rightmost() {
        assert_eq!(
            baseline(&v(&[Some("2"), Some("1"), Some("1")])).as_deref(),
            Some("1")
        );
        assert_eq!(
            baseline(&v(&[Some("3"), Some("2"), Some("1")])).as_deref(),
            Some("1")
        );
        assert_eq!(baseline(&v(&[Some("2"), None, None])).as_deref(), Some("2"));
        assert_eq!(baseline(&v(&[None])), None);
    }
}
