//! Writing decisions into responses: grant headers, merged `Vary`, merged exposed headers.

use http::header::Entry;
use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, VARY,
};
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};

use crate::decision::{AllowOrigin, PreflightGrant};
use crate::header_list::{is_forbidden_response_header, is_safelisted_response_header};
use crate::policy::{ExposeRule, Policy, VaryList, ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK};

const TRUE: HeaderValue = HeaderValue::from_static("true");
const STAR: HeaderValue = HeaderValue::from_static("*");

/// What to do to the inner service's response once it arrives.
#[derive(Debug)]
pub(crate) enum Apply {
    /// A request without `Origin`: only `Vary`.
    NonCors,
    /// A refused CORS request: `Vary`, and any grant the inner service set itself removed.
    Refused { preflight: bool },
    /// A granted actual request.
    Actual(AllowOrigin),
    /// A granted preflight handed to the inner service (passthrough mode).
    Preflight(PreflightGrant),
}

pub(crate) fn apply<B>(policy: &Policy, apply: Apply, response: &mut Response<B>) {
    let headers = response.headers_mut();
    match apply {
        Apply::NonCors => merge_vary(headers, &policy.vary, Present::scan(headers, &[]).vary),
        Apply::Refused { preflight } => {
            let grants = if preflight { &GRANT_HEADERS[..] } else { &GRANT_HEADERS[..3] };
            let present = Present::scan(headers, grants);
            if present.grants {
                for name in grants {
                    headers.remove(name);
                }
            }
            merge_vary(headers, if preflight { &policy.preflight_vary } else { &policy.vary }, present.vary);
        }
        Apply::Actual(origin) => {
            let present = Present::scan(headers, &GRANT_HEADERS[..3]);
            insert_origin_and_credentials(policy, headers, origin, present.grants);
            // Nothing to merge unless something is exposed, by the policy or the inner service.
            if present.grants || !matches!(policy.expose, ExposeRule::Nothing) {
                merge_expose(policy, headers, present.grants);
            }
            merge_vary(headers, &policy.vary, present.vary);
        }
        Apply::Preflight(grant) => {
            let present = Present::scan(headers, &[]);
            insert_preflight_grant(policy, headers, grant);
            merge_vary(headers, &policy.preflight_vary, present.vary);
        }
    }
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

/// The layer's own answer to a preflight: 204 (or the configured 2xx) and the grant, no body.
pub(crate) fn preflight<B: Default>(policy: &Policy, grant: PreflightGrant) -> Response<B> {
    let template = policy.preflight_templates.for_grant(&grant);
    let mut headers = template.headers.clone();
    let mut values = [Some(allow_origin_value(grant.origin)), grant.method, grant.headers];
    // The clone holds exactly the headers this grant sends, in the template's order; only the
    // values at the recorded positions change.
    for (at, (_, value)) in headers.iter_mut().enumerate() {
        if let Some(filled) = template.slots.iter().position(|&slot| slot == at).and_then(|i| values[i].take()) {
            *value = filled;
        }
    }
    let mut response = Response::new(B::default());
    *response.status_mut() = policy.preflight_status;
    *response.headers_mut() = headers;
    response
}

/// The headers of the layer's preflight answers, one template per shape of grant (method,
/// headers and private network each sent or not), built once: a request clones its shape's
/// template and writes its values in place, rather than hashing each header into a new map.
#[derive(Default)]
pub(crate) struct PreflightTemplates([Template; 8]);

#[derive(Default)]
struct Template {
    headers: HeaderMap,
    /// Where `Access-Control-Allow-Origin`, `-Methods` and `-Headers` are in iteration order
    /// (`usize::MAX` for one the shape leaves out), read off the built map.
    slots: [usize; 3],
}

impl PreflightTemplates {
    /// Grants nothing if a value were ever left unwritten: an empty `Access-Control-Allow-Origin`
    /// matches no origin.
    const PLACEHOLDER: HeaderValue = HeaderValue::from_static("");

    pub(crate) fn new(policy: &Policy) -> Self {
        Self(std::array::from_fn(|shape| {
            let grant = PreflightGrant {
                origin: AllowOrigin::Echo(Self::PLACEHOLDER),
                method: (shape & 1 != 0).then_some(Self::PLACEHOLDER),
                headers: (shape & 2 != 0).then_some(Self::PLACEHOLDER),
                private_network: shape & 4 != 0,
            };
            let grant = preflight_grant_headers(policy, grant);
            let mut headers = HeaderMap::with_capacity(1 + grant.iter().filter(|(_, value)| value.is_some()).count());
            headers.extend(grant.into_iter().filter_map(|(name, value)| Some((name, value?))));
            headers.insert(VARY, policy.preflight_vary.value.clone());
            let at = |wanted: &HeaderName| headers.keys().position(|name| name == wanted).unwrap_or(usize::MAX);
            let slots =
                [&ACCESS_CONTROL_ALLOW_ORIGIN, &ACCESS_CONTROL_ALLOW_METHODS, &ACCESS_CONTROL_ALLOW_HEADERS].map(at);
            Template { headers, slots }
        }))
    }

    fn for_grant(&self, grant: &PreflightGrant) -> &Template {
        let shape = usize::from(grant.method.is_some())
            | usize::from(grant.headers.is_some()) << 1
            | usize::from(grant.private_network) << 2;
        &self.0[shape]
    }
}

/// Every header of a preflight grant, `None` for those this grant leaves out.
fn preflight_grant_headers(policy: &Policy, grant: PreflightGrant) -> [(HeaderName, Option<HeaderValue>); 6] {
    [
        (ACCESS_CONTROL_ALLOW_ORIGIN, Some(allow_origin_value(grant.origin))),
        (ACCESS_CONTROL_ALLOW_CREDENTIALS, policy.credentials.then_some(TRUE)),
        (ACCESS_CONTROL_ALLOW_METHODS, grant.method),
        (ACCESS_CONTROL_ALLOW_HEADERS, grant.headers),
        (ACCESS_CONTROL_MAX_AGE, policy.max_age.clone()),
        (ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, grant.private_network.then_some(TRUE)),
    ]
}

/// A refusal answered by the layer: 403, `Vary`, and nothing that discloses the policy.
pub(crate) fn forbidden<B: Default>(vary: &VaryList) -> Response<B> {
    let mut response = Response::new(B::default());
    *response.status_mut() = StatusCode::FORBIDDEN;
    *response.headers_mut() = vary.alone.clone();
    response
}

/// `own_grants`: whether the response may hold grant headers set by the inner service.
fn insert_origin_and_credentials(policy: &Policy, headers: &mut HeaderMap, origin: AllowOrigin, own_grants: bool) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin_value(origin));
    if policy.credentials {
        headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    } else if own_grants {
        headers.remove(ACCESS_CONTROL_ALLOW_CREDENTIALS);
    }
}

fn allow_origin_value(origin: AllowOrigin) -> HeaderValue {
    match origin {
        AllowOrigin::Any => STAR,
        AllowOrigin::Echo(value) => value,
    }
}

/// Writes a preflight grant over whatever the inner service set (passthrough mode).
fn insert_preflight_grant(policy: &Policy, headers: &mut HeaderMap, grant: PreflightGrant) {
    for (name, value) in preflight_grant_headers(policy, grant) {
        match value {
            Some(value) => headers.insert(name, value),
            None => headers.remove(name),
        };
    }
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
fn collapse(headers: &mut HeaderMap, name: HeaderName, extra: &[HeaderName]) {
    let lines = headers.get_all(&name).iter().count();
    let missing =
        |n: &&HeaderName| !list_elements(headers, &name).any(|e| e.eq_ignore_ascii_case(n.as_str().as_bytes()));
    let missing: Vec<&HeaderName> = extra.iter().filter(missing).collect();
    if lines <= 1 && missing.is_empty() {
        return;
    }
    let mut joined = Vec::new();
    let existing = list_elements(headers, &name).map(<[u8]>::to_vec).collect::<Vec<_>>();
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for element in existing.into_iter().chain(missing.iter().map(|n| n.as_str().as_bytes().to_vec())) {
        if seen.iter().any(|s| s.eq_ignore_ascii_case(&element)) {
            continue;
        }
        if !joined.is_empty() {
            joined.extend_from_slice(b", ");
        }
        joined.extend_from_slice(&element);
        seen.push(element);
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

/// The non-empty, whitespace-trimmed elements of every line of a list header.
fn list_elements<'a>(headers: &'a HeaderMap, name: &HeaderName) -> impl Iterator<Item = &'a [u8]> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|line| line.as_bytes().split(|&b| b == b','))
        .map(|e| e.trim_ascii())
        .filter(|e| !e.is_empty())
}
