//! Strict parsing of configured origins and origin patterns.
//!
//! A configured origin must be spelled exactly as a browser serializes it
//! (<https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin>),
//! because matching compares the request's `Origin` bytes exactly. Anything that could never
//! match is reported as an [`InvalidOrigin`] with the spelling to use instead.

use std::fmt::Write as _;
use std::net::Ipv6Addr;

use crate::config::error::InvalidOrigin;
use crate::words::{word, ONES};

/// Longest `Origin` value considered at all: a DNS name is at most 253 bytes, so anything longer
/// than a scheme, that and a port is not an origin a browser sends.
pub(crate) const MAX_ORIGIN_LEN: usize = 512;

/// Whether every byte is visible ASCII (`!` to `~`), as in every origin a browser sends.
/// Eight bytes at a time, the last word overlapping the one before it rather than a tail loop.
pub(crate) fn is_visible_ascii(bytes: &[u8]) -> bool {
    const HIGH: u64 = ONES * 0x80;
    // Non-zero if some byte is below 0x21, or above 0x7e (the high bit included).
    let outside = |word: u64| ((word.wrapping_sub(ONES * 0x21) & !word) | (word.wrapping_add(ONES) | word)) & HIGH;
    let Some(last) = bytes.len().checked_sub(8) else {
        return bytes.iter().all(u8::is_ascii_graphic);
    };
    let mut bad = outside(word(&bytes[last..]));
    for chunk in bytes.chunks_exact(8) {
        bad |= outside(word(chunk));
    }
    bad == 0
}

/// A configured origin after validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OriginSpec {
    /// An exact serialized origin, such as `https://app.example.com`.
    Exact(String),
    /// A pattern with a `*.` subdomain wildcard, a `:*` port wildcard, or both.
    Pattern(OriginPattern),
}

/// A validated origin pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OriginPattern {
    pub(crate) scheme: String,
    /// The host, or with `subdomains` the suffix after `*.`.
    pub(crate) host: String,
    /// Whether one or more whole labels must stand before `host`.
    pub(crate) subdomains: bool,
    pub(crate) port: PortRule,
}

/// Which ports an origin pattern accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PortRule {
    /// No port in the origin: the scheme's default.
    Default,
    /// Exactly this port.
    Exact(u16),
    /// Any port, the default one included.
    Any,
}

impl PortRule {
    pub(crate) fn accepts(self, port: Option<u16>) -> bool {
        match (self, port) {
            (PortRule::Any, _) | (PortRule::Default, None) => true,
            (PortRule::Exact(want), Some(got)) => want == got,
            _ => false,
        }
    }
}

impl OriginSpec {
    /// Whether the origin is plain `http` on something other than this machine.
    pub(crate) fn is_insecure(&self) -> bool {
        let (scheme, host) = match self {
            OriginSpec::Exact(origin) => match split_origin(origin.as_bytes()) {
                Some((scheme, host, _)) => (scheme, host),
                None => return false,
            },
            // A label before an IPv4 address makes a DNS name, not an address.
            OriginSpec::Pattern(p) if p.subdomains => {
                return p.scheme == "http" && !(p.host == "localhost" || p.host.ends_with(".localhost"));
            }
            OriginSpec::Pattern(p) => (p.scheme.as_bytes(), p.host.as_bytes()),
        };
        scheme == b"http" && !is_loopback_host(host)
    }
}

/// Loopback is `localhost` and its subdomains, `[::1]`, and an IPv4 address in 127.0.0.0/8
/// written as browsers serialize it: parsed, never guessed from a prefix
/// (`127.attacker.example` is a DNS name anyone can register).
fn is_loopback_host(host: &[u8]) -> bool {
    host == b"localhost"
        || host.ends_with(b".localhost")
        || host == b"[::1]"
        || std::str::from_utf8(host)
            .ok()
            .and_then(|host| host.parse::<std::net::Ipv4Addr>().ok())
            .is_some_and(|ip| ip.is_loopback())
}

fn is_special(scheme: &str) -> bool {
    scheme == "http" || scheme == "https"
}

pub(crate) fn default_port(scheme: &[u8]) -> Option<u16> {
    match scheme {
        b"http" => Some(80),
        b"https" => Some(443),
        _ => None,
    }
}

/// Schemes whose documents serialize their origin as `null`, so listing them can never match.
const OPAQUE_SCHEMES: &[&str] = &["about", "blob", "data", "file", "filesystem", "javascript"];

/// Parses a configured origin or pattern. `null` and `*` are the caller's to handle.
pub(crate) fn parse_origin(input: &[u8]) -> Result<OriginSpec, InvalidOrigin> {
    let input = std::str::from_utf8(input).map_err(|_| InvalidOrigin::NotUtf8)?;
    if input.trim().is_empty() {
        return Err(InvalidOrigin::Empty);
    }
    if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(InvalidOrigin::Whitespace);
    }
    let (scheme, rest) = input.split_once("://").ok_or(InvalidOrigin::MissingScheme)?;
    if OPAQUE_SCHEMES.iter().any(|opaque| opaque.eq_ignore_ascii_case(scheme)) {
        return Err(InvalidOrigin::UnsupportedScheme);
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let lower = |s: &str| s.to_ascii_lowercase();
    if !tail.is_empty() {
        if tail.contains(['?', '#']) {
            return Err(InvalidOrigin::QueryOrFragment);
        }
        return Err(InvalidOrigin::Path { suggestion: format!("{}://{}", lower(scheme), lower(authority)) });
    }
    if authority.contains('@') {
        return Err(InvalidOrigin::Userinfo);
    }
    if !authority.is_ascii() {
        return Err(InvalidOrigin::NonAsciiHost);
    }
    if input.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(InvalidOrigin::UpperCase { suggestion: lower(input) });
    }
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_lowercase())
        && scheme.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b));
    if !scheme_ok {
        return Err(InvalidOrigin::UnsupportedScheme);
    }
    if input.len() > MAX_ORIGIN_LEN {
        return Err(InvalidOrigin::InvalidHost);
    }

    let (host, port) = split_host_port(authority)?;
    let port = match port {
        None => PortRule::Default,
        Some("*") => PortRule::Any,
        Some(digits) => {
            let port = parse_port(digits).ok_or(InvalidOrigin::InvalidPort)?;
            if default_port(scheme.as_bytes()) == Some(port) {
                return Err(InvalidOrigin::DefaultPort { suggestion: format!("{scheme}://{host}") });
            }
            PortRule::Exact(port)
        }
    };

    let (host, subdomains) = match host.strip_prefix("*.") {
        Some(suffix) => (suffix, true),
        None => (host, false),
    };
    if host.contains('*') {
        return Err(InvalidOrigin::InvalidWildcard);
    }
    validate_host(scheme, host, subdomains)?;
    if subdomains && !host.contains('.') && host != "localhost" {
        return Err(InvalidOrigin::WildcardTooBroad);
    }

    if !subdomains && port != PortRule::Any {
        return Ok(OriginSpec::Exact(input.to_owned()));
    }
    Ok(OriginSpec::Pattern(OriginPattern { scheme: scheme.to_owned(), host: host.to_owned(), subdomains, port }))
}

/// Splits `host[:port]`, keeping a bracketed IPv6 host whole.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), InvalidOrigin> {
    if authority.starts_with('[') {
        let close = authority.find(']').ok_or(InvalidOrigin::InvalidHost)?;
        let (host, after) = authority.split_at(close + 1);
        return match after {
            "" => Ok((host, None)),
            _ => after.strip_prefix(':').map(|p| (host, Some(p))).ok_or(InvalidOrigin::InvalidHost),
        };
    }
    match authority.split_once(':') {
        None => Ok((authority, None)),
        Some((_, port)) if port.contains(':') => Err(InvalidOrigin::InvalidHost),
        Some((host, port)) => Ok((host, Some(port))),
    }
}

/// A port written as browsers write it: 1..=65535, no sign, no leading zero.
pub(crate) fn parse_port(digits: &str) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u16>().ok()
}

fn validate_host(scheme: &str, host: &str, subdomains: bool) -> Result<(), InvalidOrigin> {
    if host.is_empty() || host.len() > 253 {
        return Err(InvalidOrigin::InvalidHost);
    }
    if let Some(inner) = host.strip_prefix('[') {
        if subdomains {
            return Err(InvalidOrigin::InvalidWildcard);
        }
        let inner = inner.strip_suffix(']').ok_or(InvalidOrigin::InvalidHost)?;
        let addr: Ipv6Addr = inner.parse().map_err(|_| InvalidOrigin::InvalidHost)?;
        return if serialize_ipv6(addr) == inner { Ok(()) } else { Err(InvalidOrigin::InvalidHost) };
    }
    let labels_ok = host.split('.').all(|label| {
        !label.is_empty()
            && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    });
    if !labels_ok {
        return Err(InvalidOrigin::InvalidHost);
    }
    // The URL parser reads a host whose last label is numeric as IPv4 and rewrites it, so only
    // the canonical dotted-decimal form can ever be what a browser sends.
    if is_special(scheme) && ends_in_number(host) && (subdomains || !is_canonical_ipv4(host)) {
        return Err(InvalidOrigin::InvalidHost);
    }
    Ok(())
}

fn ends_in_number(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or(host);
    last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x")
}

fn is_canonical_ipv4(host: &str) -> bool {
    let mut count = 0;
    let all_ok = host.split('.').all(|part| {
        count += 1;
        part.len() <= 3
            && (part == "0" || !part.starts_with('0'))
            && part.bytes().all(|b| b.is_ascii_digit())
            && part.parse::<u16>().is_ok_and(|n| n <= 255)
    });
    all_ok && count == 4
}

/// The URL Standard's IPv6 serializer: lower-case hex, the first longest run of two or more
/// zero pieces compressed to `::`, never a dotted IPv4 tail.
fn serialize_ipv6(addr: Ipv6Addr) -> String {
    let pieces = addr.segments();
    let (mut best_start, mut best_len, mut i) = (None, 1, 0);
    while i < 8 {
        let start = i;
        while i < 8 && pieces[i] == 0 {
            i += 1;
        }
        if i - start > best_len {
            best_start = Some(start);
            best_len = i - start;
        }
        i += 1;
    }
    let mut out = String::with_capacity(39);
    let mut index = 0;
    while index < 8 {
        if Some(index) == best_start {
            out.push_str(if index == 0 { "::" } else { ":" });
            index += best_len;
            continue;
        }
        let _ = write!(out, "{:x}", pieces[index]);
        if index != 7 {
            out.push(':');
        }
        index += 1;
    }
    out
}

/// Splits a syntactically plausible request origin into scheme, host and port.
///
/// Returns `None` for anything a browser would not send: a missing `://`, a port that is not
/// canonical, or the scheme's default port written out.
pub(crate) fn split_origin(origin: &[u8]) -> Option<(&[u8], &[u8], Option<u16>)> {
    // Byte searches: string searchers cost more to set up than the whole search on an origin.
    let sep = origin.windows(3).position(|w| w == b"://")?;
    let (scheme, authority) = (&origin[..sep], &origin[sep + 3..]);
    let (host, port) = match authority.iter().rposition(|&b| b == b':') {
        Some(colon) if !authority[colon..].contains(&b']') => {
            let port = parse_port(std::str::from_utf8(&authority[colon + 1..]).ok()?)?;
            if default_port(scheme) == Some(port) {
                return None;
            }
            (&authority[..colon], Some(port))
        }
        _ => (authority, None),
    };
    Some((scheme, host, port))
}

#[cfg(test)]
#[path = "origin_tests.rs"]
mod tests;
