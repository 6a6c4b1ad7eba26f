//! [`CorsConfig`]: a CORS policy as data, for configuration files and the environment.

use std::fmt;
use std::time::Duration;

use http::{HeaderName, Method, StatusCode};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::config::allow_methods::AllowMethods;
use crate::config::error::{ConfigError, ConfigProblem};
use crate::config::header_list::{AllowHeaders, ExposeHeaders};
use crate::service::layer::CorsLayer;

/// A CORS policy as plain data: deserialize it from TOML, JSON, YAML or anything serde reads,
/// then turn it into a [`CorsLayer`] with [`CorsLayer::try_from`], which checks it exactly as
/// [`CorsLayer::validate`] does and reports **every** problem at once, including method and
/// header names that are not even valid HTTP tokens.
///
/// Each field mirrors the builder method of the same name. Unknown fields are rejected, so a
/// misspelt `allow_credential` is an error rather than a silently ignored setting.
///
/// Use a self-describing format (TOML, JSON, YAML, RON, environment variables through `figment`
/// or `config`): the list fields accept a list or one comma-separated string, which only a
/// format that says which it holds can tell apart. Non-self-describing formats such as bincode
/// or postcard are not supported.
///
/// ```
/// use tower_cors::{CorsConfig, CorsLayer};
///
/// let config: CorsConfig = toml::from_str(
///     r#"
///     allow_origins = ["https://app.example.com", "https://*.example.org"]
///     allow_methods = ["PUT", "DELETE"]
///     allow_headers = ["content-type", "authorization"]
///     expose_headers = ["x-request-id"]
///     allow_credentials = true
///     max_age_secs = 3600
///     "#,
/// )?;
/// let cors = CorsLayer::try_from(&config)?;
/// # let _ = cors;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Lists
///
/// `allow_origins`, `allow_methods`, `allow_headers` and `expose_headers` take a list, or a
/// single string of comma-separated items (as environment variables hold them; items are
/// trimmed and empty ones dropped). `"*"` means any:
///
/// - `allow_origins = "*"` is [`allow_any_origin`](CorsLayer::allow_any_origin); `*` next to
///   other origins is an error, as with the builder. An empty list sets no origin policy,
///   which is an error ([`ConfigProblem::NoOriginPolicy`]).
/// - `allow_methods = "*"` is [`allow_any_method`](CorsLayer::allow_any_method). Method names
///   are case-sensitive, as browsers send them: write `PATCH`, not `patch`.
/// - `allow_headers = ["*", "authorization"]` allows any header and also `Authorization`,
///   which `*` never covers ([`allow_any_header`](CorsLayer::allow_any_header)).
/// - `expose_headers = "*"` is [`expose_any_header`](CorsLayer::expose_any_header).
///
/// # Origins from the environment
///
/// Deployments often keep the allowed origins in a variable such as
/// `CORS_ORIGINS=https://a.example,https://b.example`. Split it on commas and put it into the
/// configuration; a malformed entry is reported like any other problem.
///
/// ```
/// use tower_cors::{CorsConfig, CorsLayer};
///
/// # std::env::set_var("CORS_ORIGINS", "https://a.example, https://b.example");
/// let mut config: CorsConfig = toml::from_str(r#"allow_methods = ["PUT"]"#)?;
/// if let Ok(origins) = std::env::var("CORS_ORIGINS") {
///     config.allow_origins = origins.split(',').map(str::trim).map(String::from).collect();
/// }
/// assert_eq!(config.allow_origins, ["https://a.example", "https://b.example"]);
/// let cors = CorsLayer::try_from(config)?;
/// # let _ = cors;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Configuration libraries that map environment variables onto fields (such as `figment` or
/// `config`) hand over a single string, which the comma rule above splits the same way.
///
/// # Errors are collected, not stopped at
///
/// ```
/// use tower_cors::{ConfigProblem, CorsConfig, CorsLayer};
///
/// let config: CorsConfig = serde_json::from_str(
///     r#"{ "allow_origins": "https://App.example.com/", "allow_methods": ["GET POST"], "max_age_secs": 100000 }"#,
/// )?;
/// let error = CorsLayer::try_from(&config).unwrap_err();
/// assert_eq!(error.problems().len(), 3);
/// assert!(error.problems().iter().any(|p| matches!(p, ConfigProblem::InvalidMethod { method, .. } if method == "GET POST")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct CorsConfig {
    /// Exact origins and patterns (`https://*.example.com`, `http://localhost:*`), or `"*"`.
    /// See [`CorsLayer::allow_origins`].
    #[serde(deserialize_with = "list")]
    pub allow_origins: Vec<String>,
    /// Methods besides `GET`, `HEAD` and `POST`, or `"*"`. See [`CorsLayer::allow_methods`].
    #[serde(deserialize_with = "list")]
    pub allow_methods: Vec<String>,
    /// Request header names, `"*"` for any (never `Authorization`, which can be listed next
    /// to it). See [`CorsLayer::allow_headers`].
    #[serde(deserialize_with = "list")]
    pub allow_headers: Vec<String>,
    /// Response header names scripts may read, or `"*"`. See [`CorsLayer::expose_headers`].
    #[serde(deserialize_with = "list")]
    pub expose_headers: Vec<String>,
    /// See [`CorsLayer::allow_credentials`].
    pub allow_credentials: bool,
    /// `Access-Control-Max-Age` in seconds, at most 86,400. See [`CorsLayer::max_age`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age_secs: Option<u64>,
    /// See [`CorsLayer::allow_private_network`].
    pub allow_private_network: bool,
    /// The status of a granted preflight, 204 by default. See [`CorsLayer::preflight_status`].
    pub preflight_status: u16,
    /// See [`CorsLayer::preflight_passthrough`].
    pub preflight_passthrough: bool,
    /// See [`CorsLayer::block_disallowed_origins`].
    pub block_disallowed_origins: bool,
    /// Exact paths whose `POST`s blocking lets through from any origin (OAuth `form_post`, SAML
    /// callbacks). See [`CorsLayer::allow_cross_origin_posts_to`].
    #[serde(deserialize_with = "list")]
    pub allow_cross_origin_posts_to: Vec<String>,
    /// WebSocket handshakes from refused origins answered 403: `true` by default. See
    /// [`CorsLayer::guard_websocket_upgrades`].
    pub guard_websocket_upgrades: bool,
    /// See [`CorsLayer::dangerously_allow_null_origin`].
    pub dangerously_allow_null_origin: bool,
    /// See [`CorsLayer::dangerously_allow_insecure_origins_with_credentials`].
    pub dangerously_allow_insecure_origins_with_credentials: bool,
    /// See [`CorsLayer::debug`]: for a development configuration only.
    pub debug: bool,
}

impl Default for CorsConfig {
    /// The same settings as [`CorsLayer::new`]: nothing allowed yet, preflights answered 204.
    fn default() -> Self {
        Self {
            allow_origins: Vec::new(),
            allow_methods: Vec::new(),
            allow_headers: Vec::new(),
            expose_headers: Vec::new(),
            allow_credentials: false,
            max_age_secs: None,
            allow_private_network: false,
            preflight_status: StatusCode::NO_CONTENT.as_u16(),
            preflight_passthrough: false,
            block_disallowed_origins: false,
            allow_cross_origin_posts_to: Vec::new(),
            guard_websocket_upgrades: true,
            dangerously_allow_null_origin: false,
            dangerously_allow_insecure_origins_with_credentials: false,
            debug: false,
        }
    }
}

impl TryFrom<&CorsConfig> for CorsLayer {
    type Error = ConfigError;

    /// Builds and validates the layer.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] with every problem: those [`CorsLayer::validate`] finds, and the
    /// entries that could not even be converted ([`ConfigProblem::InvalidMethod`],
    /// [`ConfigProblem::InvalidHeaderName`], a preflight status outside 100..=999).
    fn try_from(config: &CorsConfig) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let mut layer = Self::new();
        match config.allow_origins.as_slice() {
            [] => {}
            [any] if any == "*" => layer = layer.allow_any_origin(),
            origins => layer = layer.allow_origins(origins),
        }

        let (any, methods) = split_any(&config.allow_methods);
        let methods = methods.filter_map(|method| match Method::from_bytes(method.as_bytes()) {
            Ok(method) => Some(method),
            Err(_) => {
                problems.push(ConfigProblem::InvalidMethod { method: method.to_owned() });
                None
            }
        });
        let methods = AllowMethods { any, list: methods.collect() };

        let (any, names) = split_any(&config.allow_headers);
        let headers = AllowHeaders { any, list: header_names(names, &mut problems) };
        let (any, names) = split_any(&config.expose_headers);
        let expose = ExposeHeaders { any, list: header_names(names, &mut problems) };

        layer = layer
            .allow_credentials(config.allow_credentials)
            .allow_private_network(config.allow_private_network)
            .preflight_passthrough(config.preflight_passthrough)
            .block_disallowed_origins(config.block_disallowed_origins)
            .allow_cross_origin_posts_to(&config.allow_cross_origin_posts_to)
            .guard_websocket_upgrades(config.guard_websocket_upgrades)
            .dangerously_allow_null_origin(config.dangerously_allow_null_origin)
            .dangerously_allow_insecure_origins_with_credentials(
                config.dangerously_allow_insecure_origins_with_credentials,
            )
            .debug(config.debug);
        // A file says "any" and the list in one place (`["*", "authorization"]`), which no
        // single setter call spells.
        layer = layer.allow_methods(methods).allow_headers(headers).expose_headers(expose);
        if let Some(seconds) = config.max_age_secs {
            layer = layer.max_age(Duration::from_secs(seconds));
        }
        match StatusCode::from_u16(config.preflight_status) {
            Ok(status) => layer = layer.preflight_status(status),
            Err(_) => problems.push(ConfigProblem::PreflightStatusNotSuccess { status: config.preflight_status }),
        }

        layer.settings.extra_problems = problems;
        layer.validate()?;
        Ok(layer)
    }
}

impl TryFrom<CorsConfig> for CorsLayer {
    type Error = ConfigError;

    /// Same as `CorsLayer::try_from(&config)`.
    fn try_from(config: CorsConfig) -> Result<Self, ConfigError> {
        Self::try_from(&config)
    }
}

/// Whether the list holds `*`, and its other entries.
fn split_any(list: &[String]) -> (bool, impl Iterator<Item = &str>) {
    (list.iter().any(|item| item == "*"), list.iter().map(String::as_str).filter(|item| *item != "*"))
}

fn header_names<'a>(names: impl Iterator<Item = &'a str>, problems: &mut Vec<ConfigProblem>) -> Vec<HeaderName> {
    names
        .filter_map(|name| match HeaderName::from_bytes(name.as_bytes()) {
            Ok(name) => Some(name),
            Err(_) => {
                problems.push(ConfigProblem::InvalidHeaderName { name: name.to_owned() });
                None
            }
        })
        .collect()
}

/// A list of strings, or one string of comma-separated items.
fn list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    struct List;

    impl<'de> Visitor<'de> for List {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of strings, or one string of comma-separated items")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
            Ok(value.split(',').map(str::trim).filter(|item| !item.is_empty()).map(String::from).collect())
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
            while let Some(item) = seq.next_element::<String>()? {
                items.push(item);
            }
            Ok(items)
        }
    }

    deserializer.deserialize_any(List)
}
