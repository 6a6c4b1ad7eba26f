//! The migration guide's mapping table (`docs/migrating_from_tower_http.md`), row by row, through
//! both layers: for each row that configures a policy, tower-http's `CorsLayer` as a user had it
//! and ours as the guide says to write it serve the same browser requests, and a browser model
//! (`fetch_model`, the Fetch Standard's checks) says what the page gets from each. Where the guide
//! says the behaviour stays, the two outcomes must be equal; where it says it changes, they must
//! differ in exactly the requests it names, the way it says.
//!
//! The outcome is what a browser makes of the answers, not the headers themselves: the two layers
//! spell their answers differently on purpose (204 for 200, the requested method instead of the
//! whole list: the guide's "Behaviour differences"), and a page cannot tell those apart. Each
//! request is made with and without credentials, from a listed origin and an unlisted one: a
//! simple `GET` (no preflight), a `PUT` with `x-custom` (a preflight without `Authorization`)
//! and a `GET` with `Authorization` (a preflight asking for it).
//!
//! A last test reads the guide's table and fails on a row that is neither run here nor listed as
//! having no behaviour to compare, so that a row added to the guide is added here too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::fmt;

use http::header::AUTHORIZATION;
use http::{HeaderName, HeaderValue, Method, Request, Response};
use support::{request, Body, Inner};
use tower::{Layer, Service, ServiceExt};
use tower_cors::testing::standard::{self as fetch_model, CorsRequest as BrowserRequest};
use tower_http::cors as theirs;

const APP: &str = "https://app.example.com";
const OTHER: &str = "https://other.example";
const CUSTOM: HeaderName = HeaderName::from_static("x-custom");
const EXPOSED: HeaderName = HeaderName::from_static("x-exposed");

/// One of the requests every row serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `GET` with no unsafe header: no preflight.
    Simple,
    /// `PUT` with `x-custom`: a preflight without `Authorization`.
    Put,
    /// `GET` with `Authorization`: a preflight that asks for it.
    Authorization,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Case {
    origin: &'static str,
    kind: Kind,
    credentials: bool,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for origin in [APP, OTHER] {
        for kind in [Kind::Simple, Kind::Put, Kind::Authorization] {
            for credentials in [false, true] {
                cases.push(Case { origin, kind, credentials });
            }
        }
    }
    cases
}

/// What the page gets.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    /// The response is readable: its status and the header names script may read.
    Readable { status: u16, headers: BTreeSet<String> },
    /// The preflight failed: the actual request was never sent. Why (a refused preflight here,
    /// a list without the name there) is the console's business: the page sees a `TypeError`.
    PreflightFailed,
    /// The actual request was sent (and reached the application) but fails the CORS check.
    Unreadable,
}

impl Seen {
    fn readable(&self) -> bool {
        matches!(self, Seen::Readable { .. })
    }
}

impl fmt::Display for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seen::Readable { status, headers } => write!(f, "readable ({status}, {headers:?})"),
            Seen::PreflightFailed => f.write_str("preflight failed"),
            Seen::Unreadable => f.write_str("unreadable"),
        }
    }
}

/// Sends one request through `layer` around a fresh inner service.
async fn send<L, B>(layer: &L, request: Request<Body>) -> Response<B>
where
    L: Layer<Inner>,
    L::Service: Service<Request<Body>, Response = Response<B>>,
    <L::Service as Service<Request<Body>>>::Error: fmt::Debug,
{
    let inner = Inner::ok().with_header("x-exposed", "1").with_header("x-other", "1");
    layer.layer(inner).oneshot(request).await.unwrap()
}

/// A browser's `fetch()` of `case` through `layer`, as the Fetch Standard decides it.
async fn fetch<L, B>(layer: &L, case: Case) -> Seen
where
    L: Layer<Inner>,
    L::Service: Service<Request<Body>, Response = Response<B>>,
    <L::Service as Service<Request<Body>>>::Error: fmt::Debug,
{
    let (method, headers): (&str, Vec<(String, Vec<u8>)>) = match case.kind {
        Kind::Simple => ("GET", Vec::new()),
        Kind::Put => ("PUT", vec![("x-custom".to_owned(), b"1".to_vec())]),
        Kind::Authorization => ("GET", vec![("authorization".to_owned(), b"Bearer t".to_vec())]),
    };
    let browser = BrowserRequest {
        origin: case.origin.to_owned(),
        method: method.to_owned(),
        headers,
        credentials: case.credentials,
    };
    let unsafe_names = fetch_model::cors_unsafe_request_header_names(&browser.headers);
    if !fetch_model::is_cors_safelisted_method(&browser.method) || !unsafe_names.is_empty() {
        let acrh = unsafe_names.join(",");
        let mut lines = vec![("origin", case.origin), ("access-control-request-method", method)];
        if !acrh.is_empty() {
            lines.push(("access-control-request-headers", &acrh));
        }
        let answer = send(layer, request("OPTIONS", &lines)).await;
        if fetch_model::check_preflight(&browser, &unsafe_names, answer.status(), answer.headers()).is_err() {
            return Seen::PreflightFailed;
        }
    }
    let mut lines = vec![("origin", case.origin)];
    let values: Vec<(String, String)> =
        browser.headers.iter().map(|(n, v)| (n.clone(), String::from_utf8(v.clone()).unwrap())).collect();
    lines.extend(values.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let answer = send(layer, request(method, &lines)).await;
    match fetch_model::readable_response_headers(&browser.origin, browser.credentials, answer.headers()) {
        // `Vary` aside: ours is on every response whose answer depends on `Origin` (the guide's
        // difference 12), so under "expose any" a script can read it there.
        Some(mut headers) => {
            headers.remove("vary");
            Seen::Readable { status: answer.status().as_u16(), headers }
        }
        None => Seen::Unreadable,
    }
}

/// How our outcome relates to tower-http's in one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// The same outcome.
    Same,
    /// Readable with tower-http, not with ours.
    OnlyTheirsReadable,
}

/// One row of the guide's table: its first cell, both layers, and where they differ.
struct Row {
    /// The tower-http cell of the guide's table, verbatim.
    guide: &'static str,
    theirs: theirs::CorsLayer,
    ours: tower_cors::CorsLayer,
    /// The cases whose outcome differs as the guide says; every other case is the same.
    differs: fn(Case) -> Expect,
}

fn same(_: Case) -> Expect {
    Expect::Same
}

fn hv(value: &'static str) -> HeaderValue {
    HeaderValue::from_static(value)
}

fn rows() -> Vec<Row> {
    use tower_cors::{AllowHeaders, AllowMethods, AllowOrigin, ExposeHeaders};
    let ours = || tower_cors::CorsLayer::new().allow_origins([APP]);
    let theirs = || theirs::CorsLayer::new().allow_origin(hv(APP));
    vec![
        Row {
            // tower-http's allows nothing and sends nothing; ours says so with `AllowOrigin::none()`.
            guide: "`CorsLayer::new()`",
            theirs: theirs::CorsLayer::new(),
            ours: tower_cors::CorsLayer::new().allow_origin(AllowOrigin::none()),
            differs: same,
        },
        Row {
            guide: "`CorsLayer::default()`",
            theirs: theirs::CorsLayer::default(),
            ours: tower_cors::CorsLayer::default().allow_origin(AllowOrigin::none()),
            differs: same,
        },
        Row {
            // `*` never covers `authorization` in either: the page is refused both ways.
            guide: "`CorsLayer::permissive()`",
            theirs: theirs::CorsLayer::permissive(),
            ours: tower_cors::CorsLayer::permissive(),
            differs: same,
        },
        Row {
            // The same for the origins you list, `Authorization` included; every other site,
            // which `very_permissive` let read your users' data, is refused.
            guide: "`CorsLayer::very_permissive()`",
            theirs: theirs::CorsLayer::very_permissive(),
            ours: ours().allow_credentials(true).allow_any_method().allow_any_header_and_authorization(),
            differs: |case| if case.origin == OTHER { Expect::OnlyTheirsReadable } else { Expect::Same },
        },
        Row {
            guide: "`.allow_credentials(bool)`",
            theirs: theirs().allow_credentials(true).allow_headers([CUSTOM]).allow_methods([Method::PUT]),
            ours: ours().allow_credentials(true).allow_headers([CUSTOM]).allow_methods([Method::PUT]),
            differs: same,
        },
        Row {
            guide: "`AllowCredentials::yes()`",
            theirs: theirs().allow_credentials(theirs::AllowCredentials::yes()),
            ours: ours().allow_credentials(true),
            differs: same,
        },
        Row {
            guide: "`.allow_headers(impl Into<AllowHeaders>)`",
            theirs: theirs().allow_headers(vec![CUSTOM, AUTHORIZATION]).allow_methods([Method::PUT]),
            ours: ours().allow_headers(vec![CUSTOM, AUTHORIZATION]).allow_methods([Method::PUT]),
            differs: same,
        },
        Row {
            // Without credentials (tower-http panics with them): `*` both ways, and
            // `authorization` refused both ways.
            guide: "`AllowHeaders::any()`, `Any`",
            theirs: theirs().allow_headers(theirs::Any).allow_methods([Method::PUT]),
            ours: ours().allow_headers(tower_cors::Any).allow_methods([Method::PUT]),
            differs: same,
        },
        Row {
            guide: "`AllowHeaders::list(iter)`",
            theirs: theirs().allow_headers(theirs::AllowHeaders::list([CUSTOM])).allow_methods([Method::PUT]),
            ours: ours().allow_headers(AllowHeaders::list([CUSTOM])).allow_methods([Method::PUT]),
            differs: same,
        },
        Row {
            // With credentials, the usual way to let `Authorization` through.
            guide: "`AllowHeaders::mirror_request()`",
            theirs: theirs()
                .allow_credentials(true)
                .allow_headers(theirs::AllowHeaders::mirror_request())
                .allow_methods([Method::PUT]),
            ours: ours().allow_credentials(true).allow_any_header_and_authorization().allow_methods([Method::PUT]),
            differs: same,
        },
        Row {
            guide: "`.allow_methods(impl Into<AllowMethods>)`",
            theirs: theirs().allow_methods(vec![Method::PUT]).allow_headers([CUSTOM]),
            ours: ours().allow_methods(vec![Method::PUT]).allow_headers([CUSTOM]),
            differs: same,
        },
        Row {
            guide: "`AllowMethods::any()`, `Any`",
            theirs: theirs().allow_methods(theirs::AllowMethods::any()).allow_headers([CUSTOM]),
            ours: ours().allow_methods(AllowMethods::any()).allow_headers([CUSTOM]),
            differs: same,
        },
        Row {
            guide: "`AllowMethods::exact(method)`",
            theirs: theirs().allow_methods(theirs::AllowMethods::exact(Method::PUT)).allow_headers([CUSTOM]),
            ours: ours().allow_methods(Method::PUT).allow_headers([CUSTOM]),
            differs: same,
        },
        Row {
            guide: "`AllowMethods::list(iter)`",
            theirs: theirs().allow_methods(theirs::AllowMethods::list([Method::PUT])).allow_headers([CUSTOM]),
            ours: ours().allow_methods(AllowMethods::list([Method::PUT])).allow_headers([CUSTOM]),
            differs: same,
        },
        Row {
            guide: "`AllowMethods::mirror_request()`",
            theirs: theirs()
                .allow_credentials(true)
                .allow_methods(theirs::AllowMethods::mirror_request())
                .allow_headers([CUSTOM]),
            ours: ours().allow_credentials(true).allow_any_method().allow_headers([CUSTOM]),
            differs: same,
        },
        Row {
            guide: "`.allow_origin(impl Into<AllowOrigin>)`",
            theirs: theirs::CorsLayer::new().allow_origin(vec![hv(APP)]),
            ours: tower_cors::CorsLayer::new().allow_origin(vec![hv(APP)]),
            differs: same,
        },
        Row {
            // `Any` three times: the public API recipe.
            guide: "`AllowOrigin::any()`, `Any`",
            theirs: theirs::CorsLayer::new()
                .allow_origin(theirs::Any)
                .allow_methods(theirs::Any)
                .allow_headers(theirs::Any),
            ours: tower_cors::CorsLayer::new()
                .allow_origin(tower_cors::Any)
                .allow_methods(tower_cors::Any)
                .allow_headers(tower_cors::Any),
            differs: same,
        },
        Row {
            // tower-http sends the value to every origin; a browser reads it for that one only.
            guide: "`AllowOrigin::exact(value)`",
            theirs: theirs::CorsLayer::new().allow_origin(theirs::AllowOrigin::exact(hv(APP))),
            ours: tower_cors::CorsLayer::new().allow_origin(AllowOrigin::exact(hv(APP))),
            differs: same,
        },
        Row {
            guide: "`AllowOrigin::list(iter)`",
            theirs: theirs::CorsLayer::new()
                .allow_origin(theirs::AllowOrigin::list([hv(APP), hv("https://b.example")]))
                .allow_credentials(true),
            ours: tower_cors::CorsLayer::new()
                .allow_origin(AllowOrigin::list([APP, "https://b.example"]))
                .allow_credentials(true),
            differs: same,
        },
        Row {
            guide: "`AllowOrigin::predicate(f)`",
            theirs: theirs::CorsLayer::new()
                .allow_origin(theirs::AllowOrigin::predicate(|origin: &HeaderValue, _| origin == APP)),
            ours: tower_cors::CorsLayer::new()
                .allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, _| origin == APP)),
            differs: same,
        },
        Row {
            guide: "`AllowOrigin::async_predicate(f)`",
            theirs: theirs::CorsLayer::new().allow_origin(theirs::AllowOrigin::async_predicate(
                |origin: HeaderValue, _: &http::request::Parts| async move { origin == APP },
            )),
            ours: tower_cors::CorsLayer::new().allow_origin(AllowOrigin::async_predicate(
                |origin: HeaderValue, _: &http::request::Parts| async move { origin == APP },
            )),
            differs: same,
        },
        Row {
            // Without credentials, `*` reads like the echo: the same pages read the same answers.
            guide: "`AllowOrigin::mirror_request()`",
            theirs: theirs::CorsLayer::new().allow_origin(theirs::AllowOrigin::mirror_request()),
            ours: tower_cors::CorsLayer::new().allow_any_origin(),
            differs: same,
        },
        Row {
            guide: "`.expose_headers(impl Into<ExposeHeaders>)`",
            theirs: theirs().expose_headers([EXPOSED]),
            ours: ours().expose_headers([EXPOSED]),
            differs: same,
        },
        Row {
            // Without credentials (tower-http panics with them).
            guide: "`ExposeHeaders::any()`, `Any`",
            theirs: theirs().expose_headers(theirs::ExposeHeaders::any()),
            ours: ours().expose_headers(ExposeHeaders::any()),
            differs: same,
        },
        Row {
            guide: "`ExposeHeaders::list(iter)`",
            theirs: theirs().expose_headers(theirs::ExposeHeaders::list([EXPOSED])),
            ours: ours().expose_headers(ExposeHeaders::list([EXPOSED])),
            differs: same,
        },
        Row {
            guide: "`.max_age(Duration)`, `MaxAge::exact(d)`",
            theirs: theirs().max_age(std::time::Duration::from_secs(600)).allow_headers([CUSTOM]),
            ours: ours().max_age(std::time::Duration::from_secs(600)).allow_headers([CUSTOM]),
            differs: same,
        },
        Row {
            guide: "`.allow_private_network(bool)`, `AllowPrivateNetwork::yes()`",
            theirs: theirs().allow_private_network(true).allow_headers([CUSTOM]),
            ours: ours().allow_private_network(true).allow_headers([CUSTOM]),
            differs: same,
        },
        Row {
            guide: "`AllowPrivateNetwork::predicate(f)`",
            theirs: theirs()
                .allow_private_network(theirs::AllowPrivateNetwork::predicate(|origin: &HeaderValue, _| origin == APP)),
            ours: ours().allow_private_network(tower_cors::AllowPrivateNetwork::predicate(
                |origin: &HeaderValue, _| origin == APP,
            )),
            differs: same,
        },
    ]
}

/// Rows that differ from the guide's table only by a setter called after a preset, which the
/// guide's notes describe.
fn preset_rows() -> Vec<Row> {
    vec![
        Row {
            // The list replaces `*`, in both.
            guide: "`CorsLayer::permissive()` then `.allow_headers([..])`",
            theirs: theirs::CorsLayer::permissive().allow_headers([CUSTOM]),
            ours: tower_cors::CorsLayer::permissive().allow_headers([CUSTOM]),
            differs: same,
        },
        Row {
            guide: "`CorsLayer::very_permissive()` then `.allow_headers([..])`",
            theirs: theirs::CorsLayer::very_permissive().allow_headers([CUSTOM]),
            ours: tower_cors::CorsLayer::new()
                .allow_origins([APP])
                .allow_credentials(true)
                .allow_any_method()
                .allow_any_header_and_authorization()
                .allow_headers([CUSTOM]),
            // `Authorization` is no longer listed: refused by both, from any origin.
            differs: |case| {
                if case.origin == OTHER && case.kind != Kind::Authorization {
                    Expect::OnlyTheirsReadable
                } else {
                    Expect::Same
                }
            },
        },
        Row {
            // What the guide warns against: mirroring mapped to `.allow_any_header()` alone
            // refuses `Authorization`, which mirroring granted.
            guide: "`AllowHeaders::mirror_request()` mapped to `.allow_any_header()` alone",
            theirs: theirs::CorsLayer::new()
                .allow_origin(hv(APP))
                .allow_credentials(true)
                .allow_headers(theirs::AllowHeaders::mirror_request()),
            ours: tower_cors::CorsLayer::new().allow_origins([APP]).allow_credentials(true).allow_any_header(),
            differs: |case| {
                if case.origin == APP && case.kind == Kind::Authorization {
                    Expect::OnlyTheirsReadable
                } else {
                    Expect::Same
                }
            },
        },
    ]
}

async fn check(row: &Row) -> usize {
    row.ours.validate().unwrap_or_else(|e| panic!("{}: {e}", row.guide));
    let mut compared = 0;
    for case in cases() {
        let (ours, theirs) = (fetch(&row.ours, case).await, fetch(&row.theirs, case).await);
        match (row.differs)(case) {
            Expect::Same => assert_eq!(ours, theirs, "{}: {case:?}: ours {ours}, tower-http's {theirs}", row.guide),
            Expect::OnlyTheirsReadable => assert!(
                theirs.readable() && !ours.readable(),
                "{}: {case:?}: the guide says only tower-http's is readable; ours {ours}, tower-http's {theirs}",
                row.guide
            ),
        }
        compared += 1;
    }
    compared
}

#[tokio::test]
async fn every_row_of_the_guide_behaves_as_it_says() {
    let rows = rows();
    let mut compared = 0;
    for row in &rows {
        compared += check(row).await;
    }
    assert_eq!(compared, rows.len() * 12);
    assert_eq!(rows.len(), support::testing_md::figure("Migration", "rows"), "TESTING.md's figure");
    // The table is exercised, not vacuous: some rows grant, some refuse.
    let readable = fetch(&rows[2].ours, Case { origin: APP, kind: Kind::Simple, credentials: false }).await;
    assert!(readable.readable(), "{readable}");
}

#[tokio::test]
async fn presets_with_a_setter_after_them_behave_as_the_guide_says() {
    for row in &preset_rows() {
        check(row).await;
    }
}

/// The `Authorization` rows are what a migration most often gets wrong: the three outcomes of
/// a credentialed `GET` with `Authorization` from the listed origin, stated outright.
#[tokio::test]
async fn authorization_with_credentials_needs_the_explicit_spelling() {
    let case = Case { origin: APP, kind: Kind::Authorization, credentials: true };
    let mirror = theirs::CorsLayer::new()
        .allow_origin(hv(APP))
        .allow_credentials(true)
        .allow_headers(theirs::AllowHeaders::mirror_request());
    let explicit =
        tower_cors::CorsLayer::new().allow_origins([APP]).allow_credentials(true).allow_any_header_and_authorization();
    let any = tower_cors::CorsLayer::new().allow_origins([APP]).allow_credentials(true).allow_any_header();
    let readable = Seen::Readable { status: 200, headers: BTreeSet::new() };
    assert_eq!(fetch(&mirror, case).await, readable);
    assert_eq!(fetch(&explicit, case).await, readable);
    assert_eq!(fetch(&any, case).await, Seen::PreflightFailed);
}

/// First cells of the guide's table with no behaviour of their own to compare: types, service
/// methods, and settings tower-cors has no counterpart for (the guide says what to do instead).
const NOT_BEHAVIOUR: &[&str] = &[
    "`AllowCredentials::predicate(f)`",
    "`MaxAge::dynamic(f)`",
    "`.vary(impl Into<Vary>)`, `Vary::list(iter)`",
    "`preflight_request_headers()`",
    "`Any`, `any()` (deprecated)",
    "`Cors::new(inner)`, `Cors::permissive(inner)`, `Cors::very_permissive(inner)`, `Cors::layer()`",
    "`Cors::allow_*`, `Cors::expose_headers`, `Cors::max_age`, `Cors::allow_private_network`, `Cors::allow_credentials`",
    "`Cors::get_ref`, `get_mut`, `into_inner`",
    "`ResponseFuture<F>`",
    "none",
];

#[test]
fn every_row_of_the_guide_is_run_here_or_has_no_behaviour() {
    let guide = include_str!("../../docs/migrating_from_tower_http.md");
    let table = guide
        .lines()
        .skip_while(|line| !line.starts_with("| tower-http 0.7 |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'));
    let run: Vec<&str> = rows().iter().map(|row| row.guide).collect();
    let mut seen = 0;
    for line in table {
        let first = line.trim_start_matches("| ").split(" | ").next().unwrap();
        assert!(
            run.contains(&first) || NOT_BEHAVIOUR.contains(&first),
            "the guide's row `{first}` is neither run through both layers nor listed in NOT_BEHAVIOUR"
        );
        seen += 1;
    }
    assert!(seen >= run.len(), "the guide's table was not found ({seen} rows)");
    // And no row here has left the guide.
    for name in run {
        assert!(guide.contains(&format!("| {name} |")), "{name} is no longer a row of the guide");
    }
}

/// A preflight for `GET` asking for `authorization`, from `origin`, through `layer`: the status,
/// its `access-control-*` and `Vary` lines, and whether the inner service ran.
async fn authorization_preflight<L, B>(layer: &L, origin: &str) -> (u16, Vec<(String, String)>)
where
    L: Layer<Inner>,
    L::Service: Service<Request<Body>, Response = Response<B>>,
    <L::Service as Service<Request<Body>>>::Error: fmt::Debug,
{
    let answer = send(
        layer,
        request(
            "OPTIONS",
            &[
                ("origin", origin),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "authorization"),
            ],
        ),
    )
    .await;
    (answer.status().as_u16(), support::cors_lines(answer.headers()))
}

fn lines(lines: &[(&str, &str)]) -> Vec<(String, String)> {
    lines.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect()
}

/// The guide's public read-only API recipe, for a front end that sends `Authorization`:
/// tower-http's `Any` three times answers `*`, which Chromium, Firefox and WebKit all let cover
/// `Authorization` (`tests/browser.rs` records it); the guide's rewrite answers
/// `*,authorization`, which every browser accepts, and the literal port of `allow_headers(Any)`
/// is refused, as the guide's difference 5 warns.
#[tokio::test]
async fn public_read_only_api_with_an_authorization_preflight() {
    let theirs =
        theirs::CorsLayer::new().allow_origin(theirs::Any).allow_methods(theirs::Any).allow_headers(theirs::Any);
    let recipe = tower_cors::CorsLayer::new()
        .allow_origin(tower_cors::Any)
        .allow_methods(tower_cors::Any)
        .allow_any_header_and_authorization();
    recipe.validate().unwrap();
    let literal = tower_cors::CorsLayer::new()
        .allow_origin(tower_cors::Any)
        .allow_methods(tower_cors::Any)
        .allow_headers(tower_cors::Any);

    let (status, answer) = authorization_preflight(&theirs, APP).await;
    assert_eq!(status, 200);
    assert!(answer.contains(&("access-control-allow-headers".to_owned(), "*".to_owned())), "{answer:?}");
    assert!(answer.contains(&("access-control-allow-origin".to_owned(), "*".to_owned())), "{answer:?}");

    assert_eq!(
        authorization_preflight(&recipe, APP).await,
        (
            204,
            lines(&[
                ("access-control-allow-headers", "*,authorization"),
                ("access-control-allow-origin", "*"),
                ("vary", "access-control-request-method, access-control-request-headers"),
            ])
        )
    );
    let (status, answer) = authorization_preflight(&literal, APP).await;
    assert_eq!(status, 403);
    assert!(answer.iter().all(|(name, _)| !name.starts_with("access-control-")), "{answer:?}");

    // And the actual request after the recipe's preflight is readable, credentials or not (a
    // page without cookies gets `*`).
    for credentials in [false, true] {
        let case = Case { origin: OTHER, kind: Kind::Authorization, credentials };
        let seen = fetch(&recipe, case).await;
        assert_eq!(seen.readable(), !credentials, "{case:?}: {seen}");
    }
}

/// `CORS_ALLOW_ORIGIN=*` in a real application migrated from tower-http:
/// `.allow_origin("*".parse::<HeaderValue>()?)` is any origin, as tower-http answered it, never
/// a panic in `layer` and never "mixed into a list"; with credentials it is the error
/// `allow_any_origin()` gets.
#[tokio::test]
async fn a_lone_star_from_the_environment_is_any_origin() {
    let from_env = "*";
    let theirs = theirs::CorsLayer::new().allow_origin(from_env.parse::<HeaderValue>().unwrap());
    for ours in [
        tower_cors::CorsLayer::new().allow_origin(from_env.parse::<HeaderValue>().unwrap()),
        tower_cors::CorsLayer::new().allow_origin(from_env),
        tower_cors::CorsLayer::new().allow_origin(from_env.to_owned()),
        tower_cors::CorsLayer::new().allow_origins([from_env]),
        tower_cors::CorsLayer::new().allow_origin(tower_cors::AllowOrigin::list([from_env])),
    ] {
        ours.validate().unwrap();
        assert!(format!("{ours:?}").contains("AllowOrigin::Any"), "{ours:?}");
        for case in cases() {
            assert_eq!(fetch(&ours, case).await, fetch(&theirs, case).await, "{case:?}");
        }
        let answer = send(&ours, request("GET", &[("origin", OTHER)])).await;
        assert_eq!(answer.headers()["access-control-allow-origin"], "*");
    }
    let err = tower_cors::CorsLayer::new().allow_origin(from_env).allow_credentials(true).validate().unwrap_err();
    assert_eq!(err.problems(), [tower_cors::ConfigProblem::CredentialsWithAnyOrigin]);
    // Next to other origins it is still an error, which names `allow_any_origin()`.
    let err = tower_cors::CorsLayer::new().allow_origins([APP, from_env]).validate().unwrap_err();
    assert_eq!(err.problems(), [tower_cors::ConfigProblem::WildcardInList]);
    assert!(err.to_string().contains("allow_any_origin()"), "{err}");
}

/// The guide's answer to "does `http://localhost:*` match `http://localhost`?": yes, the
/// default port (no port in `Origin`) is one of "any port".
#[tokio::test]
async fn any_port_includes_the_default_port() {
    let ours = tower_cors::CorsLayer::new().allow_origins(["http://localhost:*"]);
    for (origin, granted) in [
        ("http://localhost", true),
        ("http://localhost:5173", true),
        ("http://localhost:80", false), // never sent: browsers leave the default port out
        ("https://localhost", false),
        ("http://a.localhost:3000", false),
    ] {
        let answer = send(&ours, request("GET", &[("origin", origin)])).await;
        let allow = answer.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(allow.as_deref(), granted.then_some(origin), "{origin}");
    }
}

/// The idioms of the guide's "Compile errors you will meet", each compiled as tower-http users
/// write it (against tower-http) and as the guide rewrites it (against tower-cors), serving the
/// same browser requests. (The idioms themselves failing against tower-cors, with the error
/// codes the table names, are `compile_fail` doctests in `src/lib.rs`.)
#[tokio::test]
async fn each_compile_error_idiom_and_its_rewrite() {
    // `.allow_origin([".. ".parse().unwrap()])`: E0284 here; both rewrites behave as tower-http's.
    let theirs = theirs::CorsLayer::new().allow_origin([APP.parse().unwrap()]).allow_credentials(true);
    let rewrites = [
        tower_cors::CorsLayer::new().allow_origins([APP]).allow_credentials(true),
        tower_cors::CorsLayer::new().allow_origin([APP.parse::<HeaderValue>().unwrap()]).allow_credentials(true),
    ];
    for ours in &rewrites {
        ours.validate().unwrap();
        for case in cases() {
            assert_eq!(fetch(ours, case).await, fetch(&theirs, case).await, "{case:?}");
        }
    }

    // `AllowCredentials::yes()` and `AllowHeaders::mirror_request()` are rows of the table run
    // above; `very_permissive()` too (and `permissive()`, which rustc suggests, is not it: it
    // refuses the credentialed `Authorization` request `very_permissive()` let through).
    let case = Case { origin: APP, kind: Kind::Authorization, credentials: true };
    assert!(fetch(&theirs::CorsLayer::very_permissive(), case).await.readable());
    assert!(!fetch(&tower_cors::CorsLayer::permissive(), case).await.readable());
    let rewrite = tower_cors::CorsLayer::new()
        .allow_origins([APP])
        .allow_credentials(true)
        .allow_any_method()
        .allow_any_header_and_authorization();
    assert!(fetch(&rewrite, case).await.readable());

    // E0271 around a whole router: with `keep_body_type()` the service answers axum's own
    // `Response<Body>`, which `axum::serve` requires.
    fn serves_axum_bodies<S>(_: &S)
    where
        S: Service<axum::extract::Request, Response = axum::response::Response, Error = std::convert::Infallible>,
    {
    }
    let router = axum::Router::new().route("/items", axum::routing::get(|| async { "[]" }));
    let app = rewrite.keep_body_type().layer(router);
    serves_axum_bodies(&app);
    let answer = app.oneshot(request_for_axum(APP)).await.unwrap();
    assert_eq!(answer.headers()["access-control-allow-origin"], APP);
}

fn request_for_axum(origin: &str) -> axum::extract::Request {
    axum::extract::Request::get("/items").header("origin", origin).body(axum::body::Body::empty()).unwrap()
}
