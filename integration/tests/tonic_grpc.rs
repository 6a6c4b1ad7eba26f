//! Native gRPC (HTTP/2 without TLS, not gRPC-web) through the layer: a gRPC call's outcome
//! travels in the response's HTTP trailers (`grpc-status`), so the layer's body must pass a
//! trailers frame on. A tonic client calls a real tonic server over TCP on 127.0.0.1, and a raw
//! HTTP/2 client reads the trailers themselves; an inner body ending in trailers keeps them
//! through the layer, served in-process too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::body::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Endpoint, Server};
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{health_check_response::ServingStatus, HealthCheckRequest};
use tower::{service_fn, Layer, ServiceExt};
use tower_cors::CorsLayer;

const CHECK: &str = "/grpc.health.v1.Health/Check";
const APP: &str = "https://app.example.com";

/// Starts the health service behind the gRPC-web preset (one layer serves both kinds of
/// client) on an OS-chosen port, HTTP/2 only, as native gRPC servers run.
async fn start() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (reporter, health) = tonic_health::server::health_reporter();
    let router = Server::builder().layer(CorsLayer::grpc_web([APP])).add_service(health);
    tokio::spawn(async move {
        router.serve_with_incoming(TcpIncoming::from(listener)).await.unwrap();
        drop(reporter);
    });
    addr
}

async fn client(addr: SocketAddr) -> HealthClient<tonic::transport::Channel> {
    let channel = Endpoint::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
    HealthClient::new(channel)
}

fn check_request(service: &str, origin: Option<&str>) -> tonic::Request<HealthCheckRequest> {
    let mut request = tonic::Request::new(HealthCheckRequest { service: service.to_owned() });
    if let Some(origin) = origin {
        request.metadata_mut().insert("origin", origin.parse().unwrap());
    }
    request
}

/// A successful unary call ends with `grpc-status: 0` in the trailers; without them tonic's
/// client reports the call failed, whatever the message said.
#[tokio::test]
async fn a_native_grpc_call_through_the_layer_receives_its_status() {
    let addr = start().await;
    let mut client = client(addr).await;

    // A server-to-server call: no `Origin`, not a CORS request; the layer adds only `Vary`.
    let response = client.check(check_request("", None)).await.expect("the call succeeds");
    assert_eq!(response.get_ref().status(), ServingStatus::Serving);
    let headers = response.metadata().clone().into_headers();
    assert_eq!(headers.get("access-control-allow-origin"), None);
    assert_eq!(headers.get("vary").unwrap(), "origin");

    // A call carrying an allowed `Origin` (as a proxy in front of a browser may send it) is
    // granted, and still completes.
    let response = client.check(check_request("", Some(APP))).await.expect("the call succeeds");
    assert_eq!(response.get_ref().status(), ServingStatus::Serving);
    let headers = response.metadata().clone().into_headers();
    assert_eq!(headers.get("access-control-allow-origin").unwrap(), APP);
    assert_eq!(
        headers.get("access-control-expose-headers").unwrap(),
        "grpc-status, grpc-message, grpc-status-details-bin, grpc-encoding"
    );

    // A failed call (a trailers-only response: its status travels in the headers).
    let status = client.check(check_request("no.such.Service", None)).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
    assert_eq!(status.message(), "service not registered");
}

/// The same call from a plain HTTP/2 client, which shows the trailers frame itself.
#[tokio::test]
async fn the_trailers_of_a_native_grpc_response_reach_the_client() {
    let addr = start().await;
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).http2_only(true).build_http();
    // HealthCheckRequest {} is the empty message: one uncompressed frame of length 0.
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("http://{addr}{CHECK}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("origin", APP)
        .body(Full::new(Bytes::from_static(&[0, 0, 0, 0, 0])))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], APP);
    assert_eq!(response.headers().get("grpc-status"), None, "a success's status is a trailer");
    let collected = response.into_body().collect().await.unwrap();
    let trailers = collected.trailers().cloned().expect("the response ends with trailers");
    assert_eq!(trailers.get("grpc-status").map(HeaderValue::as_bytes), Some(&b"0"[..]), "{trailers:?}");
    // HealthCheckResponse { status: SERVING (1) }, in one frame.
    assert_eq!(collected.to_bytes(), Bytes::from_static(&[0, 0, 0, 0, 2, 0x08, 0x01]));
}

/// Any inner body that ends in trailers keeps them through the layer, on the granted, refused
/// and non-CORS paths.
#[tokio::test]
async fn an_inner_body_ending_in_trailers_keeps_them() {
    let app = service_fn(|_: Request<()>| async {
        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", HeaderValue::from_static("0"));
        trailers.insert("x-checksum", HeaderValue::from_static("abc"));
        let body = Full::new(Bytes::from_static(b"data")).with_trailers(async move { Some(Ok(trailers)) });
        Ok::<_, Infallible>(Response::new(body))
    });
    let cors = CorsLayer::new().allow_origins([APP]);
    for origin in [Some(APP), Some("https://evil.example"), None] {
        let mut request = Request::post("/rpc");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = cors.layer(app).oneshot(request.body(()).unwrap()).await.unwrap();
        let allowed = response.headers().get("access-control-allow-origin").map(HeaderValue::as_bytes);
        assert_eq!(allowed, origin.filter(|&o| o == APP).map(str::as_bytes), "{origin:?}");
        let collected = response.into_body().collect().await.unwrap();
        let trailers = collected.trailers().cloned();
        assert_eq!(collected.to_bytes(), "data", "{origin:?}");
        let trailers = trailers.unwrap_or_else(|| panic!("{origin:?}: the trailers were dropped"));
        assert_eq!(trailers["grpc-status"], "0");
        assert_eq!(trailers["x-checksum"], "abc");
    }
}
