//! `CorsConfig` (the `serde` feature): files round-trip, unknown fields are rejected, every
//! problem is reported at once, and a layer built from a file answers exactly like the same
//! policy built in code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderName, Method, StatusCode};
use support::{request, request_to, send, Inner};
use tower_cors::{ConfigProblem, CorsConfig, CorsLayer};

const EXAMPLE_TOML: &str = include_str!("../../examples/cors.toml");

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn problems(config: &CorsConfig) -> Vec<ConfigProblem> {
    CorsLayer::try_from(config).expect_err("invalid configuration").problems().to_vec()
}

/// The problems' `Debug` text: the variants with fields are `#[non_exhaustive]`, so a test
/// outside the crate cannot build them to compare.
fn problem_texts(config: &CorsConfig) -> Vec<String> {
    problems(config).iter().map(|problem| format!("{problem:?}")).collect()
}

#[test]
fn the_example_file_parses_into_the_expected_fields() {
    let config: CorsConfig = toml::from_str(EXAMPLE_TOML).unwrap();
    let mut expected = CorsConfig::default();
    expected.allow_origins = strings(&["https://app.example.com", "https://*.example.org", "http://localhost:*"]);
    expected.allow_methods = strings(&["PUT", "DELETE"]);
    expected.allow_headers = strings(&["content-type", "authorization"]);
    expected.expose_headers = strings(&["x-request-id"]);
    expected.allow_credentials = true;
    expected.max_age_secs = Some(3600);
    assert_eq!(config, expected);
    let _ = CorsLayer::try_from(config).unwrap();
}

#[test]
fn toml_round_trip_keeps_every_field() {
    let mut config: CorsConfig = toml::from_str(EXAMPLE_TOML).unwrap();
    config.allow_private_network = true;
    config.preflight_status = 200;
    config.preflight_passthrough = true;
    config.block_disallowed_origins = true;
    config.allow_cross_origin_posts_to = strings(&["/auth/callback"]);
    config.guard_websocket_upgrades = false;
    config.dangerously_allow_null_origin = true;
    config.dangerously_allow_insecure_origins_with_credentials = true;
    let text = toml::to_string(&config).unwrap();
    assert!(text.contains("preflight_status = 200"), "{text}");
    let back: CorsConfig = toml::from_str(&text).unwrap();
    assert_eq!(back, config);
}

#[test]
fn json_round_trip_keeps_every_field() {
    let mut config: CorsConfig = toml::from_str(EXAMPLE_TOML).unwrap();
    config.allow_headers = strings(&["*", "authorization"]);
    let text = serde_json::to_string(&config).unwrap();
    let back: CorsConfig = serde_json::from_str(&text).unwrap();
    assert_eq!(back, config);

    let default = serde_json::to_value(CorsConfig::default()).unwrap();
    assert_eq!(default["preflight_status"], 204);
    assert_eq!(default["allow_origins"], serde_json::json!([]));
    assert!(default.get("max_age_secs").is_none(), "unset max age is left out: {default}");
}

#[test]
fn yaml_reads_and_round_trips() {
    let config: CorsConfig = serde_norway::from_str(
        "allow_origins:\n  - https://app.example.com\nallow_methods: PUT, DELETE\nallow_headers: '*'\nmax_age_secs: 600\n",
    )
    .unwrap();
    let mut expected = CorsConfig::default();
    expected.allow_origins = strings(&["https://app.example.com"]);
    expected.allow_methods = strings(&["PUT", "DELETE"]);
    expected.allow_headers = strings(&["*"]);
    expected.max_age_secs = Some(600);
    assert_eq!(config, expected);
    let back: CorsConfig = serde_norway::from_str(&serde_norway::to_string(&config).unwrap()).unwrap();
    assert_eq!(back, config);
    let error = serde_norway::from_str::<CorsConfig>("allow_origin: '*'\n").unwrap_err();
    assert!(error.to_string().contains("unknown field `allow_origin`"), "{error}");
}

#[test]
fn an_empty_file_is_the_default_configuration() {
    let config: CorsConfig = toml::from_str("").unwrap();
    assert_eq!(config, CorsConfig::default());
    assert_eq!(config.preflight_status, 204);
    assert_eq!(problems(&config), [ConfigProblem::NoOriginPolicy]);
}

#[test]
fn unknown_fields_are_rejected() {
    let error = toml::from_str::<CorsConfig>("allow_origins = \"*\"\nallow_credential = true\n").unwrap_err();
    assert!(error.to_string().contains("unknown field `allow_credential`"), "{error}");
    let error = serde_json::from_str::<CorsConfig>(r#"{"allow_origins": "*", "max_age": 60}"#).unwrap_err();
    assert!(error.to_string().contains("unknown field `max_age`"), "{error}");
}

#[test]
fn wrong_types_are_rejected() {
    let error = toml::from_str::<CorsConfig>("allow_origins = 42").unwrap_err();
    assert!(error.to_string().contains("a list of strings, or one string of comma-separated items"), "{error}");
    assert!(toml::from_str::<CorsConfig>("allow_credentials = \"yes\"").is_err());
    assert!(toml::from_str::<CorsConfig>("max_age_secs = -1").is_err());
}

#[test]
fn a_string_is_split_on_commas_as_environment_variables_hold_lists() {
    let config: CorsConfig =
        serde_json::from_str(r#"{"allow_origins": " https://a.example,https://b.example , ", "allow_methods": "PUT"}"#)
            .unwrap();
    assert_eq!(config.allow_origins, ["https://a.example", "https://b.example"]);
    assert_eq!(config.allow_methods, ["PUT"]);
    let config: CorsConfig = toml::from_str("allow_origins = \"\"").unwrap();
    assert!(config.allow_origins.is_empty());
}

#[test]
fn every_problem_is_reported_at_once_including_unconvertible_entries() {
    let config: CorsConfig = serde_json::from_str(
        r#"{
            "allow_origins": ["https://app.example.com/", "null", "http://intranet.example"],
            "allow_methods": ["PUT", "GET POST", "CONNECT"],
            "allow_headers": ["content-type", "bad header", "cookie"],
            "expose_headers": ["set-cookie", "x-ok", "x\u00e9"],
            "allow_credentials": true,
            "max_age_secs": 90000,
            "preflight_status": 302
        }"#,
    )
    .unwrap();
    assert_eq!(
        problem_texts(&config),
        [
            r#"InvalidOrigin { origin: "https://app.example.com/", reason: Path { suggestion: "https://app.example.com" } }"#,
            "NullOriginInList",
            r#"CredentialsWithInsecureOrigin { origin: "http://intranet.example" }"#,
            r#"ForbiddenMethod { method: "CONNECT" }"#,
            r#"ForbiddenRequestHeader { name: "cookie" }"#,
            r#"ForbiddenExposedHeader { name: "set-cookie" }"#,
            "MaxAgeTooLong { seconds: 90000 }",
            "PreflightStatusNotSuccess { status: 302 }",
            r#"InvalidMethod { method: "GET POST" }"#,
            r#"InvalidHeaderName { name: "bad header" }"#,
            r#"InvalidHeaderName { name: "xé" }"#,
        ]
    );
}

#[test]
fn a_status_that_is_not_a_status_code_is_reported() {
    let mut config = CorsConfig::default();
    config.allow_origins = strings(&["*"]);
    config.preflight_status = 1000;
    assert_eq!(problem_texts(&config), ["PreflightStatusNotSuccess { status: 1000 }"]);
}

#[test]
fn wildcards_follow_the_builder_rules() {
    let mut config = CorsConfig::default();
    config.allow_origins = strings(&["*", "https://a.example"]);
    assert_eq!(problems(&config), [ConfigProblem::WildcardInList]);
    config.allow_origins = strings(&["*"]);
    config.allow_credentials = true;
    assert_eq!(problems(&config), [ConfigProblem::CredentialsWithAnyOrigin]);
    config.allow_credentials = false;
    config.allow_methods = strings(&["*", "TRACE"]);
    assert_eq!(problem_texts(&config), [r#"ForbiddenMethod { method: "TRACE" }"#]);
}

/// Requests that exercise every part of a policy.
fn probes() -> Vec<http::Request<support::Body>> {
    let preflight = |origin: &str, method: &str, headers: &str| {
        let mut lines = vec![("origin", origin), ("access-control-request-method", method)];
        if !headers.is_empty() {
            lines.push(("access-control-request-headers", headers));
        }
        request("OPTIONS", &lines)
    };
    vec![
        request("GET", &[]),
        request("GET", &[("origin", "https://app.example.com")]),
        request("GET", &[("origin", "https://api.eu.example.org")]),
        request("GET", &[("origin", "http://localhost:5173")]),
        request("GET", &[("origin", "https://evil.example")]),
        request("GET", &[("origin", "null")]),
        request("GET", &[("origin", "https://evil.example"), ("sec-fetch-site", "same-origin")]),
        request("POST", &[("origin", "https://evil.example")]),
        request_to("POST", "/auth/callback", &[("origin", "https://evil.example")]),
        request(
            "GET",
            &[("origin", "https://evil.example"), ("upgrade", "websocket"), ("sec-websocket-version", "13")],
        ),
        request("DELETE", &[("origin", "https://app.example.com")]),
        request("OPTIONS", &[("origin", "https://app.example.com")]),
        preflight("https://app.example.com", "PUT", "content-type,authorization"),
        preflight("https://app.example.com", "PATCH", ""),
        preflight("https://app.example.com", "patch", ""),
        preflight("https://app.example.com", "POST", "x-custom"),
        preflight("https://app.example.com", "POST", "authorization"),
        preflight("https://evil.example", "PUT", ""),
        preflight("null", "PUT", ""),
        request(
            "OPTIONS",
            &[
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "PUT"),
                ("access-control-request-private-network", "true"),
            ],
        ),
    ]
}

/// Sends every probe through both layers and compares status, headers and the inner call.
async fn assert_same_answers(from_file: &CorsLayer, in_code: &CorsLayer) {
    let inner = Inner::ok().with_header("x-request-id", "1");
    for (file_req, code_req) in probes().into_iter().zip(probes()) {
        let what = format!("{} {:?}", file_req.method(), file_req.headers());
        let a = send(from_file, &inner, file_req).await;
        let b = send(in_code, &inner, code_req).await;
        assert_eq!((a.status, a.inner_called), (b.status, b.inner_called), "{what}");
        assert_eq!(a.headers, b.headers, "{what}");
    }
}

#[tokio::test]
async fn a_file_policy_answers_like_the_same_builder_policy() {
    let from_file = CorsLayer::try_from(toml::from_str::<CorsConfig>(EXAMPLE_TOML).unwrap()).unwrap();
    let in_code = CorsLayer::new()
        .allow_origins(["https://app.example.com", "https://*.example.org", "http://localhost:*"])
        .allow_methods([Method::PUT, Method::DELETE])
        .allow_headers([CONTENT_TYPE, AUTHORIZATION])
        .expose_headers([HeaderName::from_static("x-request-id")])
        .allow_credentials(true)
        .max_age(Duration::from_secs(3600));
    assert_same_answers(&from_file, &in_code).await;

    // The probes must tell policies apart, or the comparison above proves nothing.
    let granted = send(&from_file, &Inner::ok(), probes().swap_remove(12)).await;
    assert_eq!(granted.status, StatusCode::NO_CONTENT);
    assert_eq!(granted.header("access-control-allow-origin"), Some("https://app.example.com"));
    assert_eq!(granted.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(granted.header("access-control-allow-methods"), Some("PUT"));
    assert_eq!(granted.header("access-control-allow-headers"), Some("content-type,authorization"));
    assert_eq!(granted.header("access-control-max-age"), Some("3600"));
    assert!(!granted.inner_called);
}

#[tokio::test]
async fn every_setting_answers_like_its_builder_method() {
    let config: CorsConfig = toml::from_str(
        r#"
        allow_origins = "*"
        allow_methods = "*"
        allow_headers = ["*", "authorization"]
        expose_headers = "*"
        max_age_secs = 600
        allow_private_network = true
        preflight_passthrough = true
        dangerously_allow_null_origin = true
        "#,
    )
    .unwrap();
    let in_code = CorsLayer::new()
        .allow_any_origin()
        .allow_any_method()
        .allow_any_header_and_authorization()
        .expose_any_header()
        .max_age(Duration::from_secs(600))
        .allow_private_network(true)
        .preflight_passthrough(true)
        .dangerously_allow_null_origin(true);
    let from_file = CorsLayer::try_from(&config).unwrap();
    assert_same_answers(&from_file, &in_code).await;

    let preflight = send(&from_file, &Inner::ok(), probes().swap_remove(16)).await;
    assert_eq!(preflight.header("access-control-allow-headers"), Some("*,authorization"));
    assert!(preflight.inner_called, "passthrough hands preflights to the inner service");

    let config: CorsConfig = toml::from_str(
        r#"
        allow_origins = ["https://app.example.com", "http://intranet.example"]
        allow_credentials = true
        block_disallowed_origins = true
        allow_cross_origin_posts_to = "/auth/callback"
        dangerously_allow_insecure_origins_with_credentials = true
        preflight_status = 200
        debug = true
        "#,
    )
    .unwrap();
    let in_code = CorsLayer::new()
        .allow_origins(["https://app.example.com", "http://intranet.example"])
        .allow_credentials(true)
        .block_disallowed_origins(true)
        .allow_cross_origin_posts_to(["/auth/callback"])
        .dangerously_allow_insecure_origins_with_credentials(true)
        .preflight_status(StatusCode::OK)
        .debug(true);
    let from_file = CorsLayer::try_from(config).unwrap();
    assert_same_answers(&from_file, &in_code).await;

    let blocked = send(&from_file, &Inner::ok(), probes().swap_remove(4)).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    // Debug mode: the refusal carries its explanation.
    assert_eq!(blocked.header("content-type"), Some("text/plain; charset=utf-8"));
    assert!(!blocked.inner_called);
    // The exempt callback path passes; the same origin's POST elsewhere is blocked.
    let exempt = send(&from_file, &Inner::ok(), probes().swap_remove(8)).await;
    assert!(exempt.inner_called && exempt.no_grant(), "{exempt:?}");
    let elsewhere = send(&from_file, &Inner::ok(), probes().swap_remove(7)).await;
    assert_eq!((elsewhere.status, elsewhere.inner_called), (StatusCode::FORBIDDEN, false));

    // The WebSocket guard, on by default, off from the file.
    let guarded =
        CorsLayer::try_from(toml::from_str::<CorsConfig>(r#"allow_origins = "https://app.example.com""#).unwrap())
            .unwrap();
    let handshake = send(&guarded, &Inner::ok(), probes().swap_remove(9)).await;
    assert_eq!((handshake.status, handshake.inner_called), (StatusCode::FORBIDDEN, false));
    let config: CorsConfig = toml::from_str(
        r#"
        allow_origins = "https://app.example.com"
        guard_websocket_upgrades = false
        "#,
    )
    .unwrap();
    let from_file = CorsLayer::try_from(&config).unwrap();
    let in_code = CorsLayer::new().allow_origins(["https://app.example.com"]).guard_websocket_upgrades(false);
    assert_same_answers(&from_file, &in_code).await;
    assert!(send(&from_file, &Inner::ok(), probes().swap_remove(9)).await.inner_called);
}
