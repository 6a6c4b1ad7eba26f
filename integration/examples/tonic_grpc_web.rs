//! A real tonic service (the standard gRPC health service) served to browsers with gRPC-web
//! over HTTP/1.1, with the CORS preset for gRPC-web.
//!
//! ```text
//! cargo run -p tower-cors-integration --example tonic_grpc_web            # http://127.0.0.1:50051
//! PORT=0 cargo run -p tower-cors-integration --example tonic_grpc_web     # any free port
//! ```
//!
//! tonic-web dropped its built-in CORS handling in 0.13; [`CorsLayer::grpc_web`] gives back
//! what browsers need. The CORS layer goes outside `GrpcWebLayer`, so that preflights are
//! answered before the gRPC-web translation sees them.

use tonic::transport::server::TcpIncoming;
use tonic::transport::Server;
use tonic_web::GrpcWebLayer;
use tower_cors::CorsLayer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(50051);

    // The browser app's origins; add `.allow_credentials(true)` only if it sends cookies.
    let cors = CorsLayer::grpc_web(["https://app.example.com", "http://localhost:*"]);
    cors.validate()?;

    let (_reporter, health) = tonic_health::server::health_reporter();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);

    Server::builder()
        .accept_http1(true) // browsers speak gRPC-web over HTTP/1.1 without TLS
        .layer(cors)
        .layer(GrpcWebLayer::new())
        .add_service(health)
        .serve_with_incoming(TcpIncoming::from(listener))
        .await?;
    Ok(())
}
