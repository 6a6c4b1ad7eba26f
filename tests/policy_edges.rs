//! Behaviours that mutation testing (`cargo mutants`, see TESTING.md) showed no other suite
//! pinned down: each test states what a user relies on, with exact headers, statuses and whether
//! the inner service ran.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use http::{HeaderValue, Method, StatusCode};
use support::{request, send, Inner};
use tower_cors::{AllowMethods, AllowOrigin, AllowPrivateNetwork, Any, CorsLayer};

const ORIGIN: &str = "https://app.example.com";

fn preflight(method: &str, extra: &[(&'static str, &'static str)]) -> http::Request<support::Body> {
    let mut headers = vec![("origin", ORIGIN), ("access-control-request-method", method)];
    headers.extend_from_slice(extra);
    request("OPTIONS", &headers)
}

#[tokio::test]
async fn allow_methods_any_allows_any_method() {
    let layer = CorsLayer::new().allow_origins([ORIGIN]).allow_methods(Any);
    let out = send(&layer, &Inner::ok(), preflight("PATCH", &[])).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(out.header("access-control-allow-methods"), Some("PATCH"));
    let via_type = CorsLayer::new().allow_origins([ORIGIN]).allow_methods(AllowMethods::from(Any));
    let out = send(&via_type, &Inner::ok(), preflight("PURGE", &[])).await;
    assert_eq!(out.header("access-control-allow-methods"), Some("PURGE"));
}

/// Any method still means one well-formed method: an empty `Access-Control-Request-Method`, or
/// two lines of it (each a valid method), is no request for a method, and is refused unanswered.
#[tokio::test]
async fn allow_methods_any_refuses_an_empty_or_repeated_request_method() {
    let layer = CorsLayer::new().allow_origins([ORIGIN]).allow_methods(Any);
    let empty = preflight("", &[]);
    let repeated = preflight("PATCH", &[("access-control-request-method", "PATCH")]);
    for (case, request) in [("empty", empty), ("two lines", repeated)] {
        let out = send(&layer, &Inner::ok(), request).await;
        assert_eq!(out.status, StatusCode::FORBIDDEN, "{case}");
        assert!(out.no_grant(), "{case}");
        assert!(!out.has("access-control-allow-methods"), "{case}");
        assert!(!out.inner_called, "{case}");
    }
}

#[test]
fn debug_output_names_the_configured_origins() {
    let listed = format!("{:?}", AllowOrigin::list(["https://a.example", "https://*.example.org"]));
    assert_eq!(listed, r#"AllowOrigin::List(["https://a.example", "https://*.example.org"])"#);
    assert_eq!(format!("{:?}", AllowOrigin::any()), "AllowOrigin::Any");
    let layer = format!("{:?}", CorsLayer::new().allow_origins([ORIGIN]));
    assert!(layer.contains(ORIGIN), "{layer}");
}

#[tokio::test]
async fn private_network_predicate_decides_per_request() {
    let layer = CorsLayer::new()
        .allow_origins([ORIGIN, "https://other.example"])
        .allow_private_network(AllowPrivateNetwork::predicate(|origin, _| origin == ORIGIN));
    let pna = [("access-control-request-private-network", "true")];
    let out = send(&layer, &Inner::ok(), preflight("GET", &pna)).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(out.header("access-control-allow-private-network"), Some("true"));
    assert_eq!(
        out.header("vary"),
        Some("origin, access-control-request-method, access-control-request-headers, access-control-request-private-network")
    );
    let other =
        request("OPTIONS", &[("origin", "https://other.example"), ("access-control-request-method", "GET"), pna[0]]);
    let out = send(&layer, &Inner::ok(), other).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(out.header("access-control-allow-origin"), Some("https://other.example"));
    assert!(!out.has("access-control-allow-private-network"));
    // Not asked for: not granted, even to the origin the predicate allows.
    let out = send(&layer, &Inner::ok(), preflight("GET", &[])).await;
    assert!(!out.has("access-control-allow-private-network"));
    // `false` turns it off entirely, and `Vary` stays short.
    let off = CorsLayer::new().allow_origins([ORIGIN]).allow_private_network(false);
    let out = send(&off, &Inner::ok(), preflight("GET", &pna)).await;
    assert!(!out.has("access-control-allow-private-network"));
    assert_eq!(out.header("vary"), Some("origin, access-control-request-method, access-control-request-headers"));
    assert_eq!(format!("{:?}", AllowPrivateNetwork::from(false)), "AllowPrivateNetwork(false)");
    assert_eq!(format!("{:?}", AllowPrivateNetwork::from(true)), "AllowPrivateNetwork(true)");
}

#[tokio::test]
async fn an_exact_header_value_origin_matches_itself_only() {
    let layer = CorsLayer::new().allow_origin(HeaderValue::from_static(ORIGIN)).allow_methods(Method::PUT);
    let out = send(&layer, &Inner::ok(), preflight("PUT", &[])).await;
    assert_eq!(out.header("access-control-allow-origin"), Some(ORIGIN));
    let out = send(&layer, &Inner::ok(), request("GET", &[("origin", "https://app.example.co")])).await;
    assert!(out.no_grant());
    assert!(out.inner_called);
}

#[cfg(feature = "serde")]
#[tokio::test]
async fn a_file_with_one_origin_allows_that_origin_only() {
    let mut config = tower_cors::CorsConfig::default();
    config.allow_origins = vec![ORIGIN.to_owned()];
    let layer = CorsLayer::try_from(&config).unwrap();
    let out = send(&layer, &Inner::ok(), request("GET", &[("origin", ORIGIN)])).await;
    assert_eq!(out.header("access-control-allow-origin"), Some(ORIGIN));
    let out = send(&layer, &Inner::ok(), request("GET", &[("origin", "https://evil.example")])).await;
    assert!(out.no_grant(), "{:?}", out.headers);
    let mut any = tower_cors::CorsConfig::default();
    any.allow_origins = vec!["*".to_owned()];
    let layer = CorsLayer::try_from(&any).unwrap();
    let out = send(&layer, &Inner::ok(), request("GET", &[("origin", "https://evil.example")])).await;
    assert_eq!(out.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn origins_up_to_512_bytes_are_considered_and_longer_ones_refused() {
    let layer = CorsLayer::new().allow_origin(AllowOrigin::predicate(|_, _| true));
    let origin = |len: usize| format!("https://{}.example", "a".repeat(len - "https://.example".len()));
    let at_limit = origin(512);
    let out = send(&layer, &Inner::ok(), request("GET", &[("origin", &at_limit)])).await;
    assert_eq!(out.header("access-control-allow-origin"), Some(at_limit.as_str()));
    let over = origin(513);
    let out = send(&layer, &Inner::ok(), request("GET", &[("origin", &over)])).await;
    assert!(out.no_grant());
    assert!(out.inner_called);
}

/// With `block_disallowed_origins`, a request in absolute form (HTTP/2, proxies) is same-origin
/// only when both its scheme and its authority are the origin's.
#[tokio::test]
async fn blocking_compares_scheme_and_authority_of_an_absolute_uri() {
    // A list is decided on the request as it is, a predicate on its `Parts`: both read its URI.
    let list = CorsLayer::new().allow_origins(["https://allowed.example"]);
    let predicate = CorsLayer::new().allow_origin(AllowOrigin::predicate(|o, _| o == "https://allowed.example"));
    for layer in [list, predicate] {
        blocking_compares_scheme_and_authority(layer.block_disallowed_origins(true)).await;
    }
}

async fn blocking_compares_scheme_and_authority(layer: CorsLayer) {
    let absolute = |uri: &str, origin: &str| {
        http::Request::builder().uri(uri).header("origin", origin).body(support::Body::default()).unwrap()
    };
    let cases = [
        ("https://app.example.com/items", "https://app.example.com", true),
        ("https://app.example.com:443/items", "https://app.example.com", true),
        ("https://app.example.com/items", "http://app.example.com", false),
        ("https://app.example.com/items", "https://evil.example", false),
        ("http://app.example.com/items", "https://evil.example", false),
        ("https://APP.example.com/items", "https://app.example.com", true),
    ];
    for (uri, origin, same) in cases {
        let out = send(&layer, &Inner::ok(), absolute(uri, origin)).await;
        assert_eq!(out.inner_called, same, "{uri} from {origin}");
        assert_eq!(out.status, if same { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{uri} from {origin}");
        assert!(out.no_grant(), "{uri} from {origin}");
    }
    // An explicit port in the URI counts: only the scheme's default equals an origin without one.
    for (uri, origin, same) in [
        ("https://app.example.com:8443/items", "https://app.example.com:8443", true),
        ("https://app.example.com:8443/items", "https://app.example.com", false),
        ("http://app.example.com:80/items", "http://app.example.com", true),
        ("http://[::1]:8080/items", "http://[::1]:8080", true),
    ] {
        let out = send(&layer, &Inner::ok(), absolute(uri, origin)).await;
        assert_eq!(out.inner_called, same, "{uri} from {origin}");
    }
    // Without `Sec-Fetch-Site` and an absolute URI, `Origin`'s host and port are compared with
    // `Host` (default ports folded by `Origin`'s scheme), as Go's `CrossOriginProtection` does:
    // browsers send no Fetch Metadata to a plain-http site on a LAN address or host name. `Host`
    // names no scheme, so the http page of the same host passes too (HSTS closes that).
    for (origin, host, same) in [
        ("https://app.example.com", "app.example.com", true),
        ("https://app.example.com", "app.example.com:443", true),
        ("http://app.example.com", "app.example.com", true),
        ("http://app.example.com", "app.example.com:80", true),
        ("http://192.168.1.20:8080", "192.168.1.20:8080", true),
        ("https://app.example.com", "APP.example.com", true),
        ("https://app.example.com", "app.example.com:80", false),
        ("http://192.168.1.20:8080", "192.168.1.20", false),
        ("https://app.example.com", "app.example.com:8443", false),
        ("https://app.example.com", "other.example.com", false),
        ("https://app.example.com", "app.example.com:08443", false),
    ] {
        let req = request("POST", &[("origin", origin), ("host", host)]);
        let out = send(&layer, &Inner::ok(), req).await;
        assert_eq!(out.inner_called, same, "{origin} with Host {host}");
        assert_eq!(out.status, if same { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{origin} with Host {host}");
    }
    // A URI with an authority but no scheme (authority form: `CONNECT`'s target) names where a
    // tunnel goes, not the server: `Host` decides, as for a path.
    for (uri, host, same) in [
        ("app.example.com:443", "app.example.com", true),
        ("evil.example:443", "app.example.com", true),
        ("app.example.com:443", "other.example.com", false),
        ("-items", "app.example.com", true),
    ] {
        let req = http::Request::builder()
            .method("POST")
            .uri(uri)
            .header("origin", "https://app.example.com")
            .header("host", host)
            .body(support::Body::default())
            .unwrap();
        let out = send(&layer, &Inner::ok(), req).await;
        assert_eq!(out.inner_called, same, "{uri} with Host {host}");
        assert_eq!(out.status, if same { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{uri} with Host {host}");
    }
    // `Sec-Fetch-Site` decides when present, whatever the URI says.
    let with_site = |uri: &str, site: &str| {
        http::Request::builder()
            .method("POST")
            .uri(uri)
            .header("origin", "https://app.example.com")
            .header("sec-fetch-site", site)
            .body(support::Body::default())
            .unwrap()
    };
    for (uri, site, same) in [
        ("/items", "same-origin", true),
        ("https://app.example.com/items", "cross-site", false),
        ("https://app.example.com/items", "same-site", false),
        ("https://other.example/items", "same-origin", true),
    ] {
        let out = send(&layer, &Inner::ok(), with_site(uri, site)).await;
        assert_eq!(out.inner_called, same, "{uri} with Sec-Fetch-Site {site}");
    }
}

/// A configured value is shown whole up to 200 characters, then cut with an ellipsis.
#[test]
fn error_messages_cap_configured_values_at_200_characters() {
    let message = |len: usize| {
        let value = format!("{}{}", "é", "x".repeat(len - 1));
        (value.clone(), CorsLayer::new().allow_origins([value]).validate().unwrap_err().to_string())
    };
    let (value, shown) = message(200);
    assert!(shown.contains(&value) && !shown.contains('…'), "{shown}");
    let (value, shown) = message(201);
    let cut: String = value.chars().take(200).collect();
    assert!(shown.contains(&format!("{cut}…")) && !shown.contains(&value), "{shown}");
}

/// Why a single configured origin is refused, if it is.
fn origin_problem(origin: &str) -> Option<tower_cors::InvalidOrigin> {
    let error = CorsLayer::new().allow_origins([origin]).validate().err()?;
    match error.problems() {
        [tower_cors::ConfigProblem::InvalidOrigin { reason, .. }] => Some(reason.clone()),
        other => panic!("{origin}: unexpected problems {other:?}"),
    }
}

#[test]
fn numeric_hosts_are_ip_addresses_only_for_http_and_https() {
    use tower_cors::InvalidOrigin::InvalidHost;
    // The URL parser reads `127.1` as an IPv4 address (and rewrites it) for special schemes only.
    assert_eq!(origin_problem("http://127.1"), Some(InvalidHost));
    assert_eq!(origin_problem("https://10.1"), Some(InvalidHost));
    assert_eq!(origin_problem("http://1.2.3.4"), None);
    assert_eq!(origin_problem("chrome-extension://abc.123"), None);
    assert_eq!(origin_problem("tauri://127.1"), None);
}

#[test]
fn schemes_start_with_a_letter() {
    use tower_cors::InvalidOrigin::UnsupportedScheme;
    for bad in ["1app://host", "+app://host", "-app://host", ".app://host"] {
        assert_eq!(origin_problem(bad), Some(UnsupportedScheme), "{bad}");
    }
    assert_eq!(origin_problem("a1+.-b://host"), None);
}

#[test]
fn configured_origins_are_at_most_512_bytes() {
    // A long scheme is the only way to reach the bound: hosts stop at 253 bytes.
    let host = "h".repeat(253);
    let with_scheme_len = |n: usize| format!("{}://{host}", "s".repeat(n));
    let at_limit = with_scheme_len(512 - 3 - 253);
    assert_eq!(at_limit.len(), 512);
    assert_eq!(origin_problem(&at_limit), None);
    assert_eq!(origin_problem(&with_scheme_len(513 - 3 - 253)), Some(tower_cors::InvalidOrigin::InvalidHost));
    assert_eq!(origin_problem(&format!("https://{}", "h".repeat(254))), Some(tower_cors::InvalidOrigin::InvalidHost));
}

#[test]
fn two_colons_make_an_invalid_host_not_an_invalid_port() {
    assert_eq!(origin_problem("https://a.example:1:2"), Some(tower_cors::InvalidOrigin::InvalidHost));
    assert_eq!(origin_problem("https://a.example:x"), Some(tower_cors::InvalidOrigin::InvalidPort));
}

#[test]
fn ports_and_ipv4_hosts_are_spelled_as_browsers_spell_them() {
    use tower_cors::InvalidOrigin::{InvalidHost, InvalidPort};
    for ok in [
        "https://a.example:65535",
        "http://localhost:10000",
        "http://localhost:1",
        "http://0.0.0.0",
        "http://255.255.255.255:8080",
    ] {
        assert_eq!(origin_problem(ok), None, "{ok}");
    }
    assert_eq!(origin_problem("https://a.example:100000"), Some(InvalidPort));
    assert_eq!(origin_problem("https://a.example:65536"), Some(InvalidPort));
    for bad in [
        "http://1.2.3.01",
        "http://abc.1.2.3",
        "http://1.2.3.999",
        "http://256.1.1.1",
        "http://1.2.3.4.5",
        "http://1.2.3",
    ] {
        assert_eq!(origin_problem(bad), Some(InvalidHost), "{bad}");
    }
}

/// The documented bounds on `Access-Control-Request-Headers`: 4096 bytes over all lines, and 16
/// empty elements (blank lines included); one more is refused with a bare 403.
#[tokio::test]
async fn request_headers_bounds_are_inclusive() {
    let layer = CorsLayer::new().allow_origins([ORIGIN]).allow_any_header();
    let ask = |lines: Vec<String>| {
        let mut headers: Vec<(&str, &str)> = vec![("origin", ORIGIN), ("access-control-request-method", "GET")];
        let lines: Vec<&'static str> = lines.into_iter().map(|l| &*Box::leak(l.into_boxed_str())).collect();
        headers.extend(lines.iter().map(|l| ("access-control-request-headers", *l)));
        request("OPTIONS", &headers)
    };
    let status = |out: support::Outcome| {
        if out.status == StatusCode::FORBIDDEN {
            assert!(out.no_grant());
        }
        out.status
    };
    let bytes = |n: usize| vec![format!("{}b", "a,".repeat((n - 1) / 2))];
    assert_eq!(bytes(4095)[0].len(), 4095);
    assert_eq!(status(send(&layer, &Inner::ok(), ask(bytes(4095))).await), StatusCode::NO_CONTENT);
    let split = vec!["a".repeat(2000), "b".repeat(2096)];
    assert_eq!(status(send(&layer, &Inner::ok(), ask(split)).await), StatusCode::NO_CONTENT);
    let split = vec!["a".repeat(2000), "b".repeat(2097)];
    assert_eq!(status(send(&layer, &Inner::ok(), ask(split)).await), StatusCode::FORBIDDEN);

    let commas = |n: usize| vec![format!("{}x-test", ",".repeat(n))];
    assert_eq!(status(send(&layer, &Inner::ok(), ask(commas(16))).await), StatusCode::NO_CONTENT);
    assert_eq!(status(send(&layer, &Inner::ok(), ask(commas(17))).await), StatusCode::FORBIDDEN);
    let blank_lines = |n: usize| {
        let mut lines = vec![String::new(); n];
        lines.push("x-test".to_owned());
        lines
    };
    let out = send(&layer, &Inner::ok(), ask(blank_lines(16))).await;
    assert_eq!(out.header("access-control-allow-headers"), Some("*"));
    assert_eq!(status(send(&layer, &Inner::ok(), ask(blank_lines(17))).await), StatusCode::FORBIDDEN);
}

/// The settings as `Debug` prints them after the type's name, for a layer allowing [`ORIGIN`]
/// and nothing else.
const DEFAULT_SETTINGS: &str = "dangerously_allow_null_origin: false, \
    dangerously_allow_insecure_origins_with_credentials: false, debug: false, allow_private_network: AllowPrivateNetwork(false), \
    allow_origin: AllowOrigin::List([\"https://app.example.com\"]), allow_credentials: false, \
    allow_methods: AllowMethods { any: false, list: [] }, allow_headers: AllowHeaders { any: false, list: [] }, \
    expose_headers: ExposeHeaders { any: false, list: [] }, max_age: None, preflight_status: 204, \
    preflight_passthrough: false, block_disallowed_origins: false, \
    allow_cross_origin_posts_to: [], guard_websocket_upgrades: true";

/// An auditor reads the whole policy from one log line: every setting, named after its builder
/// method, the dangerous opt-ins and private network first.
#[test]
fn debug_shows_every_setting_dangerous_opt_ins_first() {
    use http::{header::CONTENT_TYPE, HeaderName};
    assert_eq!(
        format!("{:?}", CorsLayer::new().allow_origins([ORIGIN])),
        format!("CorsLayer {{ {DEFAULT_SETTINGS} }}")
    );

    let layer = CorsLayer::new()
        .allow_origins([ORIGIN, "http://intranet.example"])
        .dangerously_allow_null_origin(true)
        .dangerously_allow_insecure_origins_with_credentials(true)
        .debug(true)
        .allow_private_network(true)
        .allow_credentials(true)
        .allow_methods([Method::PUT])
        .allow_headers([CONTENT_TYPE])
        .expose_headers([HeaderName::from_static("x-request-id")])
        .max_age(std::time::Duration::from_secs(600))
        .preflight_status(StatusCode::OK)
        .block_disallowed_origins(true)
        .allow_cross_origin_posts_to(["/auth/callback"])
        .guard_websocket_upgrades(false);
    let text = format!("{layer:?}");
    assert_eq!(
        text,
        "CorsLayer { dangerously_allow_null_origin: true, dangerously_allow_insecure_origins_with_credentials: true, \
             debug: true, allow_private_network: AllowPrivateNetwork(true), \
             allow_origin: AllowOrigin::List([\"https://app.example.com\", \"http://intranet.example\"]), allow_credentials: true, \
             allow_methods: AllowMethods { any: false, list: [PUT] }, allow_headers: AllowHeaders { any: false, list: [\"content-type\"] }, \
             expose_headers: ExposeHeaders { any: false, list: [\"x-request-id\"] }, max_age: Some(600s), preflight_status: 200, \
         preflight_passthrough: false, block_disallowed_origins: true, \
         allow_cross_origin_posts_to: [\"/auth/callback\"], guard_websocket_upgrades: false }"
    );
    let none = CorsLayer::new().allow_origin(AllowOrigin::none());
    assert!(format!("{none:?}").contains("allow_origin: AllowOrigin::None,"), "{none:?}");
}

/// A reloadable layer's parts show the policy in force: after a reload, the new one.
#[cfg(feature = "reload")]
#[test]
fn reloadable_parts_show_the_policy_in_force() {
    use tower::Layer;
    let (layer, handle) = CorsLayer::new().allow_origins([ORIGIN]).reloadable().unwrap();
    assert_eq!(format!("{layer:?}"), format!("ReloadLayer {{ {DEFAULT_SETTINGS} }}"));
    assert_eq!(format!("{handle:?}"), format!("ReloadHandle {{ {DEFAULT_SETTINGS} }}"));
    let service = layer.layer("inner");
    assert_eq!(format!("{service:?}"), format!("Cors {{ {DEFAULT_SETTINGS}, reloadable: true, inner: \"inner\" }}"));

    handle.reload(CorsLayer::new().allow_origins([ORIGIN]).dangerously_allow_null_origin(true)).unwrap();
    let now =
        DEFAULT_SETTINGS.replacen("dangerously_allow_null_origin: false", "dangerously_allow_null_origin: true", 1);
    assert_eq!(format!("{handle:?}"), format!("ReloadHandle {{ {now} }}"));
    assert_eq!(format!("{layer:?}"), format!("ReloadLayer {{ {now} }}"));
    assert_eq!(format!("{service:?}"), format!("Cors {{ {now}, reloadable: true, inner: \"inner\" }}"));
}

/// The layer forwards readiness: an inner service that is not ready (or failed) is not hidden.
#[test]
fn poll_ready_is_the_inner_services() {
    use std::task::{Context, Poll, Waker};
    use tower::{Layer, Service};

    #[derive(Clone, Debug)]
    struct Failing;
    impl Service<http::Request<support::Body>> for Failing {
        type Response = http::Response<support::Body>;
        type Error = &'static str;
        type Future = std::future::Ready<Result<Self::Response, Self::Error>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Err("overloaded"))
        }
        fn call(&mut self, _: http::Request<support::Body>) -> Self::Future {
            std::future::ready(Err("called"))
        }
    }
    let mut service = CorsLayer::new().allow_origins([ORIGIN]).layer(Failing);
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(service.poll_ready(&mut cx), Poll::Ready(Err("overloaded")));
    assert_eq!(format!("{service:?}"), format!("Cors {{ {DEFAULT_SETTINGS}, reloadable: false, inner: Failing }}"));
}

/// An exposed-headers list with no names left after merging is dropped, not sent empty.
#[tokio::test]
async fn an_empty_exposed_list_is_dropped() {
    let layer = CorsLayer::new().allow_origins([ORIGIN]);
    let inner = Inner::ok()
        .with_header("access-control-expose-headers", ",")
        .with_header("access-control-expose-headers", " , ");
    let out = send(&layer, &inner, request("GET", &[("origin", ORIGIN)])).await;
    assert_eq!(out.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(!out.has("access-control-expose-headers"), "{:?}", out.headers);
}

/// Merging the inner service's `Access-Control-Expose-Headers` and `Vary` with the layer's names
/// compares names without regard to case, long ones (eight bytes and more) included: a name the
/// inner service already sent, in whatever case, is not added a second time.
#[tokio::test]
async fn merged_lists_keep_one_copy_of_names_that_differ_only_in_case() {
    use http::HeaderName;
    let names = ["x-request-id", "x-trace-token", "x-rate-limit-remaining"].map(HeaderName::from_static);
    let layer = CorsLayer::new()
        .allow_origin(AllowOrigin::list([ORIGIN]).vary([HeaderName::from_static("x-tenant-id")]))
        .expose_headers(names);
    // Two lines each: the merge then rewrites them as one.
    let inner = Inner::ok()
        .with_header("access-control-expose-headers", "X-Request-ID, X-Rate-Limit-Remaining")
        .with_header("access-control-expose-headers", "X-TRACE-TOKEN")
        .with_header("vary", "X-Tenant-ID")
        .with_header("vary", "Accept-Encoding");
    let out = send(&layer, &inner, request("GET", &[("origin", ORIGIN)])).await;
    assert_eq!(out.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(
        out.header("access-control-expose-headers"),
        Some("X-Request-ID, X-Rate-Limit-Remaining, X-TRACE-TOKEN")
    );
    assert_eq!(out.header("vary"), Some("X-Tenant-ID, Accept-Encoding, origin"));
    // A name the inner service did not send is added once, after its own.
    let inner = Inner::ok()
        .with_header("access-control-expose-headers", "X-Request-ID")
        .with_header("access-control-expose-headers", "X-Other-Header");
    let out = send(&layer, &inner, request("GET", &[("origin", ORIGIN)])).await;
    assert_eq!(
        out.header("access-control-expose-headers"),
        Some("X-Request-ID, X-Other-Header, x-trace-token, x-rate-limit-remaining")
    );
}

/// The gRPC-web preset as a browser's gRPC-web client meets it: a preflight for `POST` with the
/// client's headers, then the call, whose status trailers-in-headers the page must read.
#[tokio::test]
async fn the_grpc_web_preset_grants_what_grpc_web_clients_send() {
    let layer = CorsLayer::grpc_web([ORIGIN]);
    let inner = Inner::ok();
    let asked = "content-type,grpc-accept-encoding,grpc-timeout,x-grpc-web,x-user-agent";
    let preflight = request(
        "OPTIONS",
        &[("origin", ORIGIN), ("access-control-request-method", "POST"), ("access-control-request-headers", asked)],
    );
    let answer = send(&layer, &inner, preflight).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
    // `POST` is safelisted: the browser needs no `Access-Control-Allow-Methods` for it.
    assert_eq!(answer.header("access-control-allow-methods"), None);
    assert_eq!(answer.header("access-control-allow-headers"), Some(asked));
    assert_eq!(answer.header("access-control-max-age"), Some("7200"));
    assert_eq!(answer.header("access-control-allow-credentials"), None);

    let call =
        send(&layer, &inner, request("POST", &[("origin", ORIGIN), ("content-type", "application/grpc-web")])).await;
    assert_eq!(call.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(
        call.header("access-control-expose-headers"),
        Some("grpc-status, grpc-message, grpc-status-details-bin, grpc-encoding")
    );
    assert_eq!(CorsLayer::GRPC_WEB_MAX_AGE.as_secs(), 7200);
    // The lists a user extends when adding metadata of their own.
    let names = |list: &[http::HeaderName]| list.iter().map(|n| n.as_str().to_owned()).collect::<Vec<_>>();
    assert_eq!(
        names(CorsLayer::grpc_web_request_headers()),
        ["x-grpc-web", "content-type", "x-user-agent", "grpc-timeout", "grpc-accept-encoding"]
    );
    assert_eq!(
        names(CorsLayer::grpc_web_exposed_headers()),
        ["grpc-status", "grpc-message", "grpc-status-details-bin", "grpc-encoding"]
    );
}

/// `AllowOrigin::none()`: every CORS request refused, the layer still sends `Vary: origin`, and
/// `Origin: null` only under its own opt-in.
#[tokio::test]
async fn no_origin_refuses_every_cors_request() {
    let layer = CorsLayer::new().allow_origin(AllowOrigin::none()).allow_methods([Method::PUT]);
    let preflight = |origin| request("OPTIONS", &[("origin", origin), ("access-control-request-method", "PUT")]);
    let out = send(&layer, &Inner::ok(), preflight(ORIGIN)).await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    assert!(!out.inner_called);
    assert_eq!(out.header("vary"), Some("origin, access-control-request-method, access-control-request-headers"));

    let out = send(&layer, &Inner::ok(), request("GET", &[("origin", ORIGIN)])).await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(out.inner_called, "without blocking, an actual request still reaches the application");
    assert!(!out.has("access-control-allow-origin"));
    assert_eq!(out.header("vary"), Some("origin"));

    let out = send(&layer, &Inner::ok(), request("GET", &[])).await;
    assert_eq!(out.header("vary"), Some("origin"));

    let out = send(&layer, &Inner::ok(), request("GET", &[("origin", "null")])).await;
    assert!(!out.has("access-control-allow-origin"));
    let with_null = layer.dangerously_allow_null_origin(true);
    let out = send(&with_null, &Inner::ok(), request("GET", &[("origin", "null")])).await;
    assert_eq!(out.header("access-control-allow-origin"), Some("null"));
}

/// The WebSocket guard reads `Upgrade` where a handshake can carry it: HTTP/1.1, and older
/// versions, which axum's `WebSocketUpgrade` reads the same way. Over HTTP/2 a `GET` with
/// `Upgrade` is malformed (RFC 9113, section 8.2.2) and a WebSocket opens with `CONNECT`: such a
/// `GET` is any refused origin's request, which reaches the inner service without a grant.
#[tokio::test]
async fn the_websocket_guard_reads_upgrade_where_http_carries_it() {
    use http::Version;
    use tower_cors::RefusalReason;
    let layer = CorsLayer::new().allow_origins([ORIGIN]);
    let handshake = |version| {
        let mut request = request(
            "GET",
            &[
                ("origin", "https://evil.example"),
                ("upgrade", "websocket"),
                ("connection", "upgrade"),
                ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
                ("sec-websocket-version", "13"),
            ],
        );
        *request.version_mut() = version;
        request
    };
    for version in [Version::HTTP_09, Version::HTTP_10, Version::HTTP_11] {
        let out = send(&layer, &Inner::ok(), handshake(version)).await;
        assert_eq!(out.status, StatusCode::FORBIDDEN, "{version:?}");
        assert!(!out.inner_called, "{version:?}");
        assert!(out.no_grant(), "{version:?}");
        // `explain` reads the request's head as `Parts`, the service the request itself.
        let explained = layer.explain(&handshake(version)).unwrap();
        assert_eq!(explained.refusal().unwrap().reason(), RefusalReason::WebSocketOriginNotAllowed, "{version:?}");
        assert!(!explained.calls_inner_service(), "{version:?}");
    }
    for version in [Version::HTTP_2, Version::HTTP_3] {
        let out = send(&layer, &Inner::ok(), handshake(version)).await;
        assert_eq!(out.status, StatusCode::OK, "{version:?}");
        assert_eq!(out.calls, 1, "{version:?}");
        assert!(out.no_grant(), "{version:?}");
        assert_eq!(out.header("vary"), Some("origin"), "{version:?}");
        let explained = layer.explain(&handshake(version)).unwrap();
        assert_eq!(explained.refusal().unwrap().reason(), RefusalReason::OriginNotAllowed, "{version:?}");
        assert!(explained.calls_inner_service(), "{version:?}");
    }
}

/// Requested headers split over two lines are granted joined into one value on every path that
/// grants a preflight: the layer's own answer (decided on the request, or on its `Parts` for a
/// predicate), after an async check, and written into the inner service's answer (passthrough),
/// each deciding before the request moves on. `explain` says the same.
#[tokio::test]
async fn split_request_headers_are_granted_joined_on_every_path() {
    use http::header::CONTENT_TYPE;
    use http::HeaderName;
    let allowed = |origin: AllowOrigin| {
        CorsLayer::new()
            .allow_origin(origin)
            .allow_methods([Method::PUT])
            .allow_headers([CONTENT_TYPE, HeaderName::from_static("x-custom")])
    };
    let split = || {
        preflight(
            "PUT",
            &[("access-control-request-headers", "content-type"), ("access-control-request-headers", " X-Custom")],
        )
    };
    let layers = [
        ("list", allowed(AllowOrigin::list([ORIGIN])), 0),
        ("predicate", allowed(AllowOrigin::predicate(|origin, _| origin == ORIGIN)), 0),
        ("async predicate", allowed(AllowOrigin::async_predicate(|origin, _| async move { origin == ORIGIN })), 0),
        ("list, passthrough", allowed(AllowOrigin::list([ORIGIN])).preflight_passthrough(true), 1),
        (
            "async predicate, passthrough",
            allowed(AllowOrigin::async_predicate(|origin, _| async move { origin == ORIGIN }))
                .preflight_passthrough(true),
            1,
        ),
    ];
    for (case, layer, calls) in layers {
        let out = send(&layer, &Inner::ok(), split()).await;
        assert_eq!(out.status, if calls == 0 { StatusCode::NO_CONTENT } else { StatusCode::OK }, "{case}");
        assert_eq!(out.calls, calls, "{case}");
        assert_eq!(out.header("access-control-allow-headers"), Some("content-type,x-custom"), "{case}");
        assert_eq!(out.header("access-control-allow-origin"), Some(ORIGIN), "{case}");
        assert_eq!(out.header("access-control-allow-methods"), Some("PUT"), "{case}");
        let explained = layer.explain(&split()).unwrap();
        let granted = explained.headers().get("access-control-allow-headers").map(|v| v.to_str().unwrap());
        assert_eq!(granted, Some("content-type,x-custom"), "{case}");
    }
}
