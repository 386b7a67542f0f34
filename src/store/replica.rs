//! A PostgreSQL read replica (hot standby) for public reads. Writes, and
//! every read a staff member or the citizen who just wrote must see, stay on
//! the primary (read-your-writes); public reads go to the replica while it
//! answers and is no further behind than a bound, and to the primary
//! otherwise.
//!
//! How far behind it is: a watcher samples the primary's WAL position and the
//! replica's replay position every half second; the lag is the age of the
//! oldest primary position the replica has not replayed yet (0 when it has
//! replayed everything seen, whatever the primary's idle time).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::RunQueryDsl;

use super::{DbConn, DbPool};
use crate::error::{AppError, AppResult};

/// How long a public read waits for a replica connection before it goes to
/// the primary.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(1);
/// How often the watcher measures the lag.
pub const WATCH_EVERY: Duration = Duration::from_millis(500);

pub struct Replica {
    pub(super) pool: DbPool,
    usable: AtomicBool,
    max_lag: Duration,
    /// Primary positions seen and when, not yet replayed by the replica.
    behind: Mutex<VecDeque<(Instant, u64)>>,
}

/// A `pg_lsn` as text (`16/B374D848`) as a number.
pub fn parse_lsn(text: &str) -> Option<u64> {
    let (hi, lo) = text.trim().split_once('/')?;
    Some((u64::from_str_radix(hi, 16).ok()? << 32) | u64::from_str_radix(lo, 16).ok()?)
}

#[derive(diesel::QueryableByName)]
struct Lsn {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    lsn: Option<String>,
}

fn lsn_of(conn: &mut DbConn, sql: &str) -> AppResult<u64> {
    let row: Lsn = diesel::sql_query(sql).get_result(conn)?;
    row.lsn
        .as_deref()
        .and_then(parse_lsn)
        .ok_or_else(|| AppError::internal(format!("no WAL position from `{sql}`")))
}

/// The primary's current WAL position.
pub fn primary_head(primary: &mut DbConn) -> AppResult<u64> {
    lsn_of(primary, "SELECT pg_current_wal_lsn()::text AS lsn")
}

impl Replica {
    pub fn open(url: &str, pool_size: u32, max_lag: Duration) -> AppResult<Arc<Self>> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(AppError::internal(
                "SEGNALA_DATABASE_READ_URL must be a postgres:// URL (a hot standby of the primary)",
            ));
        }
        // Built without a first connection: the replica may be down at start.
        let pool = Pool::builder()
            .max_size(pool_size.max(1))
            .min_idle(Some(0))
            .connection_timeout(CONNECTION_TIMEOUT)
            .build_unchecked(ConnectionManager::<DbConn>::new(url));
        Ok(Arc::new(Self {
            pool,
            usable: AtomicBool::new(false),
            max_lag,
            behind: Mutex::new(VecDeque::new()),
        }))
    }

    /// Whether public reads may go to the replica now.
    pub fn usable(&self) -> bool {
        self.usable.load(Ordering::Relaxed)
    }

    /// The replica failed a read: the primary serves until the watcher
    /// sees it well again.
    pub fn set_unusable(&self) {
        self.usable.store(false, Ordering::Relaxed);
    }

    /// One measurement: the primary's position `head` (from [`primary_head`],
    /// read just before) against the replica's replayed one. Returns the
    /// lag, or an error if the replica does not answer; updates whether it
    /// is usable.
    pub fn measure(&self, head: u64) -> AppResult<Duration> {
        let now = Instant::now();
        let replayed = self.pool.get().map_err(AppError::from).and_then(|mut c| {
            c.batch_execute("SET statement_timeout = 1000")?;
            lsn_of(&mut c, "SELECT pg_last_wal_replay_lsn()::text AS lsn")
        });
        let replayed = match replayed {
            Ok(r) => r,
            Err(e) => {
                self.set_unusable();
                return Err(e);
            }
        };
        let mut behind = self.behind.lock().unwrap_or_else(|p| p.into_inner());
        if behind.back().is_none_or(|(_, lsn)| *lsn < head) {
            behind.push_back((now, head));
        }
        while behind.front().is_some_and(|(_, lsn)| *lsn <= replayed) {
            behind.pop_front();
        }
        let lag = behind
            .front()
            .map_or(Duration::ZERO, |(seen, _)| now.duration_since(*seen));
        self.usable.store(lag <= self.max_lag, Ordering::Relaxed);
        Ok(lag)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_lsn;

    #[test]
    fn wal_positions_parse_as_numbers() {
        assert_eq!(parse_lsn("0/0"), Some(0));
        assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
        assert!(parse_lsn("16/B374D849") > parse_lsn("16/B374D848"));
        assert!(parse_lsn("17/0") > parse_lsn("16/FFFFFFFF"));
        assert_eq!(parse_lsn("nonsense"), None);
        assert_eq!(parse_lsn("1/"), None);
    }
}
