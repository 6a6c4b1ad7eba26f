//! Debug mode ([`CorsLayer::debug`](crate::CorsLayer::debug)): a refused request is explained
//! in the log, and a refusal the layer answers carries its explanation. Reached only for a
//! refused request of a policy in debug mode.

use bytes::Bytes;
use http::header::ACCESS_CONTROL_REQUEST_METHOD;
use http::Response;

use crate::decision::decide::allowed_origin;
use crate::decision::grant::{Answer, Explained, Refused};
use crate::decision::head::RequestHead;
use crate::decision::reason::RefusalReason;
use crate::diagnosis::explain::{explain, Verdict};
use crate::diagnosis::trace;
use crate::response::answer;
use crate::response::compiled::Compiled;

/// Explains a refused request: logs the explanation and, if the layer answers the request
/// itself, returns that answer and the explanation for its body; `None` if the inner service is
/// to be called.
#[cold]
#[inline(never)]
pub(crate) fn refused(
    compiled: &Compiled,
    request: &impl RequestHead,
    refused: Refused,
) -> Option<(Response<()>, Bytes)> {
    let explanation = explain(compiled, request);
    // A same-origin request let through needs no grant and is not a refusal.
    if explanation.verdict() == Verdict::Refused {
        trace::explained(&explanation);
    }
    if refused.call {
        return None;
    }
    let preflight = refused.preflight;
    let reason = explanation.refusal().map(|refusal| refusal.reason());
    // Only an origin the policy allows without waiting is granted (a refused origin, or one an
    // async check has yet to decide, never is): the browser then checks the method and headers,
    // and names what fails.
    let origin = match preflight {
        true => allowed_origin(&compiled.policy, request),
        false => None,
    };
    // Refused for its headers, the preflight's method was allowed: granting it lets the
    // browser's method check pass, so that its header check names the header.
    let method = match reason {
        Some(RefusalReason::HeaderNotAllowed | RefusalReason::MalformedRequestHeaders) => {
            request.headers().get(ACCESS_CONTROL_REQUEST_METHOD).cloned()
        }
        _ => None,
    };
    let text = format!(
        "{explanation}\n\n(tower-cors debug mode: it discloses part of the policy; turn it off in production)\n"
    );
    let answer = Answer::Explained(Box::new(Explained { preflight, origin, method }));
    Some((answer::answer(&compiled.policy, &compiled.templates, answer), Bytes::from(text)))
}

/// Debug mode's log line for a request refused by an async origin check.
#[cold]
#[inline(never)]
pub(crate) fn refused_by_check(origin: &[u8]) {
    trace::explained(&format_args!(
        "CORS request from `{}`: refused: your async origin check returned false",
        origin.escape_ascii()
    ));
}
