//! The cross-environment diff over the simulated demo fleet: checkout-api in dev against prod
//! differs in image tag and digest (read from the pods' `imageID`), requests, env var names
//! and labels are compared, and the same tag pulled with the same digest is not flagged.

use crate::support::{all_ready, start};
use kubeatlas::catalog::diff::{Mark, diff, same_tag_other_digest};
use kubeatlas_sim::SimFleet;
use std::time::Duration;

const T: Duration = Duration::from_secs(25);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_api_in_dev_and_prod_differs_in_image_tag_and_digest_on_the_demo_fleet() {
    let mut env = start(SimFleet::demo(), &[]).await;
    let with_digests = |c: &kubeatlas::catalog::Catalog| {
        all_ready(c, &["dev", "staging", "prod"])
            && ["dev", "prod"].iter().all(|e| {
                diff(c, "checkout-api", e, e)
                    .row("app digest")
                    .is_some_and(|r| r.a.starts_with("sha256:"))
            })
    };
    assert!(
        env.pump_until(T, with_digests).await,
        "pods report imageIDs"
    );
    let cat = &env.session.catalog;
    let d = diff(cat, "checkout-api", "dev", "prod");
    let row = |f: &str| d.row(f).unwrap_or_else(|| panic!("row {f}: {:?}", d.rows));

    let image = row("app image");
    assert_eq!(image.mark, Mark::Differs);
    assert!(
        image.a.ends_with(":1.6.0-rc.1") && image.b.ends_with(":1.4.2"),
        "{image:?}"
    );
    // Another tag, another digest: a plain difference, not "same tag, different digest".
    let digest = row("app digest");
    assert_eq!(digest.mark, Mark::Differs, "{digest:?}");
    assert_ne!(digest.a, digest.b);
    assert_eq!(digest.a.len(), "sha256:".len() + 12, "{digest:?}");
    // The envoy sidecar runs the same image everywhere.
    assert_eq!(row("envoy image").mark, Mark::Same);
    assert_eq!(row("envoy digest").mark, Mark::Same);
    // Requests, env var names (never values) and labels are read from the workloads.
    assert!(row("app requests").a.contains("100m"), "{:?}", d.rows);
    assert_eq!(row("env var names").a, "SERVICE_NAME");
    assert_eq!(row("env var names").mark, Mark::Same);
    assert!(
        !d.rows
            .iter()
            .any(|r| r.a.contains("checkout-api") && r.field == "env var names"),
        "env values never shown"
    );
    assert_eq!(
        (
            row("version label").a.as_str(),
            row("version label").b.as_str()
        ),
        ("1.6.0-rc.1", "1.4.2")
    );
    assert_eq!(row("workloads").a, "shop/checkout-api (Deployment)");
    assert_eq!(row("workloads").mark, Mark::Same);

    // The demo pulls each tag once: no service runs one tag with two digests.
    let envs = cat.environments();
    for svc in cat.services() {
        assert!(!same_tag_other_digest(cat, &svc, &envs), "{svc}");
    }
    // Against itself nothing differs.
    assert_eq!(diff(cat, "checkout-api", "prod", "prod").differing(), 0);
}
