//! The server side of the reference model, written from the Fetch Standard
//! (<https://fetch.spec.whatwg.org/>) and independent of the crate under test:
//!
//! - when a request carrying `Origin` comes from the server's own origin ([`is_same_origin`]);
//! - [`oracle`]: what a configuration *says* should be allowed.
//!
//! The browser side (which requests need a preflight, the CORS check, the preflight's checks,
//! which response headers script may read) is the crate's test kit, `tower_cors::testing`
//! (feature `testing`), whose `standard` module holds those rules one function each; the tests
//! here use it.
#![allow(dead_code, unreachable_pub)]

pub mod oracle;

use http::{HeaderMap, Uri};

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
