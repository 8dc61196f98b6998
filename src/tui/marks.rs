//! Aggregation columns and detail fields (a blueprint's `aggregations:`): a pod's Warning
//! mark (`⚠ 2`, warning tone, nothing when there is none), a workload's autoscaler
//! (`2–10 (3)`). The values are computed by the catalog when a row is projected; the
//! catalog's journal touches the row's entity whenever they move, so lists stay patchable.

use super::table::{Cell, ColKind, Column, Tone};
use crate::blueprint::{BlueprintSpec, Record, aggregate::column_slots};
use crate::catalog::{Aggregate, Catalog, ClusterId, Health};

/// The aggregation columns of a list: (before which property column, aggregation, column).
pub fn columns(spec: &BlueprintSpec) -> Vec<(usize, usize, Column)> {
    column_slots(spec)
        .into_iter()
        .filter_map(|(slot, a)| {
            let agg = spec.aggregations.get(a)?;
            let kind = if agg.count {
                ColKind::Num
            } else {
                ColKind::Text
            };
            Some((slot, a, Column::new(agg.title().to_uppercase(), kind, 4)))
        })
        .collect()
}

/// The cell of aggregation `i` of `r`.
pub fn cell(cat: &Catalog, cl: ClusterId, r: &Record, i: usize) -> Cell {
    let mark = cat
        .blueprint(r.blueprint)
        .spec
        .aggregations
        .get(i)
        .and_then(|a| a.mark.as_deref());
    match cat.aggregate(cl, r, i) {
        Some(Aggregate::Count(n)) => count_cell(n, mark),
        Some(Aggregate::Text(Some(t))) => Cell::text(t),
        Some(Aggregate::Text(None)) | None => Cell::dim(""),
    }
}

fn count_cell(n: usize, mark: Option<&str>) -> Cell {
    let n = n as i64;
    match mark {
        None => Cell::num(n),
        Some(_) if n == 0 => Cell {
            text: "".into(),
            num: Some(0),
            tone: Tone::Dim,
        },
        Some(m) => Cell {
            text: format!("{m} {n}").into(),
            num: Some(n),
            tone: Tone::Health(Health::Degraded),
        },
    }
}

/// The detail's fields of `r`'s aggregations that have a value (a count of zero has none).
pub fn detail_fields(cat: &Catalog, cl: ClusterId, r: &Record) -> Vec<(String, String, Tone)> {
    let spec = &cat.blueprint(r.blueprint).spec;
    spec.aggregations
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let c = match cat.aggregate(cl, r, i)? {
                Aggregate::Count(0) | Aggregate::Text(None) => return None,
                Aggregate::Count(n) => count_cell(n, a.mark.as_deref()),
                Aggregate::Text(Some(t)) => Cell::text(t),
            };
            Some((a.title().to_string(), c.text.to_string(), c.tone))
        })
        .collect()
}
