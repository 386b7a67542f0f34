//! Filing a report: the point picks the comune, the category the office.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn a_point_in_pisa_centre_routes_to_pisa_and_its_office() {
    let app = TestApp::pisa().await;
    let created = app.file("buche", PISA_CENTRE).await;
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(created["code"], format!("PI-{year}-000001"));
    assert_eq!(created["municipality"], PISA);
    assert_eq!(created["status"], "new");
    assert_eq!(created["office"]["code"], "manutenzioni");
    assert_eq!(
        created["title"], "Buche e dissesti stradali",
        "title defaults to the category name"
    );
    assert!(created["take_in_due_at"].is_string());
    assert!(created["expected_resolution_at"].is_string());
    let token = created["tracking_token"].as_str().unwrap();
    assert!(token.len() >= 32);
    assert!(created["follow_up_url"]
        .as_str()
        .unwrap()
        .starts_with("http://segnala.test/segnalazioni/PI-"));

    // The public view: what the national model requires, and no personal data.
    let (status, public) = app
        .get(&format!(
            "/api/v1/reports/{}",
            created["code"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(public["status"], "new");
    assert_eq!(
        public["office"]["name"],
        "Manutenzione strade e infrastrutture"
    );
    assert!(public.get("expected_resolution_at").is_some() && public.get("taken_in_at").is_some());
    assert_no_personal_data(&public);
    let kinds: Vec<_> = public["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "routed"]);

    // With the token, the citizen sees their own data.
    let (status, own) = app
        .get(&format!(
            "/api/v1/reports/{}?token={token}",
            created["code"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(own["reporter"]["email"], "maria.bianchi@example.it");
    assert_eq!(own["reporter"]["phone"], "+393331234567");
    assert_eq!(own["reporter"]["contact"], "email");
    let (status, wrong) = app
        .get(&format!(
            "/api/v1/reports/{}?token=deadbeef",
            created["code"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (status, wrong["error"]["code"].as_str()),
        (403, Some("invalid_token"))
    );
}

#[tokio::test]
async fn a_point_in_cascina_is_refused_when_only_pisa_is_served() {
    let app = TestApp::pisa().await;
    let (status, body) = app
        .post("/api/v1/reports", &report("buche", CASCINA.0, CASCINA.1))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "outside_territory");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("Pisa"),
        "{body}"
    );
    assert_eq!(body["error"]["details"]["nearest"]["istat_code"], PISA);
    let (status, body) = app
        .get(&format!(
            "/api/v1/categories?lat={}&lon={}",
            CASCINA.0, CASCINA.1
        ))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("outside_territory"))
    );
}

#[tokio::test]
async fn with_two_comuni_each_point_goes_to_its_own_comune_and_offices() {
    let app = TestApp::pisa_and_bagno_a_ripoli().await;
    let pisa = app.file("buche", PISA_CENTRE).await;
    let bagno = app.file("buche", BAGNO_A_RIPOLI_CENTRE).await;
    assert_eq!(pisa["municipality"], PISA);
    assert_eq!(bagno["municipality"], BAGNO_A_RIPOLI);
    assert_eq!(pisa["office"]["code"], "manutenzioni");
    assert_eq!(bagno["office"]["code"], "lavori-pubblici");
    assert!(bagno["code"].as_str().unwrap().starts_with("BR-"));
    assert!(
        bagno["code"].as_str().unwrap().ends_with("-000001"),
        "codes count per comune"
    );

    // A category that exists only in the other comune.
    let (status, body) = app
        .post(
            "/api/v1/reports",
            &report("frane", PISA_CENTRE.0, PISA_CENTRE.1),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["error"]["details"][0]["code"],
        "category_not_in_municipality"
    );
    // Categories offered at each point.
    let (_, cats) = app
        .get(&format!(
            "/api/v1/categories?lat={}&lon={}",
            BAGNO_A_RIPOLI_CENTRE.0, BAGNO_A_RIPOLI_CENTRE.1
        ))
        .await;
    assert_eq!(cats["municipality"], BAGNO_A_RIPOLI);
    assert_eq!(cats["categories"].as_array().unwrap().len(), 2);
    let (status, list) = app.get("/api/v1/municipalities").await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn categories_are_checked() {
    let app = TestApp::pisa().await;
    let (status, body) = app
        .post(
            "/api/v1/reports",
            &report("nonexistent", PISA_CENTRE.0, PISA_CENTRE.1),
        )
        .await;
    assert_eq!(
        (status, body["error"]["details"][0]["code"].as_str()),
        (422, Some("unknown_category"))
    );
    let (status, body) = app
        .post(
            "/api/v1/reports",
            &report("strade", PISA_CENTRE.0, PISA_CENTRE.1),
        )
        .await;
    assert_eq!(
        (status, body["error"]["details"][0]["code"].as_str()),
        (422, Some("category_is_group"))
    );
    // Two levels, groups flagged as not selectable.
    let (_, cats) = app
        .get(&format!("/api/v1/categories?municipality={PISA}"))
        .await;
    let cats = cats["categories"].as_array().unwrap();
    assert!(cats.len() >= 8);
    let strade = cats.iter().find(|c| c["code"] == "strade").unwrap();
    assert_eq!(strade["selectable"], false);
    let buche = cats.iter().find(|c| c["code"] == "buche").unwrap();
    assert_eq!(
        (buche["parent"].as_str(), buche["selectable"].as_bool()),
        (Some("strade"), Some(true))
    );
    let (status, _) = app.get("/api/v1/categories?municipality=999999").await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/api/v1/categories").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn routing_zones_override_the_default_office_and_the_rule_is_recorded() {
    let app = TestApp::pisa().await;
    // Inside the San Rossore estate: green goes to the park, potholes do not.
    let park = (43.7200, 10.3100);
    let verde = app.file("verde", park).await;
    assert_eq!(verde["office"]["code"], "ente-parco");
    let buche = app.file("buche", park).await;
    assert_eq!(buche["office"]["code"], "manutenzioni");
    let centre = app.file("verde", PISA_CENTRE).await;
    assert_eq!(centre["office"]["code"], "verde");
    // A subcategory inherits its parent's office.
    let rifiuti = app.file("rifiuti-abbandonati", PISA_CENTRE).await;
    assert_eq!(rifiuti["office"]["code"], "igiene-urbana");

    let matched = app
        .store
        .read(|c| {
            let r = segnala::store::reports::by_code(c, verde["code"].as_str().unwrap())?.unwrap();
            Ok(segnala::store::events::timeline(c, r.id, true)?)
        })
        .unwrap();
    let routed = matched.iter().find(|e| e.kind == "routed").unwrap();
    let data: serde_json::Value = serde_json::from_str(routed.data.as_deref().unwrap()).unwrap();
    assert_eq!(data["matched"]["rule"], "zone");
    assert_eq!(data["matched"]["zone_name"], "Tenuta di San Rossore");
}

#[tokio::test]
async fn phone_only_and_anonymous_reports_are_accepted() {
    let app = TestApp::pisa().await;
    let (status, body) = app
        .post(
            "/api/v1/reports",
            &json!({"category": "illuminazione", "description": "Lampione spento", "lat": PISA_CENTRE.0, "lon": PISA_CENTRE.1,
                    "reporter": {"name": "Giuseppe Verdi", "phone": "+39 050 910111"}, "language": "en"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["title"], "Street lighting",
        "the default title follows the language"
    );
    let (_, own) = app
        .get(&format!(
            "/api/v1/reports/{}?token={}",
            body["code"].as_str().unwrap(),
            body["tracking_token"].as_str().unwrap()
        ))
        .await;
    assert_eq!(own["reporter"]["contact"], "phone");
    let (status, body) = app
        .post("/api/v1/reports", &json!({"category": "graffiti", "description": "Scritte sul muro", "lat": PISA_CENTRE.0, "lon": PISA_CENTRE.1}))
        .await;
    assert_eq!(status, 201, "{body}");
}

/// Intake runs filings' writes one after another (one writer on SQLite, one
/// batch at a time per instance on PostgreSQL): every statement a write
/// runs is paid by every filing queued behind it. A batch reads the
/// catalog's version once, and reads (and locks) the comune's code counter
/// and an address's rate-limit window once, counting on them in memory and
/// writing them once before its commit; each filing then writes the report,
/// its two events and the citizen's email — three statements. Everything it
/// reads comes before, outside, and once the catalog is cached that is one
/// statement (its version).
#[tokio::test]
async fn a_filing_writes_in_three_statements_and_reads_nothing() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use diesel::connection::{Instrumentation, InstrumentationEvent};
    use diesel::Connection;
    use segnala::app::reports::filing;
    use segnala::store::batch::Held;
    use segnala::store::naive;

    let app = TestApp::pisa().await;
    // The year's first report also creates the comune's counter.
    app.file("buche", PISA_CENTRE).await;
    let now = chrono::Utc::now();
    let valid = valid_at_centre("buche", Some("mario.rossi@example.org"), now);
    let links = app.config.links();
    let statements = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&statements);
    let seen = Arc::clone(&statements);
    let catalog = filing::filing_catalog();
    let hour = chrono::Duration::hours(1);
    let (reads, (first, second, end), code) = app
        .store
        .write(move |c| {
            filing::prepare(&catalog, c, PISA, &valid)?;
            c.set_instrumentation(move |e: InstrumentationEvent<'_>| {
                if matches!(e, InstrumentationEvent::StartQuery { .. }) {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
            });
            let mut since = {
                let mut last = seen.load(Ordering::SeqCst);
                move || {
                    let now = seen.load(Ordering::SeqCst);
                    now - std::mem::replace(&mut last, now)
                }
            };
            let prepared = filing::prepare(&catalog, c, PISA, &valid)?;
            let reads = since();
            let mut held = Held::read(c)?;
            since();
            // The batch's first filing also reads the counter, and makes the
            // address's window (a read, an insert, a read).
            filing::write(c, &mut held, prepared, &valid, citizen_filing(now), &links)?;
            assert_eq!(held.hit(c, "report:test", hour, naive(now))?.count, 1);
            let first = since();
            let prepared = filing::prepare(&catalog, c, PISA, &valid)?;
            since();
            let filed = filing::write(c, &mut held, prepared, &valid, citizen_filing(now), &links)?;
            assert_eq!(held.hit(c, "report:test", hour, naive(now))?.count, 2);
            let second = since();
            held.store(c)?;
            let end = since();
            c.set_instrumentation(
                Box::new(|_: InstrumentationEvent<'_>| {}) as Box<dyn Instrumentation>
            );
            Ok((reads, (first, second, end), filed.report.code))
        })
        .unwrap();
    assert_eq!(reads, 1, "a warm catalog reads its version only");
    assert_eq!(
        first, 7,
        "the first filing reads the counter and the window"
    );
    assert_eq!(
        second, 3,
        "the next writes the report, its events and its email"
    );
    assert_eq!(end, 2, "the counter and the window are written once");
    assert!(code.ends_with("-000003"), "{code}");
    // What was written is what the API shows.
    let (status, public) = app.get(&format!("/api/v1/reports/{code}")).await;
    assert_eq!(status, 200, "{public}");
    assert_eq!(public["office"]["code"], "manutenzioni");
    let key = format!("{code}:created:email");
    let mails: i64 = app
        .store
        .read(move |c| {
            use diesel::prelude::*;
            use segnala::store::schema::outbox;
            Ok(outbox::table
                .filter(outbox::dedupe_key.eq(key))
                .count()
                .get_result(c)?)
        })
        .unwrap();
    assert_eq!(mails, 1, "the citizen's email is queued with the report");
}

/// Filings read the catalog from a cache (`app::reports::filing`): every
/// change an admin makes is seen by the very next filing — a category's
/// office, a category withdrawn, a closure that moves the deadline.
#[tokio::test]
async fn a_catalog_change_is_seen_by_the_next_filing() {
    let app = TestApp::pisa().await;
    let admin = app
        .staff("admin", segnala::domain::permissions::Role::Admin, &[])
        .await;
    let before = app.file("segnaletica", PISA_CENTRE).await;
    assert_ne!(before["office"]["code"], "verde");

    let (status, body) = app
        .patch_as(
            &admin,
            "/api/v1/admin/categories/segnaletica",
            &json!({"office": "verde"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let after = app.file("segnaletica", PISA_CENTRE).await;
    assert_eq!(after["office"]["code"], "verde", "{after}");

    // Closing the offices on the deadline's day moves the deadline.
    let due = |r: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(r["take_in_due_at"].as_str().unwrap()).unwrap()
    };
    let day = due(&after).date_naive();
    let (status, body) = app
        .post_as(
            &admin,
            "/api/v1/admin/holidays",
            &json!({"date": day.to_string(), "name": "Chiusura uffici"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let closed = app.file("segnaletica", PISA_CENTRE).await;
    assert!(
        due(&closed) > due(&after),
        "{} then {}",
        due(&after),
        due(&closed)
    );

    let (status, _) = app
        .patch_as(
            &admin,
            "/api/v1/admin/categories/segnaletica",
            &json!({"active": false}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post(
            "/api/v1/reports",
            &report("segnaletica", PISA_CENTRE.0, PISA_CENTRE.1),
        )
        .await;
    assert_eq!(
        (status, body["error"]["details"][0]["code"].as_str()),
        (422, Some("unknown_category")),
        "{body}"
    );
}

/// A filing reads the catalog before its write waits its turn: a change an
/// admin commits in between (an office handed a category, a category
/// withdrawn) is what the write follows.
#[tokio::test]
async fn a_filing_prepared_before_a_catalog_change_follows_it() {
    use segnala::app::reports::filing;

    let app = TestApp::pisa().await;
    let admin = app
        .staff("admin", segnala::domain::permissions::Role::Admin, &[])
        .await;
    let now = chrono::Utc::now();
    let valid = valid_at_centre("segnaletica", None, now);
    let catalog = filing::filing_catalog();
    let links = app.config.links();
    let file = |prepared: filing::Prepared| {
        let (valid, links) = (valid.clone(), links.clone());
        app.store
            .write_batched(move |c, held| {
                filing::write(c, held, prepared, &valid, citizen_filing(now), &links)
            })
            .map(|f| f.office.map(|o| o.code))
    };
    let patch = |change: serde_json::Value| {
        let (app, admin) = (&app, &admin);
        async move {
            let (status, body) = app
                .patch_as(admin, "/api/v1/admin/categories/segnaletica", &change)
                .await;
            assert_eq!(status, 200, "{body}");
        }
    };

    let prepared = app
        .store
        .read(|c| filing::prepare(&catalog, c, PISA, &valid))
        .unwrap();
    assert_ne!(
        prepared.category().default_office_id,
        None,
        "the demo routes road signs"
    );
    patch(json!({"office": "verde"})).await;
    assert_eq!(file(prepared).unwrap().as_deref(), Some("verde"));

    let prepared = app
        .store
        .read(|c| filing::prepare(&catalog, c, PISA, &valid))
        .unwrap();
    patch(json!({"active": false})).await;
    match file(prepared) {
        Err(segnala::error::AppError::Validation(errors)) => {
            assert_eq!(errors[0].code, "unknown_category")
        }
        other => panic!("filed in a withdrawn category: {:?}", other.map(|_| ())),
    }
}

/// A citizen's report at Pisa's centre, validated, for the tests that call
/// `app::reports::filing` directly.
fn valid_at_centre(
    category: &str,
    email: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> segnala::domain::report::ValidReport {
    use segnala::domain::report::{validate_new_report, Filer, ReportDraft};
    let draft = ReportDraft {
        category: category.into(),
        description: Some("Segnalazione di prova".into()),
        lat: PISA_CENTRE.0,
        lon: PISA_CENTRE.1,
        reporter_email: email.map(Into::into),
        ..Default::default()
    };
    validate_new_report(&draft, Filer::Citizen, now).unwrap()
}

/// A citizen filing with a fresh tracking token.
fn citizen_filing(now: chrono::DateTime<chrono::Utc>) -> segnala::app::reports::Filing {
    let (token, token_hash) = segnala::store::reports::new_tracking_token();
    segnala::app::reports::Filing {
        token_hash,
        token,
        entered_by: None,
        actor: segnala::domain::report::Actor::citizen(),
        now,
        attributes: None,
        media_url: None,
    }
}
