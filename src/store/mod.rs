//! Storage: diesel over SQLite (embedded default) or PostgreSQL (production),
//! chosen at run time from the database URL. One module per aggregate; every
//! query of the service lives here. Backend-specific SQL is confined to
//! [`spatial`], the bench seeding in [`seed`], [`insert_unless_present`],
//! and a few explicit `match` arms on [`DbConn`] (locking, batch inserts,
//! `BEGIN IMMEDIATE`), each marked as such.

/// BACKEND-SPECIFIC: inserts `values` into `table` unless a row with the same
/// key is present (SQLite `INSERT OR IGNORE`, PostgreSQL `ON CONFLICT DO
/// NOTHING`); evaluates to the rows inserted.
macro_rules! insert_unless_present {
    ($conn:expr, $table:expr, $values:expr) => {
        match $conn {
            $crate::store::DbConn::Sqlite(c) => diesel::RunQueryDsl::execute(
                diesel::insert_or_ignore_into($table).values($values),
                c,
            ),
            $crate::store::DbConn::Pg(c) => diesel::RunQueryDsl::execute(
                diesel::insert_into($table)
                    .values($values)
                    .on_conflict_do_nothing(),
                c,
            ),
        }
    };
}
pub(crate) use insert_unless_present;

pub mod api_keys;
pub mod attachments;
pub mod audit;
pub mod batch;
pub mod cache;
pub mod callbacks;
pub mod catalog;
mod error;
pub mod escalations;
pub mod events;
pub mod explain;
pub mod moderation;
pub mod municipalities;
pub mod ops;
pub mod outbox;
pub mod page_feedback;
pub mod queues;
pub mod rate_limits;
pub mod ratings;
pub mod replica;
pub mod reports;
pub mod retention;
pub mod schema;
pub mod seed;
pub mod spatial;
pub mod users;
pub mod vocab;

pub use error::{StoreError, StoreResult};

use std::path::Path;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{AppError, AppResult};

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<DbConn>>;
pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How long a request waits for a PostgreSQL connection before it is told
/// `503 service_unavailable` with `Retry-After` (the server is down or
/// restarting; the pool reconnects by itself when it is back).
pub const PG_CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);

/// Busy timeout for SQLite: how long a writer from another process waits.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// Sets the per-connection SQLite PRAGMAs. `batch_execute`, because a
/// multi-statement `sql_query` would apply only the first one.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            // secure_delete: erased personal data is overwritten in the file,
            // not left in free pages.
            c.batch_execute(&format!(
                "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;"
            ))
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// The file of a SQLite database URL (`sqlite://path`, `sqlite:path` or a
/// plain path); `None` for PostgreSQL.
pub fn sqlite_path(url: &str) -> Option<&str> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return None;
    }
    Some(
        url.strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url),
    )
}

/// A pool's connections now.
#[derive(Debug, Clone, Copy)]
pub struct PoolState {
    pub connections: u32,
    pub idle_connections: u32,
    pub max_size: u32,
}

/// After a connection could not be had in time, how long requests are told
/// `503` at once instead of each waiting out the pool's timeout again (one
/// request filing a report asks for connections more than once).
const UNREACHABLE_HOLD: Duration = Duration::from_secs(1);

/// Milliseconds since the Unix epoch.
fn epoch_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Store {
    /// A connection from `pool`, the wait recorded in `/metrics`.
    fn timed_get(&self, pool: &DbPool, name: &str) -> AppResult<PooledConn> {
        if epoch_ms()
            < self
                .unreachable_until
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            return Err(AppError::Unavailable(
                "the database did not answer moments ago".into(),
            ));
        }
        let started = std::time::Instant::now();
        let conn = pool.get();
        crate::metrics::METRICS.pool_wait(name, started.elapsed());
        conn.map_err(|e| {
            self.unreachable_until.store(
                epoch_ms() + UNREACHABLE_HOLD.as_millis() as i64,
                std::sync::atomic::Ordering::Relaxed,
            );
            e.into()
        })
    }
}

/// Sets SQLite's library-wide modes, once per process and before its first
/// connection (later, SQLite refuses them and keeps its defaults):
/// - multi-thread, not serialized: a connection is used by one thread at a
///   time (the pool lends it to one caller), so the lock SQLite would take
///   around every call on it guards nothing;
/// - no memory statistics: otherwise every allocation of every connection
///   takes one process-wide lock, which readers side by side contend for.
///
/// Measured with `segnala bench load --scenario bbox` against the same
/// database: see the README's performance section.
fn configure_sqlite_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use libsqlite3_sys as ffi;
        // SAFETY: sqlite3_config is called before any SQLite connection of
        // this process exists (`Once`, on the way to opening the first), and
        // with the argument each option documents (none; an int).
        let (threads, memstatus) = unsafe {
            (
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MULTITHREAD),
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::os::raw::c_int),
            )
        };
        if threads != ffi::SQLITE_OK || memstatus != ffi::SQLITE_OK {
            tracing::debug!(
                threads,
                memstatus,
                "SQLite was initialised already: its default modes stay"
            );
        }
    });
}

/// The database: a read pool and a write pool. On SQLite all writes go through
/// one connection (a pool of one), which removes lock contention between
/// writers; PostgreSQL shares one normal pool for both.
#[derive(Clone)]
pub struct Store {
    read: DbPool,
    write: DbPool,
    backend: Backend,
    batcher: std::sync::Arc<batch::Batcher>,
    /// Until when (ms since the epoch) connections are refused at once.
    unreachable_until: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// A hot standby for public reads, if configured.
    replica: Option<std::sync::Arc<replica::Replica>>,
}

impl Store {
    /// Opens the database at `url`: `sqlite://path`, `sqlite:path` or a plain
    /// path for SQLite; `postgres://…` or `postgresql://…` for PostgreSQL.
    pub fn open(url: &str, pool_size: u32) -> AppResult<Self> {
        let pool_size = pool_size.max(1);
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = Pool::builder()
                .max_size(pool_size)
                .connection_timeout(PG_CONNECTION_TIMEOUT)
                .build(ConnectionManager::<DbConn>::new(url))
                .map_err(|e| AppError::Unavailable(format!("cannot connect to PostgreSQL: {e}")))?;
            return Ok(Self {
                read: pool.clone(),
                write: pool,
                backend: Backend::Postgres,
                batcher: Default::default(),
                unreachable_until: Default::default(),
                replica: None,
            });
        }
        let path = sqlite_path(url).expect("not a PostgreSQL URL");
        configure_sqlite_library();
        if let Some(parent) = Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            crate::files::create_private_dir(parent).map_err(|e| {
                AppError::internal(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let build = |size: u32| {
            Pool::builder()
                .max_size(size)
                .connection_timeout(Duration::from_secs(30))
                .connection_customizer(Box::new(SqlitePragmas))
                .build(ConnectionManager::<DbConn>::new(path))
                .map_err(|e| {
                    AppError::Unavailable(format!("cannot open SQLite database {path}: {e}"))
                })
        };
        let write = build(1)?;
        // Check that we really got SQLite (a bad URL could be taken for something else).
        if !matches!(&mut *write.get()?, DbConn::Sqlite(_)) {
            return Err(AppError::internal(format!(
                "`{url}` is not a SQLite database"
            )));
        }
        let read = build(pool_size)?;
        Ok(Self {
            read,
            write,
            backend: Backend::Sqlite,
            batcher: Default::default(),
            unreachable_until: Default::default(),
            replica: None,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations (idempotent; safe with several instances).
    pub fn migrate(&self) -> AppResult<Vec<String>> {
        let mut conn = self.write.get()?;
        let applied = match &mut *conn {
            DbConn::Sqlite(c) => c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect())
                .map_err(|e| AppError::internal(format!("migration failed: {e}")))?,
            DbConn::Pg(c) => {
                // Several instances starting together must not migrate twice.
                c.batch_execute("SELECT pg_advisory_lock(727001)")?;
                let result = c
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|v| v.iter().map(ToString::to_string).collect::<Vec<String>>())
                    .map_err(|e| AppError::internal(format!("migration failed: {e}")));
                c.batch_execute("SELECT pg_advisory_unlock(727001)")?;
                result?
            }
        };
        Ok(applied)
    }

    /// Runs `f` on a read connection.
    pub fn read<T>(&self, f: impl FnOnce(&mut DbConn) -> AppResult<T>) -> AppResult<T> {
        let mut conn = self.timed_get(&self.read, "read")?;
        f(&mut conn)
    }

    /// Sends public reads to the PostgreSQL hot standby at `url` while it is
    /// at most `max_lag` behind ([`Store::read_public`]); start its watcher
    /// with [`Store::watch_replica`].
    pub fn with_replica(mut self, url: &str, pool_size: u32, max_lag: Duration) -> AppResult<Self> {
        if self.backend != Backend::Postgres {
            return Err(AppError::internal(
                "a read replica needs PostgreSQL (SEGNALA_DATABASE_URL is SQLite)",
            ));
        }
        self.replica = Some(replica::Replica::open(url, pool_size, max_lag)?);
        Ok(self)
    }

    /// Measures the replica's lag every half second, on a thread of its own
    /// (nothing without a replica).
    pub fn watch_replica(&self) {
        let Some(replica) = self.replica.clone() else {
            return;
        };
        let store = self.clone();
        let started = std::thread::Builder::new()
            .name("segnala-replica".into())
            .spawn(move || {
                let mut was_usable = None;
                loop {
                    // The primary's connection is back in its pool before
                    // the replica is asked (which may take its timeout).
                    let lag = store
                        .read(replica::primary_head)
                        .and_then(|head| replica.measure(head));
                    crate::metrics::METRICS.replica_lag(match &lag {
                        Ok(d) => d.as_secs_f64(),
                        Err(_) => -1.0,
                    });
                    if was_usable != Some(replica.usable()) {
                        match &lag {
                            Ok(d) if replica.usable() => tracing::info!(replica.lag_ms = d.as_millis() as u64, "public reads go to the replica"),
                            Ok(d) => tracing::warn!(replica.lag_ms = d.as_millis() as u64, "the replica lags: public reads go to the primary"),
                            Err(e) => tracing::warn!(error.cause = %e, "the replica does not answer: public reads go to the primary"),
                        }
                        was_usable = Some(replica.usable());
                    }
                    std::thread::sleep(replica::WATCH_EVERY);
                }
            });
        if let Err(e) = started {
            tracing::error!(error.cause = %e, "cannot start the replica watcher");
        }
    }

    /// Runs a public read (what anyone may see, where a moment's delay does
    /// not matter): on the replica while it is usable, otherwise, or if it
    /// fails, on the primary. `f` may run twice.
    pub fn read_public<T>(&self, f: impl Fn(&mut DbConn) -> AppResult<T>) -> AppResult<T> {
        if let Some(replica) = self.replica.as_ref().filter(|r| r.usable()) {
            match replica.pool.get() {
                Ok(mut conn) => match f(&mut conn) {
                    Err(AppError::Unavailable(_)) => replica.set_unusable(),
                    done => {
                        crate::metrics::METRICS.public_read("replica");
                        return done;
                    }
                },
                Err(_) => replica.set_unusable(),
            }
        }
        crate::metrics::METRICS.public_read("primary");
        self.read(f)
    }

    /// Connections per pool, for `/metrics`: `read` and `write` on SQLite,
    /// one `shared` pool on PostgreSQL.
    pub fn pool_states(&self) -> Vec<(&'static str, PoolState)> {
        let state = |p: &DbPool| {
            let s = p.state();
            PoolState {
                connections: s.connections,
                idle_connections: s.idle_connections,
                max_size: p.max_size(),
            }
        };
        match self.backend {
            Backend::Postgres => vec![("shared", state(&self.read))],
            Backend::Sqlite => vec![("read", state(&self.read)), ("write", state(&self.write))],
        }
    }

    /// Runs `f` in one write transaction: `BEGIN IMMEDIATE` on SQLite (the write
    /// lock is taken up front, so the transaction never fails half-way on a
    /// lock upgrade), a normal transaction on PostgreSQL. Commits on `Ok`,
    /// rolls back on `Err`.
    pub fn write<T>(&self, f: impl FnOnce(&mut DbConn) -> AppResult<T>) -> AppResult<T> {
        let mut conn = self.timed_get(&self.write, "write")?;
        let conn: &mut DbConn = &mut conn;
        begin_write(conn)?;
        match f(conn) {
            Ok(value) => {
                end_write(conn, true)?;
                Ok(value)
            }
            Err(e) => {
                if let Err(rollback) = end_write(conn, false) {
                    tracing::error!(error.cause = %rollback, "rollback failed");
                }
                Err(e)
            }
        }
    }

    /// Like [`Store::write`], but `f` may share its transaction (and its
    /// commit) with other batched writes: see [`batch`]. For many small
    /// independent writes arriving at once — citizens filing reports.
    pub fn write_batched<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn, &mut batch::Held) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        self.batcher.write(self, f)
    }

    /// Rewrites the database compactly (benchmarks and maintenance windows:
    /// it locks everything while it runs).
    pub fn vacuum(&self) -> AppResult<()> {
        let mut conn = self.write.get()?;
        match &mut *conn {
            DbConn::Sqlite(c) => c.batch_execute("VACUUM")?,
            DbConn::Pg(c) => {
                c.batch_execute("VACUUM FULL")?;
                // As autovacuum would: statistics and the visibility map
                // (index-only scans), which VACUUM FULL leaves unset.
                c.batch_execute("VACUUM ANALYZE")?;
            }
        }
        Ok(())
    }

    /// SQLite: copies the write-ahead log into the database and truncates it,
    /// so that old versions of erased rows leave the disk. PostgreSQL: nothing.
    pub fn checkpoint(&self) -> AppResult<()> {
        let mut conn = self.write.get()?;
        if let DbConn::Sqlite(c) = &mut *conn {
            c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")?;
        }
        Ok(())
    }

    /// SQLite: a consistent copy of the whole database at `path` (which must
    /// not exist), taken in one read transaction while the service keeps
    /// writing (`VACUUM INTO`). PostgreSQL has its own tools (`pg_dump`):
    /// on PostgreSQL this copies nothing and says so (`false`).
    pub fn copy_into(&self, path: &str) -> AppResult<bool> {
        use diesel::RunQueryDsl;
        let mut conn = self.read.get()?;
        match &mut *conn {
            DbConn::Sqlite(c) => {
                diesel::sql_query("VACUUM INTO ?")
                    .bind::<diesel::sql_types::Text, _>(path)
                    .execute(c)?;
                Ok(true)
            }
            DbConn::Pg(_) => Ok(false),
        }
    }

    /// SQLite's `PRAGMA integrity_check`: `ok`, or the problems found.
    /// PostgreSQL: `ok` (it checks its pages itself).
    pub fn integrity_check(&self) -> AppResult<String> {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Line {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        self.read(|conn| match conn {
            DbConn::Sqlite(c) => Ok(diesel::sql_query("PRAGMA integrity_check")
                .load::<Line>(c)?
                .into_iter()
                .map(|l| l.integrity_check)
                .collect::<Vec<_>>()
                .join("; ")),
            DbConn::Pg(_) => Ok("ok".into()),
        })
    }

    /// Whether the database answers.
    pub fn ping(&self) -> AppResult<()> {
        self.read(|c| Ok(c.batch_execute("SELECT 1")?))
    }

    /// The PRAGMAs of a pooled read connection, as `(name, value)` (SQLite only).
    pub fn sqlite_pragmas(&self) -> AppResult<Vec<(String, String)>> {
        use diesel::sql_types::Text;
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            value: String,
        }
        self.read(|conn| {
            let DbConn::Sqlite(c) = conn else {
                return Ok(Vec::new());
            };
            let mut out = Vec::new();
            for (name, column) in [
                ("journal_mode", "journal_mode"),
                ("synchronous", "synchronous"),
                ("foreign_keys", "foreign_keys"),
                ("busy_timeout", "timeout"),
            ] {
                let row: Row = diesel::sql_query(format!(
                    "SELECT CAST({column} AS TEXT) AS value FROM pragma_{name}"
                ))
                .get_result(c)?;
                out.push((name.to_string(), row.value));
            }
            Ok(out)
        })
    }
}

/// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite (the write lock is
/// taken up front), a normal one on PostgreSQL.
fn begin_write(conn: &mut DbConn) -> AppResult<()> {
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    Ok(())
}

/// Commits (or rolls back) the transaction [`begin_write`] began; a failed
/// commit is rolled back.
fn end_write(conn: &mut DbConn, commit: bool) -> AppResult<()> {
    type Manager = <DbConn as Connection>::TransactionManager;
    if !commit {
        return Ok(Manager::rollback_transaction(conn)?);
    }
    if let Err(e) = Manager::commit_transaction(conn) {
        let _ = Manager::rollback_transaction(conn);
        return Err(e.into());
    }
    Ok(())
}

/// Naive UTC, as stored: truncated to microseconds, which both backends keep.
pub fn naive(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    use chrono::Timelike;
    let t = t.naive_utc();
    t.with_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}

/// Stored naive UTC back to an instant.
pub fn utc(t: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

/// A new random id for text-keyed rows.
/// Whether a key from a request could be stored text. PostgreSQL's text
/// holds no NUL, so a key with one matches nothing — as on SQLite — rather
/// than failing the query.
pub fn could_match(key: &str) -> bool {
    !key.contains('\0')
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::{IntoSql, RunQueryDsl};

    /// The library-wide modes took: with memory statistics off SQLite counts
    /// nothing (with them on, an open database's page cache alone counts).
    #[test]
    fn sqlite_runs_without_process_wide_memory_statistics() {
        let path = std::env::temp_dir().join(format!("segnala-modes-{}.db", new_id()));
        let store = Store::open(path.to_str().unwrap(), 2).unwrap();
        let one: i32 = store
            .read(|c| {
                Ok(diesel::select(1_i32.into_sql::<diesel::sql_types::Integer>()).get_result(c)?)
            })
            .unwrap();
        assert_eq!(one, 1);
        // SAFETY: a plain read of a counter.
        assert_eq!(unsafe { libsqlite3_sys::sqlite3_memory_used() }, 0);
        drop(store);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
