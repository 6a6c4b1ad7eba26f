//! Heap allocations per request, counted exactly with a per-thread counting global allocator:
//! the layer adds none over the bare inner service for requests it passes through, a preflight
//! it answers allocates only its response (no more than the inner service's own response costs),
//! cloning the service allocates nothing, and adversarial inputs allocate nothing that grows with
//! their size. Counts are per thread, so the harness's other threads never interfere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use densa_alloc::{measure, CountingAllocator};
use http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN, VARY};
use http::{HeaderName, Method, Request, Response, StatusCode};
use tower::Layer;
use tower_cors::{Cors, CorsBody, CorsLayer};
use workloads::{call, preflight, request, App, Body, KIB, MIB};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

/// What the bare inner service's response costs: its header map's two buffers.
const APP_RESPONSE: u64 = 2;

/// Allocations (including reallocations) made on this thread while `service` answers `request`,
/// after one warm-up request so that lazy, once-only initialisation is not counted.
fn allocations(service: &mut Cors<App>, request: &Request<()>) -> (u64, Response<CorsBody<Body>>) {
    assert!(densa_alloc::is_active(), "the counting allocator must be installed");
    call(service, request.clone());
    let request = request.clone();
    let (response, stats) = measure(|| call(service, request));
    (stats.allocs + stats.reallocs, response)
}

fn bare(request: &Request<()>) -> u64 {
    let mut app = App;
    call(&mut app, request.clone());
    let request = request.clone();
    let (_response, stats) = measure(|| call(&mut app, request));
    stats.allocs + stats.reallocs
}

const METHODS: [Method; 3] = [Method::GET, Method::POST, Method::PUT];
const HEADERS: [HeaderName; 2] = [http::header::CONTENT_TYPE, HeaderName::from_static("x-custom")];

fn policies() -> Vec<(&'static str, CorsLayer)> {
    let many: Vec<String> = (0..1000)
        .map(|i| format!("https://app{i}.example.org"))
        .chain((0..100).map(|i| format!("https://*.customer{i}.example.org")))
        .chain(["https://app.example.com".to_owned(), "https://*.example.com".to_owned()])
        .collect();
    vec![
        (
            "list",
            CorsLayer::new()
                .allow_origins(["https://app.example.com", "https://admin.example.com"])
                .allow_methods(METHODS)
                .allow_headers(HEADERS),
        ),
        ("patterns", CorsLayer::new().allow_origins(&many).allow_methods(METHODS).allow_headers(HEADERS)),
        ("any", CorsLayer::new().allow_any_origin().allow_any_method().allow_any_header()),
        (
            "credentials + exposed list",
            CorsLayer::new()
                .allow_origins(["https://app.example.com", "https://*.example.com"])
                .allow_methods(METHODS)
                .allow_headers(HEADERS)
                .allow_credentials(true)
                .expose_headers([HeaderName::from_static("x-request-id"), HeaderName::from_static("x-trace")]),
        ),
    ]
}

fn get(origin: Option<&str>) -> Request<()> {
    match origin {
        Some(origin) => request(Method::GET, &[(ORIGIN, origin.as_bytes())]),
        None => request(Method::GET, &[]),
    }
}

#[test]
fn the_bare_inner_service_allocates_its_header_map() {
    assert_eq!(bare(&get(None)), APP_RESPONSE);
    assert_eq!(bare(&get(Some("https://app.example.com"))), APP_RESPONSE);
}

#[test]
fn actual_requests_allocate_nothing_over_the_inner_service() {
    let cases = [
        ("no origin", get(None), None),
        ("allowed", get(Some("https://app.example.com")), Some("https://app.example.com")),
        ("allowed by a pattern", get(Some("https://eu.example.com")), Some("https://eu.example.com")),
        ("disallowed", get(Some("https://evil.example.net")), None),
        ("trailing slash", get(Some("https://app.example.com/")), None),
    ];
    for (policy, layer) in policies() {
        let mut service = layer.layer(App);
        for (case, request, allowed) in &cases {
            let (count, response) = allocations(&mut service, request);
            assert_eq!(count, bare(request), "{policy}: {case}");
            assert_eq!(count, APP_RESPONSE, "{policy}: {case}");
            // The request took the path it is named after.
            assert_eq!(response.status(), StatusCode::OK, "{policy}: {case}");
            let acao = response.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.to_str().unwrap());
            let expected = match (policy, *case) {
                // One static answer for every request, with or without `Origin`.
                ("any", _) => Some("*"),
                (_, "allowed by a pattern") if policy == "list" => None,
                _ => *allowed,
            };
            assert_eq!(acao, expected, "{policy}: {case}");
            // Under any origin the answer depends on nothing of the request's: no `Vary`.
            assert_eq!(response.headers().contains_key(VARY), policy != "any", "{policy}: {case}");
        }
    }
}

#[test]
fn a_preflight_allocates_only_its_response() {
    let cases = [
        ("allowed", preflight(b"https://app.example.com", "PUT", &[b"content-type,x-custom"]), StatusCode::NO_CONTENT),
        ("safelisted method", preflight(b"https://app.example.com", "POST", &[]), StatusCode::NO_CONTENT),
        ("header refused", preflight(b"https://app.example.com", "PUT", &[b"x-other"]), StatusCode::FORBIDDEN),
        ("method refused", preflight(b"https://app.example.com", "PATCH", &[]), StatusCode::FORBIDDEN),
        ("origin refused", preflight(b"https://evil.example.net", "PUT", &[]), StatusCode::FORBIDDEN),
    ];
    for (policy, layer) in policies() {
        let mut service = layer.layer(App);
        for (case, request, status) in &cases {
            let (count, response) = allocations(&mut service, request);
            let expected = match (policy, *case) {
                ("any", _) => StatusCode::NO_CONTENT,
                _ => *status,
            };
            assert_eq!(response.status(), expected, "{policy}: {case}");
            // The response's header map, sized for what it holds: as much as the app's response.
            assert_eq!(count, APP_RESPONSE, "{policy}: {case}");
            assert!(count <= bare(request), "{policy}: {case}");
        }
    }
}

/// A preflight handed to the inner service (passthrough) carries its grant to the response in
/// one box, so that it does not make every request's future larger (three echoed header values,
/// about 128 bytes: `future_size` in `src/service/cors.rs`): one allocation over what the inner
/// service's response costs when granted, none when refused.
#[test]
fn a_passthrough_preflight_allocates_only_its_boxed_grant_over_the_inner_service() {
    let layer = CorsLayer::new()
        .allow_origins(["https://app.example.com"])
        .allow_methods(METHODS)
        .allow_headers(HEADERS)
        .allow_credentials(true)
        .preflight_passthrough(true);
    let mut service = layer.layer(App);
    let cases = [
        (
            "granted",
            preflight(b"https://app.example.com", "PUT", &[b"content-type,x-custom"]),
            Some("https://app.example.com"),
        ),
        ("refused", preflight(b"https://evil.example.net", "PUT", &[]), None),
    ];
    for (case, request, allowed) in &cases {
        let (count, response) = allocations(&mut service, request);
        assert_eq!(response.status(), StatusCode::OK, "{case}: the inner service answers");
        let acao = response.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.to_str().unwrap());
        assert_eq!(acao, *allowed, "{case}");
        let grant = u64::from(allowed.is_some());
        assert_eq!(count, bare(request) + grant, "{case}");
        assert_eq!(count, APP_RESPONSE + grant, "{case}");
    }
}

#[test]
fn cloning_the_service_allocates_nothing() {
    for (policy, layer) in policies() {
        let service = layer.layer(App);
        let (clone, stats) = measure(|| service.clone());
        assert_eq!(stats.allocs + stats.reallocs, 0, "{policy}");
        drop(clone);
    }
}

#[test]
fn adversarial_preflights_allocate_nothing_that_grows_with_them() {
    let layer =
        CorsLayer::new().allow_origins(["https://app.example.com"]).allow_methods(METHODS).allow_headers(HEADERS);
    let mut service = layer.layer(App);
    let small = workloads::adversarial(KIB);
    let big = workloads::adversarial(MIB);
    for ((small_name, _, small), (big_name, _, big)) in small.iter().zip(&big) {
        let (small_count, _) = allocations(&mut service, small);
        let (big_count, response) = allocations(&mut service, big);
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{big_name}");
        assert_eq!(big_count, small_count, "{small_name} vs {big_name}");
        assert_eq!(big_count, APP_RESPONSE, "{big_name}");
    }
}

/// The WebSocket guard, Fetch Metadata and the exempt path read only what the request already
/// holds: a handshake (HTTP/1.1 or HTTP/2's extended `CONNECT`), a plain request with the guard
/// on and off, a same-origin `POST` by `Host`, a cross-site write without `Origin` and an exempt
/// callback allocate nothing over the inner service's response, whether the layer answers 403
/// or the inner service answers.
#[test]
fn the_upgrade_guard_and_cross_site_writes_allocate_nothing() {
    use http::header::{CONNECTION, HOST, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE};
    let site = HeaderName::from_static("sec-fetch-site");
    let handshake = |origin: &'static [u8]| {
        request(
            Method::GET,
            &[
                (ORIGIN, origin),
                (UPGRADE, b"websocket"),
                (CONNECTION, b"Upgrade"),
                (SEC_WEBSOCKET_VERSION, b"13"),
                (SEC_WEBSOCKET_KEY, b"dGhlIHNhbXBsZSBub25jZQ=="),
            ],
        )
    };
    let mut h2_handshake =
        request(Method::CONNECT, &[(ORIGIN, b"https://evil.example.net"), (SEC_WEBSOCKET_VERSION, b"13")]);
    *h2_handshake.uri_mut() = "https://api.example.com/ws".parse().unwrap();
    let mut callback = request(Method::POST, &[(ORIGIN, b"https://evil.example.net"), (site.clone(), b"cross-site")]);
    *callback.uri_mut() = "/auth/callback".parse().unwrap();
    let cases: Vec<(&str, Request<()>, [StatusCode; 4])> = vec![
        // Expected status with: guard on, guard off, guard on + blocking, guard off + blocking.
        ("refused handshake", handshake(b"https://evil.example.net"), [403, 200, 403, 403].map(status)),
        ("refused HTTP/2 handshake", h2_handshake, [403, 200, 403, 403].map(status)),
        ("allowed handshake", handshake(b"https://app.example.com"), [200; 4].map(status)),
        ("plain refused GET", get(Some("https://evil.example.net")), [200, 200, 403, 403].map(status)),
        ("plain allowed GET", get(Some("https://app.example.com")), [200; 4].map(status)),
        (
            "same-origin POST by Host",
            request(Method::POST, &[(ORIGIN, b"https://api.example.com"), (HOST, b"api.example.com")]),
            [200; 4].map(status),
        ),
        (
            "cross-site write without Origin",
            request(Method::POST, &[(site, b"cross-site")]),
            [200, 200, 403, 403].map(status),
        ),
        ("exempt callback", callback, [200; 4].map(status)),
    ];
    let layers = [(true, false), (false, false), (true, true), (false, true)].map(|(guard, block)| {
        CorsLayer::new()
            .allow_origins(["https://app.example.com"])
            .guard_websocket_upgrades(guard)
            .block_disallowed_origins(block)
            .allow_cross_origin_posts_to(["/auth/callback"])
    });
    for (i, layer) in layers.into_iter().enumerate() {
        let mut service = layer.layer(App);
        for (case, request, statuses) in &cases {
            let (count, response) = allocations(&mut service, request);
            assert_eq!(response.status(), statuses[i], "{case} (layer {i})");
            assert_eq!(count, APP_RESPONSE, "{case} (layer {i})");
            assert!(count <= bare(request), "{case} (layer {i})");
        }
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap()
}
