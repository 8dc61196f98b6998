//! Configuration from outside the program: kubeconfig files, the user's config file, and the
//! platform directories kubeatlas reads and writes.

pub mod error;
pub mod hubs;
pub mod kubeconfig;
pub mod paths;
pub mod resolve;
pub mod rules;
pub mod timeline;
pub mod user;

pub use error::{ContextError, KubeconfigError, PathField, UserConfigError};
pub use kubeconfig::{Loaded, Located};
pub use paths::Paths;
pub use user::UserConfig;
