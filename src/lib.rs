//! CORS middleware for tower, axum, tonic and hyper that follows the
//! [Fetch Standard's CORS protocol](https://fetch.spec.whatwg.org/#http-cors-protocol) to the letter.
//!
//! ```
//! use axum::{routing::get, Router};
//! use http::{header::CONTENT_TYPE, Method};
//! use tower_cors::CorsLayer;
//!
//! let cors = CorsLayer::new()
//!     .allow_origins(["https://app.example.com", "https://*.example.org", "http://localhost:*"])
//!     .allow_methods([Method::PUT, Method::DELETE])
//!     .allow_headers([CONTENT_TYPE]);
//! cors.validate()?; // every configuration problem at once, before the first request
//!
//! let app: Router = Router::new().route("/items", get(|| async { "[]" })).layer(cors);
//! # let _ = app;
//! # Ok::<(), tower_cors::ConfigError>(())
//! ```
//!
//! # What the layer does with each request
//!
//! - **No `Origin`**: not a CORS request. The inner service answers; the layer adds only
//!   `Vary: Origin`, so that shared caches keep CORS and non-CORS answers apart. Under
//!   [`allow_any_origin`](CorsLayer::allow_any_origin) the answer is the same for every request:
//!   `Access-Control-Allow-Origin: *` on every response, with or without `Origin`, and no
//!   `Vary: Origin`.
//! - **Preflight** (`OPTIONS` with `Origin` and `Access-Control-Request-Method`): answered by
//!   the layer, never by the inner service. Granted: 204 with `Access-Control-Allow-Origin`,
//!   the requested method and headers echoed (never the whole policy), `Max-Age` and
//!   credentials as configured. Refused: 403 with no grant header at all.
//! - **Actual CORS request** (anything else with `Origin`, including an `OPTIONS` without
//!   `Access-Control-Request-Method`): the inner service answers; an allowed origin gets the
//!   grant headers, a refused one gets none (or a 403 with
//!   [`block_disallowed_origins`](CorsLayer::block_disallowed_origins)).
//!
//! `Vary` is merged with the inner service's, never replaced or duplicated, and left alone when
//! it is `*` (a layer outside this one may still add a line of its own). On CORS requests the
//! layer owns the grant headers: it writes each once, replacing or removing any the inner
//! service set; on a request without `Origin` it leaves the inner service's headers as they are.
//!
//! Every option (passthrough, blocking, the same-origin exemption, any origin) is applied in one
//! decision; an async origin check only delays which of its two outcomes is carried out, and
//! the inner service's `call` runs only when that outcome is to call it.
//!
//! # Any service, and layers within layers
//!
//! Responses carry a [`CorsBody`]: the inner service's body, or an empty one for the layer's own
//! answers, so the layer wraps any service (a `TraceLayer` or a tonic server inside it too);
//! [`CorsLayer::keep_body_type`] keeps the inner body type where it has a `Default`. The
//! outermost CORS layer decides the CORS headers of every response it passes, whatever a layer
//! inside it or the application set; see the [placement guide](guides::axum#two-layers-on-one-request).
//!
//! # Configuration is checked before the first request
//!
//! Origins must be spelled as browsers send them; anything that could never match, and every
//! combination the Fetch Standard makes meaningless or dangerous (credentials with any origin,
//! `CONNECT`, `cookie`, `set-cookie`, a `max_age` above a day, ...) is a [`ConfigError`] that
//! says what to change. [`CorsLayer::validate`] returns all of them at once; an invalid layer
//! panics when it wraps a service, at startup, never while serving.
//!
//! # Guides
//!
//! - [Where the layer goes in axum](guides::axum): the last `.layer` call on the router, so that
//!   the errors of authentication, timeouts, body limits and panic catchers are readable; nested
//!   routers and nested layers; why `MethodRouter::route_layer` breaks preflights.
//! - [gRPC-web with tonic](guides::grpc_web).
//! - [Security considerations](guides::security): CORS is not access control.
//! - [Migrating from tower-http](guides::migrating_from_tower_http).
//! - [Why was my request refused?](guides::refused_requests): the `tracing` feature.
//! - [Testing your CORS setup](guides::testing): the `testing` feature's browser in a test,
//!   which fetches through your whole application as Chromium does.
//! - Live reconfiguration: the `reload` feature and `CorsLayer::reloadable`.
//!
//! # Features
//!
//! Every feature is off by default: without any, the crate depends on `http`, `http-body`,
//! `pin-project-lite`, `tower-layer` and `tower-service` only.
//!
//! - `tracing`: one `DEBUG` event per refused request, target `tower_cors`, with a stable
//!   reason code and the offending value, escaped and capped.
//! - `serde`: `CorsConfig`, the whole policy from TOML, JSON, YAML or the environment, turned
//!   into a layer with `CorsLayer::try_from`, which reports every problem at once.
//! - `reload`: `CorsLayer::reloadable`, which swaps the whole policy at runtime, atomically,
//!   without locks on the request path.
//! - `testing`: [`testing::Browser`], a browser in a test: it fetches through any tower service
//!   (your whole application) as Chromium does, preflight, checks and cache, and says what a
//!   script would see, in the browser's words.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// A leaf of byte helpers that every stage may use.
mod words;

// The stages of a request, in the order they serve it: each imports only from those above it.
mod config;

mod policy;

mod decision;

mod response;

mod diagnosis;

mod service;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use diagnosis::explain;
pub use response::body;
pub use service::future;
#[cfg(feature = "reload")]
pub use service::reload;

/// The README's quick start, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The migration guide's "Compile errors you will meet", each with the error code it names.
///
/// tower-http's unannotated `parse()` in an origin array (E0284):
///
/// ```compile_fail,E0284
/// let cors = tower_cors::CorsLayer::new().allow_origin(["https://app.example.com".parse().unwrap()]);
/// ```
///
/// `very_permissive()` (E0599; rustc suggests `permissive()`, another policy):
///
/// ```compile_fail,E0599
/// let cors = tower_cors::CorsLayer::very_permissive();
/// ```
///
/// `AllowOrigin::mirror_request()` (E0599):
///
/// ```compile_fail,E0599
/// let cors = tower_cors::CorsLayer::new().allow_origin(tower_cors::AllowOrigin::mirror_request());
/// ```
///
/// `AllowCredentials` (E0432):
///
/// ```compile_fail,E0432
/// use tower_cors::AllowCredentials;
/// ```
///
/// A whole router wrapped in the layer and handed to `axum::serve` (E0271, `CorsBody`):
///
/// ```compile_fail,E0271
/// use axum::{extract::Request, routing::get, Router, ServiceExt};
/// use tower::Layer;
///
/// async fn run(listener: tokio::net::TcpListener) -> std::io::Result<()> {
///     let cors = tower_cors::CorsLayer::new().allow_origins(["https://app.example.com"]);
///     let app = cors.layer(Router::new().route("/", get(|| async { "hello" })));
///     axum::serve(listener, ServiceExt::<Request>::into_make_service(app)).await
/// }
/// ```
///
/// and its fix, `keep_body_type()`:
///
/// ```
/// use axum::{extract::Request, routing::get, Router, ServiceExt};
/// use tower::Layer;
///
/// async fn run(listener: tokio::net::TcpListener) -> std::io::Result<()> {
///     let cors = tower_cors::CorsLayer::new().allow_origins(["https://app.example.com"]);
///     let app = cors.keep_body_type().layer(Router::new().route("/", get(|| async { "hello" })));
///     axum::serve(listener, ServiceExt::<Request>::into_make_service(app)).await
/// }
/// ```
///
/// `Cors::new(inner)` (E0624: the service is built by the layer):
///
/// ```compile_fail,E0624
/// let cors = tower_cors::Cors::new(tower::service_fn(|_: http::Request<()>| async {
///     Ok::<_, std::convert::Infallible>(http::Response::new(()))
/// }));
/// ```
#[cfg(doctest)]
struct MigrationCompileErrors;

pub use config::allow_methods::AllowMethods;
pub use config::allow_origin::{AllowOrigin, OriginPolicy};
pub use config::any::Any;
pub use config::error::{ConfigError, ConfigProblem, InvalidOrigin};
pub use config::header_list::{AllowHeaders, ExposeHeaders};
pub use config::private_network::AllowPrivateNetwork;
pub use decision::reason::RefusalReason;
pub use diagnosis::explain::Explanation;
pub use response::body::CorsBody;
#[cfg(feature = "serde")]
pub use service::config_file::CorsConfig;
pub use service::cors::Cors;
pub use service::layer::CorsLayer;

/// Guides: longer explanations, with examples that are compiled and run as doctests.
pub mod guides {
    // The examples of these two use tower-http and tonic, which only the `integration`
    // workspace member depends on: its doctests compile them (`integration/src/lib.rs`), so
    // that this package's examples need not build those crates.
    #[cfg_attr(not(doctest), doc = include_str!("../docs/axum.md"))]
    pub mod axum {}
    #[cfg_attr(not(doctest), doc = include_str!("../docs/grpc_web.md"))]
    pub mod grpc_web {}
    #[doc = include_str!("../docs/security.md")]
    pub mod security {}
    #[doc = include_str!("../docs/migrating_from_tower_http.md")]
    pub mod migrating_from_tower_http {}
    #[doc = include_str!("../docs/refused_requests.md")]
    pub mod refused_requests {}
    #[cfg(feature = "testing")]
    #[doc = include_str!("../docs/testing.md")]
    pub mod testing {}
}
