//! What the browser knows of a cross-origin request when it decides about a preflight.

use super::safelist::{cors_unsafe_request_header_names, is_cors_safelisted_method};

/// A cross-origin request as the browser's checks see it: the page's origin, the method, the
/// headers the script set, and the credentials mode.
///
/// ```
/// use tower_cors::testing::standard::CorsRequest;
///
/// let request = CorsRequest {
///     origin: "https://app.example.com".into(),
///     method: "POST".into(),
///     headers: vec![("Content-Type".into(), b"application/json".to_vec()), ("X-B".into(), b"1".to_vec())],
///     credentials: false,
/// };
/// assert!(request.needs_preflight());
/// assert_eq!(request.access_control_request_headers().as_deref(), Some("content-type,x-b"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorsRequest {
    /// The serialized origin of the page, sent as `Origin` (`null` for an opaque origin).
    pub origin: String,
    /// The method, normalized ([`normalize_method`](super::standard::normalize_method)).
    pub method: String,
    /// The headers the script set, names and values as written.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Whether the credentials mode is `include`.
    pub credentials: bool,
}

impl CorsRequest {
    /// [`cors_unsafe_request_header_names`](super::standard::cors_unsafe_request_header_names)
    /// of this request's headers.
    ///
    /// ```
    /// use tower_cors::testing::standard::CorsRequest;
    ///
    /// let request = CorsRequest {
    ///     origin: "https://app.example.com".into(),
    ///     method: "GET".into(),
    ///     headers: vec![("X-Trace".into(), b"1".to_vec()), ("Accept".into(), b"*/*".to_vec())],
    ///     credentials: false,
    /// };
    /// assert_eq!(request.unsafe_header_names(), ["x-trace"]);
    /// ```
    pub fn unsafe_header_names(&self) -> Vec<String> {
        cors_unsafe_request_header_names(&self.headers)
    }

    /// Whether the browser sends a preflight first: the method is not safelisted, or a header is
    /// not ([`#main-fetch`](https://fetch.spec.whatwg.org/#main-fetch), "use-CORS-preflight").
    ///
    /// ```
    /// use tower_cors::testing::standard::CorsRequest;
    ///
    /// let get = CorsRequest { origin: "https://a.example".into(), method: "GET".into(), headers: vec![], credentials: true };
    /// assert!(!get.needs_preflight());
    /// assert!(CorsRequest { method: "DELETE".into(), ..get }.needs_preflight());
    /// ```
    pub fn needs_preflight(&self) -> bool {
        !is_cors_safelisted_method(&self.method) || !self.unsafe_header_names().is_empty()
    }

    /// The preflight's `Access-Control-Request-Headers`: the unsafe names, comma-joined without
    /// spaces, as Chromium sends them; `None` when there are none.
    ///
    /// ```
    /// use tower_cors::testing::standard::CorsRequest;
    ///
    /// let request = CorsRequest {
    ///     origin: "https://app.example.com".into(),
    ///     method: "PUT".into(),
    ///     headers: vec![("X-Zeta".into(), b"1".to_vec()), ("x-alpha".into(), b"2".to_vec())],
    ///     credentials: false,
    /// };
    /// assert_eq!(request.access_control_request_headers().as_deref(), Some("x-alpha,x-zeta"));
    /// ```
    pub fn access_control_request_headers(&self) -> Option<String> {
        let names = self.unsafe_header_names();
        (!names.is_empty()).then(|| names.join(","))
    }
}
