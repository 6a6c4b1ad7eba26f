//! Parsing a preflight's `Access-Control-Request-Headers`.
//!
//! Browsers send one line of lower-case names, sorted, without duplicates or spaces
//! (`#cors-unsafe-request-header-names`), but proxies may add whitespace or split the list over
//! several lines. The parser accepts any RFC 9110 list, reads each byte once, allocates nothing
//! unless the list spans several lines, and gives up on inputs no browser produces: more than
//! [`MAX_BYTES`] in all or more than [`MAX_EMPTY_ELEMENTS`] empty elements.

use http::header::{GetAll, AUTHORIZATION};
use http::{HeaderName, HeaderValue};

use crate::words::{same_bytes, word, ONES};

/// Total bytes across all lines; a browser's list of every header a page set fits many times over.
pub(crate) const MAX_BYTES: usize = 4096;
/// Empty elements (`a,,b`, blank lines) tolerated before the list counts as malformed.
pub(crate) const MAX_EMPTY_ELEMENTS: usize = 16;

/// The compiled `allow_headers` setting.
#[derive(Debug)]
pub(crate) struct HeaderRule {
    pub(crate) any: bool,
    /// The listed names' bytes, kept apart from `HeaderName`, whose `as_str` costs a lookup.
    list: Vec<Box<[u8]>>,
}

impl HeaderRule {
    pub(crate) fn new(any: bool, list: &[HeaderName]) -> Self {
        Self { any, list: list.iter().map(|name| name.as_str().as_bytes().into()).collect() }
    }

    fn allows(&self, name: &[u8]) -> bool {
        let listed = self.list.iter().any(|h| h.eq_ignore_ascii_case(name));
        listed || (self.any && !name.eq_ignore_ascii_case(AUTHORIZATION.as_str().as_bytes()))
    }
}

/// What a preflight asked for, once every name was found allowed.
#[derive(Debug)]
pub(crate) enum Requested<'a> {
    /// No names at all.
    Nothing,
    /// One line, to be echoed as it is.
    Line(&'a HeaderValue),
    /// Several lines, to be joined into one value ([`join`]) when written.
    Joined,
}

/// Why the requested headers cannot be granted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HeadersRefused<'a> {
    /// This name is not allowed.
    NotAllowed(&'a [u8]),
    /// Not a list of tokens, or past the junk bounds.
    Malformed(&'a [u8]),
}

pub(crate) fn check<'a>(
    lines: GetAll<'a, HeaderValue>,
    rule: &HeaderRule,
) -> Result<Requested<'a>, HeadersRefused<'a>> {
    let mut total = 0usize;
    let mut empty = 0usize;
    let mut line_count = 0usize;
    let mut names_seen = false;
    let mut first: Option<&'a HeaderValue> = None;
    for line in lines.iter() {
        line_count += 1;
        total += line.len();
        if total > MAX_BYTES {
            return Err(HeadersRefused::Malformed(line.as_bytes()));
        }
        first.get_or_insert(line);
        if line.is_empty() {
            // An empty line is one empty element; skip the splitting machinery.
            empty += 1;
            if empty > MAX_EMPTY_ELEMENTS {
                return Err(HeadersRefused::Malformed(line.as_bytes()));
            }
            continue;
        }
        for element in elements(line.as_bytes()) {
            let name = trim_ows(element);
            if name.is_empty() {
                empty += 1;
                if empty > MAX_EMPTY_ELEMENTS {
                    return Err(HeadersRefused::Malformed(line.as_bytes()));
                }
                continue;
            }
            // A configured name is a token: an exact match (browsers send lower case) is allowed
            // without validating it byte by byte.
            if rule.list.iter().any(|h| same_bytes(h, name)) {
                names_seen = true;
                continue;
            }
            if !name.iter().all(|&b| is_tchar(b)) {
                return Err(HeadersRefused::Malformed(name));
            }
            if !rule.allows(name) {
                return Err(HeadersRefused::NotAllowed(name));
            }
            names_seen = true;
        }
    }
    match (names_seen, line_count, first) {
        (false, _, _) | (_, _, None) => Ok(Requested::Nothing),
        (true, 1, Some(line)) => Ok(Requested::Line(line)),
        (true, _, Some(_)) => Ok(Requested::Joined),
    }
}

/// The requested names the rule allows, lower-cased and joined by commas in the order asked,
/// each once; `None` when there is none. For debug mode's answer to a preflight refused for
/// another of its names, off the request path.
pub(crate) fn allowed(lines: GetAll<'_, HeaderValue>, rule: &HeaderRule) -> Option<HeaderValue> {
    let mut joined: Vec<u8> = Vec::new();
    let mut seen: Vec<&[u8]> = Vec::new();
    for name in lines.iter().flat_map(|line| elements(line.as_bytes())).map(trim_ows) {
        let valid = !name.is_empty() && name.iter().all(|&b| is_tchar(b));
        if !valid || !rule.allows(name) || seen.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            continue;
        }
        seen.push(name);
        if !joined.is_empty() {
            joined.push(b',');
        }
        joined.extend(name.iter().map(u8::to_ascii_lowercase));
    }
    // Only tokens and commas were pushed, which always make a valid value.
    HeaderValue::from_maybe_shared(joined).ok().filter(|value| !value.is_empty())
}

/// Joins every name of several lines into one value; the caller has checked them all.
pub(crate) fn join(lines: GetAll<'_, HeaderValue>) -> HeaderValue {
    let mut joined = Vec::with_capacity(lines.iter().map(HeaderValue::len).sum());
    for name in lines.iter().flat_map(|line| elements(line.as_bytes())).map(trim_ows) {
        if !name.is_empty() {
            if !joined.is_empty() {
                joined.push(b',');
            }
            joined.extend(name.iter().map(u8::to_ascii_lowercase));
        }
    }
    // Only tokens and commas were pushed, which always make a valid value.
    HeaderValue::from_maybe_shared(joined).unwrap_or(HeaderValue::from_static(""))
}

/// The comma-separated elements of a line, as `split(|&b| b == b',')` gives them (an empty one
/// after a trailing comma included), finding each comma a word at a time.
fn elements(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(line);
    std::iter::from_fn(move || {
        let current = rest?;
        Some(match find_comma(current) {
            Some(comma) => {
                rest = Some(&current[comma + 1..]);
                &current[..comma]
            }
            None => {
                rest = None;
                current
            }
        })
    })
}

/// The index of the first comma. Out of line: inlined, it slows the loop over a list's lines.
#[inline(never)]
fn find_comma(bytes: &[u8]) -> Option<usize> {
    const COMMAS: u64 = ONES * b',' as u64;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut words {
        let x = word(chunk) ^ COMMAS;
        // High bit set in each zero byte of `x`; the lowest one is always a true zero.
        let zeros = x.wrapping_sub(ONES) & !x & (ONES << 7);
        if zeros != 0 {
            return Some(at + zeros.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    words.remainder().iter().position(|&b| b == b',').map(|i| at + i)
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// RFC 9110 `tchar`.
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// One lookup per byte instead of a range test and a search of the punctuation.
static TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            );
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    #[test]
    fn elements_split_like_the_standard_library() {
        let mut inputs: Vec<Vec<u8>> = ["", ",", ",,", "a", "a,", ",a", "a,b", "content-type,x-custom", "a, b ,,c,"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        // A comma at every position of every length across two words and a tail.
        for len in 0..20 {
            for at in 0..len {
                let mut bytes = vec![b'x'; len];
                bytes[at] = b',';
                inputs.push(bytes.clone());
                bytes[len - 1] = b',';
                inputs.push(bytes);
            }
        }
        for input in &inputs {
            let ours: Vec<&[u8]> = elements(input).collect();
            let std: Vec<&[u8]> = input.split(|&b| b == b',').collect();
            assert_eq!(ours, std, "{:?}", String::from_utf8_lossy(input));
        }
    }

    use super::*;
    use http::header::ACCESS_CONTROL_REQUEST_HEADERS as ACRH;
    use http::HeaderMap;

    fn rule(any: bool, list: &[&'static str]) -> HeaderRule {
        HeaderRule::new(any, &list.iter().map(|n| HeaderName::from_static(n)).collect::<Vec<_>>())
    }

    fn map(lines: &[&'static str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(ACRH, HeaderValue::from_static(line));
        }
        map
    }

    #[test]
    fn tolerates_whitespace_case_and_split_lines() {
        let r = rule(false, &["content-type", "x-custom"]);
        let m = map(&["Content-Type ,\tx-custom"]);
        assert!(matches!(check(m.get_all(ACRH), &r), Ok(Requested::Line(v)) if v == "Content-Type ,\tx-custom"));
        let m = map(&["x-custom", " Content-Type"]);
        assert!(matches!(check(m.get_all(ACRH), &r), Ok(Requested::Joined)));
        assert_eq!(join(m.get_all(ACRH)), "x-custom,content-type");
        let m = map(&["", " , "]);
        assert!(matches!(check(m.get_all(ACRH), &r), Ok(Requested::Nothing)));
    }

    #[test]
    fn refuses_unlisted_and_malformed_names() {
        let r = rule(false, &["content-type"]);
        let m = map(&["content-type,x-other"]);
        assert_eq!(check(m.get_all(ACRH), &r).err(), Some(HeadersRefused::NotAllowed(b"x-other")));
        let m = map(&["content type"]);
        assert_eq!(check(m.get_all(ACRH), &r).err(), Some(HeadersRefused::Malformed(b"content type")));
        let commas: &'static str = Box::leak(",".repeat(MAX_EMPTY_ELEMENTS + 1).into_boxed_str());
        assert!(matches!(check(map(&[commas]).get_all(ACRH), &r), Err(HeadersRefused::Malformed(_))));
    }

    #[test]
    fn any_header_never_covers_authorization() {
        let any = rule(true, &[]);
        let m = map(&["authorization,x-a"]);
        assert_eq!(check(m.get_all(ACRH), &any).err(), Some(HeadersRefused::NotAllowed(b"authorization")));
        let any_and_auth = rule(true, &["authorization"]);
        assert!(check(m.get_all(ACRH), &any_and_auth).is_ok());
    }
}
