//! A validated policy together with the answers built from it once.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::config::error::ConfigError;
use crate::config::settings::Settings;
use crate::policy::rules::Policy;
use crate::response::answer::PreflightTemplates;

/// What every clone of a [`Cors`](crate::Cors) service shares behind one `Arc`.
pub(crate) struct Compiled {
    pub(crate) policy: Policy,
    pub(crate) templates: PreflightTemplates,
    /// The settings it was compiled from: for explanations and their hints, and for `Debug`
    /// (an auditor reads the policy a service applies, a reloaded one included).
    pub(crate) settings: Settings,
    /// Whether a CORS grant set inside this layer, and replaced by it, has been reported.
    replaced_reported: AtomicBool,
}

impl Compiled {
    /// Validates `settings`, collecting every problem, and builds the preflight templates.
    pub(crate) fn new(settings: &Settings) -> Result<Self, ConfigError> {
        let policy = Policy::compile(settings)?;
        let templates = PreflightTemplates::new(&policy);
        Ok(Self { policy, templates, settings: settings.clone(), replaced_reported: AtomicBool::new(false) })
    }

    /// True the first time only: a replaced inner grant is reported once per policy, not per
    /// request.
    pub(crate) fn first_replaced_report(&self) -> bool {
        !self.replaced_reported.swap(true, Ordering::Relaxed)
    }
}
