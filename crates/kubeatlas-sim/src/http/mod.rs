//! HTTP front end: request intake (journal, latency, auth, faults) and routing to the verbs.

mod discovery;
mod list;
mod logs;
pub(crate) mod metrics;
mod objects;
mod path;
mod query;
pub(crate) mod remote;
mod respond;
mod review;
mod scale;
mod stream;
mod table;
mod watch;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;
use http::{Method, header};
use tokio_util::sync::CancellationToken;

use self::objects::Repr;
use self::path::Target;
use self::query::Query;
use super::cluster::Scope;
use super::cluster::{SimCluster, lock};
use super::faults::{Attributes, Faults};
use super::journal::JournalEntry;
use super::resource::SimResource;
use super::status::ApiError;

/// Shared state of a running server, handed to every request.
pub(crate) struct ServerCtx {
    pub cluster: Arc<SimCluster>,
    /// Cancelled on shutdown: ends every open stream.
    pub shutdown: CancellationToken,
    /// `host:port` the server listens on.
    pub address: String,
}

/// Largest request body accepted (the real server's limit is 3 MiB for most requests).
const MAX_BODY: usize = 16 << 20;

/// A request, read and decoded.
pub(crate) struct Req {
    pub method: Method,
    pub query: Query,
    pub content_type: Option<String>,
    pub accept: String,
    pub authorization: Option<String>,
    pub body: Bytes,
}

/// The single axum handler: every path goes through here.
pub(crate) async fn handle(State(ctx): State<Arc<ServerCtx>>, req: Request<Body>) -> Response {
    let (parts, body) = req.into_parts();
    if remote::is_upgrade(&parts) {
        return upgrade(&ctx, parts).await;
    }
    let header = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let body = axum::body::to_bytes(body, MAX_BODY).await;
    let req = Req {
        method: parts.method.clone(),
        query: Query::parse(&raw_query),
        content_type: header(header::CONTENT_TYPE),
        accept: header(header::ACCEPT).unwrap_or_default(),
        authorization: header(header::AUTHORIZATION),
        body: body.as_ref().cloned().unwrap_or_default(),
    };
    let faults = lock(&ctx.cluster.faults).clone();
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let mut gate = ctx.cluster.gate.subscribe();
    if *gate.borrow_and_update() {
        lock(&ctx.cluster.held).push(path.clone());
        let _ = gate.wait_for(|held| !held).await;
        let mut held = lock(&ctx.cluster.held);
        if let Some(i) = held.iter().position(|p| *p == path) {
            held.remove(i);
        }
    }
    let result = match body {
        Err(_) => Err(ApiError {
            code: 413,
            reason: "RequestEntityTooLarge",
            message: "Request entity too large: limit is 16777216".to_string(),
            details: None,
            metadata: serde_json::json!({}),
        }),
        Ok(_) => dispatch(&ctx, &faults, &path, &req),
    };
    let resp = result.unwrap_or_else(|e| respond::error(&e));
    ctx.cluster.record(JournalEntry {
        method: req.method.to_string(),
        path,
        query: raw_query,
        content_type: req.content_type.clone(),
        accept: req.accept.clone(),
        body: String::from_utf8_lossy(&req.body).into_owned(),
        status: resp.status().as_u16(),
    });
    resp
}

/// A WebSocket upgrade (exec, port-forward): served by [`remote`], journaled like any request.
async fn upgrade(ctx: &Arc<ServerCtx>, parts: http::request::Parts) -> Response {
    let method = parts.method.to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let accept = parts
        .headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let resp = remote::serve(ctx, parts)
        .await
        .unwrap_or_else(|e| respond::error(&e));
    ctx.cluster.record(JournalEntry {
        method,
        path,
        query,
        content_type: None,
        accept,
        body: String::new(),
        status: resp.status().as_u16(),
    });
    resp
}

fn dispatch(
    ctx: &Arc<ServerCtx>,
    faults: &Faults,
    path: &str,
    req: &Req,
) -> Result<Response, ApiError> {
    faults.authenticate(req.authorization.as_deref())?;
    if faults.fail_all {
        return Err(ApiError::internal("simulated failure (fail_all)"));
    }
    if let Some(answer) = review::serve(faults, path, req) {
        return answer;
    }
    if req.method == Method::GET
        && let Some(answer) = metrics::serve(&ctx.cluster, faults.metrics, &faults.user, path)
    {
        return answer;
    }
    let target = path::parse(path).ok_or_else(ApiError::path_not_found)?;
    let cluster = &ctx.cluster;
    let authorize =
        |verb: &'static str, res: SimResource, sub: Option<&str>, ns: Option<&str>, name: &str| {
            faults.authorize(&Attributes {
                verb,
                res,
                subresource: sub,
                namespace: ns,
                name,
            })
        };
    let repr = Repr::from_accept(&req.accept);
    match target {
        Target::Version
        | Target::Api
        | Target::Apis
        | Target::Group(_)
        | Target::GroupVersion(_) => {
            if req.method != Method::GET {
                return Err(ApiError::method_not_allowed());
            }
            discovery::serve(&target, &req.accept, &ctx.address)
        }
        Target::Collection { res, namespace } => {
            let ns = namespace.as_deref();
            match req.method {
                Method::GET => {
                    if req.query.bool("watch")? {
                        authorize("watch", res, None, ns, "")?;
                        watch::serve(ctx, res, ns, &req.query, repr)
                    } else {
                        authorize("list", res, None, ns, "")?;
                        list::serve(cluster, res, ns, &req.query, repr)
                    }
                }
                Method::POST if ns.is_some() || !res.namespaced() => {
                    authorize("create", res, None, ns, "")?;
                    objects::create(cluster, res, ns, req)
                }
                Method::DELETE if ns.is_some() || !res.namespaced() => {
                    authorize("deletecollection", res, None, ns, "")?;
                    objects::delete_collection(cluster, res, ns, req)
                }
                _ => Err(ApiError::method_not_allowed()),
            }
        }
        Target::Object {
            res,
            namespace,
            name,
        } => {
            let ns = namespace.as_deref();
            match req.method {
                Method::GET => {
                    authorize("get", res, None, ns, &name)?;
                    objects::get(cluster, res, ns, &name, repr)
                }
                Method::PUT => {
                    authorize("update", res, None, ns, &name)?;
                    objects::replace(cluster, res, ns, &name, Scope::Main, req)
                }
                Method::PATCH => {
                    authorize("patch", res, None, ns, &name)?;
                    objects::patch(cluster, res, ns, &name, Scope::Main, req)
                }
                Method::DELETE => {
                    authorize("delete", res, None, ns, &name)?;
                    objects::delete(cluster, res, ns, &name, req)
                }
                _ => Err(ApiError::method_not_allowed()),
            }
        }
        Target::Sub {
            res,
            namespace,
            name,
            sub,
        } => {
            let ns = namespace.as_deref();
            let verb = match req.method {
                Method::GET => "get",
                Method::PUT => "update",
                Method::PATCH => "patch",
                _ => return Err(ApiError::method_not_allowed()),
            };
            match sub.as_str() {
                "scale" if res.info().has_scale => {
                    authorize(verb, res, Some("scale"), ns, &name)?;
                    scale::serve(cluster, res, ns, &name, req)
                }
                "status" => {
                    authorize(verb, res, Some("status"), ns, &name)?;
                    match verb {
                        "get" => objects::get(cluster, res, ns, &name, repr),
                        "update" => objects::replace(cluster, res, ns, &name, Scope::Status, req),
                        _ => objects::patch(cluster, res, ns, &name, Scope::Status, req),
                    }
                }
                "log" if res == SimResource::Pods => {
                    if verb != "get" {
                        return Err(ApiError::method_not_allowed());
                    }
                    authorize("get", res, Some("log"), ns, &name)?;
                    logs::serve(ctx, ns.unwrap_or("default"), &name, &req.query)
                }
                _ => Err(ApiError::path_not_found()),
            }
        }
    }
}
