//! Stage 5, diagnosis: why a request was refused and what to change, as a value
//! ([`Explanation`](crate::Explanation)), in debug mode's answers and in `tracing` events. It
//! reads the decision; it never makes one of its own.

pub(crate) mod debug_mode;
pub mod explain;
pub(crate) mod hint;
pub(crate) mod trace;
