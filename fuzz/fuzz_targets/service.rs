//! The whole service fed arbitrary header bytes: never a panic, and the invariants hold (allow
//! origin absent, `*` or the single request origin; never `*` with credentials; a 403 discloses
//! nothing; `Vary` names `Origin` whenever the answer depends on it; a preflight never reaches
//! the inner service).
//!
//! Input: first byte chooses the configuration; then `METHOD\n` and `name:value` lines.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;
use tower_cors::CorsLayer;
use tower_cors_fuzz::{check_invariants, request, send};

/// Each layer, and whether it hands preflights to the inner service.
fn layers() -> &'static [(CorsLayer, bool)] {
    static LAYERS: OnceLock<Vec<(CorsLayer, bool)>> = OnceLock::new();
    LAYERS.get_or_init(|| {
        let list = ["https://app.example.com", "https://*.example.org", "http://localhost:*", "http://[::1]:*"];
        let layers = vec![
            (CorsLayer::permissive(), false),
            (
                CorsLayer::new()
                    .allow_origins(list)
                    .allow_methods([Method::PUT, Method::DELETE])
                    .allow_headers([CONTENT_TYPE, AUTHORIZATION])
                    .expose_headers([HeaderName::from_static("x-inner")])
                    .allow_credentials(true)
                    .max_age(Duration::from_secs(600)),
                false,
            ),
            (
                CorsLayer::new()
                    .allow_origins(list)
                    .allow_any_method()
                    .allow_any_header()
                    .expose_any_header()
                    .allow_credentials(true)
                    .allow_private_network(true)
                    .block_disallowed_origins(true),
                false,
            ),
            (
                CorsLayer::new().allow_any_origin().allow_any_header_and_authorization().preflight_passthrough(true),
                true,
            ),
            (CorsLayer::new().allow_origins(list).dangerously_allow_null_origin(true).expose_any_header(), false),
        ];
        for (layer, _) in &layers {
            layer.validate().expect("valid fixed configuration");
        }
        layers
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let index = usize::from(selector) % layers().len();
    let (layer, passthrough) = &layers()[index];
    // Layers 0 and 3 allow any origin: one answer for every request, which varies on nothing.
    let any_origin = matches!(index, 0 | 3);
    let mut lines = rest.split(|&b| b == b'\n');
    let method = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let headers: Vec<(String, &[u8])> = lines
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            Some((String::from_utf8_lossy(&line[..colon]).into_owned(), &line[colon + 1..]))
        })
        .collect();
    let borrowed: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let request = request(&method, &borrowed);
    let origins: Vec<Vec<u8>> = request.headers().get_all("origin").iter().map(|v| v.as_bytes().to_vec()).collect();
    let origins: Vec<&[u8]> = origins.iter().map(Vec::as_slice).collect();
    let is_preflight = request.method() == Method::OPTIONS
        && request.headers().contains_key("origin")
        && request.headers().contains_key("access-control-request-method");
    // Half the time the inner service sets CORS headers of its own, which must not leak through.
    let inner = if selector & 0x80 == 0x80 {
        vec![
            (HeaderName::from_static("access-control-allow-origin"), HeaderValue::from_static("*")),
            (HeaderName::from_static("vary"), HeaderValue::from_static("accept-encoding")),
            (HeaderName::from_static("x-inner"), HeaderValue::from_static("1")),
        ]
    } else {
        Vec::new()
    };
    let out = send(layer, &inner, request);
    let has_origin = !origins.is_empty();
    if has_origin || inner.is_empty() {
        check_invariants(&origins, is_preflight, *passthrough, any_origin, &out);
    }
});
