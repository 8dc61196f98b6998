//! The names an entity's relation reaches, as the catalog resolves them: shared by the
//! simulator suites (through `support`) and the real-apiserver suite (included by path).

use kubeatlas::catalog::{Catalog, EntityRef};

/// Names of the targets of relation `rel` of `e`, sorted (empty when either is unknown).
pub fn related_names(c: &Catalog, e: &EntityRef, rel: &str) -> Vec<String> {
    let Some(r) = c.get(e) else { return vec![] };
    let Some(i) = c.blueprint(e.bp).relation_index(rel) else {
        return vec![];
    };
    let mut v: Vec<String> = c
        .related_all(e.cluster, r, i)
        .iter()
        .filter_map(|t| c.get(t))
        .map(|t| t.name.to_string())
        .collect();
    v.sort();
    v
}
