//! Private Network Access (legacy): whether preflights may reach a more private network.

use std::fmt;
use std::sync::Arc;

use http::request::Parts;
use http::HeaderValue;

type Predicate = dyn Fn(&HeaderValue, &Parts) -> bool + Send + Sync;

/// Whether a preflight carrying `Access-Control-Request-Private-Network: true` is answered with
/// `Access-Control-Allow-Private-Network: true`. Pass it to
/// [`CorsLayer::allow_private_network`](crate::CorsLayer::allow_private_network).
///
/// # Legacy: Private Network Access is gone
///
/// Chrome sent these preflights (Private Network Access) while it experimented with them, then
/// put them on hold and, in Chrome 142 (2025), shipped **Local Network Access** instead: a page
/// on the public internet that fetches from a local-network or loopback address needs the
/// *user's* permission, asked for by a prompt, and the `Access-Control-*-Private-Network` headers
/// no longer grant anything. Firefox is rolling out the same kind of permission prompt; it never
/// sent Private Network Access preflights, and neither did Safari. This setting stays for older
/// Chromium builds that still send them, and costs nothing when they do not.
///
/// For a server on a local network or on the user's machine (a device's web interface, a local
/// agent, a development server) that public pages call:
///
/// - the page must be a secure context (served over HTTPS): only those may ask for the
///   permission;
/// - the user grants the page the permission at the prompt; a page cannot grant it itself, so
///   handle a refusal (the fetch fails like a network error);
/// - `fetch(url, { targetAddressSpace: "local" })` (or `"loopback"` for `localhost`, `127.0.0.1`
///   and `[::1]`; Chrome 142 tells the two apart) tells Chrome the target is local ahead of time,
///   which also lets an HTTPS page reach a plain-`http` device without a mixed-content error;
/// - an iframe needs the permission delegated by its embedder's Permissions Policy;
/// - CORS itself still applies as before: this layer's origin, method and header rules.
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
