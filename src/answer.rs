//! The layer's own answers: a granted preflight, cloned from a per-shape template, and the 403
//! of a refusal. Neither calls the inner service.

use http::header::{ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, VARY};
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};

use crate::grant::{Answer, OriginGrant, PreflightGrant};
use crate::policy::{Policy, VaryList};
use crate::response::{allow_origin_value, preflight_grant_headers};

/// The layer's answer, with no body yet: the service gives it the empty body of its type.
pub(crate) fn answer(policy: &Policy, templates: &PreflightTemplates, answer: Answer) -> Response<()> {
    match answer {
        Answer::Preflight(grant) => preflight(policy, templates, grant),
        Answer::Forbidden { preflight: true } => forbidden(&policy.preflight_vary),
        Answer::Forbidden { preflight: false } => forbidden(&policy.vary),
    }
}

/// The layer's own answer to a preflight: 204 (or the configured 2xx) and the grant, no body.
fn preflight(policy: &Policy, templates: &PreflightTemplates, grant: PreflightGrant) -> Response<()> {
    let template = templates.for_grant(&grant);
    let mut headers = template.headers.clone();
    let mut values = [Some(allow_origin_value(grant.origin)), grant.method, grant.headers];
    // The clone holds exactly the headers this grant sends, in the template's order; only the
    // values at the recorded positions change.
    for (at, (_, value)) in headers.iter_mut().enumerate() {
        if let Some(filled) = template.slots.iter().position(|&slot| slot == at).and_then(|i| values[i].take()) {
            *value = filled;
        }
    }
    let mut response = Response::new(());
    *response.status_mut() = policy.preflight_status;
    *response.headers_mut() = headers;
    response
}

/// The headers of the layer's preflight answers, one template per shape of grant (method,
/// headers and private network each sent or not), built once: a request clones its shape's
/// template and writes its values in place, rather than hashing each header into a new map.
#[derive(Default)]
pub(crate) struct PreflightTemplates([Template; 8]);

#[derive(Default)]
struct Template {
    headers: HeaderMap,
    /// Where `Access-Control-Allow-Origin`, `-Methods` and `-Headers` are in iteration order
    /// (`usize::MAX` for one the shape leaves out), read off the built map.
    slots: [usize; 3],
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
            let at = |wanted: &HeaderName| headers.keys().position(|name| name == wanted).unwrap_or(usize::MAX);
            let slots =
                [&ACCESS_CONTROL_ALLOW_ORIGIN, &ACCESS_CONTROL_ALLOW_METHODS, &ACCESS_CONTROL_ALLOW_HEADERS].map(at);
            Template { headers, slots }
        }))
    }

    fn for_grant(&self, grant: &PreflightGrant) -> &Template {
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
