//! The compiled policy: a validated configuration with every constant header value built once.

use std::sync::Arc;

use http::header::{ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, AUTHORIZATION, ORIGIN, VARY};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use crate::config::allow_methods::is_forbidden_method;
use crate::config::allow_origin::{AsyncCheck, OriginKind, OriginPolicy};
use crate::config::error::{ConfigError, ConfigProblem};
use crate::config::header_list::{is_forbidden_request_header, is_forbidden_response_header};
use crate::config::origin::parse_origin;
use crate::config::private_network::AllowPrivateNetwork;
use crate::config::settings::Settings;
use crate::policy::origin_matcher::OriginMatcher;
use crate::policy::request_headers::HeaderRule;

/// `Access-Control-Request-Private-Network`, which `http` does not name.
pub(crate) const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");
/// `Access-Control-Allow-Private-Network`, which `http` does not name.
pub(crate) const ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

/// The longest `max_age` any browser honours (Firefox); Chromium caps at 7,200 s.
pub(crate) const MAX_AGE_LIMIT_SECS: u64 = 86_400;

/// An immutable, validated policy shared by every clone of a [`Cors`](crate::Cors) service.
pub(crate) struct Policy {
    pub(crate) origin: OriginRule,
    pub(crate) allow_null: bool,
    pub(crate) credentials: bool,
    pub(crate) any_method: bool,
    /// The allowed methods' names as ready `Access-Control-Allow-Methods` values.
    pub(crate) methods: Vec<HeaderValue>,
    pub(crate) headers: HeaderRule,
    /// `*` or `*,authorization`, sent for any header without credentials.
    pub(crate) any_headers_value: HeaderValue,
    pub(crate) expose: ExposeRule,
    pub(crate) max_age: Option<HeaderValue>,
    pub(crate) private_network: AllowPrivateNetwork,
    pub(crate) preflight_status: StatusCode,
    pub(crate) passthrough: bool,
    pub(crate) block: bool,
    /// WebSocket handshakes from refused origins are answered 403, blocking or not.
    pub(crate) guard_upgrades: bool,
    /// Exact paths whose `POST`s blocking lets through from any origin, without a grant.
    pub(crate) exempt_posts: Box<[Box<[u8]>]>,
    /// Debug mode: see [`CorsLayer::debug`](crate::CorsLayer::debug).
    pub(crate) debug: bool,
    /// `Vary` for responses to non-preflight requests.
    pub(crate) vary: VaryList,
    /// `Vary` for preflight responses.
    pub(crate) preflight_vary: VaryList,
    /// Whether deciding may call a user callback, which takes the request as `Parts`; the
    /// others are decided on the request as it is, without taking it apart.
    pub(crate) needs_parts: bool,
}

pub(crate) enum OriginRule {
    Any,
    List(OriginMatcher),
    Policy(Arc<dyn OriginPolicy>),
    Async(Arc<AsyncCheck>),
}

pub(crate) enum ExposeRule {
    Nothing,
    List { value: HeaderValue, names: Vec<HeaderName> },
    Any,
}

/// Names a response must vary on, and the same names joined into one value.
pub(crate) struct VaryList {
    pub(crate) value: HeaderValue,
    pub(crate) names: Vec<HeaderName>,
    /// A map holding `Vary` and nothing else, for the layer's own refusals to clone.
    pub(crate) alone: HeaderMap,
}

impl VaryList {
    fn new(names: Vec<HeaderName>) -> Self {
        let unique = unique(names);
        let joined = join_names(&unique);
        // A static value is copied per response, a built one reference-counted.
        let value =
            COMMON_VARY.iter().find(|common| joined == **common).map_or(joined, |c| HeaderValue::from_static(c));
        let alone = HeaderMap::from_iter([(VARY, value.clone())]);
        Self { value, names: unique, alone }
    }
}

/// The names in their first order, each once. Configured lists are short.
fn unique(names: impl IntoIterator<Item = HeaderName>) -> Vec<HeaderName> {
    let mut unique: Vec<HeaderName> = Vec::new();
    for name in names {
        if !unique.contains(&name) {
            unique.push(name);
        }
    }
    unique
}

/// The upper-case spelling browsers send for a method they normalize, if `method` is one of
/// those six in another case.
fn normalized_method(method: &str) -> Option<&'static str> {
    ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]
        .into_iter()
        .find(|normal| normal.eq_ignore_ascii_case(method) && *normal != method)
}

/// The `Vary` values of the usual policies.
const COMMON_VARY: [&str; 4] = [
    "origin",
    "access-control-request-method, access-control-request-headers",
    "origin, access-control-request-method, access-control-request-headers",
    "origin, access-control-request-method, access-control-request-headers, access-control-request-private-network",
];

/// A method's name as a header value: static for the standard methods, so that granting one
/// copies a pointer rather than counting a reference shared with every other request.
fn method_value(method: &Method) -> HeaderValue {
    const STANDARD: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"];
    match STANDARD.iter().find(|name| **name == method.as_str()) {
        Some(name) => HeaderValue::from_static(name),
        // A method is a token, which is always a valid value.
        None => HeaderValue::from_str(method.as_str()).unwrap_or(HeaderValue::from_static("")),
    }
}

/// Joins header names with `, `; header names always make a valid value.
pub(crate) fn join_names<'a>(names: impl IntoIterator<Item = &'a HeaderName>) -> HeaderValue {
    let joined = names.into_iter().map(HeaderName::as_str).collect::<Vec<_>>().join(", ");
    HeaderValue::try_from(joined).unwrap_or(HeaderValue::from_static(""))
}

impl Policy {
    /// Validates the whole configuration, collecting every problem before giving up.
    pub(crate) fn compile(config: &Settings) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let origin = compile_origin(config, &mut problems);

        for method in &config.methods.list {
            if is_forbidden_method(method.as_str()) {
                problems.push(ConfigProblem::ForbiddenMethod { method: method.to_string() });
            } else if let Some(normalized) = normalized_method(method.as_str()) {
                // `#concept-method-normalize`: browsers upper-case these six, so the lower-case
                // spelling is never what a preflight asks for.
                problems.push(ConfigProblem::MethodNeverSent {
                    method: method.to_string(),
                    suggestion: normalized.to_owned(),
                });
            }
        }
        for name in &config.headers.list {
            if is_forbidden_request_header(name.as_str()) {
                problems.push(ConfigProblem::ForbiddenRequestHeader { name: name.to_string() });
            }
        }
        for name in &config.expose.list {
            if is_forbidden_response_header(name.as_str()) {
                problems.push(ConfigProblem::ForbiddenExposedHeader { name: name.to_string() });
            }
        }
        let max_age = config.max_age.map(|age| age.as_secs());
        if let Some(seconds) = max_age.filter(|&s| s > MAX_AGE_LIMIT_SECS) {
            problems.push(ConfigProblem::MaxAgeTooLong { seconds });
        }
        if !config.preflight_status.is_success() {
            problems.push(ConfigProblem::PreflightStatusNotSuccess { status: config.preflight_status.as_u16() });
        }
        if config.passthrough && config.preflight_status != StatusCode::NO_CONTENT {
            // The inner service answers passed-through preflights, with a status of its own.
            problems.push(ConfigProblem::PreflightStatusWithPassthrough { status: config.preflight_status.as_u16() });
        }
        for path in &config.exempt_posts {
            if !is_exact_path(path) {
                problems.push(ConfigProblem::InvalidExemptPath { path: path.clone() });
            }
        }
        problems.extend(config.extra_problems.iter().cloned());

        let Some(origin) = origin.filter(|_| problems.is_empty()) else {
            return Err(ConfigError::new(problems));
        };

        let expose = if config.expose.any {
            ExposeRule::Any
        } else if config.expose.list.is_empty() {
            ExposeRule::Nothing
        } else {
            // Header names are lower case already, so equal names are equal bytes.
            let names = unique(config.expose.list.iter().cloned());
            ExposeRule::List { value: join_names(&names), names }
        };
        let authorization_listed = config.headers.list.contains(&AUTHORIZATION);
        let any_headers_value = HeaderValue::from_static(if authorization_listed { "*,authorization" } else { "*" });

        // Under any origin the answer does not depend on `Origin` (`*` is not an echo), so
        // caches need not keep a copy per origin; a private network predicate still reads it.
        let any_origin = matches!(origin, OriginRule::Any);
        let mut vary = if any_origin { Vec::new() } else { vec![ORIGIN] };
        vary.extend(config.origin.vary.iter().cloned());
        if let OriginKind::Policy(custom) = &config.origin.kind {
            vary.extend(custom.vary());
        }
        let mut preflight_vary = vary.clone();
        if any_origin && config.private_network.needs_parts() {
            preflight_vary.push(ORIGIN);
        }
        preflight_vary.extend([ACCESS_CONTROL_REQUEST_METHOD, ACCESS_CONTROL_REQUEST_HEADERS]);
        if config.private_network.is_enabled() {
            preflight_vary.push(ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK);
        }

        let needs_parts =
            matches!(origin, OriginRule::Policy(_) | OriginRule::Async(_)) || config.private_network.needs_parts();
        Ok(Self {
            needs_parts,
            origin,
            allow_null: config.allow_null,
            credentials: config.credentials,
            any_method: config.methods.any,
            methods: config.methods.list.iter().map(method_value).collect(),
            headers: HeaderRule::new(config.headers.any, &config.headers.list),
            any_headers_value,
            expose,
            max_age: max_age.map(HeaderValue::from),
            private_network: config.private_network.clone(),
            preflight_status: config.preflight_status,
            debug: config.debug,
            passthrough: config.passthrough,
            block: config.block,
            guard_upgrades: config.guard_upgrades,
            exempt_posts: config.exempt_posts.iter().map(|path| path.as_bytes().into()).collect(),
            vary: VaryList::new(vary),
            preflight_vary: VaryList::new(preflight_vary),
        })
    }
}

impl Policy {
    /// Whether blocking lets this request through from any origin: a `POST` to a path listed in
    /// [`allow_cross_origin_posts_to`](crate::CorsLayer::allow_cross_origin_posts_to), compared
    /// byte for byte (no prefix, no normalization: `/auth/callback/` is another path).
    pub(crate) fn is_exempt(&self, method: &Method, path: &str) -> bool {
        *method == Method::POST && self.exempt_posts.iter().any(|exempt| **exempt == *path.as_bytes())
    }
}

/// A path as a request line carries it: `/`, then visible ASCII without `?` or `#` (a query or a
/// fragment is not part of the path compared).
fn is_exact_path(path: &str) -> bool {
    path.starts_with('/') && path.bytes().all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#')
}

fn compile_origin(config: &Settings, problems: &mut Vec<ConfigProblem>) -> Option<OriginRule> {
    match &config.origin.kind {
        OriginKind::Unset => {
            problems.push(ConfigProblem::NoOriginPolicy);
            None
        }
        // An empty list could never grant anything: as likely a missing environment variable as
        // an intent, so it is reported like no setting at all.
        OriginKind::List(list) if list.is_empty() => {
            problems.push(ConfigProblem::NoOriginPolicy);
            None
        }
        OriginKind::Any => {
            if config.credentials {
                problems.push(ConfigProblem::CredentialsWithAnyOrigin);
            }
            Some(OriginRule::Any)
        }
        _ if config.credentials && config.allow_null => {
            // Any page can send `null` (a sandboxed iframe), so this is credentials with any
            // origin by another name.
            problems.push(ConfigProblem::CredentialsWithNullOrigin);
            compile_origin_kind(config, problems)
        }
        _ => compile_origin_kind(config, problems),
    }
}

fn compile_origin_kind(config: &Settings, problems: &mut Vec<ConfigProblem>) -> Option<OriginRule> {
    match &config.origin.kind {
        OriginKind::Unset | OriginKind::Any => None,
        OriginKind::None => Some(OriginRule::List(OriginMatcher::new([]))),
        OriginKind::Policy(policy) => Some(OriginRule::Policy(Arc::clone(policy))),
        OriginKind::Async(check) => Some(OriginRule::Async(Arc::clone(check))),
        OriginKind::List(list) => {
            let mut specs = Vec::with_capacity(list.len());
            for raw in list {
                match raw.as_slice() {
                    // `null` is granted by the opt-in itself, not by the list.
                    b"null" if config.allow_null => {}
                    b"null" => problems.push(ConfigProblem::NullOriginInList),
                    b"*" => problems.push(ConfigProblem::WildcardInList),
                    _ => match parse_origin(raw) {
                        Ok(spec) => {
                            if config.credentials && !config.allow_insecure && spec.is_insecure() {
                                problems.push(ConfigProblem::CredentialsWithInsecureOrigin {
                                    origin: String::from_utf8_lossy(raw).into_owned(),
                                });
                            }
                            specs.push(spec);
                        }
                        Err(reason) => problems.push(ConfigProblem::InvalidOrigin {
                            origin: String::from_utf8_lossy(raw).into_owned(),
                            reason,
                        }),
                    },
                }
            }
            Some(OriginRule::List(OriginMatcher::new(specs)))
        }
    }
}
