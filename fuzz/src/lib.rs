//! Shared helpers for the fuzz targets: the browser model and policy oracle of the integration
//! tests, a counting inner service, and a way to run one request through a layer synchronously.

use std::cell::Cell;
use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use tower_cors::CorsLayer;
use tower_layer::Layer;
use tower_service::Service;

#[path = "../../tests/fetch_model/mod.rs"]
pub mod fetch_model;

/// An inner service that counts its calls and answers 200 with the given headers.
#[derive(Clone, Default)]
pub struct Inner {
    pub calls: Rc<Cell<usize>>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Service<Request<()>> for Inner {
    type Response = Response<()>;
    type Error = Infallible;
    type Future = Ready<Result<Response<()>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<()>) -> Self::Future {
        self.calls.set(self.calls.get() + 1);
        let mut response = Response::new(());
        for (name, value) in &self.headers {
            response.headers_mut().append(name.clone(), value.clone());
        }
        ready(Ok(response))
    }
}

/// Polls a future that never waits on I/O (no async origin check is configured by the targets).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// What came back, and how often the inner service ran.
pub struct Outcome {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub calls: usize,
}

/// Sends one request through `layer` (which must be valid) around a fresh [`Inner`].
pub fn send(layer: &CorsLayer, inner_headers: &[(HeaderName, HeaderValue)], request: Request<()>) -> Outcome {
    let inner = Inner { calls: Rc::default(), headers: inner_headers.to_vec() };
    let calls = Rc::clone(&inner.calls);
    let mut service = layer.layer(inner);
    let response = block_on(async {
        std::future::poll_fn(|cx| service.poll_ready(cx)).await.unwrap_or_else(|e| match e {});
        service.call(request).await.unwrap_or_else(|e| match e {})
    });
    Outcome { status: response.status(), headers: response.headers().clone(), calls: calls.get() }
}

/// Builds a request; header values that `http` cannot hold are skipped.
pub fn request(method: &str, headers: &[(&str, &[u8])]) -> Request<()> {
    let mut request = Request::new(());
    if let Ok(method) = http::Method::from_bytes(method.as_bytes()) {
        *request.method_mut() = method;
    }
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(value)) {
            request.headers_mut().append(name, value);
        }
    }
    request
}

/// The invariants every response must satisfy, whatever the request.
/// `any_origin`: the policy allows any origin, so its answers to requests that are not preflights
/// do not depend on `Origin` and need not vary on it.
pub fn check_invariants(
    request_origins: &[&[u8]],
    is_preflight: bool,
    passthrough: bool,
    any_origin: bool,
    out: &Outcome,
) {
    let mut acao = out.headers.get_all("access-control-allow-origin").iter();
    if let Some(value) = acao.next() {
        assert!(acao.next().is_none(), "two allow-origin lines: {:?}", out.headers);
        let echo = matches!(request_origins, [one] if *one == value.as_bytes());
        assert!(value == "*" || echo, "allow-origin {value:?} for origins {request_origins:?}");
        assert!(
            !(value == "*" && out.headers.contains_key("access-control-allow-credentials")),
            "`*` with credentials"
        );
    }
    for name in ["access-control-allow-credentials", "vary"] {
        assert!(out.headers.get_all(name).iter().count() <= 1, "{name} twice: {:?}", out.headers);
    }
    if let Some(creds) = out.headers.get("access-control-allow-credentials") {
        assert_eq!(creds, "true");
    }
    if out.status == StatusCode::FORBIDDEN {
        assert!(
            !out.headers.keys().any(|k| k.as_str().starts_with("access-control-")),
            "403 discloses: {:?}",
            out.headers
        );
    }
    let vary = out.headers.get("vary").map(|v| v.to_str().unwrap_or_default().to_ascii_lowercase());
    let names = |v: &str| v.split(',').map(|e| e.trim().to_owned()).collect::<Vec<_>>();
    if any_origin {
        // `*` is one answer for every origin: never `Vary: Origin` on it, and `*` on every
        // response the inner service gives, with or without `Origin`.
        if !is_preflight {
            assert!(
                !vary.as_deref().map(names).unwrap_or_default().contains(&"origin".to_owned()),
                "{:?}",
                out.headers
            );
            assert_eq!(
                out.headers.get("access-control-allow-origin").map(|v| v.as_bytes()),
                Some(&b"*"[..]),
                "{:?}",
                out.headers
            );
        }
    } else {
        assert!(
            vary.as_deref().map(names).unwrap_or_default().contains(&"origin".to_owned()),
            "Vary lacks origin: {:?}",
            out.headers
        );
    }
    if is_preflight && !passthrough {
        assert_eq!(out.calls, 0, "inner service answered a preflight");
    } else {
        assert!(out.calls <= 1, "inner service called {} times", out.calls);
    }
}
