//! Serves an axum app whose CORS policy comes from a TOML file.
//!
//! ```text
//! cargo run --example config_file --features serde [-- path/to/cors.toml]
//! PORT=0 cargo run --example config_file --features serde   # any free port
//! ```
//!
//! An invalid file is reported with every problem at once, and the server does not start.

use std::process::ExitCode;

use axum::{routing::get, Router};
use tower_cors::{CorsConfig, CorsLayer};

#[tokio::main]
async fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/examples/cors.toml").to_owned());
    let cors = match load(&path) {
        Ok(cors) => cors,
        Err(error) => {
            eprintln!("{path}: {error}");
            return ExitCode::FAILURE;
        }
    };
    match serve(cors).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn load(path: &str) -> Result<CorsLayer, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let config: CorsConfig = toml::from_str(&text)?;
    Ok(CorsLayer::try_from(config)?)
}

async fn serve(cors: CorsLayer) -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000);
    let app = Router::new().route("/items", get(|| async { "[]" })).layer(cors);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
