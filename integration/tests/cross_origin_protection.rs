//! Cross-origin writes and WebSocket handshakes, side by side with Go 1.25's
//! `net/http.CrossOriginProtection` and tower-http 0.7's `csrf::CsrfLayer` (a port of it).
//!
//! The rows are Go's own test tables, rewritten as a table of ours (`src/net/http/csrf_test.go`:
//! `TestCrossOriginProtectionSecFetchSite`, `TestCrossOriginProtectionTrustedOriginBypass` and
//! `TestCrossOriginProtectionServer`, 22 rows, each named as Go names it; "trusted origin" is an
//! allowed origin here), plus four of ours: a plain-HTTP site's own `POST` on a LAN address (no
//! Fetch Metadata, as browsers send none to a URL that is not potentially trustworthy) and three
//! WebSocket handshakes (a refused origin's over HTTP/1.1 and over HTTP/2's extended `CONNECT`,
//! and the server's own). Each row's expected outcome is Go's; for the WebSocket rows, RFC 6455's
//! (section 10.2: a handshake from an origin the server does not accept gets 403).
//!
//! Every row goes over real TCP on 127.0.0.1 to an axum 0.8 router (a route answering every
//! method, and a `WebSocketUpgrade` route), served by hyper-util with HTTP/1.1 and HTTP/2
//! (extended `CONNECT` enabled), behind one of three layers: tower-cors as configured by default
//! (no blocking; the WebSocket guard is on by default), tower-cors with
//! `block_disallowed_origins(true)`, and tower-http's `CsrfLayer`. HTTP rows are sent by a hyper
//! HTTP/1.1 client with the row's own `Host`; HTTP/1.1 handshakes by tokio-tungstenite; HTTP/2
//! handshakes by a hyper HTTP/2 client (prior knowledge) with `:protocol = websocket`. A row is
//! allowed when the handler ran and answered (200, or 101 for a handshake), refused when the
//! answer is 403 and the handler never ran; anything else fails the test.
//!
//! One configuration serves all rows: Go's server table's (`https://trusted.example` trusted,
//! `/bypass/` exempt). The other two Go tables use no trusted origin and no bypass, and none of
//! their rows sends that origin or that path, so their outcomes are the same under it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::ws::WebSocketUpgrade;
use axum::routing::{any, MethodRouter};
use axum::Router;
use http::{Method, Request, StatusCode, Version};
use http_body_util::Empty;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tower_cors::explain::Verdict;
use tower_cors::{CorsLayer, RefusalReason};
use tower_http::csrf::CsrfLayer;

const TRUSTED: &str = "https://trusted.example";
const ATTACKER: &str = "https://attacker.example";
const BYPASS: &str = "/bypass/";

/// Where a row's `Origin` comes from.
#[derive(Clone, Copy, Debug)]
enum Origin {
    None,
    Is(&'static str),
    /// The test server's own origin, `http://127.0.0.1:<port>` (Go's `ts.URL`).
    Server,
}

/// Where a row's `Host` comes from.
#[derive(Clone, Copy, Debug)]
enum Host {
    /// `example.com`: Go's `httptestNewRequest(method, "https://example.com/")`, whose URL keeps
    /// only the path, so that `Host` alone names the server.
    Example,
    /// The test server's own address (Go's `ts.URL`).
    Server,
    Is(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Http,
    /// An HTTP/1.1 WebSocket handshake.
    Ws1,
    /// An HTTP/2 WebSocket handshake: extended `CONNECT` with `:protocol` = `websocket`.
    Ws2,
}

struct Row {
    /// Go's test function, or `ours`.
    table: &'static str,
    name: &'static str,
    method: &'static str,
    path: &'static str,
    origin: Origin,
    site: Option<&'static str>,
    host: Host,
    form: Form,
    /// Go's expectation (RFC 6455's for the WebSocket rows): the handler runs.
    allowed: bool,
}

const fn row(
    table: &'static str,
    name: &'static str,
    method: &'static str,
    origin: Origin,
    site: Option<&'static str>,
    host: Host,
    allowed: bool,
) -> Row {
    Row { table, name, method, path: "/", origin, site, host, form: Form::Http, allowed }
}

const SFS: &str = "TestCrossOriginProtectionSecFetchSite";
const TRUSTED_TABLE: &str = "TestCrossOriginProtectionTrustedOriginBypass";
const SERVER: &str = "TestCrossOriginProtectionServer";
const OURS: &str = "ours";

use Host::Example;
use Origin::{Is, Server};

const ROWS: [Row; 26] = [
    row(SFS, "same-origin allowed", "POST", Origin::None, Some("same-origin"), Example, true),
    row(SFS, "none allowed", "POST", Origin::None, Some("none"), Example, true),
    row(SFS, "cross-site blocked", "POST", Origin::None, Some("cross-site"), Example, false),
    row(SFS, "same-site blocked", "POST", Origin::None, Some("same-site"), Example, false),
    row(SFS, "no header with no origin", "POST", Origin::None, None, Example, true),
    row(SFS, "no header with matching origin", "POST", Is("https://example.com"), None, Example, true),
    row(SFS, "no header with mismatched origin", "POST", Is(ATTACKER), None, Example, false),
    row(SFS, "no header with null origin", "POST", Is("null"), None, Example, false),
    row(SFS, "GET allowed", "GET", Origin::None, Some("cross-site"), Example, true),
    row(SFS, "HEAD allowed", "HEAD", Origin::None, Some("cross-site"), Example, true),
    row(SFS, "OPTIONS allowed", "OPTIONS", Origin::None, Some("cross-site"), Example, true),
    row(SFS, "PUT blocked", "PUT", Origin::None, Some("cross-site"), Example, false),
    row(TRUSTED_TABLE, "trusted origin without sec-fetch-site", "POST", Is(TRUSTED), None, Example, true),
    row(TRUSTED_TABLE, "trusted origin with cross-site", "POST", Is(TRUSTED), Some("cross-site"), Example, true),
    row(TRUSTED_TABLE, "untrusted origin without sec-fetch-site", "POST", Is(ATTACKER), None, Example, false),
    row(TRUSTED_TABLE, "untrusted origin with cross-site", "POST", Is(ATTACKER), Some("cross-site"), Example, false),
    row(SERVER, "cross-site", "POST", Is(ATTACKER), Some("cross-site"), Host::Server, false),
    row(SERVER, "same-origin", "POST", Origin::None, Some("same-origin"), Host::Server, true),
    row(SERVER, "origin matches host", "POST", Server, None, Host::Server, true),
    row(SERVER, "trusted origin", "POST", Is(TRUSTED), None, Host::Server, true),
    row(SERVER, "untrusted origin", "POST", Is(ATTACKER), None, Host::Server, false),
    Row { path: BYPASS, ..row(SERVER, "bypass path", "POST", Is(ATTACKER), None, Host::Server, true) },
    row(
        OURS,
        "plain-HTTP LAN site's own POST (no Sec-Fetch-*)",
        "POST",
        Is("http://192.168.1.20:8080"),
        None,
        Host::Is("192.168.1.20:8080"),
        true,
    ),
    Row {
        path: "/ws",
        form: Form::Ws1,
        ..row(
            OURS,
            "cross-site WebSocket handshake, HTTP/1.1",
            "GET",
            Is(ATTACKER),
            Some("cross-site"),
            Host::Server,
            false,
        )
    },
    Row {
        path: "/ws",
        form: Form::Ws2,
        ..row(
            OURS,
            "cross-site WebSocket handshake, HTTP/2",
            "CONNECT",
            Is(ATTACKER),
            Some("cross-site"),
            Host::Server,
            false,
        )
    },
    Row {
        path: "/ws",
        form: Form::Ws1,
        ..row(OURS, "same-origin WebSocket handshake, HTTP/1.1", "GET", Server, None, Host::Server, true)
    },
];

/// Requests on which tower-cors under blocking deliberately answers otherwise than Go (and
/// tower-http, which agrees with Go on each): `(row, Go's outcome, the reason)`. Listed in the
/// security guide too.
fn differences() -> Vec<(Row, &'static str)> {
    vec![
        (
            row("difference", "a refused origin's GET with Origin", "GET", Is(ATTACKER), Some("cross-site"), Host::Server, true),
            "blocking stops every method from a refused origin, reads included (Go never checks GET, HEAD, \
             OPTIONS): a GET with a side effect does not run either, and its response was withheld from the page anyway",
        ),
        (
            row("difference", "Sec-Fetch-Site: none with a refused Origin", "POST", Is(ATTACKER), Some("none"), Host::Server, true),
            "`none` is a navigation the user started, which carries no other site's Origin: only a client that is not a \
             browser sends both, and a refused origin stays refused",
        ),
        (
            Row {
                path: "/bypass/deeper",
                ..row("difference", "a path under an exempt one", "POST", Is(ATTACKER), None, Host::Server, true)
            },
            "exempt paths match byte for byte, never as a prefix or pattern (Go's bypass patterns match a subtree, and \
             their redirect handling was CVE-2025-47910)",
        ),
    ]
}

/// One server: the router behind a layer, and how often its handlers ran.
struct Served {
    address: SocketAddr,
    calls: Arc<AtomicUsize>,
}

fn tower_cors(block: bool) -> CorsLayer {
    CorsLayer::new().allow_origins([TRUSTED]).block_disallowed_origins(block).allow_cross_origin_posts_to([BYPASS])
}

fn csrf() -> CsrfLayer {
    CsrfLayer::new()
        .add_trusted_origin(TRUSTED)
        .unwrap()
        // Go's pattern `/bypass/` matches the subtree.
        .with_insecure_bypass(|_, uri| uri.path().starts_with(BYPASS))
}

/// A handler that counts its runs in `calls` and answers "ok".
fn counted(calls: &Arc<AtomicUsize>) -> MethodRouter {
    let calls = Arc::clone(calls);
    any(move || {
        calls.fetch_add(1, Ordering::SeqCst);
        async { "ok" }
    })
}

fn router(calls: &Arc<AtomicUsize>) -> Router {
    let ws_calls = Arc::clone(calls);
    Router::new()
        .route("/", counted(calls))
        .route(BYPASS, counted(calls))
        .route("/bypass/deeper", counted(calls))
        .route(
            "/ws",
            any(move |upgrade: WebSocketUpgrade| {
                ws_calls.fetch_add(1, Ordering::SeqCst);
                async move { upgrade.on_upgrade(|socket| async move { drop(socket) }) }
            }),
        )
}

async fn serve(app: Router, calls: Arc<AtomicUsize>) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = TowerToHyperService::new(app.clone());
            tokio::spawn(async move {
                let mut builder = auto::Builder::new(TokioExecutor::new());
                builder.http2().enable_connect_protocol();
                let _ = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).await;
            });
        }
    });
    Served { address, calls }
}

async fn servers() -> [(&'static str, Served); 3] {
    let (default, blocking, csrf_calls) = (Arc::default(), Arc::default(), Arc::default());
    [
        ("tower-cors, default", serve(router(&default).layer(tower_cors(false)), default).await),
        (
            "tower-cors, block_disallowed_origins(true)",
            serve(router(&blocking).layer(tower_cors(true)), blocking).await,
        ),
        ("tower-http 0.7 CsrfLayer", serve(router(&csrf_calls).layer(csrf()), csrf_calls).await),
    ]
}

/// Sends one row to one server; `Ok(allowed)`, or what made the answer neither.
async fn send(row: &Row, served: &Served) -> Result<bool, String> {
    let own = format!("http://{}", served.address);
    let origin = match row.origin {
        Origin::None => None,
        Origin::Is(origin) => Some(origin.to_owned()),
        Origin::Server => Some(own.clone()),
    };
    let host = match row.host {
        Host::Example => "example.com".to_owned(),
        Host::Server => served.address.to_string(),
        Host::Is(host) => host.to_owned(),
    };
    let before = served.calls.load(Ordering::SeqCst);
    let status = match row.form {
        Form::Http => http1(row, served.address, &host, origin.as_deref()).await,
        Form::Ws1 => ws1(row, served.address, origin.as_deref()).await,
        Form::Ws2 => ws2(row, served.address, origin.as_deref()).await,
    };
    let ran = served.calls.load(Ordering::SeqCst) - before;
    let opened = match row.form {
        Form::Http => StatusCode::OK,
        Form::Ws1 => StatusCode::SWITCHING_PROTOCOLS,
        Form::Ws2 => StatusCode::OK,
    };
    match (status, ran) {
        (status, 1) if status == opened => Ok(true),
        (StatusCode::FORBIDDEN, 0) => Ok(false),
        (status, ran) => Err(format!("status {status}, handler ran {ran} time(s)")),
    }
}

async fn http1(row: &Row, address: SocketAddr, host: &str, origin: Option<&str>) -> StatusCode {
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let mut request = Request::builder().method(row.method).uri(row.path).header("host", host);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    if let Some(site) = row.site {
        request = request.header("sec-fetch-site", site);
    }
    let response = sender.send_request(request.body(Empty::<Bytes>::new()).unwrap()).await.unwrap();
    response.status()
}

/// An HTTP/1.1 handshake by tokio-tungstenite; the status of its answer.
async fn ws1(row: &Row, address: SocketAddr, origin: Option<&str>) -> StatusCode {
    let mut request = format!("ws://{address}{}", row.path).into_client_request().unwrap();
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", origin.parse().unwrap());
    }
    if let Some(site) = row.site {
        request.headers_mut().insert("sec-fetch-site", site.parse().unwrap());
    }
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    match tokio_tungstenite::client_async(request, stream).await {
        Ok((_socket, response)) => response.status(),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status(),
        Err(error) => panic!("{}: {error}", row.name),
    }
}

/// An HTTP/2 handshake (RFC 8441): `CONNECT` with `:protocol` = `websocket`, sent once the
/// server's settings (which enable extended `CONNECT`) have arrived.
async fn ws2(row: &Row, address: SocketAddr, origin: Option<&str>) -> StatusCode {
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    // A first round trip, so that the server's SETTINGS frame has been read; to a path no
    // handler serves (axum's 404), so that no handler runs.
    let warm = Request::builder().method("OPTIONS").uri(format!("http://{address}/none")).version(Version::HTTP_2);
    let warm = sender.send_request(warm.body(Empty::<Bytes>::new()).unwrap()).await.unwrap();
    assert_eq!(warm.status(), StatusCode::NOT_FOUND);
    let mut request = Request::builder()
        .method(Method::CONNECT)
        .uri(format!("http://{address}{}", row.path))
        .version(Version::HTTP_2)
        .header("sec-websocket-version", "13")
        .extension(hyper::ext::Protocol::from_static("websocket"));
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    if let Some(site) = row.site {
        request = request.header("sec-fetch-site", site);
    }
    sender.ready().await.unwrap();
    let response = sender.send_request(request.body(Empty::<Bytes>::new()).unwrap()).await.unwrap();
    assert_eq!(response.version(), Version::HTTP_2, "{}", row.name);
    response.status()
}

/// The rows on which each implementation does not give Go's outcome, by number (1-based), and
/// why; the test fails if any other row disagrees, or one of these agrees.
const EXPECTED_DISAGREEMENTS: [(&str, &[usize], &str); 3] = [
    (
        "tower-cors, default",
        &[3, 4, 7, 8, 12, 15, 16, 17, 21],
        "by default a CORS layer governs reads only: a refused origin's write reaches the handler, and its response is \
         withheld from the page; `block_disallowed_origins(true)` stops writes (the WebSocket guard is on by default)",
    ),
    ("tower-cors, block_disallowed_origins(true)", &[], "none"),
    (
        "tower-http 0.7 CsrfLayer",
        &[24],
        "it never checks GET, HEAD or OPTIONS, and an HTTP/1.1 handshake is a GET: a refused origin's handshake \
         reaches the handler. (HTTP/2's handshake is a CONNECT, which it checks like any write, so that one is refused.)",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_tables_and_websockets_side_by_side() {
    let servers = servers().await;
    let mut agree = [0usize; 3];
    let mut problems = Vec::new();
    println!("| # | Go test | row | expected | tower-cors default | tower-cors blocking | CsrfLayer |");
    println!("|---|---|---|---|---|---|---|");
    for (number, row) in ROWS.iter().enumerate().map(|(i, row)| (i + 1, row)) {
        let mut cells = Vec::new();
        for (i, (name, served)) in servers.iter().enumerate() {
            let outcome = send(row, served).await;
            match outcome {
                Ok(allowed) => {
                    cells.push(if allowed { "allowed" } else { "refused" });
                    let listed = EXPECTED_DISAGREEMENTS[i].1.contains(&number);
                    if allowed == row.allowed {
                        agree[i] += 1;
                        if listed {
                            problems.push(format!("{name}: row {number} ({}) now agrees with Go", row.name));
                        }
                    } else if !listed {
                        problems.push(format!("{name}: row {number} ({}) disagrees with Go", row.name));
                    }
                }
                Err(what) => {
                    cells.push("neither");
                    problems.push(format!("{name}: row {number} ({}): {what}", row.name));
                }
            }
        }
        let expected = if row.allowed { "allowed" } else { "refused" };
        println!("| {number} | {} | {} | {expected} | {} |", row.table, row.name, cells.join(" | "));
    }
    println!();
    println!("| implementation | rows that agree with the expected outcome (of {}) |", ROWS.len());
    println!("|---|---|");
    for (i, (name, _)) in servers.iter().enumerate() {
        println!("| {name} | {} |", agree[i]);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(agree, [17, 26, 25]);
}

/// The deliberate differences from Go: tower-cors under blocking refuses each, tower-http's
/// `CsrfLayer` (with Go) lets each through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliberate_differences_from_go() {
    let servers = servers().await;
    for (row, why) in differences() {
        assert_eq!(send(&row, &servers[1].1).await, Ok(false), "tower-cors blocking: {} ({why})", row.name);
        assert_eq!(send(&row, &servers[2].1).await, Ok(row.allowed), "CsrfLayer: {} (Go's outcome)", row.name);
    }
}

/// The HTTP/2 handshake is real: from an allowed origin it opens (200, RFC 8441) behind each of
/// the three layers, and the handler runs; so a 403 above is the layer's refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_http2_handshake_opens_behind_each_layer() {
    let servers = servers().await;
    let trusted = Row {
        path: "/ws",
        form: Form::Ws2,
        ..row("", "trusted WebSocket handshake, HTTP/2", "CONNECT", Is(TRUSTED), Some("cross-site"), Host::Server, true)
    };
    let own = Row { origin: Server, site: Some("same-origin"), ..trusted };
    for (name, served) in &servers {
        assert_eq!(send(&trusted, served).await, Ok(true), "{name}");
        assert_eq!(send(&own, served).await, Ok(true), "{name}");
    }
}

/// An OAuth/OIDC `response_mode=form_post` callback under blocking: Sign in with Apple posts the
/// form cross-site to `/auth/callback`, which is exempt; the same origin's `POST` anywhere else
/// is blocked. `explain` names the rule that let the callback through.
#[tokio::test]
async fn a_form_post_callback_is_exempt_and_nothing_else() {
    let apple = "https://appleid.apple.com";
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = |calls: &Arc<AtomicUsize>| {
        let calls = Arc::clone(calls);
        any(move || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { "ok" }
        })
    };
    let cors = CorsLayer::new()
        .allow_origins(["https://app.example.com"])
        .block_disallowed_origins(true)
        .allow_cross_origin_posts_to(["/auth/callback"]);
    let app =
        Router::new().route("/auth/callback", counted(&calls)).route("/api/items", counted(&calls)).layer(cors.clone());
    let served = serve(app, Arc::clone(&calls)).await;
    let post = |path: &'static str| Row {
        path,
        ..row("", "form post", "POST", Is(apple), Some("cross-site"), Host::Server, true)
    };
    assert_eq!(send(&post("/auth/callback"), &served).await, Ok(true), "the callback's handler ran");
    assert_eq!(send(&post("/api/items"), &served).await, Ok(false), "403, the handler never ran");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let request = |path: &str| {
        Request::post(path)
            .header("origin", apple)
            .header("sec-fetch-site", "cross-site")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(())
            .unwrap()
    };
    let callback = cors.explain(&request("/auth/callback")).unwrap();
    assert_eq!(callback.verdict(), Verdict::Exempt);
    assert!(callback.calls_inner_service());
    assert!(callback.headers().get("access-control-allow-origin").is_none(), "no grant: a form post needs none");
    assert!(callback.to_string().contains("exempt from blocking by allow_cross_origin_posts_to"), "{callback}");
    let other = cors.explain(&request("/api/items")).unwrap();
    assert_eq!(other.verdict(), Verdict::Refused);
    assert_eq!(other.status(), Some(StatusCode::FORBIDDEN));
    // A path is matched whole: not a prefix, not with a trailing slash, and only for `POST`.
    for path in ["/auth/callback/", "/auth/callback/x", "/auth"] {
        assert_eq!(cors.explain(&request(path)).unwrap().verdict(), Verdict::Refused, "{path}");
    }
    let put = Request::put("/auth/callback").header("origin", apple).body(()).unwrap();
    assert_eq!(cors.explain(&put).unwrap().verdict(), Verdict::Refused);
    // A form post that carries no `Origin` (a `no-referrer` page sends `null`, an old browser
    // none) but says `cross-site`: exempt on the callback, refused elsewhere.
    let bare = |path: &str| Request::post(path).header("sec-fetch-site", "cross-site").body(()).unwrap();
    assert_eq!(cors.explain(&bare("/auth/callback")).unwrap().verdict(), Verdict::Exempt);
    assert_eq!(cors.explain(&bare("/api/items")).unwrap().verdict(), Verdict::Refused);
}

/// `explain` names the WebSocket guard: the reason, the 403, the inner service not called, and
/// how to allow it; with the guard off, the handshake reaches the handler as any refused request
/// does without blocking.
#[test]
fn explain_names_the_websocket_guard() {
    let cors = CorsLayer::new().allow_origins(["https://app.example.com"]);
    let handshake = |method: Method, origin: &str| {
        let builder = Request::builder().method(method).uri("/ws").header("origin", origin);
        let builder = builder.header("upgrade", "websocket").header("connection", "Upgrade");
        builder.header("sec-websocket-version", "13").body(()).unwrap()
    };
    let refused = cors.explain(&handshake(Method::GET, ATTACKER)).unwrap();
    assert_eq!(refused.verdict(), Verdict::Refused);
    assert!(!refused.calls_inner_service());
    assert_eq!(refused.status(), Some(StatusCode::FORBIDDEN));
    let refusal = refused.refusal().unwrap();
    assert_eq!(refusal.reason(), RefusalReason::WebSocketOriginNotAllowed);
    assert_eq!(refusal.reason().as_str(), "websocket_origin_not_allowed");
    assert_eq!(refusal.value(), ATTACKER);
    assert!(refusal.hint().unwrap().contains("`guard_websocket_upgrades(false)`"), "{refused}");
    // `Upgrade` is a list of protocols, in any case.
    let mut listed = handshake(Method::GET, ATTACKER);
    listed.headers_mut().insert("upgrade", "h2c, WebSocket".parse().unwrap());
    assert_eq!(cors.explain(&listed).unwrap().status(), Some(StatusCode::FORBIDDEN));
    let mut other = handshake(Method::GET, ATTACKER);
    other.headers_mut().insert("upgrade", "h2c".parse().unwrap());
    assert!(cors.explain(&other).unwrap().calls_inner_service(), "not a WebSocket");
    // HTTP/2's form: `CONNECT` with `Sec-WebSocket-Version`.
    let h2 = cors.explain(&handshake(Method::CONNECT, ATTACKER)).unwrap();
    assert_eq!(h2.refusal().unwrap().reason(), RefusalReason::WebSocketOriginNotAllowed);
    assert_eq!(h2.status(), Some(StatusCode::FORBIDDEN));
    // Allowed and same-origin handshakes pass.
    assert!(cors.explain(&handshake(Method::GET, "https://app.example.com")).unwrap().is_allowed());
    let mut own = handshake(Method::GET, "http://chat.internal:8080");
    own.headers_mut().insert("host", "chat.internal:8080".parse().unwrap());
    assert_eq!(cors.explain(&own).unwrap().verdict(), Verdict::SameOrigin);
    // The guard off: refused, but the handler runs, and the explanation says how to stop it.
    let off = cors.clone().guard_websocket_upgrades(false).explain(&handshake(Method::GET, ATTACKER)).unwrap();
    assert_eq!(off.verdict(), Verdict::Refused);
    assert!(off.calls_inner_service());
    assert_eq!(off.refusal().unwrap().reason(), RefusalReason::OriginNotAllowed);
    assert!(off.to_string().contains("to stop it before the handler, call `block_disallowed_origins(true)`"), "{off}");
}

/// Under blocking, a write without `Origin` that the browser says is cross-site is refused with
/// its own reason, and the hint names the way out for callbacks.
#[test]
fn explain_names_a_cross_site_write_without_origin() {
    let cors = CorsLayer::new().allow_origins(["https://app.example.com"]).block_disallowed_origins(true);
    let request = Request::post("/items").header("sec-fetch-site", "same-site").body(()).unwrap();
    let explanation = cors.explain(&request).unwrap();
    assert_eq!(explanation.verdict(), Verdict::Refused);
    assert_eq!(explanation.status(), Some(StatusCode::FORBIDDEN));
    let refusal = explanation.refusal().unwrap();
    assert_eq!(refusal.reason(), RefusalReason::CrossSiteWithoutOrigin);
    assert_eq!(refusal.value(), "same-site");
    assert!(refusal.hint().unwrap().contains("allow_cross_origin_posts_to"), "{explanation}");
    // A navigation (`GET`) and a write the browser calls same-origin pass.
    let get = Request::get("/items").header("sec-fetch-site", "cross-site").body(()).unwrap();
    assert_eq!(cors.explain(&get).unwrap().verdict(), Verdict::NotCors);
    let own = Request::post("/items").header("sec-fetch-site", "same-origin").body(()).unwrap();
    assert_eq!(cors.explain(&own).unwrap().verdict(), Verdict::NotCors);
}

/// An exempt path must be one a request can carry: each problem reported, with the path.
#[test]
fn exempt_paths_are_validated() {
    use tower_cors::ConfigProblem;
    let error = CorsLayer::new()
        .allow_origins(["https://app.example.com"])
        .allow_cross_origin_posts_to(["/auth/callback", "auth/callback", "/a?b=1", "/a#b", "/a b", "", "/caf\u{e9}"])
        .validate()
        .unwrap_err();
    let paths: Vec<&str> = error
        .problems()
        .iter()
        .map(|problem| match problem {
            ConfigProblem::InvalidExemptPath { path, .. } => path.as_str(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(paths, ["auth/callback", "/a?b=1", "/a#b", "/a b", "", "/caf\u{e9}"]);
    assert!(error.to_string().contains("`auth/callback` in `allow_cross_origin_posts_to` can never equal"), "{error}");
    let fine = CorsLayer::new()
        .allow_origins(["https://app.example.com"])
        .allow_cross_origin_posts_to(["/saml/acs", "/3ds/return%20x"]);
    assert!(fine.validate().is_ok());
}
