//! A script's request, as the browser turns it into what it sends: the URL resolved against the
//! page, the method normalized, the header values normalized and each name's lines joined, the
//! headers a script cannot set dropped, and the headers the browser adds itself.

use http::header::{ACCEPT, AUTHORIZATION, COOKIE, HOST, ORIGIN};
use http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use url::Url;

use super::location::{host_header, is_potentially_trustworthy, origin_of, resolve, target};
use super::request::CorsRequest;
use super::safelist::{
    chromium_unsafe_request_header_names, is_cors_safelisted_method, is_forbidden_method, is_forbidden_request_header,
    normalize_method,
};
use super::site::Origin;
use super::values::trim_http_whitespace;

/// The request headers a redirect that turns the request into a `GET` removes with its body
/// ([`#request-body-header-name`](https://fetch.spec.whatwg.org/#request-body-header-name)).
const REQUEST_BODY_HEADERS: [&str; 4] = ["content-encoding", "content-language", "content-location", "content-type"];

/// What the browser will send for one `fetch()`, at its current URL.
#[derive(Clone, Debug)]
pub(super) struct Prepared {
    /// The current URL, absolute and normalized: `https://api.example.com/items?page=2`.
    pub(super) url: Url,
    pub(super) method: Method,
    /// The headers the script set that the browser keeps: one entry per name (lower-cased), the
    /// value of every line normalized and joined with `, `, as `Headers` does.
    author: Vec<(HeaderName, HeaderValue)>,
}

impl Prepared {
    /// Resolves `request` from a page of `page`, or the `TypeError` message of a `fetch()` that
    /// refuses it, in the order of the `Request` constructor: a URL that does not parse or
    /// includes credentials, a forbidden method, a body on a `GET` or `HEAD`.
    pub(super) fn new<B>(page: &Origin, request: &Request<B>, has_body: bool) -> Result<Self, String> {
        let url = resolve(page, &request.uri().to_string())?;
        let method = normalize_method(request.method().as_str());
        if is_forbidden_method(&method) {
            return Err(format!("'{method}' HTTP method is unsupported."));
        }
        let method = Method::from_bytes(method.as_bytes()).unwrap_or_else(|_| request.method().clone());
        if has_body && matches!(method, Method::GET | Method::HEAD) {
            return Err("Request with GET/HEAD method cannot have body.".to_owned());
        }
        let mut author: Vec<(HeaderName, Vec<u8>)> = Vec::new();
        for (name, value) in request.headers() {
            let value = trim_http_whitespace(value.as_bytes());
            // Chromium drops a script's `User-Agent` (the standard lets script set it).
            if is_forbidden_request_header(name.as_str(), value) || name == http::header::USER_AGENT {
                continue;
            }
            match author.iter_mut().find(|(known, _)| known == name) {
                Some((_, joined)) => {
                    joined.extend_from_slice(b", ");
                    joined.extend_from_slice(value);
                }
                None => author.push((name.clone(), value.to_vec())),
            }
        }
        let author = author
            .into_iter()
            .filter_map(|(name, value)| HeaderValue::from_bytes(&value).ok().map(|value| (name, value)))
            .collect();
        Ok(Self { url, method, author })
    }

    /// The current URL's origin.
    pub(super) fn origin(&self) -> Origin {
        origin_of(&self.url)
    }

    /// The current URL, as `response.url` and Chromium's console write it.
    pub(super) fn url_string(&self) -> String {
        self.url.as_str().to_owned()
    }

    /// The request as the browser's CORS checks see it, from a request origin serialized as
    /// `origin`.
    pub(super) fn cors_request(&self, origin: &str, credentials: bool) -> CorsRequest {
        let headers =
            self.author.iter().map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec())).collect();
        CorsRequest { origin: origin.to_owned(), method: self.method.as_str().to_owned(), headers, credentials }
    }

    /// The names Chromium lists in `Access-Control-Request-Headers`.
    pub(super) fn unsafe_names(&self, cors: &CorsRequest) -> Vec<String> {
        chromium_unsafe_request_header_names(&cors.headers)
    }

    /// Whether a cross-origin request needs a preflight, by Chromium's safelist.
    pub(super) fn needs_preflight(&self, cors: &CorsRequest) -> bool {
        !is_cors_safelisted_method(&cors.method) || !self.unsafe_names(cors).is_empty()
    }

    /// The headers every request of this fetch carries: `Host`, and the Fetch Metadata ones
    /// (`site` is `Sec-Fetch-Site`) when the URL is potentially trustworthy.
    fn common(&self, builder: http::request::Builder, site: &str) -> http::request::Builder {
        let builder = builder.uri(target(&self.url)).header(HOST, host_header(&self.url));
        if !is_potentially_trustworthy(&self.url) {
            return builder;
        }
        builder.header("sec-fetch-mode", "cors").header("sec-fetch-site", site).header("sec-fetch-dest", "empty")
    }

    /// The preflight, as Chromium sends it: `OPTIONS`, `Accept: */*`, `Origin`,
    /// `Access-Control-Request-Method` and `-Headers`, and no credentials.
    pub(super) fn preflight<B: Default>(&self, cors: &CorsRequest, site: &str) -> Result<Request<B>, http::Error> {
        let mut builder = self
            .common(Request::builder().method(Method::OPTIONS), site)
            .header(ACCEPT, "*/*")
            .header("access-control-request-method", self.method.as_str());
        let names = self.unsafe_names(cors);
        if !names.is_empty() {
            builder = builder.header("access-control-request-headers", names.join(","));
        }
        builder.header(ORIGIN, cors.origin.as_str()).body(B::default())
    }

    /// The actual request: the script's headers and body, `Accept: */*` unless the script set
    /// one, `Origin` when `origin` is given, and `cookie` when the request carries credentials.
    pub(super) fn actual<B>(
        &self,
        origin: Option<&str>,
        cookie: Option<&HeaderValue>,
        site: &str,
        body: B,
    ) -> Result<Request<B>, http::Error> {
        let mut builder = self.common(Request::builder().method(self.method.clone()), site);
        for (name, value) in &self.author {
            builder = builder.header(name, value);
        }
        if !self.author.iter().any(|(name, _)| name == ACCEPT) {
            builder = builder.header(ACCEPT, "*/*");
        }
        if let Some(origin) = origin {
            builder = builder.header(ORIGIN, origin);
        }
        if let Some(cookie) = cookie {
            builder = builder.header(COOKIE, cookie);
        }
        builder.body(body)
    }

    /// Follows a redirect answered `status` to `location`
    /// ([`#http-redirect-fetch`](https://fetch.spec.whatwg.org/#http-redirect-fetch)): a `POST`
    /// answered 301 or 302, and anything but `GET` or `HEAD` answered 303, becomes a `GET` without
    /// its body and the body's headers; `Authorization` is removed when the redirect changes
    /// origin. Returns whether the body was dropped.
    pub(super) fn redirect(&mut self, status: StatusCode, location: Url) -> bool {
        let to_get = (matches!(status.as_u16(), 301 | 302) && self.method == Method::POST)
            || (status.as_u16() == 303 && !matches!(self.method, Method::GET | Method::HEAD));
        if to_get {
            self.method = Method::GET;
            self.author.retain(|(name, _)| !REQUEST_BODY_HEADERS.contains(&name.as_str()));
        }
        if origin_of(&location) != self.origin() {
            self.author.retain(|(name, _)| name != AUTHORIZATION);
        }
        self.url = location;
        to_get
    }
}
