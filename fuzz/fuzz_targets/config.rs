//! Configuration building from arbitrary input: never a panic. An invalid configuration is an
//! error listing at least one problem; a valid one serves requests with the invariants intact.
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use http::{HeaderName, Method, StatusCode};
use libfuzzer_sys::fuzz_target;
use tower_cors::{AllowPrivateNetwork, CorsLayer};
use tower_cors_fuzz::{check_invariants, request, send};

#[derive(Arbitrary, Debug)]
enum Op {
    Origins(Vec<Vec<u8>>),
    AnyOrigin,
    Permissive,
    Methods(Vec<Vec<u8>>),
    AnyMethod,
    Headers(Vec<Vec<u8>>),
    AnyHeader,
    Expose(Vec<Vec<u8>>),
    ExposeAny,
    Credentials(bool),
    MaxAge(u64),
    PrivateNetwork(bool),
    Status(u16),
    Passthrough(bool),
    Block(bool),
    Null(bool),
    Insecure(bool),
}

#[derive(Arbitrary, Debug)]
struct Input {
    ops: Vec<Op>,
    origin: Vec<u8>,
    method: Vec<u8>,
    acrh: Vec<u8>,
}

fn names(raw: &[Vec<u8>]) -> Vec<HeaderName> {
    raw.iter().filter_map(|n| HeaderName::from_bytes(n).ok()).collect()
}

fuzz_target!(|input: Input| {
    let mut layer = CorsLayer::new();
    for op in &input.ops {
        layer = match op {
            Op::Origins(list) => layer.allow_origins(list),
            Op::AnyOrigin => layer.allow_any_origin(),
            Op::Permissive => CorsLayer::permissive(),
            Op::Methods(list) => {
                layer.allow_methods(list.iter().filter_map(|m| Method::from_bytes(m).ok()).collect::<Vec<_>>())
            }
            Op::AnyMethod => layer.allow_any_method(),
            Op::Headers(list) => layer.allow_headers(names(list)),
            Op::AnyHeader => layer.allow_any_header(),
            Op::Expose(list) => layer.expose_headers(names(list)),
            Op::ExposeAny => layer.expose_any_header(),
            Op::Credentials(on) => layer.allow_credentials(*on),
            Op::MaxAge(secs) => layer.max_age(Duration::from_secs(*secs)),
            Op::PrivateNetwork(on) => layer.allow_private_network(AllowPrivateNetwork::from(*on)),
            Op::Status(code) => match StatusCode::from_u16(*code) {
                Ok(status) => layer.preflight_status(status),
                Err(_) => layer,
            },
            Op::Passthrough(on) => layer.preflight_passthrough(*on),
            Op::Block(on) => layer.block_disallowed_origins(*on),
            Op::Null(on) => layer.dangerously_allow_null_origin(*on),
            Op::Insecure(on) => layer.dangerously_allow_insecure_origins_with_credentials(*on),
        };
    }
    let _ = format!("{layer:?}");
    match layer.validate() {
        Err(error) => {
            assert!(!error.problems().is_empty(), "an error without problems");
            assert!(!error.to_string().is_empty());
        }
        Ok(()) => {
            let passthrough = input.ops.iter().rev().find_map(|op| match op {
                Op::Passthrough(on) => Some(*on),
                Op::Permissive => Some(false),
                _ => None,
            });
            // The last origin setting wins; any origin is one answer that varies on nothing.
            let any_origin = input
                .ops
                .iter()
                .rev()
                .find_map(|op| match op {
                    Op::Origins(_) => Some(false),
                    Op::AnyOrigin | Op::Permissive => Some(true),
                    _ => None,
                })
                .unwrap_or(false);
            let method = String::from_utf8_lossy(&input.method).into_owned();
            let preflight = request(
                "OPTIONS",
                &[
                    ("origin", &input.origin),
                    ("access-control-request-method", method.as_bytes()),
                    ("access-control-request-headers", &input.acrh),
                    ("access-control-request-private-network", b"true"),
                ],
            );
            let is_preflight = preflight.headers().contains_key("origin")
                && preflight.headers().contains_key("access-control-request-method");
            let out = send(&layer, &[], preflight);
            check_invariants(&[&input.origin], is_preflight, passthrough.unwrap_or(false), any_origin, &out);
            let out = send(&layer, &[], request("POST", &[("origin", &input.origin)]));
            check_invariants(&[&input.origin], false, false, any_origin, &out);
        }
    }
});
