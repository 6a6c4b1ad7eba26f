//! The pure decision core: request parts in, decision out, no I/O.
//!
//! Classification follows the Fetch Standard's `#http-requests`: a request without `Origin`
//! is not a CORS request; `OPTIONS` with `Origin` and `Access-Control-Request-Method` is a
//! preflight; every other request with `Origin` is an actual CORS request.

use http::header::{GetAll, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, HOST, ORIGIN};
use http::{HeaderMap, HeaderValue, Method};

use crate::allow_methods::{is_forbidden_method, is_safelisted_method};
use crate::allow_origin::BoxedCheck;
use crate::head::RequestHead;
use crate::origin::{is_visible_ascii, MAX_ORIGIN_LEN};
use crate::policy::{OriginRule, Policy, ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK};
use crate::request_headers::{self, is_tchar, HeadersRefused, Requested};

/// What the layer does with one request.
pub(crate) enum Decision<'a> {
    /// No `Origin`: the inner service answers; only `Vary` is added.
    NonCors,
    /// A CORS-preflight request.
    Preflight(Verdict<'a, PreflightGrant>),
    /// An actual CORS request.
    Actual(Verdict<'a, AllowOrigin>),
}

/// Whether a CORS request is granted.
pub(crate) enum Verdict<'a, G> {
    Granted(G),
    Refused(Refusal<'a>),
    /// Everything but an async origin check passed; grant `G` if the check resolves to `true`.
    Pending(BoxedCheck, G),
}

/// The value of `Access-Control-Allow-Origin`.
#[derive(Clone, Debug)]
pub(crate) enum AllowOrigin {
    /// `*`.
    Any,
    /// The request's own `Origin`, byte for byte.
    Echo(HeaderValue),
}

/// The grant headers of a successful preflight, each computed from the request.
#[derive(Debug)]
pub(crate) struct PreflightGrant {
    pub(crate) origin: AllowOrigin,
    /// The requested method, unless it is safelisted.
    pub(crate) method: Option<HeaderValue>,
    /// The requested header names, or `*` where that is safe.
    pub(crate) headers: Option<HeaderValue>,
    pub(crate) private_network: bool,
}

/// Why a CORS request was refused, with the offending bytes borrowed from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal<'a> {
    pub(crate) reason: Reason,
    pub(crate) value: &'a [u8],
}

/// A stable reason code for a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    OriginNotAllowed,
    InvalidOrigin,
    MethodNotAllowed,
    HeaderNotAllowed,
    MalformedRequestHeaders,
}

impl Reason {
    #[allow(dead_code)]
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Reason::OriginNotAllowed => "origin_not_allowed",
            Reason::InvalidOrigin => "invalid_origin",
            Reason::MethodNotAllowed => "method_not_allowed",
            Reason::HeaderNotAllowed => "header_not_allowed",
            Reason::MalformedRequestHeaders => "malformed_request_headers",
        }
    }
}

fn refuse(reason: Reason, value: &[u8]) -> Refusal<'_> {
    Refusal { reason, value }
}

/// Decides what to do with a request.
pub(crate) fn decide<'a>(policy: &Policy, request: &'a impl RequestHead) -> Decision<'a> {
    let headers = request.headers();
    let mut origins = headers.get_all(ORIGIN).iter();
    let Some(origin) = origins.next() else {
        return Decision::NonCors;
    };
    // Looked up once, to classify the request and then to check the method.
    let request_method = (request.method() == Method::OPTIONS)
        .then(|| headers.get_all(ACCESS_CONTROL_REQUEST_METHOD))
        .filter(|lines| lines.iter().next().is_some());
    let origin =
        if origins.next().is_some() { Err(refuse(Reason::InvalidOrigin, origin.as_bytes())) } else { Ok(origin) };
    let origin = origin.and_then(|origin| check_origin(policy, origin, request));
    let Some(request_method) = request_method else {
        return Decision::Actual(match origin {
            Ok(OriginCheck::Allowed(allow)) => Verdict::Granted(allow),
            Ok(OriginCheck::Pending(check, allow)) => Verdict::Pending(check, allow),
            Err(refusal) => Verdict::Refused(refusal),
        });
    };
    let (check, origin) = match origin {
        Ok(OriginCheck::Allowed(allow)) => (None, allow),
        Ok(OriginCheck::Pending(check, allow)) => (Some(check), allow),
        Err(refusal) => return Decision::Preflight(Verdict::Refused(refusal)),
    };
    let method = match check_method(policy, request_method) {
        Ok(method) => method,
        Err(refusal) => return Decision::Preflight(Verdict::Refused(refusal)),
    };
    let allowed_headers = match check_headers(policy, headers) {
        Ok(allowed) => allowed,
        Err(refusal) => return Decision::Preflight(Verdict::Refused(refusal)),
    };
    let grant = PreflightGrant {
        // The policy first: most never allow it, and then the request need not be searched.
        private_network: policy.private_network.is_enabled()
            && wants_private_network(headers)
            && allows_private_network(policy, request),
        origin,
        method,
        headers: allowed_headers,
    };
    Decision::Preflight(match check {
        None => Verdict::Granted(grant),
        Some(check) => Verdict::Pending(check, grant),
    })
}

enum OriginCheck {
    Allowed(AllowOrigin),
    Pending(BoxedCheck, AllowOrigin),
}

/// Policies with callbacks always come with `Parts` ([`Policy::needs_parts`]); were one ever
/// without them, its callback could not run and the origin is refused.
fn check_origin<'a>(
    policy: &Policy,
    origin: &'a HeaderValue,
    request: &impl RequestHead,
) -> Result<OriginCheck, Refusal<'a>> {
    // `*` is one answer for every origin, so under it the value is not inspected.
    if let OriginRule::Any = policy.origin {
        return Ok(OriginCheck::Allowed(AllowOrigin::Any));
    }
    let bytes = origin.as_bytes();
    // Bounded before anything reads it: an oversized value costs nothing to refuse.
    if bytes.is_empty() || bytes.len() > MAX_ORIGIN_LEN {
        return Err(refuse(Reason::InvalidOrigin, bytes));
    }
    let echo = || AllowOrigin::Echo(origin.clone());
    // A list matches only a configured origin, or a pattern's host and port, whose bytes it
    // checks: a match needs no byte check, which then only tells a malformed miss apart.
    let listed = match &policy.origin {
        OriginRule::List(matcher) => matcher.matches(bytes),
        _ => false,
    };
    if listed {
        return Ok(OriginCheck::Allowed(echo()));
    }
    if !is_visible_ascii(bytes) {
        return Err(refuse(Reason::InvalidOrigin, bytes));
    }
    if bytes == b"null" {
        // Any page can send `null`, so only an explicit, dangerous opt-in answers it; no list or
        // custom policy is consulted.
        return match policy.allow_null {
            true => Ok(OriginCheck::Allowed(echo())),
            false => Err(refuse(Reason::OriginNotAllowed, bytes)),
        };
    }
    let allowed = match &policy.origin {
        // Answered above.
        OriginRule::Any | OriginRule::List(_) => false,
        OriginRule::Policy(custom) => request.parts().is_some_and(|parts| custom.is_allowed(origin, parts)),
        OriginRule::Async(check) => match request.parts() {
            Some(parts) => return Ok(OriginCheck::Pending(check(origin.clone(), parts), echo())),
            None => false,
        },
    };
    if allowed {
        Ok(OriginCheck::Allowed(echo()))
    } else {
        Err(refuse(Reason::OriginNotAllowed, bytes))
    }
}

/// Checks `Access-Control-Request-Method`; grants it by echoing, unless it is safelisted.
fn check_method<'a>(policy: &Policy, lines: GetAll<'a, HeaderValue>) -> Result<Option<HeaderValue>, Refusal<'a>> {
    let mut lines = lines.iter();
    let first = lines.next();
    let requested = first.map_or(&[][..], HeaderValue::as_bytes);
    let one_line = lines.next().is_none();
    // A configured method is a valid token and never a forbidden one, so an exact match (the
    // usual preflight) needs no further checks.
    if let Some(allowed) = policy.methods.iter().find(|m| one_line && m.as_bytes() == requested) {
        return Ok(if is_safelisted_method(requested) { None } else { Some(allowed.clone()) });
    }
    let well_formed = one_line && !requested.is_empty() && requested.iter().all(|&b| is_tchar(b));
    let not_allowed = || refuse(Reason::MethodNotAllowed, requested);
    // Valid tokens are ASCII, so the `str` conversion only fails on malformed input.
    let text = std::str::from_utf8(requested).ok().filter(|_| well_formed).ok_or_else(not_allowed)?;
    if is_forbidden_method(text) {
        return Err(not_allowed());
    }
    if is_safelisted_method(requested) {
        return Ok(None);
    }
    // Every listed method was matched above.
    if policy.any_method {
        return Ok(first.cloned());
    }
    Err(not_allowed())
}

/// Checks `Access-Control-Request-Headers` and computes `Access-Control-Allow-Headers`.
fn check_headers<'a>(policy: &Policy, headers: &'a HeaderMap) -> Result<Option<HeaderValue>, Refusal<'a>> {
    let requested = request_headers::check(headers.get_all(ACCESS_CONTROL_REQUEST_HEADERS), &policy.headers).map_err(
        |refused| match refused {
            HeadersRefused::NotAllowed(name) => refuse(Reason::HeaderNotAllowed, name),
            HeadersRefused::Malformed(value) => refuse(Reason::MalformedRequestHeaders, value),
        },
    )?;
    // Without credentials `*` grants every name but `authorization`; with them `*` is a literal
    // name, so the validated names are echoed instead.
    let wildcard = policy.headers.any && !policy.credentials;
    Ok(match requested {
        Requested::Nothing => None,
        _ if wildcard => Some(policy.any_headers_value.clone()),
        Requested::Line(line) => Some(line.clone()),
        Requested::Joined(joined) => Some(joined),
    })
}

fn wants_private_network(headers: &HeaderMap) -> bool {
    headers.get(ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK).is_some_and(|v| v == "true")
}

fn allows_private_network(policy: &Policy, request: &impl RequestHead) -> bool {
    request.headers().get(ORIGIN).is_some_and(|origin| policy.private_network.allows(origin, request.parts()))
}

/// Whether a request carrying `Origin` comes from the server's own origin: browsers send
/// `Origin` on same-origin `POST`s too, and blocking those would break the site itself.
pub(crate) fn is_same_origin(request: &impl RequestHead) -> bool {
    let headers = request.headers();
    if headers.get("sec-fetch-site").is_some_and(|v| v == "same-origin") {
        return true;
    }
    let Some(origin) = headers.get(ORIGIN).and_then(|o| o.to_str().ok()) else {
        return false;
    };
    let Some((scheme @ ("http" | "https"), authority)) = origin.split_once("://") else {
        return false;
    };
    let uri = request.uri();
    if let (Some(own_scheme), Some(own_authority)) = (uri.scheme_str(), uri.authority()) {
        return own_scheme == scheme && same_authority(scheme, authority, own_authority.as_str());
    }
    headers.get(HOST).and_then(|host| host.to_str().ok()).is_some_and(|host| same_authority(scheme, authority, host))
}

/// Compares an origin's `host[:port]` with a `Host` value, which may spell out the default port.
fn same_authority(scheme: &str, origin_authority: &str, host: &str) -> bool {
    let default_port = match scheme {
        "http" => ":80",
        "https" => ":443",
        _ => "",
    };
    let host = match host.strip_suffix(default_port) {
        Some(stripped) if !default_port.is_empty() => stripped,
        _ => host,
    };
    origin_authority.eq_ignore_ascii_case(host)
}
