//! `pods/exec` and `pods/portforward` over WebSocket, framed as the API server frames them
//! (`k8s.io/apimachinery/pkg/util/httpstream/wsstream`): binary messages whose first byte is
//! the channel. Exec negotiates `v5.channel.k8s.io` (channel 255 closes a stream) or
//! `v4.channel.k8s.io`: 0 stdin, 1 stdout, 2 stderr, 3 the exit `Status` as JSON, 4 resize
//! (`{"Width":…,"Height":…}`). The "process" is a fake shell: a prompt, each typed byte echoed
//! as a terminal does (tty), each line's output, `exit [N]` ends it with the status on
//! channel 3; `stty size` prints the last resize. An image without bash (`alpine`, `busybox`,
//! `distroless` in its reference) runs `sh`. Port-forward (`v4.channel.k8s.io`, what kubectl's
//! WebSocket port-forward speaks): per port a data channel (2i) and an error channel (2i+1),
//! each opened with the port number (little-endian u16), then an echo server on every port a
//! container of the pod declares; another port answers on its error channel, as the kubelet
//! does when nothing listens. Every upgrade is recorded ([`StreamUpgrade`]) with the
//! subprotocols offered and the one chosen, so tests check the wire.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use bytes::Bytes;
use http::HeaderValue;
use http::request::Parts;
use serde_json::{Value, json};

use super::ServerCtx;
use super::path::{self, Target};
use super::query::Query;
use crate::cluster::{SimCluster, lock};
use crate::faults::Attributes;
use crate::resource::SimResource;
use crate::status::ApiError;

/// The exec subprotocols, preferred first (what kubectl offers and the API server accepts).
pub const V5: &str = "v5.channel.k8s.io";
pub const V4: &str = "v4.channel.k8s.io";

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const ERROR: u8 = 3;
const RESIZE: u8 = 4;
const CLOSE: u8 = 255;

/// One WebSocket upgrade the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamUpgrade {
    /// Request path (`/api/v1/namespaces/shop/pods/x/exec`).
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// The `Sec-WebSocket-Protocol` header as sent (comma-separated, client's order).
    pub offered: String,
    /// The subprotocol the server chose (None: refused).
    pub chosen: Option<String>,
}

/// Streaming state of one cluster: the upgrades seen, the terminal sizes received, and
/// whether exec speaks only v4 (an older API server).
#[derive(Debug, Default)]
pub(crate) struct RemoteState {
    upgrades: Vec<StreamUpgrade>,
    resizes: Vec<(u16, u16)>,
    v4_only: bool,
}

impl SimCluster {
    /// The WebSocket upgrades (exec, port-forward) received so far.
    pub fn stream_upgrades(&self) -> Vec<StreamUpgrade> {
        lock(&self.remote).upgrades.clone()
    }

    /// The terminal sizes (width, height) exec sessions received on the resize channel.
    pub fn terminal_resizes(&self) -> Vec<(u16, u16)> {
        lock(&self.remote).resizes.clone()
    }

    /// Speak only `v4.channel.k8s.io` for exec, as an API server before v1.30 does.
    pub fn set_exec_v4_only(&self, on: bool) {
        lock(&self.remote).v4_only = on;
    }
}

/// Whether a request asks to upgrade to a WebSocket.
pub(crate) fn is_upgrade(parts: &Parts) -> bool {
    parts
        .headers
        .get(http::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// What the connection serves.
enum Session {
    Exec {
        pod: Value,
        container: String,
        command: Vec<String>,
        tty: bool,
    },
    Forward {
        pod: Value,
        ports: Vec<u16>,
    },
}

/// Serves an upgrade request to `pods/{name}/exec` or `pods/{name}/portforward`: the same
/// authentication and authorization as every request (verb `create` on the subresource, as
/// the API server checks WebSocket exec since v1.30), then the session.
pub(crate) async fn serve(ctx: &Arc<ServerCtx>, mut parts: Parts) -> Result<Response, ApiError> {
    let faults = lock(&ctx.cluster.faults).clone();
    let auth = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    faults.authenticate(auth)?;
    if faults.fail_all {
        return Err(ApiError::internal("simulated failure (fail_all)"));
    }
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let Some(Target::Sub {
        res: SimResource::Pods,
        namespace,
        name,
        sub,
    }) = path::parse(&path)
    else {
        return Err(ApiError::path_not_found());
    };
    let is_exec = match sub.as_str() {
        "exec" => true,
        "portforward" => false,
        _ => return Err(ApiError::path_not_found()),
    };
    let ns = namespace.as_deref().unwrap_or("default");
    faults.authorize(&Attributes {
        verb: "create",
        res: SimResource::Pods,
        subresource: Some(&sub),
        namespace: Some(ns),
        name: &name,
    })?;
    let pod = ctx
        .cluster
        .get(SimResource::Pods, Some(ns), &name)
        .ok_or_else(|| ApiError::not_found(SimResource::Pods, &name))?;
    let q = Query::parse(&raw_query);
    let session = if is_exec {
        let command: Vec<String> = form_urlencoded::parse(raw_query.as_bytes())
            .filter(|(k, _)| k == "command")
            .map(|(_, v)| v.into_owned())
            .collect();
        if command.is_empty() {
            return Err(ApiError::bad_request("you must specify at least 1 command"));
        }
        let container = super::logs::pick_container(&pod, &name, q.str("container"))?;
        if crate::util::str_at(&pod, "/status/phase") != "Running" {
            return Err(ApiError::bad_request(format!(
                "unable to upgrade connection: container not found (\"{container}\")"
            )));
        }
        Session::Exec {
            pod,
            container,
            command,
            tty: q.bool("tty")?,
        }
    } else {
        let mut ports = vec![];
        for (k, v) in form_urlencoded::parse(raw_query.as_bytes()) {
            if k != "ports" {
                continue;
            }
            for p in v.split(',') {
                let port = p
                    .trim()
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| ApiError::bad_request(format!("invalid port value {p:?}")))?;
                ports.push(port);
            }
        }
        if ports.is_empty() {
            return Err(ApiError::bad_request("at least 1 port must be specified"));
        }
        Session::Forward { pod, ports }
    };
    let ws = WebSocketUpgrade::from_request_parts(&mut parts, &())
        .await
        .map_err(|e| ApiError::bad_request(format!("unable to upgrade connection: {e}")))?;
    let offered: Vec<String> = ws
        .requested_protocols()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect();
    let header = parts
        .headers
        .get_all(http::header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    let supported: &[&str] = match (&session, lock(&ctx.cluster.remote).v4_only) {
        (Session::Exec { .. }, false) => &[V5, V4],
        _ => &[V4],
    };
    // The server's preference among what the client offered (the API server's order).
    let chosen = supported
        .iter()
        .find(|p| offered.iter().any(|o| o == *p))
        .map(|p| p.to_string());
    lock(&ctx.cluster.remote).upgrades.push(StreamUpgrade {
        path,
        query: raw_query,
        offered: header,
        chosen: chosen.clone(),
    });
    let Some(chosen) = chosen else {
        return Err(ApiError::bad_request(format!(
            "unable to upgrade connection: none of the subprotocols {offered:?} is supported (want one of {supported:?})"
        )));
    };
    let mut ws = ws;
    ws.set_selected_protocol(
        HeaderValue::from_str(&chosen)
            .map_err(|e| ApiError::internal(&format!("subprotocol {chosen:?}: {e}")))?,
    );
    let cluster = ctx.cluster.clone();
    let shutdown = ctx.shutdown.clone();
    let v5 = chosen == V5;
    Ok(ws.on_upgrade(move |socket| async move {
        let mut epoch = cluster.stream_epoch.subscribe();
        let run = async {
            match session {
                Session::Exec {
                    pod,
                    container,
                    command,
                    tty,
                } => exec(&cluster, socket, &pod, &container, &command, tty, v5).await,
                Session::Forward { pod, ports } => forward(socket, &pod, &ports).await,
            }
        };
        // `drop_watches` and shutdown end the session abruptly: no status, no close frame.
        tokio::select! {
            _ = run => {}
            _ = epoch.changed() => {}
            _ = shutdown.cancelled() => {}
        }
    }))
}

fn frame(channel: u8, data: &[u8]) -> Message {
    let mut v = Vec::with_capacity(data.len() + 1);
    v.push(channel);
    v.extend_from_slice(data);
    Message::Binary(Bytes::from(v))
}

/// Which shell the command runs (`bash`, `sh`) and the one-shot command line it was given,
/// if any; Err: the message when the executable does not exist.
fn shell_of(command: &[String], has_bash: bool) -> Result<(String, Option<String>), String> {
    let prog = command[0].rsplit('/').next().unwrap_or("");
    let missing = || {
        format!(
            "exec: \"{}\": executable file not found in $PATH",
            command[0]
        )
    };
    match prog {
        "bash" if !has_bash => Err(missing()),
        "bash" | "sh" => match command.get(1).map(String::as_str) {
            Some("-c") => {
                let script = command.get(2).cloned().unwrap_or_default();
                if script.contains("exec bash") && script.contains("exec sh") {
                    // k9s's `command -v bash >/dev/null && exec bash || exec sh`.
                    let sh = if has_bash { "bash" } else { "sh" };
                    Ok((sh.into(), None))
                } else {
                    Ok((prog.into(), Some(script)))
                }
            }
            _ => Ok((prog.into(), None)),
        },
        "echo" | "hostname" | "true" | "false" | "stty" => {
            Ok((prog.into(), Some(command.join(" "))))
        }
        _ => Err(missing()),
    }
}

/// The exit status body on channel 3.
fn status(code: i32, command: &[String]) -> Value {
    if code == 0 {
        return json!({"metadata": {}, "status": "Success"});
    }
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!("command terminated with non-zero exit code: error executing command [{}], exit code {code}", command.join(" ")),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
    })
}

/// One command line of the fake shell: its output, or the exit code it ends the shell with.
fn run_line(line: &str, pod: &Value, size: Option<(u16, u16)>) -> Result<String, i32> {
    let line = line.trim();
    let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
    match cmd {
        "" => Ok(String::new()),
        "exit" => Err(rest.trim().parse::<i32>().unwrap_or(0)),
        "echo" => Ok(format!("{rest}\r\n")),
        "true" => Ok(String::new()),
        "false" => Err(1),
        "hostname" => Ok(format!(
            "{}\r\n",
            crate::util::str_at(pod, "/metadata/name")
        )),
        "stty" if rest.trim() == "size" => Ok(match size {
            Some((w, h)) => format!("{h} {w}\r\n"),
            None => "0 0\r\n".into(),
        }),
        // Anything else is echoed back: the shell "runs" it.
        _ => Ok(format!("{line}\r\n")),
    }
}

async fn exec(
    cluster: &SimCluster,
    mut socket: WebSocket,
    pod: &Value,
    container: &str,
    command: &[String],
    tty: bool,
    v5: bool,
) {
    let image = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| crate::util::str_at(c, "/name") == container)
        })
        .map(|c| crate::util::str_at(c, "/image").to_string())
        .unwrap_or_default();
    let has_bash = !["alpine", "busybox", "distroless"]
        .iter()
        .any(|x| image.contains(x));
    let send_status = |code: i32| frame(ERROR, status(code, command).to_string().as_bytes());
    let (shell, script) = match shell_of(command, has_bash) {
        Ok(s) => s,
        Err(message) => {
            let body = json!({"metadata": {}, "status": "Failure", "message": message,
                "reason": "InternalError", "details": {"causes": [{"message": message}]}, "code": 500});
            let _ = socket.send(frame(ERROR, body.to_string().as_bytes())).await;
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
    };
    let mut size: Option<(u16, u16)> = None;
    if let Some(script) = script {
        // A one-shot command line: its output, then its status.
        let (out, code) = match run_line(&script, pod, size) {
            Ok(out) => (out, 0),
            Err(code) => (String::new(), code),
        };
        let out = if tty { out } else { out.replace("\r\n", "\n") };
        if !out.is_empty() {
            let _ = socket.send(frame(STDOUT, out.as_bytes())).await;
        }
        let _ = socket.send(send_status(code)).await;
        let _ = socket.send(Message::Close(None)).await;
        return;
    }
    let prompt = if shell == "bash" {
        "bash-5.2# "
    } else {
        "/ # "
    };
    let mut line: Vec<u8> = vec![];
    if tty && socket.send(frame(STDOUT, prompt.as_bytes())).await.is_err() {
        return;
    }
    loop {
        let Some(Ok(msg)) = socket.recv().await else {
            return;
        };
        let data = match msg {
            Message::Binary(b) => b,
            Message::Close(_) => return,
            _ => continue,
        };
        let Some((&channel, payload)) = data.split_first() else {
            continue;
        };
        match channel {
            STDIN => {}
            RESIZE => {
                if let Ok(v) = serde_json::from_slice::<Value>(payload) {
                    let w = v["Width"].as_u64().unwrap_or(0) as u16;
                    let h = v["Height"].as_u64().unwrap_or(0) as u16;
                    size = Some((w, h));
                    lock(&cluster.remote).resizes.push((w, h));
                }
                continue;
            }
            // v5: the client closed stdin: the shell reads EOF and exits 0.
            CLOSE if v5 && payload.first() == Some(&STDIN) => {
                let _ = socket.send(send_status(0)).await;
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
            _ => continue,
        }
        let mut out: Vec<u8> = vec![];
        let mut exit = None;
        for &b in payload {
            match b {
                b'\r' | b'\n' => {
                    if tty {
                        out.extend_from_slice(b"\r\n");
                    }
                    let text = String::from_utf8_lossy(&line).into_owned();
                    line.clear();
                    match run_line(&text, pod, size) {
                        Ok(o) => {
                            let o = if tty { o } else { o.replace("\r\n", "\n") };
                            out.extend_from_slice(o.as_bytes());
                            if tty {
                                out.extend_from_slice(prompt.as_bytes());
                            }
                        }
                        Err(code) => {
                            exit = Some(code);
                            break;
                        }
                    }
                }
                // ^D on an empty line: EOF.
                4 if line.is_empty() => {
                    exit = Some(0);
                    break;
                }
                // Backspace / DEL.
                8 | 127 => {
                    if line.pop().is_some() && tty {
                        out.extend_from_slice(b"\x08 \x08");
                    }
                }
                b => {
                    line.push(b);
                    if tty {
                        out.push(b);
                    }
                }
            }
        }
        if !out.is_empty() && socket.send(frame(STDOUT, &out)).await.is_err() {
            return;
        }
        if let Some(code) = exit {
            let _ = socket.send(send_status(code)).await;
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
    }
}

/// The ports the pod's containers declare.
fn declared_ports(pod: &Value) -> Vec<u16> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["containerPort"].as_u64())
        .filter_map(|p| u16::try_from(p).ok())
        .collect()
}

async fn forward(mut socket: WebSocket, pod: &Value, ports: &[u16]) {
    // Each channel opens with its port, little-endian.
    for (i, p) in ports.iter().enumerate() {
        for ch in [2 * i, 2 * i + 1] {
            let Ok(ch) = u8::try_from(ch) else { return };
            if socket.send(frame(ch, &p.to_le_bytes())).await.is_err() {
                return;
            }
        }
    }
    let open = declared_ports(pod);
    let name = crate::util::str_at(pod, "/metadata/name").to_string();
    let uid = crate::util::str_at(pod, "/metadata/uid").to_string();
    loop {
        let Some(Ok(msg)) = socket.recv().await else {
            return;
        };
        let data = match msg {
            Message::Binary(b) => b,
            Message::Close(_) => return,
            _ => continue,
        };
        let Some((&channel, payload)) = data.split_first() else {
            continue;
        };
        let i = usize::from(channel / 2);
        let Some(port) = ports.get(i) else { continue };
        if channel % 2 == 1 || payload.is_empty() {
            continue;
        }
        if open.contains(port) {
            // The echo server: the bytes come back on the same channel.
            if socket.send(frame(channel, payload)).await.is_err() {
                return;
            }
        } else {
            let m = format!(
                "error forwarding port {port} to pod {name}, uid {uid}: failed to connect to localhost:{port} inside namespace: connection refused"
            );
            let _ = socket.send(frame(channel + 1, m.as_bytes())).await;
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_k9s_shell_line_runs_bash_where_the_image_has_it_else_sh() {
        let k9s = cmd(&[
            "sh",
            "-c",
            "command -v bash >/dev/null && exec bash || exec sh",
        ]);
        assert_eq!(shell_of(&k9s, true), Ok(("bash".into(), None)));
        assert_eq!(shell_of(&k9s, false), Ok(("sh".into(), None)));
        assert_eq!(shell_of(&cmd(&["/bin/sh"]), false), Ok(("sh".into(), None)));
        assert_eq!(
            shell_of(&cmd(&["bash"]), false),
            Err("exec: \"bash\": executable file not found in $PATH".into())
        );
        assert_eq!(
            shell_of(&cmd(&["echo", "hi"]), false),
            Ok(("echo".into(), Some("echo hi".into())))
        );
        assert!(shell_of(&cmd(&["nginx"]), true).is_err());
    }

    #[test]
    fn lines_are_run_and_exit_carries_its_code_as_kubelet_reports_it() {
        let pod = json!({"metadata": {"name": "cart-1"}});
        assert_eq!(run_line("echo a b", &pod, None), Ok("a b\r\n".into()));
        assert_eq!(run_line("hostname", &pod, None), Ok("cart-1\r\n".into()));
        assert_eq!(
            run_line("stty size", &pod, Some((120, 40))),
            Ok("40 120\r\n".into())
        );
        assert_eq!(run_line("ls -l", &pod, None), Ok("ls -l\r\n".into()));
        assert_eq!(run_line("exit 7", &pod, None), Err(7));
        assert_eq!(run_line("exit", &pod, None), Err(0));
        assert_eq!(status(0, &[])["status"], "Success");
        let s = status(7, &cmd(&["sh"]));
        assert_eq!(s["reason"], "NonZeroExitCode");
        assert_eq!(
            s["details"]["causes"][0],
            json!({"reason": "ExitCode", "message": "7"})
        );
    }
}
