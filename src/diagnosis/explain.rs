//! [`Explanation`]: the layer's decision on one request, as a value, with what to change when
//! it refuses.
//!
//! Explaining a request runs the same decision and writes the same headers as serving it, so an
//! explanation never disagrees with the layer. It costs nothing on requests that are not
//! explained.

use std::borrow::Cow;
use std::fmt;

use http::header::ORIGIN;
use http::request::Parts;
use http::{HeaderMap, Request, StatusCode};

use crate::decision::decide::{decide_to_explain, Decision};
pub use crate::decision::grant::RequestKind;
use crate::decision::grant::{Action, Step};
use crate::decision::head::RequestHead;
use crate::decision::reason::{shown_part, RefusalReason};
use crate::diagnosis::hint::{hint, REACHES_INNER_SERVICE};
use crate::response::answer;
use crate::response::compiled::Compiled;
use crate::response::write::{write_grant, write_preflight_grant};

/// What the layer does with one request, and why: from
/// [`CorsLayer::explain`](crate::CorsLayer::explain), [`Cors::explain`](crate::Cors::explain) or
/// a reloadable layer's `ReloadHandle::explain`.
///
/// Its [`Display`](fmt::Display) is for people (a test's failure message, a log line); its
/// accessors and [`RefusalReason`] codes are for machines.
///
/// ```
/// use http::{header::CONTENT_TYPE, Method, Request};
/// use tower_cors::{explain::Verdict, CorsLayer, RefusalReason};
///
/// let cors = CorsLayer::new().allow_origins(["https://app.example.com"]).allow_headers([CONTENT_TYPE]);
/// let preflight = Request::options("/items")
///     .header("origin", "https://app.example.com")
///     .header("access-control-request-method", "DELETE")
///     .body(())?;
/// let explanation = cors.explain(&preflight)?;
///
/// assert_eq!(explanation.verdict(), Verdict::Refused);
/// assert!(!explanation.calls_inner_service());
/// assert_eq!(explanation.status(), Some(http::StatusCode::FORBIDDEN));
/// let refusal = explanation.refusal().unwrap();
/// assert_eq!(refusal.reason(), RefusalReason::MethodNotAllowed);
/// assert_eq!(refusal.value(), "DELETE");
/// assert!(refusal.hint().unwrap().starts_with("`DELETE` is not in allow_methods (allowed: GET, HEAD, POST)"));
/// println!("{explanation}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Explanation {
    kind: RequestKind,
    verdict: Verdict,
    origin: Option<String>,
    calls_inner: bool,
    status: Option<StatusCode>,
    headers: HeaderMap,
    refusal: Option<Refusal>,
}

/// The layer's verdict on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Not a CORS request: the inner service answers and the layer adds only `Vary` (or, under
    /// any origin, the same `Access-Control-Allow-Origin: *` as every response).
    NotCors,
    /// Granted: a browser lets the page read the response (or send the actual request).
    Allowed,
    /// Refused: the response carries no grant; [`Explanation::refusal`] says why.
    Refused,
    /// The origin is not allowed, but the request comes from the server's own origin, which
    /// needs no grant: browsers send `Origin` on same-origin `POST`s too. It reaches the inner
    /// service even under blocking.
    SameOrigin,
    /// The origin is not allowed, but blocking lets the request through because it is a `POST`
    /// to a path listed in
    /// [`allow_cross_origin_posts_to`](crate::CorsLayer::allow_cross_origin_posts_to): it
    /// reaches the inner service without a grant.
    Exempt,
    /// An async origin check decides, which an explanation does not run: everything else
    /// passed, and [`headers`](Explanation::headers) and [`status`](Explanation::status) are
    /// what the layer does if the check allows the origin.
    AwaitsAsyncCheck,
}

/// Why a request was refused, and what to change.
#[derive(Debug, Clone)]
pub struct Refusal {
    reason: RefusalReason,
    value: String,
    hint: Option<String>,
}

impl Refusal {
    /// The stable reason code.
    pub fn reason(&self) -> RefusalReason {
        self.reason
    }

    /// The offending request value (an `Origin`, a method, a header name), escaped and capped at
    /// 128 bytes.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// What to change in the configuration (or what the client did wrong), when there is
    /// something to say: near misses of an origin (scheme, port, a trailing `/`, `www.`, case,
    /// a subdomain, the bare domain under a `*.` pattern), the method or header to list.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

impl Explanation {
    /// How the request is classified.
    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    /// The verdict.
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// Whether a browser would be granted access: [`Verdict::Allowed`].
    pub fn is_allowed(&self) -> bool {
        self.verdict == Verdict::Allowed
    }

    /// Whether the inner service is called; `false` when the layer answers by itself.
    pub fn calls_inner_service(&self) -> bool {
        self.calls_inner
    }

    /// The status of the layer's own answer (a preflight's 204, a refusal's 403); `None` when
    /// the inner service answers.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The exact headers the layer answers with, or adds to an inner response that sets none of
    /// its own (with `expose_any_header()` and credentials, the exposed names are the inner
    /// response's, so none here).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Why the request was refused: always set for [`Verdict::Refused`] and
    /// [`Verdict::SameOrigin`], and for [`Verdict::Exempt`] when the request carries an `Origin`
    /// (the origin refused); never for the other verdicts.
    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref()
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestKind::NonCors => "request without Origin (not CORS)",
            RequestKind::Preflight => "CORS preflight",
            RequestKind::Actual => "CORS request",
        })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::NotCors => "passed on, no grant needed",
            Verdict::Allowed => "allowed",
            Verdict::Refused => "refused",
            Verdict::SameOrigin => "same-origin, passed on without a grant",
            Verdict::Exempt => "exempt from blocking by allow_cross_origin_posts_to, passed on without a grant",
            Verdict::AwaitsAsyncCheck => "decided by the async origin check",
        })
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(origin) = &self.origin {
            write!(f, " from `{origin}`")?;
        }
        write!(f, ": {}", self.verdict)?;
        if let Some(refusal) = &self.refusal {
            write!(f, ": {} ({})", refusal.reason, refusal.reason.as_str())?;
            write!(f, "\n  value: `{}`", refusal.value)?;
            if let Some(hint) = &refusal.hint {
                write!(f, "\n  hint: {hint}")?;
            }
        }
        match self.status {
            Some(status) => write!(f, "\n  the layer answers {status} itself; the inner service is not called")?,
            None if self.verdict == Verdict::Refused && self.kind == RequestKind::Actual => {
                write!(f, "\n  the inner service answers: {REACHES_INNER_SERVICE}")?
            }
            None => write!(f, "\n  the inner service answers")?,
        }
        if self.headers.is_empty() {
            return write!(f, "\n  CORS headers: none");
        }
        write!(f, "\n  CORS headers:")?;
        for (name, value) in &self.headers {
            // Echoed request values can be long: capped as the refused value is.
            write!(f, "\n    {name}: {}", shown(value.as_bytes()))?;
        }
        Ok(())
    }
}

/// A request head an explanation can read: `http::request::Parts`, or a whole `Request<B>`
/// (its body is not read). Sealed.
pub trait ExplainRequest: sealed::Sealed {
    #[doc(hidden)]
    fn head(&self) -> Cow<'_, Parts>;
}

impl ExplainRequest for Parts {
    fn head(&self) -> Cow<'_, Parts> {
        Cow::Borrowed(self)
    }
}

impl<B> ExplainRequest for Request<B> {
    fn head(&self) -> Cow<'_, Parts> {
        // Callbacks take `Parts`, so the head is copied out; explaining is not on the hot path.
        let (mut parts, ()) = Request::new(()).into_parts();
        parts.method = self.method().clone();
        parts.uri = self.uri().clone();
        parts.version = self.version();
        parts.headers = self.headers().clone();
        parts.extensions = self.extensions().clone();
        Cow::Owned(parts)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for http::request::Parts {}
    impl<B> Sealed for http::Request<B> {}
}

/// The offending value, escaped and capped, as the `tracing` event shows it.
fn shown(value: &[u8]) -> String {
    let (part, truncated) = shown_part(value);
    let mut shown = part.escape_ascii().to_string();
    if truncated {
        shown.push_str("...");
    }
    shown
}

/// What carrying out `step` does: whether the inner service is called, and the layer's own
/// status; the headers written go into `out`. The same writers as the service's.
fn carry_out(compiled: &Compiled, step: Step, out: &mut HeaderMap) -> (bool, Option<StatusCode>) {
    match step {
        Step::Call(grant) => {
            write_grant(&compiled.policy, grant, out);
            (true, None)
        }
        Step::Passthrough(grant) => {
            write_preflight_grant(&compiled.policy, grant, out);
            (true, None)
        }
        Step::Answer(answer) => {
            let response = answer::answer(&compiled.policy, &compiled.templates, answer);
            *out = response.headers().clone();
            (false, Some(response.status()))
        }
    }
}

/// Explains what the layer does with `request` under `compiled`.
pub(crate) fn explain(compiled: &Compiled, request: &impl RequestHead) -> Explanation {
    describe(compiled, request, &decide_to_explain(&compiled.policy, request))
}

/// The explanation of a decision: what carrying it out does, and why. The service's debug mode
/// and [`explain`] both describe the decision the service carries out, never one of their own.
pub(crate) fn describe(compiled: &Compiled, request: &impl RequestHead, decision: &Decision<'_>) -> Explanation {
    let headers = request.headers();
    let origin_lines = headers.get_all(ORIGIN).iter().count();
    let refusal = decision.refusal().map(|refused| Refusal {
        reason: refused.reason,
        value: shown(refused.value),
        hint: hint(&compiled.settings, refused.reason, refused.value, origin_lines),
    });
    let (step, awaits_check) = match &decision.action {
        Action::Now(step) => (step.clone(), false),
        // The check is not run: an explanation says what happens if it allows the origin.
        Action::Check { allowed, .. } => (allowed.clone(), true),
    };
    let mut out = HeaderMap::new();
    let (calls_inner, status) = carry_out(compiled, step.into_owned(), &mut out);
    let verdict = match (decision.kind, &refusal) {
        _ if awaits_check => Verdict::AwaitsAsyncCheck,
        // Let through by an exempt path: a refused origin's request, or a cross-site write
        // without one.
        _ if decision.exempt => Verdict::Exempt,
        (_, Some(_)) if decision.same_origin => Verdict::SameOrigin,
        (_, Some(_)) => Verdict::Refused,
        (RequestKind::NonCors, None) => Verdict::NotCors,
        (_, None) => Verdict::Allowed,
    };
    Explanation {
        kind: decision.kind,
        verdict,
        origin: headers.get(ORIGIN).map(|origin| shown(origin.as_bytes())),
        calls_inner,
        status,
        headers: out,
        refusal,
    }
}
