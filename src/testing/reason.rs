//! Why a browser turns a fetch into a network error, in Chromium's words.

use std::fmt;

use http::StatusCode;

/// Why a response fails a CORS check or a preflight check: one variant per message of Chromium's
/// console (`services/network/public/cpp/cors/cors_error_status.cc`), and its `Display` is that
/// message.
///
/// ```
/// use tower_cors::testing::Reason;
///
/// assert_eq!(
///     Reason::Method("DELETE".into()).to_string(),
///     "Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response.",
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// No `Access-Control-Allow-Origin` at all.
    NoAllowOrigin,
    /// `Access-Control-Allow-Origin` holds a list (or several lines, which combine into one).
    MultipleAllowOrigins(String),
    /// `Access-Control-Allow-Origin` is not an origin, `*` or `null`.
    InvalidAllowOrigin(String),
    /// `Access-Control-Allow-Origin` names another origin.
    AllowOriginMismatch(String),
    /// `Access-Control-Allow-Origin: *` on a request with credentials.
    WildcardWithCredentials,
    /// With credentials, `Access-Control-Allow-Credentials` is not exactly `true` (the value, or
    /// empty when absent).
    AllowCredentials(String),
    /// A preflight answered with a status outside 200..=299.
    NotOkStatus(StatusCode),
    /// A preflight answered with a redirect.
    PreflightRedirect,
    /// `Access-Control-Allow-Methods` is not a list of tokens.
    UnparsableAllowMethods,
    /// `Access-Control-Allow-Headers` is not a list of tokens.
    UnparsableAllowHeaders,
    /// The preflight's answer does not grant this method.
    Method(String),
    /// The preflight's answer does not grant this request header (lower-cased).
    Header(String),
}

impl Reason {
    /// Whether this is a failure of the CORS check itself
    /// ([`#cors-check`](https://fetch.spec.whatwg.org/#cors-check): `Access-Control-Allow-Origin`
    /// and `-Credentials`), rather than of the rest of a preflight's answer.
    ///
    /// ```
    /// use tower_cors::testing::Reason;
    ///
    /// assert!(Reason::NoAllowOrigin.is_cors_check());
    /// assert!(!Reason::Header("x-foo".into()).is_cors_check());
    /// ```
    pub fn is_cors_check(&self) -> bool {
        matches!(
            self,
            Self::NoAllowOrigin
                | Self::MultipleAllowOrigins(_)
                | Self::InvalidAllowOrigin(_)
                | Self::AllowOriginMismatch(_)
                | Self::WildcardWithCredentials
                | Self::AllowCredentials(_)
        )
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAllowOrigin => {
                f.write_str("No 'Access-Control-Allow-Origin' header is present on the requested resource.")
            }
            Self::MultipleAllowOrigins(value) => write!(
                f,
                "The 'Access-Control-Allow-Origin' header contains multiple values '{value}', but only one is allowed. \
                 Have the server send the header with a valid value."
            ),
            Self::InvalidAllowOrigin(value) => {
                write!(
                    f,
                    "The 'Access-Control-Allow-Origin' header contains the invalid value '{value}'. Have the server \
                     send the header with a valid value."
                )
            }
            Self::AllowOriginMismatch(value) => write!(
                f,
                "The 'Access-Control-Allow-Origin' header has a value '{value}' that is not equal to the supplied origin. \
                 Have the server send the header with a valid value."
            ),
            Self::WildcardWithCredentials => f.write_str(
                "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' \
                 when the request's credentials mode is 'include'.",
            ),
            Self::AllowCredentials(value) => write!(
                f,
                "The value of the 'Access-Control-Allow-Credentials' header in the response is '{value}' which must be \
                 'true' when the request's credentials mode is 'include'."
            ),
            Self::NotOkStatus(_) => f.write_str("It does not have HTTP ok status."),
            Self::PreflightRedirect => f.write_str("Redirect is not allowed for a preflight request."),
            Self::UnparsableAllowMethods => {
                f.write_str("Cannot parse Access-Control-Allow-Methods response header field in preflight response.")
            }
            Self::UnparsableAllowHeaders => {
                f.write_str("Cannot parse Access-Control-Allow-Headers response header field in preflight response.")
            }
            Self::Method(method) => {
                write!(f, "Method {method} is not allowed by Access-Control-Allow-Methods in preflight response.")
            }
            Self::Header(name) => write!(
                f,
                "Request header field {name} is not allowed by Access-Control-Allow-Headers in preflight response."
            ),
        }
    }
}
