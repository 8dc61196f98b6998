//! Blueprints: the data model of the catalog, loaded from YAML (built-in files embedded in the
//! binary, a user's own files added or overriding by identifier) and compiled for projection.
//!
//! - [`model`]: the YAML file format ([`BlueprintSpec`]);
//! - [`path`]: the path expressions properties are read with;
//! - [`Blueprint`]: one compiled blueprint, [`Blueprint::project`] turns an object into a
//!   [`Record`];
//! - [`BlueprintSet`]: built-ins plus user files, validated with precise errors
//!   ([`BlueprintError`]);
//! - [`ActionRule`]: how each action is sent for each source kind; [`Roles`]: which blueprint
//!   is the cluster, namespace, pod, workload and running-service one;
//! - [`check_dir`] / [`check_builtin`]: `kubeatlas blueprints check`.

pub mod actions;
pub mod aggregate;
mod check;
mod compile;
pub mod compiled;
mod convert;
pub mod doc;
pub mod error;
pub mod history;
pub mod intern;
pub mod links;
mod load;
mod locate;
pub mod model;
pub mod path;
pub mod props;
pub mod prune;
pub mod record;
pub mod roles;
pub mod scorecard;
pub mod set;
pub mod timeline;
pub mod tree;
mod validate;
pub mod value;
pub mod via;
mod via_check;

pub use actions::ActionRule;
pub use check::{check_builtin, check_dir};
pub use compiled::{Blueprint, Origin};
pub use error::{BlueprintError, Diagnostic};
pub use links::Links;
pub use model::*;
pub use path::{PathError, PathExpr};
pub use props::Props;
pub use record::{BpId, Link, Record};
pub use roles::Roles;
pub use set::{BUILTIN_FILES, BlueprintSet};
pub use value::{List, Str, Value, ValueRef};
pub use via::Selector;
