//! Response bodies: [`CorsBody`], and how [`Cors`](crate::Cors) types its responses' bodies.

use std::any::{Any, TypeId};
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

pin_project! {
    /// The response body of [`Cors`](crate::Cors): the inner service's body, or an empty one for
    /// the layer's own answers (a preflight, a 403).
    ///
    /// With it the layer wraps any service, whatever its body type: a `TraceLayer`, a
    /// compression layer or a tonic server inside the CORS layer included. (tower-http's CORS
    /// layer needs `ResBody: Default`, which tower-http's own trace and compression bodies lack.)
    ///
    /// ```
    /// use axum::body::Bytes;
    /// use http_body::Body;
    /// use http_body_util::{BodyExt, Full};
    /// use tower_cors::CorsBody;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let empty = CorsBody::<Full<Bytes>>::empty();
    /// assert!(empty.is_end_stream());
    /// let inner = CorsBody::new(Full::new(Bytes::from_static(b"[]")));
    /// assert_eq!(inner.collect().await.unwrap().to_bytes(), "[]");
    /// # }
    /// ```
    pub struct CorsBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Inner { #[pin] body: B },
        Empty,
        /// Debug mode's explanation of a refusal, sent when the data type is `Bytes`. Boxed, so
        /// that every other body stays the size it was.
        Text { text: Option<Box<Bytes>> },
    }
}

impl<B> CorsBody<B> {
    /// The inner service's body.
    pub fn new(body: B) -> Self {
        Self { kind: Kind::Inner { body } }
    }

    /// The empty body of the layer's own answers.
    pub fn empty() -> Self {
        Self { kind: Kind::Empty }
    }

    /// The explanation that [debug mode](crate::CorsLayer::debug) puts in its answers.
    pub(crate) fn text(text: Bytes) -> Self {
        Self { kind: Kind::Text { text: Some(Box::new(text)) } }
    }

    /// The inner service's body, or `None` for one of the layer's own answers.
    pub fn into_inner(self) -> Option<B> {
        match self.kind {
            Kind::Inner { body } => Some(body),
            Kind::Empty | Kind::Text { .. } => None,
        }
    }
}

impl<B> Default for CorsBody<B> {
    fn default() -> Self {
        Self::empty()
    }
}

/// A debug-mode text as the body's data, if the data type is `Bytes` (as with axum, hyper and
/// tonic bodies); otherwise the text is left out.
fn text_as_data<D: 'static>(text: &mut Option<Box<Bytes>>) -> Option<D> {
    let mut bytes = text.take().map(|text| *text);
    (&mut bytes as &mut dyn Any).downcast_mut::<Option<D>>().and_then(Option::take)
}

impl<B: Body> Body for CorsBody<B>
where
    B::Data: 'static,
{
    type Data = B::Data;
    type Error = B::Error;

    #[inline]
    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        match self.project().kind.project() {
            KindProj::Inner { body } => body.poll_frame(cx),
            KindProj::Empty => Poll::Ready(None),
            KindProj::Text { text } => Poll::Ready(text_as_data(text).map(|data| Ok(Frame::data(data)))),
        }
    }

    #[inline]
    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Inner { body } => body.is_end_stream(),
            Kind::Empty => true,
            Kind::Text { text } => text.is_none() || TypeId::of::<B::Data>() != TypeId::of::<Bytes>(),
        }
    }

    #[inline]
    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Inner { body } => body.size_hint(),
            Kind::Empty => SizeHint::with_exact(0),
            Kind::Text { text } => match text {
                Some(text) if TypeId::of::<B::Data>() == TypeId::of::<Bytes>() => {
                    SizeHint::with_exact(text.len() as u64)
                }
                _ => SizeHint::with_exact(0),
            },
        }
    }
}

impl<B: fmt::Debug> fmt::Debug for CorsBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Inner { body } => f.debug_tuple("CorsBody").field(body).finish(),
            Kind::Empty => f.write_str("CorsBody::Empty"),
            Kind::Text { text } => f.debug_struct("CorsBody::Text").field("text", text).finish(),
        }
    }
}

/// How [`Cors`](crate::Cors) types the body of its responses, given the inner service's body
/// type `B`: [`WrapBody`] (the default) or [`KeepBody`].
pub trait BodyKind<B>: sealed::Sealed {
    /// The body of the layer's responses.
    type Body;

    /// The inner service's body, as the layer's.
    fn inner(body: B) -> Self::Body;

    /// An empty body, for the layer's own answers.
    fn empty() -> Self::Body;

    /// Debug mode's explanation, for the layer's own answers: sent in a [`CorsBody`], left out
    /// of a kept body type (which can only be empty).
    fn text(text: Bytes) -> Self::Body;
}

/// Responses carry a [`CorsBody`]: works with every inner service. The default.
#[derive(Clone, Copy, Debug, Default)]
pub struct WrapBody;

/// Responses keep the inner service's body type, and the layer's own answers use its
/// `Default`. Chosen with [`CorsLayer::keep_body_type`](crate::CorsLayer::keep_body_type): for
/// axum's `Router::layer`, which boxes every body that is not its own, a [`CorsBody`] included.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeepBody;

impl<B> BodyKind<B> for WrapBody {
    type Body = CorsBody<B>;

    #[inline(always)]
    fn inner(body: B) -> CorsBody<B> {
        CorsBody::new(body)
    }

    #[inline(always)]
    fn empty() -> CorsBody<B> {
        CorsBody::empty()
    }

    fn text(text: Bytes) -> CorsBody<B> {
        CorsBody::text(text)
    }
}

impl<B: Default> BodyKind<B> for KeepBody {
    type Body = B;

    #[inline(always)]
    fn inner(body: B) -> B {
        body
    }

    #[inline(always)]
    fn empty() -> B {
        B::default()
    }

    fn text(_: Bytes) -> B {
        B::default()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::WrapBody {}
    impl Sealed for super::KeepBody {}
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    use axum::body::Bytes;
    use http_body::Body;
    use http_body_util::{BodyExt, Full};

    use super::{BodyKind, CorsBody, KeepBody, WrapBody};

    struct Noop;

    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    /// Every frame of `body`, polled to its end (the bodies here are always ready).
    fn frames<B: Body<Data = Bytes>>(body: B) -> Vec<Bytes>
    where
        B::Error: std::fmt::Debug,
    {
        let waker = Waker::from(Arc::new(Noop));
        let mut cx = Context::from_waker(&waker);
        let mut body = pin!(body);
        let mut frames = Vec::new();
        loop {
            match body.as_mut().poll_frame(&mut cx) {
                Poll::Ready(Some(Ok(frame))) => frames.push(frame.into_data().unwrap_or_default()),
                Poll::Ready(Some(Err(error))) => panic!("{error:?}"),
                Poll::Ready(None) => return frames,
                Poll::Pending => panic!("always ready"),
            }
        }
    }

    #[test]
    fn the_inner_body_passes_through_and_the_empty_one_is_empty() {
        let inner = CorsBody::new(Full::new(Bytes::from_static(b"[1]")));
        assert!(!inner.is_end_stream());
        assert_eq!(inner.size_hint().exact(), Some(3));
        assert_eq!(format!("{inner:?}"), format!("CorsBody({:?})", Full::new(Bytes::from_static(b"[1]"))));
        assert_eq!(frames(inner), [Bytes::from_static(b"[1]")]);

        let empty = CorsBody::<Full<Bytes>>::default();
        assert!(empty.is_end_stream());
        assert_eq!(empty.size_hint().exact(), Some(0));
        assert_eq!(format!("{empty:?}"), "CorsBody::Empty");
        assert!(frames(empty).is_empty());

        // An inner body that is already at its end says so.
        assert!(CorsBody::new(Full::new(Bytes::new())).is_end_stream());
        assert!(CorsBody::new(Full::new(Bytes::new())).into_inner().is_some());
        assert!(CorsBody::<Full<Bytes>>::empty().into_inner().is_none());
    }

    /// Debug mode's text is the body when the data type is `Bytes`, and left out otherwise.
    #[test]
    fn the_debug_text_is_sent_as_bytes_only() {
        let text = <WrapBody as BodyKind<Full<Bytes>>>::text(Bytes::from_static(b"refused"));
        assert!(!text.is_end_stream());
        assert_eq!(text.size_hint().exact(), Some(7));
        assert!(format!("{text:?}").starts_with("CorsBody::Text"));
        assert_eq!(frames(text), [Bytes::from_static(b"refused")]);
        assert!(CorsBody::<Full<Bytes>>::text(Bytes::new()).into_inner().is_none());

        // A body of another data type cannot carry it: empty, and it says so.
        let other = CorsBody::<Full<&'static [u8]>>::text(Bytes::from_static(b"refused"));
        assert!(other.is_end_stream());
        assert_eq!(other.size_hint().exact(), Some(0));
        let waker = Waker::from(Arc::new(Noop));
        let mut other = pin!(other);
        assert!(matches!(other.as_mut().poll_frame(&mut Context::from_waker(&waker)), Poll::Ready(None)));
        // A kept body type's is its default.
        assert_eq!(<KeepBody as BodyKind<String>>::text(Bytes::from_static(b"refused")), "");
    }

    /// HTTP trailers (a native gRPC response's `grpc-status`) are a frame of their own after the
    /// data: the inner body's last frame passes through as it is.
    #[test]
    fn the_inner_bodys_trailers_pass_through() {
        let mut trailers = http::HeaderMap::new();
        trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
        let inner = Full::new(Bytes::from_static(b"[1]")).with_trailers(std::future::ready(Some(Ok(trailers))));
        let waker = Waker::from(Arc::new(Noop));
        let mut cx = Context::from_waker(&waker);
        let mut body = pin!(CorsBody::new(inner));
        let mut data = Vec::new();
        let mut received = Vec::new();
        loop {
            match body.as_mut().poll_frame(&mut cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(bytes) => data.push(bytes),
                    Err(frame) => match frame.into_trailers() {
                        Ok(trailers) => received.push(trailers),
                        Err(_) => panic!("a frame is data or trailers"),
                    },
                },
                Poll::Ready(Some(Err(error))) => match error {},
                Poll::Ready(None) => break,
                Poll::Pending => panic!("always ready"),
            }
        }
        assert_eq!(data, [Bytes::from_static(b"[1]")]);
        assert_eq!(received.len(), 1, "one trailers frame, after the data: {received:?}");
        assert_eq!(received[0]["grpc-status"], "0");
    }

    #[test]
    fn body_kinds_wrap_or_keep() {
        let wrapped = <WrapBody as BodyKind<Full<Bytes>>>::inner(Full::new(Bytes::from_static(b"x")));
        assert_eq!(frames(wrapped), [Bytes::from_static(b"x")]);
        assert!(<WrapBody as BodyKind<Full<Bytes>>>::empty().into_inner().is_none());
        let kept: String = <KeepBody as BodyKind<String>>::inner("x".to_owned());
        assert_eq!(kept, "x");
        assert_eq!(<KeepBody as BodyKind<String>>::empty(), "");
    }
}
