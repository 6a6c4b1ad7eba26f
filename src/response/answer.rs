//! The layer's own answers: a granted preflight, cloned from a per-shape template, and the 403
//! of a refusal. Neither calls the inner service.

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_TYPE, VARY,
};
use http::{HeaderMap, HeaderValue, Response, StatusCode};

use crate::decision::grant::{Answer, Explained, GrantValue, OriginGrant, PreflightGrant};
use crate::policy::rules::{Policy, VaryList};
use crate::response::write::{allow_origin_value, preflight_grant_headers};

/// The layer's answer, with no body yet: the service gives it the empty body of its type.
pub(crate) fn answer<V: GrantValue, H: GrantValue>(
    policy: &Policy,
    templates: &PreflightTemplates,
    answer: Answer<PreflightGrant<V, H>>,
) -> Response<()> {
    match answer {
        Answer::Preflight(grant) => preflight(templates, grant),
        Answer::Forbidden { preflight: true } => forbidden(&policy.preflight_vary),
        Answer::Forbidden { preflight: false } => forbidden(&policy.vary),
        Answer::Explained(explained) => explained_answer(policy, *explained),
    }
}

/// Debug mode's answer to a refusal: the refusal, or for a preflight refused for its method or
/// headers from an allowed origin a 200 with that origin's grant; its `text/plain` body is the
/// explanation, which the service sends along.
fn explained_answer(policy: &Policy, explained: Explained) -> Response<()> {
    let mut response = forbidden(if explained.preflight { &policy.preflight_vary } else { &policy.vary });
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    if let Some(origin) = explained.origin {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin_value(origin));
        if policy.credentials {
            headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        }
        if let Some(method) = explained.method {
            headers.insert(ACCESS_CONTROL_ALLOW_METHODS, method);
        }
        if let Some(allowed) = explained.headers {
            headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, allowed);
        }
        *response.status_mut() = StatusCode::OK;
    }
    response
}

/// The layer's own answer to a preflight: 204 (or the configured 2xx) and the grant, no body.
fn preflight<V: GrantValue, H: GrantValue>(
    templates: &PreflightTemplates,
    grant: PreflightGrant<V, H>,
) -> Response<()> {
    let template = templates.for_grant(&grant);
    // The whole response is cloned, status included: a new `Response` given the clone of a
    // header map drops the empty map it came with (about 70 instructions, callgrind).
    let mut response = template.response.clone();
    // The clone holds exactly the headers this grant sends, in the template's order; only the
    // values at the recorded lines change, each reached by stepping from the one before.
    let mut lines = response.headers_mut().values_mut();
    let [origin_step, method_step, headers_step] = template.steps;
    let mut fill = |step: usize, value: HeaderValue| {
        if let Some(line) = lines.nth(step) {
            // The placeholder is static: forgetting it frees nothing, and spares an indirect call
            // to its empty drop (about 15 instructions a value, callgrind).
            let placeholder = std::mem::replace(line, value);
            debug_assert!(placeholder.is_empty(), "a line that held no placeholder: {placeholder:?}");
            std::mem::forget(placeholder);
        }
    };
    fill(origin_step, allow_origin_value(grant.origin));
    if let Some(method) = grant.method {
        fill(method_step, method.into_value());
    }
    if let Some(headers) = grant.headers {
        fill(headers_step, headers.into_value());
    }
    response
}

/// The headers of the layer's preflight answers, one template per shape of grant (method,
/// headers and private network each sent or not), built once: a request clones its shape's
/// template and writes its values in place, rather than hashing each header into a new map.
#[derive(Default)]
pub(crate) struct PreflightTemplates([Template; 8]);

#[derive(Default)]
struct Template {
    response: Response<()>,
    /// Lines to step over to reach `Access-Control-Allow-Origin`, `-Methods` and `-Headers` in
    /// iteration order, each from the line after the one before (0 for one the shape leaves
    /// out), read off the built map.
    steps: [usize; 3],
}

impl PreflightTemplates {
    /// Grants nothing if a value were ever left unwritten: an empty `Access-Control-Allow-Origin`
    /// matches no origin.
    const PLACEHOLDER: HeaderValue = HeaderValue::from_static("");

    pub(crate) fn new(policy: &Policy) -> Self {
        Self(std::array::from_fn(|shape| {
            let grant = PreflightGrant {
                origin: OriginGrant::Echo(Self::PLACEHOLDER),
                method: (shape & 1 != 0).then_some(Self::PLACEHOLDER),
                headers: (shape & 2 != 0).then_some(Self::PLACEHOLDER),
                private_network: shape & 4 != 0,
            };
            let grant = preflight_grant_headers(policy, grant);
            let mut headers = HeaderMap::with_capacity(1 + grant.iter().filter(|(_, value)| value.is_some()).count());
            headers.extend(grant.into_iter().filter_map(|(name, value)| Some((name, value?))));
            headers.insert(VARY, policy.preflight_vary.value.clone());
            // Written in this order, so each is after the one before (a step that went back
            // would reach no line, leaving the placeholder, which grants nothing).
            let mut after = 0;
            let steps = [&ACCESS_CONTROL_ALLOW_ORIGIN, &ACCESS_CONTROL_ALLOW_METHODS, &ACCESS_CONTROL_ALLOW_HEADERS]
                .map(|wanted| match headers.keys().position(|name| name == wanted) {
                    Some(at) => {
                        let step = at.checked_sub(after).unwrap_or(usize::MAX);
                        after = at + 1;
                        step
                    }
                    None => 0,
                });
            let mut response = Response::new(());
            *response.status_mut() = policy.preflight_status;
            *response.headers_mut() = headers;
            Template { response, steps }
        }))
    }

    fn for_grant<V, H>(&self, grant: &PreflightGrant<V, H>) -> &Template {
        let shape = usize::from(grant.method.is_some())
            | usize::from(grant.headers.is_some()) << 1
            | usize::from(grant.private_network) << 2;
        &self.0[shape]
    }
}

/// A refusal answered by the layer: 403, `Vary`, and nothing that discloses the policy.
fn forbidden(vary: &VaryList) -> Response<()> {
    let mut response = Response::new(());
    *response.status_mut() = StatusCode::FORBIDDEN;
    *response.headers_mut() = vary.alone.clone();
    response
}
