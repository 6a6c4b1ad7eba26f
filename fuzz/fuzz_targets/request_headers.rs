//! `Access-Control-Request-Headers` from arbitrary bytes, one or several lines, through a
//! preflight: never a panic; granted exactly when every element is an allowed token within the
//! documented bounds; a grant names only what was asked and satisfies the browser model.
//!
//! Input: one byte choosing the configuration, then the lines separated by `\n`.
#![no_main]

use http::HeaderName;
use libfuzzer_sys::fuzz_target;
use tower_cors::testing::standard::{self as model, CorsRequest as BrowserRequest};
use tower_cors::CorsLayer;
use tower_cors_fuzz::fetch_model::oracle::{self, Config, Origins};
use tower_cors_fuzz::{check_invariants, send};

const ORIGIN: &str = "https://app.example.com";

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let credentials = selector & 1 == 1;
    let any_header = selector & 2 == 2;
    let listed: &[&str] = match (selector >> 2) % 3 {
        0 => &[],
        1 => &["x-test", "content-type"],
        _ => &["authorization", "x-requested-with", "x-test"],
    };
    // Every setter replaces the one before: under any header the only listed name that adds
    // anything is `authorization`, which `*` never covers, and that has a setter of its own.
    let authorization = listed.contains(&"authorization");
    let layer = CorsLayer::new().allow_origins([ORIGIN]).allow_credentials(credentials);
    let (layer, listed): (_, &[&str]) = match (any_header, authorization) {
        (true, true) => (layer.allow_any_header_and_authorization(), &["authorization"]),
        (true, false) => (layer.allow_any_header(), &[]),
        (false, _) => {
            (layer.allow_headers(listed.iter().map(|h| HeaderName::from_static(h)).collect::<Vec<_>>()), listed)
        }
    };
    let config = Config {
        origins: Origins::List(vec![ORIGIN.to_owned()]),
        allow_null: false,
        credentials,
        any_method: false,
        methods: Vec::new(),
        any_header,
        headers: listed.iter().map(|h| (*h).to_owned()).collect(),
        expose_any: false,
        expose: Vec::new(),
        max_age: None,
        preflight_status: 204,
        passthrough: false,
        block: false,
        private_network: false,
        allow_insecure: false,
    };

    // Only lines `http` can carry reach a server at all.
    let lines: Vec<Vec<u8>> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split(|&b| b == b'\n').filter(|l| http::HeaderValue::from_bytes(l).is_ok()).map(<[u8]>::to_vec).collect()
    };
    let mut request = http::Request::new(());
    *request.method_mut() = http::Method::OPTIONS;
    let headers = request.headers_mut();
    headers.insert("origin", http::HeaderValue::from_static(ORIGIN));
    headers.insert("access-control-request-method", http::HeaderValue::from_static("GET"));
    for line in &lines {
        headers.append("access-control-request-headers", http::HeaderValue::from_bytes(line).expect("filtered"));
    }
    let out = send(&layer, &[], request);
    check_invariants(&[ORIGIN.as_bytes()], true, false, false, &out);

    let granted = oracle::preflight_verdict(&config, &[ORIGIN.as_bytes().to_vec()], &[b"GET".to_vec()], &lines);
    assert_eq!(out.status.as_u16(), if granted { 204 } else { 403 }, "lines {lines:?}");
    if !granted {
        return;
    }
    let asked: Vec<String> = oracle::requested_header_names(&lines)
        .expect("granted lists parse")
        .iter()
        .map(|n| String::from_utf8_lossy(n).to_ascii_lowercase())
        .collect();
    let allow = model::allow_headers_list(&out.headers).expect("token list");
    for name in allow.iter().flatten() {
        let name = name.to_ascii_lowercase();
        assert!(asked.contains(&name) || name == "*" || name == "authorization", "{name} was not asked for");
    }
    for credentials_mode in [false, credentials] {
        let browser = BrowserRequest {
            origin: ORIGIN.to_owned(),
            method: "GET".to_owned(),
            headers: asked.iter().map(|n| (n.clone(), b"1".to_vec())).collect(),
            credentials: credentials_mode,
        };
        let verdict = model::check_preflight(&browser, &asked, out.status, &out.headers);
        assert_eq!(verdict, Ok(()), "browser refuses a granted preflight: {:?}", out.headers);
    }
});
