//! Configuration from outside the program: kubeconfig files, the user's config file, and the
//! platform directories kubeatlas reads and writes.

pub mod kubeconfig;
pub mod paths;
pub mod user;

pub use kubeconfig::{KubeconfigError, Loaded, Located};
pub use paths::Paths;
pub use user::UserConfig;
