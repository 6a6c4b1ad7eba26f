//! The Fetch Standard's and the MIME Sniffing Standard's small parsers of header values: HTTP
//! whitespace and tokens, a MIME type's essence, a single byte range, and `get` of a header
//! (every line combined with `, `).

use http::HeaderMap;

/// HTTP whitespace: tab, line feed, carriage return, space.
pub(super) fn is_http_whitespace(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\r' | b' ')
}

/// A byte of an HTTP token (RFC 9110, `tchar`).
pub(super) fn is_http_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `s` is a non-empty HTTP token.
pub(super) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_http_token(b))
}

/// `s` without leading and trailing HTTP whitespace.
pub(super) fn trim_http_whitespace(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_http_whitespace(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_http_whitespace(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// The essence (`type/subtype`, lower-cased) of the MIME Sniffing Standard's "parse a MIME
/// type"; parameters never make it fail.
pub(super) fn mime_essence(value: &[u8]) -> Option<String> {
    let input = trim_http_whitespace(value);
    let slash = input.iter().position(|&b| b == b'/')?;
    let (kind, rest) = (&input[..slash], &input[slash + 1..]);
    let subtype_end = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
    let subtype = trim_http_whitespace(&rest[..subtype_end]);
    if !is_token(kind) || !is_token(subtype) {
        return None;
    }
    let essence = format!("{}/{}", String::from_utf8_lossy(kind), String::from_utf8_lossy(subtype));
    Some(essence.to_ascii_lowercase())
}

/// `#simple-range-header-value` with `allowWhitespace` false: `bytes=start-end`, either bound
/// optional but not both; numbers too large to represent saturate.
pub(super) fn parse_single_range(value: &[u8]) -> Option<(Option<u64>, Option<u64>)> {
    let alpha = value.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if !value[..alpha].eq_ignore_ascii_case(b"bytes") {
        return None;
    }
    let rest = value[alpha..].strip_prefix(b"=")?;
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let start_len = digits(rest);
    let start = number(&rest[..start_len]);
    let rest = rest[start_len..].strip_prefix(b"-")?;
    if digits(rest) != rest.len() {
        return None;
    }
    match (start, number(rest)) {
        (None, None) => None,
        (Some(s), Some(e)) if s > e => None,
        range => Some(range),
    }
}

/// ASCII digits as a number, saturating; `None` when there are none.
fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    Some(digits.iter().fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0'))))
}

/// The Fetch Standard's `get` of a header: every line combined with `, `; `None` when absent.
/// Each line without leading and trailing whitespace, as a browser's HTTP parser reads it.
pub(super) fn get_combined(headers: &HeaderMap, name: &str) -> Option<Vec<u8>> {
    let mut lines = headers.get_all(name).iter().map(|line| trim_http_whitespace(line.as_bytes()));
    let mut out = lines.next()?.to_vec();
    for line in lines {
        out.extend_from_slice(b", ");
        out.extend_from_slice(line);
    }
    Some(out)
}

/// `#concept-header-list-extract-values` for a list of tokens: `Ok(None)` when absent, `Err(())`
/// when an element is not a token; empty elements are skipped.
pub(super) fn token_list(headers: &HeaderMap, name: &str) -> Result<Option<Vec<String>>, ()> {
    let Some(value) = get_combined(headers, name) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for element in value.split(|&b| b == b',') {
        let element = trim_http_whitespace(element);
        if element.is_empty() {
            continue;
        }
        if !is_token(element) {
            return Err(());
        }
        out.push(String::from_utf8_lossy(element).into_owned());
    }
    Ok(Some(out))
}
