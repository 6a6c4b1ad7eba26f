//! CORS in a browser, in one command: a page on one origin calls an API on another origin with
//! `fetch()`, and shows which responses the browser let it read, and why.
//!
//! ```sh
//! cargo run --example demo      # then open http://127.0.0.1:8080 in a browser
//! cargo run --example demo -- --page-port 3000 --api-port 3001 --other-port 3002
//! ```
//!
//! Ports also come from `DEMO_PAGE_PORT`, `DEMO_API_PORT` and `DEMO_OTHER_PORT`. The same page
//! on the "other" port is an origin the policy does not allow: there every case is blocked.

use std::error::Error;

use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::{HeaderMap, HeaderName, Method};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tower_cors::CorsLayer;

const PAGE: &str = include_str!("demo/index.html");

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let page = bind("--page-port", "DEMO_PAGE_PORT", 8080).await?;
    let api = bind("--api-port", "DEMO_API_PORT", 8081).await?;
    let other = bind("--other-port", "DEMO_OTHER_PORT", 8082).await?;
    println!("tower-cors demo: a page calls an API on another origin, wrapped in a CorsLayer.\n");
    println!("  open  http://{}  the page, an origin the policy allows", page.local_addr()?);
    println!("  open  http://{}  the same page, an origin the policy does not allow", other.local_addr()?);
    println!("  API   http://{}  every request it receives is printed below\n", api.local_addr()?);
    println!("Each case on the page says what the browser should do and why, and what it did. Ctrl-C stops.\n");
    tokio::select! {
        served = serve(page, api, other) => served?,
        _ = tokio::signal::ctrl_c() => println!("bye"),
    }
    Ok(())
}

/// Serves the page on `page` and `other`, and the API on `api`, allowing only `page`'s origin.
pub(crate) async fn serve(page: TcpListener, api: TcpListener, other: TcpListener) -> std::io::Result<()> {
    let page_origin = format!("http://{}", page.local_addr()?);
    let cors = CorsLayer::new()
        .allow_origins([&page_origin])
        .allow_methods([Method::PUT]) // GET, HEAD and POST never need listing; DELETE is not allowed
        .allow_headers([CONTENT_TYPE, HeaderName::from_static("x-custom")])
        .expose_headers([HeaderName::from_static("x-request-id")])
        .allow_credentials(true); // fine for http: loopback origins; use https elsewhere
    let api_app = Router::new()
        .route("/items", get(list).post(create))
        .route("/items/{id}", put(update).delete(remove))
        .route("/me", get(me))
        .layer(cors)
        .layer(middleware::from_fn(print_request));

    let html = PAGE
        .replace("__API__", &format!("http://{}", api.local_addr()?))
        .replace("__ALLOWED__", &page_origin)
        .replace("__OTHER__", &format!("http://{}", other.local_addr()?));
    let pages = Router::new().route("/", get(|| async { Html(html) }));
    tokio::try_join!(axum::serve(page, pages.clone()), axum::serve(other, pages), axum::serve(api, api_app))?;
    Ok(())
}

/// Every API response carries `x-request-id` (exposed) and `x-internal` (not exposed).
fn answer(body: Value) -> Response {
    ([("x-request-id", "7"), ("x-internal", "db-3")], Json(body)).into_response()
}

async fn list() -> Response {
    answer(json!([{ "id": 1, "name": "apple" }]))
}

async fn create(Json(item): Json<Value>) -> Response {
    answer(json!({ "created": item }))
}

async fn update(headers: HeaderMap) -> Response {
    answer(json!({ "updated": 1, "x-custom": headers.get("x-custom").and_then(|v| v.to_str().ok()) }))
}

/// The application would delete; the browser never lets the page ask.
async fn remove() -> Response {
    answer(json!({ "deleted": 1 }))
}

/// Shows the cookie the browser sent: only credentialed requests carry it.
async fn me(headers: HeaderMap) -> Response {
    answer(json!({ "cookie": headers.get(COOKIE).and_then(|v| v.to_str().ok()) }))
}

/// Prints each request the API receives, preflights included, with the status it got.
async fn print_request(request: Request, next: Next) -> Response {
    let what = {
        let header = |name| request.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("-");
        let kind = match header("access-control-request-method") {
            m if request.method() == Method::OPTIONS && m != "-" => {
                format!("preflight for {m} [{}]", header("access-control-request-headers"))
            }
            _ => request.method().to_string(),
        };
        format!("{kind} {} from {}", request.uri().path(), header("origin"))
    };
    let response = next.run(request).await;
    println!("api: {what} -> {}", response.status());
    response
}

/// Listens on 127.0.0.1 at the port from `--flag N`, else from the environment variable, else the default.
async fn bind(flag: &str, var: &str, default: u16) -> Result<TcpListener, Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let port = match args.iter().position(|a| a == flag) {
        Some(i) => args.get(i + 1).cloned().ok_or(format!("{flag} needs a port"))?,
        None => std::env::var(var).unwrap_or_else(|_| default.to_string()),
    };
    let port: u16 = port.parse().map_err(|e| format!("{flag} / {var}: `{port}`: {e}"))?;
    let listener = TcpListener::bind(("127.0.0.1", port)).await;
    Ok(listener.map_err(|e| format!("127.0.0.1:{port}: {e}; choose another port with {flag} or {var}"))?)
}
