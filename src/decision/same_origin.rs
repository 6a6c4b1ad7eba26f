//! Whether a request carrying `Origin` comes from the server's own origin, and whether a request
//! without one is a browser's cross-site write.
//!
//! Browsers send `Origin` on same-origin `POST`s (and other non-`GET` requests) too, so
//! blocking every refused origin would break the site itself. Two origins are the same when
//! scheme, host and port are equal (HTML, `#same-origin`); the question is what the server's
//! own origin is:
//!
//! - `Sec-Fetch-Site`, which every current browser sends to a potentially trustworthy URL
//!   (`https`, or `http` to loopback and `localhost`) and no script can set, is authoritative
//!   when present: same-origin exactly when it says `same-origin`.
//! - Without it (a plain-`http` site on a LAN address or host name, where browsers send no
//!   Fetch Metadata; a browser older than Fetch Metadata; a client that is not a browser): a
//!   request URI that carries its scheme and authority (absolute form, as in HTTP/2's `:scheme`
//!   and `:authority`, or a proxy's request) is compared with `Origin` whole, scheme included;
//!   otherwise `Origin`'s host and port are compared with `Host`, default ports folded by
//!   `Origin`'s scheme and the host compared case-insensitively, as Go's
//!   `CrossOriginProtection` and tower-http's `CsrfLayer` do. `Host` names no scheme, so a
//!   browser without Fetch Metadata on a plain-`http` page of the same host passes as the
//!   `https` site's own: the trade-off Go accepts too; HSTS closes it (see the security guide).

use http::header::HOST;
use http::{HeaderValue, Method};

use crate::config::origin::{default_port, parse_port, split_origin};
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
    let Some((origin_scheme, origin_host, origin_port)) = split_origin(origin.as_bytes()) else {
        return false;
    };
    // No other scheme serves pages a browser fetches from with `Origin`.
    let Some(default_port) = default_port(origin_scheme) else {
        return false;
    };
    let uri = request.uri();
    let (host, port) = match (uri.scheme(), uri.authority()) {
        // An absolute URI names the server's origin whole: compared exactly, scheme included.
        (Some(scheme), Some(authority)) => {
            if scheme.as_str().as_bytes() != origin_scheme {
                return false;
            }
            (authority.host().as_bytes(), authority.port_u16())
        }
        // Otherwise `Host` names it. An authority alone (`CONNECT`'s target, RFC 9112, section
        // 3.2.3) is where a tunnel goes, not the server's origin.
        _ => match one_host(request) {
            Some(host_and_port) => host_and_port,
            None => return false,
        },
    };
    origin_host.eq_ignore_ascii_case(host) && origin_port == port.filter(|&port| port != default_port)
}

/// The request's one `Host` line, split into host and port; `None` for none, several, or a port
/// that is not a port.
fn one_host(request: &impl RequestHead) -> Option<(&[u8], Option<u16>)> {
    let mut lines = request.headers().get_all(HOST).iter();
    let value = lines.next().filter(|_| lines.next().is_none())?.as_bytes();
    match value.iter().rposition(|&b| b == b':') {
        // A colon inside brackets belongs to an IPv6 address, not to a port.
        Some(colon) if !value[colon..].contains(&b']') => {
            let port = parse_port(std::str::from_utf8(&value[colon + 1..]).ok()?)?;
            Some((&value[..colon], Some(port)))
        }
        _ => Some((value, None)),
    }
}

/// The `Sec-Fetch-Site` value of a browser's cross-site or same-site write that carries no
/// `Origin`: an unsafe method (not `GET`, `HEAD` or `OPTIONS`, as in Go's
/// `CrossOriginProtection`) that the browser itself says comes from another origin.
pub(crate) fn cross_site_write(request: &impl RequestHead) -> Option<&HeaderValue> {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    request.headers().get(&SEC_FETCH_SITE).filter(|site| *site == "cross-site" || *site == "same-site")
}
