//! Staff queues: an office's reports, a municipality's reports, the
//! supervisor's triage inbox. Ordered by take-in due time (then id), with
//! keyset pagination, and served by the `reports_office_queue` and
//! `reports_municipality_queue` indexes.
//!
//! Each query is written once as a macro and expanded for the backend in use
//! and, in tests, for `EXPLAIN` on SQLite and PostgreSQL.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::reports::ReportRow;
use super::schema::{categories, reports};
use super::DbConn;
use super::StoreResult;
use crate::domain::ids::{CategoryId, MunicipalityId, OfficeId};
use crate::domain::report::Status;

#[derive(Debug, Clone)]
pub enum QueueScope {
    /// The reports routed to these offices.
    Offices(Vec<OfficeId>),
    /// Every report of the municipality.
    Municipality(MunicipalityId),
}

#[derive(Debug, Clone)]
pub struct QueueFilter {
    pub scope: QueueScope,
    pub statuses: Vec<Status>,
    pub category_ids: Option<Vec<CategoryId>>,
    pub office_id: Option<OfficeId>,
    /// Only reports whose take-in deadline is before this instant.
    pub overdue_at: Option<NaiveDateTime>,
    /// Keyset cursor: after this (due time, id).
    pub after: Option<(NaiveDateTime, i64)>,
    pub limit: i64,
}

/// A queue's page: ordered by take-in deadline then id, after the cursor
/// `(due time, id)` when there is one (both inboxes page the same way).
macro_rules! by_due_time {
    ($q:expr, $after:expr, $limit:expr) => {{
        let mut q = $q;
        if let Some((due, id)) = $after {
            q = q.filter(
                reports::take_in_due_at
                    .gt(due)
                    .or(reports::take_in_due_at.eq(due).and(reports::id.gt(id))),
            );
        }
        q.order((reports::take_in_due_at.asc(), reports::id.asc()))
            .limit($limit)
    }};
}

macro_rules! queue_query {
    ($f:expr, $db:ty) => {{
        let f: &QueueFilter = $f;
        let mut q = reports::table
            .select(ReportRow::as_select())
            .into_boxed::<$db>();
        q = match &f.scope {
            QueueScope::Offices(ids) => q.filter(reports::office_id.eq_any(ids.clone())),
            QueueScope::Municipality(m) => q.filter(reports::municipality_id.eq(m.clone())),
        };
        q = q.filter(reports::status.eq_any(f.statuses.clone()));
        if let Some(ids) = &f.category_ids {
            q = q.filter(reports::category_id.eq_any(ids.clone()));
        }
        if let Some(office) = &f.office_id {
            q = q.filter(reports::office_id.eq(office.clone()));
        }
        if let Some(at) = f.overdue_at {
            q = q.filter(reports::take_in_due_at.lt(at));
        }
        by_due_time!(q, f.after, f.limit)
    }};
}

pub fn queue(conn: &mut DbConn, f: &QueueFilter) -> StoreResult<Vec<ReportRow>> {
    Ok(queue_query!(f, super::MultiBackend).load(conn)?)
}

pub struct TriageFilter {
    pub municipality_id: MunicipalityId,
    pub triage_categories: Vec<CategoryId>,
    pub after: Option<(NaiveDateTime, i64)>,
    pub limit: i64,
}

macro_rules! triage_query {
    ($f:expr, $db:ty) => {{
        let f: &TriageFilter = $f;
        let q = reports::table
            .select(ReportRow::as_select())
            .filter(reports::municipality_id.eq(f.municipality_id.clone()))
            .filter(reports::status.eq_any([Status::NotCompetent, Status::New]))
            .filter(
                reports::status
                    .eq(Status::NotCompetent)
                    .or(reports::office_id.is_null())
                    .or(reports::category_id.eq_any(f.triage_categories.clone())),
            )
            .into_boxed::<$db>();
        by_due_time!(q, f.after, f.limit)
    }};
}

/// The supervisor's triage inbox: reports handed back as not competent, reports
/// no office is competent for, and new reports in an "altro / non so" category.
pub fn triage(
    conn: &mut DbConn,
    municipality_id: &str,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> StoreResult<Vec<ReportRow>> {
    let triage_categories: Vec<CategoryId> = categories::table
        .filter(categories::municipality_id.eq(municipality_id))
        .filter(categories::triage.eq(true))
        .select(categories::id)
        .load(conn)?;
    let f = TriageFilter {
        municipality_id: municipality_id.into(),
        triage_categories,
        after,
        limit,
    };
    Ok(triage_query!(&f, super::MultiBackend).load(conn)?)
}

/// The query plans of the queue and triage queries (for the index tests).
pub fn explain(
    conn: &mut DbConn,
    f: &QueueFilter,
    t: &TriageFilter,
) -> StoreResult<Vec<Vec<String>>> {
    use super::explain::{ExplainPg, ExplainSqlite};
    Ok(match conn {
        DbConn::Sqlite(c) => vec![
            ExplainSqlite(queue_query!(f, diesel::sqlite::Sqlite))
                .load::<(i32, i32, i32, String)>(c)?
                .into_iter()
                .map(|r| r.3)
                .collect(),
            ExplainSqlite(triage_query!(t, diesel::sqlite::Sqlite))
                .load::<(i32, i32, i32, String)>(c)?
                .into_iter()
                .map(|r| r.3)
                .collect(),
        ],
        DbConn::Pg(c) => vec![
            ExplainPg(queue_query!(f, diesel::pg::Pg)).load::<String>(c)?,
            ExplainPg(triage_query!(t, diesel::pg::Pg)).load::<String>(c)?,
        ],
    })
}
