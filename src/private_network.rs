//! Private Network Access: whether preflights may reach a more private network.

use std::fmt;
use std::sync::Arc;

use http::request::Parts;
use http::HeaderValue;

type Predicate = dyn Fn(&HeaderValue, &Parts) -> bool + Send + Sync;

/// Whether a preflight carrying `Access-Control-Request-Private-Network: true` is answered with
/// `Access-Control-Allow-Private-Network: true`. Pass it to
/// [`CorsLayer::allow_private_network`](crate::CorsLayer::allow_private_network).
///
/// Chromium has put Private Network Access on hold in favour of a permission prompt; this stays
/// a small opt-in for the versions that still send the header.
///
/// ```
/// use tower_cors::{AllowPrivateNetwork, CorsLayer};
///
/// let always = CorsLayer::new().allow_any_origin().allow_private_network(true);
/// let some = CorsLayer::new()
///     .allow_any_origin()
///     .allow_private_network(AllowPrivateNetwork::predicate(|origin, _| origin == "https://intranet.example"));
/// # always.validate()?; some.validate()?;
/// # Ok::<(), tower_cors::ConfigError>(())
/// ```
#[derive(Clone, Default)]
pub struct AllowPrivateNetwork(pub(crate) Option<Arc<Predicate>>);

impl AllowPrivateNetwork {
    /// Decide per origin and request.
    pub fn predicate<F>(f: F) -> Self
    where
        F: Fn(&HeaderValue, &Parts) -> bool + Send + Sync + 'static,
    {
        Self(Some(Arc::new(f)))
    }

    pub(crate) fn allows(&self, origin: &HeaderValue, parts: &Parts) -> bool {
        self.0.as_ref().is_some_and(|f| f(origin, parts))
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.0.is_some()
    }
}

impl From<bool> for AllowPrivateNetwork {
    fn from(allow: bool) -> Self {
        if allow {
            Self::predicate(|_, _| true)
        } else {
            Self(None)
        }
    }
}

impl fmt::Debug for AllowPrivateNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "AllowPrivateNetwork(..)" } else { "AllowPrivateNetwork(false)" })
    }
}
