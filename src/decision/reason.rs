//! [`RefusalReason`]: why a CORS request was refused, as a stable code.

use std::fmt;

/// Why a CORS request was refused: a stable code for machines ([`as_str`](Self::as_str)), the
/// same one the `tracing` event and debug mode use.
///
/// ```
/// use tower_cors::RefusalReason;
///
/// assert_eq!(RefusalReason::MethodNotAllowed.as_str(), "method_not_allowed");
/// assert_eq!(RefusalReason::MethodNotAllowed.to_string(), "the requested method is not allowed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefusalReason {
    /// `Origin` is well formed but not allowed.
    OriginNotAllowed,
    /// `Origin` is not an origin a browser sends: empty, too long, not ASCII, or several lines.
    InvalidOrigin,
    /// A preflight's `Access-Control-Request-Method` is not allowed, or is not one token.
    MethodNotAllowed,
    /// A preflight's `Access-Control-Request-Headers` names a header that is not allowed.
    HeaderNotAllowed,
    /// A preflight's `Access-Control-Request-Headers` is not a list of header names.
    MalformedRequestHeaders,
    /// A WebSocket handshake (HTTP/1.1 `Upgrade: websocket`, or HTTP/2's extended `CONNECT`)
    /// from an origin the policy refuses: answered 403 whether or not blocking is on (RFC 6455,
    /// section 10.2), unless [`guard_websocket_upgrades(false)`](crate::CorsLayer::guard_websocket_upgrades).
    WebSocketOriginNotAllowed,
    /// Under blocking, a write (not `GET`, `HEAD` or `OPTIONS`) without `Origin` whose
    /// `Sec-Fetch-Site` says `cross-site` or `same-site`: the browser says it comes from another
    /// origin, and without `Origin` no origin can be allowed.
    CrossSiteWithoutOrigin,
}

impl RefusalReason {
    /// The stable code: `origin_not_allowed`, `invalid_origin`, `method_not_allowed`,
    /// `header_not_allowed`, `malformed_request_headers`, `websocket_origin_not_allowed` or
    /// `cross_site_without_origin`.
    ///
    /// ```
    /// assert_eq!(tower_cors::RefusalReason::InvalidOrigin.as_str(), "invalid_origin");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::OriginNotAllowed => "origin_not_allowed",
            RefusalReason::InvalidOrigin => "invalid_origin",
            RefusalReason::MethodNotAllowed => "method_not_allowed",
            RefusalReason::HeaderNotAllowed => "header_not_allowed",
            RefusalReason::MalformedRequestHeaders => "malformed_request_headers",
            RefusalReason::WebSocketOriginNotAllowed => "websocket_origin_not_allowed",
            RefusalReason::CrossSiteWithoutOrigin => "cross_site_without_origin",
        }
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefusalReason::OriginNotAllowed => "the origin is not allowed",
            RefusalReason::InvalidOrigin => "the Origin header is not an origin a browser sends",
            RefusalReason::MethodNotAllowed => "the requested method is not allowed",
            RefusalReason::HeaderNotAllowed => "a requested header is not allowed",
            RefusalReason::MalformedRequestHeaders => "Access-Control-Request-Headers is not a list of header names",
            RefusalReason::WebSocketOriginNotAllowed => "a WebSocket handshake from an origin that is not allowed",
            RefusalReason::CrossSiteWithoutOrigin => "a cross-site write without Origin (Sec-Fetch-Site)",
        })
    }
}

/// How much of an offending request value is ever shown (in the `tracing` event, an
/// explanation, debug mode's answer): attackers choose its size.
const SHOWN_VALUE_CAP: usize = 128;

/// The part of an offending value that is shown, and whether the rest was cut off.
pub(crate) fn shown_part(value: &[u8]) -> (&[u8], bool) {
    (&value[..value.len().min(SHOWN_VALUE_CAP)], value.len() > SHOWN_VALUE_CAP)
}
