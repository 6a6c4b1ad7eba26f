//! Real axum 0.8 stacks, each a row served on 127.0.0.1 over TCP: the CORS layer with the
//! tower-http layers an app adds around it (timeout, body limit, panic catcher, authentication,
//! request ids, tracing, compression), in the places the axum guide (`tower_cors::guides::axum`)
//! recommends and in the places it warns about.
//!
//! Every row states, for a browser at `https://app.example.com`, what each request gets: the
//! status, `Access-Control-Allow-Origin` (exact value, or absent), every `Vary` line, and whether
//! the handler ran. A response without `Access-Control-Allow-Origin` is unreadable to the page:
//! `fetch()` rejects with a network error, whatever the status was. The rows that "fail" pin that
//! failure, so that the guide's warnings stay true.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/support/mod.rs"]
mod support;

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::error_handling::HandleErrorLayer;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderName, Method, StatusCode, StatusCode as S};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{BoxError, Router};
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower::ServiceBuilder;
use tower_cors::CorsLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

const APP: &str = "https://app.example.com";
const PREFLIGHT_VARY: &str = "origin, access-control-request-method, access-control-request-headers";
const TOKEN: &str = "Bearer secret";
/// Long enough for a loaded machine to answer every other request well within it.
const TIMEOUT: Duration = Duration::from_millis(500);
/// The body limit; the oversized request sends four times as much, with `Content-Length`.
const LIMIT: usize = 1024;
/// The `/items` body: above `CompressionLayer`'s 32-byte minimum, so that it compresses.
const ITEMS: &str = "[\"one item\", \"another item\", \"and a third item\"]";

/// The app's policy: `PUT` with JSON and a bearer token, the request id and the authentication
/// challenge exposed to the page.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origins([APP])
        .allow_methods([Method::PUT])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .expose_headers([HeaderName::from_static("x-request-id"), header::WWW_AUTHENTICATE])
}

/// A public part's policy: any origin, simple requests only.
fn public_cors() -> CorsLayer {
    CorsLayer::new().allow_any_origin()
}

/// Counts the handlers' runs: every handler of a row shares one counter.
#[derive(Clone, Default)]
struct Hits(Arc<AtomicUsize>);

impl Hits {
    fn hit(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

fn explode() -> &'static str {
    panic!("a bug in the handler")
}

/// The app's routes, no layer: `/items` (`GET`, `PUT`), `/slow` (never answers in time),
/// `/panic`, `/upload` (`PUT`, reads the body). Each handler counts its run first.
fn routes(hits: &Hits) -> Router {
    let (a, b, c, d, e) = (hits.clone(), hits.clone(), hits.clone(), hits.clone(), hits.clone());
    Router::new()
        .route(
            "/items",
            get(move || async move {
                a.hit();
                ITEMS
            })
            .put(move || async move {
                b.hit();
                "stored"
            }),
        )
        .route(
            "/slow",
            get(move || async move {
                c.hit();
                tokio::time::sleep(Duration::from_secs(30)).await;
                "too late"
            }),
        )
        .route(
            "/panic",
            get(move || async move {
                d.hit();
                explode()
            }),
        )
        .route(
            "/upload",
            put(move |body: Bytes| async move {
                e.hit();
                format!("{} bytes", body.len())
            }),
        )
}

/// A public router: `GET /public`.
fn public(hits: &Hits) -> Router {
    let hits = hits.clone();
    Router::new().route(
        "/public",
        get(move || async move {
            hits.hit();
            "public"
        }),
    )
}

/// Bearer authentication: 401 with a challenge without the token.
async fn require_bearer(request: Request, next: Next) -> Response {
    if request.headers().get(header::AUTHORIZATION).is_some_and(|v| v == TOKEN) {
        next.run(request).await
    } else {
        (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response()
    }
}

/// The forum "fix" for authentication outside CORS: let every `OPTIONS` through.
async fn require_bearer_but_not_for_options(request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS {
        next.run(request).await
    } else {
        require_bearer(request, next).await
    }
}

async fn timed_out(_: BoxError) -> StatusCode {
    StatusCode::REQUEST_TIMEOUT
}

/// A request a row sends: always cross-origin from `APP`.
#[derive(Clone, Copy)]
struct Probe {
    method: &'static str,
    path: &'static str,
    token: bool,
    body: usize,
}

impl Probe {
    fn is_preflight(&self) -> bool {
        self.method == "OPTIONS"
    }
}

/// A browser's preflight before a `PUT` with JSON and a bearer token.
const fn preflight(path: &'static str) -> Probe {
    Probe { method: "OPTIONS", path, token: false, body: 0 }
}

/// A `GET` with the token.
const fn get_(path: &'static str) -> Probe {
    Probe { method: "GET", path, token: true, body: 0 }
}

/// A `GET` without the token.
const fn anonymous(path: &'static str) -> Probe {
    Probe { method: "GET", path, token: false, body: 0 }
}

/// `POST /items`, with the token: the route has no `POST` handler.
const NOT_ALLOWED: Probe = Probe { method: "POST", path: "/items", token: true, body: 0 };
/// `PUT /upload` with four times the limit, `Content-Length` set.
const TOO_LARGE: Probe = Probe { method: "PUT", path: "/upload", token: true, body: 4 * LIMIT };

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_preflight(), self.token, self.body) {
            (true, ..) => write!(f, "preflight {}", self.path),
            (false, false, _) => write!(f, "{} {} without token", self.method, self.path),
            (false, true, 0) => write!(f, "{} {}", self.method, self.path),
            (false, true, n) => write!(f, "{} {} with {n} bytes", self.method, self.path),
        }
    }
}

/// What the browser sees of a response, and whether the handler ran.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Outcome {
    status: StatusCode,
    allow_origin: Option<String>,
    vary: Vec<String>,
    ran: bool,
}

impl Outcome {
    /// A readable response: `Access-Control-Allow-Origin: https://app.example.com`,
    /// `Vary: origin`.
    fn cors(status: StatusCode) -> Self {
        Self { status, allow_origin: Some(APP.to_owned()), vary: vec!["origin".to_owned()], ran: false }
    }

    /// A granted preflight.
    fn preflight() -> Self {
        Self::cors(StatusCode::NO_CONTENT).vary(&[PREFLIGHT_VARY])
    }

    /// Readable by any page: `Access-Control-Allow-Origin: *`, no `Vary`.
    fn any(status: StatusCode) -> Self {
        Self { status, allow_origin: Some("*".to_owned()), vary: Vec::new(), ran: false }
    }

    /// Unreadable: no CORS header at all, and no `Vary`.
    fn bare(status: StatusCode) -> Self {
        Self { status, allow_origin: None, vary: Vec::new(), ran: false }
    }

    fn ran(mut self) -> Self {
        self.ran = true;
        self
    }

    fn vary(mut self, lines: &[&str]) -> Self {
        self.vary = lines.iter().map(|l| (*l).to_owned()).collect();
        self
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status.as_u16())?;
        match &self.allow_origin {
            Some(origin) => write!(f, " + ACAO {origin}")?,
            None => write!(f, ", no ACAO")?,
        }
        if !self.vary.is_empty() {
            write!(f, ", Vary {:?}", self.vary)?;
        }
        write!(f, "{}", if self.ran { ", handler ran" } else { ", handler not run" })
    }
}

/// A named stack and what each of its requests gets.
struct Row {
    name: &'static str,
    app: fn(&Hits) -> Router,
    expect: Vec<(Probe, Outcome)>,
}

fn row(name: &'static str, app: fn(&Hits) -> Router, expect: Vec<(Probe, Outcome)>) -> Row {
    Row { name, app, expect }
}

/// What a stack with every error-producing layer inside the CORS layer gives: a granted
/// preflight, and every answer readable (the handler ran for the 200, the 408 and the 500).
fn every_answer_readable() -> Vec<(Probe, Outcome)> {
    vec![
        (preflight("/items"), Outcome::preflight()),
        (get_("/items"), Outcome::cors(S::OK).ran()),
        (anonymous("/items"), Outcome::cors(S::UNAUTHORIZED)),
        (get_("/nope"), Outcome::cors(S::NOT_FOUND)),
        (NOT_ALLOWED, Outcome::cors(S::METHOD_NOT_ALLOWED)),
        (get_("/slow"), Outcome::cors(S::REQUEST_TIMEOUT).ran()),
        (TOO_LARGE, Outcome::cors(S::PAYLOAD_TOO_LARGE)),
        (get_("/panic"), Outcome::cors(S::INTERNAL_SERVER_ERROR).ran()),
    ]
}

/// The stacks. Each names the guide's row it backs (`docs/axum.md`).
fn rows() -> Vec<Row> {
    let ok = || Outcome::cors(S::OK).ran();
    vec![
        row(
            "recommended",
            |hits| {
                routes(hits)
                    .layer(middleware::from_fn(require_bearer))
                    .layer(CatchPanicLayer::new())
                    .layer(RequestBodyLimitLayer::new(LIMIT))
                    .layer(TimeoutLayer::with_status_code(S::REQUEST_TIMEOUT, TIMEOUT))
                    .layer(TraceLayer::new_for_http())
                    .layer(PropagateRequestIdLayer::x_request_id())
                    .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                    .layer(cors())
            },
            vec![
                (preflight("/items"), Outcome::preflight()),
                (preflight("/nope"), Outcome::preflight()),
                (get_("/items"), ok()),
                (anonymous("/items"), Outcome::cors(S::UNAUTHORIZED)),
                (get_("/nope"), Outcome::cors(S::NOT_FOUND)),
                (NOT_ALLOWED, Outcome::cors(S::METHOD_NOT_ALLOWED)),
                (get_("/slow"), Outcome::cors(S::REQUEST_TIMEOUT).ran()),
                (TOO_LARGE, Outcome::cors(S::PAYLOAD_TOO_LARGE)),
                (get_("/panic"), Outcome::cors(S::INTERNAL_SERVER_ERROR).ran()),
            ],
        ),
        row(
            "service-builder",
            |hits| {
                routes(hits).layer(
                    ServiceBuilder::new()
                        .layer(cors())
                        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                        .layer(PropagateRequestIdLayer::x_request_id())
                        .layer(TimeoutLayer::with_status_code(S::REQUEST_TIMEOUT, TIMEOUT))
                        .layer(CatchPanicLayer::new())
                        .layer(middleware::from_fn(require_bearer))
                        // Last: it changes the request body type, which `from_fn` does not take.
                        .layer(RequestBodyLimitLayer::new(LIMIT)),
                )
            },
            every_answer_readable(),
        ),
        row(
            "service-builder-with-trace",
            |hits| {
                routes(hits).layer(
                    ServiceBuilder::new()
                        .layer(cors())
                        .layer(TraceLayer::new_for_http())
                        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                        .layer(PropagateRequestIdLayer::x_request_id())
                        .layer(TimeoutLayer::with_status_code(S::REQUEST_TIMEOUT, TIMEOUT))
                        .layer(CatchPanicLayer::new())
                        .layer(middleware::from_fn(require_bearer))
                        // Last: it changes the request body type, which `from_fn` does not take.
                        .layer(RequestBodyLimitLayer::new(LIMIT)),
                )
            },
            every_answer_readable(),
        ),
        row(
            "drift",
            |hits| {
                routes(hits)
                    .layer(middleware::from_fn(require_bearer))
                    .layer(cors())
                    .layer(CatchPanicLayer::new())
                    .layer(RequestBodyLimitLayer::new(LIMIT))
                    .layer(TimeoutLayer::with_status_code(S::REQUEST_TIMEOUT, TIMEOUT))
            },
            vec![
                (preflight("/items"), Outcome::preflight()),
                (get_("/items"), ok()),
                (anonymous("/items"), Outcome::cors(S::UNAUTHORIZED)),
                (get_("/nope"), Outcome::cors(S::NOT_FOUND)),
                // Answered outside the CORS layer: the page sees a network error.
                (get_("/slow"), Outcome::bare(S::REQUEST_TIMEOUT).ran()),
                (TOO_LARGE, Outcome::bare(S::PAYLOAD_TOO_LARGE)),
                (get_("/panic"), Outcome::bare(S::INTERNAL_SERVER_ERROR).ran()),
            ],
        ),
        row(
            "passive-outside",
            |hits| {
                routes(hits)
                    .layer(middleware::from_fn(require_bearer))
                    .layer(cors())
                    .layer(TraceLayer::new_for_http())
                    .layer(PropagateRequestIdLayer::x_request_id())
                    .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            },
            vec![
                // Layers that never answer on their own change nothing outside the CORS layer.
                (preflight("/items"), Outcome::preflight()),
                (get_("/items"), ok()),
                (anonymous("/items"), Outcome::cors(S::UNAUTHORIZED)),
                (get_("/nope"), Outcome::cors(S::NOT_FOUND)),
                (NOT_ALLOWED, Outcome::cors(S::METHOD_NOT_ALLOWED)),
            ],
        ),
        row(
            "auth-outside",
            |hits| routes(hits).layer(cors()).layer(middleware::from_fn(require_bearer)),
            vec![
                (preflight("/items"), Outcome::bare(S::UNAUTHORIZED)),
                (get_("/items"), ok()),
                (anonymous("/items"), Outcome::bare(S::UNAUTHORIZED)),
            ],
        ),
        row(
            "auth-outside-skipping-options",
            |hits| routes(hits).layer(cors()).layer(middleware::from_fn(require_bearer_but_not_for_options)),
            vec![
                (preflight("/items"), Outcome::preflight()),
                (get_("/items"), ok()),
                // The preflight passes, then the 401 is unreadable: the page cannot tell an
                // expired token from a server that is down.
                (anonymous("/items"), Outcome::bare(S::UNAUTHORIZED)),
                (anonymous("/nope"), Outcome::bare(S::UNAUTHORIZED)),
            ],
        ),
        row(
            "auth-inside",
            |hits| routes(hits).layer(middleware::from_fn(require_bearer)).layer(cors()),
            vec![
                (preflight("/items"), Outcome::preflight()),
                (get_("/items"), ok()),
                (anonymous("/items"), Outcome::cors(S::UNAUTHORIZED)),
                (anonymous("/nope"), Outcome::cors(S::UNAUTHORIZED)),
            ],
        ),
        row(
            "auth-route-layer",
            |hits| routes(hits).route_layer(middleware::from_fn(require_bearer)).layer(cors()),
            vec![
                (preflight("/items"), Outcome::preflight()),
                (get_("/items"), ok()),
                (anonymous("/items"), Outcome::cors(S::UNAUTHORIZED)),
                // `route_layer` leaves the fallback alone: an unknown path is a 404 to anyone.
                (anonymous("/nope"), Outcome::cors(S::NOT_FOUND)),
            ],
        ),
        row(
            "handle-error-inside",
            |hits| {
                let timeout =
                    ServiceBuilder::new().layer(HandleErrorLayer::new(timed_out)).timeout(TIMEOUT).into_inner();
                routes(hits).layer(timeout).layer(cors())
            },
            vec![
                (preflight("/items"), Outcome::preflight()),
                (get_("/items"), ok()),
                (get_("/slow"), Outcome::cors(S::REQUEST_TIMEOUT).ran()),
                (get_("/nope"), Outcome::cors(S::NOT_FOUND)),
            ],
        ),
        row(
            "handle-error-outside",
            |hits| {
                let timeout =
                    ServiceBuilder::new().layer(HandleErrorLayer::new(timed_out)).timeout(TIMEOUT).into_inner();
                routes(hits).layer(cors()).layer(timeout)
            },
            vec![
                (preflight("/items"), Outcome::preflight()),
                (get_("/items"), ok()),
                (get_("/slow"), Outcome::bare(S::REQUEST_TIMEOUT).ran()),
                (get_("/nope"), Outcome::cors(S::NOT_FOUND)),
            ],
        ),
        row(
            "compression-inside",
            |hits| routes(hits).layer(CompressionLayer::new()).layer(cors()),
            vec![
                (preflight("/items"), Outcome::preflight()),
                (get_("/items"), ok().vary(&["accept-encoding, origin"])),
                (get_("/nope"), Outcome::cors(S::NOT_FOUND)),
            ],
        ),
        row(
            "compression-outside",
            |hits| routes(hits).layer(cors()).layer(CompressionLayer::new()),
            vec![
                (preflight("/items"), Outcome::preflight()),
                // Compression appends its own line after the layer merged `Vary`.
                (get_("/items"), ok().vary(&["origin", "accept-encoding"])),
                (get_("/nope"), Outcome::cors(S::NOT_FOUND)),
            ],
        ),
        row(
            "nested-without-fallback",
            |hits| Router::new().nest("/api", routes(hits).layer(cors())).merge(public(hits).layer(public_cors())),
            vec![
                (preflight("/api/items"), Outcome::preflight()),
                (get_("/api/items"), ok()),
                (get_("/public"), Outcome::any(S::OK).ran()),
                // A typo under `/api` goes to the merged router's fallback: the public policy's.
                (get_("/api/nope"), Outcome::any(S::NOT_FOUND)),
            ],
        ),
        row(
            "nested-with-fallback",
            |hits| {
                let api = routes(hits).fallback(|| async { S::NOT_FOUND }).layer(cors());
                Router::new().nest("/api", api).merge(public(hits).layer(public_cors()))
            },
            vec![
                (preflight("/api/items"), Outcome::preflight()),
                (preflight("/api/nope"), Outcome::preflight()),
                (get_("/api/items"), ok()),
                (get_("/public"), Outcome::any(S::OK).ran()),
                (get_("/api/nope"), Outcome::cors(S::NOT_FOUND)),
            ],
        ),
        row(
            "nested-public-unlayered",
            |hits| Router::new().nest("/api", routes(hits).layer(cors())).merge(public(hits)),
            vec![
                (get_("/api/items"), ok()),
                (get_("/public"), Outcome::bare(S::OK).ran()),
                // No router but `/api`'s has a policy, and its fallback is not used.
                (get_("/api/nope"), Outcome::bare(S::NOT_FOUND)),
            ],
        ),
        row(
            "merged",
            |hits| Router::new().merge(routes(hits).layer(cors())).merge(public(hits).layer(public_cors())),
            vec![
                (preflight("/items"), Outcome::preflight()),
                (get_("/items"), ok()),
                (get_("/public"), Outcome::any(S::OK).ran()),
                // Both fallbacks are axum's default: the router merged last supplies it.
                (get_("/nope"), Outcome::any(S::NOT_FOUND)),
            ],
        ),
        row(
            "nested-layers-outer-decides",
            |hits| {
                Router::new()
                    .nest("/api", routes(hits).layer(cors()))
                    .merge(public(hits))
                    .layer(public_cors().preflight_passthrough(true))
            },
            vec![
                // The outermost layer decides every response it passes: `/api`'s own layer
                // answers the preflight that reaches it, and the outer layer, whose policy does
                // not allow `PUT`, replaces its grant with a refusal.
                (preflight("/api/items"), Outcome::bare(S::NO_CONTENT).vary(&[PREFLIGHT_VARY])),
                // The outer layer's `*` replaces `/api`'s grant; `/api`'s `Vary` stays.
                (get_("/api/items"), Outcome::any(S::OK).vary(&["origin"]).ran()),
                (get_("/public"), Outcome::any(S::OK).ran()),
                (get_("/api/nope"), Outcome::any(S::NOT_FOUND)),
                // Passthrough hands the outer layer's own routes' preflights to the router: here
                // a 405 (and no grant: the public policy does not allow `PUT`).
                (preflight("/public"), Outcome::bare(S::METHOD_NOT_ALLOWED).vary(&[PASSTHROUGH_VARY])),
            ],
        ),
    ]
}

/// `Vary` of a passed-through preflight under any origin.
const PASSTHROUGH_VARY: &str = "access-control-request-method, access-control-request-headers";

struct Server {
    address: SocketAddr,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Server {
    async fn start(app: Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        // A fresh connection per request: a 413 may close its connection without reading on.
        let client = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(0).build_http();
        Self { address, client }
    }

    async fn send(&self, probe: Probe) -> (StatusCode, HeaderMap) {
        let mut request = http::Request::builder()
            .method(probe.method)
            .uri(format!("http://{}{}", self.address, probe.path))
            .header(header::ORIGIN, APP)
            .header(header::ACCEPT_ENCODING, "gzip");
        if probe.is_preflight() {
            request = request
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "PUT")
                .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization,content-type");
        }
        if probe.token {
            request = request.header(header::AUTHORIZATION, TOKEN);
        }
        let body = Full::new(Bytes::from(vec![b'x'; probe.body]));
        let response = self.client.request(request.body(body).unwrap()).await.unwrap();
        (response.status(), response.headers().clone())
    }
}

/// Sends every probe of a row to a fresh server; returns what each got.
async fn run(row: &Row) -> Vec<Outcome> {
    let hits = Hits::default();
    let server = Server::start((row.app)(&hits)).await;
    let mut seen = Vec::new();
    for (probe, _) in &row.expect {
        let before = hits.count();
        let (status, headers) = server.send(*probe).await;
        seen.push(Outcome {
            status,
            allow_origin: headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.to_str().unwrap().to_owned()),
            vary: headers.get_all(header::VARY).iter().map(|v| v.to_str().unwrap().to_owned()).collect(),
            ran: hits.count() > before,
        });
    }
    seen
}

#[tokio::test]
async fn every_stack_gives_what_the_guide_says() {
    // Each row on its own server, all at once: the test takes about one timeout, not one a row.
    let running: Vec<_> = rows()
        .into_iter()
        .map(|row| {
            tokio::spawn(async move {
                let seen = run(&row).await;
                (row, seen)
            })
        })
        .collect();
    let mut rows = Vec::new();
    for task in running {
        rows.push(task.await.unwrap());
    }
    let mut wrong = Vec::new();
    for (row, seen) in &rows {
        let line: Vec<String> =
            row.expect.iter().zip(seen).map(|((probe, _), got)| format!("{probe}: {got}")).collect();
        println!("{}: {}", row.name, line.join("; "));
        for ((probe, expected), got) in row.expect.iter().zip(seen) {
            if got != expected {
                wrong.push(format!("{}, {probe}:\n  expected {expected}\n  got      {got}", row.name));
            }
        }
    }
    assert!(wrong.is_empty(), "{} of the stacks' answers differ:\n{}", wrong.len(), wrong.join("\n"));
    assert_eq!(support::testing_md::figure("Axum stacks", "stacks"), rows.len(), "TESTING.md's number of stacks");
}

/// Each stack is a row of the guide's table, named there in backticks.
#[test]
fn every_stack_is_in_the_guide() {
    let guide = support::testing_md::read("docs/axum.md");
    let missing: Vec<&str> =
        rows().iter().map(|r| r.name).filter(|name| !guide.contains(&format!("`{name}`"))).collect();
    assert!(missing.is_empty(), "docs/axum.md has no row for {missing:?}");
}

/// In the recommended stack, every answer carries a request id the page can read, and a 401 a
/// challenge it can read: both are exposed, and the layer's headers are on every error.
#[tokio::test]
async fn the_recommended_stack_exposes_the_request_id_and_the_challenge() {
    let hits = Hits::default();
    let recommended = rows().into_iter().find(|r| r.name == "recommended").unwrap();
    let server = Server::start((recommended.app)(&hits)).await;
    for probe in [get_("/items"), anonymous("/items"), get_("/slow"), TOO_LARGE, get_("/panic")] {
        let (status, headers) = server.send(probe).await;
        let exposed = headers.get(header::ACCESS_CONTROL_EXPOSE_HEADERS).map(|v| v.to_str().unwrap());
        assert_eq!(exposed, Some("x-request-id, www-authenticate"), "{probe}: {status}");
        let id = headers.get("x-request-id").map(|v| v.to_str().unwrap().len());
        assert_eq!(id, Some(36), "{probe}: {status} carries a UUID request id");
        let challenge = headers.get(header::WWW_AUTHENTICATE).map(|v| v.to_str().unwrap());
        assert_eq!(challenge, (status == S::UNAUTHORIZED).then_some("Bearer"), "{probe}: {status}");
    }
}

/// An outer layer that answers preflights itself, around a router with its own layer: nothing
/// panics, in any build, and every answer is the outer layer's.
#[tokio::test]
async fn two_nested_layers_that_both_answer_preflights_give_the_outer_answer() {
    let panicked = Arc::new(AtomicUsize::new(0));
    let count = panicked.clone();
    let catch = CatchPanicLayer::custom(move |_: Box<dyn std::any::Any + Send>| {
        count.fetch_add(1, Ordering::SeqCst);
        S::INTERNAL_SERVER_ERROR.into_response()
    });
    let hits = Hits::default();
    let app =
        Router::new().nest("/api", routes(&hits).layer(cors())).merge(public(&hits)).layer(public_cors()).layer(catch);
    let server = Server::start(app).await;
    for _ in 0..2 {
        let (status, headers) = server.send(get_("/api/items")).await;
        assert_eq!(status, S::OK);
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    }
    assert_eq!(panicked.load(Ordering::SeqCst), 0);
    assert_eq!(hits.count(), 2);
}
