//! The fleet's table: one row per context (its state, version, and the counts of what it holds,
//! the unhealthy ones apart), from the blueprints' relations to the cluster, never per kind.

use super::build::{
    cluster_status_text, count_children, count_priority, has_health, plural_title, status_health,
    unhealthy_cell,
};
use super::table::{Cell, ColKind, Column, Row, Table, Tone};
use super::view::{self, RowKey};
use crate::blueprint::BpId;
use crate::catalog::{Catalog, Health, SourceStatus};

/// The fleet: one row per kubeconfig context.
pub fn fleet(cat: &Catalog) -> Table {
    let cluster_bp = view::cluster_blueprint(cat);
    let title = |id: &str, default: &str| {
        cluster_bp
            .and_then(|b| {
                let bp = cat.blueprint(b);
                bp.prop_index(id)
                    .and_then(|i| bp.spec.properties[i].title.clone())
            })
            .unwrap_or_else(|| default.to_string())
            .to_uppercase()
    };
    let kids = cluster_bp
        .map(|b| count_children(cat, b))
        .unwrap_or_default();
    let mut columns = vec![
        Column::new("NAME", ColKind::Text, 0),
        Column::new(title("status", "status"), ColKind::Text, 1),
        Column::new(title("version", "version"), ColKind::Text, 3),
    ];
    for (c, _, _) in &kids {
        columns.push(Column::new(
            plural_title(cat, *c),
            ColKind::Num,
            count_priority(cat, cluster_bp, *c),
        ));
    }
    columns.push(Column::new("UNHEALTHY", ColKind::Num, 2));
    columns.push(Column::new(
        title("environment", "environment"),
        ColKind::Text,
        3,
    ));
    columns.push(Column::new(title("server", "server"), ColKind::Text, 6));
    let healthy_kids: Vec<BpId> = kids
        .iter()
        .map(|k| k.0)
        .filter(|&c| has_health(cat, c))
        .collect();
    let rows =
        cat.cluster_ids()
            .filter_map(|id| {
                let info = cat.cluster(id)?;
                let mut health = status_health(&info.status);
                if info.sources.iter().any(|(_, _, s)| {
                    matches!(s, SourceStatus::Forbidden(_) | SourceStatus::Error(_))
                }) {
                    health = health.worst(Health::Degraded);
                }
                let mut cells = vec![
                    Cell::text(info.name.as_str()),
                    Cell::text(cluster_status_text(cat, info)).tone(Tone::Health(health)),
                    match &info.version {
                        Some(v) => Cell::text(v.as_str()),
                        None => Cell::dim("-"),
                    },
                ];
                for (c, _, _) in &kids {
                    cells.push(Cell::num(cat.count(id, *c) as i64));
                }
                let bad: usize = healthy_kids
                    .iter()
                    .map(|&c| {
                        cat.entities_in(id, c)
                            .filter(|r| cat.health(r).is_unhealthy())
                            .count()
                    })
                    .sum();
                cells.push(unhealthy_cell(bad));
                cells.push(Cell::text(
                    info.environment.as_deref().unwrap_or(info.name.as_str()),
                ));
                cells.push(Cell::text(info.server.as_str()));
                Some(Row {
                    key: RowKey::Cluster(id),
                    cells,
                    health,
                })
            })
            .collect();
    let mut t = Table { columns, rows };
    t.measure();
    t
}
