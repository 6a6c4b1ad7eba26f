//! Stage 4, the response: the layer's own answers (a granted preflight, a 403), the grant
//! written into the inner service's response, and the body type that carries either.

pub(crate) mod answer;
pub mod body;
pub(crate) mod compiled;
pub(crate) mod write;
