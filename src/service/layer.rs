//! [`CorsLayer`]: the configuration builder and [`Layer`].

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http::StatusCode;
use tower_layer::Layer;

use crate::config::allow_methods::AllowMethods;
use crate::config::allow_origin::AllowOrigin;
use crate::config::error::ConfigError;
use crate::config::header_list::{AllowHeaders, ExposeHeaders};
use crate::config::private_network::AllowPrivateNetwork;
use crate::config::settings::Settings;
use crate::diagnosis::debug_mode;
use crate::diagnosis::explain::{self, ExplainRequest, Explanation};
use crate::response::body::{KeepBody, WrapBody};
use crate::response::compiled::Compiled;
use crate::service::cors::Cors;

/// Builds [`Cors`] middleware from a CORS policy.
///
/// Every setter is infallible; problems are collected and reported together by
/// [`validate`](Self::validate), or at the latest when the layer wraps a service.
///
/// ```
/// use std::time::Duration;
/// use http::{header::{AUTHORIZATION, CONTENT_TYPE}, HeaderName, Method};
/// use tower_cors::CorsLayer;
///
/// let cors = CorsLayer::new()
///     .allow_origins(["https://app.example.com", "https://*.example.org", "http://localhost:*"])
///     .allow_methods([Method::GET, Method::PUT, Method::DELETE])
///     .allow_headers([CONTENT_TYPE, AUTHORIZATION])
///     .expose_headers([HeaderName::from_static("x-request-id")])
///     .allow_credentials(true)
///     .max_age(Duration::from_secs(3600));
/// cors.validate()?;
/// # Ok::<(), tower_cors::ConfigError>(())
/// ```
///
/// `M` types the body of the services' responses: [`WrapBody`] (a [`CorsBody`](crate::CorsBody),
/// the default), or [`KeepBody`] after [`keep_body_type`](Self::keep_body_type).
#[must_use]
pub struct CorsLayer<M = WrapBody> {
    pub(crate) settings: Settings,
    /// The compiled policy, shared by the clones that axum makes for each route.
    compiled: Arc<OnceLock<Result<Arc<Compiled>, ConfigError>>>,
    body: PhantomData<fn() -> M>,
}

impl<M> Clone for CorsLayer<M> {
    fn clone(&self) -> Self {
        Self { settings: self.settings.clone(), compiled: Arc::clone(&self.compiled), body: PhantomData }
    }
}

impl Default for CorsLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl CorsLayer {
    /// A layer that allows nothing yet: set at least the origins.
    pub fn new() -> Self {
        Self { settings: Settings::default(), compiled: Arc::default(), body: PhantomData }
    }

    /// Any origin, method and request header (but `Authorization`), every response header
    /// exposed, no credentials: for public, read-only APIs.
    pub fn permissive() -> Self {
        Self::new().allow_any_origin().allow_any_method().allow_any_header().expose_any_header()
    }

    /// Applies one change to the settings; the compiled policy is then stale.
    fn set(mut self, change: impl FnOnce(&mut Settings)) -> Self {
        change(&mut self.settings);
        self.compiled = Arc::default();
        self
    }

    /// Which origins may read responses: a list, [`Any`](crate::Any), a predicate or your own
    /// [`OriginPolicy`](crate::OriginPolicy), or [`AllowOrigin::none()`]. See [`AllowOrigin`].
    ///
    /// One origin (`&str`, `String`, `HeaderValue`) or several (an array, a `Vec` or a slice of
    /// them) is a list, validated as [`allow_origins`](Self::allow_origins) validates it.
    pub fn allow_origin(self, origin: impl Into<AllowOrigin>) -> Self {
        self.set(|settings| settings.origin = origin.into())
    }

    /// Exact origins (`https://app.example.com`) and patterns (`https://*.example.com`,
    /// `http://localhost:*`), spelled as browsers send them. Replaces earlier origin settings.
    pub fn allow_origins<I>(self, origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.allow_origin(AllowOrigin::list(origins))
    }

    /// Any origin: `Access-Control-Allow-Origin: *`. Cannot be combined with credentials.
    ///
    /// `*` is one answer for every origin, so the `Origin` value is not read: a request with
    /// one `Origin` line, whatever it holds, gets `*`; only a request with two is refused.
    ///
    /// tower-http's `AllowOrigin::mirror_request()` echoed every origin back: without
    /// credentials `*` grants the same pages, cacheably; with credentials, list your origins
    /// (the [migration guide](crate::guides::migrating_from_tower_http) has the recipe). A list
    /// whose only entry is `*` (`allow_origin("*")`, a `CORS_ALLOW_ORIGIN=*` variable) means
    /// this too, as it did in tower-http.
    #[doc(alias = "mirror_request")]
    pub fn allow_any_origin(self) -> Self {
        self.allow_origin(AllowOrigin::any())
    }

    /// Methods a preflight may ask for, besides the always-allowed `GET`, `HEAD` and `POST`.
    pub fn allow_methods(self, methods: impl Into<AllowMethods>) -> Self {
        self.set(|settings| settings.methods = methods.into())
    }

    /// Any method a browser can send: the requested one is echoed (tower-http's
    /// `AllowMethods::mirror_request()`).
    #[doc(alias = "mirror_request")]
    pub fn allow_any_method(self) -> Self {
        self.allow_methods(AllowMethods::any())
    }

    /// Request headers a preflight may ask for. Replaces the earlier setting, a list or any
    /// header, like every other setter.
    pub fn allow_headers(self, headers: impl Into<AllowHeaders>) -> Self {
        let headers = headers.into();
        self.set(|settings| settings.headers = headers)
    }

    /// Any request header except `Authorization`: the Fetch Standard's `*` never covers it.
    /// For `Authorization` too, use
    /// [`allow_any_header_and_authorization`](Self::allow_any_header_and_authorization).
    ///
    /// Without credentials preflights are answered `*`; with them, with the requested names.
    pub fn allow_any_header(self) -> Self {
        self.allow_headers(AllowHeaders::any())
    }

    /// Any request header, `Authorization` included: what tower-http's
    /// `AllowHeaders::mirror_request()` gave, and what its `allow_headers(Any)` gave in
    /// today's browsers (Chromium, Firefox and WebKit all let a `*` cover `Authorization`,
    /// which the Fetch Standard says it does not), spelled so that a reader sees it.
    ///
    /// tower-http's `CorsLayer::very_permissive()` (every origin echoed, with credentials) has
    /// no counterpart that trusts every site; for the origins you name, it is:
    ///
    /// ```
    /// use tower_cors::CorsLayer;
    ///
    /// let cors = CorsLayer::new()
    ///     .allow_origins(["https://app.example.com"])
    ///     .allow_credentials(true)
    ///     .allow_any_method()
    ///     .allow_any_header_and_authorization();
    /// cors.validate()?;
    /// # Ok::<(), tower_cors::ConfigError>(())
    /// ```
    #[doc(alias = "very_permissive", alias = "mirror_request")]
    pub fn allow_any_header_and_authorization(self) -> Self {
        self.allow_headers(AllowHeaders::any_and_authorization())
    }

    /// Response headers scripts may read, beyond the safelisted ones. Merged with any
    /// `Access-Control-Expose-Headers` the inner service sets itself. Replaces the earlier
    /// setting, a list or any header.
    pub fn expose_headers(self, headers: impl Into<ExposeHeaders>) -> Self {
        let headers = headers.into();
        self.set(|settings| settings.expose = headers)
    }

    /// Every response header: `*` without credentials; with them, the response's own names.
    ///
    /// With credentials, only the names of the response as it leaves this layer are listed: a
    /// header added by a layer outside this one, or one that a browser's cache supplies when it
    /// revalidates a stored response with a `304 Not Modified`, is not covered. List such
    /// headers with [`expose_headers`](Self::expose_headers).
    pub fn expose_any_header(self) -> Self {
        self.expose_headers(ExposeHeaders::any())
    }

    /// Sends `Access-Control-Allow-Credentials: true`, so browsers include cookies and let
    /// scripts read credentialed responses. Not allowed with any origin.
    pub fn allow_credentials(self, allow: bool) -> Self {
        self.set(|settings| settings.credentials = allow)
    }

    /// How long browsers may cache a preflight's answer (`Access-Control-Max-Age`, whole
    /// seconds). At most 86,400 s; Chromium caps at 7,200 s, and without it browsers cache a
    /// preflight for 5 s.
    pub fn max_age(self, max_age: Duration) -> Self {
        self.set(|settings| settings.max_age = Some(max_age))
    }
}

impl<M> CorsLayer<M> {
    /// Checks the whole configuration and reports every problem at once.
    ///
    /// The compiled policy is kept, so the layer does no more work when it wraps services.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] listing each problem with what to change.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.compile().map(|_| ())
    }

    /// What the layer does with `request`, and why: its classification, verdict, the exact
    /// headers and status it answers with, and for a refusal a stable reason code, the offending
    /// value and a hint saying what to change. Pure: nothing is called, an async origin check
    /// is not run.
    ///
    /// ```
    /// use http::Request;
    /// use tower_cors::CorsLayer;
    ///
    /// let cors = CorsLayer::new().allow_origins(["https://app.example.com"]);
    /// let request = Request::get("/items").header("origin", "http://app.example.com").body(())?;
    /// let explanation = cors.explain(&request)?;
    /// assert!(!explanation.is_allowed());
    /// assert_eq!(
    ///     explanation.refusal().and_then(|refusal| refusal.hint()),
    ///     Some(
    ///         "the scheme differs: the page is on `http` but `https://app.example.com` is configured; \
    ///          add `http://app.example.com` to allow_origins (or serve the page over `https`)"
    ///     )
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The [`ConfigError`] of an invalid configuration, as [`validate`](Self::validate) reports it.
    pub fn explain<R: ExplainRequest>(&self, request: &R) -> Result<Explanation, ConfigError> {
        Ok(explain::explain(&*self.compile()?, request.head().as_ref()))
    }

    pub(crate) fn compile(&self) -> Result<Arc<Compiled>, ConfigError> {
        self.compiled
            .get_or_init(|| {
                let compiled = Compiled::new(&self.settings)?;
                if compiled.policy.debug {
                    debug_mode::built();
                }
                Ok(Arc::new(compiled))
            })
            .clone()
    }
}

// The rare knobs, listed after `validate` in the generated docs (rustdoc shows impl blocks in
// source order).
impl CorsLayer {
    /// The status of a successful preflight: 204 by default; 200 for old clients that need it.
    ///
    /// Another status together with [`preflight_passthrough(true)`](Self::preflight_passthrough)
    /// is a configuration error
    /// ([`PreflightStatusWithPassthrough`](crate::ConfigProblem::PreflightStatusWithPassthrough)):
    /// passed-through preflights are answered by the inner service, with its status.
    pub fn preflight_status(self, status: StatusCode) -> Self {
        self.set(|settings| settings.preflight_status = status)
    }

    /// Hands preflights to the inner service instead of answering them, still adding the
    /// grant headers: for applications with `OPTIONS` handlers of their own. The status is then
    /// the inner service's (make it 2xx), so [`preflight_status`](Self::preflight_status) must be
    /// left at its default. A granted preflight's grant travels to the inner response in one
    /// small box, so that it does not grow every request's future.
    pub fn preflight_passthrough(self, passthrough: bool) -> Self {
        self.set(|settings| settings.passthrough = passthrough)
    }

    /// Answers actual requests from disallowed origins with 403 without calling the inner
    /// service, on every path (an async origin check included: the inner service's `call`
    /// runs only after the check allowed the request). Without it, such a request (a form
    /// `POST`, a simple `fetch`) reaches the inner service, and only its response is withheld
    /// from the page: CORS governs reads, not writes.
    ///
    /// Same-origin requests, which carry `Origin` too, are let through and not reported as
    /// refused: those whose `Sec-Fetch-Site` is `same-origin`; without that header (browsers
    /// send none to a plain-`http` URL that is not loopback), those whose `Origin` equals the
    /// scheme, host and port of an absolute request URI (as HTTP/2 sends it), or else whose
    /// `Origin` has the host and port of `Host` (as Go's `CrossOriginProtection` decides; see
    /// the [security guide](crate::guides::security#cors-is-not-csrf-protection) for the
    /// trade-off). A write (not `GET`, `HEAD` or `OPTIONS`) without `Origin` whose
    /// `Sec-Fetch-Site` is `cross-site` or `same-site` is blocked too.
    ///
    /// For callbacks that take cross-site form posts by design, see
    /// [`allow_cross_origin_posts_to`](Self::allow_cross_origin_posts_to).
    pub fn block_disallowed_origins(self, block: bool) -> Self {
        self.set(|settings| settings.block = block)
    }

    /// Exact paths whose `POST`s [blocking](Self::block_disallowed_origins) lets through from
    /// any origin: callbacks that receive cross-site form posts by design, such as OAuth/OIDC
    /// `response_mode=form_post` (Sign in with Apple), SAML's POST binding and 3-D Secure
    /// returns. They reach the inner service without a CORS grant (a form post needs none), so
    /// protect them as their protocol says (`state`, a signed response). Replaces the earlier list.
    ///
    /// A path matches byte for byte: no prefix, no pattern and no normalization, so
    /// `/auth/callback/`, `/auth/callback/x` and `/auth//callback` stay blocked. Only `POST` is let
    /// through; WebSocket handshakes stay guarded. [`explain`](Self::explain) says
    /// [`Verdict::Exempt`](crate::explain::Verdict::Exempt) for a request let through this way.
    ///
    /// ```
    /// use tower_cors::CorsLayer;
    ///
    /// let cors = CorsLayer::new()
    ///     .allow_origins(["https://app.example.com"])
    ///     .block_disallowed_origins(true)
    ///     .allow_cross_origin_posts_to(["/auth/callback"]);
    /// cors.validate()?;
    /// # Ok::<(), tower_cors::ConfigError>(())
    /// ```
    pub fn allow_cross_origin_posts_to<I>(self, paths: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let paths = paths.into_iter().map(|path| path.as_ref().to_owned()).collect();
        self.set(|settings| settings.exempt_posts = paths)
    }

    /// Answers a WebSocket handshake from an origin the policy refuses with 403, without calling
    /// the inner service, whether or not [blocking](Self::block_disallowed_origins) is on: **on
    /// by default**. Both forms axum serves are guarded: HTTP/1.1 `GET` with `Upgrade: websocket`
    /// (and a `GET` of an older version, which axum reads the same way) and HTTP/2's extended
    /// `CONNECT` (RFC 8441). A browser opens a WebSocket to any origin,
    /// with its cookies, without a preflight, and reads every message: RFC 6455 (section 10.2)
    /// asks servers to check the handshake's `Origin`. Same-origin handshakes, allowed origins
    /// and clients that send no `Origin` pass. Allowed and non-CORS requests pay nothing for it;
    /// a refused origin's HTTP/1.x `GET` pays one header lookup (`Upgrade`), and no allocation;
    /// over HTTP/2 and HTTP/3, where a `GET` carries no `Upgrade` (RFC 9113, section 8.2.2), not
    /// even that.
    ///
    /// `false` lets refused origins' handshakes reach the inner service (when blocking is off),
    /// for a WebSocket endpoint that checks `Origin` itself.
    pub fn guard_websocket_upgrades(self, guard: bool) -> Self {
        self.set(|settings| settings.guard_upgrades = guard)
    }

    /// Responses keep the inner service's body type, and the layer's own answers (a preflight,
    /// a 403) use its `Default`, as tower-http's CORS layer does. Call it last.
    ///
    /// Only worth it with axum's `Router::layer`, which boxes every body that is not axum's
    /// own: a [`CorsBody`](crate::CorsBody) would cost one small allocation a request there.
    /// The inner service's body must then have a `Default` (axum's `Body` has one; tower-http's
    /// trace and compression bodies do not: keep the default for them).
    ///
    /// ```
    /// use axum::{routing::get, Router};
    /// use tower_cors::CorsLayer;
    ///
    /// let cors = CorsLayer::new().allow_origins(["https://app.example.com"]).keep_body_type();
    /// let app: Router = Router::new().route("/", get(|| async { "hello" })).layer(cors);
    /// # let _ = app;
    /// ```
    pub fn keep_body_type(self) -> CorsLayer<KeepBody> {
        CorsLayer { settings: self.settings, compiled: self.compiled, body: PhantomData }
    }

    /// Debug mode, **for development only**: refusals explain themselves.
    ///
    /// - A preflight from an allowed origin refused for its method or headers is answered
    ///   `200` with that origin's `Access-Control-Allow-Origin` (and `-Credentials`), but without
    ///   the method or header it asked for, so that the browser's console names the real cause
    ///   ("Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response",
    ///   "Request header field x-foo is not allowed by Access-Control-Allow-Headers in preflight
    ///   response") instead of a missing `Access-Control-Allow-Origin`. Browsers check a
    ///   preflight's status before its methods and headers, so a `403` would hide the cause.
    /// - Every refusal the layer answers (a refused preflight, a blocked request) carries the
    ///   [`Explanation`] as a `text/plain` body, which the browser's network panel shows (with
    ///   [`keep_body_type`](Self::keep_body_type) the body stays empty).
    /// - Every refused request is logged with its explanation: a `WARN` event with the
    ///   `tracing` feature, standard error without it. Refused actual requests otherwise keep
    ///   their response.
    ///
    /// It discloses part of the policy (which origin, methods and headers are allowed) to
    /// anyone who asks, and costs an allocation per refusal: never ship it to production. Off
    /// by default; allowed requests are served exactly as without it.
    ///
    /// ```
    /// use tower_cors::CorsLayer;
    ///
    /// let debug = std::env::var("APP_ENV").is_ok_and(|env| env == "development");
    /// let cors = CorsLayer::new().allow_origins(["http://localhost:5173"]).debug(debug);
    /// # cors.validate()?;
    /// # Ok::<(), tower_cors::ConfigError>(())
    /// ```
    pub fn debug(self, debug: bool) -> Self {
        self.set(|settings| settings.debug = debug)
    }

    /// Answers Private Network Access preflights: **legacy**. Chrome 142 replaced these
    /// preflights with a Local Network Access permission prompt, and no browser grants anything
    /// on this header any more; see [`AllowPrivateNetwork`] for what to do instead.
    pub fn allow_private_network(self, allow: impl Into<AllowPrivateNetwork>) -> Self {
        self.set(|settings| settings.private_network = allow.into())
    }

    /// Grants `Origin: null`, which sandboxed iframes, `file:` pages and redirected requests
    /// send, so **any page on the web can claim it**. Only for content that is public anyway.
    pub fn dangerously_allow_null_origin(self, allow: bool) -> Self {
        self.set(|settings| settings.allow_null = allow)
    }

    /// Allows credentials for plain-`http` origins that are not loopback, which anyone on the
    /// network path can impersonate.
    pub fn dangerously_allow_insecure_origins_with_credentials(self, allow: bool) -> Self {
        self.set(|settings| settings.allow_insecure = allow)
    }
}

impl<S, M> Layer<S> for CorsLayer<M> {
    type Service = Cors<S, M>;

    /// Wraps `inner` in the CORS middleware.
    ///
    /// # Panics
    ///
    /// If the configuration is invalid, with every problem in the message, at the caller's
    /// location. Call [`CorsLayer::validate`] first to handle the error instead; nothing panics
    /// once the layer is built, neither in `poll_ready` nor in `call`.
    #[track_caller]
    fn layer(&self, inner: S) -> Self::Service {
        match self.compile() {
            Ok(policy) => Cors::new(inner, policy),
            #[allow(clippy::panic)]
            Err(error) => {
                panic!("{error}\n(call CorsLayer::validate() at startup to handle this as an error, not a panic)")
            }
        }
    }
}

impl<M> fmt::Debug for CorsLayer<M> {
    /// Every setting, named after its builder method, the dangerous opt-ins and private network
    /// first: `CorsLayer { dangerously_allow_null_origin: false, ... }`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.settings.debug_struct(f, "CorsLayer").finish()
    }
}
