//! Nothing but doctests: the guides whose examples use tower-http and tonic, compiled with this
//! package's dependencies (the root package renders them on docs.rs as `tower_cors::guides::*`
//! but leaves them out of its own doctests, so that its examples need not build those crates).
//! `tests/guide_snippets.rs` checks that each example lists the crates it uses.

#[doc = include_str!("../../docs/axum.md")]
pub mod axum {}

#[doc = include_str!("../../docs/grpc_web.md")]
pub mod grpc_web {}
