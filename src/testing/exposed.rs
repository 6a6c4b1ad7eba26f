//! Which headers of a response a script may read.

use std::collections::BTreeSet;

use http::HeaderMap;

use super::check::cors_check;
use super::values::token_list;

/// Whether script reads this response header without it being exposed (`Cache-Control`,
/// `Content-Language`, `Content-Length`, `Content-Type`, `Expires`, `Last-Modified`, `Pragma`:
/// [`#cors-safelisted-response-header-name`](https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name)).
///
/// ```
/// use tower_cors::testing::standard::is_cors_safelisted_response_header_name;
///
/// assert!(is_cors_safelisted_response_header_name("Content-Type"));
/// assert!(!is_cors_safelisted_response_header_name("x-request-id"));
/// ```
pub fn is_cors_safelisted_response_header_name(name: &str) -> bool {
    ["cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma"]
        .iter()
        .any(|safe| safe.eq_ignore_ascii_case(name))
}

/// Whether script never reads this response header, same-origin or not: `Set-Cookie` and
/// `Set-Cookie2` ([`#forbidden-response-header-name`](https://fetch.spec.whatwg.org/#forbidden-response-header-name)).
///
/// ```
/// use tower_cors::testing::standard::is_forbidden_response_header_name;
///
/// assert!(is_forbidden_response_header_name("Set-Cookie"));
/// assert!(!is_forbidden_response_header_name("cookie"));
/// ```
pub fn is_forbidden_response_header_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2")
}

/// The names of the response's headers a page of `origin` may read, or `None` when the response
/// fails the [CORS check](cors_check) (the fetch is a network error): the safelisted ones and
/// those `Access-Control-Expose-Headers` lists (`*` lists all, without credentials only), never
/// `Set-Cookie`. An exposed list that does not parse exposes nothing.
///
/// ```
/// use http::HeaderMap;
/// use tower_cors::testing::standard::readable_response_headers;
///
/// let mut response = HeaderMap::new();
/// response.insert("access-control-allow-origin", "*".parse()?);
/// response.insert("access-control-expose-headers", "x-request-id".parse()?);
/// response.insert("content-type", "text/plain".parse()?);
/// response.insert("x-request-id", "7".parse()?);
/// response.insert("x-secret", "s3cret".parse()?);
/// let readable = readable_response_headers("https://app.example.com", false, &response);
/// assert_eq!(readable, Some(["content-type".into(), "x-request-id".into()].into()));
/// # Ok::<(), http::header::InvalidHeaderValue>(())
/// ```
pub fn readable_response_headers(origin: &str, credentials: bool, response: &HeaderMap) -> Option<BTreeSet<String>> {
    cors_check(origin, credentials, response).ok()?;
    let exposed = token_list(response, "access-control-expose-headers").ok().flatten().unwrap_or_default();
    let all = !credentials && exposed.iter().any(|name| name == "*");
    let readable = response
        .keys()
        .map(|name| name.as_str())
        .filter(|name| !is_forbidden_response_header_name(name))
        .filter(|name| {
            all || is_cors_safelisted_response_header_name(name)
                || exposed.iter().any(|exposed| exposed.eq_ignore_ascii_case(name))
        })
        .map(str::to_owned)
        .collect();
    Some(readable)
}
