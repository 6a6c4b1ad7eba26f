//! Shared helpers for integration tests: an inner service that counts its calls, and a way to
//! send one request through a layer and see the response and whether the inner service ran.
#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use tower::{service_fn, Layer, ServiceExt};
use tower_cors::CorsLayer;

pub type Body = Full<bytes_body::Bytes>;

/// Re-export so tests need not depend on `bytes` themselves.
pub mod bytes_body {
    pub use axum::body::Bytes;
}

/// What the inner service answers, and how many times it ran.
#[derive(Clone, Default)]
pub struct Inner {
    pub calls: Arc<AtomicUsize>,
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Inner {
    pub fn ok() -> Self {
        Self { status: StatusCode::OK, ..Self::default() }
    }

    pub fn with_status(status: StatusCode) -> Self {
        Self { status, ..Self::default() }
    }

    pub fn with_header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((HeaderName::from_static(name), HeaderValue::from_static(value)));
        self
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

/// The outcome of one request through the layer.
#[derive(Debug)]
pub struct Outcome {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub inner_called: bool,
}

impl Outcome {
    /// The header's only value as a string; panics (failing the test) if it appears twice.
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut all = self.headers.get_all(name).iter();
        let first = all.next()?;
        assert!(all.next().is_none(), "header {name} appears more than once: {:?}", self.headers);
        Some(first.to_str().expect("visible ASCII header"))
    }

    pub fn has(&self, name: &str) -> bool {
        self.headers.contains_key(name)
    }

    /// Whether no `access-control-*` header is present at all.
    pub fn no_grant(&self) -> bool {
        !self.headers.keys().any(|k| k.as_str().starts_with("access-control-"))
    }
}

/// Builds a request from a method, a path and header lines (repeated names make several lines).
pub fn request(method: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::builder().method(Method::from_bytes(method.as_bytes()).expect("method")).uri("/items");
    for (name, value) in headers {
        builder = builder.header(*name, HeaderValue::from_bytes(value.as_bytes()).expect("header value"));
    }
    builder.body(Body::default()).expect("request")
}

/// Sends `req` through `layer` around `inner`, on the current runtime.
pub async fn send(layer: &CorsLayer, inner: &Inner, req: Request<Body>) -> Outcome {
    let before = inner.calls();
    let answer = inner.clone();
    let service = layer.layer(service_fn(move |_req: Request<Body>| {
        let answer = answer.clone();
        async move {
            answer.calls.fetch_add(1, Ordering::SeqCst);
            let mut response = Response::new(Body::default());
            *response.status_mut() = answer.status;
            for (name, value) in answer.headers {
                response.headers_mut().append(name, value);
            }
            Ok::<_, Infallible>(response)
        }
    }));
    let response = service.oneshot(req).await.expect("infallible");
    Outcome { status: response.status(), headers: response.headers().clone(), inner_called: inner.calls() > before }
}
