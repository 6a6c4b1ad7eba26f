//! URLs as a browser reads them: a script's URL resolved against the page and normalised by the
//! WHATWG URL Standard (the `url` crate implements it), the origin of a URL, and whether a URL is
//! potentially trustworthy (which decides whether Fetch Metadata is sent).

use std::net::IpAddr;

use url::{Host, Url};

use super::site::Origin;

/// The URL `input` names when a script of a page of `page` passes it to `fetch()`: resolved
/// against the page (a relative or protocol-relative URL takes the page's scheme, and host), with
/// dot segments removed and the path and query percent-encoded as the URL Standard does; without
/// its fragment, which is never sent. The error is the `TypeError`'s message.
pub(super) fn resolve(page: &Origin, input: &str) -> Result<Url, String> {
    let base = match page {
        Origin::Tuple { .. } => Url::parse(&format!("{}/", page.serialize())).ok(),
        Origin::Opaque => None,
    };
    let parsed = Url::options().base_url(base.as_ref()).parse(input);
    let mut url = parsed.map_err(|_| format!("Failed to parse URL from {input}"))?;
    if includes_credentials(&url) {
        return Err(format!("Request cannot be constructed from a URL that includes credentials: {input}"));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("URL scheme \"{}\" is not supported, or {input} has no host.", url.scheme()));
    }
    url.set_fragment(None);
    Ok(url)
}

/// The origin of an `http` or `https` URL: its scheme, host and port (none when the scheme's default).
pub(super) fn origin_of(url: &Url) -> Origin {
    match url.host_str() {
        Some(host) => Origin::Tuple { scheme: url.scheme().to_owned(), host: host.to_owned(), port: url.port() },
        None => Origin::Opaque,
    }
}

/// The request target a browser writes on the request line: the path and the query.
pub(super) fn target(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// `Host`: the URL's host and, when not the scheme's default, its port.
pub(super) fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Whether a URL is potentially trustworthy
/// ([Secure Contexts](https://w3c.github.io/webappsec-secure-contexts/#is-url-trustworthy)):
/// `https`, or `http` to a loopback address (127.0.0.0/8, `[::1]`), `localhost` or a name under
/// `.localhost`. Browsers send Fetch Metadata (`Sec-Fetch-*`) only to such URLs.
pub(super) fn is_potentially_trustworthy(url: &Url) -> bool {
    if url.scheme() == "https" {
        return true;
    }
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(name)) => {
            let name = name.strip_suffix('.').unwrap_or(name);
            name == "localhost" || name.ends_with(".localhost")
        }
        None => false,
    }
}

/// Whether `url` carries a user name or a password.
pub(super) fn includes_credentials(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}
