//! Origin patterns: an accepted pattern matches exactly what the documented rule says (the
//! policy oracle of the integration tests), its own instances, and never the lookalikes.
//!
//! Input: `pattern \n origin \n label \n port`, each part optional.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tower_cors::CorsLayer;
use tower_cors_fuzz::fetch_model::oracle::{self, Config, Origins};
use tower_cors_fuzz::{check_invariants, request, send};

/// `any_origin`: the pattern is a lone `*`, which the builder reads as any origin.
fn allowed(layer: &CorsLayer, origin: &[u8], any_origin: bool) -> Option<bool> {
    http::HeaderValue::from_bytes(origin).ok()?;
    let out = send(layer, &[], request("GET", &[("origin", origin)]));
    check_invariants(&[origin], false, false, any_origin, &out);
    // Any origin grants `*`; a list echoes the origin.
    let granted = |v: &http::HeaderValue| v.as_bytes() == origin || (any_origin && v.as_bytes() == b"*");
    Some(out.headers.get("access-control-allow-origin").is_some_and(granted))
}

fn config(pattern: &str) -> Config {
    Config {
        // As the builder reads a one-entry list: a lone `*` is any origin.
        origins: Origins::list(vec![pattern.to_owned()]),
        allow_null: false,
        credentials: false,
        any_method: false,
        methods: Vec::new(),
        any_header: false,
        headers: Vec::new(),
        expose_any: false,
        expose: Vec::new(),
        max_age: None,
        preflight_status: 204,
        passthrough: false,
        block: false,
        private_network: false,
        allow_insecure: false,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == b'\n');
    let pattern = parts.next().unwrap_or_default();
    let origin = parts.next().unwrap_or_default();
    let label = parts.next().unwrap_or_default();
    let port = parts.next().unwrap_or_default();
    let layer = CorsLayer::new().allow_origins([pattern]);
    if layer.validate().is_err() {
        return;
    }
    let pattern = std::str::from_utf8(pattern).expect("accepted patterns are UTF-8");
    let config = config(pattern);

    // Any origin: the layer agrees with the oracle.
    if let Some(got) = allowed(&layer, origin, pattern == "*") {
        assert_eq!(
            got,
            oracle::origin_allowed(&config, origin),
            "pattern {pattern:?}, origin {:?}",
            origin.escape_ascii().to_string()
        );
    }

    // A lone `*` is any origin, not a pattern: it has no instances and no lookalikes.
    if !pattern.contains('*') || pattern == "*" {
        return;
    }
    // Instances: `*.` replaced by whole labels, `:*` by a canonical port or none.
    let label: String = label
        .iter()
        .map(|&b| b.to_ascii_lowercase())
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'-')
        .map(char::from)
        .collect();
    let label = if label.is_empty() { "a".to_owned() } else { label };
    let port: String = port.iter().filter(|b| b.is_ascii_digit()).take(5).map(|&b| char::from(b)).collect();
    let port = port.trim_start_matches('0').to_owned();
    let scheme_default = if pattern.starts_with("https://") {
        "443"
    } else if pattern.starts_with("http://") {
        "80"
    } else {
        ""
    };
    let port_ok = port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p)) && port != scheme_default;
    let with_port = |s: String| match s.strip_suffix(":*") {
        Some(host) if port_ok => format!("{host}:{port}"),
        Some(host) => host.to_owned(),
        None => s,
    };
    let instance = with_port(pattern.replacen("://*.", &format!("://{label}."), 1));
    // A label of digits only can make the host an IPv4 address: the oracle decides those.
    let expect = oracle::origin_allowed(&config, instance.as_bytes());
    assert_eq!(allowed(&layer, instance.as_bytes(), false), Some(expect), "instance {instance:?} of {pattern:?}");
    // Past 512 bytes no `Origin` is considered at all, so a long pattern's instance may be refused.
    if !label.bytes().all(|b| b.is_ascii_digit()) && label.len() < 60 && instance.len() <= 512 {
        assert!(expect, "the oracle refuses instance {instance:?} of {pattern:?}");
    }

    // Lookalikes never match.
    if let Some((scheme, rest)) = pattern.split_once("://*.") {
        let bare = with_port(format!("{scheme}://{rest}"));
        let glued = with_port(format!("{scheme}://{label}{rest}"));
        for lookalike in
            [bare, glued, format!("{instance}/"), instance.to_ascii_uppercase(), format!("{instance}.evil.net")]
        {
            if lookalike == instance {
                continue;
            }
            // Appending `.evil.net` can make a real subdomain of the suffix: under `*.evil.net`,
            // and also under `*.net.evil.net` (`a.net.evil` + `.net.evil.net`). Such a host ends
            // with `.` and the suffix, and is no lookalike.
            let suffix_host = rest.split(':').next().unwrap_or(rest);
            let host = lookalike.split_once("://").map_or("", |(_, authority)| authority);
            if lookalike.ends_with(".evil.net") && host.ends_with(&format!(".{suffix_host}")) {
                continue;
            }
            assert_ne!(allowed(&layer, lookalike.as_bytes(), false), Some(true), "{lookalike:?} matched {pattern:?}");
        }
    }
});
