//! Stage 2, the compiled policy: a validated configuration as the rules the decision reads,
//! with the origin matcher and the `Access-Control-Request-Headers` parser built for them.

pub(crate) mod origin_matcher;
pub(crate) mod request_headers;
pub(crate) mod rules;
