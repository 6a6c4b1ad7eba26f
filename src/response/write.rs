//! Writing a grant into the inner service's response: grant headers, merged `Vary`, merged
//! exposed headers.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use http::header::Entry;
use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, VARY,
};
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::config::header_list::{is_forbidden_response_header, is_safelisted_response_header};
use crate::decision::grant::{Grant, GrantValue, OriginGrant, PreflightGrant};
use crate::policy::rules::{ExposeRule, Policy, VaryList, ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK};
use crate::words::{word, ONES};

const TRUE: HeaderValue = HeaderValue::from_static("true");
const STAR: HeaderValue = HeaderValue::from_static("*");

/// Whether writing a grant replaced an `Access-Control-Allow-Origin` that the inner service
/// (an inner CORS layer, or the application) had set: the layer's decision always wins, and
/// the service reports the first time it happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Replaced {
    Nothing,
    Grant,
}

impl Replaced {
    fn from_previous(previous: Option<HeaderValue>) -> Self {
        match previous {
            Some(_) => Self::Grant,
            None => Self::Nothing,
        }
    }
}

/// Writes `grant` into the inner service's response headers, over any grant it set itself: on
/// a CORS request the layer's decision is the only one a browser sees.
pub(crate) fn write_grant(policy: &Policy, grant: Grant, headers: &mut HeaderMap) -> Replaced {
    match grant {
        Grant::NonCors => {
            merge_vary(headers, &policy.vary, Present::scan(headers, &[]).vary);
            Replaced::Nothing
        }
        Grant::Refused { preflight } => {
            let grants = if preflight { &GRANT_HEADERS[..] } else { &GRANT_HEADERS[..3] };
            let present = Present::scan(headers, grants);
            let mut replaced = Replaced::Nothing;
            if present.grants {
                replaced = Replaced::from_previous(headers.remove(ACCESS_CONTROL_ALLOW_ORIGIN));
                for name in &grants[1..] {
                    headers.remove(name);
                }
            }
            merge_vary(headers, if preflight { &policy.preflight_vary } else { &policy.vary }, present.vary);
            replaced
        }
        Grant::Actual(origin) => {
            let present = Present::scan(headers, &GRANT_HEADERS[..3]);
            let replaced = insert_origin_and_credentials(policy, headers, origin, present.grants);
            // Nothing to merge unless something is exposed, by the policy or the inner service.
            if present.grants || !matches!(policy.expose, ExposeRule::Nothing) {
                merge_expose(policy, headers, present.grants);
            }
            merge_vary(headers, &policy.vary, present.vary);
            replaced
        }
    }
}

/// Writes a granted preflight's headers into the inner service's response (passthrough), over
/// whatever it set itself.
pub(crate) fn write_preflight_grant(policy: &Policy, grant: PreflightGrant, headers: &mut HeaderMap) -> Replaced {
    let present = Present::scan(headers, &[]);
    let replaced = insert_preflight_grant(policy, headers, grant);
    merge_vary(headers, &policy.preflight_vary, present.vary);
    replaced
}

/// What the inner service's response already holds that the layer must merge or replace.
/// Found in one pass over its names: responses have few, and a look at each costs less than a
/// hash lookup per header, which the usual answer (none of them) would otherwise pay.
struct Present {
    vary: bool,
    /// Any of the grant headers scanned for.
    grants: bool,
}

impl Present {
    fn scan(headers: &HeaderMap, grants: &[HeaderName]) -> Self {
        let mut present = Self { vary: false, grants: false };
        for name in headers.keys() {
            // Every name looked for starts with `v` or `a`: most names are passed over on that.
            if let Some(b'v' | b'a') = name.as_str().as_bytes().first() {
                present.vary |= *name == VARY_NAME;
                present.grants |= grants.contains(name);
            }
        }
        present
    }
}

/// `Vary`, as a static: comparing with the `const` builds and drops a temporary each time.
static VARY_NAME: HeaderName = VARY;

/// Every header a grant may carry; the first three are the ones actual responses use.
static GRANT_HEADERS: [HeaderName; 7] = [
    ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_ALLOW_CREDENTIALS,
    ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
];

/// Every header of a preflight grant, `None` for those this grant leaves out: one list for the
/// layer's own answers and for passthrough.
pub(crate) fn preflight_grant_headers(
    policy: &Policy,
    grant: PreflightGrant,
) -> [(HeaderName, Option<HeaderValue>); 6] {
    [
        (ACCESS_CONTROL_ALLOW_ORIGIN, Some(allow_origin_value(grant.origin))),
        (ACCESS_CONTROL_ALLOW_CREDENTIALS, policy.credentials.then_some(TRUE)),
        (ACCESS_CONTROL_ALLOW_METHODS, grant.method),
        (ACCESS_CONTROL_ALLOW_HEADERS, grant.headers),
        (ACCESS_CONTROL_MAX_AGE, policy.max_age.clone()),
        (ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, grant.private_network.then_some(TRUE)),
    ]
}

/// `own_grants`: whether the response may hold grant headers set by the inner service.
fn insert_origin_and_credentials(
    policy: &Policy,
    headers: &mut HeaderMap,
    origin: OriginGrant,
    own_grants: bool,
) -> Replaced {
    let previous = headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin_value(origin));
    if policy.credentials {
        headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    } else if own_grants {
        headers.remove(ACCESS_CONTROL_ALLOW_CREDENTIALS);
    }
    Replaced::from_previous(previous)
}

pub(crate) fn allow_origin_value<V: GrantValue>(origin: OriginGrant<V>) -> HeaderValue {
    match origin {
        OriginGrant::Any => STAR,
        OriginGrant::Echo(value) => value.into_value(),
    }
}

/// Writes a preflight grant over whatever the inner service set (passthrough mode).
fn insert_preflight_grant(policy: &Policy, headers: &mut HeaderMap, grant: PreflightGrant) -> Replaced {
    let mut replaced = Replaced::Nothing;
    for (name, value) in preflight_grant_headers(policy, grant) {
        let origin = name == ACCESS_CONTROL_ALLOW_ORIGIN;
        let previous = match value {
            Some(value) => headers.insert(name, value),
            None => headers.remove(name),
        };
        if origin {
            replaced = Replaced::from_previous(previous);
        }
    }
    replaced
}

/// Adds the configured exposed headers, keeping any the inner service exposed itself.
fn merge_expose(policy: &Policy, headers: &mut HeaderMap, own_grants: bool) {
    match &policy.expose {
        ExposeRule::Nothing => {
            // Only several lines need rewriting into one.
            if own_grants && headers.get_all(ACCESS_CONTROL_EXPOSE_HEADERS).iter().nth(1).is_some() {
                collapse(headers, ACCESS_CONTROL_EXPOSE_HEADERS, &[]);
            }
        }
        ExposeRule::List { value, names } => {
            // One lookup when the inner service exposes nothing itself, the usual case.
            if let Entry::Vacant(entry) = headers.entry(ACCESS_CONTROL_EXPOSE_HEADERS) {
                entry.insert(value.clone());
                return;
            }
            collapse(headers, ACCESS_CONTROL_EXPOSE_HEADERS, names);
        }
        ExposeRule::Any if !policy.credentials => {
            headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, STAR);
        }
        ExposeRule::Any => {
            // With credentials `*` is a literal name, so list the response's own headers.
            let names: Vec<HeaderName> = headers
                .keys()
                .filter(|name| {
                    let name = name.as_str();
                    !is_safelisted_response_header(name)
                        && !is_forbidden_response_header(name)
                        && !name.starts_with("access-control-")
                })
                .cloned()
                .collect();
            collapse(headers, ACCESS_CONTROL_EXPOSE_HEADERS, &names);
        }
    }
}

/// Merges `Vary`: adds the missing names, keeps the inner service's, leaves `*` alone.
/// `present`: whether the response has a `Vary` already.
fn merge_vary(headers: &mut HeaderMap, vary: &VaryList, present: bool) {
    // Under any origin a response varies on nothing of the request's.
    if vary.names.is_empty() {
        return;
    }
    if !present {
        headers.append(VARY, vary.value.clone());
        return;
    }
    let has_star = list_elements(headers, &VARY).any(|e| e == b"*");
    if !has_star {
        collapse(headers, VARY, &vary.names);
    }
}

/// Rewrites a list header as one line holding its current elements plus `extra` names not
/// already present (case-insensitively), so that no name and no line appears twice.
///
/// Linear in the header's elements, whatever the inner service sent: each element is hashed once.
fn collapse(headers: &mut HeaderMap, name: HeaderName, extra: &[HeaderName]) {
    let mut lines = headers.get_all(&name).iter();
    let one_line = lines.next().is_some() && lines.next().is_none();
    // The usual case: one line that already holds every name; `extra` is a short configured list.
    if one_line
        && extra.iter().all(|n| list_elements(headers, &name).any(|e| e.eq_ignore_ascii_case(n.as_str().as_bytes())))
    {
        return;
    }
    // Keyed (std's `RandomState`): the inner service's list may echo what a request sent.
    let mut seen = HashSet::with_capacity(list_elements(headers, &name).count() + extra.len());
    let mut joined = Vec::new();
    let existing = list_elements(headers, &name);
    for element in existing.chain(extra.iter().map(|n| n.as_str().as_bytes())) {
        if !seen.insert(Caseless(element)) {
            continue;
        }
        if !joined.is_empty() {
            joined.extend_from_slice(b", ");
        }
        joined.extend_from_slice(element);
    }
    match HeaderValue::try_from(joined) {
        Ok(value) if !value.is_empty() => {
            headers.insert(name, value);
        }
        _ => {
            headers.remove(name);
        }
    }
}

/// A list element compared and hashed without regard to ASCII case.
struct Caseless<'a>(&'a [u8]);

impl PartialEq for Caseless<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for Caseless<'_> {}

impl Hash for Caseless<'_> {
    /// A word at a time, each byte with its `0x20` bit set: that lower-cases ASCII letters and
    /// leaves equal bytes equal, so elements equal but for case hash alike.
    fn hash<H: Hasher>(&self, state: &mut H) {
        const FOLD: u64 = ONES * 0x20;
        state.write_usize(self.0.len());
        let mut chunks = self.0.chunks_exact(8);
        for chunk in &mut chunks {
            state.write_u64(word(chunk) | FOLD);
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            let mut last = [0; 8];
            last[..tail.len()].copy_from_slice(tail);
            state.write_u64(u64::from_le_bytes(last) | FOLD);
        }
    }
}

/// The non-empty, whitespace-trimmed elements of every line of a list header.
fn list_elements<'a>(headers: &'a HeaderMap, name: &HeaderName) -> impl Iterator<Item = &'a [u8]> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|line| line.as_bytes().split(|&b| b == b','))
        .map(|e| e.trim_ascii())
        .filter(|e| !e.is_empty())
}
