//! What a script observes of one `fetch()`.

use std::fmt;

use http::{HeaderMap, StatusCode};

use super::Blocked;

/// Whether a preflight went before the actual request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preflight {
    /// None was needed: a same-origin request, or a safelisted method with safelisted headers.
    NotNeeded,
    /// One was needed, and the browser's preflight cache answered it: nothing was sent.
    Cached,
    /// One was sent, and the service answered with this status.
    Sent(StatusCode),
}

/// What the script saw of the response.
#[derive(Clone, Debug, Default)]
pub(super) struct Readable {
    pub(super) status: StatusCode,
    /// Only the headers the script may read.
    pub(super) headers: HeaderMap,
    pub(super) body: Vec<u8>,
}

/// The outcome of one [`Browser::fetch`](super::Browser::fetch): readable, with what the script
/// can read, or blocked, with the reason in the browser's words; its `Display` says which, as
/// Chromium's console would.
///
/// ```
/// use axum::{routing::get, Router};
/// use http::{HeaderName, Request};
/// use tower_cors::{testing::{Browser, Preflight}, CorsLayer};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let mut app = Router::new()
///     .route("/items", get(|| async { ([("x-request-id", "7"), ("x-secret", "s")], "[]") }))
///     .layer(CorsLayer::new().allow_origins(["https://app.example.com"]).expose_headers([HeaderName::from_static("x-request-id")]));
/// let request = Request::get("https://api.example.com/items").body(String::new())?;
/// let outcome = Browser::at("https://app.example.com").fetch(&mut app, request).await;
/// assert!(outcome.is_readable(), "{outcome}");
/// assert_eq!(outcome.status().map(|s| s.as_u16()), Some(200));
/// assert_eq!(outcome.text().as_deref(), Some("[]"));
/// assert_eq!(outcome.header("x-request-id").as_deref(), Some("7"));
/// assert_eq!(outcome.header("x-secret"), None); // not exposed: `null` in JavaScript
/// assert_eq!(outcome.preflight(), Preflight::NotNeeded);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The URLs fetched, in order: the script's, then each a redirect led to.
    pub(super) urls: Vec<String>,
    pub(super) origin: String,
    pub(super) preflight: Preflight,
    pub(super) sent: bool,
    pub(super) result: Result<Readable, Blocked>,
}

impl Outcome {
    /// Whether the script got the response (`fetch()` resolved).
    pub fn is_readable(&self) -> bool {
        self.result.is_ok()
    }

    /// Whether `fetch()` rejected with a `TypeError`.
    pub fn is_blocked(&self) -> bool {
        self.result.is_err()
    }

    /// Why the fetch was blocked; `None` when readable.
    pub fn blocked(&self) -> Option<&Blocked> {
        self.result.as_ref().err()
    }

    /// Whether the actual request reached the service: not when `fetch()` refused it or its
    /// preflight failed. A blocked response was sent (and the service acted on it).
    pub fn was_sent(&self) -> bool {
        self.sent
    }

    /// The URL fetched last (`response.url` when readable; where the fetch failed otherwise):
    /// the script's, resolved against the page and normalized, or the one a redirect led to.
    pub fn url(&self) -> &str {
        self.urls.last().map_or("", String::as_str)
    }

    /// Whether a redirect was followed (`response.redirected` when readable).
    pub fn redirected(&self) -> bool {
        self.urls.len() > 1
    }

    /// Whether a preflight went first (before the last URL's request, after a redirect), and
    /// whether it came from the cache.
    pub fn preflight(&self) -> Preflight {
        self.preflight
    }

    /// The response's status, when readable (`response.status`).
    pub fn status(&self) -> Option<StatusCode> {
        self.result.as_ref().ok().map(|r| r.status)
    }

    /// The response headers the script can read (`response.headers`), when readable: for a
    /// cross-origin request the safelisted ones and the exposed ones; never `Set-Cookie`.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.result.as_ref().ok().map(|r| &r.headers)
    }

    /// `response.headers.get(name)`: the header's lines joined with `, `, or `None` (JavaScript's
    /// `null`) when the script cannot read it or the fetch was blocked.
    pub fn header(&self, name: &str) -> Option<String> {
        let mut lines = self.headers()?.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()));
        let first = lines.next()?.into_owned();
        Some(lines.fold(first, |all, line| format!("{all}, {line}")))
    }

    /// The response body's bytes, when readable.
    pub fn body(&self) -> Option<&[u8]> {
        self.result.as_ref().ok().map(|r| r.body.as_slice())
    }

    /// `response.text()`: the body as UTF-8 (invalid bytes replaced), when readable.
    pub fn text(&self) -> Option<String> {
        self.body().map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.result {
            Ok(readable) => {
                write!(f, "readable: {} with a body of {} bytes; ", readable.status, readable.body.len())?;
                let names: Vec<&str> = readable.headers.keys().map(|n| n.as_str()).collect();
                if names.is_empty() {
                    f.write_str("no header readable")?;
                } else {
                    write!(f, "readable headers: {}", names.join(", "))?;
                }
            }
            Err(blocked @ (Blocked::Rejected(_) | Blocked::Network(_))) => write!(f, "blocked: {blocked}")?,
            Err(blocked) => {
                write!(f, "blocked: Access to fetch at '{}' ", self.url())?;
                if let Some(first) = self.urls.first().filter(|_| self.redirected()) {
                    write!(f, "(redirected from '{first}') ")?;
                }
                write!(f, "from origin '{}' has been blocked by CORS policy: {blocked}", self.origin)?;
            }
        }
        match self.preflight {
            Preflight::NotNeeded => Ok(()),
            Preflight::Cached => f.write_str(" (preflight from the cache)"),
            Preflight::Sent(status) => write!(f, " (preflight answered {status})"),
        }
    }
}
