//! The [`Cors`] service.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::ORIGIN;
use http::{HeaderValue, Request, Response};
use tower_service::Service;

use crate::allow_origin::BoxedCheck;
use crate::decision::{self, Decision, Verdict};
use crate::future::{Pending, ResponseFuture};
use crate::head::RequestHead;
use crate::policy::Policy;
use crate::response::{self, Apply};
use crate::trace;

/// Middleware that applies a CORS policy. Built by [`CorsLayer`](crate::CorsLayer).
///
/// Cloning it clones the inner service and an `Arc`: the compiled policy is shared, never copied.
pub struct Cors<S> {
    inner: S,
    policy: PolicySource,
}

/// Where each request's policy comes from.
#[derive(Clone)]
enum PolicySource {
    /// Fixed for the service's life: one `Arc` clone per request.
    Fixed(Arc<Policy>),
    /// Swappable at runtime by a [`ReloadHandle`](crate::reload::ReloadHandle): one lock-free
    /// load per request.
    #[cfg(feature = "reload")]
    Reloadable(Arc<arc_swap::ArcSwap<Policy>>),
}

impl PolicySource {
    /// Runs `f` with the policy for one whole request: its decision, its response and its
    /// response future all use this snapshot, so a reload never half-applies to a request.
    /// Borrowed, so that only a request whose future needs the policy clones the `Arc` (two
    /// atomic operations fewer for the answers the layer gives itself).
    #[inline]
    fn with<R>(&self, f: impl FnOnce(&Arc<Policy>) -> R) -> R {
        match self {
            Self::Fixed(policy) => f(policy),
            #[cfg(feature = "reload")]
            Self::Reloadable(shared) => f(&shared.load()),
        }
    }
}

impl<S> Cors<S> {
    pub(crate) fn new(inner: S, policy: Arc<Policy>) -> Self {
        Self { inner, policy: PolicySource::Fixed(policy) }
    }

    #[cfg(feature = "reload")]
    pub(crate) fn reloadable(inner: S, shared: Arc<arc_swap::ArcSwap<Policy>>) -> Self {
        Self { inner, policy: PolicySource::Reloadable(shared) }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Consumes the middleware, returning the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Clone> Clone for Cors<S> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone(), policy: self.policy.clone() }
    }
}

impl<S: fmt::Debug> fmt::Debug for Cors<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cors").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let Self { inner, policy } = self;
        policy.with(|policy| {
            if policy.needs_parts {
                let (parts, body) = request.into_parts();
                let outcome = outcome(policy, &parts);
                return dispatch(inner, policy, outcome, move || Request::from_parts(parts, body));
            }
            match outcome(policy, &request) {
                // The usual outcome, without a detour that moves the request once more.
                Outcome::Call(apply) => ResponseFuture::inner(inner.call(request), Arc::clone(policy), apply),
                outcome => dispatch(inner, policy, outcome, move || request),
            }
        })
    }
}

/// Carries out a decision; `request` gives the request back whole, for the inner service.
fn dispatch<S, ReqBody, ResBody>(
    inner: &mut S,
    policy: &Arc<Policy>,
    outcome: Outcome<ResBody>,
    request: impl FnOnce() -> Request<ReqBody>,
) -> ResponseFuture<S::Future, ResBody>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    match outcome {
        Outcome::Call(apply) => ResponseFuture::inner(inner.call(request()), Arc::clone(policy), apply),
        Outcome::Answer(response) => ResponseFuture::ready(response),
        Outcome::Check { check, origin, call, pending } => {
            // The inner service is called now and polled only once the check allows it, so
            // the service need not be `Clone`; a refused, blocked request drops it unpolled.
            let future = call.then(|| inner.call(request()));
            ResponseFuture::checking(check, origin, future, Arc::clone(policy), pending)
        }
    }
}

/// Decides a request and settles everything the decision borrows from it, so that the request
/// can then move on to the inner service.
fn outcome<B: Default>(policy: &Policy, request: &impl RequestHead) -> Outcome<B> {
    match decision::decide(policy, request) {
        Decision::NonCors => Outcome::Call(Apply::NonCors),
        Decision::Preflight(Verdict::Granted(grant)) if policy.passthrough => Outcome::Call(Apply::Preflight(grant)),
        Decision::Preflight(Verdict::Granted(grant)) => Outcome::Answer(response::preflight(policy, grant)),
        Decision::Preflight(Verdict::Refused(refusal)) => {
            trace::refused(refusal.reason, refusal.value);
            if policy.passthrough {
                Outcome::Call(Apply::Refused { preflight: true })
            } else {
                Outcome::Answer(response::forbidden(&policy.preflight_vary))
            }
        }
        Decision::Preflight(Verdict::Pending(check, grant)) => {
            let pending = if policy.passthrough {
                Pending::Passthrough(grant)
            } else {
                Pending::Preflight(response::preflight(policy, grant))
            };
            Outcome::check(check, request, policy.passthrough, pending)
        }
        Decision::Actual(Verdict::Granted(origin)) => Outcome::Call(Apply::Actual(origin)),
        Decision::Actual(Verdict::Refused(refusal)) => {
            trace::refused(refusal.reason, refusal.value);
            if policy.block && !decision::is_same_origin(request) {
                Outcome::Answer(response::forbidden(&policy.vary))
            } else {
                Outcome::Call(Apply::Refused { preflight: false })
            }
        }
        Decision::Actual(Verdict::Pending(check, origin)) => {
            let block = policy.block && !decision::is_same_origin(request);
            Outcome::check(check, request, true, Pending::Actual { origin, block })
        }
    }
}

/// What the service does with a request once it is decided.
enum Outcome<B> {
    /// Call the inner service and apply this to its response.
    Call(Apply),
    /// Answer by itself.
    Answer(Response<B>),
    /// Wait for an async origin check; `call`: whether the inner service is needed at all.
    Check { check: BoxedCheck, origin: HeaderValue, call: bool, pending: Pending<B> },
}

impl<B> Outcome<B> {
    fn check(check: BoxedCheck, request: &impl RequestHead, call: bool, pending: Pending<B>) -> Self {
        // Kept for the refusal's trace event; a pending check was only made for an `Origin`.
        let origin = request.headers().get(ORIGIN).cloned().unwrap_or(HeaderValue::from_static(""));
        Self::Check { check, origin, call, pending }
    }
}
