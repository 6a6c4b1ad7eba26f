//! [`CorsLayer::grpc_web`]: the preset for gRPC-web services (tonic with tonic-web).

use std::time::Duration;

use http::{HeaderName, Method};

use crate::config::allow_origin::AllowOrigin;
use crate::config::header_list::{AllowHeaders, ExposeHeaders};
use crate::service::layer::CorsLayer;

impl CorsLayer {
    /// The request headers gRPC-web clients send besides the safelisted ones: `x-grpc-web`,
    /// `content-type` (`application/grpc-web+proto` is not a safelisted value), `x-user-agent`
    /// and `grpc-timeout` (the names tonic-web allowed before 0.13), and `grpc-accept-encoding`,
    /// which clients send to ask for compressed responses.
    ///
    /// A slice, so that a name gRPC-web clients start sending can be added without a breaking
    /// change. (A function rather than a constant: a `HeaderName` cannot be borrowed in a
    /// constant.)
    ///
    /// ```
    /// use tower_cors::CorsLayer;
    ///
    /// assert!(CorsLayer::grpc_web_request_headers().iter().any(|name| name == "x-grpc-web"));
    /// ```
    pub fn grpc_web_request_headers() -> &'static [HeaderName] {
        static NAMES: [HeaderName; 5] = [
            HeaderName::from_static("x-grpc-web"),
            http::header::CONTENT_TYPE,
            HeaderName::from_static("x-user-agent"),
            HeaderName::from_static("grpc-timeout"),
            HeaderName::from_static("grpc-accept-encoding"),
        ];
        &NAMES
    }

    /// The response headers a gRPC-web client must read: `grpc-status`, `grpc-message` and
    /// `grpc-status-details-bin`, which carry a call's outcome as headers in trailers-only
    /// responses (errors), and `grpc-encoding`, which names the compression of a compressed
    /// response (Connect-ES reads it to decompress). Scripts need them exposed.
    ///
    /// A slice, like [`grpc_web_request_headers`](Self::grpc_web_request_headers).
    ///
    /// ```
    /// use tower_cors::CorsLayer;
    ///
    /// assert!(CorsLayer::grpc_web_exposed_headers().iter().any(|name| name == "grpc-status"));
    /// ```
    pub fn grpc_web_exposed_headers() -> &'static [HeaderName] {
        static NAMES: [HeaderName; 4] = [
            HeaderName::from_static("grpc-status"),
            HeaderName::from_static("grpc-message"),
            HeaderName::from_static("grpc-status-details-bin"),
            HeaderName::from_static("grpc-encoding"),
        ];
        &NAMES
    }

    /// How long browsers may cache a gRPC-web preflight: two hours.
    ///
    /// tonic-web used 24 hours before 0.13, but Chromium caps the cache at two hours anyway,
    /// and a day in Firefox would mean that an origin removed from the policy keeps working
    /// there for a day. Two hours is all Chromium honours, and bounds that staleness elsewhere.
    pub const GRPC_WEB_MAX_AGE: Duration = Duration::from_secs(2 * 60 * 60);

    /// The CORS policy gRPC-web clients need, for a tonic server with
    /// [tonic-web](https://docs.rs/tonic-web), which dropped its own CORS handling in 0.13.
    ///
    /// - origins: `origins` (a list, patterns, [`Any`](crate::Any) or your own rule; see
    ///   [`allow_origin`](Self::allow_origin));
    /// - methods: `POST`, the only one gRPC-web uses (safelisted, so preflights ask for it only
    ///   because of the headers below);
    /// - request headers: [`grpc_web_request_headers()`](Self::grpc_web_request_headers);
    /// - exposed headers: [`grpc_web_exposed_headers()`](Self::grpc_web_exposed_headers);
    /// - max age: [`GRPC_WEB_MAX_AGE`](Self::GRPC_WEB_MAX_AGE), two hours;
    /// - **no credentials**: cookies and HTTP authentication are not sent cross-origin unless you
    ///   add [`.allow_credentials(true)`](Self::allow_credentials) yourself, which requires listed
    ///   origins (never [`Any`](crate::Any)).
    ///
    /// Every setting can be changed afterwards with the usual setters. Put the layer *outside*
    /// tonic-web's `GrpcWebLayer`, so that preflights are answered before the gRPC-web
    /// translation sees them. To allow metadata headers of your own, list them together with
    /// the preset's, since [`allow_headers`](Self::allow_headers) replaces the list.
    ///
    /// ```
    /// use http::HeaderName;
    /// use tower_cors::CorsLayer;
    ///
    /// let cors = CorsLayer::grpc_web(["https://app.example.com", "http://localhost:*"]);
    /// cors.validate()?;
    ///
    /// // With a metadata header of your own, and cookies:
    /// let mut headers = CorsLayer::grpc_web_request_headers().to_vec();
    /// headers.push(HeaderName::from_static("x-tenant"));
    /// let cors = CorsLayer::grpc_web(["https://app.example.com"]).allow_headers(headers).allow_credentials(true);
    /// cors.validate()?;
    /// # Ok::<(), tower_cors::ConfigError>(())
    /// ```
    ///
    /// The [gRPC-web guide](crate::guides::grpc_web) serves it with tonic, over HTTP/1.1 for
    /// browsers.
    pub fn grpc_web(origins: impl Into<AllowOrigin>) -> Self {
        Self::new()
            .allow_origin(origins)
            .allow_methods([Method::POST])
            .allow_headers(AllowHeaders::list(Self::grpc_web_request_headers().iter().cloned()))
            .expose_headers(ExposeHeaders::list(Self::grpc_web_exposed_headers().iter().cloned()))
            .max_age(Self::GRPC_WEB_MAX_AGE)
            .allow_credentials(false)
    }
}
