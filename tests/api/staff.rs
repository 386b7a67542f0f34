//! Staff: tokens, the role table over HTTP, URP on-behalf entry, office
//! workflow, supervisor triage, reassign, duplicates, statistics, audit.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use segnala::domain::permissions::Role;

use crate::common::*;

async fn code_of(app: &TestApp, category: &str) -> String {
    app.file(category, PISA_CENTRE).await["code"]
        .as_str()
        .unwrap()
        .to_string()
}

fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn bad_tokens_are_401() {
    let app = TestApp::pisa().await;
    let good = app.staff("sup", Role::Supervisor, &[]).await;
    let now = Utc::now().timestamp();
    let claims =
        |exp: i64| json!({"sub": "x", "ver": 0, "role": "supervisor", "iat": now, "exp": exp});
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
    };
    let mut tampered = good.clone();
    let dot = tampered.find('.').unwrap();
    tampered.replace_range(
        dot + 3..dot + 4,
        if &tampered[dot + 3..dot + 4] == "A" {
            "B"
        } else {
            "A"
        },
    );
    let wrong_key = segnala::auth::Keys::new(b"some-other-secret-some-other-secret", 600)
        .issue("x", "supervisor", 0, Utc::now())
        .unwrap();
    let keys = segnala::auth::Keys::from_config(&app.config).unwrap();
    let user_id = app.get_as(&good, "/api/v1/auth/me").await.1["id"]
        .as_str()
        .unwrap()
        .to_string();
    let expired = keys
        .issue(&user_id, "supervisor", 0, Utc::now() - Duration::hours(2))
        .unwrap();
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims(now + 600))
    );
    for (what, token) in [
        ("tampered", tampered),
        ("wrong key", wrong_key),
        ("expired", expired),
        ("alg none", alg_none),
        ("garbage", "abc".into()),
    ] {
        let (status, body) = app.get_as(&token, "/api/v1/staff/reports").await;
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(body["error"]["code"], "invalid_token", "{what}");
    }
    let (status, body) = app.get("/api/v1/staff/reports").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, _) = app.get_as(&good, "/api/v1/staff/reports").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn disabling_a_user_or_changing_a_password_ends_their_sessions() {
    let app = TestApp::pisa().await;
    let admin = app.staff("admin", Role::Admin, &[]).await;
    let pw = app.user("mario", Role::Office, PISA, &["manutenzioni"]);
    let token = app.login("mario", &pw).await;
    let id = app.get_as(&token, "/api/v1/auth/me").await.1["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{id}")))
        .bearer_auth(&admin)
        .json(&json!({"password": "a-brand-new-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        app.get_as(&token, "/api/v1/staff/reports").await.0,
        401,
        "old token after password change"
    );
    let token = app.login("mario", "a-brand-new-password").await;
    assert_eq!(app.get_as(&token, "/api/v1/staff/reports").await.0, 200);
    let resp = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{id}")))
        .bearer_auth(&admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        app.get_as(&token, "/api/v1/staff/reports").await.0,
        401,
        "token of a disabled user"
    );
    let (status, _) = app
        .post(
            "/api/v1/auth/login",
            &json!({"username": "mario", "password": "a-brand-new-password"}),
        )
        .await;
    assert_eq!(status, 401, "a disabled user cannot sign in");
    // Only admins administer.
    let sup = app.supervisor("sup").await;
    assert_eq!(sup.get("/api/v1/admin/users").await.0, 403);
    let (status, users) = app.get_as(&admin, "/api/v1/admin/users").await;
    assert_eq!((status, users.as_array().unwrap().len()), (200, 3));
}

#[tokio::test]
async fn an_office_sees_and_acts_only_on_its_own_reports() {
    let app = TestApp::pisa().await;
    let strade = app.office("strade", &["manutenzioni"]).await;
    let verde = app.office("verde", &["verde"]).await;
    let pothole = code_of(&app, "buche").await;
    let tree = code_of(&app, "verde").await;

    let (_, q) = strade.get("/api/v1/staff/reports").await;
    assert_eq!(codes(&q), vec![pothole.clone()]);
    let (_, q) = verde.get("/api/v1/staff/reports").await;
    assert_eq!(codes(&q), vec![tree.clone()]);
    // Another office's report does not exist for them: 404, not 403.
    let (status, body) = verde.get(&format!("/api/v1/staff/reports/{pothole}")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("report_not_found"))
    );
    let (status, _) = verde.transition(&pothole, json!({"to": "taken_in"})).await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post_as(
            &verde,
            &format!("/api/v1/reports/{pothole}/notes"),
            &json!({"text": "x"}),
        )
        .await;
    assert_eq!(status, 404);
    // Its own: take in with a public message and an internal note.
    let (status, body) = strade.transition(&pothole, json!({"to": "taken_in", "public_message": "Presa in carico", "internal_note": "squadra 3"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "taken_in");
    let (status, body) = strade.transition(&pothole, json!({"to": "new"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("transition_not_allowed"))
    );
    let (status, body) = strade.transition(&pothole, json!({"to": "rejected"})).await;
    assert_eq!(
        (status, body["error"]["details"][0]["field"].as_str()),
        (422, Some("reason"))
    );
    // Staff timeline has the note and its author; the public one does not.
    let (_, detail) = strade
        .get(&format!("/api/v1/staff/reports/{pothole}"))
        .await;
    let note = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "internal_note")
        .unwrap();
    assert_eq!(
        (
            note["message"].as_str(),
            note["actor_kind"].as_str(),
            note["public"].as_bool()
        ),
        (Some("squadra 3"), Some("user"), Some(false))
    );
    let (_, public) = app.get(&format!("/api/v1/reports/{pothole}")).await;
    assert!(!public.to_string().contains("squadra 3"));
    // Reading the citizen's data was recorded.
    assert!(detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "personal_data_viewed"));
    assert_eq!(detail["reporter"]["email"], "maria.bianchi@example.it");
    // Offices cannot see statistics, triage or re-route.
    assert_eq!(strade.get("/api/v1/stats/offices").await.0, 403);
    assert_eq!(strade.get("/api/v1/staff/triage").await.0, 403);
    let (status, _) = strade
        .reassign(&pothole, json!({"office": "verde", "reason": "x"}))
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn nobody_sees_another_comunes_reports() {
    let app = TestApp::pisa_and_bagno_a_ripoli().await;
    let pw = app.user("sup-br", Role::Supervisor, BAGNO_A_RIPOLI, &[]);
    let sup_br = app.signed_in(app.login("sup-br", &pw).await);
    let pisa_report = code_of(&app, "buche").await;
    let (status, _) = sup_br
        .get(&format!("/api/v1/staff/reports/{pisa_report}"))
        .await;
    assert_eq!(status, 404);
    let (status, _) = sup_br
        .transition(&pisa_report, json!({"to": "taken_in"}))
        .await;
    assert_eq!(status, 404);
    let (status, _) = sup_br
        .reassign(
            &pisa_report,
            json!({"office": "lavori-pubblici", "reason": "x"}),
        )
        .await;
    assert_eq!(status, 404);
    let (_, q) = sup_br.get("/api/v1/staff/reports").await;
    assert!(codes(&q).is_empty());
    // URP of Bagno a Ripoli cannot file in Pisa.
    let pw = app.user("urp-br", Role::Urp, BAGNO_A_RIPOLI, &[]);
    let urp_br = app.login("urp-br", &pw).await;
    let mut body = report("buche", PISA_CENTRE.0, PISA_CENTRE.1);
    body["channel"] = json!("phone");
    let (status, _) = app.post_as(&urp_br, "/api/v1/reports", &body).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn urp_files_on_behalf_of_a_citizen_with_only_a_phone() {
    let app = TestApp::pisa().await;
    let urp = app.signed_in(app.staff("urp", Role::Urp, &[]).await);
    let called = Utc::now() - Duration::hours(2);
    let body = json!({
        "category": "illuminazione", "description": "Lampione spento da tre giorni in via Buonarroti",
        "lat": PISA_CENTRE.0, "lon": PISA_CENTRE.1, "channel": "phone", "received_at": called,
        "reporter": {"name": "Anna Rossi", "phone": "050 123456"}
    });
    let (status, created) = app.post_as(&urp, "/api/v1/reports", &body).await;
    assert_eq!(status, 201, "{created}");
    let code = created["code"].as_str().unwrap();
    let (_, detail) = app
        .get_as(&urp, &format!("/api/v1/staff/reports/{code}"))
        .await;
    assert_eq!(detail["channel"], "phone");
    assert_eq!(detail["reporter"]["phone"], "+39050123456");
    assert_eq!(detail["reporter"]["contact"], "phone");
    let created_event = &detail["events"][0];
    assert_eq!(
        (
            created_event["kind"].as_str(),
            created_event["actor_kind"].as_str()
        ),
        (Some("created"), Some("user"))
    );
    // The clock runs from when the citizen called.
    let received: chrono::DateTime<Utc> =
        serde_json::from_value(detail["received_at"].clone()).unwrap();
    assert!((received - called).num_seconds().abs() <= 1);
    // Future or too old: 422.
    for (when, code) in [
        (Utc::now() + Duration::hours(1), "in_future"),
        (Utc::now() - Duration::days(8), "too_old"),
    ] {
        let mut b = body.clone();
        b["received_at"] = json!(when);
        let (status, err) = app.post_as(&urp, "/api/v1/reports", &b).await;
        assert_eq!(
            (status, err["error"]["details"][0]["code"].as_str()),
            (422, Some(code))
        );
    }
    // URP do not move office workflows.
    let (status, _) = urp.transition(code, json!({"to": "taken_in"})).await;
    assert_eq!(status, 403);
    // URP sees the whole municipality's queue.
    code_of(&app, "verde").await;
    let (_, q) = app.get_as(&urp, "/api/v1/staff/reports").await;
    assert_eq!(q["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn fossanos_day() {
    let app = TestApp::pisa().await;
    let urp = app.staff("urp", Role::Urp, &[]).await;
    let strade = app.office("strade", &["manutenzioni"]).await;
    let sup = app.supervisor("sup").await;
    // An elderly citizen phones: the URP enters the report with her phone only.
    let (status, created) = app
        .post_as(
            &urp,
            "/api/v1/reports",
            &json!({
                "category": "buche", "description": "Buca sul marciapiede davanti alla farmacia",
                "lat": PISA_CENTRE.0, "lon": PISA_CENTRE.1, "channel": "phone",
                "received_at": Utc::now() - Duration::minutes(10),
                "reporter": {"name": "Giovanna", "phone": "333 7654321"}
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let code = created["code"].as_str().unwrap();
    // The office sees it first in its queue, counting down.
    let (_, q) = strade.get("/api/v1/staff/reports").await;
    let item = &q["items"][0];
    assert_eq!(item["code"], code);
    assert!(item["seconds_to_due"].as_i64().unwrap() > 0 && item["overdue"] == false);
    for to in ["taken_in", "in_progress", "resolved"] {
        let (status, body) = strade
            .transition(
                code,
                json!({"to": to, "public_message": format!("stato: {to}")}),
            )
            .await;
        assert_eq!(status, 200, "{to}: {body}");
    }
    // The supervisor's statistics count it, within the deadline.
    let (status, stats) = sup.get("/api/v1/stats/offices").await;
    assert_eq!(status, 200, "{stats}");
    let strade_stats = stats["offices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["office"]["code"] == "manutenzioni")
        .unwrap();
    assert_eq!(
        (
            strade_stats["received"].as_u64(),
            strade_stats["taken_in"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(strade_stats["within_deadline_pct"].as_f64(), Some(100.0));
    assert!(strade_stats["median_take_in_hours"].as_f64().unwrap() < 1.0);
    assert_eq!(strade_stats["open_backlog"].as_u64(), Some(0));
    let resp = app
        .client
        .get(app.url("/api/v1/stats/offices?format=csv"))
        .bearer_auth(&sup.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = resp.text().await.unwrap();
    assert!(csv.starts_with("office_code,office_name,received"));
    assert!(
        csv.lines()
            .any(|l| l.starts_with("manutenzioni,Manutenzione strade e infrastrutture,1,1,1,100")),
        "{csv}"
    );
    let (status, _) = sup
        .get("/api/v1/stats/offices?from=2025-01-01&to=2026-06-01")
        .await;
    assert_eq!(status, 400, "more than 366 days");
}

#[tokio::test]
async fn not_competent_goes_to_triage_and_a_reassign_moves_it() {
    let app = TestApp::pisa().await;
    let strade = app.office("strade", &["manutenzioni"]).await;
    let verde = app.office("verde", &["verde"]).await;
    let sup = app.supervisor("sup").await;
    // A fallen branch filed as a pothole.
    let code = code_of(&app, "buche").await;
    let (status, _) = strade
        .transition(
            &code,
            json!({"to": "not_competent", "internal_note": "è un ramo caduto"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, q) = strade.get("/api/v1/staff/reports").await;
    assert!(codes(&q).is_empty(), "it left the office's queue");
    assert_eq!(
        strade.get(&format!("/api/v1/staff/reports/{code}")).await.0,
        404
    );
    // "Altro / non so" reports are in triage too.
    let other = code_of(&app, "altro").await;
    let (_, triage) = sup.get("/api/v1/staff/triage").await;
    let in_triage = codes(&triage);
    assert!(
        in_triage.contains(&code) && in_triage.contains(&other),
        "{triage}"
    );

    // An old deadline (a fresh one from now differs from it whatever the
    // day of the week: filed and reassigned on a Saturday, both would fall on
    // Monday's).
    app.store
        .write(|c| {
            use diesel::prelude::*;
            use segnala::store::schema::reports;
            diesel::update(reports::table.filter(reports::code.eq(&code)))
                .set(reports::take_in_due_at.eq(Some(Utc::now().naive_utc() - Duration::days(3))))
                .execute(c)?;
            Ok(())
        })
        .unwrap();
    let (_, before) = sup.get(&format!("/api/v1/staff/reports/{code}")).await;
    let (status, after) = sup
        .reassign(
            &code,
            json!({"category": "verde", "reason": "ramo caduto, non buca"}),
        )
        .await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(
        (
            after["status"].as_str(),
            after["office"]["code"].as_str(),
            after["category"]["code"].as_str()
        ),
        (Some("new"), Some("verde"), Some("verde"))
    );
    assert_ne!(
        before["take_in_due_at"], after["take_in_due_at"],
        "a fresh deadline"
    );
    let (_, q) = verde.get("/api/v1/staff/reports").await;
    assert_eq!(codes(&q), vec![code.clone()]);
    let (_, detail) = sup.get(&format!("/api/v1/staff/reports/{code}")).await;
    let moved = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "reassigned")
        .unwrap();
    assert_eq!(moved["data"]["to_category"], "verde");
    assert!(
        moved["data"]["from_office_id"].is_null(),
        "not competent had already left manutenzioni"
    );
    let handed = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["to_status"] == "not_competent")
        .unwrap();
    assert!(handed["data"]["from_office_id"].is_string());
    let (_, triage) = sup.get("/api/v1/staff/triage").await;
    assert!(!codes(&triage).contains(&code));
}

#[tokio::test]
async fn a_wrongly_categorised_report_leaves_the_first_office() {
    let app = TestApp::pisa().await;
    let strade = app.office("strade", &["manutenzioni"]).await;
    let sup = app.supervisor("sup").await;
    let code = code_of(&app, "buche").await;
    strade.take_in(&code).await;
    let (status, body) = sup
        .reassign(
            &code,
            json!({"office": "illuminazione", "reason": "è un lampione"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "new");
    assert_eq!(
        strade.get(&format!("/api/v1/staff/reports/{code}")).await.0,
        404
    );
    let (_, detail) = sup.get(&format!("/api/v1/staff/reports/{code}")).await;
    let moved = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "reassigned")
        .unwrap();
    assert!(
        moved["data"]["from_office_id"].is_string() && moved["data"]["to_office_id"].is_string()
    );
    assert_eq!(moved["message"], "è un lampione");
    let (status, body) = sup.reassign(&code, json!({"reason": "x"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("validation_failed"))
    );
}

#[tokio::test]
async fn duplicates_point_to_the_original() {
    let app = TestApp::pisa().await;
    let sup = app.supervisor("sup").await;
    let original = code_of(&app, "buche").await;
    let dup = code_of(&app, "buche").await;
    let (status, body) = app
        .post_as(
            &sup,
            &format!("/api/v1/reports/{dup}/duplicate"),
            &json!({"of": original}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["duplicate_of"].as_str()),
        (Some("rejected"), Some(original.as_str()))
    );
    let (_, public) = app.get(&format!("/api/v1/reports/{dup}")).await;
    assert!(
        public["timeline"].as_array().unwrap().last().unwrap()["message"]
            .as_str()
            .unwrap()
            .contains(&original)
    );
    let (status, _) = app
        .post_as(
            &sup,
            &format!("/api/v1/reports/{original}/duplicate"),
            &json!({"of": original}),
        )
        .await;
    assert_eq!(status, 422, "not of itself");
    let (status, body) = app
        .post_as(
            &sup,
            &format!("/api/v1/reports/{original}/duplicate"),
            &json!({"of": dup}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_duplicate")),
        "not of a duplicate"
    );
}

#[tokio::test]
async fn repeated_login_failures_lock_the_account() {
    let app = TestApp::pisa().await;
    let pw = app.user("mario", Role::Office, PISA, &["manutenzioni"]);
    for _ in 0..5 {
        let (status, body) = app
            .post(
                "/api/v1/auth/login",
                &json!({"username": "mario", "password": "wrong-password"}),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("invalid_credentials"))
        );
    }
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "mario", "password": pw}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        429,
        "locked even with the right password"
    );
    assert!(
        resp.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            > 0
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "account_locked");
    // Unknown users fail the same way.
    let (status, body) = app
        .post(
            "/api/v1/auth/login",
            &json!({"username": "nobody", "password": "whatever-123"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_credentials"))
    );
}

#[tokio::test]
async fn anonymous_reports_are_rate_limited_per_address() {
    let app = TestApp::pisa_with(|c| c.reports_per_ip_per_hour = 3).await;
    for _ in 0..3 {
        app.file("buche", PISA_CENTRE).await;
    }
    let resp = app
        .client
        .post(app.url("/api/v1/reports"))
        .json(&report("buche", PISA_CENTRE.0, PISA_CENTRE.1))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_reports");
    // Staff entering calls are not limited.
    let urp = app.staff("urp", Role::Urp, &[]).await;
    let mut b = report("buche", PISA_CENTRE.0, PISA_CENTRE.1);
    b["channel"] = json!("counter");
    assert_eq!(app.post_as(&urp, "/api/v1/reports", &b).await.0, 201);
}

#[tokio::test]
async fn retention_erases_personal_data_but_keeps_the_report() {
    let app = TestApp::pisa().await;
    let old = code_of(&app, "buche").await;
    let recent = code_of(&app, "buche").await;
    crate::listing::transition(&app, &old, &[segnala::domain::report::Status::Rejected]);
    // A year and a bit later, the old one is anonymised; the open one is not.
    let later = Utc::now() + Duration::days(366);
    let n = segnala::jobs::retention(&app.store, &app.config.data_dir, 365, later).unwrap();
    assert_eq!(n, 1);
    let rows = app
        .store
        .read(|c| {
            Ok((
                segnala::store::reports::by_code(c, &old)?.unwrap(),
                segnala::store::reports::by_code(c, &recent)?.unwrap(),
            ))
        })
        .unwrap();
    assert!(
        rows.0.reporter_name.is_none()
            && rows.0.reporter_email.is_none()
            && rows.0.reporter_phone.is_none()
    );
    assert!(rows.0.anonymised_at.is_some());
    assert_eq!(
        rows.0.description, rows.1.description,
        "the report itself stays"
    );
    assert!(rows.1.reporter_email.is_some());
    assert_eq!(
        segnala::jobs::retention(&app.store, &app.config.data_dir, 365, later).unwrap(),
        0,
        "idempotent"
    );
}

#[tokio::test]
async fn queues_are_ordered_by_deadline_and_paginated() {
    let app = TestApp::pisa().await;
    let sup = app.supervisor("sup").await;
    let urp = app.staff("urp", Role::Urp, &[]).await;
    // Filed oldest-call last: the queue follows the deadlines, not the filing order.
    let mut expected = Vec::new();
    for hours_ago in [1, 5, 3, 48] {
        let (_, created) = app
            .post_as(&urp, "/api/v1/reports", &json!({
                "category": "buche", "description": "x", "lat": PISA_CENTRE.0, "lon": PISA_CENTRE.1,
                "channel": "counter", "received_at": Utc::now() - Duration::hours(hours_ago)
            }))
            .await;
        expected.push((
            created["take_in_due_at"].as_str().unwrap().to_string(),
            created["code"].as_str().unwrap().to_string(),
        ));
    }
    // By deadline (on a weekend, calls of the same weekend share Monday's),
    // then in filing order.
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, c)| c).collect();
    let (_, first) = sup.get("/api/v1/staff/reports?limit=3").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = app
        .get_as(
            &sup,
            &format!("/api/v1/staff/reports?limit=3&cursor={cursor}"),
        )
        .await;
    assert_eq!([codes(&first), codes(&second)].concat(), expected);
    assert!(second["next_cursor"].is_null());
    let (_, filtered) = sup.get("/api/v1/staff/reports?office=verde").await;
    assert!(codes(&filtered).is_empty());
    let (_, by_office) = app
        .get_as(
            &sup,
            "/api/v1/staff/reports?office=manutenzioni&category=buche",
        )
        .await;
    assert_eq!(codes(&by_office).len(), 4);
}

#[tokio::test]
async fn public_message_templates_come_with_the_category() {
    let app = TestApp::pisa().await;
    let admin = app.staff("t-admin", Role::Admin, &[]).await;
    let office = app.office("t-strade", &["manutenzioni"]).await;
    let pothole = app.file("buche", PISA_CENTRE).await;
    let (status, detail) = app
        .get_as(
            &office,
            &format!(
                "/api/v1/staff/reports/{}",
                pothole["code"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(status, 200, "{detail}");
    let statuses: Vec<&str> = detail["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["taken_in", "in_progress", "resolved", "rejected"]
    );

    let patch = |body: Value| {
        app.client
            .patch(app.url("/api/v1/admin/categories/marciapiedi"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let bad = patch(json!({"message_templates": [
        {"status": "new", "label": "x", "text_it": "x", "text_en": "x"}
    ]}))
    .await
    .unwrap();
    assert_eq!(bad.status().as_u16(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["details"][0]["code"], "invalid_status");
    let ok = patch(json!({"message_templates": [
        {"status": "resolved", "label": "Riparato", "text_it": "  Marciapiede riparato. ", "text_en": "Pavement repaired."}
    ]}))
    .await
    .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    let pavement = app.file("marciapiedi", PISA_CENTRE).await;
    let (_, detail) = app
        .get_as(
            &office,
            &format!(
                "/api/v1/staff/reports/{}",
                pavement["code"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(detail["templates"][0]["text_it"], "Marciapiede riparato.");
}
