//! Two or three CORS layers on one request (a router's own layer inside an app-wide one), built
//! with `ServiceBuilder` as tower stacks are: the innermost layer that decides a request owns
//! its CORS headers, an outer layer never overwrites or strips them, and the unsupported shape
//! (an outer layer answering preflights around another) is loud. The axum shapes are rows of
//! `tests/stacks.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use http::header::ORIGIN;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body as _;
use support::{request, Body, Inner};
use tower::{ServiceBuilder, ServiceExt};
use tower_cors::{AllowOrigin, CorsLayer};

const APP: &str = "https://app.example.com";
const OTHER: &str = "https://other.example.com";

/// The app-wide layer of the issue that found the defect: any origin, every header exposed.
fn app_wide() -> CorsLayer {
    CorsLayer::new().allow_any_origin().allow_any_method().expose_any_header()
}

/// A private, credentialed API's own layer.
fn private_api() -> CorsLayer {
    CorsLayer::new().allow_origins([APP]).allow_methods([Method::PUT]).allow_credentials(true)
}

/// The CORS headers and `Vary` of a response, sorted, one entry per line.
fn cors_headers<B>(response: &Response<B>) -> Vec<(String, String)> {
    support::cors_lines(response.headers())
}

/// The private API's grant to `APP` on an actual request.
const PRIVATE_GRANT: &[(&str, &str)] =
    &[("access-control-allow-origin", APP), ("access-control-allow-credentials", "true"), ("vary", "origin")];

/// Expected lines, in any order.
fn expect(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut lines: Vec<(String, String)> = pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
    lines.sort();
    lines
}

#[tokio::test]
async fn an_outer_layer_leaves_the_inner_layers_grant_alone() {
    let inner = Inner::ok();
    let outer = app_wide().preflight_passthrough(true);
    let service = ServiceBuilder::new().layer(outer).layer(private_api()).service(inner.clone());

    // Before: the outer layer wrote `*` over the inner grant and removed its credentials.
    let response = service.clone().oneshot(request("GET", &[("origin", APP)])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(PRIVATE_GRANT));
    // Refused by the inner layer: the outer one adds no `*`.
    let response = service.clone().oneshot(request("GET", &[("origin", OTHER)])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(&[("vary", "origin")]));
    // Not a CORS request: the inner layer's `Vary` only.
    let response = service.oneshot(request("GET", &[])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(&[("vary", "origin")]));
    assert_eq!(inner.calls(), 3);
}

#[tokio::test]
async fn a_preflight_passed_through_is_answered_by_the_inner_layer_untouched() {
    let inner = Inner::ok();
    let outer = app_wide().preflight_passthrough(true);
    let service = ServiceBuilder::new().layer(outer).layer(private_api()).service(inner.clone());

    let preflight = [("origin", APP), ("access-control-request-method", "PUT")];
    let response = service.clone().oneshot(request("OPTIONS", &preflight)).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        cors_headers(&response),
        expect(&[
            ("access-control-allow-origin", APP),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "PUT"),
            ("vary", "origin, access-control-request-method, access-control-request-headers"),
        ])
    );
    assert!(response.body().is_end_stream(), "the layer's own answer has an empty body");
    // Refused by the inner layer: its 403 stands, without the outer layer's grant.
    let refused = [("origin", APP), ("access-control-request-method", "DELETE")];
    let response = service.oneshot(request("OPTIONS", &refused)).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        cors_headers(&response),
        expect(&[("vary", "origin, access-control-request-method, access-control-request-headers")])
    );
    assert_eq!(inner.calls(), 0, "preflights never reach the inner service");
}

#[tokio::test]
async fn of_three_layers_the_innermost_decides() {
    let inner = Inner::ok();
    let middle = CorsLayer::new().allow_origins([APP, OTHER]).preflight_passthrough(true);
    let innermost = CorsLayer::new().allow_origins([APP]).expose_headers([http::header::ETAG]);
    let service = ServiceBuilder::new()
        .layer(app_wide().preflight_passthrough(true))
        .layer(middle)
        .layer(innermost)
        .service(inner.clone().with_header("etag", "\"1\""));

    let response = service.clone().oneshot(request("GET", &[("origin", APP)])).await.unwrap();
    assert_eq!(
        cors_headers(&response),
        expect(&[("access-control-allow-origin", APP), ("access-control-expose-headers", "etag"), ("vary", "origin")])
    );
    let response = service.oneshot(request("GET", &[("origin", OTHER)])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(&[("vary", "origin")]));
}

#[tokio::test]
async fn an_inner_layer_with_an_async_origin_check_is_seen_too() {
    let inner = Inner::ok();
    let check = AllowOrigin::async_predicate(|origin: HeaderValue, _: &http::request::Parts| async move {
        tokio::task::yield_now().await;
        origin == APP
    });
    let service = ServiceBuilder::new()
        .layer(app_wide().preflight_passthrough(true))
        .layer(CorsLayer::new().allow_origin(check).block_disallowed_origins(true))
        .service(inner.clone());

    let response = service.clone().oneshot(request("GET", &[("origin", APP)])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(&[("access-control-allow-origin", APP), ("vary", "origin")]));
    // The inner layer's 403, with no `*` from the outer one.
    let response = service.oneshot(request("GET", &[("origin", OTHER)])).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(cors_headers(&response), expect(&[("vary", "origin")]));
    assert_eq!(inner.calls(), 1);
}

/// Behind a `Buffer` the worker task calls the inner layer, but its future is polled by the
/// caller, inside the outer layer's poll: the nesting is seen.
#[tokio::test]
async fn a_layer_behind_a_buffer_is_seen() {
    let inner = Inner::ok();
    let service = ServiceBuilder::new()
        .layer(app_wide().preflight_passthrough(true))
        .buffer(8)
        .layer(private_api())
        .service(inner.clone());
    let response = service.oneshot(request("GET", &[("origin", APP)])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(PRIVATE_GRANT));
}

/// The documented limit: a layer whose future is polled on another task (a service that spawns
/// the rest of the stack) is not seen, and the outer layer decides as if it were alone.
#[tokio::test]
async fn a_layer_polled_on_another_task_is_not_seen() {
    let inner = ServiceBuilder::new().layer(private_api()).service(Inner::ok());
    let spawning = tower::service_fn(move |request: Request<Body>| {
        let inner = inner.clone();
        async move { tokio::spawn(inner.oneshot(request)).await.unwrap() }
    });
    let service = ServiceBuilder::new().layer(app_wide().preflight_passthrough(true)).service(spawning);
    let response = service.oneshot(request("GET", &[("origin", APP)])).await.unwrap();
    assert_eq!(
        cors_headers(&response),
        expect(&[("access-control-allow-origin", "*"), ("access-control-expose-headers", "*"), ("vary", "origin")])
    );
}

/// The unsupported shape: the outer layer answers the inner layer's preflights with its own
/// policy. A debug build panics on the first request that shows the nesting, with a message that
/// says what to do; later requests are served (reported once per policy), the inner grant kept.
#[cfg(debug_assertions)]
#[test]
fn an_outer_layer_answering_preflights_around_another_panics_once_in_debug_builds() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let inner = Inner::ok();
    let service = ServiceBuilder::new().layer(app_wide()).layer(private_api()).service(inner.clone());

    // Preflights are answered by the outer layer alone: nothing shows the nesting yet.
    let preflight = [("origin", APP), ("access-control-request-method", "PUT")];
    let response = runtime.block_on(service.clone().oneshot(request("OPTIONS", &preflight))).unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");

    let first = service.clone();
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(first.oneshot(request("GET", &[("origin", APP)])))
    }))
    .expect_err("the first nested request panics in a debug build");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.starts_with("tower-cors: two CORS layers are nested."), "{message}");
    assert!(message.contains("preflight_passthrough(true)"), "{message}");

    let response = runtime.block_on(service.oneshot(request("GET", &[("origin", APP)]))).unwrap();
    assert_eq!(cors_headers(&response), expect(PRIVATE_GRANT));
}

/// `keep_body_type` answers with the inner service's body type, its `Default` for the layer's
/// own answers.
#[tokio::test]
async fn keep_body_type_keeps_the_inner_body_type() {
    let inner = Inner::ok();
    let service = ServiceBuilder::new().layer(private_api().keep_body_type()).service(inner);
    let preflight = [("origin", APP), ("access-control-request-method", "PUT")];
    let response: Response<Body> = service.clone().oneshot(request("OPTIONS", &preflight)).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.body().size_hint().exact(), Some(0));
    let response: Response<Body> = service.oneshot(request("GET", &[("origin", APP)])).await.unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], APP);
}

/// A request with an `ORIGIN` header the outer layer refuses still reaches the inner layer,
/// which may allow it: the outer layer does not block (it would answer itself).
#[tokio::test]
async fn an_origin_only_the_inner_layer_allows_is_granted() {
    let inner = Inner::ok();
    let outer = CorsLayer::new().allow_origins([OTHER]).preflight_passthrough(true);
    let service = ServiceBuilder::new().layer(outer).layer(private_api()).service(inner);
    let mut get = Request::get("/items").body(Body::default()).unwrap();
    get.headers_mut().insert(ORIGIN, HeaderValue::from_static(APP));
    let response = service.oneshot(get).await.unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], APP);
}
