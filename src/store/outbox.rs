//! The transactional outbox: notifications are rows written in the same
//! transaction as the change that causes them, then claimed by dispatchers
//! with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; the single writer's
//! immediate transaction on SQLite), delivered, and marked sent — or retried
//! with exponential backoff and jitter, and finally marked dead.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;

use super::schema::outbox;
use super::StoreResult;
use super::{new_id, DbConn};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub dedupe_key: String,
    pub payload: String,
    pub report_id: Option<i64>,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_owner: Option<String>,
    pub leased_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// Enqueues a notification unless one with the same dedupe key exists.
/// Returns whether it was new.
pub fn enqueue(
    conn: &mut DbConn,
    kind: &str,
    dedupe_key: &str,
    payload: &serde_json::Value,
    report_id: Option<i64>,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let row = (
        outbox::id.eq(new_id()),
        outbox::kind.eq(kind),
        outbox::dedupe_key.eq(dedupe_key),
        outbox::payload.eq(payload.to_string()),
        outbox::report_id.eq(report_id),
        outbox::state.eq("pending"),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
        outbox::created_at.eq(now),
    );
    let n = super::insert_unless_present!(conn, outbox::table, row)?;
    Ok(n == 1)
}

/// Claims up to `limit` due rows for `owner` until `now + lease`, counting an
/// attempt on each. Run it in a write transaction of its own.
pub fn claim(
    conn: &mut DbConn,
    owner: &str,
    now: NaiveDateTime,
    lease: Duration,
    limit: i64,
) -> StoreResult<Vec<OutboxRow>> {
    let due = outbox::table
        .filter(outbox::state.eq("pending"))
        .filter(outbox::next_attempt_at.le(now))
        .filter(
            outbox::leased_until
                .is_null()
                .or(outbox::leased_until.lt(now)),
        )
        .order(outbox::next_attempt_at)
        .limit(limit)
        .select(outbox::id);
    // Backend-specific: PostgreSQL skips rows another dispatcher is claiming.
    let ids: Vec<String> = match conn {
        DbConn::Pg(c) => due.for_update().skip_locked().load(c)?,
        DbConn::Sqlite(c) => due.load(c)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
        .set((
            outbox::lease_owner.eq(owner),
            outbox::leased_until.eq(now + lease),
            outbox::attempts.eq(outbox::attempts + 1),
        ))
        .execute(conn)?;
    Ok(outbox::table
        .filter(outbox::id.eq_any(&ids))
        .filter(outbox::lease_owner.eq(owner))
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// Extends `owner`'s lease on the rows `ids` until `until`.
pub fn renew(
    conn: &mut DbConn,
    ids: &[&str],
    owner: &str,
    until: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::lease_owner.eq(owner))
            .filter(outbox::state.eq("pending")),
    )
    .set(outbox::leased_until.eq(Some(until)))
    .execute(conn)?;
    Ok(())
}

/// Gives claimed rows back without trying them (their peer is failing, or
/// the dispatcher is stopping): due again at `until`, and the attempt their
/// claim counted is not counted. Returns how many were given back.
pub fn release(
    conn: &mut DbConn,
    ids: &[&str],
    owner: &str,
    until: NaiveDateTime,
) -> StoreResult<usize> {
    Ok(diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::lease_owner.eq(owner))
            .filter(outbox::state.eq("pending")),
    )
    .set((
        outbox::next_attempt_at.eq(until),
        outbox::leased_until.eq(None::<NaiveDateTime>),
        outbox::attempts.eq(outbox::attempts - 1),
    ))
    .execute(conn)?)
}

/// Marks a delivered row sent (only if `owner` still holds it), keeping
/// `payload` in place of what was delivered.
pub fn mark_sent(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    payload: &str,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let n = diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::lease_owner.eq(owner))
            .filter(outbox::state.eq("pending")),
    )
    .set((
        outbox::state.eq("sent"),
        outbox::payload.eq(payload),
        outbox::sent_at.eq(Some(now)),
        outbox::leased_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks delivered rows sent in one go (one transaction, one commit): each
/// `(id, payload)` only if `owner` still holds it, keeping `payload` in
/// place of what was delivered. Returns, per row, whether it was marked.
pub fn mark_sent_all(
    conn: &mut DbConn,
    rows: &[(&str, &str)],
    owner: &str,
    now: NaiveDateTime,
) -> StoreResult<Vec<bool>> {
    rows.iter()
        .map(|(id, payload)| mark_sent(conn, id, owner, payload, now))
        .collect()
}

/// The delay before attempt `attempts + 1`: 30 s doubling, capped at 6 h,
/// with ±20% jitter so that retries after an outage do not arrive together.
pub fn backoff(attempts: i32) -> Duration {
    let base = 30i64 * 2i64.pow(attempts.clamp(0, 10) as u32);
    let capped = base.min(6 * 3600);
    let jitter = rand::thread_rng().gen_range(0.8..1.2);
    Duration::milliseconds((capped as f64 * 1000.0 * jitter) as i64)
}

/// A failed delivery.
pub struct Failure<'a> {
    pub error: &'a str,
    pub permanent: bool,
    pub max_attempts: i32,
    /// What the row keeps if it is dead (the payload without secrets).
    pub dead_payload: &'a str,
}

/// Records a failed delivery: retried later, or dead when the failure is
/// permanent or attempts are exhausted. Returns the new state.
pub fn mark_failed(
    conn: &mut DbConn,
    row: &OutboxRow,
    owner: &str,
    failure: &Failure<'_>,
    now: NaiveDateTime,
) -> StoreResult<&'static str> {
    let Failure {
        error,
        permanent,
        max_attempts,
        dead_payload,
    } = *failure;
    let dead = permanent || row.attempts >= max_attempts;
    let state = if dead { "dead" } else { "pending" };
    let n = diesel::update(
        outbox::table
            .find(&row.id)
            .filter(outbox::lease_owner.eq(owner))
            .filter(outbox::state.eq("pending")),
    )
    .set((
        outbox::state.eq(state),
        outbox::next_attempt_at.eq(now + backoff(row.attempts)),
        outbox::leased_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(Some(error.chars().take(1000).collect::<String>())),
    ))
    .execute(conn)?;
    if n == 1 && dead {
        diesel::update(outbox::table.find(&row.id))
            .set(outbox::payload.eq(dead_payload))
            .execute(conn)?;
    }
    // Another dispatcher took the row over: its outcome stands.
    Ok(if n == 1 { state } else { "lost" })
}

/// Dead rows whose payload still holds a follow-up token (written by an
/// earlier version): `(id, payload)`.
pub fn dead_with_tokens(conn: &mut DbConn) -> StoreResult<Vec<(String, String)>> {
    Ok(outbox::table
        .filter(outbox::state.eq("dead"))
        .filter(outbox::payload.like("%?token=%"))
        .select((outbox::id, outbox::payload))
        .load(conn)?)
}

/// Replaces a row's payload.
pub fn set_payload(conn: &mut DbConn, id: &str, payload: &str) -> StoreResult<()> {
    diesel::update(outbox::table.find(id))
        .set(outbox::payload.eq(payload))
        .execute(conn)?;
    Ok(())
}

/// Dead rows, newest first.
pub fn dead(conn: &mut DbConn, limit: i64) -> StoreResult<Vec<OutboxRow>> {
    Ok(outbox::table
        .filter(outbox::state.eq("dead"))
        .order(outbox::created_at.desc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// Puts a dead row back in the queue, due now; whether there was one.
pub fn retry(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let n = diesel::update(outbox::table.find(id).filter(outbox::state.eq("dead")))
        .set((
            outbox::state.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::lease_owner.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Counts by state (for metrics and tests).
pub fn counts(conn: &mut DbConn) -> StoreResult<Vec<(String, i64)>> {
    Ok(outbox::table
        .group_by(outbox::state)
        .select((outbox::state, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Forgets at most `limit` sent rows older than `before` (they hold
/// addresses): how many.
pub fn prune_sent(conn: &mut DbConn, before: NaiveDateTime, limit: i64) -> StoreResult<usize> {
    let old = || {
        outbox::table
            .filter(outbox::state.eq("sent"))
            .filter(outbox::sent_at.lt(before))
    };
    let ids = old().select(outbox::id).limit(limit).load::<String>(conn)?;
    // The condition again: a row changed since (on PostgreSQL, by another
    // transaction — a dead message retried) stays.
    Ok(diesel::delete(old().filter(outbox::id.eq_any(ids))).execute(conn)?)
}

pub fn find(conn: &mut DbConn, id: &str) -> StoreResult<Option<OutboxRow>> {
    if !super::could_match(id) {
        return Ok(None);
    }
    Ok(outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()?)
}

/// Dead rows of one municipality's reports, newest first.
pub fn dead_for(
    conn: &mut DbConn,
    municipality_id: &str,
    limit: i64,
) -> StoreResult<Vec<OutboxRow>> {
    use super::schema::reports;
    Ok(outbox::table
        .inner_join(reports::table.on(reports::id.nullable().eq(outbox::report_id)))
        .filter(reports::municipality_id.eq(municipality_id))
        .filter(outbox::state.eq("dead"))
        .order(outbox::created_at.desc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// Forgets at most `limit` dead rows older than `before` (they hold
/// addresses too): how many.
pub fn prune_dead(conn: &mut DbConn, before: NaiveDateTime, limit: i64) -> StoreResult<usize> {
    let old = || {
        outbox::table
            .filter(outbox::state.eq("dead"))
            .filter(outbox::created_at.lt(before))
    };
    let ids = old().select(outbox::id).limit(limit).load::<String>(conn)?;
    // The condition again: a row changed since (on PostgreSQL, by another
    // transaction — a dead message retried) stays.
    Ok(diesel::delete(old().filter(outbox::id.eq_any(ids))).execute(conn)?)
}
