//! Reading a response body to the end, as `response.text()` does.

use std::future::poll_fn;
use std::pin::pin;

use bytes::Buf;
use http_body::Body;

/// Every data frame of `body`, in order; trailers are skipped.
pub(super) async fn collect<B: Body>(body: B) -> Result<Vec<u8>, B::Error> {
    let mut body = pin!(body);
    let mut out = Vec::new();
    while let Some(frame) = poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
        if let Ok(mut data) = frame?.into_data() {
            while data.has_remaining() {
                let chunk = data.chunk();
                out.extend_from_slice(chunk);
                let read = chunk.len();
                data.advance(read);
            }
        }
    }
    Ok(out)
}
