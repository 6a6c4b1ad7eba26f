//! What a browser may send without asking first: safelisted methods and request headers, the
//! names a preflight lists, and the headers and methods a script cannot set at all.

use std::collections::BTreeSet;

use super::values::{mime_essence, parse_single_range};

/// Whether `method` is a CORS-safelisted method (`GET`, `HEAD`, `POST`), which needs no
/// preflight ([`#cors-safelisted-method`](https://fetch.spec.whatwg.org/#cors-safelisted-method)).
///
/// ```
/// use tower_cors::testing::standard::is_cors_safelisted_method;
///
/// assert!(is_cors_safelisted_method("POST"));
/// assert!(!is_cors_safelisted_method("PUT"));
/// assert!(!is_cors_safelisted_method("post")); // methods are case-sensitive once normalized
/// ```
pub fn is_cors_safelisted_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "POST")
}

/// The method a browser sends for the one a script passed to `fetch()`: only `DELETE`, `GET`,
/// `HEAD`, `OPTIONS`, `POST` and `PUT` are upper-cased
/// ([`#concept-method-normalize`](https://fetch.spec.whatwg.org/#concept-method-normalize)).
///
/// ```
/// use tower_cors::testing::standard::normalize_method;
///
/// assert_eq!(normalize_method("delete"), "DELETE");
/// assert_eq!(normalize_method("patch"), "patch"); // sent as written, so a preflight asks for `patch`
/// ```
pub fn normalize_method(method: &str) -> String {
    ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]
        .into_iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .unwrap_or(method)
        .to_owned()
}

/// Whether `fetch()` refuses `method` outright (`CONNECT`, `TRACE`, `TRACK`, in any case:
/// [`#forbidden-method`](https://fetch.spec.whatwg.org/#forbidden-method)).
///
/// ```
/// use tower_cors::testing::standard::is_forbidden_method;
///
/// assert!(is_forbidden_method("connect"));
/// assert!(!is_forbidden_method("PATCH"));
/// ```
pub fn is_forbidden_method(method: &str) -> bool {
    ["CONNECT", "TRACE", "TRACK"].iter().any(|m| m.eq_ignore_ascii_case(method))
}

/// [`#cors-unsafe-request-header-byte`](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte).
fn is_cors_unsafe_request_header_byte(b: u8) -> bool {
    (b < 0x20 && b != 0x09) || b"\"():<>?@[\\]{}".contains(&b) || b == 0x7f
}

/// Whether a request header a script sets needs no preflight
/// ([`#cors-safelisted-request-header`](https://fetch.spec.whatwg.org/#cors-safelisted-request-header)):
/// `Accept`, `Accept-Language`, `Content-Language`, a `Content-Type` of a form or plain text, or
/// a single byte `Range`, each with a value of at most 128 bytes of the allowed kind.
///
/// ```
/// use tower_cors::testing::standard::is_cors_safelisted_request_header;
///
/// assert!(is_cors_safelisted_request_header("Content-Type", b"text/plain; charset=utf-8"));
/// assert!(!is_cors_safelisted_request_header("content-type", b"application/json"));
/// assert!(!is_cors_safelisted_request_header("x-request-id", b"1"));
/// ```
pub fn is_cors_safelisted_request_header(name: &str, value: &[u8]) -> bool {
    if value.len() > 128 {
        return false;
    }
    let safe_bytes = || !value.iter().any(|&b| is_cors_unsafe_request_header_byte(b));
    match name.to_ascii_lowercase().as_str() {
        "accept" => safe_bytes(),
        "accept-language" | "content-language" => {
            value.iter().all(|&b| b.is_ascii_alphanumeric() || b" *,-.;=".contains(&b))
        }
        "content-type" => {
            safe_bytes()
                && matches!(
                    mime_essence(value).as_deref(),
                    Some("application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain")
                )
        }
        "range" => matches!(parse_single_range(value), Some((Some(_), _))),
        _ => false,
    }
}

/// The names a preflight lists in `Access-Control-Request-Headers`: every request header that is
/// not safelisted, and every safelisted one too when their values add up to more than 1,024 bytes;
/// lower-cased, sorted, each once
/// ([`#cors-unsafe-request-header-names`](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names)).
///
/// ```
/// use tower_cors::testing::standard::cors_unsafe_request_header_names;
///
/// let headers = [("X-Trace", b"1".to_vec()), ("Content-Type", b"application/json".to_vec()), ("Accept", b"*/*".to_vec())];
/// let headers = headers.map(|(n, v)| (n.to_owned(), v));
/// assert_eq!(cors_unsafe_request_header_names(&headers), ["content-type", "x-trace"]);
/// ```
pub fn cors_unsafe_request_header_names(headers: &[(String, Vec<u8>)]) -> Vec<String> {
    unsafe_names(headers, is_cors_safelisted_request_header)
}

/// Whether Chromium sends a request header a script set without a preflight: the standard's
/// safelisted headers, and the client hints a script may set too, `Save-Data: on`, `DPR`,
/// `Device-Memory` and `Downlink` as a decimal number, `Width`, `Viewport-Width` and `RTT` as an
/// integer, `ECT` as one of its four values, each at most 128 bytes (Chromium's
/// `IsCorsSafelistedHeader`; Firefox and WebKit preflight them).
pub(super) fn is_chromium_safelisted_request_header(name: &str, value: &[u8]) -> bool {
    if value.len() > 128 {
        return false;
    }
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    match name.to_ascii_lowercase().as_str() {
        "save-data" => value.eq_ignore_ascii_case(b"on"),
        "dpr" | "device-memory" | "downlink" => match value.iter().position(|&b| b == b'.') {
            Some(dot) => digits(&value[..dot]) && digits(&value[dot + 1..]),
            None => digits(value),
        },
        "width" | "viewport-width" | "rtt" => digits(value),
        "ect" => matches!(value, b"slow-2g" | b"2g" | b"3g" | b"4g"),
        _ => is_cors_safelisted_request_header(name, value),
    }
}

/// The names Chromium lists in `Access-Control-Request-Headers`: as
/// [`cors_unsafe_request_header_names`], with Chromium's safelist.
pub(super) fn chromium_unsafe_request_header_names(headers: &[(String, Vec<u8>)]) -> Vec<String> {
    unsafe_names(headers, is_chromium_safelisted_request_header)
}

/// The unsafe names of `headers` by the safelist `safelisted`.
fn unsafe_names(headers: &[(String, Vec<u8>)], safelisted: fn(&str, &[u8]) -> bool) -> Vec<String> {
    let mut unsafe_names = BTreeSet::new();
    let mut potentially_unsafe = BTreeSet::new();
    let mut safelisted_size = 0usize;
    for (name, value) in headers {
        if safelisted(name, value) {
            potentially_unsafe.insert(name.to_ascii_lowercase());
            safelisted_size += value.len();
        } else {
            unsafe_names.insert(name.to_ascii_lowercase());
        }
    }
    if safelisted_size > 1024 {
        unsafe_names.extend(potentially_unsafe);
    }
    unsafe_names.into_iter().collect()
}

/// Whether a script's `fetch()` silently drops this request header, because only the browser
/// sets it ([`#forbidden-request-header`](https://fetch.spec.whatwg.org/#forbidden-request-header)):
/// `Cookie`, `Host`, `Origin`, `Content-Length`, any `Sec-` or `Proxy-` header, ..., and the
/// method-override headers when they name a forbidden method.
///
/// ```
/// use tower_cors::testing::standard::is_forbidden_request_header;
///
/// assert!(is_forbidden_request_header("Cookie", b"session=1"));
/// assert!(is_forbidden_request_header("sec-fetch-site", b"same-origin"));
/// assert!(is_forbidden_request_header("x-http-method-override", b"TRACE"));
/// assert!(!is_forbidden_request_header("authorization", b"Bearer t"));
/// ```
pub fn is_forbidden_request_header(name: &str, value: &[u8]) -> bool {
    const FORBIDDEN: [&str; 21] = [
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    ];
    let name = name.to_ascii_lowercase();
    if FORBIDDEN.contains(&name.as_str()) || name.starts_with("proxy-") || name.starts_with("sec-") {
        return true;
    }
    let overrides = ["x-http-method", "x-http-method-override", "x-method-override"];
    overrides.contains(&name.as_str())
        && String::from_utf8_lossy(value).split(',').any(|method| is_forbidden_method(method.trim()))
}
