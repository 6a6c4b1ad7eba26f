//! The server `scripts/soak.sh` loads for minutes: an axum router behind tower-cors (with a fixed
//! policy, or one swapped every 100 ms through the `reload` feature), behind tower-http's
//! `CorsLayer`, or bare, served by hyper-util's auto connection builder on 127.0.0.1, so that
//! HTTP/1.1 (wrk) and HTTP/2 with prior knowledge (h2load) reach the same service.
//!
//! `soak_server <tower-cors|tower-cors-reload|tower-http|bare> <port>`; `TOKIO_WORKER_THREADS`
//! sets the workers. Outside every layer, the server copies the request's `x-kind` header into
//! the response, so that the load generator's checker knows which request an answer belongs to.
//!
//! The two policies differ only in whether `https://partner.example.com` is allowed: every other
//! kind of request in the soak mix has one right answer under both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::Request;
use axum::response::IntoResponse;
use axum::routing::any;
use axum::Router;
use http::header::{CONTENT_TYPE, VARY};
use http::{HeaderName, HeaderValue, Method};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tower::ServiceExt;

const METHODS: [Method; 3] = [Method::GET, Method::POST, Method::PUT];
const HEADERS: [HeaderName; 2] = [CONTENT_TYPE, HeaderName::from_static("x-custom")];
const APP: &str = "https://app.example.com";
const PARTNER: &str = "https://partner.example.com";
const KIND: HeaderName = HeaderName::from_static("x-kind");

/// Policy A allows the partner origin, policy B does not; nothing else differs.
fn ours(partner: bool) -> tower_cors::CorsLayer {
    let origins: &[&str] = if partner { &[APP, PARTNER] } else { &[APP] };
    tower_cors::CorsLayer::new()
        .allow_origins(origins.iter().copied())
        .allow_methods(METHODS)
        .allow_headers(HEADERS)
        .expose_headers([HeaderName::from_static("x-request-id")])
        .max_age(Duration::from_secs(600))
        .block_disallowed_origins(true)
}

/// Policy A as far as tower-http can say it: it has no blocking.
fn theirs() -> tower_http::cors::CorsLayer {
    tower_http::cors::CorsLayer::new()
        .allow_origin([HeaderValue::from_static(APP), HeaderValue::from_static(PARTNER)])
        .allow_methods(METHODS)
        .allow_headers(HEADERS)
        .expose_headers([HeaderName::from_static("x-request-id")])
        .max_age(Duration::from_secs(600))
}

/// The handler answers every method with a `Vary` of its own, which the layer must merge.
async fn handler() -> impl IntoResponse {
    ([(VARY, "accept-encoding")], "hello, world")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, port] = args.as_slice() else {
        return Err("usage: soak_server <tower-cors|tower-cors-reload|tower-http|bare> <port>".into());
    };
    let app = Router::new().route("/api/items", any(handler));
    let app = match mode.as_str() {
        "bare" => app,
        "tower-cors" => app.layer(ours(true)),
        "tower-http" => app.layer(theirs()),
        "tower-cors-reload" => {
            let (layer, handle) = ours(true).reloadable()?;
            tokio::spawn(async move {
                let mut interval = tokio::time::interval(Duration::from_millis(100));
                let mut partner = true;
                loop {
                    interval.tick().await;
                    partner = !partner;
                    handle.reload(ours(partner)).expect("both policies are valid");
                }
            });
            app.layer(layer)
        }
        other => return Err(format!("unknown mode {other}").into()),
    };
    // Outside every layer: the answer names the kind of request it answers.
    let service = tower::service_fn(move |request: Request<hyper::body::Incoming>| {
        let kind = request.headers().get(&KIND).cloned();
        let answer = app.clone().oneshot(request.map(axum::body::Body::new));
        async move {
            let mut response = answer.await?;
            if let Some(kind) = kind {
                response.headers_mut().insert(KIND, kind);
            }
            Ok::<_, Infallible>(response)
        }
    });

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port.parse::<u16>()?)).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            // A client closing its connections at the end of a run is not an error here.
            let _ = auto::Builder::new(TokioExecutor::new()).serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
