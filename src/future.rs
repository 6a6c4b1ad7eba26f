//! The response future of [`Cors`](crate::Cors).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use http::{HeaderValue, Response, StatusCode};
use pin_project_lite::pin_project;

use crate::allow_origin::BoxedCheck;
use crate::decision::{AllowOrigin, PreflightGrant, Reason};
use crate::policy::Policy;
use crate::response::{self, Apply};
use crate::trace;

pin_project! {
    /// Response future of [`Cors`](crate::Cors).
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        /// The inner service answers; the decision is applied to its response.
        Inner { #[pin] future: F, policy: Arc<Policy>, apply: Option<Apply> },
        /// The layer answers by itself.
        Ready { response: Option<Response<B>> },
        /// An async origin check is outstanding, or resolved and the inner service answering.
        Checking {
            check: BoxedCheck,
            origin: HeaderValue,
            // `None` for a preflight the layer answers itself.
            #[pin] future: Option<F>,
            policy: Arc<Policy>,
            pending: Option<Pending<B>>,
        },
    }
}

/// What an async origin check decides between.
pub(crate) enum Pending<B> {
    /// A preflight the layer answers: this response if the origin is allowed, 403 if not.
    Preflight(Response<B>),
    /// A preflight handed to the inner service.
    Passthrough(PreflightGrant),
    /// An actual request; `block` answers 403 for a refused origin instead of calling through.
    Actual { origin: AllowOrigin, block: bool },
    /// The check is done; apply this to the inner service's response.
    Resolved(Apply),
}

impl<F, B> ResponseFuture<F, B> {
    pub(crate) fn inner(future: F, policy: Arc<Policy>, apply: Apply) -> Self {
        Self { state: State::Inner { future, policy, apply: Some(apply) } }
    }

    pub(crate) fn ready(response: Response<B>) -> Self {
        Self { state: State::Ready { response: Some(response) } }
    }

    pub(crate) fn checking(
        check: BoxedCheck,
        origin: HeaderValue,
        future: Option<F>,
        policy: Arc<Policy>,
        pending: Pending<B>,
    ) -> Self {
        Self { state: State::Checking { check, origin, future, policy, pending: Some(pending) } }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    // Inlined where it is polled, the inner response is moved once instead of copied twice.
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            match state.as_mut().project() {
                StateProj::Inner { future, policy, apply } => {
                    let mut response = ready!(future.poll(cx))?;
                    if let Some(apply) = apply.take() {
                        response::apply(policy, apply, &mut response);
                    }
                    return Poll::Ready(Ok(response));
                }
                StateProj::Ready { response } => {
                    // Polled again after completion: an empty 500 rather than a panic.
                    return Poll::Ready(Ok(response.take().unwrap_or_else(|| {
                        let mut response = Response::new(B::default());
                        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                        response
                    })));
                }
                StateProj::Checking { check, origin, future, policy, pending } => {
                    if !matches!(pending, Some(Pending::Resolved(_))) {
                        let allowed = ready!(check.as_mut().poll(cx));
                        if !allowed {
                            trace::refused(Reason::OriginNotAllowed, origin.as_bytes());
                        }
                        let resolved = match pending.take() {
                            Some(Pending::Preflight(response)) if allowed => Err(response),
                            Some(Pending::Passthrough(grant)) if allowed => Ok(Apply::Preflight(grant)),
                            Some(Pending::Passthrough(_)) => Ok(Apply::Refused { preflight: true }),
                            Some(Pending::Actual { origin, .. }) if allowed => Ok(Apply::Actual(origin)),
                            Some(Pending::Actual { block: true, .. }) => Err(response::forbidden(&policy.vary)),
                            Some(Pending::Actual { .. }) => Ok(Apply::Refused { preflight: false }),
                            Some(Pending::Resolved(apply)) => Ok(apply),
                            Some(Pending::Preflight(_)) | None => Err(response::forbidden(&policy.preflight_vary)),
                        };
                        match resolved {
                            Ok(apply) => *pending = Some(Pending::Resolved(apply)),
                            Err(response) => {
                                state.set(State::Ready { response: Some(response) });
                                continue;
                            }
                        }
                    }
                    let Some(future) = future.as_pin_mut() else {
                        let response = response::forbidden(&policy.preflight_vary);
                        state.set(State::Ready { response: Some(response) });
                        continue;
                    };
                    let mut response = ready!(future.poll(cx))?;
                    if let Some(Pending::Resolved(apply)) = pending.take() {
                        response::apply(policy, apply, &mut response);
                    }
                    return Poll::Ready(Ok(response));
                }
            }
        }
    }
}
