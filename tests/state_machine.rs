//! The promises of the one request state machine, on every path: a request the layer answers
//! itself never reaches the inner service's `call` (sync, async, passthrough, blocking), a
//! finished future behaves the same on every path, and merging stays linear.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use http::header::{ACCESS_CONTROL_EXPOSE_HEADERS, ORIGIN, VARY};
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use support::Body;
use tower::{Layer, Service, ServiceBuilder, ServiceExt};
use tower_cors::{AllowOrigin, CorsLayer};

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";

/// An inner service that counts the calls of its `call` itself, apart from its future's work:
/// a rate limiter, metrics or a log line work in `call`.
#[derive(Clone, Default)]
struct CountingCalls {
    calls: Arc<AtomicUsize>,
    polls: Arc<AtomicUsize>,
}

impl Service<Request<Body>> for CountingCalls {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<Body>) -> Self::Future {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let polls = Arc::clone(&self.polls);
        Box::pin(std::future::poll_fn(move |_| {
            polls.fetch_add(1, Ordering::SeqCst);
            Poll::Ready(Ok(Response::new(Body::default())))
        }))
    }
}

fn async_app() -> AllowOrigin {
    AllowOrigin::async_predicate(|origin: HeaderValue, _: &http::request::Parts| async move {
        tokio::task::yield_now().await;
        origin == APP
    })
}

fn post(origin: &str) -> Request<Body> {
    Request::post("/items").header(ORIGIN, origin).body(Body::default()).unwrap()
}

fn preflight(origin: &str, method: &str) -> Request<Body> {
    Request::options("/items")
        .header(ORIGIN, origin)
        .header("access-control-request-method", method)
        .body(Body::default())
        .unwrap()
}

/// Defect: with blocking and an async origin check, the inner service's `call` ran before the
/// check and its future was dropped when the origin was refused. Behind a rate limiter of one
/// request a minute, one POST from a refused origin then starved the next allowed one. The stack
/// is the one servers use: `RateLimit` is not `Clone`, and every server (axum, tonic,
/// hyper-util) needs a `Clone` service, so it sits behind a `Buffer`.
#[tokio::test]
async fn a_blocked_origin_never_spends_a_rate_limiters_budget() {
    let counting = CountingCalls::default();
    for layer in [
        CorsLayer::new().allow_origin(async_app()).block_disallowed_origins(true),
        CorsLayer::new().allow_origins([APP]).block_disallowed_origins(true),
    ] {
        let counting = CountingCalls::default();
        let mut service = ServiceBuilder::new()
            .layer(layer)
            .buffer(8)
            .rate_limit(1, Duration::from_secs(60))
            .service(counting.clone());

        let refused = service.ready().await.unwrap().call(post(EVIL)).await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert_eq!(counting.calls.load(Ordering::SeqCst), 0, "the inner service's call never ran");

        // The limiter still has its one request for the allowed origin: ready at once.
        let ready = tokio::time::timeout(Duration::from_secs(5), service.ready()).await;
        let allowed = ready.expect("the budget was not spent").unwrap().call(post(APP)).await.unwrap();
        assert_eq!(allowed.status(), StatusCode::OK);
        assert_eq!(allowed.headers()["access-control-allow-origin"], APP);
        assert_eq!(counting.calls.load(Ordering::SeqCst), 1);
    }
    assert_eq!(counting.calls.load(Ordering::SeqCst), 0);
}

/// Every request the layer answers itself, on every origin kind and mode, never calls the
/// inner service; every request it hands on calls it exactly once, after the check.
#[tokio::test]
async fn answers_of_the_layer_never_reach_call_on_any_path() {
    type Make = fn() -> CorsLayer;
    let kinds: [(&str, Make); 3] = [
        ("list", || CorsLayer::new().allow_origins([APP])),
        ("predicate", || CorsLayer::new().allow_origin(AllowOrigin::predicate(|o: &HeaderValue, _| o == APP))),
        ("async", || CorsLayer::new().allow_origin(async_app())),
    ];
    for (kind, make) in kinds {
        for passthrough in [false, true] {
            let layer =
                make().allow_methods([Method::PUT]).block_disallowed_origins(true).preflight_passthrough(passthrough);
            let cases = [
                ("granted preflight", preflight(APP, "PUT"), if passthrough { 200 } else { 204 }, passthrough),
                ("refused preflight, origin", preflight(EVIL, "PUT"), if passthrough { 200 } else { 403 }, passthrough),
                (
                    "refused preflight, method",
                    preflight(APP, "DELETE"),
                    if passthrough { 200 } else { 403 },
                    passthrough,
                ),
                ("blocked actual", post(EVIL), 403, false),
                ("allowed actual", post(APP), 200, true),
            ];
            for (case, request, status, called) in cases {
                let counting = CountingCalls::default();
                let response = layer.clone().layer(counting.clone()).oneshot(request).await.unwrap();
                let what = format!("{kind}, passthrough {passthrough}: {case}");
                assert_eq!(response.status().as_u16(), status, "{what}");
                assert_eq!(counting.calls.load(Ordering::SeqCst), usize::from(called), "{what}: calls");
                assert_eq!(counting.polls.load(Ordering::SeqCst), usize::from(called), "{what}: polls");
            }
        }
    }
}

/// A finished future polled again answers an empty 500 on every path, never a panic and never
/// a second poll of the inner future.
#[tokio::test]
async fn a_finished_future_polled_again_answers_500_on_every_path() {
    let layers = [
        ("inner service answered", CorsLayer::new().allow_origins([APP]), post(APP)),
        ("layer answered", CorsLayer::new().allow_origins([APP]), preflight(APP, "POST")),
        ("async check, then inner", CorsLayer::new().allow_origin(async_app()), post(APP)),
        ("async check, then layer", CorsLayer::new().allow_origin(async_app()), preflight(EVIL, "POST")),
    ];
    for (path, layer, request) in layers {
        let counting = CountingCalls::default();
        let mut service = layer.layer(counting.clone());
        let mut future = pin!(service.call(request));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let first = loop {
            match future.as_mut().poll(&mut cx) {
                Poll::Ready(response) => break response.unwrap(),
                // The async check yields once.
                Poll::Pending => tokio::task::yield_now().await,
            }
        };
        assert_ne!(first.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        let polls = counting.polls.load(Ordering::SeqCst);
        let Poll::Ready(again) = future.as_mut().poll(&mut cx) else { panic!("{path}: pending after completion") };
        let again = again.unwrap();
        assert_eq!(again.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert!(again.headers().is_empty(), "{path}: {:?}", again.headers());
        assert_eq!(counting.polls.load(Ordering::SeqCst), polls, "{path}: the inner future is not polled again");
    }
}

/// The inner service's own `Vary` and exposed names, however many, are merged into one line
/// with each name once, whatever their case; the result is exact at 20,000 elements.
#[tokio::test]
async fn merging_a_huge_vary_is_exact() {
    let mut names: Vec<String> = (0..10_000).map(|i| format!("x-{i}")).collect();
    names.extend((0..10_000).map(|i| format!("X-{i}"))); // the same names again, other case
    let vary = names.join(", ");
    let inner_vary = vary.clone();
    let inner = tower::service_fn(move |_: Request<Body>| {
        let mut response = Response::new(Body::default());
        response.headers_mut().insert(VARY, HeaderValue::from_str(&inner_vary).unwrap());
        response.headers_mut().append(VARY, HeaderValue::from_static("origin, Accept-Encoding"));
        response.headers_mut().insert(ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_str(&inner_vary).unwrap());
        async move { Ok::<_, Infallible>(response) }
    });
    let layer = CorsLayer::new()
        .allow_origins([APP])
        .expose_headers([HeaderName::from_static("x-5"), HeaderName::from_static("x-request-id")]);
    let response = layer.layer(inner).oneshot(post(APP)).await.unwrap();

    let lines: Vec<_> = response.headers().get_all(VARY).iter().collect();
    assert_eq!(lines.len(), 1);
    let merged: Vec<&str> = lines[0].to_str().unwrap().split(", ").collect();
    let mut want: Vec<String> = (0..10_000).map(|i| format!("x-{i}")).collect();
    want.extend(["origin".to_owned(), "Accept-Encoding".to_owned()]);
    assert_eq!(merged, want);

    let exposed = response.headers().get_all(ACCESS_CONTROL_EXPOSE_HEADERS).iter().collect::<Vec<_>>();
    assert_eq!(exposed.len(), 1);
    let exposed: Vec<&str> = exposed[0].to_str().unwrap().split(", ").collect();
    assert_eq!(exposed.len(), 10_001, "each name once, x-5 not repeated, x-request-id added");
    assert_eq!(exposed.last(), Some(&"x-request-id"));
}

/// Configured exposed names are sent once each, whatever case they were written in.
#[tokio::test]
async fn duplicate_exposed_names_are_sent_once() {
    let names = ["x-a", "X-A", "x-a", "x-b"].map(|n| HeaderName::from_bytes(n.as_bytes()).unwrap());
    let layer = CorsLayer::new().allow_origins([APP]).expose_headers(names);
    let response = layer.layer(CountingCalls::default()).oneshot(post(APP)).await.unwrap();
    assert_eq!(response.headers()[ACCESS_CONTROL_EXPOSE_HEADERS], "x-a, x-b");
}

/// A waker that does nothing (`Waker::noop` needs Rust 1.85, above the MSRV).
fn noop_waker() -> Waker {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    Waker::from(std::sync::Arc::new(Noop))
}
