//! segnala: citizens' reports for Italian municipalities.
//!
//! `domain` holds the pure rules, `store` every query, `http` the thin web
//! layer, `media` the processing of uploads; `main.rs` is only the CLI.

pub mod app;
pub mod auth;
pub mod backup;
pub mod bench;
pub mod boundaries;
pub mod comuni;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod files;
pub mod http;
pub mod jobs;
pub mod logging;
pub mod media;
pub mod metrics;
pub mod notify;
#[cfg(test)]
mod parsers_fuzz;
pub mod receipt;
pub mod starter;
pub mod store;
