//! Blueprint roles, resolved once per set: which blueprint is the cluster, namespace, pod and
//! workload blueprint, and which one holds the running services. Everything else asks
//! [`Roles`] instead of matching identifiers or kinds.

use super::error::Diagnostic;
use super::locate::{Locator, Step};
use super::{BlueprintSpec, BpId, DerivedKind, Role};

/// The blueprint playing each role, if any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Roles {
    pub cluster: Option<BpId>,
    pub namespace: Option<BpId>,
    pub pod: Option<BpId>,
    pub workload: Option<BpId>,
    /// The blueprint derived as `kind: running-service` (the matrix's rows).
    pub running_service: Option<BpId>,
}

impl Roles {
    /// The blueprint playing `role`.
    pub fn get(&self, role: Role) -> Option<BpId> {
        match role {
            Role::Cluster => self.cluster,
            Role::Namespace => self.namespace,
            Role::Pod => self.pod,
            Role::Workload => self.workload,
        }
    }

    fn slot(&mut self, role: Role) -> &mut Option<BpId> {
        match role {
            Role::Cluster => &mut self.cluster,
            Role::Namespace => &mut self.namespace,
            Role::Pod => &mut self.pod,
            Role::Workload => &mut self.workload,
        }
    }
}

/// The role a blueprint claims itself: its `role:`, else the role named like its identifier.
pub(crate) fn claimed(spec: &BlueprintSpec) -> Option<Role> {
    spec.role
        .or_else(|| Role::ALL.into_iter().find(|r| r.name() == spec.identifier))
}

/// Resolve the roles of `specs` (indexed like their [`BpId`]s): an explicit `role:` wins over
/// one taken from an identifier; two explicit claims of one role are an error at the second.
pub(crate) fn resolve(
    specs: &[(&BlueprintSpec, &Locator<'_>)],
    diags: &mut Vec<Diagnostic>,
) -> Roles {
    let mut roles = Roles::default();
    let mut explicit = Roles::default();
    for (i, (spec, loc)) in specs.iter().enumerate() {
        let id = BpId(u16::try_from(i).unwrap_or(u16::MAX));
        if let Some(r) = spec.role {
            match explicit.slot(r) {
                Some(other) => diags.push(loc.at(
                    &[Step::Key("role")],
                    format!(
                        "role: {} is already the role of blueprint {:?}",
                        r.name(),
                        specs[usize::from(other.0)].0.identifier
                    ),
                )),
                slot => *slot = Some(id),
            }
        }
        if spec
            .derived
            .as_ref()
            .is_some_and(|d| d.kind == DerivedKind::RunningService)
            && roles.running_service.is_none()
        {
            roles.running_service = Some(id);
        }
    }
    for role in Role::ALL {
        let by_name = specs
            .iter()
            .position(|(s, _)| s.role.is_none() && claimed(s) == Some(role))
            .map(|i| BpId(u16::try_from(i).unwrap_or(u16::MAX)));
        *roles.slot(role) = explicit.get(role).or(by_name);
    }
    roles
}
