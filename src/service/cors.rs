//! The [`Cors`] service: carries out what [`decide`](crate::decision::decide::decide) says, nothing more.

use std::fmt;
use std::marker::PhantomData;
use std::mem;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_service::Service;

use crate::config::allow_origin::BoxedCheck;
use crate::decision::decide::decide;
use crate::decision::grant::{Action, Answer, Decided, Explained, GrantValue, PreflightGrant, Refused, Step};
use crate::decision::head::RequestHead;
use crate::diagnosis::debug_mode;
use crate::diagnosis::explain::{self, ExplainRequest, Explanation};
use crate::diagnosis::trace;
use crate::response::answer;
use crate::response::body::{BodyKind, WrapBody};
use crate::response::compiled::Compiled;
use crate::service::future::{Checking, ResponseFuture, Write};

/// Middleware that applies a CORS policy. Built by [`CorsLayer`](crate::CorsLayer).
///
/// Cloning it clones the inner service and an `Arc`: the compiled policy is shared, never copied.
///
/// # What the inner service must be
///
/// `S` must be `Clone`. Only one path clones it: with an async origin check
/// ([`AllowOrigin::async_predicate`](crate::AllowOrigin::async_predicate)) the request waits for
/// the check before the inner service's `call` runs, so the service that `poll_ready` made ready
/// travels with the request and a clone takes its place (the way `tower::filter::AsyncFilter`
/// does). That is what keeps the promise that a request the layer answers itself (a refused
/// preflight, a blocked origin) never reaches the inner service's `call`, on every path. axum
/// routers, tonic services and `service_fn`s are `Clone`; wrap a service that is not in
/// `tower::buffer::Buffer`, or box it as a `BoxCloneService`.
///
/// # Its responses' body
///
/// By default a [`CorsBody`](crate::CorsBody): the inner service's body, or an empty one for the
/// layer's own answers (a preflight, a 403), so any inner service fits, whatever its body type.
/// With [`CorsLayer::keep_body_type`](crate::CorsLayer::keep_body_type) (`M` =
/// [`KeepBody`](crate::body::KeepBody)) the responses keep the inner service's body type, and the
/// layer's own answers use its `Default`.
///
/// # Layers within layers
///
/// This layer decides the CORS headers of every response it passes, from the request it
/// received: a grant that a CORS layer inside it, a service called in-line by a handler, or the
/// application set is replaced by its own decision (reported once, as a `WARN` with the
/// `tracing` feature). See [the placement guide](crate::guides::axum) for per-route policies.
pub struct Cors<S, M = WrapBody> {
    inner: S,
    policy: PolicySource,
    body: PhantomData<fn() -> M>,
}

/// Where each request's policy comes from.
#[derive(Clone)]
enum PolicySource {
    /// Fixed for the service's life.
    Fixed(Arc<Compiled>),
    /// Swappable at runtime by a [`ReloadHandle`](crate::reload::ReloadHandle): one lock-free
    /// load per request.
    #[cfg(feature = "reload")]
    Reloadable(Arc<arc_swap::ArcSwap<Compiled>>),
}

impl<S, M> Cors<S, M> {
    pub(crate) fn new(inner: S, compiled: Arc<Compiled>) -> Self {
        Self { inner, policy: PolicySource::Fixed(compiled), body: PhantomData }
    }

    #[cfg(feature = "reload")]
    pub(crate) fn reloadable(inner: S, shared: Arc<arc_swap::ArcSwap<Compiled>>) -> Self {
        Self { inner, policy: PolicySource::Reloadable(shared), body: PhantomData }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// What this service does with `request` under its current policy: see
    /// [`CorsLayer::explain`](crate::CorsLayer::explain).
    ///
    /// ```
    /// use http::Request;
    /// use tower::service_fn;
    /// use tower_cors::CorsLayer;
    /// use tower_layer::Layer;
    ///
    /// let app = service_fn(|_: Request<String>| async { Ok::<_, std::convert::Infallible>(http::Response::new(String::new())) });
    /// let cors = CorsLayer::new().allow_origins(["https://app.example.com"]).layer(app);
    /// let request = Request::get("/").header("origin", "https://app.example.com").body(())?;
    /// assert!(cors.explain(&request).is_allowed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain<R: ExplainRequest>(&self, request: &R) -> Explanation {
        let head = request.head();
        match &self.policy {
            PolicySource::Fixed(compiled) => explain::explain(compiled, head.as_ref()),
            #[cfg(feature = "reload")]
            PolicySource::Reloadable(shared) => explain::explain(&shared.load(), head.as_ref()),
        }
    }

    /// Consumes the middleware, returning the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Clone, M> Clone for Cors<S, M> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone(), policy: self.policy.clone(), body: PhantomData }
    }
}

impl<S: fmt::Debug, M> fmt::Debug for Cors<S, M> {
    /// The policy in force (the current one, for a reloadable layer), every setting as
    /// [`CorsLayer`](crate::CorsLayer)'s `Debug` shows it, then `reloadable` and `inner`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.policy {
            PolicySource::Fixed(compiled) => compiled
                .settings
                .debug_struct(f, "Cors")
                .field("reloadable", &false)
                .field("inner", &self.inner)
                .finish(),
            #[cfg(feature = "reload")]
            PolicySource::Reloadable(shared) => {
                let compiled = shared.load();
                compiled
                    .settings
                    .debug_struct(f, "Cors")
                    .field("reloadable", &true)
                    .field("inner", &self.inner)
                    .finish()
            }
        }
    }
}

impl<S, M, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S, M>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    M: BodyKind<ResBody>,
{
    type Response = Response<M::Body>;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody, M>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        match &self.policy {
            PolicySource::Fixed(compiled) => call(&mut self.inner, compiled, request),
            #[cfg(feature = "reload")]
            PolicySource::Reloadable(shared) => {
                // The snapshot is taken as an `Arc` and the swap's guard released at once, so a
                // reload never waits on an inner service's `call`.
                let compiled = shared.load_full();
                call(&mut self.inner, &compiled, request)
            }
        }
    }
}

/// Decides the request once and carries out the decision. One snapshot of the policy serves
/// the decision, the response and the future, so a reload never half-applies to a request.
/// Always inlined, like the steps below it: a request passed by value is otherwise copied.
#[inline(always)]
fn call<S, ReqBody, ResBody, M>(
    inner: &mut S,
    compiled: &Arc<Compiled>,
    request: Request<ReqBody>,
) -> ResponseFuture<S, ReqBody, M>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
{
    if compiled.policy.needs_parts {
        // User callbacks take `Parts`; the others are decided on the request as it is.
        let (parts, body) = request.into_parts();
        let action = decide_and_trace(compiled, &parts).into_owned();
        return carry_out(inner, compiled, action, Request::from_parts(parts, body));
    }
    match decide_and_trace(compiled, &request) {
        // `carry_out`'s arm for the usual action, repeated here: moving the request into
        // `carry_out` costs a 224-byte copy on every request (measured with callgrind).
        Action::Now(Step::Call(grant)) => {
            ResponseFuture::inner(inner.call(request), Arc::clone(compiled), Write::Grant(grant))
        }
        // The layer's own answer is written from the values the decision borrows, while the
        // request is still here.
        Action::Now(Step::Answer(answer)) => answer_now(compiled, answer),
        action => carry_out(inner, compiled, action.into_owned(), request),
    }
}

#[inline(always)]
fn decide_and_trace<'a>(compiled: &'a Compiled, head: &'a impl RequestHead) -> Decided<'a, BoxedCheck> {
    let mut decision = decide(&compiled.policy, head);
    if let Some(refusal) = decision.reported() {
        trace::refused(refusal.reason, refusal.value);
        if compiled.policy.debug {
            // In place, by reference: one exit, so that the action is moved out once.
            debug_mode::explain(compiled, head, &mut decision);
        }
    }
    decision.action
}

/// The layer's own answer: a granted preflight, a 403, or debug mode's explanation.
#[inline(always)]
fn answer_now<S, ReqBody, M, V, H>(
    compiled: &Compiled,
    answer: Answer<PreflightGrant<V, H>>,
) -> ResponseFuture<S, ReqBody, M>
where
    S: Service<Request<ReqBody>>,
    V: GrantValue,
    H: GrantValue,
{
    match answer {
        Answer::Explained(explained) => explained_answer(compiled, explained),
        answer => ResponseFuture::ready(answer::answer(&compiled.policy, &compiled.templates, answer)),
    }
}

/// The one `match` on what to do with a decided request. Always inlined: the request would
/// otherwise be copied into it and back out.
#[inline(always)]
fn carry_out<S, ReqBody, ResBody, M>(
    inner: &mut S,
    compiled: &Arc<Compiled>,
    action: Action<BoxedCheck>,
    request: Request<ReqBody>,
) -> ResponseFuture<S, ReqBody, M>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
{
    match action {
        Action::Now(Step::Call(grant)) => {
            ResponseFuture::inner(inner.call(request), Arc::clone(compiled), Write::Grant(grant))
        }
        Action::Now(Step::Passthrough(grant)) => {
            ResponseFuture::inner(inner.call(request), Arc::clone(compiled), Write::preflight(grant))
        }
        Action::Now(Step::Answer(answer)) => answer_now(compiled, answer),
        Action::Check { check, allowed, refused } => wait_for_check(inner, compiled, check, allowed, refused, request),
    }
}

/// Debug mode's answer, with its explanation for a body.
#[cold]
#[inline(never)]
fn explained_answer<S, ReqBody, M>(compiled: &Compiled, mut explained: Box<Explained>) -> ResponseFuture<S, ReqBody, M>
where
    S: Service<Request<ReqBody>>,
{
    let text = mem::take(&mut explained.text);
    let response =
        answer::answer(&compiled.policy, &compiled.templates, Answer::<PreflightGrant>::Explained(explained));
    ResponseFuture::explained(response, text)
}

/// The async path: the ready service goes with the request and is called only if the check
/// leads there; a clone, not yet ready, takes its place for the next `poll_ready`. Out of line:
/// boxing the request here would otherwise make every request pay for a copy of it.
#[inline(never)]
fn wait_for_check<S, ReqBody, ResBody, M>(
    inner: &mut S,
    compiled: &Arc<Compiled>,
    check: BoxedCheck,
    allowed: Step,
    refused: Refused,
    request: Request<ReqBody>,
) -> ResponseFuture<S, ReqBody, M>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
{
    let clone = inner.clone();
    let service = mem::replace(inner, clone);
    let compiled = Arc::clone(compiled);
    ResponseFuture::checking(Box::new(Checking { check, service, request, compiled, allowed, refused }))
}

#[cfg(test)]
mod tests {
    use std::mem::size_of;

    /// Every request moves its grant from the decision into the response future: a grant the
    /// size of a preflight's (128 bytes) cost 60 to 90 instructions a request (callgrind).
    #[test]
    fn the_grant_of_every_request_stays_small() {
        assert!(size_of::<crate::decision::grant::Grant>() <= 48, "{}", size_of::<crate::decision::grant::Grant>());
    }

    /// Every request moves its action out of the decision: past 128 bytes the compiler moves
    /// it with a call to `memcpy` (29 instructions a copy, callgrind), which the decided
    /// preflight's borrowed values avoid (owned, they made it 160 bytes).
    #[test]
    fn the_decided_action_is_moved_inline() {
        type Decided = crate::decision::grant::Decided<'static, crate::config::allow_origin::BoxedCheck>;
        let (action, decision) = (size_of::<Decided>(), size_of::<crate::decision::decide::Decision<'static>>());
        eprintln!("decided action {action} bytes, decision {decision} bytes");
        assert!(action <= 128 && decision <= 128, "action {action}, decision {decision}");
    }

    /// The response future holds the inner future, the policy's `Arc` and what to write: at
    /// most 64 bytes more than the inner future. The rare states are boxed: the async check's,
    /// debug mode's answer and a passthrough preflight's grant (inline, that grant made it +136).
    /// Printed for BENCHMARKS.md: `cargo test --lib future_size -- --nocapture`.
    #[test]
    fn future_size() {
        type Inner = std::future::Ready<Result<http::Response<()>, std::convert::Infallible>>;
        type App = tower::util::ServiceFn<fn(http::Request<()>) -> Inner>;
        let future = size_of::<crate::service::future::ResponseFuture<App, ()>>();
        let inner = size_of::<Inner>();
        eprintln!("inner future {inner} bytes, response future {future} bytes (+{})", future - inner);
        assert!(future <= inner + 64, "{future} > {inner} + 64");
        // What an axum server moves: the router's route future, wrapped.
        type Route = axum::routing::future::RouteFuture<std::convert::Infallible>;
        let future = size_of::<crate::service::future::ResponseFuture<axum::routing::Route, axum::body::Body>>();
        let inner = size_of::<Route>();
        eprintln!("axum: inner future {inner} bytes, response future {future} bytes (+{})", future - inner);
        assert!(future <= inner + 64, "{future} > {inner} + 64");
    }
}
