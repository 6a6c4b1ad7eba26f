//! Stage 1, configuration: the values a user writes on [`CorsLayer`](crate::CorsLayer)
//! (origins, methods, headers, private network), strict origin parsing, and every problem a
//! configuration can have, reported at once.

pub(crate) mod allow_methods;
pub(crate) mod allow_origin;
pub(crate) mod any;
pub(crate) mod error;
pub(crate) mod header_list;
pub(crate) mod origin;
pub(crate) mod private_network;
pub(crate) mod settings;
