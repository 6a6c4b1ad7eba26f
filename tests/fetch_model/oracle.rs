//! What a configuration *says*: an independent, deliberately naive statement of the policy the
//! layer is configured with, used as the expected side of the model tests and fuzz targets.
//!
//! It restates the documented behaviour of `CorsLayer` (exact origins compared byte for byte,
//! `*.` patterns matching one or more whole labels, `:*` any canonical port, `null` only on
//! opt-in, safelisted methods always allowed, `CONNECT`/`TRACE`/`TRACK` never, any-header never
//! covering `authorization`, the request-headers junk bounds) without sharing code with it.

use http::Method;

/// The documented bound on `Access-Control-Request-Headers`, all lines together.
pub const MAX_REQUEST_HEADERS_BYTES: usize = 4096;
/// The documented bound on empty list elements in `Access-Control-Request-Headers`.
pub const MAX_EMPTY_ELEMENTS: usize = 16;
/// The documented bound on an `Origin` value.
pub const MAX_ORIGIN_LEN: usize = 512;

/// The origin part of a configuration.
#[derive(Clone, Debug)]
pub enum Origins {
    Any,
    /// `AllowOrigin::none()`: no origin, on purpose (only `null` under its opt-in).
    None,
    /// Exact origins and patterns, as given to `allow_origins`.
    List(Vec<String>),
}

impl Origins {
    /// What `allow_origins(entries)` holds: a list, or any origin when `*` is its only entry
    /// (as tower-http answered a lone `*`).
    pub fn list(entries: Vec<String>) -> Self {
        if entries == ["*"] {
            Self::Any
        } else {
            Self::List(entries)
        }
    }
}

/// A configuration, in the terms of the builder.
#[derive(Clone, Debug)]
pub struct Config {
    pub origins: Origins,
    pub allow_null: bool,
    pub credentials: bool,
    pub any_method: bool,
    pub methods: Vec<Method>,
    pub any_header: bool,
    pub headers: Vec<String>,
    pub expose_any: bool,
    pub expose: Vec<String>,
    pub max_age: Option<u64>,
    pub preflight_status: u16,
    pub passthrough: bool,
    pub block: bool,
    /// `allow_private_network(true)`: a preflight asking `Access-Control-Request-Private-Network:
    /// true` is granted `Access-Control-Allow-Private-Network: true`.
    pub private_network: bool,
    /// `dangerously_allow_insecure_origins_with_credentials(true)`.
    pub allow_insecure: bool,
}

impl Default for Config {
    /// What `CorsLayer::new()` holds: no origin yet (an empty list, which is a configuration
    /// error), nothing allowed, preflights answered 204.
    fn default() -> Self {
        Self {
            origins: Origins::List(Vec::new()),
            allow_null: false,
            credentials: false,
            any_method: false,
            methods: Vec::new(),
            any_header: false,
            headers: Vec::new(),
            expose_any: false,
            expose: Vec::new(),
            max_age: None,
            preflight_status: 204,
            passthrough: false,
            block: false,
            private_network: false,
            allow_insecure: false,
        }
    }
}

/// Whether a single `Origin` value is one the layer considers at all.
pub fn is_well_formed_origin(origin: &[u8]) -> bool {
    !origin.is_empty() && origin.len() <= MAX_ORIGIN_LEN && origin.iter().all(|b| (0x21..=0x7e).contains(b))
}

/// Whether the configuration allows this (single, raw) `Origin` value.
pub fn origin_allowed(config: &Config, origin: &[u8]) -> bool {
    let list = match &config.origins {
        // `*` is the same answer for every origin: the value is not inspected.
        Origins::Any => return true,
        Origins::None => &[],
        Origins::List(list) => list.as_slice(),
    };
    if !is_well_formed_origin(origin) {
        return false;
    }
    if origin == b"null" {
        return config.allow_null;
    }
    list.iter().any(|entry| entry_matches(entry, origin))
}

/// One configured entry against a request origin.
pub fn entry_matches(entry: &str, origin: &[u8]) -> bool {
    if !entry.contains('*') {
        return entry.as_bytes() == origin;
    }
    let Ok(origin) = std::str::from_utf8(origin) else {
        return false;
    };
    pattern_matches(entry, origin)
}

fn default_port(scheme: &str) -> Option<&'static str> {
    match scheme {
        "http" => Some("80"),
        "https" => Some("443"),
        _ => None,
    }
}

fn canonical_port(scheme: &str, port: &str) -> bool {
    !port.is_empty()
        && port.len() <= 5
        && !port.starts_with('0')
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p))
        && default_port(scheme) != Some(port)
}

fn label_ok(label: &str) -> bool {
    !label.is_empty() && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `scheme://[*.]host[:port|:*]` against `scheme://host[:port]`.
pub fn pattern_matches(pattern: &str, origin: &str) -> bool {
    let Some((p_scheme, p_rest)) = pattern.split_once("://") else { return false };
    let Some((o_scheme, o_rest)) = origin.split_once("://") else { return false };
    if p_scheme != o_scheme {
        return false;
    }
    let (p_host, p_port) = match p_rest.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (h, Some(p)),
        _ => (p_rest, None),
    };
    let (o_host, o_port) = match o_rest.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (h, Some(p)),
        _ => (o_rest, None),
    };
    let port_ok = match (p_port, o_port) {
        (Some("*"), None) => true,
        (Some("*"), Some(o)) | (Some(_), Some(o)) if !canonical_port(o_scheme, o) => false,
        (Some("*"), Some(_)) => true,
        (Some(p), Some(o)) => p == o,
        (None, None) => true,
        _ => false,
    };
    if !port_ok {
        return false;
    }
    match p_host.strip_prefix("*.") {
        None => p_host == o_host,
        Some(suffix) => {
            let Some(prefix) = o_host.strip_suffix(suffix).and_then(|p| p.strip_suffix('.')) else {
                return false;
            };
            prefix.split('.').all(label_ok) && suffix.split('.').all(label_ok)
        }
    }
}

/// `#forbidden-method`, case-insensitively.
pub fn is_forbidden_method(method: &[u8]) -> bool {
    [&b"CONNECT"[..], b"TRACE", b"TRACK"].iter().any(|m| m.eq_ignore_ascii_case(method))
}

/// Whether a preflight may ask for this `Access-Control-Request-Method` value.
pub fn method_allowed(config: &Config, method: &[u8]) -> bool {
    let token = !method.is_empty() && method.iter().all(|&b| is_tchar(b));
    if !token || is_forbidden_method(method) {
        return false;
    }
    if matches!(method, b"GET" | b"HEAD" | b"POST") {
        return true;
    }
    config.any_method || config.methods.iter().any(|m| m.as_str().as_bytes() == method)
}

/// RFC 9110 `tchar`.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether a request header name may be asked for.
pub fn header_allowed(config: &Config, name: &[u8]) -> bool {
    let listed = config.headers.iter().any(|h| h.as_bytes().eq_ignore_ascii_case(name));
    listed || (config.any_header && !name.eq_ignore_ascii_case(b"authorization"))
}

/// The requested names of every `Access-Control-Request-Headers` line, or `None` when the value
/// is malformed (a non-token element, or past the documented junk bounds).
pub fn requested_header_names(lines: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    let total: usize = lines.iter().map(Vec::len).sum();
    if total > MAX_REQUEST_HEADERS_BYTES {
        return None;
    }
    let mut names = Vec::new();
    let mut empty = 0;
    for line in lines {
        for element in line.split(|&b| b == b',') {
            let trimmed: &[u8] = {
                let start = element.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(element.len());
                let end = element.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(start, |e| e + 1);
                &element[start..end.max(start)]
            };
            if trimmed.is_empty() {
                empty += 1;
                continue;
            }
            if !trimmed.iter().all(|&b| is_tchar(b)) {
                return None;
            }
            names.push(trimmed.to_vec());
        }
    }
    if empty > MAX_EMPTY_ELEMENTS {
        return None;
    }
    Some(names)
}

/// What the policy says about a preflight: one `Origin` line (or several: refused), the
/// `Access-Control-Request-Method` lines and the `Access-Control-Request-Headers` lines.
pub fn preflight_verdict(config: &Config, origins: &[Vec<u8>], methods: &[Vec<u8>], acrh: &[Vec<u8>]) -> bool {
    let [origin] = origins else { return false };
    let [method] = methods else { return false };
    if !origin_allowed(config, origin) || !method_allowed(config, method) {
        return false;
    }
    requested_header_names(acrh).is_some_and(|names| names.iter().all(|n| header_allowed(config, n)))
}

/// What the policy says about an actual request's origin lines.
///
/// Under any origin, `*` is one answer for every request with `Origin`, whose value is not read:
/// two lines are granted `*` like one. (A preflight with two lines is still refused:
/// [`preflight_verdict`].)
pub fn actual_verdict(config: &Config, origins: &[Vec<u8>]) -> bool {
    match config.origins {
        Origins::Any => !origins.is_empty(),
        Origins::None | Origins::List(_) => matches!(origins, [origin] if origin_allowed(config, origin)),
    }
}

/// Whether a granted preflight also grants Private Network Access: the configuration allows it
/// and the request asks for it, its `Access-Control-Request-Private-Network` being `true` (one
/// line: the header list's combined value of several is never `true`).
pub fn private_network_granted(config: &Config, lines: &[Vec<u8>]) -> bool {
    config.private_network && matches!(lines, [line] if line == b"true")
}

/// A configuration problem, as the oracle states the rules (the crate's `ConfigProblem`, less
/// the origin syntax, which the caller supplies).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Problem {
    /// No origin setting, or an empty list: nothing could ever be granted.
    NoOriginPolicy,
    /// `null` listed without the opt-in.
    NullOriginInList,
    /// `*` listed among origins.
    WildcardInList,
    /// `#cors-protocol-and-credentials`: `*` never works with credentials.
    CredentialsWithAnyOrigin,
    /// Any page can send `Origin: null`, so with credentials it is as open as any origin.
    CredentialsWithNullOrigin,
    /// A plain-`http` origin that is not loopback, with credentials and without the opt-in.
    CredentialsWithInsecureOrigin(String),
    /// `#forbidden-method`.
    ForbiddenMethod(String),
    /// `#concept-method-normalize` upper-cases these six, so another spelling is never sent.
    MethodNeverSent { method: String, suggestion: String },
    /// `#forbidden-request-header`: scripts can never set it.
    ForbiddenRequestHeader(String),
    /// `#forbidden-response-header-name`: never exposed.
    ForbiddenExposedHeader(String),
    /// Above the documented bound of 86,400 s.
    MaxAgeTooLong(u64),
    /// `#ok-status`: a preflight answered other than 2xx always fails.
    PreflightStatusNotSuccess(u16),
    /// A status other than the default 204 for preflights the inner service answers itself.
    PreflightStatusWithPassthrough(u16),
}

/// The documented bound on `max_age`, in seconds.
pub const MAX_AGE_LIMIT_SECS: u64 = 86_400;

/// `#forbidden-request-header` (names only), with Private Network Access's request header,
/// which that draft adds to the list.
pub fn is_forbidden_request_header_name(name: &str) -> bool {
    const NAMES: &[&str] = &[
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
    let name = name.to_ascii_lowercase();
    NAMES.contains(&name.as_str()) || name.starts_with("proxy-") || name.starts_with("sec-")
}

/// Whether a well-formed configured origin or pattern is plain `http` on something other than
/// this machine: loopback is `localhost` and its subdomains, `[::1]` and 127.0.0.0/8 (an address,
/// not a name that starts with `127.`). A `*.` pattern names DNS names only.
pub fn is_insecure_entry(entry: &str) -> bool {
    let Some(rest) = entry.strip_prefix("http://") else { return false };
    let host = match rest.strip_prefix('[') {
        Some(v6) => return !v6.starts_with("::1]"),
        None => rest.split(':').next().unwrap_or(rest),
    };
    let localhost = |h: &str| h == "localhost" || h.ends_with(".localhost");
    match host.strip_prefix("*.") {
        Some(suffix) => !localhost(suffix),
        None => !(localhost(host) || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.octets()[0] == 127)),
    }
}

/// Every problem of a configuration, as a multiset (sorted). `well_formed` says whether a listed
/// entry (not `null` or `*`) is a syntactically valid origin or pattern; the checks that depend
/// on an entry apply only to those.
pub fn config_problems(config: &Config, well_formed: impl Fn(&str) -> bool) -> Vec<Problem> {
    let mut problems = Vec::new();
    match &config.origins {
        Origins::List(list) if list.is_empty() => problems.push(Problem::NoOriginPolicy),
        Origins::Any => {
            if config.credentials {
                problems.push(Problem::CredentialsWithAnyOrigin);
            }
        }
        Origins::None => {
            if config.credentials && config.allow_null {
                problems.push(Problem::CredentialsWithNullOrigin);
            }
        }
        Origins::List(list) => {
            if config.credentials && config.allow_null {
                problems.push(Problem::CredentialsWithNullOrigin);
            }
            for entry in list {
                match entry.as_str() {
                    "null" if config.allow_null => {}
                    "null" => problems.push(Problem::NullOriginInList),
                    "*" => problems.push(Problem::WildcardInList),
                    entry if !well_formed(entry) => {}
                    entry if config.credentials && !config.allow_insecure && is_insecure_entry(entry) => {
                        problems.push(Problem::CredentialsWithInsecureOrigin(entry.to_owned()));
                    }
                    _ => {}
                }
            }
        }
    }
    for method in &config.methods {
        let method = method.as_str();
        if is_forbidden_method(method.as_bytes()) {
            problems.push(Problem::ForbiddenMethod(method.to_owned()));
            continue;
        }
        for normal in ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"] {
            if normal.eq_ignore_ascii_case(method) && normal != method {
                problems.push(Problem::MethodNeverSent { method: method.to_owned(), suggestion: normal.to_owned() });
            }
        }
    }
    for name in &config.headers {
        if is_forbidden_request_header_name(name) {
            problems.push(Problem::ForbiddenRequestHeader(name.clone()));
        }
    }
    for name in &config.expose {
        if is_forbidden_response_header_name(name) {
            problems.push(Problem::ForbiddenExposedHeader(name.clone()));
        }
    }
    if let Some(seconds) = config.max_age.filter(|&s| s > MAX_AGE_LIMIT_SECS) {
        problems.push(Problem::MaxAgeTooLong(seconds));
    }
    if !(200..300).contains(&config.preflight_status) {
        problems.push(Problem::PreflightStatusNotSuccess(config.preflight_status));
    }
    if config.passthrough && config.preflight_status != 204 {
        problems.push(Problem::PreflightStatusWithPassthrough(config.preflight_status));
    }
    problems.sort();
    problems
}

/// `#forbidden-response-header-name`: no script ever reads these, so exposing one is a mistake.
fn is_forbidden_response_header_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2")
}
