//! Snapshots of what clients receive (insta): a public report, the same
//! report as staff see it, an Open311 request in JSON and in XML, and the
//! error envelope. A change to any of them shows up as a diff to review
//! (`cargo insta review`, or `INSTA_UPDATE=always` and `git diff`), not as a
//! surprise to the apps that read them. Times, dates, ids, tokens and the
//! year in report codes are replaced by placeholders; the rest is exact, on
//! both backends.

use insta::assert_snapshot;
use serde_json::{json, Value};

use segnala::domain::permissions::Role;

use crate::common::*;

/// Volatile values, as placeholders.
fn stable<T>(run: impl FnOnce() -> T) -> T {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
        "[time]",
    );
    settings.add_filter(r"\b\d{4}-\d{2}-\d{2}\b", "[date]");
    settings.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[uuid]",
    );
    settings.add_filter(r"\b[0-9a-f]{48}\b", "[token]");
    settings.add_filter(r"\bPI-\d{4}-", "PI-[year]-");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(run)
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

/// A report with every part a view shows: a reporter, an address, a
/// status change with a public message and an internal note.
async fn a_worked_report(app: &TestApp) -> String {
    let (status, created) = app
        .post(
            "/api/v1/reports",
            &json!({
                "category": "buche", "title": "Buca in via Santa Maria",
                "description": "Buca profonda davanti al civico 12, pericolosa per le bici.",
                "lat": PISA_CENTRE.0, "lon": PISA_CENTRE.1, "address": "Via Santa Maria 12",
                "reporter": {"name": "Maria Rossi", "email": "maria.rossi@example.org"},
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let code = created["code"].as_str().unwrap().to_string();
    let office = app
        .staff("uff-strade", Role::Office, &["manutenzioni"])
        .await;
    let (status, body) = app
        .post_as(
            &office,
            &format!("/api/v1/reports/{code}/transitions"),
            &json!({"to": "taken_in", "public_message": "Interverremo entro la settimana.",
                    "internal_note": "Squadra B"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    code
}

#[tokio::test]
async fn a_report_as_the_public_and_as_staff_see_it() {
    let app = TestApp::pisa().await;
    let code = a_worked_report(&app).await;
    let (status, public) = app.get(&format!("/api/v1/reports/{code}")).await;
    assert_eq!(status, 200);
    let supervisor = app.staff("sup", Role::Supervisor, &[]).await;
    let (status, staff) = app
        .get_as(&supervisor, &format!("/api/v1/staff/reports/{code}"))
        .await;
    assert_eq!(status, 200, "{staff}");
    stable(|| {
        assert_snapshot!("public_report", pretty(&public));
        assert_snapshot!("staff_report", pretty(&staff));
    });
}

#[tokio::test]
async fn an_open311_request_in_json_and_in_xml() {
    let app = TestApp::pisa().await;
    let code = a_worked_report(&app).await;
    let text = |format: &'static str| {
        let url = app.url(&format!("/open311/v2/requests/{code}.{format}"));
        let request = app.client.get(url);
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let (json, xml) = (text("json").await, text("xml").await);
    let json: Value = serde_json::from_str(&json).unwrap();
    stable(|| {
        assert_snapshot!("open311_request_json", pretty(&json));
        assert_snapshot!("open311_request_xml", xml);
    });
}

#[tokio::test]
async fn the_error_envelope() {
    let app = TestApp::pisa().await;
    let (status, missing) = app.get("/api/v1/reports/PI-2026-999999").await;
    assert_eq!(status, 404);
    let (status, invalid) = app
        .post(
            "/api/v1/reports",
            &json!({"category": "buche", "description": "", "lat": 91, "lon": 10.4}),
        )
        .await;
    assert_eq!(status, 422);
    stable(|| {
        assert_snapshot!("error_not_found", pretty(&missing));
        assert_snapshot!("error_validation", pretty(&invalid));
    });
}
