//! Decision tables of the web-platform-tests, transcribed: the browser model (the test kit's
//! `tower_cors::testing::standard`) must
//! reach WPT's expected outcome, and the layer, configured the way each vector's server is, must
//! make a simulated browser reach it too (or, where the layer deliberately differs, the outcome
//! documented next to the vector).
//!
//! Sources (github.com/web-platform-tests/wpt):
//! - `fetch/api/cors/cors-preflight-star.any.js` (commit 9955d207; two vectors from the older
//!   revision 8cc44e82): `*` in `Access-Control-Allow-Methods`/`-Headers` with and without
//!   credentials, case-sensitive methods, safelisted methods and headers.
//! - `fetch/api/cors/cors-preflight-status.any.js` (commit 7521c85d): a preflight succeeds only
//!   with an ok status (200..=299).
//! - `fetch/api/cors/cors-preflight-response-validation.any.js` (commit 27c3122c): an
//!   unparsable `Access-Control-Allow-Headers` or `-Methods` fails the preflight.
//! - `cors/cors-safelisted-request-header.any.js` (commit 14ff0a75): which `Content-Type`,
//!   `Range` (and `Last-Event-ID`) values need a preflight.
//!
//! The server side of those tests is `fetch/api/resources/preflight.py`: it answers
//! `Access-Control-Allow-Origin: *`, or the origin with `Access-Control-Allow-Credentials: true`
//! when the test asks for credentials, plus the `allow_methods`/`allow_headers` it is given.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use tower_cors::testing::standard::{self as model, CorsRequest as BrowserRequest};
use tower_cors::testing::Reason;
use tower_cors::CorsLayer;

const ORIGIN: &str = "https://web.example";

/// The model's verdicts as WPT states them: a failed CORS check is one outcome, whatever
/// Chromium's console calls it.
#[derive(Debug, PartialEq, Eq)]
enum Failure {
    CorsCheck,
    NotOkStatus(u16),
    UnparsableList(&'static str),
    Method,
    Header(String),
}

impl From<Reason> for Failure {
    fn from(reason: Reason) -> Self {
        match reason {
            Reason::NotOkStatus(status) => Self::NotOkStatus(status.as_u16()),
            Reason::UnparsableAllowHeaders => Self::UnparsableList("access-control-allow-headers"),
            Reason::UnparsableAllowMethods => Self::UnparsableList("access-control-allow-methods"),
            Reason::Method(_) => Self::Method,
            Reason::Header(name) => Self::Header(name),
            reason if reason.is_cors_check() => Self::CorsCheck,
            reason => panic!("a preflight fails for no WPT reason: {reason}"),
        }
    }
}

/// The model's checks of a preflight's answer, as [`Failure`]s.
fn check_preflight(
    request: &BrowserRequest,
    names: &[String],
    status: StatusCode,
    response: &HeaderMap,
) -> Result<(), Failure> {
    model::check_preflight(request, names, status, response).map_err(Failure::from)
}

/// The response `preflight.py` sends.
fn wpt_server_response(credentials: bool, allow_methods: Option<&str>, allow_headers: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let mut add = |name: &'static str, value: &str| {
        headers.append(HeaderName::from_static(name), HeaderValue::from_str(value).unwrap());
    };
    add("access-control-allow-origin", if credentials { ORIGIN } else { "*" });
    if credentials {
        add("access-control-allow-credentials", "true");
    }
    if let Some(methods) = allow_methods {
        add("access-control-allow-methods", methods);
    }
    if let Some(names) = allow_headers {
        add("access-control-allow-headers", names);
    }
    headers
}

fn browser_request(method: &str, header: Option<(&str, &[u8])>, credentials: bool) -> BrowserRequest {
    BrowserRequest {
        origin: ORIGIN.to_owned(),
        method: model::normalize_method(method),
        headers: header.map(|(n, v)| (n.to_owned(), v.to_vec())).into_iter().collect(),
        credentials,
    }
}

/// A whole fetch as the model sees it, against a server that always sends `response`.
fn model_fetch(request: &BrowserRequest, status: StatusCode, response: &HeaderMap) -> Result<(), Failure> {
    if request.needs_preflight() {
        let names = request.unsafe_header_names();
        check_preflight(request, &names, status, response)?;
    }
    if model::cors_check(&request.origin, request.credentials, response).is_ok() {
        Ok(())
    } else {
        Err(Failure::CorsCheck)
    }
}

/// A whole fetch by a simulated browser against the layer: the preflight if one is needed, then
/// the actual request. Returns whether the inner service ran for the actual request.
async fn layer_fetch(layer: &CorsLayer, request: &BrowserRequest) -> Result<bool, Failure> {
    let inner = support::Inner::ok().with_header("content-type", "text/plain");
    if request.needs_preflight() {
        let names = request.unsafe_header_names();
        let mut lines =
            vec![("origin", request.origin.clone()), ("access-control-request-method", request.method.clone())];
        if let Some(acrh) = request.access_control_request_headers() {
            lines.push(("access-control-request-headers", acrh));
        }
        let lines: Vec<(&str, &str)> = lines.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let preflight = support::send(layer, &inner, support::request("OPTIONS", &lines)).await;
        assert!(!preflight.inner_called, "the inner service answered a preflight");
        if check_preflight(request, &names, preflight.status, &preflight.headers).is_err() {
            assert!(preflight.no_grant(), "a refused preflight discloses: {:?}", preflight.headers);
        }
        check_preflight(request, &names, preflight.status, &preflight.headers)?;
    }
    let mut builder =
        http::Request::builder().method(request.method.as_str()).uri("/items").header("origin", &request.origin);
    for (name, value) in &request.headers {
        // Control bytes a script may put in a value cannot be carried by `http`; the decision
        // never reads these headers anyway.
        if let Ok(value) = HeaderValue::from_bytes(value) {
            builder = builder.header(name.as_str(), value);
        }
    }
    let actual = support::send(layer, &inner, builder.body(support::Body::default()).unwrap()).await;
    assert!(actual.inner_called, "an actual request must reach the inner service");
    if model::cors_check(&request.origin, request.credentials, &actual.headers).is_ok() {
        Ok(actual.inner_called)
    } else {
        Err(Failure::CorsCheck)
    }
}

/// One row of `cors-preflight-star.any.js`:
/// `preflightTest(succeeds, withCredentials, allowMethod, allowHeader, useMethod, useHeader)`,
/// plus what the layer does when configured the same way (`*` → `allow_any_*`).
struct Star {
    succeeds: bool,
    credentials: bool,
    allow_method: &'static str,
    allow_header: &'static str,
    method: &'static str,
    header: Option<(&'static str, &'static str)>,
    /// The layer answers any-method/any-header with the requested names when credentials are
    /// on, where the WPT server sends a literal `*`, so these rows succeed through the layer.
    layer_succeeds: bool,
}

const STAR: &[Star] = &[
    // "GET" is safelisted even though `get` fails the case-sensitive method check.
    Star {
        succeeds: true,
        credentials: false,
        allow_method: "get",
        allow_header: "x-test",
        method: "GET",
        header: Some(("X-Test", "1")),
        layer_succeeds: true,
    },
    // `*` works as any method without credentials; header names compare case-insensitively.
    Star {
        succeeds: true,
        credentials: false,
        allow_method: "*",
        allow_header: "x-test",
        method: "SUPER",
        header: Some(("X-Test", "1")),
        layer_succeeds: true,
    },
    Star {
        succeeds: true,
        credentials: false,
        allow_method: "*",
        allow_header: "*",
        method: "OK",
        header: Some(("X-Test", "1")),
        layer_succeeds: true,
    },
    // A listed header covers a non-safelisted `Content-Type`.
    Star {
        succeeds: true,
        credentials: true,
        allow_method: "OK",
        allow_header: "Content-Type",
        method: "GET",
        header: Some(("Content-Type", "uni/corn")),
        layer_succeeds: true,
    },
    // With credentials `*` is a literal name, not a wildcard.
    Star {
        succeeds: false,
        credentials: true,
        allow_method: "*",
        allow_header: "*",
        method: "OK",
        header: Some(("X-Test", "1")),
        layer_succeeds: true,
    },
    Star {
        succeeds: false,
        credentials: true,
        allow_method: "*",
        allow_header: "",
        method: "PUT",
        header: None,
        layer_succeeds: true,
    },
    // `get` is normalized to `GET`, which is safelisted: no preflight at all.
    Star {
        succeeds: true,
        credentials: true,
        allow_method: "",
        allow_header: "*",
        method: "get",
        header: None,
        layer_succeeds: true,
    },
    // `put` does not match `PUT`: methods are case-sensitive.
    Star {
        succeeds: false,
        credentials: true,
        allow_method: "put",
        allow_header: "*",
        method: "PUT",
        header: None,
        layer_succeeds: false,
    },
    // `Accept: unicorn` is safelisted, so only the method needs the preflight.
    Star {
        succeeds: true,
        credentials: true,
        allow_method: "PUT",
        allow_header: "*",
        method: "PUT",
        header: Some(("Accept", "unicorn")),
        layer_succeeds: true,
    },
    Star {
        succeeds: false,
        credentials: true,
        allow_method: "get",
        allow_header: "*",
        method: "GET",
        header: Some(("X-Test", "1")),
        layer_succeeds: true,
    },
    Star {
        succeeds: false,
        credentials: true,
        allow_method: "*",
        allow_header: "*",
        method: "GET",
        header: Some(("X-Test", "1")),
        layer_succeeds: true,
    },
    // Revision 8cc44e82: exact character match works even for `*` with credentials.
    Star {
        succeeds: true,
        credentials: true,
        allow_method: "*",
        allow_header: "*",
        method: "*",
        header: Some(("*", "1")),
        layer_succeeds: true,
    },
    Star {
        succeeds: true,
        credentials: true,
        allow_method: "PUT",
        allow_header: "*",
        method: "PUT",
        header: None,
        layer_succeeds: true,
    },
];

#[test]
fn preflight_star_model_agrees_with_wpt() {
    for (i, row) in STAR.iter().enumerate() {
        let request = browser_request(row.method, row.header.map(|(n, v)| (n, v.as_bytes())), row.credentials);
        let response = wpt_server_response(row.credentials, Some(row.allow_method), Some(row.allow_header));
        let outcome = model_fetch(&request, StatusCode::OK, &response);
        assert_eq!(outcome.is_ok(), row.succeeds, "row {i}: {outcome:?}");
    }
}

fn star_layer(row: &Star) -> CorsLayer {
    let layer = if row.credentials {
        CorsLayer::new().allow_origins([ORIGIN]).allow_credentials(true)
    } else {
        CorsLayer::new().allow_any_origin()
    };
    let layer = match row.allow_method {
        "*" => layer.allow_any_method(),
        "" => layer.allow_methods(Vec::new()),
        m => layer.allow_methods(Method::from_bytes(m.as_bytes()).unwrap()),
    };
    match row.allow_header {
        "*" => layer.allow_any_header(),
        "" => layer.allow_headers(Vec::new()),
        h => layer.allow_headers(HeaderName::from_bytes(h.as_bytes()).unwrap()),
    }
}

#[tokio::test]
async fn preflight_star_through_the_layer() {
    for (i, row) in STAR.iter().enumerate() {
        let layer = star_layer(row);
        // A server that lists `get` or `put` can never match what a browser sends (it upper-cases
        // them), so the layer refuses that configuration outright instead of answering.
        if ["get", "put"].contains(&row.allow_method) {
            let problems = layer.validate().unwrap_err().problems().to_vec();
            let suggestion = row.allow_method.to_ascii_uppercase();
            assert!(
                matches!(
                    problems.as_slice(),
                    [tower_cors::ConfigProblem::MethodNeverSent { method, suggestion: upper, .. }]
                        if method == row.allow_method && *upper == suggestion
                ),
                "row {i}: {problems:?}"
            );
            continue;
        }
        layer.validate().unwrap();
        let request = browser_request(row.method, row.header.map(|(n, v)| (n, v.as_bytes())), row.credentials);
        let outcome = layer_fetch(&layer, &request).await;
        assert_eq!(outcome.is_ok(), row.layer_succeeds, "row {i}: {outcome:?}");
        // Where WPT's `*` fails only because of credentials, the layer must not send `*`.
        if row.succeeds != row.layer_succeeds {
            assert!(row.credentials && (row.allow_method == "*" || row.allow_header == "*"), "row {i}");
        }
    }
}

/// `cors-preflight-status.any.js`: the statuses it tries, and whether the fetch succeeds.
const STATUSES: &[(u16, bool)] = &[
    (200, true),
    (201, true),
    (202, true),
    (203, true),
    (204, true),
    (205, true),
    (206, true),
    (300, false),
    (301, false),
    (302, false),
    (303, false),
    (304, false),
    (305, false),
    (306, false),
    (307, false),
    (308, false),
    (400, false),
    (401, false),
    (402, false),
    (403, false),
    (404, false),
    (405, false),
    (501, false),
    (502, false),
    (503, false),
    (504, false),
    (505, false),
];

#[test]
fn preflight_status_model_agrees_with_wpt() {
    let request = browser_request("GET", Some(("x-force-preflight", b"")), false);
    assert!(request.needs_preflight());
    let response = wpt_server_response(false, None, Some("x-force-preflight"));
    for &(status, ok) in STATUSES {
        let outcome = model_fetch(&request, StatusCode::from_u16(status).unwrap(), &response);
        assert_eq!(outcome.is_ok(), ok, "status {status}: {outcome:?}");
        if !ok {
            assert_eq!(outcome, Err(Failure::NotOkStatus(status)));
        }
    }
}

#[tokio::test]
async fn preflight_status_through_the_layer() {
    let request = browser_request("GET", Some(("x-force-preflight", b"")), false);
    for &(status, ok) in STATUSES {
        let layer = CorsLayer::new()
            .allow_any_origin()
            .allow_headers(HeaderName::from_static("x-force-preflight"))
            .preflight_status(StatusCode::from_u16(status).unwrap());
        // A status the browser would reject is a configuration error, never a silent failure.
        assert_eq!(layer.validate().is_ok(), ok, "status {status}");
        if ok {
            assert_eq!(layer_fetch(&layer, &request).await, Ok(true), "status {status}");
        }
    }
}

#[test]
fn preflight_response_validation_model_agrees_with_wpt() {
    let request = browser_request("GET", Some(("x-force-preflight", b"")), false);
    let bad_headers = wpt_server_response(false, None, Some("x-force-preflight,header name with space"));
    assert_eq!(
        model_fetch(&request, StatusCode::OK, &bad_headers),
        Err(Failure::UnparsableList("access-control-allow-headers"))
    );
    let bad_methods = wpt_server_response(false, Some("Bad method name"), Some("x-force-preflight"));
    assert_eq!(
        model_fetch(&request, StatusCode::OK, &bad_methods),
        Err(Failure::UnparsableList("access-control-allow-methods"))
    );
    // The same request without the forced preflight is a simple request: no preflight is made.
    let simple = browser_request("GET", None, false);
    assert_eq!(model_fetch(&simple, StatusCode::OK, &bad_headers), Ok(()));
}

#[tokio::test]
async fn preflight_response_validation_through_the_layer() {
    // The layer only ever sends token lists, so its answers parse; and a request asking for a
    // malformed name is refused without disclosing anything.
    let layer = CorsLayer::new().allow_any_origin().allow_any_method().allow_any_header();
    let preflight = |acrh: &'static str| {
        support::request(
            "OPTIONS",
            &[("origin", ORIGIN), ("access-control-request-method", "PATCH"), ("access-control-request-headers", acrh)],
        )
    };
    let inner = support::Inner::ok();
    let good = support::send(&layer, &inner, preflight("x-force-preflight")).await;
    assert_eq!(good.status, StatusCode::NO_CONTENT);
    assert_eq!(model::allow_headers_list(&good.headers), Ok(Some(vec!["*".to_owned()])));
    assert_eq!(model::allow_methods_list(&good.headers), Ok(Some(vec!["PATCH".into()])));
    let bad = support::send(&layer, &inner, preflight("x-force-preflight,header name with space")).await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    assert!(bad.no_grant(), "{:?}", bad.headers);
    assert!(!bad.inner_called);
}

/// `cors-safelisted-request-header.any.js`: (header, value, preflight expected).
const SAFELISTED: &[(&str, &str, bool)] = &[
    ("content-type", "text /plain", true),
    ("content-type", "text\t/\tplain", true),
    ("content-type", "text/plain;", false),
    ("content-type", "text/plain;garbage", false),
    ("content-type", "text/plain;garbage\u{1}\u{2}", true),
    ("content-type", "text/plain,", true),
    ("content-type", ",text/plain", true),
    ("content-type", "text/plain,text/plain", true),
    ("content-type", "text/plain,x/x", true),
    ("content-type", "text/plain\u{b}", true),
    ("content-type", "text/plain\u{c}", true),
    ("content-type", "application/www-form-urlencoded", true),
    ("content-type", "application/x-www-form-urlencoded;\u{7f}", true),
    ("content-type", "multipart/form-data", false),
    ("content-type", "multipart/form-data;\"", true),
    ("range", "100-200", true),
    ("range", "MB=100-200", true),
    ("range", "bytes=100-200", false),
    ("range", "bytes =100-200", true),
    ("range", "bytes\t=100-200", true),
    ("range", "bytes=  100-200", true),
    ("range", "bytes=\t\t100-200", true),
    ("range", "bytes= \t100-200", true),
    ("range", "bytes=100 -200", true),
    ("range", "bytes=100\t-200", true),
    ("range", "bytes=100- 200", true),
    ("range", "bytes=100-\t200", true),
    ("range", "bytes=100-200hello", true),
    ("range", "bytes=abc-def", true),
    ("range", "bytes=100-200,300-400", true),
    ("range", "bytes=-200", true),
    ("range", "bytes=200-", false),
    ("range", "bytes=200-100", true),
    ("range", "bytes 100-200", true),
    ("range", "bytes = 100-200", true),
    ("range", ",bytes=100-200", true),
    ("range", "bytes=,100-200", true),
    ("last-event-id", "\"", true),
    ("last-event-id", "e5p3n<3k0k0s", true),
    (
        "last-event-id",
        "012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678",
        true,
    ),
];

/// `bytes=1` + 60 zeros + `-2` + 60 zeros: 129 bytes, over the 128-byte limit.
fn long_range() -> String {
    format!("bytes=1{}-2{}", "0".repeat(60), "0".repeat(60))
}

#[test]
fn safelisted_request_headers_model_agrees_with_wpt() {
    let long = long_range();
    let rows = SAFELISTED.iter().copied().chain([("range", long.as_str(), true)]);
    for (name, value, preflight) in rows {
        let request = browser_request("POST", Some((name, value.as_bytes())), false);
        assert_eq!(request.needs_preflight(), preflight, "{name}: {value:?}");
    }
    // WPT also expects `Last-Event-ID: abc123` without a preflight, but the Fetch Standard's
    // `#cors-safelisted-request-header` does not list `Last-Event-ID`; the model follows the
    // standard, and so does a browser that implements it.
    let last_event_id = browser_request("POST", Some(("last-event-id", b"abc123")), false);
    assert!(last_event_id.needs_preflight());
}

#[tokio::test]
async fn safelisted_request_headers_through_the_layer() {
    // As `preflight.py` in that test: any origin, no extra headers allowed. Safelisted values go
    // straight through; anything else needs a preflight, which the layer refuses.
    let layer = CorsLayer::new().allow_any_origin();
    let long = long_range();
    let rows = SAFELISTED.iter().copied().chain([("range", long.as_str(), true)]);
    for (name, value, preflight) in rows {
        let request = browser_request("POST", Some((name, value.as_bytes())), false);
        let outcome = layer_fetch(&layer, &request).await;
        assert_eq!(outcome.is_ok(), !preflight, "{name}: {value:?}: {outcome:?}");
        if preflight {
            assert_eq!(outcome, Err(Failure::CorsCheck), "{name}: {value:?}");
        }
    }
    // Allowing the names lets the same requests through after a preflight.
    let layer = CorsLayer::new().allow_any_origin().allow_headers([
        HeaderName::from_static("content-type"),
        HeaderName::from_static("range"),
        HeaderName::from_static("last-event-id"),
    ]);
    for (name, value, _) in SAFELISTED.iter().copied() {
        let request = browser_request("POST", Some((name, value.as_bytes())), false);
        assert_eq!(layer_fetch(&layer, &request).await, Ok(true), "{name}: {value:?}");
    }
}

#[test]
fn the_model_normalizes_only_the_six_methods() {
    assert_eq!(model::normalize_method("get"), "GET");
    assert_eq!(model::normalize_method("patch"), "patch");
    assert_eq!(model::normalize_method("Put"), "PUT");
}
