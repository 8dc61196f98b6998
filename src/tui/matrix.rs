//! The running-service matrix: rows are services, columns are environments, each cell the
//! service's version and readiness there; version drift between environments is flagged
//! (`≠`), and so is one image tag running with different digests (`@`).

use super::table::{Cell, ColKind, Column, Row, Table, Tone};
use super::view::RowKey;
use crate::catalog::{Catalog, ClusterId, Health};
use std::collections::HashMap;
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

/// The service of each workload (cluster, uid) the matrix's rows were built from.
pub type ServiceOf = HashMap<(ClusterId, Box<str>), Arc<str>>;

/// The matrix table and its environments (column `SERVICE_COL + 1 + i` is environment `i`).
pub fn build(cat: &Catalog) -> (Table, Vec<Arc<str>>) {
    let (t, envs, _) = build_all(cat);
    (t, envs)
}

/// [`build`], with the service of each workload the rows were built from.
pub fn build_all(cat: &Catalog) -> (Table, Vec<Arc<str>>, ServiceOf) {
    let envs = cat.environments();
    let ctx = Ctx::new(cat, &envs);
    let mut service_of = ServiceOf::new();
    let rows = cat
        .services()
        .into_iter()
        .filter_map(|svc| ctx.row(cat, svc, Some(&mut service_of)))
        .collect();
    let mut t = Table {
        columns: ctx.columns(),
        rows,
    };
    t.measure();
    (t, envs, service_of)
}

/// The row of service `svc` (None when it runs in none of `envs`, the catalog's
/// environments).
pub fn row(cat: &Catalog, envs: &[Arc<str>], svc: Arc<str>) -> Option<Row> {
    Ctx::new(cat, envs).row(cat, svc, None)
}

/// What every row of one matrix reads besides its own service, resolved once per build
/// rather than per row: the environments, the scorecard's levels, the workloads' lock and TTL
/// properties, the time the badges are read at.
pub struct Ctx<'a> {
    envs: &'a [Arc<str>],
    levels: Option<&'a [String]>,
    governed: (Option<usize>, Option<super::governed::TtlProps>),
    now: i64,
}

impl<'a> Ctx<'a> {
    pub fn new(cat: &'a Catalog, envs: &'a [Arc<str>]) -> Ctx<'a> {
        let wl = cat.workload_blueprint();
        Ctx {
            envs,
            levels: wl.and_then(|w| cat.blueprint(w).scorecard.as_ref().map(|c| &c.levels[..])),
            governed: wl.map_or((None, None), |w| super::governed::columns(cat, w)),
            // Lock and TTL badges as of the build (rows are rebuilt on every change).
            now: jiff::Timestamp::now().as_second(),
        }
    }

    /// The columns: mark, service, one per environment, the score when workloads have a
    /// scorecard.
    pub fn columns(&self) -> Vec<Column> {
        let mut columns = vec![
            Column::new(" ", ColKind::Text, 0),
            Column::new("SERVICE", ColKind::Text, 0),
        ];
        columns[MARK_COL].min = 1;
        for e in self.envs {
            columns.push(Column::new(e.to_string(), ColKind::Text, 1));
        }
        if self.levels.is_some() {
            columns.push(Column::new("SCORE", ColKind::Text, 2));
        }
        columns
    }

    /// The row of service `svc` (None when it runs in none of the environments); its
    /// workloads recorded in `service_of` when given.
    pub fn row(
        &self,
        cat: &Catalog,
        svc: Arc<str>,
        service_of: Option<&mut ServiceOf>,
    ) -> Option<Row> {
        #[cfg(any(test, feature = "test-support"))]
        super::build::count_projected();
        let envs = self.envs;
        let running: Vec<_> = envs.iter().map(|e| cat.running_service(&svc, e)).collect();
        if running.iter().all(Option::is_none) {
            return None;
        }
        if let Some(map) = service_of {
            for w in running.iter().flatten().flat_map(|rs| &rs.workloads) {
                map.insert((w.cluster, w.uid.clone()), svc.clone());
            }
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
        let digest = crate::catalog::diff::digests_differ(
            cat,
            running.iter().flatten().flat_map(|rs| &rs.workloads),
        );
        let mark = match (drift, digest) {
            (true, true) => format!("{DRIFT_MARK}{DIGEST_MARK}"),
            (true, false) => DRIFT_MARK.to_string(),
            (false, true) => DIGEST_MARK.to_string(),
            (false, false) => String::new(),
        };
        let mut cells = Vec::with_capacity(envs.len() + 3);
        cells.push(if mark.is_empty() {
            Cell::text("")
        } else {
            Cell::text(mark).tone(Tone::Drift(Health::Unknown))
        });
        cells.push(Cell::text(&*svc));
        for (rs, v) in running.iter().zip(&versions) {
            cells.push(match (rs, v) {
                (Some(rs), Some(v)) => {
                    health = health.worst(rs.health);
                    let badges = super::governed::badges_with(cat, rs, self.now, self.governed);
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
        if let Some(levels) = self.levels {
            // The worst environment's score (the first of the lowest rank).
            let worst = running
                .iter()
                .flatten()
                .filter_map(|rs| crate::score::tally_of_running(cat, &rs.workloads))
                .fold(
                    None,
                    |w: Option<crate::blueprint::scorecard::Tally>, t| match w {
                        Some(w) if w.rank <= t.rank => Some(w),
                        _ => Some(t),
                    },
                );
            cells
                .push(worst.map_or_else(|| Cell::dim("-"), |t| super::score::of_tally(&t, levels)));
        }
        Some(Row {
            key: RowKey::Service(svc),
            cells,
            health,
        })
    }
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
