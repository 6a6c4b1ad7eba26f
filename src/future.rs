//! The response future of [`Cors`](crate::Cors).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use http::header::ORIGIN;
use http::{Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::allow_origin::BoxedCheck;
use crate::answer;
use crate::compiled::Compiled;
use crate::grant::{Grant, PreflightGrant, Reason, Refused, Step};
use crate::response;
use crate::trace;

pin_project! {
    /// Response future of [`Cors`](crate::Cors).
    pub struct ResponseFuture<S, ReqBody>
    where
        S: Service<Request<ReqBody>>,
    {
        #[pin]
        state: State<S, ReqBody>,
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
        /// An async origin check is outstanding. Boxed: rare, and large (it holds the request
        /// and a ready inner service), it would otherwise grow every request's future.
        Checking { checking: Option<Box<Checking<S, ReqBody>>> },
    }
}

/// What to write into the inner service's response.
pub(crate) enum Write {
    Grant(Grant),
    Preflight(PreflightGrant),
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

impl<S, ReqBody> ResponseFuture<S, ReqBody>
where
    S: Service<Request<ReqBody>>,
{
    pub(crate) fn inner(future: S::Future, compiled: Arc<Compiled>, write: Write) -> Self {
        Self { state: State::Inner { future, compiled, write: Some(write) } }
    }

    pub(crate) fn ready(response: Response<()>) -> Self {
        Self { state: State::Ready { response: Some(response) } }
    }

    pub(crate) fn checking(checking: Box<Checking<S, ReqBody>>) -> Self {
        Self { state: State::Checking { checking: Some(checking) } }
    }
}

impl<S, ReqBody, ResBody> Future for ResponseFuture<S, ReqBody>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Output = Result<Response<ResBody>, S::Error>;

    // Inlined where it is polled: the response is then written in place instead of copied twice.
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            match state.as_mut().project() {
                StateProj::Inner { future, compiled, write } => {
                    if write.is_none() {
                        return Poll::Ready(Ok(polled_after_completion()));
                    }
                    // Matched in place: binding the result first, or mapping it with a closure,
                    // copies the response once more (measured with callgrind).
                    let mut response = match ready!(future.poll(cx)) {
                        Ok(response) => response,
                        Err(error) => {
                            // An error finishes the future too.
                            *write = None;
                            return Poll::Ready(Err(error));
                        }
                    };
                    match write.take() {
                        Some(Write::Grant(grant)) => {
                            response::write_grant(&compiled.policy, grant, response.headers_mut())
                        }
                        Some(Write::Preflight(grant)) => {
                            response::write_preflight_grant(&compiled.policy, grant, response.headers_mut())
                        }
                        None => {}
                    }
                    return Poll::Ready(Ok(response));
                }
                StateProj::Ready { response } => {
                    let response = response.take().map(|response| response.map(|()| ResBody::default()));
                    return Poll::Ready(Ok(response.unwrap_or_else(polled_after_completion)));
                }
                StateProj::Checking { checking } => {
                    let Some(pending) = checking.as_mut() else { return Poll::Ready(Ok(polled_after_completion())) };
                    let allowed = ready!(pending.check.as_mut().poll(cx));
                    let Some(done) = checking.take() else { return Poll::Ready(Ok(polled_after_completion())) };
                    let Checking { mut service, request, compiled, allowed: on_allowed, refused, .. } = *done;
                    let step = if allowed {
                        on_allowed
                    } else {
                        if refused.report {
                            let origin = request.headers().get(ORIGIN).map_or(&[][..], |o| o.as_bytes());
                            trace::refused(Reason::OriginNotAllowed, origin);
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
                            state.set(State::Inner { future, compiled, write: Some(Write::Preflight(grant)) });
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

/// Polled again after it completed: an empty 500 on every path rather than a panic, since
/// nothing that reaches the layer makes it panic once it is built.
fn polled_after_completion<B: Default>() -> Response<B> {
    let mut response = Response::new(B::default());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}
