//! Debug mode ([`CorsLayer::debug`](crate::CorsLayer::debug)): a refused request is explained
//! in the log, and a refusal the layer answers carries its explanation. Reached only for a
//! refused request of a policy in debug mode. What the layer answers in debug mode is decided by
//! [`decide`](crate::decision::decide::decide), like every other answer; this module only words
//! it, from the same [`Decision`] that `explain` describes.

use bytes::Bytes;

use crate::decision::decide::Decision;
use crate::decision::grant::{Action, Answer, Step};
use crate::decision::head::RequestHead;
use crate::diagnosis::explain::describe;
use crate::diagnosis::hint::{bounded, TEXT_CAP};
use crate::diagnosis::trace;
use crate::response::compiled::Compiled;

/// What follows the explanation in a debug-mode body.
const WARNING: &str = "\n\n(tower-cors debug mode: it discloses part of the policy; turn it off in production)\n";

/// Explains a refused request: logs the explanation and, if the layer answers the request
/// itself, puts it in the answer's body.
#[cold]
#[inline(never)]
pub(crate) fn explain(compiled: &Compiled, request: &impl RequestHead, decision: &mut Decision<'_>) {
    let explanation = bounded(describe(compiled, request, decision).to_string(), TEXT_CAP - WARNING.len());
    trace::explained(&explanation);
    if let Action::Now(Step::Answer(Answer::Explained(answer))) = &mut decision.action {
        answer.text = Bytes::from(explanation + WARNING);
    }
}

/// Debug mode's log line for a request refused by an async origin check.
#[cold]
#[inline(never)]
pub(crate) fn refused_by_check(origin: &[u8]) {
    let (shown, truncated) = crate::decision::reason::shown_part(origin);
    trace::explained(&format_args!(
        "CORS request from `{}{}`: refused: your async origin check returned false",
        shown.escape_ascii(),
        if truncated { "..." } else { "" }
    ));
}

/// Says, when a layer is built with debug mode on, that it is: a setting read from a
/// configuration file must not reach production unnoticed.
#[cold]
pub(crate) fn built() {
    trace::debug_mode_on(
        "tower-cors: this CORS layer is built with debug mode on (`CorsLayer::debug(true)`, or `debug = true` \
         in its configuration): refusals are answered with explanations that disclose part of the policy. Turn it \
         off in production.",
    );
}
