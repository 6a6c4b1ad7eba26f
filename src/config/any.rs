//! The [`Any`] marker.

/// Allows any value of a setting: any origin, method, request header or exposed header.
///
/// Accepted wherever tower-http's `Any` is, so migrating is a rename:
///
/// ```
/// use tower_cors::{Any, CorsLayer};
///
/// let cors = CorsLayer::new().allow_origin(Any).allow_methods(Any).allow_headers(Any);
/// # cors.validate()?;
/// # Ok::<(), tower_cors::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Any;
