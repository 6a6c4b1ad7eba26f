//! `CorsLayer::grpc_web` in front of a real tonic service with tonic-web, over a real
//! HTTP/1.1 connection: preflights and gRPC-web calls get exactly the CORS headers browsers
//! need, calls still work, and disallowed origins get no grant.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use axum::body::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use tonic::transport::server::TcpIncoming;
use tonic::transport::Server;
use tonic_web::GrpcWebLayer;
use tower_cors::{Any, ConfigProblem, CorsLayer};

const CHECK: &str = "/grpc.health.v1.Health/Check";
const APP: &str = "https://app.example.com";

/// Starts the health service behind gRPC-web and the preset on an OS-chosen port.
async fn start() -> SocketAddr {
    start_with(CorsLayer::grpc_web([APP, "http://localhost:*"])).await
}

/// Starts the health service behind gRPC-web and `cors` on an OS-chosen port.
async fn start_with(cors: CorsLayer) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (reporter, health) = tonic_health::server::health_reporter();
    let router = Server::builder().accept_http1(true).layer(cors).layer(GrpcWebLayer::new()).add_service(health);
    tokio::spawn(async move {
        router.serve_with_incoming(TcpIncoming::from(listener)).await.unwrap();
        drop(reporter);
    });
    addr
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        let mut all = self.headers.get_all(name).iter();
        let first = all.next()?;
        assert!(all.next().is_none(), "{name} appears twice: {:?}", self.headers);
        Some(first.to_str().unwrap())
    }

    fn no_grant(&self) -> bool {
        !self.headers.keys().any(|name| name.as_str().starts_with("access-control-"))
    }
}

async fn send(addr: SocketAddr, mut request: Request<Full<Bytes>>) -> Answer {
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    *request.uri_mut() = format!("http://{addr}{}", request.uri()).parse().unwrap();
    let response: Response<_> = client.request(request).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_11);
    let (parts, body) = response.into_parts();
    Answer { status: parts.status, headers: parts.headers, body: body.collect().await.unwrap().to_bytes() }
}

fn preflight(origin: &str, request_headers: &str) -> Request<Full<Bytes>> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri(CHECK)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", request_headers)
        .body(Full::default())
        .unwrap()
}

/// A gRPC-web call to `Health/Check` for `service`, as grpc-web's JavaScript client sends it.
fn check(origin: &str, service: &str) -> Request<Full<Bytes>> {
    // HealthCheckRequest { service } is field 1, length-delimited; the empty message is empty.
    let mut message = Vec::new();
    if !service.is_empty() {
        message.push(0x0a);
        message.push(u8::try_from(service.len()).unwrap());
        message.extend_from_slice(service.as_bytes());
    }
    let mut frame = vec![0x00];
    frame.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    frame.extend_from_slice(&message);
    Request::builder()
        .method(Method::POST)
        .uri(CHECK)
        .header("origin", origin)
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .header("x-user-agent", "grpc-web-javascript/0.1")
        .header("accept", "application/grpc-web+proto")
        .body(Full::new(Bytes::from(frame)))
        .unwrap()
}

/// Splits a gRPC-web body into its frames: (flags, payload).
fn frames(mut body: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while !body.is_empty() {
        let len = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
        frames.push((body[0], body[5..5 + len].to_vec()));
        body = &body[5 + len..];
    }
    frames
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_gets_the_grpc_web_grant() {
    let addr = start().await;
    let answer = send(addr, preflight(APP, "content-type,grpc-accept-encoding,x-grpc-web,x-user-agent")).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.header("access-control-allow-origin"), Some(APP));
    assert_eq!(
        answer.header("access-control-allow-headers"),
        Some("content-type,grpc-accept-encoding,x-grpc-web,x-user-agent")
    );
    assert_eq!(answer.header("access-control-max-age"), Some("7200"));
    // POST is safelisted: the preflight check passes without it being listed.
    assert_eq!(answer.header("access-control-allow-methods"), None);
    assert_eq!(answer.header("access-control-allow-credentials"), None);
    assert_eq!(answer.header("vary"), Some("origin, access-control-request-method, access-control-request-headers"));
    assert!(answer.body.is_empty());

    let answer = send(addr, preflight("http://localhost:5173", "content-type,grpc-timeout,x-grpc-web")).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.header("access-control-allow-origin"), Some("http://localhost:5173"));
    assert_eq!(answer.header("access-control-allow-headers"), Some("content-type,grpc-timeout,x-grpc-web"));
}

#[tokio::test]
async fn preflights_for_other_origins_or_headers_are_refused() {
    let addr = start().await;
    for request in [
        preflight("https://evil.example", "content-type,x-grpc-web"),
        preflight(APP, "content-type,x-grpc-web,x-tenant"),
        preflight(APP, "authorization,content-type"),
    ] {
        let answer = send(addr, request).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert!(answer.no_grant(), "{:?}", answer.headers);
        assert_eq!(
            answer.header("vary"),
            Some("origin, access-control-request-method, access-control-request-headers")
        );
    }
}

#[tokio::test]
async fn a_grpc_web_call_from_an_allowed_origin_succeeds_with_grant_and_exposed_status() {
    let addr = start().await;
    let answer = send(addr, check(APP, "")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), Some("application/grpc-web+proto"));
    assert_eq!(answer.header("access-control-allow-origin"), Some(APP));
    assert_eq!(
        answer.header("access-control-expose-headers"),
        Some("grpc-status, grpc-message, grpc-status-details-bin, grpc-encoding")
    );
    assert_eq!(answer.header("access-control-allow-credentials"), None);
    assert_eq!(answer.header("vary"), Some("origin"));
    // One data frame, HealthCheckResponse { status: SERVING (1) }, then the trailers frame.
    let frames = frames(&answer.body);
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(frames[0], (0x00, vec![0x08, 0x01]));
    assert_eq!(frames[1].0, 0x80);
    let trailers = String::from_utf8(frames[1].1.clone()).unwrap();
    assert!(trailers.contains("grpc-status:0\r\n"), "{trailers:?}");
}

#[tokio::test]
async fn a_failed_call_exposes_grpc_status_in_its_trailers_only_headers() {
    let addr = start().await;
    let answer = send(addr, check(APP, "no.such.Service")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("grpc-status"), Some("5"), "NOT_FOUND, sent as a header: {:?}", answer.headers);
    assert_eq!(answer.header("grpc-message"), Some("service%20not%20registered"));
    assert_eq!(answer.header("access-control-allow-origin"), Some(APP));
    assert_eq!(
        answer.header("access-control-expose-headers"),
        Some("grpc-status, grpc-message, grpc-status-details-bin, grpc-encoding")
    );
}

#[tokio::test]
async fn a_call_from_a_disallowed_origin_gets_no_grant() {
    let addr = start().await;
    let answer = send(addr, check("https://evil.example", "")).await;
    // CORS withholds the response from the page; the call itself still reaches the service.
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.no_grant(), "{:?}", answer.headers);
    assert_eq!(answer.header("vary"), Some("origin"));
    assert_eq!(frames(&answer.body)[0], (0x00, vec![0x08, 0x01]));

    let answer = send(addr, check("null", "")).await;
    assert!(answer.no_grant(), "{:?}", answer.headers);
}

#[tokio::test]
async fn credentials_are_opt_in_and_never_with_any_origin() {
    assert_eq!(
        CorsLayer::grpc_web(Any).allow_credentials(true).validate().unwrap_err().problems(),
        [ConfigProblem::CredentialsWithAnyOrigin]
    );

    let addr = start_with(CorsLayer::grpc_web([APP]).allow_credentials(true)).await;
    let answer = send(addr, preflight(APP, "content-type,x-grpc-web")).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(answer.header("access-control-allow-origin"), Some(APP));
    assert_eq!(answer.header("access-control-allow-credentials"), Some("true"));
    let answer = send(addr, check(APP, "")).await;
    assert_eq!(answer.header("access-control-allow-credentials"), Some("true"));

    // Public services: any origin, answered `*`, still without credentials.
    let addr = start_with(CorsLayer::grpc_web(Any)).await;
    let answer = send(addr, check("https://anyone.example", "")).await;
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
    assert_eq!(answer.header("access-control-allow-credentials"), None);
}
