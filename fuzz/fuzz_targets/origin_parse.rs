//! Differential: every `http`/`https` origin the configuration accepts must be exactly what the
//! URL Standard (the `url` crate) serializes for it, and must match itself as a request `Origin`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tower_cors::CorsLayer;
use tower_cors_fuzz::{request, send};

fuzz_target!(|data: &[u8]| {
    let layer = CorsLayer::new().allow_origins([data]);
    let accepted = layer.validate();
    if let Err(error) = &accepted {
        assert!(!error.problems().is_empty());
        let _ = error.to_string();
        return;
    }
    let Ok(input) = std::str::from_utf8(data) else {
        panic!("accepted non-UTF-8 origin {data:?}");
    };
    if input.contains('*') {
        return; // a pattern: see the `origin_pattern` target
    }
    // An accepted exact origin is its own request `Origin`.
    let out = send(&layer, &[], request("GET", &[("origin", data)]));
    assert_eq!(out.headers.get("access-control-allow-origin").map(|v| v.as_bytes()), Some(data), "{input:?}");

    if !(input.starts_with("http://") || input.starts_with("https://")) {
        return;
    }
    // Punycode labels are the URL parser's to validate (IDNA), which we do not attempt.
    let host_part = input.split("://").nth(1).unwrap_or_default();
    if host_part.split(['.', ':']).any(|label| label.starts_with("xn--")) {
        return;
    }
    let url = match url::Url::parse(input) {
        Ok(url) => url,
        Err(e) => panic!("accepted {input:?}, which the URL parser rejects: {e}"),
    };
    let serialized = url.origin().ascii_serialization();
    assert_eq!(serialized, input, "accepted {input:?}, which a browser serializes as {serialized:?}");
});
