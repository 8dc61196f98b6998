//! Rollout progress of a workload after a restart or redeploy, read from the catalog (which the
//! watchers keep live): new pods ready / desired, until done or failed.

use crate::catalog::{Catalog, EntityRef};

/// Where a rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub updated: i64,
    pub ready: i64,
    pub desired: i64,
    pub state: RolloutState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutState {
    /// The controller has not yet observed the change.
    Pending,
    Rolling,
    Done,
    /// The Deployment's progress deadline passed (`ProgressDeadlineExceeded`).
    Failed,
    /// The workload is gone.
    Gone,
}

impl Progress {
    pub fn describe(&self) -> String {
        match self.state {
            RolloutState::Pending => "waiting for the controller…".into(),
            RolloutState::Rolling => format!(
                "rolling out: {}/{} updated, {}/{} ready",
                self.updated, self.desired, self.ready, self.desired
            ),
            RolloutState::Done => format!("rolled out: {}/{} ready", self.ready, self.desired),
            RolloutState::Failed => format!(
                "rollout failed: progress deadline exceeded ({}/{} updated)",
                self.updated, self.desired
            ),
            RolloutState::Gone => "the workload was deleted".into(),
        }
    }
    pub fn finished(&self) -> bool {
        matches!(
            self.state,
            RolloutState::Done | RolloutState::Failed | RolloutState::Gone
        )
    }
}

/// Progress of the rollout that produced `generation` (from the patch response).
pub fn progress(catalog: &Catalog, e: &EntityRef, generation: Option<i64>) -> Progress {
    let Some(r) = catalog.get(e) else {
        return Progress {
            updated: 0,
            ready: 0,
            desired: 0,
            state: RolloutState::Gone,
        };
    };
    let bp = catalog.blueprint(e.bp);
    let int = |id: &str| {
        bp.prop_index(id)
            .and_then(|i| r.props.get(i))
            .and_then(|v| v.as_int())
            .unwrap_or(0)
    };
    let (updated, ready, available, desired) = (
        int("updated"),
        int("ready"),
        int("available"),
        int("desired"),
    );
    // Old pods still running (kubectl: "old replicas are pending termination").
    let current = int("current");
    let observed = int("observedGeneration");
    let failed = bp
        .prop_index("progressing")
        .and_then(|i| r.props.get(i))
        .and_then(|v| v.as_str())
        == Some("ProgressDeadlineExceeded");
    let state = if generation.is_some_and(|g| observed < g) {
        RolloutState::Pending
    } else if failed {
        RolloutState::Failed
    } else if updated >= desired && ready >= desired && available >= desired && current <= desired {
        RolloutState::Done
    } else {
        RolloutState::Rolling
    };
    Progress {
        updated,
        ready,
        desired,
        state,
    }
}
