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
    Ok(match row {
        Some((start, count)) if start + window > now => Hit {
            count,
            resets_in: (start + window - now).num_seconds().max(1),
        },
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

/// Forgets windows that ended long ago.
pub fn prune(conn: &mut DbConn, older_than: NaiveDateTime) -> StoreResult<usize> {
    Ok(
        diesel::delete(rate_limits::table.filter(rate_limits::window_start.lt(older_than)))
            .execute(conn)?,
    )
}
