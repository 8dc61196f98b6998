//! The big fleet the scale tests share: the fixture fleet plus `bulk-NNNNNN` pods in `shop`,
//! spread over the three clusters, and one of them rewritten (waiting or not) as a change.

use kubeatlas::catalog::{Catalog, Change, ClusterId};
use kubeatlas::tui::fixture;

/// Bulk pod `i` as an object (waiting with reason `Err`, or running).
fn pod(i: usize, waiting: bool) -> serde_json::Value {
    let name = format!("bulk-{i:06}");
    fixture::pod(
        &name,
        "shop",
        &name,
        "none",
        "node-1",
        waiting.then_some("Err"),
    )
}

/// [`fixture::fleet`] with `pods` more pods, pod `i` in cluster `i % 3`.
pub fn fleet(pods: usize) -> Catalog {
    let mut cat = fixture::fleet();
    for i in 0..pods {
        fixture::apply(&mut cat, (i % 3) as u16, "", "Pod", pod(i, false));
    }
    cat
}

/// Bulk pod `i` rewritten (waiting or not), as the fleet would send it.
pub fn pod_change(cat: &Catalog, i: usize, waiting: bool) -> Change {
    Change::Apply {
        cluster: ClusterId((i % 3) as u16),
        record: fixture::record(cat.blueprints(), "", "Pod", &pod(i, waiting)).expect("pod"),
    }
}
