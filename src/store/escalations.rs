//! The escalation sweeper's queries: find reports still `new` past their next
//! escalation instant (through the `reports_sweep` index), and escalate each
//! with a conditional `UPDATE … WHERE escalation_level = current`, so that
//! whatever runs concurrently — threads, processes, instances — each report is
//! escalated exactly once per level. A batch is one transaction: a sweeper
//! killed half-way leaves nothing half-done.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::events;
use super::municipalities;
use super::schema::reports;
use super::{naive, utc, DbConn};
use crate::domain::calendar::{Calendar, DeadlineMode};
use crate::domain::escalation::next_step;
use crate::domain::report::{Actor, EventKind, Status};
use crate::error::AppResult;

/// When the levels fire.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Level 2 this many SLA hours (on the municipal calendar) after the
    /// take-in deadline; `None`: only level 1.
    pub level2_after_hours: Option<u32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    pub level1: usize,
    pub level2: usize,
}

impl Outcome {
    pub fn total(&self) -> usize {
        self.level1 + self.level2
    }
}

type Candidate = (i64, String, i32, Option<NaiveDateTime>, Option<String>);

/// One escalation to attempt: the report, the level it is claimed from and
/// the one it reaches, when the next is due.
struct Planned {
    id: i64,
    from_level: i32,
    level: i32,
    next_at: Option<NaiveDateTime>,
    due_at: Option<NaiveDateTime>,
    office_id: Option<String>,
}

/// Reports whose next escalation is due, oldest first (index `reports_sweep`).
pub fn due(conn: &mut DbConn, now: DateTime<Utc>, limit: i64) -> AppResult<Vec<Candidate>> {
    Ok(due_query(naive(now), limit)
        .select((
            reports::id,
            reports::municipality_id,
            reports::escalation_level,
            reports::take_in_due_at,
            reports::office_id,
        ))
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

/// Escalates one batch in the caller's write transaction; returns the outcome
/// and the `(report id, new level)` of each escalation.
pub fn escalate_batch(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    policy: Policy,
    batch: i64,
) -> AppResult<(Outcome, Vec<(i64, i32)>)> {
    let at = naive(now);
    // BACKEND-SPECIFIC. PostgreSQL: lock the batch (skipping rows another
    // sweeper holds), then escalate it with one UPDATE and one INSERT, which
    // keeps round trips per batch constant. SQLite: the single writer already
    // serialises sweepers; one conditional UPDATE per report is cheap there.
    let candidates: Vec<Candidate> = match conn {
        DbConn::Pg(c) => due_query(at, batch)
            .select((
                reports::id,
                reports::municipality_id,
                reports::escalation_level,
                reports::take_in_due_at,
                reports::office_id,
            ))
            .for_update()
            .skip_locked()
            .load(c)?,
        DbConn::Sqlite(_) => due(conn, now, batch)?,
    };
    let mut calendars: HashMap<String, (Calendar, DeadlineMode)> = HashMap::new();
    let mut planned = Vec::with_capacity(candidates.len());
    for (id, municipality_id, level, due_at, office_id) in candidates {
        let step = next_step(level, policy.level2_after_hours);
        let next_at = match (step.next_after_hours, due_at) {
            (Some(hours), Some(due_at)) => {
                if !calendars.contains_key(&municipality_id) {
                    let calendar = municipalities::calendar(conn, &municipality_id)?;
                    let mode = municipalities::find(conn, &municipality_id)?
                        .map(|m| m.deadline_mode())
                        .unwrap_or(DeadlineMode::WorkingDays);
                    calendars.insert(municipality_id.clone(), (calendar, mode));
                }
                let (calendar, mode) = &calendars[&municipality_id];
                Some(naive(calendar.deadline(utc(due_at), hours, *mode)))
            }
            _ => None,
        };
        planned.push(Planned {
            id,
            from_level: level,
            level: step.level,
            next_at,
            due_at,
            office_id,
        });
    }

    let claimed: Vec<usize> = match conn {
        DbConn::Pg(c) if !planned.is_empty() => {
            // The rows are locked by this transaction and still due: all are ours.
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
            for p in &planned {
                q = q
                    .bind::<diesel::sql_types::BigInt, _>(p.id)
                    .bind::<diesel::sql_types::Integer, _>(p.level)
                    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Timestamp>, _>(
                        p.next_at,
                    );
            }
            q.execute(c)?;
            (0..planned.len()).collect()
        }
        DbConn::Pg(_) => Vec::new(),
        DbConn::Sqlite(_) => {
            let mut won = Vec::new();
            for (i, p) in planned.iter().enumerate() {
                // The claim: only the sweeper that moves the level from `from_level` wins.
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
                if n == 1 {
                    won.push(i);
                }
            }
            won
        }
    };

    let mut outcome = Outcome::default();
    let mut escalated = Vec::with_capacity(claimed.len());
    let mut rows = Vec::with_capacity(claimed.len());
    for i in claimed {
        let p = &planned[i];
        rows.push(
            events::NewEvent::new(p.id, at, &Actor::system(), EventKind::Escalated).data(
                serde_json::json!({
                    "level": p.level,
                    "take_in_due_at": p.due_at.map(utc),
                    "office_id": p.office_id,
                    "next_escalation_at": p.next_at.map(utc),
                }),
            ),
        );
        if p.level == 1 {
            outcome.level1 += 1;
        } else {
            outcome.level2 += 1;
        }
        escalated.push((p.id, p.level));
    }
    events::append_many(conn, rows)?;
    Ok((outcome, escalated))
}
