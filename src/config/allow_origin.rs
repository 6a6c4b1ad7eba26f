//! Which origins may read responses: exact lists, patterns, any origin, or your own rule.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::request::Parts;
use http::{HeaderName, HeaderValue};

use crate::config::any::Any;

/// A rule of your own that decides whether an origin may read responses: a tenant table, a
/// database, a feature flag.
///
/// The layer calls it only for a single `Origin` line of 1 to 512 visible ASCII bytes that is
/// not `null`, so `origin.to_str()` never fails; the value is not parsed further, so compare it
/// exactly or parse it yourself. The built-in lists and patterns are faster for
/// static sets; use this when the set is not known in advance.
///
/// ```
/// use http::{request::Parts, HeaderName, HeaderValue};
/// use tower_cors::{AllowOrigin, CorsLayer, OriginPolicy};
///
/// struct Tenants(Vec<String>);
///
/// impl OriginPolicy for Tenants {
///     fn is_allowed(&self, origin: &HeaderValue, _request: &Parts) -> bool {
///         let origin = origin.to_str().unwrap_or_default();
///         self.0.iter().any(|tenant| origin == format!("https://{tenant}.example.com"))
///     }
///
///     fn vary(&self) -> Vec<HeaderName> {
///         Vec::new()
///     }
/// }
///
/// let cors = CorsLayer::new().allow_origin(AllowOrigin::policy(Tenants(vec!["acme".into()])));
/// cors.validate()?;
/// # Ok::<(), tower_cors::ConfigError>(())
/// ```
pub trait OriginPolicy: Send + Sync + 'static {
    /// Whether `origin` may read the response to `request`.
    fn is_allowed(&self, origin: &HeaderValue, request: &Parts) -> bool;

    /// Request headers besides `Origin` that [`is_allowed`](Self::is_allowed) reads, so that
    /// caches keep the answers apart: they are added to every response's `Vary`.
    fn vary(&self) -> Vec<HeaderName> {
        Vec::new()
    }
}

/// The future an async origin check returns, boxed once per CORS request on the async path only.
pub(crate) type BoxedCheck = Pin<Box<dyn Future<Output = bool> + Send + 'static>>;

pub(crate) type AsyncCheck = dyn Fn(HeaderValue, &Parts) -> BoxedCheck + Send + Sync;

/// Which origins may read responses. Pass it to [`CorsLayer::allow_origin`](crate::CorsLayer::allow_origin).
///
/// ```
/// use http::HeaderValue;
/// use tower_cors::{AllowOrigin, Any, CorsLayer};
///
/// let listed = CorsLayer::new().allow_origin(AllowOrigin::list(["https://app.example.com", "https://*.example.org"]));
/// let public = CorsLayer::new().allow_origin(Any);
/// let decided = CorsLayer::new()
///     .allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, _| origin.as_bytes().ends_with(b".example.net")));
/// # listed.validate()?; public.validate()?; decided.validate()?;
/// # Ok::<(), tower_cors::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct AllowOrigin {
    pub(crate) kind: OriginKind,
    pub(crate) vary: Vec<HeaderName>,
}

#[derive(Clone)]
pub(crate) enum OriginKind {
    Unset,
    /// No origin, on purpose.
    None,
    Any,
    List(Vec<Vec<u8>>),
    Policy(Arc<dyn OriginPolicy>),
    Async(Arc<AsyncCheck>),
}

impl AllowOrigin {
    pub(crate) fn unset() -> Self {
        Self { kind: OriginKind::Unset, vary: Vec::new() }
    }

    fn of(kind: OriginKind) -> Self {
        Self { kind, vary: Vec::new() }
    }

    /// Any origin: responses carry `Access-Control-Allow-Origin: *`.
    ///
    /// Cannot be combined with credentials.
    pub fn any() -> Self {
        Self::of(OriginKind::Any)
    }

    /// No origin at all: every CORS request is refused, and responses still carry
    /// `Vary: Origin`. For a deployment whose list is empty on purpose (an environment
    /// variable left empty in one region), or a layer kept in place while CORS is switched off.
    ///
    /// An empty [`list`](Self::list) is a configuration error
    /// ([`ConfigProblem::NoOriginPolicy`](crate::ConfigProblem::NoOriginPolicy)), as likely a
    /// missing variable as an intent; this says it is the intent. `Origin: null` is still
    /// granted if you opted in with
    /// [`dangerously_allow_null_origin`](crate::CorsLayer::dangerously_allow_null_origin),
    /// which grants it whatever the origin setting.
    ///
    /// ```
    /// use tower_cors::{AllowOrigin, CorsLayer};
    ///
    /// # std::env::set_var("CORS_ORIGINS", "");
    /// let origins: Vec<String> = std::env::var("CORS_ORIGINS")?
    ///     .split(',')
    ///     .map(str::trim)
    ///     .filter(|origin| !origin.is_empty())
    ///     .map(String::from)
    ///     .collect();
    /// let allowed = if origins.is_empty() { AllowOrigin::none() } else { AllowOrigin::list(origins) };
    /// let cors = CorsLayer::new().allow_origin(allowed);
    /// cors.validate()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn none() -> Self {
        Self::of(OriginKind::None)
    }

    /// Exact origins such as `https://app.example.com`, and patterns: a leftmost `*.` for one
    /// or more whole labels (`https://*.example.com`) and `:*` for any port
    /// (`http://localhost:*`).
    ///
    /// Each entry is validated by [`CorsLayer::validate`](crate::CorsLayer::validate): it must
    /// be spelled exactly as browsers send it (lower case, no trailing `/`, no default port).
    ///
    /// A list whose only entry is `*` is [`any()`](Self::any), as tower-http answered it: the
    /// value of a `CORS_ALLOW_ORIGIN=*` variable means any origin, and is refused with
    /// credentials as `any()` is. `*` among other origins is a configuration error.
    pub fn list<I>(origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let origins: Vec<Vec<u8>> = origins.into_iter().map(|o| o.as_ref().to_vec()).collect();
        match origins.as_slice() {
            [only] if only.as_slice() == b"*" => Self::any(),
            _ => Self::of(OriginKind::List(origins)),
        }
    }

    /// One exact origin (compatible with tower-http's `AllowOrigin::exact`).
    pub fn exact(origin: HeaderValue) -> Self {
        Self::list([origin])
    }

    /// Your own [`OriginPolicy`].
    pub fn policy(policy: impl OriginPolicy) -> Self {
        Self::of(OriginKind::Policy(Arc::new(policy)))
    }

    /// A closure deciding each origin (same signature as tower-http's `AllowOrigin::predicate`).
    pub fn predicate<F>(f: F) -> Self
    where
        F: Fn(&HeaderValue, &Parts) -> bool + Send + Sync + 'static,
    {
        Self::policy(Predicate(f))
    }

    /// An async closure, for checks that must await (a database, a remote service).
    ///
    /// Its future is boxed, once per CORS request; the synchronous kinds never box.
    ///
    /// ```
    /// use http::{request::Parts, HeaderValue};
    /// use tower_cors::{AllowOrigin, CorsLayer};
    ///
    /// let cors = CorsLayer::new().allow_origin(AllowOrigin::async_predicate(|origin: HeaderValue, _: &Parts| async move {
    ///     // look the origin up somewhere
    ///     origin == "https://app.example.com"
    /// }));
    /// # cors.validate()?;
    /// # Ok::<(), tower_cors::ConfigError>(())
    /// ```
    pub fn async_predicate<F, Fut>(f: F) -> Self
    where
        F: Fn(HeaderValue, &Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        Self::of(OriginKind::Async(Arc::new(move |origin, parts: &Parts| Box::pin(f(origin, parts)) as BoxedCheck)))
    }

    /// Request headers besides `Origin` that a custom rule reads; they are added to `Vary`.
    #[must_use]
    pub fn vary<I>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = HeaderName>,
    {
        self.vary.extend(headers);
        self
    }
}

struct Predicate<F>(F);

impl<F> OriginPolicy for Predicate<F>
where
    F: Fn(&HeaderValue, &Parts) -> bool + Send + Sync + 'static,
{
    fn is_allowed(&self, origin: &HeaderValue, request: &Parts) -> bool {
        (self.0)(origin, request)
    }
}

impl fmt::Debug for AllowOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            OriginKind::Unset => f.write_str("AllowOrigin::Unset"),
            OriginKind::None => f.write_str("AllowOrigin::None"),
            OriginKind::Any => f.write_str("AllowOrigin::Any"),
            OriginKind::List(list) => f
                .debug_tuple("AllowOrigin::List")
                .field(&list.iter().map(|o| String::from_utf8_lossy(o)).collect::<Vec<_>>())
                .finish(),
            OriginKind::Policy(_) => f.write_str("AllowOrigin::Policy(..)"),
            OriginKind::Async(_) => f.write_str("AllowOrigin::AsyncPredicate(..)"),
        }
    }
}

impl From<Any> for AllowOrigin {
    fn from(_: Any) -> Self {
        Self::any()
    }
}

impl From<HeaderValue> for AllowOrigin {
    fn from(origin: HeaderValue) -> Self {
        Self::exact(origin)
    }
}

/// One origin or pattern, from a literal or a runtime value; validated like a list of one.
impl From<&str> for AllowOrigin {
    fn from(origin: &str) -> Self {
        Self::list([origin])
    }
}

/// One origin or pattern known at runtime (an environment variable, a file); validated like a
/// list of one.
impl From<String> for AllowOrigin {
    fn from(origin: String) -> Self {
        Self::list([origin])
    }
}

/// Origins and patterns: `[&str; N]`, `[String; N]`, `[HeaderValue; N]`, ...
impl<T: AsRef<[u8]>, const N: usize> From<[T; N]> for AllowOrigin {
    fn from(origins: [T; N]) -> Self {
        Self::list(origins)
    }
}

/// Origins and patterns: `Vec<&str>`, `Vec<String>`, `Vec<HeaderValue>`, ...
impl<T: AsRef<[u8]>> From<Vec<T>> for AllowOrigin {
    fn from(origins: Vec<T>) -> Self {
        Self::list(origins)
    }
}

/// Origins and patterns borrowed from a slice: `&[&str]`, `&[String]`, ...
impl<T: AsRef<[u8]>> From<&[T]> for AllowOrigin {
    fn from(origins: &[T]) -> Self {
        Self::list(origins)
    }
}
