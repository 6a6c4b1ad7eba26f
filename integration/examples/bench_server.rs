//! The axum server `scripts/wrk.sh` loads: one small handler, bare, behind tower-cors or behind
//! tower-http's `CorsLayer` with the same policy, on 127.0.0.1.
//!
//! `bench_server <bare|tower-cors|tower-http> <port>`; `TOKIO_WORKER_THREADS` sets the workers.
//! `PLACEMENT=router` (the default) adds the layer with `Router::layer`, which axum boxes per
//! route; `PLACEMENT=service` wraps the whole router in it instead, as a `tower::Layer`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::Request;
use axum::routing::any;
use axum::{Router, ServiceExt};
use http::header::CONTENT_TYPE;
use http::{HeaderName, HeaderValue, Method};
use tower::Layer;

const METHODS: [Method; 3] = [Method::GET, Method::POST, Method::PUT];
const HEADERS: [HeaderName; 2] = [CONTENT_TYPE, HeaderName::from_static("x-custom")];
const ORIGIN: &str = "https://app.example.com";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, port] = args.as_slice() else {
        return Err("usage: bench_server <bare|tower-cors|tower-http> <port>".into());
    };
    // Answers every method, OPTIONS included, so that the bare server has a preflight baseline.
    let app = Router::new().route("/api/items", any(|| async { "hello, world" }));
    let ours = || tower_cors::CorsLayer::new().allow_origins([ORIGIN]).allow_methods(METHODS).allow_headers(HEADERS);
    let theirs = || {
        tower_http::cors::CorsLayer::new()
            .allow_origin(HeaderValue::from_static(ORIGIN))
            .allow_methods(METHODS)
            .allow_headers(HEADERS)
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port.parse::<u16>()?)).await?;
    let around_router = std::env::var("PLACEMENT").is_ok_and(|p| p == "service");
    // `with_state` turns the handlers into routes once, as `axum::serve` does for a bare router;
    // a router called as a plain service would otherwise box each handler again per request.
    let app = if around_router { app.with_state(()) } else { app };
    match (mode.as_str(), around_router) {
        ("bare", _) => axum::serve(listener, app).await?,
        ("tower-cors", false) => axum::serve(listener, app.layer(ours())).await?,
        // `Router::layer` boxes every body that is not axum's own, a `CorsBody` included.
        ("tower-cors-keep", false) => axum::serve(listener, app.layer(ours().keep_body_type())).await?,
        ("tower-http", false) => axum::serve(listener, app.layer(theirs())).await?,
        // `axum::serve` wants axum's own body: around the whole router, keep the body type.
        ("tower-cors" | "tower-cors-keep", true) => {
            let service = ours().keep_body_type().layer(app);
            axum::serve(listener, ServiceExt::<Request>::into_make_service(service)).await?
        }
        ("tower-http", true) => {
            axum::serve(listener, ServiceExt::<Request>::into_make_service(theirs().layer(app))).await?
        }
        (other, _) => return Err(format!("unknown mode {other}").into()),
    }
    Ok(())
}
