//! The take-in rule: deadlines on the municipal calendar, escalation exactly
//! once per level whatever runs, the supervisor's escalation inbox.

use std::sync::{Arc, Barrier};

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use segnala::app::sweeper;
use segnala::domain::calendar::{Calendar, DeadlineMode};
use segnala::domain::escalation::Policy;
use segnala::domain::permissions::Role;
use segnala::jobs::sweep;
use segnala::store::Store;

use crate::common::*;

const LEVEL2: Policy = Policy {
    level2_after_hours: Some(24),
};

/// Escalation events per report code.
fn escalations_of(app: &TestApp) -> Vec<(String, i64)> {
    app.store
        .read(|c| {
            use diesel::prelude::*;
            use segnala::store::schema::{report_events, reports};
            Ok(report_events::table
                .inner_join(reports::table)
                .filter(report_events::kind.eq("escalated"))
                .group_by(reports::code)
                .select((reports::code, diesel::dsl::count_star()))
                .load::<(String, i64)>(c)?)
        })
        .unwrap()
}

async fn file_many(app: &TestApp, n: usize) -> Vec<String> {
    let mut codes = Vec::new();
    for _ in 0..n {
        codes.push(
            app.file("buche", PISA_CENTRE).await["code"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    codes
}

/// Declares a closure on the next working day after today: whatever today
/// is, the 24 working hours of a report filed now run through it. The day.
async fn close_the_next_working_day(admin: &Staffer<'_>) -> chrono::NaiveDate {
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Rome)
        .date_naive();
    let tomorrow = today
        .iter_days()
        .skip(1)
        .find(|d| Calendar::italian_default().is_working_day(*d))
        .unwrap();
    let (status, cal) = admin
        .post(
            "/api/v1/admin/holidays",
            &json!({"date": tomorrow, "name": "Chiusura straordinaria"}),
        )
        .await;
    assert_eq!(status, 201, "{cal}");
    assert!(cal["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["name"] == "Chiusura straordinaria"));
    tomorrow
}

/// A timestamp field of a JSON answer.
fn at(body: &serde_json::Value, field: &str) -> DateTime<Utc> {
    serde_json::from_value(body[field].clone()).unwrap()
}

#[tokio::test]
async fn the_deadline_follows_the_municipal_calendar() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    let tomorrow = close_the_next_working_day(&admin).await;
    let created = app.file("buche", PISA_CENTRE).await;
    let (_, detail) = app
        .get_as(
            &admin_supervisor(&app).await,
            &format!(
                "/api/v1/staff/reports/{}",
                created["code"].as_str().unwrap()
            ),
        )
        .await;
    let received = at(&detail, "received_at");
    let due = at(&created, "take_in_due_at");
    let expected = Calendar::italian_default()
        .with_closures([tomorrow])
        .deadline(received, 24, DeadlineMode::WorkingDays);
    assert_eq!(due, expected);
    let without = Calendar::italian_default().deadline(received, 24, DeadlineMode::WorkingDays);
    assert!(due > without, "the closure moved the deadline");
}

#[tokio::test]
async fn a_category_in_business_hours_mode_counts_only_office_hours() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    let tomorrow = close_the_next_working_day(&admin).await;
    let (status, body) = admin
        .patch(
            "/api/v1/admin/categories/illuminazione",
            &json!({"deadline_mode": "business_hours", "take_in_sla_hours": 8}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let lamp = app.file("illuminazione", PISA_CENTRE).await;
    let expected = Calendar::italian_default()
        .with_closures([tomorrow])
        .deadline(at(&lamp, "created_at"), 8, DeadlineMode::BusinessHours);
    assert_eq!(at(&lamp, "take_in_due_at"), expected);
}

#[tokio::test]
async fn an_invalid_calendar_is_refused_and_a_valid_one_sticks() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    for invalid in [
        json!({"working_weekdays": []}),
        json!({"office_hours": "17:00-09:00"}),
        json!({"timezone": "Mars/Olympus"}),
    ] {
        let (status, body) = admin.put("/api/v1/admin/calendar", &invalid).await;
        assert_eq!(status, 422, "{invalid}: {body}");
    }
    let valid = json!({"working_weekdays": [1, 2, 3, 4, 5, 6]});
    let (status, body) = admin.put("/api/v1/admin/calendar", &valid).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["working_weekdays"], json!([1, 2, 3, 4, 5, 6]));
}

async fn admin_supervisor(app: &TestApp) -> String {
    app.staff(
        &format!("sup-{}", uuid::Uuid::new_v4().simple()),
        Role::Supervisor,
        &[],
    )
    .await
}

#[tokio::test]
async fn overdue_reports_are_escalated_exactly_once_per_level() {
    let app = TestApp::pisa().await;
    let strade = app.staff("strade", Role::Office, &["manutenzioni"]).await;
    let codes = file_many(&app, 6).await;
    // One is taken in before its deadline: it is never escalated.
    app.post_as(
        &strade,
        &format!("/api/v1/reports/{}/transitions", codes[0]),
        &json!({"to": "taken_in"}),
    )
    .await;

    // Nothing is due yet.
    assert_eq!(sweep(&app.store, Utc::now(), LEVEL2).unwrap().total(), 0);
    // A week later: level 1 then, 24 working hours later, level 2.
    let later = Utc::now() + Duration::days(7);
    let first = sweep(
        &app.store,
        later,
        Policy {
            level2_after_hours: None,
        },
    )
    .unwrap();
    assert_eq!((first.level1, first.level2), (5, 0));
    assert_eq!(
        sweep(
            &app.store,
            later,
            Policy {
                level2_after_hours: None
            }
        )
        .unwrap()
        .total(),
        0,
        "idempotent"
    );
    let counts = escalations_of(&app);
    assert_eq!(counts.len(), 5);
    assert!(counts.iter().all(|(code, n)| *n == 1 && *code != codes[0]));

    // The supervisor's inbox and the queue show it (by the real clock they are
    // not overdue yet, so check through the store at the later instant).
    let sup = admin_supervisor(&app).await;
    let (_, q) = app.get_as(&sup, "/api/v1/staff/reports?status=new").await;
    assert!(q["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["escalation_level"] == 1));

    // Level 2 with a policy that has it.
    let app2 = TestApp::pisa().await;
    file_many(&app2, 3).await;
    let o = sweep(&app2.store, Utc::now() + Duration::days(10), LEVEL2).unwrap();
    assert_eq!((o.level1, o.level2), (3, 3));
    assert!(escalations_of(&app2).iter().all(|(_, n)| *n == 2));
    assert_eq!(
        sweep(&app2.store, Utc::now() + Duration::days(30), LEVEL2)
            .unwrap()
            .total(),
        0
    );
}

#[tokio::test]
async fn the_escalation_inbox_lists_overdue_reports() {
    let app = TestApp::pisa().await;
    let urp = app.staff("urp", Role::Urp, &[]).await;
    let sup = admin_supervisor(&app).await;
    // Phoned in six days ago: overdue by now whatever the weekday.
    let (status, created) = app
        .post_as(&urp, "/api/v1/reports", &json!({
            "category": "buche", "description": "Buca", "lat": PISA_CENTRE.0, "lon": PISA_CENTRE.1,
            "channel": "phone", "received_at": Utc::now() - Duration::days(6), "reporter": {"phone": "333 1112223"}
        }))
        .await;
    assert_eq!(status, 201, "{created}");
    app.file("buche", PISA_CENTRE).await; // not overdue
    let o = sweep(
        &app.store,
        Utc::now(),
        Policy {
            level2_after_hours: None,
        },
    )
    .unwrap();
    assert_eq!(o.level1, 1);
    let (status, inbox) = app.get_as(&sup, "/api/v1/staff/escalations").await;
    assert_eq!(status, 200);
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["code"], created["code"]);
    assert_eq!(
        (
            items[0]["overdue"].as_bool(),
            items[0]["escalation_level"].as_i64()
        ),
        (Some(true), Some(1))
    );
    assert!(items[0]["seconds_to_due"].as_i64().unwrap() < 0);
    let office = app.staff("strade", Role::Office, &["manutenzioni"]).await;
    assert_eq!(
        app.get_as(&office, "/api/v1/staff/escalations").await.0,
        403
    );
}

fn second_store(app: &TestApp) -> Store {
    let s = Store::open(&app.config.database_url, 2).unwrap();
    s.migrate().unwrap();
    s
}

#[tokio::test]
async fn two_sweepers_racing_escalate_each_report_once() {
    let app = TestApp::pisa().await;
    const N: usize = 40;
    file_many(&app, N).await;
    let later = Utc::now() + Duration::days(7);
    // Two independent sweepers (own pools, as two processes would have).
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let store = second_store(&app);
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                sweep(
                    &store,
                    later,
                    Policy {
                        level2_after_hours: None,
                    },
                )
                .unwrap()
            })
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap().level1).sum();
    assert_eq!(total, N, "claims add up to N");
    let counts = escalations_of(&app);
    assert_eq!(counts.len(), N);
    assert!(counts.iter().all(|(_, n)| *n == 1), "{counts:?}");
}

#[tokio::test]
async fn a_sweeper_killed_half_way_leaves_nothing_half_done() {
    let app = TestApp::pisa().await;
    const N: usize = 30;
    file_many(&app, N).await;
    let later = Utc::now() + Duration::days(7);
    // A sweeper dies in the middle of its transaction (its process, and so its
    // connections, go away): nothing it did is kept.
    let doomed = second_store(&app);
    let crash = std::thread::spawn(move || {
        let _: segnala::error::AppResult<()> = doomed.write(|c| {
            let outcome = sweeper::escalate_due(
                c,
                later,
                Policy {
                    level2_after_hours: None,
                },
                500,
                None,
            )?;
            assert_eq!(outcome.level1, N);
            panic!("killed half-way");
        });
    });
    assert!(crash.join().is_err());
    assert!(
        escalations_of(&app).is_empty(),
        "the dead sweeper's work was rolled back"
    );
    let o = sweep(
        &app.store,
        later,
        Policy {
            level2_after_hours: None,
        },
    )
    .unwrap();
    assert_eq!(o.level1, N);
    assert!(escalations_of(&app).iter().all(|(_, n)| *n == 1));
    // And the report rows agree with the events.
    let levels = app
        .store
        .read(|c| {
            use diesel::prelude::*;
            use segnala::store::schema::reports;
            Ok(reports::table
                .select(reports::escalation_level)
                .load::<i32>(c)?)
        })
        .unwrap();
    assert!(levels.iter().all(|l| *l == 1));
}

#[tokio::test]
async fn the_sweep_command_escalates_at_a_given_instant() {
    let app = TestApp::pisa().await;
    file_many(&app, 3).await;
    let at = (Utc::now() + Duration::days(7)).to_rfc3339();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_segnala"))
            .args(["sweep", "--at", &at])
            .env("SEGNALA_DATABASE_URL", &app.config.database_url)
            .env("SEGNALA_DATA_DIR", &app.config.data_dir)
            .env("SEGNALA_ESCALATION_LEVEL2_HOURS", "0")
            .env("SEGNALA_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("3 report(s) escalated to level 1"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run();
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 report(s) escalated to level 1"));
}

#[tokio::test]
async fn a_patron_saint_is_a_holiday_every_year_and_a_closure_only_on_its_date() {
    use chrono::{Datelike, NaiveDate};
    let app = TestApp::pisa().await;
    let admin = app.staff("adm", Role::Admin, &[]).await;
    // The demo's San Ranieri is a yearly rule; add a second one and a one-off closure.
    let (status, view) = app
        .post_as(
            &admin,
            "/api/v1/admin/holidays",
            &json!({"date": "2026-01-31", "name": "Festa di prova", "every_year": true}),
        )
        .await;
    assert_eq!(status, 201, "{view}");
    let (status, _) = app
        .post_as(
            &admin,
            "/api/v1/admin/holidays",
            &json!({"date": "2027-03-02", "name": "Chiusura uffici"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = app
        .post_as(
            &admin,
            "/api/v1/admin/holidays",
            &json!({"date": "2027-03-02", "name": "x", "every_year": true, "reopened": true}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["details"][0]["field"].as_str()),
        (422, Some("every_year"))
    );
    let (_, view) = app.get_as(&admin, "/api/v1/admin/calendar").await;
    let annual: Vec<(String, String)> = view["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] == "annual")
        .map(|h| {
            (
                h["date"].as_str().unwrap().to_string(),
                h["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let year = Utc::now().year();
    for y in [year, year + 1] {
        assert!(
            annual.contains(&(format!("{y}-06-17"), "San Ranieri, patrono di Pisa".into())),
            "{annual:?}"
        );
        assert!(
            annual.contains(&(format!("{y}-01-31"), "Festa di prova".into())),
            "{annual:?}"
        );
    }
    // Deadlines honour both, in any year.
    let cal = app
        .store
        .read(|c| {
            Ok(segnala::store::municipalities::calendar(
                c,
                segnala::demo::PISA_ISTAT,
            )?)
        })
        .unwrap();
    for y in [2031, 2045] {
        assert!(
            cal.is_holiday(NaiveDate::from_ymd_opt(y, 6, 17).unwrap()),
            "{y}"
        );
        assert!(
            cal.is_holiday(NaiveDate::from_ymd_opt(y, 1, 31).unwrap()),
            "{y}"
        );
    }
    assert!(cal.is_holiday(NaiveDate::from_ymd_opt(2027, 3, 2).unwrap()));
    assert!(!cal.is_holiday(NaiveDate::from_ymd_opt(2028, 3, 2).unwrap()));
    // Removing the yearly rule by any of its dates.
    let resp = app
        .client
        .delete(app.url("/api/v1/admin/holidays/2040-01-31?every_year=true"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let cal = app
        .store
        .read(|c| {
            Ok(segnala::store::municipalities::calendar(
                c,
                segnala::demo::PISA_ISTAT,
            )?)
        })
        .unwrap();
    assert!(!cal.is_holiday(NaiveDate::from_ymd_opt(2031, 1, 31).unwrap()));
    assert!(cal.is_holiday(NaiveDate::from_ymd_opt(2031, 6, 17).unwrap()));
}
