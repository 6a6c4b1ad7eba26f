//! Merging the inner service's own `Vary` and `Access-Control-Expose-Headers` with the layer's:
//! time per response as the inner lists grow, tower-cors beside tower-http in one run. Each
//! element is hashed once, so the time grows linearly with the list; it was quadratic before
//! (20,000 elements: 577 ms a response).
//!
//! `cargo bench -p tower-cors-integration --bench merge`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion};
use http::header::{ACCESS_CONTROL_EXPOSE_HEADERS, ORIGIN, VARY};
use http::{HeaderName, HeaderValue, Request, Response};
use tower::{Layer, Service};

/// An inner service whose responses carry `n` `Vary` elements and as many exposed names, each
/// twice in two cases, as an application behind a careless proxy might.
#[derive(Clone)]
struct Listing(HeaderValue);

impl Listing {
    fn new(n: usize) -> Self {
        let names: Vec<String> =
            (0..n / 2).map(|i| format!("x-{i}")).chain((0..n / 2).map(|i| format!("X-{i}"))).collect();
        Self(HeaderValue::from_str(&names.join(", ")).unwrap())
    }
}

impl Service<Request<()>> for Listing {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<()>) -> Self::Future {
        let mut response = Response::new(String::new());
        response.headers_mut().insert(VARY, self.0.clone());
        response.headers_mut().insert(ACCESS_CONTROL_EXPOSE_HEADERS, self.0.clone());
        ready(Ok(response))
    }
}

fn run<S: Service<Request<()>, Error = Infallible>>(service: &mut S) -> S::Response {
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let Poll::Ready(Ok(())) = service.poll_ready(&mut cx) else { panic!("always ready") };
    let request = Request::get("/").header(ORIGIN, "https://app.example.com").body(()).unwrap();
    match pin!(service.call(request)).poll(&mut cx) {
        Poll::Ready(Ok(response)) => response,
        Poll::Pending => panic!("completes at once"),
    }
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .configure_from_args();
    let exposed = [HeaderName::from_static("x-request-id")];
    let ours = tower_cors::CorsLayer::new().allow_origins(["https://app.example.com"]).expose_headers(exposed.clone());
    let theirs = tower_http::cors::CorsLayer::new()
        .allow_origin(HeaderValue::from_static("https://app.example.com"))
        .expose_headers(exposed);
    let mut group = criterion.benchmark_group("merge_inner_lists");
    for n in [10, 1_000, 20_000] {
        let inner = Listing::new(n);
        let mut tower_cors = ours.layer(inner.clone());
        let mut tower_http = theirs.layer(inner);
        group.bench_function(BenchmarkId::new("tower-cors", n), |b| {
            b.iter_batched(|| (), |()| run(&mut tower_cors), BatchSize::SmallInput)
        });
        group.bench_function(BenchmarkId::new("tower-http", n), |b| {
            b.iter_batched(|| (), |()| run(&mut tower_http), BatchSize::SmallInput)
        });
    }
    group.finish();
    criterion.final_summary();
}

/// A waker that does nothing (`Waker::noop` needs Rust 1.85, above the MSRV).
fn noop_waker() -> Waker {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    Waker::from(std::sync::Arc::new(Noop))
}
