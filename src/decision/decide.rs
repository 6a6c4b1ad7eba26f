//! The pure decision core: a request's head in, the action to take out, no I/O.
//!
//! Classification follows the Fetch Standard's `#http-requests`: a request without `Origin`
//! is not a CORS request; `OPTIONS` with `Origin` and `Access-Control-Request-Method` is a
//! preflight; every other request with `Origin` is an actual CORS request. Every option
//! (passthrough, blocking, the same-origin exemption, the exempt paths, the WebSocket guard, any
//! origin) is applied here and nowhere else: the service carries out the [`Action`], and an
//! async origin check only delays which of its two steps is taken.

use http::header::{GetAll, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN};
use http::{HeaderMap, HeaderName, HeaderValue, Method};

use crate::config::allow_methods::{is_forbidden_method, is_safelisted_method};
use crate::config::allow_origin::BoxedCheck;
use crate::config::origin::{is_visible_ascii, MAX_ORIGIN_LEN};
use crate::decision::grant::{
    Action, Answer, Decided, DecidedPreflight, Explained, Grant, OriginGrant, PreflightGrant, Reason, Refusal, Refused,
    RequestKind, RequestedHeaders, Step,
};
use crate::decision::head::RequestHead;
use crate::decision::same_origin::{cross_site_write, is_same_origin};
use crate::decision::upgrade::is_websocket_handshake;
use crate::policy::request_headers::{self, is_tchar, HeadersRefused, Requested};
use crate::policy::rules::{OriginRule, Policy, ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK};
use crate::words::same_bytes;

/// The decision on one request: what to do, and the facts behind it. The service carries out
/// `action`; `explain`, debug mode and the trace read the rest, so none of them decides again.
pub(crate) struct Decision<'a> {
    pub(crate) action: Decided<'a, BoxedCheck>,
    pub(crate) kind: RequestKind,
    /// Why the request was refused, whenever it is refused now: its origin, method or headers
    /// (a same-origin request let through included); see [`Decision::refusal`]. A refusal by an
    /// async check is known only later, by the response future. Where nothing reads the reason
    /// (a service without `tracing` or debug mode), a listed policy's miss is `OriginNotAllowed`
    /// even if the value is malformed: the answer is the same, and the byte check is skipped.
    /// Kept as two plain fields rather than an `Option<Refusal>`, so that the decision stays
    /// small: past 128 bytes every request pays for a `memcpy` of it (callgrind).
    reason: Option<Reason>,
    /// The offending request bytes, when `reason` is set.
    value: &'a [u8],
    /// The refused request comes from the server's own origin, and is let through as such: it
    /// needs no grant, and is not reported as refused.
    pub(crate) same_origin: bool,
    /// Blocking would refuse the request, but its path is exempt
    /// ([`allow_cross_origin_posts_to`](crate::CorsLayer::allow_cross_origin_posts_to)): it is let
    /// through without a grant.
    pub(crate) exempt: bool,
}

impl<'a> Decision<'a> {
    /// A request that is not refused (now: an async check may refuse it later).
    #[inline]
    fn new(kind: RequestKind, action: Decided<'a, BoxedCheck>) -> Self {
        Self { action, kind, reason: None, value: &[], same_origin: false, exempt: false }
    }

    #[inline]
    fn now(kind: RequestKind, step: Step<DecidedPreflight<'a>>) -> Self {
        Self::new(kind, Action::Now(step))
    }

    /// A refused request: what `refused` leads to (in debug mode, an answer the layer gives itself
    /// is debug mode's, which lets the browser name the cause), and why.
    #[inline]
    fn refused(
        policy: &Policy,
        request: &impl RequestHead,
        kind: RequestKind,
        refused: Refused,
        refusal: Refusal<'a>,
    ) -> Self {
        let step = match policy.debug && !refused.call {
            true => debug_answer(policy, request, refused.preflight, refusal.reason),
            false => refused.step(),
        };
        Self {
            action: Action::Now(step),
            kind,
            reason: Some(refusal.reason),
            value: refusal.value,
            same_origin: !refused.report,
            exempt: refused.exempt,
        }
    }

    /// The refusal to report (trace, debug mode's log): not a same-origin request let through.
    #[inline]
    pub(crate) fn reported(&self) -> Option<Refusal<'a>> {
        self.refusal().filter(|_| !self.same_origin)
    }

    /// Why the request was refused, if it was.
    #[inline]
    pub(crate) fn refusal(&self) -> Option<Refusal<'a>> {
        self.reason.map(|reason| Refusal { reason, value: self.value })
    }
}

/// Whether blocking lets the request through for its path ([`Policy::is_exempt`]), should its
/// origin be refused; explanations ask it too, to name the rule.
pub(crate) fn exempt_from_blocking(policy: &Policy, request: &impl RequestHead) -> bool {
    policy.block && policy.is_exempt(request.method(), request.uri().path())
}

/// Whether the service reads a refusal's reason: to log it, or to answer with it in debug mode.
#[inline]
fn reads_refusals(policy: &Policy) -> bool {
    policy.debug || cfg!(feature = "tracing")
}

fn refuse(reason: Reason, value: &[u8]) -> Refusal<'_> {
    Refusal { reason, value }
}

// The names every CORS request is asked for, as statics: looking a `const` name up builds and
// drops a temporary each time (16 instructions a lookup, callgrind).
static ORIGIN_NAME: HeaderName = ORIGIN;
static REQUEST_METHOD_NAME: HeaderName = ACCESS_CONTROL_REQUEST_METHOD;
static REQUEST_HEADERS_NAME: HeaderName = ACCESS_CONTROL_REQUEST_HEADERS;

/// Decides what to do with a request, to serve it.
#[inline]
pub(crate) fn decide<'a>(policy: &'a Policy, request: &'a impl RequestHead) -> Decision<'a> {
    decide_for::<false>(policy, request)
}

/// Decides what to do with a request, to explain it: the same decision, which also tells a
/// same-origin request apart where serving it does not need to (the answer is the same).
pub(crate) fn decide_to_explain<'a>(policy: &'a Policy, request: &'a impl RequestHead) -> Decision<'a> {
    decide_for::<true>(policy, request)
}

#[inline]
fn decide_for<'a, const EXPLAIN: bool>(policy: &'a Policy, request: &'a impl RequestHead) -> Decision<'a> {
    let headers = request.headers();
    let mut origins = headers.get_all(&ORIGIN_NAME).iter();
    let Some(origin) = origins.next() else {
        // Only blocking asks more of a request without `Origin`.
        if policy.block {
            if let Some(site) = cross_site_write(request) {
                return decide_cross_site_write(policy, request, site);
            }
        }
        return Decision::now(RequestKind::NonCors, Step::Call(non_cors_grant(policy)));
    };
    let one_origin = origins.next().is_none();
    // Looked up once, to classify the request and then to check the method.
    let request_method = (request.method() == Method::OPTIONS)
        .then(|| headers.get_all(&REQUEST_METHOD_NAME))
        .filter(|lines| lines.iter().next().is_some());
    match request_method {
        Some(request_method) => decide_preflight::<EXPLAIN>(policy, request, origin, one_origin, request_method),
        None => decide_actual::<EXPLAIN>(policy, request, origin, one_origin),
    }
}

/// Under blocking, a write without `Origin` that the browser says is cross-site or same-site (Go's
/// `CrossOriginProtection` refuses it too): blocked, unless every origin is allowed or its path
/// is exempt. Not a CORS request, so nothing is granted either way.
#[cold]
fn decide_cross_site_write<'a>(policy: &Policy, request: &impl RequestHead, site: &'a HeaderValue) -> Decision<'a> {
    if matches!(policy.origin, OriginRule::Any) {
        return Decision::now(RequestKind::NonCors, Step::Call(non_cors_grant(policy)));
    }
    if exempt_from_blocking(policy, request) {
        return Decision { exempt: true, ..Decision::now(RequestKind::NonCors, Step::Call(non_cors_grant(policy))) };
    }
    let refused = Refused { call: false, preflight: false, report: true, upgrade: false, exempt: false };
    let refusal = refuse(Reason::CrossSiteWithoutOrigin, site.as_bytes());
    Decision::refused(policy, request, RequestKind::NonCors, refused, refusal)
}

/// Under any origin every non-preflight answer is the same static grant, so a shared cache may
/// store one copy for all (`#cors-protocol-and-http-caches`); otherwise only `Vary`.
fn non_cors_grant(policy: &Policy) -> Grant {
    match policy.origin {
        OriginRule::Any => Grant::Actual(OriginGrant::Any),
        _ => Grant::NonCors,
    }
}

#[inline]
fn decide_actual<'a, const EXPLAIN: bool>(
    policy: &Policy,
    request: &'a impl RequestHead,
    origin: &'a HeaderValue,
    one_origin: bool,
) -> Decision<'a> {
    // `*` is one answer for every request: the `Origin` value is not read, however many lines.
    if let OriginRule::Any = policy.origin {
        return Decision::now(RequestKind::Actual, Step::Call(Grant::Actual(OriginGrant::Any)));
    }
    if !one_origin {
        // Never granted; same-origin only on `Sec-Fetch-Site`'s word, as there is no one origin
        // to compare with the request URI.
        let refusal = refuse(Reason::InvalidOrigin, origin.as_bytes());
        return refused_actual_decision::<EXPLAIN>(policy, request, None, refusal);
    }
    let verdict = check_origin(policy, origin, request, EXPLAIN || reads_refusals(policy));
    match verdict {
        Ok(OriginCheck::Allowed(grant)) => {
            Decision::now(RequestKind::Actual, Step::Call(Grant::Actual(grant.into_owned())))
        }
        Ok(OriginCheck::Async(check)) => match request.parts() {
            Some(parts) => Decision::new(
                RequestKind::Actual,
                Action::Check {
                    check: check(origin.clone(), parts),
                    allowed: Step::Call(Grant::Actual(OriginGrant::Echo(origin.clone()))),
                    refused: refused_actual::<EXPLAIN>(policy, request, Some(origin)),
                },
            ),
            None => {
                let refusal = refuse(Reason::OriginNotAllowed, origin.as_bytes());
                refused_actual_decision::<EXPLAIN>(policy, request, Some(origin), refusal)
            }
        },
        Err(refusal) => refused_actual_decision::<EXPLAIN>(policy, request, Some(origin), refusal),
    }
}

#[inline]
fn refused_actual_decision<'a, const EXPLAIN: bool>(
    policy: &Policy,
    request: &impl RequestHead,
    origin: Option<&HeaderValue>,
    mut refusal: Refusal<'a>,
) -> Decision<'a> {
    let refused = refused_actual::<EXPLAIN>(policy, request, origin);
    if refused.upgrade {
        refusal.reason = Reason::WebSocketOriginNotAllowed;
    }
    Decision::refused(policy, request, RequestKind::Actual, refused, refusal)
}

/// What happens to an actual request whose origin is refused. A same-origin request (browsers send `Origin` on same-origin `POST`s too) is
/// neither blocked nor reported as refused. A WebSocket handshake is blocked under the upgrade
/// guard even without blocking; a `POST` to an exempt path is not blocked.
/// `origin`: the request's one `Origin`, `None` when it sent several.
#[inline]
fn refused_actual<const EXPLAIN: bool>(
    policy: &Policy,
    request: &impl RequestHead,
    origin: Option<&HeaderValue>,
) -> Refused {
    // Read only here, for a refused origin: no other request pays for it.
    let upgrade = policy.guard_upgrades && is_websocket_handshake(request);
    let block = policy.block || upgrade;
    // Without blocking, a report to write or an explanation to give, a same-origin request gets
    // the same answer as any refused one, so the question is not even asked.
    let ask = EXPLAIN || block || reads_refusals(policy);
    let same_origin = ask && is_same_origin(request, origin);
    let exempt = block && !same_origin && exempt_from_blocking(policy, request);
    Refused { call: !block || same_origin || exempt, preflight: false, report: !same_origin, upgrade, exempt }
}

fn refused_preflight(policy: &Policy) -> Refused {
    Refused { call: policy.passthrough, preflight: true, report: true, upgrade: false, exempt: false }
}

/// Debug mode's answer to a refusal it answers itself. A preflight from an origin the policy
/// allows (without waiting on an async check) gets that origin's grant and a 200, so that the
/// browser goes on to check the method and the headers: refused for its headers, it also gets
/// the requested method and the requested headers that are allowed, so that the browser names
/// the header that is refused (a browser names the first name missing from the list, and an
/// absent list would make that the first requested). A refused origin is never granted.
#[cold]
#[inline(never)]
fn debug_answer<P>(policy: &Policy, request: &impl RequestHead, preflight: bool, reason: Reason) -> Step<P> {
    let origin = match preflight {
        true => allowed_origin(policy, request),
        false => None,
    };
    let headers = request.headers();
    let (method, allowed_headers) = match reason {
        Reason::HeaderNotAllowed => (
            headers.get(ACCESS_CONTROL_REQUEST_METHOD).cloned(),
            request_headers::allowed(headers.get_all(ACCESS_CONTROL_REQUEST_HEADERS), &policy.headers),
        ),
        Reason::MalformedRequestHeaders => (headers.get(ACCESS_CONTROL_REQUEST_METHOD).cloned(), None),
        _ => (None, None),
    };
    let explained = Explained { preflight, origin, method, headers: allowed_headers, text: bytes::Bytes::new() };
    Step::Answer(Answer::Explained(Box::new(explained)))
}

fn decide_preflight<'a, const EXPLAIN: bool>(
    policy: &'a Policy,
    request: &'a impl RequestHead,
    origin: &'a HeaderValue,
    one_origin: bool,
    request_method: GetAll<'a, HeaderValue>,
) -> Decision<'a> {
    let refused = |refusal: Refusal<'a>| {
        Decision::refused(policy, request, RequestKind::Preflight, refused_preflight(policy), refusal)
    };
    if !one_origin {
        return refused(refuse(Reason::InvalidOrigin, origin.as_bytes()));
    }
    let origin_check = match check_origin(policy, origin, request, EXPLAIN || reads_refusals(policy)) {
        Ok(check) => check,
        Err(refusal) => return refused(refusal),
    };
    let method = match check_method(policy, request_method) {
        Ok(method) => method,
        Err(refusal) => return refused(refusal),
    };
    let headers = request.headers();
    let allowed_headers = match check_headers(policy, headers) {
        Ok(allowed) => allowed,
        Err(refusal) => return refused(refusal),
    };
    let (grant_origin, check) = match origin_check {
        OriginCheck::Allowed(grant) => (grant, None),
        // The check runs last: nothing is asked of it for a preflight refused on its own terms.
        OriginCheck::Async(check) => match request.parts() {
            Some(parts) => (OriginGrant::Echo(origin), Some(check(origin.clone(), parts))),
            None => return refused(refuse(Reason::OriginNotAllowed, origin.as_bytes())),
        },
    };
    let grant = PreflightGrant {
        // The policy first: most never allow it, and then the request need not be searched.
        private_network: policy.private_network.is_enabled()
            && wants_private_network(headers)
            && policy.private_network.allows(origin, request.parts()),
        origin: grant_origin,
        method,
        headers: allowed_headers,
    };
    let granted = match policy.passthrough {
        true => Step::Passthrough(grant),
        false => Step::Answer(Answer::Preflight(grant)),
    };
    match check {
        None => Decision::now(RequestKind::Preflight, granted),
        Some(check) => Decision::new(
            RequestKind::Preflight,
            Action::Check { check, allowed: granted, refused: refused_preflight(policy) },
        ),
    }
}

/// The grant of a request's one `Origin` if the policy allows it without waiting on an async
/// check; for debug mode, off the request path.
fn allowed_origin(policy: &Policy, request: &impl RequestHead) -> Option<OriginGrant> {
    let mut origins = request.headers().get_all(ORIGIN).iter();
    let origin = origins.next().filter(|_| origins.next().is_none())?;
    match check_origin(policy, origin, request, true) {
        Ok(OriginCheck::Allowed(grant)) => Some(grant.into_owned()),
        _ => None,
    }
}

enum OriginCheck<'a, 'p> {
    /// Allowed: `*`, or the request's own value, cloned only where it is written.
    Allowed(OriginGrant<&'a HeaderValue>),
    /// Everything else passed; the async check decides. Not called yet, so that a request
    /// refused for another reason never starts it.
    Async(&'p crate::config::allow_origin::AsyncCheck),
}

/// Whether one `Origin` value is allowed, short of an async check. `words_refusal`: whether a
/// refusal's reason is read (an explanation, the trace, debug mode); when it is not, a list's
/// miss is refused without telling a malformed value apart, as the answer is the same.
/// Inlined: called, it costs the usual request about 45 instructions (callgrind).
#[inline(always)]
fn check_origin<'a, 'p>(
    policy: &'p Policy,
    origin: &'a HeaderValue,
    request: &impl RequestHead,
    words_refusal: bool,
) -> Result<OriginCheck<'a, 'p>, Refusal<'a>> {
    // `*` is one answer for every origin, so under it the value is not inspected.
    if let OriginRule::Any = policy.origin {
        return Ok(OriginCheck::Allowed(OriginGrant::Any));
    }
    let bytes = origin.as_bytes();
    // Bounded before anything reads it: an oversized value costs nothing to refuse.
    if bytes.is_empty() || bytes.len() > MAX_ORIGIN_LEN {
        return Err(refuse(Reason::InvalidOrigin, bytes));
    }
    let echo = || Ok(OriginCheck::Allowed(OriginGrant::Echo(origin)));
    // A list matches only a configured origin, or a pattern's host and port, whose bytes it
    // checks: a match needs no byte check, which then only tells a malformed miss apart.
    if let OriginRule::List(matcher) = &policy.origin {
        if matcher.matches(bytes) {
            return echo();
        }
        // A list's miss is refused whatever the bytes are, unless it may be `null`: the byte
        // check only words the refusal, for whoever reads it.
        if !policy.allow_null && !words_refusal {
            return Err(refuse(Reason::OriginNotAllowed, bytes));
        }
    }
    if !is_visible_ascii(bytes) {
        return Err(refuse(Reason::InvalidOrigin, bytes));
    }
    if bytes == b"null" {
        // Any page can send `null`, so only an explicit, dangerous opt-in answers it; no list or
        // custom policy is consulted.
        return match policy.allow_null {
            true => echo(),
            false => Err(refuse(Reason::OriginNotAllowed, bytes)),
        };
    }
    match &policy.origin {
        // Policies with callbacks always come with `Parts` (`Policy::needs_parts`); were one
        // ever without them, its callback could not run and the origin is refused.
        OriginRule::Policy(custom) => match request.parts() {
            Some(parts) if custom.is_allowed(origin, parts) => echo(),
            _ => Err(refuse(Reason::OriginNotAllowed, bytes)),
        },
        OriginRule::Async(check) => Ok(OriginCheck::Async(check.as_ref())),
        // Answered above.
        OriginRule::Any | OriginRule::List(_) => Err(refuse(Reason::OriginNotAllowed, bytes)),
    }
}

/// Checks `Access-Control-Request-Method`; grants it by echoing, unless it is safelisted.
fn check_method<'a>(
    policy: &'a Policy,
    lines: GetAll<'a, HeaderValue>,
) -> Result<Option<&'a HeaderValue>, Refusal<'a>> {
    let mut lines = lines.iter();
    let first = lines.next();
    let requested = first.map_or(&[][..], HeaderValue::as_bytes);
    let one_line = lines.next().is_none();
    // A configured method is a valid token and never a forbidden one, so an exact match (the
    // usual preflight) needs no further checks.
    if let Some(allowed) = policy.methods.iter().find(|m| one_line && same_bytes(m.as_bytes(), requested)) {
        return Ok(if is_safelisted_method(requested) { None } else { Some(allowed) });
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
        return Ok(first);
    }
    Err(not_allowed())
}

/// Checks `Access-Control-Request-Headers` and computes `Access-Control-Allow-Headers`.
fn check_headers<'a>(policy: &'a Policy, headers: &'a HeaderMap) -> Result<Option<RequestedHeaders<'a>>, Refusal<'a>> {
    let requested = request_headers::check(headers.get_all(&REQUEST_HEADERS_NAME), &policy.headers).map_err(
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
        _ if wildcard => Some(RequestedHeaders::Value(&policy.any_headers_value)),
        Requested::Line(line) => Some(RequestedHeaders::Value(line)),
        Requested::Joined => Some(RequestedHeaders::Joined(headers)),
    })
}

fn wants_private_network(headers: &HeaderMap) -> bool {
    headers.get(ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK).is_some_and(|v| v == "true")
}
