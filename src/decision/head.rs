//! A read-only view of a request's head, so that a request can be decided without taking it
//! apart: moving a request into `Parts` and back costs more than most of the decision.

use http::request::Parts;
use http::{HeaderMap, Method, Request, Uri, Version};

/// The parts of a request the decision reads.
pub(crate) trait RequestHead {
    fn method(&self) -> &Method;
    fn uri(&self) -> &Uri;
    fn version(&self) -> Version;
    fn headers(&self) -> &HeaderMap;
    /// The head as `Parts`, which user callbacks receive. A whole `Request` has none: the
    /// service hands policies with callbacks ([`Policy::needs_parts`](crate::policy::rules::Policy))
    /// their requests as `Parts`.
    fn parts(&self) -> Option<&Parts>;
}

impl RequestHead for Parts {
    fn method(&self) -> &Method {
        &self.method
    }

    fn uri(&self) -> &Uri {
        &self.uri
    }

    fn version(&self) -> Version {
        self.version
    }

    fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    fn parts(&self) -> Option<&Parts> {
        Some(self)
    }
}

impl<B> RequestHead for Request<B> {
    fn method(&self) -> &Method {
        self.method()
    }

    fn uri(&self) -> &Uri {
        self.uri()
    }

    fn version(&self) -> Version {
        self.version()
    }

    fn headers(&self) -> &HeaderMap {
        self.headers()
    }

    fn parts(&self) -> Option<&Parts> {
        None
    }
}
