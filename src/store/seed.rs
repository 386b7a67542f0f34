//! BENCHMARK-ONLY, BACKEND-SPECIFIC: fills `reports` with many synthetic rows
//! in bulk (a recursive CTE on SQLite, `generate_series` on PostgreSQL), and
//! makes some of them overdue. Never used by the service itself.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::schema::{categories, reports};
use super::DbConn;
use super::{StoreError, StoreResult};

/// Inserts `count` reports for `municipality_id` (ids after the current
/// maximum), spread over Pisa, 40% still `new` with a deadline a week ahead:
/// none is due.
pub fn reports(conn: &mut DbConn, municipality_id: &str, count: i64) -> StoreResult<()> {
    let (category, office): (String, Option<String>) = categories::table
        .filter(categories::municipality_id.eq(municipality_id))
        .filter(categories::code.eq("buche"))
        .select((categories::id, categories::default_office_id))
        .first(conn)?;
    let office = office.ok_or_else(|| StoreError::internal("the bench category has no office"))?;
    let start: i64 = reports::table
        .select(diesel::dsl::max(reports::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0);
    let q = |s: &str| s.replace('\'', "''");
    let (m, category, office) = (q(municipality_id), q(&category), q(&office));
    let chunk = 100_000;
    let mut done = 0;
    while done < count {
        let n = chunk.min(count - done);
        let from = start + done + 1;
        let to = from + n - 1;
        // What differs between the backends: how the ids are generated, how
        // the transaction is opened, and how "now" is written.
        let (head, series, tail, day_ago, week_ahead, next_at) = match conn {
            DbConn::Sqlite(_) => (
                format!(
                    "BEGIN IMMEDIATE;
                     WITH RECURSIVE seq(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM seq WHERE i < {to})"
                ),
                "seq".to_string(),
                "COMMIT;",
                "strftime('%Y-%m-%d %H:%M:%S', 'now', '-1 day')",
                "strftime('%Y-%m-%d %H:%M:%S', 'now', '+7 days')",
                "strftime('%Y-%m-%d %H:%M:%S', 'now', '+7 days')",
            ),
            DbConn::Pg(_) => (
                String::new(),
                format!("generate_series({from}::bigint, {to}::bigint) AS i"),
                "",
                "now() - interval '1 day'",
                "now() + interval '7 days'",
                "(now() at time zone 'utc') + interval '7 days'",
            ),
        };
        let sql = format!(
            "{head}
             INSERT INTO reports (id, code, municipality_id, category_id, office_id, status, title, description,
                 lat, lon, channel, contact_preference, language, tracking_token_hash, received_at, created_at,
                 updated_at, take_in_due_at, escalation_level, next_escalation_at)
             SELECT i, 'BN-' || i, '{m}', '{category}', '{office}',
                 CASE WHEN i % 5 < 2 THEN 'new' WHEN i % 5 = 2 THEN 'taken_in' ELSE 'closed' END,
                 'Segnalazione di prova', 'Generata per il benchmark',
                 43.66 + (i % 1000) * 0.00008, 10.36 + ((i / 1000) % 1000) * 0.00008,
                 'web', 'none', 'it', 'bench-' || i,
                 {day_ago}, {day_ago}, {day_ago}, {week_ahead}, 0,
                 CASE WHEN i % 5 < 2 THEN {next_at} END
             FROM {series};
             {tail}"
        );
        conn.batch_execute(&sql)?;
        done += n;
    }
    match conn {
        DbConn::Sqlite(c) => c.batch_execute("ANALYZE")?,
        DbConn::Pg(c) => c.batch_execute(&format!(
            "SELECT setval(pg_get_serial_sequence('reports', 'id'), {}); ANALYZE reports;",
            start + count
        ))?,
    }
    Ok(())
}

/// Makes `count` of the `new` reports overdue by an hour at `now`.
pub fn make_overdue(
    conn: &mut DbConn,
    count: i64,
    now: chrono::NaiveDateTime,
) -> StoreResult<usize> {
    let ids: Vec<i64> = reports::table
        .filter(reports::status.eq("new"))
        .filter(reports::escalation_level.eq(0))
        .select(reports::id)
        .limit(count)
        .load(conn)?;
    let past = now - chrono::Duration::hours(1);
    let mut changed = 0;
    for chunk in ids.chunks(5_000) {
        changed += diesel::update(reports::table.filter(reports::id.eq_any(chunk)))
            .set((
                reports::take_in_due_at.eq(Some(past)),
                reports::next_escalation_at.eq(Some(past)),
            ))
            .execute(conn)?;
    }
    Ok(changed)
}
