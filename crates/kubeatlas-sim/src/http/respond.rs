//! Response builders: JSON bodies, Status errors and streaming bodies with API-server headers.

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};

use crate::status::ApiError;

/// `Content-Type` of JSON responses.
pub(crate) const JSON: &str = "application/json";

fn base(status: u16, content_type: &str, body: Body) -> Response {
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    resp
}

/// A JSON response with the given status and body.
pub(crate) fn json(status: u16, body: impl Into<Bytes>) -> Response {
    base(status, JSON, Body::from(body.into()))
}

/// A response with an explicit content type.
pub(crate) fn typed(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response {
    base(status, content_type, Body::from(body.into()))
}

/// A streamed (chunked) response.
pub(crate) fn stream(content_type: &str, body: Body) -> Response {
    base(200, content_type, body)
}

/// A `Status` failure response.
pub(crate) fn error(e: &ApiError) -> Response {
    json(e.code, e.to_bytes())
}
