//! Fixed-window counters in the database, so that every instance shares them:
//! sign-in attempts per client address, per account and address, and per
//! account; anonymous report creation per client address.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::rate_limits;
use super::DbConn;
use super::StoreResult;

/// A key's count in its current window, and the seconds until it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub count: i32,
    pub resets_in: i64,
}

/// Counts one hit (in the caller's write transaction); returns the count in
/// the current window. One statement, an upsert that starts a new window
/// when the old one has ended: concurrent hits on PostgreSQL are all
/// counted, each sees a different count, and the row is locked for no
/// longer than the statement (plus the rest of its transaction).
pub fn hit(conn: &mut DbConn, key: &str, window: Duration, now: NaiveDateTime) -> StoreResult<Hit> {
    use diesel::sql_types::{Integer, Text, Timestamp};
    #[derive(QueryableByName)]
    struct Counted {
        #[diesel(sql_type = Timestamp)]
        window_start: NaiveDateTime,
        #[diesel(sql_type = Integer)]
        count: i32,
    }
    // Both backends read the old row on the right of every `SET`.
    const UPSERT: &str = "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
        ON CONFLICT (key) DO UPDATE SET \
        count = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.count + 1 END, \
        window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
        RETURNING window_start, count";
    let expired = now - window;
    let counted: Counted = match conn {
        DbConn::Pg(c) => diesel::sql_query(UPSERT)
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(expired)
            .get_result(c)?,
        // SQLite numbers `$N` parameters by first appearance: 1, 2, 3 here.
        DbConn::Sqlite(c) => diesel::sql_query(UPSERT)
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(expired)
            .get_result(c)?,
    };
    Ok(Hit {
        count: counted.count,
        resets_in: (counted.window_start + window - now).num_seconds().max(1),
    })
}

/// A key's window as stored: when it began, and the hits counted in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: NaiveDateTime,
    pub count: i32,
}

impl Window {
    /// The window after one more hit at `now`: the same one counting one
    /// more, or a new one if it has ended (the rule [`hit`] applies in SQL).
    pub fn hit(self, window: Duration, now: NaiveDateTime) -> Self {
        if self.ended(window, now) {
            Self {
                start: now,
                count: 1,
            }
        } else {
            Self {
                count: self.count + 1,
                ..self
            }
        }
    }

    /// Whether a window of `window` that began at `start` has ended by `now`.
    pub fn ended(self, window: Duration, now: NaiveDateTime) -> bool {
        self.start <= now - window
    }

    /// The count and the seconds until the window ends.
    pub fn as_hit(self, window: Duration, now: NaiveDateTime) -> Hit {
        Hit {
            count: self.count,
            resets_in: (self.start + window - now).num_seconds().max(1),
        }
    }
}

/// `key`'s window (an empty, ended one is made if it has none), locked
/// until the end of the write transaction on PostgreSQL (SQLite's single
/// writer excludes others): the caller counts hits on it with
/// [`Window::hit`] and stores the result with [`set_window`] before it
/// commits, and no other writer counts in between.
pub fn locked_window(conn: &mut DbConn, key: &str) -> StoreResult<Window> {
    let read = |conn: &mut DbConn| -> StoreResult<Option<(NaiveDateTime, i32)>> {
        let query = rate_limits::table
            .find(key)
            .select((rate_limits::window_start, rate_limits::count));
        Ok(match conn {
            DbConn::Pg(c) => query.for_update().first(c).optional()?,
            DbConn::Sqlite(c) => query.first(c).optional()?,
        })
    };
    if read(conn)?.is_none() {
        let row = (
            rate_limits::key.eq(key),
            rate_limits::window_start.eq(chrono::DateTime::UNIX_EPOCH.naive_utc()),
            rate_limits::count.eq(0),
        );
        super::insert_unless_present!(conn, rate_limits::table, row)?;
    }
    let (start, count) =
        read(conn)?.ok_or_else(|| super::StoreError::internal("the rate-limit row vanished"))?;
    Ok(Window { start, count })
}

/// Stores `key`'s window (read, and locked, with [`locked_window`]).
pub fn set_window(conn: &mut DbConn, key: &str, w: Window) -> StoreResult<()> {
    diesel::update(rate_limits::table.find(key))
        .set((
            rate_limits::window_start.eq(w.start),
            rate_limits::count.eq(w.count),
        ))
        .execute(conn)?;
    Ok(())
}

/// A key's count and the seconds until its window ends (0 and the whole
/// window if it has ended or never began).
pub fn current(
    conn: &mut DbConn,
    key: &str,
    window: Duration,
    now: NaiveDateTime,
) -> StoreResult<Hit> {
    let row: Option<(NaiveDateTime, i32)> = rate_limits::table
        .find(key)
        .select((rate_limits::window_start, rate_limits::count))
        .first(conn)
        .optional()?;
    Ok(match row.map(|(start, count)| Window { start, count }) {
        Some(w) if !w.ended(window, now) => w.as_hit(window, now),
        _ => Hit {
            count: 0,
            resets_in: window.num_seconds(),
        },
    })
}

/// The count of `key` in its current window (0 if the window has ended).
pub fn count(
    conn: &mut DbConn,
    key: &str,
    window: Duration,
    now: NaiveDateTime,
) -> StoreResult<i32> {
    Ok(current(conn, key, window, now)?.count)
}

/// Takes one hit back (an attempt that turned out well).
pub fn give_back(conn: &mut DbConn, key: &str) -> StoreResult<()> {
    diesel::update(
        rate_limits::table
            .find(key)
            .filter(rate_limits::count.gt(0)),
    )
    .set(rate_limits::count.eq(rate_limits::count - 1))
    .execute(conn)?;
    Ok(())
}

/// Forgets a key's count.
pub fn clear(conn: &mut DbConn, key: &str) -> StoreResult<()> {
    diesel::delete(rate_limits::table.find(key)).execute(conn)?;
    Ok(())
}

/// Forgets at most `limit` windows that ended long ago: how many.
pub fn prune(conn: &mut DbConn, older_than: NaiveDateTime, limit: i64) -> StoreResult<usize> {
    let old = || rate_limits::table.filter(rate_limits::window_start.lt(older_than));
    let keys = old()
        .select(rate_limits::key)
        .limit(limit)
        .load::<String>(conn)?;
    // The condition again: a window started afresh since (on PostgreSQL, by
    // another transaction) stays, with its count.
    Ok(diesel::delete(old().filter(rate_limits::key.eq_any(keys))).execute(conn)?)
}
