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
pub struct AllowPrivateNetwork(Rule);

#[derive(Clone, Default)]
enum Rule {
    #[default]
    Never,
    Always,
    Predicate(Arc<Predicate>),
}

impl AllowPrivateNetwork {
    /// Decide per origin and request.
    pub fn predicate<F>(f: F) -> Self
    where
        F: Fn(&HeaderValue, &Parts) -> bool + Send + Sync + 'static,
    {
        Self(Rule::Predicate(Arc::new(f)))
    }

    /// `parts` is `None` only where [`needs_parts`](Self::needs_parts) said they were not needed.
    pub(crate) fn allows(&self, origin: &HeaderValue, parts: Option<&Parts>) -> bool {
        match &self.0 {
            Rule::Never => false,
            Rule::Always => true,
            Rule::Predicate(f) => parts.is_some_and(|parts| f(origin, parts)),
        }
    }

    pub(crate) fn is_enabled(&self) -> bool {
        !matches!(self.0, Rule::Never)
    }

    /// Whether deciding calls a user predicate, which takes the request as `Parts`.
    pub(crate) fn needs_parts(&self) -> bool {
        matches!(self.0, Rule::Predicate(_))
    }
}

impl From<bool> for AllowPrivateNetwork {
    fn from(allow: bool) -> Self {
        Self(if allow { Rule::Always } else { Rule::Never })
    }
}

impl fmt::Debug for AllowPrivateNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Rule::Never => "AllowPrivateNetwork(false)",
            Rule::Always => "AllowPrivateNetwork(true)",
            Rule::Predicate(_) => "AllowPrivateNetwork(..)",
        })
    }
}
