//! Configuration errors: every problem found in a [`CorsLayer`](crate::CorsLayer), reported at once.

use std::fmt;

/// An invalid CORS configuration, with every problem that was found.
///
/// Returned by [`CorsLayer::validate`](crate::CorsLayer::validate). Its `Display` lists each
/// problem on its own line, and each line says what to change.
///
/// `Debug` (`{:?}`) prints the same sentences, so that `validate()?` out of a `main` that
/// returns `Result<(), Box<dyn Error>>`, or an `unwrap()`, shows what to write instead rather
/// than a struct; `{:#?}` prints the [`problems`](Self::problems) as values.
///
/// ```
/// use tower_cors::CorsLayer;
///
/// let err = CorsLayer::new()
///     .allow_origins(["https://App.example.com/"])
///     .validate()
///     .unwrap_err();
/// assert_eq!(err.problems().len(), 1);
/// assert!(err.to_string().contains("https://app.example.com"));
/// assert_eq!(format!("{err:?}"), err.to_string());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ConfigError {
    problems: Vec<ConfigProblem>,
}

impl ConfigError {
    pub(crate) fn new(problems: Vec<ConfigProblem>) -> Self {
        Self { problems }
    }

    /// Every problem in the configuration, in the order the settings are checked.
    pub fn problems(&self) -> &[ConfigProblem] {
        &self.problems
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [only] => write!(f, "invalid CORS configuration: {only}"),
            problems => {
                write!(f, "invalid CORS configuration ({} problems):", problems.len())?;
                for problem in problems {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}

/// The `Display` sentences, because `Debug` is what `?` out of `main` and `unwrap()` print; the
/// alternate form (`{:#?}`) shows the problems as values.
impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.debug_struct("ConfigError").field("problems", &self.problems).finish()
        } else {
            fmt::Display::fmt(self, f)
        }
    }
}

impl std::error::Error for ConfigError {}

/// One problem in a CORS configuration.
///
/// Each variant carries the offending input; `Display` says what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// No origin policy was set, or an empty list of origins, so no cross-origin request could
    /// ever be granted. To refuse every CORS request on purpose, say so with
    /// [`AllowOrigin::none()`](crate::AllowOrigin::none).
    NoOriginPolicy,
    /// A configured origin can never equal a browser's `Origin` header.
    #[non_exhaustive]
    InvalidOrigin {
        /// The origin as configured (lossily decoded if it was not UTF-8).
        origin: String,
        /// Why it can never match.
        reason: InvalidOrigin,
    },
    /// `null` was listed as an origin.
    NullOriginInList,
    /// `*` was listed among other origins.
    WildcardInList,
    /// Credentials were allowed together with any origin.
    ///
    /// For the rare endpoint that must give every site credentialed access, the explicit spelling
    /// is an origin predicate that accepts every origin; read the
    /// [security guide](crate::guides::security#every-site-with-credentials) first.
    CredentialsWithAnyOrigin,
    /// Credentials were allowed together with `Origin: null`, which any page can send.
    CredentialsWithNullOrigin,
    /// Credentials were allowed for a plain-`http` origin that is not on this machine.
    #[non_exhaustive]
    CredentialsWithInsecureOrigin {
        /// The configured origin.
        origin: String,
    },
    /// A method that browsers never send (`CONNECT`, `TRACE`, `TRACK`) was allowed.
    #[non_exhaustive]
    ForbiddenMethod {
        /// The configured method.
        method: String,
    },
    /// A method browsers always send in upper case was listed in another case, so it can never
    /// match a preflight.
    #[non_exhaustive]
    MethodNeverSent {
        /// The configured method.
        method: String,
        /// The spelling browsers send.
        suggestion: String,
    },
    /// A request header name that scripts can never set was allowed.
    #[non_exhaustive]
    ForbiddenRequestHeader {
        /// The configured header name.
        name: String,
    },
    /// A response header that browsers never expose (`set-cookie`) was exposed.
    #[non_exhaustive]
    ForbiddenExposedHeader {
        /// The configured header name.
        name: String,
    },
    /// A method name was not a valid HTTP token.
    #[non_exhaustive]
    InvalidMethod {
        /// The configured method.
        method: String,
    },
    /// A header name was not a valid HTTP header name.
    #[non_exhaustive]
    InvalidHeaderName {
        /// The configured header name.
        name: String,
    },
    /// `max_age` exceeded 86,400 seconds.
    #[non_exhaustive]
    MaxAgeTooLong {
        /// The configured max age, in seconds.
        seconds: u64,
    },
    /// The preflight status is not a 2xx status, so browsers would treat every preflight as failed.
    #[non_exhaustive]
    PreflightStatusNotSuccess {
        /// The configured status.
        status: u16,
    },
    /// A preflight status other than the default 204 was set together with
    /// [`preflight_passthrough(true)`](crate::CorsLayer::preflight_passthrough), which hands
    /// preflights to the inner service: its answer's status is the one sent, so the setting would
    /// have no effect.
    #[non_exhaustive]
    PreflightStatusWithPassthrough {
        /// The configured status.
        status: u16,
    },
    /// A path given to [`allow_cross_origin_posts_to`](crate::CorsLayer::allow_cross_origin_posts_to)
    /// is not a path as a request carries it: it must start with `/` and hold visible ASCII only,
    /// without a query (`?`) or a fragment (`#`), so that it can equal a request's path.
    #[non_exhaustive]
    InvalidExemptPath {
        /// The configured path.
        path: String,
    },
}

/// Where [`ConfigProblem::CredentialsWithAnyOrigin`]'s message sends the reader.
pub(crate) const SECURITY_GUIDE_CREDENTIALS: &str =
    "https://docs.rs/tower-cors/latest/tower_cors/guides/security/index.html#every-site-with-credentials";

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoOriginPolicy => f.write_str(
                "no origin is allowed: call `allow_origins([...])`, `allow_any_origin()` or `allow_origin(...)`; \
                 to refuse every CORS request on purpose, `allow_origin(AllowOrigin::none())`",
            ),
            Self::InvalidOrigin { origin, reason } => {
                write!(f, "origin `{}` can never match a browser's `Origin` header: {reason}", escape(origin))
            }
            Self::NullOriginInList => f.write_str(
                "`null` is not an origin a list may hold: any page can send `Origin: null` (sandboxed iframes, `file:` pages); \
                 if you really mean it, call `dangerously_allow_null_origin(true)`",
            ),
            Self::WildcardInList => f.write_str(
                "`*` cannot be mixed into a list of origins: use `allow_any_origin()` on its own, or list origins only",
            ),
            Self::CredentialsWithAnyOrigin => write!(
                f,
                "`allow_credentials(true)` cannot be combined with any origin: browsers refuse `*` with credentials, \
                 and granting every site credentialed access would let any page act as your users; list the origins instead \
                 (or, for an endpoint that must serve every site's users, and only after reading {SECURITY_GUIDE_CREDENTIALS}, \
                 say so with `allow_origin(AllowOrigin::predicate(|_, _| true))`)"
            ),
            Self::CredentialsWithNullOrigin => f.write_str(
                "`allow_credentials(true)` cannot be combined with `dangerously_allow_null_origin(true)`: any page can send \
                 `Origin: null` (a sandboxed iframe), so every site could read your users' data; remove one of the two",
            ),
            Self::CredentialsWithInsecureOrigin { origin } => write!(
                f,
                "origin `{}` is plain http and not loopback, so with credentials anyone on the network path could act as your users: \
                 use https, or call `dangerously_allow_insecure_origins_with_credentials(true)`",
                escape(origin)
            ),
            Self::ForbiddenMethod { method } => write!(
                f,
                "method `{}` is forbidden by the Fetch Standard and never sent by browsers: remove it from `allow_methods`",
                escape(method)
            ),
            Self::MethodNeverSent { method, suggestion } => write!(
                f,
                "method `{}` can never match: browsers upper-case it before sending (Fetch \"normalize a method\"); write `{}`",
                escape(method),
                escape(suggestion)
            ),
            Self::ForbiddenRequestHeader { name } => write!(
                f,
                "request header `{}` is forbidden by the Fetch Standard, scripts can never set it: remove it from `allow_headers`",
                escape(name)
            ),
            Self::ForbiddenExposedHeader { name } => write!(
                f,
                "response header `{}` can never be exposed to scripts: remove it from `expose_headers`",
                escape(name)
            ),
            Self::InvalidMethod { method } => {
                write!(f, "`{}` is not a valid HTTP method token: use letters, digits and !#$%&'*+-.^_`|~", escape(method))
            }
            Self::InvalidHeaderName { name } => {
                write!(f, "`{}` is not a valid header name: use letters, digits and !#$%&'*+-.^_`|~", escape(name))
            }
            Self::MaxAgeTooLong { seconds } => write!(
                f,
                "`max_age` of {seconds} s is above 86400 s (one day), the most any browser honours (Chromium caps at 7200 s): lower it"
            ),
            Self::PreflightStatusNotSuccess { status } => write!(
                f,
                "preflight status {status} is not 2xx, so browsers would fail every preflight: use 204 (the default) or 200"
            ),
            Self::PreflightStatusWithPassthrough { status } => write!(
                f,
                "preflight status {status} has no effect with `preflight_passthrough(true)`, where the inner service's \
                 answer sets the status: remove one"
            ),
            Self::InvalidExemptPath { path } => write!(
                f,
                "`{}` in `allow_cross_origin_posts_to` can never equal a request's path: write the exact path, starting \
                 with `/`, percent-encoded, without `?` or `#` (for example `/auth/callback`)",
                escape(path)
            ),
        }
    }
}

/// Why a configured origin can never match.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidOrigin {
    /// The input was empty or only whitespace.
    Empty,
    /// The input was not UTF-8.
    NotUtf8,
    /// The input had whitespace or control characters.
    Whitespace,
    /// No `scheme://` prefix.
    MissingScheme,
    /// A scheme whose pages never send their origin (`file`, `data`, ...) or that is malformed.
    UnsupportedScheme,
    /// Upper-case letters; browsers serialize origins in lower case.
    #[non_exhaustive]
    UpperCase {
        /// The lower-case spelling to use instead.
        suggestion: String,
    },
    /// A path, even just `/`, after the host.
    #[non_exhaustive]
    Path {
        /// The origin without its path.
        suggestion: String,
    },
    /// A `?query` or `#fragment`.
    QueryOrFragment,
    /// `user:password@` before the host.
    Userinfo,
    /// An explicit default port (`:443` for https, `:80` for http), which browsers omit.
    #[non_exhaustive]
    DefaultPort {
        /// The origin without the port.
        suggestion: String,
    },
    /// A port that is not a number in 1..=65535 written without leading zeros.
    InvalidPort,
    /// A host with characters outside ASCII; browsers send the punycode (`xn--`) form.
    NonAsciiHost,
    /// A host that is empty or has characters, labels or an IP form that a browser never serializes.
    InvalidHost,
    /// A `*` anywhere but a leftmost `*.` label or a `:*` port.
    InvalidWildcard,
    /// A `*.` pattern whose suffix is a single label (such as `*.com`), which would match half the web.
    WildcardTooBroad,
}

impl fmt::Display for InvalidOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("it is empty"),
            Self::NotUtf8 => f.write_str("it is not UTF-8"),
            Self::Whitespace => f.write_str("it contains whitespace or control characters; remove them"),
            Self::MissingScheme => f.write_str("write it as `scheme://host[:port]`, e.g. `https://app.example.com`"),
            Self::UnsupportedScheme => f.write_str(
                "the scheme is malformed or its pages send `Origin: null` (file:, data:, about:); use http or https",
            ),
            Self::UpperCase { suggestion } => write!(f, "browsers send origins in lower case; write `{suggestion}`"),
            Self::Path { suggestion } => {
                write!(f, "an origin has no path, not even a trailing `/`; write `{suggestion}`")
            }
            Self::QueryOrFragment => f.write_str("an origin has no `?query` or `#fragment`; remove them"),
            Self::Userinfo => f.write_str("an origin has no `user:password@`; remove it"),
            Self::DefaultPort { suggestion } => {
                write!(f, "browsers omit the scheme's default port; write `{suggestion}`")
            }
            Self::InvalidPort => f.write_str("the port must be a number from 1 to 65535 without leading zeros, or `*`"),
            Self::NonAsciiHost => {
                f.write_str("browsers send internationalized hosts in punycode; write the `xn--` form of the host")
            }
            Self::InvalidHost => f.write_str(
                "the host must be a lower-case DNS name (letters, digits, `-`, `_`, non-empty labels), \
                 a dotted-decimal IPv4 address, or a bracketed IPv6 address in its shortest form",
            ),
            Self::InvalidWildcard => {
                f.write_str("`*` is allowed only as a whole leftmost label (`https://*.example.com`) or as the port (`http://localhost:*`)")
            }
            Self::WildcardTooBroad => f.write_str(
                "a `*.` pattern needs a suffix of at least two labels (`*.example.com`, not `*.com`); `*.localhost` is the exception",
            ),
        }
    }
}

/// Escapes and caps a configured value for display, so an error message stays one readable line.
pub(crate) fn escape(value: &str) -> String {
    const MAX: usize = 200;
    let mut out: String = value.chars().take(MAX).flat_map(char::escape_debug).collect();
    if value.chars().count() > MAX {
        out.push('…');
    }
    out
}
