//! The application layer: one function per use case, called by the REST
//! handlers, the CLI and the jobs alike. Each takes the connection inside
//! the caller's transaction, who acts and when, and does validation → store
//! → audit (or notification plan). Parsing requests and shaping answers stay
//! with the callers; SQL stays in `store`.

pub mod admin;
pub mod reports;
