//! Bad input: always a 4xx with the error envelope and a stable code, never a
//! 500, and nothing stored.

use serde_json::{json, Value};

use crate::common::*;

async fn raw(app: &TestApp, content_type: Option<&str>, body: Vec<u8>) -> (u16, Value) {
    let mut req = app.client.post(app.url("/api/v1/reports")).body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn with(field: &str, value: Value) -> Value {
    let mut body = report("buche", PISA_CENTRE.0, PISA_CENTRE.1);
    let mut target = &mut body;
    let parts: Vec<&str> = field.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        target = target.get_mut(*p).unwrap();
    }
    target[parts[parts.len() - 1]] = value;
    body
}

/// Each case is refused with its status and code and a message.
fn assert_refused(cases: Vec<(&str, (u16, Value), u16, &str)>) {
    for (what, (status, body), want_status, want_code) in cases {
        assert_eq!(status, want_status, "{what}: {body}");
        assert_eq!(body["error"]["code"], want_code, "{what}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}: {body}"
        );
    }
}

/// Nothing was stored: the map is empty and the next report is number 1.
async fn assert_nothing_stored(app: &TestApp) {
    let (_, page) = app.get("/api/v1/reports?bbox=10,43,12,44").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    let created = app.file("buche", PISA_CENTRE).await;
    assert!(
        created["code"].as_str().unwrap().ends_with("-000001"),
        "{created}"
    );
}

#[tokio::test]
async fn a_body_that_is_not_a_report_is_refused_before_any_field_is_read() {
    let app = TestApp::pisa().await;
    let json = Some("application/json");
    assert_refused(vec![
        (
            "malformed JSON",
            raw(&app, json, b"{\"category\": ".to_vec()).await,
            400,
            "malformed_json",
        ),
        (
            "not JSON at all",
            raw(&app, json, b"<xml/>".to_vec()).await,
            400,
            "malformed_json",
        ),
        (
            "no content type",
            raw(
                &app,
                None,
                serde_json::to_vec(&report("buche", 43.72, 10.39)).unwrap(),
            )
            .await,
            415,
            "unsupported_media_type",
        ),
        (
            "wrong type",
            app.post("/api/v1/reports", &with("lat", json!("43.7")))
                .await,
            422,
            "invalid_body",
        ),
        (
            "NaN as a string",
            app.post("/api/v1/reports", &with("lon", json!("NaN")))
                .await,
            422,
            "invalid_body",
        ),
        (
            "unknown field",
            app.post("/api/v1/reports", &with("priority", json!("high")))
                .await,
            422,
            "invalid_body",
        ),
        (
            "unknown reporter field",
            app.post(
                "/api/v1/reports",
                &with("reporter.fiscal_code", json!("RSSMRA")),
            )
            .await,
            422,
            "invalid_body",
        ),
        (
            "missing lat",
            app.post(
                "/api/v1/reports",
                &json!({"category": "buche", "description": "x", "lon": 10.4}),
            )
            .await,
            422,
            "invalid_body",
        ),
        (
            "10 MB description",
            app.post(
                "/api/v1/reports",
                &with("description", json!("x".repeat(10 * 1024 * 1024))),
            )
            .await,
            413,
            "payload_too_large",
        ),
    ]);
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn each_bad_field_is_named_and_nothing_is_stored() {
    let app = TestApp::pisa().await;
    assert_refused(vec![
        (
            "lat out of range",
            app.post("/api/v1/reports", &with("lat", json!(91.0))).await,
            422,
            "validation_failed",
        ),
        (
            "lon out of range",
            app.post("/api/v1/reports", &with("lon", json!(-181))).await,
            422,
            "validation_failed",
        ),
        (
            "empty description",
            app.post("/api/v1/reports", &with("description", json!("   ")))
                .await,
            422,
            "validation_failed",
        ),
        (
            "long description",
            app.post(
                "/api/v1/reports",
                &with("description", json!("x".repeat(4001))),
            )
            .await,
            422,
            "validation_failed",
        ),
        (
            "bad email",
            app.post("/api/v1/reports", &with("reporter.email", json!("maria@")))
                .await,
            422,
            "validation_failed",
        ),
        (
            "bad phone",
            app.post("/api/v1/reports", &with("reporter.phone", json!("12-34")))
                .await,
            422,
            "validation_failed",
        ),
        (
            "bad language",
            app.post("/api/v1/reports", &with("language", json!("fr")))
                .await,
            422,
            "validation_failed",
        ),
        (
            "control characters",
            app.post("/api/v1/reports", &with("title", json!("a\u{0007}b")))
                .await,
            422,
            "validation_failed",
        ),
    ]);
    // Field errors name their field, for inline display.
    let (_, body) = app
        .post("/api/v1/reports", &with("reporter.email", json!("nope")))
        .await;
    assert_eq!(body["error"]["details"][0]["field"], "reporter.email");
    assert_eq!(body["error"]["details"][0]["code"], "invalid_email");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_category_or_a_point_the_comune_does_not_serve_is_refused() {
    let app = TestApp::pisa_and_bagno_a_ripoli().await;
    assert_refused(vec![
        (
            "unknown category",
            app.post("/api/v1/reports", &with("category", json!("ufo")))
                .await,
            422,
            "validation_failed",
        ),
        (
            "another comune's category",
            app.post("/api/v1/reports", &with("category", json!("frane")))
                .await,
            422,
            "validation_failed",
        ),
        (
            "outside the territory",
            app.post("/api/v1/reports", &with("lat", json!(45.0))).await,
            422,
            "outside_territory",
        ),
    ]);
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_citizen_cannot_set_what_only_staff_set() {
    let app = TestApp::pisa().await;
    assert_refused(vec![
        (
            "citizen sets a channel",
            app.post("/api/v1/reports", &with("channel", json!("phone")))
                .await,
            422,
            "validation_failed",
        ),
        (
            "citizen backdates",
            app.post(
                "/api/v1/reports",
                &with("received_at", json!("2026-01-01T00:00:00Z")),
            )
            .await,
            422,
            "validation_failed",
        ),
    ]);
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn italian_phone_formats_are_accepted() {
    let app = TestApp::pisa().await;
    for phone in [
        "333 1234567",
        "+39 333 123 4567",
        "0039 333 1234567",
        "050 910111",
        "(050) 91.01.11",
        "+39-050-910111",
    ] {
        let (status, body) = app
            .post("/api/v1/reports", &with("reporter.phone", json!(phone)))
            .await;
        assert_eq!(status, 201, "{phone}: {body}");
    }
}

#[tokio::test]
async fn query_and_path_errors_use_the_envelope() {
    let app = TestApp::pisa().await;
    for (path, status, code) in [
        ("/api/v1/reports", 400, "bbox_required"),
        ("/api/v1/reports?bbox=1,2,3", 400, "invalid_bbox"),
        ("/api/v1/reports?bbox=10.5,43,10.4,44", 400, "invalid_bbox"),
        (
            "/api/v1/reports?bbox=10,43,11,44&limit=0",
            400,
            "invalid_limit",
        ),
        (
            "/api/v1/reports?bbox=10,43,11,44&limit=abc",
            400,
            "invalid_query",
        ),
        (
            "/api/v1/reports?bbox=10,43,11,44&cursor=zzz",
            400,
            "invalid_cursor",
        ),
        (
            "/api/v1/reports?bbox=10,43,11,44&status=lost",
            400,
            "invalid_status",
        ),
        (
            "/api/v1/reports/nearby?lat=43.7&lon=10.4&radius_m=50000",
            400,
            "invalid_radius",
        ),
        (
            "/api/v1/reports/nearby?lat=95&lon=10.4",
            400,
            "invalid_coordinates",
        ),
        ("/api/v1/reports/nearby?lat=43.7", 400, "invalid_query"),
        ("/api/v1/reports/PI-2026-999999", 404, "report_not_found"),
        ("/api/v1/nothing-here", 404, "not_found"),
    ] {
        let (got, body) = app.get(path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(body["error"]["code"], code, "{path}: {body}");
    }
}
