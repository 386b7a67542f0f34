//! Values cached by each instance while a version in `cache_versions` stays
//! the same: triggers bump the version on any change to the tables a value
//! is read from (on every instance's database: PostgreSQL's are shared), and
//! every lookup reads it by primary key, so a change is seen by the next
//! lookup without restarts or messages between instances.
//!
//! The version is read before the value: a value loaded while a change
//! commits may be newer than its version says, never older, and the next
//! lookup (seeing the new version) loads it again.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use diesel::prelude::*;

use super::schema::cache_versions;
use super::DbConn;
use super::{StoreError, StoreResult};

/// Most entries kept; past it the cache starts over (a few comuni with a few
/// dozen categories each stay far below it).
const MAX_ENTRIES: usize = 4096;

/// Values by key, valid while the version `name` stays the same.
pub struct Versioned<K, V> {
    name: &'static str,
    entries: Mutex<(i64, HashMap<K, Arc<V>>)>,
}

impl<K: Eq + Hash + Clone, V> Versioned<K, V> {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            entries: Mutex::new((i64::MIN, HashMap::new())),
        }
    }

    /// The value of `key` and the version it was read at: cached if the
    /// version has not changed since it was loaded, else loaded with `load`
    /// (an error is not cached).
    pub fn get<E: From<StoreError>>(
        &self,
        conn: &mut DbConn,
        key: &K,
        load: impl FnOnce(&mut DbConn) -> Result<V, E>,
    ) -> Result<(i64, Arc<V>), E> {
        let version = current_version(conn, self.name, false)?;
        {
            let mut entries = self.entries.lock().map_err(StoreError::internal)?;
            // A reader behind a newer one neither wipes nor fills the cache.
            if version > entries.0 {
                *entries = (version, HashMap::new());
            }
            if version == entries.0 {
                if let Some(value) = entries.1.get(key) {
                    return Ok((version, Arc::clone(value)));
                }
            }
        }
        let value = Arc::new(load(conn)?);
        let mut entries = self.entries.lock().map_err(StoreError::internal)?;
        if entries.0 == version {
            if entries.1.len() >= MAX_ENTRIES {
                entries.1.clear();
            }
            entries.1.insert(key.clone(), Arc::clone(&value));
        }
        Ok((version, value))
    }
}

/// The version `name` now. With `hold`, in a write transaction on
/// PostgreSQL, the row is share-locked until commit: a change that has
/// bumped it but not committed is waited for, and a change that comes later
/// waits for this transaction (SQLite's single writer excludes both).
pub fn current_version(conn: &mut DbConn, name: &str, hold: bool) -> StoreResult<i64> {
    let query = cache_versions::table
        .find(name)
        .select(cache_versions::version);
    Ok(match conn {
        DbConn::Pg(c) if hold => query.for_share().first(c)?,
        _ => query.first(conn)?,
    })
}
