//! Running the comune from the console's API: offices, API keys, and the
//! audit log of every change, with who may do what.

use serde_json::{json, Value};

use segnala::domain::permissions::Role;

use crate::common::*;

/// The audit entries of `action`, newest first.
async fn audited(app: &TestApp, token: &str, action: &str) -> Vec<Value> {
    let (status, page) = app.get_as(token, "/api/v1/admin/audit?limit=200").await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

#[tokio::test]
async fn only_an_admin_changes_offices_and_only_in_their_own_comune() {
    let app = TestApp::pisa_and_bagno_a_ripoli().await;
    let admin = app.staff("admin-pisa", Role::Admin, &[]).await;
    let password = app.user("admin-br", Role::Admin, BAGNO_A_RIPOLI, &[]);
    let other_admin = app.login("admin-br", &password).await;
    let supervisor = app.staff("sup", Role::Supervisor, &[]).await;
    let office = app.staff("uff", Role::Office, &["manutenzioni"]).await;
    let urp = app.staff("urp", Role::Urp, &[]).await;

    let new = json!({"code": "mobilita", "name": "Mobilità e traffico", "kind": "internal", "email": "mobilita@comune.pisa.it"});
    for token in [&supervisor, &office, &urp] {
        let (status, body) = app.post_as(token, "/api/v1/admin/offices", &new).await;
        assert_eq!(status, 403, "{body}");
        let (status, _) = app.get_as(token, "/api/v1/admin/offices").await;
        assert_eq!(status, 403);
    }
    let (status, created) = app.post_as(&admin, "/api/v1/admin/offices", &new).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["load"],
        json!({"open_reports": 0, "categories": 0, "zones": 0})
    );
    let (status, again) = app.post_as(&admin, "/api/v1/admin/offices", &new).await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("office_exists"))
    );
    let (status, bad) = app
        .post_as(
            &admin,
            "/api/v1/admin/offices",
            &json!({"code": "x", "name": "X", "kind": "internal", "email": "not an email"}),
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(
        bad["error"]["details"][0]["field"], "email",
        "the staff form's field, not the citizen's"
    );

    // Bagno a Ripoli's admin neither sees nor touches Pisa's offices.
    let (status, _) = app
        .patch_as(
            &other_admin,
            "/api/v1/admin/offices/mobilita",
            &json!({"name": "Mia"}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post_as(
            &other_admin,
            "/api/v1/admin/offices/manutenzioni/deactivate",
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let (_, theirs) = app.get_as(&other_admin, "/api/v1/admin/offices").await;
    let codes: Vec<&str> = theirs
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["lavori-pubblici"]);

    // Renamed, with before and after in the audit log, which the supervisor
    // reads too (and office staff do not).
    let (status, renamed) = app
        .patch_as(
            &admin,
            "/api/v1/admin/offices/mobilita",
            &json!({"name": "Mobilità", "phone": "050 910111"}),
        )
        .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["phone"], "+39050910111");
    let entries = audited(&app, &supervisor, "office.updated").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["actor"], "admin-pisa");
    assert_eq!(entries[0]["target"], "mobilita");
    assert_eq!(entries[0]["before"]["name"], "Mobilità e traffico");
    assert_eq!(entries[0]["after"]["name"], "Mobilità");
    assert_eq!(audited(&app, &admin, "office.created").await.len(), 1);
    let (status, _) = app.get_as(&office, "/api/v1/admin/audit").await;
    assert_eq!(status, 403);
    let (_, theirs) = app.get_as(&other_admin, "/api/v1/admin/audit").await;
    assert_eq!(
        theirs["items"],
        json!([]),
        "another comune's log is not theirs"
    );
}

#[tokio::test]
async fn an_office_with_open_reports_is_deactivated_only_by_saying_who_takes_them() {
    let app = TestApp::pisa().await;
    let admin = app.staff("admin", Role::Admin, &[]).await;
    let filed = app.file("buche", PISA_CENTRE).await;
    let code = filed["code"].as_str().unwrap();
    let (status, _) = app
        .post_as(
            &admin,
            "/api/v1/admin/offices",
            &json!({"code": "strade-nord", "name": "Strade nord", "kind": "internal"}),
        )
        .await;
    assert_eq!(status, 201);

    // The list says what depends on the office before anyone tries.
    let (_, offices) = app.get_as(&admin, "/api/v1/admin/offices").await;
    let manutenzioni = offices
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "manutenzioni")
        .unwrap();
    assert_eq!(manutenzioni["load"]["open_reports"], 1, "{manutenzioni}");
    assert!(manutenzioni["load"]["categories"].as_i64().unwrap() > 0);

    let (status, refused) = app
        .post_as(
            &admin,
            "/api/v1/admin/offices/manutenzioni/deactivate",
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "office_in_use");
    assert_eq!(refused["error"]["details"]["open_reports"], 1);
    let (status, _) = app
        .post_as(
            &admin,
            "/api/v1/admin/offices/manutenzioni/deactivate",
            &json!({"move_to": "manutenzioni"}),
        )
        .await;
    assert_eq!(status, 422, "not to itself");

    let (status, done) = app
        .post_as(
            &admin,
            "/api/v1/admin/offices/manutenzioni/deactivate",
            &json!({"move_to": "strade-nord"}),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["office"]["active"], false);
    assert_eq!(done["moved"]["open_reports"], 1);

    // The open report is the new office's, back to `new` with a deadline;
    // and a new pothole goes there too.
    let supervisor = app.staff("sup", Role::Supervisor, &[]).await;
    let (_, moved) = app
        .get_as(&supervisor, &format!("/api/v1/staff/reports/{code}"))
        .await;
    assert_eq!(moved["office"]["code"], "strade-nord", "{moved}");
    assert_eq!(moved["status"], "new");
    let next = app.file("buche", PISA_CENTRE).await;
    assert_eq!(next["office"]["code"], "strade-nord", "{next}");

    let entry = &audited(&app, &admin, "office.deactivated").await[0];
    assert_eq!(entry["after"]["move_to"], "strade-nord");
    assert_eq!(entry["after"]["moved"]["open_reports"], 1);
    let (status, again) = app
        .post_as(
            &admin,
            "/api/v1/admin/offices/manutenzioni/deactivate",
            &json!({"move_to": "strade-nord"}),
        )
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("office_inactive"))
    );
}

#[tokio::test]
async fn a_webhook_secret_is_shown_once_and_never_listed() {
    let app = TestApp::pisa().await;
    let admin = app.staff("admin", Role::Admin, &[]).await;
    let path = "/api/v1/admin/offices/igiene-urbana";
    let (status, first) = app
        .patch_as(
            &admin,
            path,
            &json!({"webhook_url": "https://avr.example.it/segnala"}),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    let secret = first["webhook_secret"]
        .as_str()
        .expect("a first URL gets a secret")
        .to_string();
    let (_, second) = app
        .patch_as(
            &admin,
            path,
            &json!({"webhook_url": "https://avr.example.it/v2"}),
        )
        .await;
    assert!(
        second.get("webhook_secret").is_none(),
        "kept, not shown again: {second}"
    );
    let (status, rotated) = app
        .post_as(&admin, &format!("{path}/webhook-secret"), &json!({}))
        .await;
    assert_eq!(status, 200, "{rotated}");
    let new_secret = rotated["webhook_secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    let (_, list) = app.get_as(&admin, "/api/v1/admin/offices").await;
    let (_, log) = app.get_as(&admin, "/api/v1/admin/audit").await;
    for text in [list.to_string(), log.to_string()] {
        assert!(
            !text.contains(&secret) && !text.contains(new_secret),
            "{text}"
        );
    }
    let (status, _) = app
        .patch_as(&admin, path, &json!({"webhook_url": ""}))
        .await;
    assert_eq!(status, 200);
    let (status, none) = app
        .post_as(&admin, &format!("{path}/webhook-secret"), &json!({}))
        .await;
    assert_eq!(
        (status, none["error"]["code"].as_str()),
        (409, Some("no_webhook"))
    );
}

#[tokio::test]
async fn an_api_key_works_until_it_is_revoked_and_both_are_audited() {
    let app = TestApp::pisa().await;
    let admin = app.staff("admin", Role::Admin, &[]).await;
    let supervisor = app.staff("sup", Role::Supervisor, &[]).await;
    let (status, _) = app
        .post_as(
            &supervisor,
            "/api/v1/admin/api-keys",
            &json!({"name": "App"}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, issued) = app
        .post_as(
            &admin,
            "/api/v1/admin/api-keys",
            &json!({"name": "App del comune"}),
        )
        .await;
    assert_eq!(status, 201, "{issued}");
    let (id, key) = (
        issued["id"].as_str().unwrap(),
        issued["key"].as_str().unwrap(),
    );
    let post = |key: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/open311/v2/requests.json"))
                .form(&[
                    ("api_key", key.as_str()),
                    ("service_code", "buche"),
                    ("lat", "43.7230"),
                    ("long", "10.3966"),
                    ("description", "Buca"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(post(key.to_string()).await, 201);
    let (_, keys) = app.get_as(&admin, "/api/v1/admin/api-keys").await;
    assert!(!keys.to_string().contains(key), "the key is never listed");
    assert_eq!(keys[0]["name"], "App del comune");
    assert_eq!(
        app.delete_as(&admin, &format!("/api/v1/admin/api-keys/{id}"))
            .await,
        204
    );
    assert_eq!(post(key.to_string()).await, 403);
    assert_eq!(
        app.delete_as(&admin, &format!("/api/v1/admin/api-keys/{id}"))
            .await,
        404
    );
    assert_eq!(audited(&app, &admin, "api_key.issued").await.len(), 1);
    assert_eq!(
        audited(&app, &admin, "api_key.revoked").await[0]["target"],
        id
    );
}

#[tokio::test]
async fn account_changes_are_audited_without_passwords() {
    let app = TestApp::pisa().await;
    let admin = app.staff("admin", Role::Admin, &[]).await;
    let (status, user) = app
        .post_as(&admin, "/api/v1/admin/users", &json!({"username": "nuovo", "display_name": "Nuovo", "password": "lunga-password-1", "role": "office", "offices": ["verde"]}))
        .await;
    assert_eq!(status, 201, "{user}");
    let id = user["id"].as_str().unwrap();
    let (status, _) = app
        .patch_as(
            &admin,
            &format!("/api/v1/admin/users/{id}"),
            &json!({"role": "supervisor", "password": "altra-password-2"}),
        )
        .await;
    assert_eq!(status, 200);
    let updated = &audited(&app, &admin, "user.updated").await[0];
    assert_eq!(updated["before"]["role"], "office");
    assert_eq!(updated["after"]["role"], "supervisor");
    assert_eq!(updated["after"]["password_changed"], true);
    let (_, log) = app.get_as(&admin, "/api/v1/admin/audit").await;
    let text = log.to_string();
    assert!(
        !text.contains("password-") && !text.contains("argon2"),
        "{text}"
    );
    assert_eq!(
        audited(&app, &admin, "user.created").await[0]["after"]["offices"],
        json!(["verde"])
    );
}

/// A square of about 200 m around `(lat, lon)`, as GeoJSON.
fn square(lat: f64, lon: f64) -> Value {
    let d = 0.001;
    json!({"type": "Polygon", "coordinates": [[
        [lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]
    ]]})
}

/// Pisa's administrator adds the office `mobilita` and the category
/// `strisce` (to `manutenzioni`, 16 working hours to take in).
async fn add_mobilita_and_strisce(admin: &Staffer<'_>) {
    let office = json!({"code": "mobilita", "name": "Mobilità", "kind": "internal"});
    let (status, body) = admin.post("/api/v1/admin/offices", &office).await;
    assert_eq!(status, 201, "{body}");
    let (status, category) = admin
        .post(
            "/api/v1/admin/categories",
            &json!({"code": "strisce", "name_it": "Strisce pedonali sbiadite", "name_en": "Faded zebra crossings",
                    "office": "manutenzioni", "take_in_sla_hours": 16}),
        )
        .await;
    assert_eq!(status, 201, "{category}");
}

/// Draws the zone "Centro storico" around Pisa's centre (a Feature, as the
/// drawing tool sends it), sending `strisce` there to `mobilita`; the zone.
async fn draw_centro_storico(admin: &Staffer<'_>) -> Value {
    let (lat, lon) = PISA_CENTRE;
    let (status, zone) = admin
        .post(
            "/api/v1/admin/zones",
            &json!({"name": "Centro storico", "office": "mobilita", "category": "strisce",
                    "geometry": {"type": "Feature", "properties": {}, "geometry": square(lat, lon)}}),
        )
        .await;
    assert_eq!(status, 201, "{zone}");
    zone
}

/// Where a report of `strisce` at Pisa's centre would go.
fn strisce_preview() -> String {
    let (lat, lon) = PISA_CENTRE;
    format!("/api/v1/admin/routing/preview?lat={lat}&lon={lon}&category=strisce")
}

#[tokio::test]
async fn only_an_admin_adds_a_category() {
    let app = TestApp::pisa().await;
    let supervisor = app.supervisor("sup").await;
    let (status, _) = supervisor
        .post(
            "/api/v1/admin/categories",
            &json!({"code": "x", "name_it": "X", "name_en": "X"}),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_new_category_and_a_drawn_zone_route_a_citizens_report_as_the_preview_said() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    let supervisor = app.supervisor("sup").await;
    add_mobilita_and_strisce(&admin).await;

    // Before the zone: the category's office.
    let (status, before) = supervisor.get(&strisce_preview()).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["office"]["code"], "manutenzioni");
    assert_eq!(before["rule"]["rule"], "category_default");

    // A zone drawn around the point sends the category's reports to the new office.
    draw_centro_storico(&admin).await;
    let (status, after) = admin.get(&strisce_preview()).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["office"]["code"], "mobilita", "{after}");
    assert_eq!(after["rule"]["zone_name"], "Centro storico");
    assert_eq!(after["municipality_name"], "Pisa");

    // The citizen's report there goes where the preview said, with the
    // 16-working-hour deadline it showed (same calendar, same clock: the
    // same working hours, give or take the minutes between the two calls).
    let filed = app.file("strisce", PISA_CENTRE).await;
    assert_eq!(filed["office"]["code"], "mobilita", "{filed}");
    let shown =
        chrono::DateTime::parse_from_rfc3339(after["take_in_due_at"].as_str().unwrap()).unwrap();
    let got =
        chrono::DateTime::parse_from_rfc3339(filed["take_in_due_at"].as_str().unwrap()).unwrap();
    assert!(
        (got - shown).num_minutes().abs() <= 5,
        "preview {shown}, filed {got}"
    );
    // Elsewhere in Pisa, the category's office still.
    let elsewhere = app.file("strisce", (43.7100, 10.4000)).await;
    assert_eq!(elsewhere["office"]["code"], "manutenzioni");
}

#[tokio::test]
async fn a_zone_that_is_not_an_area_is_refused() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    add_mobilita_and_strisce(&admin).await;
    let (status, bad) = admin
        .post(
            "/api/v1/admin/zones",
            &json!({"name": "Linea", "office": "mobilita",
            "geometry": {"type": "LineString", "coordinates": [[10.0, 43.0], [10.1, 43.1]]}}),
        )
        .await;
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (422, Some("invalid_geometry"))
    );
}

#[tokio::test]
async fn a_point_in_another_comune_is_not_the_admins_to_preview() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    add_mobilita_and_strisce(&admin).await;
    let (status, outside) = admin
        .get("/api/v1/admin/routing/preview?lat=43.6761&lon=10.5555&category=strisce")
        .await;
    assert_eq!(status, 422, "{outside}");
}

#[tokio::test]
async fn only_an_admin_deletes_a_zone_and_the_category_routes_as_before_all_logged() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    let supervisor = app.supervisor("sup").await;
    add_mobilita_and_strisce(&admin).await;
    let zone = draw_centro_storico(&admin).await;
    let path = format!("/api/v1/admin/zones/{}", zone["id"].as_str().unwrap());
    assert_eq!(supervisor.delete(&path).await, 403);
    assert_eq!(admin.delete(&path).await, 204);
    let (_, restored) = admin.get(&strisce_preview()).await;
    assert_eq!(restored["office"]["code"], "manutenzioni");
    for action in ["category.created", "zone.created", "zone.deleted"] {
        assert_eq!(audited(&app, &admin, action).await.len(), 1, "{action}");
    }
}

#[tokio::test]
async fn calendar_and_holiday_changes_are_in_the_log() {
    let app = TestApp::pisa().await;
    let admin = app.staff("admin", Role::Admin, &[]).await;
    let (status, _) = app
        .send_as(
            reqwest::Method::PUT,
            &admin,
            "/api/v1/admin/calendar",
            Some(&json!({"reopen_days": 45})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post_as(
            &admin,
            "/api/v1/admin/holidays",
            &json!({"date": "2026-06-17", "name": "San Ranieri", "every_year": true}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        app.delete_as(&admin, "/api/v1/admin/holidays/2026-06-17?every_year=true")
            .await,
        204
    );
    assert_eq!(
        app.delete_as(&admin, "/api/v1/admin/holidays/2026-06-17?every_year=true")
            .await,
        404
    );
    let calendar = &audited(&app, &admin, "calendar.updated").await[0];
    assert_eq!(calendar["after"]["reopen_days"], 45);
    assert_ne!(calendar["before"]["reopen_days"], 45);
    assert_eq!(
        audited(&app, &admin, "holiday.added").await[0]["after"]["name"],
        "San Ranieri"
    );
    assert_eq!(
        audited(&app, &admin, "holiday.removed").await.len(),
        1,
        "the refused second removal is not logged"
    );
}

#[tokio::test]
async fn a_generated_password_is_shown_once_and_a_reset_ends_the_old_one() {
    let app = TestApp::pisa().await;
    let admin = app.staff("admin", Role::Admin, &[]).await;
    let (status, created) = app
        .post_as(
            &admin,
            "/api/v1/admin/users",
            &json!({"username": "sportello2", "display_name": "Sportello 2", "role": "urp"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["active"], true);
    let first = created["initial_password"]
        .as_str()
        .expect("generated")
        .to_string();
    let token = app.login("sportello2", &first).await;
    let (status, _) = app.get_as(&token, "/api/v1/auth/me").await;
    assert_eq!(status, 200);

    let id = created["id"].as_str().unwrap();
    let (status, reset) = app
        .post_as(
            &admin,
            &format!("/api/v1/admin/users/{id}/password"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{reset}");
    let second = reset["password"].as_str().unwrap();
    assert_ne!(second, first);
    let (status, _) = app.get_as(&token, "/api/v1/auth/me").await;
    assert_eq!(status, 401, "the old session ends");
    let (status, _) = app
        .post(
            "/api/v1/auth/login",
            &json!({"username": "sportello2", "password": first}),
        )
        .await;
    assert_eq!(status, 401);
    app.login("sportello2", second).await;
    let (_, log) = app.get_as(&admin, "/api/v1/admin/audit").await;
    assert!(!log.to_string().contains(second) && !log.to_string().contains(&first));
    assert_eq!(
        audited(&app, &admin, "user.password_reset").await[0]["target"],
        "sportello2"
    );

    let urp = app.staff("urp", Role::Urp, &[]).await;
    let (status, _) = app
        .post_as(
            &urp,
            &format!("/api/v1/admin/users/{id}/password"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 403);
}

/// A platform administrator's request to serve Bagno a Ripoli with a first
/// administrator `admin-br`.
fn serve_bagno_a_ripoli() -> Value {
    json!({"istat": BAGNO_A_RIPOLI, "starter": true, "urp_email": "urp@comune.bagno-a-ripoli.example",
           "admin": {"username": "admin-br", "display_name": "Amministratore Bagno a Ripoli"}})
}

/// Serves Bagno a Ripoli as the platform administrator `platform`; the 201 body.
async fn served_bagno_a_ripoli(platform: &Staffer<'_>) -> Value {
    let new = serve_bagno_a_ripoli();
    let (status, added) = platform.post("/api/v1/platform/municipalities", &new).await;
    assert_eq!(status, 201, "{added}");
    added
}

/// What the platform's search of the comuni finds for "bagno a ripoli".
async fn search_bagno_a_ripoli(platform: &Staffer<'_>) -> Value {
    let (status, found) = platform
        .get("/api/v1/platform/comuni?q=bagno%20a%20ripoli")
        .await;
    assert_eq!(status, 200, "{found}");
    found
}

#[tokio::test]
async fn a_comunes_administrator_does_not_serve_comuni() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    let (status, _) = admin
        .post("/api/v1/platform/municipalities", &serve_bagno_a_ripoli())
        .await;
    assert_eq!(status, 403, "a comune's admin is not the platform's");
    let (status, _) = admin.get("/api/v1/platform/comuni?q=bagno").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_bad_prefix_or_admin_username_is_refused_and_the_comune_stays_unserved() {
    let app = TestApp::pisa().await;
    let platform = app.platform("piattaforma").await;
    let found = search_bagno_a_ripoli(&platform).await;
    assert_eq!(found[0]["istat"], BAGNO_A_RIPOLI);
    assert_eq!(found[0]["served"], false);
    // A prefix codes cannot start with, an admin's username of the wrong
    // shape: refused, and nothing is served.
    let mut bad_prefix = serve_bagno_a_ripoli();
    bad_prefix["prefix"] = json!("B-R");
    let mut bad_username = serve_bagno_a_ripoli();
    bad_username["admin"]["username"] = json!("admin br");
    for (refused, code) in [
        (bad_prefix, "invalid_prefix"),
        (bad_username, "validation_failed"),
    ] {
        let (status, body) = platform
            .post("/api/v1/platform/municipalities", &refused)
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some(code)),
            "{body}"
        );
    }
    let found = search_bagno_a_ripoli(&platform).await;
    assert_eq!(found[0]["served"], false);
}

#[tokio::test]
async fn a_platform_administrator_serves_a_new_comune_with_its_first_administrator() {
    let app = TestApp::pisa().await;
    let platform = app.platform("piattaforma").await;
    let admin = app.admin("admin").await;
    let added = served_bagno_a_ripoli(&platform).await;
    assert_eq!(added["comune"]["name"], "Bagno a Ripoli");
    assert!(added["offices"].as_u64().unwrap() > 0, "{added}");
    let (status, again) = platform
        .post("/api/v1/platform/municipalities", &serve_bagno_a_ripoli())
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("municipality_exists"))
    );

    // Its administrator runs it, and only it.
    let password = added["admin_password"].as_str().unwrap();
    let br = app.login("admin-br", password).await;
    let (status, offices) = app.get_as(&br, "/api/v1/admin/offices").await;
    assert_eq!(status, 200);
    assert!(!offices.as_array().unwrap().is_empty());
    let (_, pisa_offices) = admin.get("/api/v1/admin/offices").await;
    for o in offices.as_array().unwrap() {
        assert!(!pisa_offices.as_array().unwrap().contains(o));
    }
    let created = &audited(&app, &br, "municipality.created").await[0];
    assert_eq!(created["actor"], "piattaforma");
    assert_eq!(created["after"]["admin"], "admin-br");
    let (_, pisa_log) = admin.get("/api/v1/admin/audit").await;
    assert!(!pisa_log.to_string().contains("municipality.created"));

    // And the platform administrator still runs their own comune.
    let (status, _) = platform.get("/api/v1/admin/offices").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn citizens_file_in_a_newly_served_comune_at_once_with_its_own_codes() {
    let app = TestApp::pisa().await;
    let platform = app.platform("piattaforma").await;
    let added = served_bagno_a_ripoli(&platform).await;
    let (status, cats) = app
        .get(&format!("/api/v1/categories?municipality={BAGNO_A_RIPOLI}"))
        .await;
    assert_eq!(status, 200);
    let category = cats["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["selectable"] == true && c["triage"] == false)
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let filed = app.file(&category, BAGNO_A_RIPOLI_CENTRE).await;
    let prefix = added["comune"]["code_prefix"].as_str().unwrap();
    assert!(
        filed["code"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{prefix}-")),
        "{filed}"
    );
}

#[tokio::test]
async fn a_comunes_administrator_cannot_make_a_platform_administrator() {
    let app = TestApp::pisa().await;
    let admin = app.staff("admin", Role::Admin, &[]).await;
    let (status, body) = app
        .post_as(
            &admin,
            "/api/v1/admin/users",
            &json!({"username": "io", "display_name": "Io", "role": "platform"}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (_, someone) = app
        .post_as(
            &admin,
            "/api/v1/admin/users",
            &json!({"username": "qualcuno", "display_name": "Qualcuno", "role": "urp"}),
        )
        .await;
    let other = someone["id"].as_str().unwrap();
    let (status, _) = app
        .patch_as(
            &admin,
            &format!("/api/v1/admin/users/{other}"),
            &json!({"role": "platform"}),
        )
        .await;
    assert_eq!(status, 403);
    let platform = app.staff("piattaforma", Role::Platform, &[]).await;
    // Nor take over one: no new password, no change of an existing one.
    let (_, list) = app.get_as(&admin, "/api/v1/admin/users").await;
    let theirs = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "piattaforma")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = app
        .post_as(
            &admin,
            &format!("/api/v1/admin/users/{theirs}/password"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .patch_as(
            &admin,
            &format!("/api/v1/admin/users/{theirs}"),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, made) = app
        .post_as(
            &platform,
            "/api/v1/admin/users",
            &json!({"username": "vice", "display_name": "Vice", "role": "platform"}),
        )
        .await;
    assert_eq!(status, 201, "{made}");
}

#[tokio::test]
async fn a_nul_character_anywhere_is_a_clear_refusal_on_every_backend() {
    let app = TestApp::pisa().await;
    let admin = app.staff("admin", Role::Admin, &[]).await;
    for body in [
        json!({"username": "nul1", "display_name": "Nul", "role": "office", "offices": ["\u{0}"]}),
        json!({"username": "nul2", "display_name": "Nul", "role": "urp", "email": "a\u{0}@example.it"}),
    ] {
        let (status, answer) = app.post_as(&admin, "/api/v1/admin/users", &body).await;
        assert_eq!(status, 422, "{answer}");
    }
    for path in [
        "/api/v1/admin/offices/a%00b",
        "/api/v1/admin/routing/preview?lat=43.72&lon=10.39&category=a%00",
    ] {
        let (status, answer) = app.get_as(&admin, path).await;
        assert!(status < 500, "{path}: {status} {answer}");
    }
    let (status, answer) = app
        .post_as(
            &admin,
            "/api/v1/admin/api-keys",
            &json!({"name": "k", "office": "a\u{0}"}),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    // A key with a NUL matches nothing, as on SQLite: filters find no
    // reports, lookups no such thing.
    let supervisor = app.staff("sup", Role::Supervisor, &[]).await;
    let (status, page) = app
        .get_as(
            &supervisor,
            "/api/v1/staff/reports?office=%00a&category=b%00",
        )
        .await;
    assert_eq!((status, page["items"].clone()), (200, json!([])), "{page}");
    let (status, _) = app.get("/api/v1/reports/PI-2026-%00").await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post(
            "/api/v1/auth/login",
            &json!({"username": "admin\u{0}", "password": "x"}),
        )
        .await;
    assert_eq!(status, 401);
}

/// The category `code` as the console lists it.
async fn listed_category(app: &TestApp, token: &str, code: &str) -> Value {
    let (status, list) = app.get_as(token, "/api/v1/admin/categories").await;
    assert_eq!(status, 200, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .cloned()
        .unwrap_or_else(|| panic!("{code} not listed: {list}"))
}

/// A new name, deadline and set of questions for `buche`.
fn buche_renamed() -> Value {
    json!({
        "name_it": "Buche e avvallamenti", "name_en": "Potholes and dips", "triage": false,
        "take_in_sla_hours": 16,
        "questions": [
            {"code": "profondita", "datatype": "singlevaluelist", "required": true,
             "description": "Quanto è profonda?", "values": [{"key": "poco", "name": "Pochi centimetri"}, {"key": "molto", "name": "Più di 10 cm"}]},
            {"code": "note_accesso", "datatype": "string", "description": "Come si raggiunge?"}
        ]
    })
}

/// Pisa's administrator renames `buche` and replaces its questions.
async fn rename_buche(admin: &Staffer<'_>) {
    let (status, body) = admin
        .patch("/api/v1/admin/categories/buche", &buche_renamed())
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_console_lists_a_categorys_fields_and_what_depends_on_it_to_supervisors() {
    let app = TestApp::pisa().await;
    let supervisor = app.supervisor("sup").await;
    let office = app.office("uff", &["manutenzioni"]).await;
    app.file("buche", PISA_CENTRE).await;
    let buche = listed_category(&app, &supervisor, "buche").await;
    assert_eq!(buche["open_reports"], 1, "{buche}");
    assert_eq!(buche["questions"][0]["code"], "pericolo");
    assert_eq!(
        buche["questions"][0]["values"][0],
        json!({"key": "si", "name": "Sì"})
    );
    assert!(
        buche["parent"].is_string(),
        "a subcategory names its group: {buche}"
    );
    let (status, _) = office.get("/api/v1/admin/categories").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn only_the_comunes_administrator_changes_its_categories() {
    let app = TestApp::pisa_and_bagno_a_ripoli().await;
    let supervisor = app.supervisor("sup").await;
    let office = app.office("uff", &["manutenzioni"]).await;
    let password = app.user("admin-br", Role::Admin, BAGNO_A_RIPOLI, &[]);
    let other_admin = app.signed_in(app.login("admin-br", &password).await);
    for staffer in [&supervisor, &office] {
        let (status, _) = staffer
            .patch("/api/v1/admin/categories/buche", &buche_renamed())
            .await;
        assert_eq!(status, 403);
    }
    let (status, _) = other_admin
        .patch("/api/v1/admin/categories/segnaletica", &buche_renamed())
        .await;
    assert_eq!(status, 404, "another comune's category is not found");
}

#[tokio::test]
async fn a_category_is_renamed_its_questions_replaced_and_the_log_keeps_before_and_after() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    rename_buche(&admin).await;
    let buche = listed_category(&app, &admin, "buche").await;
    assert_eq!(buche["name_it"], "Buche e avvallamenti");
    assert_eq!(buche["name_en"], "Potholes and dips");
    assert_eq!(buche["take_in_sla_hours"], 16);
    let codes: Vec<&str> = buche["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["profondita", "note_accesso"], "replaced, in order");

    let entry = &audited(&app, &admin, "category.updated").await[0];
    assert_eq!(entry["actor"], "admin");
    assert_eq!(entry["before"]["name_it"], "Buche e dissesti stradali");
    assert_eq!(entry["before"]["questions"][0]["code"], "pericolo");
    assert_eq!(entry["after"]["questions"][0]["code"], "profondita");
    assert_eq!(entry["after"]["take_in_sla_hours"], 16);
}

#[tokio::test]
async fn integrations_are_asked_a_categorys_new_questions() {
    let app = TestApp::pisa().await;
    rename_buche(&app.admin("admin").await).await;
    // The Open311 service definition.
    let (status, def) = app
        .get("/open311/v2/services/buche.json?jurisdiction_id=050026")
        .await;
    assert_eq!(status, 200, "{def}");
    assert_eq!(def["attributes"][0]["code"], "profondita", "{def}");
    assert_eq!(def["attributes"][0]["required"], true);
    assert_eq!(def["attributes"][1]["code"], "note_accesso");
}

#[tokio::test]
async fn each_wrong_question_or_value_is_named_under_its_field_and_nothing_changes() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    rename_buche(&admin).await;
    let renamed = listed_category(&app, &admin, "buche").await;
    let patch = |change: Value| {
        let admin = &admin;
        async move { admin.patch("/api/v1/admin/categories/buche", &change).await }
    };
    for (questions, code) in [
        (
            json!([{"code": "Lato", "datatype": "string", "description": "?"}]),
            "invalid_question",
        ),
        (
            json!([{"code": "lato", "datatype": "colore", "description": "?"}]),
            "invalid_question",
        ),
        (
            json!([{"code": "lato", "datatype": "singlevaluelist", "description": "Lato?"}]),
            "invalid_question",
        ),
        (
            json!([{"code": "a", "datatype": "string", "description": "A"}, {"code": "a", "datatype": "number", "description": "B"}]),
            "duplicate_question",
        ),
        // A code already asked keeps its type: its stored answers keep their meaning.
        (
            json!([{"code": "note_accesso", "datatype": "number", "description": "Quanti metri?"}]),
            "question_type_changed",
        ),
    ] {
        let (status, body) = patch(json!({"questions": questions})).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["details"][0]["code"], code, "{body}");
        assert_eq!(body["error"]["details"][0]["field"], "questions");
    }
    // Each number, and a blank name, is refused under its own field.
    for (change, field) in [
        (json!({"take_in_sla_hours": 0}), "take_in_sla_hours"),
        (
            json!({"resolution_target_days": 0}),
            "resolution_target_days",
        ),
        (json!({"name_it": "  "}), "name_it"),
    ] {
        let (status, body) = patch(change).await;
        assert_eq!(
            (status, body["error"]["details"][0]["field"].as_str()),
            (422, Some(field)),
            "{body}"
        );
    }
    let buche = listed_category(&app, &admin, "buche").await;
    assert_eq!(buche["questions"].as_array().unwrap().len(), 2);
    assert_eq!(buche, renamed);
}

#[tokio::test]
async fn a_category_is_deactivated_never_deleted_and_its_report_stays_listed() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    app.file("buche", PISA_CENTRE).await;
    let (status, _) = admin
        .patch("/api/v1/admin/categories/buche", &json!({"active": false}))
        .await;
    assert_eq!(status, 200);
    let buche = listed_category(&app, &admin, "buche").await;
    assert_eq!(
        (buche["active"].as_bool(), buche["open_reports"].as_i64()),
        (Some(false), Some(1))
    );
}

#[tokio::test]
async fn an_inactive_office_cannot_receive_a_category() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    let office = json!({"code": "vecchio", "name": "Vecchio", "kind": "internal"});
    let (status, _) = admin.post("/api/v1/admin/offices", &office).await;
    assert_eq!(status, 201);
    let (status, _) = admin
        .post("/api/v1/admin/offices/vecchio/deactivate", &json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, body) = admin
        .patch(
            "/api/v1/admin/categories/segnaletica",
            &json!({"office": "vecchio"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["details"][0]["code"].as_str()),
        (422, Some("unknown_office")),
        "{body}"
    );
}

/// The `segnala` command line on the app's database, given as one line:
/// words split at spaces, a 'quoted phrase' kept together (no other shell
/// syntax).
struct Cli<'a>(&'a TestApp);

impl Cli<'_> {
    /// Runs `line`; whether it succeeded and what it printed.
    fn try_run(&self, line: &str) -> (bool, String) {
        let mut words = Vec::new();
        for (i, part) in line.split('\'').enumerate() {
            if i % 2 == 1 {
                words.push(part);
            } else {
                words.extend(part.split_whitespace());
            }
        }
        run_cli(&self.0.config.database_url, &self.0.config.data_dir, &words)
    }

    /// Runs `line`, which must succeed; what it printed.
    fn run(&self, line: &str) -> String {
        let (ok, text) = self.try_run(line);
        assert!(ok, "segnala {line}: {text}");
        text
    }

    /// `line` for Pisa: `--municipality 050026` after the command's two words.
    fn pisa(line: &str) -> String {
        let mut words = line.splitn(3, ' ');
        let (noun, verb) = (words.next().unwrap(), words.next().unwrap());
        let rest = words.next().unwrap_or_default();
        format!("{noun} {verb} --municipality {PISA} {rest}")
    }

    /// Runs a command for Pisa (see [`Self::pisa`]), which must succeed.
    fn in_pisa(&self, line: &str) -> String {
        self.run(&Self::pisa(line))
    }

    /// Runs a command for Pisa that must fail; what it printed.
    fn refused_in_pisa(&self, line: &str) -> String {
        let (ok, text) = self.try_run(&Self::pisa(line));
        assert!(!ok, "segnala {line} succeeded: {text}");
        text
    }
}

/// The actions of Pisa's audit log, oldest first, each asserted to be the
/// command line's.
async fn actions_by_the_cli(admin: &Staffer<'_>) -> Vec<String> {
    let (status, page) = admin.get("/api/v1/admin/audit?limit=200").await;
    assert_eq!(status, 200);
    let mut actions: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|e| assert_eq!(e["actor"], "cli", "{e}"))
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    actions.reverse();
    actions
}

#[tokio::test]
async fn the_command_line_changes_the_comune_and_the_log_says_cli() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    let cli = Cli(&app);
    cli.in_pisa("office add --code mobilita --name Mobilità");
    cli.in_pisa("office update --code mobilita --email mobilita@comune.pisa.it");
    let hooked = cli.in_pisa("office webhook --code mobilita --url https://mobilita.example/hook");
    assert!(
        hooked.contains("secret: whsec_"),
        "a first webhook gets a secret, shown once: {hooked}"
    );
    cli.in_pisa(
        "category add --code strisce --name-it Strisce --name-en Crossings \
         --office mobilita --sla-hours 16",
    );
    cli.in_pisa("category update --code strisce --target-days 10");
    let listed = cli.in_pisa("category list");
    assert!(listed.contains("strisce"), "{listed}");
    let dir = tempdir::TempDir::new("zone");
    let zone_file = dir.path().join("zona.geojson");
    std::fs::write(&zone_file, square(PISA_CENTRE.0, PISA_CENTRE.1).to_string()).unwrap();
    let zone = cli.in_pisa(&format!(
        "zone add --name Duomo --office mobilita --geojson {}",
        zone_file.display()
    ));
    let zone_id = zone.split_whitespace().nth(1).unwrap();
    assert!(cli.in_pisa("zone list").contains("Duomo"));
    cli.in_pisa(&format!("zone remove --id {zone_id}"));
    cli.run(&format!(
        "user add --username mario --name 'Mario Rossi' --role urp --municipality {PISA}"
    ));
    cli.run("user disable --username mario");
    let issued = cli.in_pisa("apikey add --name Gestionale");
    let key_id = issued.split_whitespace().nth(2).unwrap();
    cli.run(&format!("apikey revoke {key_id}"));
    cli.run(&format!(
        "municipality holiday --istat {PISA} --date 2027-06-17 --name 'San Ranieri' --every-year"
    ));
    cli.in_pisa("office deactivate --code mobilita --move-to manutenzioni");

    assert_eq!(
        actions_by_the_cli(&admin).await,
        [
            "office.created",
            "office.updated",
            "office.updated",
            "category.created",
            "category.updated",
            "zone.created",
            "zone.deleted",
            "user.created",
            "user.updated",
            "api_key.issued",
            "api_key.revoked",
            "holiday.added",
            "office.deactivated",
        ]
    );
}

#[tokio::test]
async fn the_command_line_refuses_a_bad_value_with_the_consoles_code_and_logs_nothing() {
    let app = TestApp::pisa().await;
    let admin = app.admin("admin").await;
    let cli = Cli(&app);
    cli.in_pisa(
        "category add --code strisce --name-it Strisce --name-en Crossings --office manutenzioni",
    );
    let text = cli.refused_in_pisa("category update --code strisce --sla-hours 0");
    assert!(text.contains("out_of_range"), "{text}");
    let text = cli.refused_in_pisa("office deactivate --code nessuno");
    assert!(text.contains("office_not_found"), "{text}");
    assert_eq!(actions_by_the_cli(&admin).await, ["category.created"]);
}

/// Two administrators' changes to the catalog at once, each touching an
/// office and a category in the opposite order: on PostgreSQL the catalog's
/// version row (bumped by triggers after each statement) used to be locked
/// after the first row, so each held a row the other needed. Now the second
/// waits for the first at its start, and both land.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_catalog_changes_at_once_queue_and_both_land() {
    use segnala::app::admin::catalog::{self as admin_catalog, CategoryUpdate};
    use segnala::app::admin::offices::{self as admin_offices, OfficeUpdate};
    use segnala::app::admin::Admin;
    use std::sync::mpsc;

    let app = TestApp::pisa().await;
    let office = |name: &str| OfficeUpdate {
        name: Some(name.into()),
        ..Default::default()
    };
    let category = |name: &str| CategoryUpdate {
        name_it: Some(name.into()),
        ..Default::default()
    };
    let (first_in, started) = mpsc::channel::<()>();
    let (go_on, resume) = mpsc::channel::<()>();
    let store = app.store.clone();
    let first = std::thread::spawn(move || {
        let who = Admin::cli(segnala::demo::PISA_ISTAT);
        store.write(|c| {
            admin_offices::update(c, &who, "manutenzioni", office("Strade (A)"))?;
            first_in.send(()).unwrap();
            resume.recv().unwrap();
            admin_catalog::update_category(c, &who, "buche", category("Buche (A)"))?;
            Ok(())
        })
    });
    started.recv().unwrap();
    let store = app.store.clone();
    let second = std::thread::spawn(move || {
        let who = Admin::cli(segnala::demo::PISA_ISTAT);
        store.write(|c| {
            admin_catalog::update_category(c, &who, "buche", category("Buche (B)"))?;
            admin_offices::update(c, &who, "manutenzioni", office("Strade (B)"))?;
            Ok(())
        })
    });
    if backend() == segnala::store::Backend::Postgres {
        // The second is queued (on a lock) before the first goes on, so
        // the order that used to deadlock is the one that runs.
        let mut waited = false;
        for _ in 0..100 {
            if lock_waiters(&app.store) > 0 {
                waited = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(waited, "the second change never waited for the first");
    }
    go_on.send(()).unwrap();
    first.join().unwrap().expect("the first change");
    second.join().unwrap().expect("the second change");
    let (status, body) = app
        .get(&format!(
            "/api/v1/categories?municipality={}",
            segnala::demo::PISA_ISTAT
        ))
        .await;
    assert_eq!(status, 200);
    let text = body.to_string();
    assert!(text.contains("Buche (B)"), "{text}");
}

/// Sessions of this database waiting on a lock.
fn lock_waiters(store: &segnala::store::Store) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    store
        .read(|c| {
            let segnala::store::DbConn::Pg(pg) = c else {
                unreachable!()
            };
            use diesel::RunQueryDsl;
            let rows: Vec<Count> = diesel::sql_query(
                "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .load(pg)?;
            Ok(rows[0].n)
        })
        .unwrap()
}

/// The catalog's own rules (a code's shape, an office's kind, a webhook's
/// URL), checked before anything is stored, each under its field.
#[tokio::test]
async fn a_bad_code_kind_or_webhook_is_refused_under_its_field_and_nothing_is_stored() {
    let app = TestApp::pisa().await;
    let admin = app.staff("admin-pisa", Role::Admin, &[]).await;
    for (office, field, code) in [
        (
            json!({"code": "Parchi Urbani", "name": "Parchi", "kind": "internal"}),
            "code",
            "invalid_code",
        ),
        (
            json!({"code": "parchi", "name": "Parchi", "kind": "appalto"}),
            "kind",
            "invalid_kind",
        ),
    ] {
        let (status, body) = app.post_as(&admin, "/api/v1/admin/offices", &office).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(field_problems(&body), [format!("{field}/{code}")], "{body}");
    }
    let (_, offices) = app.get_as(&admin, "/api/v1/admin/offices").await;
    assert!(!offices.to_string().contains("Parchi"), "{offices}");

    let (status, body) = app
        .patch_as(
            &admin,
            "/api/v1/admin/offices/manutenzioni",
            &json!({"webhook_url": "ftp://ditta.example/hook"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(field_problems(&body), ["webhook_url/invalid_webhook"]);
    let (_, offices) = app.get_as(&admin, "/api/v1/admin/offices").await;
    assert!(!offices.to_string().contains("ftp://"), "{offices}");

    let category = json!({"code": "Buche Nuove", "name_it": "Buche", "name_en": "Potholes"});
    let (status, body) = app
        .post_as(&admin, "/api/v1/admin/categories", &category)
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(field_problems(&body), ["code/invalid_code"]);
}

/// The account rules (a username's shape; office staff need an office),
/// checked before anything is stored, each under its field; a change that
/// would leave office staff without an office is refused and changes nothing.
#[tokio::test]
async fn a_bad_username_or_an_officeless_office_account_is_refused_and_nothing_changes() {
    let app = TestApp::pisa().await;
    let admin = app.staff("admin", Role::Admin, &[]).await;
    let account = |username: &str, role: &str, offices: Value| json!({"username": username, "display_name": "Nuovo", "password": "lunga-password-1", "role": role, "offices": offices});
    for (refused, problem) in [
        (
            account("mario rossi", "urp", json!([])),
            "username/invalid_username",
        ),
        (account("mrossi", "office", json!([])), "offices/required"),
    ] {
        let (status, body) = app.post_as(&admin, "/api/v1/admin/users", &refused).await;
        assert_eq!(
            (status, field_problems(&body)),
            (422, vec![problem.to_string()]),
            "{body}"
        );
    }
    let (_, users) = app.get_as(&admin, "/api/v1/admin/users").await;
    assert!(!users.to_string().contains("rossi"), "{users}");

    let created = account("mrossi", "office", json!(["verde"]));
    let (status, user) = app.post_as(&admin, "/api/v1/admin/users", &created).await;
    assert_eq!(status, 201, "{user}");
    let path = format!("/api/v1/admin/users/{}", user["id"].as_str().unwrap());
    // In order: an office account cannot drop its offices; an URP one can,
    // and cannot then become office staff without one.
    for (change, answer, problems) in [
        (
            json!({"offices": [], "display_name": "Cambiato"}),
            422,
            vec!["offices/required"],
        ),
        (json!({"role": "urp", "offices": []}), 200, vec![]),
        (json!({"role": "office"}), 422, vec!["offices/required"]),
    ] {
        let (status, body) = app.patch_as(&admin, &path, &change).await;
        assert_eq!(
            (status, field_problems(&body)),
            (answer, problems.iter().map(|p| p.to_string()).collect()),
            "{change}: {body}"
        );
    }
    let (_, users) = app.get_as(&admin, "/api/v1/admin/users").await;
    let stored = users
        .as_array()
        .into_iter()
        .flatten()
        .chain(users["items"].as_array().into_iter().flatten())
        .find(|u| u["username"] == "mrossi")
        .cloned()
        .expect("the account");
    assert_eq!(
        (stored["role"].as_str(), stored["display_name"].as_str()),
        (Some("urp"), Some("Nuovo")),
        "{stored}"
    );
}

/// `field/code` of each field problem of an error answer.
fn field_problems(body: &Value) -> Vec<String> {
    body["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{}/{}",
                f["field"].as_str().unwrap(),
                f["code"].as_str().unwrap()
            )
        })
        .collect()
}
