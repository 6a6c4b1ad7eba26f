//! The configuration as the builder holds it: plain values, not yet validated.
//!
//! [`CorsLayer`](crate::CorsLayer) owns one and [`Policy::compile`](crate::policy::Policy)
//! reads one, so that the compiled policy never depends on the builder.

use std::time::Duration;

use http::StatusCode;

use crate::allow_methods::AllowMethods;
use crate::allow_origin::AllowOrigin;
use crate::error::ConfigProblem;
use crate::header_list::{AllowHeaders, ExposeHeaders};
use crate::private_network::AllowPrivateNetwork;

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
            extra_problems: Vec::new(),
        }
    }
}
