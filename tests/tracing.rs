//! The `tracing` feature: exactly one `DEBUG` event per refused request, target `tower_cors`, with
//! a stable reason code and the offending value escaped and capped; nothing for granted requests
//! and nothing above `DEBUG`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use http::{HeaderName, Method, StatusCode};
use support::{request, send, Inner};
use tower_cors::{AllowOrigin, CorsLayer};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// One captured event: where it came from and every field, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Captured {
    target: String,
    level: Level,
    fields: BTreeMap<String, String>,
}

/// A layer that records every event it sees, whatever its level and target.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Captured>>>);

impl Capture {
    fn take(&self) -> Vec<Captured> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let metadata = event.metadata();
        self.0.lock().unwrap().push(Captured {
            target: metadata.target().to_owned(),
            level: *metadata.level(),
            fields: fields.0,
        });
    }
}

/// Installs a capturing subscriber for this thread (the tests run on a current-thread runtime).
fn capture() -> (Capture, tracing::subscriber::DefaultGuard) {
    let capture = Capture::default();
    let guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));
    (capture, guard)
}

/// The one event a refusal must produce.
/// The event for a refusal; `value` as escaped, without the quotes the event adds around it.
fn refusal(reason: &str, value: &str, truncated: bool) -> Captured {
    let quoted = format!("\"{value}\"");
    let fields = [
        ("message", "CORS request refused"),
        ("reason", reason),
        ("value", quoted.as_str()),
        ("truncated", if truncated { "true" } else { "false" }),
    ];
    Captured {
        target: "tower_cors".to_owned(),
        level: Level::DEBUG,
        fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
    }
}

fn layer() -> CorsLayer {
    CorsLayer::new()
        .allow_origins(["https://app.example.com"])
        .allow_methods([Method::PUT])
        .allow_headers([http::header::CONTENT_TYPE])
        .expose_headers([HeaderName::from_static("x-request-id")])
}

const APP: &str = "https://app.example.com";

fn preflight(origin: &str, method: &str, headers: Option<&str>) -> http::Request<support::Body> {
    let mut lines = vec![("origin", origin), ("access-control-request-method", method)];
    lines.extend(headers.map(|h| ("access-control-request-headers", h)));
    request("OPTIONS", &lines)
}

#[tokio::test]
async fn an_actual_request_from_a_disallowed_origin_logs_origin_not_allowed() {
    let (capture, _guard) = capture();
    let inner = Inner::ok();
    let outcome = send(&layer(), &inner, request("GET", &[("origin", "https://evil.example")])).await;
    assert_eq!(outcome.status, StatusCode::OK);
    assert!(outcome.inner_called && outcome.no_grant());
    assert_eq!(capture.take(), [refusal("origin_not_allowed", "https://evil.example", false)]);
}

#[tokio::test]
async fn a_preflight_from_a_disallowed_origin_logs_origin_not_allowed() {
    let (capture, _guard) = capture();
    let outcome = send(&layer(), &Inner::ok(), preflight("https://evil.example", "PUT", None)).await;
    assert_eq!(outcome.status, StatusCode::FORBIDDEN);
    assert!(!outcome.inner_called);
    assert_eq!(capture.take(), [refusal("origin_not_allowed", "https://evil.example", false)]);
}

#[tokio::test]
async fn a_disallowed_method_logs_method_not_allowed_with_the_method() {
    let (capture, _guard) = capture();
    let outcome = send(&layer(), &Inner::ok(), preflight(APP, "PATCH", None)).await;
    assert_eq!(outcome.status, StatusCode::FORBIDDEN);
    assert_eq!(capture.take(), [refusal("method_not_allowed", "PATCH", false)]);

    // Method names are case-sensitive: `put` is not `PUT`.
    send(&layer(), &Inner::ok(), preflight(APP, "put", None)).await;
    assert_eq!(capture.take(), [refusal("method_not_allowed", "put", false)]);
}

#[tokio::test]
async fn a_disallowed_header_logs_header_not_allowed_with_that_name_only() {
    let (capture, _guard) = capture();
    let outcome = send(&layer(), &Inner::ok(), preflight(APP, "PUT", Some("content-type,x-secret"))).await;
    assert_eq!(outcome.status, StatusCode::FORBIDDEN);
    assert_eq!(capture.take(), [refusal("header_not_allowed", "x-secret", false)]);
}

#[tokio::test]
async fn malformed_request_headers_log_malformed_request_headers() {
    let (capture, _guard) = capture();
    let outcome = send(&layer(), &Inner::ok(), preflight(APP, "PUT", Some("content-type, x-a b"))).await;
    assert_eq!(outcome.status, StatusCode::FORBIDDEN);
    assert_eq!(capture.take(), [refusal("malformed_request_headers", "x-a b", false)]);

    // Past the 4096-byte bound: the offending line, capped at 128 bytes.
    let long = "a,".repeat(2100);
    send(&layer(), &Inner::ok(), preflight(APP, "PUT", Some(&long))).await;
    assert_eq!(capture.take(), [refusal("malformed_request_headers", &long[..128], true)]);
}

#[tokio::test]
async fn invalid_origins_log_invalid_origin() {
    let (capture, _guard) = capture();
    let inner = Inner::ok();

    // Two `Origin` lines: the first is reported.
    let two = request("GET", &[("origin", APP), ("origin", "https://evil.example")]);
    let outcome = send(&layer(), &inner, two).await;
    assert!(outcome.no_grant());
    assert_eq!(capture.take(), [refusal("invalid_origin", APP, false)]);

    // Over 512 bytes: capped at 128 bytes and marked truncated.
    let long = format!("https://{}.example", "a".repeat(600));
    send(&layer(), &inner, request("GET", &[("origin", &long)])).await;
    assert_eq!(capture.take(), [refusal("invalid_origin", &long[..128], true)]);

    // Non-ASCII bytes and a tab are escaped, never logged raw.
    send(&layer(), &inner, request("GET", &[("origin", "https://café.example")])).await;
    assert_eq!(capture.take(), [refusal("invalid_origin", r"https://caf\xc3\xa9.example", false)]);
    send(&layer(), &inner, request("GET", &[("origin", "https://a\tb.example")])).await;
    assert_eq!(capture.take(), [refusal("invalid_origin", r"https://a\tb.example", false)]);

    // Empty.
    send(&layer(), &inner, request("GET", &[("origin", "")])).await;
    assert_eq!(capture.take(), [refusal("invalid_origin", "", false)]);

    // A preflight's origin is worded the same: malformed, not merely unlisted.
    send(&layer(), &inner, preflight("https://café.example", "PUT", None)).await;
    assert_eq!(capture.take(), [refusal("invalid_origin", r"https://caf\xc3\xa9.example", false)]);
}

#[tokio::test]
async fn quotes_and_backslashes_in_the_value_are_escaped() {
    let (capture, _guard) = capture();
    send(&layer(), &Inner::ok(), request("GET", &[("origin", r#"https://a"b\c.example"#)])).await;
    assert_eq!(capture.take(), [refusal("origin_not_allowed", r#"https://a\"b\\c.example"#, false)]);
}

#[tokio::test]
async fn a_value_cannot_forge_other_fields() {
    // Unquoted, this value would read as `value=https://evil.example truncated=true reason=granted`.
    let (capture, _guard) = capture();
    let forged = "https://evil.example truncated=true reason=granted";
    send(&layer(), &Inner::ok(), request("GET", &[("origin", forged)])).await;
    let events = capture.take();
    assert_eq!(events, [refusal("invalid_origin", forged, false)]);
    assert_eq!(events[0].fields["value"], format!("\"{forged}\""));
    assert_eq!(events[0].fields["reason"], "invalid_origin");
    assert_eq!(events[0].fields["truncated"], "false");
}

#[tokio::test]
async fn a_same_origin_request_under_blocking_is_not_logged_as_refused() {
    let (capture, _guard) = capture();
    let inner = Inner::ok();
    let blocking = layer().block_disallowed_origins(true);
    let own = [("origin", "https://api.example"), ("sec-fetch-site", "same-origin")];
    let passed = send(&blocking, &inner, request("POST", &own)).await;
    assert_eq!(passed.status, StatusCode::OK);
    assert!(passed.inner_called && passed.no_grant());
    assert_eq!(capture.take(), [], "let through as same-origin, so not refused");
    // The same with an async origin check, whose refusal is known only once it resolves.
    let lookup = blocking.allow_origin(AllowOrigin::async_predicate(|origin, _parts| async move { origin == APP }));
    let passed = send(&lookup, &inner, request("POST", &own)).await;
    assert_eq!(passed.status, StatusCode::OK);
    assert!(passed.inner_called);
    assert_eq!(capture.take(), []);
    // A cross-site one is still refused, and logged once.
    let cross = [("origin", "https://api.example"), ("sec-fetch-site", "cross-site")];
    let blocked = send(&lookup, &inner, request("POST", &cross)).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert!(!blocked.inner_called);
    assert_eq!(capture.take(), [refusal("origin_not_allowed", "https://api.example", false)]);
}

/// Without blocking, a same-origin request from an origin the policy does not list gets the
/// answer any refused origin gets (the inner service's response, no grant), but it is not a
/// refusal, so nothing is logged: a site's own `POST`s would otherwise fill the log.
#[tokio::test]
async fn a_same_origin_request_without_blocking_is_not_logged_as_refused() {
    let (capture, _guard) = capture();
    let inner = Inner::ok();
    let own = [("origin", "https://api.example"), ("sec-fetch-site", "same-origin")];
    let passed = send(&layer(), &inner, request("POST", &own)).await;
    assert_eq!(passed.status, StatusCode::OK);
    assert!(passed.inner_called && passed.no_grant());
    assert_eq!(capture.take(), [], "same-origin, so not refused");
    // Same-origin by its absolute URI (HTTP/2, proxies), without `Sec-Fetch-Site`.
    let absolute = http::Request::builder()
        .method("POST")
        .uri("https://api.example/items")
        .header("origin", "https://api.example")
        .body(support::Body::default())
        .unwrap();
    let passed = send(&layer(), &inner, absolute).await;
    assert!(passed.inner_called && passed.no_grant());
    assert_eq!(capture.take(), []);
    // The same origin from another site is a refusal, and logged.
    let cross = [("origin", "https://api.example"), ("sec-fetch-site", "cross-site")];
    let refused = send(&layer(), &inner, request("POST", &cross)).await;
    assert!(refused.inner_called && refused.no_grant());
    assert_eq!(capture.take(), [refusal("origin_not_allowed", "https://api.example", false)]);
}

#[tokio::test]
async fn null_is_refused_with_origin_not_allowed() {
    let (capture, _guard) = capture();
    send(&layer(), &Inner::ok(), request("GET", &[("origin", "null")])).await;
    assert_eq!(capture.take(), [refusal("origin_not_allowed", "null", false)]);
}

#[tokio::test]
async fn granted_and_non_cors_requests_log_nothing() {
    let (capture, _guard) = capture();
    let inner = Inner::ok();
    let granted = send(&layer(), &inner, preflight(APP, "PUT", Some("content-type"))).await;
    assert_eq!(granted.status, StatusCode::NO_CONTENT);
    let actual = send(&layer(), &inner, request("GET", &[("origin", APP)])).await;
    assert_eq!(actual.header("access-control-allow-origin"), Some(APP));
    let non_cors = send(&layer(), &inner, request("GET", &[])).await;
    assert_eq!(non_cors.header("vary"), Some("origin"));
    let any = send(&CorsLayer::permissive(), &inner, request("GET", &[("origin", "null")])).await;
    assert_eq!(any.header("access-control-allow-origin"), Some("*"));
    assert_eq!(capture.take(), []);
}

#[tokio::test]
async fn blocking_passthrough_and_async_refusals_log_once_each() {
    let (capture, _guard) = capture();
    let inner = Inner::ok();

    let blocking = layer().block_disallowed_origins(true);
    let blocked = send(&blocking, &inner, request("GET", &[("origin", "https://x.example")])).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert!(!blocked.inner_called);
    assert_eq!(capture.take(), [refusal("origin_not_allowed", "https://x.example", false)]);

    let passthrough = layer().preflight_passthrough(true);
    let passed = send(&passthrough, &inner, preflight(APP, "DELETE", None)).await;
    assert!(passed.inner_called && passed.no_grant());
    assert_eq!(capture.take(), [refusal("method_not_allowed", "DELETE", false)]);

    let lookup = layer().allow_origin(AllowOrigin::async_predicate(|origin, _parts| async move { origin == APP }));
    let refused = send(&lookup, &inner, preflight("https://y.example", "PUT", None)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(capture.take(), [refusal("origin_not_allowed", "https://y.example", false)]);
    let refused = send(&lookup, &inner, request("GET", &[("origin", "https://y.example")])).await;
    assert!(refused.inner_called && refused.no_grant());
    assert_eq!(capture.take(), [refusal("origin_not_allowed", "https://y.example", false)]);
    let granted = send(&lookup, &inner, request("GET", &[("origin", APP)])).await;
    assert_eq!(granted.header("access-control-allow-origin"), Some(APP));
    assert_eq!(capture.take(), []);
}

#[tokio::test]
async fn a_subscriber_at_info_sees_nothing() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone().with_filter(LevelFilter::INFO));
    let _guard = tracing::subscriber::set_default(subscriber);
    let inner = Inner::ok();
    send(&layer(), &inner, request("GET", &[("origin", "https://evil.example")])).await;
    send(&layer(), &inner, preflight(APP, "PATCH", None)).await;
    send(&layer(), &inner, request("GET", &[("origin", "")])).await;
    assert_eq!(capture.take(), []);
}

/// A CORS grant the inner service set itself (here an inner CORS layer's) is replaced by the
/// outer layer's decision, and reported once per policy as a `WARN` that says what to do. No
/// panic, in any build.
#[tokio::test]
async fn a_replaced_inner_grant_is_reported_once_as_a_warning() {
    use tower::{Layer, ServiceBuilder, ServiceExt};
    let (capture, _guard) = capture();
    let service = ServiceBuilder::new().layer(layer()).layer(CorsLayer::permissive()).service(Inner::ok());
    for _ in 0..3 {
        let response = service.clone().oneshot(request("GET", &[("origin", APP)])).await.unwrap();
        assert_eq!(response.headers()["access-control-allow-origin"], APP);
    }
    let events = capture.take();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!((events[0].target.as_str(), events[0].level), ("tower_cors", Level::WARN));
    let message = &events[0].fields["message"];
    assert!(
        message.starts_with("tower-cors: the inner service's response carried its own `Access-Control-Allow-Origin`"),
        "{message}"
    );
    // An application that exposes its own headers sets no grant: nothing to report.
    let exposing = layer().layer(Inner::ok().with_header("access-control-expose-headers", "x-total"));
    exposing.oneshot(request("GET", &[("origin", APP)])).await.unwrap();
    assert_eq!(capture.take(), []);
}

/// A layer built with debug mode on says so once, as a `WARN` naming the setting, when it is
/// built (validated, or first wrapping a service), however many services it wraps.
#[tokio::test]
async fn a_layer_built_with_debug_mode_says_so_once() {
    use tower::Layer;
    let (capture, _guard) = capture();
    let debug = layer().debug(true);
    debug.validate().unwrap();
    let _first = debug.layer(Inner::ok());
    let _second = debug.clone().layer(Inner::ok());
    let events = capture.take();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!((events[0].target.as_str(), events[0].level), ("tower_cors", Level::WARN));
    assert!(events[0].fields["message"].contains("debug mode on (`CorsLayer::debug(true)`"), "{events:?}");
    let _quiet = layer().layer(Inner::ok());
    assert_eq!(capture.take(), []);
}

/// Debug mode's log line and body are bounded, whatever the request sends: a 16,000-byte
/// method is quoted capped, and the line is at most 1 KiB.
#[tokio::test]
async fn debug_mode_lines_are_bounded() {
    let (capture, _guard) = capture();
    let debug = layer().debug(true);
    debug.validate().unwrap();
    capture.take();
    let method = "X".repeat(16_000);
    send(&debug, &Inner::ok(), preflight(APP, &method, None)).await;
    let events = capture.take();
    let warning = events.iter().find(|event| event.level == Level::WARN).unwrap();
    let message = &warning.fields["message"];
    assert!(message.len() <= 1024, "{} bytes", message.len());
    assert!(message.contains(&format!("value: `{}...`", "X".repeat(128))), "{message}");
}

/// Debug mode: besides the `DEBUG` event, each refusal is one `WARN` event whose message is the
/// explanation `CorsLayer::explain` gives; same-origin and granted requests add nothing, and a
/// refusal by an async check names the check.
#[tokio::test]
async fn debug_mode_logs_each_refusal_with_its_explanation() {
    let (capture, _guard) = capture();
    let inner = Inner::ok();
    let debug = layer().debug(true);
    let warning = |message: String| Captured {
        target: "tower_cors".to_owned(),
        level: Level::WARN,
        fields: [("message".to_owned(), message)].into_iter().collect(),
    };

    debug.validate().unwrap();
    assert_eq!(capture.take().len(), 1, "the build-time warning");
    let refused = preflight(APP, "DELETE", None);
    let explanation = debug.explain(&refused).unwrap().to_string();
    send(&debug, &inner, refused).await;
    assert_eq!(capture.take(), [refusal("method_not_allowed", "DELETE", false), warning(explanation)]);

    let refused = request("GET", &[("origin", "http://app.example.com")]);
    let explanation = debug.explain(&refused).unwrap().to_string();
    assert!(explanation.contains("hint: the scheme differs"), "{explanation}");
    let passed = send(&debug, &inner, refused).await;
    assert!(passed.inner_called && passed.no_grant());
    assert_eq!(capture.take(), [refusal("origin_not_allowed", "http://app.example.com", false), warning(explanation)]);

    send(&debug, &inner, request("GET", &[("origin", APP)])).await;
    send(&debug, &inner, preflight(APP, "PUT", Some("content-type"))).await;
    assert_eq!(capture.take(), []);

    let blocking = debug.clone().block_disallowed_origins(true);
    blocking.validate().unwrap();
    assert_eq!(capture.take().len(), 1, "the build-time warning");
    let same = support::request_to("POST", "https://api.example.com/items", &[("origin", "https://api.example.com")]);
    assert!(send(&blocking, &inner, same).await.inner_called);
    assert_eq!(capture.take(), []);

    let lookup = debug.allow_origin(AllowOrigin::async_predicate(|origin, _parts| async move { origin == APP }));
    lookup.validate().unwrap();
    assert_eq!(capture.take().len(), 1, "the build-time warning");
    send(&lookup, &inner, request("GET", &[("origin", "https://y.example")])).await;
    assert_eq!(
        capture.take(),
        [
            refusal("origin_not_allowed", "https://y.example", false),
            warning(
                "CORS request from `https://y.example`: refused: your async origin check returned false".to_owned()
            )
        ]
    );
}

/// The WebSocket guard's refusals and cross-site writes without `Origin` are logged under their
/// own reasons, on the sync path and after an async origin check alike.
#[tokio::test]
async fn the_websocket_guard_and_cross_site_writes_are_logged_by_reason() {
    let (capture, _guard) = capture();
    let inner = Inner::ok();
    let handshake = [
        ("origin", "https://evil.example"),
        ("upgrade", "websocket"),
        ("connection", "Upgrade"),
        ("sec-websocket-version", "13"),
    ];
    let blocked = send(&layer(), &inner, request("GET", &handshake)).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert!(!blocked.inner_called);
    assert_eq!(capture.take(), [refusal("websocket_origin_not_allowed", "https://evil.example", false)]);
    let lookup = layer().allow_origin(AllowOrigin::async_predicate(|origin, _parts| async move { origin == APP }));
    let blocked = send(&lookup, &inner, request("GET", &handshake)).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert!(!blocked.inner_called);
    assert_eq!(capture.take(), [refusal("websocket_origin_not_allowed", "https://evil.example", false)]);
    // The guard off: the plain refusal, and the handler runs.
    let passed = send(&layer().guard_websocket_upgrades(false), &inner, request("GET", &handshake)).await;
    assert!(passed.inner_called);
    assert_eq!(capture.take(), [refusal("origin_not_allowed", "https://evil.example", false)]);

    let write = [("sec-fetch-site", "cross-site")];
    let blocked = send(&layer().block_disallowed_origins(true), &inner, request("POST", &write)).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert!(!blocked.inner_called);
    assert_eq!(capture.take(), [refusal("cross_site_without_origin", "cross-site", false)]);
}
