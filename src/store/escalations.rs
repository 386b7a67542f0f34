//! The escalation sweeper's queries: find reports still `new` past their next
//! escalation instant (through the `reports_sweep` index), and escalate each
//! with a conditional `UPDATE … WHERE escalation_level = current`, so that
//! whatever runs concurrently — threads, processes, instances — each report is
//! escalated exactly once per level. A batch is one transaction: a sweeper
//! killed half-way leaves nothing half-done.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::events;
use super::schema::reports;
use super::StoreResult;
use super::{naive, utc, DbConn};
use crate::domain::ids::{MunicipalityId, OfficeId};
use crate::domain::report::{Actor, EventKind, Status};

/// A report whose next escalation is due.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct Candidate {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    #[diesel(column_name = escalation_level)]
    pub level: i32,
    #[diesel(column_name = take_in_due_at)]
    pub due_at: Option<NaiveDateTime>,
    pub office_id: Option<OfficeId>,
}

/// One escalation to attempt: the report, the level it is claimed from and
/// the one it reaches, when the next is due.
#[derive(Debug, Clone)]
pub struct Escalation {
    pub id: i64,
    pub from_level: i32,
    pub level: i32,
    pub next_at: Option<NaiveDateTime>,
    pub due_at: Option<NaiveDateTime>,
    pub office_id: Option<OfficeId>,
}

/// Reports whose next escalation is due, oldest first (index `reports_sweep`).
pub fn due(conn: &mut DbConn, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Candidate>> {
    Ok(due_query(naive(now), limit)
        .select(Candidate::as_select())
        .load(conn)?)
}

/// The sweeper's lookup: `status = 'new' AND next_escalation_at <= now`,
/// oldest first, served by `reports_sweep`.
pub type DueQuery = diesel::dsl::Limit<
    diesel::dsl::Order<DueFilter, diesel::dsl::Asc<reports::next_escalation_at>>,
>;
type DueFilter = diesel::dsl::Filter<
    diesel::dsl::Filter<reports::table, diesel::dsl::Eq<reports::status, &'static str>>,
    diesel::dsl::LtEq<reports::next_escalation_at, NaiveDateTime>,
>;

/// The sweeper's lookup, shared with the index test.
pub fn due_query(now: NaiveDateTime, limit: i64) -> DueQuery {
    reports::table
        .filter(reports::status.eq(Status::New))
        .filter(reports::next_escalation_at.le(now))
        .order(reports::next_escalation_at.asc())
        .limit(limit)
}

/// The reports of one batch whose next escalation is due, for the
/// caller's write transaction. BACKEND-SPECIFIC. PostgreSQL: locked,
/// skipping rows another sweeper holds, so [`claim`] can take them all in
/// one UPDATE, which keeps round trips per batch constant. SQLite: the
/// single writer already serialises sweepers; [`claim`] takes each with a
/// conditional UPDATE, cheap there.
pub fn lock_due(conn: &mut DbConn, now: DateTime<Utc>, batch: i64) -> StoreResult<Vec<Candidate>> {
    Ok(match conn {
        DbConn::Pg(c) => due_query(naive(now), batch)
            .select(Candidate::as_select())
            .for_update()
            .skip_locked()
            .load(c)?,
        DbConn::Sqlite(_) => due(conn, now, batch)?,
    })
}

/// Writes the escalations of a batch read by [`lock_due`] in this
/// transaction; returns the indices of those this sweeper won (on SQLite,
/// another process may have escalated a report meanwhile: only the one that
/// moves the level from `from_level` wins). Each won escalation gets its
/// `escalated` event.
pub fn claim(
    conn: &mut DbConn,
    at: NaiveDateTime,
    planned: &[Escalation],
) -> StoreResult<Vec<usize>> {
    let won = match conn {
        DbConn::Pg(_) if planned.is_empty() => Vec::new(),
        DbConn::Pg(c) => {
            // The rows are locked by this transaction and still due: all are ours.
            claim_locked(c, at, planned)?;
            (0..planned.len()).collect()
        }
        DbConn::Sqlite(_) => {
            let mut won = Vec::new();
            for (i, p) in planned.iter().enumerate() {
                if claim_one(conn, at, p)? {
                    won.push(i);
                }
            }
            won
        }
    };
    let rows = won
        .iter()
        .map(|&i| {
            let p = &planned[i];
            events::NewEvent::new(p.id, at, &Actor::system(), EventKind::Escalated).data(
                serde_json::json!({
                    "level": p.level,
                    "take_in_due_at": p.due_at.map(utc),
                    "office_id": p.office_id,
                    "next_escalation_at": p.next_at.map(utc),
                }),
            )
        })
        .collect();
    events::append_many(conn, rows)?;
    Ok(won)
}

/// PostgreSQL: the whole batch in one `UPDATE … FROM (VALUES …)`.
fn claim_locked(
    c: &mut diesel::PgConnection,
    at: NaiveDateTime,
    planned: &[Escalation],
) -> StoreResult<()> {
    let mut sql = String::from(
        "UPDATE reports AS r SET escalation_level = v.level, escalated_at = $1, next_escalation_at = v.next_at FROM (VALUES ",
    );
    for (i, _) in planned.iter().enumerate() {
        let p = 2 + i * 3;
        sql.push_str(&format!(
            "{}(${}::bigint, ${}::integer, ${}::timestamp)",
            if i > 0 { ", " } else { "" },
            p,
            p + 1,
            p + 2
        ));
    }
    sql.push_str(") AS v(id, level, next_at) WHERE r.id = v.id");
    let mut q = diesel::sql_query(sql)
        .into_boxed::<diesel::pg::Pg>()
        .bind::<diesel::sql_types::Timestamp, _>(at);
    for p in planned {
        q = q
            .bind::<diesel::sql_types::BigInt, _>(p.id)
            .bind::<diesel::sql_types::Integer, _>(p.level)
            .bind::<diesel::sql_types::Nullable<diesel::sql_types::Timestamp>, _>(p.next_at);
    }
    q.execute(c)?;
    Ok(())
}

/// SQLite: one conditional UPDATE; whether this sweeper won the report.
fn claim_one(conn: &mut DbConn, at: NaiveDateTime, p: &Escalation) -> StoreResult<bool> {
    let n = diesel::update(
        reports::table
            .find(p.id)
            .filter(reports::status.eq(Status::New))
            .filter(reports::escalation_level.eq(p.from_level))
            .filter(reports::next_escalation_at.le(at)),
    )
    .set((
        reports::escalation_level.eq(p.level),
        reports::escalated_at.eq(Some(at)),
        reports::next_escalation_at.eq(p.next_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
