//! Which contexts refuse actions and which need the object name typed to confirm: asked of
//! the executor, so the TUI hides and refuses exactly what the executor would refuse.

use crate::actions::Executor;

/// Read-only and protected contexts, answered by the executor when there is one.
#[derive(Clone, Default)]
pub struct Policy {
    /// `--readonly`: every context.
    readonly: bool,
    executor: Option<Executor>,
}

impl Policy {
    /// Only the global flag (no executor: nothing is protected).
    pub fn global(readonly: bool) -> Policy {
        Policy {
            readonly,
            executor: None,
        }
    }

    /// The answers of `executor` (its own read-only flag, the config's contexts and patterns).
    pub fn of(executor: &Executor) -> Policy {
        Policy {
            readonly: false,
            executor: Some(executor.clone()),
        }
    }

    /// Whether mutations are refused in `context`.
    pub fn readonly(&self, context: &str) -> bool {
        self.readonly
            || self
                .executor
                .as_ref()
                .is_some_and(|e| e.is_readonly(context))
    }

    /// Why `context` is read-only beyond the flag and the config (a hub member without a
    /// direct context), if it is.
    pub fn reason(&self, context: &str) -> Option<String> {
        self.executor.as_ref()?.readonly_reason(context)
    }

    /// Whether `context` needs the object name typed to confirm.
    pub fn protected(&self, context: &str) -> bool {
        self.executor
            .as_ref()
            .is_some_and(|e| e.is_protected(context))
    }
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("readonly", &self.readonly)
            .field("executor", &self.executor.is_some())
            .finish()
    }
}
