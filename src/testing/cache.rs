//! The CORS-preflight cache of one browser ([`#concept-cache`](https://fetch.spec.whatwg.org/#concept-cache)):
//! a method entry for each granted method and a header-name entry for each granted name, keyed by
//! the page's origin, the URL and the credentials mode, each expiring after the answer's max age.

use std::time::Duration;

use http::HeaderMap;

use super::values::get_combined;

/// Chromium's max age when `Access-Control-Max-Age` is absent or not a number (the standard's
/// default too).
pub(super) const DEFAULT_MAX_AGE: Duration = Duration::from_secs(5);
/// Chromium's cap on `Access-Control-Max-Age`: two hours (Firefox caps at a day).
pub(super) const MAX_MAX_AGE: Duration = Duration::from_secs(2 * 60 * 60);

/// What a preflight is cached for: the page's origin, the URL and the credentials mode.
#[derive(Clone, Copy, Debug)]
pub(super) struct Key<'a> {
    pub(super) origin: &'a str,
    pub(super) url: &'a str,
    pub(super) credentials: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    Method(String),
    /// Lower-cased.
    Header(String),
}

#[derive(Clone, Debug)]
struct Entry {
    origin: String,
    url: String,
    credentials: bool,
    item: Item,
    /// The browser's time at which the entry stops matching.
    expires: Duration,
}

/// The cache entries of one browser.
#[derive(Clone, Debug, Default)]
pub(super) struct PreflightCache {
    entries: Vec<Entry>,
}

impl PreflightCache {
    /// Entries for `key` alive at `now`: the same origin and URL, and credentials unless the
    /// request has none (an entry made with credentials serves a request without).
    fn alive<'a>(&'a self, key: Key<'a>, now: Duration) -> impl Iterator<Item = &'a Item> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.origin == key.origin && e.url == key.url && (e.credentials || !key.credentials))
            .filter(move |e| now < e.expires)
            .map(|e| &e.item)
    }

    /// A method cache entry match: `method`, or `*` for a request without credentials.
    pub(super) fn has_method(&self, key: Key<'_>, method: &str, now: Duration) -> bool {
        self.alive(key, now).any(|item| match item {
            Item::Method(m) => m == method || (m == "*" && !key.credentials),
            Item::Header(_) => false,
        })
    }

    /// A header-name cache entry match: `name`, or `*` for a request without credentials (which
    /// covers `authorization` too in Chromium, where the standard says it does not).
    pub(super) fn has_header(&self, key: Key<'_>, name: &str, now: Duration) -> bool {
        self.alive(key, now).any(|item| match item {
            Item::Header(h) => h.eq_ignore_ascii_case(name) || (h == "*" && !key.credentials),
            Item::Method(_) => false,
        })
    }

    /// Stores what a granted preflight's answer lists, each entry replacing an older one for the
    /// same key and item, alive for `max_age` from `now`.
    pub(super) fn store(
        &mut self,
        key: Key<'_>,
        now: Duration,
        max_age: Duration,
        methods: &[String],
        headers: &[String],
    ) {
        let items = methods
            .iter()
            .map(|m| Item::Method(m.clone()))
            .chain(headers.iter().map(|h| Item::Header(h.to_ascii_lowercase())));
        for item in items {
            self.entries.retain(|e| {
                !(e.origin == key.origin && e.url == key.url && e.credentials == key.credentials && e.item == item)
            });
            self.entries.push(Entry {
                origin: key.origin.to_owned(),
                url: key.url.to_owned(),
                credentials: key.credentials,
                item,
                expires: now + max_age,
            });
        }
    }

    /// Forgets the entries of a page of `origin` for `url`, in both credentials modes (the
    /// standard's "clear cache entries", which Chromium runs when a preflight fails).
    pub(super) fn clear_url(&mut self, origin: &str, url: &str) {
        self.entries.retain(|e| !(e.origin == origin && e.url == url));
    }

    /// Forgets every entry.
    pub(super) fn clear(&mut self) {
        self.entries.clear();
    }
}

/// How long a preflight's answer may be cached: `Access-Control-Max-Age` in seconds, capped at
/// two hours; a negative number is zero; absent or not a number, the default 5 s (Chromium's
/// `PreflightResult::ParseAccessControlMaxAge`).
pub(super) fn max_age(response: &HeaderMap) -> Duration {
    let Some(value) = get_combined(response, "access-control-max-age") else {
        return DEFAULT_MAX_AGE;
    };
    let value = String::from_utf8_lossy(&value);
    match value.parse::<i64>() {
        Ok(seconds) => Duration::from_secs(seconds.max(0).unsigned_abs()).min(MAX_MAX_AGE),
        Err(_) => DEFAULT_MAX_AGE,
    }
}
