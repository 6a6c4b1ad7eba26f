//! A layer between the CORS layer and the application that finishes the inner future and then
//! returns `Pending` once before handing the response on (as a layer that awaits something of
//! its own after the response does: a metrics flush, a cache write, a body buffer). The CORS
//! layer outside still writes exactly its grant, on every path; and a CORS layer further inside
//! does not change what the outer one writes: the outermost layer is the authority on every
//! response it passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Method, Request, Response};
use pin_project_lite::pin_project;
use support::{cors_lines, Body, Inner};
use tower::{Layer, Service, ServiceBuilder, ServiceExt};
use tower_cors::CorsLayer;

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";

/// Finishes the inner future, then returns `Pending` once (waking itself) before the response.
#[derive(Clone, Copy)]
struct PendingAfterInner;

impl<S> Layer<S> for PendingAfterInner {
    type Service = PendingAfter<S>;

    fn layer(&self, inner: S) -> PendingAfter<S> {
        PendingAfter { inner }
    }
}

#[derive(Clone)]
struct PendingAfter<S> {
    inner: S,
}

impl<S: Service<Request<B>>, B> Service<Request<B>> for PendingAfter<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = PendingAfterFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        PendingAfterFuture { future: self.inner.call(request), done: None }
    }
}

pin_project! {
    struct PendingAfterFuture<F: Future> {
        #[pin]
        future: F,
        done: Option<F::Output>,
    }
}

impl<F: Future> Future for PendingAfterFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if let Some(output) = this.done.take() {
            return Poll::Ready(output);
        }
        let output = std::task::ready!(this.future.poll(cx));
        *this.done = Some(output);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn request(method: &str, origin: Option<&str>, request_method: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().method(Method::from_bytes(method.as_bytes()).unwrap()).uri("/items");
    if let Some(origin) = origin {
        builder = builder.header("origin", origin);
    }
    if let Some(request_method) = request_method {
        builder = builder.header("access-control-request-method", request_method);
    }
    builder.body(Body::default()).unwrap()
}

/// The sorted `access-control-*` and `Vary` lines of the response to `request` through `service`.
async fn cors_lines_of<S, B>(service: S, request: Request<Body>) -> Lines
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: std::fmt::Debug,
{
    let response = service.oneshot(request).await.unwrap();
    cors_lines(response.headers())
}

fn lines(lines: &[(&str, &str)]) -> Lines {
    let mut lines: Lines = lines.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
    lines.sort();
    lines
}

fn outer() -> CorsLayer {
    CorsLayer::new()
        .allow_origins([APP])
        .allow_methods([Method::PUT])
        .expose_headers([http::HeaderName::from_static("x-outer")])
        .allow_credentials(true)
}

/// Sorted `access-control-*` and `Vary` lines.
type Lines = Vec<(String, String)>;

/// The outer layer's grant for each kind of request that reaches the application.
fn expected() -> Vec<(&'static str, Request<Body>, Lines)> {
    vec![
        (
            "allowed GET",
            request("GET", Some(APP), None),
            lines(&[
                ("access-control-allow-origin", APP),
                ("access-control-allow-credentials", "true"),
                ("access-control-expose-headers", "x-outer"),
                ("vary", "origin"),
            ]),
        ),
        ("refused GET", request("GET", Some(EVIL), None), lines(&[("vary", "origin")])),
        ("GET without Origin", request("GET", None, None), lines(&[("vary", "origin")])),
    ]
}

#[tokio::test]
async fn the_outer_layer_writes_its_grant_through_a_layer_that_is_pending_after_the_inner_response() {
    for (what, request, want) in expected() {
        let app = Inner::ok();
        let service = ServiceBuilder::new().layer(outer()).layer(PendingAfterInner).service(app.clone());
        assert_eq!(cors_lines_of(service, request).await, want, "{what}");
        assert_eq!(app.calls(), 1, "{what}");
    }

    // A passed-through preflight goes through the layer between too, and gets its grant.
    let app = Inner::ok();
    let passthrough = outer().preflight_passthrough(true);
    let service = ServiceBuilder::new().layer(passthrough).layer(PendingAfterInner).service(app.clone());
    let got = cors_lines_of(service, request("OPTIONS", Some(APP), Some("PUT"))).await;
    let want = lines(&[
        ("access-control-allow-origin", APP),
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-methods", "PUT"),
        ("vary", "origin, access-control-request-method, access-control-request-headers"),
    ]);
    assert_eq!(got, want);
    assert_eq!(app.calls(), 1);

    // The layer between did return `Pending` after the inner future finished.
    let future = PendingAfterInner.layer(Inner::ok()).call(request("GET", None, None));
    let mut future = std::pin::pin!(future);
    let waker = std::task::Waker::noop();
    assert!(future.as_mut().poll(&mut Context::from_waker(waker)).is_pending());
    assert!(future.as_mut().poll(&mut Context::from_waker(waker)).is_ready());
}

/// Outer CORS layer, the layer between, a CORS layer of another policy inside, the application:
/// the response carries exactly what the outer layer writes without the inner one. An origin
/// the outer layer refuses gets no grant, whatever the inner layer granted.
#[tokio::test]
async fn a_cors_layer_further_inside_does_not_change_what_the_outer_writes() {
    let inner_layers: [(&str, CorsLayer); 3] = [
        ("any origin", CorsLayer::new().allow_any_origin()),
        ("credentials for evil", CorsLayer::new().allow_origins([EVIL, APP]).allow_credentials(true)),
        ("passthrough", CorsLayer::new().allow_origins([EVIL]).preflight_passthrough(true)),
    ];
    for (inner_name, inner_cors) in inner_layers {
        // CORS requests: the outer layer's verdict stands. (What an inner service leaves on a
        // response to a request without `Origin`, which no browser reads as a grant, is not
        // stated here.)
        for (what, request, want) in expected().into_iter().filter(|(what, ..)| *what != "GET without Origin") {
            let app = Inner::ok();
            let service = ServiceBuilder::new()
                .layer(outer())
                .layer(PendingAfterInner)
                .layer(inner_cors.clone())
                .service(app.clone());
            assert_eq!(cors_lines_of(service, request).await, want, "{what} with an inner layer ({inner_name})");
            assert_eq!(app.calls(), 1, "{what} with an inner layer ({inner_name})");
        }
        // The outer layer answers preflights itself.
        let app = Inner::ok();
        let service =
            ServiceBuilder::new().layer(outer()).layer(PendingAfterInner).layer(inner_cors).service(app.clone());
        let response = service.oneshot(request("OPTIONS", Some(EVIL), Some("PUT"))).await.unwrap();
        assert_eq!(response.status(), http::StatusCode::FORBIDDEN, "{inner_name}");
        assert_eq!(
            cors_lines(response.headers()),
            lines(&[("vary", "origin, access-control-request-method, access-control-request-headers")])
        );
        assert_eq!(app.calls(), 0);
    }
}
