//! The workloads shared by the criterion benchmarks (`benches/cors.rs`) and the callgrind driver
//! (`examples/cors_workload.rs`): one request, one tower-cors policy and the equivalent
//! tower-http policy each, driven straight through `tower::Service` with a ready inner service so
//! that the numbers measure the layer and nothing else.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use axum::body::Bytes;
use http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, CONTENT_TYPE, ORIGIN,
};
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use tower::{Layer, Service};
use tower_cors::CorsBody;

/// The response body of the inner service.
pub(crate) type Body = Full<Bytes>;

/// A ready inner service answering every request with a small `text/plain` response, as an
/// application handler would: one header, a static body.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct App;

impl Service<Request<()>> for App {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<()>) -> Self::Future {
        let mut response = Response::new(Full::new(Bytes::from_static(b"hello, world")));
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        ready(Ok(response))
    }
}

/// A response of the bare service or tower-http (the inner body), or of tower-cors (the inner
/// body in a `CorsBody`). Every implementation pays the same move into it.
pub(crate) enum Reply {
    Inner(Response<Body>),
    Wrapped(Response<CorsBody<Body>>),
}

impl Reply {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Reply::Inner(response) => response.status(),
            Reply::Wrapped(response) => response.status(),
        }
    }

    pub(crate) fn headers(&self) -> &http::HeaderMap {
        match self {
            Reply::Inner(response) => response.headers(),
            Reply::Wrapped(response) => response.headers(),
        }
    }
}

/// Drives one request through a service whose futures complete at once (no executor needed).
pub(crate) fn call<S, B>(service: &mut S, request: Request<()>) -> Response<B>
where
    S: Service<Request<()>, Response = Response<B>, Error = Infallible>,
{
    NOOP_WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        let Poll::Ready(Ok(())) = service.poll_ready(&mut cx) else { panic!("the inner service is always ready") };
        let future = pin!(service.call(request));
        match future.poll(&mut cx) {
            Poll::Ready(Ok(response)) => response,
            Poll::Pending => panic!("every future here completes at once"),
        }
    })
}

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

thread_local! {
    // Built on first use (the warm-up request), never per request.
    static NOOP_WAKER: Waker = Waker::from(Arc::new(Noop));
}

/// The three implementations compared side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Implementation {
    /// The inner service alone.
    Bare,
    /// This crate.
    TowerCors,
    /// `tower_http::cors`.
    TowerHttp,
}

impl Implementation {
    pub(crate) const ALL: [Implementation; 3] =
        [Implementation::Bare, Implementation::TowerCors, Implementation::TowerHttp];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Implementation::Bare => "bare",
            Implementation::TowerCors => "tower-cors",
            Implementation::TowerHttp => "tower-http",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.name() == name)
    }
}

/// One workload: a request and the same policy written for both layers.
pub(crate) struct Workload {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) request: Request<()>,
    pub(crate) tower_cors: tower_cors::CorsLayer,
    pub(crate) tower_http: tower_http::cors::CorsLayer,
    /// What tower-cors must answer: status and `Access-Control-Allow-Origin`.
    pub(crate) expect: (StatusCode, Option<&'static str>),
}

impl Workload {
    /// Runs `f` with a freshly layered service of the given implementation, as a function from
    /// request to response.
    pub(crate) fn with_service<R>(
        &self,
        implementation: Implementation,
        f: impl FnOnce(&mut dyn FnMut(Request<()>) -> Reply) -> R,
    ) -> R {
        match implementation {
            Implementation::Bare => {
                let mut service = App;
                f(&mut |request| Reply::Inner(call(&mut service, request)))
            }
            Implementation::TowerCors => {
                let mut service = self.tower_cors.clone().layer(App);
                f(&mut |request| Reply::Wrapped(call(&mut service, request)))
            }
            Implementation::TowerHttp => {
                let mut service = self.tower_http.clone().layer(App);
                f(&mut |request| Reply::Inner(call(&mut service, request)))
            }
        }
    }

    /// Checks that tower-cors takes the path the workload is named after.
    pub(crate) fn check(&self) {
        let response = self.with_service(Implementation::TowerCors, |run| run(self.request.clone()));
        let acao = response.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.to_str().unwrap());
        assert_eq!((response.status(), acao), self.expect, "workload {}", self.name);
    }
}

const APP_ORIGIN: &str = "https://app.example.com";
const OTHER_ORIGIN: &str = "https://evil.example.net";
const TENANT_ORIGIN: &str = "https://tenant42.eu.example.com";
pub(crate) const MIB: usize = 1 << 20;
pub(crate) const KIB: usize = 1 << 10;

fn value(bytes: &[u8]) -> HeaderValue {
    // Header values from hyper share the connection's read buffer, so cloning one only bumps a
    // reference count; cloning once here turns this value into a shared one too.
    let value = HeaderValue::from_maybe_shared(Bytes::copy_from_slice(bytes)).unwrap();
    let _shared = value.clone();
    value
}

pub(crate) fn request(method: Method, headers: &[(HeaderName, &[u8])]) -> Request<()> {
    let mut request = Request::builder().method(method).uri("/api/items").body(()).unwrap();
    for (name, bytes) in headers {
        request.headers_mut().append(name.clone(), value(bytes));
    }
    request
}

fn get(origin: Option<&str>) -> Request<()> {
    match origin {
        Some(origin) => request(Method::GET, &[(ORIGIN, origin.as_bytes())]),
        None => request(Method::GET, &[]),
    }
}

pub(crate) fn preflight(origin: &[u8], method: &str, headers: &[&[u8]]) -> Request<()> {
    let mut lines = vec![(ORIGIN, origin), (ACCESS_CONTROL_REQUEST_METHOD, method.as_bytes())];
    lines.extend(headers.iter().map(|h| (ACCESS_CONTROL_REQUEST_HEADERS, *h)));
    request(Method::OPTIONS, &lines)
}

/// `n` exact origins, the app's own last, so a linear scan walks the whole list to find it.
fn origins(n: usize) -> Vec<String> {
    let mut list: Vec<String> = (1..n).map(|i| format!("https://app{i}.example.org")).collect();
    list.push(APP_ORIGIN.to_owned());
    list
}

/// `n` subdomain patterns, the one that matches [`TENANT_ORIGIN`] last.
fn patterns(n: usize) -> Vec<String> {
    let mut list: Vec<String> = (1..n).map(|i| format!("https://*.customer{i}.example.org")).collect();
    list.push("https://*.eu.example.com".to_owned());
    list
}

const METHODS: [Method; 3] = [Method::GET, Method::POST, Method::PUT];
const HEADERS: [HeaderName; 2] = [CONTENT_TYPE, HeaderName::from_static("x-custom")];

fn cors_list(list: &[String]) -> tower_cors::CorsLayer {
    tower_cors::CorsLayer::new().allow_origins(list).allow_methods(METHODS).allow_headers(HEADERS)
}

fn http_list(list: &[String]) -> tower_http::cors::CorsLayer {
    let list = list.iter().map(|o| HeaderValue::from_str(o).unwrap()).collect::<Vec<_>>();
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::AllowOrigin::list(list))
        .allow_methods(METHODS)
        .allow_headers(HEADERS)
}

/// tower-http has no origin patterns: its users write a predicate over the exact list and a
/// loop of suffix checks, which is what this does (checking whole labels, as ours does).
fn http_patterns(exact: &[String], patterns: &[String]) -> tower_http::cors::CorsLayer {
    let exact: Vec<HeaderValue> = exact.iter().map(|o| HeaderValue::from_str(o).unwrap()).collect();
    let suffixes: Vec<(String, String)> = patterns
        .iter()
        .map(|p| {
            let (scheme, host) = p.split_once("://*").unwrap();
            (format!("{scheme}://"), host.to_owned())
        })
        .collect();
    let predicate = move |origin: &HeaderValue, _: &http::request::Parts| {
        exact.contains(origin)
            || origin.to_str().is_ok_and(|o| {
                suffixes.iter().any(|(scheme, suffix)| {
                    let sub = o.strip_prefix(scheme.as_str()).and_then(|host| host.strip_suffix(suffix.as_str()));
                    sub.is_some_and(|sub| !sub.is_empty() && !sub.contains([':', '/']))
                })
            })
    };
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::AllowOrigin::predicate(predicate))
        .allow_methods(METHODS)
        .allow_headers(HEADERS)
}

/// Every workload, in the order the report lists them.
pub(crate) fn all() -> Vec<Workload> {
    let one = origins(1);
    let mut out = vec![Workload {
        name: "no_origin",
        description: "GET without `Origin` (not a CORS request), list of 1",
        request: get(None),
        tower_cors: cors_list(&one),
        tower_http: http_list(&one),
        expect: (StatusCode::OK, None),
    }];
    for n in [1, 10, 100, 1000] {
        let list = origins(n);
        let (hit, miss): (&'static str, &'static str) = match n {
            1 => ("allowed_1", "disallowed_1"),
            10 => ("allowed_10", "disallowed_10"),
            100 => ("allowed_100", "disallowed_100"),
            _ => ("allowed_1000", "disallowed_1000"),
        };
        out.push(Workload {
            name: hit,
            description: "simple GET from an allowed origin, last of the list",
            request: get(Some(APP_ORIGIN)),
            tower_cors: cors_list(&list),
            tower_http: http_list(&list),
            expect: (StatusCode::OK, Some(APP_ORIGIN)),
        });
        out.push(Workload {
            name: miss,
            description: "simple GET from an origin not in the list",
            request: get(Some(OTHER_ORIGIN)),
            tower_cors: cors_list(&list),
            tower_http: http_list(&list),
            expect: (StatusCode::OK, None),
        });
    }
    let with_patterns = |exact: &[String], patterns: &[String]| {
        let all: Vec<String> = exact.iter().chain(patterns).cloned().collect();
        (cors_list(&all), http_patterns(exact, patterns))
    };
    let many = origins(1000);
    let (cors, http) = with_patterns(&many, &patterns(100));
    out.push(Workload {
        name: "exact_1000_patterns_100",
        description: "simple GET, exact origin, 1,000 exact + 100 patterns",
        request: get(Some(APP_ORIGIN)),
        tower_cors: cors,
        tower_http: http,
        expect: (StatusCode::OK, Some(APP_ORIGIN)),
    });
    let (cors, http) = with_patterns(&[], &patterns(1));
    out.push(Workload {
        name: "pattern_1",
        description: "simple GET matching a subdomain pattern, 1 pattern",
        request: get(Some(TENANT_ORIGIN)),
        tower_cors: cors,
        tower_http: http,
        expect: (StatusCode::OK, Some(TENANT_ORIGIN)),
    });
    let (cors, http) = with_patterns(&many, &patterns(100));
    out.push(Workload {
        name: "pattern_1000_100",
        description: "simple GET matching a subdomain pattern, 1,000 exact + 100 patterns",
        request: get(Some(TENANT_ORIGIN)),
        tower_cors: cors,
        tower_http: http,
        expect: (StatusCode::OK, Some(TENANT_ORIGIN)),
    });
    let (cors, http) = with_patterns(&many, &patterns(100));
    out.push(Workload {
        name: "disallowed_1000_100",
        description: "simple GET from a disallowed origin, 1,000 exact + 100 patterns",
        request: get(Some(OTHER_ORIGIN)),
        tower_cors: cors,
        tower_http: http,
        expect: (StatusCode::OK, None),
    });
    out.push(Workload {
        name: "any_origin",
        description: "simple GET, any origin allowed (`*`)",
        request: get(Some(APP_ORIGIN)),
        tower_cors: tower_cors::CorsLayer::new().allow_any_origin().allow_methods(METHODS).allow_headers(HEADERS),
        tower_http: tower_http::cors::CorsLayer::new()
            .allow_origin(tower_http::cors::Any)
            .allow_methods(METHODS)
            .allow_headers(HEADERS),
        expect: (StatusCode::OK, Some("*")),
    });
    let expose = [HeaderName::from_static("x-request-id")];
    out.push(Workload {
        name: "credentials_expose",
        description: "simple GET with credentials and one exposed header",
        request: get(Some(APP_ORIGIN)),
        tower_cors: cors_list(&one).allow_credentials(true).expose_headers(expose.clone()),
        tower_http: http_list(&one).allow_credentials(true).expose_headers(expose),
        expect: (StatusCode::OK, Some(APP_ORIGIN)),
    });
    out.push(Workload {
        name: "preflight_allowed",
        description: "preflight, `PUT` with `content-type,x-custom`",
        request: preflight(APP_ORIGIN.as_bytes(), "PUT", &[b"content-type,x-custom"]),
        tower_cors: cors_list(&one),
        tower_http: http_list(&one),
        expect: (StatusCode::NO_CONTENT, Some(APP_ORIGIN)),
    });
    out.push(Workload {
        name: "preflight_refused",
        description: "preflight asking for a header not allowed (`x-other`)",
        request: preflight(APP_ORIGIN.as_bytes(), "PUT", &[b"content-type,x-other"]),
        tower_cors: cors_list(&one),
        tower_http: http_list(&one),
        expect: (StatusCode::FORBIDDEN, None),
    });
    out.extend(adversarial(MIB).into_iter().map(|(name, description, request)| Workload {
        name,
        description,
        request,
        tower_cors: cors_list(&one),
        tower_http: http_list(&one),
        expect: (StatusCode::FORBIDDEN, None),
    }));
    out
}

/// The adversarial preflights, with `size` bytes of junk (1,000 lines for the empty-lines one).
pub(crate) fn adversarial(size: usize) -> Vec<(&'static str, &'static str, Request<()>)> {
    let small = size < MIB;
    let name = |big: &'static str, little: &'static str| if small { little } else { big };
    let repeated: Vec<u8> = b"content-type,".iter().copied().cycle().take(size).collect();
    let empty_lines = vec![&b""[..]; if small { 100 } else { 1000 }];
    let long_origin = format!("https://{}.example.com", "a".repeat(size / 16));
    vec![
        (
            name("acrh_commas_1MiB", "acrh_commas_1KiB"),
            "preflight, request headers: only commas",
            preflight(APP_ORIGIN.as_bytes(), "PUT", &[&vec![b','; size]]),
        ),
        (
            name("acrh_spaces_1MiB", "acrh_spaces_1KiB"),
            "preflight, request headers: only spaces",
            preflight(APP_ORIGIN.as_bytes(), "PUT", &[&vec![b' '; size]]),
        ),
        (
            name("acrh_repeated_1MiB", "acrh_repeated_1KiB"),
            "preflight, request headers: `content-type,` repeated",
            preflight(APP_ORIGIN.as_bytes(), "PUT", &[&repeated]),
        ),
        (
            name("acrh_1000_empty_lines", "acrh_100_empty_lines"),
            "preflight, request headers: many empty lines",
            preflight(APP_ORIGIN.as_bytes(), "PUT", &empty_lines),
        ),
        (
            name("origin_64KiB", "origin_64B"),
            "preflight from an `Origin` of 64 KiB",
            preflight(long_origin.as_bytes(), "PUT", &[b"content-type"]),
        ),
    ]
}
