//! Configuration building from arbitrary builder calls, checked against the oracle: never a
//! panic; the layer reports exactly the problems the oracle finds in the same calls (the oracle
//! reads them with the last setter winning for every setting), origin syntax aside, which the
//! `origin_parse` and `origin_pattern` targets check; and a valid layer answers a preflight and
//! an actual request exactly as the oracle says (`tower_cors_fuzz::expect`).
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use http::{HeaderName, Method, StatusCode};
use libfuzzer_sys::fuzz_target;
use tower_cors::{AllowOrigin, AllowPrivateNetwork, ConfigProblem, CorsLayer};
use tower_cors_fuzz::fetch_model::oracle::{self, Config, Origins, Problem};
use tower_cors_fuzz::{check_against_oracle, check_invariants, request, request_to, send};

/// Configured origins: valid entries (some only without credentials), near misses and the
/// entries with rules of their own, so that valid configurations are common.
const ENTRIES: &[&str] = &[
    "https://app.example.com",
    "https://*.example.org",
    "http://localhost:*",
    "http://127.0.0.1:8080",
    "http://[::1]:*",
    "https://api.example.com:8443",
    "http://app.example.com",
    "http://127.attacker.example",
    "http://*.127.0.0.1",
    "http://*.localhost",
    "null",
    "*",
    "https://App.example.com/",
];

/// Request origins: configured ones, pattern instances and near misses.
const ORIGINS: &[&str] = &[
    "https://app.example.com",
    "https://a.example.org",
    "https://example.org",
    "http://localhost:3000",
    "http://localhost",
    "http://127.0.0.1:8080",
    "http://[::1]:8080",
    "https://api.example.com:8443",
    "http://app.example.com",
    "http://127.attacker.example",
    "https://evil.example",
    "https://app.example.com.evil.net",
    "null",
];

const METHODS: &[&str] = &["PUT", "put", "PATCH", "patch", "DELETE", "Delete", "CONNECT", "trace", "SUPER", "GET"];
const NAMES: &[&str] =
    &["x-test", "content-type", "authorization", "x-inner", "set-cookie", "cookie", "sec-x", "proxy-x", "host"];

/// A value from the table, or arbitrary bytes.
#[derive(Arbitrary, Debug)]
enum Pick {
    Known(u8),
    Raw(Vec<u8>),
}

impl Pick {
    fn bytes(&self, table: &[&str]) -> Vec<u8> {
        match self {
            Pick::Known(i) => table[usize::from(*i) % table.len()].as_bytes().to_vec(),
            Pick::Raw(raw) => raw.clone(),
        }
    }
}

fn picks(list: &[Pick], table: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|p| p.bytes(table)).collect()
}

#[derive(Arbitrary, Debug)]
enum Op {
    Origins(Vec<Pick>),
    AnyOrigin,
    NoOrigin,
    Permissive,
    Methods(Vec<Pick>),
    AnyMethod,
    Headers(Vec<Pick>),
    AnyHeader,
    AnyHeaderAndAuthorization,
    Expose(Vec<Pick>),
    ExposeAny,
    Credentials(bool),
    MaxAge(u64),
    PrivateNetwork(bool),
    Status(u16),
    Passthrough(bool),
    Block(bool),
    Null(bool),
    Insecure(bool),
}

/// One call of every setter, so that most inputs set every flag and their combinations (such as
/// credentials with the `null` opt-in) come up at once; the `ops` after them then replace
/// settings in any order.
#[derive(Arbitrary, Debug)]
struct Base {
    origins: Vec<Pick>,
    any_origin: bool,
    credentials: bool,
    null: bool,
    insecure: bool,
    block: bool,
    passthrough: bool,
    private_network: bool,
    methods: Vec<Pick>,
    headers: Vec<Pick>,
    expose: Vec<Pick>,
    max_age: Option<u16>,
    /// A 2xx status, as `200 + n % 100`.
    status: Option<u8>,
}

impl Base {
    fn into_ops(self) -> Vec<Op> {
        let mut ops = vec![
            if self.any_origin { Op::AnyOrigin } else { Op::Origins(self.origins) },
            Op::Credentials(self.credentials),
            Op::Null(self.null),
            Op::Insecure(self.insecure),
            Op::Block(self.block),
            Op::Passthrough(self.passthrough),
            Op::PrivateNetwork(self.private_network),
            Op::Methods(self.methods),
            Op::Headers(self.headers),
            Op::Expose(self.expose),
        ];
        ops.extend(self.max_age.map(|secs| Op::MaxAge(u64::from(secs))));
        ops.extend(self.status.map(|n| Op::Status(200 + u16::from(n % 100))));
        ops
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    base: Base,
    ops: Vec<Op>,
    origin: Pick,
    method: Pick,
    acrh: Vec<Pick>,
    /// Whether the actual request is addressed to an absolute URI of the origin it carries.
    same_origin_uri: bool,
}

fn names(list: &[Pick]) -> Vec<HeaderName> {
    picks(list, NAMES).iter().filter_map(|n| HeaderName::from_bytes(n).ok()).collect()
}

fn methods(list: &[Pick]) -> Vec<Method> {
    picks(list, METHODS).iter().filter_map(|m| Method::from_bytes(m).ok()).collect()
}

/// The builder calls, to the layer.
fn build(ops: &[Op]) -> CorsLayer {
    let mut layer = CorsLayer::new();
    for op in ops {
        layer = match op {
            Op::Origins(list) => layer.allow_origins(picks(list, ENTRIES)),
            Op::AnyOrigin => layer.allow_any_origin(),
            Op::NoOrigin => layer.allow_origin(AllowOrigin::none()),
            Op::Permissive => CorsLayer::permissive(),
            Op::Methods(list) => layer.allow_methods(methods(list)),
            Op::AnyMethod => layer.allow_any_method(),
            Op::Headers(list) => layer.allow_headers(names(list)),
            Op::AnyHeader => layer.allow_any_header(),
            Op::AnyHeaderAndAuthorization => layer.allow_any_header_and_authorization(),
            Op::Expose(list) => layer.expose_headers(names(list)),
            Op::ExposeAny => layer.expose_any_header(),
            Op::Credentials(on) => layer.allow_credentials(*on),
            Op::MaxAge(secs) => layer.max_age(Duration::from_secs(*secs)),
            Op::PrivateNetwork(on) => layer.allow_private_network(AllowPrivateNetwork::from(*on)),
            Op::Status(code) => match StatusCode::from_u16(*code) {
                Ok(status) => layer.preflight_status(status),
                Err(_) => layer,
            },
            Op::Passthrough(on) => layer.preflight_passthrough(*on),
            Op::Block(on) => layer.block_disallowed_origins(*on),
            Op::Null(on) => layer.dangerously_allow_null_origin(*on),
            Op::Insecure(on) => layer.dangerously_allow_insecure_origins_with_credentials(*on),
        };
    }
    layer
}

/// The same builder calls, to the oracle: every setter replaces what it sets, `permissive()`
/// starts afresh, and a status `http` cannot hold changes nothing.
fn oracle_config(ops: &[Op]) -> Config {
    let permissive =
        || Config { origins: Origins::Any, any_method: true, any_header: true, expose_any: true, ..Config::default() };
    let text = |list: &[Pick]| {
        picks(list, ENTRIES).iter().map(|o| String::from_utf8_lossy(o).into_owned()).collect::<Vec<_>>()
    };
    let lower = |list: &[Pick]| names(list).iter().map(|n| n.as_str().to_owned()).collect::<Vec<_>>();
    let mut config = Config::default();
    for op in ops {
        match op {
            Op::Origins(list) => config.origins = Origins::list(text(list)),
            Op::AnyOrigin => config.origins = Origins::Any,
            Op::NoOrigin => config.origins = Origins::None,
            Op::Permissive => config = permissive(),
            Op::Methods(list) => (config.any_method, config.methods) = (false, methods(list)),
            Op::AnyMethod => (config.any_method, config.methods) = (true, Vec::new()),
            Op::Headers(list) => (config.any_header, config.headers) = (false, lower(list)),
            Op::AnyHeader => (config.any_header, config.headers) = (true, Vec::new()),
            Op::AnyHeaderAndAuthorization => {
                (config.any_header, config.headers) = (true, vec!["authorization".to_owned()]);
            }
            Op::Expose(list) => (config.expose_any, config.expose) = (false, lower(list)),
            Op::ExposeAny => (config.expose_any, config.expose) = (true, Vec::new()),
            Op::Credentials(on) => config.credentials = *on,
            Op::MaxAge(secs) => config.max_age = Some(*secs),
            Op::PrivateNetwork(on) => config.private_network = *on,
            Op::Status(code) => {
                if StatusCode::from_u16(*code).is_ok() {
                    config.preflight_status = *code;
                }
            }
            Op::Passthrough(on) => config.passthrough = *on,
            Op::Block(on) => config.block = *on,
            Op::Null(on) => config.allow_null = *on,
            Op::Insecure(on) => config.allow_insecure = *on,
        }
    }
    config
}

/// The layer's problems in the oracle's terms; the entries it found malformed go to `invalid`.
fn as_oracle(problems: &[ConfigProblem], invalid: &mut Vec<String>) -> Vec<Problem> {
    let mut out = Vec::new();
    for problem in problems {
        out.push(match problem {
            ConfigProblem::InvalidOrigin { origin, .. } => {
                invalid.push(origin.clone());
                continue;
            }
            ConfigProblem::NoOriginPolicy => Problem::NoOriginPolicy,
            ConfigProblem::NullOriginInList => Problem::NullOriginInList,
            ConfigProblem::WildcardInList => Problem::WildcardInList,
            ConfigProblem::CredentialsWithAnyOrigin => Problem::CredentialsWithAnyOrigin,
            ConfigProblem::CredentialsWithNullOrigin => Problem::CredentialsWithNullOrigin,
            ConfigProblem::CredentialsWithInsecureOrigin { origin, .. } => {
                Problem::CredentialsWithInsecureOrigin(origin.clone())
            }
            ConfigProblem::ForbiddenMethod { method, .. } => Problem::ForbiddenMethod(method.clone()),
            ConfigProblem::MethodNeverSent { method, suggestion, .. } => {
                Problem::MethodNeverSent { method: method.clone(), suggestion: suggestion.clone() }
            }
            ConfigProblem::ForbiddenRequestHeader { name, .. } => Problem::ForbiddenRequestHeader(name.clone()),
            ConfigProblem::ForbiddenExposedHeader { name, .. } => Problem::ForbiddenExposedHeader(name.clone()),
            ConfigProblem::MaxAgeTooLong { seconds, .. } => Problem::MaxAgeTooLong(*seconds),
            ConfigProblem::PreflightStatusNotSuccess { status, .. } => Problem::PreflightStatusNotSuccess(*status),
            ConfigProblem::PreflightStatusWithPassthrough { status, .. } => {
                Problem::PreflightStatusWithPassthrough(*status)
            }
            other => panic!("a builder cannot produce {other:?}"),
        });
    }
    out.sort();
    out
}

fuzz_target!(|input: Input| {
    let mut ops = input.base.into_ops();
    ops.extend(input.ops);
    let layer = build(&ops);
    let config = oracle_config(&ops);
    let _ = format!("{layer:?}");
    let reported = match layer.validate() {
        Ok(()) => Vec::new(),
        Err(error) => {
            assert!(!error.problems().is_empty(), "an error without problems");
            assert!(!error.to_string().is_empty());
            error.problems().to_vec()
        }
    };
    let mut malformed = Vec::new();
    let problems = as_oracle(&reported, &mut malformed);
    // Origin syntax is the one thing the oracle takes from the layer: which entries are malformed.
    let expected = oracle::config_problems(&config, |entry| !malformed.iter().any(|m| m == entry));
    assert_eq!(problems, expected, "problems of {config:?}");
    if !reported.is_empty() {
        return;
    }

    let any_origin = matches!(config.origins, Origins::Any);
    let origin = input.origin.bytes(ORIGINS);
    let method = input.method.bytes(METHODS);
    let acrh = picks(&input.acrh, NAMES).join(&b","[..]);
    let preflight = request(
        "OPTIONS",
        &[
            ("origin", &origin),
            ("access-control-request-method", &method),
            ("access-control-request-headers", &acrh),
            ("access-control-request-private-network", b"true"),
        ],
    );
    let is_preflight =
        preflight.headers().contains_key("origin") && preflight.headers().contains_key("access-control-request-method");
    let out = send(&layer, &[], preflight.clone());
    check_against_oracle(&config, &preflight, &[], &out);
    check_invariants(&[&origin], is_preflight, config.passthrough, any_origin, &out);

    // An actual request; sometimes to an absolute URI that names the origin it carries, which
    // makes it same-origin when that origin is a valid URI authority.
    let uri = if input.same_origin_uri { format!("{}/items", String::from_utf8_lossy(&origin)) } else { String::new() };
    let actual = request_to("POST", &uri, &[("origin", &origin)]);
    let out = send(&layer, &[], actual.clone());
    check_against_oracle(&config, &actual, &[], &out);
    check_invariants(&[&origin], false, false, any_origin, &out);
});
