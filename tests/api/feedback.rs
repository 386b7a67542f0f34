//! The national model's page feedback (`POST /api/v1/feedback`) and the URP
//! contacts the citizen pages show: stored without personal data, validated
//! field by field, limited per client address, summarised for supervisors.

use serde_json::json;

use crate::common::TestApp;
use segnala::domain::permissions::Role;

#[tokio::test]
async fn answers_are_checked_stored_per_page_and_shown_to_supervisors_only() {
    let app = TestApp::pisa().await;
    let (status, body) = app
        .post(
            "/api/v1/feedback",
            &json!({"page": "/segnalazioni/PI-2026-000001", "rating": 4, "answer": "not_clear", "detail": "x".repeat(201)}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<(&str, &str)> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["field"].as_str().unwrap(), d["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("page", "unknown_page"),
            ("answer", "answer_does_not_fit"),
            ("detail", "too_long")
        ]
    );
    let (status, body) = app
        .post("/api/v1/feedback", &json!({"page": "/", "rating": 6}))
        .await;
    assert_eq!(
        (status, body["error"]["details"][0]["code"].as_str()),
        (422, Some("invalid_rating"))
    );
    let (status, body) = app
        .post(
            "/api/v1/feedback",
            &json!({"page": "/", "rating": 3, "answer": "bad"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_body")),
        "an answer outside the lists does not match the shape"
    );
    let (status, _) = app
        .post(
            "/api/v1/feedback",
            &json!({"page": "/", "rating": 3, "email": "a@b.it"}),
        )
        .await;
    assert_eq!(status, 422, "no other field (such as an email) is taken");

    for (page, rating, answer, detail) in [
        (
            "/segnala",
            2,
            Some("not_sure"),
            Some("  Non trovavo il pulsante  "),
        ),
        ("/segnala", 5, Some("clear"), None),
        ("/segnala", 1, Some("other"), None),
        ("/", 4, None, None),
    ] {
        let (status, body) = app
            .post(
                "/api/v1/feedback",
                &json!({"page": page, "rating": rating, "answer": answer, "detail": detail}),
            )
            .await;
        assert_eq!(status, 204, "{body}");
    }

    let (status, _) = app.get("/api/v1/stats/offices").await;
    assert_eq!(status, 401);
    let office = app.staff("strade", Role::Office, &["manutenzioni"]).await;
    let (status, _) = app.get_as(&office, "/api/v1/stats/offices").await;
    assert_eq!(status, 403, "an office does not see the site's statistics");
    let sup = app.staff("sup", Role::Supervisor, &[]).await;
    let (status, stats) = app.get_as(&sup, "/api/v1/stats/offices").await;
    assert_eq!(status, 200);
    assert_eq!(
        stats["page_feedback"],
        json!([
            {"page": "/", "count": 1, "average": 4.0, "histogram": [0, 0, 0, 1, 0], "answers": [], "details": []},
            {"page": "/segnala", "count": 3, "average": 2.7, "histogram": [1, 1, 0, 0, 1],
             "answers": [{"answer": "not_sure", "count": 1}, {"answer": "clear", "count": 1}, {"answer": "other", "count": 1}],
             "details": [{"at": stats["page_feedback"][1]["details"][0]["at"], "rating": 2, "text": "Non trovavo il pulsante"}]},
        ])
    );
    assert_eq!(
        stats["service_rating"]["count"], 0,
        "the service rating is a separate question"
    );
    // A period before the answers has none.
    let (_, old) = app
        .get_as(&sup, "/api/v1/stats/offices?from=2025-01-01&to=2025-02-01")
        .await;
    assert_eq!(old["page_feedback"], json!([]));
}

#[tokio::test]
async fn one_address_is_limited_and_a_forged_forwarded_header_does_not_help() {
    let app = TestApp::pisa().await;
    let limit = segnala::http::feedback::PER_ADDRESS_PER_HOUR;
    for i in 0..limit {
        let resp = app
            .client
            .post(app.url("/api/v1/feedback"))
            .header("x-forwarded-for", format!("203.0.113.{}", i % 250))
            .json(&json!({"page": "/", "rating": 5}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 204, "answer {i}");
    }
    let resp = app
        .client
        .post(app.url("/api/v1/feedback"))
        .header("x-forwarded-for", "198.51.100.7")
        .json(&json!({"page": "/", "rating": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert!(resp.headers().get("retry-after").is_some());
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_feedback_answers");
    let sup = app.staff("sup", Role::Supervisor, &[]).await;
    let (_, stats) = app.get_as(&sup, "/api/v1/stats/offices").await;
    assert_eq!(
        stats["page_feedback"][0]["count"], limit,
        "the refused answer was not stored"
    );
    // Filing reports is counted apart.
    app.file("buche", crate::common::PISA_CENTRE).await;
}

#[tokio::test]
async fn the_admin_sets_the_urp_contacts_that_every_citizen_page_shows() {
    let app = TestApp::pisa().await;
    let (_, list) = app.get("/api/v1/municipalities").await;
    assert_eq!(
        list[0]["urp"]["email"], "urp@comune.pisa.example",
        "the demo's"
    );
    let admin = app.staff("adm", Role::Admin, &[]).await;
    let put = |body: serde_json::Value| {
        app.client
            .put(app.url("/api/v1/admin/calendar"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    // Empty values clear.
    let resp = put(json!({"urp_phone": "", "urp_email": " ", "urp_address": ""}))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, list) = app.get("/api/v1/municipalities").await;
    assert_eq!(
        list[0]["urp"],
        json!({"phone": null, "email": null, "address": null, "weekdays": [1, 2, 3, 4, 5], "hours": "09:00-13:15,14:15-17:00"})
    );
    let resp = put(json!({"urp_email": "urp@", "urp_phone": "12"}))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["details"][0]["field"], "urp_phone");
    let resp = put(json!({"urp_email": "urp@"})).await.unwrap();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        (
            body["error"]["details"][0]["field"].as_str(),
            body["error"]["details"][0]["code"].as_str()
        ),
        (Some("urp_email"), Some("invalid_email"))
    );
    let resp = put(json!({
        "urp_phone": "050 910111",
        "urp_email": "URP@Comune.Pisa.IT",
        "urp_address": "Lungarno Galilei 43",
        "working_weekdays": [1, 2, 3, 4, 5, 6],
    }))
    .await
    .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, list) = app.get("/api/v1/municipalities").await;
    let urp = &list[0]["urp"];
    assert_eq!(urp["address"], "Lungarno Galilei 43");
    assert_eq!(urp["email"], "URP@comune.pisa.it");
    assert_eq!(urp["weekdays"], json!([1, 2, 3, 4, 5, 6]));
    assert!(urp["phone"].as_str().unwrap().contains("050"));
    // Absent keeps.
    let resp = put(json!({"urp_address": ""})).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, list) = app.get("/api/v1/municipalities").await;
    assert_eq!(list[0]["urp"]["address"], serde_json::Value::Null);
    assert_eq!(list[0]["urp"]["email"], "URP@comune.pisa.it");
}
