//! The servers the browser talks to: a page server (any `Host`, so `*.localhost` names work),
//! APIs behind a CORS policy, and a log of what reached each server and each inner service.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use tokio::net::TcpListener;
use tower_cors::CorsLayer;

/// The page every test navigates to: it defines `probe`, `runFetches` and `inSandbox`.
const PAGE: &str = include_str!("page.html");

/// One request as the API saw it.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) api: &'static str,
    /// `true` when logged by the application (inside the CORS layer), `false` by the server (outside).
    pub(crate) inner: bool,
    pub(crate) origin: Option<String>,
    /// Server: `PUT 200`, `GET 200 with cookie` or `preflight PUT x-custom 204`. Inner: what the
    /// application answered.
    pub(crate) line: String,
}

/// Every request every API saw, in order; drained after each case.
#[derive(Clone, Default)]
pub(crate) struct Log(Arc<Mutex<Vec<Entry>>>);

impl Log {
    fn push(&self, entry: Entry) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(entry);
    }

    pub(crate) fn take(&self) -> Vec<Entry> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

#[derive(Clone)]
struct Api {
    name: &'static str,
    log: Log,
}

/// Serves `router` on `listener` until the test process ends.
pub(crate) fn serve(listener: TcpListener, router: Router) {
    tokio::spawn(async move { axum::serve(listener, router).await });
}

/// Serves the test page at every path, whatever the `Host`.
pub(crate) fn page() -> Router {
    Router::new().fallback(|| async { Html(PAGE) })
}

/// An API: the application, wrapped in `cors`, wrapped in a logger that sees every request.
pub(crate) fn api(name: &'static str, log: &Log, cors: CorsLayer) -> Router {
    let api = Api { name, log: log.clone() };
    Router::new()
        .fallback(application)
        .with_state(api.clone())
        .layer(cors)
        .layer(middleware::from_fn_with_state(api, log_request))
}

/// An API without tower-cors whose hand-written preflight answer grants `Allow-Headers: *`:
/// it records what Chromium does with `*` and `Authorization`, the reason tower-cors refuses it.
pub(crate) fn hand_written_wildcard(name: &'static str, log: &Log) -> Router {
    let api = Api { name, log: log.clone() };
    Router::new()
        .fallback(|state: State<Api>, request: Request| async move {
            let origin = request.headers().get("origin").cloned().unwrap_or(HeaderValue::from_static("*"));
            let mut response = if is_preflight(request.headers(), request.method()) {
                let grant = [("access-control-allow-methods", "GET, PUT"), ("access-control-allow-headers", "*")];
                (StatusCode::NO_CONTENT, grant).into_response()
            } else {
                application(state, request).await
            };
            response.headers_mut().insert("access-control-allow-origin", origin);
            response
        })
        .with_state(api.clone())
        .layer(middleware::from_fn_with_state(api, log_request))
}

/// The application: says what it received, and sets headers some of which the policy exposes.
/// At `GET /` it serves the test page, so that the API's own origin can run cases too.
async fn application(State(api): State<Api>, request: Request) -> Response {
    if request.method() == Method::GET && request.uri().path() == "/" {
        // The test page, from the API's own origin: for same-origin requests.
        return Html(PAGE).into_response();
    }
    let method = request.method().clone();
    let cookie = request.headers().get("cookie").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let origin = origin_of(request.headers());
    let body = axum::body::to_bytes(request.into_body(), 1 << 16).await.unwrap_or_default();
    let mut said = method.to_string();
    if !body.is_empty() {
        said = format!("{said} {}", String::from_utf8_lossy(&body));
    }
    if let Some(cookie) = cookie {
        said = format!("{said} cookie: {cookie}");
    }
    api.log.push(Entry { api: api.name, inner: true, origin, line: said.clone() });
    let headers = [
        ("x-request-id", "42"),
        ("x-secret", "s3cret"),
        ("x-app-own", "mine"),
        // Exposed by the application itself; the layer must keep it next to its own list.
        ("access-control-expose-headers", "x-app-own"),
        ("cache-control", "no-store"),
    ];
    (headers, said).into_response()
}

async fn log_request(State(api): State<Api>, request: Request, next: Next) -> Response {
    let origin = origin_of(request.headers());
    let what = if is_preflight(request.headers(), request.method()) {
        let asked = |name| request.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).unwrap_or("");
        let headers = asked("access-control-request-headers");
        let method = asked("access-control-request-method");
        if headers.is_empty() {
            format!("preflight {method}")
        } else {
            format!("preflight {method} {headers}")
        }
    } else {
        request.method().to_string()
    };
    let cookie = if request.headers().contains_key("cookie") { " with cookie" } else { "" };
    let response = next.run(request).await;
    let line = format!("{what} {}{cookie}", response.status().as_u16());
    api.log.push(Entry { api: api.name, inner: false, origin, line });
    response
}

fn is_preflight(headers: &HeaderMap, method: &Method) -> bool {
    method == Method::OPTIONS && headers.contains_key("access-control-request-method")
}

fn origin_of(headers: &HeaderMap) -> Option<String> {
    headers.get("origin").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}
