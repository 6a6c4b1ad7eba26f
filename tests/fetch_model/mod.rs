//! A small reference model of the *browser* side of the CORS protocol, written from the Fetch
//! Standard (<https://fetch.spec.whatwg.org/>) and independent of the crate under test.
//!
//! It answers the questions a browser asks of a server's response:
//! - does a request need a preflight at all (`#cors-safelisted-method`,
//!   `#cors-safelisted-request-header`, `#cors-unsafe-request-header-names`);
//! - does the preflight response let the actual request go ahead (`#cors-preflight-fetch`, with
//!   `#cors-check`, `#ok-status`, `#concept-header-list-extract-values`, `*` and credentials, and
//!   `#cors-non-wildcard-request-header-name`);
//! - does the actual response pass the CORS check, and which of its headers may script read
//!   (`#cors-safelisted-response-header-name`, `Access-Control-Expose-Headers`,
//!   `#forbidden-response-header-name`).
//!
//! It also states, for the server side, when a request carrying `Origin` comes from the server's
//! own origin ([`is_same_origin`]).
//!
//! [`oracle`] holds the other side: what a configuration *says* should be allowed.
#![allow(dead_code, unreachable_pub)]

pub mod oracle;

use std::collections::BTreeSet;

use http::{HeaderMap, StatusCode, Uri};

/// What the browser knows about the request it makes.
#[derive(Clone, Debug)]
pub struct BrowserRequest {
    /// The serialized request origin (`#serializing-a-request-origin`), sent as `Origin`.
    pub origin: String,
    /// The method after `#concept-method-normalize`.
    pub method: String,
    /// Author request headers (name, value), as script set them.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Whether the credentials mode is `include`.
    pub credentials: bool,
}

/// Why the browser turns a fetch into a network error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// `#ok-status`: not 200..=299.
    NotOkStatus(u16),
    /// `#cors-check` failed.
    CorsCheck,
    /// `Access-Control-Allow-Methods` or `-Headers` does not parse as a list of tokens.
    UnparsableList(&'static str),
    /// The method is not covered by `Access-Control-Allow-Methods`.
    Method,
    /// This request header name is not covered by `Access-Control-Allow-Headers`.
    Header(String),
}

/// `#cors-safelisted-method`.
pub fn is_cors_safelisted_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "POST")
}

/// `#concept-method-normalize`: only these six are upper-cased by browsers.
pub fn normalize_method(method: &str) -> String {
    for m in ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"] {
        if m.eq_ignore_ascii_case(method) {
            return m.to_owned();
        }
    }
    method.to_owned()
}

/// `#cors-unsafe-request-header-byte`.
pub fn is_cors_unsafe_request_header_byte(b: u8) -> bool {
    (b < 0x20 && b != 0x09) || b"\"():<>?@[\\]{}".contains(&b) || b == 0x7f
}

/// `#cors-safelisted-request-header`.
pub fn is_cors_safelisted_request_header(name: &str, value: &[u8]) -> bool {
    if value.len() > 128 {
        return false;
    }
    match name.to_ascii_lowercase().as_str() {
        "accept" => !value.iter().any(|&b| is_cors_unsafe_request_header_byte(b)),
        "accept-language" | "content-language" => {
            value.iter().all(|&b| b.is_ascii_alphanumeric() || b" *,-.;=".contains(&b))
        }
        "content-type" => {
            if value.iter().any(|&b| is_cors_unsafe_request_header_byte(b)) {
                return false;
            }
            matches!(
                mime_essence(value).as_deref(),
                Some("application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain")
            )
        }
        "range" => matches!(parse_single_range(value), Some((Some(_), _))),
        _ => false,
    }
}

fn is_http_whitespace(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\r' | b' ')
}

fn is_http_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn trim_http_whitespace(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_http_whitespace(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_http_whitespace(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// The essence of the MIME Sniffing Standard's "parse a MIME type" (parameters never fail it).
fn mime_essence(value: &[u8]) -> Option<String> {
    let input = trim_http_whitespace(value);
    let slash = input.iter().position(|&b| b == b'/')?;
    let kind = &input[..slash];
    let rest = &input[slash + 1..];
    let subtype_end = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
    let subtype = trim_http_whitespace(&rest[..subtype_end]);
    let token = |s: &[u8]| !s.is_empty() && s.iter().all(|&b| is_http_token(b));
    if !token(kind) || !token(subtype) {
        return None;
    }
    Some(format!("{}/{}", String::from_utf8_lossy(kind), String::from_utf8_lossy(subtype)).to_ascii_lowercase())
}

/// `#simple-range-header-value` with `allowWhitespace` false: `bytes=start-end`.
pub fn parse_single_range(value: &[u8]) -> Option<(Option<u64>, Option<u64>)> {
    let alpha = value.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if !value[..alpha].eq_ignore_ascii_case(b"bytes") {
        return None;
    }
    let rest = value[alpha..].strip_prefix(b"=")?;
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let start_len = digits(rest);
    let number = |s: &[u8]| -> Option<Option<u64>> {
        if s.is_empty() {
            return Some(None);
        }
        // Numbers too large to represent are still numbers; saturate rather than fail.
        Some(Some(std::str::from_utf8(s).ok()?.parse::<u64>().unwrap_or(u64::MAX)))
    };
    let start = number(&rest[..start_len])?;
    let rest = rest[start_len..].strip_prefix(b"-")?;
    let end_len = digits(rest);
    if end_len != rest.len() {
        return None;
    }
    let end = number(rest)?;
    match (start, end) {
        (None, None) => None,
        (Some(s), Some(e)) if s > e => None,
        range => Some(range),
    }
}

/// `#cors-unsafe-request-header-names`: lower-cased, sorted, de-duplicated.
pub fn cors_unsafe_request_header_names(headers: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut unsafe_names = BTreeSet::new();
    let mut potentially_unsafe = BTreeSet::new();
    let mut safelisted_size = 0usize;
    for (name, value) in headers {
        if !is_cors_safelisted_request_header(name, value) {
            unsafe_names.insert(name.to_ascii_lowercase());
        } else {
            potentially_unsafe.insert(name.to_ascii_lowercase());
            safelisted_size += value.len();
        }
    }
    if safelisted_size > 1024 {
        unsafe_names.extend(potentially_unsafe);
    }
    unsafe_names.into_iter().collect()
}

/// Whether the browser sends a preflight before the request (`#main-fetch`, "use-CORS-preflight").
pub fn needs_preflight(request: &BrowserRequest) -> bool {
    !is_cors_safelisted_method(&request.method) || !cors_unsafe_request_header_names(&request.headers).is_empty()
}

/// The value of `Access-Control-Request-Headers` the browser sends, if any.
pub fn access_control_request_headers(request: &BrowserRequest) -> Option<String> {
    let names = cors_unsafe_request_header_names(&request.headers);
    (!names.is_empty()).then(|| names.join(","))
}

/// The Fetch Standard's `get` of a header: every line combined with `, `.
fn get_combined(headers: &HeaderMap, name: &str) -> Option<Vec<u8>> {
    let mut lines = headers.get_all(name).iter().peekable();
    lines.peek()?;
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(line.as_bytes());
    }
    Some(out)
}

/// `#cors-check`.
pub fn cors_check(origin: &str, credentials: bool, response: &HeaderMap) -> bool {
    let Some(allow_origin) = get_combined(response, "access-control-allow-origin") else {
        return false;
    };
    if !credentials && allow_origin == b"*" {
        return true;
    }
    if allow_origin != origin.as_bytes() {
        return false;
    }
    if !credentials {
        return true;
    }
    get_combined(response, "access-control-allow-credentials").as_deref() == Some(b"true")
}

/// `#concept-header-list-extract-values` for the `#token` lists `Access-Control-Allow-Methods`
/// and `-Headers`: `Ok(None)` when absent, `Err` when an element is not a token.
pub fn extract_token_list(headers: &HeaderMap, name: &'static str) -> Result<Option<Vec<String>>, Failure> {
    let Some(value) = get_combined(headers, name) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for element in value.split(|&b| b == b',') {
        let element = trim_http_whitespace(element);
        if element.is_empty() {
            continue;
        }
        if !element.iter().all(|&b| is_http_token(b)) {
            return Err(Failure::UnparsableList(name));
        }
        out.push(String::from_utf8_lossy(element).into_owned());
    }
    Ok(Some(out))
}

/// `#cors-preflight-fetch`, steps after the preflight response arrives: whether the actual
/// request may be made. `unsafe_names` are the names the browser listed in
/// `Access-Control-Request-Headers`; `author_names` every author header (for `Authorization`).
pub fn validate_preflight(
    request: &BrowserRequest,
    unsafe_names: &[String],
    status: StatusCode,
    response: &HeaderMap,
) -> Result<(), Failure> {
    if !cors_check(&request.origin, request.credentials, response) {
        return Err(Failure::CorsCheck);
    }
    if !(200..=299).contains(&status.as_u16()) {
        return Err(Failure::NotOkStatus(status.as_u16()));
    }
    let methods = extract_token_list(response, "access-control-allow-methods")?.unwrap_or_default();
    let header_names = extract_token_list(response, "access-control-allow-headers")?.unwrap_or_default();
    let star = |list: &[String]| list.iter().any(|m| m == "*");
    if !methods.contains(&request.method)
        && !is_cors_safelisted_method(&request.method)
        && (request.credentials || !star(&methods))
    {
        return Err(Failure::Method);
    }
    let covered = |name: &str| header_names.iter().any(|h| h.eq_ignore_ascii_case(name));
    // `#cors-non-wildcard-request-header-name`: `*` never covers `Authorization`.
    for (name, _) in &request.headers {
        if name.eq_ignore_ascii_case("authorization") && !covered(name) {
            return Err(Failure::Header(name.to_ascii_lowercase()));
        }
    }
    for name in unsafe_names {
        if !covered(name) && (request.credentials || !star(&header_names)) {
            return Err(Failure::Header(name.clone()));
        }
    }
    Ok(())
}

/// `#cors-safelisted-response-header-name`, without the exposed list.
pub fn is_cors_safelisted_response_header_name(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "cache-control"
            | "content-language"
            | "content-length"
            | "content-type"
            | "expires"
            | "last-modified"
            | "pragma"
    )
}

/// `#forbidden-response-header-name`.
pub fn is_forbidden_response_header_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2")
}

/// Which of the response's header names script may read, or `None` if the response fails the
/// CORS check (the fetch is a network error and nothing is readable).
pub fn readable_response_headers(request: &BrowserRequest, response: &HeaderMap) -> Option<BTreeSet<String>> {
    if !cors_check(&request.origin, request.credentials, response) {
        return None;
    }
    // A parse failure of the exposed list exposes nothing beyond the safelist.
    let exposed = extract_token_list(response, "access-control-expose-headers").ok().flatten().unwrap_or_default();
    let star = !request.credentials && exposed.iter().any(|e| e == "*");
    Some(
        response
            .keys()
            .map(|name| name.as_str().to_owned())
            .filter(|name| !is_forbidden_response_header_name(name))
            .filter(|name| {
                star || is_cors_safelisted_response_header_name(name)
                    || exposed.iter().any(|e| e.eq_ignore_ascii_case(name))
            })
            .collect(),
    )
}

/// Whether a request that carries `Origin` comes from the origin it is addressed to.
///
/// - `Sec-Fetch-Site` (Fetch Metadata Request Headers, `#sec-fetch-site-header`) is set by the
///   browser itself, so when it is present it decides: same-origin exactly when its value is
///   `same-origin`.
/// - Otherwise the request's own origin must be known: "same origin" compares scheme, host and
///   port (HTML `#same-origin`), and only an absolute request URI (HTTP/2's `:scheme` and
///   `:authority`, or a proxy's absolute form) names the scheme. `Host` names no scheme, so a
///   request with a relative URI is never same-origin, whatever its `Host` says.
/// - The `Origin` header carries the serialization of the request's origin
///   (`#origin-header`, `#serializing-a-request-origin`, `#ascii-serialisation-of-an-origin`):
///   lower-case scheme, host, and `:port` only when the port is not the scheme's default. It must
///   be exactly that serialization of the URI's origin, with the host compared
///   ASCII-case-insensitively, as hosts are (RFC 3986, section 3.2.2). A default port spelled out
///   in `Origin`, a trailing `/`, whitespace, `null`, or two `Origin` lines (which combine into no
///   serialization at all) never match. Only `http` and `https` URIs are served here.
pub fn is_same_origin(headers: &HeaderMap, uri: &Uri) -> bool {
    if let Some(site) = get_combined(headers, "sec-fetch-site") {
        return site == b"same-origin";
    }
    let Some(origin) = get_combined(headers, "origin") else {
        return false;
    };
    let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return false,
    };
    let port = match uri.port_u16() {
        Some(port) if port != default_port => format!(":{port}"),
        _ => String::new(),
    };
    let (expected_prefix, expected_port) = (format!("{scheme}://"), port);
    let Some(rest) = origin.strip_prefix(expected_prefix.as_bytes()) else {
        return false;
    };
    let Some(origin_host) = rest.strip_suffix(expected_port.as_bytes()) else {
        return false;
    };
    origin_host.eq_ignore_ascii_case(host.as_bytes())
}
