//! Second catches: promises that a realistic bug, applied by hand in an audit, broke while only
//! one test (or none) noticed. Each test here checks its promise from another side than the
//! first catch, so that one edited test cannot hide the bug again.
//!
//! - a predicate reading the request's extensions (set by a layer in front, such as
//!   authentication) decides the same when a request is explained as when it is served;
//! - debug mode never grants an origin the policy refuses;
//! - the test kit's preflight cache never lets a `*` entry cover `Authorization` (feature
//!   `testing`, as is the test of debug mode, which fetches through the kit);
//! - a shared cache, keying a stored preflight answer on the headers its `Vary` names, never hands
//!   one origin's answer to another that the layer answers differently;
//! - with an async origin check, the inner service that `poll_ready` made ready is the one
//!   whose `call` runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use http::request::Parts;
use http::{HeaderValue, Method, Request, Response};
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tower::{Layer, Service, ServiceExt};
use tower_cors::{AllowOrigin, AllowPrivateNetwork, CorsLayer};

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";

/// What an authentication layer in front of CORS put in the request: the caller's tenant.
#[derive(Clone)]
struct Tenant(&'static str);

/// Each tenant's own origin is allowed: `https://<tenant>.example`.
fn by_tenant() -> CorsLayer {
    CorsLayer::new().allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, parts: &Parts| {
        parts
            .extensions
            .get::<Tenant>()
            .is_some_and(|tenant| origin == format!("https://{}.example", tenant.0).as_str())
    }))
}

fn from_tenant(origin: &str, tenant: Option<&'static str>, preflight: bool) -> Request<()> {
    let mut builder = Request::builder().uri("/items").header("origin", origin);
    builder = match preflight {
        true => builder.method(Method::OPTIONS).header("access-control-request-method", "GET"),
        false => builder.method(Method::GET),
    };
    let mut request = builder.body(()).unwrap();
    if let Some(tenant) = tenant {
        request.extensions_mut().insert(Tenant(tenant));
    }
    request
}

/// The request's extensions reach the predicate when a whole `Request` is explained, through
/// the layer and through the service, as they do when it is served.
#[tokio::test]
async fn explaining_a_request_reads_its_extensions_as_serving_does() {
    let layer = by_tenant();
    let cases = [
        ("https://acme.example", Some("acme"), true),
        ("https://acme.example", Some("other"), false),
        ("https://acme.example", None, false),
        ("https://other.example", Some("other"), true),
    ];
    for (origin, tenant, allowed) in cases {
        for preflight in [false, true] {
            let what = format!("{origin} as {tenant:?}, preflight {preflight}");
            let served =
                layer.layer(support::Inner::ok()).oneshot(from_tenant(origin, tenant, preflight)).await.unwrap();
            let granted = served.headers().get("access-control-allow-origin");
            assert_eq!(granted.is_some(), allowed, "served: {what}");

            let request = from_tenant(origin, tenant, preflight);
            let explained = layer.explain(&request).unwrap();
            assert_eq!(explained.is_allowed(), allowed, "explained: {what}: {explained}");
            assert_eq!(explained.headers().get("access-control-allow-origin"), granted, "{what}");
            let service = layer.layer(support::Inner::ok());
            assert_eq!(service.explain(&request).is_allowed(), allowed, "the service explains: {what}");
            // The head alone (`Parts`) carries them too.
            let (parts, ()) = request.into_parts();
            assert_eq!(layer.explain(&parts).unwrap().is_allowed(), allowed, "parts: {what}");
        }
    }
}

/// Through the test kit's browser (feature `testing`).
#[cfg(feature = "testing")]
mod kit {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use http::{Method, Request, StatusCode};
    use tower::ServiceExt;
    use tower_cors::testing::{Blocked, Browser, Preflight, Reason};
    use tower_cors::CorsLayer;

    use super::{APP, EVIL};

    fn debug_app() -> (Router, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let cors = CorsLayer::new()
            .allow_origins([APP])
            .allow_methods([Method::PUT])
            .allow_headers([http::header::CONTENT_TYPE])
            .debug(true);
        let app = Router::new()
            .route(
                "/items",
                get(|| async { "[]" }).put(move || {
                    counted.fetch_add(1, Ordering::SeqCst);
                    async { "ok" }
                }),
            )
            .layer(cors);
        (app, calls)
    }

    /// Debug mode explains a refusal; it never grants an origin the policy refuses, whatever else
    /// the preflight asks for (an allowed method, a refused one, a refused header).
    #[tokio::test]
    async fn debug_mode_grants_no_refused_origin_as_a_page_sees_it() {
        let (app, calls) = debug_app();
        for (method, headers) in [("PUT", None), ("DELETE", None), ("PUT", Some("x-tenant")), ("GET", None)] {
            let mut preflight =
                Request::options("/items").header("origin", EVIL).header("access-control-request-method", method);
            if let Some(headers) = headers {
                preflight = preflight.header("access-control-request-headers", headers);
            }
            let response = app.clone().oneshot(preflight.body(Body::empty()).unwrap()).await.unwrap();
            let grants: Vec<_> =
                response.headers().keys().filter(|name| name.as_str().starts_with("access-control-")).collect();
            assert!(grants.is_empty(), "{method} {headers:?}: {grants:?} in {:?}", response.headers());
        }

        // What a page on that origin sees: the preflight fails the CORS check, the PUT is never sent.
        let mut app = app;
        let mut browser = Browser::at(EVIL);
        let put = Request::put("https://api.example.com/items").body(String::new()).unwrap();
        let outcome = browser.fetch(&mut app, put).await;
        assert_eq!(outcome.blocked(), Some(&Blocked::Preflight(Reason::NoAllowOrigin)), "{outcome}");
        assert!(!outcome.was_sent());
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        // The allowed origin still gets through, debug mode or not.
        let put = Request::put("https://api.example.com/items").body(String::new()).unwrap();
        let outcome = Browser::at(APP).fetch(&mut app, put).await;
        assert!(outcome.is_readable(), "{outcome}");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    /// A server that answers every preflight itself with `Access-Control-Allow-Headers: <allow>`
    /// and counts the preflights it receives.
    fn answering_headers(allow: &'static str) -> (Router, Arc<AtomicUsize>) {
        let preflights = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&preflights);
        let app = Router::new().route(
            "/items",
            get(|| async { ([("access-control-allow-origin", "*")], "[]") }).options(move || {
                counted.fetch_add(1, Ordering::SeqCst);
                async move {
                    (
                        StatusCode::NO_CONTENT,
                        [
                            ("access-control-allow-origin", "*"),
                            ("access-control-allow-headers", allow),
                            ("access-control-max-age", "600"),
                        ],
                    )
                }
            }),
        );
        (app, preflights)
    }

    fn get_with(headers: &[(&str, &str)]) -> Request<String> {
        let mut builder = Request::get("https://api.example.com/items");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(String::new()).unwrap()
    }

    /// The kit follows Chromium, which lets a `*` in `Access-Control-Allow-Headers` cover
    /// `Authorization` (as Firefox and WebKit do; the Fetch Standard says it must not,
    /// whatwg/fetch#1919): a cached `*` answers for it exactly as a fresh one does, so the kit
    /// never sends a preflight Chromium would not, nor skips one it sends.
    #[tokio::test]
    async fn a_cached_wildcard_covers_authorization_as_a_fresh_one_does() {
        let (mut app, preflights) = answering_headers("*");
        let mut browser = Browser::at(APP);
        assert!(browser.fetch(&mut app, get_with(&[("x-trace", "1")])).await.is_readable());
        assert_eq!(preflights.load(Ordering::SeqCst), 1);
        let outcome = browser.fetch(&mut app, get_with(&[("x-other", "1")])).await;
        assert_eq!(outcome.preflight(), Preflight::Cached, "{outcome}");
        let outcome = browser.fetch(&mut app, get_with(&[("authorization", "Bearer t"), ("x-trace", "1")])).await;
        assert_eq!(outcome.preflight(), Preflight::Cached, "{outcome}");
        assert!(outcome.is_readable(), "{outcome}");
        assert_eq!(preflights.load(Ordering::SeqCst), 1);
        // A fresh browser: the preflight's `*` covers it too.
        let mut fresh = Browser::at(APP);
        let outcome = fresh.fetch(&mut app, get_with(&[("authorization", "Bearer t")])).await;
        assert_eq!(outcome.preflight(), Preflight::Sent(StatusCode::NO_CONTENT), "{outcome}");
        assert!(outcome.is_readable(), "{outcome}");
        // Past the max age, it preflights again.
        browser.advance(Duration::from_secs(601));
        let outcome = browser.fetch(&mut app, get_with(&[("authorization", "Bearer t")])).await;
        assert_eq!(outcome.preflight(), Preflight::Sent(StatusCode::NO_CONTENT), "{outcome}");
        assert_eq!(preflights.load(Ordering::SeqCst), 3);

        // Named, `Authorization` is cached like any other name.
        let (mut app, preflights) = answering_headers("*, authorization");
        let mut browser = Browser::at(APP);
        assert!(browser.fetch(&mut app, get_with(&[("authorization", "Bearer t")])).await.is_readable());
        let outcome = browser.fetch(&mut app, get_with(&[("authorization", "Bearer u")])).await;
        assert_eq!(outcome.preflight(), Preflight::Cached, "{outcome}");
        assert!(outcome.is_readable(), "{outcome}");
        assert_eq!(preflights.load(Ordering::SeqCst), 1);
    }
}

/// `#cors-protocol-and-http-caches`: a shared cache may hand a stored preflight answer to another
/// request whose headers named in `Vary` are the same. So wherever two requests may get one
/// stored answer, the layer must answer them alike: under any origin with a private network
/// predicate, whose answer depends on `Origin`, too.
#[tokio::test]
async fn a_shared_cache_never_hands_one_origins_answer_to_another() {
    const INTRANET: &str = "https://intranet.example";
    let predicate = || AllowPrivateNetwork::predicate(|origin, _| origin == INTRANET);
    let policies = [
        (
            "any origin, private network predicate",
            CorsLayer::new().allow_any_origin().allow_private_network(predicate()),
        ),
        ("any origin, private network always", CorsLayer::new().allow_any_origin().allow_private_network(true)),
        (
            "a list, private network predicate",
            CorsLayer::new().allow_origins([INTRANET, APP]).allow_private_network(predicate()),
        ),
    ];
    let preflight = |origin: &str| {
        Request::options("/items")
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-private-network", "true")
            .body(())
            .unwrap()
    };
    let origins = [INTRANET, APP, EVIL];
    for (name, cors) in policies {
        let mut answers = Vec::new();
        for origin in origins {
            let response = cors.layer(support::Inner::ok()).oneshot(preflight(origin)).await.unwrap();
            answers.push((preflight(origin), support::cors_lines(response.headers()), response.headers().clone()));
        }
        for (stored_request, stored_lines, stored_headers) in &answers {
            let vary: Vec<String> = stored_headers
                .get_all("vary")
                .iter()
                .flat_map(|line| line.to_str().unwrap().split(','))
                .map(|name| name.trim().to_ascii_lowercase())
                .collect();
            for (request, lines, _) in &answers {
                let reusable = vary.iter().all(|name| {
                    stored_request.headers().get_all(name.as_str()).iter().eq(request.headers().get_all(name.as_str()))
                });
                if reusable {
                    assert_eq!(
                        stored_lines,
                        lines,
                        "{name}: a cache may serve {:?}'s answer to {:?} (Vary: {vary:?})",
                        stored_request.headers()["origin"],
                        request.headers()["origin"]
                    );
                }
            }
        }
    }
}

/// An inner service whose every instance must be polled ready before its `call`, as tower's
/// contract says; clones start not ready. Records each `call` made on an instance that was not.
struct ReadyFirst {
    ready: bool,
    unready_calls: Arc<AtomicUsize>,
    calls: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<&'static str>>>,
}

impl ReadyFirst {
    fn new() -> Self {
        Self { ready: false, unready_calls: Arc::default(), calls: Arc::default(), log: Arc::default() }
    }
}

impl<B> Service<Request<B>> for ReadyFirst {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.ready = true;
        self.log.lock().unwrap().push("ready");
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<B>) -> Self::Future {
        if !std::mem::replace(&mut self.ready, false) {
            self.unready_calls.fetch_add(1, Ordering::SeqCst);
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.log.lock().unwrap().push("call");
        std::future::ready(Ok(Response::new(String::new())))
    }
}

/// A clone is another instance, not ready until polled (as a `Buffer` handle, a connection pool
/// handle or a concurrency limit without its permit).
impl Clone for ReadyFirst {
    fn clone(&self) -> Self {
        Self {
            ready: false,
            unready_calls: Arc::clone(&self.unready_calls),
            calls: Arc::clone(&self.calls),
            log: Arc::clone(&self.log),
        }
    }
}

/// With an async origin check, the request waits for the check before the inner service is
/// called: the instance that `poll_ready` made ready travels with it and is the one called, and
/// the service keeps answering request after request.
#[tokio::test]
async fn the_async_check_calls_the_service_that_was_made_ready() {
    let check = AllowOrigin::async_predicate(|origin: HeaderValue, _: &Parts| async move {
        tokio::task::yield_now().await;
        origin == APP
    });
    let inner = ReadyFirst::new();
    let mut service = CorsLayer::new().allow_origin(check).layer(inner.clone());
    for (i, origin) in [APP, EVIL, APP, APP].into_iter().enumerate() {
        let request = Request::post("/items").header("origin", origin).body(String::new()).unwrap();
        let response = ServiceExt::<Request<String>>::ready(&mut service).await.unwrap().call(request).await.unwrap();
        let granted = response.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(granted.as_deref(), (origin == APP).then_some(APP), "request {i} from {origin}");
        assert_eq!(inner.calls.load(Ordering::SeqCst), i + 1, "request {i}: one call each");
        assert_eq!(
            inner.unready_calls.load(Ordering::SeqCst),
            0,
            "request {i}: an instance was called without poll_ready: {:?}",
            inner.log.lock().unwrap()
        );
    }
}
