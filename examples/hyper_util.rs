//! The CORS layer on a plain hyper 1 server, without a framework: a tower service wrapped in
//! `Cors` and handed to hyper-util's connection builder through `TowerToHyperService`.
//!
//! ```text
//! cargo run --example hyper_util              # http://127.0.0.1:3000
//! PORT=0 cargo run --example hyper_util       # any free port
//! ```

use std::convert::Infallible;

use http::header::CONTENT_TYPE;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tower::ServiceBuilder;
use tower_cors::CorsLayer;

/// The application: hyper's own request type in, any body with a `Default` out.
async fn handle(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = match (request.method(), request.uri().path()) {
        (&Method::GET, "/items") => Response::new(Full::from("[]")),
        (&Method::PUT, "/items") => Response::new(Full::from("stored")),
        _ => {
            let mut response = Response::new(Full::from("not found"));
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
    };
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000);

    let cors = CorsLayer::new()
        .allow_origins(["https://app.example.com", "http://localhost:*"])
        .allow_methods([Method::PUT])
        .allow_headers([CONTENT_TYPE]);
    cors.validate()?; // report configuration problems here rather than panic in `layer`
    let service = ServiceBuilder::new().layer(cors).service_fn(handle);

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        // `Cors` is a tower service; hyper wants its own `Service` trait, taking `&self`.
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            if let Err(error) =
                auto::Builder::new(TokioExecutor::new()).serve_connection(TokioIo::new(stream), service).await
            {
                eprintln!("connection error: {error}");
            }
        });
    }
}
