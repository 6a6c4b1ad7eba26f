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
        let mut state = self.project().state;
        loop {
            match state.as_mut().project() {
                StateProj::Inner { future, compiled, write } => {
                    if write.is_none() {
                        return Poll::Ready(Ok(polled_after_completion::<M, ResBody>()));
                    }
                    // Matched in place: binding the result first, or mapping it with a closure,
                    // copies the response once more (measured with callgrind).
                    let mut response = match future.poll(cx) {
                        Poll::Ready(Ok(response)) => response.map(M::inner),
                        Poll::Ready(Err(error)) => {
                            // An error finishes the future too.
                            *write = None;
                            return Poll::Ready(Err(error));
                        }
                        Poll::Pending => return Poll::Pending,
                    };
                    // This layer's decision replaces whatever CORS grant the inner service (an
                    // inner CORS layer, or the application itself) put on the response.
                    let replaced = match write.take() {
                        Some(Write::Grant(grant)) => {
                            write::write_grant(&compiled.policy, grant, response.headers_mut())
                        }
                        Some(Write::Preflight(grant)) => {
                            write::write_preflight_grant(&compiled.policy, *grant, response.headers_mut())
                        }
                        None => write::Replaced::Nothing,
                    };
                    if replaced == write::Replaced::Grant {
                        replaced_inner_grant(compiled);
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

/// What a layer says, once per policy, when the inner service's response carried a CORS grant
/// of its own that the layer replaced.
const REPLACED: &str = "tower-cors: the inner service's response carried its own \
`Access-Control-Allow-Origin`, which this layer replaced with its own decision. The outermost \
CORS layer decides the CORS headers of every response it passes: remove the CORS headers the \
application sets, and any CORS layer inside this one (give each router its own layer on \
disjoint routes instead, as the placement guide shows: tower_cors::guides::axum).";

/// Reports, once per policy, that an inner grant was replaced. Out of line: never reached by a
/// response without grant headers of its own.
#[cold]
#[inline(never)]
fn replaced_inner_grant(compiled: &Compiled) {
    if compiled.first_replaced_report() {
        trace::replaced(REPLACED);
    }
}

/// Polled again after it completed: an empty 500 on every path rather than a panic, since
/// nothing that reaches the layer makes it panic once it is built.
fn polled_after_completion<M: BodyKind<B>, B>() -> Response<M::Body> {
    let mut response = Response::new(M::empty());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}
