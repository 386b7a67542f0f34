//! What an operator watches, read for `/metrics`: the outbox backlog, reports
//! past their take-in deadline, open and overdue callbacks. Each count is an
//! index range (outbox by state; reports and callbacks per comune by status
//! and due time), never a table scan.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use super::schema::{callbacks, municipalities, outbox, reports};
use super::StoreResult;
use super::{naive, utc, DbConn};
use crate::domain::report::Status;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// The served comuni (ISTAT codes).
    pub municipalities: Vec<String>,
    pub outbox_pending: Vec<(String, i64)>,
    pub outbox_dead: Vec<(String, i64)>,
    pub oldest_pending: Option<DateTime<Utc>>,
    /// Per comune: new reports past their take-in deadline.
    pub overdue: Vec<(String, i64)>,
    pub callbacks_open: Vec<(String, i64)>,
    pub callbacks_overdue: Vec<(String, i64)>,
}

fn outbox_by_kind(conn: &mut DbConn, state: &str) -> StoreResult<Vec<(String, i64)>> {
    Ok(outbox::table
        .filter(outbox::state.eq(state))
        .group_by(outbox::kind)
        .select((outbox::kind, count_star()))
        .load(conn)?)
}

pub fn snapshot(conn: &mut DbConn, now: DateTime<Utc>) -> StoreResult<Snapshot> {
    let now = naive(now);
    let served: Vec<String> = municipalities::table
        .select(municipalities::id)
        .order(municipalities::id)
        .load(conn)?;
    let oldest: Option<NaiveDateTime> = outbox::table
        .filter(outbox::state.eq("pending"))
        .select(min(outbox::created_at))
        .first(conn)?;
    let mut s = Snapshot {
        outbox_pending: outbox_by_kind(conn, "pending")?,
        outbox_dead: outbox_by_kind(conn, "dead")?,
        oldest_pending: oldest.map(utc),
        ..Default::default()
    };
    for m in &served {
        let overdue: i64 = reports::table
            .filter(reports::municipality_id.eq(m))
            .filter(reports::status.eq(Status::New))
            .filter(reports::take_in_due_at.lt(now))
            .select(count_star())
            .first(conn)?;
        let open = callbacks::table
            .filter(callbacks::municipality_id.eq(m))
            .filter(callbacks::state.eq(crate::domain::callbacks::CallbackState::Open));
        let callbacks_open: i64 = open.select(count_star()).first(conn)?;
        let callbacks_overdue: i64 = open
            .filter(callbacks::due_at.lt(now))
            .select(count_star())
            .first(conn)?;
        s.overdue.push((m.clone(), overdue));
        s.callbacks_open.push((m.clone(), callbacks_open));
        s.callbacks_overdue.push((m.clone(), callbacks_overdue));
    }
    s.municipalities = served;
    Ok(s)
}

/// Bytes on disk per table (its indexes included), largest first, and the
/// number of reports: what a year of reports costs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Footprint {
    pub tables: Vec<(String, i64)>,
    pub reports: i64,
}

impl Footprint {
    pub fn total(&self) -> i64 {
        self.tables.iter().map(|(_, b)| b).sum()
    }

    /// All tables' bytes over the number of reports.
    pub fn per_report(&self) -> Option<f64> {
        (self.reports > 0).then(|| self.total() as f64 / self.reports as f64)
    }
}

#[derive(QueryableByName)]
struct TableBytes {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    bytes: i64,
}

pub fn footprint(conn: &mut DbConn) -> StoreResult<Footprint> {
    let tables: Vec<TableBytes> = match conn {
        // dbstat: every b-tree's pages; indexes are counted with their table.
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT m.tbl_name AS name, CAST(SUM(d.pgsize) AS BIGINT) AS bytes \
             FROM dbstat d JOIN sqlite_master m ON m.name = d.name \
             GROUP BY m.tbl_name ORDER BY bytes DESC",
        )
        .load(c)?,
        DbConn::Pg(c) => diesel::sql_query(
            "SELECT c.relname::text AS name, pg_total_relation_size(c.oid)::bigint AS bytes \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY bytes DESC",
        )
        .load(c)?,
    };
    let reports: i64 = reports::table.select(count_star()).first(conn)?;
    Ok(Footprint {
        tables: tables.into_iter().map(|t| (t.name, t.bytes)).collect(),
        reports,
    })
}

/// The tables a backup is compared on.
pub const COUNTED_TABLES: &[&str] = &[
    "municipalities",
    "offices",
    "categories",
    "users",
    "reports",
    "report_events",
    "attachments",
    "outbox",
    "callbacks",
];

/// Rows per table of [`COUNTED_TABLES`].
pub fn row_counts(conn: &mut DbConn) -> StoreResult<Vec<(String, i64)>> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    COUNTED_TABLES
        .iter()
        .map(|table| {
            let n = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                .get_result::<N>(conn)?
                .n;
            Ok((table.to_string(), n))
        })
        .collect()
}
