//! Clusters that join and leave while running (the members of a Clusterpedia hub), in the pure
//! catalog: a joined row is a cluster like any other, a row that left is hidden and its
//! entities forgotten, rows announced out of order hold their places, and a polled cluster
//! carries its data's age.

use kubeatlas::blueprint::BlueprintSet;
use kubeatlas::catalog::{Catalog, Change, ClusterId, ClusterInfo};
use serde_json::json;
use std::sync::Arc;

fn catalog() -> Catalog {
    let set = Arc::new(BlueprintSet::builtin().expect("built-in blueprints load"));
    Catalog::new(set, vec![ClusterInfo::new("direct", "https://d", None)])
}

fn deployment(c: &Catalog, uid: &str) -> kubeatlas::blueprint::Record {
    let bp = c.blueprints().by_identifier("workload").expect("workload");
    let b = c.blueprint(bp);
    let src = b
        .spec
        .sources
        .iter()
        .position(|s| s.kind == "Deployment")
        .expect("deployments");
    b.project(
        src,
        &json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "uid": uid},
            "spec": {"replicas": 2}}),
    )
    .expect("projects")
}

fn names(c: &Catalog) -> Vec<String> {
    c.cluster_ids()
        .filter_map(|id| c.cluster(id))
        .map(|i| i.name.clone())
        .collect()
}

#[test]
fn a_member_that_joins_is_a_row_and_one_that_leaves_is_hidden_with_its_entities_forgotten() {
    let mut c = catalog();
    let m1 = ClusterId(1);
    assert!(c.apply(Change::Joined {
        cluster: m1,
        info: Box::new(ClusterInfo::new("member1 via pedia", "https://h/m1", None)),
    }));
    assert_eq!(names(&c), ["direct", "member1 via pedia"]);
    let r = deployment(&c, "u-1");
    assert!(c.apply(Change::Apply {
        cluster: m1,
        record: r
    }));
    let bp = c.blueprints().by_identifier("workload").expect("workload");
    assert_eq!(c.entities_in(m1, bp).count(), 1);
    let rev = c.revision();
    assert!(c.apply(Change::Left { cluster: m1 }));
    assert!(c.revision() > rev);
    assert_eq!(names(&c), ["direct"]);
    assert_eq!(c.entities_in(m1, bp).count(), 0);
    assert_eq!(c.cluster_by_name("member1 via pedia"), None);
    // The same member back: its row again, at the index it is given.
    assert!(c.apply(Change::Joined {
        cluster: m1,
        info: Box::new(ClusterInfo::new("member1 via pedia", "https://h/m1", None)),
    }));
    assert_eq!(c.cluster_by_name("member1 via pedia"), Some(m1));
}

#[test]
fn rows_announced_out_of_order_hold_their_places_and_a_polled_row_carries_its_data_age() {
    let mut c = catalog();
    assert!(c.apply(Change::Joined {
        cluster: ClusterId(3),
        info: Box::new(ClusterInfo::new("b via pedia", "https://h/b", None)),
    }));
    assert_eq!(names(&c), ["direct", "b via pedia"]);
    assert!(c.apply(Change::Joined {
        cluster: ClusterId(2),
        info: Box::new(ClusterInfo::new("a via pedia", "https://h/a", None)),
    }));
    assert_eq!(names(&c), ["direct", "a via pedia", "b via pedia"]);
    let r = deployment(&c, "u-b");
    assert!(c.apply(Change::Apply {
        cluster: ClusterId(3),
        record: r
    }));
    assert!(c.apply(Change::Polled {
        cluster: ClusterId(3),
        at: 1_700_000_000
    }));
    assert!(!c.apply(Change::Polled {
        cluster: ClusterId(3),
        at: 1_700_000_000
    }));
    assert_eq!(
        c.cluster(ClusterId(3)).and_then(|i| i.polled),
        Some(1_700_000_000)
    );
}
