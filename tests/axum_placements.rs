//! Where the layer goes in an axum 0.8 app, each placement from the axum guide
//! (`tower_cors::guides::axum`) served on 127.0.0.1 over TCP: the exact status and CORS headers
//! of a preflight and of an actual request, and whether the handler ran.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Router;
use http_body_util::Empty;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower::ServiceBuilder;
use tower_cors::CorsLayer;

const APP: &str = "https://app.example.com";
const PREFLIGHT_VARY: &str = "origin, access-control-request-method, access-control-request-headers";

fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origins([APP])
        .allow_methods([Method::PUT])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .max_age(Duration::from_secs(600))
}

/// Counts the handler's runs.
#[derive(Clone, Default)]
struct Hits(Arc<AtomicUsize>);

impl Hits {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// `GET` and `PUT` handlers that count their runs.
    fn routes(&self) -> MethodRouter {
        let (get_hits, put_hits) = (self.clone(), self.clone());
        get(move || async move {
            get_hits.0.fetch_add(1, Ordering::SeqCst);
            "items"
        })
        .put(move || async move {
            put_hits.0.fetch_add(1, Ordering::SeqCst);
            "stored"
        })
    }
}

/// A stand-in for authentication: 401 without an `Authorization` header.
async fn require_auth(request: Request, next: Next) -> Response {
    if request.headers().contains_key(header::AUTHORIZATION) {
        next.run(request).await
    } else {
        StatusCode::UNAUTHORIZED.into_response()
    }
}

struct Server {
    address: SocketAddr,
    client: Client<HttpConnector, Empty<Bytes>>,
}

/// The status, the CORS, `Vary` and `Allow` headers (sorted, each line on its own) of a reply.
#[derive(Debug, PartialEq, Eq)]
struct Reply {
    status: StatusCode,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn new(status: StatusCode, headers: &[(&str, &str)]) -> Self {
        let mut headers: Vec<(String, String)> =
            headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
        headers.sort();
        Self { status, headers }
    }

    fn from_headers(status: StatusCode, map: &HeaderMap) -> Self {
        let mut headers: Vec<(String, String)> = map
            .iter()
            .filter(|(n, _)| n.as_str().starts_with("access-control-") || matches!(n.as_str(), "vary" | "allow"))
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        Self { status, headers }
    }
}

/// A granted preflight for `PUT` with `content-type`.
fn granted_preflight() -> Reply {
    Reply::new(
        StatusCode::NO_CONTENT,
        &[
            ("access-control-allow-origin", APP),
            ("access-control-allow-methods", "PUT"),
            ("access-control-allow-headers", "content-type"),
            ("access-control-max-age", "600"),
            ("vary", PREFLIGHT_VARY),
        ],
    )
}

/// The same, answered inside a route's `MethodRouter`: a preflight is an `OPTIONS` request that
/// no handler takes, so it goes to the method router's fallback, and axum adds `Allow` to
/// whatever that fallback answers (here, the layer's 204).
fn granted_preflight_in_route() -> Reply {
    let mut reply = granted_preflight();
    reply.headers.push(("allow".to_owned(), "GET,HEAD,PUT".to_owned()));
    reply.headers.sort();
    reply
}

/// A granted actual request.
fn granted(status: StatusCode) -> Reply {
    Reply::new(status, &[("access-control-allow-origin", APP), ("vary", "origin")])
}

/// What axum answers an `OPTIONS` to a route without an `OPTIONS` handler: no CORS at all.
fn method_not_allowed() -> Reply {
    Reply::new(StatusCode::METHOD_NOT_ALLOWED, &[("allow", "GET,HEAD,PUT")])
}

impl Server {
    async fn start(app: Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { address, client: Client::builder(TokioExecutor::new()).build_http() }
    }

    async fn send(&self, method: Method, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut builder = http::Request::builder().method(method).uri(format!("http://{}{path}", self.address));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response = self.client.request(builder.body(Empty::new()).unwrap()).await.unwrap();
        Reply::from_headers(response.status(), response.headers())
    }

    /// A browser's preflight before a `PUT` with a JSON body.
    async fn preflight(&self, path: &str) -> Reply {
        let headers = [
            ("origin", APP),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "content-type"),
        ];
        self.send(Method::OPTIONS, path, &headers).await
    }

    /// The actual cross-origin `PUT`.
    async fn put(&self, path: &str, extra: &[(&str, &str)]) -> Reply {
        let mut headers = vec![("origin", APP), ("content-type", "application/json")];
        headers.extend_from_slice(extra);
        self.send(Method::PUT, path, &headers).await
    }
}

#[tokio::test]
async fn router_layer_after_the_routes_answers_preflights_everywhere() {
    let hits = Hits::default();
    let server = Server::start(Router::new().route("/items", hits.routes()).layer(cors())).await;

    assert_eq!(server.preflight("/items").await, granted_preflight_in_route());
    assert_eq!(hits.count(), 0, "the layer answers preflights; the handler never runs");
    assert_eq!(server.put("/items", &[]).await, granted(StatusCode::OK));
    assert_eq!(hits.count(), 1);

    // Unknown paths too: the preflight is answered before routing, and the 404 is readable.
    assert_eq!(server.preflight("/nope").await, granted_preflight());
    assert_eq!(server.put("/nope", &[]).await, granted(StatusCode::NOT_FOUND));
    // A request without `Origin` reaches the handler and only gets `Vary`.
    assert_eq!(server.send(Method::GET, "/items", &[]).await, Reply::new(StatusCode::OK, &[("vary", "origin")]));
    assert_eq!(hits.count(), 2);
}

#[tokio::test]
async fn the_layer_around_the_whole_router_sees_every_request_first() {
    let hits = Hits::default();
    let app = Router::new().route("/items", hits.routes());
    let service = tower::Layer::layer(&cors().keep_body_type(), app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, axum::ServiceExt::<Request>::into_make_service(service)).await.unwrap()
    });
    let server = Server { address, client: Client::builder(TokioExecutor::new()).build_http() };

    // Answered before routing: no `Allow` from axum, same answer for every path.
    assert_eq!(server.preflight("/items").await, granted_preflight());
    assert_eq!(server.preflight("/nope").await, granted_preflight());
    assert_eq!(hits.count(), 0);
    assert_eq!(server.put("/items", &[]).await, granted(StatusCode::OK));
    assert_eq!(server.put("/nope", &[]).await, granted(StatusCode::NOT_FOUND));
    assert_eq!(hits.count(), 1);
}

#[tokio::test]
async fn router_route_layer_covers_matched_paths_only() {
    let hits = Hits::default();
    let server = Server::start(Router::new().route("/items", hits.routes()).route_layer(cors())).await;

    // `Router::route_layer` wraps each route's whole `MethodRouter`, including its 405
    // fallback, so preflights to existing paths are answered.
    assert_eq!(server.preflight("/items").await, granted_preflight_in_route());
    assert_eq!(server.put("/items", &[]).await, granted(StatusCode::OK));
    assert_eq!(hits.count(), 1);

    // Unmatched paths never reach the layer: the browser sees a CORS error, not the 404.
    assert_eq!(server.preflight("/nope").await, Reply::new(StatusCode::NOT_FOUND, &[]));
    assert_eq!(server.put("/nope", &[]).await, Reply::new(StatusCode::NOT_FOUND, &[]));
    assert_eq!(hits.count(), 1);
}

#[tokio::test]
async fn method_router_layer_covers_that_route_and_its_405_fallback() {
    let hits = Hits::default();
    let app = Router::new().route("/items", hits.routes().layer(cors())).route("/other", Hits::default().routes());
    let server = Server::start(app).await;

    assert_eq!(server.preflight("/items").await, granted_preflight_in_route());
    assert_eq!(server.put("/items", &[]).await, granted(StatusCode::OK));
    assert_eq!(hits.count(), 1);
    // Other routes and unknown paths have no CORS at all.
    assert_eq!(server.preflight("/nope").await, Reply::new(StatusCode::NOT_FOUND, &[]));
    assert_eq!(server.preflight("/other").await, method_not_allowed());
    assert_eq!(server.put("/other", &[]).await, Reply::new(StatusCode::OK, &[]));
}

#[tokio::test]
async fn method_router_route_layer_breaks_preflights() {
    let hits = Hits::default();
    let server = Server::start(Router::new().route("/items", hits.routes().route_layer(cors()))).await;

    // `MethodRouter::route_layer` wraps only the GET and PUT handlers. A preflight is an
    // OPTIONS request, which goes to the unwrapped 405 fallback: no CORS headers, so the
    // browser never sends the PUT.
    assert_eq!(server.preflight("/items").await, method_not_allowed());
    assert_eq!(hits.count(), 0);
    assert_eq!(server.preflight("/nope").await, Reply::new(StatusCode::NOT_FOUND, &[]));
    // The actual request itself would be fine, if the browser ever got that far.
    assert_eq!(server.put("/items", &[]).await, granted(StatusCode::OK));
    assert_eq!(hits.count(), 1);
}

#[tokio::test]
async fn service_builder_with_cors_outside_authentication() {
    let hits = Hits::default();
    let stack = ServiceBuilder::new().layer(cors()).layer(middleware::from_fn(require_auth));
    let server = Server::start(Router::new().route("/items", hits.routes()).layer(stack)).await;

    // Preflights carry no credentials: answered before authentication runs.
    assert_eq!(server.preflight("/items").await, granted_preflight_in_route());
    assert_eq!(server.preflight("/nope").await, granted_preflight());
    // The 401 itself carries the grant, so the page can read it.
    assert_eq!(server.put("/items", &[]).await, granted(StatusCode::UNAUTHORIZED));
    assert_eq!(hits.count(), 0);
    assert_eq!(server.put("/items", &[("authorization", "Bearer t")]).await, granted(StatusCode::OK));
    assert_eq!(hits.count(), 1);
}

#[tokio::test]
async fn authentication_outside_cors_breaks_preflights() {
    let hits = Hits::default();
    // With `Router::layer`, the layer added last runs first: here authentication.
    let app = Router::new().route("/items", hits.routes()).layer(cors()).layer(middleware::from_fn(require_auth));
    let server = Server::start(app).await;

    assert_eq!(server.preflight("/items").await, Reply::new(StatusCode::UNAUTHORIZED, &[("allow", "GET,HEAD,PUT")]));
    assert_eq!(server.preflight("/nope").await, Reply::new(StatusCode::UNAUTHORIZED, &[]));
    // Even a 401 to the actual request is unreadable to the page: no CORS headers on it.
    assert_eq!(server.put("/items", &[]).await, Reply::new(StatusCode::UNAUTHORIZED, &[]));
    assert_eq!(server.put("/items", &[("authorization", "Bearer t")]).await, granted(StatusCode::OK));
    assert_eq!(hits.count(), 1);
}

#[tokio::test]
async fn a_layer_added_before_the_routes_does_not_apply_to_them() {
    let hits = Hits::default();
    let server = Server::start(Router::new().layer(cors()).route("/items", hits.routes())).await;

    assert_eq!(server.preflight("/items").await, method_not_allowed());
    // Only the fallback that existed when `layer` was called is wrapped.
    assert_eq!(server.preflight("/nope").await, granted_preflight());
    assert_eq!(server.put("/items", &[]).await, Reply::new(StatusCode::OK, &[]));
    assert_eq!(hits.count(), 1);
}

#[tokio::test]
async fn router_layer_covers_a_custom_fallback() {
    let hits = Hits::default();
    let fallback_hits = Hits::default();
    let counter = fallback_hits.clone();
    let app = Router::new()
        .route("/items", hits.routes())
        .fallback(move || async move {
            counter.0.fetch_add(1, Ordering::SeqCst);
            (StatusCode::NOT_FOUND, "no such thing")
        })
        .layer(cors());
    let server = Server::start(app).await;

    assert_eq!(server.preflight("/nope").await, granted_preflight());
    assert_eq!(fallback_hits.count(), 0);
    assert_eq!(server.put("/nope", &[]).await, granted(StatusCode::NOT_FOUND));
    assert_eq!(fallback_hits.count(), 1);
    assert_eq!(server.preflight("/items").await, granted_preflight_in_route());
    assert_eq!(server.put("/items", &[]).await, granted(StatusCode::OK));
    assert_eq!(hits.count(), 1);
}

#[tokio::test]
async fn a_layer_on_a_nested_router_covers_that_prefix_only() {
    let hits = Hits::default();
    let other = Hits::default();
    let api = Router::new().route("/items", hits.routes()).layer(cors());
    let app = Router::new().nest("/api", api).route("/other", other.routes());
    let server = Server::start(app).await;

    assert_eq!(server.preflight("/api/items").await, granted_preflight_in_route());
    assert_eq!(server.put("/api/items", &[]).await, granted(StatusCode::OK));
    assert_eq!(hits.count(), 1);
    assert_eq!(server.preflight("/other").await, method_not_allowed());
    assert_eq!(server.put("/other", &[]).await, Reply::new(StatusCode::OK, &[]));
    assert_eq!(other.count(), 1);
    // Unknown paths under the prefix go to the outer router's fallback, which has no CORS.
    assert_eq!(server.preflight("/api/nope").await, Reply::new(StatusCode::NOT_FOUND, &[]));
    assert_eq!(server.put("/api/nope", &[]).await, Reply::new(StatusCode::NOT_FOUND, &[]));
}

#[tokio::test]
async fn a_layer_on_the_outer_router_covers_nested_routers() {
    let hits = Hits::default();
    let api = Router::new().route("/items", hits.routes());
    let server = Server::start(Router::new().nest("/api", api).layer(cors())).await;

    assert_eq!(server.preflight("/api/items").await, granted_preflight_in_route());
    assert_eq!(server.put("/api/items", &[]).await, granted(StatusCode::OK));
    assert_eq!(hits.count(), 1);
    assert_eq!(server.preflight("/elsewhere").await, granted_preflight());
}

#[tokio::test]
async fn an_options_handler_of_the_app_still_gets_plain_options_requests() {
    let hits = Hits::default();
    let counter = hits.clone();
    let routes = hits.routes().options(move || async move {
        counter.0.fetch_add(1, Ordering::SeqCst);
        ([(header::ALLOW, "GET, PUT, OPTIONS")], "")
    });
    let server = Server::start(Router::new().route("/items", routes).layer(cors())).await;

    // A preflight is answered by the layer; the app's OPTIONS handler does not run.
    assert_eq!(server.preflight("/items").await, granted_preflight());
    assert_eq!(hits.count(), 0);
    // An OPTIONS without `Access-Control-Request-Method` is not a preflight: it reaches the app.
    let plain = server.send(Method::OPTIONS, "/items", &[("origin", APP)]).await;
    let mut expected = granted(StatusCode::OK);
    expected.headers.push(("allow".to_owned(), "GET, PUT, OPTIONS".to_owned()));
    expected.headers.sort();
    assert_eq!(plain, expected);
    assert_eq!(hits.count(), 1);
}
