//! The report timeline: an append-only log of every change, which is both what
//! the citizen sees (its public part) and the audit trail.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::report_events;
use super::DbConn;
use super::StoreResult;
use crate::domain::report::{Actor, EventKind, Status};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = report_events)]
pub struct EventRow {
    pub id: i64,
    pub report_id: i64,
    pub at: NaiveDateTime,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub public: bool,
    pub message: Option<String>,
    pub data: Option<String>,
}

/// One event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub report_id: i64,
    pub at: NaiveDateTime,
    pub actor: Actor,
    pub kind: EventKind,
    pub from: Option<Status>,
    pub to: Option<Status>,
    pub message: Option<String>,
    pub data: Option<serde_json::Value>,
    /// Overrides the kind's default visibility.
    pub public: Option<bool>,
}

impl NewEvent {
    pub fn new(report_id: i64, at: NaiveDateTime, actor: &Actor, kind: EventKind) -> Self {
        Self {
            report_id,
            at,
            actor: actor.clone(),
            kind,
            from: None,
            to: None,
            message: None,
            data: None,
            public: None,
        }
    }
    pub fn status(mut self, from: Option<Status>, to: Status) -> Self {
        self.from = from;
        self.to = Some(to);
        self
    }
    pub fn message(mut self, text: impl Into<String>) -> Self {
        self.message = Some(text.into());
        self
    }
    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(data);
        self
    }
    pub fn public(mut self, public: bool) -> Self {
        self.public = Some(public);
        self
    }
}

pub fn append(conn: &mut DbConn, e: NewEvent) -> StoreResult<()> {
    append_all(conn, [e])
}

/// A report's events in order; only the public ones unless `all`.
pub fn timeline(conn: &mut DbConn, report_id: i64, all: bool) -> StoreResult<Vec<EventRow>> {
    let mut query = report_events::table
        .filter(report_events::report_id.eq(report_id))
        .order(report_events::id)
        .select(EventRow::as_select())
        .into_boxed();
    if !all {
        query = query.filter(report_events::public.eq(true));
    }
    Ok(query.load(conn)?)
}

/// An event's row as written: each column equal to its value (a `None` is
/// NULL), which both backends insert many at a time in one statement.
type EventValues = (
    diesel::dsl::Eq<report_events::report_id, i64>,
    diesel::dsl::Eq<report_events::at, NaiveDateTime>,
    diesel::dsl::Eq<report_events::actor_kind, &'static str>,
    diesel::dsl::Eq<report_events::actor_id, Option<String>>,
    diesel::dsl::Eq<report_events::kind, &'static str>,
    diesel::dsl::Eq<report_events::from_status, Option<&'static str>>,
    diesel::dsl::Eq<report_events::to_status, Option<&'static str>>,
    diesel::dsl::Eq<report_events::public, bool>,
    diesel::dsl::Eq<report_events::message, Option<String>>,
    diesel::dsl::Eq<report_events::data, Option<String>>,
);

fn values(e: NewEvent) -> EventValues {
    (
        report_events::report_id.eq(e.report_id),
        report_events::at.eq(e.at),
        report_events::actor_kind.eq(e.actor.kind.as_str()),
        report_events::actor_id.eq(e.actor.id),
        report_events::kind.eq(e.kind.as_str()),
        report_events::from_status.eq(e.from.map(|s| s.as_str())),
        report_events::to_status.eq(e.to.map(|s| s.as_str())),
        report_events::public.eq(e.public.unwrap_or_else(|| e.kind.is_public())),
        report_events::message.eq(e.message),
        report_events::data.eq(e.data.map(|d| d.to_string())),
    )
}

/// Inserts rows of [`EventValues`] (a slice, or an array) in one statement.
macro_rules! insert_events {
    ($conn:expr, $rows:expr) => {
        match $conn {
            DbConn::Pg(c) => diesel::insert_into(report_events::table)
                .values($rows)
                .execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(report_events::table)
                .values($rows)
                .execute(c)?,
        }
    };
}

/// Appends several events, five hundred to a statement.
pub fn append_many(conn: &mut DbConn, events: Vec<NewEvent>) -> StoreResult<()> {
    let rows: Vec<EventValues> = events.into_iter().map(values).collect();
    for chunk in rows.chunks(500) {
        insert_events!(conn, chunk);
    }
    Ok(())
}

/// Appends a fixed number of events with one statement which, unlike a
/// list's, is prepared once per connection and not parsed again each time
/// (every filing appends two).
pub fn append_all<const N: usize>(conn: &mut DbConn, events: [NewEvent; N]) -> StoreResult<()> {
    insert_events!(conn, events.map(values));
    Ok(())
}

/// The latest public message of each report.
pub fn latest_public_messages(
    conn: &mut DbConn,
    report_ids: &[i64],
) -> StoreResult<std::collections::HashMap<i64, String>> {
    let rows: Vec<(i64, Option<String>)> = report_events::table
        .filter(report_events::report_id.eq_any(report_ids))
        .filter(report_events::public.eq(true))
        .filter(report_events::message.is_not_null())
        .order(report_events::id)
        .select((report_events::report_id, report_events::message))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, m)| Some((id, m?)))
        .collect())
}
