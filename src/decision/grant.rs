//! What the decision core hands to the service: the action to take and the grant to write.
//!
//! A leaf: these types depend on nothing else in the crate, so the decision, the response
//! writers and the service can all use them without importing each other.

use bytes::Bytes;
use http::HeaderValue;

/// What the service does with one request. Built by [`decide`](crate::decision::decide::decide), the one
/// place where a request's kind, its origin's verdict and the options meet.
pub(crate) enum Action<C> {
    /// Settled without waiting.
    Now(Step),
    /// An async origin check must resolve first; then one of the two steps is taken. Both are
    /// decided up front, so the future only picks one.
    Check { check: C, allowed: Step, refused: Refused },
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
    pub(crate) fn step(self) -> Step {
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
pub(crate) enum Step {
    /// Call the inner service; write this into its response.
    Call(Grant),
    /// Call the inner service with a granted preflight (passthrough); write the preflight grant
    /// into its response. Apart from [`Grant`] so that every other request moves a small grant
    /// (a 128-byte one cost 60 to 90 instructions a request, measured with callgrind).
    Passthrough(PreflightGrant),
    /// Answer without calling the inner service: a granted preflight, or a 403.
    Answer(Answer),
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
pub(crate) enum Answer {
    /// A granted preflight: the configured 2xx with its grant.
    Preflight(PreflightGrant),
    /// A refused preflight, or a blocked actual request: 403 and `Vary`, nothing else.
    Forbidden { preflight: bool },
    /// Debug mode's answer to a refusal: boxed, as it is rare and large.
    Explained(Box<Explained>),
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
pub(crate) enum OriginGrant {
    /// `*`.
    Any,
    /// The request's own `Origin`, byte for byte.
    Echo(HeaderValue),
}

/// The grant headers of a successful preflight, each computed from the request.
#[derive(Debug, Clone)]
pub(crate) struct PreflightGrant {
    pub(crate) origin: OriginGrant,
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

pub(crate) use crate::decision::reason::RefusalReason as Reason;
