//! Locks and `check` on the real kube-apiserver: the lock annotation written with its
//! resourceVersion precondition, a stale write answered 409 Conflict by the server and told
//! "locked by X just now" with nothing overwritten, a locked workload refusing a restart, and
//! the `check` binary's exit codes (0 ok, 3 locked, 4 unhealthy, 5 not found).

use crate::envtest::{self, get};
use crate::support::*;
use kubeatlas::actions::govern::{self as write, GovernError};
use kubeatlas::actions::{Action, ActionError, Refusal};
use kubeatlas::govern::{LOCK_KEY, Lock, read};
use std::path::Path;
use std::process::Output;

const CTX: &str = "envtest-admin";

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

async fn check(kubeconfig: &Path, home: &Path, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kubeatlas"));
    cmd.arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["--context", CTX])
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("KUBECONFIG");
    tokio::task::spawn_blocking(move || cmd.output().expect("binary runs"))
        .await
        .expect("joined")
}

#[test]
fn a_stale_lock_gets_409_from_the_real_server_and_overwrites_nothing_and_check_exits_by_verdict() {
    envtest::run(|cp| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let home = dir.path().join("home");
        let ns = "govern-lock";
        let admin = cp.admin_client().await;
        namespace(&admin, ns).await;
        let _kubelet = kubelet(&admin, ns);
        create_deployment(&admin, ns, deployment("govern-cart", 1, "nginx:1.25")).await;
        // Never Ready: no kubelet stand-in in this namespace.
        namespace(&admin, "govern-broken").await;
        create_deployment(
            &admin,
            "govern-broken",
            deployment("govern-broken", 1, "nginx:1.25"),
        )
        .await;
        let mut s = open(vec![cp.kubeconfig()], &[CTX], &home).await;
        let ok = pump_until(&mut s, T, |c| {
            find(c, CTX, "workload", ns, "govern-cart")
                .is_some_and(|e| prop(c, c.get(&e).expect("cart"), "ready").as_int() == Some(1))
        })
        .await;
        assert!(ok, "govern-cart is ready in the catalog");
        let e = find(&s.catalog, CTX, "workload", ns, "govern-cart").expect("cart");
        let ex = executor(&s, dir.path());
        let t = target(&s, &e);
        let path = format!("/apis/apps/v1/namespaces/{ns}/deployments/govern-cart");

        let o = check(&cp.kubeconfig(), &home, &["check", "govern-cart", CTX]).await;
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let o = check(&cp.kubeconfig(), &home, &["check", "govern-nosuch", CTX]).await;
        assert_eq!(
            o.status.code(),
            Some(5),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let o = check(&cp.kubeconfig(), &home, &["check", "govern-broken", CTX]).await;
        assert_eq!(
            o.status.code(),
            Some(4),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );

        // Alice reads; Bob locks; Alice's write carries the old resourceVersion.
        let alice_read = write::current(&ex, &t).await.expect("read");
        let bob = Lock::new("bob", "hotfix", now(), 3600);
        write::lock(&ex, &t, &bob).await.expect("bob locks");
        let alice = Lock::new("alice", "release freeze", now(), 3600);
        let err = write::lock_from(&ex, &t, &alice, &alice_read)
            .await
            .expect_err("the server refuses the stale write");
        assert!(
            matches!(&err, GovernError::LockedJustNow { who, .. } if who == "bob"),
            "{err:?}"
        );
        let d = get(&admin, &path).await.expect("cart");
        assert_eq!(d["metadata"]["annotations"][LOCK_KEY], bob.to_annotation());

        // The catalog sees the lock; a restart is refused with the reason; check says locked.
        let seen = pump_until(&mut s, T, |c| {
            c.get(&e)
                .is_some_and(|r| read::lock(c, r, now()).is_locked())
        })
        .await;
        assert!(seen);
        let t = target(&s, &e);
        let refused = ex.act(&t, &Action::Restart).await.expect_err("locked");
        assert!(
            matches!(&refused, ActionError::Refused(Refusal::Locked { reason, .. }) if reason.contains("hotfix")),
            "{refused:?}"
        );
        let o = check(&cp.kubeconfig(), &home, &["check", "govern-cart", CTX]).await;
        assert_eq!(
            o.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(String::from_utf8_lossy(&o.stderr).contains("locked by bob"));

        assert!(write::unlock(&ex, &t).await.expect("unlocked").is_some());
        let d = get(&admin, &path).await.expect("cart");
        assert!(d["metadata"]["annotations"].get(LOCK_KEY).is_none(), "{d}");
    });
}
