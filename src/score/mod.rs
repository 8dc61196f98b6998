//! Scores of catalog entities: a blueprint's scorecard evaluated on one entity in its
//! environment, and a running service's score — its workloads' worst level, with every check
//! that failed on any of them. Pure reads of the catalog; the TUI, `get` and `export` show them.

use crate::blueprint::Record;
use crate::blueprint::scorecard::{CheckResult, Score, Tally};
use crate::catalog::{Catalog, ClusterId, EntityRef, RunningService};
use serde::Serialize;

/// The score of `r` (read from `cluster`), when its blueprint has a scorecard.
pub fn of_record(cat: &Catalog, cluster: ClusterId, r: &Record) -> Option<Score> {
    let bp = cat.blueprint(r.blueprint);
    let card = bp.scorecard.as_ref()?;
    let env = cat.environment_of(cluster, r.namespace.as_deref());
    Some(card.evaluate(r, env, |p| bp.reads(r.source, p)))
}

/// [`of_record`] without the per-check results (a SCORE cell).
pub fn tally_of_record(cat: &Catalog, cluster: ClusterId, r: &Record) -> Option<Tally> {
    let bp = cat.blueprint(r.blueprint);
    let card = bp.scorecard.as_ref()?;
    let env = cat.environment_of(cluster, r.namespace.as_deref());
    Some(card.tally(r, env, |p| bp.reads(r.source, p)))
}

/// [`of_running`] without the failing checks, over a running service's workloads: the lowest
/// rank, checks passed and applied summed.
pub fn tally_of_running(cat: &Catalog, workloads: &[EntityRef]) -> Option<Tally> {
    let mut out: Option<Tally> = None;
    for e in workloads {
        let Some(s) = cat.get(e).and_then(|r| tally_of_record(cat, e.cluster, r)) else {
            continue;
        };
        let o = out.get_or_insert(Tally {
            rank: s.rank,
            passed: 0,
            total: 0,
        });
        o.rank = o.rank.min(s.rank);
        o.passed += s.passed;
        o.total += s.total;
    }
    out
}

/// A running service's score: the lowest level of its workloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceScore {
    pub level: String,
    #[serde(skip)]
    pub rank: usize,
    /// Checks passed and applied, summed over the workloads.
    pub passed: usize,
    pub total: usize,
    /// The checks that failed, each with the workload (`cluster/namespace/name`) it failed on.
    pub failing: Vec<Failing>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failing {
    pub workload: String,
    #[serde(flatten)]
    pub check: CheckResult,
}

impl ServiceScore {
    /// `Bronze 7/10`.
    pub fn label(&self) -> String {
        format!("{} {}/{}", self.level, self.passed, self.total)
    }
}

/// The score of a running service (None when its workloads have no scorecard).
pub fn of_running(cat: &Catalog, rs: &RunningService) -> Option<ServiceScore> {
    let mut out: Option<ServiceScore> = None;
    for (e, m) in rs.workloads.iter().zip(&rs.members) {
        let Some(r) = cat.get(e) else { continue };
        let Some(s) = of_record(cat, e.cluster, r) else {
            continue;
        };
        let o = out.get_or_insert_with(|| ServiceScore {
            level: s.level.clone(),
            rank: s.rank,
            passed: 0,
            total: 0,
            failing: vec![],
        });
        if s.rank < o.rank {
            o.rank = s.rank;
            o.level = s.level.clone();
        }
        o.passed += s.passed;
        o.total += s.total;
        let workload = format!("{}/{}/{}", m.cluster, m.namespace, m.name);
        o.failing.extend(s.failing().map(|c| Failing {
            workload: workload.clone(),
            check: c.clone(),
        }));
    }
    out
}

/// The lowest score over several running services (the matrix's SCORE column: a service's
/// worst environment).
pub fn worst<'a>(scores: impl IntoIterator<Item = &'a ServiceScore>) -> Option<&'a ServiceScore> {
    scores.into_iter().min_by_key(|s| s.rank)
}
