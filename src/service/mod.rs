//! Stage 6, the tower service: the [`CorsLayer`](crate::CorsLayer) builder and its presets, the
//! [`Cors`](crate::Cors) service that carries out the decision, its response future, and live
//! reconfiguration.

#[cfg(feature = "serde")]
pub(crate) mod config_file;
pub(crate) mod cors;
pub mod future;
pub(crate) mod grpc_web;
pub(crate) mod layer;
#[cfg(feature = "reload")]
pub mod reload;
