//! Whether a request carrying `Origin` comes from the server's own origin.
//!
//! Browsers send `Origin` on same-origin `POST`s (and other non-`GET` requests) too, so
//! blocking every refused origin would break the site itself. Two origins are the same when
//! scheme, host and port are equal (HTML, `#same-origin`); the question is what the server's
//! own origin is:
//!
//! - `Sec-Fetch-Site`, which every current browser sends and no script can set, is
//!   authoritative when present: same-origin exactly when it says `same-origin`.
//! - Without it, only a request URI that carries its scheme and authority (absolute form, as in
//!   HTTP/2's `:scheme` and `:authority`, or a proxy's request) confirms the server's origin.
//! - `Host` alone does not say whether the request came over `http` or `https`: calling it
//!   same-origin would let a plain-`http` page past blocking into an `https` service, so it
//!   never is.

use http::HeaderValue;

use crate::config::origin::split_origin;
use crate::decision::head::RequestHead;

static SEC_FETCH_SITE: http::HeaderName = http::HeaderName::from_static("sec-fetch-site");

/// Whether the request comes from the server's own origin. `origin`: the request's one
/// `Origin` value, `None` when it sent several, which only `Sec-Fetch-Site` can then vouch for.
pub(crate) fn is_same_origin(request: &impl RequestHead, origin: Option<&HeaderValue>) -> bool {
    if let Some(site) = request.headers().get(&SEC_FETCH_SITE) {
        return site == "same-origin";
    }
    let Some(origin) = origin else {
        return false;
    };
    let uri = request.uri();
    let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
        return false;
    };
    let Some((origin_scheme, origin_host, origin_port)) = split_origin(origin.as_bytes()) else {
        return false;
    };
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        // No other scheme serves pages a browser fetches from with `Origin`.
        _ => return false,
    };
    let own_port = authority.port_u16().filter(|&port| port != default_port);
    origin_scheme == scheme.as_str().as_bytes()
        && origin_host.eq_ignore_ascii_case(authority.host().as_bytes())
        && origin_port == own_port
}
