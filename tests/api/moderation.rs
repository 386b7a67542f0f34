//! Publication and moderation: the comune's policies, masking of personal
//! values in every public surface, staff decisions with their reasons, the
//! queue, and a walk of every public endpoint for anything hidden.

use segnala::domain::permissions::Role;
use serde_json::{json, Value};

use crate::common::*;

/// A description full of what the public must not read.
const LEAKY: &str = "Auto AB123CD abbandonata da mesi; il proprietario risponde al 347 1234567 \
                     o a gino.rossi@libero.it, CF RSSGNI70A01G702Q, vedi https://fb.example/gino";
const LEAKS: &[&str] = &[
    "AB123CD",
    "347 1234567",
    "gino.rossi",
    "RSSGNI70A01G702Q",
    "fb.example",
];

async fn file_with(app: &TestApp, category: &str, point: (f64, f64), description: &str) -> Value {
    let mut body = report(category, point.0, point.1);
    body["description"] = json!(description);
    body["title"] = json!(format!("Segnalazione {category}"));
    let (status, created) = app.post("/api/v1/reports", &body).await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn text(app: &TestApp, path: &str) -> (u16, String) {
    let resp = app.client.get(app.url(path)).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// A small valid PNG photo.
fn tiny_png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(32, 24, image::Rgb([200, 120, 40]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn code(v: &Value) -> String {
    v["code"].as_str().unwrap().to_string()
}

fn token(v: &Value) -> String {
    v["tracking_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn each_policy_decides_what_the_public_sees() {
    let app = TestApp::pisa().await;
    // Demo: buche immediate, rifiuti-abbandonati after review, animali never.
    let immediate = file_with(&app, "buche", PISA_CENTRE, "Buca in via Roma").await;
    let review = file_with(
        &app,
        "rifiuti-abbandonati",
        PISA_CENTRE,
        "Sacchi in via Roma",
    )
    .await;
    let never = file_with(&app, "animali", PISA_CENTRE, "Cane che morde in via Roma").await;

    let (status, public) = app
        .get(&format!("/api/v1/reports/{}", code(&immediate)))
        .await;
    assert_eq!(
        (status, public["publication"].as_str()),
        (200, Some("published"))
    );
    for (created, state) in [(&review, "pending"), (&never, "withheld")] {
        let (status, body) = app.get(&format!("/api/v1/reports/{}", code(created))).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("report_not_public")),
            "{body}"
        );
        // Its citizen follows it with the token, and is told it is not public.
        let (status, own) = app
            .get(&format!(
                "/api/v1/reports/{}?token={}",
                code(created),
                token(created)
            ))
            .await;
        assert_eq!(
            (status, own["publication"].as_str()),
            (200, Some(state)),
            "{own}"
        );
    }

    // The public categories say which policy applies.
    let (_, cats) = app
        .get(&format!("/api/v1/categories?municipality={PISA}"))
        .await;
    let policy = |c: &str| {
        cats["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["code"] == c)
            .unwrap()["publication"]
            .clone()
    };
    assert_eq!(
        (
            policy("buche"),
            policy("rifiuti-abbandonati"),
            policy("animali")
        ),
        (json!("immediate"), json!("after_review"), json!("never"))
    );

    // A supervisor publishes the one under review; the one never published stays so.
    let sup = app.staff("sup", Role::Supervisor, &[]).await;
    let (status, _) = app
        .post_as(
            &sup,
            &format!("/api/v1/reports/{}/moderation", code(&review)),
            &json!({"report": "publish"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.get(&format!("/api/v1/reports/{}", code(&review))).await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post_as(
            &sup,
            &format!("/api/v1/reports/{}/moderation", code(&never)),
            &json!({"report": "publish"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("never_published")),
        "{body}"
    );

    // Open311 knows of the withheld one only its id and status.
    let (_, one) = app
        .get(&format!("/open311/v2/requests/{}.json", code(&never)))
        .await;
    let record = one[0].as_object().unwrap();
    assert_eq!(record.len(), 2, "{one}");
    assert_eq!(record["status"], "open");
}

#[tokio::test]
async fn personal_values_are_masked_for_the_public_and_kept_for_citizen_and_staff() {
    let app = TestApp::pisa().await;
    let created = file_with(&app, "buche", PISA_CENTRE, LEAKY).await;
    let (c, t) = (code(&created), token(&created));

    let (_, public) = app.get(&format!("/api/v1/reports/{c}")).await;
    let description = public["description"].as_str().unwrap();
    assert!(description.contains("[dato nascosto]"), "{description}");
    assert!(
        description.starts_with("Auto [dato nascosto] abbandonata"),
        "{description}"
    );
    for leak in LEAKS {
        assert!(!description.contains(leak), "{leak} in {description}");
    }
    let (_, own) = app.get(&format!("/api/v1/reports/{c}?token={t}")).await;
    assert_eq!(own["description"], LEAKY);

    let sup = app.staff("sup", Role::Supervisor, &[]).await;
    let (_, staff_view) = app
        .get_as(&sup, &format!("/api/v1/staff/reports/{c}"))
        .await;
    assert_eq!(staff_view["description"], LEAKY);
    assert_eq!(
        staff_view["moderation"]["public_description"],
        public["description"]
    );
    assert_eq!(staff_view["moderation"]["masked"], true);

    // The receipt's text is the public one.
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/reports/{c}/receipt.pdf?token={t}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let pdf = resp.bytes().await.unwrap();
    let pdf = String::from_utf8_lossy(&pdf);
    assert!(pdf.contains("[dato nascosto]"));
    for leak in LEAKS {
        assert!(!pdf.contains(leak), "{leak} in the receipt");
    }
}

/// A report full of [`LEAKY`] text and its moderation path.
async fn leaky_report(app: &TestApp) -> (String, String) {
    let created = file_with(app, "buche", PISA_CENTRE, LEAKY).await;
    let c = code(&created);
    let path = format!("/api/v1/reports/{c}/moderation");
    (c, path)
}

/// The office rewrites the report's public title and description.
async fn rewrite_public_text(office: &Staffer<'_>, path: &str) {
    let (status, body) = office
        .post(
            path,
            &json!({"public_title": "Auto abbandonata", "public_description": "Auto abbandonata in via Roma.", "reason": "dati personali"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// The office hides the report.
async fn hide(office: &Staffer<'_>, path: &str) {
    let change = json!({"report": "hide", "reason": "foto di una persona"});
    let (status, body) = office.post(path, &change).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn another_office_does_not_see_a_report_to_moderate_and_the_urp_does_not_moderate() {
    let app = TestApp::pisa().await;
    let (_, path) = leaky_report(&app).await;
    let other = app.office("verde", &["verde"]).await;
    let urp = app.urp("urp").await;
    let (status, _) = other.post(&path, &json!({"report": "publish"})).await;
    assert_eq!(status, 404);
    let (status, _) = urp.post(&path, &json!({"report": "publish"})).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_moderation_without_a_change_a_reason_or_a_known_photo_is_refused() {
    let app = TestApp::pisa().await;
    let (_, path) = leaky_report(&app).await;
    let office = app.office("strade", &["manutenzioni"]).await;
    let (status, body) = office.post(&path, &json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("nothing_to_change"))
    );
    let (status, body) = office.post(&path, &json!({"report": "hide"})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "reason", "{body}");
    let (status, body) = office
        .post(
            &path,
            &json!({"photos": [{"id": "nope", "decision": "publish"}], "reason": "x"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let too_long = json!({"public_title": "x".repeat(121), "reason": "troppo lungo"});
    let (status, body) = office.post(&path, &too_long).await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn staff_rewrite_and_hide_with_reasons_on_the_internal_timeline() {
    let app = TestApp::pisa().await;
    let (c, path) = leaky_report(&app).await;
    let office = app.office("strade", &["manutenzioni"]).await;
    let public_path = format!("/api/v1/reports/{c}");
    rewrite_public_text(&office, &path).await;
    let (_, public) = app.get(&public_path).await;
    assert_eq!(
        (public["title"].as_str(), public["description"].as_str()),
        (
            Some("Auto abbandonata"),
            Some("Auto abbandonata in via Roma.")
        )
    );
    hide(&office, &path).await;
    let (status, _) = app.get(&public_path).await;
    assert_eq!(status, 404);

    // Each decision is an internal event with its actor and reason; the
    // public timeline shows none of them.
    let (_, detail) = office.get(&format!("/api/v1/staff/reports/{c}")).await;
    assert_eq!(
        detail["description"], LEAKY,
        "staff keep the citizen's words"
    );
    assert_eq!(detail["moderation"]["edited_title"], "Auto abbandonata");
    let events = detail["events"].as_array().unwrap();
    let edited = events
        .iter()
        .find(|e| e["kind"] == "public_text_edited")
        .expect("edit event");
    assert_eq!(
        (edited["message"].as_str(), edited["public"].as_bool()),
        (Some("dati personali"), Some(false))
    );
    assert_eq!(edited["actor_kind"], "user");
    assert_eq!(edited["data"]["public_title"]["to"], "Auto abbandonata");
    let hidden = events
        .iter()
        .find(|e| e["kind"] == "hidden")
        .expect("hide event");
    assert_eq!(hidden["message"], "foto di una persona");
    assert_eq!(hidden["data"]["from"], "published");
}

#[tokio::test]
async fn an_empty_public_text_goes_back_to_the_citizens_masked() {
    let app = TestApp::pisa().await;
    let (c, path) = leaky_report(&app).await;
    let office = app.office("strade", &["manutenzioni"]).await;
    rewrite_public_text(&office, &path).await;
    hide(&office, &path).await;
    let (status, _) = office
        .post(&path, &json!({"report": "publish", "public_title": "", "public_description": "", "reason": "ripristino"}))
        .await;
    assert_eq!(status, 200);
    let (_, public) = app.get(&format!("/api/v1/reports/{c}")).await;
    assert!(
        public["description"]
            .as_str()
            .unwrap()
            .starts_with("Auto [dato nascosto]"),
        "{public}"
    );
}

#[tokio::test]
async fn the_queue_holds_what_waits_for_a_review_in_the_callers_scope() {
    let app = TestApp::pisa().await;
    let pending = file_with(&app, "rifiuti-abbandonati", PISA_CENTRE, "Sacchi").await;
    let public = file_with(&app, "buche", PISA_CENTRE, "Buca").await;
    let _never = file_with(&app, "animali", PISA_CENTRE, "Cane").await;
    let sup = app.staff("sup", Role::Supervisor, &[]).await;
    let office = app.staff("strade", Role::Office, &["manutenzioni"]).await;

    let (status, page) = app.get_as(&sup, "/api/v1/staff/moderation").await;
    assert_eq!(status, 200, "{page}");
    let codes = |p: &Value| -> Vec<String> {
        p["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        codes(&page),
        vec![code(&pending)],
        "only the report under review"
    );

    // A photo of the public report puts it in the queue, for its office too.
    let resp = app
        .client
        .post(app.url(&format!(
            "/api/v1/reports/{}/attachments?token={}",
            code(&public),
            token(&public)
        )))
        .multipart(
            reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(tiny_png())
                    .file_name("a.png")
                    .mime_str("image/png")
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let photo: Value = resp.json().await.unwrap();
    let (_, page) = app.get_as(&sup, "/api/v1/staff/moderation?limit=1").await;
    assert_eq!(codes(&page), vec![code(&pending)]);
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_string();
    let (_, page) = app
        .get_as(
            &sup,
            &format!("/api/v1/staff/moderation?limit=1&cursor={cursor}"),
        )
        .await;
    assert_eq!(codes(&page), vec![code(&public)]);
    assert_eq!(page["items"][0]["photos"][0]["publication"], "pending");
    // One page: each report with its own photos (read for the page at once).
    let (_, both) = app.get_as(&sup, "/api/v1/staff/moderation").await;
    assert_eq!(codes(&both), vec![code(&pending), code(&public)]);
    assert_eq!(both["items"][0]["photos"], json!([]), "{both}");
    assert_eq!(both["items"][1]["photos"].as_array().unwrap().len(), 1);
    assert_eq!(both["items"][1]["photos"][0]["id"], photo["id"]);
    let (_, mine) = app.get_as(&office, "/api/v1/staff/moderation").await;
    assert_eq!(codes(&mine), vec![code(&public)], "an office sees its own");
    let urp = app.staff("urp", Role::Urp, &[]).await;
    let (status, _) = app.get_as(&urp, "/api/v1/staff/moderation").await;
    assert_eq!(status, 403);
    let (status, _) = app.get_as(&sup, "/api/v1/staff/moderation?limit=0").await;
    assert_eq!(status, 400);

    // Publishing the photo and the report empties the queue.
    let (status, _) = app
        .post_as(
            &office,
            &format!("/api/v1/reports/{}/moderation", code(&public)),
            &json!({"photos": [{"id": photo["id"], "decision": "publish"}]}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post_as(
            &sup,
            &format!("/api/v1/reports/{}/moderation", code(&pending)),
            &json!({"report": "publish"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, page) = app.get_as(&sup, "/api/v1/staff/moderation").await;
    assert!(page["items"].as_array().unwrap().is_empty(), "{page}");
}

#[tokio::test]
async fn a_change_of_policy_reaches_existing_reports() {
    let app = TestApp::pisa().await;
    let created = file_with(&app, "buche", PISA_CENTRE, "Buca").await;
    let c = code(&created);
    let admin = app.staff("admin", Role::Admin, &[]).await;
    let patch = |body: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let resp = app
                .client
                .patch(app.url("/api/v1/admin/categories/buche"))
                .bearer_auth(&admin)
                .json(&body)
                .send()
                .await
                .unwrap();
            resp.status().as_u16()
        }
    };
    assert_eq!(patch(json!({"publication": "sometimes"})).await, 422);
    assert_eq!(patch(json!({"publication": "never"})).await, 200);
    let (status, _) = app.get(&format!("/api/v1/reports/{c}")).await;
    assert_eq!(status, 404, "withheld with its category");
    // Back to the comune's policy: it waits for a review, it is not simply public again.
    assert_eq!(patch(json!({"publication": null})).await, 200);
    let sup = app.staff("sup", Role::Supervisor, &[]).await;
    let (_, detail) = app
        .get_as(&sup, &format!("/api/v1/staff/reports/{c}"))
        .await;
    assert_eq!(detail["publication"], "pending");
    assert_eq!(detail["moderation"]["policy"], "immediate");

    // The comune's own policy applies to new reports.
    let resp = app
        .client
        .put(app.url("/api/v1/admin/calendar"))
        .bearer_auth(&admin)
        .json(&json!({"publication_policy": "after_review"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["publication_policy"], "after_review");
    let later = file_with(&app, "illuminazione", PISA_CENTRE, "Lampione").await;
    let (status, _) = app.get(&format!("/api/v1/reports/{}", code(&later))).await;
    assert_eq!(status, 404);
}

/// Every public surface, searched for a hidden report and for masked values.
#[tokio::test]
async fn nothing_hidden_leaks_from_any_public_endpoint() {
    let app = TestApp::pisa().await;
    let secret = "Zanzibar-7741";
    let hidden = file_with(&app, "buche", PISA_CENTRE, &format!("Segreto {secret}")).await;
    let never = file_with(&app, "animali", PISA_CENTRE, &format!("Morso {secret}")).await;
    let pending = file_with(
        &app,
        "rifiuti-abbandonati",
        PISA_CENTRE,
        &format!("Sacchi {secret}"),
    )
    .await;
    let masked = file_with(&app, "buche", PISA_CENTRE, LEAKY).await;
    let sup = app.staff("sup", Role::Supervisor, &[]).await;
    let (status, _) = app
        .post_as(
            &sup,
            &format!("/api/v1/reports/{}/moderation", code(&hidden)),
            &json!({"report": "hide", "reason": "nome di un vicino"}),
        )
        .await;
    assert_eq!(status, 200);
    let withheld = [code(&hidden), code(&never), code(&pending)];

    let bbox = "10.38,43.70,10.42,43.74";
    let (lat, lon) = PISA_CENTRE;
    let mut paths = vec![
        format!("/api/v1/reports?bbox={bbox}"),
        format!("/api/v1/reports?bbox=10.0,43.0,11.0,44.5&status=new,taken_in,in_progress,resolved,closed,rejected,not_competent"),
        format!("/api/v1/reports/nearby?lat={lat}&lon={lon}&radius_m=500"),
        format!("/api/v1/reports/clusters?bbox={bbox}&zoom=13"),
        "/open311/v2/requests.json".to_string(),
        "/open311/v2/requests.xml".to_string(),
        format!("/open311/v2/requests.json?service_request_id={}", withheld.join(",")),
        format!("/open311/v2/requests.xml?service_request_id={}", withheld.join(",")),
        format!("/api/v1/stats/public?municipality={PISA}"),
        format!("/api/v1/reports/{}", code(&masked)),
        format!("/open311/v2/requests/{}.json", code(&masked)),
        format!("/open311/v2/requests/{}.xml", code(&masked)),
    ];
    for c in &withheld {
        paths.push(format!("/api/v1/reports/{c}"));
        paths.push(format!("/open311/v2/requests/{c}.json"));
        paths.push(format!("/open311/v2/requests/{c}.xml"));
    }
    for path in &paths {
        let (status, body) = text(&app, path).await;
        assert!(status == 200 || status == 404, "{path}: {status} {body}");
        assert!(
            !body.contains(secret),
            "{path} leaks the hidden text: {body}"
        );
        for leak in LEAKS {
            assert!(!body.contains(leak), "{path} leaks {leak}: {body}");
        }
    }
    // The map lists the masked report but none of the others.
    let (_, list) = app.get(&format!("/api/v1/reports?bbox={bbox}")).await;
    let listed: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec![code(&masked).as_str()], "{list}");
    let (_, near) = app
        .get(&format!(
            "/api/v1/reports/nearby?lat={lat}&lon={lon}&radius_m=500"
        ))
        .await;
    assert_eq!(near["items"].as_array().map(Vec::len), Some(1), "{near}");
    let (_, clusters) = app
        .get(&format!("/api/v1/reports/clusters?bbox={bbox}&zoom=13"))
        .await;
    let total: i64 = clusters["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 1, "{clusters}");
}
