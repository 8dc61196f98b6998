//! The real binary in a pseudo-terminal, as a person uses it: keys in, screen out (a VT parser).

mod rig;
mod shell;
mod slow_context;
mod terminal;
