//! Live reconfiguration: swap the whole CORS policy at runtime (feature `reload`).
//!
//! [`CorsLayer::reloadable`] validates a layer and splits it into a [`ReloadLayer`], which wraps
//! services like a [`CorsLayer`] does, and a [`ReloadHandle`], which replaces the policy of every
//! service that layer built, at once.
//!
//! - **Atomic.** A reload replaces the whole compiled policy (origins, methods, headers, exposed
//!   headers, credentials, max age, every setting) in one pointer swap. Each request takes one
//!   snapshot when it arrives and uses it for its decision and its response, so it is answered
//!   entirely by the old policy or entirely by the new one, never by a mix. Requests in flight
//!   finish with the policy they started with.
//! - **Validated first.** [`ReloadHandle::reload`] compiles the new layer and returns every
//!   problem as a [`ConfigError`] without touching the policy in use: a bad row in the database
//!   never takes the service down or opens it up.
//! - **No locks on the request path.** The policy sits in an [`arc_swap::ArcSwap`]: a request
//!   does one lock-free load and allocates nothing; only `reload` does any work.
//! - **Browsers keep what they cached.** A reload does not revoke a preflight answer a browser
//!   already cached: an origin, method or header removed from the policy keeps working there for
//!   up to the old policy's [`max_age`](CorsLayer::max_age) (Chromium caps it at two hours).
//!   Lower `max_age` where revocation must be quick. Actual responses are decided afresh.
//! - **The handle keeps the policy changeable.** Dropping every [`ReloadHandle`] freezes the
//!   policy in use for the life of the services: keep one in the task that watches your
//!   configuration source.
//!
//! ```
//! use std::time::Duration;
//! use axum::{body::Body, routing::get, Router};
//! use http::{header, Request, StatusCode};
//! use tower::ServiceExt;
//! use tower_cors::CorsLayer;
//!
//! /// Stands for a database query or a file read.
//! async fn allowed_origins_from_db(generation: u32) -> Vec<String> {
//!     match generation {
//!         0 => vec!["https://app.example.com".to_owned()],
//!         _ => vec!["https://app.example.com".to_owned(), "https://*.partner.example".to_owned()],
//!     }
//! }
//!
//! fn cors(origins: Vec<String>) -> CorsLayer {
//!     CorsLayer::new().allow_origins(origins).max_age(Duration::from_secs(600))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (layer, handle) = cors(allowed_origins_from_db(0).await).reloadable()?;
//! let app = Router::new().route("/items", get(|| async { "[]" })).layer(layer);
//!
//! // Usually a background task on a timer or a change notification:
//! // tokio::spawn(async move { loop { ...; handle.reload(cors(origins))?; } });
//! handle.reload(cors(allowed_origins_from_db(1).await))?;
//!
//! let request = Request::get("/items").header(header::ORIGIN, "https://eu.partner.example").body(Body::empty())?;
//! let response = app.clone().oneshot(request).await?;
//! assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://eu.partner.example");
//!
//! // An invalid configuration is refused as a whole and the policy in use stays.
//! let result = handle.reload(cors(vec!["https://Bad.example/".to_owned()]));
//! assert!(result.is_err());
//! let request = Request::get("/items").header(header::ORIGIN, "https://eu.partner.example").body(Body::empty())?;
//! assert_eq!(app.oneshot(request).await?.status(), StatusCode::OK);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use arc_swap::ArcSwap;
use tower_layer::Layer;

use crate::config::error::ConfigError;
use crate::response::body::WrapBody;
use crate::response::compiled::Compiled;
use crate::service::cors::Cors;
use crate::service::layer::CorsLayer;

impl<M> CorsLayer<M> {
    /// Validates this configuration and returns a layer whose policy the returned handle can
    /// replace at runtime. See the [`reload`](crate::reload) module.
    ///
    /// ```
    /// use tower_cors::CorsLayer;
    ///
    /// let (layer, handle) = CorsLayer::new().allow_origins(["https://a.example"]).reloadable()?;
    /// handle.reload(CorsLayer::new().allow_origins(["https://b.example"]))?;
    /// # let _ = layer;
    /// # Ok::<(), tower_cors::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] with every problem, as [`validate`](CorsLayer::validate) reports them.
    /// The layer keeps this one's body type (see [`CorsLayer::keep_body_type`]).
    pub fn reloadable(self) -> Result<(ReloadLayer<M>, ReloadHandle), ConfigError> {
        let shared = Arc::new(ArcSwap::new(self.compile()?));
        Ok((ReloadLayer { shared: Arc::clone(&shared), body: PhantomData }, ReloadHandle { shared }))
    }
}

/// A [`Layer`] whose services all follow the policy of one [`ReloadHandle`].
///
/// Made by [`CorsLayer::reloadable`]; already validated, so wrapping a service never panics.
/// Clones share the same policy. `M` types the services' response bodies, as on [`CorsLayer`].
#[must_use]
pub struct ReloadLayer<M = WrapBody> {
    shared: Arc<ArcSwap<Compiled>>,
    body: PhantomData<fn() -> M>,
}

impl<M> Clone for ReloadLayer<M> {
    fn clone(&self) -> Self {
        Self { shared: Arc::clone(&self.shared), body: PhantomData }
    }
}

impl<S, M> Layer<S> for ReloadLayer<M> {
    type Service = Cors<S, M>;

    fn layer(&self, inner: S) -> Self::Service {
        Cors::reloadable(inner, Arc::clone(&self.shared))
    }
}

/// Replaces the policy of the services built by a [`ReloadLayer`], atomically.
///
/// Made by [`CorsLayer::reloadable`]. Cheap to clone, `Send` and `Sync`: hand it to the task that
/// watches your configuration source. Once every clone is dropped, the policy in use can no
/// longer change: the services keep it for good. A reload does not reach the preflight answers
/// browsers cached under the old policy, for up to its `max_age`.
///
/// Its `Debug` shows the policy in force, every setting.
#[derive(Clone)]
pub struct ReloadHandle {
    shared: Arc<ArcSwap<Compiled>>,
}

impl ReloadHandle {
    /// Validates `layer` and, if it is valid, makes it the policy of every request that arrives
    /// from now on. Requests already in flight finish with the policy they started with.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] with every problem of `layer`; the policy in use is then left as it was.
    pub fn reload<M>(&self, layer: CorsLayer<M>) -> Result<(), ConfigError> {
        self.shared.store(layer.compile()?);
        Ok(())
    }

    /// What the current policy does with `request`: see
    /// [`CorsLayer::explain`](crate::CorsLayer::explain).
    ///
    /// ```
    /// use tower_cors::CorsLayer;
    ///
    /// let (_layer, handle) = CorsLayer::new().allow_origins(["https://a.example"]).reloadable()?;
    /// let request = http::Request::get("/").header("origin", "https://b.example").body(())?;
    /// assert!(!handle.explain(&request).is_allowed());
    /// handle.reload(CorsLayer::new().allow_origins(["https://b.example"]))?;
    /// assert!(handle.explain(&request).is_allowed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain<R: crate::diagnosis::explain::ExplainRequest>(
        &self,
        request: &R,
    ) -> crate::diagnosis::explain::Explanation {
        crate::diagnosis::explain::explain(&self.shared.load(), request.head().as_ref())
    }

    /// Another layer following this handle's policy, e.g. for a second router or server. Its
    /// services' responses carry a [`CorsBody`](crate::CorsBody); for the inner body type, use
    /// [`layer_keeping_body_type`](Self::layer_keeping_body_type).
    pub fn layer(&self) -> ReloadLayer {
        ReloadLayer { shared: Arc::clone(&self.shared), body: PhantomData }
    }

    /// Another layer following this handle's policy whose services' responses keep the inner
    /// service's body type (see [`CorsLayer::keep_body_type`]).
    pub fn layer_keeping_body_type(&self) -> ReloadLayer<crate::response::body::KeepBody> {
        ReloadLayer { shared: Arc::clone(&self.shared), body: PhantomData }
    }
}

impl<M> fmt::Debug for ReloadLayer<M> {
    /// The policy in force now, every setting as [`CorsLayer`]'s `Debug` shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.load().settings.debug_struct(f, "ReloadLayer").finish()
    }
}

impl fmt::Debug for ReloadHandle {
    /// The policy in force now, every setting as [`CorsLayer`]'s `Debug` shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.load().settings.debug_struct(f, "ReloadHandle").finish()
    }
}
