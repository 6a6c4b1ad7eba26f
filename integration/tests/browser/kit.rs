//! Each browser case through the test kit (`tower_cors::testing::Browser`): the same fetches from
//! the same page origin, against the same API (policy, application and request log), served
//! in-process. What the kit's script observes, and what reached the server and the application,
//! in the form the real engines' observations take, so that the two compare as values.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use serde_json::{json, Map, Value};
use tower_cors::testing;

use super::servers::{Entry, Log};
use super::{Case, Fetch, Page};

/// What a case observed, in one engine or in the kit: the page's results, one per fetch, and
/// the lines of what reached the server and the application.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Observation {
    pub(crate) observed: Vec<Value>,
    pub(crate) server: Vec<String>,
    pub(crate) inner: Vec<String>,
}

impl Observation {
    /// The page's results and the log's entries, as one case of an engine left them.
    pub(crate) fn of(results: &Value, entries: &[Entry]) -> Self {
        let lines = |inner: bool| entries.iter().filter(|e| e.inner == inner).map(|e| e.line.clone()).collect();
        Self { observed: results.as_array().cloned().unwrap_or_default(), server: lines(false), inner: lines(true) }
    }

    /// An outcome a case states (its own, or an engine's recorded one).
    pub(crate) fn expected(observed: &[Value], server: &[&str], inner: &[&str]) -> Self {
        let owned = |lines: &[&str]| lines.iter().map(|l| (*l).to_owned()).collect();
        Self { observed: observed.to_vec(), server: owned(server), inner: owned(inner) }
    }
}

/// The page has set the cookie `session=abc` for its host; the APIs are on that host too.
fn cookie(page: Page) -> Option<HeaderValue> {
    match page {
        Page::Allowed | Page::Other | Page::ApiItself => Some(HeaderValue::from_static("session=abc")),
        Page::Host(_) | Page::HostOnOtherPort(_) | Page::Sandboxed => None,
    }
}

/// Runs `case` through the kit from a page of `origin` (`null` for the sandboxed frame) against
/// `api`, the case's API router, whose requests `log` records; `url` is the case's own URL.
pub(crate) async fn run(case: &Case, origin: &str, url: &str, mut api: axum::Router, log: &Log) -> Observation {
    log.take();
    let mut browser = testing::Browser::at(origin);
    if let Some(cookie) = cookie(case.page) {
        browser = browser.cookie(cookie);
    }
    let mut observed = Vec::new();
    for fetch in &case.fetches {
        browser.advance(Duration::from_millis(fetch.wait_ms));
        browser.set_credentials(fetch.credentials == "include");
        let outcome = browser.fetch(&mut api, request(fetch, url)).await;
        observed.push(seen(fetch, &outcome));
    }
    Observation::of(&Value::from(observed), &log.take())
}

/// The request the page's `probe` passes to `fetch()`.
fn request(fetch: &Fetch, url: &str) -> Request<Body> {
    let mut request = Request::builder().method(fetch.method).uri(url);
    for (name, value) in &fetch.headers {
        request = request.header(*name, *value);
    }
    request.body(fetch.body.map_or_else(Body::empty, Body::from)).expect("a valid request")
}

/// What `probe` returns for this outcome: the status, the body and each header it reads, or
/// the error's name.
fn seen(fetch: &Fetch, outcome: &testing::Outcome) -> Value {
    let Some(status) = outcome.status() else {
        return json!({ "error": "TypeError" });
    };
    let headers: Map<String, Value> = fetch
        .read
        .iter()
        .map(|name| ((*name).to_owned(), outcome.header(name).map_or(Value::Null, Value::from)))
        .collect();
    json!({ "status": status.as_u16(), "body": outcome.text(), "headers": headers })
}
