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
    /// Exact origins and patterns, as given to `allow_origins`.
    List(Vec<String>),
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
        Origins::List(list) => list,
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
        Origins::List(_) => matches!(origins, [origin] if origin_allowed(config, origin)),
    }
}
