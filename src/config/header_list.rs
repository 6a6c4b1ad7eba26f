//! Which request headers a preflight may ask for, and which response headers scripts may read.

use http::HeaderName;

use crate::config::any::Any;

/// Defines a setting that is a list of header names or any name, with its conversions.
macro_rules! header_list {
    ($(#[$doc:meta])* $name:ident, any: $any_doc:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default)]
        pub struct $name {
            pub(crate) any: bool,
            pub(crate) list: Vec<HeaderName>,
        }

        impl $name {
            #[doc = $any_doc]
            pub fn any() -> Self {
                Self { any: true, list: Vec::new() }
            }

            /// Exactly these headers.
            pub fn list<I>(headers: I) -> Self
            where
                I: IntoIterator<Item = HeaderName>,
            {
                Self { any: false, list: headers.into_iter().collect() }
            }
        }

        impl From<Any> for $name {
            fn from(_: Any) -> Self {
                Self::any()
            }
        }

        impl From<HeaderName> for $name {
            fn from(header: HeaderName) -> Self {
                Self::list([header])
            }
        }

        impl<const N: usize> From<[HeaderName; N]> for $name {
            fn from(headers: [HeaderName; N]) -> Self {
                Self::list(headers)
            }
        }

        impl From<Vec<HeaderName>> for $name {
            fn from(headers: Vec<HeaderName>) -> Self {
                Self::list(headers)
            }
        }
    };
}

header_list! {
    /// Which request headers a preflight may ask for. Pass it to
    /// [`CorsLayer::allow_headers`](crate::CorsLayer::allow_headers).
    ///
    /// Names compare case-insensitively. Any header never covers `Authorization`, exactly as the
    /// Fetch Standard's `*` does not: list it to allow it.
    ///
    /// ```
    /// use http::header::{AUTHORIZATION, CONTENT_TYPE};
    /// use tower_cors::{AllowHeaders, Any, CorsLayer};
    ///
    /// let listed = CorsLayer::new().allow_any_origin().allow_headers([CONTENT_TYPE, AUTHORIZATION]);
    /// let any_and_auth = CorsLayer::new().allow_any_origin().allow_headers(AllowHeaders::any_and_authorization());
    /// # listed.validate()?; any_and_auth.validate()?;
    /// # let _ = AllowHeaders::from(Any);
    /// # Ok::<(), tower_cors::ConfigError>(())
    /// ```
    AllowHeaders,
    any: "Any request header except `Authorization`."
}

header_list! {
    /// Which response headers scripts may read, beyond the safelisted ones. Pass it to
    /// [`CorsLayer::expose_headers`](crate::CorsLayer::expose_headers).
    ///
    /// `Cache-Control`, `Content-Language`, `Content-Length`, `Content-Type`, `Expires`,
    /// `Last-Modified` and `Pragma` are always readable; `Set-Cookie` never is.
    ///
    /// ```
    /// use http::HeaderName;
    /// use tower_cors::CorsLayer;
    ///
    /// let cors = CorsLayer::new()
    ///     .allow_any_origin()
    ///     .expose_headers([HeaderName::from_static("x-request-id")]);
    /// # cors.validate()?;
    /// # Ok::<(), tower_cors::ConfigError>(())
    /// ```
    ExposeHeaders,
    any: "Every response header: `*` without credentials, the response's own header names with them."
}

impl AllowHeaders {
    /// Any request header, `Authorization` included, which the Fetch Standard's `*` never
    /// covers: without credentials preflights are answered `*,authorization`.
    pub fn any_and_authorization() -> Self {
        Self { any: true, list: vec![http::header::AUTHORIZATION] }
    }
}

/// `#forbidden-request-header`: names scripts can never set, so allowing them means nothing.
pub(crate) fn is_forbidden_request_header(name: &str) -> bool {
    const FORBIDDEN: &[&str] = &[
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "access-control-request-private-network",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    ];
    FORBIDDEN.contains(&name) || name.starts_with("proxy-") || name.starts_with("sec-")
}

/// `#forbidden-response-header-name`.
pub(crate) fn is_forbidden_response_header(name: &str) -> bool {
    name == "set-cookie" || name == "set-cookie2"
}

/// `#cors-safelisted-response-header-name`: readable without being exposed.
pub(crate) fn is_safelisted_response_header(name: &str) -> bool {
    matches!(
        name,
        "cache-control"
            | "content-language"
            | "content-length"
            | "content-type"
            | "expires"
            | "last-modified"
            | "pragma"
    )
}
