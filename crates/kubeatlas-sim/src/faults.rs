//! Injected failures: bearer-token auth, expired tokens, RBAC denials, latency and 500s.

use std::time::Duration;

use super::resource::SimResource;
use super::status::ApiError;

/// A denied (resource, verbs) pair; empty `verbs` denies every verb.
#[derive(Clone, Debug)]
pub(crate) struct ForbidRule {
    pub res: SimResource,
    pub verbs: Vec<String>,
}

/// The fault configuration of one cluster.
#[derive(Clone, Debug)]
pub(crate) struct Faults {
    /// Expected bearer token; `None` accepts any request.
    pub token: Option<String>,
    pub token_expired: bool,
    /// User name shown in RBAC messages.
    pub user: String,
    pub forbidden: Vec<ForbidRule>,
    pub latency: Duration,
    pub fail_all: bool,
    /// Whether the metrics API (metrics-server) is served, absent or forbidden.
    pub metrics: crate::http::metrics::MetricsMode,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            token: None,
            token_expired: false,
            user: "viewer".to_string(),
            forbidden: Vec::new(),
            latency: Duration::ZERO,
            fail_all: false,
            metrics: Default::default(),
        }
    }
}

/// The authorization attributes of a resource request.
#[derive(Debug)]
pub(crate) struct Attributes<'a> {
    pub verb: &'static str,
    pub res: SimResource,
    pub subresource: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub name: &'a str,
}

impl Faults {
    /// Authentication: 401 unless the request carries the expected bearer token.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<(), ApiError> {
        if self.token_expired {
            return Err(ApiError::unauthorized());
        }
        let Some(expected) = &self.token else {
            return Ok(());
        };
        let presented = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim);
        if presented == Some(expected.as_str()) {
            Ok(())
        } else {
            Err(ApiError::unauthorized())
        }
    }

    /// Authorization: 403 when a rule denies the request.
    pub fn authorize(&self, a: &Attributes<'_>) -> Result<(), ApiError> {
        let denied = self
            .forbidden
            .iter()
            .any(|r| r.res == a.res && (r.verbs.is_empty() || r.verbs.iter().any(|v| v == a.verb)));
        if denied {
            Err(ApiError::forbidden(
                &self.user,
                a.verb,
                a.res,
                a.subresource,
                a.namespace,
                a.name,
            ))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_and_rules() {
        let mut f = Faults {
            token: Some("t".into()),
            ..Faults::default()
        };
        assert!(f.authenticate(Some("Bearer t")).is_ok());
        assert!(f.authenticate(Some("Bearer x")).is_err());
        assert!(f.authenticate(None).is_err());
        f.token_expired = true;
        assert!(f.authenticate(Some("Bearer t")).is_err());
        f.forbidden.push(ForbidRule {
            res: SimResource::Deployments,
            verbs: vec!["patch".into()],
        });
        let attrs = |verb| Attributes {
            verb,
            res: SimResource::Deployments,
            subresource: None,
            namespace: Some("shop"),
            name: "x",
        };
        assert!(f.authorize(&attrs("patch")).is_err());
        assert!(f.authorize(&attrs("get")).is_ok());
    }
}
