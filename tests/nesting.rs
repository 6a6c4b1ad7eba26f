//! Several CORS layers, or CORS headers set inside the layer, on one request: the outermost layer
//! decides the CORS headers of every response it passes. Whatever an inner CORS layer, an in-line
//! sub-request to a CORS-wrapped service, or the application itself put there is replaced by the
//! outer layer's own decision on the request it received: an origin it allows gets its grant, an
//! origin it refuses gets none, never an inner `*`. Nothing panics, in any build. The axum shapes
//! are rows of `integration/tests/stacks.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::convert::Infallible;

use http::{Method, Request, Response, StatusCode};
use http_body::Body as _;
use support::{request, Body, Inner};
use tower::{service_fn, Layer, ServiceBuilder, ServiceExt};
use tower_cors::{AllowOrigin, CorsLayer};

const APP: &str = "https://app.example.com";
const OTHER: &str = "https://other.example.com";

/// An app-wide layer that allows any origin and exposes every header.
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

/// The private API's grant to `APP` on a response where the inner service exposed every header
/// itself: the names an inner service exposes are kept, merged with the policy's (the
/// application knows which of its headers are safe to read); the grant itself is the outer one.
const PRIVATE_GRANT_INNER_EXPOSED: &[(&str, &str)] = &[
    ("access-control-allow-origin", APP),
    ("access-control-allow-credentials", "true"),
    ("access-control-expose-headers", "*"),
    ("vary", "origin"),
];

/// The app-wide layer's grant on an actual request, around an inner layer whose `Vary: Origin`
/// (not a grant) is kept.
const APP_WIDE_GRANT: &[(&str, &str)] =
    &[("access-control-allow-origin", "*"), ("access-control-expose-headers", "*"), ("vary", "origin")];

/// Expected lines, in any order.
fn expect(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut lines: Vec<(String, String)> = pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
    lines.sort();
    lines
}

/// A refused origin never receives what a layer inside granted: here an internal service behind
/// its own `*` layer, as a gateway or a backend-for-frontend has.
#[tokio::test]
async fn an_origin_the_outer_layer_refuses_never_receives_an_inner_grant() {
    let inner = Inner::ok();
    let service = ServiceBuilder::new().layer(private_api()).layer(app_wide()).service(inner.clone());
    let response = service.clone().oneshot(request("GET", &[("origin", OTHER)])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(&[("vary", "origin")]));
    // An allowed origin gets the outer layer's grant, not the inner `*`.
    let response = service.clone().oneshot(request("GET", &[("origin", APP)])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(PRIVATE_GRANT_INNER_EXPOSED));
    // Not a CORS request: no browser reads it across origins, so the inner answer is left as it
    // is, and varies on `Origin` as the outer policy says, so that no shared cache hands it to a
    // CORS request.
    let response = service.oneshot(request("GET", &[])).await.unwrap();
    assert_eq!(
        cors_headers(&response),
        expect(&[("access-control-allow-origin", "*"), ("access-control-expose-headers", "*"), ("vary", "origin")])
    );
    assert_eq!(inner.calls(), 3);
}

/// The application's own grant headers are replaced the same way, on every path.
#[tokio::test]
async fn the_applications_own_grant_is_replaced() {
    let inner = Inner::ok()
        .with_header("access-control-allow-origin", "*")
        .with_header("access-control-allow-credentials", "true")
        .with_header("access-control-expose-headers", "x-secret");
    for layer in
        [private_api(), private_api().block_disallowed_origins(true), private_api().preflight_passthrough(true)]
    {
        let service = layer.layer(inner.clone());
        let response = service.clone().oneshot(request("GET", &[("origin", OTHER)])).await.unwrap();
        assert!(cors_headers(&response).iter().all(|(name, _)| name == "vary"), "{:?}", cors_headers(&response));
        let response = service.oneshot(request("GET", &[("origin", APP)])).await.unwrap();
        assert_eq!(response.headers()["access-control-allow-origin"], APP);
        assert_eq!(response.headers()["access-control-allow-credentials"], "true");
    }
}

/// The outer layer decides what the request it received asks: two layers in a stack, the inner
/// one answering with its own policy, give the outer policy's answer.
#[tokio::test]
async fn of_two_layers_the_outer_decides() {
    let inner = Inner::ok();
    let service =
        ServiceBuilder::new().layer(app_wide().preflight_passthrough(true)).layer(private_api()).service(inner);
    let response = service.clone().oneshot(request("GET", &[("origin", APP)])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(APP_WIDE_GRANT));
    // A preflight passed through is answered by the inner layer; the outer layer's grant
    // replaces its headers, and what the outer grant leaves out is removed.
    let preflight = [("origin", OTHER), ("access-control-request-method", "PUT")];
    let response = service.oneshot(request("OPTIONS", &preflight)).await.unwrap();
    assert_eq!(
        cors_headers(&response),
        expect(&[
            ("access-control-allow-methods", "PUT"),
            ("access-control-allow-origin", "*"),
            ("vary", "origin, access-control-request-method, access-control-request-headers"),
        ])
    );
}

/// The shape that broke the thread-local guess: a handler that calls another CORS-wrapped
/// service in-line (a sub-request, a proxy, a gateway calling a subgraph) and returns its
/// response. What the outer layer writes depends on the request it received, nothing else.
#[tokio::test]
async fn an_in_line_sub_request_changes_nothing_the_outer_layer_writes() {
    let internal = app_wide().layer(Inner::ok());
    for forward_origin in [true, false] {
        let internal = internal.clone();
        let handler = service_fn(move |outer_request: Request<Body>| {
            let internal = internal.clone();
            async move {
                let mut sub_request = Request::get("/internal").body(Body::default()).unwrap();
                if forward_origin {
                    if let Some(origin) = outer_request.headers().get("origin") {
                        sub_request.headers_mut().insert("origin", origin.clone());
                    }
                }
                let response = internal.oneshot(sub_request).await.unwrap();
                Ok::<_, Infallible>(response)
            }
        });
        let service = private_api().layer(handler);
        let response = service.clone().oneshot(request("GET", &[("origin", APP)])).await.unwrap();
        // With or without `Origin`, the internal layer answers `*` and exposes every header.
        assert_eq!(cors_headers(&response), expect(PRIVATE_GRANT_INNER_EXPOSED), "forward_origin {forward_origin}");
        let response = service.oneshot(request("GET", &[("origin", OTHER)])).await.unwrap();
        assert_eq!(cors_headers(&response), expect(&[("vary", "origin")]), "forward_origin {forward_origin}");
    }
}

/// The same with an internal service whose own policy is the opposite of the outer one: it
/// grants the origin the outer layer refuses, and refuses the one the outer layer allows.
#[tokio::test]
async fn an_in_line_sub_request_with_the_opposite_policy_changes_nothing() {
    let internal = CorsLayer::new().allow_origins([OTHER]).layer(Inner::ok());
    let handler = service_fn(move |outer_request: Request<Body>| {
        let internal = internal.clone();
        async move {
            let mut sub_request = Request::get("/internal").body(Body::default()).unwrap();
            *sub_request.headers_mut() = outer_request.headers().clone();
            Ok::<_, Infallible>(internal.oneshot(sub_request).await.unwrap())
        }
    });
    let service = private_api().layer(handler);
    let response = service.clone().oneshot(request("GET", &[("origin", APP)])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(PRIVATE_GRANT));
    let response = service.oneshot(request("GET", &[("origin", OTHER)])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(&[("vary", "origin")]));
}

/// The same whatever runs the inner layer: behind a `Buffer`, whose worker calls it, and on
/// another task, which polls it.
#[tokio::test]
async fn buffers_and_spawned_tasks_change_nothing() {
    let buffered = ServiceBuilder::new().layer(private_api()).buffer(8).layer(app_wide()).service(Inner::ok());
    let response = buffered.oneshot(request("GET", &[("origin", APP)])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(PRIVATE_GRANT_INNER_EXPOSED));

    let internal = ServiceBuilder::new().layer(app_wide()).service(Inner::ok());
    let spawning = service_fn(move |request: Request<Body>| {
        let internal = internal.clone();
        async move { tokio::spawn(internal.oneshot(request)).await.unwrap() }
    });
    let service = private_api().layer(spawning);
    let response = service.clone().oneshot(request("GET", &[("origin", APP)])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(PRIVATE_GRANT_INNER_EXPOSED));
    let response = service.oneshot(request("GET", &[("origin", OTHER)])).await.unwrap();
    assert_eq!(cors_headers(&response), expect(&[("vary", "origin")]));
}

/// Two layers that both answer preflights, each deciding what reaches it: no panic, in a debug
/// build too, and every answer is the outer layer's.
#[tokio::test]
async fn two_layers_that_both_answer_preflights_never_panic() {
    let inner = Inner::ok();
    let service = ServiceBuilder::new().layer(app_wide()).layer(private_api()).service(inner.clone());
    let preflight = [("origin", APP), ("access-control-request-method", "PUT")];
    let response = service.clone().oneshot(request("OPTIONS", &preflight)).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    for _ in 0..2 {
        let response = service.clone().oneshot(request("GET", &[("origin", APP)])).await.unwrap();
        assert_eq!(cors_headers(&response), expect(APP_WIDE_GRANT));
    }
    assert_eq!(inner.calls(), 2);
}

/// An inner layer with an async origin check decides its own refusal, which the outer layer's
/// grant then replaces for an origin it allows.
#[tokio::test]
async fn an_inner_async_check_does_not_change_the_outer_grant() {
    let inner = Inner::ok();
    let checking =
        CorsLayer::new().allow_origin(AllowOrigin::async_predicate(|origin, _| async move { origin == APP }));
    let service = ServiceBuilder::new().layer(app_wide()).layer(checking).service(inner.clone());
    for origin in [APP, OTHER] {
        let response = service.clone().oneshot(request("GET", &[("origin", origin)])).await.unwrap();
        assert_eq!(cors_headers(&response), expect(APP_WIDE_GRANT), "{origin}");
    }
    assert_eq!(inner.calls(), 2);
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
