//! Actions the user may not run are not offered, under real RBAC: the TUI asks the real
//! apiserver first (`SelfSubjectAccessReview` as `kubectl auth can-i` does, `SelfSubjectReview`
//! for the user's name); the viewer's restart never reaches a confirmation, is explained with
//! who is asking and what is missing, and nothing is changed on the server.

use crate::envtest::{self, get};
use crate::support::*;
use crossterm::event::KeyCode;
use kubeatlas::blueprint::ActionKind;
use kubeatlas::tui::effects::Runner;
use kubeatlas::tui::fixture::{self, press, type_text};
use kubeatlas::tui::layer::Layer;
use kubeatlas::tui::update;
use kubeatlas::tui::view::RowKey;
use tokio::sync::mpsc;

const CTX: &str = "envtest-viewer";

#[test]
fn the_viewer_is_not_offered_a_restart_and_nothing_is_sent() {
    envtest::run(|cp| async move {
        let admin = cp.admin_client().await;
        let ns = "access-shop";
        namespace(&admin, ns).await;
        create_deployment(&admin, ns, deployment("cart", 1, "nginx:1.25")).await;
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = open(vec![cp.kubeconfig()], &[CTX], &dir.path().join("home")).await;
        assert!(
            pump_until(&mut s, T, |c| find(c, CTX, "workload", ns, "cart")
                .is_some())
            .await,
            "cart synced for the viewer"
        );
        let (tx, mut replies) = mpsc::unbounded_channel();
        let (log_tx, _lines) = mpsc::channel(16);
        let mut runner = Runner::new(s.clients.clone(), executor(&s, dir.path()), tx, log_tx);
        let cat = &s.catalog;
        let mut app = fixture::app(cat).with_access(Vec::<(String, String)>::new());
        type_text(&mut app, cat, &format!(":wl {CTX}/{ns}"));
        press(&mut app, cat, KeyCode::Enter);
        type_text(&mut app, cat, "/cart");
        press(&mut app, cat, KeyCode::Enter);
        let Some(RowKey::Entity(e)) = app.page().selected_key() else {
            panic!("no row selected")
        };
        assert_eq!(&*cat.get(e).expect("cart").name, "cart");
        let path = format!("/apis/apps/v1/namespaces/{ns}/deployments/cart");
        let before = get(&admin, &path).await.expect("cart");

        let message =
            |a: &kubeatlas::tui::App| a.message().map(|m| m.text.clone()).unwrap_or_default();
        let mut fx = press(&mut app, cat, KeyCode::Char('r'));
        while !message(&app).contains("not permitted") {
            for e in fx.drain(..) {
                runner.run(e);
            }
            let msg = tokio::time::timeout(T, replies.recv())
                .await
                .unwrap_or_else(|_| panic!("no answer; message {:?}", message(&app)))
                .expect("runner alive");
            fx = update(&mut app, cat, msg);
        }
        assert!(
            !matches!(app.layers().overlay(), Some(Layer::Dialog(_))),
            "no confirmation"
        );
        assert_eq!(
            message(&app),
            format!("restart: not permitted — viewer may not patch deployments in {ns}")
        );
        assert!(!app.offered().contains(&ActionKind::Restart));
        let after = get(&admin, &path).await.expect("cart");
        assert_eq!(
            before["metadata"]["generation"],
            after["metadata"]["generation"]
        );
        // The controller-manager may still write status (its resourceVersion moves); the spec,
        // which a restart would patch, is untouched.
        assert_eq!(before["spec"], after["spec"], "nothing was written");
        s.fleet.shutdown().await;
    });
}
