//! The layer over HTTP/2 on real sockets: an axum router wrapped in the layer, served on
//! 127.0.0.1 by hyper-util's auto connection builder (which takes HTTP/2 with prior knowledge,
//! h2c), and a hyper HTTP/2 client. Each test checks the exact status and CORS headers, how often
//! the handler ran, and that the request really travelled as HTTP/2 (the handler records the
//! version it saw; the client checks the response's).
//!
//! An HTTP/2 request has no request line and, from a client such as a browser, no `Host` header:
//! its target is in the `:scheme`, `:authority` and `:path` pseudo-headers, which the server turns
//! into an absolute URI. That is what the same-origin exemption under blocking reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::Request;
use axum::routing::any;
use axum::Router;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode, Version};
use http_body_util::Empty;
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tower_cors::CorsLayer;

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";
const PREFLIGHT_VARY: &str = "origin, access-control-request-method, access-control-request-headers";

fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origins([APP])
        .allow_methods([Method::PUT, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-custom")])
        .expose_headers([HeaderName::from_static("x-request-id")])
        .allow_credentials(true)
        .max_age(Duration::from_secs(600))
}

/// What the handler saw: how often it ran, how many of those requests came as HTTP/2, how many
/// carried a `Host` header and how many an absolute URI (`:scheme` and `:authority`).
#[derive(Clone, Default)]
struct Seen {
    calls: Arc<AtomicUsize>,
    http2: Arc<AtomicUsize>,
    with_host: Arc<AtomicUsize>,
    with_authority: Arc<AtomicUsize>,
}

impl Seen {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Every request the handler saw came as HTTP/2.
    fn all_http2(&self) -> bool {
        self.http2.load(Ordering::SeqCst) == self.calls()
    }

    fn with_host(&self) -> usize {
        self.with_host.load(Ordering::SeqCst)
    }

    fn with_authority(&self) -> usize {
        self.with_authority.load(Ordering::SeqCst)
    }
}

/// A running server and an HTTP/2 connection to it.
struct H2 {
    address: SocketAddr,
    sender: SendRequest<Empty<Bytes>>,
    seen: Seen,
}

/// The status, the version and the headers of an answer.
struct Reply {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// Every `Vary` line, each as sent.
    fn vary_lines(&self) -> Vec<&str> {
        self.headers.get_all(header::VARY).iter().map(|v| v.to_str().unwrap()).collect()
    }

    /// The names of the `access-control-*` headers, sorted.
    fn cors_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> =
            self.headers.keys().map(HeaderName::as_str).filter(|n| n.starts_with("access-control-")).collect();
        names.sort_unstable();
        names
    }
}

/// Serves `layer` around a router whose one route answers every method, counting its runs and
/// adding a `Vary` of its own, and opens an HTTP/2 (prior knowledge) connection to it.
async fn serve(layer: CorsLayer) -> H2 {
    let seen = Seen::default();
    let handler_seen = seen.clone();
    let handler = move |request: Request| {
        let seen = handler_seen.clone();
        async move {
            seen.calls.fetch_add(1, Ordering::SeqCst);
            if request.version() == Version::HTTP_2 {
                seen.http2.fetch_add(1, Ordering::SeqCst);
            }
            if request.headers().contains_key(header::HOST) {
                seen.with_host.fetch_add(1, Ordering::SeqCst);
            }
            if request.uri().scheme().is_some() && request.uri().authority().is_some() {
                seen.with_authority.fetch_add(1, Ordering::SeqCst);
            }
            ([(header::VARY, "accept-encoding"), (HeaderName::from_static("x-request-id"), "7")], "items")
        }
    };
    let app = Router::new().route("/items", any(handler)).layer(layer);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = TowerToHyperService::new(app.clone());
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new()).serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });

    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    H2 { address, sender, seen }
}

impl H2 {
    /// `http://127.0.0.1:<port>`, the server's own origin.
    fn own_origin(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Sends `method` to `target` (an absolute URI, or a path) with `headers`; the request's
    /// version stays HTTP/1.1 only when `translated` (an HTTP/1 request forwarded over HTTP/2).
    async fn send_to(&mut self, method: Method, target: &str, headers: &[(&str, &str)], translated: bool) -> Reply {
        let mut builder = http::Request::builder().method(method).uri(target);
        if !translated {
            builder = builder.version(Version::HTTP_2);
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        self.sender.ready().await.unwrap();
        let response = self.sender.send_request(builder.body(Empty::new()).unwrap()).await.unwrap();
        Reply { status: response.status(), version: response.version(), headers: response.headers().clone() }
    }

    /// Sends `method` to `http://127.0.0.1:<port>/items`: `:scheme` http, `:authority` the
    /// server's address, no `Host`.
    async fn send(&mut self, method: Method, headers: &[(&str, &str)]) -> Reply {
        let target = format!("http://{}/items", self.address);
        self.send_to(method, &target, headers, false).await
    }
}

#[tokio::test]
async fn a_granted_preflight_is_answered_by_the_layer_over_http2() {
    let mut h2 = serve(cors()).await;
    let reply = h2
        .send(
            Method::OPTIONS,
            &[
                ("origin", APP),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "content-type,x-custom"),
            ],
        )
        .await;
    assert_eq!(reply.version, Version::HTTP_2);
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.header("access-control-allow-origin"), Some(APP));
    assert_eq!(reply.header("access-control-allow-methods"), Some("PUT"));
    assert_eq!(reply.header("access-control-allow-headers"), Some("content-type,x-custom"));
    assert_eq!(reply.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(reply.header("access-control-max-age"), Some("600"));
    assert_eq!(
        reply.cors_names(),
        [
            "access-control-allow-credentials",
            "access-control-allow-headers",
            "access-control-allow-methods",
            "access-control-allow-origin",
            "access-control-max-age"
        ]
    );
    assert_eq!(reply.vary_lines(), [PREFLIGHT_VARY]);
    assert_eq!(h2.seen.calls(), 0, "the handler never sees a preflight the layer answers");
}

#[tokio::test]
async fn a_refused_preflight_is_a_403_without_grant_over_http2() {
    let mut h2 = serve(cors()).await;
    let refusals: [&[(&str, &str)]; 3] = [
        // An origin not on the list.
        &[("origin", EVIL), ("access-control-request-method", "PUT")],
        // A method not allowed.
        &[("origin", APP), ("access-control-request-method", "DELETE")],
        // A request header not allowed.
        &[("origin", APP), ("access-control-request-method", "PUT"), ("access-control-request-headers", "x-other")],
    ];
    for headers in refusals {
        let reply = h2.send(Method::OPTIONS, headers).await;
        assert_eq!(reply.version, Version::HTTP_2);
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(reply.cors_names().is_empty(), "{headers:?}: {:?}", reply.cors_names());
        assert_eq!(reply.vary_lines(), [PREFLIGHT_VARY], "{headers:?}");
    }
    assert_eq!(h2.seen.calls(), 0);
}

#[tokio::test]
async fn an_allowed_actual_request_gets_its_grant_and_one_merged_vary_over_http2() {
    let mut h2 = serve(cors()).await;
    let reply = h2.send(Method::GET, &[("origin", APP)]).await;
    assert_eq!(reply.version, Version::HTTP_2);
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("access-control-allow-origin"), Some(APP));
    assert_eq!(reply.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(reply.header("access-control-expose-headers"), Some("x-request-id"));
    assert_eq!(
        reply.cors_names(),
        ["access-control-allow-credentials", "access-control-allow-origin", "access-control-expose-headers"]
    );
    // The handler's own `Vary` and the layer's `origin`, in one line.
    assert_eq!(reply.vary_lines(), ["accept-encoding, origin"]);
    assert_eq!(h2.seen.calls(), 1);
    assert!(h2.seen.all_http2(), "the handler saw a request that was not HTTP/2");
}

#[tokio::test]
async fn a_refused_actual_request_gets_no_grant_and_is_blocked_when_asked_over_http2() {
    // Without blocking, the handler answers and the browser is refused the response.
    let mut h2 = serve(cors()).await;
    let reply = h2.send(Method::GET, &[("origin", EVIL)]).await;
    assert_eq!(reply.version, Version::HTTP_2);
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.cors_names().is_empty(), "{:?}", reply.cors_names());
    assert_eq!(reply.vary_lines(), ["accept-encoding, origin"]);
    assert_eq!(h2.seen.calls(), 1);
    assert!(h2.seen.all_http2());

    // With blocking, the layer answers 403 and the handler never runs.
    let mut h2 = serve(cors().block_disallowed_origins(true)).await;
    let reply = h2.send(Method::PUT, &[("origin", EVIL)]).await;
    assert_eq!(reply.version, Version::HTTP_2);
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.cors_names().is_empty(), "{:?}", reply.cors_names());
    assert_eq!(reply.vary_lines(), ["origin"]);
    assert_eq!(h2.seen.calls(), 0);
}

/// The same-origin exemption under blocking reads `:scheme` and `:authority`: a browser's
/// same-origin `POST` over HTTP/2 carries its own origin and no `Host` header.
#[tokio::test]
async fn a_same_origin_post_reaches_the_handler_by_scheme_and_authority_over_http2() {
    let mut h2 = serve(cors().block_disallowed_origins(true)).await;
    let own = h2.own_origin();
    let reply = h2.send(Method::POST, &[("origin", &own), ("content-type", "text/plain")]).await;
    assert_eq!(reply.version, Version::HTTP_2);
    assert_eq!(reply.status, StatusCode::OK, "a same-origin POST is exempt from blocking");
    assert!(reply.cors_names().is_empty(), "no grant for a same-origin request: {:?}", reply.cors_names());
    assert_eq!(h2.seen.calls(), 1);
    assert!(h2.seen.all_http2());
    assert_eq!(h2.seen.with_host(), 0, "the request carried `:authority`, not `Host`");
    assert_eq!(h2.seen.with_authority(), 1, "the request's URI was absolute");

    // The same authority with another scheme, or another port, is another origin: blocked.
    let port = h2.address.port();
    for other in [format!("https://127.0.0.1:{port}"), format!("http://127.0.0.1:{}", port ^ 1), EVIL.to_owned()] {
        let reply = h2.send(Method::POST, &[("origin", &other), ("content-type", "text/plain")]).await;
        assert_eq!(reply.version, Version::HTTP_2);
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{other}");
        assert!(reply.cors_names().is_empty(), "{other}: {:?}", reply.cors_names());
    }
    assert_eq!(h2.seen.calls(), 1, "no refused POST reached the handler");
}

/// An HTTP/1 request forwarded over HTTP/2 (a relative target and a `Host` header) goes out
/// with `:scheme` but without `:authority`; h2 then drops the scheme too (a URI cannot have a
/// scheme without an authority), and the server sees a path and a `Host` header. Without
/// `Sec-Fetch-Site`, `Origin`'s host and port are then compared with `Host`, as over HTTP/1.1
/// (and as Go's `CrossOriginProtection` does): the server's own origin passes, another host's is
/// blocked.
#[tokio::test]
async fn host_without_authority_is_compared_with_origin_over_http2() {
    let mut h2 = serve(cors().block_disallowed_origins(true)).await;
    let (own, host) = (h2.own_origin(), h2.address.to_string());
    let reply = h2.send_to(Method::POST, "/items", &[("origin", &own), ("host", &host)], true).await;
    assert_eq!(reply.version, Version::HTTP_2);
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.cors_names().is_empty(), "{:?}", reply.cors_names());
    assert_eq!(h2.seen.calls(), 1);

    let reply = h2.send_to(Method::POST, "/items", &[("origin", &own), ("host", "other.example:1")], true).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(h2.seen.calls(), 1, "another host's origin never reached the handler");

    // `Sec-Fetch-Site`, which browsers send and scripts cannot set, decides when present.
    let reply = h2
        .send_to(Method::POST, "/items", &[("origin", &own), ("host", &host), ("sec-fetch-site", "cross-site")], true)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(h2.seen.calls(), 1);
    assert!(h2.seen.all_http2(), "the forwarded request travelled as HTTP/2");
    assert_eq!(h2.seen.with_host(), 1);
    assert_eq!(h2.seen.with_authority(), 0, "h2 dropped `:scheme` without `:authority`");
}

/// Many streams at once on one connection: each answered by the policy, none mixed up.
#[tokio::test]
async fn concurrent_streams_on_one_connection_each_get_their_own_answer() {
    let h2 = serve(cors().block_disallowed_origins(true)).await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let mut sender = h2.sender.clone();
        let target = format!("http://{}/items", h2.address);
        tasks.push(tokio::spawn(async move {
            let origin = if i % 2 == 0 { APP } else { EVIL };
            let request = http::Request::get(target)
                .version(Version::HTTP_2)
                .header(header::ORIGIN, HeaderValue::from_static(origin))
                .body(Empty::<Bytes>::new())
                .unwrap();
            sender.ready().await.unwrap();
            let response = sender.send_request(request).await.unwrap();
            (i, response.status(), response.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).cloned())
        }));
    }
    for task in tasks {
        let (i, status, allow_origin) = task.await.unwrap();
        if i % 2 == 0 {
            assert_eq!((status, allow_origin), (StatusCode::OK, Some(HeaderValue::from_static(APP))), "stream {i}");
        } else {
            assert_eq!((status, allow_origin), (StatusCode::FORBIDDEN, None), "stream {i}");
        }
    }
    assert_eq!(h2.seen.calls(), 32);
    assert!(h2.seen.all_http2());
}
