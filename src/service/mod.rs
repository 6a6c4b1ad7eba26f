//! Stage 6, the tower service: the [`CorsLayer`](crate::CorsLayer) builder and its presets, the
//! [`Cors`](crate::Cors) service that carries out the decision, its response future, and live
//! reconfiguration.

// Declared in the order rustdoc shows `CorsLayer`'s impl blocks: the builder (`layer`) first,
// then the presets (`grpc_web`) and the rare entry points (`reload`).
pub(crate) mod layer;

pub(crate) mod cors;
pub mod future;
pub(crate) mod grpc_web;
#[cfg(feature = "reload")]
pub mod reload;

#[cfg(feature = "serde")]
pub(crate) mod config_file;
