//! Access reviews before actions, end to end against the simulator: the TUI asks the server
//! (`SelfSubjectAccessReview`, as `kubectl auth can-i` does, and `SelfSubjectReview` for the
//! user's name) as an effect; a forbidden restart never reaches a confirmation and sends no
//! PATCH, a permitted one does; a 403 from the server makes the next action ask again.

use crate::support::{Env, all_ready, start};
use crossterm::event::KeyCode;
use kubeatlas::blueprint::ActionKind;
use kubeatlas::catalog::EntityRef;
use kubeatlas::config::UserConfig;
use kubeatlas::tui::effects::Runner;
use kubeatlas::tui::fixture::{self, press, type_text};
use kubeatlas::tui::layer::Layer;
use kubeatlas::tui::msg::{Effect, Msg};
use kubeatlas::tui::view::RowKey;
use kubeatlas::tui::{App, update};
use kubeatlas_sim::{SimFleet, SimResource};
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver};

const T: Duration = Duration::from_secs(25);
const REVIEWS: &str = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
const WHOAMI: &str = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
const CART: &str = "/apis/apps/v1/namespaces/shop/deployments/cart";

struct Rig {
    env: Env,
    app: App,
    runner: Runner,
    replies: UnboundedReceiver<Msg>,
    _lines: mpsc::Receiver<Msg>,
}

async fn rig() -> Rig {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(
        env.pump_until(T, |c| all_ready(c, &["dev", "staging", "prod"]))
            .await
    );
    let executor = env.executor(false, UserConfig::default());
    let (tx, replies) = mpsc::unbounded_channel();
    let (log_tx, lines) = mpsc::channel(16);
    let runner = Runner::new(env.session.clients.clone(), executor, tx, log_tx);
    let cat = &env.session.catalog;
    let mut app = fixture::app(cat).with_access(Vec::<(String, String)>::new());
    // prod's shop/cart selected.
    type_text(&mut app, cat, ":wl prod/shop");
    press(&mut app, cat, KeyCode::Enter);
    type_text(&mut app, cat, "/cart");
    press(&mut app, cat, KeyCode::Enter);
    let Some(RowKey::Entity(e)) = app.page().selected_key() else {
        panic!("no row selected")
    };
    let e: EntityRef = e.clone();
    assert_eq!(&*cat.get(&e).expect("cart").name, "cart");
    Rig {
        env,
        app,
        runner,
        replies,
        _lines: lines,
    }
}

impl Rig {
    /// Runs `fx` and every effect the answers lead to, until `done` holds.
    async fn drive(&mut self, mut fx: Vec<Effect>, done: impl Fn(&App) -> bool) {
        loop {
            for e in fx.drain(..) {
                self.runner.run(e);
            }
            if done(&self.app) {
                return;
            }
            let msg = tokio::time::timeout(T, self.replies.recv())
                .await
                .unwrap_or_else(|_| panic!("no answer; message {:?}", self.message()))
                .expect("runner alive");
            fx = update(&mut self.app, &self.env.session.catalog, msg);
        }
    }

    fn key(&mut self, c: char) -> Vec<Effect> {
        press(&mut self.app, &self.env.session.catalog, KeyCode::Char(c))
    }

    fn message(&self) -> String {
        self.app
            .message()
            .map(|m| m.text.clone())
            .unwrap_or_default()
    }

    fn requests(&self, method: &str, path: &str) -> Vec<String> {
        let prod = self.env.sim.cluster("prod").expect("prod");
        prod.journal()
            .into_iter()
            .filter(|j| j.method == method && j.path == path)
            .map(|j| j.body)
            .collect()
    }
}

fn dialog_open(a: &App) -> bool {
    matches!(a.layers().overlay(), Some(Layer::Dialog(_)))
}

fn checks(fx: &[Effect]) -> usize {
    fx.iter()
        .filter(|e| matches!(e, Effect::CheckAccess { .. }))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_restart_never_shows_a_confirmation_and_sends_no_patch() {
    let mut r = rig().await;
    let prod = r.env.sim.cluster("prod").expect("prod").clone();
    prod.forbid(SimResource::Deployments, &["patch"]);
    prod.clear_journal();
    let fx = r.key('r');
    assert_eq!(checks(&fx), 1, "the server is asked first: {fx:?}");
    assert!(!dialog_open(&r.app));
    assert!(r.message().contains("checking"), "{}", r.message());
    r.drive(fx, |a| {
        a.message()
            .is_some_and(|m| m.text.contains("not permitted"))
    })
    .await;
    assert!(!dialog_open(&r.app), "no confirmation");
    assert_eq!(
        r.message(),
        "restart: not permitted — viewer may not patch deployments in shop"
    );
    // kubectl auth can-i's request, and kubectl auth whoami's.
    let reviews = r.requests("POST", REVIEWS);
    assert_eq!(reviews.len(), 1, "{reviews:?}");
    let body: serde_json::Value = serde_json::from_str(&reviews[0]).expect("json");
    assert_eq!(
        body["spec"]["resourceAttributes"],
        serde_json::json!({"namespace": "shop", "verb": "patch", "group": "apps", "resource": "deployments"})
    );
    assert_eq!(body["kind"], "SelfSubjectAccessReview");
    assert_eq!(r.requests("POST", WHOAMI).len(), 1);
    // Asked once: the same key answers from the cache, at once.
    let fx = r.key('r');
    assert!(fx.is_empty(), "{fx:?}");
    assert!(r.message().contains("may not patch"), "{}", r.message());
    // The help says so; the key is not offered.

    assert!(!r.app.offered().contains(&ActionKind::Restart));
    let denied = r.app.denied();
    assert!(
        denied.iter().any(|(k, why)| *k == ActionKind::Restart
            && why == "viewer may not patch deployments in shop"),
        "{denied:?}"
    );
    let screen = {
        r.key('?');
        // Tall enough for the whole list help (it grew with u, t, L, e).
        fixture::screen(&mut r.app, &r.env.session.catalog, 100, 50)
    };
    assert!(screen.contains("Not permitted"), "{screen}");
    assert!(
        screen.contains("restart: viewer may not patch deployments in shop"),
        "{screen}"
    );
    assert!(r.requests("PATCH", CART).is_empty(), "no PATCH was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permitted_restart_asks_then_confirms_then_patches() {
    let mut r = rig().await;
    let prod = r.env.sim.cluster("prod").expect("prod").clone();
    prod.clear_journal();
    let fx = r.key('r');
    assert_eq!(checks(&fx), 1);
    r.drive(fx, dialog_open).await;
    assert!(
        r.requests("PATCH", CART).is_empty(),
        "nothing before confirming"
    );
    let fx = r.key('y');
    r.drive(fx, |a| a.batches().is_empty()).await;
    assert_eq!(r.requests("PATCH", CART).len(), 1, "{}", r.message());
    // A second restart asks nothing: the answer is cached.
    let fx = r.key('r');
    assert!(fx.is_empty(), "{fx:?}");
    assert!(dialog_open(&r.app));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_403_from_the_server_makes_the_next_action_ask_again() {
    let mut r = rig().await;
    let prod = r.env.sim.cluster("prod").expect("prod").clone();
    let fx = r.key('r');
    r.drive(fx, dialog_open).await;
    // Permissions change between the answer and the request: the server refuses it.
    prod.forbid(SimResource::Deployments, &["patch"]);
    prod.clear_journal();
    let fx = r.key('y');
    r.drive(fx, |a| a.batches().is_empty()).await;
    assert!(r.message().contains("forbidden") || r.message().contains("may not"));
    let fx = r.key('r');
    assert_eq!(checks(&fx), 1, "asked again after the 403: {fx:?}");
    r.drive(fx, |a| {
        a.message()
            .is_some_and(|m| m.text.contains("not permitted"))
    })
    .await;
    assert!(!dialog_open(&r.app));
    assert_eq!(r.requests("PATCH", CART).len(), 1, "only the refused one");
    assert_eq!(r.requests("POST", REVIEWS).len(), 1);
}

/// POST a review body to prod as the fleet's client does; the answer's `status`.
async fn post(env: &Env, path: &str, body: serde_json::Value) -> serde_json::Value {
    let prod = env.session.catalog.cluster_by_name("prod").expect("prod");
    let client = env.session.clients.get(prod).expect("client");
    let req = http::Request::builder()
        .method(http::Method::POST)
        .uri(path)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(&body).expect("json"))
        .expect("request");
    let v: serde_json::Value = client.request(req).await.expect("answered");
    v["status"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_answers_reviews_from_its_own_rules() {
    use kubeatlas::actions::access::{Attributes, review_body, whoami_body};
    let r = rig().await;
    let prod = r.env.sim.cluster("prod").expect("prod").clone();
    prod.set_user("alice");
    prod.forbid(SimResource::Deployments, &["patch"]);
    let attrs = |verb: &str, sub: &str| Attributes {
        verb: verb.into(),
        group: "apps".into(),
        resource: "deployments".into(),
        subresource: sub.into(),
        namespace: Some("shop".into()),
    };
    let denied = post(&r.env, REVIEWS, review_body(&attrs("patch", ""))).await;
    assert_eq!(denied, serde_json::json!({"allowed": false}));
    let scale = post(&r.env, REVIEWS, review_body(&attrs("patch", "scale"))).await;
    assert_eq!(scale["allowed"], false, "subresources follow their parent");
    let get = post(&r.env, REVIEWS, review_body(&attrs("get", ""))).await;
    assert_eq!(get["allowed"], true);
    let who = post(&r.env, WHOAMI, whoami_body()).await;
    assert_eq!(who["userInfo"]["username"], "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_without_an_answer_lets_the_server_decide_and_is_asked_again() {
    let mut r = rig().await;
    let prod = r.env.sim.cluster("prod").expect("prod").clone();
    prod.set_fail_all(true);
    let fx = r.key('r');
    assert_eq!(checks(&fx), 1);
    r.drive(fx, dialog_open).await;
    prod.set_fail_all(false);
    r.key('n');
    assert!(!dialog_open(&r.app));
    let fx = r.key('r');
    assert_eq!(checks(&fx), 1, "asked again: {fx:?}");
    r.drive(fx, dialog_open).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_questions_go_out_at_once_so_a_slow_context_costs_one_round_trip() {
    let mut r = rig().await;
    let prod = r.env.sim.cluster("prod").expect("prod").clone();
    // prod answers nothing until told: both questions must be in flight at once (asked one
    // after the other, the second would only leave once the first was answered).
    prod.hold_requests();
    let fx = r.key('r');
    assert!(
        !dialog_open(&r.app),
        "the key does not wait for the network"
    );
    for e in fx {
        r.runner.run(e);
    }
    let both =
        |held: &[String]| held.iter().any(|p| p == WHOAMI) && held.iter().any(|p| p == REVIEWS);
    let deadline = std::time::Instant::now() + T;
    while !both(&prod.held_requests()) {
        assert!(
            std::time::Instant::now() < deadline,
            "whoami and the review not in flight together: {:?}",
            prod.held_requests()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    prod.release_requests();
    r.drive(Vec::new(), dialog_open).await;
}
