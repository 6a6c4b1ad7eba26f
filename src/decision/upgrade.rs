//! Whether a request is a WebSocket handshake, in either of the two forms axum 0.8 serves.
//!
//! - HTTP/1.1 (RFC 6455, section 4.1): `GET` with `Upgrade: websocket`. axum reads a `GET` of
//!   an older version the same way, so those are guarded too; in HTTP/2 and HTTP/3 a `GET`
//!   cannot carry `Upgrade` (a connection-specific header: RFC 9113, section 8.2.2), so theirs
//!   are not even looked at.
//! - HTTP/2 (RFC 8441, section 4): an extended `CONNECT` whose `:protocol` pseudo-header is
//!   `websocket`. The `http` crate has no field for `:protocol`: hyper hands it over as a request
//!   extension of its own type, which this crate cannot name without depending on hyper. What
//!   the request does carry is `Sec-WebSocket-Version` (RFC 8441, section 5), which axum's
//!   `WebSocketUpgrade` requires on both forms: a `CONNECT` with it is taken for a handshake.
//!   Browsers never send `CONNECT` from script (a forbidden method), so a `CONNECT` with `Origin`
//!   and that header is a browser's WebSocket, never a proxy tunnel.
//!
//! Read only for a request whose origin is refused, so that no other request pays for it.

use http::header::{SEC_WEBSOCKET_VERSION, UPGRADE};
use http::{HeaderName, Method, Version};

use crate::decision::head::RequestHead;

/// Whether `request` opens a WebSocket. Out of line, so that what asks it stays small enough
/// to be inlined.
#[inline(never)]
pub(crate) fn is_websocket_handshake(request: &impl RequestHead) -> bool {
    let headers = request.headers();
    match *request.method() {
        // One lookup: the request line's `Upgrade`, a list of protocols (RFC 9110, section 7.8)
        // in any case; axum reads its first line too.
        Method::GET if request.version() <= Version::HTTP_11 => {
            headers.get(&UPGRADE_NAME).is_some_and(|line| names_websocket(line.as_bytes()))
        }
        Method::CONNECT => headers.contains_key(SEC_WEBSOCKET_VERSION),
        _ => false,
    }
}

/// `Upgrade`, as a static: looking up the `const` builds a temporary each time.
static UPGRADE_NAME: HeaderName = UPGRADE;

/// Whether a list of protocols holds `websocket`. Out of line: only handshakes get here.
#[inline(never)]
fn names_websocket(protocols: &[u8]) -> bool {
    protocols.split(|&b| b == b',').any(|token| token.trim_ascii().eq_ignore_ascii_case(b"websocket"))
}
