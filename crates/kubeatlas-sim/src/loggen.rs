//! Deterministic, believable container log lines (timestamp, level, message) per container.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::util::{self, splitmix64};

/// Average spacing between lines; each line is within ±50 ms of `start + i * SPACING`.
const SPACING_MS: i64 = 200;
/// How many of the most recent lines the "kubelet" keeps (older ones are rotated away).
pub(crate) const RETAINED: u64 = 1000;
/// Lines a container logs on startup before its steady-state chatter.
const STARTUP: u64 = 4;

/// What kind of program a container runs, which decides its log style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    Web,
    Proxy,
    Postgres,
    Redis,
    Agent,
    Batch,
}

fn flavor(service: &str, container: &str, image: &str) -> Flavor {
    let probe = format!("{service} {container} {image}");
    if container == "envoy" || probe.contains("envoy") {
        Flavor::Proxy
    } else if probe.contains("postgres") {
        Flavor::Postgres
    } else if probe.contains("redis") {
        Flavor::Redis
    } else if probe.contains("fluent") || probe.contains("exporter") || probe.contains("agent") {
        Flavor::Agent
    } else if probe.contains("report") || probe.contains("job") || probe.contains("batch") {
        Flavor::Batch
    } else {
        Flavor::Web
    }
}

/// One container instance's log: deterministic content, timestamps anchored at its start.
#[derive(Clone, Debug)]
pub(crate) struct LogSource {
    seed: u64,
    flavor: Flavor,
    service: String,
    version: String,
    start: Timestamp,
    /// For instances that exited: no lines after this index; the last one says why.
    end: Option<(u64, Exit)>,
}

/// How a finished container instance ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    Crashed,
    Completed,
}

impl LogSource {
    /// The log of `container` in `pod`; `instance` distinguishes restarts, `start` is when that
    /// instance started and `exit` how (and when) it ended, if it did.
    pub fn new(
        pod: &Value,
        container: &str,
        instance: i64,
        start: Timestamp,
        exit: Option<(Timestamp, Exit)>,
    ) -> LogSource {
        let image = pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .and_then(|cs| cs.iter().find(|c| util::str_at(c, "/name") == container))
            .map(|c| util::str_at(c, "/image").to_string())
            .unwrap_or_default();
        let service = util::labels(pod)
            .find(|(k, _)| *k == "app.kubernetes.io/name")
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| container.to_string());
        let version = util::labels(pod)
            .find(|(k, _)| *k == "app.kubernetes.io/version")
            .map(|(_, v)| v.to_string())
            .or_else(|| image.rsplit_once(':').map(|(_, t)| t.to_string()))
            .unwrap_or_else(|| "dev".to_string());
        let seed = util::fnv64a(
            format!(
                "{}/{container}/{instance}",
                util::str_at(pod, "/metadata/name")
            )
            .as_bytes(),
        );
        let mut src = LogSource {
            seed,
            flavor: flavor(&service, container, &image),
            service,
            version,
            start,
            end: None,
        };
        if let Some((at, how)) = exit {
            let n = match how {
                // A crashing instance gets through its startup, then dies.
                Exit::Crashed => STARTUP + 2,
                Exit::Completed => src.count_at(at).max(STARTUP + 3),
            };
            src.end = Some((n, how));
        }
        src
    }

    fn rand(&self, i: u64, salt: u64) -> u64 {
        splitmix64(self.seed ^ i.wrapping_mul(0x9e37_79b9) ^ salt.wrapping_mul(0x85eb_ca6b))
    }

    /// When line `i` was written.
    pub fn time(&self, i: u64) -> Timestamp {
        let jitter = (self.rand(i, 1) % 100) as i64 - 50;
        let ms = (i as i64) * SPACING_MS + jitter + 50;
        self.start
            .checked_add(SignedDuration::from_millis(ms))
            .unwrap_or(self.start)
    }

    /// Number of lines written by `now` (all of them, for a finished instance).
    pub fn count_at(&self, now: Timestamp) -> u64 {
        if let Some((n, _)) = self.end {
            return n;
        }
        let elapsed = now.duration_since(self.start).as_millis();
        if elapsed < 0 {
            return 0;
        }
        (elapsed as u64) / (SPACING_MS as u64)
    }

    /// Whether the instance has exited (its log will not grow).
    pub fn finished(&self) -> bool {
        self.end.is_some()
    }

    /// The text of line `i` (without the kubelet timestamp prefix), newline-terminated.
    pub fn line(&self, i: u64) -> String {
        let ts = self.time(i);
        let app_ts = ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let (level, msg) = self.message(i);
        match self.flavor {
            Flavor::Postgres => format!(
                "{} UTC [{}] {level}:  {msg}\n",
                ts.strftime("%Y-%m-%d %H:%M:%S%.3f"),
                40 + self.rand(0, 9) % 60
            ),
            Flavor::Redis => format!("1:M {} {msg}\n", ts.strftime("%d %b %Y %H:%M:%S%.3f")),
            Flavor::Agent => format!(
                "[{}] [{level:>5}] {msg}\n",
                ts.strftime("%Y/%m/%d %H:%M:%S")
            ),
            Flavor::Proxy => format!("[{app_ts}] {msg}\n"),
            Flavor::Web | Flavor::Batch => format!("{app_ts} {level:<5} {msg}\n"),
        }
    }

    fn message(&self, i: u64) -> (&'static str, String) {
        if let Some((n, how)) = self.end
            && i + 1 >= n
        {
            return match how {
                Exit::Crashed => (
                    "FATAL",
                    format!(
                        "{}: exiting: upstream cluster is unreachable (exit code 1)",
                        self.service
                    ),
                ),
                Exit::Completed => ("INFO", format!("{} finished successfully", self.service)),
            };
        }
        if let Some((n, Exit::Crashed)) = self.end
            && i + 2 == n
        {
            return (
                "ERROR",
                "failed to initialize listener: connection refused (dial tcp 10.96.0.12:15000)"
                    .to_string(),
            );
        }
        if i < STARTUP {
            return ("INFO", self.startup(i));
        }
        let r = self.rand(i, 2);
        let pick = |xs: &[&str]| xs[(self.rand(i, 3) % xs.len() as u64) as usize].to_string();
        let ms = 2 + r % 40;
        match self.flavor {
            Flavor::Web => {
                let path = pick(&[
                    "/api/v1/orders",
                    "/api/v1/items",
                    "/api/v1/carts",
                    "/api/v1/users",
                    "/healthz",
                    "/metrics",
                ]);
                match r % 20 {
                    0 => (
                        "WARN",
                        format!(
                            "slow request method=GET path={path} status=200 duration_ms={}",
                            800 + r % 900
                        ),
                    ),
                    1 => (
                        "DEBUG",
                        format!(
                            "cache refresh keys={} hit_ratio=0.{}",
                            100 + r % 900,
                            80 + r % 19
                        ),
                    ),
                    2 => (
                        "ERROR",
                        format!(
                            "request failed method=POST path={path} status=503 error=\"upstream timeout\" duration_ms={}",
                            1000 + r % 2000
                        ),
                    ),
                    3 => (
                        "INFO",
                        format!("POST {path} 201 duration_ms={ms} bytes={}", 200 + r % 4000),
                    ),
                    _ => (
                        "INFO",
                        format!("GET {path} 200 duration_ms={ms} bytes={}", 100 + r % 9000),
                    ),
                }
            }
            Flavor::Proxy => {
                let path = pick(&["/api/v1/orders", "/api/v1/payments", "/healthz", "/ready"]);
                let code = if r.is_multiple_of(25) { 503 } else { 200 };
                (
                    "INFO",
                    format!(
                        "\"GET {path} HTTP/1.1\" {code} - 0 {} {ms} {} \"10.244.{}.{}\" \"Go-http-client/1.1\"",
                        100 + r % 4000,
                        ms.saturating_sub(1),
                        r % 8,
                        2 + r % 250
                    ),
                )
            }
            Flavor::Postgres => match r % 6 {
                0 => ("LOG", "checkpoint starting: time".to_string()),
                1 => (
                    "LOG",
                    format!(
                        "checkpoint complete: wrote {} buffers ({}.{}%)",
                        r % 500,
                        r % 5,
                        r % 10
                    ),
                ),
                2 => (
                    "LOG",
                    format!(
                        "connection received: host=10.244.{}.{} port={}",
                        r % 8,
                        2 + r % 250,
                        40000 + r % 20000
                    ),
                ),
                _ => (
                    "LOG",
                    format!(
                        "duration: {}.{} ms  statement: SELECT id, status FROM orders WHERE id = $1",
                        r % 50,
                        r % 1000
                    ),
                ),
            },
            Flavor::Redis => match r % 5 {
                0 => (
                    "",
                    format!("* {} changes in 60 seconds. Saving...", 100 + r % 10000),
                ),
                1 => (
                    "",
                    format!("* Background saving started by pid {}", 100 + r % 900),
                ),
                2 => (
                    "",
                    "* Background saving terminated with success".to_string(),
                ),
                _ => (
                    "",
                    format!("* DB saved on disk ({} keys)", 1000 + r % 90000),
                ),
            },
            Flavor::Agent => match r % 4 {
                0 => (
                    "warn",
                    format!(
                        "[input:tail] file rotated, re-opening inode={}",
                        r % 1_000_000
                    ),
                ),
                _ => (
                    "info",
                    format!(
                        "[output:forward] flushed {} records in {} ms",
                        10 + r % 500,
                        ms
                    ),
                ),
            },
            Flavor::Batch => (
                "INFO",
                format!(
                    "processed batch {} rows={} duration_ms={}",
                    i - STARTUP + 1,
                    100 + r % 5000,
                    50 + r % 900
                ),
            ),
        }
    }

    fn startup(&self, i: u64) -> String {
        let (svc, ver) = (&self.service, &self.version);
        match (self.flavor, i) {
            (Flavor::Postgres, 0) => format!("starting PostgreSQL {ver} on x86_64-pc-linux-gnu"),
            (Flavor::Postgres, 1) => "listening on IPv4 address \"0.0.0.0\", port 5432".to_string(),
            (Flavor::Postgres, 2) => {
                "database system was shut down at 2026-01-01 00:00:00 UTC".to_string()
            }
            (Flavor::Postgres, _) => "database system is ready to accept connections".to_string(),
            (Flavor::Redis, 0) => format!("# Redis version={ver}, bits=64, pid=1, just started"),
            (Flavor::Redis, 1) => "# Server initialized".to_string(),
            (Flavor::Redis, 2) => "* Loading RDB produced by version 7.2".to_string(),
            (Flavor::Redis, _) => "* Ready to accept connections tcp".to_string(),
            (Flavor::Proxy, 0) => {
                "initializing epoch 0 (base id=0, hot restart version=11.104)".to_string()
            }
            (Flavor::Proxy, 1) => "loading 2 cluster(s), 1 listener(s)".to_string(),
            (Flavor::Proxy, 2) => "all clusters initialized. initializing init manager".to_string(),
            (Flavor::Proxy, _) => "starting main dispatch loop".to_string(),
            (Flavor::Agent, 0) => format!("[fluent bit] version={ver}, commit=sim, pid=1"),
            (Flavor::Agent, 1) => "[storage] ver=1.5.1, type=memory, sync=normal".to_string(),
            (Flavor::Agent, 2) => "[sp] stream processor started".to_string(),
            (Flavor::Agent, _) => "[output:forward] worker #0 started".to_string(),
            (_, 0) => format!("starting {svc} version={ver}"),
            (_, 1) => "loaded configuration from /etc/config/app.yaml".to_string(),
            (_, 2) => "connected to database pool_size=10".to_string(),
            (_, _) => "listening on :8080 (http), :9090 (metrics)".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Value {
        json!({"metadata": {"name": "checkout-abc", "labels": {"app.kubernetes.io/name": "checkout-api", "app.kubernetes.io/version": "1.4.2"}},
               "spec": {"containers": [{"name": "app", "image": "registry.example/checkout-api:1.4.2"}, {"name": "envoy", "image": "envoy:1.30"}]}})
    }

    #[test]
    fn deterministic_and_monotonic() {
        let start: Timestamp = "2026-01-01T00:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let a = LogSource::new(&pod(), "app", 0, start, None);
        let b = LogSource::new(&pod(), "app", 0, start, None);
        for i in 0..50 {
            assert_eq!(a.line(i), b.line(i));
            assert!(a.time(i) < a.time(i + 1));
            assert!(a.line(i).ends_with('\n'));
        }
        assert!(a.line(0).contains("starting checkout-api version=1.4.2"));
        let envoy = LogSource::new(&pod(), "envoy", 0, start, None);
        assert_ne!(envoy.line(10), a.line(10));
        let later = start
            .checked_add(SignedDuration::from_secs(10))
            .unwrap_or(start);
        assert_eq!(a.count_at(later), 50);
    }

    #[test]
    fn crashed_instance_ends_with_fatal() {
        let start: Timestamp = "2026-01-01T00:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let src = LogSource::new(&pod(), "envoy", 3, start, Some((start, Exit::Crashed)));
        let n = src.count_at(start);
        assert!(src.finished());
        assert!(src.line(n - 1).contains("exit code 1"));
    }
}
