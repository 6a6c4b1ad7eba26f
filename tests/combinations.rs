//! Every combination of origin kind and flags, with every request shape that tells them apart,
//! through the layer around the counting inner service.
//!
//! Each row's expected answer comes from [`expect`]: the layer's contract written down from the
//! Fetch Standard, using the reference model's origin matching (`fetch_model::oracle`) and
//! same-origin rule (`fetch_model::is_same_origin`), and nothing from the crate. A row checks the
//! status, the complete set of `access-control-*` headers (each present one with its exact value,
//! every other absent), the exact `Vary`, how many times the inner service's `call` ran, whether
//! its future was polled, and (for the async kind) that `call` never ran before the origin check
//! had resolved. Every failing row is listed, not only the first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fetch_model;
mod support;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fetch_model::oracle::{self, Config, Origins};
use http::request::Parts;
use http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use support::{Body, Inner, Outcome};
use tower_cors::{AllowOrigin, CorsLayer, OriginPolicy};

/// The server's own origin, which no configured kind allows (except any origin). Its host is not
/// under `example.com`, so the pattern below cannot match it.
const SERVER: &str = "https://api.server.test";
const SERVER_HTTP: &str = "http://api.server.test";
const SERVER_HOST: &str = "api.server.test";
/// The request URI in absolute form (HTTP/2's `:scheme` and `:authority`, a proxy's request).
const ABSOLUTE: &str = "https://api.server.test/items";
const RELATIVE: &str = "/items";
const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";
const PATTERN: &str = "https://*.example.com";

const ACAO: &str = "access-control-allow-origin";
const ACAC: &str = "access-control-allow-credentials";
const ACAM: &str = "access-control-allow-methods";
const ACAH: &str = "access-control-allow-headers";
const ACEH: &str = "access-control-expose-headers";
const ACMA: &str = "access-control-max-age";
const ACRM: &str = "access-control-request-method";
const ACRH: &str = "access-control-request-headers";

const ALLOWED_HEADER: &str = "x-custom";
const EXPOSED: &str = "x-request-id";
const MAX_AGE: u64 = 600;

/// What the inner service of the second variant sets itself.
const INNER_ALLOW_ORIGIN: &str = "https://inner.example";
const INNER_VARY: &str = "accept-encoding";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `allow_origins([APP])`.
    List,
    /// `allow_origins(["https://*.example.com"])`.
    Pattern,
    /// `allow_any_origin()`.
    Any,
    /// `AllowOrigin::predicate`, allowing exactly `APP`.
    Predicate,
    /// An `OriginPolicy` of our own, allowing exactly `APP`.
    Policy,
    /// `AllowOrigin::async_predicate`, allowing exactly `APP` after yielding once.
    AsyncPredicate,
}

impl Kind {
    /// What the kind allows, as the oracle states it: the closures and the policy allow exactly
    /// `APP`, which is what a list of `APP` says.
    fn origins(self) -> Origins {
        match self {
            Kind::Any => Origins::Any,
            Kind::Pattern => Origins::List(vec![PATTERN.to_owned()]),
            Kind::List | Kind::Predicate | Kind::Policy | Kind::AsyncPredicate => Origins::List(vec![APP.to_owned()]),
        }
    }
}

/// One configuration: an origin kind and the six flags.
#[derive(Clone, Copy, Debug)]
struct Combo {
    kind: Kind,
    credentials: bool,
    block: bool,
    passthrough: bool,
    null: bool,
    /// `guard_websocket_upgrades` (on by default).
    guard: bool,
    /// `allow_cross_origin_posts_to([EXEMPT])`.
    exempt: bool,
}

/// The path exempt from blocking when the combination lists it (an OAuth `form_post` callback).
const EXEMPT: &str = "/auth/callback";

impl fmt::Display for Combo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on = |b: bool| if b { "on" } else { "off" };
        write!(
            f,
            "{:?} credentials={} block={} passthrough={} null={} guard={} exempt={}",
            self.kind,
            on(self.credentials),
            on(self.block),
            on(self.passthrough),
            on(self.null),
            on(self.guard),
            on(self.exempt)
        )
    }
}

impl Combo {
    /// Every combination for one kind; `null` opt-in is not combined with any origin (`*` is
    /// already the answer for `null`).
    fn all(kind: Kind) -> Vec<Combo> {
        let mut combos = Vec::new();
        for credentials in [false, true] {
            for block in [false, true] {
                for passthrough in [false, true] {
                    for null in [false, true] {
                        if kind == Kind::Any && null {
                            continue;
                        }
                        for guard in [true, false] {
                            for exempt in [false, true] {
                                combos.push(Combo { kind, credentials, block, passthrough, null, guard, exempt });
                            }
                        }
                    }
                }
            }
        }
        combos
    }

    /// Configuration errors: credentials with any origin (`#cors-protocol-and-credentials`: `*`
    /// fails with credentials), and credentials with `null` (any page can produce `Origin: null`,
    /// so that is as open as credentials with any origin).
    fn is_config_error(&self) -> bool {
        self.credentials && (self.kind == Kind::Any || self.null)
    }

    fn oracle_config(&self) -> Config {
        Config {
            origins: self.kind.origins(),
            allow_null: self.null,
            credentials: self.credentials,
            any_method: false,
            methods: vec![Method::PUT],
            any_header: false,
            headers: vec![ALLOWED_HEADER.to_owned()],
            expose_any: false,
            expose: vec![EXPOSED.to_owned()],
            max_age: Some(MAX_AGE),
            preflight_status: 204,
            passthrough: self.passthrough,
            block: self.block,
            private_network: false,
            allow_insecure: false,
        }
    }

    fn layer(&self, probe: &CheckProbe) -> CorsLayer {
        let layer = CorsLayer::new();
        let layer = match self.kind {
            Kind::List => layer.allow_origins([APP]),
            Kind::Pattern => layer.allow_origins([PATTERN]),
            Kind::Any => layer.allow_any_origin(),
            Kind::Predicate => layer.allow_origin(AllowOrigin::predicate(|o, _| o == APP)),
            Kind::Policy => layer.allow_origin(AllowOrigin::policy(OnlyApp)),
            Kind::AsyncPredicate => {
                let probe = probe.clone();
                layer.allow_origin(AllowOrigin::async_predicate(move |o: HeaderValue, _: &Parts| {
                    probe.started.fetch_add(1, Ordering::SeqCst);
                    let probe = probe.clone();
                    async move {
                        tokio::task::yield_now().await;
                        let allowed = o == APP;
                        probe.resolved.fetch_add(1, Ordering::SeqCst);
                        allowed
                    }
                }))
            }
        };
        layer
            .allow_methods([Method::PUT])
            .allow_headers([HeaderName::from_static(ALLOWED_HEADER)])
            .expose_headers([HeaderName::from_static(EXPOSED)])
            .max_age(Duration::from_secs(MAX_AGE))
            .allow_credentials(self.credentials)
            .block_disallowed_origins(self.block)
            .preflight_passthrough(self.passthrough)
            .dangerously_allow_null_origin(self.null)
            .guard_websocket_upgrades(self.guard)
            .allow_cross_origin_posts_to(if self.exempt { &[EXEMPT][..] } else { &[] })
    }
}

/// An `OriginPolicy` of our own.
struct OnlyApp;

impl OriginPolicy for OnlyApp {
    fn is_allowed(&self, origin: &HeaderValue, _request: &Parts) -> bool {
        origin == APP
    }
}

/// Counts the async origin checks started and resolved, and the inner `call`s made while one
/// was still pending.
#[derive(Clone, Default)]
struct CheckProbe {
    started: Arc<AtomicUsize>,
    resolved: Arc<AtomicUsize>,
    called_before_resolved: Arc<AtomicUsize>,
}

#[derive(Clone, Copy, Debug)]
enum InnerKind {
    /// Answers 200 with no header of its own.
    Plain,
    /// Answers 200 with its own `Access-Control-Allow-Origin` and `Vary`.
    OwnHeaders,
}

impl InnerKind {
    fn service(self, probe: &CheckProbe) -> Inner {
        let inner = match self {
            InnerKind::Plain => Inner::ok(),
            InnerKind::OwnHeaders => Inner::ok().with_header(ACAO, INNER_ALLOW_ORIGIN).with_header("vary", INNER_VARY),
        };
        let probe = probe.clone();
        inner.with_on_call(move || {
            if probe.started.load(Ordering::SeqCst) != probe.resolved.load(Ordering::SeqCst) {
                probe.called_before_resolved.fetch_add(1, Ordering::SeqCst);
            }
        })
    }

    fn allow_origin(self) -> Option<&'static str> {
        match self {
            InnerKind::Plain => None,
            InnerKind::OwnHeaders => Some(INNER_ALLOW_ORIGIN),
        }
    }

    fn vary(self) -> &'static [&'static str] {
        match self {
            InnerKind::Plain => &[],
            InnerKind::OwnHeaders => &[INNER_VARY],
        }
    }
}

/// One request shape.
struct Shape {
    id: char,
    what: &'static str,
    method: &'static str,
    uri: &'static str,
    headers: &'static [(&'static str, &'static str)],
}

impl Shape {
    fn request(&self) -> Request<Body> {
        support::request_to(self.method, self.uri, self.headers)
    }
}

const HOST: (&str, &str) = ("host", SERVER_HOST);
/// An HTTP/1.1 WebSocket handshake's own headers (RFC 6455, section 4.1).
const WS_UPGRADE: [(&str, &str); 4] = [
    ("upgrade", "websocket"),
    ("connection", "Upgrade"),
    ("sec-websocket-version", "13"),
    ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
];
const PREFLIGHT_PUT: [(&str, &str); 2] = [(ACRM, "PUT"), (ACRH, ALLOWED_HEADER)];

const SHAPES: &[Shape] = &[
    Shape { id: 'a', what: "non-CORS GET (no Origin)", method: "GET", uri: RELATIVE, headers: &[HOST] },
    Shape {
        id: 'b',
        what: "same-origin POST: Origin = server's, Sec-Fetch-Site: same-origin, Host",
        method: "POST",
        uri: RELATIVE,
        headers: &[("origin", SERVER), ("sec-fetch-site", "same-origin"), HOST],
    },
    Shape {
        id: 'c',
        what: "same-origin POST: Origin = server's, absolute URI of the same scheme and authority",
        method: "POST",
        uri: ABSOLUTE,
        headers: &[("origin", SERVER), HOST],
    },
    Shape {
        id: 'd',
        what: "POST, Origin = server's, Host only (relative URI: scheme unconfirmed)",
        method: "POST",
        uri: RELATIVE,
        headers: &[("origin", SERVER), HOST],
    },
    Shape {
        id: 'e',
        what: "POST, Origin = server's host over plain http, absolute https URI",
        method: "POST",
        uri: ABSOLUTE,
        headers: &[("origin", SERVER_HTTP), HOST],
    },
    Shape {
        id: 'f',
        what: "POST, Origin = server's, Sec-Fetch-Site: cross-site, matching absolute URI",
        method: "POST",
        uri: ABSOLUTE,
        headers: &[("origin", SERVER), ("sec-fetch-site", "cross-site"), HOST],
    },
    Shape { id: 'g', what: "actual GET from APP", method: "GET", uri: RELATIVE, headers: &[("origin", APP), HOST] },
    Shape { id: 'h', what: "actual POST from EVIL", method: "POST", uri: RELATIVE, headers: &[("origin", EVIL), HOST] },
    Shape {
        id: 'i',
        what: "preflight from APP: PUT with x-custom",
        method: "OPTIONS",
        uri: RELATIVE,
        headers: &[("origin", APP), PREFLIGHT_PUT[0], PREFLIGHT_PUT[1], HOST],
    },
    Shape {
        id: 'j',
        what: "preflight from EVIL: PUT with x-custom",
        method: "OPTIONS",
        uri: RELATIVE,
        headers: &[("origin", EVIL), PREFLIGHT_PUT[0], PREFLIGHT_PUT[1], HOST],
    },
    Shape {
        id: 'k',
        what: "preflight from APP: DELETE (not allowed) with x-custom",
        method: "OPTIONS",
        uri: RELATIVE,
        headers: &[("origin", APP), (ACRM, "DELETE"), (ACRH, ALLOWED_HEADER), HOST],
    },
    Shape {
        id: 'l',
        what: "actual GET, malformed Origin `https://app.example.com/`",
        method: "GET",
        uri: RELATIVE,
        headers: &[("origin", "https://app.example.com/"), HOST],
    },
    Shape {
        id: 'm',
        what: "actual GET, two Origin lines (APP, APP)",
        method: "GET",
        uri: RELATIVE,
        headers: &[("origin", APP), ("origin", APP), HOST],
    },
    Shape {
        id: 'n',
        what: "preflight PUT, two Origin lines (APP, APP)",
        method: "OPTIONS",
        uri: RELATIVE,
        headers: &[("origin", APP), ("origin", APP), PREFLIGHT_PUT[0], PREFLIGHT_PUT[1], HOST],
    },
    Shape {
        id: 'o',
        what: "actual GET, Origin: null",
        method: "GET",
        uri: RELATIVE,
        headers: &[("origin", "null"), HOST],
    },
    Shape {
        id: 'p',
        what: "preflight PUT, Origin: null",
        method: "OPTIONS",
        uri: RELATIVE,
        headers: &[("origin", "null"), PREFLIGHT_PUT[0], PREFLIGHT_PUT[1], HOST],
    },
    Shape {
        id: 'q',
        what: "WebSocket handshake (HTTP/1.1 GET, Upgrade: websocket) from EVIL",
        method: "GET",
        uri: "/ws",
        headers: &[("origin", EVIL), WS_UPGRADE[0], WS_UPGRADE[1], WS_UPGRADE[2], WS_UPGRADE[3], HOST],
    },
    Shape {
        id: 'r',
        what: "WebSocket handshake (HTTP/1.1) from APP",
        method: "GET",
        uri: "/ws",
        headers: &[("origin", APP), WS_UPGRADE[0], WS_UPGRADE[1], WS_UPGRADE[2], WS_UPGRADE[3], HOST],
    },
    Shape {
        id: 's',
        what: "WebSocket handshake (HTTP/1.1) from the server's own origin, Host only",
        method: "GET",
        uri: "/ws",
        headers: &[("origin", SERVER), WS_UPGRADE[0], WS_UPGRADE[1], WS_UPGRADE[2], WS_UPGRADE[3], HOST],
    },
    Shape {
        id: 't',
        what: "WebSocket handshake over HTTP/2 (extended CONNECT, Sec-WebSocket-Version) from EVIL",
        method: "CONNECT",
        uri: "https://api.server.test/ws",
        headers: &[("origin", EVIL), ("sec-websocket-version", "13")],
    },
    Shape {
        id: 'u',
        what: "WebSocket handshake without Origin (not a browser)",
        method: "GET",
        uri: "/ws",
        headers: &[WS_UPGRADE[0], WS_UPGRADE[1], WS_UPGRADE[2], WS_UPGRADE[3], HOST],
    },
    Shape {
        id: 'v',
        what: "cross-site form POST from EVIL to the exempt callback path",
        method: "POST",
        uri: EXEMPT,
        headers: &[("origin", EVIL), ("sec-fetch-site", "cross-site"), HOST],
    },
    Shape {
        id: 'w',
        what: "POST without Origin, Sec-Fetch-Site: cross-site",
        method: "POST",
        uri: RELATIVE,
        headers: &[("sec-fetch-site", "cross-site"), HOST],
    },
    Shape {
        id: 'x',
        what: "POST without Origin, Sec-Fetch-Site: same-site, to the exempt callback path",
        method: "POST",
        uri: EXEMPT,
        headers: &[("sec-fetch-site", "same-site"), HOST],
    },
    Shape {
        id: 'y',
        what: "GET without Origin, Sec-Fetch-Site: cross-site (a navigation)",
        method: "GET",
        uri: RELATIVE,
        headers: &[("sec-fetch-site", "cross-site"), HOST],
    },
];

/// Whether the request opens a WebSocket: HTTP/1.1's `GET` with `Upgrade: websocket` (RFC 6455),
/// or HTTP/2's extended `CONNECT`, which carries `Sec-WebSocket-Version` (RFC 8441).
fn is_websocket_handshake(request: &Request<Body>) -> bool {
    let header = |name: &str| request.headers().get(name).map(|v| v.to_str().unwrap().to_ascii_lowercase());
    match request.method().as_str() {
        "GET" => header("upgrade").as_deref() == Some("websocket"),
        "CONNECT" => header("sec-websocket-version").is_some(),
        _ => false,
    }
}

/// Whether blocking lets the request through for its path: a `POST` to the listed path.
fn is_exempt(combo: &Combo, request: &Request<Body>) -> bool {
    combo.exempt && request.method() == Method::POST && request.uri().path() == EXEMPT
}

/// What one response must be.
#[derive(Debug, PartialEq, Eq)]
struct Expected {
    status: StatusCode,
    /// How many times the inner service's `call` runs (its future is polled exactly when it runs).
    calls: usize,
    /// Every `access-control-*` header, with its exact value.
    access_control: BTreeMap<&'static str, String>,
    /// The whole `Vary` value, one line.
    vary: Option<String>,
}

impl Expected {
    /// The inner service answers (200): the layer only decorates.
    fn inner(access_control: BTreeMap<&'static str, String>, vary: Option<String>) -> Self {
        Self { status: StatusCode::OK, calls: 1, access_control, vary }
    }

    /// The layer answers by itself; the inner service's `call` never runs.
    fn layer(status: StatusCode, access_control: BTreeMap<&'static str, String>, vary: Option<String>) -> Self {
        Self { status, calls: 0, access_control, vary }
    }
}

/// `Vary` after merging: the inner service's names, then the layer's that are not there yet, on
/// one line; none at all when both are empty.
fn merged_vary(inner: &[&str], layer: &[&str]) -> Option<String> {
    let mut names: Vec<&str> = inner.to_vec();
    for name in layer {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name);
        }
    }
    (!names.is_empty()).then(|| names.join(", "))
}

fn lines(request: &Request<Body>, name: &str) -> Vec<Vec<u8>> {
    request.headers().get_all(name).iter().map(|v| v.as_bytes().to_vec()).collect()
}

/// The contract, for one configuration, inner service and request.
///
/// - No `Origin`: not a CORS request (`#http-requests`). The inner service answers. Under any
///   origin the response carries `*` and the exposed headers, so that a shared cache may hand it
///   to any CORS request, and needs no `Vary`; otherwise it carries `Vary: Origin`, since the
///   answer to a CORS request differs (`#cors-protocol-and-http-caches`).
/// - A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is granted as the
///   oracle says; granted, it echoes the method and headers asked for with `Max-Age`, answered
///   204 by the layer (or by the inner service with passthrough); refused, 403 with no
///   `access-control-*` header at all (or the inner service's answer, stripped of them).
/// - An actual CORS request granted gets `*` (any origin) or its `Origin` byte for byte, the
///   credentials flag and the exposed headers; refused, nothing, and with blocking a 403 from the
///   layer unless the request is same-origin.
/// - `Vary`: `Origin` wherever the answer depends on it (everywhere but under any origin), plus a
///   preflight's request headers, merged into the inner service's.
fn expect(combo: &Combo, inner: InnerKind, request: &Request<Body>) -> Expected {
    let config = combo.oracle_config();
    let any = combo.kind == Kind::Any;
    let origins = lines(request, "origin");
    let origin_vary: &[&str] = if any { &[] } else { &["origin"] };
    let mut headers = BTreeMap::new();

    if origins.is_empty() {
        // Under blocking, a write the browser says is cross-site or same-site, without `Origin`,
        // is refused as Go's `CrossOriginProtection` refuses it (unless every origin is allowed,
        // or the path is exempt).
        let site = request.headers().get("sec-fetch-site").map(|v| v.to_str().unwrap());
        let write = !matches!(request.method().as_str(), "GET" | "HEAD" | "OPTIONS");
        if combo.block
            && !any
            && write
            && matches!(site, Some("cross-site" | "same-site"))
            && !is_exempt(combo, request)
        {
            return Expected::layer(StatusCode::FORBIDDEN, headers, merged_vary(&[], origin_vary));
        }
        if any {
            headers.insert(ACAO, "*".to_owned());
            headers.insert(ACEH, EXPOSED.to_owned());
        } else if let Some(own) = inner.allow_origin() {
            headers.insert(ACAO, own.to_owned());
        }
        return Expected::inner(headers, merged_vary(inner.vary(), origin_vary));
    }

    let grant = |headers: &mut BTreeMap<&'static str, String>| {
        let origin = if any { "*".to_owned() } else { String::from_utf8(origins[0].clone()).unwrap() };
        headers.insert(ACAO, origin);
        if combo.credentials {
            headers.insert(ACAC, "true".to_owned());
        }
    };

    let acrm = lines(request, ACRM);
    if request.method() == Method::OPTIONS && !acrm.is_empty() {
        let acrh = lines(request, ACRH);
        let preflight_vary = [origin_vary, &[ACRM, ACRH]].concat();
        if oracle::preflight_verdict(&config, &origins, &acrm, &acrh) {
            grant(&mut headers);
            headers.insert(ACAM, String::from_utf8(acrm[0].clone()).unwrap());
            let names = oracle::requested_header_names(&acrh).unwrap();
            let names: Vec<String> = names.iter().map(|n| String::from_utf8_lossy(n).to_ascii_lowercase()).collect();
            headers.insert(ACAH, names.join(","));
            headers.insert(ACMA, MAX_AGE.to_string());
            return if combo.passthrough {
                Expected::inner(headers, merged_vary(inner.vary(), &preflight_vary))
            } else {
                Expected::layer(StatusCode::NO_CONTENT, headers, merged_vary(&[], &preflight_vary))
            };
        }
        return if combo.passthrough {
            Expected::inner(headers, merged_vary(inner.vary(), &preflight_vary))
        } else {
            Expected::layer(StatusCode::FORBIDDEN, headers, merged_vary(&[], &preflight_vary))
        };
    }

    if oracle::actual_verdict(&config, &origins) {
        grant(&mut headers);
        headers.insert(ACEH, EXPOSED.to_owned());
        return Expected::inner(headers, merged_vary(inner.vary(), origin_vary));
    }
    // A refused origin: blocked under blocking, and a WebSocket handshake under the guard too,
    // unless same-origin, or (blocking only) a `POST` to the exempt path.
    let upgrade = combo.guard && is_websocket_handshake(request);
    let exempt = combo.block && is_exempt(combo, request);
    if (combo.block || upgrade) && !exempt && !fetch_model::is_same_origin(request.headers(), request.uri()) {
        return Expected::layer(StatusCode::FORBIDDEN, headers, merged_vary(&[], origin_vary));
    }
    Expected::inner(headers, merged_vary(inner.vary(), origin_vary))
}

/// Every line of a header, joined with ` | ` so that a repeated header shows (and never equals a
/// one-line expectation).
fn all_lines(outcome: &Outcome, name: &str) -> Option<String> {
    let values: Vec<String> =
        outcome.headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect();
    (!values.is_empty()).then(|| values.join(" | "))
}

/// What is wrong with one response, if anything.
fn problems(want: &Expected, out: &Outcome, probe: &CheckProbe) -> Vec<String> {
    let mut problems = Vec::new();
    if out.status != want.status {
        problems.push(format!("status {} (want {})", out.status.as_u16(), want.status.as_u16()));
    }
    if out.calls != want.calls {
        problems.push(format!("inner call count {} (want {})", out.calls, want.calls));
    }
    let polled = out.polls > 0;
    if polled != (want.calls > 0) {
        problems.push(format!("inner future polled: {polled} (want {})", want.calls > 0));
    }
    let called_early = probe.called_before_resolved.load(Ordering::SeqCst);
    if called_early > 0 {
        problems.push(format!("inner call ran {called_early} time(s) before the async origin check resolved"));
    }
    let mut names: Vec<&str> =
        out.headers.keys().map(HeaderName::as_str).filter(|n| n.starts_with("access-control-")).collect();
    names.extend(want.access_control.keys());
    names.sort_unstable();
    names.dedup();
    for name in names {
        let got = all_lines(out, name);
        let expected = want.access_control.get(name).cloned();
        if got != expected {
            problems.push(format!("{name}: {} (want {})", show(got.as_deref()), show(expected.as_deref())));
        }
    }
    let vary = all_lines(out, "vary");
    if vary != want.vary {
        problems.push(format!("vary: {} (want {})", show(vary.as_deref()), show(want.vary.as_deref())));
    }
    problems
}

fn show(value: Option<&str>) -> String {
    value.map_or_else(|| "absent".to_owned(), |v| format!("{v:?}"))
}

/// Runs every combination of one origin kind; returns the number of rows and the failing ones.
async fn run(kind: Kind) -> (usize, Vec<String>) {
    let mut rows = 0;
    let mut failures = Vec::new();
    for combo in Combo::all(kind) {
        let probe = CheckProbe::default();
        let layer = combo.layer(&probe);
        rows += 1;
        let valid = layer.validate();
        if combo.is_config_error() {
            if valid.is_ok() {
                failures.push(format!("[{combo}] validate(): Ok (want a configuration error)"));
            }
            continue;
        }
        if let Err(error) = valid {
            failures.push(format!("[{combo}] validate(): {error} (want Ok); its requests not run"));
            continue;
        }
        rows -= 1;
        for inner_kind in [InnerKind::Plain, InnerKind::OwnHeaders] {
            for shape in SHAPES {
                rows += 1;
                let probe = CheckProbe::default();
                let layer = combo.layer(&probe);
                let inner = inner_kind.service(&probe);
                let want = expect(&combo, inner_kind, &shape.request());
                let out = support::send(&layer, &inner, shape.request()).await;
                let problems = problems(&want, &out, &probe);
                if !problems.is_empty() {
                    failures.push(format!(
                        "[{combo} inner={inner_kind:?}] ({}) {}: {}",
                        shape.id,
                        shape.what,
                        problems.join("; ")
                    ));
                }
            }
        }
    }
    (rows, failures)
}

async fn check(kind: Kind) {
    let (rows, failures) = run(kind).await;
    println!("{kind:?}: {rows} rows, {} failing", failures.len());
    assert!(failures.is_empty(), "{kind:?}: {} of {rows} rows fail:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn list() {
    check(Kind::List).await;
}

#[tokio::test]
async fn pattern() {
    check(Kind::Pattern).await;
}

#[tokio::test]
async fn any_origin() {
    check(Kind::Any).await;
}

#[tokio::test]
async fn predicate() {
    check(Kind::Predicate).await;
}

#[tokio::test]
async fn origin_policy() {
    check(Kind::Policy).await;
}

#[tokio::test]
async fn async_predicate() {
    check(Kind::AsyncPredicate).await;
}

/// The table reaches every branch of the contract, so that a change to the shapes or to
/// `expect` cannot quietly leave one untested; and the request shapes mean what they say.
#[test]
fn the_table_reaches_every_branch() {
    let kinds = [Kind::List, Kind::Pattern, Kind::Any, Kind::Predicate, Kind::Policy, Kind::AsyncPredicate];
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut count = |what: &'static str| *seen.entry(what).or_default() += 1;
    for combo in kinds.into_iter().flat_map(Combo::all) {
        if combo.is_config_error() {
            count("configuration error");
            continue;
        }
        for inner in [InnerKind::Plain, InnerKind::OwnHeaders] {
            for shape in SHAPES {
                let want = expect(&combo, inner, &shape.request());
                let origin = want.access_control.get(ACAO).map(String::as_str);
                let preflight = shape.method == "OPTIONS";
                count(match (want.status.as_u16(), want.calls, preflight, origin) {
                    (204, 0, true, Some("*")) => "preflight granted *",
                    (204, 0, true, Some("null")) => "preflight granted null",
                    (204, 0, true, Some(_)) => "preflight granted, origin echoed",
                    (200, 1, true, Some(_)) => "preflight granted, passed through",
                    (403, 0, true, None) => "preflight refused",
                    (200, 1, true, None) => "preflight refused, passed through",
                    (403, 0, false, None) => "request blocked",
                    (200, 1, false, Some("*")) => "request granted * (or non-CORS under any origin)",
                    (200, 1, false, Some("null")) => "request granted null",
                    (200, 1, false, Some(APP)) => "request granted, origin echoed",
                    (200, 1, false, Some(INNER_ALLOW_ORIGIN)) => "non-CORS, inner's own grant kept",
                    (200, 1, false, None) => "request refused (or non-CORS), inner answers",
                    _ => panic!("[{combo}] ({}) unexpected expectation {want:?}", shape.id),
                });
                if want.access_control.contains_key(ACAC) {
                    count("credentials granted");
                }
                if want.vary.is_none() {
                    count("no Vary");
                }
            }
        }
    }
    println!("{seen:#?}");
    assert_eq!(seen.len(), 15, "every branch is reached: {seen:#?}");

    // The same-origin shapes, by the model: b, c, and d and s by `Host`.
    for shape in SHAPES.iter().filter(|s| s.headers.iter().any(|(n, v)| *n == "origin" && v.contains("server"))) {
        let request = shape.request();
        let same = fetch_model::is_same_origin(request.headers(), request.uri());
        assert_eq!(same, matches!(shape.id, 'b' | 'c' | 'd' | 's'), "({}) {}", shape.id, shape.what);
    }
}

/// The two new dimensions decide what they say, counted on the inner service's `call`: the
/// guard stops a refused origin's WebSocket handshakes (both forms) without blocking, and the
/// exemption lets exactly the callback's cross-site `POST` through under blocking.
#[tokio::test]
async fn the_upgrade_guard_and_the_exemption_count_calls() {
    let shape = |id: char| SHAPES.iter().find(|s| s.id == id).unwrap();
    let base = Combo {
        kind: Kind::List,
        credentials: false,
        block: false,
        passthrough: false,
        null: false,
        guard: true,
        exempt: false,
    };
    let calls = |combo: Combo, id: char| async move {
        let probe = CheckProbe::default();
        let out = support::send(&combo.layer(&probe), &InnerKind::Plain.service(&probe), shape(id).request()).await;
        (out.status.as_u16(), out.calls)
    };
    for id in ['q', 't'] {
        assert_eq!(calls(base, id).await, (403, 0), "({id}) guarded by default");
        assert_eq!(calls(Combo { guard: false, ..base }, id).await, (200, 1), "({id}) guard off");
        assert_eq!(calls(Combo { guard: false, block: true, ..base }, id).await, (403, 0), "({id}) blocking");
    }
    for id in ['r', 's', 'u'] {
        assert_eq!(calls(base, id).await, (200, 1), "({id}) passes the guard");
    }
    let blocking = Combo { block: true, ..base };
    assert_eq!(calls(blocking, 'v').await, (403, 0), "not exempt");
    assert_eq!(calls(Combo { exempt: true, ..blocking }, 'v').await, (200, 1), "exempt");
    assert_eq!(calls(Combo { exempt: true, ..blocking }, 'h').await, (403, 0), "another path stays blocked");
    assert_eq!(calls(blocking, 'w').await, (403, 0), "cross-site write without Origin");
    assert_eq!(calls(base, 'w').await, (200, 1), "without blocking");
    assert_eq!(calls(Combo { exempt: true, ..blocking }, 'x').await, (200, 1), "exempt, without Origin");
    assert_eq!(calls(blocking, 'y').await, (200, 1), "a cross-site GET is not a write");
}

/// The model's same-origin rule (`fetch_model::is_same_origin`) says what its documentation says,
/// on the spellings a server meets.
#[test]
fn the_models_same_origin_rule() {
    type Case = (&'static str, &'static [(&'static str, &'static str)], bool);
    let cases: &[Case] = &[
        // `Sec-Fetch-Site` decides when present, whatever the URI says.
        (RELATIVE, &[("origin", EVIL), ("sec-fetch-site", "same-origin")], true),
        (ABSOLUTE, &[("origin", SERVER), ("sec-fetch-site", "same-site")], false),
        (ABSOLUTE, &[("origin", SERVER), ("sec-fetch-site", "none")], false),
        // Without it, only an absolute URI names the scheme; `Host` never does.
        // A relative URI leaves `Host`, which names host and port but no scheme: `Origin`'s stands in.
        (RELATIVE, &[("origin", SERVER), HOST], true),
        (RELATIVE, &[("origin", SERVER_HTTP), HOST], true),
        (RELATIVE, &[("origin", SERVER), ("host", "API.Server.test")], true),
        (RELATIVE, &[("origin", SERVER), ("host", "api.server.test:443")], true),
        (RELATIVE, &[("origin", "http://192.168.1.20:8080"), ("host", "192.168.1.20:8080")], true),
        (RELATIVE, &[("origin", "http://[::1]:8080"), ("host", "[::1]:8080")], true),
        (RELATIVE, &[("origin", SERVER), ("host", "api.server.test:8443")], false),
        (RELATIVE, &[("origin", "http://192.168.1.20:8080"), ("host", "192.168.1.20")], false),
        (RELATIVE, &[("origin", SERVER), ("host", "other.server.test")], false),
        (RELATIVE, &[("origin", SERVER), HOST, HOST], false),
        (RELATIVE, &[("origin", SERVER)], false),
        (ABSOLUTE, &[("origin", SERVER)], true),
        ("https://api.server.test:443/items", &[("origin", SERVER)], true),
        ("https://API.Server.test/items", &[("origin", SERVER)], true),
        ("https://api.server.test/items", &[("origin", "https://API.server.test")], true),
        ("https://api.server.test:8443/items", &[("origin", "https://api.server.test:8443")], true),
        ("http://localhost:3000/items", &[("origin", "http://localhost:3000")], true),
        ("https://[2001:db8::1]/items", &[("origin", "https://[2001:db8::1]")], true),
        // Not the serialization of the URI's origin.
        ("https://api.server.test:8443/items", &[("origin", SERVER)], false),
        (ABSOLUTE, &[("origin", "https://api.server.test:443")], false),
        (ABSOLUTE, &[("origin", "https://api.server.test/")], false),
        (ABSOLUTE, &[("origin", SERVER_HTTP)], false),
        ("http://api.server.test/items", &[("origin", SERVER)], false),
        (ABSOLUTE, &[("origin", "null")], false),
        (ABSOLUTE, &[("origin", SERVER), ("origin", SERVER)], false),
        (ABSOLUTE, &[], false),
    ];
    for (uri, headers, same) in cases {
        let request = support::request_to("POST", uri, headers);
        assert_eq!(fetch_model::is_same_origin(request.headers(), request.uri()), *same, "{uri} {headers:?}");
    }
}

/// TESTING.md states how many rows the combinations make: one per configuration error, and one
/// per inner service and request shape for every valid configuration, as [`run`] counts them.
#[test]
fn testing_md_counts_these_rows() {
    let kinds = [Kind::List, Kind::Pattern, Kind::Any, Kind::Predicate, Kind::Policy, Kind::AsyncPredicate];
    let rows: usize = kinds
        .into_iter()
        .flat_map(Combo::all)
        .map(|combo| if combo.is_config_error() { 1 } else { 2 * SHAPES.len() })
        .sum();
    assert_eq!(support::testing_md::figure("Combinations", "rows"), rows);
}
