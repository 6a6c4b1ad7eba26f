//! Why a fetch failed, in the browser's words.

use std::fmt;

use super::Reason;

/// Why `fetch()` rejected with a `TypeError` and the script read nothing: its `Display` is the
/// part of Chromium's console line after "has been blocked by CORS policy: " (or the
/// `TypeError`'s message).
///
/// ```
/// use tower_cors::testing::{Blocked, Reason};
///
/// let blocked = Blocked::Preflight(Reason::NoAllowOrigin);
/// assert_eq!(
///     blocked.to_string(),
///     "Response to preflight request doesn't pass access control check: \
///      No 'Access-Control-Allow-Origin' header is present on the requested resource.",
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Blocked {
    /// `fetch()` refused the request before sending anything: a forbidden method (`CONNECT`,
    /// `TRACE`, `TRACK`) or a URL it cannot fetch. The message is the `TypeError`'s.
    Rejected(String),
    /// The preflight's answer failed a check: the actual request was never sent.
    Preflight(Reason),
    /// The actual response failed the CORS check: the request reached the server, and the
    /// browser withheld its response from the script.
    Response(Reason),
    /// The service (or the response body) failed, which a browser sees as a network error
    /// (`TypeError: Failed to fetch`); the message is the service's error.
    Network(String),
}

impl Blocked {
    /// The reason of a CORS failure (a preflight's or the response's), `None` otherwise.
    ///
    /// ```
    /// use tower_cors::testing::{Blocked, Reason};
    ///
    /// assert_eq!(Blocked::Response(Reason::NoAllowOrigin).reason(), Some(&Reason::NoAllowOrigin));
    /// assert_eq!(Blocked::Network("connection reset".into()).reason(), None);
    /// ```
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            Self::Preflight(reason) | Self::Response(reason) => Some(reason),
            Self::Rejected(_) | Self::Network(_) => None,
        }
    }
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected(message) => write!(f, "TypeError: Failed to execute 'fetch' on 'Window': {message}"),
            // Chromium prefixes only the preflight's access check (its `Access-Control-Allow-*`
            // origin and credentials, and its status); the method, header, list and redirect
            // checks speak for themselves (measured in Chromium 156 by integration/tests/browser.rs).
            Self::Preflight(
                reason @ (Reason::PreflightRedirect
                | Reason::UnparsableAllowMethods
                | Reason::UnparsableAllowHeaders
                | Reason::Method(_)
                | Reason::Header(_)),
            ) => write!(f, "{reason}"),
            Self::Preflight(reason) => {
                write!(f, "Response to preflight request doesn't pass access control check: {reason}")
            }
            Self::Response(reason) => write!(f, "{reason}"),
            Self::Network(error) => write!(f, "TypeError: Failed to fetch (the service failed: {error})"),
        }
    }
}
