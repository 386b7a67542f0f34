//! Fixed-window counters in the database, so that every instance shares them:
//! login failures per client IP, anonymous report creation per client IP.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::rate_limits;
use super::DbConn;
use crate::error::AppResult;

/// The seconds until the window ends, if `key` already reached `max` in it.
pub fn check(
    conn: &mut DbConn,
    key: &str,
    window: Duration,
    max: i32,
    now: NaiveDateTime,
) -> AppResult<Option<i64>> {
    let row: Option<(NaiveDateTime, i32)> = rate_limits::table
        .find(key)
        .select((rate_limits::window_start, rate_limits::count))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some((start, count)) if start + window > now && count >= max => {
            Some((start + window - now).num_seconds().max(1))
        }
        _ => None,
    })
}

/// Counts one hit (in the caller's write transaction); returns the count in
/// the current window. Each step is one conditional statement, so concurrent
/// hits on PostgreSQL are all counted.
pub fn hit(conn: &mut DbConn, key: &str, window: Duration, now: NaiveDateTime) -> AppResult<i32> {
    let fresh = (
        rate_limits::key.eq(key),
        rate_limits::window_start.eq(now),
        rate_limits::count.eq(0),
    );
    super::insert_unless_present!(conn, rate_limits::table, fresh)?;
    let expired = diesel::update(
        rate_limits::table
            .find(key)
            .filter(rate_limits::window_start.le(now - window)),
    )
    .set((rate_limits::window_start.eq(now), rate_limits::count.eq(1)))
    .execute(conn)?;
    if expired == 0 {
        diesel::update(rate_limits::table.find(key))
            .set(rate_limits::count.eq(rate_limits::count + 1))
            .execute(conn)?;
    }
    Ok(rate_limits::table
        .find(key)
        .select(rate_limits::count)
        .first(conn)?)
}

/// Forgets windows that ended long ago.
pub fn prune(conn: &mut DbConn, older_than: NaiveDateTime) -> AppResult<usize> {
    Ok(
        diesel::delete(rate_limits::table.filter(rate_limits::window_start.lt(older_than)))
            .execute(conn)?,
    )
}
