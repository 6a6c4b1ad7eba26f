//! What to change in the configuration so that a refused request is allowed: near misses of an
//! origin, and the method or header a preflight asked for. Computed only when a request is
//! explained, never on the request path.

use http::Method;

use crate::config::allow_origin::OriginKind;
use crate::config::origin::{is_visible_ascii, parse_origin, split_origin, OriginSpec, PortRule, MAX_ORIGIN_LEN};
use crate::config::settings::Settings;
use crate::decision::reason::{shown_part, RefusalReason};
use crate::policy::origin_matcher::OriginMatcher;

/// The most a hint, a debug-mode body or its log line says, in bytes: they quote request values,
/// whose size attackers choose.
pub(crate) const TEXT_CAP: usize = 1024;

/// `text` cut to at most `cap` bytes, on a character boundary, ending with `...` when cut.
pub(crate) fn bounded(mut text: String, cap: usize) -> String {
    if text.len() > cap {
        let mut end = cap.saturating_sub(3);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
    text
}

/// The hint for a refusal, if there is one to give, at most [`TEXT_CAP`] bytes. `value` is the
/// offending request bytes; `origin_lines` how many `Origin` lines the request carried.
pub(crate) fn hint(settings: &Settings, reason: RefusalReason, value: &[u8], origin_lines: usize) -> Option<String> {
    full_hint(settings, reason, value, origin_lines).map(|hint| bounded(hint, TEXT_CAP))
}

fn full_hint(settings: &Settings, reason: RefusalReason, value: &[u8], origin_lines: usize) -> Option<String> {
    // A method or a header name is quoted as the explanation shows it: capped.
    let (capped, _) = shown_part(value);
    match reason {
        RefusalReason::InvalidOrigin | RefusalReason::OriginNotAllowed => origin_hint(settings, value, origin_lines),
        RefusalReason::MethodNotAllowed => Some(method_hint(settings, capped)),
        RefusalReason::HeaderNotAllowed => Some(header_hint(settings, capped)),
        RefusalReason::MalformedRequestHeaders => Some(
            "browsers send Access-Control-Request-Headers as lower-case header names joined by commas; \
             this one is not such a list (or is over 4096 bytes): it came from a client that is not a browser"
                .to_owned(),
        ),
        RefusalReason::WebSocketOriginNotAllowed => {
            let guard = "WebSocket handshakes from origins the policy refuses are answered 403 (RFC 6455, section \
                         10.2): allow the page's origin, or call `guard_websocket_upgrades(false)` if the WebSocket \
                         handler checks `Origin` itself";
            Some(match origin_hint(settings, value, origin_lines) {
                Some(origin) => format!("{origin}; {guard}"),
                None => guard.to_owned(),
            })
        }
        RefusalReason::CrossSiteWithoutOrigin => Some(format!(
            "the browser says this write comes from another site (Sec-Fetch-Site: {}) and it carries no Origin, so no \
             origin can be allowed; blocking refuses it, as Go's CrossOriginProtection does. If this path takes \
             cross-site form posts by design (an OAuth form_post or SAML callback), list it in \
             `allow_cross_origin_posts_to`",
            value.escape_ascii()
        )),
    }
}

/// What an explanation says of a refused actual request that still reaches the inner service:
/// CORS withholds the response from the page, but the request itself (a form `POST`, a simple
/// `fetch`) runs.
pub(crate) const REACHES_INNER_SERVICE: &str = "the request still runs, only its response is withheld from the \
    page (CORS governs reads, not writes); to stop it before the handler, call `block_disallowed_origins(true)`";

fn origin_hint(settings: &Settings, value: &[u8], origin_lines: usize) -> Option<String> {
    let shown = String::from_utf8_lossy(value);
    if origin_lines > 1 {
        return Some(format!(
            "the request has {origin_lines} Origin lines; a browser sends exactly one, so a proxy or a client \
             that is not a browser added one"
        ));
    }
    if value.is_empty() {
        return Some("the request's Origin is empty; browsers never send an empty Origin".to_owned());
    }
    if value.len() > MAX_ORIGIN_LEN {
        return Some(format!(
            "the Origin is {} bytes long; the layer refuses anything over {MAX_ORIGIN_LEN}",
            value.len()
        ));
    }
    if !is_visible_ascii(value) {
        return Some(
            "the Origin holds bytes that are not visible ASCII; browsers send internationalized hosts in \
             punycode (`xn--...`)"
                .to_owned(),
        );
    }
    if value == b"null" {
        return Some(
            "`null` is what sandboxed iframes, `file:` pages and some redirects send, and any page can make \
             itself one of those: it is refused unless you opt in with `dangerously_allow_null_origin(true)` \
             (read the security guide first)"
                .to_owned(),
        );
    }
    let entries: Vec<String> = match &settings.origin.kind {
        OriginKind::List(entries) => entries.iter().map(|e| String::from_utf8_lossy(e).into_owned()).collect(),
        OriginKind::Policy(_) => return Some("your origin predicate (`OriginPolicy`) returned false".to_owned()),
        OriginKind::Async(_) => return Some("your async origin check returned false".to_owned()),
        OriginKind::None => {
            return Some("the layer allows no origin (`AllowOrigin::none()`): every CORS request is refused".to_owned())
        }
        OriginKind::Any | OriginKind::Unset => return None,
    };
    // The compiled matcher's own answer, so that a hint never contradicts the layer.
    let matcher = OriginMatcher::new(entries.iter().filter_map(|entry| parse_origin(entry.as_bytes()).ok()));
    let allowed = |origin: &str| matcher.matches(origin.as_bytes());
    // What a client that is not a browser gets wrong: a path, a trailing `/`, upper case.
    if let Some(at) = value.windows(3).position(|w| w == b"://") {
        if let Some(slash) = value[at + 3..].iter().position(|&b| b == b'/') {
            let origin = &shown[..at + 3 + slash];
            let verdict = if allowed(origin) { "which is allowed" } else { "which is not in allow_origins either" };
            return Some(format!(
                "an origin has no path: browsers never send a trailing `/` or a path in Origin, so a client that \
                 is not a browser sent `{shown}`; the origin is `{origin}`, {verdict}"
            ));
        }
    }
    let lower = shown.to_ascii_lowercase();
    if lower != shown {
        let verdict = if allowed(&lower) { "which is allowed" } else { "which is not in allow_origins either" };
        return Some(format!(
            "browsers send the scheme and host of Origin in lower case: `{lower}`, {verdict}; a client that is \
             not a browser sent `{shown}`"
        ));
    }
    let Some((scheme, host, port)) = split_origin(value) else {
        return Some(format!(
            "`{shown}` is not an origin a browser sends (`scheme://host[:port]`, without the scheme's default port)"
        ));
    };
    let request = Parsed { scheme: text(scheme), host: text(host), port };
    entries
        .iter()
        .find_map(|entry| near_miss(&request, &shown, entry))
        .or_else(|| Some(format!("`{shown}` is not in allow_origins ({})", listed(&entries))))
}

struct Parsed<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

fn port_text(port: Option<u16>) -> String {
    port.map_or_else(|| "the default port".to_owned(), |port| format!("port {port}"))
}

/// Whether `host` is `suffix` with one or more whole labels before it.
fn is_subdomain(host: &str, suffix: &str) -> bool {
    host.strip_suffix(suffix).is_some_and(|label| label.len() > 1 && label.ends_with('.'))
}

/// The hint for one configured entry that almost matches the request's origin.
fn near_miss(request: &Parsed<'_>, shown: &str, entry: &str) -> Option<String> {
    let spec = parse_origin(entry.as_bytes()).ok()?;
    let (scheme, host, port_rule, subdomains) = match &spec {
        OriginSpec::Exact(exact) => {
            let (scheme, host, port) = split_origin(exact.as_bytes())?;
            let port = port.map_or(PortRule::Default, PortRule::Exact);
            (text(scheme).to_owned(), text(host).to_owned(), port, false)
        }
        OriginSpec::Pattern(pattern) => {
            (pattern.scheme.clone(), pattern.host.clone(), pattern.port, pattern.subdomains)
        }
    };
    let same_scheme = request.scheme == scheme;
    let same_port = port_rule.accepts(request.port);
    let host_matches = match subdomains {
        true => is_subdomain(request.host, &host),
        false => request.host == host,
    };
    if host_matches && !same_scheme {
        return Some(format!(
            "the scheme differs: the page is on `{}` but `{entry}` is configured; add `{shown}` to allow_origins \
             (or serve the page over `{scheme}`)",
            request.scheme
        ));
    }
    if host_matches && same_scheme && !same_port {
        return Some(format!(
            "the port differs: the page is on {} but `{entry}` allows {}; add `{shown}` to allow_origins, or \
             `{scheme}://{host}:*` for any port",
            port_text(request.port),
            match port_rule {
                PortRule::Exact(port) => format!("port {port} only"),
                _ => "the default port only".to_owned(),
            },
        ));
    }
    if !(same_scheme && same_port) {
        return None;
    }
    if subdomains && request.host == host {
        return Some(format!(
            "`{entry}` matches subdomains of `{host}` only, not `{host}` itself: add `{shown}` to allow_origins"
        ));
    }
    if subdomains {
        return None;
    }
    let www = |a: &str, b: &str| a.strip_prefix("www.") == Some(b);
    if www(request.host, &host) || www(&host, request.host) {
        return Some(format!(
            "`www.` differs: `{entry}` is configured, the page is on `{shown}`; add it to allow_origins"
        ));
    }
    if is_subdomain(request.host, &host) {
        let port = match port_rule {
            PortRule::Exact(port) => format!(":{port}"),
            _ => String::new(),
        };
        return Some(format!(
            "`{shown}` is a subdomain of `{entry}`, which allows that origin only: add `{shown}`, or the pattern \
             `{scheme}://*.{host}{port}` for every subdomain"
        ));
    }
    None
}

/// The configured entries, at most five, for a message.
fn listed(entries: &[String]) -> String {
    let mut shown: Vec<String> = entries.iter().take(5).map(|e| format!("`{e}`")).collect();
    if entries.len() > 5 {
        shown.push(format!("and {} more", entries.len() - 5));
    }
    match shown.is_empty() {
        true => "nothing is listed".to_owned(),
        false => format!("configured: {}", shown.join(", ")),
    }
}

fn method_hint(settings: &Settings, value: &[u8]) -> String {
    let shown = String::from_utf8_lossy(value);
    if value.is_empty() || !value.iter().all(|&b| b.is_ascii_graphic()) || value.contains(&b',') {
        return format!(
            "Access-Control-Request-Method must be one method name, as browsers send it; `{shown}` came from a \
             client that is not a browser"
        );
    }
    if ["CONNECT", "TRACE", "TRACK"].iter().any(|m| m.eq_ignore_ascii_case(&shown)) {
        return format!("`{shown}` is a forbidden method: browsers never send it, and it cannot be allowed");
    }
    let methods = &settings.methods;
    if let Some(listed) = methods.list.iter().find(|m| m.as_str().eq_ignore_ascii_case(&shown)) {
        return format!(
            "methods are case-sensitive: `{listed}` is allowed, but the page sends `{shown}` (fetch() upper-cases \
             only DELETE, GET, HEAD, OPTIONS, POST and PUT): send `{listed}` from the page, or allow `{shown}` too"
        );
    }
    let allowed: Vec<&str> =
        ["GET", "HEAD", "POST"].into_iter().chain(methods.list.iter().map(Method::as_str)).collect();
    format!(
        "`{shown}` is not in allow_methods (allowed: {}); add it: `.allow_methods([..., Method::from_bytes(b\"{shown}\")?])`",
        allowed.join(", ")
    )
}

fn header_hint(settings: &Settings, value: &[u8]) -> String {
    let name = String::from_utf8_lossy(value).to_ascii_lowercase();
    let headers = &settings.headers;
    if headers.any && name == "authorization" {
        return "`authorization` needs listing even with any header: `*` never covers it (Fetch Standard); use \
                `allow_any_header_and_authorization()`, or list it in allow_headers"
            .to_owned();
    }
    let listed: Vec<&str> = headers.list.iter().map(|h| h.as_str()).collect();
    let allowed = match listed.is_empty() {
        true => "none is listed; the CORS-safelisted ones need no listing".to_owned(),
        false => format!("allowed: {}", listed.join(", ")),
    };
    format!("`{name}` is not in allow_headers ({allowed}); add it: `.allow_headers([..., HeaderName::from_static(\"{name}\")])`")
}
