//! The whole service fed arbitrary requests, each answer checked against the oracle: never a
//! panic, and the response is exactly what the configuration says (`tower_cors_fuzz::expect`):
//! the status, whether the inner service ran, every `access-control-*` header with its value
//! (which origin is echoed or `*`, whether a preflight is granted, which method and headers,
//! credentials, max age, private network, exposed headers) and `Vary`. Each fixed layer has an
//! oracle `Config` written beside it from the builder calls, not from the crate.
//!
//! Input: the first byte chooses the layer (low bits) and what the inner service sets of its own
//! (high bits); then `METHOD[ URI]\n` and `name:value` lines.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;
use tower_cors::CorsLayer;
use tower_cors_fuzz::fetch_model::oracle::{Config, Origins};
use tower_cors_fuzz::{check_against_oracle, check_invariants, request_to, send};

const LIST: [&str; 4] = ["https://app.example.com", "https://*.example.org", "http://localhost:*", "http://[::1]:*"];

fn list() -> Origins {
    Origins::List(LIST.iter().map(|o| (*o).to_owned()).collect())
}

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// Each layer with the oracle's reading of the same builder calls.
fn layers() -> &'static [(CorsLayer, Config)] {
    static LAYERS: OnceLock<Vec<(CorsLayer, Config)>> = OnceLock::new();
    LAYERS.get_or_init(|| {
        let layers = vec![
            (
                CorsLayer::permissive(),
                Config {
                    origins: Origins::Any,
                    any_method: true,
                    any_header: true,
                    expose_any: true,
                    ..Config::default()
                },
            ),
            (
                CorsLayer::new()
                    .allow_origins(LIST)
                    .allow_methods([Method::PUT, Method::DELETE])
                    .allow_headers([CONTENT_TYPE, AUTHORIZATION])
                    .expose_headers([HeaderName::from_static("x-inner")])
                    .allow_credentials(true)
                    .max_age(Duration::from_secs(600)),
                Config {
                    origins: list(),
                    methods: vec![Method::PUT, Method::DELETE],
                    headers: names(&["content-type", "authorization"]),
                    expose: names(&["x-inner"]),
                    credentials: true,
                    max_age: Some(600),
                    ..Config::default()
                },
            ),
            (
                CorsLayer::new()
                    .allow_origins(LIST)
                    .allow_any_method()
                    .allow_any_header()
                    .expose_any_header()
                    .allow_credentials(true)
                    .allow_private_network(true)
                    .block_disallowed_origins(true),
                Config {
                    origins: list(),
                    any_method: true,
                    any_header: true,
                    expose_any: true,
                    credentials: true,
                    private_network: true,
                    block: true,
                    ..Config::default()
                },
            ),
            (
                CorsLayer::new().allow_any_origin().allow_any_header_and_authorization().preflight_passthrough(true),
                Config {
                    origins: Origins::Any,
                    any_header: true,
                    headers: names(&["authorization"]),
                    passthrough: true,
                    ..Config::default()
                },
            ),
            (
                CorsLayer::new()
                    .allow_origins(LIST)
                    .dangerously_allow_null_origin(true)
                    .expose_any_header()
                    .preflight_status(http::StatusCode::OK),
                Config {
                    origins: list(),
                    allow_null: true,
                    expose_any: true,
                    preflight_status: 200,
                    ..Config::default()
                },
            ),
            (
                CorsLayer::new()
                    .allow_origins(LIST)
                    .allow_methods([Method::PATCH])
                    .allow_headers([HeaderName::from_static("x-test")])
                    .max_age(Duration::ZERO)
                    .allow_private_network(true)
                    .preflight_passthrough(true)
                    .block_disallowed_origins(true),
                Config {
                    origins: list(),
                    methods: vec![Method::PATCH],
                    headers: names(&["x-test"]),
                    max_age: Some(0),
                    private_network: true,
                    passthrough: true,
                    block: true,
                    ..Config::default()
                },
            ),
        ];
        for (layer, _) in &layers {
            layer.validate().expect("valid fixed configuration");
        }
        layers
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let (layer, config) = &layers()[usize::from(selector) % layers().len()];
    let mut lines = rest.split(|&b| b == b'\n');
    let first = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let (method, uri) = first.split_once(' ').unwrap_or((&first, ""));
    let headers: Vec<(String, &[u8])> = lines
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            Some((String::from_utf8_lossy(&line[..colon]).into_owned(), &line[colon + 1..]))
        })
        .collect();
    let borrowed: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let request = request_to(method, uri, &borrowed);
    // The inner service's own CORS headers and `Vary`, which the layer must replace, strip or
    // leave alone exactly as the oracle says.
    let mut inner = Vec::new();
    let header =
        |name: &'static str, value: &'static str| (HeaderName::from_static(name), HeaderValue::from_static(value));
    if selector & 0x80 != 0 {
        inner.extend([
            header("access-control-allow-origin", "*"),
            header("access-control-expose-headers", "x-inner"),
            header("access-control-allow-methods", "DELETE"),
            header("vary", "accept-encoding"),
            header("x-inner", "1"),
        ]);
    }
    if selector & 0x40 != 0 {
        inner.extend([header("access-control-allow-credentials", "true"), header("access-control-max-age", "5")]);
    }
    let origins: Vec<Vec<u8>> = request.headers().get_all("origin").iter().map(|v| v.as_bytes().to_vec()).collect();
    let is_preflight = request.method() == Method::OPTIONS
        && !origins.is_empty()
        && request.headers().contains_key("access-control-request-method");
    let out = send(layer, &inner, request.clone());
    check_against_oracle(config, &request, &inner, &out);
    // The invariants hold too (a cross-check of the oracle itself); without `Origin` the inner
    // service's own headers pass untouched, so only when it sets none.
    if !origins.is_empty() || inner.is_empty() {
        let origins: Vec<&[u8]> = origins.iter().map(Vec::as_slice).collect();
        check_invariants(&origins, is_preflight, config.passthrough, matches!(config.origins, Origins::Any), &out);
    }
});
