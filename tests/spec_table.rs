//! The spec table: request cases over many configurations, each tagged with the Fetch Standard
//! rule (<https://fetch.spec.whatwg.org/#http-cors-protocol>) or peer bug it checks, run through the
//! layer with `tower::ServiceExt::oneshot`, asserting the exact status, whether the inner service
//! was called, and the complete set of CORS headers: every `access-control-*` header the response
//! carries is stated by the row with its exact value (a header the row does not state must be
//! absent, so a stray one fails the row), and every row states `Vary`, its exact value or absent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use http::header::{CONTENT_TYPE, HOST};
use http::{HeaderName, HeaderValue, Method, StatusCode};
use support::{request, send, Inner};
use tower_cors::{AllowOrigin, AllowPrivateNetwork, CorsLayer};

const ACAO: &str = "access-control-allow-origin";
const ACAC: &str = "access-control-allow-credentials";
const ACAM: &str = "access-control-allow-methods";
const ACAH: &str = "access-control-allow-headers";
const ACEH: &str = "access-control-expose-headers";
const ACMA: &str = "access-control-max-age";
const ACAPN: &str = "access-control-allow-private-network";
const VARY: &str = "vary";
const ACRM: &str = "access-control-request-method";
const ACRH: &str = "access-control-request-headers";
const ACRPN: &str = "access-control-request-private-network";
const PREFLIGHT_VARY: &str = "origin, access-control-request-method, access-control-request-headers";
/// Under any origin `*` does not echo the origin, so only what the answer still echoes is listed.
const ANY_PREFLIGHT_VARY: &str = "access-control-request-method, access-control-request-headers";

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example.com";
const INTRANET: &str = "https://intranet.example";

fn x_custom() -> HeaderName {
    HeaderName::from_static("x-custom")
}

/// The configurations under test, by name.
fn config(name: &str) -> CorsLayer {
    let list = || CorsLayer::new().allow_origins([APP]);
    match name {
        "list" => {
            list().allow_methods([Method::PUT, Method::DELETE, Method::PATCH]).allow_headers([CONTENT_TYPE, x_custom()])
        }
        "credentials" => list()
            .allow_methods([Method::PUT])
            .allow_headers([CONTENT_TYPE])
            .expose_headers([HeaderName::from_static("x-request-id")])
            .allow_credentials(true)
            .max_age(Duration::from_secs(600)),
        "any" => CorsLayer::new().allow_any_origin().allow_any_method().allow_any_header(),
        "any+authorization" => CorsLayer::new().allow_any_origin().allow_any_header_and_authorization(),
        // A list after "any" replaces it, as every setter does.
        "any-then-list" => CorsLayer::new()
            .allow_any_origin()
            .allow_any_header()
            .allow_headers([CONTENT_TYPE])
            .expose_any_header()
            .expose_headers([HeaderName::from_static("x-request-id")]),
        "patterns" => CorsLayer::new().allow_origins([
            "https://*.example.org",
            "http://localhost:*",
            "https://app.example.com:8443",
        ]),
        "credentials+any" => list().allow_credentials(true).allow_any_method().allow_any_header().expose_any_header(),
        "permissive" => CorsLayer::permissive(),
        "null-opt-in" => list().dangerously_allow_null_origin(true),
        "block" => list().block_disallowed_origins(true),
        "passthrough" => list().allow_methods([Method::PUT]).preflight_passthrough(true),
        "status-200" => list().preflight_status(StatusCode::OK),
        "private-network" => list().allow_private_network(true),
        // `*` for every origin, but the private network answer depends on the origin.
        "any+private-network-predicate" => CorsLayer::new()
            .allow_any_origin()
            .allow_private_network(AllowPrivateNetwork::predicate(|origin, _| origin == INTRANET)),
        "predicate" => CorsLayer::new().allow_origin(
            AllowOrigin::predicate(|origin: &HeaderValue, _| origin.as_bytes().ends_with(b".tenant.example"))
                .vary([HOST]),
        ),
        "trait-policy" => CorsLayer::new().allow_origin(AllowOrigin::policy(ByTenantHeader)),
        "predicate-all" => CorsLayer::new().allow_origin(AllowOrigin::predicate(|_: &HeaderValue, _| true)),
        "async" => CorsLayer::new().allow_origin(async_app()),
        "async+block" => CorsLayer::new().allow_origin(async_app()).block_disallowed_origins(true),
        "async+passthrough" => {
            CorsLayer::new().allow_origin(async_app()).allow_methods([Method::PUT]).preflight_passthrough(true)
        }
        "expose-list" => list().expose_headers([HeaderName::from_static("x-request-id")]),
        "expose-any" => list().expose_any_header(),
        "max-age" => CorsLayer::new().allow_any_origin().max_age(Duration::from_secs(7200)),
        other => panic!("no configuration named {other}"),
    }
}

/// A custom policy that reads a request header besides `Origin`, and says so.
struct ByTenantHeader;

impl tower_cors::OriginPolicy for ByTenantHeader {
    fn is_allowed(&self, origin: &HeaderValue, request: &http::request::Parts) -> bool {
        let tenant = request.headers.get("x-tenant").map(HeaderValue::as_bytes).unwrap_or_default();
        !tenant.is_empty() && origin.as_bytes().strip_prefix(b"https://").is_some_and(|rest| rest.starts_with(tenant))
    }

    fn vary(&self) -> Vec<HeaderName> {
        vec![HeaderName::from_static("x-tenant")]
    }
}

fn async_app() -> AllowOrigin {
    AllowOrigin::async_predicate(|origin: HeaderValue, _: &http::request::Parts| async move {
        tokio::task::yield_now().await;
        origin == APP
    })
}

/// One row of the table.
struct Case {
    tag: &'static str,
    config: &'static str,
    method: &'static str,
    headers: Vec<(&'static str, String)>,
    inner: Inner,
    status: u16,
    called: bool,
    want: Vec<(&'static str, Option<&'static str>)>,
    no_grant: bool,
}

fn case(tag: &'static str, config: &'static str, method: &'static str, headers: &[(&'static str, &str)]) -> Case {
    Case {
        tag,
        config,
        method,
        headers: headers.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        inner: Inner::ok(),
        status: 200,
        called: true,
        want: Vec::new(),
        no_grant: false,
    }
}

/// A preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`, plus more headers.
fn preflight(
    tag: &'static str,
    config: &'static str,
    origin: &str,
    method: &str,
    more: &[(&'static str, &str)],
) -> Case {
    let mut headers = vec![("origin", origin), (ACRM, method)];
    headers.extend_from_slice(more);
    case(tag, config, "OPTIONS", &headers).status(204).not_called()
}

/// A refused preflight: 403, no grant header at all, inner service not called.
fn refused_preflight(
    tag: &'static str,
    config: &'static str,
    origin: &str,
    method: &str,
    more: &[(&'static str, &str)],
) -> Case {
    preflight(tag, config, origin, method, more).status(403).no_grant().has(VARY, PREFLIGHT_VARY)
}

fn get(tag: &'static str, config: &'static str, origin: &str) -> Case {
    case(tag, config, "GET", &[("origin", origin)])
}

impl Case {
    fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
    fn not_called(mut self) -> Self {
        self.called = false;
        self
    }
    fn called(mut self) -> Self {
        self.called = true;
        self
    }
    /// Expects `name` to be exactly `value`, replacing an earlier expectation for it.
    fn has(mut self, name: &'static str, value: &'static str) -> Self {
        self.want.retain(|(n, _)| *n != name);
        self.want.push((name, Some(value)));
        self
    }
    fn lacks(mut self, name: &'static str) -> Self {
        self.want.push((name, None));
        self
    }
    fn no_grant(mut self) -> Self {
        self.no_grant = true;
        self
    }
    fn inner_header(mut self, name: &'static str, value: &'static str) -> Self {
        self.inner = self.inner.with_header(name, value);
        self
    }
    fn inner_status(mut self, status: StatusCode) -> Self {
        self.inner.status = status;
        self
    }
    /// The grant of an allowed actual request without credentials.
    fn granted(self, origin: &'static str) -> Self {
        self.has(ACAO, origin).lacks(ACAC).has(VARY, "origin")
    }
    /// Any origin's one static answer, the same with or without `Origin`: `*` and no `Vary`, so
    /// a shared cache keeps one copy for every origin (`#cors-protocol-and-http-caches`).
    fn any_granted(self) -> Self {
        self.has(ACAO, "*").lacks(ACAC).lacks(VARY)
    }
    /// An actual request that reaches the inner service and gets no grant.
    fn withheld(self) -> Self {
        self.no_grant().has(VARY, "origin")
    }
}

fn cases() -> Vec<Case> {
    let long_origin = format!("https://{}.example.com", "a".repeat(600));
    let many_commas = format!("{}content-type", ",".repeat(17));
    let some_commas = format!("{}content-type", ",".repeat(15));
    let huge_acrh = format!("content-type,{}", "x-custom,".repeat(600));
    let long_origin: &'static str = Box::leak(long_origin.into_boxed_str());
    let many_commas: &'static str = Box::leak(many_commas.into_boxed_str());
    let some_commas: &'static str = Box::leak(some_commas.into_boxed_str());
    let huge_acrh: &'static str = Box::leak(huge_acrh.into_boxed_str());
    let pnav =
        "origin, access-control-request-method, access-control-request-headers, access-control-request-private-network";

    vec![
        // ---- "list": one exact origin, PUT/DELETE/PATCH, content-type and x-custom ----
        case("#http-requests: no Origin is not a CORS request", "list", "GET", &[]).withheld(),
        case("#http-requests: OPTIONS+ACRM without Origin is not a preflight", "list", "OPTIONS", &[(ACRM, "PUT")])
            .withheld(),
        get("#cors-check: allowed origin echoed byte for byte", "list", APP).granted(APP).lacks(ACEH),
        // `#cors-protocol-and-credentials`: the policy decides credentials, not the app, whose own
        // `true` would let a credentialed fetch read a response the policy grants without them.
        get("the app's own ACAC true removed without credentials", "list", APP)
            .inner_header(ACAC, "true")
            .granted(APP)
            .lacks(ACEH),
        get("#cors-check: disallowed origin gets no grant", "list", EVIL).withheld(),
        get("#cors-check: trailing slash never matches", "list", "https://app.example.com/").withheld(),
        get("#cors-check: case differs, no match", "list", "https://APP.example.com").withheld(),
        get("#cors-check: explicit default port, no match", "list", "https://app.example.com:443").withheld(),
        get("#cors-check: other scheme, no match", "list", "http://app.example.com").withheld(),
        get("#cors-check: trailing dot, no match", "list", "https://app.example.com.").withheld(),
        get("#cors-check: path, no match", "list", "https://app.example.com/path").withheld(),
        get("#cors-check: userinfo, no match", "list", "https://u@app.example.com").withheld(),
        get("#origin-header: empty Origin refused", "list", "").withheld(),
        get("#origin-header: null refused without opt-in", "list", "null").withheld(),
        get("#origin-header: non-ASCII Origin refused", "list", "https://äpp.example.com").withheld(),
        get("#origin-header: over-long Origin refused", "list", long_origin).withheld(),
        case("#origin-header: two Origin lines refused", "list", "GET", &[("origin", APP), ("origin", APP)]).withheld(),
        case("#cors-check: POST from allowed origin", "list", "POST", &[("origin", APP)]).granted(APP),
        case("#cors-check: HEAD from allowed origin", "list", "HEAD", &[("origin", APP)]).granted(APP),
        case("#cors-check: actual PUT is granted (methods gate preflights only)", "list", "PUT", &[("origin", APP)])
            .granted(APP),
        case("#cors-check: actual DELETE granted", "list", "DELETE", &[("origin", APP)]).granted(APP),
        case("tower-http#497: OPTIONS without ACRM reaches the app", "list", "OPTIONS", &[("origin", APP)])
            .granted(APP)
            .lacks(ACAM),
        case("#http-requests: POST with ACRM is an actual request", "list", "POST", &[("origin", APP), (ACRM, "PUT")])
            .granted(APP)
            .lacks(ACAM),
        preflight("#cors-preflight-fetch: PUT granted, method echoed", "list", APP, "PUT", &[])
            .has(ACAO, APP)
            .has(ACAM, "PUT")
            .lacks(ACAH)
            .lacks(ACMA)
            .lacks(ACAC)
            .has(VARY, PREFLIGHT_VARY),
        preflight("#cors-preflight-fetch: requested header echoed", "list", APP, "PUT", &[(ACRH, "content-type")])
            .has(ACAH, "content-type")
            .has(ACAM, "PUT")
            .has(ACAO, APP)
            .has(VARY, PREFLIGHT_VARY),
        preflight("#cors-preflight-fetch: two headers echoed", "list", APP, "PUT", &[(ACRH, "content-type,x-custom")])
            .has(ACAH, "content-type,x-custom")
            .has(ACAO, APP)
            .has(ACAM, "PUT")
            .has(VARY, PREFLIGHT_VARY),
        preflight(
            "#cors-unsafe-request-header-names: names compare case-insensitively",
            "list",
            APP,
            "PUT",
            &[(ACRH, "X-Custom")],
        )
        .has(ACAH, "X-Custom")
        .has(ACAO, APP)
        .has(ACAM, "PUT")
        .has(VARY, PREFLIGHT_VARY),
        preflight(
            "RFC 9110 lists: optional whitespace tolerated",
            "list",
            APP,
            "PUT",
            &[(ACRH, "content-type , x-custom")],
        )
        .has(ACAH, "content-type , x-custom")
        .has(ACAO, APP)
        .has(ACAM, "PUT")
        .has(VARY, PREFLIGHT_VARY),
        preflight("RFC 9110 lists: tabs tolerated", "list", APP, "PUT", &[(ACRH, "\tcontent-type\t")])
            .has(ACAH, "\tcontent-type\t")
            .has(ACAO, APP)
            .has(ACAM, "PUT")
            .has(VARY, PREFLIGHT_VARY),
        preflight(
            "RFC 9110 lists: split over two lines, joined",
            "list",
            APP,
            "PUT",
            &[(ACRH, "content-type"), (ACRH, " X-Custom")],
        )
        .has(ACAH, "content-type,x-custom")
        .has(ACAO, APP)
        .has(ACAM, "PUT")
        .has(VARY, PREFLIGHT_VARY),
        preflight("RFC 9110 lists: empty value requests nothing", "list", APP, "PUT", &[(ACRH, "")])
            .lacks(ACAH)
            .has(ACAO, APP)
            .has(ACAM, "PUT")
            .has(VARY, PREFLIGHT_VARY),
        preflight("RFC 9110 lists: a few empty elements tolerated", "list", APP, "PUT", &[(ACRH, some_commas)])
            .has(ACAH, some_commas)
            .has(ACAO, APP)
            .has(ACAM, "PUT")
            .has(VARY, PREFLIGHT_VARY),
        refused_preflight("junk bound: 17 empty elements refused", "list", APP, "PUT", &[(ACRH, many_commas)]),
        refused_preflight(
            "junk bound: over 4 KiB of request headers refused",
            "list",
            APP,
            "PUT",
            &[(ACRH, huge_acrh)],
        ),
        refused_preflight(
            "#cors-preflight-fetch: unlisted header refused",
            "list",
            APP,
            "PUT",
            &[(ACRH, "content-type,x-other")],
        ),
        refused_preflight(
            "#cors-non-wildcard-request-header-name: unlisted authorization",
            "list",
            APP,
            "PUT",
            &[(ACRH, "authorization")],
        ),
        refused_preflight(
            "#cors-safelisted-request-header: listed names must be allowed",
            "list",
            APP,
            "PUT",
            &[(ACRH, "accept,content-type")],
        ),
        refused_preflight("RFC 9110 token: malformed name refused", "list", APP, "PUT", &[(ACRH, "content-type;x")]),
        preflight("#cors-preflight-fetch: DELETE echoed", "list", APP, "DELETE", &[])
            .has(ACAM, "DELETE")
            .has(ACAO, APP)
            .has(VARY, PREFLIGHT_VARY),
        preflight("#concept-method-normalize: PATCH echoed", "list", APP, "PATCH", &[])
            .has(ACAM, "PATCH")
            .has(ACAO, APP)
            .has(VARY, PREFLIGHT_VARY),
        refused_preflight("#concept-method-normalize: patch is not PATCH", "list", APP, "patch", &[]),
        preflight("#cors-safelisted-method: POST needs no ACAM", "list", APP, "POST", &[(ACRH, "x-custom")])
            .lacks(ACAM)
            .has(ACAH, "x-custom")
            .has(ACAO, APP)
            .has(VARY, PREFLIGHT_VARY),
        preflight("#cors-safelisted-method: GET needs no ACAM", "list", APP, "GET", &[(ACRH, "content-type")])
            .lacks(ACAM)
            .has(ACAH, "content-type")
            .has(ACAO, APP)
            .has(VARY, PREFLIGHT_VARY),
        refused_preflight("#forbidden-method: CONNECT refused", "list", APP, "CONNECT", &[]),
        refused_preflight("#forbidden-method: TRACE refused", "list", APP, "TRACE", &[]),
        refused_preflight("#cors-preflight-fetch: unlisted method refused", "list", APP, "PROPFIND", &[]),
        refused_preflight("#cors-preflight-fetch: empty ACRM refused", "list", APP, "", &[]),
        refused_preflight("#cors-preflight-fetch: two ACRM lines refused", "list", APP, "PUT", &[(ACRM, "PUT")]),
        refused_preflight("#cors-preflight-fetch: ACRM not a token refused", "list", APP, "PU T", &[]),
        refused_preflight("#cors-check: preflight from disallowed origin", "list", EVIL, "PUT", &[]),
        refused_preflight("#origin-header: preflight from null", "list", "null", "PUT", &[]),
        case(
            "#origin-header: preflight with two Origin lines",
            "list",
            "OPTIONS",
            &[("origin", APP), ("origin", APP), (ACRM, "PUT")],
        )
        .status(403)
        .not_called()
        .no_grant()
        .has(VARY, PREFLIGHT_VARY),
        preflight("PNA: not configured, no grant", "list", APP, "PUT", &[(ACRPN, "true")])
            .lacks(ACAPN)
            .has(ACAO, APP)
            .has(ACAM, "PUT")
            .has(VARY, PREFLIGHT_VARY),
        get("#ok-status: a 404 gets the same grant", "list", APP)
            .inner_status(StatusCode::NOT_FOUND)
            .status(404)
            .granted(APP),
        get("#ok-status: a 500 gets the same grant", "list", APP)
            .inner_status(StatusCode::INTERNAL_SERVER_ERROR)
            .status(500)
            .granted(APP),
        get("#cors-protocol-and-http-caches: Vary merged", "list", APP)
            .inner_header("vary", "accept-encoding")
            .has(VARY, "accept-encoding, origin")
            .has(ACAO, APP),
        get("#cors-protocol-and-http-caches: Vary * left alone", "list", APP)
            .inner_header("vary", "*")
            .has(VARY, "*")
            .has(ACAO, APP),
        get("#cors-protocol-and-http-caches: Vary not duplicated", "list", APP)
            .inner_header("vary", "Origin")
            .has(VARY, "Origin")
            .has(ACAO, APP),
        get("#cors-protocol-and-http-caches: Vary lines collapsed", "list", APP)
            .inner_header("vary", "accept")
            .inner_header("vary", "accept-encoding")
            .has(VARY, "accept, accept-encoding, origin")
            .has(ACAO, APP),
        get("#cors-protocol-and-http-caches: Vary with origin kept as is", "list", APP)
            .inner_header("vary", "origin, accept")
            .has(VARY, "origin, accept")
            .has(ACAO, APP),
        case("#cors-protocol-and-http-caches: non-CORS Vary merged", "list", "GET", &[])
            .inner_header("vary", "accept-encoding")
            .has(VARY, "accept-encoding, origin")
            .lacks(ACAO),
        get("one ACAO: the inner service's own ACAO replaced", "list", APP).inner_header(ACAO, "*").granted(APP),
        get("one ACAO: the inner service's ACAO removed on refusal", "list", EVIL).inner_header(ACAO, "*").withheld(),
        // ---- "credentials": one origin, credentials, exposed x-request-id, max age 600 ----
        get("#cors-protocol-and-credentials: ACAC true on grant", "credentials", APP)
            .has(ACAO, APP)
            .has(ACAC, "true")
            .has(ACEH, "x-request-id")
            .has(VARY, "origin"),
        get("#cors-protocol-and-credentials: nothing for disallowed origin", "credentials", EVIL).withheld(),
        case("#cors-protocol-and-credentials: nothing without Origin", "credentials", "GET", &[]).withheld(),
        preflight("#http-access-control-max-age: max age on a granted preflight", "credentials", APP, "PUT", &[])
            .has(ACAO, APP)
            .has(ACAC, "true")
            .has(ACAM, "PUT")
            .has(ACMA, "600")
            .has(VARY, PREFLIGHT_VARY),
        preflight(
            "#cors-protocol-and-credentials: headers echoed, never *",
            "credentials",
            APP,
            "PUT",
            &[(ACRH, "content-type")],
        )
        .has(ACAH, "content-type")
        .has(ACAO, APP)
        .has(ACAC, "true")
        .has(ACAM, "PUT")
        .has(ACMA, "600")
        .has(VARY, PREFLIGHT_VARY),
        refused_preflight("#http-access-control-max-age: no max age on refusal", "credentials", EVIL, "PUT", &[]),
        refused_preflight("#cors-preflight-fetch: method refused with credentials", "credentials", APP, "DELETE", &[]),
        get("ACEH merged with the inner service's", "credentials", APP)
            .inner_header(ACEH, "x-trace")
            .has(ACEH, "x-trace, x-request-id")
            .has(ACAO, APP)
            .has(ACAC, "true")
            .has(VARY, "origin"),
        get("ACEH not duplicated", "credentials", APP)
            .inner_header(ACEH, "X-Request-Id")
            .has(ACEH, "X-Request-Id")
            .has(ACAO, APP)
            .has(ACAC, "true")
            .has(VARY, "origin"),
        get("one ACAC: inner's false replaced", "credentials", APP)
            .inner_header(ACAC, "false")
            .has(ACAC, "true")
            .has(ACAO, APP)
            .has(ACEH, "x-request-id")
            .has(VARY, "origin"),
        case("#cors-protocol-and-credentials: HEAD granted", "credentials", "HEAD", &[("origin", APP)])
            .has(ACAC, "true")
            .has(ACAO, APP)
            .has(ACEH, "x-request-id")
            .has(VARY, "origin"),
        // ---- "any": any origin, method and header ----
        get("#cors-check: * for any origin", "any", APP).any_granted(),
        get("#cors-check: * for an unknown origin", "any", EVIL).any_granted(),
        get("#origin-header: null gets * under any origin", "any", "null").any_granted(),
        // `*` is one answer for every origin, so the value is not read; a browser never sends
        // a malformed one, and `*` grants it nothing another origin would not get.
        get("#cors-check: * does not read the Origin, malformed or not", "any", "not an origin").any_granted(),
        case("#cors-protocol-and-http-caches: * without Origin too, and no Vary", "any", "GET", &[]).any_granted(),
        get("the app's own ACAC true removed under *", "any", APP).inner_header(ACAC, "true").any_granted(),
        case("#cors-protocol-and-http-caches: the app's Vary is kept as it is", "any", "GET", &[])
            .inner_header(VARY, "accept-encoding")
            .any_granted()
            .has(VARY, "accept-encoding"),
        // Not read under `*`, however many lines: the answer is the same for every request.
        case("#origin-header: two Origin lines under *", "any", "GET", &[("origin", APP), ("origin", EVIL)])
            .any_granted(),
        case(
            "two Origin lines under * still refuse a preflight",
            "any",
            "OPTIONS",
            &[("origin", APP), ("origin", EVIL), (ACRM, "PUT")],
        )
        .status(403)
        .not_called()
        .no_grant()
        .has(VARY, ANY_PREFLIGHT_VARY),
        preflight(
            "#cors-protocol-and-credentials: * for headers without credentials",
            "any",
            APP,
            "PATCH",
            &[(ACRH, "x-foo")],
        )
        .has(ACAO, "*")
        .has(ACAM, "PATCH")
        .has(ACAH, "*")
        .has(VARY, ANY_PREFLIGHT_VARY),
        preflight("#concept-method-normalize: any method echoes lower case", "any", APP, "patch", &[])
            .has(ACAM, "patch")
            .has(ACAO, "*")
            .has(VARY, ANY_PREFLIGHT_VARY),
        preflight("#origin-header: null preflight under *", "any", "null", "PUT", &[])
            .has(ACAO, "*")
            .has(ACAM, "PUT")
            .has(VARY, ANY_PREFLIGHT_VARY),
        preflight("#cors-preflight-fetch: no ACAH when none requested", "any", APP, "PUT", &[])
            .lacks(ACAH)
            .has(VARY, ANY_PREFLIGHT_VARY)
            .has(ACAO, "*")
            .has(ACAM, "PUT"),
        refused_preflight(
            "#cors-non-wildcard-request-header-name: * never covers authorization",
            "any",
            APP,
            "PUT",
            &[(ACRH, "authorization")],
        )
        .has(VARY, ANY_PREFLIGHT_VARY),
        refused_preflight(
            "#cors-non-wildcard-request-header-name: nor in a list",
            "any",
            APP,
            "PUT",
            &[(ACRH, "x-a,authorization")],
        )
        .has(VARY, ANY_PREFLIGHT_VARY),
        refused_preflight("#forbidden-method: CONNECT refused under any method", "any", APP, "CONNECT", &[])
            .has(VARY, ANY_PREFLIGHT_VARY),
        refused_preflight("#forbidden-method: TRACK refused under any method", "any", APP, "track", &[])
            .has(VARY, ANY_PREFLIGHT_VARY),
        // ---- "any+authorization" ----
        preflight(
            "#cors-non-wildcard-request-header-name: listed authorization",
            "any+authorization",
            APP,
            "POST",
            &[(ACRH, "authorization")],
        )
        .has(ACAH, "*,authorization")
        .has(ACAO, "*")
        .has(VARY, ANY_PREFLIGHT_VARY),
        preflight(
            "#cors-non-wildcard-request-header-name: any plus authorization",
            "any+authorization",
            APP,
            "POST",
            &[(ACRH, "Authorization,x-a")],
        )
        .has(ACAH, "*,authorization")
        .has(ACAO, "*")
        .has(VARY, ANY_PREFLIGHT_VARY),
        // ---- "any-then-list" ----
        refused_preflight("a list after any header narrows it", "any-then-list", APP, "POST", &[(ACRH, "x-foo")])
            .has(VARY, ANY_PREFLIGHT_VARY),
        preflight(
            "the list after any header is what is granted",
            "any-then-list",
            APP,
            "POST",
            &[(ACRH, "content-type")],
        )
        .has(ACAH, "content-type")
        .has(ACAO, "*")
        .has(VARY, ANY_PREFLIGHT_VARY),
        get("a list after expose any header narrows it", "any-then-list", APP)
            .inner_header("x-secret", "1")
            .any_granted()
            .has(ACEH, "x-request-id"),
        // ---- "patterns" ----
        get("pattern *.: one label", "patterns", "https://a.example.org").granted("https://a.example.org"),
        get("pattern *.: two labels", "patterns", "https://a.b.example.org").granted("https://a.b.example.org"),
        get("pattern *.: never the apex", "patterns", "https://example.org").withheld(),
        get("pattern *.: whole labels only", "patterns", "https://evilexample.org").withheld(),
        get("pattern *.: suffix of the host only", "patterns", "https://example.org.evil.net").withheld(),
        get("pattern *.: scheme must match", "patterns", "http://a.example.org").withheld(),
        get("pattern *.: default port only", "patterns", "https://a.example.org:8443").withheld(),
        get("pattern *.: empty label refused", "patterns", "https://.example.org").withheld(),
        get("pattern *.: empty inner label refused", "patterns", "https://a..example.org").withheld(),
        get("pattern *.: upper case refused", "patterns", "https://A.example.org").withheld(),
        get("pattern :*: default port", "patterns", "http://localhost").granted("http://localhost"),
        get("pattern :*: any port", "patterns", "http://localhost:3000").granted("http://localhost:3000"),
        get("pattern :*: explicit default port is not a browser origin", "patterns", "http://localhost:80").withheld(),
        get("pattern :*: scheme must match", "patterns", "https://localhost:3000").withheld(),
        get("pattern :*: host must match", "patterns", "http://a.localhost:3000").withheld(),
        get("exact origin with port", "patterns", "https://app.example.com:8443")
            .granted("https://app.example.com:8443"),
        get("exact origin with port: other port", "patterns", "https://app.example.com").withheld(),
        preflight("pattern preflight: safelisted method", "patterns", "https://x.example.org", "POST", &[])
            .has(ACAO, "https://x.example.org")
            .lacks(ACAM)
            .has(VARY, PREFLIGHT_VARY),
        refused_preflight("pattern preflight: method not allowed", "patterns", "https://x.example.org", "PUT", &[]),
        // ---- "credentials+any": credentials with any method, header, exposed header ----
        preflight(
            "#cors-protocol-and-credentials: method echoed, never *",
            "credentials+any",
            APP,
            "PATCH",
            &[(ACRH, "x-a,x-b")],
        )
        .has(ACAM, "PATCH")
        .has(ACAH, "x-a,x-b")
        .has(ACAC, "true")
        .has(ACAO, APP)
        .has(VARY, PREFLIGHT_VARY),
        preflight(
            "#cors-protocol-and-credentials: split lines joined",
            "credentials+any",
            APP,
            "PUT",
            &[(ACRH, "x-a"), (ACRH, "x-b")],
        )
        .has(ACAH, "x-a,x-b")
        .has(ACAO, APP)
        .has(ACAC, "true")
        .has(ACAM, "PUT")
        .has(VARY, PREFLIGHT_VARY),
        refused_preflight(
            "#cors-non-wildcard-request-header-name: with credentials too",
            "credentials+any",
            APP,
            "PUT",
            &[(ACRH, "authorization")],
        ),
        get("#cors-protocol-and-credentials: exposed names listed, not *", "credentials+any", APP)
            .inner_header("x-trace", "1")
            .inner_header("content-type", "text/plain")
            .inner_header("set-cookie", "a=b")
            .has(ACEH, "x-trace")
            .has(ACAC, "true")
            .has(ACAO, APP)
            .has(VARY, "origin"),
        get("#cors-safelisted-response-header-name: nothing to expose", "credentials+any", APP)
            .inner_header("content-type", "text/plain")
            .lacks(ACEH)
            .has(ACAO, APP)
            .has(ACAC, "true")
            .has(VARY, "origin"),
        get("#cors-protocol-and-credentials: several names", "credentials+any", APP)
            .inner_header("x-a", "1")
            .inner_header("x-b", "2")
            .has(ACEH, "x-a, x-b")
            .has(ACAO, APP)
            .has(ACAC, "true")
            .has(VARY, "origin"),
        // ---- "permissive" ----
        get("permissive: * and exposed *", "permissive", APP).any_granted().has(ACEH, "*"),
        case("permissive: the same without Origin", "permissive", "GET", &[]).any_granted().has(ACEH, "*"),
        preflight("permissive: preflight", "permissive", APP, "DELETE", &[(ACRH, "x-a")])
            .has(ACAO, "*")
            .has(ACAM, "DELETE")
            .has(ACAH, "*")
            .lacks(ACAC)
            .has(VARY, ANY_PREFLIGHT_VARY),
        // ---- "null-opt-in" ----
        get("#origin-header: null granted only by explicit opt-in", "null-opt-in", "null").granted("null"),
        preflight("#origin-header: null preflight with opt-in", "null-opt-in", "null", "POST", &[])
            .has(ACAO, "null")
            .has(VARY, PREFLIGHT_VARY),
        get("null opt-in keeps the list", "null-opt-in", APP).granted(APP),
        get("null opt-in refuses others", "null-opt-in", EVIL).withheld(),
        // ---- "block" ----
        get("block: disallowed origin answered 403", "block", EVIL).status(403).not_called().withheld(),
        get("block: allowed origin reaches the app", "block", APP).granted(APP),
        case("block: non-CORS reaches the app", "block", "GET", &[]).withheld(),
        case(
            "block: same-origin by Sec-Fetch-Site",
            "block",
            "POST",
            &[("origin", "https://api.example.com"), ("sec-fetch-site", "same-origin")],
        )
        .withheld(),
        // Without `Sec-Fetch-Site` (a plain-http site on a LAN address or host name, where
        // browsers send none), `Origin`'s host and port against `Host`, default ports folded by
        // `Origin`'s scheme, as Go's `CrossOriginProtection` compares them.
        case(
            "block: Origin's host and port equal Host (no Sec-Fetch-Site)",
            "block",
            "POST",
            &[("origin", "http://api.example.com"), ("host", "api.example.com")],
        )
        .status(200)
        .called()
        .withheld(),
        case(
            "block: Host with the default port spelled out",
            "block",
            "POST",
            &[("origin", "https://api.example.com"), ("host", "api.example.com:443")],
        )
        .status(200)
        .called()
        .withheld(),
        case(
            "block: Host with the other scheme's default port",
            "block",
            "POST",
            &[("origin", "https://api.example.com"), ("host", "api.example.com:80")],
        )
        .status(403)
        .not_called()
        .withheld(),
        case(
            "block: other host is cross-origin",
            "block",
            "POST",
            &[("origin", "https://api.example.com"), ("host", "other.example.com")],
        )
        .status(403)
        .not_called()
        .withheld(),
        case(
            "block: cross-site Sec-Fetch-Site blocked",
            "block",
            "POST",
            &[("origin", EVIL), ("sec-fetch-site", "cross-site")],
        )
        .status(403)
        .not_called()
        .withheld(),
        case("block: two Origin lines blocked", "block", "GET", &[("origin", APP), ("origin", APP)])
            .status(403)
            .not_called()
            .withheld(),
        // ---- "passthrough" ----
        preflight("passthrough: granted preflight reaches the app", "passthrough", APP, "PUT", &[])
            .called()
            .status(200)
            .has(ACAO, APP)
            .has(ACAM, "PUT")
            .has(VARY, PREFLIGHT_VARY),
        preflight("passthrough: refused preflight reaches the app without grant", "passthrough", EVIL, "PUT", &[])
            .called()
            .status(200)
            .no_grant()
            .has(VARY, PREFLIGHT_VARY),
        preflight("passthrough: the app's own grant removed on refusal", "passthrough", EVIL, "PUT", &[])
            .inner_header(ACAO, "*")
            .inner_header(ACAM, "PUT")
            .called()
            .status(200)
            .no_grant()
            .has(VARY, PREFLIGHT_VARY),
        preflight("passthrough: the app's status kept", "passthrough", APP, "PUT", &[])
            .inner_status(StatusCode::NO_CONTENT)
            .called()
            .has(ACAO, APP)
            .has(ACAM, "PUT")
            .has(VARY, PREFLIGHT_VARY),
        // ---- "status-200" ----
        preflight("#ok-status: configured 200 for old clients", "status-200", APP, "POST", &[])
            .status(200)
            .has(ACAO, APP)
            .has(VARY, PREFLIGHT_VARY),
        refused_preflight("#ok-status: refusal still 403", "status-200", EVIL, "POST", &[]),
        // ---- "private-network" ----
        preflight("PNA: granted when asked", "private-network", APP, "POST", &[(ACRPN, "true")])
            .has(ACAPN, "true")
            .has(VARY, pnav)
            .has(ACAO, APP),
        preflight("PNA: not sent when not asked", "private-network", APP, "POST", &[])
            .lacks(ACAPN)
            .has(VARY, pnav)
            .has(ACAO, APP),
        preflight("PNA: only for the value true", "private-network", APP, "POST", &[(ACRPN, "false")])
            .lacks(ACAPN)
            .has(ACAO, APP)
            .has(VARY, pnav),
        refused_preflight("PNA: refused origin learns nothing", "private-network", EVIL, "POST", &[(ACRPN, "true")])
            .has(VARY, pnav),
        // ---- "any+private-network-predicate" ----
        // `#cors-protocol-and-http-caches`: the answer depends on `Origin`, so it varies on it,
        // under `*` too; a cache would otherwise serve one origin's answer to another.
        preflight(
            "PNA predicate under *: granted, varies on Origin",
            "any+private-network-predicate",
            INTRANET,
            "POST",
            &[(ACRPN, "true")],
        )
        .has(ACAO, "*")
        .has(ACAPN, "true")
        .has(VARY, pnav),
        preflight(
            "PNA predicate under *: withheld, varies on Origin",
            "any+private-network-predicate",
            EVIL,
            "POST",
            &[(ACRPN, "true")],
        )
        .has(ACAO, "*")
        .has(VARY, pnav),
        get("PNA predicate under *: actual responses do not vary", "any+private-network-predicate", EVIL).any_granted(),
        // ---- "predicate" ----
        get("custom policy: allowed", "predicate", "https://acme.tenant.example")
            .has(ACAO, "https://acme.tenant.example")
            .has(VARY, "origin, host"),
        get("custom policy: refused", "predicate", "https://tenant.example").no_grant().has(VARY, "origin, host"),
        case("custom policy: its Vary on non-CORS responses", "predicate", "GET", &[])
            .no_grant()
            .has(VARY, "origin, host"),
        preflight("custom policy: preflight", "predicate", "https://acme.tenant.example", "POST", &[])
            .has(ACAO, "https://acme.tenant.example")
            .has(VARY, "origin, host, access-control-request-method, access-control-request-headers"),
        // ---- "trait-policy": an OriginPolicy whose answer depends on x-tenant too ----
        case(
            "custom trait policy: allowed by the header it reads",
            "trait-policy",
            "GET",
            &[("origin", "https://acme.example"), ("x-tenant", "acme")],
        )
        .has(ACAO, "https://acme.example")
        .has(VARY, "origin, x-tenant"),
        case(
            "custom trait policy: refused for another tenant",
            "trait-policy",
            "GET",
            &[("origin", "https://acme.example"), ("x-tenant", "other")],
        )
        .no_grant()
        .has(VARY, "origin, x-tenant"),
        case("custom trait policy: its Vary on non-CORS responses", "trait-policy", "GET", &[])
            .no_grant()
            .has(VARY, "origin, x-tenant"),
        // ---- "predicate-all" ----
        get("#origin-header: null never reaches a custom policy", "predicate-all", "null").withheld(),
        get("custom policy: any well-formed origin", "predicate-all", EVIL).granted(EVIL),
        get("custom policy: malformed Origin never reaches it", "predicate-all", "").withheld(),
        // ---- "async" ----
        get("async policy: allowed", "async", APP).granted(APP),
        get("async policy: refused", "async", EVIL).withheld(),
        get("async policy: null never reaches it", "async", "null").withheld(),
        preflight("async policy: preflight granted", "async", APP, "POST", &[])
            .has(ACAO, APP)
            .has(VARY, PREFLIGHT_VARY),
        refused_preflight("async policy: preflight refused", "async", EVIL, "POST", &[]),
        refused_preflight("async policy: bad method refused before the lookup", "async", APP, "PUT", &[]),
        get("async policy + block: refused, app never runs", "async+block", EVIL).status(403).not_called().withheld(),
        get("async policy + block: allowed", "async+block", APP).granted(APP),
        preflight("async policy + passthrough: granted", "async+passthrough", APP, "PUT", &[])
            .called()
            .status(200)
            .has(ACAO, APP)
            .has(ACAM, "PUT")
            .has(VARY, PREFLIGHT_VARY),
        preflight("async policy + passthrough: refused", "async+passthrough", EVIL, "PUT", &[])
            .called()
            .status(200)
            .no_grant()
            .has(VARY, PREFLIGHT_VARY),
        // ---- "expose-list" ----
        get("ACEH: configured list", "expose-list", APP).has(ACEH, "x-request-id").has(ACAO, APP).has(VARY, "origin"),
        get("ACEH: merged with the app's", "expose-list", APP)
            .inner_header(ACEH, "x-own")
            .has(ACEH, "x-own, x-request-id")
            .has(ACAO, APP)
            .has(VARY, "origin"),
        get("ACEH: the app's lines collapsed", "expose-list", APP)
            .inner_header(ACEH, "x-a")
            .inner_header(ACEH, "x-b")
            .has(ACEH, "x-a, x-b, x-request-id")
            .has(ACAO, APP)
            .has(VARY, "origin"),
        get("ACEH: removed on refusal", "expose-list", EVIL).inner_header(ACEH, "x-own").withheld(),
        case("ACEH: not added without Origin", "expose-list", "GET", &[]).lacks(ACEH).has(VARY, "origin"),
        // ---- "expose-any" ----
        get("ACEH: * without credentials", "expose-any", APP).has(ACEH, "*").has(ACAO, APP).has(VARY, "origin"),
        get("ACEH: * replaces the app's list", "expose-any", APP)
            .inner_header(ACEH, "x-own")
            .has(ACEH, "*")
            .has(ACAO, APP)
            .has(VARY, "origin"),
        // ---- "max-age" ----
        preflight("#http-access-control-max-age: Chromium's cap", "max-age", APP, "POST", &[])
            .has(ACMA, "7200")
            .has(ACAO, "*")
            .has(VARY, ANY_PREFLIGHT_VARY),
        get("#http-access-control-max-age: never on actual responses", "max-age", APP)
            .lacks(ACMA)
            .has(ACAO, "*")
            .lacks(VARY),
    ]
}

#[tokio::test]
async fn spec_table() {
    let cases = cases();
    let configs: std::collections::BTreeSet<_> = cases.iter().map(|c| c.config).collect();
    assert!(cases.len() >= 150, "the table has {} cases", cases.len());
    assert!(configs.len() >= 15, "the table has {} configurations", configs.len());

    let mut failures = Vec::new();
    for case in &cases {
        let headers: Vec<(&str, &str)> = case.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let outcome = send(&config(case.config), &case.inner, request(case.method, &headers)).await;
        let mut problems = Vec::new();
        if outcome.status.as_u16() != case.status {
            problems.push(format!("status {} (want {})", outcome.status, case.status));
        }
        if outcome.inner_called != case.called {
            problems.push(format!("inner called: {} (want {})", outcome.inner_called, case.called));
        }
        for (name, want) in &case.want {
            let got = outcome.header(name);
            if got != *want {
                problems.push(format!("{name}: {got:?} (want {want:?})"));
            }
        }
        if case.no_grant && !outcome.no_grant() {
            problems.push(format!("grant headers present: {:?}", outcome.headers));
        }
        // The row states the complete set: every `access-control-*` header the response carries
        // is one the row expects, with its value (checked above); any other is absent. And every
        // row states `Vary`, present with its exact value or absent.
        for name in outcome.headers.keys().map(|n| n.as_str()).filter(|n| n.starts_with("access-control-")) {
            if !case.want.iter().any(|(n, want)| *n == name && want.is_some()) {
                problems.push(format!("{name}: {:?} (the row expects it absent)", outcome.header(name)));
            }
        }
        if !case.want.iter().any(|(n, _)| *n == VARY) {
            problems.push(format!("the row does not state Vary (got {:?})", outcome.header(VARY)));
        }
        // Invariants of every response: one line per CORS header, never `*` with credentials.
        for name in [ACAO, ACAC, ACAM, ACAH, ACEH, ACMA, ACAPN, VARY] {
            if outcome.headers.get_all(name).iter().count() > 1 {
                problems.push(format!("{name} appears twice"));
            }
        }
        if outcome.has(ACAC) && outcome.header(ACAO) == Some("*") {
            problems.push("credentials with *".into());
        }
        if !problems.is_empty() {
            failures.push(format!("[{}] {} {}: {}", case.config, case.method, case.tag, problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    println!("{} cases over {} configurations passed", cases.len(), configs.len());
}

/// TESTING.md states how many rows and configurations the table has.
#[test]
fn testing_md_counts_this_table() {
    let cases = cases();
    let configs: std::collections::BTreeSet<_> = cases.iter().map(|c| c.config).collect();
    assert_eq!(support::testing_md::figure("Decision table", "rows"), cases.len(), "rows");
    assert_eq!(support::testing_md::figure("Decision table", "configurations"), configs.len(), "configurations");
}
