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
/// - Otherwise (browsers send no Fetch Metadata to a URL that is not potentially trustworthy:
///   plain `http` other than loopback and `localhost`) the request's own origin is what its URI
///   names: an absolute request URI (HTTP/2's `:scheme` and `:authority`, or a proxy's absolute
///   form) names scheme, host and port, and "same origin" compares all three (HTML
///   `#same-origin`); a relative URI leaves only `Host`, which names host and port but no
///   scheme, so `Origin`'s own scheme stands in for it (Go's `CrossOriginProtection` compares
///   `Origin`'s host with `Host` the same way).
/// - The `Origin` header carries the serialization of the request's origin
///   (`#origin-header`, `#serializing-a-request-origin`, `#ascii-serialisation-of-an-origin`):
///   lower-case scheme, host, and `:port` only when the port is not the scheme's default. It must
///   be exactly that serialization of the request's origin, with the host compared
///   ASCII-case-insensitively, as hosts are (RFC 3986, section 3.2.2). A default port spelled out
///   in `Origin`, a trailing `/`, whitespace, `null`, two `Origin` lines (which combine into no
///   serialization at all), or two `Host` lines never match. Only `http` and `https` are served
///   here.
pub fn is_same_origin(headers: &HeaderMap, uri: &Uri) -> bool {
    if let Some(site) = get_combined(headers, "sec-fetch-site") {
        return site == b"same-origin";
    }
    let Some(origin) = get_combined(headers, "origin") else {
        return false;
    };
    // The request's scheme, host and port: from the URI when it names them, else `Host`, with
    // the scheme `Origin` claims.
    let (scheme, host, port) = match (uri.scheme_str(), uri.host()) {
        (Some(scheme), Some(host)) => (scheme.to_ascii_lowercase(), host.to_owned(), uri.port_u16()),
        _ => {
            let mut lines = headers.get_all("host").iter();
            let (Some(host), None) = (lines.next(), lines.next()) else {
                return false;
            };
            let Ok(authority) = std::str::from_utf8(host.as_bytes()).unwrap_or("").parse::<http::uri::Authority>()
            else {
                return false;
            };
            if authority.as_str() != host.to_str().unwrap_or("") || authority.as_str().contains('@') {
                return false;
            }
            // A port, when `Host` has one, is a port as an origin spells it: 1 to 5 digits, no
            // leading zero, at most 65535 (`evil.example:httpple` or `host:` name no port).
            let text = authority.as_str();
            if let Some(colon) = text.rfind(':').filter(|&colon| !text[colon..].contains(']')) {
                let digits = &text[colon + 1..];
                let canonical = !digits.is_empty()
                    && digits.len() <= 5
                    && !digits.starts_with('0')
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && digits.parse::<u16>().is_ok();
                if !canonical {
                    return false;
                }
            }
            let Some(end) = origin.windows(3).position(|w| w == b"://") else {
                return false;
            };
            let scheme = String::from_utf8_lossy(&origin[..end]).into_owned();
            (scheme, authority.host().to_owned(), authority.port_u16())
        }
    };
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return false,
    };
    let port = match port {
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
