//! Matching a request's `Origin` against a compiled list of exact origins and patterns.
//!
//! Exact origins live in a hash set and patterns in a hash map keyed by host or suffix, so a
//! lookup costs a hash of the origin plus one probe per candidate suffix, however many origins
//! are configured.

use std::collections::{HashMap, HashSet};

use crate::config::origin::{default_port, parse_port, split_origin, OriginPattern, OriginSpec, PortRule};

/// The compiled form of a list of allowed origins.
#[derive(Debug, Default)]
pub(crate) struct OriginMatcher {
    exact: HashSet<Box<[u8]>, FastHash>,
    /// Host (or suffix) to the patterns anchored there.
    patterns: HashMap<Box<[u8]>, Vec<Anchored>, FastHash>,
    /// Lengths of the hosts anchored by patterns without `*.` (port wildcards), so that a host
    /// no such pattern can match is not looked up.
    hosts: Lengths,
    /// The distinct lengths of the suffixes after `*.`: only a dot that far from the end of a
    /// host can start a suffix some pattern matches, so only those dots are looked at.
    suffix_lengths: Vec<usize>,
}

/// The shortest and longest of some keys' lengths; empty, it admits no length.
#[derive(Debug, Clone, Copy)]
struct Lengths {
    shortest: usize,
    longest: usize,
}

impl Default for Lengths {
    fn default() -> Self {
        Self { shortest: usize::MAX, longest: 0 }
    }
}

impl Lengths {
    fn add(&mut self, len: usize) {
        self.shortest = self.shortest.min(len);
        self.longest = self.longest.max(len);
    }

    fn admits(self, len: usize) -> bool {
        (self.shortest..=self.longest).contains(&len)
    }
}

#[derive(Debug)]
struct Anchored {
    scheme: Box<str>,
    subdomains: bool,
    port: PortRule,
}

impl OriginMatcher {
    pub(crate) fn new(specs: impl IntoIterator<Item = OriginSpec>) -> Self {
        let mut matcher = Self::default();
        for spec in specs {
            match spec {
                OriginSpec::Exact(origin) => {
                    matcher.exact.insert(origin.into_bytes().into_boxed_slice());
                }
                OriginSpec::Pattern(OriginPattern { scheme, host, subdomains, port }) => {
                    if subdomains {
                        matcher.suffix_lengths.push(host.len());
                    } else {
                        matcher.hosts.add(host.len());
                    }
                    let anchored = Anchored { scheme: scheme.into_boxed_str(), subdomains, port };
                    matcher.patterns.entry(host.into_bytes().into_boxed_slice()).or_default().push(anchored);
                }
            }
        }
        matcher.suffix_lengths.sort_unstable();
        matcher.suffix_lengths.dedup();
        matcher
    }

    /// Whether the request origin (already checked to be short, visible ASCII) is allowed.
    pub(crate) fn matches(&self, origin: &[u8]) -> bool {
        if self.exact.contains(origin) {
            return true;
        }
        if self.patterns.is_empty() {
            return false;
        }
        // Bytes throughout: anything not ASCII fails the host check or every comparison below.
        let Some((scheme, host, port)) = split_plausible(origin) else {
            return false;
        };
        let accepts = |suffix: &[u8], subdomains: bool| {
            self.patterns.get(suffix).is_some_and(|anchored| {
                anchored
                    .iter()
                    .any(|a| a.subdomains == subdomains && a.scheme.as_bytes() == scheme && a.port.accepts(port))
            })
        };
        if self.hosts.admits(host.len()) && accepts(host, false) {
            return true;
        }
        // Only a dot followed by a suffix of some configured length can match, so only those
        // are read; a whole label precedes it, since the host check refused a leading dot.
        self.suffix_lengths.iter().any(|&len| {
            let Some(dot) = host.len().checked_sub(len + 1) else { return false };
            host[dot] == b'.' && accepts(&host[dot + 1..], true)
        })
    }
}

/// rustc-hash's Fx hash: unkeyed, and a word at a time, several times cheaper than SipHash on an
/// origin (and cheaper than foldhash or the hand-written hash it replaced, measured with callgrind
/// in BENCHMARKS.md). Flooding needs control over the keys stored, and these are the configured
/// origins, never a request's: a request only looks up, and a lookup's probe sequence is set by
/// the configured keys alone.
type FastHash = rustc_hash::FxBuildHasher;

/// `split_origin` for a host that [`is_plausible_host`], `None` otherwise: the usual origin
/// (`scheme://name[:port]`) in one pass over the host that checks its bytes and finds the port,
/// where splitting first and checking after read the host twice (about 200 instructions on a
/// 30-byte origin, callgrind). Anything else (a bracketed IPv6 host, a `:` not followed by
/// `//`) takes the general path.
fn split_plausible(origin: &[u8]) -> Option<(&[u8], &[u8], Option<u16>)> {
    let general = || split_origin(origin).filter(|&(_, host, _)| is_plausible_host(host));
    let colon = origin.iter().position(|&b| b == b':')?;
    let (scheme, rest) = origin.split_at(colon);
    let Some(authority) = rest.strip_prefix(b"://").filter(|a| a.first() != Some(&b'[')) else {
        return general();
    };
    let mut label_empty = true;
    for (at, &b) in authority.iter().enumerate() {
        match HOST_BYTES[usize::from(b)] {
            LABEL => label_empty = false,
            DOT if !label_empty => label_empty = true,
            // The host ends at its first `:`; the port is all the rest (another `:` fails it).
            PORT if !label_empty => {
                let port = parse_port(std::str::from_utf8(&authority[at + 1..]).ok()?)?;
                return (default_port(scheme) != Some(port)).then_some((scheme, &authority[..at], Some(port)));
            }
            _ => return None,
        }
    }
    (!label_empty).then_some((scheme, authority, None))
}

const OTHER: u8 = 0;
const LABEL: u8 = 1;
const DOT: u8 = 2;
const PORT: u8 = 3;

/// What each byte is to a host as [`is_plausible_host`] reads it: one lookup a byte.
static HOST_BYTES: [u8; 256] = {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = match byte {
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => LABEL,
            b'.' => DOT,
            b':' => PORT,
            _ => OTHER,
        };
        b += 1;
    }
    table
};

/// Labels made only of what a configured host may hold, none empty: anything else can never
/// equal a configured suffix, and refusing it early keeps `a..example.com` from matching.
fn is_plausible_host(host: &[u8]) -> bool {
    if host.first() == Some(&b'[') {
        return host.last() == Some(&b']') && !host.contains(&b'.');
    }
    // One pass: every byte allowed, and no label empty (no leading, trailing or double dot).
    let mut label_empty = true;
    for &b in host {
        if b == b'.' {
            if label_empty {
                return false;
            }
            label_empty = true;
        } else if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' {
            label_empty = false;
        } else {
            return false;
        }
    }
    !label_empty
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::origin::parse_origin;

    fn matcher(list: &[&str]) -> OriginMatcher {
        OriginMatcher::new(list.iter().filter_map(|s| parse_origin(s.as_bytes()).ok()))
    }

    #[test]
    fn subdomain_patterns_match_whole_labels_only() {
        let m = matcher(&["https://*.example.com"]);
        assert!(m.matches(b"https://a.example.com"));
        assert!(m.matches(b"https://a.b.example.com"));
        for refused in [
            "https://example.com",
            "https://evilexample.com",
            "https://example.com.evil.net",
            "http://a.example.com",
            "https://a.example.com:8443",
            "https://.example.com",
            "https://a..example.com",
            "https://A.example.com",
            "https://a.example.com:443",
        ] {
            assert!(!m.matches(refused.as_bytes()), "{refused}");
        }
    }

    #[test]
    fn any_port_includes_the_default() {
        let m = matcher(&["http://localhost:*"]);
        assert!(m.matches(b"http://localhost"));
        assert!(m.matches(b"http://localhost:3000"));
        assert!(!m.matches(b"http://localhost:03000"));
        assert!(!m.matches(b"http://localhost:80"));
        assert!(!m.matches(b"https://localhost:3000"));
        assert!(!m.matches(b"http://a.localhost:3000"));
    }

    #[test]
    fn plausible_hosts_have_whole_labels() {
        for (host, plausible) in [
            ("a.example.com", true),
            ("a-b_c.d1", true),
            ("", false),
            (".a", false),
            ("a.", false),
            ("a..b", false),
            ("A.b", false),
            ("[::1]", true),
            ("[::1", false),
            ("[1.2.3.4]", false),
        ] {
            assert_eq!(is_plausible_host(host.as_bytes()), plausible, "{host}");
        }
    }

    /// The one-pass split answers as splitting and then checking the host does.
    #[test]
    fn the_one_pass_split_agrees_with_the_general_one() {
        for origin in [
            "https://a.example.com",
            "https://tenant42.eu.example.com",
            "http://localhost:3000",
            "http://localhost:80",
            "https://a.example.com:443",
            "https://a.example.com:8443",
            "https://a.example.com:",
            "https://a.example.com:0443",
            "https://a.example.com:65536",
            "https://a.example.com:80:90",
            "https://a.:80",
            "https://:80",
            "https://",
            "https://a..b",
            "https://.a",
            "https://a.",
            "https://A.b",
            "https://a_b-c.d9",
            "https://a/b",
            "https://a:1]",
            "http://[::1]",
            "http://[::1]:8080",
            "http://[::1",
            "a:b://c.d",
            "https:/a.b",
            "https//a.b",
            "no-scheme",
            "https://a b",
            "https://caf\u{e9}.fr",
        ] {
            let bytes = origin.as_bytes();
            let general = split_origin(bytes).filter(|&(_, host, _)| is_plausible_host(host));
            assert_eq!(split_plausible(bytes), general, "{origin}");
        }
        assert_eq!(split_plausible(b"https://a.b:8080"), Some((&b"https"[..], &b"a.b"[..], Some(8080))));
        assert_eq!(split_plausible(b"https://a.b"), Some((&b"https"[..], &b"a.b"[..], None)));
    }

    #[test]
    fn exact_origins_compare_bytes() {
        let m = matcher(&["https://app.example.com", "https://*.example.org"]);
        assert!(m.matches(b"https://app.example.com"));
        assert!(!m.matches(b"https://app.example.com/"));
        assert!(!m.matches(b"https://APP.example.com"));
        assert!(m.matches(b"https://x.example.org"));
    }
}
