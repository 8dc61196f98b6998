//! The fleet read through a REAL Clusterpedia (the kit in `shared/clusterpedia`, see
//! [`crate::pedia`]): the hub context becomes one row per member, objects are placed by their
//! cluster-name annotation (two members' `shop/web` kept apart), changes on a member reach the
//! catalog within one poll interval (SQL storage cannot watch), members added to and removed
//! from the hub appear and disappear, actions go to a member's own context (and a member
//! without one refuses them, saying why), and a hub that goes away marks its members
//! unreachable until it is back. Both storages: postgres (3 members) and memory (2).

use crate::pedia::{self, Forwarder, Pedia};
use crate::support::*;
use kubeatlas::actions::Action;
use kubeatlas::catalog::{Catalog, ClusterStatus};
use kubeatlas::cli::session::{self, Session};
use kubeatlas::config::{Paths, UserConfig};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const HUB: &str = "pedia-admin";
/// The poll interval the tests configure (`hubs.pollSeconds`).
const POLL: Duration = Duration::from_secs(1);

fn row(member: &str) -> String {
    format!("{member} via {HUB}")
}

/// A session on the hub's kubeconfig (plus `extra` files), polling every [`POLL`].
async fn open_hub(hub: PathBuf, extra: Vec<PathBuf>, contexts: &[&str], dir: &Path) -> Session {
    let mut files = vec![hub];
    files.extend(extra);
    let user = UserConfig::parse(&format!("hubs:\n  pollSeconds: {}\n", POLL.as_secs_f64()))
        .expect("config");
    let contexts: Vec<String> = contexts.iter().map(|c| c.to_string()).collect();
    session::open(
        session::Target::Files(files),
        &contexts,
        user,
        &Paths::under(dir.join("home")),
        true,
    )
    .await
    .expect("session opens")
}

fn pedia_file(p: &Pedia) -> PathBuf {
    PathBuf::from(p.var("PEDIA_KUBECONFIG"))
}

fn rows(c: &Catalog) -> Vec<String> {
    c.cluster_ids()
        .filter_map(|id| c.cluster(id))
        .map(|i| i.name.clone())
        .collect()
}

fn ready_with(c: &Catalog, member: &str, ns: &str, name: &str) -> bool {
    c.cluster_by_name(&row(member)).is_some()
        && is_ready(c, &row(member))
        && find(c, &row(member), "workload", ns, name).is_some()
}

fn desired(c: &Catalog, member: &str, ns: &str, name: &str) -> Option<i64> {
    let e = find(c, &row(member), "workload", ns, name)?;
    let r = c.get(&e)?;
    prop(c, r, "desired").as_int()
}

#[test]
fn a_hub_context_shows_each_member_as_its_own_row_and_keeps_same_named_objects_apart() {
    pedia::run("postgres", |p| async move {
        let dir = tempfile::tempdir().expect("tmp");
        // Every context of the hub's kubeconfig: pedia-admin, pedia-viewer and the
        // member-scoped pedia-memberN all read the same hub, once.
        let mut s = open_hub(pedia_file(p), vec![], &[], dir.path()).await;
        assert!(
            pump_until(&mut s, T, |c| ready_with(c, "member1", "shop", "web")
                && ready_with(c, "member2", "shop", "web")
                && ready_with(c, "member2", "infra", "redis"))
            .await,
            "members ready through the hub: {:?}",
            rows(&s.catalog)
        );
        let c = &s.catalog;
        let names = rows(c);
        assert!(
            names.iter().all(|n| n.ends_with(" via pedia-admin")),
            "one row per member, read through one context: {names:?}"
        );
        let one = find(c, &row("member1"), "workload", "shop", "web").expect("member1 web");
        let two = find(c, &row("member2"), "workload", "shop", "web").expect("member2 web");
        assert_ne!(one.cluster, two.cluster);
        assert_ne!(one.uid, two.uid);
        assert_eq!(desired(c, "member1", "shop", "web"), Some(2));
        assert!(find(c, &row("member1"), "workload", "infra", "redis").is_none());
        assert!(find(c, &row("member2"), "workload", "shop", "api").is_none());
        // Pods are placed by the annotation too: each member's pods under its own row.
        let pods1 = in_namespace(c, &row("member1"), "pod", "shop").len();
        let pods2 = in_namespace(c, &row("member2"), "pod", "shop").len();
        let seeded = |n: &str| {
            p.kubectl(&p.var(n), &["get", "pods", "-n", "shop", "-o", "name"])
                .lines()
                .count()
        };
        assert_eq!(
            (pods1, pods2),
            (seeded("MEMBER1_KUBECONFIG"), seeded("MEMBER2_KUBECONFIG"))
        );
    });
}

#[test]
fn a_change_on_a_member_reaches_the_catalog_within_one_poll_interval() {
    pedia::run("postgres", |p| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = open_hub(pedia_file(p), vec![], &[HUB], dir.path()).await;
        assert!(
            pump_until(&mut s, T, |c| ready_with(c, "member1", "shop", "web")).await,
            "ready"
        );
        let m1 = p.var("MEMBER1_KUBECONFIG");
        let other = desired(&s.catalog, "member2", "shop", "web");
        p.kubectl(&m1, &["scale", "deploy/web", "-n", "shop", "--replicas=4"]);
        let t0 = Instant::now();
        let seen = pump_until(&mut s, T, |c| {
            desired(c, "member1", "shop", "web") == Some(4)
        })
        .await;
        let took = t0.elapsed();
        p.kubectl(&m1, &["scale", "deploy/web", "-n", "shop", "--replicas=2"]);
        assert!(seen, "the scale reached the catalog");
        eprintln!(
            "hub poll: a scale on member1 reached the catalog in {took:?} (interval {POLL:?})"
        );
        // One interval, plus Clusterpedia's sync lag (0.1-0.2 s) and one cycle's requests.
        assert!(took < POLL * 3, "took {took:?}");
        // member2's web was not touched.
        assert_eq!(desired(&s.catalog, "member2", "shop", "web"), other);
        assert!(
            pump_until(&mut s, T, |c| desired(c, "member1", "shop", "web")
                == Some(2))
            .await,
            "and back"
        );
    });
}

#[test]
fn restart_on_a_member_goes_to_its_own_context_and_a_member_without_one_refuses_saying_why() {
    pedia::run("postgres", |p| async move {
        let dir = tempfile::tempdir().expect("tmp");
        // member1's own context, named like the member; member3's matched by its server URL
        // (the PediaCluster's spec.apiserver); member2 has none.
        let m1 = p.member_kubeconfig(1, "member1", dir.path());
        let m3 = p.member_kubeconfig(3, "ops-third", dir.path());
        let mut s = open_hub(pedia_file(p), vec![m1.clone(), m3], &[], dir.path()).await;
        assert!(
            pump_until(&mut s, T, |c| ready_with(c, "member1", "shop", "web")
                && ready_with(c, "member2", "shop", "web")
                && ready_with(c, "member3", "shop", "web"))
            .await,
            "ready: {:?}",
            rows(&s.catalog)
        );
        let names = rows(&s.catalog);
        assert!(
            !names.iter().any(|n| n == "member1" || n == "ops-third"),
            "a member's own context is not watched beside the hub: {names:?}"
        );
        let ex = executor(&s, dir.path());
        let e1 = find(&s.catalog, &row("member1"), "workload", "shop", "web").expect("web");
        let out = ex.execute(&target(&s, &e1), &Action::Restart).await;
        assert!(out.ok, "{}", out.message);
        let ann = p.kubectl(
            m1.to_str().expect("path"),
            &[
                "--context",
                "member1",
                "get",
                "deploy/web",
                "-n",
                "shop",
                "-o",
                "jsonpath={.spec.template.metadata.annotations}",
            ],
        );
        assert!(ann.contains("kubectl.kubernetes.io/restartedAt"), "{ann}");

        let e3 = find(&s.catalog, &row("member3"), "workload", "shop", "web").expect("web 3");
        let out = ex.execute(&target(&s, &e3), &Action::Restart).await;
        assert!(out.ok, "member3 by server URL: {}", out.message);

        let e2 = find(&s.catalog, &row("member2"), "workload", "shop", "web").expect("web 2");
        assert!(ex.is_readonly(&row("member2")));
        let out = ex.execute(&target(&s, &e2), &Action::Restart).await;
        assert!(!out.ok);
        assert!(
            out.message.contains("read-only")
                && out.message.contains("no context for it")
                && out.message.contains("nothing was sent"),
            "{}",
            out.message
        );
        let ann2 = p.kubectl(
            &p.var("MEMBER2_KUBECONFIG"),
            &[
                "get",
                "deploy/web",
                "-n",
                "shop",
                "-o",
                "jsonpath={.spec.template.metadata.annotations}",
            ],
        );
        assert!(!ann2.contains("restartedAt"), "{ann2}");
    });
}

#[test]
fn a_member_removed_from_the_hub_leaves_and_comes_back_when_added_again() {
    pedia::run("postgres", |p| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = open_hub(pedia_file(p), vec![], &[HUB], dir.path()).await;
        assert!(
            pump_until(&mut s, T, |c| ready_with(c, "member3", "team3", "worker")).await,
            "member3 there: {:?}",
            rows(&s.catalog)
        );
        let host = p.var("KUBECONFIG");
        let text = p.kubectl(&host, &["get", "pediacluster", "member3", "-o", "json"]);
        let obj: Value = serde_json::from_str(&text).expect("json");
        let again = json!({
            "apiVersion": obj["apiVersion"],
            "kind": obj["kind"],
            "metadata": {"name": "member3"},
            "spec": obj["spec"],
        });
        let file = dir.path().join("member3.json");
        std::fs::write(&file, again.to_string()).expect("write");
        p.kubectl(&host, &["delete", "pediacluster", "member3"]);
        assert!(
            pump_until(&mut s, T, |c| c.cluster_by_name(&row("member3")).is_none()).await,
            "member3 left: {:?}",
            rows(&s.catalog)
        );
        assert!(
            ready_with(&s.catalog, "member1", "shop", "web"),
            "the others stay"
        );
        p.kubectl(&host, &["create", "-f", file.to_str().expect("path")]);
        assert!(
            pump_until(&mut s, T, |c| ready_with(c, "member3", "team3", "worker")).await,
            "member3 back with its objects: {:?}",
            rows(&s.catalog)
        );
    });
}

#[test]
fn a_hub_that_goes_away_marks_its_members_unreachable_keeps_their_data_and_recovers() {
    pedia::run("postgres", |p| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let url = p.var("CLUSTERPEDIA");
        let host = url
            .strip_prefix("https://")
            .and_then(|r| r.split('/').next())
            .expect("host:port")
            .to_string();
        let fwd = Forwarder::new(&host).await;
        let via = p.pedia_kubeconfig_via(&fwd.addr, dir.path());
        let mut s = open_hub(via, vec![], &[HUB], dir.path()).await;
        assert!(
            pump_until(&mut s, T, |c| ready_with(c, "member1", "shop", "web")
                && ready_with(c, "member2", "shop", "web"))
            .await,
            "ready"
        );
        fwd.stop();
        assert!(
            pump_until(&mut s, T, |c| ["member1", "member2"].iter().all(
                |m| matches!(status(c, &row(m)), ClusterStatus::Unreachable(_))
            ))
            .await,
            "unreachable: {:?}",
            status(&s.catalog, &row("member1"))
        );
        assert!(
            find(&s.catalog, &row("member1"), "workload", "shop", "web").is_some(),
            "the last data is kept"
        );
        fwd.start().await;
        assert!(
            pump_until(&mut s, T, |c| is_ready(c, &row("member1"))
                && is_ready(c, &row("member2")))
            .await,
            "recovered: {:?}",
            status(&s.catalog, &row("member1"))
        );
    });
}

#[test]
fn memory_storage_is_read_per_member_so_no_same_named_object_is_lost() {
    pedia::run("memory", |p| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = open_hub(pedia_file(p), vec![], &[HUB], dir.path()).await;
        // An all-clusters list on memory storage drops member2's shop/web (member1 has one).
        assert!(
            pump_until(&mut s, T, |c| ready_with(c, "member1", "shop", "web")
                && ready_with(c, "member2", "shop", "web")
                && ready_with(c, "member2", "infra", "redis"))
            .await,
            "both members' shop/web: {:?}",
            rows(&s.catalog)
        );
        let m2 = p.var("MEMBER2_KUBECONFIG");
        let before = desired(&s.catalog, "member2", "shop", "web").expect("desired");
        let want = before + 2;
        p.kubectl(
            &m2,
            &[
                "scale",
                "deploy/web",
                "-n",
                "shop",
                &format!("--replicas={want}"),
            ],
        );
        let t0 = Instant::now();
        let seen = pump_until(&mut s, T, |c| {
            desired(c, "member2", "shop", "web") == Some(want)
        })
        .await;
        let took = t0.elapsed();
        p.kubectl(
            &m2,
            &[
                "scale",
                "deploy/web",
                "-n",
                "shop",
                &format!("--replicas={before}"),
            ],
        );
        assert!(seen, "the scale on member2 reached the catalog");
        eprintln!("hub (memory): a scale on member2 reached the catalog in {took:?}");
        assert!(took < POLL * 3, "took {took:?}");
        assert_eq!(desired(&s.catalog, "member1", "shop", "web"), Some(2));
    });
}
