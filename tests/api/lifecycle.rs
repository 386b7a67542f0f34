//! The workflow through the store (one transaction per transition, with its
//! events) and the citizen's confirm/reopen through HTTP.

use chrono::Utc;
use serde_json::{json, Value};

use segnala::app::reports::routing::change_status;
use segnala::domain::report::{Actor, Status};
use segnala::error::AppError;
use segnala::store::events::timeline;
use segnala::store::reports::{by_code, Transition};

use crate::common::*;
use crate::listing::transition;

fn step(
    app: &TestApp,
    code: &str,
    to: Status,
    message: Option<&str>,
    note: Option<&str>,
) -> Result<(), AppError> {
    app.store.write(|c| {
        let r = by_code(c, code)?.unwrap();
        change_status(
            c,
            &r,
            &Transition {
                to,
                actor: Actor::user("u-office"),
                public_message: message.map(Into::into),
                internal_note: note.map(Into::into),
                data: None,
                kind: None,
                now: Utc::now(),
            },
        )?;
        Ok(())
    })
}

#[tokio::test]
async fn a_report_moves_through_the_workflow_and_every_step_is_recorded() {
    let app = TestApp::pisa().await;
    let code = app.file("buche", PISA_CENTRE).await["code"]
        .as_str()
        .unwrap()
        .to_string();
    step(
        &app,
        &code,
        Status::TakenIn,
        Some("Presa in carico dalla squadra strade"),
        Some("mandare Rossi"),
    )
    .unwrap();
    step(&app, &code, Status::InProgress, None, None).unwrap();
    // Forbidden: back to new, and nothing changes.
    let err = step(&app, &code, Status::New, Some("x"), None).unwrap_err();
    assert_eq!(err.code(), "transition_not_allowed");
    step(&app, &code, Status::Resolved, Some("Buca chiusa"), None).unwrap();

    let (_, public) = app.get(&format!("/api/v1/reports/{code}")).await;
    assert_eq!(public["status"], "resolved");
    assert!(public["taken_in_at"].is_string() && public["resolved_at"].is_string());
    let entries = public["timeline"].as_array().unwrap();
    let kinds: Vec<_> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "created",
            "routed",
            "taken_in",
            "status_changed",
            "status_changed"
        ]
    );
    assert_eq!(
        entries[2]["message"],
        "Presa in carico dalla squadra strade"
    );
    assert!(
        !public.to_string().contains("mandare Rossi"),
        "internal notes are never public"
    );

    // Staff see everything, with actors.
    let all = app
        .store
        .read(|c| {
            let id = by_code(c, &code)?.unwrap().id;
            Ok(timeline(c, id, true)?)
        })
        .unwrap();
    let note = all.iter().find(|e| e.kind == "internal_note").unwrap();
    assert_eq!(
        (note.actor_kind.as_str(), note.actor_id.as_deref()),
        ("user", Some("u-office"))
    );
    assert_eq!(all.len(), 6);
}

#[tokio::test]
async fn the_citizen_confirms_or_reopens_with_the_token() {
    let app = TestApp::pisa().await;
    let created = app.file("buche", PISA_CENTRE).await;
    let code = created["code"].as_str().unwrap();
    let token = created["tracking_token"].as_str().unwrap();

    // Not resolved yet: 409.
    let (status, body) = app
        .post(
            &format!("/api/v1/reports/{code}/confirm"),
            &json!({"token": token}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("transition_not_allowed"))
    );
    transition(&app, code, &[Status::TakenIn]);
    let (status, body) = app
        .post(
            &format!("/api/v1/reports/{code}/reopen"),
            &json!({"token": token, "message": "spingo avanti"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("transition_not_allowed")),
        "only a resolved report can be reopened"
    );
    transition(&app, code, &[Status::Resolved]);
    let (status, body) = app
        .post(
            &format!("/api/v1/reports/{code}/reopen"),
            &json!({"token": "wrong", "message": "no"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("invalid_token"))
    );
    let (status, body) = app
        .post(
            &format!("/api/v1/reports/{code}/reopen"),
            &json!({"token": token}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("validation_failed"))
    );
    let (status, body) = app
        .post(
            &format!("/api/v1/reports/{code}/reopen"),
            &json!({"token": token, "message": "La buca è ancora lì"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "in_progress");
    assert_eq!(
        body["timeline"].as_array().unwrap().last().unwrap()["kind"],
        "reopened"
    );

    transition(&app, code, &[Status::Resolved]);
    let (status, body) = app
        .post(
            &format!("/api/v1/reports/{code}/confirm"),
            &json!({"token": token}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["open311_status"].as_str()),
        (Some("closed"), Some("closed"))
    );
    assert!(body["closed_at"].is_string());
}

#[tokio::test]
async fn the_citizen_downloads_a_receipt_and_rates_the_service() {
    let app = TestApp::pisa().await;
    let created = app.file("buche", PISA_CENTRE).await;
    let code = created["code"].as_str().unwrap();
    let token = created["tracking_token"].as_str().unwrap();
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/reports/{code}/receipt.pdf?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("ricevuta-{code}.pdf")));
    let pdf = resp.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-1.4") && pdf.ends_with(b"%%EOF\n"));
    assert!(
        pdf.windows(code.len()).any(|w| w == code.as_bytes()),
        "the code is on the receipt"
    );
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/reports/{code}/receipt.pdf?token=nope")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);

    let (status, _) = app
        .post(
            &format!("/api/v1/reports/{code}/rating"),
            &json!({"token": token, "score": 9}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .post(
            &format!("/api/v1/reports/{code}/rating"),
            &json!({"token": "nope", "score": 4}),
        )
        .await;
    assert_eq!(status, 403);
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/reports/{code}/rating")))
        .json(&json!({"token": token, "score": 4, "comment": "Semplice"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let sup = app
        .staff("sup", segnala::domain::permissions::Role::Supervisor, &[])
        .await;
    let (_, stats) = app.get_as(&sup, "/api/v1/stats/offices").await;
    assert_eq!(stats["service_rating"]["count"], 1);
    assert_eq!(stats["service_rating"]["average"], 4.0);
    assert_eq!(stats["service_rating"]["histogram"], json!([0, 0, 0, 1, 0]));
}

#[tokio::test]
async fn the_citizen_adds_information_only_they_and_staff_see() {
    let app = TestApp::pisa().await;
    let created = app.file("buche", PISA_CENTRE).await;
    let code = created["code"].as_str().unwrap();
    let token = created["tracking_token"].as_str().unwrap();
    let path = format!("/api/v1/reports/{code}/information");

    let (status, body) = app
        .post(
            &path,
            &json!({"token": "wrong", "message": "la buca si è allargata"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("invalid_token"))
    );
    let (status, body) = app
        .post(&path, &json!({"token": token, "message": "  "}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "message");

    let (status, body) = app
        .post(
            &path,
            &json!({"token": token, "message": "la buca si è allargata"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let added =
        |b: &Value| {
            b["timeline"].as_array().unwrap().iter().any(|e| {
                e["kind"] == "information_added" && e["message"] == "la buca si è allargata"
            })
        };
    assert!(added(&body));
    let (_, public) = app.get(&format!("/api/v1/reports/{code}")).await;
    assert!(!added(&public), "the public page must not show it");
    let (_, own) = app
        .get(&format!("/api/v1/reports/{code}?token={token}"))
        .await;
    assert!(added(&own));

    transition(&app, code, &[Status::TakenIn, Status::Rejected]);
    let (status, body) = app
        .post(&path, &json!({"token": token, "message": "ancora"}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("report_closed"))
    );
}
