//! The Fetch Standard's CORS rules the [`Browser`](super::Browser) applies, one function each,
//! for tests that check a response by hand or drive their own client. Each names the section of
//! <https://fetch.spec.whatwg.org/> it follows.
//!
//! ```
//! use http::{HeaderMap, StatusCode};
//! use tower_cors::testing::standard::{check_preflight, CorsRequest};
//!
//! let request = CorsRequest {
//!     origin: "https://app.example.com".into(),
//!     method: "DELETE".into(),
//!     headers: vec![],
//!     credentials: false,
//! };
//! let mut answer = HeaderMap::new();
//! answer.insert("access-control-allow-origin", "https://app.example.com".parse()?);
//! answer.insert("access-control-allow-methods", "PUT".parse()?);
//! let verdict = check_preflight(&request, &[], StatusCode::NO_CONTENT, &answer).unwrap_err();
//! assert_eq!(verdict.to_string(), "Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response.");
//! # Ok::<(), http::header::InvalidHeaderValue>(())
//! ```

pub use super::check::{allow_headers_list, allow_methods_list, check_preflight, cors_check};
pub use super::exposed::{
    is_cors_safelisted_response_header_name, is_forbidden_response_header_name, readable_response_headers,
};
pub use super::request::CorsRequest;
pub use super::safelist::{
    cors_unsafe_request_header_names, is_cors_safelisted_method, is_cors_safelisted_request_header,
    is_forbidden_method, is_forbidden_request_header, normalize_method,
};
