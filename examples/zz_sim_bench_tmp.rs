use std::time::Instant;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use futures::StreamExt;
use kube::runtime::{watcher, WatchStreamExt};

fn rss() -> String { std::fs::read_to_string("/proc/self/status").unwrap().lines().find(|l| l.starts_with("VmRSS")).unwrap().to_string() }

#[tokio::main]
async fn main() {
    let t = Instant::now();
    let mut fleet = kubeatlas::sim::SimFleet::scaled(5, 20_000);
    println!("build {:?} {}", t.elapsed(), rss());
    fleet.start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("kc");
    fleet.write_kubeconfig(&p).unwrap();
    let mut clients = vec![];
    for c in fleet.clusters() {
        let kc = kube::config::Kubeconfig::read_from(&p).unwrap();
        let cfg = kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions{context: Some(c.name().into()), ..Default::default()}).await.unwrap();
        clients.push(kube::Client::try_from(cfg).unwrap());
    }
    let t = Instant::now();
    let l = Api::<Pod>::all(clients[0].clone()).list(&ListParams::default()).await.unwrap();
    println!("one full list {} pods {:?}", l.items.len(), t.elapsed());
    let t = Instant::now();
    let mut handles = vec![];
    for c in clients.clone() {
        handles.push(tokio::spawn(async move {
            let mut s = watcher(Api::<Pod>::all(c), watcher::Config::default()).boxed();
            let mut n = 0;
            while let Some(e) = s.next().await { match e.unwrap() { watcher::Event::InitApply(_) => n += 1, watcher::Event::InitDone => break, _ => {} } }
            n
        }));
    }
    let mut total = 0; for h in handles { total += h.await.unwrap(); }
    println!("5 watchers init {} pods {:?} {}", total, t.elapsed(), rss());
    let c = fleet.clusters()[0].clone();
    let t = Instant::now();
    c.settle();
    println!("settle noop {:?}", t.elapsed());
}
