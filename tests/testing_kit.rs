//! The test kit (`tower_cors::testing`, feature `testing`) itself: the requests it sends, the
//! verdicts it reaches and the words it uses, against the layer and against hand-written servers
//! whose every answer the test states. Every service here records what reached it, so each test
//! also says which requests were sent, and which never were.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::routing::{get, post};
use axum::Router;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use tower::service_fn;
use tower::ServiceExt as _;
use tower_cors::testing::standard::{self, CorsRequest};
use tower_cors::testing::{Blocked, Browser, Preflight, Reason};
use tower_cors::CorsLayer;

const APP: &str = "https://app.example.com";

/// The headers a hand-written server answers with.
type Headers = &'static [(&'static str, &'static str)];
const API: &str = "https://api.example.com";

/// The requests that reached a service: each one's method, target and headers.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<http::request::Parts>>>);

impl Seen {
    fn take(&self) -> Vec<http::request::Parts> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }

    fn push(&self, parts: http::request::Parts) {
        self.0.lock().unwrap().push(parts);
    }
}

/// An application behind `cors` whose handler records every request it gets (`inner`), wrapped
/// in a recorder of every request that reaches the server (`outer`).
fn application(cors: CorsLayer) -> (Router, Seen, Seen) {
    let (inner, outer) = (Seen::default(), Seen::default());
    let handler_seen = inner.clone();
    let handler = move |request: Request<Body>| {
        let seen = handler_seen.clone();
        async move {
            let (parts, _) = request.into_parts();
            let said = format!("{} {}", parts.method, parts.uri);
            seen.push(parts);
            (
                [("x-request-id", "7"), ("x-secret", "s3cret"), ("set-cookie", "id=1"), ("cache-control", "no-store")],
                said,
            )
        }
    };
    let outer_seen = outer.clone();
    let router = Router::new().fallback(handler).layer(cors).layer(axum::middleware::from_fn(
        move |request: Request<Body>, next: axum::middleware::Next| {
            let seen = outer_seen.clone();
            async move {
                seen.push(request.headers().clone().into_iter().fold(
                    Request::builder().method(request.method()).uri(request.uri()).body(()).unwrap().into_parts().0,
                    |mut parts, (name, value)| {
                        parts.headers.append(name.unwrap(), value);
                        parts
                    },
                ));
                next.run(request).await
            }
        },
    ));
    (router, inner, outer)
}

fn policy() -> CorsLayer {
    CorsLayer::new()
        .allow_origins([APP])
        .allow_methods([Method::PUT])
        .allow_headers([http::header::CONTENT_TYPE, http::HeaderName::from_static("x-custom")])
        .expose_headers([http::HeaderName::from_static("x-request-id")])
}

fn request(method: Method, path: &str) -> http::request::Builder {
    Request::builder().method(method).uri(format!("{API}{path}"))
}

fn empty(builder: http::request::Builder) -> Request<Body> {
    builder.body(Body::empty()).unwrap()
}

/// A hand-written server: every request gets `status` and `headers`.
fn answering(
    status: u16,
    headers: &'static [(&'static str, &'static str)],
) -> (impl tower::Service<Request<Body>, Response = Response<Body>, Error = Infallible>, Seen) {
    let seen = Seen::default();
    let recorded = seen.clone();
    let service = service_fn(move |request: Request<Body>| {
        recorded.push(request.into_parts().0);
        let mut response = Response::builder().status(status);
        for (name, value) in headers {
            response = response.header(*name, *value);
        }
        std::future::ready(Ok::<_, Infallible>(response.body(Body::from("answer")).unwrap()))
    });
    (service, seen)
}

fn names(parts: &http::request::Parts) -> Vec<&str> {
    parts.headers.keys().map(|n| n.as_str()).collect()
}

#[tokio::test]
async fn a_simple_get_needs_no_preflight_and_reads_the_safelisted_and_exposed_headers() {
    let (mut app, inner, outer) = application(policy());
    let outcome = Browser::at(APP).fetch(&mut app, empty(request(Method::GET, "/items"))).await;
    assert!(outcome.is_readable(), "{outcome}");
    assert!(!outcome.is_blocked(), "{outcome}");
    assert_eq!(outcome.preflight(), Preflight::NotNeeded);
    assert_eq!(outcome.status(), Some(StatusCode::OK));
    assert_eq!(outcome.text().as_deref(), Some("GET /items"));
    let readable: Vec<&str> = outcome.headers().unwrap().keys().map(|n| n.as_str()).collect();
    assert_eq!(readable, ["content-type", "x-request-id", "cache-control", "content-length"]);
    assert_eq!(outcome.header("x-request-id").as_deref(), Some("7"));
    assert_eq!(outcome.header("X-Secret"), None);
    assert_eq!(outcome.header("set-cookie"), None);
    assert_eq!(outer.take().len(), 1);
    assert_eq!(inner.take().len(), 1);
    assert_eq!(
        outcome.to_string(),
        "readable: 200 OK with a body of 10 bytes; readable headers: content-type, x-request-id, cache-control, \
         content-length"
    );
}

#[tokio::test]
async fn the_actual_request_carries_what_a_browser_adds_and_drops_what_a_script_cannot_set() {
    let (mut app, inner, _) = application(policy());
    let mut browser = Browser::at(APP).cookie(HeaderValue::from_static("session=abc"));
    let script = request(Method::GET, "/items?page=2")
        .header("cookie", "forged=1")
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "same-origin")
        .header("accept-language", "en");
    browser.fetch(&mut app, empty(script)).await;
    let sent = inner.take();
    assert_eq!(sent.len(), 1);
    let h = &sent[0].headers;
    assert_eq!(sent[0].uri, "/items?page=2");
    assert_eq!(h["host"], "api.example.com");
    assert_eq!(h["origin"], APP);
    assert_eq!(h["accept"], "*/*");
    assert_eq!(h["accept-language"], "en");
    assert_eq!(h["sec-fetch-mode"], "cors");
    assert_eq!(h["sec-fetch-site"], "same-site");
    assert_eq!(h["sec-fetch-dest"], "empty");
    assert!(!h.contains_key("cookie"), "no credentials across origins by default: {h:?}");
    assert_eq!(h.get_all("origin").iter().count(), 1);

    assert!(!browser.includes_credentials());
    browser.set_credentials(true);
    assert!(browser.includes_credentials());
    assert!(Browser::at(APP).with_credentials().includes_credentials());
    assert!(!Browser::at(APP).with_credentials().credentials(false).includes_credentials());
    browser.fetch(&mut app, empty(request(Method::GET, "/items").header("accept", "text/csv"))).await;
    let sent = inner.take();
    assert_eq!(sent[0].headers["cookie"], "session=abc");
    assert_eq!(sent[0].headers["accept"], "text/csv");
    assert_eq!(sent[0].headers.get_all("accept").iter().count(), 1);
}

#[tokio::test]
async fn the_preflight_is_built_as_chromium_builds_it() {
    let (mut app, inner, outer) = application(policy().allow_credentials(true));
    let mut browser = Browser::at(APP).with_credentials().cookie(HeaderValue::from_static("session=abc"));
    let script = request(Method::PUT, "/items/1")
        .header("X-Custom", "1")
        .header("Content-Type", "application/json")
        .header("accept", "application/json");
    let outcome = browser.fetch(&mut app, empty(script)).await;
    assert_eq!(outcome.preflight(), Preflight::Sent(StatusCode::NO_CONTENT));
    let sent = outer.take();
    assert_eq!(sent.len(), 2, "the preflight, then the PUT");
    let preflight = &sent[0];
    assert_eq!(preflight.method, Method::OPTIONS);
    assert_eq!(preflight.uri, "/items/1");
    assert_eq!(
        names(preflight),
        [
            "host",
            "sec-fetch-mode",
            "sec-fetch-site",
            "sec-fetch-dest",
            "accept",
            "access-control-request-method",
            "access-control-request-headers",
            "origin"
        ]
    );
    let h = &preflight.headers;
    assert_eq!(h["access-control-request-method"], "PUT");
    assert_eq!(h["access-control-request-headers"], "content-type,x-custom");
    assert_eq!(h["origin"], APP);
    assert_eq!(h["accept"], "*/*");
    assert_eq!(h["sec-fetch-mode"], "cors");
    assert_eq!(h["sec-fetch-site"], "same-site");
    assert_eq!(h["sec-fetch-dest"], "empty");
    assert_eq!(sent[1].method, Method::PUT);
    assert_eq!(sent[1].headers["cookie"], "session=abc", "the actual request carries the credentials");
    assert_eq!(inner.take().len(), 1, "the layer answered the preflight");
}

#[test]
fn access_control_request_headers_is_lower_cased_sorted_and_joined_without_spaces() {
    let script = Request::post(format!("{API}/items"))
        .header("X-Zeta", "1")
        .header("x-alpha", "2")
        .header("X-Zeta", "3")
        .header("Content-Type", "application/json")
        .header("Accept", "*/*")
        .header("Content-Language", "en")
        .body(())
        .unwrap();
    let preflight = Browser::at(APP).preflight_for::<_, ()>(&script).unwrap();
    assert_eq!(preflight.headers()["access-control-request-headers"], "content-type,x-alpha,x-zeta");
    assert_eq!(preflight.headers()["access-control-request-method"], "POST");

    // A safelisted method with safelisted headers needs none; a non-safelisted method does,
    // without `Access-Control-Request-Headers`; a lower-case `patch` is sent as written.
    let form =
        Request::post(format!("{API}/items")).header("content-type", "text/plain;charset=utf-8").body(()).unwrap();
    assert!(Browser::at(APP).preflight_for::<_, ()>(&form).is_none());
    let delete =
        Browser::at(APP).preflight_for::<_, ()>(&Request::delete(format!("{API}/x")).body(()).unwrap()).unwrap();
    assert_eq!(delete.headers()["access-control-request-method"], "DELETE");
    assert!(!delete.headers().contains_key("access-control-request-headers"));
    let patch = Request::builder().method("patch").uri(format!("{API}/x")).body(()).unwrap();
    let patch = Browser::at(APP).preflight_for::<_, ()>(&patch).unwrap();
    assert_eq!(patch.headers()["access-control-request-method"], "patch");
    let delete = Request::builder().method("delete").uri(format!("{API}/x")).body(()).unwrap();
    let delete = Browser::at(APP).preflight_for::<_, ()>(&delete).unwrap();
    assert_eq!(delete.headers()["access-control-request-method"], "DELETE");

    // Safelisted values over 1,024 bytes in all are listed too.
    let long = "a".repeat(120);
    let mut big = Request::get(format!("{API}/x"));
    for name in ["accept", "accept-language", "content-language"] {
        big = big.header(name, &long);
    }
    let big = big.body(()).unwrap();
    assert!(Browser::at(APP).preflight_for::<_, ()>(&big).is_none(), "360 bytes: no preflight");
    let mut bigger = Request::get(format!("{API}/x"));
    for _ in 0..9 {
        bigger = bigger.header("accept", &long);
    }
    let bigger = Browser::at(APP).preflight_for::<_, ()>(&bigger.body(()).unwrap()).unwrap();
    assert_eq!(bigger.headers()["access-control-request-headers"], "accept");

    // Same-origin requests are never preflighted.
    let own = Request::put(format!("{APP}/items")).header("x-custom", "1").body(()).unwrap();
    assert!(Browser::at(APP).preflight_for::<_, ()>(&own).is_none());
}

#[test]
fn sec_fetch_site_is_same_origin_same_site_or_cross_site() {
    let site = |page: &str, url: &str| -> String {
        let script = Request::delete(url).body(()).unwrap();
        match Browser::at(page).preflight_for::<_, ()>(&script) {
            Some(preflight) => match preflight.headers().get("sec-fetch-site") {
                Some(site) => site.to_str().unwrap().to_owned(),
                None => "none sent".to_owned(),
            },
            None => "same-origin (no preflight)".to_owned(),
        }
    };
    assert_eq!(site(APP, "https://app.example.com:443/x"), "same-origin (no preflight)");
    assert_eq!(site(APP, "https://api.example.com/x"), "same-site");
    assert_eq!(site("https://example.com", "https://api.example.com/x"), "same-site");
    assert_eq!(site(APP, "https://api.example.com:8443/x"), "same-site", "ports do not make sites");
    assert_eq!(site("http://localhost:3000", "https://localhost:3000/x"), "cross-site", "nor do schemes match");
    assert_eq!(site(APP, "http://app.example.com/x"), "none sent", "plain http to a host that is not loopback");
    assert_eq!(site(APP, "https://app.example.org/x"), "cross-site");
    assert_eq!(site(APP, "https://example.net/x"), "cross-site");
    assert_eq!(site("http://localhost:3000", "http://localhost:8080/x"), "same-site");
    assert_eq!(site("http://a.localhost:3000", "http://b.localhost:3000/x"), "cross-site");
    assert_eq!(site("http://localhost:3000", "http://a.localhost:3000/x"), "cross-site");
    assert_eq!(site("http://127.0.0.1:3000", "http://127.0.0.1:8080/x"), "same-site");
    assert_eq!(site("https://127.0.0.1:3000", "https://10.0.0.1:3000/x"), "cross-site", "addresses have no domain");
    assert_eq!(site("https://0.1.example:3000", "https://1.1.example:3000/x"), "same-site");
    assert_eq!(site("http://[::1]:3000", "http://[::1]:8080/x"), "same-site");
    assert_eq!(site("null", "https://app.example.com/x"), "cross-site");

    // A relative URL is the page's own origin.
    let own = Request::delete("/items").body(()).unwrap();
    assert!(Browser::at(APP).preflight_for::<_, ()>(&own).is_none());
}

#[test]
fn the_page_origin_is_serialized_as_browsers_do() {
    assert_eq!(Browser::at("https://APP.example.com:443/").origin(), "https://app.example.com");
    assert_eq!(Browser::at("http://localhost:80").origin(), "http://localhost");
    assert_eq!(Browser::at("http://localhost:8080").origin(), "http://localhost:8080");
    assert_eq!(Browser::at("null").origin(), "null");
    for bad in ["https://app.example.com/path", "ftp://app.example.com", "app.example.com", "https://u@app.example.com"]
    {
        let panicked = std::panic::catch_unwind(|| Browser::at(bad)).unwrap_err();
        let message = panicked.downcast_ref::<String>().unwrap();
        assert!(message.starts_with("Browser::at: "), "{message}");
        assert!(message.contains(bad), "{message}");
    }
}

#[tokio::test]
async fn a_refused_preflight_never_sends_the_actual_request() {
    let (mut app, inner, outer) = application(policy());
    let mut browser = Browser::at(APP);
    let outcome = browser.fetch(&mut app, empty(request(Method::DELETE, "/items/1"))).await;
    assert!(outcome.is_blocked());
    assert!(!outcome.is_readable());
    assert!(!outcome.was_sent());
    assert_eq!(outcome.preflight(), Preflight::Sent(StatusCode::FORBIDDEN));
    assert_eq!(outcome.blocked(), Some(&Blocked::Preflight(Reason::NoAllowOrigin)));
    assert_eq!((outcome.status(), outcome.body(), outcome.headers()), (None, None, None));
    assert_eq!(outer.take().len(), 1, "the preflight alone");
    assert!(inner.take().is_empty(), "the application never ran");
    assert_eq!(
        outcome.to_string(),
        "blocked: Access to fetch at 'https://api.example.com/items/1' from origin 'https://app.example.com' has been \
         blocked by CORS policy: Response to preflight request doesn't pass access control check: No \
         'Access-Control-Allow-Origin' header is present on the requested resource. (preflight answered 403 Forbidden)"
    );

    // A refused origin's simple GET reaches the application; the browser withholds the answer.
    let outcome = Browser::at("https://evil.example").fetch(&mut app, empty(request(Method::GET, "/items"))).await;
    assert!(outcome.was_sent());
    assert_eq!(outcome.blocked(), Some(&Blocked::Response(Reason::NoAllowOrigin)));
    assert_eq!(inner.take().len(), 1);
    // Chromium 156's words: no longer followed by the "opaque response" advice older versions gave.
    assert!(outcome.to_string().ends_with(
        "has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource."
    ));
}

#[tokio::test]
async fn each_preflight_failure_is_told_in_chromiums_words() {
    let cases: [(Headers, u16, Request<Body>, &str); 7] = [
        (
            &[("access-control-allow-origin", APP), ("access-control-allow-methods", "PUT")],
            204,
            empty(request(Method::DELETE, "/x")),
            "Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response.",
        ),
        (
            &[("access-control-allow-origin", APP), ("access-control-allow-headers", "x-bar")],
            204,
            empty(request(Method::GET, "/x").header("X-Foo", "1").header("x-bar", "1")),
            "Request header field x-foo is not allowed by Access-Control-Allow-Headers in preflight response.",
        ),
        (
            &[("access-control-allow-origin", APP), ("access-control-allow-headers", "x-foo")],
            500,
            empty(request(Method::GET, "/x").header("x-foo", "1")),
            "It does not have HTTP ok status.",
        ),
        (
            &[("access-control-allow-origin", APP), ("access-control-allow-methods", "PUT DELETE")],
            204,
            empty(request(Method::DELETE, "/x")),
            "Cannot parse Access-Control-Allow-Methods response header field in preflight response.",
        ),
        (
            &[("access-control-allow-origin", APP), ("access-control-allow-headers", "x-foo;")],
            204,
            empty(request(Method::GET, "/x").header("x-foo", "1")),
            "Cannot parse Access-Control-Allow-Headers response header field in preflight response.",
        ),
        (
            &[("access-control-allow-origin", "https://other.example"), ("access-control-allow-methods", "PUT")],
            204,
            empty(request(Method::PUT, "/x")),
            "The 'Access-Control-Allow-Origin' header has a value 'https://other.example' that is not equal to the \
             supplied origin. Have the server send the header with a valid value.",
        ),
        (
            &[("location", "/elsewhere"), ("access-control-allow-origin", APP)],
            307,
            empty(request(Method::PUT, "/x")),
            "Redirect is not allowed for a preflight request.",
        ),
    ];
    for (headers, status, script, words) in cases {
        let (mut server, seen) = answering(status, headers);
        let outcome = Browser::at(APP).fetch(&mut server, script).await;
        // Chromium prefixes the preflight's access check only (origin, credentials, status).
        let prefix = match words.starts_with("Method ")
            || words.starts_with("Request header field ")
            || words.starts_with("Cannot parse ")
            || words.starts_with("Redirect ")
        {
            true => "",
            false => "Response to preflight request doesn't pass access control check: ",
        };
        let expected = format!(
            "blocked: Access to fetch at 'https://api.example.com/x' from origin 'https://app.example.com' has been \
             blocked by CORS policy: {prefix}{words} (preflight answered {})",
            StatusCode::from_u16(status).unwrap()
        );
        assert_eq!(outcome.to_string(), expected);
        assert_eq!(outcome.blocked().and_then(Blocked::reason).map(ToString::to_string).as_deref(), Some(words));
        assert_eq!(seen.take().len(), 1, "{words}: the preflight alone");
    }
}

#[tokio::test]
async fn each_cors_check_failure_is_told_in_chromiums_words() {
    let cases: [(Headers, bool, Reason, &str); 7] = [
        (&[], false, Reason::NoAllowOrigin, "No 'Access-Control-Allow-Origin' header is present on the requested resource."),
        (
            &[("access-control-allow-origin", APP), ("access-control-allow-origin", APP)],
            false,
            Reason::MultipleAllowOrigins(format!("{APP}, {APP}")),
            "The 'Access-Control-Allow-Origin' header contains multiple values 'https://app.example.com, \
             https://app.example.com', but only one is allowed. Have the server send the header with a valid value.",
        ),
        (
            &[("access-control-allow-origin", "app.example.com")],
            false,
            Reason::InvalidAllowOrigin("app.example.com".into()),
            "The 'Access-Control-Allow-Origin' header contains the invalid value 'app.example.com'. Have the server \
             send the header with a valid value.",
        ),
        (
            &[("access-control-allow-origin", "https://app.example.com/")],
            false,
            Reason::AllowOriginMismatch("https://app.example.com/".into()),
            "The 'Access-Control-Allow-Origin' header has a value 'https://app.example.com/' that is not equal to the \
             supplied origin. Have the server send the header with a valid value.",
        ),
        (
            &[("access-control-allow-origin", "*")],
            true,
            Reason::WildcardWithCredentials,
            "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when \
             the request's credentials mode is 'include'.",
        ),
        (
            &[("access-control-allow-origin", APP)],
            true,
            Reason::AllowCredentials(String::new()),
            "The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true' \
             when the request's credentials mode is 'include'.",
        ),
        (
            &[("access-control-allow-origin", APP), ("access-control-allow-credentials", "TRUE")],
            true,
            Reason::AllowCredentials("TRUE".into()),
            "The value of the 'Access-Control-Allow-Credentials' header in the response is 'TRUE' which must be 'true' \
             when the request's credentials mode is 'include'.",
        ),
    ];
    for (headers, credentials, reason, words) in cases {
        let (mut server, seen) = answering(200, headers);
        let outcome =
            Browser::at(APP).credentials(credentials).fetch(&mut server, empty(request(Method::GET, "/x"))).await;
        assert_eq!(outcome.blocked(), Some(&Blocked::Response(reason.clone())), "{words}");
        assert!(reason.is_cors_check());
        assert_eq!(outcome.blocked().and_then(Blocked::reason), Some(&reason));
        assert_eq!(reason.to_string(), words);
        assert!(outcome.was_sent());
        assert_eq!(seen.take().len(), 1);
    }
    // The same headers pass without credentials, or with `true`.
    let (mut server, _) =
        answering(200, &[("access-control-allow-origin", APP), ("access-control-allow-credentials", "true")]);
    let outcome = Browser::at(APP).with_credentials().fetch(&mut server, empty(request(Method::GET, "/x"))).await;
    assert!(outcome.is_readable(), "{outcome}");
    let (mut server, _) = answering(200, &[("access-control-allow-origin", "null")]);
    let outcome = Browser::at("null").fetch(&mut server, empty(request(Method::GET, "/x"))).await;
    assert!(outcome.is_readable(), "an opaque origin reads `null`: {outcome}");
    assert!(!Reason::Method("PUT".into()).is_cors_check());
    assert!(!Reason::NotOkStatus(StatusCode::NOT_FOUND).is_cors_check());
}

#[tokio::test]
async fn any_origin_with_credentials_is_blocked_and_listing_the_origin_is_read() {
    let public = CorsLayer::new().allow_any_origin().allow_methods([Method::PUT]);
    let (mut app, inner, _) = application(public);
    let mut browser = Browser::at(APP).with_credentials();
    let get = browser.fetch(&mut app, empty(request(Method::GET, "/me"))).await;
    assert_eq!(get.blocked(), Some(&Blocked::Response(Reason::WildcardWithCredentials)));
    let put = browser.fetch(&mut app, empty(request(Method::PUT, "/me"))).await;
    assert_eq!(put.blocked(), Some(&Blocked::Preflight(Reason::WildcardWithCredentials)));
    assert_eq!(inner.take().len(), 1, "the GET only");

    let listed = CorsLayer::new().allow_origins([APP]).allow_credentials(true).allow_methods([Method::PUT]);
    let (mut app, inner, _) = application(listed);
    let put = browser.fetch(&mut app, empty(request(Method::PUT, "/me"))).await;
    assert!(put.is_readable(), "{put}");
    assert_eq!(inner.take().len(), 1);
}

#[tokio::test]
async fn a_wildcard_covers_authorization_as_in_chromium_and_nothing_with_credentials() {
    let star: &[(&str, &str)] = &[
        ("access-control-allow-origin", APP),
        ("access-control-allow-headers", "*"),
        ("access-control-allow-methods", "*"),
    ];
    let (mut server, _) = answering(204, star);
    let custom = || empty(request(Method::PATCH, "/x").header("x-foo", "1"));
    assert!(Browser::at(APP).fetch(&mut server, custom()).await.is_readable());
    let auth = empty(request(Method::GET, "/x").header("authorization", "Bearer t"));
    let outcome = Browser::at(APP).fetch(&mut server, auth).await;
    // Chromium (and Firefox and WebKit) let `*` cover it; the standard does not (whatwg/fetch#1919).
    assert!(outcome.is_readable(), "{outcome}");
    let names = ["authorization".to_owned()];
    let cors = CorsRequest {
        origin: APP.into(),
        method: "GET".into(),
        headers: vec![("authorization".into(), b"Bearer t".to_vec())],
        credentials: false,
    };
    let mut answer = http::HeaderMap::new();
    for (name, value) in star {
        answer.insert(*name, HeaderValue::from_static(value));
    }
    let standard = tower_cors::testing::standard::check_preflight(&cors, &names, StatusCode::NO_CONTENT, &answer);
    assert_eq!(standard, Err(Reason::Header("authorization".into())), "the standard's function keeps the rule");
    let outcome = Browser::at(APP).with_credentials().fetch(&mut server, custom()).await;
    assert_eq!(outcome.blocked(), Some(&Blocked::Preflight(Reason::AllowCredentials(String::new()))));
    let star_credentials: &[(&str, &str)] = &[
        ("access-control-allow-origin", APP),
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-headers", "*"),
        ("access-control-allow-methods", "*"),
    ];
    let (mut server, _) = answering(204, star_credentials);
    let outcome = Browser::at(APP).with_credentials().fetch(&mut server, custom()).await;
    assert_eq!(outcome.blocked(), Some(&Blocked::Preflight(Reason::Method("PATCH".into()))));
    let get = empty(request(Method::GET, "/x").header("x-foo", "1"));
    let outcome = Browser::at(APP).with_credentials().fetch(&mut server, get).await;
    assert_eq!(outcome.blocked(), Some(&Blocked::Preflight(Reason::Header("x-foo".into()))));
}

#[tokio::test]
async fn the_preflight_cache_lasts_max_age_on_the_browsers_clock() {
    let (mut app, inner, outer) = application(policy().max_age(Duration::from_secs(600)));
    let mut browser = Browser::at(APP);
    let put = || empty(request(Method::PUT, "/items/1").header("x-custom", "1"));
    assert_eq!(browser.fetch(&mut app, put()).await.preflight(), Preflight::Sent(StatusCode::NO_CONTENT));
    let second = browser.fetch(&mut app, put()).await;
    assert_eq!(second.preflight(), Preflight::Cached);
    assert!(second.is_readable());
    assert_eq!(
        second.to_string(),
        "readable: 200 OK with a body of 12 bytes; readable headers: content-type, x-request-id, cache-control, \
         content-length (preflight from the cache)"
    );
    browser.advance(Duration::from_secs(599));
    assert_eq!(browser.fetch(&mut app, put()).await.preflight(), Preflight::Cached);
    browser.advance(Duration::from_secs(1));
    assert_eq!(browser.elapsed(), Duration::from_secs(600));
    assert_eq!(browser.fetch(&mut app, put()).await.preflight(), Preflight::Sent(StatusCode::NO_CONTENT));
    let methods: Vec<Method> = outer.take().into_iter().map(|p| p.method).collect();
    assert_eq!(methods, [Method::OPTIONS, Method::PUT, Method::PUT, Method::PUT, Method::OPTIONS, Method::PUT]);
    assert_eq!(inner.take().len(), 4);

    // Another URL, a header or method not granted yet, or a cleared cache: preflighted again.
    assert_eq!(browser.fetch(&mut app, put()).await.preflight(), Preflight::Cached);
    let other_url = empty(request(Method::PUT, "/items/2").header("x-custom", "1"));
    assert!(matches!(browser.fetch(&mut app, other_url).await.preflight(), Preflight::Sent(_)));
    let more =
        empty(request(Method::PUT, "/items/1").header("x-custom", "1").header("content-type", "application/json"));
    assert!(matches!(browser.fetch(&mut app, more).await.preflight(), Preflight::Sent(_)));
    browser.clear_preflight_cache();
    assert!(matches!(browser.fetch(&mut app, put()).await.preflight(), Preflight::Sent(_)));
}

#[tokio::test]
async fn without_max_age_chromium_caches_for_five_seconds_and_never_past_two_hours() {
    let (mut app, _, _) = application(policy());
    let mut browser = Browser::at(APP);
    let put = || empty(request(Method::PUT, "/items/1").header("x-custom", "1"));
    assert!(matches!(browser.fetch(&mut app, put()).await.preflight(), Preflight::Sent(_)));
    browser.advance(Duration::from_millis(4999));
    assert_eq!(browser.fetch(&mut app, put()).await.preflight(), Preflight::Cached);
    browser.advance(Duration::from_millis(1));
    assert!(matches!(browser.fetch(&mut app, put()).await.preflight(), Preflight::Sent(_)));

    let (mut day, _, _) = application(policy().max_age(Duration::from_secs(86_400)));
    let mut browser = Browser::at(APP);
    assert!(matches!(browser.fetch(&mut day, put()).await.preflight(), Preflight::Sent(_)));
    browser.advance(Duration::from_secs(7199));
    assert_eq!(browser.fetch(&mut day, put()).await.preflight(), Preflight::Cached);
    browser.advance(Duration::from_secs(1));
    assert!(matches!(browser.fetch(&mut day, put()).await.preflight(), Preflight::Sent(_)));

    let (mut never, _, _) = application(policy().max_age(Duration::ZERO));
    let mut browser = Browser::at(APP);
    for _ in 0..2 {
        assert!(matches!(browser.fetch(&mut never, put()).await.preflight(), Preflight::Sent(_)));
    }
}

#[tokio::test]
async fn a_hand_written_max_age_is_read_as_chromium_reads_it() {
    // (value, whether a second request 1 s later, and 6 s later, is still cached)
    let cases: [(&'static str, bool, bool); 5] =
        [("10", true, true), ("-1", false, false), ("ten", true, false), ("10, 10", true, false), ("+10", true, true)];
    for (value, at_1s, at_6s) in cases {
        let headers: &'static [(&'static str, &'static str)] = Box::leak(Box::new([
            ("access-control-allow-origin", APP),
            ("access-control-allow-methods", "PUT"),
            ("access-control-max-age", value),
        ]));
        let (mut server, seen) = answering(204, headers);
        let mut browser = Browser::at(APP);
        let put = || empty(request(Method::PUT, "/x"));
        browser.fetch(&mut server, put()).await;
        browser.advance(Duration::from_secs(1));
        assert_eq!(browser.fetch(&mut server, put()).await.preflight() == Preflight::Cached, at_1s, "{value} at 1 s");
        browser.clear_preflight_cache();
        browser.fetch(&mut server, put()).await;
        browser.advance(Duration::from_secs(6));
        assert_eq!(browser.fetch(&mut server, put()).await.preflight() == Preflight::Cached, at_6s, "{value} at 6 s");
        assert!(seen.take().len() >= 6);
    }
}

#[tokio::test]
async fn the_cache_is_keyed_by_origin_url_and_credentials() {
    let headers: &[(&str, &str)] = &[
        ("access-control-allow-origin", APP),
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-methods", "PUT"),
        ("access-control-allow-headers", "x-custom"),
        ("access-control-max-age", "60"),
    ];
    let (mut server, _) = answering(204, headers);
    let put = || empty(request(Method::PUT, "/x").header("x-custom", "1"));
    // An entry made without credentials does not serve a request with them...
    let mut browser = Browser::at(APP);
    browser.fetch(&mut server, put()).await;
    browser.set_credentials(true);
    assert!(matches!(browser.fetch(&mut server, put()).await.preflight(), Preflight::Sent(_)));
    // ... and one made with credentials serves one without.
    let mut browser = Browser::at(APP).with_credentials();
    browser.fetch(&mut server, put()).await;
    browser.set_credentials(false);
    assert_eq!(browser.fetch(&mut server, put()).await.preflight(), Preflight::Cached);
    // A header entry alone serves a safelisted method with that header; not the method's.
    let get = empty(request(Method::GET, "/x").header("x-custom", "1"));
    assert_eq!(browser.fetch(&mut server, get).await.preflight(), Preflight::Cached);
    let delete = empty(request(Method::DELETE, "/x").header("x-custom", "1"));
    assert!(matches!(browser.fetch(&mut server, delete).await.preflight(), Preflight::Sent(_)));
    // `*` entries serve requests without credentials only, and never `Authorization`.
    let star: &[(&str, &str)] = &[
        ("access-control-allow-origin", APP),
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-methods", "*,PUT"),
        ("access-control-allow-headers", "*,x-custom"),
    ];
    let (mut server, _) = answering(204, star);
    let mut browser = Browser::at(APP).with_credentials();
    browser.fetch(&mut server, empty(request(Method::PUT, "/x").header("x-custom", "1"))).await;
    let patch = || empty(request(Method::PATCH, "/x"));
    assert!(matches!(browser.fetch(&mut server, patch()).await.preflight(), Preflight::Sent(_)), "with credentials");
    browser.set_credentials(false);
    browser.fetch(&mut server, empty(request(Method::PUT, "/x").header("x-custom", "1"))).await;
    assert_eq!(browser.fetch(&mut server, patch()).await.preflight(), Preflight::Cached);
    let other = empty(request(Method::GET, "/x").header("x-other", "1"));
    assert_eq!(browser.fetch(&mut server, other).await.preflight(), Preflight::Cached);
    let auth = empty(request(Method::GET, "/x").header("authorization", "Bearer t"));
    assert_eq!(browser.fetch(&mut server, auth).await.preflight(), Preflight::Cached, "`*` covers it, as in Chromium");
    // Another page's origin has its own entries.
    let mut elsewhere = Browser::at("https://other.example.com");
    assert!(matches!(elsewhere.fetch(&mut server, patch()).await.preflight(), Preflight::Sent(_)));
}

#[tokio::test]
async fn same_origin_requests_carry_origin_unless_get_or_head_and_read_everything() {
    let blocking = policy().block_disallowed_origins(true);
    let (mut app, inner, _) = application(blocking);
    let mut browser = Browser::at(API).cookie(HeaderValue::from_static("session=abc"));
    let post = request(Method::POST, "/items").header("content-type", "application/json").header("x-anything", "1");
    let outcome = browser.fetch(&mut app, empty(post)).await;
    assert!(outcome.is_readable(), "{outcome}");
    assert_eq!(outcome.preflight(), Preflight::NotNeeded);
    assert_eq!(outcome.header("x-secret").as_deref(), Some("s3cret"), "same-origin: every header");
    assert_eq!(outcome.header("set-cookie"), None, "but Set-Cookie");
    let sent = inner.take();
    assert_eq!(sent[0].headers["origin"], API);
    assert_eq!(sent[0].headers["sec-fetch-site"], "same-origin");
    assert_eq!(sent[0].headers["cookie"], "session=abc", "same-origin requests carry credentials");
    for method in [Method::GET, Method::HEAD] {
        let outcome =
            browser.fetch(&mut app, Request::builder().method(method).uri("/items").body(Body::empty()).unwrap()).await;
        assert!(outcome.is_readable(), "{outcome}");
        let sent = inner.take();
        assert!(!sent[0].headers.contains_key("origin"), "{:?}", sent[0].method);
        assert_eq!(sent[0].headers["host"], "api.example.com");
    }
}

#[tokio::test]
async fn fetch_refuses_forbidden_methods_and_unfetchable_urls_without_sending_anything() {
    let (mut server, seen) = answering(200, &[("access-control-allow-origin", "*")]);
    let cases = [
        (Request::builder().method("TRACE").uri(format!("{API}/x")), "'TRACE' HTTP method is unsupported."),
        (Request::builder().method("connect").uri(format!("{API}/x")), "'connect' HTTP method is unsupported."),
        (
            Request::get("ftp://api.example.com/x"),
            "URL scheme \"ftp\" is not supported, or ftp://api.example.com/x has no host.",
        ),
    ];
    for (script, message) in cases {
        let outcome = Browser::at(APP).fetch(&mut server, empty(script)).await;
        assert_eq!(outcome.blocked(), Some(&Blocked::Rejected(message.into())));
        assert_eq!(
            outcome.to_string(),
            format!("blocked: TypeError: Failed to execute 'fetch' on 'Window': {message}")
        );
        assert!(!outcome.was_sent());
        assert_eq!(outcome.blocked().unwrap().reason(), None);
    }
    let outcome = Browser::at("null").fetch(&mut server, empty(Request::get("/x"))).await;
    assert_eq!(outcome.blocked(), Some(&Blocked::Rejected("Failed to parse URL from /x".into())));
    assert!(seen.take().is_empty());
}

#[tokio::test]
async fn a_failing_service_is_a_network_error() {
    let failing = service_fn(|_: Request<Body>| async { Err::<Response<Body>, _>("connection reset") });
    let mut failing = failing.boxed();
    let outcome = Browser::at(APP).fetch(&mut failing, empty(request(Method::GET, "/x"))).await;
    assert_eq!(outcome.blocked(), Some(&Blocked::Network("connection reset".into())));
    assert!(outcome.was_sent());
    assert_eq!(outcome.to_string(), "blocked: TypeError: Failed to fetch (the service failed: connection reset)");
    let outcome = Browser::at(APP).fetch(&mut failing, empty(request(Method::PUT, "/x"))).await;
    assert_eq!(outcome.blocked(), Some(&Blocked::Network("connection reset".into())));
    assert!(!outcome.was_sent(), "the preflight failed");
    assert_eq!(outcome.preflight(), Preflight::NotNeeded);
}

#[tokio::test]
async fn the_body_is_read_whole_and_multiple_lines_are_joined() {
    let headers: &[(&str, &str)] = &[
        ("access-control-allow-origin", APP),
        ("access-control-expose-headers", "x-list"),
        ("x-list", "a"),
        ("x-list", "b"),
    ];
    let (mut server, _) = answering(200, headers);
    let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/x"))).await;
    assert_eq!(outcome.header("x-list").as_deref(), Some("a, b"));
    assert_eq!(outcome.body(), Some(&b"answer"[..]));
    // A body of several frames.
    let mut app = Router::new()
        .route("/stream", post(|| async { Body::new(Frames(vec!["one ".into(), "two".into()])) }))
        .route("/x", get(|| async { "x" }))
        .layer(CorsLayer::new().allow_any_origin());
    let outcome = Browser::at(APP).fetch(&mut app, empty(request(Method::POST, "/stream"))).await;
    assert_eq!(outcome.text().as_deref(), Some("one two"));
}

/// A body of two data frames.
struct Frames(Vec<axum::body::Bytes>);

impl http_body::Body for Frames {
    type Data = axum::body::Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let next = (!self.0.is_empty()).then(|| self.0.remove(0));
        std::task::Poll::Ready(next.map(|data| Ok(http_body::Frame::data(data))))
    }
}

#[test]
fn the_standard_functions_state_the_rules() {
    let request = CorsRequest { origin: APP.into(), method: "GET".into(), headers: vec![], credentials: false };
    assert!(!request.needs_preflight());
    assert_eq!(request.access_control_request_headers(), None);
    assert!(standard::is_forbidden_request_header("Proxy-Authorization", b"x"));
    assert!(standard::is_forbidden_request_header("x-method-override", b"GET, track"));
    assert!(!standard::is_forbidden_request_header("x-method-override", b"PATCH"));
    assert!(!standard::is_forbidden_request_header("x-custom", b"TRACE"));
    assert!(standard::is_cors_safelisted_request_header("range", b"bytes=0-"));
    assert!(!standard::is_cors_safelisted_request_header("range", b"bytes=-5"));
    assert!(!standard::is_cors_safelisted_request_header("range", b"bytes=5-1"));
    assert!(standard::is_cors_safelisted_request_header("range", b"bytes=99999999999999999999999-"));
    // One byte is a range; leading zeros are digits like any other.
    assert!(standard::is_cors_safelisted_request_header("range", b"bytes=5-5"));
    assert!(standard::is_cors_safelisted_request_header("range", b"bytes=0010-20"));
    assert!(!standard::is_cors_safelisted_request_header("range", b"bytes=20-0010"));
    assert!(!standard::is_cors_safelisted_request_header("accept", "a".repeat(129).as_bytes()));
    assert!(standard::is_cors_safelisted_request_header("accept", "a".repeat(128).as_bytes()));
    assert!(!standard::is_cors_safelisted_request_header("content-type", b"text/plain\x7f"));
    assert!(standard::is_cors_safelisted_request_header("content-type", b" Multipart/Form-Data ; boundary=x"));
    assert!(!standard::is_cors_safelisted_request_header("content-type", b"text /plain"));
    assert!(!standard::is_cors_safelisted_request_header("accept-language", b"en(us)"));
}

/// A server whose preflight answers grant what they are asked for (with credentials), for the max
/// age of the next value of `ages`; every other request gets a readable `ok`.
fn changing_max_age(
    ages: &'static [&'static str],
) -> impl tower::Service<Request<Body>, Response = Response<Body>, Error = Infallible> {
    let next = Arc::new(Mutex::new(0));
    service_fn(move |request: Request<Body>| {
        let mut n = next.lock().unwrap();
        let mut response = Response::builder()
            .header("access-control-allow-origin", APP)
            .header("access-control-allow-credentials", "true");
        if request.method() == Method::OPTIONS {
            let asked = |name: &str| request.headers().get(name).cloned().unwrap_or(HeaderValue::from_static(""));
            response = response
                .status(204)
                .header("access-control-allow-methods", asked("access-control-request-method"))
                .header("access-control-allow-headers", asked("access-control-request-headers"))
                .header("access-control-max-age", ages[*n]);
            *n += 1;
        }
        std::future::ready(Ok::<_, Infallible>(response.body(Body::from("ok")).unwrap()))
    })
}

#[tokio::test]
async fn a_newer_preflight_replaces_the_entries_it_grants_again() {
    let put = |more: bool| {
        let request = request(Method::PUT, "/x").header("x-custom", "1");
        empty(if more { request.header("x-more", "1") } else { request })
    };
    // PUT and x-custom for 600 s; then a preflight for x-more grants all three for 1 s: PUT and
    // x-custom now expire after 1 s too.
    let mut server = changing_max_age(&["600", "1", "1"]);
    let mut browser = Browser::at(APP);
    browser.fetch(&mut server, put(false)).await;
    assert_eq!(browser.fetch(&mut server, put(false)).await.preflight(), Preflight::Cached);
    assert!(matches!(browser.fetch(&mut server, put(true)).await.preflight(), Preflight::Sent(_)));
    assert_eq!(browser.fetch(&mut server, put(true)).await.preflight(), Preflight::Cached);
    browser.advance(Duration::from_secs(1));
    assert!(matches!(browser.fetch(&mut server, put(false)).await.preflight(), Preflight::Sent(_)));
}

#[tokio::test]
async fn credentialed_entries_survive_a_preflight_without_credentials() {
    let put = || empty(request(Method::PUT, "/x").header("x-custom", "1"));
    let mut server = changing_max_age(&["600", "1"]);
    let mut browser = Browser::at(APP).with_credentials();
    browser.fetch(&mut server, put()).await;
    // Without credentials, the credentialed entry serves; a new header needs a preflight,
    // which grants PUT and x-custom for 1 s without credentials.
    browser.set_credentials(false);
    let more = empty(request(Method::PUT, "/x").header("x-custom", "1").header("x-more", "1"));
    assert!(matches!(browser.fetch(&mut server, more).await.preflight(), Preflight::Sent(_)));
    browser.advance(Duration::from_secs(2));
    browser.set_credentials(true);
    assert_eq!(browser.fetch(&mut server, put()).await.preflight(), Preflight::Cached, "the 600 s entry is kept");
}

#[tokio::test]
async fn more_answers_in_chromiums_words() {
    // An `Access-Control-Allow-Origin` that is no URL at all is invalid, not another origin.
    for value in ["x_y:z", "9http://app.example.com", "https://", "app.example.com"] {
        let headers: Headers = Box::leak(Box::new([("access-control-allow-origin", value)]));
        let (mut server, _) = answering(200, headers);
        let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/x"))).await;
        assert_eq!(outcome.blocked(), Some(&Blocked::Response(Reason::InvalidAllowOrigin(value.into()))));
    }
    // `null` on a page that is not opaque names another origin, as Chromium words it.
    for value in ["a+b.c-d:x", "http://app.example.com:443", "null"] {
        let headers: Headers = Box::leak(Box::new([("access-control-allow-origin", value)]));
        let (mut server, _) = answering(200, headers);
        let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/x"))).await;
        assert_eq!(outcome.blocked(), Some(&Blocked::Response(Reason::AllowOriginMismatch(value.into()))));
    }
    // A 3xx without `Location` is no redirect, only a status that is not ok; a 204 with one is ok.
    let (mut server, _) =
        answering(300, &[("access-control-allow-origin", APP), ("access-control-allow-methods", "PUT")]);
    let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::PUT, "/x"))).await;
    assert_eq!(outcome.blocked(), Some(&Blocked::Preflight(Reason::NotOkStatus(StatusCode::MULTIPLE_CHOICES))));
    let located: Headers =
        &[("access-control-allow-origin", APP), ("access-control-allow-methods", "PUT"), ("location", "/y")];
    let (mut server, seen) = answering(204, located);
    let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::PUT, "/x"))).await;
    assert_eq!(outcome.status(), Some(StatusCode::NO_CONTENT), "{outcome}");
    assert_eq!(seen.take().len(), 2);
    // An authority without a scheme is a URL of the scheme `api.example.com` (the URL Standard),
    // which fetch() does not fetch.
    let outcome = Browser::at(APP).fetch(&mut server, empty(Request::get("api.example.com:8080"))).await;
    let why = "URL scheme \"api.example.com\" is not supported, or api.example.com:8080 has no host.";
    assert_eq!(outcome.blocked(), Some(&Blocked::Rejected(why.into())));
    assert!(!outcome.was_sent());
    // `*` exposes every header but Set-Cookie, without credentials only.
    let star: Headers = &[
        ("access-control-allow-origin", APP),
        ("access-control-allow-credentials", "true"),
        ("access-control-expose-headers", "*"),
        ("x-one", "1"),
        ("set-cookie", "a=b"),
    ];
    let (mut server, _) = answering(200, star);
    let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/x"))).await;
    let names: Vec<&str> = outcome.headers().unwrap().keys().map(|n| n.as_str()).collect();
    assert_eq!(
        names,
        ["access-control-allow-origin", "access-control-allow-credentials", "access-control-expose-headers", "x-one"]
    );
    let outcome = Browser::at(APP).with_credentials().fetch(&mut server, empty(request(Method::GET, "/x"))).await;
    assert!(outcome.headers().unwrap().is_empty(), "{outcome}");
    assert_eq!(outcome.to_string(), "readable: 200 OK with a body of 6 bytes; no header readable");
}

#[test]
fn lists_and_media_types_are_parsed_as_the_standard_says() {
    let mut headers = http::HeaderMap::new();
    headers.insert("access-control-allow-methods", HeaderValue::from_static(" \tPUT ,, DELETE\t, "));
    headers.append("access-control-allow-methods", HeaderValue::from_static("PATCH"));
    assert_eq!(standard::allow_methods_list(&headers), Ok(Some(vec!["PUT".into(), "DELETE".into(), "PATCH".into()])));
    assert_eq!(standard::allow_headers_list(&headers), Ok(None));
    headers.insert("access-control-allow-headers", HeaderValue::from_static("x-a, x b"));
    assert_eq!(standard::allow_headers_list(&headers), Err(Reason::UnparsableAllowHeaders));
    for (value, safelisted) in [
        (&b"text/plain"[..], true),
        (b"\t text/plain \t", true),
        (b"text/plain ;charset=utf-8", true),
        (b"application/x-www-form-urlencoded", true),
        (b"text/plain/x", false),
        (b"text/", false),
        (b"/plain", false),
        (b"text", false),
        (b"te(xt/plain", false),
    ] {
        assert_eq!(standard::is_cors_safelisted_request_header("content-type", value), safelisted, "{value:?}");
    }
    // `Authorization` among the request's headers needs listing even if the names passed in
    // leave it out.
    let request = CorsRequest {
        origin: APP.into(),
        method: "GET".into(),
        headers: vec![("Authorization".into(), b"Bearer t".to_vec())],
        credentials: false,
    };
    let mut answer = http::HeaderMap::new();
    answer.insert("access-control-allow-origin", HeaderValue::from_static(APP));
    answer.insert("access-control-allow-headers", HeaderValue::from_static("*"));
    let verdict = standard::check_preflight(&request, &[], StatusCode::OK, &answer);
    assert_eq!(verdict, Err(Reason::Header("authorization".into())));
    answer.insert("access-control-allow-headers", HeaderValue::from_static("*, AUTHORIZATION"));
    assert_eq!(standard::check_preflight(&request, &[], StatusCode::OK, &answer), Ok(()));
    assert_eq!(standard::check_preflight(&request, &request.unsafe_header_names(), StatusCode::OK, &answer), Ok(()));
}

/// Safelisted values add up: past 1,024 bytes in all, every safelisted name needs the preflight
/// too (`#cors-unsafe-request-header-names`), and at exactly 1,024 none does.
#[test]
fn safelisted_headers_become_unsafe_past_1024_bytes_in_all() {
    let accept = |len: usize| ("Accept".to_owned(), vec![b'a'; len]);
    let mut headers: Vec<(String, Vec<u8>)> = (0..8).map(|_| accept(128)).collect();
    headers.push(("X-Trace".to_owned(), b"1".to_vec()));
    assert_eq!(standard::cors_unsafe_request_header_names(&headers), ["x-trace"]);
    headers.push(("Content-Language".to_owned(), b"e".to_vec()));
    assert_eq!(standard::cors_unsafe_request_header_names(&headers), ["accept", "content-language", "x-trace"]);
}

// The fetch edges where the kit once said "readable" (or sent what Chromium does not): URLs,
// fetch()'s refusals, header lines, redirects, Fetch Metadata, the cache after a failed
// preflight, Chromium's own safelist, and Allow-Origin values. Each is also a browser case
// (`integration/tests/browser/edges.rs`), compared with Chromium, Firefox and WebKit.

/// A status and headers (`{origin}` in a value is the request's `Origin`).
type Answer = (u16, Vec<(&'static str, &'static str)>);

/// A hand-written server whose answer depends on the request.
fn routed(
    answer: fn(&http::request::Parts) -> Answer,
) -> (impl tower::Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone, Seen) {
    let seen = Seen::default();
    let recorded = seen.clone();
    let service = service_fn(move |request: Request<Body>| {
        let parts = request.into_parts().0;
        let (status, headers) = answer(&parts);
        let origin = parts.headers.get("origin").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let said = format!("{} {}", parts.method, parts.uri);
        recorded.push(parts);
        let mut response = Response::builder().status(status);
        for (name, value) in headers {
            response = response.header(name, value.replace("{origin}", &origin));
        }
        std::future::ready(Ok::<_, Infallible>(response.body(Body::from(said)).unwrap()))
    });
    (service, seen)
}

fn is_preflight(parts: &http::request::Parts) -> bool {
    parts.method == Method::OPTIONS && parts.headers.contains_key("access-control-request-method")
}

/// Grants every preflight for what it asks, and every actual request to the origin it came from.
fn grant_all(parts: &http::request::Parts) -> Answer {
    if is_preflight(parts) {
        let grant = vec![
            ("access-control-allow-origin", "{origin}"),
            ("access-control-allow-methods", "PUT, PATCH, DELETE"),
            ("access-control-allow-headers", "x-custom, content-type, x-a"),
        ];
        (204, grant)
    } else {
        (200, vec![("access-control-allow-origin", "{origin}")])
    }
}

fn header<'a>(parts: &'a http::request::Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn a_protocol_relative_or_relative_url_is_resolved_against_the_page() {
    // `//api.example.com/items` from https://app.example.com is https://api.example.com/items:
    // another origin, so CORS applies and a server without Allow-Origin is not read.
    let (mut server, seen) = answering(200, &[]);
    let outcome = Browser::at(APP).fetch(&mut server, empty(Request::get("//api.example.com/items"))).await;
    assert_eq!(outcome.blocked(), Some(&Blocked::Response(Reason::NoAllowOrigin)));
    assert_eq!(outcome.url(), "https://api.example.com/items");
    let sent = seen.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(header(&sent[0], "host"), Some("api.example.com"));
    assert_eq!(header(&sent[0], "origin"), Some(APP));
    assert_eq!(header(&sent[0], "sec-fetch-site"), Some("same-site"));
    // A relative URL is the page's own origin: no CORS, readable.
    let outcome = Browser::at(APP).fetch(&mut server, empty(Request::get("/items?page=2"))).await;
    assert!(outcome.is_readable(), "{outcome}");
    assert_eq!(outcome.url(), "https://app.example.com/items?page=2");
    let sent = seen.take();
    assert_eq!(
        (sent[0].uri.to_string().as_str(), header(&sent[0], "host")),
        ("/items?page=2", Some("app.example.com"))
    );
    assert_eq!(header(&sent[0], "sec-fetch-site"), Some("same-origin"));
    assert_eq!(header(&sent[0], "origin"), None, "a same-origin GET carries no Origin");
    // From an opaque origin there is nothing to resolve against.
    let outcome = Browser::at("null").fetch(&mut server, empty(Request::get("/items"))).await;
    assert_eq!(outcome.blocked(), Some(&Blocked::Rejected("Failed to parse URL from /items".into())));
    assert!(seen.take().is_empty());
}

#[tokio::test]
async fn the_url_is_normalised_as_the_url_standard_says() {
    let (mut server, seen) = routed(grant_all);
    let cases = [
        ("/a/../b", "/b"),
        ("/a/./b/..", "/a/"),
        ("/a{b}?q='x'", "/a%7Bb%7D?q=%27x%27"),
        ("/a\"b", "/a%22b"),
        ("/%7e?x", "/%7e?x"),
    ];
    for (written, sent) in cases {
        let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::GET, written))).await;
        assert!(outcome.is_readable(), "{written}: {outcome}");
        assert_eq!(outcome.url(), format!("{API}{sent}"), "{written}");
        assert_eq!(seen.take()[0].uri.to_string(), sent, "{written}");
    }
    // Host names are lower-cased, default ports dropped.
    let outcome = Browser::at(APP).fetch(&mut server, empty(Request::get("HTTPS://API.Example.com:443/x"))).await;
    assert_eq!(outcome.url(), "https://api.example.com/x");
    assert_eq!(header(&seen.take()[0], "host"), Some("api.example.com"));
}

#[tokio::test]
async fn fetch_refuses_a_body_on_get_or_head_and_a_url_with_credentials_and_sends_nothing() {
    let (mut server, seen) = routed(grant_all);
    let refusals = [
        (
            Request::get(format!("{API}/x")).body(Body::from("x")).unwrap(),
            "Request with GET/HEAD method cannot have body.",
        ),
        (
            Request::head(format!("{API}/x")).body(Body::from("x")).unwrap(),
            "Request with GET/HEAD method cannot have body.",
        ),
        (
            empty(Request::get("https://user:pw@api.example.com/x")),
            "Request cannot be constructed from a URL that includes credentials: https://user:pw@api.example.com/x",
        ),
        (
            empty(Request::get("https://user@api.example.com/x")),
            "Request cannot be constructed from a URL that includes credentials: https://user@api.example.com/x",
        ),
    ];
    for (request, message) in refusals {
        let outcome = Browser::at(APP).fetch(&mut server, request).await;
        assert_eq!(outcome.blocked(), Some(&Blocked::Rejected(message.into())));
        assert_eq!(
            outcome.to_string(),
            format!("blocked: TypeError: Failed to execute 'fetch' on 'Window': {message}")
        );
        assert!(!outcome.was_sent());
        assert_eq!(outcome.preflight(), Preflight::NotNeeded);
    }
    assert!(seen.take().is_empty(), "nothing reached the server");
    // A POST with a body, and a GET without one, are sent.
    let post = Request::post(format!("{API}/x")).body(Body::from("x")).unwrap();
    assert!(Browser::at(APP).fetch(&mut server, post).await.is_readable());
    assert!(Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/x"))).await.is_readable());
    assert_eq!(seen.take().len(), 2);
}

#[tokio::test]
async fn header_lines_are_joined_before_the_safelist_and_in_the_preflight() {
    let (mut server, seen) = answering(403, &[]);
    // Two `Content-Type: text/plain` lines are one value, `text/plain, text/plain`: not a MIME type.
    let twice = Request::post(format!("{API}/x"))
        .header("content-type", "text/plain")
        .header("content-type", "text/plain")
        .body(Body::from("x"))
        .unwrap();
    let outcome = Browser::at(APP).fetch(&mut server, twice).await;
    assert_eq!(outcome.blocked(), Some(&Blocked::Preflight(Reason::NoAllowOrigin)));
    assert!(!outcome.was_sent());
    let sent = seen.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(header(&sent[0], "access-control-request-headers"), Some("content-type"));
    // Two 100-byte Accept lines are one 202-byte value, past the 128 bytes of the safelist.
    let long = "a".repeat(100);
    let accept =
        Request::get(format!("{API}/x")).header("accept", &long).header("accept", &long).body(Body::empty()).unwrap();
    let outcome = Browser::at(APP).fetch(&mut server, accept).await;
    assert_eq!(outcome.preflight(), Preflight::Sent(StatusCode::FORBIDDEN));
    assert_eq!(header(&seen.take()[0], "access-control-request-headers"), Some("accept"));
    // Granted, the actual request carries the joined value on one line.
    let (mut server, seen) = routed(grant_all);
    let twice = Request::put(format!("{API}/x")).header("x-a", "1").header("X-A", "2").body(Body::empty()).unwrap();
    assert!(Browser::at(APP).fetch(&mut server, twice).await.is_readable());
    let sent = seen.take();
    assert_eq!(header(&sent[0], "access-control-request-headers"), Some("x-a"));
    assert_eq!(sent[1].headers.get_all("x-a").iter().collect::<Vec<_>>(), ["1, 2"]);
}

#[tokio::test]
async fn chromium_sends_client_hints_without_a_preflight_drops_user_agent_and_trims_values() {
    let (mut server, seen) = routed(|parts| {
        if is_preflight(parts) {
            (403, vec![])
        } else {
            (200, vec![("access-control-allow-origin", "{origin}")])
        }
    });
    let script = Request::get(format!("{API}/x"))
        .header("save-data", "on")
        .header("dpr", "2.5")
        .header("viewport-width", "800")
        .header("device-memory", "8")
        .header("width", "100")
        .header("user-agent", "kit/1")
        .header("accept-language", " en\t")
        .body(Body::empty())
        .unwrap();
    let outcome = Browser::at(APP).fetch(&mut server, script).await;
    assert!(outcome.is_readable(), "{outcome}");
    assert_eq!(outcome.preflight(), Preflight::NotNeeded);
    let sent = seen.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(header(&sent[0], "user-agent"), None, "Chromium drops a script's User-Agent");
    assert_eq!(header(&sent[0], "accept-language"), Some("en"), "leading and trailing whitespace stripped");
    assert_eq!(header(&sent[0], "dpr"), Some("2.5"));
    // Values out of the hints' syntax are not safelisted.
    for (name, value) in [("save-data", "off"), ("dpr", "2."), ("width", "1.5"), ("device-memory", "x"), ("ect", "5g")]
    {
        let script = Request::get(format!("{API}/x")).header(name, value).body(Body::empty()).unwrap();
        let outcome = Browser::at(APP).fetch(&mut server, script).await;
        assert_eq!(outcome.preflight(), Preflight::Sent(StatusCode::FORBIDDEN), "{name}: {value}");
        assert_eq!(header(&seen.take()[0], "access-control-request-headers"), Some(name));
    }
    // The standard's own safelist, in `testing::standard`, knows no client hints.
    assert!(!standard::is_cors_safelisted_request_header("save-data", b"on"));
}

#[tokio::test]
async fn redirects_are_followed_with_the_cors_check_at_every_hop() {
    // A granted 302 to a target without Allow-Origin: blocked, and the message says where from.
    let (mut server, seen) = routed(|parts| match parts.uri.path() {
        "/from" => (302, vec![("location", "/to"), ("access-control-allow-origin", "{origin}")]),
        _ => (200, vec![]),
    });
    let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/from"))).await;
    assert_eq!(outcome.blocked(), Some(&Blocked::Response(Reason::NoAllowOrigin)));
    assert!(outcome.redirected());
    assert_eq!(outcome.url(), format!("{API}/to"));
    assert_eq!(
        outcome.to_string(),
        format!(
            "blocked: Access to fetch at '{API}/to' (redirected from '{API}/from') from origin '{APP}' has been blocked \
             by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource."
        )
    );
    let paths: Vec<String> = seen.take().iter().map(|p| p.uri.to_string()).collect();
    assert_eq!(paths, ["/from", "/to"]);

    // A redirect without Allow-Origin is itself blocked: the target is never fetched.
    let (mut server, seen) = answering(302, &[("location", "/to")]);
    let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/from"))).await;
    assert_eq!(outcome.blocked(), Some(&Blocked::Response(Reason::NoAllowOrigin)));
    assert!(!outcome.redirected());
    assert_eq!(seen.take().len(), 1);

    // Granted at both: readable, from the target.
    let (mut server, seen) = routed(|parts| match parts.uri.path() {
        "/from" if !is_preflight(parts) => {
            (307, vec![("location", "https://api.example.com/to"), ("access-control-allow-origin", "{origin}")])
        }
        _ => grant_all(parts),
    });
    let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/from"))).await;
    assert_eq!(outcome.text().as_deref(), Some("GET /to"), "{outcome}");
    assert!(outcome.redirected());
    assert_eq!(outcome.preflight(), Preflight::NotNeeded);
    seen.take();

    // A preflighted PUT answered 307 is preflighted again at the new URL.
    let put = || Request::put(format!("{API}/from")).header("x-custom", "1").body(Body::empty()).unwrap();
    let outcome = Browser::at(APP).fetch(&mut server, put()).await;
    assert_eq!(outcome.text().as_deref(), Some("PUT /to"), "{outcome}");
    assert_eq!(outcome.preflight(), Preflight::Sent(StatusCode::NO_CONTENT), "the new URL's preflight");
    let sent: Vec<String> = seen.take().iter().map(|p| format!("{} {}", p.method, p.uri)).collect();
    assert_eq!(sent, ["OPTIONS /from", "PUT /from", "OPTIONS /to", "PUT /to"]);
    // A PUT with a body cannot be sent twice by the kit: a network error, never "readable".
    let with_body = Request::put(format!("{API}/from")).header("x-custom", "1").body(Body::from("x")).unwrap();
    let outcome = Browser::at(APP).fetch(&mut server, with_body).await;
    assert!(matches!(outcome.blocked(), Some(Blocked::Network(_))), "{outcome}");
    seen.take();

    // A POST answered 303 (or 301/302) becomes a GET without its body and its Content-Type.
    let (mut server, seen) = routed(|parts| match parts.uri.path() {
        "/from" => (303, vec![("location", "/to"), ("access-control-allow-origin", "{origin}")]),
        _ => grant_all(parts),
    });
    let post = Request::post(format!("{API}/from")).header("content-type", "text/plain").body(Body::from("x")).unwrap();
    let outcome = Browser::at(APP).fetch(&mut server, post).await;
    assert_eq!(outcome.text().as_deref(), Some("GET /to"), "{outcome}");
    let sent = seen.take();
    assert_eq!(header(&sent[1], "content-type"), None);

    // Back to the page's own origin after another: `Origin: null`, and CORS still applies.
    let (mut server, seen) = routed(|parts| match parts.uri.path() {
        "/from" => (302, vec![("location", "https://app.example.com/to"), ("access-control-allow-origin", "{origin}")]),
        _ => grant_all(parts),
    });
    let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/from"))).await;
    assert!(outcome.is_readable(), "Allow-Origin echoes `null`: {outcome}");
    let sent = seen.take();
    assert_eq!(header(&sent[1], "origin"), Some("null"));
    assert_eq!(header(&sent[1], "host"), Some("app.example.com"));
    assert_eq!(header(&sent[1], "sec-fetch-site"), Some("same-site"), "the worst site of the chain");

    // A same-origin request redirected to another origin becomes a CORS request there.
    let (mut server, seen) = routed(|parts| match parts.uri.path() {
        "/from" => (302, vec![("location", "https://api.example.com/to")]),
        _ => (200, vec![]),
    });
    let outcome = Browser::at(APP).fetch(&mut server, empty(Request::get("/from"))).await;
    assert_eq!(outcome.blocked(), Some(&Blocked::Response(Reason::NoAllowOrigin)));
    let sent = seen.take();
    assert_eq!((header(&sent[0], "origin"), header(&sent[1], "origin")), (None, Some(APP)));

    // More than 20 redirects, or to a scheme fetch() does not fetch: a network error.
    let (mut server, seen) = answering(302, &[("location", "/again"), ("access-control-allow-origin", "*")]);
    let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/again"))).await;
    assert!(matches!(outcome.blocked(), Some(Blocked::Network(_))), "{outcome}");
    assert_eq!(seen.take().len(), 21);
    let (mut server, _) =
        answering(302, &[("location", "ftp://api.example.com/x"), ("access-control-allow-origin", "*")]);
    let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/x"))).await;
    assert!(matches!(outcome.blocked(), Some(Blocked::Network(_))), "{outcome}");
}

#[tokio::test]
async fn fetch_metadata_goes_only_to_potentially_trustworthy_urls() {
    let (mut server, seen) = routed(grant_all);
    let sec_fetch = |parts: &http::request::Parts| {
        ["sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest"].map(|name| header(parts, name).map(str::to_owned))
    };
    // Plain http to a name or an address that is not loopback: no Sec-Fetch-* at all, on the
    // preflight and on the actual request, same-origin or not.
    for (page, url) in [
        ("http://192.168.1.20:8080", "http://192.168.1.20:8080/items"),
        ("http://intranet.example", "http://intranet.example/items"),
        ("http://app.example.com", "http://api.example.com/items"),
        ("https://app.example.com", "http://api.example.com/items"),
    ] {
        let put = Request::put(url).header("x-custom", "1").body(Body::empty()).unwrap();
        let outcome = Browser::at(page).fetch(&mut server, put).await;
        assert!(outcome.is_readable(), "{page} -> {url}: {outcome}");
        for parts in seen.take() {
            assert_eq!(sec_fetch(&parts), [None, None, None], "{page} -> {url}: {} {}", parts.method, parts.uri);
        }
    }
    // https, and http to loopback or localhost: all three.
    for (page, url, site) in [
        ("https://app.example.com", "https://api.example.com/items", "same-site"),
        ("http://localhost:3000", "http://localhost:8080/items", "same-site"),
        ("http://localhost:3000", "http://api.localhost:8080/items", "cross-site"),
        ("http://app.example.com", "http://127.0.0.2:8080/items", "cross-site"),
        ("http://app.example.com", "http://[::1]:8080/items", "cross-site"),
        ("http://192.168.1.20", "http://LOCALHOST./items", "cross-site"),
    ] {
        let put = Request::put(url).header("x-custom", "1").body(Body::empty()).unwrap();
        let outcome = Browser::at(page).fetch(&mut server, put).await;
        assert!(outcome.is_readable(), "{page} -> {url}: {outcome}");
        let sent = seen.take();
        assert_eq!(sent.len(), 2);
        for parts in sent {
            let expected = [Some(site.to_owned()), Some("cors".to_owned()), Some("empty".to_owned())];
            assert_eq!(sec_fetch(&parts), expected, "{page} -> {url}");
        }
    }
    // `preflight_for` too.
    let script = Request::put("http://10.0.0.1/items").header("x-custom", "1").body(()).unwrap();
    let preflight = Browser::at("http://10.0.0.2").preflight_for::<_, ()>(&script).unwrap();
    assert!(preflight.headers().keys().all(|name| !name.as_str().starts_with("sec-fetch-")));
}

#[tokio::test]
async fn a_failed_preflight_clears_the_cache_for_its_url() {
    let (mut server, seen) = routed(|parts| {
        let asked = header(parts, "access-control-request-headers");
        match (is_preflight(parts), asked) {
            (true, Some("x-a")) => (
                204,
                vec![
                    ("access-control-allow-origin", "{origin}"),
                    ("access-control-allow-methods", "PUT"),
                    ("access-control-allow-headers", "x-a"),
                    ("access-control-max-age", "600"),
                ],
            ),
            (true, _) => (403, vec![]),
            (false, _) => (200, vec![("access-control-allow-origin", "{origin}")]),
        }
    });
    let mut browser = Browser::at(APP);
    let put = |names: &[&str]| {
        let mut request = Request::put(format!("{API}/x"));
        for name in names {
            request = request.header(*name, "1");
        }
        request.body(Body::empty()).unwrap()
    };
    assert!(browser.fetch(&mut server, put(&["x-a"])).await.is_readable());
    assert_eq!(browser.fetch(&mut server, put(&["x-a"])).await.preflight(), Preflight::Cached);
    let refused = browser.fetch(&mut server, put(&["x-a", "x-b"])).await;
    assert_eq!(refused.preflight(), Preflight::Sent(StatusCode::FORBIDDEN));
    // The entries for the URL are gone: preflighted again, as Chromium does.
    let again = browser.fetch(&mut server, put(&["x-a"])).await;
    assert_eq!(again.preflight(), Preflight::Sent(StatusCode::NO_CONTENT));
    let methods: Vec<String> = seen.take().iter().map(|p| p.method.to_string()).collect();
    assert_eq!(methods, ["OPTIONS", "PUT", "PUT", "OPTIONS", "OPTIONS", "PUT"]);
}

#[tokio::test]
async fn allow_origin_values_are_read_and_worded_as_chromium_does() {
    // A trailing space is stripped, as a browser's HTTP parser does: readable.
    let (mut server, _) = answering(200, &[("access-control-allow-origin", "https://app.example.com ")]);
    assert!(Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/x"))).await.is_readable());
    // `null` names another origin; a scheme alone is invalid.
    let (mut server, _) = answering(200, &[("access-control-allow-origin", "null")]);
    let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/x"))).await;
    assert_eq!(
        outcome.blocked().map(ToString::to_string).as_deref(),
        Some(
            "The 'Access-Control-Allow-Origin' header has a value 'null' that is not equal to the supplied origin. \
             Have the server send the header with a valid value."
        )
    );
    let (mut server, _) = answering(200, &[("access-control-allow-origin", "https://")]);
    let outcome = Browser::at(APP).fetch(&mut server, empty(request(Method::GET, "/x"))).await;
    assert_eq!(
        outcome.blocked().map(ToString::to_string).as_deref(),
        Some(
            "The 'Access-Control-Allow-Origin' header contains the invalid value 'https://'. Have the server send \
             the header with a valid value."
        )
    );
}
