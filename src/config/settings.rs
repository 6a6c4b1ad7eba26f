//! The configuration as the builder holds it: plain values, not yet validated.
//!
//! [`CorsLayer`](crate::CorsLayer) owns one and [`Policy::compile`](crate::policy::rules::Policy)
//! reads one, so that the compiled policy never depends on the builder.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::config::allow_methods::AllowMethods;
use crate::config::allow_origin::AllowOrigin;
use crate::config::error::ConfigProblem;
use crate::config::header_list::{AllowHeaders, ExposeHeaders};
use crate::config::private_network::AllowPrivateNetwork;

/// Every setting of a CORS policy.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) origin: AllowOrigin,
    pub(crate) allow_null: bool,
    pub(crate) allow_insecure: bool,
    pub(crate) methods: AllowMethods,
    pub(crate) headers: AllowHeaders,
    pub(crate) expose: ExposeHeaders,
    pub(crate) credentials: bool,
    pub(crate) max_age: Option<Duration>,
    pub(crate) private_network: AllowPrivateNetwork,
    pub(crate) preflight_status: StatusCode,
    pub(crate) passthrough: bool,
    pub(crate) block: bool,
    /// WebSocket handshakes from refused origins answered 403, blocking or not.
    pub(crate) guard_upgrades: bool,
    /// Exact paths whose `POST`s blocking lets through from any origin (callbacks of OAuth
    /// `form_post`, SAML's POST binding, 3-D Secure).
    pub(crate) exempt_posts: Vec<String>,
    /// Debug mode: refusals explained to the browser and in the log. Never in production.
    pub(crate) debug: bool,
    /// Problems found while converting input (e.g. from a config file) before validation.
    pub(crate) extra_problems: Vec<ConfigProblem>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            origin: AllowOrigin::unset(),
            allow_null: false,
            allow_insecure: false,
            methods: AllowMethods::default(),
            headers: AllowHeaders::default(),
            expose: ExposeHeaders::default(),
            credentials: false,
            max_age: None,
            private_network: AllowPrivateNetwork::default(),
            preflight_status: StatusCode::NO_CONTENT,
            passthrough: false,
            block: false,
            guard_upgrades: true,
            exempt_posts: Vec::new(),
            debug: false,
            extra_problems: Vec::new(),
        }
    }
}

impl Settings {
    /// Every setting, named after its builder method, the dangerous opt-ins and private network
    /// first: an auditor reads the active policy from one log line. The `Debug` of
    /// [`CorsLayer`](crate::CorsLayer), [`Cors`](crate::Cors), `ReloadLayer` and `ReloadHandle`
    /// all start with it (each adding its own fields after these), so a new setting is added here
    /// once.
    pub(crate) fn debug_struct<'a, 'b>(&self, f: &'a mut fmt::Formatter<'b>, name: &str) -> fmt::DebugStruct<'a, 'b> {
        let mut d = f.debug_struct(name);
        d.field("dangerously_allow_null_origin", &self.allow_null)
            .field("dangerously_allow_insecure_origins_with_credentials", &self.allow_insecure)
            // Discloses part of the policy to anyone who asks: for development only.
            .field("debug", &self.debug)
            .field("allow_private_network", &self.private_network)
            .field("allow_origin", &self.origin)
            .field("allow_credentials", &self.credentials)
            .field("allow_methods", &self.methods)
            .field("allow_headers", &self.headers)
            .field("expose_headers", &self.expose)
            .field("max_age", &self.max_age)
            .field("preflight_status", &self.preflight_status)
            .field("preflight_passthrough", &self.passthrough)
            .field("block_disallowed_origins", &self.block)
            .field("allow_cross_origin_posts_to", &self.exempt_posts)
            .field("guard_websocket_upgrades", &self.guard_upgrades);
        d
    }
}
