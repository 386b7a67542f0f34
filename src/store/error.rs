//! The store's own error: what can go wrong while storing, and nothing a
//! client is refused for (refusals are decided above the store). It becomes
//! the service's [`crate::error::AppError`] in one place
//! (`impl From<StoreError> for AppError` in `error.rs`), which tells a lost
//! connection, a full disk or a race for a unique value from a bug.

use std::fmt::Display;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// What the database answered (classified where it becomes an `AppError`).
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
    /// No connection could be had in time.
    #[error("database pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// The database does not answer, or cannot be opened.
    #[error("{0}")]
    Unavailable(String),
    /// A file under the data directory could not be written.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// A broken invariant: a row that must exist is missing, a stored value
    /// cannot be read.
    #[error("{0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    pub fn internal(cause: impl Display) -> Self {
        Self::Internal(cause.to_string())
    }

    pub fn io(what: impl Display, source: std::io::Error) -> Self {
        Self::Io {
            what: what.to_string(),
            source,
        }
    }
}
