//! Unit tests of origin parsing, kept beside it.
#[test]
fn visible_ascii_is_checked_in_every_byte_of_every_word() {
    for len in 0..=24 {
        for at in 0..len {
            for bad in [0x00, 0x09, 0x20, 0x7f, 0x80, 0xff] {
                let mut bytes = vec![b'a'; len];
                bytes[at] = bad;
                assert!(!is_visible_ascii(&bytes), "{bad:#x} at {at} of {len}");
            }
            for good in [0x21, 0x7e, b'a', b':', b'/'] {
                let mut bytes = vec![b'~'; len];
                bytes[at] = good;
                assert!(is_visible_ascii(&bytes), "{good:#x} at {at} of {len}");
            }
        }
    }
    assert!(is_visible_ascii(b"https://app.example.com:8443"));
}

use super::*;

fn exact(s: &str) -> OriginSpec {
    OriginSpec::Exact(s.to_owned())
}

#[test]
fn accepts_browser_serializations() {
    for ok in [
        "https://app.example.com",
        "http://localhost:3000",
        "http://127.0.0.1:8080",
        "http://[::1]:8080",
        "https://[2001:db8::1]",
        "https://xn--bcher-kva.example",
        "chrome-extension://abcdefghijklmnop",
        "tauri://localhost",
        "https://a_b.example.com",
    ] {
        assert_eq!(parse_origin(ok.as_bytes()), Ok(exact(ok)), "{ok}");
    }
}

#[test]
fn rejects_what_never_matches() {
    use InvalidOrigin as E;
    let cases: &[(&str, E)] = &[
        ("", E::Empty),
        ("app.example.com", E::MissingScheme),
        ("https://app.example.com/", E::Path { suggestion: "https://app.example.com".into() }),
        ("https://App.Example.com", E::UpperCase { suggestion: "https://app.example.com".into() }),
        ("https://app.example.com:443", E::DefaultPort { suggestion: "https://app.example.com".into() }),
        ("http://app.example.com:80", E::DefaultPort { suggestion: "http://app.example.com".into() }),
        ("https://a.example?x", E::QueryOrFragment),
        ("https://u:p@a.example", E::Userinfo),
        ("https://a.example:0", E::InvalidPort),
        ("https://a.example:65536", E::InvalidPort),
        ("https://a.example:080", E::InvalidPort),
        ("https://a.example:", E::InvalidPort),
        ("https://bücher.example", E::NonAsciiHost),
        ("file://host", E::UnsupportedScheme),
        ("https://a..example", E::InvalidHost),
        ("https://example.com.", E::InvalidHost),
        ("https://127.1", E::InvalidHost),
        ("https://0x7f.0.0.1", E::InvalidHost),
        ("https://[::0:1]", E::InvalidHost),
        ("https://[::ffff:1.2.3.4]", E::InvalidHost),
        ("https://a*.example.com", E::InvalidWildcard),
        ("https://*", E::InvalidWildcard),
        ("https://*.com", E::WildcardTooBroad),
        ("https:// a.example", E::Whitespace),
    ];
    for (input, want) in cases {
        assert_eq!(parse_origin(input.as_bytes()).as_ref(), Err(want), "{input}");
    }
}

#[test]
fn parses_patterns() {
    let p = |scheme: &str, host: &str, subdomains, port| {
        OriginSpec::Pattern(OriginPattern { scheme: scheme.into(), host: host.into(), subdomains, port })
    };
    assert_eq!(parse_origin(b"https://*.example.org"), Ok(p("https", "example.org", true, PortRule::Default)));
    assert_eq!(parse_origin(b"http://localhost:*"), Ok(p("http", "localhost", false, PortRule::Any)));
    assert_eq!(parse_origin(b"http://*.localhost:*"), Ok(p("http", "localhost", true, PortRule::Any)));
    assert_eq!(parse_origin(b"https://*.example.org:8443"), Ok(p("https", "example.org", true, PortRule::Exact(8443))));
}

#[test]
fn ipv6_serialization_matches_the_url_standard() {
    let s = |t: &str| serialize_ipv6(t.parse().unwrap_or(Ipv6Addr::UNSPECIFIED));
    assert_eq!(s("::1"), "::1");
    assert_eq!(s("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
    assert_eq!(s("1:0:2:0:3:0:4:0"), "1:0:2:0:3:0:4:0");
    assert_eq!(s("::ffff:1.2.3.4"), "::ffff:102:304");
    assert_eq!(s("::"), "::");
}

#[test]
fn splits_request_origins() {
    let split = |s: &'static str| split_origin(s.as_bytes());
    assert_eq!(split("https://a.example:8443"), Some((&b"https"[..], &b"a.example"[..], Some(8443))));
    assert_eq!(split("http://[::1]:80"), None);
    assert_eq!(split("http://[::1]:81"), Some((&b"http"[..], &b"[::1]"[..], Some(81))));
    assert_eq!(split("http://[::1]"), Some((&b"http"[..], &b"[::1]"[..], None)));
    assert_eq!(split("https://a.example:0443"), None);
    assert_eq!(split("https://x:443"), None);
    assert_eq!(split("https://a.b:"), None);
    assert_eq!(split("https://a:b:1"), Some((&b"https"[..], &b"a:b"[..], Some(1))));
    assert_eq!(split("tauri://localhost"), Some((&b"tauri"[..], &b"localhost"[..], None)));
    assert_eq!(split("a://"), Some((&b"a"[..], &b""[..], None)));
    assert_eq!(split("://x"), Some((&b""[..], &b"x"[..], None)));
    assert_eq!(split("https://a://b:1"), Some((&b"https"[..], &b"a://b"[..], Some(1))));
    assert_eq!(split("noscheme"), None);
}
