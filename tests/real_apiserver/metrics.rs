//! The metrics API on a real apiserver without metrics-server (envtest has none): the group is
//! not served, and kubeatlas says "no metrics-server" — the real 404, not the simulator's.

use crate::envtest;
use kubeatlas::metrics::{self, Unavailable};

#[test]
fn a_real_apiserver_without_metrics_server_says_no_metrics_server() {
    envtest::run(|cp| async move {
        let admin = cp.admin_client().await;
        let r = metrics::fetch(&admin, None).await;
        assert_eq!(r, Err(Unavailable::NoMetricsServer));
        assert_eq!(
            metrics::fetch(&admin, Some("default")).await,
            Err(Unavailable::NoMetricsServer)
        );
    });
}
