//! Acceptance tests in real browsers: Chromium, Firefox and WebKit, one after the other, run
//! `fetch()` from pages on several origins against APIs wrapped in tower-cors. Each case asserts
//! what the page's JavaScript observed (status and body read, or a `TypeError`; never the console's
//! wording, which differs between engines), which requests reached the server (the preflights
//! included, with their status) and which reached the inner service. The demo page is checked in
//! each engine too.
//!
//! Each engine is driven through WebDriver, the W3C protocol every engine serves:
//!
//! | Engine | Browser | WebDriver server | Display |
//! |---|---|---|---|
//! | Chromium | Debian's `chromium` | `chromedriver` (`chromium-driver`) | headless |
//! | Firefox | Debian's `firefox-esr` | `geckodriver` (`cargo install geckodriver`) | headless |
//! | WebKit | WebKitGTK's `MiniBrowser` (`libwebkit2gtk-4.1-0`) | `WebKitWebDriver` (`webkit2gtk-driver`) | Xvfb: `xvfb-run -a` |
//!
//! fantoccini is the maintained Rust WebDriver client; its `execute` awaits the Promise a script
//! returns and hands back the value as JSON, which is all these tests need. (The DevTools
//! protocol would tie the tests to Chromium.)
//!
//! Each case states its expected outcome once. Where an engine does otherwise by its own choice,
//! never for a bug of ours, the case records that engine's measured outcome (`on`), so that a
//! browser update that changes it fails the case. Measured on 2026-12-01 with Chromium
//! 156.0.8078.114, Firefox ESR 153.8.0 and WebKitGTK 2.50.6 (MiniBrowser), 40 cases each:
//!
//! | Behaviour | Chromium 156 | Firefox 153 | WebKitGTK 2.50 |
//! |---|---|---|---|
//! | A second PUT right after a granted preflight (no `max_age`, or 600 s), early in a session | reuses the preflight | **preflights again** (see `firefox_preflights_again`) | reuses the preflight |
//! | The same, at the end of the cases | reuses the preflight | reuses the preflight | reuses the preflight |
//! | A hand-written `Access-Control-Allow-Headers: *` covers `Authorization` (the standard says it never does) | yes | yes (pref `network.cors_preflight.authorization_covered_by_wildcard`, on by default) | yes |
//! | `a.localhost`, `a.b.localhost` resolve to loopback | yes | yes | yes |
//! | Every other case: what the page read, what reached the server and the application | the same | the same | the same |
//!
//! The console's error texts differ (and are not asserted). tower-cors's answers are the same in
//! all three: only Firefox's use of its preflight cache early in a session differs, one more
//! preflight at most.
//!
//! These tests need the browsers and their WebDriver servers, so plain `cargo test` skips them.
//! Run them with
//!
//! ```sh
//! xvfb-run -a cargo test --all-features --test browser -- --ignored --nocapture   # or .ci/browser.sh
//! ```
//!
//! Each engine whose browser and driver are installed runs (and prints `engine NAME: N cases, M
//! as expected`); one that is installed but cannot start fails the test. `BROWSER_ENGINES=firefox`
//! (names, separated by commas) runs only those. `CHROMEDRIVER`, `GECKODRIVER` and
//! `WEBKIT_WEBDRIVER` override the drivers' paths, `CHROMIUM`, `FIREFOX` and `MINIBROWSER` the
//! browsers'.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// The demo, so that the page a newcomer opens first is checked here too.
#[allow(dead_code)]
#[path = "../examples/demo.rs"]
mod demo;
#[path = "browser/harness.rs"]
mod harness;
#[path = "browser/servers.rs"]
mod servers;

use std::sync::Arc;
use std::time::{Duration, Instant};

use http::header::CONTENT_TYPE;
use http::{HeaderName, Method};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tower_cors::CorsLayer;

use harness::{Browser, Engine};
use servers::Log;

const X_CUSTOM: HeaderName = HeaderName::from_static("x-custom");
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The page a case runs in.
#[derive(Clone, Copy, Debug)]
enum Page {
    /// `http://127.0.0.1:PAGE`, the origin the policies list.
    Allowed,
    /// `http://127.0.0.1:OTHER`: another port, so another origin, listed nowhere.
    Other,
    /// `http://{host}:PAGE`; each engine resolves `localhost` and `*.localhost` to loopback itself.
    Host(&'static str),
    /// `http://{host}:OTHER`.
    HostOnOtherPort(&'static str),
    /// A sandboxed iframe inside the allowed page: an opaque origin, `Origin: null`.
    Sandboxed,
    /// The API's own origin: same-origin requests, which still carry `Origin` when not GET or HEAD.
    ApiItself,
}

/// One `fetch()`; serialized to JSON for the page's `probe` function.
#[derive(Clone, Debug)]
struct Fetch {
    method: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: Option<&'static str>,
    credentials: &'static str,
    read: Vec<&'static str>,
    wait_ms: u64,
}

fn fetch(method: &'static str) -> Fetch {
    Fetch { method, headers: vec![], body: None, credentials: "same-origin", read: vec![], wait_ms: 0 }
}

fn get() -> Fetch {
    fetch("GET")
}

fn put() -> Fetch {
    fetch("PUT").header("x-custom", "1")
}

impl Fetch {
    fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }

    fn json(self, body: &'static str) -> Self {
        Self { body: Some(body), ..self.header("content-type", "application/json") }
    }

    /// `credentials: 'include'`: cookies go to other origins too, and reading needs `Allow-Credentials`.
    fn credentials(self) -> Self {
        Self { credentials: "include", ..self }
    }

    /// Reads this response header with `response.headers.get(name)`.
    fn read(mut self, name: &'static str) -> Self {
        self.read.push(name);
        self
    }

    fn after_ms(self, wait_ms: u64) -> Self {
        Self { wait_ms, ..self }
    }

    fn to_json(&self) -> Value {
        let headers: serde_json::Map<String, Value> =
            self.headers.iter().map(|(n, v)| ((*n).to_owned(), Value::from(*v))).collect();
        json!({ "method": self.method, "headers": headers, "body": self.body, "credentials": self.credentials,
                "read": self.read, "wait_ms": self.wait_ms })
    }
}

/// What the page's JavaScript observed for one fetch.
fn read(body: &str) -> Value {
    json!({ "status": 200, "body": body, "headers": {} })
}

fn read_with(body: &str, headers: Value) -> Value {
    json!({ "status": 200, "body": body, "headers": headers })
}

/// fetch() rejected: the browser withheld the response (or never sent the request).
fn blocked() -> Value {
    json!({ "error": "TypeError" })
}

struct Case {
    name: &'static str,
    page: Page,
    /// Which API server (policy) the page fetches from.
    api: &'static str,
    fetches: Vec<Fetch>,
    /// What the page observed, one value per fetch.
    observed: Vec<Value>,
    /// What reached the server, in order: `GET 200`, `preflight PUT x-custom 204`, ...
    server: &'static [&'static str],
    /// What reached the inner service (the application), as it described the request.
    inner: &'static [&'static str],
    /// Where an engine does otherwise by its own choice (never for a bug of ours): what it did,
    /// measured, so that a browser update that changes it fails the case.
    on: Vec<(Engine, Outcome)>,
}

/// What one engine did in a case where it differs from the others.
struct Outcome {
    observed: Vec<Value>,
    server: &'static [&'static str],
    inner: &'static [&'static str],
}

impl Case {
    /// What `engine` is expected to do: the case's own outcome, unless it records another one.
    fn expected(&self, engine: Engine) -> (&[Value], &[&str], &[&str]) {
        match self.on.iter().find(|(differs, _)| *differs == engine) {
            Some((_, outcome)) => (&outcome.observed, outcome.server, outcome.inner),
            None => (&self.observed, self.server, self.inner),
        }
    }
}

fn cases() -> Vec<Case> {
    use Page::{Allowed, ApiItself, Host, HostOnOtherPort, Other, Sandboxed};
    vec![
        // The basic policy: the page's origin; PUT and OPTIONS; content-type and x-custom; x-request-id exposed.
        Case {
            name: "simple GET: no preflight, response read",
            page: Allowed,
            api: "basic",
            fetches: vec![get()],
            observed: vec![read("GET")],
            server: &["GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        Case {
            name: "JSON POST: preflighted for content-type, then read",
            page: Allowed,
            api: "basic",
            fetches: vec![fetch("POST").json(r#"{"n":1}"#)],
            observed: vec![read(r#"POST {"n":1}"#)],
            server: &["preflight POST content-type 204", "POST 200"],
            inner: &[r#"POST {"n":1}"#],
            on: vec![],
        },
        Case {
            name: "PUT with an allowed custom header: preflight granted, then read",
            page: Allowed,
            api: "basic",
            fetches: vec![put()],
            observed: vec![read("PUT")],
            server: &["preflight PUT x-custom 204", "PUT 200"],
            inner: &["PUT"],
            on: vec![],
        },
        Case {
            name: "PUT with a header the policy does not allow: preflight 403, PUT never sent",
            page: Allowed,
            api: "basic",
            fetches: vec![put().header("x-not-allowed", "1")],
            observed: vec![blocked()],
            server: &["preflight PUT x-custom,x-not-allowed 403"],
            inner: &[],
            on: vec![],
        },
        Case {
            name: "DELETE the policy does not allow: preflight 403, DELETE never sent",
            page: Allowed,
            api: "basic",
            fetches: vec![fetch("DELETE")],
            observed: vec![blocked()],
            server: &["preflight DELETE 403"],
            inner: &[],
            on: vec![],
        },
        Case {
            name: "exposed header: readable",
            page: Allowed,
            api: "basic",
            fetches: vec![get().read("x-request-id")],
            observed: vec![read_with("GET", json!({ "x-request-id": "42" }))],
            server: &["GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        Case {
            name: "header not exposed: reads as null",
            page: Allowed,
            api: "basic",
            fetches: vec![get().read("x-secret")],
            observed: vec![read_with("GET", json!({ "x-secret": null }))],
            server: &["GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        Case {
            name: "header the application exposes itself: still readable, next to the policy's",
            page: Allowed,
            api: "basic",
            fetches: vec![get().read("x-app-own").read("x-request-id")],
            observed: vec![read_with("GET", json!({ "x-app-own": "mine", "x-request-id": "42" }))],
            server: &["GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        Case {
            name: "non-preflight OPTIONS: preflighted, then answered by the application's own handler",
            page: Allowed,
            api: "basic",
            fetches: vec![fetch("OPTIONS")],
            observed: vec![read("OPTIONS")],
            server: &["preflight OPTIONS 204", "OPTIONS 200"],
            inner: &["OPTIONS"],
            on: vec![],
        },
        Case {
            name: "no max_age: the browser caches the preflight for the default 5 s",
            page: Allowed,
            api: "basic",
            fetches: vec![put(), put()],
            observed: vec![read("PUT"), read("PUT")],
            server: &["preflight PUT x-custom 204", "PUT 200", "PUT 200"],
            inner: &["PUT", "PUT"],
            on: vec![firefox_preflights_again()],
        },
        // Origins the basic policy does not list.
        Case {
            name: "disallowed origin, GET: reaches the application, response withheld",
            page: Other,
            api: "basic",
            fetches: vec![get()],
            observed: vec![blocked()],
            server: &["GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        Case {
            name: "disallowed origin, PUT: preflight 403, PUT never sent",
            page: Other,
            api: "basic",
            fetches: vec![put()],
            observed: vec![blocked()],
            server: &["preflight PUT x-custom 403"],
            inner: &[],
            on: vec![],
        },
        Case {
            name: "Origin: null from a sandboxed iframe: response withheld",
            page: Sandboxed,
            api: "basic",
            fetches: vec![get()],
            observed: vec![blocked()],
            server: &["GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        Case {
            name: "Origin: null from a sandboxed iframe, preflighted: preflight 403",
            page: Sandboxed,
            api: "basic",
            fetches: vec![put()],
            observed: vec![blocked()],
            server: &["preflight PUT x-custom 403"],
            inner: &[],
            on: vec![],
        },
        Case {
            name: "any origin: Origin: null from a sandboxed iframe reads with `*`",
            page: Sandboxed,
            api: "public",
            fetches: vec![get()],
            observed: vec![read("GET")],
            server: &["GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        // Credentials: the page set the cookie `session=abc` for 127.0.0.1, the APIs' host too.
        Case {
            name: "credentials 'include' with allow_credentials: cookie sent, response read",
            page: Allowed,
            api: "credentials",
            fetches: vec![get().credentials()],
            observed: vec![read("GET cookie: session=abc")],
            server: &["GET 200 with cookie"],
            inner: &["GET cookie: session=abc"],
            on: vec![],
        },
        Case {
            name: "credentials 'include' without allow_credentials: cookie sent, response withheld",
            page: Allowed,
            api: "basic",
            fetches: vec![get().credentials()],
            observed: vec![blocked()],
            server: &["GET 200 with cookie"],
            inner: &["GET cookie: session=abc"],
            on: vec![],
        },
        Case {
            name: "credentialed PUT with allow_credentials: preflight without cookie, PUT with it",
            page: Allowed,
            api: "credentials",
            fetches: vec![put().credentials()],
            observed: vec![read("PUT cookie: session=abc")],
            server: &["preflight PUT x-custom 204", "PUT 200 with cookie"],
            inner: &["PUT cookie: session=abc"],
            on: vec![],
        },
        Case {
            name: "default credentials mode: no cookie to another origin, even with allow_credentials",
            page: Allowed,
            api: "credentials",
            fetches: vec![get()],
            observed: vec![read("GET")],
            server: &["GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        Case {
            name: "expose_any_header without credentials: `*` makes every header readable",
            page: Allowed,
            api: "expose-any",
            fetches: vec![get().read("x-secret")],
            observed: vec![read_with("GET", json!({ "x-secret": "s3cret" }))],
            server: &["GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        Case {
            name: "expose_any_header with credentials: the names are listed, as `*` would be literal",
            page: Allowed,
            api: "expose-any+credentials",
            fetches: vec![get().credentials().read("x-secret")],
            observed: vec![read_with("GET cookie: session=abc", json!({ "x-secret": "s3cret" }))],
            server: &["GET 200 with cookie"],
            inner: &["GET cookie: session=abc"],
            on: vec![],
        },
        Case {
            name: "allow_any_header with credentials: the names are echoed, as `*` would be literal",
            page: Allowed,
            api: "any-header+credentials",
            fetches: vec![get().credentials().header("x-anything", "1")],
            observed: vec![read("GET cookie: session=abc")],
            server: &["preflight GET x-anything 204", "GET 200 with cookie"],
            inner: &["GET cookie: session=abc"],
            on: vec![],
        },
        // block_disallowed_origins.
        Case {
            name: "block_disallowed_origins, disallowed origin: 403, application never runs",
            page: Other,
            api: "blocking",
            fetches: vec![get()],
            observed: vec![blocked()],
            server: &["GET 403"],
            inner: &[],
            on: vec![],
        },
        Case {
            name: "block_disallowed_origins, allowed origin: read",
            page: Allowed,
            api: "blocking",
            fetches: vec![get()],
            observed: vec![read("GET")],
            server: &["GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        Case {
            name:
                "block_disallowed_origins, same-origin POST (carries Origin, and the cookie): reaches the application",
            page: ApiItself,
            api: "blocking",
            fetches: vec![fetch("POST").json(r#"{"n":2}"#)],
            observed: vec![read(r#"POST {"n":2} cookie: session=abc"#)],
            server: &["POST 200 with cookie"],
            inner: &[r#"POST {"n":2} cookie: session=abc"#],
            on: vec![],
        },
        // preflight_passthrough: the application answers preflights, the layer adds or strips the grant.
        Case {
            name: "preflight_passthrough: the application answers the preflight, the layer adds the grant",
            page: Allowed,
            api: "passthrough",
            fetches: vec![put()],
            observed: vec![read("PUT")],
            server: &["preflight PUT x-custom 200", "PUT 200"],
            inner: &["OPTIONS", "PUT"],
            on: vec![],
        },
        Case {
            name: "preflight_passthrough, header not allowed: the application's 200 carries no grant, PUT never sent",
            page: Allowed,
            api: "passthrough",
            fetches: vec![put().header("x-not-allowed", "1")],
            observed: vec![blocked()],
            server: &["preflight PUT x-custom,x-not-allowed 200"],
            inner: &["OPTIONS"],
            on: vec![],
        },
        // max_age, counted in the preflights that reach the server.
        Case {
            name: "max_age 600 s: the second PUT sends no preflight",
            page: Allowed,
            api: "cached",
            fetches: vec![put(), put()],
            observed: vec![read("PUT"), read("PUT")],
            server: &["preflight PUT x-custom 204", "PUT 200", "PUT 200"],
            inner: &["PUT", "PUT"],
            on: vec![firefox_preflights_again()],
        },
        Case {
            name: "max_age 0: every PUT is preflighted",
            page: Allowed,
            api: "uncached",
            fetches: vec![put(), put()],
            observed: vec![read("PUT"), read("PUT")],
            server: &["preflight PUT x-custom 204", "PUT 200", "preflight PUT x-custom 204", "PUT 200"],
            inner: &["PUT", "PUT"],
            on: vec![],
        },
        Case {
            name: "max_age 1 s: preflighted again once it expired",
            page: Allowed,
            api: "cached-1s",
            fetches: vec![put(), put().after_ms(1500)],
            observed: vec![read("PUT"), read("PUT")],
            server: &["preflight PUT x-custom 204", "PUT 200", "preflight PUT x-custom 204", "PUT 200"],
            inner: &["PUT", "PUT"],
            on: vec![],
        },
        // Wildcard subdomains: `http://*.localhost:PAGE`.
        Case {
            name: "*.localhost pattern: a.localhost allowed",
            page: Host("a.localhost"),
            api: "subdomains",
            fetches: vec![put()],
            observed: vec![read("PUT")],
            server: &["preflight PUT x-custom 204", "PUT 200"],
            inner: &["PUT"],
            on: vec![],
        },
        Case {
            name: "*.localhost pattern: a.b.localhost allowed",
            page: Host("a.b.localhost"),
            api: "subdomains",
            fetches: vec![get()],
            observed: vec![read("GET")],
            server: &["GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        Case {
            name: "*.localhost pattern: bare localhost refused",
            page: Host("localhost"),
            api: "subdomains",
            fetches: vec![put()],
            observed: vec![blocked()],
            server: &["preflight PUT x-custom 403"],
            inner: &[],
            on: vec![],
        },
        Case {
            name: "*.localhost pattern: a.localhost on another port refused",
            page: HostOnOtherPort("a.localhost"),
            api: "subdomains",
            fetches: vec![get()],
            observed: vec![blocked()],
            server: &["GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        // Any header, and Authorization.
        Case {
            name: "allow_any_header: a custom header is granted with `*`",
            page: Allowed,
            api: "any-header",
            fetches: vec![get().header("x-anything", "1")],
            observed: vec![read("GET")],
            server: &["preflight GET x-anything 204", "GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        Case {
            name: "allow_any_header: Authorization is not covered, preflight 403",
            page: Allowed,
            api: "any-header",
            fetches: vec![get().header("authorization", "Bearer t")],
            observed: vec![blocked()],
            server: &["preflight GET authorization 403"],
            inner: &[],
            on: vec![],
        },
        Case {
            name: "allow_any_header plus Authorization listed: `*,authorization` granted",
            page: Allowed,
            api: "any-header+auth",
            fetches: vec![get().header("authorization", "Bearer t").header("x-anything", "1")],
            observed: vec![read("GET")],
            server: &["preflight GET authorization,x-anything 204", "GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        // A record of the browsers, not of tower-cors: the Fetch Standard says `*` never covers
        // Authorization (#cors-non-wildcard-request-header-name), yet Chromium 156, Firefox 153
        // (its pref `network.cors_preflight.authorization_covered_by_wildcard`, on by default)
        // and WebKitGTK 2.50 all let it. tower-cors
        // follows the standard (the 403 above). If an engine starts enforcing the rule, this
        // case fails: record that engine's outcome, blocked after the preflight only.
        Case {
            name: "the browser itself: a hand-written `Allow-Headers: *` DOES cover Authorization",
            page: Allowed,
            api: "hand-written-*",
            fetches: vec![get().header("authorization", "Bearer t")],
            observed: vec![read("GET")],
            server: &["preflight GET authorization 204", "GET 200"],
            inner: &["GET"],
            on: vec![],
        },
        // The two cache cases again, last, when the browser has run the others: here Firefox
        // reuses the preflight too, so the answer is cacheable and its early misses are its own.
        Case {
            name: "no max_age, later in the session: the second PUT sends no preflight, in Firefox too",
            page: Allowed,
            api: "basic",
            fetches: vec![put(), put()],
            observed: vec![read("PUT"), read("PUT")],
            server: &["preflight PUT x-custom 204", "PUT 200", "PUT 200"],
            inner: &["PUT", "PUT"],
            on: vec![],
        },
        Case {
            name: "max_age 600 s, later in the session: the second PUT sends no preflight, in Firefox too",
            page: Allowed,
            api: "cached",
            fetches: vec![put(), put()],
            observed: vec![read("PUT"), read("PUT")],
            server: &["preflight PUT x-custom 204", "PUT 200", "PUT 200"],
            inner: &["PUT", "PUT"],
            on: vec![],
        },
    ]
}

/// Firefox 153 early in a session: the second of two back-to-back PUTs is preflighted again,
/// with or without `max_age`, where Chromium and WebKit reuse the first preflight. The same two
/// cases at the end of the list, in the same session, reuse it in Firefox too (and in a
/// stand-alone page, Firefox missed only in its first seconds), so the answer is cacheable:
/// what warms Firefox's preflight cache up was not pinned down (not a pause: it still missed
/// after 6 s and 12 s of one before the cases). Harmless, one more preflight answered the same
/// way; recorded so that a Firefox that reuses it from the start fails the two early cases.
fn firefox_preflights_again() -> (Engine, Outcome) {
    let outcome = Outcome {
        observed: vec![read("PUT"), read("PUT")],
        server: &["preflight PUT x-custom 204", "PUT 200", "preflight PUT x-custom 204", "PUT 200"],
        inner: &["PUT", "PUT"],
    };
    (Engine::Firefox, outcome)
}

/// The policies under test, each served by its own API server.
fn policies(page: &str, page_port: u16) -> Vec<(&'static str, CorsLayer)> {
    let basic = || {
        CorsLayer::new()
            .allow_origins([page])
            .allow_methods([Method::PUT, Method::OPTIONS])
            .allow_headers([CONTENT_TYPE, X_CUSTOM])
            .expose_headers([X_REQUEST_ID])
    };
    let put_only = || CorsLayer::new().allow_origins([page]).allow_methods([Method::PUT]).allow_headers([X_CUSTOM]);
    vec![
        ("basic", basic()),
        ("credentials", put_only().allow_credentials(true)),
        ("blocking", basic().block_disallowed_origins(true)),
        ("passthrough", put_only().preflight_passthrough(true)),
        ("public", CorsLayer::new().allow_any_origin()),
        ("cached", put_only().max_age(Duration::from_secs(600))),
        ("uncached", put_only().max_age(Duration::ZERO)),
        ("cached-1s", put_only().max_age(Duration::from_secs(1))),
        ("subdomains", put_only().allow_origins([format!("http://*.localhost:{page_port}")])),
        ("any-header", CorsLayer::new().allow_origins([page]).allow_any_header()),
        ("any-header+credentials", CorsLayer::new().allow_origins([page]).allow_any_header().allow_credentials(true)),
        ("expose-any", CorsLayer::new().allow_origins([page]).expose_any_header()),
        ("expose-any+credentials", CorsLayer::new().allow_origins([page]).expose_any_header().allow_credentials(true)),
        ("any-header+auth", CorsLayer::new().allow_origins([page]).allow_any_header_and_authorization()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs browsers and their WebDriver servers: cargo test --test browser -- --ignored (or .ci/browser.sh)"]
async fn cors_in_every_installed_engine() {
    let page_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (page_port, other_port) =
        (page_listener.local_addr().unwrap().port(), other_listener.local_addr().unwrap().port());
    servers::serve(page_listener, servers::page());
    servers::serve(other_listener, servers::page());
    let page = format!("http://127.0.0.1:{page_port}");

    let log = Log::default();
    let mut apis = Vec::new();
    let mut routers: Vec<_> = policies(&page, page_port)
        .into_iter()
        .map(|(name, cors)| {
            cors.validate().unwrap_or_else(|e| panic!("policy {name}: {e}"));
            (name, servers::api(name, &log, cors))
        })
        .collect();
    routers.push(("hand-written-*", servers::hand_written_wildcard("hand-written-*", &log)));
    for (name, router) in routers {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        apis.push((name, format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())));
        servers::serve(listener, router);
    }
    let sites = Arc::new(Sites { page, page_port, other_port, apis, log });

    // One engine after the other: each with a fresh browser, so no preflight cache carries over.
    let mut failed = Vec::new();
    let mut ran = 0;
    for engine in Engine::ALL {
        if let Err(why) = engine.installed() {
            println!("engine {}: not installed ({why}), skipped", engine.name());
            continue;
        }
        ran += 1;
        let started = Instant::now();
        let (count, failures) = match run_engine(engine, &sites).await {
            Ok(outcome) => outcome,
            Err(why) => {
                println!("engine {}: FAILED to run: {why}", engine.name());
                failed.push(format!("{}: {why}", engine.name()));
                continue;
            }
        };
        println!(
            "engine {}: {count} cases, {} as expected ({:.0} s)",
            engine.name(),
            count - failures.len(),
            started.elapsed().as_secs_f64()
        );
        failed.extend(failures.iter().map(|case| format!("{}: {case}", engine.name())));
    }
    assert!(ran > 0, "no browser engine is installed");
    assert!(cases().len() >= 20, "at least 20 cases");
    assert!(failed.is_empty(), "{} browser cases failed: {failed:#?}", failed.len());
}

/// The servers every engine's cases talk to.
struct Sites {
    /// The allowed page's origin, `http://127.0.0.1:PAGE`.
    page: String,
    page_port: u16,
    other_port: u16,
    /// Each policy's API server: its name and origin.
    apis: Vec<(&'static str, String)>,
    log: Log,
}

/// Runs every case in `engine`: how many, and the names of those that failed.
async fn run_engine(engine: Engine, sites: &Arc<Sites>) -> Result<(usize, Vec<&'static str>), String> {
    let browser = Browser::start(engine).await.map_err(|e| format!("the browser could not start: {e}"))?;
    println!("engine {}: {} ({})", engine.name(), browser.version(), browser.user_agent());
    // Run the cases in a task, so that even after a panic the browser is stopped below.
    let browser = Arc::new(browser);
    let (in_task, sites) = (Arc::clone(&browser), Arc::clone(sites));
    let run = tokio::spawn(async move {
        let browser = in_task;
        let mut failures = Vec::new();
        let cases = cases();
        for (n, case) in cases.iter().enumerate() {
            let api = &sites.apis.iter().find(|(name, _)| *name == case.api).expect("a known API").1;
            let origin = match case.page {
                Page::Allowed | Page::Sandboxed => sites.page.clone(),
                Page::Other => format!("http://127.0.0.1:{}", sites.other_port),
                Page::Host(host) => format!("http://{host}:{}", sites.page_port),
                Page::HostOnOtherPort(host) => format!("http://{host}:{}", sites.other_port),
                Page::ApiItself => api.clone(),
            };
            // A path of its own per case, so that no preflight cache entry carries over.
            let url = format!("{api}/case-{n}");
            match run_case(&browser, engine, case, &origin, &url, &sites.log).await {
                Ok(()) => println!("ok      {}: {}", engine.name(), case.name),
                Err(why) => {
                    println!("FAILED  {}: {}\n{why}", engine.name(), case.name);
                    failures.push(case.name);
                }
            }
        }
        (cases.len(), failures)
    });
    let finished = run.await;
    match Arc::try_unwrap(browser) {
        Ok(browser) => browser.stop().await,
        Err(_) => unreachable!("the task has ended, and its handle on the browser with it"),
    }
    Ok(finished.unwrap_or_else(|panicked| std::panic::resume_unwind(panicked.into_panic())))
}

/// Runs one case; the error describes every difference from what it expects of `engine`.
async fn run_case(
    browser: &Browser,
    engine: Engine,
    case: &Case,
    origin: &str,
    url: &str,
    log: &Log,
) -> Result<(), String> {
    browser.goto(&format!("{origin}/")).await.map_err(|e| format!("  cannot open {origin}: {e}"))?;
    log.take();
    let (script, expected_origin) = match case.page {
        Page::Sandboxed => ("return inSandbox(arguments[0], arguments[1])", "null"),
        _ => ("return runFetches(arguments[0], arguments[1])", origin),
    };
    let fetches = Value::from(case.fetches.iter().map(Fetch::to_json).collect::<Vec<_>>());
    let seen = browser.run(script, vec![Value::from(url), fetches]).await.map_err(|e| format!("  script: {e}"))?;
    let entries = log.take();

    let (observed, server, inner) = case.expected(engine);
    let mut problems = Vec::new();
    if seen["origin"] != expected_origin {
        problems.push(format!("  page origin: expected {expected_origin}, got {}", seen["origin"]));
    }
    if seen["results"] != Value::from(observed) {
        problems.push(format!("  page observed: {}\n       expected: {}", seen["results"], json!(observed)));
    }
    let lines = |inner: bool| entries.iter().filter(|e| e.inner == inner).map(|e| e.line.as_str()).collect::<Vec<_>>();
    if lines(false) != server {
        problems.push(format!("  server saw: {:?}\n   expected: {server:?}", lines(false)));
    }
    if lines(true) != inner {
        problems.push(format!("  inner service saw: {:?}\n          expected: {inner:?}", lines(true)));
    }
    for entry in &entries {
        if entry.api != case.api || entry.origin.as_deref() != Some(expected_origin) {
            problems.push(format!("  unexpected request: {entry:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs browsers and their WebDriver servers: cargo test --test browser -- --ignored (or .ci/browser.sh)"]
async fn demo_page_shows_every_promised_outcome_in_every_installed_engine() {
    let page = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origins = [page.local_addr().unwrap(), other.local_addr().unwrap()].map(|a| format!("http://{a}/"));
    tokio::spawn(demo::serve(page, api, other));

    let mut failed = Vec::new();
    let mut ran = 0;
    for engine in Engine::ALL {
        if let Err(why) = engine.installed() {
            println!("engine {}: not installed ({why}), skipped", engine.name());
            continue;
        }
        ran += 1;
        let started = Instant::now();
        match demo_in(engine, &origins).await {
            Ok(()) => println!(
                "engine {}: demo page as expected on both origins ({:.0} s)",
                engine.name(),
                started.elapsed().as_secs_f64()
            ),
            Err(why) => {
                println!("engine {}: demo page FAILED: {why}", engine.name());
                failed.push(format!("{}: {why}", engine.name()));
            }
        }
    }
    assert!(ran > 0, "no browser engine is installed");
    assert!(failed.is_empty(), "the demo page failed in {failed:#?}");
}

/// Opens the demo page on the allowed origin and on the other one in `engine`, and checks what
/// its table shows, and that it names the browser it runs in.
async fn demo_in(engine: Engine, origins: &[String; 2]) -> Result<(), String> {
    let browser = Browser::start(engine).await.map_err(|e| format!("the browser could not start: {e}"))?;
    let mut tables = Vec::new();
    for origin in origins {
        tables.push(demo_table(&browser, origin).await);
    }
    let user_agent = browser.user_agent().to_owned();
    browser.stop().await;

    // What the browser did in each case, read from the table; the allowed origin first.
    let [allowed, other] = [&tables[0], &tables[1]].map(Clone::clone);
    let (allowed, other) = (allowed?, other?);
    let outcomes = |rows: &Value| rows["rows"].as_array().unwrap().iter().map(|r| r[2].clone()).collect::<Vec<_>>();
    let promised =
        ["read", "read", "read", "blocked", "blocked", "read", "read, x-request-id: 7", "read, x-internal: null"];
    let mut problems = Vec::new();
    if outcomes(&allowed) != promised {
        problems.push(format!("allowed origin: {:?}, promised {promised:?}", outcomes(&allowed)));
    }
    if allowed["rows"][5][3] != r#"{"cookie":"demo_session=hello"}"# {
        problems.push(format!("the credentialed case: {}", allowed["rows"][5][3]));
    }
    if outcomes(&other) != vec!["blocked"; 8] {
        problems.push(format!("other origin: {:?}, promised all blocked", outcomes(&other)));
    }
    for table in [&allowed, &other] {
        if table["summary"] != "8 of 8 cases as expected" {
            problems.push(format!("summary: {table:#}"));
        }
        if table["browser"] != user_agent.as_str() {
            problems.push(format!("the page names the browser {}, not {user_agent:?}", table["browser"]));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Opens the demo page and returns its summary and table once every case has run.
async fn demo_table(browser: &Browser, url: &str) -> Result<Value, String> {
    browser.goto(url).await.map_err(|e| e.to_string())?;
    let script = r##"
        const summary = document.getElementById("summary").textContent;
        const browser = document.getElementById("browser").textContent;
        const rows = [...document.querySelectorAll("#cases tr")].map((tr) => [...tr.cells].map((c) => c.textContent));
        return { summary, browser, rows };
    "##;
    for _ in 0..100 {
        let table = browser.run(script, vec![]).await.map_err(|e| e.to_string())?;
        if table["summary"].as_str().is_some_and(|s| s.contains(" of ")) {
            return Ok(table);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{url}: no summary after 10 s"))
}
