//! What the decision core hands to the service: the action to take and the grant to write.
//!
//! Besides joining a granted list of request headers (the policy stage's parser), these types
//! depend on nothing else in the crate, so the decision, the response writers and the service
//! can all use them without importing each other.

use bytes::Bytes;
use http::header::ACCESS_CONTROL_REQUEST_HEADERS;
use http::{HeaderMap, HeaderValue};

use crate::policy::request_headers;

/// What the service does with one request. Built by [`decide`](crate::decision::decide::decide), the one
/// place where a request's kind, its origin's verdict and the options meet.
///
/// As decided, a granted preflight's values are borrowed from the request and the policy
/// ([`Decided`]), which keeps every request's action small enough to be moved without a call to
/// `memcpy`; [`Action::into_owned`] clones them where the request moves on.
pub(crate) enum Action<C, P = PreflightGrant> {
    /// Settled without waiting.
    Now(Step<P>),
    /// An async origin check must resolve first; then one of the two steps is taken. Both are
    /// decided up front, so the future only picks one.
    Check { check: C, allowed: Step<P>, refused: Refused },
}

/// The action as [`decide`](crate::decision::decide::decide) returns it, borrowing from the
/// request and the policy.
pub(crate) type Decided<'a, C> = Action<C, DecidedPreflight<'a>>;

/// A granted preflight as decided, borrowing from the request and the policy.
pub(crate) type DecidedPreflight<'a> = PreflightGrant<&'a HeaderValue, RequestedHeaders<'a>>;

impl<C, V: GrantValue, H: GrantValue> Action<C, PreflightGrant<V, H>> {
    /// The action with its values cloned out of the request, to outlive it.
    pub(crate) fn into_owned(self) -> Action<C> {
        match self {
            Self::Now(step) => Action::Now(step.into_owned()),
            Self::Check { check, allowed, refused } => Action::Check { check, allowed: allowed.into_owned(), refused },
        }
    }
}

/// A header value of a grant, owned or borrowed from the request or the policy; cloned only when
/// it is written.
pub(crate) trait GrantValue {
    fn into_value(self) -> HeaderValue;
}

impl GrantValue for HeaderValue {
    #[inline]
    fn into_value(self) -> HeaderValue {
        self
    }
}

impl GrantValue for &HeaderValue {
    #[inline]
    fn into_value(self) -> HeaderValue {
        self.clone()
    }
}

/// The granted `Access-Control-Request-Headers`, as the request sent them.
#[derive(Debug, Clone)]
pub(crate) enum RequestedHeaders<'a> {
    /// One value to send as it is: the request's one line, or the policy's `*`.
    Value(&'a HeaderValue),
    /// Several lines of the request's headers, joined into one value when written.
    Joined(&'a HeaderMap),
}

impl GrantValue for RequestedHeaders<'_> {
    fn into_value(self) -> HeaderValue {
        match self {
            Self::Value(value) => value.clone(),
            Self::Joined(headers) => request_headers::join(headers.get_all(ACCESS_CONTROL_REQUEST_HEADERS)),
        }
    }
}

/// How the Fetch Standard classifies a request (`#http-requests`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestKind {
    /// No `Origin`: not a CORS request.
    NonCors,
    /// `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    Preflight,
    /// Any other request with `Origin`.
    Actual,
}

/// What an async check's refusal leads to: always one of four small steps, kept small so that
/// every request's [`Action`] stays small.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Refused {
    /// Call the inner service (passthrough, no blocking, or same-origin) or answer 403.
    pub(crate) call: bool,
    pub(crate) preflight: bool,
    /// Whether to report it as refused: not for a same-origin request, let through as such.
    pub(crate) report: bool,
    /// A WebSocket handshake, answered 403 by the upgrade guard: reported under its own reason.
    pub(crate) upgrade: bool,
    /// Let through by a path exempt from blocking, which would otherwise have answered 403.
    pub(crate) exempt: bool,
}

impl Refused {
    pub(crate) fn step<P>(self) -> Step<P> {
        let preflight = self.preflight;
        match self.call {
            true => Step::Call(self.grant()),
            false => Step::Answer(Answer::Forbidden { preflight }),
        }
    }

    /// Why an async check's refusal is reported: the origin, or the origin of a WebSocket
    /// handshake.
    pub(crate) fn reason(self) -> Reason {
        match self.upgrade {
            true => Reason::WebSocketOriginNotAllowed,
            false => Reason::OriginNotAllowed,
        }
    }

    /// What is written into the inner service's response when it is called.
    pub(crate) fn grant(self) -> Grant {
        Grant::Refused { preflight: self.preflight }
    }
}

/// One settled step: call the inner service and write a grant into its response, or answer
/// without calling it.
#[derive(Debug, Clone)]
pub(crate) enum Step<P = PreflightGrant> {
    /// Call the inner service; write this into its response.
    Call(Grant),
    /// Call the inner service with a granted preflight (passthrough); write the preflight grant
    /// into its response. Apart from [`Grant`] so that every other request moves a small grant
    /// (a 128-byte one cost 60 to 90 instructions a request, measured with callgrind).
    Passthrough(P),
    /// Answer without calling the inner service: a granted preflight, or a 403.
    Answer(Answer<P>),
}

impl<V: GrantValue, H: GrantValue> Step<PreflightGrant<V, H>> {
    /// The step with its values cloned out of the request, to outlive it.
    pub(crate) fn into_owned(self) -> Step {
        match self {
            Self::Call(grant) => Step::Call(grant),
            Self::Passthrough(grant) => Step::Passthrough(grant.into_owned()),
            Self::Answer(answer) => Step::Answer(answer.into_owned()),
        }
    }
}

/// What the layer writes into the inner service's response.
#[derive(Debug, Clone)]
pub(crate) enum Grant {
    /// A request without `Origin`: only `Vary`; the inner service's headers are left alone.
    NonCors,
    /// A refused (or same-origin) CORS request: `Vary`, and any grant header the inner service
    /// set itself removed, since the layer owns them on CORS requests.
    Refused { preflight: bool },
    /// An actual request from an allowed origin; under any origin, every non-preflight request.
    Actual(OriginGrant),
}

/// An answer the layer gives by itself.
#[derive(Debug, Clone)]
pub(crate) enum Answer<P = PreflightGrant> {
    /// A granted preflight: the configured 2xx with its grant.
    Preflight(P),
    /// A refused preflight, or a blocked actual request: 403 and `Vary`, nothing else.
    Forbidden { preflight: bool },
    /// Debug mode's answer to a refusal: boxed, as it is rare and large.
    Explained(Box<Explained>),
}

impl<V: GrantValue, H: GrantValue> Answer<PreflightGrant<V, H>> {
    fn into_owned(self) -> Answer {
        match self {
            Self::Preflight(grant) => Answer::Preflight(grant.into_owned()),
            Self::Forbidden { preflight } => Answer::Forbidden { preflight },
            Self::Explained(explained) => Answer::Explained(explained),
        }
    }
}

/// Debug mode's answer to a refusal, whose body is the explanation.
#[derive(Debug, Clone)]
pub(crate) struct Explained {
    pub(crate) preflight: bool,
    /// A preflight refused for its method or headers from an allowed origin: answered with a
    /// 200 and this origin's grant, so that the browser checks the method and headers and names
    /// the one it lacks (it checks the status first, and a 403 would hide the cause).
    pub(crate) origin: Option<OriginGrant>,
    /// The requested method, when it was allowed and the headers were not: granted, so that
    /// the browser's method check passes and its header check names the header.
    pub(crate) method: Option<HeaderValue>,
    /// The requested headers the policy allows, when some other requested header is not: listed,
    /// so that the browser's header check names the one that is refused, not the first it meets.
    pub(crate) headers: Option<HeaderValue>,
    /// The explanation, for the body: written by debug mode once the answer is decided.
    pub(crate) text: Bytes,
}

/// The value of `Access-Control-Allow-Origin`.
#[derive(Clone, Debug)]
pub(crate) enum OriginGrant<V = HeaderValue> {
    /// `*`.
    Any,
    /// The request's own `Origin`, byte for byte.
    Echo(V),
}

impl<V: GrantValue> OriginGrant<V> {
    /// The grant with its value cloned out of the request.
    #[inline]
    pub(crate) fn into_owned(self) -> OriginGrant {
        match self {
            Self::Any => OriginGrant::Any,
            Self::Echo(value) => OriginGrant::Echo(value.into_value()),
        }
    }
}

/// The grant headers of a successful preflight, each computed from the request: owned, or as
/// decided, borrowed (`V` = `&HeaderValue`, `H` = [`RequestedHeaders`]).
#[derive(Debug, Clone)]
pub(crate) struct PreflightGrant<V = HeaderValue, H = HeaderValue> {
    pub(crate) origin: OriginGrant<V>,
    /// The requested method, unless it is safelisted.
    pub(crate) method: Option<V>,
    /// The requested header names, or `*` where that is safe.
    pub(crate) headers: Option<H>,
    pub(crate) private_network: bool,
}

impl<V: GrantValue, H: GrantValue> PreflightGrant<V, H> {
    /// The grant with its values cloned out of the request and the policy.
    pub(crate) fn into_owned(self) -> PreflightGrant {
        PreflightGrant {
            origin: self.origin.into_owned(),
            method: self.method.map(GrantValue::into_value),
            headers: self.headers.map(GrantValue::into_value),
            private_network: self.private_network,
        }
    }
}

/// Why a CORS request was refused, with the offending bytes borrowed from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal<'a> {
    pub(crate) reason: Reason,
    pub(crate) value: &'a [u8],
}

pub(crate) use crate::decision::reason::RefusalReason as Reason;
