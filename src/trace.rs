//! Why a request was refused: one `DEBUG` event per refusal with the `tracing` feature, nothing
//! at all without it.

use crate::decision::Reason;

/// Records a refusal. The value is the offending request bytes.
#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(crate) fn refused(_reason: Reason, _value: &[u8]) {}

/// Records a refusal as one `DEBUG` event, target `tower_cors`. The value is escaped and capped
/// at 128 bytes, since attackers choose it and its size.
#[cfg(feature = "tracing")]
pub(crate) fn refused(reason: Reason, value: &[u8]) {
    const CAP: usize = 128;
    if tracing::enabled!(target: "tower_cors", tracing::Level::DEBUG) {
        let shown = &value[..value.len().min(CAP)];
        let escaped = shown.escape_ascii().to_string();
        tracing::debug!(
            target: "tower_cors",
            reason = reason.as_str(),
            value = %escaped,
            truncated = value.len() > CAP,
            "CORS request refused"
        );
    }
}
