//! The browser's checks of a response: the CORS check, and the checks of a preflight's answer.

use http::{HeaderMap, StatusCode};

use super::request::CorsRequest;
use super::safelist::is_cors_safelisted_method;
use super::values::{get_combined, token_list};
use super::Reason;

/// The CORS check ([`#cors-check`](https://fetch.spec.whatwg.org/#cors-check)): whether a
/// response's `Access-Control-Allow-Origin` (and, with credentials,
/// `Access-Control-Allow-Credentials`) lets a page of `origin` read it. Several lines of one
/// header combine into one value, as browsers combine them.
///
/// ```
/// use http::HeaderMap;
/// use tower_cors::testing::{standard::cors_check, Reason};
///
/// let mut response = HeaderMap::new();
/// assert_eq!(cors_check("https://app.example.com", false, &response), Err(Reason::NoAllowOrigin));
/// response.insert("access-control-allow-origin", "*".parse()?);
/// assert_eq!(cors_check("https://app.example.com", false, &response), Ok(()));
/// assert_eq!(cors_check("https://app.example.com", true, &response), Err(Reason::WildcardWithCredentials));
/// # Ok::<(), http::header::InvalidHeaderValue>(())
/// ```
///
/// # Errors
///
/// The first rule the response breaks, in the order Chromium checks them.
pub fn cors_check(origin: &str, credentials: bool, response: &HeaderMap) -> Result<(), Reason> {
    let Some(allow_origin) = get_combined(response, "access-control-allow-origin") else {
        return Err(Reason::NoAllowOrigin);
    };
    if allow_origin == b"*" {
        return if credentials { Err(Reason::WildcardWithCredentials) } else { Ok(()) };
    }
    if allow_origin != origin.as_bytes() {
        // Chromium's order: `null` names another origin, a space or comma a list, then anything
        // that is not a URL is invalid and any other URL another origin.
        let value = String::from_utf8_lossy(&allow_origin).into_owned();
        return Err(if value == "null" {
            Reason::AllowOriginMismatch(value)
        } else if value.contains([',', ' ']) {
            Reason::MultipleAllowOrigins(value)
        } else if url::Url::parse(&value).is_ok() {
            Reason::AllowOriginMismatch(value)
        } else {
            Reason::InvalidAllowOrigin(value)
        });
    }
    if !credentials {
        return Ok(());
    }
    match get_combined(response, "access-control-allow-credentials") {
        Some(value) if value == b"true" => Ok(()),
        value => Err(Reason::AllowCredentials(String::from_utf8_lossy(&value.unwrap_or_default()).into_owned())),
    }
}

/// `Access-Control-Allow-Methods` as a list of tokens
/// ([`#concept-header-list-extract-values`](https://fetch.spec.whatwg.org/#concept-header-list-extract-values)):
/// `Ok(None)` when absent.
///
/// ```
/// use http::HeaderMap;
/// use tower_cors::testing::{standard::allow_methods_list, Reason};
///
/// let mut response = HeaderMap::new();
/// response.insert("access-control-allow-methods", "PUT, ,DELETE".parse()?);
/// assert_eq!(allow_methods_list(&response), Ok(Some(vec!["PUT".into(), "DELETE".into()])));
/// response.insert("access-control-allow-methods", "PUT DELETE".parse()?);
/// assert_eq!(allow_methods_list(&response), Err(Reason::UnparsableAllowMethods));
/// # Ok::<(), http::header::InvalidHeaderValue>(())
/// ```
///
/// # Errors
///
/// [`Reason::UnparsableAllowMethods`] when an element is not a token: the preflight fails.
pub fn allow_methods_list(response: &HeaderMap) -> Result<Option<Vec<String>>, Reason> {
    token_list(response, "access-control-allow-methods").map_err(|()| Reason::UnparsableAllowMethods)
}

/// `Access-Control-Allow-Headers` as a list of tokens: `Ok(None)` when absent.
///
/// ```
/// use http::HeaderMap;
/// use tower_cors::testing::{standard::allow_headers_list, Reason};
///
/// let mut response = HeaderMap::new();
/// response.insert("access-control-allow-headers", "*,authorization".parse()?);
/// assert_eq!(allow_headers_list(&response), Ok(Some(vec!["*".into(), "authorization".into()])));
/// response.insert("access-control-allow-headers", "x-a;x-b".parse()?);
/// assert_eq!(allow_headers_list(&response), Err(Reason::UnparsableAllowHeaders));
/// # Ok::<(), http::header::InvalidHeaderValue>(())
/// ```
///
/// # Errors
///
/// [`Reason::UnparsableAllowHeaders`] when an element is not a token: the preflight fails.
pub fn allow_headers_list(response: &HeaderMap) -> Result<Option<Vec<String>>, Reason> {
    token_list(response, "access-control-allow-headers").map_err(|()| Reason::UnparsableAllowHeaders)
}

/// The checks of a preflight's answer
/// ([`#cors-preflight-fetch`](https://fetch.spec.whatwg.org/#cors-preflight-fetch)): whether
/// the actual `request` may be sent. `unsafe_names` are the names the preflight listed in
/// `Access-Control-Request-Headers`. In order: the CORS check, an ok status, both lists parse,
/// the method is granted (or safelisted; `*` only without credentials), then each name is granted
/// (`*` only without credentials, and never for `Authorization`:
/// [`#cors-non-wildcard-request-header-name`](https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name)).
///
/// ```
/// use http::{HeaderMap, StatusCode};
/// use tower_cors::testing::{standard::{check_preflight, CorsRequest}, Reason};
///
/// let request = CorsRequest {
///     origin: "https://app.example.com".into(),
///     method: "PUT".into(),
///     headers: vec![("authorization".into(), b"Bearer t".to_vec())],
///     credentials: false,
/// };
/// let mut answer = HeaderMap::new();
/// answer.insert("access-control-allow-origin", "https://app.example.com".parse()?);
/// answer.insert("access-control-allow-methods", "PUT".parse()?);
/// answer.insert("access-control-allow-headers", "*".parse()?);
/// let names = request.unsafe_header_names();
/// let verdict = check_preflight(&request, &names, StatusCode::NO_CONTENT, &answer);
/// assert_eq!(verdict, Err(Reason::Header("authorization".into())));
/// # Ok::<(), http::header::InvalidHeaderValue>(())
/// ```
///
/// # Errors
///
/// The first check that fails.
pub fn check_preflight(
    request: &CorsRequest,
    unsafe_names: &[String],
    status: StatusCode,
    response: &HeaderMap,
) -> Result<(), Reason> {
    check_preflight_with(request, unsafe_names, status, response, false)
}

/// [`check_preflight`] as Chromium runs it: a `*` in `Access-Control-Allow-Headers` (without
/// credentials) covers `Authorization` too, as in Firefox and WebKit, where the standard says it
/// never does (whatwg/fetch#1919).
pub(super) fn check_preflight_as_chromium(
    request: &CorsRequest,
    unsafe_names: &[String],
    status: StatusCode,
    response: &HeaderMap,
) -> Result<(), Reason> {
    check_preflight_with(request, unsafe_names, status, response, true)
}

/// The checks of a preflight's answer; `wildcard_covers_authorization` as browsers do.
fn check_preflight_with(
    request: &CorsRequest,
    unsafe_names: &[String],
    status: StatusCode,
    response: &HeaderMap,
    wildcard_covers_authorization: bool,
) -> Result<(), Reason> {
    cors_check(&request.origin, request.credentials, response)?;
    if !status.is_success() {
        return Err(Reason::NotOkStatus(status));
    }
    let methods = allow_methods_list(response)?.unwrap_or_default();
    let header_names = allow_headers_list(response)?.unwrap_or_default();
    let wildcard = |list: &[String]| !request.credentials && list.iter().any(|item| item == "*");
    if !methods.contains(&request.method) && !is_cors_safelisted_method(&request.method) && !wildcard(&methods) {
        return Err(Reason::Method(request.method.clone()));
    }
    let listed = |name: &str| header_names.iter().any(|h| h.eq_ignore_ascii_case(name));
    let by_wildcard = |name: &str| wildcard_covers_authorization || !name.eq_ignore_ascii_case("authorization");
    let covered = |name: &str| listed(name) || (wildcard(&header_names) && by_wildcard(name));
    if let Some(name) = unsafe_names.iter().find(|name| !covered(name)) {
        return Err(Reason::Header(name.to_ascii_lowercase()));
    }
    if wildcard_covers_authorization {
        return Ok(());
    }
    // `Authorization` among the request's headers needs listing even if the preflight did not
    // name it (it always does: it is never safelisted).
    match request.headers.iter().find(|(name, _)| name.eq_ignore_ascii_case("authorization") && !listed(name)) {
        Some((name, _)) => Err(Reason::Header(name.to_ascii_lowercase())),
        None => Ok(()),
    }
}
