//! A script's request, as the browser turns it into what it sends: the URL resolved against the
//! page, the method normalized, the headers a script cannot set dropped, and the headers the
//! browser adds itself.

use http::header::{ACCEPT, COOKIE, HOST, ORIGIN};
use http::{HeaderMap, HeaderValue, Method, Request};

use super::request::CorsRequest;
use super::safelist::{is_forbidden_method, is_forbidden_request_header, normalize_method};
use super::site::{sec_fetch_site, Origin};

/// What the browser will send for one `fetch()`.
#[derive(Clone, Debug)]
pub(super) struct Prepared {
    /// The URL, absolute: `https://api.example.com/items?page=2`.
    pub(super) url: String,
    /// The request target: `/items?page=2`.
    path: String,
    /// `Host`: the URL's host and port.
    host: String,
    pub(super) method: Method,
    /// The headers the script set that the browser keeps.
    author: HeaderMap,
    pub(super) same_origin: bool,
    site: &'static str,
}

impl Prepared {
    /// Resolves `request` from a page of `page`, or the `TypeError` message of a `fetch()` that
    /// refuses it.
    pub(super) fn new<B>(page: &Origin, request: &Request<B>) -> Result<Self, String> {
        let method = normalize_method(request.method().as_str());
        if is_forbidden_method(&method) {
            return Err(format!("'{method}' HTTP method is unsupported."));
        }
        let method = Method::from_bytes(method.as_bytes()).unwrap_or_else(|_| request.method().clone());
        let uri = request.uri();
        let target = match uri.scheme_str() {
            None if uri.authority().is_none() && *page != Origin::Opaque => page.clone(),
            None => return Err(format!("Failed to parse URL from {uri}")),
            Some(scheme) => Origin::of(uri)
                .ok_or_else(|| format!("URL scheme \"{scheme}\" is not supported, or {uri} has no host."))?,
        };
        let path = match uri.query() {
            Some(query) => format!("{}?{query}", uri.path()),
            None => uri.path().to_owned(),
        };
        let origin = target.serialize();
        let host = origin.split_once("://").map_or(origin.as_str(), |(_, host)| host).to_owned();
        let mut author = HeaderMap::new();
        for (name, value) in request.headers() {
            if !is_forbidden_request_header(name.as_str(), value.as_bytes()) {
                author.append(name, value.clone());
            }
        }
        Ok(Self {
            url: format!("{origin}{path}"),
            path,
            host,
            method,
            author,
            same_origin: *page == target && target != Origin::Opaque,
            site: sec_fetch_site(page, &target),
        })
    }

    /// The request as the browser's CORS checks see it.
    pub(super) fn cors_request(&self, origin: &str, credentials: bool) -> CorsRequest {
        let headers =
            self.author.iter().map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec())).collect();
        CorsRequest { origin: origin.to_owned(), method: self.method.as_str().to_owned(), headers, credentials }
    }

    /// The headers every request of this fetch carries: `Host`, and the Fetch Metadata ones.
    fn common(&self, builder: http::request::Builder) -> http::request::Builder {
        builder
            .uri(self.path.as_str())
            .header(HOST, self.host.as_str())
            .header("sec-fetch-mode", "cors")
            .header("sec-fetch-site", self.site)
            .header("sec-fetch-dest", "empty")
    }

    /// The preflight, as Chromium sends it: `OPTIONS`, `Accept: */*`, `Origin`,
    /// `Access-Control-Request-Method` and `-Headers`, and no credentials.
    pub(super) fn preflight<B: Default>(&self, cors: &CorsRequest) -> Result<Request<B>, http::Error> {
        let mut builder = self
            .common(Request::builder().method(Method::OPTIONS))
            .header(ACCEPT, "*/*")
            .header("access-control-request-method", self.method.as_str());
        if let Some(names) = cors.access_control_request_headers() {
            builder = builder.header("access-control-request-headers", names);
        }
        builder.header(ORIGIN, cors.origin.as_str()).body(B::default())
    }

    /// The actual request: the script's headers and body, `Accept: */*` unless the script set
    /// one, `Origin` (on a same-origin request too unless `GET` or `HEAD`), and `cookie` when
    /// the request carries credentials.
    pub(super) fn actual<B>(
        &self,
        origin: &str,
        cookie: Option<&HeaderValue>,
        body: B,
    ) -> Result<Request<B>, http::Error> {
        let mut builder = self.common(Request::builder().method(self.method.clone()));
        for (name, value) in &self.author {
            builder = builder.header(name, value);
        }
        if !self.author.contains_key(ACCEPT) {
            builder = builder.header(ACCEPT, "*/*");
        }
        if !self.same_origin || !matches!(self.method, Method::GET | Method::HEAD) {
            builder = builder.header(ORIGIN, origin);
        }
        if let Some(cookie) = cookie {
            builder = builder.header(COOKIE, cookie);
        }
        builder.body(body)
    }
}
