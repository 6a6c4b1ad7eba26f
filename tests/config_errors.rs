//! Every class of invalid configuration is refused before the first request, with a message
//! that says what to change; `validate` reports all problems at once; `layer` panics once, at
//! construction, with the full list.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use http::{HeaderName, Method, StatusCode};
use tower::Layer;
use tower_cors::{AllowOrigin, ConfigProblem, CorsLayer, InvalidOrigin};

/// The single problem of `layer`, and its message.
fn only_problem(layer: CorsLayer) -> (ConfigProblem, String) {
    let err = layer.validate().expect_err("configuration should be invalid");
    assert_eq!(err.problems().len(), 1, "{err}");
    (err.problems()[0].clone(), err.to_string())
}

fn origin_problem(origin: &str) -> (InvalidOrigin, String) {
    match only_problem(CorsLayer::new().allow_origins([origin])) {
        (ConfigProblem::InvalidOrigin { origin: got, reason, .. }, message) => {
            assert_eq!(got, origin);
            (reason, message)
        }
        (other, _) => panic!("{origin}: unexpected {other:?}"),
    }
}

#[test]
fn no_origin_policy() {
    let (problem, message) = only_problem(CorsLayer::new().allow_methods([Method::PUT]));
    assert_eq!(problem, ConfigProblem::NoOriginPolicy);
    assert_eq!(
        message,
        "invalid CORS configuration: no origin is allowed: call `allow_origins([...])`, `allow_any_origin()` or \
         `allow_origin(...)`; to refuse every CORS request on purpose, `allow_origin(AllowOrigin::none())`"
    );
    let (problem, _) = only_problem(CorsLayer::new().allow_origins(Vec::<String>::new()));
    assert_eq!(problem, ConfigProblem::NoOriginPolicy, "an empty list grants nothing, so it is refused too");
}

/// `AllowOrigin::none()` says on purpose what an empty list may say by accident.
#[test]
fn no_origin_on_purpose_is_valid() {
    let none = || CorsLayer::new().allow_origin(AllowOrigin::none());
    assert_eq!(none().validate(), Ok(()));
    assert_eq!(none().allow_credentials(true).allow_methods([Method::PUT]).validate(), Ok(()));
    // Credentials with the `null` opt-in stays an error, whatever the origin setting.
    let (problem, _) = only_problem(none().allow_credentials(true).dangerously_allow_null_origin(true));
    assert_eq!(problem, ConfigProblem::CredentialsWithNullOrigin);
}

/// One origin, or several, from runtime values: each is validated like a list.
#[test]
fn origins_from_runtime_strings_are_lists() {
    let from_env = String::from("https://app.example.com");
    let borrowed: &str = from_env.as_str();
    let valid = [
        CorsLayer::new().allow_origin(from_env.clone()),
        CorsLayer::new().allow_origin(borrowed),
        CorsLayer::new().allow_origin(vec![borrowed, "https://*.example.org"]),
        CorsLayer::new().allow_origin([from_env.clone()]),
        CorsLayer::new().allow_origin(&[from_env.clone()][..]),
    ];
    for layer in &valid {
        assert_eq!(layer.validate(), Ok(()), "{layer:?}");
        assert!(format!("{layer:?}").contains(r#"AllowOrigin::List(["https://app.example.com""#), "{layer:?}");
    }
    let (problem, message) = only_problem(CorsLayer::new().allow_origin(format!("{from_env}/")));
    assert!(matches!(problem, ConfigProblem::InvalidOrigin { reason: InvalidOrigin::Path { .. }, .. }), "{problem:?}");
    assert!(message.contains("write `https://app.example.com`"), "{message}");
}

#[test]
fn origin_upper_case_suggests_lower_case() {
    let (reason, message) = origin_problem("https://App.Example.com");
    assert_eq!(format!("{reason:?}"), r#"UpperCase { suggestion: "https://app.example.com" }"#);
    assert!(message.contains("write `https://app.example.com`"), "{message}");
}

#[test]
fn origin_trailing_slash_and_path() {
    let (reason, message) = origin_problem("https://app.example.com/");
    assert_eq!(format!("{reason:?}"), r#"Path { suggestion: "https://app.example.com" }"#);
    assert!(message.contains("trailing `/`"), "{message}");
    assert!(matches!(origin_problem("https://app.example.com/api").0, InvalidOrigin::Path { .. }));
}

#[test]
fn origin_query_or_fragment() {
    assert_eq!(origin_problem("https://app.example.com?x=1").0, InvalidOrigin::QueryOrFragment);
    assert_eq!(origin_problem("https://app.example.com#top").0, InvalidOrigin::QueryOrFragment);
}

#[test]
fn origin_userinfo() {
    let (reason, message) = origin_problem("https://user:pw@app.example.com");
    assert_eq!(reason, InvalidOrigin::Userinfo);
    assert!(message.contains("remove it"), "{message}");
}

#[test]
fn origin_default_port() {
    let (reason, message) = origin_problem("https://app.example.com:443");
    assert_eq!(format!("{reason:?}"), r#"DefaultPort { suggestion: "https://app.example.com" }"#);
    assert!(message.contains("write `https://app.example.com`"), "{message}");
    assert!(matches!(origin_problem("http://app.example.com:80").0, InvalidOrigin::DefaultPort { .. }));
}

#[test]
fn origin_invalid_ports() {
    for origin in ["https://a.example:0", "https://a.example:65536", "https://a.example:080", "https://a.example:x"] {
        let (reason, message) = origin_problem(origin);
        assert_eq!(reason, InvalidOrigin::InvalidPort, "{origin}");
        assert!(message.contains("1 to 65535"), "{message}");
    }
}

#[test]
fn origin_non_ascii_host() {
    let (reason, message) = origin_problem("https://bücher.example");
    assert_eq!(reason, InvalidOrigin::NonAsciiHost);
    assert!(message.contains("xn--"), "{message}");
}

#[test]
fn origin_missing_or_unsupported_scheme() {
    assert_eq!(origin_problem("app.example.com").0, InvalidOrigin::MissingScheme);
    assert_eq!(origin_problem("file:///etc/passwd").0, InvalidOrigin::UnsupportedScheme);
    assert_eq!(origin_problem("data://x").0, InvalidOrigin::UnsupportedScheme);
}

#[test]
fn origin_empty_whitespace_not_utf8() {
    assert_eq!(origin_problem("").0, InvalidOrigin::Empty);
    assert_eq!(origin_problem(" https://a.example").0, InvalidOrigin::Whitespace);
    let err = CorsLayer::new().allow_origins([&b"https://\xff.example"[..]]).validate().unwrap_err();
    assert!(matches!(err.problems(), [ConfigProblem::InvalidOrigin { reason: InvalidOrigin::NotUtf8, .. }]));
}

#[test]
fn origin_invalid_hosts() {
    for origin in
        ["https://a..example", "https://example.com.", "https://127.1", "https://[::0:1]", "https://a$b.example"]
    {
        assert_eq!(origin_problem(origin).0, InvalidOrigin::InvalidHost, "{origin}");
    }
}

#[test]
fn origin_wildcards() {
    let (reason, message) = origin_problem("https://a*.example.com");
    assert_eq!(reason, InvalidOrigin::InvalidWildcard);
    assert!(message.contains("leftmost"), "{message}");
    assert_eq!(origin_problem("https://*.*.example.com").0, InvalidOrigin::InvalidWildcard);
    let (reason, message) = origin_problem("https://*.com");
    assert_eq!(reason, InvalidOrigin::WildcardTooBroad);
    assert!(message.contains("`*.example.com`"), "{message}");
}

#[test]
fn null_in_list_needs_the_opt_in() {
    let (problem, message) = only_problem(CorsLayer::new().allow_origins(["https://a.example", "null"]));
    assert_eq!(problem, ConfigProblem::NullOriginInList);
    assert!(message.contains("dangerously_allow_null_origin(true)"), "{message}");
    assert!(CorsLayer::new().allow_origins(["null"]).dangerously_allow_null_origin(true).validate().is_ok());
}

#[test]
fn star_mixed_into_a_list() {
    let (problem, message) = only_problem(CorsLayer::new().allow_origins(["https://a.example", "*"]));
    assert_eq!(problem, ConfigProblem::WildcardInList);
    assert!(message.contains("allow_any_origin()"), "{message}");
}

#[test]
fn credentials_with_any_origin() {
    let (problem, message) = only_problem(CorsLayer::new().allow_any_origin().allow_credentials(true));
    assert_eq!(problem, ConfigProblem::CredentialsWithAnyOrigin);
    assert!(message.contains("list the origins"), "{message}");
    // It names the explicit way out, and where to read about it first.
    assert!(message.contains("`allow_origin(AllowOrigin::predicate(|_, _| true))`"), "{message}");
    assert!(
        message.contains(
            "https://docs.rs/tower-cors/latest/tower_cors/guides/security/index.html#every-site-with-credentials"
        ),
        "{message}"
    );
    // That way out is valid: every origin is echoed, with credentials.
    let every_site = CorsLayer::new().allow_origin(AllowOrigin::predicate(|_, _| true)).allow_credentials(true);
    assert_eq!(every_site.validate(), Ok(()));
}

#[test]
fn credentials_with_plain_http_origin() {
    let layer =
        CorsLayer::new().allow_origins(["http://app.example.com", "http://*.example.org"]).allow_credentials(true);
    let err = layer.clone().validate().unwrap_err();
    assert_eq!(err.problems().len(), 2, "{err}");
    assert!(err.to_string().contains("dangerously_allow_insecure_origins_with_credentials(true)"), "{err}");
    assert!(layer.dangerously_allow_insecure_origins_with_credentials(true).validate().is_ok());
    let loopback = ["http://localhost:*", "http://127.0.0.1:8080", "http://[::1]:3000", "http://app.localhost"];
    assert!(CorsLayer::new().allow_origins(loopback).allow_credentials(true).validate().is_ok());
}

/// Loopback is parsed, never guessed from a `127.` prefix: `127.attacker.example` is a DNS name.
#[test]
fn credentials_with_a_host_that_only_looks_like_loopback() {
    for origin in [
        "http://127.attacker.example",
        "http://*.127.attacker.example",
        "http://127.0.0.1.attacker.example",
        "http://localhost.attacker.example",
        "http://*.127.0.0.1.nip.example",
    ] {
        let (problem, message) = only_problem(CorsLayer::new().allow_origins([origin]).allow_credentials(true));
        assert_eq!(format!("{problem:?}"), format!("CredentialsWithInsecureOrigin {{ origin: {origin:?} }}"));
        assert!(message.contains("not loopback"), "{message}");
    }
    // The whole of 127.0.0.0/8 is loopback, and `*.localhost` patterns too.
    let loopback = ["http://127.1.2.3", "http://127.255.255.254:9000", "http://*.localhost:*", "http://a.b.localhost"];
    for origin in loopback {
        assert!(CorsLayer::new().allow_origins([origin]).allow_credentials(true).validate().is_ok(), "{origin}");
    }
}

/// A port-wildcard pattern on a loopback address (`http://127.0.0.1:*`, `http://[::1]:*`, the
/// usual local development servers) is loopback too, like the exact origins it stands for; on
/// any other address it is not.
#[test]
fn credentials_with_a_port_wildcard_on_a_loopback_address() {
    for origin in ["http://127.0.0.1:*", "http://127.8.9.10:*", "http://[::1]:*"] {
        assert!(CorsLayer::new().allow_origins([origin]).allow_credentials(true).validate().is_ok(), "{origin}");
    }
    for origin in ["http://10.0.0.1:*", "http://[::2]:*"] {
        let (problem, _) = only_problem(CorsLayer::new().allow_origins([origin]).allow_credentials(true));
        assert_eq!(format!("{problem:?}"), format!("CredentialsWithInsecureOrigin {{ origin: {origin:?} }}"));
    }
}

/// Any page can send `Origin: null` from a sandboxed iframe, so credentials with the null opt-in
/// would let every site read the user's data.
#[test]
fn credentials_with_the_null_origin() {
    let layer = CorsLayer::new().allow_origins(["https://app.example.com"]).dangerously_allow_null_origin(true);
    assert!(layer.clone().validate().is_ok(), "null alone is a (dangerous) choice for public content");
    let (problem, message) = only_problem(layer.allow_credentials(true));
    assert_eq!(problem, ConfigProblem::CredentialsWithNullOrigin);
    assert!(message.contains("dangerously_allow_null_origin(true)"), "{message}");
    assert!(message.contains("sandboxed iframe"), "{message}");
    // The same for every kind of origin rule.
    let predicate = tower_cors::AllowOrigin::predicate(|_: &http::HeaderValue, _| true);
    let (problem, _) = only_problem(
        CorsLayer::new().allow_origin(predicate).dangerously_allow_null_origin(true).allow_credentials(true),
    );
    assert_eq!(problem, ConfigProblem::CredentialsWithNullOrigin);
}

/// Browsers upper-case `delete`, `get`, `head`, `options`, `post` and `put` before sending them
/// (Fetch "normalize a method"), so the lower-case spelling could never match.
#[test]
fn lower_case_standard_methods_can_never_match() {
    for (method, upper) in
        [("put", "PUT"), ("delete", "DELETE"), ("Get", "GET"), ("pOsT", "POST"), ("options", "OPTIONS")]
    {
        let layer = CorsLayer::new().allow_any_origin().allow_methods([Method::from_bytes(method.as_bytes()).unwrap()]);
        let (problem, message) = only_problem(layer);
        assert_eq!(format!("{problem:?}"), format!("MethodNeverSent {{ method: {method:?}, suggestion: {upper:?} }}"));
        assert!(message.contains(&format!("write `{upper}`")), "{message}");
    }
    // `patch` is not normalized: it is a method of its own, distinct from `PATCH`.
    let methods = [Method::from_bytes(b"patch").unwrap(), Method::PATCH, Method::from_bytes(b"propfind").unwrap()];
    assert!(CorsLayer::new().allow_any_origin().allow_methods(methods).validate().is_ok());
}

#[test]
fn forbidden_methods() {
    let err = CorsLayer::new()
        .allow_any_origin()
        .allow_methods([Method::CONNECT, Method::TRACE, Method::from_bytes(b"TRACK").unwrap()])
        .validate()
        .unwrap_err();
    let methods: Vec<_> = err
        .problems()
        .iter()
        .map(|p| match p {
            ConfigProblem::ForbiddenMethod { method, .. } => method.as_str(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(methods, ["CONNECT", "TRACE", "TRACK"]);
    assert!(err.to_string().contains("remove it from `allow_methods`"), "{err}");
}

#[test]
fn forbidden_request_headers() {
    let sec = HeaderName::from_static("sec-fetch-mode");
    let proxy = HeaderName::from_static("proxy-authorization");
    let err =
        CorsLayer::new().allow_any_origin().allow_headers([COOKIE, sec, proxy, AUTHORIZATION]).validate().unwrap_err();
    assert_eq!(err.problems().len(), 3, "{err}");
    assert!(err.to_string().contains("`cookie` is forbidden"), "{err}");
}

#[test]
fn set_cookie_cannot_be_exposed() {
    let (problem, message) = only_problem(CorsLayer::new().allow_any_origin().expose_headers([SET_COOKIE]));
    assert_eq!(format!("{problem:?}"), r#"ForbiddenExposedHeader { name: "set-cookie" }"#);
    assert!(message.contains("remove it from `expose_headers`"), "{message}");
}

#[test]
fn max_age_above_a_day() {
    let (problem, message) = only_problem(CorsLayer::new().allow_any_origin().max_age(Duration::from_secs(86_401)));
    assert_eq!(format!("{problem:?}"), "MaxAgeTooLong { seconds: 86401 }");
    assert!(message.contains("7200"), "{message}");
    assert!(CorsLayer::new().allow_any_origin().max_age(Duration::from_secs(86_400)).validate().is_ok());
}

#[test]
fn preflight_status_must_be_2xx() {
    let (problem, message) = only_problem(CorsLayer::new().allow_any_origin().preflight_status(StatusCode::FOUND));
    assert_eq!(format!("{problem:?}"), "PreflightStatusNotSuccess { status: 302 }");
    assert!(message.contains("204"), "{message}");
}

/// Passed-through preflights are answered by the inner service, so a status of the layer's own
/// would do nothing.
#[test]
fn preflight_status_with_passthrough() {
    let passthrough = || CorsLayer::new().allow_any_origin().preflight_passthrough(true);
    let (problem, message) = only_problem(passthrough().preflight_status(StatusCode::OK));
    assert_eq!(format!("{problem:?}"), "PreflightStatusWithPassthrough { status: 200 }");
    assert_eq!(
        message,
        "invalid CORS configuration: preflight status 200 has no effect with `preflight_passthrough(true)`, \
         where the inner service's answer sets the status: remove one"
    );
    // The default status says nothing, and either setting alone is fine.
    assert_eq!(passthrough().preflight_status(StatusCode::NO_CONTENT).validate(), Ok(()));
    assert_eq!(passthrough().preflight_passthrough(false).preflight_status(StatusCode::OK).validate(), Ok(()));
    // A status that is not 2xx is reported for both reasons.
    let err = passthrough().preflight_status(StatusCode::FOUND).validate().unwrap_err();
    assert_eq!(
        format!("{:?}", err.problems()),
        "[PreflightStatusNotSuccess { status: 302 }, PreflightStatusWithPassthrough { status: 302 }]"
    );
}

#[test]
fn every_problem_at_once() {
    let err = CorsLayer::new()
        .allow_origins(["https://A.example", "https://b.example/", "null"])
        .allow_methods([Method::CONNECT])
        .allow_headers([COOKIE])
        .expose_headers([SET_COOKIE])
        .max_age(Duration::from_secs(1_000_000))
        .preflight_status(StatusCode::OK)
        .validate()
        .unwrap_err();
    assert_eq!(err.problems().len(), 7, "{err}");
    let message = err.to_string();
    assert!(message.starts_with("invalid CORS configuration (7 problems):"), "{message}");
    assert_eq!(message.lines().count(), 8, "{message}");
}

#[test]
fn layer_panics_once_at_construction_with_every_problem() {
    let invalid = CorsLayer::new().allow_any_origin().allow_credentials(true).allow_methods([Method::TRACE]);
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        invalid.layer(tower::service_fn(|()| async { Ok::<_, ()>(()) }))
    }))
    .expect_err("an invalid layer must not build");
    let message = panic.downcast_ref::<String>().expect("panic message");
    assert!(message.contains("2 problems"), "{message}");
    assert!(message.contains("TRACE") && message.contains("credentials"), "{message}");
    assert!(message.ends_with("(call CorsLayer::validate() at startup to handle this as an error, not a panic)"));
}

#[test]
fn valid_configuration_is_accepted_and_reusable() {
    let layer = CorsLayer::new()
        .allow_origins(["https://app.example.com", "https://*.example.org", "http://localhost:*"])
        .allow_methods([Method::PUT])
        .allow_credentials(true);
    assert_eq!(layer.validate(), Ok(()));
    assert_eq!(layer.validate(), Ok(()));
    let _service = layer.layer(tower::service_fn(|()| async { Ok::<_, ()>(()) }));
}

/// `validate()?` out of `fn main() -> Result<(), Box<dyn Error>>` prints the error's `Debug`
/// (as does `unwrap()`): it must be the sentence that says what to write, not the struct.
#[test]
fn debug_is_the_sentence_that_main_prints() {
    let err = CorsLayer::new().allow_origins(["https://app.example.com/"]).validate().unwrap_err();
    let boxed: Box<dyn std::error::Error> = err.clone().into();
    let printed = format!("Error: {boxed:?}");
    assert_eq!(
        printed,
        "Error: invalid CORS configuration: origin `https://app.example.com/` can never match a browser's `Origin` \
         header: an origin has no path, not even a trailing `/`; write `https://app.example.com`"
    );
    for struct_syntax in ["ConfigError", "problems", "InvalidOrigin", "Path {", "suggestion:"] {
        assert!(!printed.contains(struct_syntax), "{struct_syntax} in {printed}");
    }

    // Several problems: one line each, as `Display` lists them.
    let err = CorsLayer::new()
        .allow_origins(["https://App.example.com"])
        .allow_methods([Method::TRACE])
        .validate()
        .unwrap_err();
    assert_eq!(format!("{err:?}"), err.to_string());
    assert!(format!("{err:?}")
        .starts_with("invalid CORS configuration (2 problems):\n  - origin `https://App.example.com`"));

    // The values stay reachable: `{:#?}` and `problems()`.
    let pretty = format!("{err:#?}");
    assert!(pretty.starts_with("ConfigError {\n    problems: [\n        InvalidOrigin {"), "{pretty}");
    assert!(pretty.contains("ForbiddenMethod"), "{pretty}");
}

/// An exempt path must be one a request line can carry: a `/` first, and visible ASCII without
/// `?` or `#` after it. Either rule alone lets a path through that no request can match.
#[test]
fn exempt_paths_must_be_paths_a_request_carries() {
    for path in ["auth/callback", "/auth/call back", "/auth?x=1", "/auth#top", ""] {
        let layer = CorsLayer::new().allow_origins(["https://app.example.com"]).allow_cross_origin_posts_to([path]);
        let (problem, message) = only_problem(layer);
        assert!(matches!(&problem, ConfigProblem::InvalidExemptPath { path: got, .. } if got == path), "{problem:?}");
        assert!(message.contains("can never equal a request's path"), "{message}");
    }
    let fine =
        CorsLayer::new().allow_origins(["https://app.example.com"]).allow_cross_origin_posts_to(["/auth/callback"]);
    assert!(fine.validate().is_ok());
}
