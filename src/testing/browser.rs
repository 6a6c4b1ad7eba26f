//! A browser on one page: fetches through any tower service as the page's script would.

use std::fmt::Display;
use std::future::poll_fn;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use tower_service::Service;

use super::body::collect;
use super::cache::{max_age, Key, PreflightCache};
use super::check::{allow_headers_list, allow_methods_list, check_preflight, cors_check};
use super::exposed::{is_forbidden_response_header_name, readable_response_headers};
use super::outcome::Readable;
use super::prepare::Prepared;
use super::safelist::is_cors_safelisted_method;
use super::site::Origin;
use super::{Blocked, Outcome, Preflight, Reason};

/// A browser with a page open on one origin, whose script calls `fetch()`: it sends what
/// Chromium sends (a preflight when the Fetch Standard asks for one, then the actual request)
/// to a tower service in-process, checks each answer as Chromium does, and keeps a preflight
/// cache. See the [module docs](super) for what it models and what it leaves out.
///
/// ```
/// use axum::{routing::put, Router};
/// use http::{Method, Request};
/// use tower_cors::{testing::Browser, CorsLayer};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let cors = CorsLayer::new().allow_origins(["https://app.example.com"]).allow_methods([Method::PUT]);
/// let mut app = Router::new().route("/items/{id}", put(|| async { "saved" })).layer(cors);
///
/// let mut browser = Browser::at("https://app.example.com");
/// let put = || Request::put("https://api.example.com/items/1").body(String::new());
/// let outcome = browser.fetch(&mut app, put()?).await;
/// assert!(outcome.is_readable(), "{outcome}");
/// assert_eq!(outcome.text().as_deref(), Some("saved"));
///
/// let delete = Request::delete("https://api.example.com/items/1").body(String::new())?;
/// let outcome = browser.fetch(&mut app, delete).await;
/// assert!(outcome.is_blocked());
/// assert_eq!(
///     outcome.to_string(),
///     "blocked: Access to fetch at 'https://api.example.com/items/1' from origin 'https://app.example.com' \
///      has been blocked by CORS policy: Response to preflight request doesn't pass access control check: \
///      No 'Access-Control-Allow-Origin' header is present on the requested resource. (preflight answered 403 Forbidden)",
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Browser {
    origin: Origin,
    serialized: String,
    credentials: bool,
    cookie: Option<HeaderValue>,
    /// The browser's clock: it moves only with [`Browser::advance`].
    now: Duration,
    cache: PreflightCache,
}

impl Browser {
    /// A browser with a page open on `origin` (`https://app.example.com`, `http://localhost:5173`,
    /// or `null` for an opaque origin such as a sandboxed iframe's), with an empty preflight
    /// cache, its clock at zero, and the credentials mode `same-origin` (`fetch()`'s default).
    ///
    /// ```
    /// use tower_cors::testing::Browser;
    ///
    /// assert_eq!(Browser::at("HTTPS://App.Example.com:443").origin(), "https://app.example.com");
    /// ```
    ///
    /// # Panics
    ///
    /// When `origin` is not an `http` or `https` origin (a path, a user name) nor `null`.
    #[track_caller]
    pub fn at(origin: &str) -> Self {
        let origin = Origin::parse(origin).unwrap_or_else(|problem| panic!("Browser::at: {problem}"));
        let serialized = origin.serialize();
        Self {
            origin,
            serialized,
            credentials: false,
            cookie: None,
            now: Duration::ZERO,
            cache: PreflightCache::default(),
        }
    }

    /// The page's origin, serialized as `Origin` carries it.
    pub fn origin(&self) -> &str {
        &self.serialized
    }

    /// Fetches with `credentials: 'include'` from now on: cookies go to other origins, and
    /// reading the response needs `Access-Control-Allow-Credentials: true` and the origin
    /// itself (never `*`) in `Access-Control-Allow-Origin`.
    ///
    /// ```
    /// use tower_cors::testing::Browser;
    ///
    /// let browser = Browser::at("https://app.example.com").with_credentials();
    /// assert!(browser.includes_credentials());
    /// ```
    #[must_use]
    pub fn with_credentials(self) -> Self {
        self.credentials(true)
    }

    /// Sets the credentials mode: `include` when `true`, `same-origin` (the default) when `false`.
    ///
    /// ```
    /// use tower_cors::testing::Browser;
    ///
    /// let browser = Browser::at("https://app.example.com").credentials(true).credentials(false);
    /// assert!(!browser.includes_credentials());
    /// ```
    #[must_use]
    pub fn credentials(mut self, include: bool) -> Self {
        self.set_credentials(include);
        self
    }

    /// Sets the credentials mode of the fetches to come, keeping the preflight cache.
    ///
    /// ```
    /// use tower_cors::testing::Browser;
    ///
    /// let mut browser = Browser::at("https://app.example.com");
    /// browser.set_credentials(true);
    /// assert!(browser.includes_credentials());
    /// ```
    pub fn set_credentials(&mut self, include: bool) {
        self.credentials = include;
    }

    /// Whether fetches use `credentials: 'include'`.
    ///
    /// ```
    /// use tower_cors::testing::Browser;
    ///
    /// assert!(!Browser::at("https://app.example.com").includes_credentials());
    /// ```
    pub fn includes_credentials(&self) -> bool {
        self.credentials
    }

    /// The `Cookie` the browser holds for the servers it fetches from: sent with every request
    /// that carries credentials (a same-origin one, or any with [`with_credentials`](Self::with_credentials)),
    /// never with a preflight. (`Cookie` set by the script is dropped, as browsers drop it.)
    ///
    /// ```
    /// use http::HeaderValue;
    /// use tower_cors::testing::Browser;
    ///
    /// let browser = Browser::at("https://app.example.com").cookie(HeaderValue::from_static("session=abc"));
    /// # let _ = browser;
    /// ```
    #[must_use]
    pub fn cookie(mut self, cookie: HeaderValue) -> Self {
        self.cookie = Some(cookie);
        self
    }

    /// Moves the browser's clock forward: preflight cache entries expire when their max age has
    /// passed. The clock never moves by itself, so tests of the cache need no sleep.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_cors::testing::Browser;
    ///
    /// let mut browser = Browser::at("https://app.example.com");
    /// browser.advance(Duration::from_secs(5)); // past Chromium's default max age
    /// assert_eq!(browser.elapsed(), Duration::from_secs(5));
    /// ```
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
    }

    /// The browser's clock: the time [`advance`](Self::advance) has added up.
    pub fn elapsed(&self) -> Duration {
        self.now
    }

    /// Empties the preflight cache.
    ///
    /// ```
    /// use tower_cors::testing::Browser;
    ///
    /// let mut browser = Browser::at("https://app.example.com");
    /// browser.clear_preflight_cache();
    /// ```
    pub fn clear_preflight_cache(&mut self) {
        self.cache.clear();
    }

    /// The preflight this browser sends before `request`, were its cache empty; `None` when
    /// none is needed (a same-origin request; a safelisted method with safelisted headers) or
    /// `fetch()` refuses the request.
    ///
    /// ```
    /// use http::Request;
    /// use tower_cors::testing::Browser;
    ///
    /// let request = Request::put("https://api.example.com/items")
    ///     .header("X-Zeta", "1")
    ///     .header("Content-Type", "application/json")
    ///     .body(())?;
    /// let preflight = Browser::at("https://app.example.com").preflight_for::<_, ()>(&request).ok_or("no preflight")?;
    /// assert_eq!(preflight.method(), "OPTIONS");
    /// assert_eq!(preflight.uri(), "/items");
    /// assert_eq!(preflight.headers()["origin"], "https://app.example.com");
    /// assert_eq!(preflight.headers()["access-control-request-method"], "PUT");
    /// assert_eq!(preflight.headers()["access-control-request-headers"], "content-type,x-zeta");
    /// assert_eq!(preflight.headers()["sec-fetch-site"], "same-site");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn preflight_for<B, P: Default>(&self, request: &Request<B>) -> Option<Request<P>> {
        let prepared = Prepared::new(&self.origin, request).ok()?;
        let cors = prepared.cors_request(&self.serialized, self.credentials);
        (!prepared.same_origin && cors.needs_preflight()).then(|| prepared.preflight(&cors).ok()).flatten()
    }

    /// Runs `request` as a script's `fetch()` on this page would, against `service`: the
    /// preflight first when one is needed and not cached (`service` answers it, with a body of
    /// `B::default()`), then, unless that fails, the actual request; and returns what the
    /// script observes.
    ///
    /// `request` is what the script passes to `fetch()`: its method, URL (absolute, or relative
    /// to the page), headers and body; the credentials mode is the browser's. A service error,
    /// or an error of the response body, is a network error ([`Blocked::Network`]).
    ///
    /// ```
    /// use axum::{routing::get, Router};
    /// use http::Request;
    /// use tower_cors::{testing::{Blocked, Browser, Reason}, CorsLayer};
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let mut app = Router::new()
    ///     .route("/me", get(|| async { "me" }))
    ///     .layer(CorsLayer::new().allow_any_origin());
    /// let request = Request::get("https://api.example.com/me").body(String::new())?;
    /// let outcome = Browser::at("https://app.example.com").with_credentials().fetch(&mut app, request).await;
    /// assert_eq!(outcome.blocked(), Some(&Blocked::Response(Reason::WildcardWithCredentials)));
    /// assert!(outcome.was_sent()); // the server saw it; the browser withheld the answer
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn fetch<S, B, ResBody>(&mut self, service: &mut S, request: Request<B>) -> Outcome
    where
        S: Service<Request<B>, Response = Response<ResBody>>,
        S::Error: Display,
        B: Default,
        ResBody: http_body::Body,
        ResBody::Error: Display,
    {
        let mut outcome = Outcome {
            url: request.uri().to_string(),
            origin: self.serialized.clone(),
            preflight: Preflight::NotNeeded,
            sent: false,
            result: Ok(Readable::default()),
        };
        outcome.result = self.exchange(service, request, &mut outcome).await;
        outcome
    }

    /// The preflight, if any, and the actual request; `outcome` records the URL, the preflight
    /// and whether the actual request was sent as they become known.
    async fn exchange<S, B, ResBody>(
        &mut self,
        service: &mut S,
        request: Request<B>,
        outcome: &mut Outcome,
    ) -> Result<Readable, Blocked>
    where
        S: Service<Request<B>, Response = Response<ResBody>>,
        S::Error: Display,
        B: Default,
        ResBody: http_body::Body,
        ResBody::Error: Display,
    {
        let prepared = Prepared::new(&self.origin, &request).map_err(Blocked::Rejected)?;
        outcome.url.clone_from(&prepared.url);
        let cors = prepared.cors_request(&self.serialized, self.credentials);
        let key = Key { origin: &self.serialized, url: &prepared.url, credentials: self.credentials };
        if !prepared.same_origin && cors.needs_preflight() {
            let cached = (is_cors_safelisted_method(&cors.method)
                || self.cache.has_method(key, &cors.method, self.now))
                && cors.unsafe_header_names().iter().all(|name| self.cache.has_header(key, name, self.now));
            if cached {
                outcome.preflight = Preflight::Cached;
            } else {
                let preflight = prepared.preflight(&cors).map_err(|e| Blocked::Rejected(e.to_string()))?;
                let answer = send(service, preflight).await.map_err(Blocked::Network)?;
                let (status, headers) = (answer.status(), answer.into_parts().0.headers);
                outcome.preflight = Preflight::Sent(status);
                check_answer(&cors, status, &headers).map_err(Blocked::Preflight)?;
                let methods = allow_methods_list(&headers).ok().flatten().unwrap_or_default();
                let names = allow_headers_list(&headers).ok().flatten().unwrap_or_default();
                self.cache.store(key, self.now, max_age(&headers), &methods, &names);
            }
        }
        let with_credentials = self.credentials || prepared.same_origin;
        let cookie = self.cookie.as_ref().filter(|_| with_credentials);
        let actual = prepared
            .actual(&self.serialized, cookie, request.into_body())
            .map_err(|e| Blocked::Rejected(e.to_string()))?;
        outcome.sent = true;
        let (parts, body) = send(service, actual).await.map_err(Blocked::Network)?.into_parts();
        let readable = if prepared.same_origin {
            parts
                .headers
                .keys()
                .map(|n| n.as_str().to_owned())
                .filter(|n| !is_forbidden_response_header_name(n))
                .collect()
        } else {
            cors_check(&cors.origin, cors.credentials, &parts.headers).map_err(Blocked::Response)?;
            readable_response_headers(&cors.origin, cors.credentials, &parts.headers).unwrap_or_default()
        };
        let body = collect(body).await.map_err(|e| Blocked::Network(e.to_string()))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &parts.headers {
            if readable.contains(name.as_str()) {
                headers.append(name, value.clone());
            }
        }
        Ok(Readable { status: parts.status, headers, body })
    }
}

/// The checks of a preflight's answer, a redirect first: Chromium refuses one before it looks at
/// any header.
fn check_answer(cors: &super::CorsRequest, status: StatusCode, headers: &HeaderMap) -> Result<(), Reason> {
    if status.is_redirection() && headers.contains_key(http::header::LOCATION) {
        return Err(Reason::PreflightRedirect);
    }
    check_preflight(cors, &cors.unsafe_header_names(), status, headers)
}

/// `service` once ready, called with `request`; its error as text.
async fn send<S, B, ResBody>(service: &mut S, request: Request<B>) -> Result<Response<ResBody>, String>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    S::Error: Display,
{
    poll_fn(|cx| service.poll_ready(cx)).await.map_err(|e| e.to_string())?;
    service.call(request).await.map_err(|e| e.to_string())
}
