//! Why a request was refused: one `DEBUG` event per refusal with the `tracing` feature, nothing
//! at all without it.

use crate::decision::grant::Reason;

/// Records a refusal. The value is the offending request bytes.
#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(crate) fn refused(_reason: Reason, _value: &[u8]) {}

/// Records a refusal as one `DEBUG` event, target `tower_cors`. The value is escaped, capped at
/// 128 bytes and quoted, since attackers choose it and its size: a space or a `"` in it can
/// never make it read as another field.
#[cfg(feature = "tracing")]
pub(crate) fn refused(reason: Reason, value: &[u8]) {
    if tracing::enabled!(target: "tower_cors", tracing::Level::DEBUG) {
        let (shown, truncated) = crate::decision::reason::shown_part(value);
        // `escape_ascii` escapes `"` and `\`, so the closing quote is the only bare one.
        let quoted = format!("\"{}\"", shown.escape_ascii());
        tracing::debug!(
            target: "tower_cors",
            reason = reason.as_str(),
            value = %quoted,
            truncated,
            "CORS request refused"
        );
    }
}

/// Says that the inner service's response carried a CORS grant this layer replaced: a `WARN`
/// event with the `tracing` feature (the caller says it once per policy).
#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(crate) fn replaced(_message: &str) {}

/// Says that the inner service's response carried a CORS grant this layer replaced: a `WARN`
/// event, target `tower_cors`.
#[cfg(feature = "tracing")]
pub(crate) fn replaced(message: &str) {
    tracing::warn!(target: "tower_cors", "{message}");
}

/// Debug mode's explanation of a refused request: a `WARN` event, target `tower_cors`.
#[cfg(feature = "tracing")]
pub(crate) fn explained(explanation: &dyn std::fmt::Display) {
    tracing::warn!(target: "tower_cors", "{explanation}");
}

/// Debug mode's explanation of a refused request, on standard error: without the `tracing`
/// feature there is no other place to say it, and debug mode is for development only.
#[cfg(not(feature = "tracing"))]
#[allow(clippy::print_stderr)]
pub(crate) fn explained(explanation: &dyn std::fmt::Display) {
    eprintln!("tower-cors debug mode: {explanation}");
}

/// Says that a layer was built with debug mode on: a `WARN` event, target `tower_cors`.
#[cfg(feature = "tracing")]
pub(crate) fn debug_mode_on(message: &str) {
    tracing::warn!(target: "tower_cors", "{message}");
}

/// Says that a layer was built with debug mode on, on standard error: without the `tracing`
/// feature there is no other place, and it must not go unnoticed.
#[cfg(not(feature = "tracing"))]
#[allow(clippy::print_stderr)]
pub(crate) fn debug_mode_on(message: &str) {
    eprintln!("{message}");
}
