//! Request path parsing into discovery documents, collections, objects and subresources.

use crate::resource::SimResource;

/// What a request path addresses.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Target {
    /// `/version`
    Version,
    /// `/api`
    Api,
    /// `/apis`
    Apis,
    /// `/apis/{group}`
    Group(&'static str),
    /// `/api/v1`, `/apis/{group}/{version}`
    GroupVersion(&'static str),
    /// A collection, e.g. `/api/v1/pods` or `/api/v1/namespaces/{ns}/pods`.
    Collection {
        res: SimResource,
        namespace: Option<String>,
    },
    /// One object.
    Object {
        res: SimResource,
        namespace: Option<String>,
        name: String,
    },
    /// A subresource of one object (`scale`, `status`, `log`).
    Sub {
        res: SimResource,
        namespace: Option<String>,
        name: String,
        sub: String,
    },
}

fn group_static(g: &str) -> Option<&'static str> {
    match g {
        "apps" => Some("apps"),
        "batch" => Some("batch"),
        _ => None,
    }
}

/// Parses a path; `None` means 404.
pub(crate) fn parse(path: &str) -> Option<Target> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["version"] => Some(Target::Version),
        ["api"] => Some(Target::Api),
        ["apis"] => Some(Target::Apis),
        ["api", "v1"] => Some(Target::GroupVersion("")),
        ["apis", g] => group_static(g).map(Target::Group),
        ["apis", g, "v1"] => group_static(g).map(Target::GroupVersion),
        ["api", "v1", rest @ ..] => resource_path("", rest),
        // The custom resource's group serves its objects but no discovery document.
        ["apis", g, "v1", rest @ ..] if *g == SimResource::Workers.group() => {
            resource_path(SimResource::Workers.group(), rest)
        }
        ["apis", g, "v1", rest @ ..] => resource_path(group_static(g)?, rest),
        _ => None,
    }
}

fn resource_path(group: &str, rest: &[&str]) -> Option<Target> {
    let lookup = |plural: &str| SimResource::from_gvr(group, "v1", plural);
    if let ["namespaces", ns, plural, tail @ ..] = rest
        && let Some(res) = lookup(plural).filter(|r| r.namespaced())
    {
        let namespace = Some(ns.to_string());
        return match tail {
            [] => Some(Target::Collection { res, namespace }),
            [name] => Some(Target::Object {
                res,
                namespace,
                name: name.to_string(),
            }),
            [name, sub] => Some(Target::Sub {
                res,
                namespace,
                name: name.to_string(),
                sub: sub.to_string(),
            }),
            _ => None,
        };
    }
    let (plural, tail) = rest.split_first()?;
    let res = lookup(plural)?;
    match tail {
        [] => Some(Target::Collection {
            res,
            namespace: None,
        }),
        [name] if !res.namespaced() => Some(Target::Object {
            res,
            namespace: None,
            name: name.to_string(),
        }),
        [name, sub] if !res.namespaced() => Some(Target::Sub {
            res,
            namespace: None,
            name: name.to_string(),
            sub: sub.to_string(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(parse("/version"), Some(Target::Version));
        assert_eq!(parse("/apis/apps/v1"), Some(Target::GroupVersion("apps")));
        assert_eq!(
            parse("/api/v1/pods"),
            Some(Target::Collection {
                res: SimResource::Pods,
                namespace: None
            })
        );
        assert_eq!(
            parse("/api/v1/namespaces/shop/pods/p1/log"),
            Some(Target::Sub {
                res: SimResource::Pods,
                namespace: Some("shop".into()),
                name: "p1".into(),
                sub: "log".into()
            })
        );
        assert_eq!(
            parse("/api/v1/namespaces/shop"),
            Some(Target::Object {
                res: SimResource::Namespaces,
                namespace: None,
                name: "shop".into()
            })
        );
        assert_eq!(
            parse("/api/v1/namespaces/shop/status"),
            Some(Target::Sub {
                res: SimResource::Namespaces,
                namespace: None,
                name: "shop".into(),
                sub: "status".into()
            })
        );
        assert_eq!(
            parse("/apis/apps/v1/namespaces/shop/deployments/web/scale"),
            Some(Target::Sub {
                res: SimResource::Deployments,
                namespace: Some("shop".into()),
                name: "web".into(),
                sub: "scale".into()
            })
        );
        assert_eq!(parse("/api/v1/pods/p1"), None);
        assert_eq!(parse("/apis/apps/v1/namespaces/shop/pods"), None);
        assert_eq!(parse("/apis/extensions/v1beta1"), None);
        assert_eq!(parse("/healthz"), None);
    }
}
