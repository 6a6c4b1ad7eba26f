//! A browser in a test: check a whole application's CORS behaviour as Chromium sees it, without a
//! browser (feature `testing`).
//!
//! [`Browser::at`] opens a page on an origin; [`Browser::fetch`] runs a request as that page's
//! `fetch()` would, against any tower service in-process (an axum `Router`, a tonic server, a
//! whole stack with authentication and other layers), and returns the [`Outcome`] the script
//! observes: readable, with the status, body and the headers the script may read, or blocked,
//! with the reason in the words of Chromium's console.
//!
//! ```
//! use axum::{routing::get, Router};
//! use http::Request;
//! use tower_cors::{testing::Browser, CorsLayer};
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let mut app = Router::new()
//!     .route("/items", get(|| async { "[]" }))
//!     .layer(CorsLayer::new().allow_origins(["https://app.example.com"]));
//!
//! let mut browser = Browser::at("https://app.example.com");
//! let get = Request::get("https://api.example.com/items").body(String::new())?;
//! assert!(browser.fetch(&mut app, get).await.is_readable());
//!
//! // A header the policy does not allow: the preflight is refused, with no grant at all.
//! let traced = Request::get("https://api.example.com/items").header("x-trace", "1").body(String::new())?;
//! let outcome = browser.fetch(&mut app, traced).await;
//! assert!(outcome.is_blocked());
//! assert!(!outcome.was_sent());
//! assert!(outcome.to_string().contains("Response to preflight request doesn't pass access control check"), "{outcome}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The guide [Testing your CORS setup](crate::guides::testing) tests a complete application.
//!
//! # What it models
//!
//! From the Fetch Standard, as Chromium implements it:
//!
//! - **Which requests need a preflight**: a method other than `GET`, `HEAD` and `POST`, or a
//!   header that is not safelisted (`Content-Type: application/json`, `Authorization`, any custom
//!   one), as [`standard`] states.
//! - **The preflight, as Chromium builds it**: `OPTIONS` to the same URL with `Origin`,
//!   `Access-Control-Request-Method`, `Access-Control-Request-Headers` (the unsafe names
//!   lower-cased, sorted, joined with `,` without spaces), `Accept: */*`, `Sec-Fetch-Mode: cors`,
//!   `Sec-Fetch-Site` and `Sec-Fetch-Dest: empty`, without cookies.
//! - **The checks**: the CORS check, an ok status, the methods and headers granted (`*` only
//!   without credentials, and never for `Authorization`), and which headers the script reads.
//! - **The preflight cache** of one `Browser`: one entry per granted method and header name,
//!   keyed by the page's origin, the URL and the credentials mode (an entry made with
//!   credentials serves requests without), for `Access-Control-Max-Age` seconds (Chromium's 5
//!   when absent, at most 2 hours). The clock moves only with [`Browser::advance`].
//! - **What the browser adds**: `Host`, `Origin` (on same-origin requests too, unless `GET` or
//!   `HEAD`), `Accept: */*` unless set, the `Sec-Fetch-*` headers, and the [cookie](Browser::cookie)
//!   when the request carries credentials. Headers a script cannot set (`Cookie`, `Host`,
//!   `Origin`, `Sec-*`, ...) are dropped from the request, as `fetch()` drops them.
//! - **Same-origin requests** (the page's own origin): no preflight, no CORS check, every header
//!   but `Set-Cookie` readable.
//!
//! # What it leaves out
//!
//! - Redirects are not followed: the outcome is the redirect itself (a preflight answered with
//!   a redirect fails, as in every browser).
//! - `Sec-Fetch-Site` tells `same-site` from `cross-site` by the last two labels of the hosts,
//!   without the Public Suffix List (`a.github.io` and `b.github.io` count as same-site).
//! - No cookie jar: `Set-Cookie` is not stored, and `SameSite` is not applied.
//! - Where engines differ from the standard, the kit follows the standard: Chromium, Firefox and
//!   WebKit still let `Access-Control-Allow-Headers: *` cover `Authorization` (measured in
//!   `tests/browser.rs`); the kit does not, so a test fails before browsers start enforcing it.
//!   Firefox sometimes preflights again where Chromium reuses its cache; Chromium keeps one cache
//!   entry per URL that each preflight replaces, where the standard (and the kit) keeps one per
//!   method and header name.
//!
//! `tests/browser.rs` runs each of its browser cases through the kit as well, in Chromium,
//! Firefox and WebKit, and fails on any disagreement that is not recorded there.

mod blocked;
mod body;
mod browser;
mod cache;
mod check;
mod exposed;
mod location;
mod outcome;
mod prepare;
mod reason;
mod request;
mod safelist;
mod site;
pub mod standard;
mod values;

pub use blocked::Blocked;
pub use browser::Browser;
pub use outcome::{Outcome, Preflight};
pub use reason::Reason;
use request::CorsRequest;
