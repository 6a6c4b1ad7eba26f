//! The test kit's fetch edges, in the browsers: URLs the script writes relative, protocol-relative,
//! with credentials or to be normalized; requests `fetch()` refuses; a header on two lines;
//! redirects; the headers Chromium sends without a preflight; the preflight cache after a failed
//! preflight; and Chromium's console words for answers a CORS layer never gives.
//!
//! A hand-written server answers (no CORS layer at all), so these cases test the kit alone. It
//! listens on two ports: the page's origin (`page`), which also serves the page, and the API's
//! (`api`). Each case's handler is chosen by the first segment of the path (`/e3/...`). Every
//! request it sees is logged as one line with what a browser decided: the method, the request
//! target, which server (`host`), `Origin`, `Access-Control-Request-*` and `Sec-Fetch-*`, and the
//! status it answered.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use tower_cors::testing;

use super::harness::Engine;

/// One `fetch(url, init)` of a case: `{api}` in the URL is the API's origin, `{api_host}` its
/// host and port.
#[derive(Clone, Debug)]
pub(crate) struct EdgeFetch {
    pub(crate) url: &'static str,
    pub(crate) method: &'static str,
    pub(crate) headers: Vec<(&'static str, &'static str)>,
    pub(crate) body: Option<&'static str>,
    /// `credentials: 'include'`.
    pub(crate) include: bool,
}

/// What one engine, or the kit, observed in a case: what the script read of each fetch (status,
/// body and `response.redirected`, or the error's name), and the lines of what reached the server.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Seen {
    pub(crate) observed: Vec<Value>,
    pub(crate) server: Vec<String>,
}

/// An engine's own outcome of a case, where it differs from Chromium's (and the kit's).
pub(crate) struct Differs {
    pub(crate) observed: Vec<Value>,
    pub(crate) server: &'static [&'static str],
}

pub(crate) struct EdgeCase {
    pub(crate) name: &'static str,
    pub(crate) fetches: Vec<EdgeFetch>,
    /// What the handler answers: [`Handler`].
    handler: Handler,
    /// Chromium's outcome, which the kit must reach.
    pub(crate) observed: Vec<Value>,
    pub(crate) server: &'static [&'static str],
    /// Chromium's console reason for the (last) blocked fetch, after "Access to fetch at ...";
    /// the kit's `Display` must be the same line.
    pub(crate) console: Option<&'static str>,
    /// Firefox's or WebKit's own outcome, measured, where it differs.
    pub(crate) on: Vec<(Engine, Differs)>,
}

/// How the hand-written server answers a case's requests.
#[derive(Clone, Copy, Debug)]
enum Handler {
    /// Preflights granted for what they ask (`Origin` echoed, max age 0); the actual request
    /// answered 200 with `Access-Control-Allow-Origin` echoing `Origin`.
    Grant,
    /// Preflights answered 403 without any CORS header; the actual request as `Grant`.
    RefusePreflights,
    /// 200 without any CORS header.
    NoCors,
    /// 200 with this `Access-Control-Allow-Origin`, verbatim.
    AllowOrigin(&'static str),
    /// `.../from` answers this status with `Location: to` (`to` relative to it) and
    /// `Access-Control-Allow-Origin` echoing `Origin`; everything else as `then`.
    Redirect(u16, &'static str, &'static Handler),
    /// Preflights granted with max age 600 s only when they ask for exactly `x-a`, else 403.
    GrantOnlyXA,
    /// Preflights answered 204 with `Origin` echoed, `Allow-Methods: PUT`, `Allow-Headers: x-c`.
    AllowOnlyXC,
    /// Preflights answered 500 with `Origin` echoed.
    PreflightError,
    /// Preflights granted as `Grant` does, with this `Access-Control-Max-Age`; the actual
    /// request answered without any CORS header when its `x-a` is `fail`, else as `Grant`.
    GrantWithMaxAge(&'static str),
}

fn get(url: &'static str) -> EdgeFetch {
    EdgeFetch { url, method: "GET", headers: vec![], body: None, include: false }
}

impl EdgeFetch {
    fn method(self, method: &'static str) -> Self {
        Self { method, ..self }
    }

    fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }

    fn body(self, body: &'static str) -> Self {
        Self { body: Some(body), ..self }
    }

    fn include(self) -> Self {
        Self { include: true, ..self }
    }

    /// The `[url, init]` pair the page's script passes to `fetch()`.
    fn to_json(&self, api: &str) -> Value {
        let headers: Vec<Value> = self.headers.iter().map(|(n, v)| json!([n, v])).collect();
        let credentials = if self.include { "include" } else { "same-origin" };
        let mut init = json!({ "method": self.method, "headers": headers, "credentials": credentials });
        if let Some(body) = self.body {
            init["body"] = Value::from(body);
        }
        json!([expand(self.url, api), init])
    }
}

/// `url` with `{api}` and `{api_host}` replaced.
fn expand(url: &str, api: &str) -> String {
    let host = api.strip_prefix("http://").unwrap_or(api);
    url.replace("{api_host}", host).replace("{api}", api)
}

fn read(body: &str) -> Value {
    json!({ "status": 200, "body": body, "redirected": false })
}

fn read_redirected(body: &str) -> Value {
    json!({ "status": 200, "body": body, "redirected": true })
}

fn type_error() -> Value {
    json!({ "error": "TypeError" })
}

const NO_ACAO: &str = "No 'Access-Control-Allow-Origin' header is present on the requested resource.";
const PREFLIGHT_NO_ACAO: &str = "Response to preflight request doesn't pass access control check: No \
                                 'Access-Control-Allow-Origin' header is present on the requested resource.";

/// The cases, each with Chromium's outcome (the kit's), and Firefox's and WebKit's where they differ.
pub(crate) fn edge_cases() -> Vec<EdgeCase> {
    use Handler::{
        AllowOnlyXC, AllowOrigin, Grant, GrantOnlyXA, GrantWithMaxAge, NoCors, PreflightError, Redirect,
        RefusePreflights,
    };
    const LONG: &str =
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let hints = || {
        get("{api}/e10")
            .header("save-data", "on")
            .header("dpr", "2")
            .header("viewport-width", "800")
            .header("device-memory", "8")
    };
    vec![
        EdgeCase {
            name: "a protocol-relative URL is another origin: CORS applies",
            fetches: vec![get("//{api_host}/e0")],
            handler: NoCors,
            observed: vec![type_error()],
            server: &["GET /e0 host=api origin=page site=same-site/cors/empty -> 200"],
            console: Some(NO_ACAO),
            on: vec![],
        },
        EdgeCase {
            name: "a relative URL is the page's own: same-origin, no CORS",
            fetches: vec![get("/e1/x")],
            handler: NoCors,
            observed: vec![read("GET /e1/x")],
            server: &["GET /e1/x host=page site=same-origin/cors/empty -> 200"],
            console: None,
            on: vec![],
        },
        EdgeCase {
            name: "the URL is normalized: dot segments, percent-encoding of path and query",
            fetches: vec![get("{api}/e2/a/../b{c}?q='x'")],
            handler: Grant,
            observed: vec![read("GET /e2/b%7Bc%7D?q=%27x%27")],
            server: &["GET /e2/b%7Bc%7D?q=%27x%27 host=api origin=page site=same-site/cors/empty -> 200"],
            console: None,
            on: vec![],
        },
        EdgeCase {
            name: "a GET with a body: TypeError, nothing sent",
            fetches: vec![get("{api}/e3").body("x")],
            handler: Grant,
            observed: vec![type_error()],
            server: &[],
            console: None,
            on: vec![],
        },
        EdgeCase {
            name: "a URL with credentials: TypeError, nothing sent",
            fetches: vec![get("http://user:pw@{api_host}/e4")],
            handler: Grant,
            observed: vec![type_error()],
            server: &[],
            console: None,
            on: vec![],
        },
        EdgeCase {
            name: "two Content-Type: text/plain lines are one unsafe value: preflighted",
            fetches: vec![get("{api}/e5")
                .method("POST")
                .header("content-type", "text/plain")
                .header("content-type", "text/plain")
                .body("x")],
            handler: RefusePreflights,
            observed: vec![type_error()],
            server: &["OPTIONS /e5 host=api origin=page acrm=POST acrh=content-type site=same-site/cors/empty -> 403"],
            console: Some(PREFLIGHT_NO_ACAO),
            on: vec![(
                Engine::Firefox,
                Differs {
                    observed: vec![read("POST /e5")],
                    server: &["POST /e5 host=api origin=page site=same-site/cors/empty -> 200"],
                },
            )],
        },
        EdgeCase {
            name: "two 100-byte Accept lines are one 202-byte value: preflighted",
            fetches: vec![get("{api}/e6").header("accept", LONG).header("accept", LONG)],
            handler: RefusePreflights,
            observed: vec![type_error()],
            server: &["OPTIONS /e6 host=api origin=page acrm=GET acrh=accept site=same-site/cors/empty -> 403"],
            console: Some(PREFLIGHT_NO_ACAO),
            on: vec![(
                Engine::Firefox,
                Differs {
                    observed: vec![read("GET /e6")],
                    server: &["GET /e6 host=api origin=page site=same-site/cors/empty -> 200"],
                },
            )],
        },
        EdgeCase {
            name: "a redirect is followed: a target without Allow-Origin blocks",
            fetches: vec![get("{api}/e7/from")],
            handler: Redirect(302, "to", &NoCors),
            observed: vec![type_error()],
            server: &[
                "GET /e7/from host=api origin=page site=same-site/cors/empty -> 302",
                "GET /e7/to host=api origin=page site=same-site/cors/empty -> 200",
            ],
            console: Some(NO_ACAO),
            on: vec![(
                Engine::Firefox,
                Differs {
                    observed: vec![type_error()],
                    server: &[
                        "GET /e7/from host=api origin=page site=same-site/cors/empty -> 302",
                        "GET /e7/to host=api origin=page site=cross-site/cors/empty -> 200",
                    ],
                },
            )],
        },
        EdgeCase {
            name: "a redirect is followed: a granted target is read, redirected",
            fetches: vec![get("{api}/e8/from")],
            handler: Redirect(302, "to", &Grant),
            observed: vec![read_redirected("GET /e8/to")],
            server: &[
                "GET /e8/from host=api origin=page site=same-site/cors/empty -> 302",
                "GET /e8/to host=api origin=page site=same-site/cors/empty -> 200",
            ],
            console: None,
            on: vec![(
                Engine::Firefox,
                Differs {
                    observed: vec![read_redirected("GET /e8/to")],
                    server: &[
                        "GET /e8/from host=api origin=page site=same-site/cors/empty -> 302",
                        "GET /e8/to host=api origin=page site=cross-site/cors/empty -> 200",
                    ],
                },
            )],
        },
        EdgeCase {
            name: "a preflighted PUT answered 307 is preflighted again at the new URL",
            fetches: vec![get("{api}/e9/from").method("PUT").header("x-custom", "1")],
            handler: Redirect(307, "to", &Grant),
            observed: vec![read_redirected("PUT /e9/to")],
            server: &[
                "OPTIONS /e9/from host=api origin=page acrm=PUT acrh=x-custom site=same-site/cors/empty -> 204",
                "PUT /e9/from host=api origin=page site=same-site/cors/empty -> 307",
                "OPTIONS /e9/to host=api origin=page acrm=PUT acrh=x-custom site=same-site/cors/empty -> 204",
                "PUT /e9/to host=api origin=page site=same-site/cors/empty -> 200",
            ],
            console: None,
            on: vec![(
                Engine::Firefox,
                Differs {
                    observed: vec![read_redirected("PUT /e9/to")],
                    server: &[
                        "OPTIONS /e9/from host=api origin=page acrm=PUT acrh=x-custom site=same-site/cors/empty -> 204",
                        "PUT /e9/from host=api origin=page site=same-site/cors/empty -> 307",
                        "OPTIONS /e9/to host=api origin=page acrm=PUT acrh=x-custom site=same-site/cors/empty -> 204",
                        "PUT /e9/to host=api origin=page site=cross-site/cors/empty -> 200",
                    ],
                },
            )],
        },
        EdgeCase {
            name: "client hints a script sets need no preflight in Chromium",
            fetches: vec![hints().header("width", "100")],
            handler: RefusePreflights,
            observed: vec![read("GET /e10")],
            server: &["GET /e10 host=api origin=page site=same-site/cors/empty -> 200"],
            console: None,
            on: [Engine::Firefox, Engine::WebKit]
                .map(|engine| {
                    let server: &[&str] = &["OPTIONS /e10 host=api origin=page acrm=GET \
                                             acrh=device-memory,dpr,save-data,viewport-width,width \
                                             site=same-site/cors/empty -> 403"];
                    (engine, Differs { observed: vec![type_error()], server })
                })
                .into(),
        },
        EdgeCase {
            name: "a script's User-Agent is dropped by Chromium: no preflight",
            fetches: vec![get("{api}/e11").header("user-agent", "kit/1")],
            handler: RefusePreflights,
            observed: vec![read("GET /e11")],
            server: &["GET /e11 host=api origin=page site=same-site/cors/empty -> 200"],
            console: None,
            on: [Engine::Firefox, Engine::WebKit]
                .map(|engine| {
                    let server: &[&str] =
                        &["OPTIONS /e11 host=api origin=page acrm=GET acrh=user-agent site=same-site/cors/empty -> 403"];
                    (engine, Differs { observed: vec![type_error()], server })
                })
                .into(),
        },
        EdgeCase {
            name: "a value's surrounding whitespace is stripped before the safelist: Accept-Language: en<tab>",
            fetches: vec![get("{api}/e12").header("accept-language", "en\t")],
            handler: RefusePreflights,
            observed: vec![read("GET /e12")],
            server: &["GET /e12 host=api origin=page site=same-site/cors/empty -> 200"],
            console: None,
            on: vec![],
        },
        EdgeCase {
            name: "a failed preflight clears the cache: the next request is preflighted again",
            fetches: vec![
                get("{api}/e13").method("PUT").header("x-a", "1"),
                get("{api}/e13").method("PUT").header("x-a", "1").header("x-b", "1"),
                get("{api}/e13").method("PUT").header("x-a", "1"),
            ],
            handler: GrantOnlyXA,
            observed: vec![read("PUT /e13"), type_error(), read("PUT /e13")],
            server: &[
                "OPTIONS /e13 host=api origin=page acrm=PUT acrh=x-a site=same-site/cors/empty -> 204",
                "PUT /e13 host=api origin=page site=same-site/cors/empty -> 200",
                "OPTIONS /e13 host=api origin=page acrm=PUT acrh=x-a,x-b site=same-site/cors/empty -> 403",
                "OPTIONS /e13 host=api origin=page acrm=PUT acrh=x-a site=same-site/cors/empty -> 204",
                "PUT /e13 host=api origin=page site=same-site/cors/empty -> 200",
            ],
            console: Some(PREFLIGHT_NO_ACAO),
            on: vec![],
        },
        EdgeCase {
            name: "Allow-Origin: null on a page that is not opaque: another origin",
            fetches: vec![get("{api}/e14")],
            handler: AllowOrigin("null"),
            observed: vec![type_error()],
            server: &["GET /e14 host=api origin=page site=same-site/cors/empty -> 200"],
            console: Some(
                "The 'Access-Control-Allow-Origin' header has a value 'null' that is not equal to the supplied origin. \
                 Have the server send the header with a valid value.",
            ),
            on: vec![],
        },
        EdgeCase {
            name: "Allow-Origin: a scheme alone is invalid",
            fetches: vec![get("{api}/e15")],
            handler: AllowOrigin("http://"),
            observed: vec![type_error()],
            server: &["GET /e15 host=api origin=page site=same-site/cors/empty -> 200"],
            console: Some(
                "The 'Access-Control-Allow-Origin' header contains the invalid value 'http://'. Have the server send \
                 the header with a valid value.",
            ),
            on: vec![],
        },
        EdgeCase {
            name: "Allow-Origin with a trailing space: the space is stripped, read",
            fetches: vec![get("{api}/e16")],
            handler: AllowOrigin("{page} "),
            observed: vec![read("GET /e16")],
            server: &["GET /e16 host=api origin=page site=same-site/cors/empty -> 200"],
            console: None,
            on: vec![],
        },
        EdgeCase {
            name: "two headers the preflight does not grant: the one Chromium names",
            fetches: vec![get("{api}/e17").method("PUT").header("x-b", "1").header("x-a", "1")],
            handler: AllowOnlyXC,
            observed: vec![type_error()],
            server: &["OPTIONS /e17 host=api origin=page acrm=PUT acrh=x-a,x-b site=same-site/cors/empty -> 204"],
            console: Some("Request header field x-a is not allowed by Access-Control-Allow-Headers in preflight response."),
            on: vec![],
        },
        EdgeCase {
            name: "a redirect from another origin to the page's: Origin null, CORS still applies",
            fetches: vec![get("{api}/e18/from")],
            handler: Redirect(302, "{page}/e18/to", &Grant),
            observed: vec![read_redirected("GET /e18/to")],
            server: &[
                "GET /e18/from host=api origin=page site=same-site/cors/empty -> 302",
                "GET /e18/to host=page origin=null site=same-site/cors/empty -> 200",
            ],
            console: None,
            on: vec![
                (
                    Engine::Firefox,
                    Differs {
                        observed: vec![read_redirected("GET /e18/to")],
                        server: &[
                            "GET /e18/from host=api origin=page site=same-site/cors/empty -> 302",
                            "GET /e18/to host=page origin=null site=cross-site/cors/empty -> 200",
                        ],
                    },
                ),
                (
                    Engine::WebKit,
                    Differs {
                        observed: vec![read_redirected("GET /e18/to")],
                        server: &[
                            "GET /e18/from host=api origin=page site=same-site/cors/empty -> 302",
                            "GET /e18/to host=page origin=null site=-/-/- -> 200",
                        ],
                    },
                ),
            ],
        },
        EdgeCase {
            name: "two headers the preflight does not grant, set the other way round",
            fetches: vec![get("{api}/e19").method("PUT").header("x-a", "1").header("x-b", "1")],
            handler: AllowOnlyXC,
            observed: vec![type_error()],
            server: &["OPTIONS /e19 host=api origin=page acrm=PUT acrh=x-a,x-b site=same-site/cors/empty -> 204"],
            console: Some("Request header field x-a is not allowed by Access-Control-Allow-Headers in preflight response."),
            on: vec![],
        },
        EdgeCase {
            name: "Allow-Origin with two values",
            fetches: vec![get("{api}/e20")],
            handler: AllowOrigin("{page}, {page}"),
            observed: vec![type_error()],
            server: &["GET /e20 host=api origin=page site=same-site/cors/empty -> 200"],
            console: Some(
                "The 'Access-Control-Allow-Origin' header contains multiple values '{page}, {page}', but only one is \
                 allowed. Have the server send the header with a valid value.",
            ),
            on: vec![],
        },
        EdgeCase {
            name: "Allow-Origin: * with credentials",
            fetches: vec![get("{api}/e21").include()],
            handler: AllowOrigin("*"),
            observed: vec![type_error()],
            server: &["GET /e21 host=api origin=page site=same-site/cors/empty -> 200"],
            console: Some(
                "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' \
                 when the request's credentials mode is 'include'.",
            ),
            on: vec![],
        },
        EdgeCase {
            name: "credentials without Allow-Credentials",
            fetches: vec![get("{api}/e22").include()],
            handler: AllowOrigin("{page}"),
            observed: vec![type_error()],
            server: &["GET /e22 host=api origin=page site=same-site/cors/empty -> 200"],
            console: Some(
                "The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be \
                 'true' when the request's credentials mode is 'include'.",
            ),
            on: vec![],
        },
        EdgeCase {
            name: "a preflight answered 500",
            fetches: vec![get("{api}/e23").method("PUT")],
            handler: PreflightError,
            observed: vec![type_error()],
            server: &["OPTIONS /e23 host=api origin=page acrm=PUT site=same-site/cors/empty -> 500"],
            console: Some("Response to preflight request doesn't pass access control check: It does not have HTTP ok status."),
            on: vec![],
        },
        EdgeCase {
            name: "an actual response that fails the CORS check keeps the preflight cache",
            fetches: vec![
                get("{api}/e24").method("PUT").header("x-a", "1"),
                get("{api}/e24").method("PUT").header("x-a", "fail"),
                get("{api}/e24").method("PUT").header("x-a", "1"),
            ],
            handler: GrantWithMaxAge("600"),
            observed: vec![read("PUT /e24"), type_error(), read("PUT /e24")],
            server: &[
                "OPTIONS /e24 host=api origin=page acrm=PUT acrh=x-a site=same-site/cors/empty -> 204",
                "PUT /e24 host=api origin=page site=same-site/cors/empty -> 200",
                "PUT /e24 host=api origin=page site=same-site/cors/empty -> 200",
                "PUT /e24 host=api origin=page site=same-site/cors/empty -> 200",
            ],
            console: Some(NO_ACAO),
            // Firefox preflights a PUT again early in a session even when its cache should answer
            // (see `firefox_preflights_again_or_not` in tests/browser.rs), at random: each of
            // the second and third PUTs may come with or without a preflight (measured on
            // 2026-12-07: all three preflighted in 16 runs of 17; the 17th, not kept, was neither
            // that nor Chromium's outcome), so Firefox shows nothing of its cache here and any of
            // the four sequences passes; what its script reads must still be the same.
            on: firefox_may_preflight_again(),
        },
        EdgeCase {
            name: "Access-Control-Max-Age: -1 caches nothing",
            fetches: vec![
                get("{api}/e25").method("PUT").header("x-a", "1"),
                get("{api}/e25").method("PUT").header("x-a", "1"),
            ],
            handler: GrantWithMaxAge("-1"),
            observed: vec![read("PUT /e25"), read("PUT /e25")],
            server: &[
                "OPTIONS /e25 host=api origin=page acrm=PUT acrh=x-a site=same-site/cors/empty -> 204",
                "PUT /e25 host=api origin=page site=same-site/cors/empty -> 200",
                "OPTIONS /e25 host=api origin=page acrm=PUT acrh=x-a site=same-site/cors/empty -> 204",
                "PUT /e25 host=api origin=page site=same-site/cors/empty -> 200",
            ],
            console: None,
            on: vec![],
        },
    ]
}

/// Case e24 in Firefox: each of the second and third PUTs with or without a preflight.
fn firefox_may_preflight_again() -> Vec<(Engine, Differs)> {
    const OPTIONS: &str = "OPTIONS /e24 host=api origin=page acrm=PUT acrh=x-a site=same-site/cors/empty -> 204";
    const PUT: &str = "PUT /e24 host=api origin=page site=same-site/cors/empty -> 200";
    let sequences: [&'static [&'static str]; 4] = [
        &[OPTIONS, PUT, PUT, PUT],
        &[OPTIONS, PUT, OPTIONS, PUT, PUT],
        &[OPTIONS, PUT, PUT, OPTIONS, PUT],
        &[OPTIONS, PUT, OPTIONS, PUT, OPTIONS, PUT],
    ];
    let observed = || vec![read("PUT /e24"), type_error(), read("PUT /e24")];
    sequences.into_iter().map(|server| (Engine::Firefox, Differs { observed: observed(), server })).collect()
}

/// The server's log: one line per request.
#[derive(Clone, Default)]
pub(crate) struct EdgeLog(Arc<Mutex<Vec<String>>>);

impl EdgeLog {
    fn push(&self, line: String) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(line);
    }

    pub(crate) fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

#[derive(Clone)]
struct Server {
    page: String,
    api: String,
    log: EdgeLog,
}

/// The hand-written server of both origins: `page` (`http://127.0.0.1:PAGE`) and `api`.
pub(crate) fn server(page: &str, api: &str, log: &EdgeLog) -> Router {
    let server = Server { page: page.to_owned(), api: api.to_owned(), log: log.clone() };
    Router::new().fallback(answer).with_state(server)
}

const PAGE: &str = "<!doctype html><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>kit edges</title>";

async fn answer(State(server): State<Server>, request: Request) -> Response {
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let headers = request.headers().clone();
    let method = request.method().as_str().to_owned();
    if method == "GET" && path == "/" {
        return Html(PAGE).into_response();
    }
    let preflight = method == "OPTIONS" && headers.contains_key("access-control-request-method");
    let case = path.trim_start_matches("/e").split(['/', '?']).next().and_then(|n| n.parse::<usize>().ok());
    let handler = case.and_then(|n| edge_cases().get(n).map(|case| case.handler)).unwrap_or(Handler::NoCors);
    let response = respond(handler, &server, &method, &path, &headers, preflight);
    server.log.push(line(&server, &method, &path, &headers, response.status()));
    response
}

/// What `handler` answers.
fn respond(
    handler: Handler,
    server: &Server,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    preflight: bool,
) -> Response {
    let origin = headers.get("origin").cloned().unwrap_or(HeaderValue::from_static("*"));
    let asked = |name: &str| headers.get(name).cloned().unwrap_or(HeaderValue::from_static(""));
    let granted = || {
        let mut response = (StatusCode::OK, format!("{method} {path}")).into_response();
        response.headers_mut().insert("access-control-allow-origin", origin.clone());
        response
    };
    let grant_preflight = |max_age: &'static str| {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let grant = response.headers_mut();
        grant.insert("access-control-allow-origin", origin.clone());
        grant.insert("access-control-allow-methods", asked("access-control-request-method"));
        grant.insert("access-control-allow-headers", asked("access-control-request-headers"));
        grant.insert("access-control-max-age", HeaderValue::from_static(max_age));
        response
    };
    match handler {
        Handler::Grant if preflight => grant_preflight("0"),
        Handler::Grant => granted(),
        Handler::RefusePreflights if preflight => StatusCode::FORBIDDEN.into_response(),
        Handler::RefusePreflights => granted(),
        Handler::NoCors => (StatusCode::OK, format!("{method} {path}")).into_response(),
        Handler::AllowOrigin(value) => {
            let mut response = (StatusCode::OK, format!("{method} {path}")).into_response();
            let value = value.replace("{page}", &server.page);
            response.headers_mut().insert("access-control-allow-origin", HeaderValue::from_str(&value).unwrap());
            response
        }
        Handler::Redirect(status, to, _) if path.ends_with("/from") && !preflight => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::from_u16(status).unwrap();
            let to = to.replace("{page}", &server.page);
            response.headers_mut().insert("location", HeaderValue::from_str(&to).unwrap());
            response.headers_mut().insert("access-control-allow-origin", origin);
            response
        }
        Handler::Redirect(_, _, then) => respond(*then, server, method, path, headers, preflight),
        Handler::GrantOnlyXA if preflight => {
            if asked("access-control-request-headers") == "x-a" {
                grant_preflight("600")
            } else {
                StatusCode::FORBIDDEN.into_response()
            }
        }
        Handler::GrantOnlyXA => granted(),
        Handler::AllowOnlyXC if preflight => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let grant = response.headers_mut();
            grant.insert("access-control-allow-origin", origin);
            grant.insert("access-control-allow-methods", HeaderValue::from_static("PUT"));
            grant.insert("access-control-allow-headers", HeaderValue::from_static("x-c"));
            response
        }
        Handler::PreflightError if preflight => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.headers_mut().insert("access-control-allow-origin", origin);
            response
        }
        Handler::GrantWithMaxAge(max_age) if preflight => grant_preflight(max_age),
        Handler::GrantWithMaxAge(_) if asked("x-a") == "fail" => {
            (StatusCode::OK, format!("{method} {path}")).into_response()
        }
        Handler::AllowOnlyXC | Handler::PreflightError | Handler::GrantWithMaxAge(_) => granted(),
    }
}

/// The log line of one request: `GET /e0 host=api origin=page site=same-site/cors/empty -> 200`.
fn line(server: &Server, method: &str, path: &str, headers: &HeaderMap, status: StatusCode) -> String {
    let value = |name: &str| headers.get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let host = match value("host") {
        Some(host) if format!("http://{host}") == server.page => "page".to_owned(),
        Some(host) if format!("http://{host}") == server.api => "api".to_owned(),
        other => format!("{other:?}"),
    };
    let mut line = format!("{method} {path} host={host}");
    match value("origin") {
        Some(origin) if origin == server.page => line.push_str(" origin=page"),
        Some(origin) => line.push_str(&format!(" origin={origin}")),
        None => {}
    }
    for (name, short) in [("access-control-request-method", "acrm"), ("access-control-request-headers", "acrh")] {
        if let Some(v) = value(name) {
            line.push_str(&format!(" {short}={v}"));
        }
    }
    let fetch = ["sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest"].map(|name| value(name).unwrap_or("-".into()));
    line.push_str(&format!(" site={}", fetch.join("/")));
    format!("{line} -> {}", status.as_u16())
}

/// The script that runs a case's fetches one after another in the page: what it read of each.
pub(crate) const SCRIPT: &str = "return (async () => {
  const results = [];
  for (const [url, init] of arguments[0]) {
    try {
      const response = await fetch(url, init);
      results.push({ status: response.status, body: await response.text(), redirected: response.redirected });
    } catch (error) {
      results.push({ error: error.name });
    }
  }
  return results;
})()";

/// The fetches of `case`, as the argument of [`SCRIPT`].
pub(crate) fn script_argument(case: &EdgeCase, api: &str) -> Value {
    Value::from(case.fetches.iter().map(|f| f.to_json(api)).collect::<Vec<_>>())
}

/// Runs `case` through the kit from the page `page` against `router` (the same hand-written
/// server): what its script reads, what reached the server, and the kit's console line for the
/// last blocked fetch.
pub(crate) async fn run_kit(
    case: &EdgeCase,
    page: &str,
    api: &str,
    router: &Router,
    log: &EdgeLog,
) -> (Seen, Option<String>) {
    log.take();
    let mut browser = testing::Browser::at(page);
    let mut observed = Vec::new();
    let mut console = None;
    for fetch in &case.fetches {
        browser.set_credentials(fetch.include);
        let mut request = http::Request::builder().method(fetch.method).uri(expand(fetch.url, api));
        for (name, value) in &fetch.headers {
            request = request.header(*name, *value);
        }
        let request = request.body(fetch.body.map_or_else(Body::empty, Body::from)).unwrap();
        let outcome = browser.fetch(&mut router.clone(), request).await;
        observed.push(match outcome.status() {
            Some(status) => {
                json!({ "status": status.as_u16(), "body": outcome.text(), "redirected": outcome.redirected() })
            }
            None => type_error(),
        });
        if outcome.blocked().is_some_and(|b| b.reason().is_some()) {
            console = Some(console_line(&outcome.to_string()));
        }
    }
    (Seen { observed, server: log.take() }, console)
}

/// The kit's `Display` of a blocked outcome as Chromium's console writes it: without `blocked: `
/// and the note on the preflight.
fn console_line(display: &str) -> String {
    let line = display.strip_prefix("blocked: ").unwrap_or(display);
    let line = line.rsplit_once(" (preflight ").map_or(line, |(line, _)| line);
    line.to_owned()
}

/// The line of Chromium's console that says why a fetch was blocked, from "Access to fetch at".
pub(crate) fn chromium_line(messages: &[String]) -> Option<String> {
    messages.iter().rev().find_map(|message| {
        let at = message.find("Access to fetch at")?;
        let line = message[at..].trim_end_matches('"').replace("\\\"", "\"").replace("\\'", "'");
        Some(line.to_owned())
    })
}

impl EdgeCase {
    /// What `engine` may observe: Chromium's outcome, unless the case records the engine's own.
    pub(crate) fn expected(&self, engine: Engine) -> Vec<Seen> {
        let own = |observed: &[Value], server: &[&str]| Seen {
            observed: observed.to_vec(),
            server: server.iter().map(|l| (*l).to_owned()).collect(),
        };
        let recorded: Vec<Seen> =
            self.on.iter().filter(|(e, _)| *e == engine).map(|(_, d)| own(&d.observed, d.server)).collect();
        if recorded.is_empty() {
            vec![own(&self.observed, self.server)]
        } else {
            recorded
        }
    }

    /// The case's own (Chromium's) outcome.
    pub(crate) fn stated(&self) -> Seen {
        Seen { observed: self.observed.clone(), server: self.server.iter().map(|l| (*l).to_owned()).collect() }
    }

    /// Chromium's console line for the case, with the URLs of this run.
    pub(crate) fn console_line(&self, page: &str, api: &str) -> Option<String> {
        let reason = self.console?;
        let last = self.server.iter().rev().find(|l| !l.starts_with("OPTIONS"));
        let url = expand(self.fetches.last()?.url, api);
        let url = if url.starts_with("//") { format!("http:{url}") } else { url };
        let redirected =
            last.and_then(|last| last.split(' ').nth(1).filter(|path| !url.ends_with(*path)).zip(Some(last)));
        let at = match redirected {
            Some((path, last)) => {
                let server = if last.contains("host=page") { page } else { api };
                format!("'{server}{path}' (redirected from '{url}')")
            }
            None => format!("'{url}'"),
        };
        let reason = reason.replace("{page}", page);
        Some(format!("Access to fetch at {at} from origin '{page}' has been blocked by CORS policy: {reason}"))
    }
}

/// A difference between the kit and an engine, or `None`.
pub(crate) fn compare(case: &EdgeCase, engine: Engine, kit: &Seen, seen: &Seen) -> Option<String> {
    let recorded = case.on.iter().any(|(e, _)| *e == engine);
    if kit == seen || (recorded && *kit == case.stated()) {
        None
    } else {
        Some(format!("  kit: {kit:?}\n  {}: {seen:?}", engine.name()))
    }
}
