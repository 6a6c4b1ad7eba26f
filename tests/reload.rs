//! Live reconfiguration: a reload swaps the whole policy at once, every request is answered
//! entirely by one policy even while reloads race with it, and an invalid reload changes nothing.
#![cfg(feature = "reload")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use http::{HeaderName, Method, Request, Response, StatusCode};
use http_body_util::Empty;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::{oneshot, Mutex};
use tower::{service_fn, Layer, Service, ServiceExt};
use tower_cors::reload::{ReloadHandle, ReloadLayer};
use tower_cors::{AllowOrigin, ConfigProblem, CorsLayer};

const A: &str = "https://a.example";
const B: &str = "https://b.example";
const BOTH: &str = "https://both.example";

/// Policy A: origins a and both, exposes x-a, max age 100, credentials, 204 preflights.
fn policy_a() -> CorsLayer {
    CorsLayer::new()
        .allow_origins([A, BOTH])
        .allow_methods([Method::PUT])
        .expose_headers([HeaderName::from_static("x-a")])
        .max_age(Duration::from_secs(100))
        .allow_credentials(true)
}

/// Policy B: origins b and both, exposes x-b, max age 200, no credentials, 200 preflights.
fn policy_b() -> CorsLayer {
    CorsLayer::new()
        .allow_origins([B, BOTH])
        .allow_methods([Method::PUT])
        .expose_headers([HeaderName::from_static("x-b")])
        .max_age(Duration::from_secs(200))
        .preflight_status(StatusCode::OK)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Which {
    A,
    B,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Preflight,
    Actual,
}

const PREFLIGHT_VARY: &str = "origin, access-control-request-method, access-control-request-headers";

/// The exact status, CORS headers and `Vary` that `which` gives a request of `kind` from `origin`,
/// and whether the inner service runs.
fn expected(which: Which, kind: Kind, origin: &str) -> (StatusCode, Vec<(String, String)>, bool) {
    let allowed = origin == BOTH || (origin == A) == (which == Which::A);
    let mut headers = Vec::new();
    let mut push = |name: &str, value: &str| headers.push((name.to_owned(), value.to_owned()));
    let (status, inner) = match (kind, allowed) {
        (Kind::Preflight, false) => {
            push("vary", PREFLIGHT_VARY);
            (StatusCode::FORBIDDEN, false)
        }
        (Kind::Preflight, true) => {
            push("access-control-allow-origin", origin);
            if which == Which::A {
                push("access-control-allow-credentials", "true");
            }
            push("access-control-allow-methods", "PUT");
            push("access-control-max-age", if which == Which::A { "100" } else { "200" });
            push("vary", PREFLIGHT_VARY);
            (if which == Which::A { StatusCode::NO_CONTENT } else { StatusCode::OK }, false)
        }
        (Kind::Actual, false) => {
            push("vary", "origin");
            (StatusCode::OK, true)
        }
        (Kind::Actual, true) => {
            push("access-control-allow-origin", origin);
            if which == Which::A {
                push("access-control-allow-credentials", "true");
            }
            push("access-control-expose-headers", if which == Which::A { "x-a" } else { "x-b" });
            push("vary", "origin");
            (StatusCode::OK, true)
        }
    };
    headers.sort();
    (status, headers, inner)
}

/// The inner service marks its responses with this header, so each response tells whether the
/// inner service ran for it.
const INNER_RAN: &str = "x-inner-ran";

/// The status, the sorted CORS and `Vary` headers of a response (each line separately, so a
/// duplicated header shows up as a mismatch), and whether the inner service answered it.
fn observed<B>(response: &Response<B>) -> (StatusCode, Vec<(String, String)>, bool) {
    (response.status(), support::cors_lines(response.headers()), response.headers().contains_key(INNER_RAN))
}

/// Which policy answered, or a panic naming the mix if neither did.
fn classify(
    kind: Kind,
    origin: &str,
    (status, headers, inner_ran): (StatusCode, Vec<(String, String)>, bool),
) -> Which {
    for which in [Which::A, Which::B] {
        let (want_status, want_headers, want_inner) = expected(which, kind, origin);
        if status == want_status && headers == want_headers && inner_ran == want_inner {
            return which;
        }
    }
    panic!("{kind:?} from {origin}: neither policy A nor B answered {status} {headers:?} (inner ran: {inner_ran})");
}

fn request(kind: Kind, origin: &str) -> Request<Body> {
    let builder = Request::builder().uri("/items").header("origin", origin);
    let builder = match kind {
        Kind::Preflight => builder.method(Method::OPTIONS).header("access-control-request-method", "PUT"),
        Kind::Actual => builder.method(Method::GET),
    };
    builder.body(Body::empty()).unwrap()
}

/// An inner service that counts its calls and yields a few times before answering, so that
/// reloads land while requests are in flight.
fn inner(
    calls: Arc<AtomicUsize>,
) -> impl Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future: Send> + Clone + Send + Sync {
    service_fn(move |_request: Request<Body>| {
        let calls = Arc::clone(&calls);
        async move {
            calls.fetch_add(1, Ordering::SeqCst);
            for _ in 0..3 {
                tokio::task::yield_now().await;
            }
            let mut response = Response::new(Body::empty());
            response.headers_mut().insert(INNER_RAN, http::HeaderValue::from_static("1"));
            Ok::<_, Infallible>(response)
        }
    })
}

/// Swaps between B and A at least `swaps` times, pausing with `pause` in between, and on until
/// every kind of request has been answered by both policies (so that a slow machine cannot make
/// the test pass without a race), then raises `done`.
async fn swap_many<P: Future<Output = ()>>(
    handle: ReloadHandle,
    swaps: usize,
    seen: Arc<Mutex<Seen>>,
    done: Arc<AtomicBool>,
    pause: impl Fn() -> P,
) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    for i in 0.. {
        if i >= swaps && (seen.lock().await.both_policies_seen() || std::time::Instant::now() > deadline) {
            break;
        }
        let next = if i % 2 == 0 { policy_b() } else { policy_a() };
        handle.reload(next).unwrap();
        pause().await;
    }
    done.store(true, Ordering::SeqCst);
}

#[derive(Default)]
struct Seen {
    counts: std::collections::HashMap<(Kind, &'static str, Which), usize>,
}

const CASES: [(Kind, &str); 6] = [
    (Kind::Preflight, A),
    (Kind::Preflight, B),
    (Kind::Preflight, BOTH),
    (Kind::Actual, A),
    (Kind::Actual, B),
    (Kind::Actual, BOTH),
];

impl Seen {
    /// Every request kind was answered by both policies at some point, so the swaps really did
    /// race with the requests.
    fn both_policies_seen(&self) -> bool {
        CASES.iter().all(|&(kind, origin)| {
            [Which::A, Which::B].iter().all(|&which| self.counts.get(&(kind, origin, which)).is_some_and(|&n| n > 0))
        })
    }

    fn assert_both_policies_seen(&self) {
        for (kind, origin) in CASES {
            for which in [Which::A, Which::B] {
                assert!(
                    self.counts.get(&(kind, origin, which)).copied().unwrap_or(0) > 0,
                    "{kind:?} from {origin} was never answered by policy {which:?}: {:?}",
                    self.counts
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_through_the_service_never_see_a_mixed_policy() {
    let (layer, handle) = policy_a().reloadable().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let service = layer.layer(inner(Arc::clone(&calls)));
    let done = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));

    let mut tasks = Vec::new();
    for task in 0..8 {
        let (service, done, seen) = (service.clone(), Arc::clone(&done), Arc::clone(&seen));
        tasks.push(tokio::spawn(async move {
            let mut sent = 0;
            while sent < 300 || !done.load(Ordering::SeqCst) {
                let (kind, origin) = CASES[(task + sent) % CASES.len()];
                let response = service.clone().oneshot(request(kind, origin)).await.unwrap();
                let which = classify(kind, origin, observed(&response));
                *seen.lock().await.counts.entry((kind, origin, which)).or_default() += 1;
                sent += 1;
            }
        }));
    }
    let reloader = tokio::spawn(swap_many(handle, 600, Arc::clone(&seen), Arc::clone(&done), tokio::task::yield_now));
    reloader.await.unwrap();
    for task in tasks {
        task.await.unwrap();
    }
    let seen = seen.lock().await;
    let actual_total: usize =
        seen.counts.iter().filter(|((kind, _, _), _)| *kind == Kind::Actual).map(|(_, n)| n).sum();
    // Preflights never reach the inner service; every actual request does, exactly once.
    assert_eq!(calls.load(Ordering::SeqCst), actual_total);
    seen.assert_both_policies_seen();
}

/// Serves `app` on 127.0.0.1 and returns its address.
async fn serve(app: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_through_an_axum_server_never_see_a_mixed_policy() {
    let (layer, handle) = policy_a().reloadable().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let handler_calls = Arc::clone(&calls);
    let app = Router::new()
        .route(
            "/items",
            get(move || {
                let calls = Arc::clone(&handler_calls);
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    ([(INNER_RAN, "1")], "[]")
                }
            }),
        )
        .layer(layer);
    let address = serve(app).await;
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<axum::body::Bytes>>();
    let done = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));

    let mut tasks = Vec::new();
    for task in 0..6 {
        let (client, done, seen) = (client.clone(), Arc::clone(&done), Arc::clone(&seen));
        tasks.push(tokio::spawn(async move {
            let mut sent = 0;
            while sent < 60 || !done.load(Ordering::SeqCst) {
                let (kind, origin) = CASES[(task + sent) % CASES.len()];
                let method = if kind == Kind::Preflight { Method::OPTIONS } else { Method::GET };
                let mut builder =
                    Request::builder().method(method).uri(format!("http://{address}/items")).header("origin", origin);
                if kind == Kind::Preflight {
                    builder = builder.header("access-control-request-method", "PUT");
                }
                let response = client.request(builder.body(Empty::new()).unwrap()).await.unwrap();
                let which = classify(kind, origin, observed(&response));
                *seen.lock().await.counts.entry((kind, origin, which)).or_default() += 1;
                sent += 1;
            }
        }));
    }
    let pause = || tokio::time::sleep(Duration::from_micros(200));
    let reloader = tokio::spawn(swap_many(handle, 300, Arc::clone(&seen), Arc::clone(&done), pause));
    reloader.await.unwrap();
    for task in tasks {
        task.await.unwrap();
    }
    let seen = seen.lock().await;
    let actual_total: usize =
        seen.counts.iter().filter(|((kind, _, _), _)| *kind == Kind::Actual).map(|(_, n)| n).sum();
    assert_eq!(calls.load(Ordering::SeqCst), actual_total);
    seen.assert_both_policies_seen();
}

/// Sends one request through `layer` and says which policy answered it.
async fn send_one(layer: &ReloadLayer, kind: Kind, origin: &str) -> Which {
    let calls = Arc::new(AtomicUsize::new(0));
    let response = layer.layer(inner(Arc::clone(&calls))).oneshot(request(kind, origin)).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), usize::from(kind == Kind::Actual));
    classify(kind, origin, observed(&response))
}

#[tokio::test]
async fn a_reload_applies_to_services_built_before_it_and_to_every_clone() {
    let (layer, handle) = policy_a().reloadable().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let service = layer.layer(inner(Arc::clone(&calls)));
    let before = service.clone();
    let second_layer = handle.layer();

    let response = before.clone().oneshot(request(Kind::Actual, A)).await.unwrap();
    assert_eq!(classify(Kind::Actual, A, observed(&response)), Which::A);

    handle.clone().reload(policy_b()).unwrap();
    for service in [before, service] {
        let response = service.oneshot(request(Kind::Preflight, B)).await.unwrap();
        assert_eq!(classify(Kind::Preflight, B, observed(&response)), Which::B);
    }
    assert_eq!(send_one(&second_layer, Kind::Actual, B).await, Which::B);
    assert_eq!(send_one(&layer, Kind::Preflight, A).await, Which::B);
}

#[tokio::test]
async fn an_invalid_reload_reports_every_problem_and_keeps_the_policy_in_use() {
    let (layer, handle) = policy_a().reloadable().unwrap();
    let invalid = CorsLayer::new()
        .allow_origins(["https://Upper.example", "https://ok.example/"])
        .allow_methods([Method::CONNECT])
        .max_age(Duration::from_secs(90_000));
    let expected_problems = invalid.validate().unwrap_err().problems().to_vec();
    assert_eq!(expected_problems.len(), 4, "{expected_problems:?}");

    let error = handle.reload(invalid).unwrap_err();
    assert_eq!(error.problems(), &expected_problems[..]);
    assert!(error
        .problems()
        .iter()
        .any(|p| matches!(p, ConfigProblem::ForbiddenMethod { method, .. } if method == "CONNECT")));
    assert!(error.problems().iter().any(|p| matches!(p, ConfigProblem::MaxAgeTooLong { seconds: 90_000, .. })));

    // Still exactly policy A, for every kind of request.
    for (kind, origin) in CASES {
        assert_eq!(send_one(&layer, kind, origin).await, Which::A, "{kind:?} from {origin}");
    }

    // Credentials with any origin: refused, A stays.
    let error = handle.reload(CorsLayer::new().allow_any_origin().allow_credentials(true)).unwrap_err();
    assert_eq!(error.problems(), &[ConfigProblem::CredentialsWithAnyOrigin]);
    assert_eq!(send_one(&layer, Kind::Actual, A).await, Which::A);

    // And a valid reload afterwards still works.
    handle.reload(policy_b()).unwrap();
    for (kind, origin) in CASES {
        assert_eq!(send_one(&layer, kind, origin).await, Which::B, "{kind:?} from {origin}");
    }
}

#[test]
fn an_invalid_initial_layer_is_refused_with_every_problem() {
    let error = CorsLayer::new().allow_credentials(true).max_age(Duration::from_secs(86_401)).reloadable().unwrap_err();
    assert!(
        matches!(
            error.problems(),
            [ConfigProblem::NoOriginPolicy, ConfigProblem::MaxAgeTooLong { seconds: 86_401, .. }]
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_request_in_flight_finishes_with_the_policy_it_started_with() {
    let (layer, handle) = policy_a().reloadable().unwrap();
    let (release, wait) = oneshot::channel::<()>();
    let wait = Arc::new(Mutex::new(Some(wait)));
    let service = layer.layer(service_fn(move |_request: Request<Body>| {
        let wait = Arc::clone(&wait);
        async move {
            let wait = wait.lock().await.take().unwrap();
            wait.await.unwrap();
            let mut response = Response::new(Body::empty());
            response.headers_mut().insert(INNER_RAN, http::HeaderValue::from_static("1"));
            Ok::<_, Infallible>(response)
        }
    }));
    let in_flight = tokio::spawn(service.oneshot(request(Kind::Actual, A)));
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    // The request was decided under A and its inner service is still running.
    handle.reload(policy_b()).unwrap();
    release.send(()).unwrap();
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(classify(Kind::Actual, A, observed(&response)), Which::A);
    assert_eq!(send_one(&layer, Kind::Actual, A).await, Which::B);
}

#[tokio::test]
async fn a_pending_async_origin_check_finishes_with_the_policy_it_started_with() {
    let (release, wait) = oneshot::channel::<()>();
    let wait = Arc::new(Mutex::new(Some(wait)));
    let async_a = policy_a().allow_origin(AllowOrigin::async_predicate(move |origin, _parts| {
        let wait = Arc::clone(&wait);
        async move {
            if let Some(wait) = wait.lock().await.take() {
                wait.await.unwrap();
            }
            origin == A || origin == BOTH
        }
    }));
    let (layer, handle) = async_a.reloadable().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let service = layer.layer(inner(Arc::clone(&calls)));
    let in_flight = tokio::spawn(service.oneshot(request(Kind::Preflight, BOTH)));
    tokio::time::sleep(Duration::from_millis(20)).await;
    handle.reload(policy_b()).unwrap();
    release.send(()).unwrap();
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(classify(Kind::Preflight, BOTH, observed(&response)), Which::A);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn handles_and_layers_can_be_shared_across_threads() {
    fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
    assert_shareable::<ReloadHandle>();
    assert_shareable::<ReloadLayer>();
}

/// The `Access-Control-Allow-Origin` that `service` (a layer around [`inner`]) answers an actual
/// request from `origin` with.
async fn allowed_by<S, B>(service: S, origin: &str) -> Option<String>
where
    S: Service<Request<Body>, Response = Response<B>, Error = Infallible>,
{
    let response = service.oneshot(request(Kind::Actual, origin)).await.unwrap();
    response.headers().get("access-control-allow-origin").map(|value| value.to_str().unwrap().to_owned())
}

fn app() -> impl Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future: Send> + Clone {
    inner(Arc::new(AtomicUsize::new(0)))
}

/// Layers derived by setters from one base that was never compiled each compile their own
/// settings, whichever is compiled first. (Were the base's policy cache carried along by `clone`
/// and kept by the setters, the first one compiled would answer for all of them: `bad.validate()`
/// passing, `reload(bad)` installing a sibling's policy.)
#[tokio::test]
async fn layers_derived_from_one_base_stay_independent() {
    let base = CorsLayer::new().allow_methods([Method::PUT]).max_age(Duration::from_secs(100));
    let a = base.clone().allow_origins([A]);
    let b = base.clone().allow_origins([B]);
    let bad = base.clone().allow_credentials(true).allow_any_origin();

    // A valid sibling compiled first.
    a.validate().unwrap();
    assert_eq!(allowed_by(a.layer(app()), A).await.as_deref(), Some(A));
    assert_eq!(bad.validate().unwrap_err().problems(), &[ConfigProblem::CredentialsWithAnyOrigin]);
    assert_eq!(allowed_by(b.layer(app()), B).await.as_deref(), Some(B));
    assert_eq!(allowed_by(b.layer(app()), A).await, None);
    assert_eq!(allowed_by(a.layer(app()), B).await, None);
    assert_eq!(base.validate().unwrap_err().problems(), &[ConfigProblem::NoOriginPolicy]);

    // A reload refuses the derived invalid layer, and the policy in use stays `a`'s.
    let (layer, handle) = a.clone().reloadable().unwrap();
    let error = handle.reload(bad.clone()).unwrap_err();
    assert_eq!(error.problems(), &[ConfigProblem::CredentialsWithAnyOrigin]);
    assert_eq!(allowed_by(layer.layer(app()), A).await.as_deref(), Some(A));
    assert_eq!(allowed_by(layer.layer(app()), "https://anyone.example").await, None);
    handle.reload(b.clone()).unwrap();
    assert_eq!(allowed_by(layer.layer(app()), B).await.as_deref(), Some(B));
    assert_eq!(allowed_by(layer.layer(app()), A).await, None);

    // The invalid sibling compiled first: the valid ones are not refused for its problem.
    let base = CorsLayer::new().allow_methods([Method::PUT]);
    let bad = base.clone().allow_any_origin().allow_credentials(true);
    let good = base.clone().allow_origins([A]);
    assert_eq!(bad.validate().unwrap_err().problems(), &[ConfigProblem::CredentialsWithAnyOrigin]);
    handle.reload(good.clone()).unwrap();
    assert_eq!(allowed_by(layer.layer(app()), A).await.as_deref(), Some(A));
    assert_eq!(allowed_by(good.layer(app()), A).await.as_deref(), Some(A));
    assert!(good.clone().reloadable().is_ok());
}
