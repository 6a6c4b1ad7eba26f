//! Ten common CORS mistakes, each explained by `CorsLayer::explain`: what the layer does with the
//! request, why, and what to change.
//!
//! ```text
//! cargo run --example explain
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use http::header::CONTENT_TYPE;
use http::{Method, Request};
use tower_cors::CorsLayer;

fn main() {
    let cors = CorsLayer::new()
        .allow_origins(["https://app.example.com", "https://*.example.org", "http://localhost:3000"])
        .allow_methods([Method::PUT, Method::PATCH])
        .allow_headers([CONTENT_TYPE]);
    let any_header = CorsLayer::new().allow_origins(["https://app.example.com"]).allow_any_header();

    let get = |origin: &str| Request::get("/items").header("origin", origin).body(()).unwrap();
    let preflight = |origin: &str, method: &str, headers: &str| {
        let mut request =
            Request::options("/items").header("origin", origin).header("access-control-request-method", method);
        if !headers.is_empty() {
            request = request.header("access-control-request-headers", headers);
        }
        request.body(()).unwrap()
    };

    let mistakes = [
        ("The page is served over http", &cors, get("http://app.example.com")),
        ("The dev server runs on another port", &cors, get("http://localhost:5173")),
        ("An origin copied with its trailing slash (curl, a test)", &cors, get("https://app.example.com/")),
        ("www. in front", &cors, get("https://www.app.example.com")),
        ("A subdomain of a listed origin", &cors, get("https://eu.app.example.com")),
        ("The bare domain under a *. pattern", &cors, get("https://example.org")),
        ("A method that is not listed", &cors, preflight("https://app.example.com", "DELETE", "")),
        ("A method in the wrong case", &cors, preflight("https://app.example.com", "patch", "")),
        ("A header that is not listed", &cors, preflight("https://app.example.com", "PUT", "content-type,x-tenant")),
        (
            "Authorization under any header",
            &any_header,
            preflight("https://app.example.com", "GET", "authorization,content-type"),
        ),
    ];
    for (n, (mistake, layer, request)) in mistakes.iter().enumerate() {
        let explanation = layer.explain(request).expect("a valid configuration");
        assert!(!explanation.is_allowed(), "{mistake}: {explanation}");
        assert!(explanation.refusal().and_then(|refusal| refusal.hint()).is_some(), "{mistake}: no hint");
        println!("{}. {mistake}\n{explanation}\n", n + 1);
    }
}
