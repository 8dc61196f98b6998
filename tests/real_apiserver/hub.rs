//! The fleet read through a REAL Clusterpedia (the kit in `shared/clusterpedia`, see
//! [`crate::pedia`]): the hub context becomes one row per member, objects are placed by their
//! cluster-name annotation (two members' `shop/web` kept apart), changes on a member reach the
//! catalog within one poll interval (SQL storage cannot watch), members added to and removed
//! from the hub appear and disappear, actions go to a member's own context (and a member
//! without one refuses them, saying why), and a hub that goes away marks its members
//! unreachable until it is back. Both storages: postgres (3 members, polled) and memory (2,
//! watched: a change within a second). `-n` narrows every member of either.

use crate::envtest::{merge_patch, post, send};
use crate::pedia::{self, Forwarder};
use crate::support::hub::{self as h, Open, ready_with, row, rows};
use crate::support::*;
use kubeatlas::actions::Action;
use kubeatlas::catalog::{Catalog, ClusterStatus};
use kubeatlas::cli::scope::ScopeArgs;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The poll interval the tests configure (`hubs.pollSeconds`).
const POLL: Duration = Duration::from_secs(1);

fn desired(c: &Catalog, member: &str, ns: &str, name: &str) -> Option<i64> {
    let e = find(c, &row(member), "workload", ns, name)?;
    let r = c.get(&e)?;
    prop(c, r, "desired").as_int()
}

#[test]
fn a_hub_context_shows_each_member_as_its_own_row_and_keeps_same_named_objects_apart() {
    pedia::run("postgres", |p| async move {
        // Every context of the hub's kubeconfig: pedia-admin, pedia-viewer and the
        // member-scoped pedia-memberN all read the same hub, once.
        let all = Open {
            contexts: vec![],
            ..Open::default()
        };
        let ready = [
            ("member1", "shop", "web"),
            ("member2", "shop", "web"),
            ("member2", "infra", "redis"),
        ];
        let (_dir, s) = h::open(p, all, &ready).await;
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
        let (_dir, mut s) = h::open(p, Open::default(), &[("member1", "shop", "web")]).await;
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
        // member1's own context, named like the member; member3's matched by its server URL
        // (the PediaCluster's spec.apiserver); member2 has none.
        let files = tempfile::tempdir().expect("tmp");
        let m1 = p.member_kubeconfig(1, "member1", files.path());
        let m3 = p.member_kubeconfig(3, "ops-third", files.path());
        let how = Open {
            extra: vec![m1.clone(), m3],
            contexts: vec![],
            ..Open::default()
        };
        let ready = [
            ("member1", "shop", "web"),
            ("member2", "shop", "web"),
            ("member3", "shop", "web"),
        ];
        let (dir, s) = h::open(p, how, &ready).await;
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
        let (dir, mut s) = h::open(p, Open::default(), &[("member3", "team3", "worker")]).await;
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
        let mut s = h::open_files(
            vec![via],
            Open::default(),
            &[("member1", "shop", "web"), ("member2", "shop", "web")],
            dir.path(),
        )
        .await;
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

/// `kubectl scale` of `ns/name` in member `n` (its own kubeconfig).
fn scale(p: &pedia::Pedia, n: u32, ns: &str, name: &str, replicas: i64) {
    p.kubectl(
        &p.var(&format!("MEMBER{n}_KUBECONFIG")),
        &[
            "scale",
            &format!("deploy/{name}"),
            "-n",
            ns,
            &format!("--replicas={replicas}"),
        ],
    );
}

/// A client of member `n`'s own API server (its kubeconfig), to change it from this process.
async fn member_client(p: &pedia::Pedia, n: u32) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(p.var(&format!("MEMBER{n}_KUBECONFIG")))
        .expect("member kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .expect("member config");
    kube::Client::try_from(config).expect("member client")
}

#[test]
fn memory_storage_is_watched_per_member_and_a_change_reaches_the_catalog_within_a_second() {
    pedia::run("memory", |p| async move {
        // A poll interval no test waits for: only the watch can bring changes in time.
        let how = Open {
            poll: Duration::from_secs(60),
            ..Open::default()
        };
        // An all-clusters list on memory storage drops member2's shop/web (member1 has one).
        let ready = [
            ("member1", "shop", "web"),
            ("member2", "shop", "web"),
            ("member2", "infra", "redis"),
        ];
        let (_dir, mut s) = h::open(p, how, &ready).await;
        let mut took = vec![];
        let web = "/apis/apps/v1/namespaces/shop/deployments/web";
        // member2's shop/web (the object an all-member list loses), then member1's; each
        // timed from sending the change to the member (a client in this process) until the
        // catalog holds it.
        for (n, member) in [(2, "member2"), (1, "member1")] {
            let client = member_client(p, n).await;
            let before = desired(&s.catalog, member, "shop", "web").expect("desired");
            let want = before + 2;
            let t0 = Instant::now();
            merge_patch(&client, web, json!({"spec": {"replicas": want}}))
                .await
                .expect("scale");
            let seen = pump_until(&mut s, T, |c| {
                desired(c, member, "shop", "web") == Some(want)
            })
            .await;
            took.push(t0.elapsed());
            merge_patch(&client, web, json!({"spec": {"replicas": before}}))
                .await
                .expect("scale back");
            assert!(seen, "the scale on {member} reached the catalog");
            assert!(
                pump_until(&mut s, T, |c| desired(c, member, "shop", "web")
                    == Some(before))
                .await,
                "and back"
            );
        }
        // A new object and its deletion, through the watch too.
        let client = member_client(p, 1).await;
        let t0 = Instant::now();
        post(
            &client,
            "/apis/apps/v1/namespaces/shop/deployments",
            json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "late", "namespace": "shop"},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"app": "late"}},
                    "template": {
                        "metadata": {"labels": {"app": "late"}},
                        "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}
                    }
                }
            }),
        )
        .await
        .expect("create");
        let added = pump_until(&mut s, T, |c| {
            find(c, &row("member1"), "workload", "shop", "late").is_some()
        })
        .await;
        took.push(t0.elapsed());
        assert!(added, "a created deployment arrived");
        let t0 = Instant::now();
        send(
            &client,
            "DELETE",
            "/apis/apps/v1/namespaces/shop/deployments/late",
            None,
            None,
        )
        .await
        .expect("delete");
        let gone = pump_until(&mut s, T, |c| {
            find(c, &row("member1"), "workload", "shop", "late").is_none()
        })
        .await;
        took.push(t0.elapsed());
        assert!(gone, "and its deletion");
        eprintln!(
            "hub (memory, watch): scale member2, scale member1, create, delete reached the catalog in {took:?}"
        );
        for t in &took {
            assert!(*t < Duration::from_secs(1), "within a second: {took:?}");
        }
        assert!(desired(&s.catalog, "member2", "infra", "redis").is_some());
        // Watched data is live: no data age.
        for m in ["member1", "member2"] {
            let id = s.catalog.cluster_by_name(&row(m)).expect("row");
            assert_eq!(
                s.catalog.cluster(id).expect("row").polled,
                None,
                "{m} shows no age"
            );
        }
    });
}

/// (member, namespace) of every workload and the namespace names, per member row.
fn namespaces_held(c: &Catalog, member: &str) -> (Vec<String>, Vec<String>) {
    let (Some(cluster), Some(wl), Some(ns)) = (
        c.cluster_by_name(&row(member)),
        c.blueprints().by_identifier("workload"),
        c.blueprints().by_identifier("namespace"),
    ) else {
        return (vec![], vec![]);
    };
    let mut w: Vec<String> = c
        .entities_in(cluster, wl)
        .filter_map(|r| r.namespace.as_deref().map(str::to_string))
        .collect();
    w.sort();
    w.dedup();
    let mut n: Vec<String> = c
        .entities_in(cluster, ns)
        .map(|r| r.name.to_string())
        .collect();
    n.sort();
    (w, n)
}

/// `-n shop` on a hub: every member reads only `shop` (its namespaced kinds, and of the
/// namespaces only `shop`), and a change elsewhere does not come in.
async fn a_namespace_narrows_every_member(p: &'static pedia::Pedia) {
    let how = Open {
        flags: ScopeArgs {
            namespace: Some("shop".into()),
            ..ScopeArgs::default()
        },
        ..Open::default()
    };
    let (_dir, mut s) = h::open(
        p,
        how,
        &[("member1", "shop", "web"), ("member2", "shop", "web")],
    )
    .await;
    for m in ["member1", "member2"] {
        let (w, n) = namespaces_held(&s.catalog, m);
        assert_eq!(w, vec!["shop".to_string()], "{m}: workloads only in shop");
        assert_eq!(n, vec!["shop".to_string()], "{m}: only the namespace shop");
        assert!(
            in_namespace(&s.catalog, &row(m), "pod", "kube-system").is_empty(),
            "{m}: no pod outside shop"
        );
    }
    // A change outside the namespace: still nothing of infra, while shop keeps moving.
    let before = desired(&s.catalog, "member2", "shop", "web").expect("web");
    let redis = p
        .kubectl(
            &p.var("MEMBER2_KUBECONFIG"),
            &[
                "get",
                "deploy/redis",
                "-n",
                "infra",
                "-o",
                "jsonpath={.spec.replicas}",
            ],
        )
        .trim()
        .parse::<i64>()
        .expect("redis replicas");
    scale(p, 2, "infra", "redis", redis + 1);
    scale(p, 2, "shop", "web", before + 1);
    let moved = pump_until(&mut s, T, |c| {
        desired(c, "member2", "shop", "web") == Some(before + 1)
    })
    .await;
    scale(p, 2, "infra", "redis", redis);
    scale(p, 2, "shop", "web", before);
    assert!(moved, "shop/web followed");
    assert!(find(&s.catalog, &row("member2"), "workload", "infra", "redis").is_none());
}

#[test]
fn a_namespace_flag_narrows_each_member_of_a_polled_hub() {
    pedia::run("postgres", a_namespace_narrows_every_member);
}

#[test]
fn a_namespace_flag_narrows_each_member_of_a_watched_hub() {
    pedia::run("memory", a_namespace_narrows_every_member);
}
