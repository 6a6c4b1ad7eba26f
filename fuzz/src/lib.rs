//! Shared helpers for the fuzz targets: the server-side model and policy oracle of the
//! integration tests (the browser side is the crate's `tower_cors::testing::standard`), a
//! counting inner service, and a way to run one request through a layer synchronously.

use std::cell::Cell;
use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use std::collections::{BTreeMap, BTreeSet};

use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use tower_cors::CorsLayer;
use tower_layer::Layer;
use tower_service::Service;

#[path = "../../tests/fetch_model/mod.rs"]
pub mod fetch_model;

use fetch_model::oracle::{self, Config, Origins};

/// An inner service that counts its calls and answers 200 with the given headers.
#[derive(Clone, Default)]
pub struct Inner {
    pub calls: Rc<Cell<usize>>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Service<Request<()>> for Inner {
    type Response = Response<()>;
    type Error = Infallible;
    type Future = Ready<Result<Response<()>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<()>) -> Self::Future {
        self.calls.set(self.calls.get() + 1);
        let mut response = Response::new(());
        for (name, value) in &self.headers {
            response.headers_mut().append(name.clone(), value.clone());
        }
        ready(Ok(response))
    }
}

/// Polls a future that never waits on I/O (no async origin check is configured by the targets).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// What came back, and how often the inner service ran.
pub struct Outcome {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub calls: usize,
}

/// Sends one request through `layer` (which must be valid) around a fresh [`Inner`].
pub fn send(layer: &CorsLayer, inner_headers: &[(HeaderName, HeaderValue)], request: Request<()>) -> Outcome {
    let inner = Inner { calls: Rc::default(), headers: inner_headers.to_vec() };
    let calls = Rc::clone(&inner.calls);
    let mut service = layer.layer(inner);
    let response = block_on(async {
        std::future::poll_fn(|cx| service.poll_ready(cx)).await.unwrap_or_else(|e| match e {});
        service.call(request).await.unwrap_or_else(|e| match e {})
    });
    Outcome { status: response.status(), headers: response.headers().clone(), calls: calls.get() }
}

/// Builds a request; header values that `http` cannot hold are skipped.
pub fn request(method: &str, headers: &[(&str, &[u8])]) -> Request<()> {
    request_to(method, "", headers)
}

/// Builds a request to `uri` (relative `/` when empty or unparsable); header values that `http`
/// cannot hold are skipped.
pub fn request_to(method: &str, uri: &str, headers: &[(&str, &[u8])]) -> Request<()> {
    let mut request = Request::new(());
    if let Ok(uri) = uri.parse::<http::Uri>() {
        *request.uri_mut() = uri;
    }
    if let Ok(method) = http::Method::from_bytes(method.as_bytes()) {
        *request.method_mut() = method;
    }
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(value)) {
            request.headers_mut().append(name, value);
        }
    }
    request
}

/// The invariants every response must satisfy, whatever the request.
/// `any_origin`: the policy allows any origin, so its answers to requests that are not preflights
/// do not depend on `Origin` and need not vary on it.
pub fn check_invariants(
    request_origins: &[&[u8]],
    is_preflight: bool,
    passthrough: bool,
    any_origin: bool,
    out: &Outcome,
) {
    let mut acao = out.headers.get_all("access-control-allow-origin").iter();
    if let Some(value) = acao.next() {
        assert!(acao.next().is_none(), "two allow-origin lines: {:?}", out.headers);
        let echo = matches!(request_origins, [one] if *one == value.as_bytes());
        assert!(value == "*" || echo, "allow-origin {value:?} for origins {request_origins:?}");
        assert!(
            !(value == "*" && out.headers.contains_key("access-control-allow-credentials")),
            "`*` with credentials"
        );
    }
    for name in ["access-control-allow-credentials", "vary"] {
        assert!(out.headers.get_all(name).iter().count() <= 1, "{name} twice: {:?}", out.headers);
    }
    if let Some(creds) = out.headers.get("access-control-allow-credentials") {
        assert_eq!(creds, "true");
    }
    if out.status == StatusCode::FORBIDDEN {
        assert!(
            !out.headers.keys().any(|k| k.as_str().starts_with("access-control-")),
            "403 discloses: {:?}",
            out.headers
        );
    }
    let vary = out.headers.get("vary").map(|v| v.to_str().unwrap_or_default().to_ascii_lowercase());
    let names = |v: &str| v.split(',').map(|e| e.trim().to_owned()).collect::<Vec<_>>();
    if any_origin {
        // `*` is one answer for every origin: never `Vary: Origin` on it, and `*` on every
        // response the inner service gives, with or without `Origin`.
        if !is_preflight {
            assert!(
                !vary.as_deref().map(names).unwrap_or_default().contains(&"origin".to_owned()),
                "{:?}",
                out.headers
            );
            assert_eq!(
                out.headers.get("access-control-allow-origin").map(|v| v.as_bytes()),
                Some(&b"*"[..]),
                "{:?}",
                out.headers
            );
        }
    } else {
        assert!(
            vary.as_deref().map(names).unwrap_or_default().contains(&"origin".to_owned()),
            "Vary lacks origin: {:?}",
            out.headers
        );
    }
    if is_preflight && !passthrough {
        assert_eq!(out.calls, 0, "inner service answered a preflight");
    } else {
        assert!(out.calls <= 1, "inner service called {} times", out.calls);
    }
}

/// How the oracle reads a request header that decides something but came on several lines, which
/// no browser sends (`Sec-Fetch-Site`, `Access-Control-Request-Private-Network`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// As the Fetch Standard's header list "get" does: the lines combined with `, `, which is
    /// never `same-origin` or `true`.
    Combined,
    /// The first line alone.
    FirstLine,
}

/// What the oracle expects of one `access-control-*` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Exactly these bytes.
    Exact(Vec<u8>),
    /// One line listing exactly these names, compared ASCII-case-insensitively, in any order.
    Names(BTreeSet<String>),
}

/// The whole response the oracle expects to one request.
#[derive(Debug)]
pub struct Expected {
    pub status: StatusCode,
    /// How often the inner service runs: 0 when the layer answers by itself.
    pub calls: usize,
    /// Every `access-control-*` header of the response; any other is absent.
    pub access_control: BTreeMap<String, Value>,
    /// The `Vary` names (lower case); `None` when the response must have no `Vary`.
    pub vary: Option<BTreeSet<String>>,
}

const ACAO: &str = "access-control-allow-origin";
const ACAC: &str = "access-control-allow-credentials";
const ACAM: &str = "access-control-allow-methods";
const ACAH: &str = "access-control-allow-headers";
const ACEH: &str = "access-control-expose-headers";
const ACMA: &str = "access-control-max-age";
const ACAPN: &str = "access-control-allow-private-network";
/// What a granted preflight may carry: written by the layer over whatever the inner service set.
const PREFLIGHT_GRANT: [&str; 6] = [ACAO, ACAC, ACAM, ACAH, ACMA, ACAPN];
/// What an actual grant carries: written by the layer over whatever the inner service set.
const ACTUAL_GRANT: [&str; 3] = [ACAO, ACAC, ACEH];

fn lines(headers: &HeaderMap, name: &str) -> Vec<Vec<u8>> {
    headers.get_all(name).iter().map(|v| v.as_bytes().to_vec()).collect()
}

/// The trimmed, non-empty, lower-cased elements of every line of a list header.
fn elements<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> BTreeSet<String> {
    values
        .into_iter()
        .flat_map(|line| line.split(|&b| b == b','))
        .map(|e| String::from_utf8_lossy(e.trim_ascii()).to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .collect()
}

/// The inner service's response, as the oracle knows it.
fn inner_map(inner: &[(HeaderName, HeaderValue)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in inner {
        map.append(name.clone(), value.clone());
    }
    map
}

/// The inner service's `access-control-*` headers, as it set them, but `skip`.
fn inner_access_control(inner: &HeaderMap, skip: &[&str]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for name in inner.keys() {
        let name = name.as_str();
        if name.starts_with("access-control-") && !skip.contains(&name) {
            let values = lines(inner, name);
            let value = match values.as_slice() {
                [one] if name != ACEH => Value::Exact(one.clone()),
                _ => Value::Names(elements(values.iter().map(Vec::as_slice))),
            };
            out.insert(name.to_owned(), value);
        }
    }
    out
}

/// `Vary` merged: the inner service's names plus the layer's, unless the inner service said `*`
/// (which already covers every name).
fn merged_vary(inner: &HeaderMap, layer: &[&str]) -> Option<BTreeSet<String>> {
    let mut names = elements(inner.get_all("vary").iter().map(HeaderValue::as_bytes));
    if !names.contains("*") {
        names.extend(layer.iter().map(|n| (*n).to_owned()));
    }
    (!names.is_empty()).then_some(names)
}

/// The layer's own `Vary` names: `Origin` unless the policy is any origin (whose `*` is one
/// answer for every origin), and a preflight's request headers.
fn layer_vary(config: &Config, preflight: bool) -> Vec<&'static str> {
    let mut names = Vec::new();
    if !matches!(config.origins, Origins::Any) {
        names.push("origin");
    }
    if preflight {
        names.extend(["access-control-request-method", "access-control-request-headers"]);
        if config.private_network {
            names.push("access-control-request-private-network");
        }
    }
    names
}

/// What the configuration says script may read besides the safelist, merged with what the inner
/// service exposed itself.
fn expose_value(config: &Config, inner: &HeaderMap) -> Option<Value> {
    let own = elements(inner.get_all(ACEH).iter().map(HeaderValue::as_bytes));
    let names: BTreeSet<String> = if config.expose_any && !config.credentials {
        return Some(Value::Exact(b"*".to_vec()));
    } else if config.expose_any {
        // With credentials `*` is a literal name: the response's own names are listed instead.
        inner
            .keys()
            .map(HeaderName::as_str)
            .filter(|n| {
                !tower_cors::testing::standard::is_cors_safelisted_response_header_name(n)
                    && !tower_cors::testing::standard::is_forbidden_response_header_name(n)
                    && !n.starts_with("access-control-")
            })
            .map(str::to_owned)
            .chain(own)
            .collect()
    } else {
        own.into_iter().chain(config.expose.iter().map(|n| n.to_ascii_lowercase())).collect()
    };
    (!names.is_empty()).then_some(Value::Names(names))
}

/// The oracle's answer to one request through a layer configured as `config`, around an inner
/// service that answers 200 with `inner` headers.
///
/// - No `Origin`: not a CORS request. Under any origin the answer carries the grant of every
///   other request (`*`, the exposed headers) and no `Vary: Origin`; otherwise the inner
///   service's headers are left as they are, with `Vary: Origin`.
/// - `OPTIONS` with `Origin` and `Access-Control-Request-Method`: a preflight, granted exactly
///   when [`oracle::preflight_verdict`] says (two `Origin` lines never are). Granted: the origin
///   (`*` under any origin) or its echo, credentials, the method unless safelisted, the requested
///   header names (`*`, or `*,authorization`, for any header without credentials), max age and
///   private network, answered with the configured status (or over the inner service's answer
///   with passthrough). Refused: 403 with `Vary` only (with passthrough, the inner service's
///   answer stripped of every grant header).
/// - Any other request with `Origin`: granted as [`oracle::actual_verdict`] says (under any
///   origin always, `*`, the value not read); refused, no grant header, and with blocking a 403
///   with `Vary` only unless [`fetch_model::is_same_origin`].
///
/// `reading` says how `Sec-Fetch-Site` and `Access-Control-Request-Private-Network` are read when
/// a request carries several lines of one; the two readings agree on every other request.
pub fn expect(
    config: &Config,
    request: &Request<()>,
    inner: &[(HeaderName, HeaderValue)],
    reading: Reading,
) -> Expected {
    let inner = inner_map(inner);
    let headers = request.headers();
    let origins = lines(headers, "origin");
    let any = matches!(config.origins, Origins::Any);
    let called = |access_control, vary| Expected { status: StatusCode::OK, calls: 1, access_control, vary };
    let answered = |status, vary: Vec<&str>| Expected {
        status,
        calls: 0,
        access_control: BTreeMap::new(),
        vary: (!vary.is_empty()).then(|| vary.iter().map(|n| (*n).to_owned()).collect()),
    };
    let actual_grant = |origin: Vec<u8>| {
        let mut access_control = inner_access_control(&inner, &ACTUAL_GRANT);
        access_control.insert(ACAO.to_owned(), Value::Exact(origin));
        if config.credentials {
            access_control.insert(ACAC.to_owned(), Value::Exact(b"true".to_vec()));
        }
        if let Some(expose) = expose_value(config, &inner) {
            access_control.insert(ACEH.to_owned(), expose);
        }
        called(access_control, merged_vary(&inner, &layer_vary(config, false)))
    };

    if origins.is_empty() {
        // Under blocking, a write that the browser says comes from another site, with no
        // `Origin` to allow (Go's `CrossOriginProtection` refuses it too); the first line of
        // `Sec-Fetch-Site` is read, as an `http` header "get" of one value.
        let unsafe_method = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        let site = headers.get("sec-fetch-site");
        let cross_site = site.is_some_and(|site| site == "cross-site" || site == "same-site");
        if config.block && !any && unsafe_method && cross_site {
            return answered(StatusCode::FORBIDDEN, layer_vary(config, false));
        }
        return if any {
            actual_grant(b"*".to_vec())
        } else {
            called(inner_access_control(&inner, &[]), merged_vary(&inner, &layer_vary(config, false)))
        };
    }
    let acrm = lines(headers, "access-control-request-method");
    if request.method() == Method::OPTIONS && !acrm.is_empty() {
        let acrh = lines(headers, "access-control-request-headers");
        let vary = layer_vary(config, true);
        if !oracle::preflight_verdict(config, &origins, &acrm, &acrh) {
            return if config.passthrough {
                called(
                    inner_access_control(&inner, &[&PREFLIGHT_GRANT[..], &[ACEH]].concat()),
                    merged_vary(&inner, &vary),
                )
            } else {
                answered(StatusCode::FORBIDDEN, vary)
            };
        }
        let mut grant = BTreeMap::new();
        grant.insert(ACAO.to_owned(), Value::Exact(if any { b"*".to_vec() } else { origins[0].clone() }));
        if config.credentials {
            grant.insert(ACAC.to_owned(), Value::Exact(b"true".to_vec()));
        }
        if !tower_cors::testing::standard::is_cors_safelisted_method(&String::from_utf8_lossy(&acrm[0])) {
            grant.insert(ACAM.to_owned(), Value::Exact(acrm[0].clone()));
        }
        let names = oracle::requested_header_names(&acrh).unwrap_or_default();
        if !names.is_empty() {
            let value = if config.any_header && !config.credentials {
                let authorization = config.headers.iter().any(|h| h.eq_ignore_ascii_case("authorization"));
                Value::Exact(if authorization { b"*,authorization".to_vec() } else { b"*".to_vec() })
            } else {
                Value::Names(names.iter().map(|n| String::from_utf8_lossy(n).to_ascii_lowercase()).collect())
            };
            grant.insert(ACAH.to_owned(), value);
        }
        if let Some(seconds) = config.max_age {
            grant.insert(ACMA.to_owned(), Value::Exact(seconds.to_string().into_bytes()));
        }
        let mut private_network = lines(headers, "access-control-request-private-network");
        if reading == Reading::FirstLine {
            private_network.truncate(1);
        }
        if oracle::private_network_granted(config, &private_network) {
            grant.insert(ACAPN.to_owned(), Value::Exact(b"true".to_vec()));
        }
        return if config.passthrough {
            let mut access_control = inner_access_control(&inner, &PREFLIGHT_GRANT);
            access_control.extend(grant);
            called(access_control, merged_vary(&inner, &vary))
        } else {
            let status = StatusCode::from_u16(config.preflight_status).unwrap_or(StatusCode::NO_CONTENT);
            Expected { access_control: grant, ..answered(status, vary) }
        };
    }
    if oracle::actual_verdict(config, &origins) {
        return actual_grant(if any { b"*".to_vec() } else { origins[0].clone() });
    }
    let vary = layer_vary(config, false);
    let same_origin = match (reading, headers.get("sec-fetch-site")) {
        (Reading::FirstLine, Some(site)) => site == "same-origin",
        _ => fetch_model::is_same_origin(headers, request.uri()),
    };
    // A WebSocket handshake from a refused origin is answered 403 whether or not blocking is on
    // (the guard, on by default): HTTP/1.1 `GET` whose first `Upgrade` line names `websocket`,
    // or HTTP/2's extended `CONNECT`, known by `Sec-WebSocket-Version`.
    let handshake = match *request.method() {
        Method::GET => headers.get("upgrade").is_some_and(|line| {
            line.as_bytes().split(|&b| b == b',').any(|token| token.trim_ascii().eq_ignore_ascii_case(b"websocket"))
        }),
        Method::CONNECT => headers.contains_key("sec-websocket-version"),
        _ => false,
    };
    if (config.block || handshake) && !same_origin {
        answered(StatusCode::FORBIDDEN, vary)
    } else {
        called(inner_access_control(&inner, &ACTUAL_GRANT), merged_vary(&inner, &vary))
    }
}

/// Whether the response is exactly what the oracle expects: status, inner calls, every
/// `access-control-*` header (each on one line) and `Vary`.
pub fn matches_expected(expected: &Expected, out: &Outcome) -> Result<(), String> {
    let context = || format!("expected {expected:?}\ngot {} {:?}, {} calls", out.status, out.headers, out.calls);
    let fail = |what: String| Err(format!("{what}: {}", context()));
    if out.status != expected.status {
        return fail(format!("status {}", out.status));
    }
    if out.calls != expected.calls {
        return fail(format!("inner called {} times", out.calls));
    }
    let mut got = BTreeMap::new();
    for name in out.headers.keys().map(HeaderName::as_str).filter(|n| n.starts_with("access-control-")) {
        let values = lines(&out.headers, name);
        if values.len() != 1 {
            return fail(format!("{name} on {} lines", values.len()));
        }
        let value = match expected.access_control.get(name) {
            Some(Value::Names(_)) => Value::Names(elements([values[0].as_slice()])),
            _ => Value::Exact(values[0].clone()),
        };
        got.insert(name.to_owned(), value);
    }
    if got != expected.access_control {
        return fail("access-control-* headers differ".to_owned());
    }
    let vary_lines = out.headers.get_all("vary").iter().count();
    if vary_lines > 1 {
        return fail(format!("Vary on {vary_lines} lines"));
    }
    let vary = (vary_lines == 1).then(|| elements(out.headers.get_all("vary").iter().map(HeaderValue::as_bytes)));
    if vary != expected.vary {
        return fail("Vary differs".to_owned());
    }
    Ok(())
}

/// Panics unless the response is what the oracle expects under one of the two [`Reading`]s
/// (which agree on every request a browser sends).
pub fn check_against_oracle(
    config: &Config,
    request: &Request<()>,
    inner: &[(HeaderName, HeaderValue)],
    out: &Outcome,
) {
    let combined = matches_expected(&expect(config, request, inner, Reading::Combined), out);
    if let Err(why) = combined {
        if matches_expected(&expect(config, request, inner, Reading::FirstLine), out).is_err() {
            panic!("the response differs from the oracle's: {why}\nrequest {request:?}\nconfig {config:?}");
        }
    }
}
