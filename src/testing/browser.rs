//! A browser on one page: fetches through any tower service as the page's script would.

use std::fmt::Display;
use std::future::poll_fn;
use std::time::Duration;

use http::header::LOCATION;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use tower_service::Service;

use super::body::collect;
use super::cache::{max_age, Key, PreflightCache};
use super::check::{allow_headers_list, allow_methods_list, check_preflight_as_chromium, cors_check};
use super::exposed::{is_forbidden_response_header_name, readable_response_headers};
use super::location::{includes_credentials, origin_of};
use super::outcome::Readable;
use super::prepare::Prepared;
use super::safelist::is_cors_safelisted_method;
use super::site::{sec_fetch_site, Origin};
use super::{Blocked, CorsRequest, Outcome, Preflight, Reason};

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
        let prepared = Prepared::new(&self.origin, request, false).ok()?;
        let target = prepared.origin();
        let cors = prepared.cors_request(&self.serialized, self.credentials);
        let same_origin = self.origin == target && target != Origin::Opaque;
        let site = sec_fetch_site(&self.origin, &[target]);
        (!same_origin && prepared.needs_preflight(&cors)).then(|| prepared.preflight(&cors, site).ok()).flatten()
    }

    /// Runs `request` as a script's `fetch()` on this page would, against `service`: the
    /// preflight first when one is needed and not cached (`service` answers it, with a body of
    /// `B::default()`), then, unless that fails, the actual request; and returns what the
    /// script observes.
    ///
    /// `request` is what the script passes to `fetch()`: its method, URL (absolute, or relative
    /// or protocol-relative to the page), headers and body (an empty body is none); the
    /// credentials mode is the browser's. What `fetch()` refuses (a body on a `GET` or `HEAD`, a
    /// URL with credentials, a forbidden method) is [`Blocked::Rejected`], and nothing is sent. A
    /// redirect is followed, to `service` again, with the CORS check on each response and a new
    /// preflight where one is needed. A service error, or an error of the response body, is a
    /// network error ([`Blocked::Network`]).
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
        B: Default + http_body::Body,
        ResBody: http_body::Body,
        ResBody::Error: Display,
    {
        let mut outcome = Outcome {
            urls: vec![request.uri().to_string()],
            origin: self.serialized.clone(),
            preflight: Preflight::NotNeeded,
            sent: false,
            result: Ok(Readable::default()),
        };
        outcome.result = self.exchange(service, request, &mut outcome).await;
        outcome
    }

    /// The preflight, if any, and the actual request, at each URL of a redirect chain; `outcome`
    /// records the URLs, the preflight and whether the actual request was sent as they become
    /// known.
    async fn exchange<S, B, ResBody>(
        &mut self,
        service: &mut S,
        request: Request<B>,
        outcome: &mut Outcome,
    ) -> Result<Readable, Blocked>
    where
        S: Service<Request<B>, Response = Response<ResBody>>,
        S::Error: Display,
        B: Default + http_body::Body,
        ResBody: http_body::Body,
        ResBody::Error: Display,
    {
        // A script's body that is empty is no body: the kit cannot tell `body: ""` from none.
        let mut has_body = !request.body().is_end_stream() && request.body().size_hint().exact() != Some(0);
        let mut current = Prepared::new(&self.origin, &request, has_body).map_err(Blocked::Rejected)?;
        outcome.urls = vec![current.url_string()];
        let mut body = Some(request.into_body());
        // The response tainting is `cors` from the first cross-origin URL on, even back on the page's own.
        let mut cors_tainting = false;
        // Set by a redirect across origins after a cross-origin URL: `Origin` becomes `null`.
        let mut tainted_origin = false;
        let mut visited = Vec::new();
        let mut redirects = 0;
        loop {
            let target = current.origin();
            visited.push(target.clone());
            let same_origin = !cors_tainting && self.origin == target && target != Origin::Opaque;
            cors_tainting |= !same_origin;
            let origin = if tainted_origin { "null".to_owned() } else { self.serialized.clone() };
            let cors = current.cors_request(&origin, self.credentials);
            let url = current.url_string();
            outcome.preflight = Preflight::NotNeeded;
            if !same_origin && current.needs_preflight(&cors) {
                self.preflight(service, &current, &cors, &url, outcome).await?;
            }
            let with_credentials = self.credentials || same_origin;
            let cookie = self.cookie.as_ref().filter(|_| with_credentials);
            let sends_origin = cors_tainting || !matches!(current.method, Method::GET | Method::HEAD);
            let body = match body.take() {
                Some(body) => body,
                None if !has_body => B::default(),
                None => {
                    return Err(Blocked::Network(
                        "the test kit cannot send a request body twice, as a 307 or 308 redirect asks".to_owned(),
                    ))
                }
            };
            let site = sec_fetch_site(&self.origin, &visited);
            let actual = current
                .actual(sends_origin.then_some(origin.as_str()), cookie, site, body)
                .map_err(|e| Blocked::Rejected(e.to_string()))?;
            outcome.sent = true;
            let (parts, body) = send(service, actual).await.map_err(Blocked::Network)?.into_parts();
            if cors_tainting {
                cors_check(&cors.origin, cors.credentials, &parts.headers).map_err(Blocked::Response)?;
            }
            let location = parts.headers.get(LOCATION).filter(|_| is_redirect_status(parts.status));
            if let Some(location) = location {
                let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
                let next = follow(&current.url, &location, redirects, cors_tainting)?;
                let (from, to) = (current.origin(), origin_of(&next));
                if from != to && self.origin != from {
                    tainted_origin = true;
                }
                if current.redirect(parts.status, next) {
                    has_body = false;
                }
                outcome.urls.push(current.url_string());
                redirects += 1;
                continue;
            }
            let readable = if same_origin {
                parts
                    .headers
                    .keys()
                    .map(|n| n.as_str().to_owned())
                    .filter(|n| !is_forbidden_response_header_name(n))
                    .collect()
            } else {
                readable_response_headers(&cors.origin, cors.credentials, &parts.headers).unwrap_or_default()
            };
            let body = collect(body).await.map_err(|e| Blocked::Network(e.to_string()))?;
            let mut headers = HeaderMap::new();
            for (name, value) in &parts.headers {
                if readable.contains(name.as_str()) {
                    headers.append(name, value.clone());
                }
            }
            return Ok(Readable { status: parts.status, headers, body });
        }
    }

    /// The preflight for `current`, unless the cache answers for it; a failed preflight clears the
    /// cache's entries for its origin and URL, as Chromium does.
    async fn preflight<S, B, ResBody>(
        &mut self,
        service: &mut S,
        current: &Prepared,
        cors: &CorsRequest,
        url: &str,
        outcome: &mut Outcome,
    ) -> Result<(), Blocked>
    where
        S: Service<Request<B>, Response = Response<ResBody>>,
        S::Error: Display,
        B: Default,
    {
        let names = current.unsafe_names(cors);
        let key = Key { origin: &cors.origin, url, credentials: self.credentials };
        let cached = (is_cors_safelisted_method(&cors.method) || self.cache.has_method(key, &cors.method, self.now))
            && names.iter().all(|name| self.cache.has_header(key, name, self.now));
        if cached {
            outcome.preflight = Preflight::Cached;
            return Ok(());
        }
        let site = sec_fetch_site(&self.origin, &[current.origin()]);
        let preflight = current.preflight(cors, site).map_err(|e| Blocked::Rejected(e.to_string()))?;
        let answer = send(service, preflight).await.map_err(Blocked::Network)?;
        let (status, headers) = (answer.status(), answer.into_parts().0.headers);
        outcome.preflight = Preflight::Sent(status);
        if let Err(reason) = check_answer(cors, &names, status, &headers) {
            self.cache.clear_url(&cors.origin, url);
            return Err(Blocked::Preflight(reason));
        }
        let methods = allow_methods_list(&headers).ok().flatten().unwrap_or_default();
        let granted = allow_headers_list(&headers).ok().flatten().unwrap_or_default();
        self.cache.store(key, self.now, max_age(&headers), &methods, &granted);
        Ok(())
    }
}

/// Whether `status` is a redirect status (301, 302, 303, 307, 308).
fn is_redirect_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// The URL a redirect from `url` to `location` leads to, or the network error a browser makes of
/// it: a `Location` that does not parse or is not `http(s)`, more than 20 redirects, or a URL with
/// credentials once the request is cross-origin.
fn follow(url: &url::Url, location: &str, redirects: usize, cors_tainting: bool) -> Result<url::Url, Blocked> {
    let network = |why: String| Err(Blocked::Network(why));
    let Ok(mut next) = url.join(location) else {
        return network(format!("the redirect's Location {location:?} is not a URL"));
    };
    if !matches!(next.scheme(), "http" | "https") {
        return network(format!("a redirect to {next} (only http and https are fetched)"));
    }
    if redirects >= 20 {
        return network("more than 20 redirects".to_owned());
    }
    if cors_tainting && includes_credentials(&next) {
        return network(format!("a cross-origin redirect to a URL with credentials ({next})"));
    }
    next.set_fragment(None);
    Ok(next)
}

/// The checks of a preflight's answer, a redirect first: Chromium refuses one before it looks at
/// any header.
fn check_answer(cors: &CorsRequest, names: &[String], status: StatusCode, headers: &HeaderMap) -> Result<(), Reason> {
    if status.is_redirection() && headers.contains_key(LOCATION) {
        return Err(Reason::PreflightRedirect);
    }
    check_preflight_as_chromium(cors, names, status, headers)
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
