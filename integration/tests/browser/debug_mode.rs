//! Debug mode's console messages: the refusal causes, the servers they run against, and how each
//! engine's own reason is read.
//!
//! | Engine | Where its CORS reason is | How it is read |
//! |---|---|---|
//! | Chromium | the page's console | ChromeDriver's log endpoint (`Browser::console`) |
//! | Firefox | the browser's console (not the page's: `fetch()` rejects with "NetworkError when attempting to fetch resource.") | in the chrome context, `Services.console` (`Browser::firefox_console`) |
//! | WebKit | the page's console (`fetch()` rejects with "Load failed") | a MiniBrowser of its own that writes its console to its output (`harness::webkit_console`) |

use serde_json::{json, Value};
use tokio::net::TcpListener;
use tower_cors::CorsLayer;

use super::harness::{self, Browser, Engine};
use super::servers::{self, Log};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The page the debug-mode tests run in: `probe` fetches and says whether the response was
/// readable, or the error the script received; opened with `#[url, options]` (percent-encoded JSON) it probes at once and logs the
/// outcome to the console, for WebKit, whose console is read from its output.
const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>tower-cors debug mode</title>
<script>
async function probe(url, options) {
  try {
    const response = await fetch(url, options);
    return "readable " + response.status;
  } catch (error) {
    return "blocked: " + error.name + ": " + error.message;
  }
}
if (location.hash.length > 1) {
  const [url, options] = JSON.parse(decodeURIComponent(location.hash.slice(1)));
  probe(url, options).then((outcome) => console.log("tower-cors probe: " + outcome));
}
</script>
"#;

/// What every engine's probe line starts with, in WebKit's console.
const PROBED: &str = "tower-cors probe: ";

/// Chromium's reason for a preflight answered without a grant, and for a response without one.
const PREFLIGHT_NO_ACAO: &str = "Response to preflight request doesn't pass access control check: No \
                                 'Access-Control-Allow-Origin' header is present on the requested resource.";
const NO_ACAO: &str = "No 'Access-Control-Allow-Origin' header is present on the requested resource.";
/// Firefox's reason for a preflight refused without a grant (403), and for a GET without one.
const FIREFOX_PREFLIGHT_NO_ACAO: &str =
    "(Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 403.";
const FIREFOX_NO_ACAO: &str = "(Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200.";
/// WebKit's reason for a preflight refused with a 403, and for a GET without a grant.
const WEBKIT_PREFLIGHT_403: &str = "Preflight response is not successful. Status code: 403";
const WEBKIT_NO_ACAO: &str = "Origin ORIGIN is not allowed by Access-Control-Allow-Origin. Status code: 200";

/// One refusal cause: a fetch against a policy without debug mode and against the same policy
/// with it, and each engine's reason for blocking it in both, in the engine's own words (the
/// page's origin written `ORIGIN`).
pub(crate) struct Cause {
    pub(crate) name: &'static str,
    /// From the allowed page, or from another origin.
    pub(crate) allowed_page: bool,
    /// The APIs without and with debug mode (`apis`).
    pub(crate) apis: [&'static str; 2],
    pub(crate) method: &'static str,
    /// The headers the script sets.
    pub(crate) headers: Vec<(&'static str, &'static str)>,
    pub(crate) chromium: [String; 2],
    pub(crate) firefox: [String; 2],
    pub(crate) webkit: [String; 2],
}

/// What `fetch()` rejects with in `engine`, whatever the cause: the script never learns why.
pub(crate) fn script_error(engine: Engine) -> &'static str {
    match engine {
        Engine::Chromium => "blocked: TypeError: Failed to fetch",
        Engine::Firefox => "blocked: TypeError: NetworkError when attempting to fetch resource.",
        Engine::WebKit => "blocked: TypeError: Load failed",
    }
}

impl Cause {
    /// `engine`'s reasons without and with debug mode.
    pub(crate) fn expected(&self, engine: Engine) -> &[String; 2] {
        match engine {
            Engine::Chromium => &self.chromium,
            Engine::Firefox => &self.firefox,
            Engine::WebKit => &self.webkit,
        }
    }

    /// The `fetch()` options.
    pub(crate) fn options(&self) -> Value {
        json!({ "method": self.method, "headers": self.headers })
    }
}

/// A preflight refused for one header, `refused`, from the allowed page.
fn header_cause(
    name: &'static str,
    apis: [&'static str; 2],
    method: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    refused: &str,
) -> Cause {
    let chromium =
        format!("Request header field {refused} is not allowed by Access-Control-Allow-Headers in preflight response.");
    let firefox = format!(
        "(Reason: header ‘{refused}’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight \
         response)."
    );
    let webkit =
        format!("Request header field {} is not allowed by Access-Control-Allow-Headers.", webkit_spelling(refused));
    Cause {
        name,
        allowed_page: true,
        apis,
        method,
        headers,
        chromium: [PREFLIGHT_NO_ACAO.into(), chromium],
        firefox: [FIREFOX_PREFLIGHT_NO_ACAO.into(), firefox],
        webkit: [WEBKIT_PREFLIGHT_403.into(), webkit],
    }
}

/// The causes, measured on 2026-12-07 with Chromium 156.0.8078.129, Firefox ESR 153.8.0 and
/// WebKitGTK 2.50.6. Without debug mode every preflight refusal reads alike (no grant, 403);
/// with it, an allowed origin's preflight refused for its method or a header names that method
/// or header in every engine (Firefox's words for a method do not name the method).
pub(crate) fn causes() -> Vec<Cause> {
    let two = |without: &str, with: &str| [without.to_owned(), with.to_owned()];
    vec![
        Cause {
            name: "method not allowed",
            allowed_page: true,
            apis: ["plain", "debug"],
            method: "DELETE",
            headers: vec![],
            chromium: two(
                PREFLIGHT_NO_ACAO,
                "Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response.",
            ),
            firefox: two(
                FIREFOX_PREFLIGHT_NO_ACAO,
                "(Reason: Did not find method in CORS header ‘Access-Control-Allow-Methods’).",
            ),
            webkit: two(WEBKIT_PREFLIGHT_403, "Method DELETE is not allowed by Access-Control-Allow-Methods."),
        },
        header_cause("header not allowed", ["plain", "debug"], "PUT", vec![("x-foo", "1")], "x-foo"),
        // The browser asks for `content-type,x-tenant`: before debug mode listed the allowed
        // `content-type`, Chromium blamed it, the first name.
        header_cause(
            "x-tenant refused, content-type allowed",
            ["plain", "debug"],
            "PUT",
            vec![("content-type", "application/json"), ("x-tenant", "1")],
            "x-tenant",
        ),
        // `authorization,x-tenant`: `authorization` allowed, listed first.
        header_cause(
            "x-tenant refused, authorization allowed",
            ["auth", "auth-debug"],
            "GET",
            vec![("authorization", "Bearer t"), ("x-tenant", "1")],
            "x-tenant",
        ),
        header_cause(
            "authorization under any header",
            ["any", "any-debug"],
            "GET",
            vec![("authorization", "Bearer t")],
            "authorization",
        ),
        Cause {
            name: "origin not allowed, preflight",
            allowed_page: false,
            apis: ["plain", "debug"],
            method: "PUT",
            headers: vec![],
            chromium: two(PREFLIGHT_NO_ACAO, PREFLIGHT_NO_ACAO),
            firefox: two(FIREFOX_PREFLIGHT_NO_ACAO, FIREFOX_PREFLIGHT_NO_ACAO),
            webkit: two(WEBKIT_PREFLIGHT_403, WEBKIT_PREFLIGHT_403),
        },
        Cause {
            name: "origin not allowed, GET",
            allowed_page: false,
            apis: ["plain", "debug"],
            method: "GET",
            headers: vec![],
            chromium: two(NO_ACAO, NO_ACAO),
            firefox: two(FIREFOX_NO_ACAO, FIREFOX_NO_ACAO),
            webkit: two(WEBKIT_NO_ACAO, WEBKIT_NO_ACAO),
        },
    ]
}

/// How WebKit writes a header name in its messages: the names it knows in their usual case
/// (`Authorization`), the others as the script wrote them.
fn webkit_spelling(name: &str) -> &str {
    match name {
        "authorization" => "Authorization",
        "content-type" => "Content-Type",
        other => other,
    }
}

/// The servers the causes run against: the allowed page, another origin, and each API by name
/// with its layer.
pub(crate) struct Sites {
    pub(crate) page: String,
    pub(crate) other: String,
    apis: Vec<(&'static str, String, CorsLayer)>,
}

impl Sites {
    pub(crate) async fn start() -> Self {
        let bind = || async { TcpListener::bind("127.0.0.1:0").await.unwrap() };
        let origin = |listener: &TcpListener| format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let (page_listener, other_listener) = (bind().await, bind().await);
        let (page, other) = (origin(&page_listener), origin(&other_listener));
        for listener in [page_listener, other_listener] {
            servers::serve(listener, axum::Router::new().fallback(|| async { axum::response::Html(PAGE) }));
        }
        let policy = |debug: bool| {
            CorsLayer::new()
                .allow_origins([page.as_str()])
                .allow_methods([http::Method::PUT])
                .allow_headers([http::header::CONTENT_TYPE])
                .debug(debug)
        };
        let auth = |debug: bool| {
            CorsLayer::new()
                .allow_origins([page.as_str()])
                .allow_headers([http::header::AUTHORIZATION, http::header::CONTENT_TYPE])
                .debug(debug)
        };
        let any_header = |debug: bool| CorsLayer::new().allow_origins([page.as_str()]).allow_any_header().debug(debug);
        let log = Log::default();
        let mut apis = Vec::new();
        for (name, cors) in [
            ("plain", policy(false)),
            ("debug", policy(true)),
            ("auth", auth(false)),
            ("auth-debug", auth(true)),
            ("any", any_header(false)),
            ("any-debug", any_header(true)),
        ] {
            let listener = bind().await;
            apis.push((name, origin(&listener), cors.clone()));
            servers::serve(listener, servers::api(name, &log, cors));
        }
        Self { page, other, apis }
    }

    /// The page origin of `cause`.
    pub(crate) fn origin(&self, cause: &Cause) -> &str {
        if cause.allowed_page {
            &self.page
        } else {
            &self.other
        }
    }

    /// The API called `name`: its origin and its layer.
    pub(crate) fn api(&self, name: &str) -> (&str, CorsLayer) {
        let (_, origin, cors) = self.apis.iter().find(|(n, _, _)| *n == name).expect("a known API");
        (origin, cors.clone())
    }
}

/// `fetch(url, options)` from `origin`'s page in `engine`: what the script saw (`readable STATUS`,
/// or `blocked: ` and the error it received) and the engine's reason, as its console gives it
/// (the page's origin written `ORIGIN`). `browser` is the engine's WebDriver session (none for WebKit, which runs a
/// MiniBrowser of its own for each fetch).
pub(crate) async fn probe(
    engine: Engine,
    browser: Option<&Browser>,
    origin: &str,
    url: &str,
    options: &Value,
) -> Result<(String, Option<String>), Error> {
    let (outcome, reason) = match (engine, browser) {
        (Engine::Chromium, Some(browser)) => {
            browser.goto(&format!("{origin}/")).await?;
            browser.console().await?;
            let outcome =
                browser.run("return probe(arguments[0], arguments[1])", vec![url.into(), options.clone()]).await?;
            let messages = browser.console().await?;
            let reason = messages.iter().find_map(|line| {
                line.split_once("has been blocked by CORS policy: ").map(|(_, reason)| reason.to_owned())
            });
            (outcome, reason)
        }
        (Engine::Firefox, Some(browser)) => {
            browser.goto(&format!("{origin}/")).await?;
            browser.firefox_console().await?;
            let outcome =
                browser.run("return probe(arguments[0], arguments[1])", vec![url.into(), options.clone()]).await?;
            // "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote
            // resource at URL. (Reason: ...)"; the first for the URL (a second one follows: "CORS
            // request did not succeed"). The console may receive it a moment after the script.
            let at = format!(" the remote resource at {url}. ");
            let mut reason = None;
            for _ in 0..20 {
                let messages = browser.firefox_console().await?;
                reason = messages.iter().find_map(|m| m.split_once(at.as_str()).map(|(_, reason)| reason.to_owned()));
                if reason.is_some() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            (outcome, reason)
        }
        (Engine::WebKit, None) => {
            let fragment = json!([url, options]).to_string();
            let fragment: String = fragment
                .bytes()
                .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") })
                .collect();
            let console = harness::webkit_console(&format!("{origin}/#{fragment}"), PROBED).await?;
            let outcome =
                console.iter().find_map(|line| line.split_once(PROBED).map(|(_, outcome)| outcome.to_owned()));
            let reason =
                console.iter().find_map(|line| line.strip_prefix("CONSOLE SECURITY ERROR ").map(str::to_owned));
            (Value::from(outcome.unwrap_or_default()), reason)
        }
        _ => {
            return Err(format!(
                "{} is driven {}",
                engine.name(),
                if browser.is_some() { "without WebDriver" } else { "through WebDriver" }
            )
            .into())
        }
    };
    let outcome = outcome.as_str().map_or_else(|| outcome.to_string(), str::to_owned);
    Ok((outcome, reason.map(|reason| reason.replace(origin, "ORIGIN"))))
}
