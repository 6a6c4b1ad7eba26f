//! Origins and sites: the page's origin, the origin a request goes to, and the `Sec-Fetch-Site`
//! a browser computes from the two.

use http::Uri;

/// An origin ([`#concept-origin`](https://html.spec.whatwg.org/multipage/browsers.html#concept-origin)):
/// a scheme, host and port, or opaque (a sandboxed frame, a `data:` page), serialized `null`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    /// `scheme://host[:port]`, lower-cased, the port only when not the scheme's default.
    Tuple { scheme: String, host: String, port: Option<u16> },
    /// An opaque origin: same-origin with nothing the kit fetches.
    Opaque,
}

impl Origin {
    /// Parses a page origin as browsers serialize them: `null`, or an `http`/`https` URL with
    /// nothing after the authority but an optional `/`.
    pub(super) fn parse(origin: &str) -> Result<Self, String> {
        if origin == "null" {
            return Ok(Self::Opaque);
        }
        let uri: Uri = origin.parse().map_err(|e| format!("{origin:?} is not an origin: {e}"))?;
        let only_origin = matches!(uri.path_and_query().map(|p| p.as_str()), None | Some("/"));
        match Self::of(&uri) {
            Some(parsed) if only_origin && !uri.authority().is_some_and(|a| a.as_str().contains('@')) => Ok(parsed),
            _ => Err(format!("{origin:?} is not an origin: write `https://host` or `http://host:port`, or `null`")),
        }
    }

    /// The origin of an absolute `http` or `https` URI.
    pub(super) fn of(uri: &Uri) -> Option<Self> {
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let host = uri.host().filter(|h| !h.is_empty())?.to_ascii_lowercase();
        let port = uri.port_u16().filter(|&p| p != default_port);
        Some(Self::Tuple { scheme, host, port })
    }

    /// The ASCII serialization, sent as `Origin`.
    pub(super) fn serialize(&self) -> String {
        match self {
            Self::Tuple { scheme, host, port: Some(port) } => format!("{scheme}://{host}:{port}"),
            Self::Tuple { scheme, host, port: None } => format!("{scheme}://{host}"),
            Self::Opaque => "null".to_owned(),
        }
    }

    /// Whether `self` and `other` are same site (HTML `#same-site`, with the scheme): the same
    /// scheme, and the same host or the same registrable domain.
    fn same_site(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Tuple { scheme, host, .. }, Self::Tuple { scheme: other_scheme, host: other_host, .. }) => {
                let domain = registrable_domain(host);
                scheme == other_scheme
                    && (host == other_host || (domain.is_some() && domain == registrable_domain(other_host)))
            }
            _ => false,
        }
    }
}

/// The registrable domain of `host`, approximated without the Public Suffix List: its last two
/// labels (`api.example.com` → `example.com`); an IP address, or a host of one label
/// (`localhost`), has none.
fn registrable_domain(host: &str) -> Option<&str> {
    let last_label = host.rsplit('.').next().unwrap_or(host);
    if host.starts_with('[') || last_label.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut dots = host.rmatch_indices('.').map(|(at, _)| at);
    let _last = dots.next()?;
    Some(dots.next().map_or(host, |at| &host[at + 1..]))
}

/// `Sec-Fetch-Site` ([Fetch Metadata](https://w3c.github.io/webappsec-fetch-metadata/#sec-fetch-site-header))
/// for a request from a page of `page` that went to each origin of `urls` in turn (more than one
/// after a redirect): `same-origin` when every one is the page's, `same-site` when every one is
/// at least same-site, `cross-site` otherwise.
pub(super) fn sec_fetch_site(page: &Origin, urls: &[Origin]) -> &'static str {
    let rank = |target: &Origin| {
        if page == target && *page != Origin::Opaque {
            0
        } else if page.same_site(target) {
            1
        } else {
            2
        }
    };
    match urls.iter().map(rank).max() {
        Some(2) => "cross-site",
        Some(1) => "same-site",
        _ => "same-origin",
    }
}
