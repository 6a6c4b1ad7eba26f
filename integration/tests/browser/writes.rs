//! Cross-origin writes and WebSockets in the three engines, over plain HTTP under a host name that
//! is not loopback-looking: `tower-cors.test`, mapped to 127.0.0.1 in `/etc/hosts`
//! (`.ci/browser.sh` adds the line). Browsers send no `Sec-Fetch-*` to such a URL (it is not
//! potentially trustworthy), which is the case of an intranet site, a LAN address or a docker
//! host name: the layer must then recognise the site's own writes by `Origin` against `Host`.
//!
//! One site, `http://tower-cors.test:SITE`, serves the page and the API behind
//! `block_disallowed_origins(true)` with one allowed origin, `http://tower-cors.test:ALLOWED`
//! (another port, so another origin). The refused page is `http://127.0.0.1:REFUSED`. Each case
//! asserts what the page saw and, on the server, what reached the layer (status, and whether
//! `Sec-Fetch-Site` came) and how often the handler ran.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{Html, Response};
use axum::routing::{any, post};
use axum::Router;
use serde_json::Value;
use tokio::net::TcpListener;
use tower_cors::CorsLayer;

use crate::harness::{Browser, Engine};
use crate::servers;

/// The host name, which must resolve to 127.0.0.1 (an `/etc/hosts` line).
pub(crate) const HOST: &str = "tower-cors.test";

const PAGE: &str = include_str!("page.html");

/// One request as the site saw it: method, path, the layer's status, and whether it carried
/// `Sec-Fetch-Site`.
type Reached = (String, String, u16, bool);

/// What reached the site, and how often each handler ran.
#[derive(Clone, Default)]
struct Seen {
    requests: Arc<Mutex<Vec<Reached>>>,
    writes: Arc<AtomicUsize>,
    sockets: Arc<AtomicUsize>,
}

impl Seen {
    fn take(&self) -> Vec<Reached> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }

    fn counts(&self) -> (usize, usize) {
        (self.writes.load(Ordering::SeqCst), self.sockets.load(Ordering::SeqCst))
    }
}

fn site(cors: CorsLayer, seen: &Seen) -> Router {
    let (writes, sockets, outer) = (Arc::clone(&seen.writes), Arc::clone(&seen.sockets), seen.clone());
    Router::new()
        .route(
            "/items",
            post(move |body: String| {
                writes.fetch_add(1, Ordering::SeqCst);
                async move { format!("saved {body}") }
            }),
        )
        .route(
            "/ws",
            any(move |upgrade: WebSocketUpgrade| {
                sockets.fetch_add(1, Ordering::SeqCst);
                async move {
                    upgrade.on_upgrade(|mut socket| async move {
                        // Held open until the page closes it.
                        while let Some(Ok(_)) = socket.recv().await {}
                    })
                }
            }),
        )
        .fallback(|| async { Html(PAGE) })
        .layer(cors)
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let seen = outer.clone();
            async move {
                let what = (request.method().to_string(), request.uri().path().to_owned());
                let site = request.headers().contains_key("sec-fetch-site");
                let response: Response = next.run(request).await;
                seen.requests.lock().unwrap().push((what.0, what.1, response.status().as_u16(), site));
                response
            }
        }))
}

/// A form-encoded `POST` (a simple request: no preflight), as a `<form>` sends it; `no-cors`
/// from another origin, like a form post whose answer the page never reads.
const POST: &str = "return fetch(arguments[0], {method: 'POST', mode: arguments[1], \
    headers: {'content-type': 'application/x-www-form-urlencoded'}, body: 'name=widget'}).then(\
    async r => r.type === 'opaque' ? 'opaque' : r.status + ' ' + (await r.text()), e => 'error')";

/// Opens a WebSocket; `open` once it is open, `error` if it fails.
const SOCKET: &str = "return new Promise(resolve => { const ws = new WebSocket(arguments[0]); \
    const timer = setTimeout(() => resolve('timeout'), 10000); \
    ws.onopen = () => { clearTimeout(timer); ws.close(); resolve('open'); }; \
    ws.onerror = () => { clearTimeout(timer); resolve('error'); }; })";

/// One case: the page, the script and its argument, what the page sees, and what the site sees:
/// the request's status, and how often the write and WebSocket handlers ran.
struct Case {
    what: &'static str,
    /// The site asked: 0 blocks, 1 has the default settings (the WebSocket guard only).
    site: usize,
    page: String,
    script: &'static str,
    args: Vec<Value>,
    sees: &'static str,
    status: u16,
    runs: (usize, usize),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs browsers and their WebDriver servers: cargo test --test browser -- --ignored (or .ci/browser.sh)"]
async fn cross_origin_writes_and_websockets_over_plain_http_in_every_installed_engine() {
    let resolved: Vec<_> = tokio::net::lookup_host((HOST, 80)).await.map(Iterator::collect).unwrap_or_default();
    assert!(
        resolved.iter().any(|address: &std::net::SocketAddr| address.ip().is_loopback()),
        "`{HOST}` must resolve to 127.0.0.1: add `127.0.0.1 {HOST}` to /etc/hosts (.ci/browser.sh does)"
    );
    let bind = || async { TcpListener::bind("127.0.0.1:0").await.unwrap() };
    let (site_listener, allowed_listener, refused_listener) = (bind().await, bind().await, bind().await);
    let default_listener = bind().await;
    let port = |listener: &TcpListener| listener.local_addr().unwrap().port();
    let own = format!("http://{HOST}:{}", port(&site_listener));
    let allowed = format!("http://{HOST}:{}", port(&allowed_listener));
    let refused = format!("http://127.0.0.1:{}", port(&refused_listener));
    let default_site = format!("http://{HOST}:{}", port(&default_listener));
    let seens = [Seen::default(), Seen::default()];
    let cors = CorsLayer::new().allow_origins([allowed.as_str()]);
    servers::serve(site_listener, site(cors.clone().block_disallowed_origins(true), &seens[0]));
    servers::serve(default_listener, site(cors, &seens[1]));
    servers::serve(allowed_listener, servers::page());
    servers::serve(refused_listener, servers::page());

    let items = Value::from(format!("{own}/items"));
    let socket = Value::from(format!("ws://{HOST}:{}/ws", own.rsplit(':').next().unwrap()));
    let default_items = Value::from(format!("{default_site}/items"));
    let default_socket = Value::from(format!("ws://{HOST}:{}/ws", default_site.rsplit(':').next().unwrap()));
    let case = |what, page: &String, script, args, sees, status, runs| Case {
        what,
        site: 0,
        page: page.clone(),
        script,
        args,
        sees,
        status,
        runs,
    };
    let cases = [
        case(
            "the site's own form-style POST",
            &own,
            POST,
            vec![items.clone(), Value::from("same-origin")],
            "200 saved name=widget",
            200,
            (1, 0),
        ),
        case(
            "a refused origin's POST",
            &refused,
            POST,
            vec![items.clone(), Value::from("no-cors")],
            "opaque",
            403,
            (0, 0),
        ),
        case(
            "an allowed origin's POST",
            &allowed,
            POST,
            vec![items, Value::from("cors")],
            "200 saved name=widget",
            200,
            (1, 0),
        ),
        case("a WebSocket from the site's own page", &own, SOCKET, vec![socket.clone()], "open", 101, (0, 1)),
        case("a WebSocket from an allowed page", &allowed, SOCKET, vec![socket.clone()], "open", 101, (0, 1)),
        case("a WebSocket from a refused page", &refused, SOCKET, vec![socket], "error", 403, (0, 0)),
        // Without blocking: a refused origin's POST runs (CORS governs reads), its WebSocket
        // handshake does not (the guard is on by default).
        Case {
            site: 1,
            ..case(
                "default: a refused origin's POST",
                &refused,
                POST,
                vec![default_items, Value::from("no-cors")],
                "opaque",
                200,
                (1, 0),
            )
        },
        Case {
            site: 1,
            ..case(
                "default: a WebSocket from a refused page",
                &refused,
                SOCKET,
                vec![default_socket.clone()],
                "error",
                403,
                (0, 0),
            )
        },
        Case {
            site: 1,
            ..case(
                "default: a WebSocket from an allowed page",
                &allowed,
                SOCKET,
                vec![default_socket],
                "open",
                101,
                (0, 1),
            )
        },
    ];

    let mut failures = Vec::new();
    let mut ran = 0;
    for engine in Engine::ALL {
        if let Err(why) = engine.installed() {
            println!("engine {}: not installed ({why}), cross-origin writes not checked", engine.name());
            continue;
        }
        let browser = Browser::start(engine).await.unwrap();
        let mut as_expected = 0;
        for case in &cases {
            let seen = &seens[case.site];
            browser.goto(&format!("{}/", case.page)).await.unwrap();
            seen.take();
            let before = seen.counts();
            let sees = browser.run(case.script, case.args.clone()).await.unwrap();
            // The server may log a WebSocket's handshake after the page saw it fail.
            tokio::time::sleep(Duration::from_millis(100)).await;
            let after = seen.counts();
            let runs = (after.0 - before.0, after.1 - before.1);
            // Only the API's paths: a page's own loads (a favicon) are not the case's.
            let requests: Vec<_> =
                seen.take().into_iter().filter(|(_, path, _, _)| path == "/items" || path == "/ws").collect();
            let statuses: Vec<u16> = requests.iter().map(|(_, _, status, _)| *status).collect();
            let with_site = requests.iter().filter(|(_, _, _, site)| *site).count();
            println!(
                "writes  {}: {}: page saw {sees}, site answered {statuses:?} ({with_site} with Sec-Fetch-Site), handlers ran {runs:?}",
                engine.name(),
                case.what
            );
            // Plain HTTP to a name that is not loopback: no Fetch Metadata at all.
            if sees != case.sees || statuses != [case.status] || runs != case.runs || with_site != 0 {
                failures.push(format!(
                    "{} {}: saw {sees} (want {}), statuses {statuses:?} (want [{}]), runs {runs:?} (want {:?}), \
                     {with_site} with Sec-Fetch-Site",
                    engine.name(),
                    case.what,
                    case.sees,
                    case.status,
                    case.runs
                ));
            } else {
                as_expected += 1;
            }
        }
        browser.stop().await;
        ran += 1;
        println!("engine {}: cross-origin writes, {} cases, {as_expected} as expected", engine.name(), cases.len());
    }
    assert!(ran > 0, "no browser engine is installed");
    assert!(failures.is_empty(), "{failures:#?}");
}
