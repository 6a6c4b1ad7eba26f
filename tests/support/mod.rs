//! Shared helpers for integration tests: an inner service that counts what happens to it, and a
//! way to send one request through a layer and see the response and what the inner service did.
//!
//! The inner service counts three things separately, because a layer can get each wrong on its
//! own: `call`s (work a service does in `call` itself, such as taking a rate limiter's budget or
//! counting a metric, happens even if the future is then dropped), polls of the future it
//! returned, and completions of that future.
#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use tower::{Layer, Service, ServiceExt};
use tower_cors::CorsLayer;

pub mod testing_md;

pub type Body = Full<bytes_body::Bytes>;

/// Re-export so tests need not depend on `bytes` themselves.
pub mod bytes_body {
    pub use axum::body::Bytes;
}

/// Runs inside the inner service's `call`, before it returns (to observe what the layer had done
/// by then).
pub type OnCall = Arc<dyn Fn() + Send + Sync>;

/// The inner service: what it answers, and how many times it was called, polled and completed.
///
/// A hand-written `tower::Service` (not a `service_fn`) so that `call` itself does observable
/// work. Clones share the counters.
#[derive(Clone, Default)]
pub struct Inner {
    /// Incremented inside `Service::call`.
    pub calls: Arc<AtomicUsize>,
    /// Incremented on every poll of a future `call` returned.
    pub polls: Arc<AtomicUsize>,
    /// Incremented when such a future returns `Ready`.
    pub completions: Arc<AtomicUsize>,
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Run inside `call`, if set.
    pub on_call: Option<OnCall>,
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

    pub fn with_on_call(mut self, on_call: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_call = Some(Arc::new(on_call));
        self
    }

    /// How many times `call` ran, over the service's life (all clones together).
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// How many times a future from `call` was polled.
    pub fn polls(&self) -> usize {
        self.polls.load(Ordering::SeqCst)
    }

    /// How many futures from `call` completed.
    pub fn completions(&self) -> usize {
        self.completions.load(Ordering::SeqCst)
    }
}

impl<B> Service<Request<B>> for Inner {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = InnerFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: Request<B>) -> Self::Future {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(on_call) = &self.on_call {
            on_call();
        }
        let mut response = Response::new(Body::default());
        *response.status_mut() = self.status;
        for (name, value) in &self.headers {
            response.headers_mut().append(name.clone(), value.clone());
        }
        InnerFuture {
            response: Some(response),
            polls: Arc::clone(&self.polls),
            completions: Arc::clone(&self.completions),
        }
    }
}

/// The inner service's response future: counts its polls and its completion.
pub struct InnerFuture {
    response: Option<Response<Body>>,
    polls: Arc<AtomicUsize>,
    completions: Arc<AtomicUsize>,
}

impl Future for InnerFuture {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        let response = self.response.take().expect("InnerFuture polled after it completed");
        self.completions.fetch_add(1, Ordering::SeqCst);
        Poll::Ready(Ok(response))
    }
}

/// The outcome of one request through the layer.
#[derive(Debug)]
pub struct Outcome {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The inner service's `call` ran for this request.
    pub inner_called: bool,
    /// How many times the inner service's `call` ran for this request.
    pub calls: usize,
    /// How many times the inner service's futures were polled for this request.
    pub polls: usize,
    /// How many of the inner service's futures completed for this request.
    pub completions: usize,
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

/// The `access-control-*` and `Vary` lines of a response's headers, sorted, each line on its
/// own (a duplicated header shows up as a mismatch).
pub fn cors_lines(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut lines: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("access-control-") || name.as_str() == "vary")
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().expect("visible ASCII").to_owned()))
        .collect();
    lines.sort();
    lines
}

/// Builds a request to `/items` from a method and header lines (repeated names make several
/// lines).
pub fn request(method: &str, headers: &[(&str, &str)]) -> Request<Body> {
    request_to(method, "/items", headers)
}

/// Builds a request from a method, a URI (relative, or absolute as in HTTP/2 and proxies) and
/// header lines (repeated names make several lines).
pub fn request_to(method: &str, uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::builder().method(Method::from_bytes(method.as_bytes()).expect("method")).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, HeaderValue::from_bytes(value.as_bytes()).expect("header value"));
    }
    builder.body(Body::default()).expect("request")
}

/// Sends `req` through `layer` around a clone of `inner`, on the current runtime.
///
/// Only the status and headers of the layered service's response are read: its body type is the
/// layer's business.
pub async fn send(layer: &CorsLayer, inner: &Inner, req: Request<Body>) -> Outcome {
    let (calls, polls, completions) = (inner.calls(), inner.polls(), inner.completions());
    let service = layer.layer(inner.clone());
    let response = service.oneshot(req).await.expect("infallible");
    let calls = inner.calls() - calls;
    Outcome {
        status: response.status(),
        headers: response.headers().clone(),
        inner_called: calls > 0,
        calls,
        polls: inner.polls() - polls,
        completions: inner.completions() - completions,
    }
}
