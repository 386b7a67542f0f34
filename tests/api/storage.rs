//! Storage guarantees: SQLite PRAGMAs on pooled connections, and every hot
//! query served by an index on both backends (checked with EXPLAIN).

use chrono::Utc;
use diesel::prelude::*;
use segnala::domain::report::Status;
use segnala::store::explain::plan;
use segnala::store::queues::{self, QueueFilter, QueueScope, TriageFilter};
use segnala::store::reports::{hash_token, ListFilter};
use segnala::store::schema::reports;
use segnala::store::spatial::{explain_bbox, explain_nearby, Bbox};
use segnala::store::{Backend, DbConn};

use crate::common::*;

#[tokio::test]
async fn sqlite_connections_are_durable_and_safe() {
    if backend() != Backend::Sqlite {
        return;
    }
    let app = TestApp::empty().await;
    let pragmas = app.store.sqlite_pragmas().unwrap();
    let get = |name: &str| {
        pragmas
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("journal_mode"), "wal");
    assert_eq!(get("synchronous"), "2", "FULL");
    assert_eq!(get("foreign_keys"), "1");
    assert_eq!(get("busy_timeout"), "5000");
}

/// Fills the table enough for PostgreSQL's planner to take indexes seriously.
fn seed(app: &TestApp, n: usize) {
    let now = Utc::now().naive_utc();
    app.store
        .write(|c| {
            let (category, office): (String, Option<String>) =
                segnala::store::schema::categories::table
                    .filter(segnala::store::schema::categories::code.eq("buche"))
                    .select((
                        segnala::store::schema::categories::id,
                        segnala::store::schema::categories::default_office_id,
                    ))
                    .first(c)?;
            for i in 0..n {
                let status = Status::ALL[i % Status::ALL.len()].as_str();
                diesel::insert_into(reports::table)
                    .values((
                        reports::code.eq(format!("PI-1999-{i:06}")),
                        reports::municipality_id.eq(PISA),
                        reports::category_id.eq(&category),
                        reports::office_id.eq(&office),
                        reports::status.eq(status),
                        reports::title.eq("t"),
                        reports::description.eq("d"),
                        reports::lat.eq(43.60 + (i % 100) as f64 * 0.0015),
                        reports::lon.eq(10.30 + (i / 100) as f64 * 0.0015),
                        reports::channel.eq("web"),
                        reports::contact_preference.eq("none"),
                        reports::language.eq("it"),
                        reports::tracking_token_hash.eq(hash_token(&format!("t{i}"))),
                        reports::received_at.eq(now),
                        reports::created_at.eq(now),
                        reports::updated_at.eq(now),
                        reports::take_in_due_at.eq(Some(now)),
                        reports::escalation_level.eq(0),
                    ))
                    .execute(c)?;
            }
            Ok(())
        })
        .unwrap();
    app.store
        .read(|c| {
            use diesel::connection::SimpleConnection;
            c.batch_execute("ANALYZE")?;
            Ok(())
        })
        .unwrap();
}

fn assert_indexed(what: &str, lines: &[String]) {
    let text = lines.join("\n");
    match backend() {
        Backend::Sqlite => {
            // A full scan reads "SCAN reports" / "SCAN r" with no index named.
            for line in lines {
                let full_scan = (line.starts_with("SCAN reports") || line.starts_with("SCAN r"))
                    && !line.contains("USING")
                    && !line.contains("VIRTUAL TABLE");
                assert!(!full_scan, "{what}: full scan of reports:\n{text}");
            }
        }
        Backend::Postgres => assert!(
            !text.contains("Seq Scan on reports"),
            "{what}: sequential scan of reports:\n{text}"
        ),
    }
}

fn with_conn<T>(app: &TestApp, f: impl FnOnce(&mut DbConn) -> T) -> T {
    app.store
        .read(|c| {
            if let DbConn::Pg(pg) = c {
                use diesel::connection::SimpleConnection;
                // Ask whether an index *can* serve the query, not which plan is cheapest today.
                pg.batch_execute("SET enable_seqscan = off")?;
            }
            let out = f(c);
            if let DbConn::Pg(pg) = c {
                use diesel::connection::SimpleConnection;
                pg.batch_execute("RESET enable_seqscan")?;
            }
            Ok(out)
        })
        .unwrap()
}

#[tokio::test]
async fn hot_queries_are_served_by_indexes() {
    let app = TestApp::pisa().await;
    seed(&app, 3000);
    let by_code = with_conn(&app, |c| {
        plan(
            c,
            reports::table
                .filter(reports::code.eq("PI-1999-000042"))
                .select(reports::id),
        )
        .unwrap()
    });
    assert_indexed("lookup by code", &by_code);
    let hash = hash_token("t42");
    let by_token = with_conn(&app, |c| {
        plan(
            c,
            reports::table
                .filter(reports::tracking_token_hash.eq(&hash))
                .select(reports::id),
        )
        .unwrap()
    });
    assert_indexed("lookup by token", &by_token);
    let filter = ListFilter {
        bbox: Bbox {
            min_lon: 10.30,
            min_lat: 43.60,
            max_lon: 10.31,
            max_lat: 43.61,
        },
        statuses: vec![Status::New, Status::TakenIn],
        category_ids: None,
        before_id: Some(2500),
        limit: 51,
    };
    let bbox = with_conn(&app, |c| explain_bbox(c, &filter).unwrap());
    assert_indexed("bbox list", &bbox);
    // SQLite names the R*Tree by its alias `t` ("SCAN t VIRTUAL TABLE INDEX …").
    let spatial_index = if backend() == Backend::Sqlite {
        "VIRTUAL TABLE INDEX"
    } else {
        "reports_location"
    };
    assert!(
        bbox.join("\n").contains(spatial_index),
        "bbox list must use {spatial_index}:\n{}",
        bbox.join("\n")
    );
    let nearby = with_conn(&app, |c| explain_nearby(c, 43.65, 10.32, 200.0).unwrap());
    assert_indexed("nearby", &nearby);
    assert!(
        nearby.join("\n").contains(spatial_index),
        "nearby must use {spatial_index}:\n{}",
        nearby.join("\n")
    );

    let (office, _): (Option<String>, ()) = app
        .store
        .read(|c| {
            Ok((
                segnala::store::catalog::office_by_code(c, PISA, "manutenzioni")?.map(|o| o.id),
                (),
            ))
        })
        .unwrap();
    let queue = QueueFilter {
        scope: QueueScope::Offices(vec![office.unwrap()]),
        statuses: vec![Status::New, Status::TakenIn, Status::InProgress],
        category_ids: None,
        office_id: None,
        overdue_at: None,
        after: None,
        limit: 51,
    };
    let municipality_queue = QueueFilter {
        scope: QueueScope::Municipality(PISA.into()),
        ..queue.clone()
    };
    let triage = TriageFilter {
        municipality_id: PISA.into(),
        triage_categories: vec!["x".into()],
        after: None,
        limit: 51,
    };
    for (what, f) in [
        ("office queue", &queue),
        ("municipality queue", &municipality_queue),
    ] {
        let plans = with_conn(&app, |c| queues::explain(c, f, &triage).unwrap());
        assert_indexed(what, &plans[0]);
        assert_indexed("triage", &plans[1]);
    }

    let sweep = with_conn(&app, |c| {
        plan(
            c,
            segnala::store::escalations::due_query(Utc::now().naive_utc(), 500).select(reports::id),
        )
        .unwrap()
    });
    assert_indexed("escalation sweep", &sweep);
    let sweep_index = "reports_sweep";
    assert!(
        sweep.join("\n").contains(sweep_index),
        "the sweep must use {sweep_index}:\n{}",
        sweep.join("\n")
    );

    // And the answers agree with the data.
    let (_, page) = app.get("/api/v1/reports?bbox=10.30,43.60,10.3031,43.6031&status=new,taken_in,in_progress,resolved,closed,rejected,not_competent&limit=200").await;
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        9,
        "3×3 grid points"
    );
}
