//! Which methods a preflight may ask for.

use http::Method;

use crate::config::any::Any;

/// Which methods a preflight may ask for. Pass it to [`CorsLayer::allow_methods`](crate::CorsLayer::allow_methods).
///
/// `GET`, `HEAD` and `POST` are CORS-safelisted and always allowed. Method names are
/// case-sensitive, as browsers upper-case only `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST` and
/// `PUT`: `Method::PATCH` allows `PATCH`, not `patch`.
///
/// ```
/// use http::Method;
/// use tower_cors::{AllowMethods, CorsLayer};
///
/// let cors = CorsLayer::new()
///     .allow_any_origin()
///     .allow_methods([Method::PUT, Method::DELETE]);
/// # cors.validate()?;
/// let also = AllowMethods::from(Method::PATCH);
/// # let _ = also;
/// # Ok::<(), tower_cors::ConfigError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct AllowMethods {
    pub(crate) any: bool,
    pub(crate) list: Vec<Method>,
}

impl AllowMethods {
    /// Any method a browser can send (`CONNECT`, `TRACE` and `TRACK` never are).
    pub fn any() -> Self {
        Self { any: true, list: Vec::new() }
    }

    /// Exactly these methods, besides the safelisted ones.
    pub fn list<I>(methods: I) -> Self
    where
        I: IntoIterator<Item = Method>,
    {
        Self { any: false, list: methods.into_iter().collect() }
    }
}

impl From<Any> for AllowMethods {
    fn from(_: Any) -> Self {
        Self::any()
    }
}

impl From<Method> for AllowMethods {
    fn from(method: Method) -> Self {
        Self::list([method])
    }
}

impl<const N: usize> From<[Method; N]> for AllowMethods {
    fn from(methods: [Method; N]) -> Self {
        Self::list(methods)
    }
}

impl From<Vec<Method>> for AllowMethods {
    fn from(methods: Vec<Method>) -> Self {
        Self::list(methods)
    }
}

/// `#forbidden-method`: browsers refuse to send these at all.
pub(crate) fn is_forbidden_method(method: &str) -> bool {
    ["CONNECT", "TRACE", "TRACK"].iter().any(|m| m.eq_ignore_ascii_case(method))
}

/// `#cors-safelisted-method`.
pub(crate) fn is_safelisted_method(method: &[u8]) -> bool {
    matches!(method, b"GET" | b"HEAD" | b"POST")
}
