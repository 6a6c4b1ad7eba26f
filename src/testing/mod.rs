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
//! What Chromium does (the version the browser tests last ran: 156), which is the Fetch Standard
//! but for the differences listed in [Testing your CORS setup](crate::guides::testing):
//!
//! - **What `fetch()` refuses**, sending nothing: a URL that does not parse or includes
//!   credentials (`https://user:pw@...`), a forbidden method (`CONNECT`, `TRACE`, `TRACK`), a body
//!   on a `GET` or `HEAD` ([`Blocked::Rejected`], a `TypeError`).
//! - **The URL**, resolved against the page and normalized by the URL Standard (the `url`
//!   crate): a relative or protocol-relative URL takes the page's scheme (and host), dot segments
//!   go, the path and query are percent-encoded as browsers send them (`/a{b}?q='x'` goes out as
//!   `/a%7Bb%7D?q=%27x%27`).
//! - **Which requests need a preflight**: a method other than `GET`, `HEAD` and `POST`, or a
//!   header that is not safelisted (`Content-Type: application/json`, `Authorization`, any custom
//!   one), judged on the value `Headers` holds: each line stripped of surrounding whitespace, the
//!   lines of one name joined with `, `. Chromium's safelist adds the client hints a script may
//!   set (`Save-Data: on`, `DPR`, `Device-Memory`, `Width`, `Viewport-Width`, ...), and Chromium
//!   drops a script's `User-Agent`.
//! - **The preflight, as Chromium builds it**: `OPTIONS` to the same URL with `Origin`,
//!   `Access-Control-Request-Method`, `Access-Control-Request-Headers` (the unsafe names
//!   lower-cased, sorted, joined with `,` without spaces), `Accept: */*`, and without cookies.
//! - **The checks**: the CORS check, an ok status, the methods and headers granted (`*` only
//!   without credentials; it covers `Authorization` too, as in every engine), and which headers the
//!   script reads.
//! - **Redirects**, followed as `fetch()`'s default `redirect: 'follow'` does: the CORS check on
//!   every response of the chain (a redirect too), a new preflight at each URL that needs one, a
//!   `POST` made a `GET` by 301, 302 and 303, `Origin: null` after a redirect across origins from
//!   another origin, at most 20. [`Outcome::url`] and [`Outcome::redirected`] tell where it
//!   ended, and a blocked outcome's message says "(redirected from ...)" as Chromium's console
//!   does. Every URL is fetched from the one service given to [`Browser::fetch`].
//! - **The preflight cache** of one `Browser`: one entry per granted method and header name,
//!   keyed by the page's origin, the URL and the credentials mode (an entry made with
//!   credentials serves requests without), for `Access-Control-Max-Age` seconds (Chromium's 5
//!   when absent, at most 2 hours); a failed preflight clears the URL's entries. The clock moves
//!   only with [`Browser::advance`].
//! - **What the browser adds**: `Host`, `Origin` (on same-origin requests too, unless `GET` or
//!   `HEAD`), `Accept: */*` unless set, the [cookie](Browser::cookie) when the request carries
//!   credentials, and the Fetch Metadata headers (`Sec-Fetch-Site`, `-Mode`, `-Dest`) to a
//!   potentially trustworthy URL only: `https`, or `http` to a loopback address (127.0.0.0/8,
//!   `[::1]`), `localhost` or `*.localhost`; plain `http` to any other host gets none, as in
//!   every browser. Headers a script cannot set (`Cookie`, `Host`, `Origin`, `Sec-*`, ...) are
//!   dropped from the request, as `fetch()` drops them.
//! - **Same-origin requests** (the page's own origin): no preflight, no CORS check, every header
//!   but `Set-Cookie` readable.
//! - **The console's words**: each [`Reason`] is Chromium 156's message, word for word.
//!
//! # What it leaves out
//!
//! - `Sec-Fetch-Site` tells `same-site` from `cross-site` by the last two labels of the hosts,
//!   without the Public Suffix List (`a.github.io` and `b.github.io` count as same-site).
//! - No cookie jar: `Set-Cookie` is not stored, and `SameSite` is not applied.
//! - A request body is sent once: a 307 or 308 redirect of a request with a body (which a browser
//!   sends again) is a network error in the kit, never a false "readable". The kit cannot tell
//!   `body: ""` from no body: an empty body is none.
//! - The `redirect: 'manual'` and `'error'` modes, and `mode: 'no-cors'`.
//!
//! `integration/tests/browser.rs` runs each of its browser cases through the kit as well, in Chromium,
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
