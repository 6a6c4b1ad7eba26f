//! The response future of [`Cors`](crate::Cors).

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use http::header::ORIGIN;
use http::{Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::config::allow_origin::BoxedCheck;
use crate::decision::grant::{Grant, PreflightGrant, Refused, Step};
use crate::diagnosis::debug_mode;
use crate::diagnosis::trace;
use crate::response::answer;
use crate::response::body::{BodyKind, WrapBody};
use crate::response::compiled::Compiled;
use crate::response::write;
use crate::service::nesting;

pin_project! {
    /// Response future of [`Cors`](crate::Cors). `M` types the response's body: see
    /// [`BodyKind`](crate::body::BodyKind).
    pub struct ResponseFuture<S, ReqBody, M = WrapBody>
    where
        S: Service<Request<ReqBody>>,
    {
        #[pin]
        state: State<S, ReqBody>,
        body: PhantomData<fn() -> M>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, ReqBody>
    where
        S: Service<Request<ReqBody>>,
    {
        /// The inner service answers; `write` goes into its response, and is taken when the
        /// response is, which marks the future finished.
        Inner { #[pin] future: S::Future, compiled: Arc<Compiled>, write: Option<Write> },
        /// The layer answers by itself.
        Ready { response: Option<Response<()>> },
        /// Debug mode's answer to a refusal, with its explanation for a body. Boxed: rare.
        Explained { answer: Option<Box<(Response<()>, Bytes)>> },
        /// An async origin check is outstanding. Boxed: rare, and large (it holds the request
        /// and a ready inner service), it would otherwise grow every request's future.
        Checking { checking: Option<Box<Checking<S, ReqBody>>> },
    }
}

/// What to write into the inner service's response.
pub(crate) enum Write {
    Grant(Grant),
    /// A passthrough preflight's grant: three header values echoed from the request, about 128
    /// bytes, which inline would make every request's future that much larger. Boxed: only
    /// `preflight_passthrough(true)` uses it, and its inner service answers (and allocates) anyway.
    Preflight(Box<PreflightGrant>),
    /// Nothing: a CORS layer inside decided the request and owns its CORS headers.
    Nothing,
}

/// A request waiting for its async origin check, with everything needed to carry out either
/// outcome afterwards.
pub(crate) struct Checking<S, ReqBody> {
    pub(crate) check: BoxedCheck,
    /// The inner service, already polled ready: it is called only if the check leads there.
    pub(crate) service: S,
    pub(crate) request: Request<ReqBody>,
    pub(crate) compiled: Arc<Compiled>,
    pub(crate) allowed: Step,
    pub(crate) refused: Refused,
}

impl Write {
    /// Out of line, so that the allocation stays off the other requests' path in `call`.
    #[inline(never)]
    pub(crate) fn preflight(grant: PreflightGrant) -> Self {
        Self::Preflight(Box::new(grant))
    }
}

impl<S, ReqBody, M> ResponseFuture<S, ReqBody, M>
where
    S: Service<Request<ReqBody>>,
{
    pub(crate) fn inner(future: S::Future, compiled: Arc<Compiled>, write: Write) -> Self {
        Self { state: State::Inner { future, compiled, write: Some(write) }, body: PhantomData }
    }

    pub(crate) fn ready(response: Response<()>) -> Self {
        Self { state: State::Ready { response: Some(response) }, body: PhantomData }
    }

    pub(crate) fn explained(response: Response<()>, text: Bytes) -> Self {
        Self { state: State::Explained { answer: Some(Box::new((response, text))) }, body: PhantomData }
    }

    pub(crate) fn checking(checking: Box<Checking<S, ReqBody>>) -> Self {
        Self { state: State::Checking { checking: Some(checking) }, body: PhantomData }
    }
}

impl<S, ReqBody, ResBody, M> Future for ResponseFuture<S, ReqBody, M>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    M: BodyKind<ResBody>,
{
    type Output = Result<Response<M::Body>, S::Error>;

    // Inlined where it is polled: the response is then written in place instead of copied twice.
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // This layer decides the request: a CORS layer around it, polling this future, leaves
        // its headers alone. (Claimed here rather than in `call`, so that only polls are
        // watched: `call` moves the request, which any more code there makes the compiler copy.)
        nesting::claim();
        let mut state = self.project().state;
        loop {
            match state.as_mut().project() {
                StateProj::Inner { future, compiled, write } => {
                    if write.is_none() {
                        return Poll::Ready(Ok(polled_after_completion::<M, ResBody>()));
                    }
                    let watch = nesting::Watch::start();
                    // Matched in place: binding the result first, or mapping it with a closure,
                    // copies the response once more (measured with callgrind).
                    let mut response = match future.poll(cx) {
                        Poll::Ready(Ok(response)) => response.map(M::inner),
                        Poll::Ready(Err(error)) => {
                            watch.end();
                            // An error finishes the future too.
                            *write = None;
                            return Poll::Ready(Err(error));
                        }
                        Poll::Pending => {
                            // A layer between may finish the inner layer's future before its own.
                            end_watch(watch, compiled, write);
                            return Poll::Pending;
                        }
                    };
                    end_watch(watch, compiled, write);
                    match write.take() {
                        Some(Write::Grant(grant)) => {
                            write::write_grant(&compiled.policy, grant, response.headers_mut())
                        }
                        Some(Write::Preflight(grant)) => {
                            write::write_preflight_grant(&compiled.policy, *grant, response.headers_mut())
                        }
                        Some(Write::Nothing) | None => {}
                    }
                    return Poll::Ready(Ok(response));
                }
                StateProj::Ready { response } => {
                    let response = response.take().map(|response| response.map(|()| M::empty()));
                    return Poll::Ready(Ok(response.unwrap_or_else(polled_after_completion::<M, ResBody>)));
                }
                StateProj::Explained { answer } => {
                    let response = answer.take().map(|answer| {
                        let (response, text) = *answer;
                        response.map(|()| M::text(text))
                    });
                    return Poll::Ready(Ok(response.unwrap_or_else(polled_after_completion::<M, ResBody>)));
                }
                StateProj::Checking { checking } => {
                    let Some(pending) = checking.as_mut() else {
                        return Poll::Ready(Ok(polled_after_completion::<M, ResBody>()));
                    };
                    let allowed = ready!(pending.check.as_mut().poll(cx));
                    let Some(done) = checking.take() else {
                        return Poll::Ready(Ok(polled_after_completion::<M, ResBody>()));
                    };
                    let Checking { mut service, request, compiled, allowed: on_allowed, refused, .. } = *done;
                    let step = if allowed {
                        on_allowed
                    } else {
                        if refused.report {
                            let origin = request.headers().get(ORIGIN).map_or(&[][..], |o| o.as_bytes());
                            trace::refused(refused.reason(), origin);
                            if compiled.policy.debug {
                                debug_mode::refused_by_check(origin);
                            }
                        }
                        refused.step()
                    };
                    match step {
                        Step::Call(grant) => {
                            let future = service.call(request);
                            state.set(State::Inner { future, compiled, write: Some(Write::Grant(grant)) });
                        }
                        Step::Passthrough(grant) => {
                            let future = service.call(request);
                            state.set(State::Inner { future, compiled, write: Some(Write::preflight(grant)) });
                        }
                        Step::Answer(answer) => {
                            let response = answer::answer(&compiled.policy, &compiled.templates, answer);
                            state.set(State::Ready { response: Some(response) });
                        }
                    }
                }
            }
        }
    }
}

/// What an outer layer that answers preflights itself says when it finds a CORS layer inside.
const NESTED: &str = "tower-cors: two CORS layers are nested. The inner layer decides \
the actual requests that reach it, but the outer one answers every preflight, the inner \
layer's routes' included, with its own policy. Give each router its own layer without an \
app-wide one around them (disjoint routers), or set `preflight_passthrough(true)` on the \
outer layer so that preflights reach the inner one. See the placement guide \
(tower_cors::guides::axum).";

/// Ends a watch over a poll of the inner future: if a CORS layer inside claimed the request,
/// this layer writes nothing.
#[inline(always)]
fn end_watch(watch: nesting::Watch, compiled: &Compiled, write: &mut Option<Write>) {
    if watch.end() {
        *write = Some(nested_write(compiled));
    }
}

/// A CORS layer inside this one decided the request, so there is nothing to write. Supported
/// when this layer passes preflights through; otherwise the inner layer's preflights are
/// answered by this one, which is reported once per policy, and fails an assertion in debug
/// builds.
#[cold]
fn nested_write(compiled: &Compiled) -> Write {
    if !compiled.policy.passthrough && compiled.first_nested_report() {
        trace::nested(NESTED);
        debug_assert!(false, "{NESTED}");
    }
    Write::Nothing
}

/// Polled again after it completed: an empty 500 on every path rather than a panic, since
/// nothing that reaches the layer makes it panic once it is built.
fn polled_after_completion<M: BodyKind<B>, B>() -> Response<M::Body> {
    let mut response = Response::new(M::empty());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}
