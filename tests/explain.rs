//! `explain`: the decision as a value, and debug mode.
//!
//! An explanation must never disagree with the layer: every request below is both explained and
//! served, and the explanation's status, headers and whether the inner service runs are compared
//! with what the service did. Every hint kind has its exact text asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use http::header::CONTENT_TYPE;
use http::{HeaderName, Method, StatusCode};
use http_body_util::BodyExt;
use support::{request, request_to, send, Inner};
use tower::{Layer, ServiceExt};
use tower_cors::explain::{RequestKind, Verdict};
use tower_cors::{AllowOrigin, CorsLayer, RefusalReason};

const APP: &str = "https://app.example.com";

fn listed() -> CorsLayer {
    CorsLayer::new()
        .allow_origins([APP, "https://*.example.org", "http://localhost:3000"])
        .allow_methods([Method::PUT])
        .allow_headers([CONTENT_TYPE])
}

fn preflight(origin: &str, method: &str, headers: Option<&str>) -> http::Request<support::Body> {
    let mut lines = vec![("origin", origin), ("access-control-request-method", method)];
    if let Some(headers) = headers {
        lines.push(("access-control-request-headers", headers));
    }
    request("OPTIONS", &lines)
}

/// The hint for an actual request from `origin` under `layer`.
fn origin_hint(layer: &CorsLayer, origin: &str) -> String {
    let explanation = layer.explain(&request("GET", &[("origin", origin)])).unwrap();
    assert_eq!(explanation.verdict(), Verdict::Refused, "{explanation}");
    explanation.refusal().unwrap().hint().unwrap().to_owned()
}

#[test]
fn origin_near_misses_say_what_differs() {
    let layer = listed();
    let cases: &[(&str, &str)] = &[
        (
            "http://app.example.com",
            "the scheme differs: the page is on `http` but `https://app.example.com` is configured; add \
             `http://app.example.com` to allow_origins (or serve the page over `https`)",
        ),
        (
            "https://app.example.com:8443",
            "the port differs: the page is on port 8443 but `https://app.example.com` allows the default port \
             only; add `https://app.example.com:8443` to allow_origins, or `https://app.example.com:*` for any port",
        ),
        (
            "http://localhost:5173",
            "the port differs: the page is on port 5173 but `http://localhost:3000` allows port 3000 only; add \
             `http://localhost:5173` to allow_origins, or `http://localhost:*` for any port",
        ),
        (
            "http://localhost",
            "the port differs: the page is on the default port but `http://localhost:3000` allows port 3000 \
             only; add `http://localhost` to allow_origins, or `http://localhost:*` for any port",
        ),
        (
            "https://app.example.com/",
            "an origin has no path: browsers never send a trailing `/` or a path in Origin, so a client that is \
             not a browser sent `https://app.example.com/`; the origin is `https://app.example.com`, which is \
             allowed",
        ),
        (
            "https://other.example.com/login",
            "an origin has no path: browsers never send a trailing `/` or a path in Origin, so a client that is \
             not a browser sent `https://other.example.com/login`; the origin is `https://other.example.com`, \
             which is not in allow_origins either",
        ),
        (
            "https://www.app.example.com",
            "`www.` differs: `https://app.example.com` is configured, the page is on \
             `https://www.app.example.com`; add it to allow_origins",
        ),
        (
            "https://App.Example.com",
            "browsers send the scheme and host of Origin in lower case: `https://app.example.com`, which is \
             allowed; a client that is not a browser sent `https://App.Example.com`",
        ),
        (
            "https://eu.app.example.com",
            "`https://eu.app.example.com` is a subdomain of `https://app.example.com`, which allows that origin \
             only: add `https://eu.app.example.com`, or the pattern `https://*.app.example.com` for every \
             subdomain",
        ),
        (
            "http://api.localhost:3000",
            "`http://api.localhost:3000` is a subdomain of `http://localhost:3000`, which allows that origin only: \
             add `http://api.localhost:3000`, or the pattern `http://*.localhost:3000` for every subdomain",
        ),
        // A host that merely ends with a configured host is no subdomain of it, nor is an empty
        // label before it (a client that is not a browser).
        (
            "https://evilapp.example.com",
            "`https://evilapp.example.com` is not in allow_origins (configured: `https://app.example.com`, \
             `https://*.example.org`, `http://localhost:3000`)",
        ),
        (
            "https://.app.example.com",
            "`https://.app.example.com` is not in allow_origins (configured: `https://app.example.com`, \
             `https://*.example.org`, `http://localhost:3000`)",
        ),
        (
            "https://example.org",
            "`https://*.example.org` matches subdomains of `example.org` only, not `example.org` itself: add \
             `https://example.org` to allow_origins",
        ),
        (
            "http://shop.example.org",
            "the scheme differs: the page is on `http` but `https://*.example.org` is configured; add \
             `http://shop.example.org` to allow_origins (or serve the page over `https`)",
        ),
        (
            "https://evil.example",
            "`https://evil.example` is not in allow_origins (configured: `https://app.example.com`, \
             `https://*.example.org`, `http://localhost:3000`)",
        ),
        (
            "null",
            "`null` is what sandboxed iframes, `file:` pages and some redirects send, and any page can make \
             itself one of those: it is refused unless you opt in with `dangerously_allow_null_origin(true)` \
             (read the security guide first)",
        ),
        (
            "https://app.example.com:443",
            "`https://app.example.com:443` is not an origin a browser sends (`scheme://host[:port]`, without the \
             scheme's default port)",
        ),
    ];
    for (origin, hint) in cases {
        let expected: String = hint.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(origin_hint(&layer, origin), expected, "origin {origin}");
    }
    // `www.` the other way round.
    let www = CorsLayer::new().allow_origins(["https://www.shop.example"]);
    assert_eq!(
        origin_hint(&www, "https://shop.example"),
        "`www.` differs: `https://www.shop.example` is configured, the page is on `https://shop.example`; add it \
         to allow_origins"
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    );
    // Two things differ: no single near miss is claimed.
    for origin in ["https://www.app.example.com:8443", "http://www.app.example.com"] {
        assert_eq!(
            origin_hint(&layer, origin),
            format!(
                "`{origin}` is not in allow_origins (configured: `https://app.example.com`, `https://*.example.org`, \
                 `http://localhost:3000`)"
            )
        );
    }
    // 512 bytes is the longest origin the layer reads; the hint is about the list, not the length.
    let longest = format!("https://{}.example", "a".repeat(512 - "https://.example".len()));
    assert_eq!(longest.len(), 512);
    assert!(origin_hint(&layer, &longest).ends_with("is not in allow_origins (configured: `https://app.example.com`, `https://*.example.org`, `http://localhost:3000`)"));
    // More than five entries are summed up.
    let many = CorsLayer::new().allow_origins((1..=7).map(|i| format!("https://s{i}.example")));
    assert!(origin_hint(&many, "https://t.example").ends_with("`https://s5.example`, and 2 more)"));
    // Five are all shown, with nothing summed up.
    let five = CorsLayer::new().allow_origins((1..=5).map(|i| format!("https://s{i}.example")));
    assert!(origin_hint(&five, "https://t.example").ends_with("`https://s4.example`, `https://s5.example`)"));
}

#[test]
fn malformed_origins_are_named() {
    let layer = listed();
    let two = layer.explain(&request("GET", &[("origin", APP), ("origin", APP)])).unwrap();
    let refusal = two.refusal().unwrap();
    assert_eq!(refusal.reason(), RefusalReason::InvalidOrigin);
    assert_eq!(
        refusal.hint(),
        Some(
            "the request has 2 Origin lines; a browser sends exactly one, so a proxy or a client that is not a \
             browser added one"
        )
    );
    let long = format!("https://{}.example", "a".repeat(600));
    let explanation = layer.explain(&request("GET", &[("origin", &long)])).unwrap();
    let refusal = explanation.refusal().unwrap();
    assert_eq!(refusal.reason(), RefusalReason::InvalidOrigin);
    assert_eq!(refusal.hint(), Some("the Origin is 616 bytes long; the layer refuses anything over 512"));
    // The value shown is capped and escaped: attackers choose it.
    assert_eq!(refusal.value().len(), 128 + 3);
    assert!(refusal.value().ends_with("..."));
    // 128 bytes are shown whole.
    let header = format!("x-{}", "a".repeat(126));
    let explanation = layer.explain(&preflight(APP, "PUT", Some(&header))).unwrap();
    assert_eq!(explanation.refusal().unwrap().value(), header);
    let empty = layer.explain(&request("GET", &[("origin", "")])).unwrap();
    assert_eq!(
        empty.refusal().unwrap().hint(),
        Some("the request's Origin is empty; browsers never send an empty Origin")
    );
    let mut non_ascii = request("GET", &[]);
    non_ascii.headers_mut().insert("origin", http::HeaderValue::from_bytes(b"https://\xc3\xa9.example").unwrap());
    let explanation = layer.explain(&non_ascii).unwrap();
    let refusal = explanation.refusal().unwrap();
    assert_eq!(refusal.value(), "https://\\xc3\\xa9.example");
    assert!(refusal.hint().unwrap().starts_with("the Origin holds bytes that are not visible ASCII"));
}

#[test]
fn methods_and_headers_say_what_to_list() {
    let layer = listed();
    let hint = |request| {
        let explanation = layer.explain(&request).unwrap();
        assert_eq!(explanation.kind(), RequestKind::Preflight);
        assert_eq!(explanation.verdict(), Verdict::Refused);
        let refusal = explanation.refusal().unwrap();
        (refusal.reason(), refusal.value().to_owned(), refusal.hint().unwrap().to_owned())
    };
    assert_eq!(
        hint(preflight(APP, "DELETE", None)),
        (
            RefusalReason::MethodNotAllowed,
            "DELETE".to_owned(),
            "`DELETE` is not in allow_methods (allowed: GET, HEAD, POST, PUT); add it: `.allow_methods([..., \
             Method::from_bytes(b\"DELETE\")?])`"
                .to_owned()
        )
    );
    assert_eq!(
        hint(preflight(APP, "put", None)).2,
        "methods are case-sensitive: `PUT` is allowed, but the page sends `put` (fetch() upper-cases only DELETE, \
         GET, HEAD, OPTIONS, POST and PUT): send `PUT` from the page, or allow `put` too"
    );
    assert_eq!(
        hint(preflight(APP, "CONNECT", None)).2,
        "`CONNECT` is a forbidden method: browsers never send it, and it cannot be allowed"
    );
    // Two methods without a space, and one name with a space: each is one bad value.
    for method in ["PUT,DELETE", "PU T"] {
        assert_eq!(
            hint(preflight(APP, method, None)).2,
            format!(
                "Access-Control-Request-Method must be one method name, as browsers send it; `{method}` came from \
                 a client that is not a browser"
            )
        );
    }
    assert_eq!(
        hint(preflight(APP, "PUT, DELETE", None)).2,
        "Access-Control-Request-Method must be one method name, as browsers send it; `PUT, DELETE` came from a \
         client that is not a browser"
    );
    assert_eq!(
        hint(preflight(APP, "PUT", Some("content-type,x-foo"))),
        (
            RefusalReason::HeaderNotAllowed,
            "x-foo".to_owned(),
            "`x-foo` is not in allow_headers (allowed: content-type); add it: `.allow_headers([..., \
             HeaderName::from_static(\"x-foo\")])`"
                .to_owned()
        )
    );
    // Without any header, `authorization` is one more name to list: the any-header hint would
    // send the user looking for a setting they do not use.
    assert_eq!(
        hint(preflight(APP, "PUT", Some("authorization"))).2,
        "`authorization` is not in allow_headers (allowed: content-type); add it: `.allow_headers([..., \
         HeaderName::from_static(\"authorization\")])`"
    );
    let (reason, value, text) = hint(preflight(APP, "PUT", Some("content-type,,,(x)")));
    assert_eq!((reason, value.as_str()), (RefusalReason::MalformedRequestHeaders, "(x)"));
    assert!(text.starts_with("browsers send Access-Control-Request-Headers as lower-case header names"));

    let any = CorsLayer::new().allow_origins([APP]).allow_any_header();
    let explanation = any.explain(&preflight(APP, "GET", Some("authorization,x-foo"))).unwrap();
    assert_eq!(
        explanation.refusal().unwrap().hint(),
        Some(
            "`authorization` needs listing even with any header: `*` never covers it (Fetch Standard); use \
             `allow_any_header_and_authorization()`, or list it in allow_headers"
        )
    );
    let none = CorsLayer::new().allow_origins([APP]);
    let explanation = none.explain(&preflight(APP, "GET", Some("x-foo"))).unwrap();
    assert_eq!(
        explanation.refusal().unwrap().hint(),
        Some(
            "`x-foo` is not in allow_headers (none is listed; the CORS-safelisted ones need no listing); add it: \
             `.allow_headers([..., HeaderName::from_static(\"x-foo\")])`"
        )
    );
}

#[test]
fn custom_checks_are_named_as_such() {
    let predicate = CorsLayer::new().allow_origin(AllowOrigin::predicate(|origin, _| origin == "https://a.example"));
    assert_eq!(origin_hint(&predicate, "https://b.example"), "your origin predicate (`OriginPolicy`) returned false");
    let checked = CorsLayer::new().allow_origin(AllowOrigin::async_predicate(|_, _| async { false }));
    let explanation = checked.explain(&request("GET", &[("origin", "https://b.example")])).unwrap();
    assert_eq!(explanation.verdict(), Verdict::AwaitsAsyncCheck);
    assert!(explanation.refusal().is_none());
    // What the layer writes if the check allows the origin.
    assert_eq!(explanation.headers()["access-control-allow-origin"], "https://b.example");
    // A preflight refused on its own terms never waits on the check.
    let explanation = checked.explain(&preflight("https://b.example", "DELETE", None)).unwrap();
    assert_eq!(explanation.verdict(), Verdict::Refused);
    assert_eq!(explanation.refusal().unwrap().reason(), RefusalReason::MethodNotAllowed);
}

#[test]
fn verdicts_and_the_display() {
    let layer = listed().allow_credentials(true).max_age(Duration::from_secs(600));
    let non_cors = layer.explain(&request("GET", &[])).unwrap();
    assert_eq!((non_cors.kind(), non_cors.verdict()), (RequestKind::NonCors, Verdict::NotCors));
    assert!(non_cors.calls_inner_service());
    assert_eq!(non_cors.status(), None);
    assert_eq!(non_cors.to_string(), "request without Origin (not CORS): passed on, no grant needed\n  the inner service answers\n  CORS headers:\n    vary: origin");

    let allowed = layer.explain(&preflight(APP, "PUT", Some("content-type"))).unwrap();
    assert!(allowed.is_allowed());
    assert_eq!(
        allowed.to_string(),
        "CORS preflight from `https://app.example.com`: allowed\n  the layer answers 204 No Content itself; the \
         inner service is not called\n  CORS headers:\n    access-control-allow-origin: https://app.example.com\n    \
         access-control-allow-credentials: true\n    access-control-allow-methods: PUT\n    \
         access-control-allow-headers: content-type\n    access-control-max-age: 600\n    vary: origin, \
         access-control-request-method, access-control-request-headers"
    );

    let refused = layer.explain(&request("POST", &[("origin", "https://evil.example")])).unwrap();
    assert_eq!(
        refused.to_string(),
        "CORS request from `https://evil.example`: refused: the origin is not allowed (origin_not_allowed)\n  \
         value: `https://evil.example`\n  hint: `https://evil.example` is not in allow_origins (configured: \
         `https://app.example.com`, `https://*.example.org`, `http://localhost:3000`)\n  the inner service \
         answers: the request still runs, only its response is withheld from the page (CORS governs reads, not \
         writes); to stop it before the handler, call `block_disallowed_origins(true)`\n  CORS headers:\n    \
         vary: origin"
    );

    // Browsers send `Origin` on same-origin POSTs: no grant needed, and not blocked.
    let blocking = listed().block_disallowed_origins(true);
    let same = blocking
        .explain(&request_to("POST", "https://api.example.com/items", &[("origin", "https://api.example.com")]))
        .unwrap();
    assert_eq!(same.verdict(), Verdict::SameOrigin);
    assert!(same.calls_inner_service());
    assert_eq!(same.refusal().unwrap().reason(), RefusalReason::OriginNotAllowed);
    let cross = blocking.explain(&request("POST", &[("origin", "https://evil.example")])).unwrap();
    assert_eq!((cross.verdict(), cross.status()), (Verdict::Refused, Some(StatusCode::FORBIDDEN)));
    assert!(!cross.calls_inner_service());

    // A preflight is an OPTIONS with Access-Control-Request-Method; either alone is an actual
    // request.
    let options = layer.explain(&request("OPTIONS", &[("origin", APP)])).unwrap();
    assert_eq!((options.kind(), options.verdict()), (RequestKind::Actual, Verdict::Allowed));
    let get = layer.explain(&request("GET", &[("origin", APP), ("access-control-request-method", "PUT")])).unwrap();
    assert_eq!(get.kind(), RequestKind::Actual);

    let any = CorsLayer::permissive();
    let explanation = any.explain(&request("GET", &[])).unwrap();
    assert_eq!(explanation.verdict(), Verdict::NotCors);
    assert_eq!(explanation.headers()["access-control-allow-origin"], "*");

    // An invalid configuration is the error `validate` reports.
    let invalid = CorsLayer::new().allow_any_origin().allow_credentials(true);
    assert_eq!(
        invalid.explain(&request("GET", &[])).unwrap_err().to_string(),
        invalid.validate().unwrap_err().to_string()
    );
}

/// A request extension a policy's predicate reads: an explanation must see it as serving does.
#[derive(Clone)]
struct Tenant(&'static str);

/// The policies of the agreement tests: each option that changes an answer, debug mode on each
/// path (plain, passthrough, blocking), and a predicate that reads a request extension.
fn agreement_layers() -> Vec<CorsLayer> {
    vec![
        listed(),
        listed().allow_credentials(true).expose_headers([HeaderName::from_static("x-total")]),
        listed().block_disallowed_origins(true),
        listed().preflight_passthrough(true),
        CorsLayer::permissive(),
        CorsLayer::new().allow_origins([APP]).allow_any_header().allow_any_method().max_age(Duration::from_secs(60)),
        CorsLayer::new().allow_origin(AllowOrigin::predicate(|origin, _| origin == APP)),
        listed().debug(true),
        listed().debug(true).preflight_passthrough(true),
        listed().debug(true).block_disallowed_origins(true),
        listed().allow_credentials(true).debug(true).block_disallowed_origins(true),
        CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(|origin, parts| {
                parts.extensions.get::<Tenant>().is_some_and(|tenant| tenant.0 == "acme") && origin == APP
            }))
            .block_disallowed_origins(true),
        listed().block_disallowed_origins(true).allow_cross_origin_posts_to(["/items"]),
        listed().guard_websocket_upgrades(false),
    ]
}

/// The requests of the agreement tests: every kind, every refusal cause, several `Origin` lines
/// with and without `Sec-Fetch-Site`, same-origin by each rule, and an extension.
fn agreement_requests() -> Vec<http::Request<support::Body>> {
    let mut with_tenant = request("GET", &[("origin", APP)]);
    with_tenant.extensions_mut().insert(Tenant("acme"));
    let mut preflight_with_tenant = preflight(APP, "PUT", Some("content-type"));
    preflight_with_tenant.extensions_mut().insert(Tenant("acme"));
    vec![
        request("GET", &[]),
        request("GET", &[("origin", APP)]),
        request("GET", &[("origin", "https://evil.example")]),
        request("POST", &[("origin", APP), ("origin", APP)]),
        request("POST", &[("origin", APP), ("origin", APP), ("sec-fetch-site", "same-origin")]),
        request("POST", &[("origin", "https://evil.example"), ("origin", APP), ("sec-fetch-site", "cross-site")]),
        request("POST", &[("origin", "https://evil.example"), ("sec-fetch-site", "same-origin")]),
        request("POST", &[("origin", "https://evil.example"), ("sec-fetch-site", "same-site")]),
        request("PUT", &[("origin", "https://shop.example.org")]),
        preflight(APP, "PUT", Some("content-type")),
        preflight(APP, "DELETE", None),
        preflight(APP, "PUT", Some("x-foo")),
        preflight(APP, "PUT", Some("content-type,x-foo")),
        preflight("https://evil.example", "PUT", None),
        preflight(APP, "GET", Some("authorization")),
        request_to("POST", "https://api.example.com/x", &[("origin", "https://api.example.com")]),
        request("OPTIONS", &[("origin", APP)]),
        with_tenant,
        preflight_with_tenant,
        request(
            "GET",
            &[
                ("origin", "https://evil.example"),
                ("upgrade", "websocket"),
                ("connection", "upgrade"),
                ("sec-websocket-version", "13"),
            ],
        ),
        request(
            "GET",
            &[("origin", APP), ("upgrade", "websocket"), ("connection", "upgrade"), ("sec-websocket-version", "13")],
        ),
        request("POST", &[("sec-fetch-site", "cross-site")]),
    ]
}

/// What a served request must show of its explanation: the inner service called or not, the
/// status, the exact CORS headers, a refusal whenever the verdict says refused or same-origin.
fn assert_agrees(explanation: &tower_cors::Explanation, served: &support::Outcome) {
    assert_eq!(explanation.calls_inner_service(), served.inner_called, "{explanation}");
    match explanation.status() {
        Some(status) => assert_eq!(status, served.status, "{explanation}"),
        None => assert_eq!(served.status, StatusCode::OK, "{explanation}"),
    }
    assert_eq!(support::cors_lines(explanation.headers()), support::cors_lines(&served.headers), "{explanation}");
    let refused = match explanation.verdict() {
        Verdict::Refused | Verdict::SameOrigin => true,
        Verdict::Exempt => explanation.kind() == RequestKind::Actual,
        _ => false,
    };
    assert_eq!(explanation.refusal().is_some(), refused, "{explanation}");
}

/// A copy of a request, extensions included (`http::Request` is not `Clone`).
fn copy(request: &http::Request<support::Body>) -> http::Request<support::Body> {
    let mut copy = http::Request::new(support::Body::default());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}

/// The explanation of every request below is what the layer does when it serves it.
#[tokio::test]
async fn explanations_agree_with_the_layer() {
    let layers = agreement_layers();
    let mut compared = 0;
    let mut verdicts = std::collections::BTreeSet::new();
    for layer in &layers {
        for request in agreement_requests() {
            let explanation = layer.explain(&request).unwrap();
            verdicts.insert(format!("{:?}", explanation.verdict()));
            // `Parts` and the whole request are explained alike.
            let (parts, body) = copy(&request).into_parts();
            let from_parts = layer.explain(&parts).unwrap();
            drop(body);
            assert_eq!(from_parts.to_string(), explanation.to_string());
            let served = send(layer, &Inner::ok(), request).await;
            assert_agrees(&explanation, &served);
            compared += 1;
        }
    }
    assert_eq!(compared, 14 * 22);
    // Every verdict but the async check's (which serving cannot show) was compared.
    assert_eq!(verdicts.into_iter().collect::<Vec<_>>(), ["Allowed", "Exempt", "NotCors", "Refused", "SameOrigin"]);
}

/// The same through a built service and through a reloadable layer's handle, before and after
/// a reload to each policy in turn.
#[cfg(feature = "reload")]
#[tokio::test]
async fn explanations_of_a_service_and_a_reload_handle_agree_with_it() {
    let (reloadable, handle) = listed().reloadable().unwrap();
    let mut compared = 0;
    for layer in agreement_layers() {
        handle.reload(layer.clone()).unwrap();
        for request in agreement_requests() {
            let inner = Inner::ok();
            let service = reloadable.layer(inner.clone());
            let explanation = handle.explain(&request);
            assert_eq!(service.explain(&request).to_string(), explanation.to_string());
            assert_eq!(layer.explain(&request).unwrap().to_string(), explanation.to_string());
            let response = service.oneshot(request).await.unwrap();
            let served = support::Outcome {
                status: response.status(),
                headers: response.headers().clone(),
                inner_called: inner.calls() == 1,
                calls: inner.calls(),
                polls: inner.polls(),
                completions: inner.completions(),
            };
            assert_agrees(&explanation, &served);
            compared += 1;
        }
    }
    assert_eq!(compared, 14 * 22);
}

/// With blocking, two `Origin` lines and `Sec-Fetch-Site: same-origin`: let through as
/// same-origin, and the explanation says why there is no grant.
#[test]
fn several_origin_lines_from_the_same_origin_are_explained() {
    let layer = listed().block_disallowed_origins(true);
    let request = request("POST", &[("origin", APP), ("origin", APP), ("sec-fetch-site", "same-origin")]);
    let explanation = layer.explain(&request).unwrap();
    assert_eq!(explanation.verdict(), Verdict::SameOrigin);
    assert!(explanation.calls_inner_service());
    let refusal = explanation.refusal().unwrap();
    assert_eq!(refusal.reason(), RefusalReason::InvalidOrigin);
    assert_eq!(refusal.value(), APP);
}

#[test]
fn the_service_explains_its_policy() {
    let service = listed().layer(Inner::ok());
    let explanation = service.explain(&request("GET", &[("origin", APP)]));
    assert!(explanation.is_allowed());
    let (parts, _) = request("GET", &[("origin", "https://b.example")]).into_parts();
    assert!(!service.explain(&parts).is_allowed());
}

#[cfg(feature = "reload")]
#[test]
fn a_reload_handle_explains_its_current_policy() {
    let (parts, _) = request("GET", &[("origin", "https://b.example")]).into_parts();
    let (layer, handle) = listed().reloadable().unwrap();
    let service = layer.layer(Inner::ok());
    assert!(!handle.explain(&parts).is_allowed());
    handle.reload(CorsLayer::new().allow_origins(["https://b.example"])).unwrap();
    assert!(handle.explain(&parts).is_allowed());
    assert!(service.explain(&parts).is_allowed());
}

/// The status, headers and body text of a response from `layer` around a counting inner service.
async fn debug_answer(
    layer: CorsLayer,
    request: http::Request<support::Body>,
) -> (StatusCode, Vec<(String, String)>, Option<String>, String, usize) {
    let inner = Inner::ok();
    let response = layer.layer(inner.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned());
    let lines = support::cors_lines(response.headers());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, lines, content_type, String::from_utf8(body.to_vec()).unwrap(), inner.calls())
}

fn lines(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect()
}

const FOOTER: &str = "\n\n(tower-cors debug mode: it discloses part of the policy; turn it off in production)\n";

#[tokio::test]
async fn debug_mode_lets_the_browser_name_the_cause_of_a_refused_preflight() {
    let layer = listed().allow_credentials(true).debug(true);
    let request = preflight(APP, "DELETE", Some("content-type"));
    let explanation = layer.explain(&request).unwrap();
    let (status, cors, content_type, body, calls) = debug_answer(layer, request).await;
    // A 2xx with the origin's grant and without the method: the browser's method check fails,
    // and its message names the method.
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        cors,
        lines(&[
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-origin", APP),
            ("vary", "origin, access-control-request-method, access-control-request-headers"),
        ])
    );
    assert_eq!(content_type.as_deref(), Some("text/plain; charset=utf-8"));
    assert_eq!(body, format!("{explanation}{FOOTER}"));
    assert!(body.contains("hint: `DELETE` is not in allow_methods"));
    assert_eq!(calls, 0);
    // Refused for a header, the allowed method is granted too, and the requested headers that
    // are allowed are listed, so that the browser's method check passes and its header check
    // names the refused header, not the first one it meets.
    let (status, cors, _, body, calls) =
        debug_answer(listed().debug(true), preflight(APP, "PUT", Some("content-type,x-foo"))).await;
    assert_eq!((status, calls), (StatusCode::OK, 0));
    assert_eq!(
        cors,
        lines(&[
            ("access-control-allow-headers", "content-type"),
            ("access-control-allow-methods", "PUT"),
            ("access-control-allow-origin", APP),
            ("vary", "origin, access-control-request-method, access-control-request-headers"),
        ])
    );
    assert!(body.contains("hint: `x-foo` is not in allow_headers"));
}

#[tokio::test]
async fn debug_mode_never_grants_a_refused_origin() {
    let layer = listed().debug(true);
    let refused = preflight("https://evil.example", "PUT", None);
    let explanation = layer.explain(&refused).unwrap();
    let (status, cors, _, body, calls) = debug_answer(layer.clone(), refused).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(cors, lines(&[("vary", "origin, access-control-request-method, access-control-request-headers")]));
    assert_eq!(body, format!("{explanation}{FOOTER}"));
    assert_eq!(calls, 0);
    // An origin an async check has yet to decide is not granted either.
    let checked = CorsLayer::new().allow_origin(AllowOrigin::async_predicate(|_, _| async { true })).debug(true);
    let (status, cors, _, _, calls) = debug_answer(checked, preflight(APP, "DELETE", None)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(cors, lines(&[("vary", "origin, access-control-request-method, access-control-request-headers")]));
    assert_eq!(calls, 0);
    // Blocked actual requests carry the explanation; others keep the inner response.
    let blocking = listed().block_disallowed_origins(true).debug(true);
    let (status, cors, _, body, calls) =
        debug_answer(blocking, request("POST", &[("origin", "https://evil.example")])).await;
    assert_eq!((status, calls), (StatusCode::FORBIDDEN, 0));
    assert_eq!(cors, lines(&[("vary", "origin")]));
    assert!(body.starts_with("CORS request from `https://evil.example`: refused"));
    // Under passthrough a refused preflight still reaches the inner service, without a grant
    // or a text: debug mode only explains it in the log.
    let (status, cors, content_type, body, calls) =
        debug_answer(listed().preflight_passthrough(true).debug(true), preflight(APP, "DELETE", None)).await;
    assert_eq!((status, calls, content_type, body.as_str()), (StatusCode::OK, 1, None, ""));
    assert_eq!(cors, lines(&[("vary", "origin, access-control-request-method, access-control-request-headers")]));
    let (status, cors, content_type, body, calls) =
        debug_answer(listed().debug(true), request("POST", &[("origin", "https://evil.example")])).await;
    assert_eq!((status, calls, content_type, body.as_str()), (StatusCode::OK, 1, None, ""));
    assert_eq!(cors, lines(&[("vary", "origin")]));
}

#[tokio::test]
async fn debug_mode_changes_nothing_for_allowed_requests_and_off_by_default() {
    for request in
        [preflight(APP, "PUT", Some("content-type")), request("GET", &[("origin", APP)]), request("GET", &[])]
    {
        let (method, uri, headers) = (request.method().clone(), request.uri().clone(), request.headers().clone());
        let again = || {
            let mut copy = http::Request::new(support::Body::default());
            *copy.method_mut() = method.clone();
            *copy.uri_mut() = uri.clone();
            *copy.headers_mut() = headers.clone();
            copy
        };
        assert_eq!(debug_answer(listed().debug(true), again()).await, debug_answer(listed(), again()).await);
    }
    // Off: a refused preflight is the plain 403 with an empty body.
    let (status, _, content_type, body, _) = debug_answer(listed(), preflight(APP, "DELETE", None)).await;
    assert_eq!((status, content_type, body.as_str()), (StatusCode::FORBIDDEN, None, ""));
    // With a kept body type the answer is the same, and its body stays empty.
    let inner = Inner::ok();
    let response = listed().debug(true).keep_body_type().layer(inner).oneshot(preflight(APP, "DELETE", None)).await;
    let response = response.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], APP);
    assert!(response.into_body().collect().await.unwrap().to_bytes().is_empty());
}

/// Which rule let a request through is the decision's: a cross-site write without `Origin` to an
/// exempt path is `Exempt` (with no origin to name), the same write elsewhere is refused.
#[test]
fn an_exempt_cross_site_write_without_origin_is_explained_as_exempt() {
    let layer = listed().block_disallowed_origins(true).allow_cross_origin_posts_to(["/auth/callback"]);
    let exempt = layer.explain(&request_to("POST", "/auth/callback", &[("sec-fetch-site", "cross-site")])).unwrap();
    assert_eq!(exempt.verdict(), Verdict::Exempt, "{exempt}");
    assert!(exempt.calls_inner_service() && exempt.refusal().is_none(), "{exempt}");
    let elsewhere = layer.explain(&request("POST", &[("sec-fetch-site", "cross-site")])).unwrap();
    assert_eq!(elsewhere.verdict(), Verdict::Refused, "{elsewhere}");
    assert_eq!(elsewhere.status(), Some(StatusCode::FORBIDDEN));
}

/// "The request still runs" is said of a refused actual request only: a refused preflight
/// handed to the inner service (passthrough) runs no write of the page's.
#[test]
fn only_a_refused_actual_request_is_said_to_still_run() {
    const RUNS: &str = "the request still runs";
    let actual = listed().explain(&request("POST", &[("origin", "https://evil.example")])).unwrap();
    assert!(actual.to_string().contains(RUNS), "{actual}");
    let passed = listed().preflight_passthrough(true).explain(&preflight("https://evil.example", "PUT", None)).unwrap();
    assert_eq!((passed.verdict(), passed.kind()), (Verdict::Refused, RequestKind::Preflight));
    assert!(passed.calls_inner_service());
    assert!(!passed.to_string().contains(RUNS), "{passed}");
    let allowed = listed().explain(&request("GET", &[("origin", APP)])).unwrap();
    assert!(!allowed.to_string().contains(RUNS), "{allowed}");
}
