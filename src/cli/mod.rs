//! The administrative commands, one module each. Every change goes through
//! the same use case as the console (`segnala::app::admin`) and is recorded
//! in the comune's audit log with `cli` as its author.

pub mod apikey;
pub mod bench;
pub mod category;
pub mod municipality;
pub mod office;
pub mod ops;
pub mod outbox;
pub mod serve;
pub mod user;
pub mod zone;

use std::path::Path;

use segnala::config::Config;
use segnala::error::{AppError, AppResult, ErrorCode};
use segnala::store::Store;

/// The store, with pending migrations applied.
pub fn open(config: &Config) -> AppResult<Store> {
    let store = Store::open(&config.database_url, config.database_pool_size)?;
    for m in store.migrate()? {
        tracing::info!(migration = %m, "migration applied");
    }
    Ok(store)
}

/// A JSON file (a GeoJSON boundary or zone).
pub fn read_json(path: &Path) -> AppResult<serde_json::Value> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        AppError::bad_request(
            ErrorCode::UnreadableFile,
            format!("{}: {e}", path.display()),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        AppError::bad_request(
            ErrorCode::InvalidGeojson,
            format!("{}: {e}", path.display()),
        )
    })
}

/// `yes`/`no` for a flag in a listing.
fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}
