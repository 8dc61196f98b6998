//! `pods/log`: container selection errors, tail/since/limit/timestamps/previous, and follow.

use std::sync::Arc;

use axum::response::Response;
use jiff::Timestamp;
use serde_json::Value;

use super::ServerCtx;
use super::query::Query;
use super::respond;
use super::stream;
use crate::cluster::{SimCluster, lock};
use crate::loggen::{Exit, LogSource, RETAINED};
use crate::object::store_key;
use crate::resource::SimResource;
use crate::status::ApiError;
use crate::util;

const TEXT: &str = "text/plain";

/// Log request options.
struct Opts {
    follow: bool,
    previous: bool,
    timestamps: bool,
    tail: Option<u64>,
    limit_bytes: Option<u64>,
    since: Option<Timestamp>,
}

fn opts(q: &Query) -> Result<Opts, ApiError> {
    let since = match (q.i64("sinceSeconds")?, q.get("sinceTime")) {
        (Some(s), _) if s <= 0 => {
            return Err(ApiError::unprocessable(
                "PodLogOptions \"\" is invalid: sinceSeconds: Invalid value: must be greater than 0",
            ));
        }
        (Some(s), _) => Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_secs(s))
            .ok(),
        (None, Some(t)) => {
            Some(t.parse().map_err(|_| {
                ApiError::bad_request(format!("invalid value for sinceTime: {t:?}"))
            })?)
        }
        (None, None) => None,
    };
    let tail = match q.i64("tailLines")? {
        Some(n) if n < 0 => None,
        Some(n) => Some(n as u64),
        None => None,
    };
    Ok(Opts {
        follow: q.bool("follow")?,
        previous: q.bool("previous")?,
        timestamps: q.bool("timestamps")?,
        tail,
        limit_bytes: q.u64("limitBytes")?.filter(|n| *n > 0),
        since,
    })
}

fn container_names(pod: &Value, key: &str) -> Vec<String> {
    pod.pointer(&format!("/spec/{key}"))
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| util::str_at(c, "/name").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Picks the container like the server: explicit, the only one, or the default-container annotation.
pub(crate) fn pick_container(pod: &Value, name: &str, requested: &str) -> Result<String, ApiError> {
    let containers = container_names(pod, "containers");
    let init = container_names(pod, "initContainers");
    if !requested.is_empty() {
        if containers.iter().chain(&init).any(|c| c == requested) {
            return Ok(requested.to_string());
        }
        return Err(ApiError::bad_request(format!(
            "container {requested} is not valid for pod {name}"
        )));
    }
    if let Some(d) = util::annotation(pod, "kubectl.kubernetes.io/default-container")
        && containers.iter().any(|c| c == d)
    {
        return Ok(d.to_string());
    }
    match containers.as_slice() {
        [only] => Ok(only.clone()),
        _ => Err(ApiError::bad_request(format!(
            "a container name must be specified for pod {name}, choose one of: [{}]",
            containers.join(" ")
        ))),
    }
}

/// Resolves which container instance's log to serve.
fn source(pod: &Value, name: &str, container: &str, previous: bool) -> Result<LogSource, ApiError> {
    let status = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .and_then(|s| s.iter().find(|c| util::str_at(c, "/name") == container));
    let waiting = || {
        ApiError::bad_request(format!(
            "container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating"
        ))
    };
    let Some(status) = status else {
        return Err(waiting());
    };
    let restarts = util::i64_at(status, "/restartCount", 0);
    let time = |p: &str| util::parse_time(util::str_at(status, p));
    let last_terminated = || {
        let start = time("/lastState/terminated/startedAt")?;
        let end = time("/lastState/terminated/finishedAt").unwrap_or(start);
        Some(LogSource::new(
            pod,
            container,
            restarts - 1,
            start,
            Some((end, Exit::Crashed)),
        ))
    };
    if previous {
        return last_terminated().ok_or_else(|| {
            ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{name}\" not found"
            ))
        });
    }
    if let Some(start) = time("/state/running/startedAt") {
        return Ok(LogSource::new(pod, container, restarts, start, None));
    }
    if let Some(start) = time("/state/terminated/startedAt") {
        let end = time("/state/terminated/finishedAt").unwrap_or(start);
        let how = if util::i64_at(status, "/state/terminated/exitCode", 0) == 0 {
            Exit::Completed
        } else {
            Exit::Crashed
        };
        return Ok(LogSource::new(
            pod,
            container,
            restarts,
            start,
            Some((end, how)),
        ));
    }
    // Waiting (e.g. CrashLoopBackOff): the kubelet serves the last instance's log.
    last_terminated().ok_or_else(waiting)
}

fn render_line(src: &LogSource, i: u64, timestamps: bool) -> String {
    let line = src.line(i);
    if timestamps {
        let t = src.time(i);
        format!(
            "{}.{:09}Z {line}",
            t.strftime("%Y-%m-%dT%H:%M:%S"),
            t.subsec_nanosecond()
        )
    } else {
        line
    }
}

/// Serves `GET …/pods/{name}/log`.
pub(crate) fn serve(
    ctx: &Arc<ServerCtx>,
    ns: &str,
    name: &str,
    q: &Query,
) -> Result<Response, ApiError> {
    let o = opts(q)?;
    let pod = lock(&ctx.cluster.store)
        .get(SimResource::Pods, &store_key(Some(ns), name))
        .map(|p| p.value())
        .ok_or_else(|| ApiError::not_found(SimResource::Pods, name))?;
    let container = pick_container(&pod, name, q.str("container"))?;
    let src = source(&pod, name, &container, o.previous)?;

    let now = Timestamp::now();
    let count = src.count_at(now);
    let mut first = count.saturating_sub(RETAINED);
    if let Some(since) = o.since {
        while first < count && src.time(first) < since {
            first += 1;
        }
    }
    if let Some(tail) = o.tail {
        first = first.max(count.saturating_sub(tail));
    }
    let mut budget = o.limit_bytes.unwrap_or(u64::MAX);
    let mut out = String::new();
    for i in first..count {
        let line = render_line(&src, i, o.timestamps);
        if (line.len() as u64) >= budget {
            out.push_str(&line[..floor_boundary(&line, budget)]);
            budget = 0;
            break;
        }
        budget -= line.len() as u64;
        out.push_str(&line);
    }
    if !o.follow || src.finished() || budget == 0 {
        return Ok(respond::typed(200, TEXT, out));
    }

    let (tx, body) = stream::channel();
    let cluster = ctx.cluster.clone();
    let shutdown = ctx.shutdown.clone();
    let mut epoch = ctx.cluster.stream_epoch.subscribe();
    epoch.borrow_and_update();
    let (ns, name, uid) = (
        ns.to_string(),
        name.to_string(),
        util::str_at(&pod, "/metadata/uid").to_string(),
    );
    tokio::spawn(async move {
        if !out.is_empty() && !tx.send(out).await {
            return;
        }
        let mut i = count;
        loop {
            let wait = src.time(i).duration_since(Timestamp::now());
            let sleep = std::time::Duration::try_from(wait).unwrap_or_default();
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => return,
                changed = epoch.changed() => {
                    if changed.is_ok() {
                        tx.abort().await;
                    }
                    return;
                }
                _ = tx.closed() => return,
                _ = tokio::time::sleep(sleep) => {}
            }
            if !pod_alive(&cluster, &ns, &name, &uid) {
                return;
            }
            let mut line = render_line(&src, i, o.timestamps);
            if (line.len() as u64) >= budget {
                line.truncate(floor_boundary(&line, budget));
                let _ = tx.send(line).await;
                return;
            }
            budget -= line.len() as u64;
            if !tx.send(line).await {
                return;
            }
            i += 1;
        }
    });
    Ok(respond::stream(TEXT, body))
}

/// The largest char boundary of `s` not above `limit` bytes.
fn floor_boundary(s: &str, limit: u64) -> usize {
    let mut n = usize::try_from(limit).unwrap_or(usize::MAX).min(s.len());
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    n
}

/// Whether the pod (same uid) still exists and is not terminating.
fn pod_alive(cluster: &SimCluster, ns: &str, name: &str, uid: &str) -> bool {
    lock(&cluster.store)
        .get(SimResource::Pods, &store_key(Some(ns), name))
        .is_some_and(|p| p.uid() == uid && !p.is_terminating())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn container_choice() {
        let pod = json!({"spec": {"containers": [{"name": "app"}, {"name": "envoy"}]}});
        assert_eq!(
            pick_container(&pod, "p", "").err().map(|e| e.message),
            Some("a container name must be specified for pod p, choose one of: [app envoy]".into())
        );
        assert_eq!(
            pick_container(&pod, "p", "nope").err().map(|e| e.message),
            Some("container nope is not valid for pod p".into())
        );
        assert_eq!(
            pick_container(&pod, "p", "envoy").ok(),
            Some("envoy".into())
        );
        let single = json!({"spec": {"containers": [{"name": "app"}]}});
        assert_eq!(pick_container(&single, "p", "").ok(), Some("app".into()));
    }
}
